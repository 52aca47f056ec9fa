/* CNI_* environment: parsing, validation, and CNI_ARGS. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cni_error.h"

enum cni_command {
	CNI_CMD_NONE,
	CNI_CMD_ADD,
	CNI_CMD_DEL,
	CNI_CMD_CHECK,
	CNI_CMD_VERSION,
	CNI_CMD_STATUS,
	CNI_CMD_GC,
};

struct cni_env {
	enum cni_command command;
	const char *container_id; /* NULL when unset; pointers into the environment */
	const char *netns;	  /* may be "" for DEL */
	const char *ifname;
	const char *args; /* raw CNI_ARGS, NULL when unset */
	const char *path; /* raw CNI_PATH, NULL when unset */
};

/* "ADD" -> CNI_CMD_ADD (exact, case-sensitive); CNI_CMD_NONE when unknown. */
enum cni_command cni_command_parse(const char *s);
const char *cni_command_str(enum cni_command c);

/* Read CNI_* from the process environment and validate what `command` requires
 * (SPEC.md › Parameters): ADD/CHECK need CONTAINERID, NETNS, IFNAME; DEL needs CONTAINERID and
 * IFNAME (NETNS may be empty). Code 4 naming every missing variable, or the invalid value. */
int cni_env_load(struct cni_env *ret, struct cni_error *err);
/* The same from an explicit environment ("KEY=VALUE" strings, NULL-terminated): a plugin run
 * in-process (invoke.h) reads the environment its delegator built, not the process's. The
 * pointers in *ret point into envp. */
int cni_env_load_from(char *const *envp, struct cni_env *ret, struct cni_error *err);
/* Value of `key` in envp (first match, as getenv), or NULL. */
const char *cni_env_get(char *const *envp, const char *key);

/* The one definition of a valid container ID and interface name, shared by the environment
 * check, the launcher and every store that keeps them (host-local leases, the bridge's state
 * records): whatever passes here must be storable, and a store never treats a record holding
 * such values as garbage. */
#define CNI_CONTAINER_ID_MAX 1024 /* ours; the reference has no limit (README: differences) */
#define CNI_IFNAME_MAX	     15	  /* IFNAMSIZ - 1 */

/* Container IDs: non-empty, ^[a-zA-Z0-9][a-zA-Z0-9_.-]*$, at most CNI_CONTAINER_ID_MAX bytes
 * (code 4). */
int cni_validate_container_id(const char *id, struct cni_error *err);
/* Interface names as the reference's ValidateInterfaceName: 1..15 bytes, not "." or "..", no
 * '/', ':' or whitespace, where whitespace is Go's unicode.IsSpace over the UTF-8 runes (so
 * "eth\u00a0" is refused, while other non-ASCII and control bytes are allowed). NULL when
 * valid, else why not. */
const char *cni_ifname_problem(const char *name);
/* The same, code 4 naming the problem. */
int cni_validate_ifname(const char *name, struct cni_error *err);
/* For a name we are about to give an interface: cni_ifname_problem plus what the kernel would
 * refuse or rewrite ('%' templates, the byte 0xA0); NULL when usable. */
const char *cni_ifname_kernel_problem(const char *name);
/* Network names: same charset as container IDs (code 7). */
int cni_validate_network_name(const char *name, struct cni_error *err);

/* CNI_ARGS "K=V;K2=V2" (CONVENTIONS.md › CNI_ARGS). */
struct cni_arg {
	char *key;
	char *value;
};
struct cni_args {
	struct cni_arg *items;
	size_t n;
	bool ignore_unknown; /* IgnoreUnknown=1/true */
};

/* Parse; empty or NULL input gives an empty list. Each pair must be exactly K=V with a
 * non-empty key (code 4 "ARGS: invalid pair"). IgnoreUnknown is interpreted here
 * (1/true/0/false, case-insensitive value; anything else is code 4). */
int cni_args_parse(const char *s, struct cni_args *ret, struct cni_error *err);
void cni_args_clear(struct cni_args *a);
/* Value of key (case-sensitive, last one wins as in Go), or NULL. */
const char *cni_args_get(const struct cni_args *a, const char *key);
/* Refuse keys not in `known` (NULL-terminated) unless IgnoreUnknown is set (code 4, naming
 * them, like Go's "ARGS: unknown args"). IgnoreUnknown itself is always known. */
int cni_args_check_known(const struct cni_args *a, const char *const *known, struct cni_error *err);
