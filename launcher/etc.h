/* The container's /etc/hostname, /etc/hosts and /etc/resolv.conf (with --rootfs): written as
 * private copies in a directory of the state dir, bind-mounted into the container's view by the
 * container process, so the rootfs on disk never changes. */
#pragma once

#include <cJSON.h>
#include <stddef.h>

#include "cni_error.h"

/* The three files, by their names in /etc. */
extern const char *const etc_files[3];

/* /etc/hosts: localhost (v4, v6), then each of the container's addresses (without prefix
 * length) with the hostname and, when it differs, the container name; 127.0.1.1 for them
 * when the container has no address. malloc'd, NULL on ENOMEM. */
char *etc_hosts_text(const char *hostname, const char *name, char *const *ips);

/* /etc/resolv.conf from the "dns" of the CNI results (nameservers, domain, search, options,
 * merged in network order, duplicates dropped), or `host` (the host's file's content, may be
 * NULL) verbatim when no result names a nameserver. malloc'd, NULL on ENOMEM. */
char *etc_resolv_text(const cJSON *const *results, size_t n, const char *host);

/* Create dir (mode 0755) holding hostname, hosts and resolv.conf (0644). Code 5. */
int etc_write(const char *dir, const char *hostname, const char *hosts, const char *resolv,
	      struct cni_error *err);
/* Remove the three files and dir; missing is fine. */
int etc_remove(const char *dir);
