/* The result model: one in-memory shape (the 1.1.0 superset) that decodes from and encodes to
 * every spec version. Conversion happens only at the edges (decode/encode). */
#pragma once

#include <cJSON.h>
#include <stddef.h>

#include "cni_error.h"
#include "cni_version.h"
#include "ipaddr.h"

struct cni_interface {
	char *name;
	char *mac;	   /* NULL = not reported */
	char *sandbox;	   /* netns path for container interfaces, NULL for host ones */
	int mtu;	   /* 0 = not reported (1.1.0 only) */
	char *socket_path; /* 1.1.0 only */
	char *pci_id;	   /* 1.1.0 only */
};

struct cni_ip {
	struct ipprefix address; /* address with the subnet's prefix length */
	struct ipaddr gateway;	 /* family 0 = none */
	int interface;		 /* index into interfaces, -1 = none */
};

enum {
	CNI_ROUTE_MTU = 1 << 0,
	CNI_ROUTE_ADVMSS = 1 << 1,
	CNI_ROUTE_PRIORITY = 1 << 2,
	CNI_ROUTE_TABLE = 1 << 3,
	CNI_ROUTE_SCOPE = 1 << 4,
};

struct cni_route {
	struct ipprefix dst;
	struct ipaddr gw; /* family 0 = none (main plugin uses the family's gateway) */
	unsigned has;	  /* CNI_ROUTE_* bits: which of the 1.1.0 fields below are set */
	int mtu, advmss, priority, table, scope;
};

struct cni_dns {
	char **nameservers;
	size_t n_nameservers;
	char *domain;
	char **search;
	size_t n_search;
	char **options;
	size_t n_options;
};

struct cni_result {
	struct cni_interface *interfaces;
	size_t n_interfaces;
	struct cni_ip *ips;
	size_t n_ips;
	struct cni_route *routes;
	size_t n_routes;
	struct cni_dns dns;
};

struct cni_result *cni_result_new(void);
/* Frees everything; accepts NULL; returns NULL. */
struct cni_result *cni_result_free(struct cni_result *r);
DEFINE_CLEANUP(struct cni_result *, cni_result_free)

/* Append copies; *ret_index (may be NULL) gets the new interface's index. -ENOMEM on OOM. */
int cni_result_add_interface(struct cni_result *r, const char *name, const char *mac,
			     const char *sandbox, size_t *ret_index);
int cni_result_add_ip(struct cni_result *r, const struct cni_ip *ip);
int cni_result_add_route(struct cni_result *r, const struct cni_route *route);
/* Replace r's DNS with a deep copy of src. */
int cni_dns_copy(struct cni_dns *dst, const struct cni_dns *src);
void cni_dns_clear(struct cni_dns *dns);
bool cni_dns_is_empty(const struct cni_dns *dns);
/* Deep copy of a whole result. */
int cni_result_dup(const struct cni_result *r, struct cni_result **ret);

/* Decode a result in any version's shape. The shape is chosen by the object's own
 * "cniVersion", or by `fallback` when it has none (libcni's fixupResultVersion rule).
 * 0.3.0 accepts both "ip" (spec text) and "ips" (libcni). Code 6 on malformed content,
 * code 1 on an unknown version. */
int cni_result_decode(const cJSON *json, enum cni_version fallback, struct cni_result **ret,
		      struct cni_error *err);
/* cni_result_decode() of a result the reference holds as a map[string]interface{} and
 * re-marshals before decoding it (prevResult in version.ParsePrevResult, the cached result in
 * libcni getCachedResult): its keys are then in byte order, and that order decides which of
 * two spellings of one key ("ips", "IPs") is read. json itself is not changed. */
int cni_result_decode_remarshaled(const cJSON *json, enum cni_version fallback,
				  struct cni_result **ret, struct cni_error *err);

/* One route object {dst, gw, and with `full` the 1.1.0 mtu/advmss/priority/table/scope}.
 * Shared by result decoding (code 6) and config parsing (code 7): malformed input is reported
 * with `code`, naming `where`. */
int cni_route_decode(const cJSON *obj, const char *where, bool full, int code,
		     struct cni_route *ret, struct cni_error *err);

/* DNS object {nameservers, domain, search, options} (shared by results and configs). */
int cni_dns_decode(const cJSON *json, const char *where, struct cni_dns *ret,
		   struct cni_error *err);

/* Encode for `version`, converting as libcni does: 0.1.0/0.2.0 keep the first IPv4 and first
 * IPv6 address and attach routes by family; a result without IPs cannot be expressed there
 * (code 1, "cannot convert: no valid IP addresses"). 1.1.0-only fields are dropped below it. */
int cni_result_encode(const struct cni_result *r, enum cni_version version, cJSON **ret,
		      struct cni_error *err);

/* Whether cni_result_encode would succeed, without building JSON: lets a plugin refuse a
 * request before it changes anything. */
int cni_result_check_encodable(const struct cni_result *r, enum cni_version version,
			       struct cni_error *err);

/* Encode and print to `out`, the plugin's stdout (indented). The only writer of results. */
int cni_result_print(const struct cni_result *r, enum cni_version version, FILE *out,
		     struct cni_error *err);
