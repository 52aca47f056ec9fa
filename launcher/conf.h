/* Network configuration lists: found by name in a directory with libcni's rules, or the
 * embedded default network. */
#pragma once

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "cni_error.h"

/* The built-in network used when no configuration of that name exists. */
#define CONF_DEFAULT_NAME "cnictl"

struct netconf {
	char *name;
	char *version; /* cniVersion handed to plugins (selected from cniVersions) */
	bool disable_check;
	bool disable_gc;
	char *bytes; /* the list as libcni caches it (file bytes, or the upconverted list) */
	size_t len;
	cJSON *json;	      /* parsed list, owns plugins */
	const cJSON *plugins; /* array of plugin objects, non-empty */
	char *source;	      /* file it came from, "(built-in)", or "(cache)" */
};

struct netconf *conf_free(struct netconf *nc);
DEFINE_CLEANUP(struct netconf *, conf_free)

/* Parse a configuration list (libcni ConfListFromBytes). `source` names it in messages. */
int conf_from_bytes(const char *bytes, size_t len, const char *source, struct netconf **ret,
		    struct cni_error *err);

/* libcni LoadNetworkConf: the first "*.conflist" (sorted) whose name matches, then the first
 * "*.conf"/"*.json" single-plugin file, wrapped into a one-plugin list. The name
 * CONF_DEFAULT_NAME falls back to the embedded default network: bridge + host-local, and
 * portmap (capability portMappings) when `cni_path` (may be NULL) holds a portmap plugin.
 * Code 7 when not found. */
int conf_load(const char *dir, const char *name, const char *cni_path, struct netconf **ret,
	      struct cni_error *err);

/* Names of every network defined in dir (lists first, then single files, duplicates dropped),
 * plus the default network. NULL-terminated, malloc'd; free with conf_names_free(). */
int conf_list_names(const char *dir, char ***ret, struct cni_error *err);
char **conf_names_free(char **names);

/* Whether `version` is at least `min` ("0.4.0" for CHECK, "1.1.0" for GC and STATUS). A
 * missing version counts as 0.1.0, as in libcni. */
bool conf_version_at_least(const char *version, const char *min);

/* Plugins declaring capability `cap` true. */
bool conf_plugin_has_cap(const cJSON *plugin, const char *cap);
bool conf_has_cap(const struct netconf *nc, const char *cap);
