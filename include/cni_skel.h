/* The plugin skeleton: env + stdin -> request -> verb handler -> result or error JSON. */
#pragma once

#include <cJSON.h>

#include "cni_env.h"
#include "cni_error.h"
#include "cni_result.h"
#include "cni_version.h"

struct cni_request {
	struct cni_env env;
	enum cni_version version; /* from the config's cniVersion (missing = 0.1.0, as libcni) */
	const char *raw;	  /* stdin bytes, passed unmodified to delegated plugins */
	size_t raw_len;
	cJSON *config;		     /* parsed stdin, owned by the skeleton */
	const char *name;	     /* network name (validated) */
	const char *type;	     /* plugin type, may be NULL */
	const cJSON *runtime_config; /* "runtimeConfig" object (any spelling) or NULL */
	const cJSON *prev_result;    /* "prevResult" object (any spelling) or NULL */
	struct cni_args args;	     /* parsed CNI_ARGS */
};

struct cni_plugin {
	const char *about; /* printed on stderr when run without CNI_COMMAND */
	/* ADD returns the result to print (in req->version). */
	int (*cmd_add)(const struct cni_request *req, struct cni_result **ret,
		       struct cni_error *err);
	int (*cmd_del)(const struct cni_request *req, struct cni_error *err);
	int (*cmd_check)(const struct cni_request *req, struct cni_error *err);
	int (*cmd_status)(const struct cni_request *req, struct cni_error *err);
	int (*cmd_gc)(const struct cni_request *req, struct cni_error *err);
};

/* Run the plugin protocol on the process's environment, stdin and stdout, and return the exit
 * status (0 ok, 1 error). The only path by which plugins write to stdout. */
int cni_main(const struct cni_plugin *plugin);

/* What one call of a plugin sees: its environment, its stdin, its stdout. */
struct cni_call {
	char *const *envp; /* "KEY=VALUE" strings, NULL-terminated */
	const char *in;	   /* the stdin bytes, or NULL to read file descriptor 0 */
	size_t in_len;
	FILE *out; /* where the result or error JSON goes */
};
/* cni_main on a given call: the same protocol, byte for byte, for a plugin whose verbs are
 * linked into the calling program (invoke.h's in-process delegation). */
int cni_run(const struct cni_plugin *plugin, const struct cni_call *call);

/* Decode req->prevResult (converted to the in-memory model) as version.ParsePrevResult does,
 * after a round trip through a map (cni_result_decode_remarshaled). *ret = NULL when absent. */
int cni_request_prev_result(const struct cni_request *req, struct cni_result **ret,
			    struct cni_error *err);

/* GC input: the attachments the runtime still considers valid. */
struct cni_attachment {
	const char *container_id; /* pointers into req->config */
	const char *ifname;
};
/* Read "cni.dev/valid-attachments" (or the older "cni.dev/attachments"). A missing key means
 * the runtime passed no list: *ret_present = false and the caller must not treat everything as
 * stale. Malloc'd array in *ret (free() it). Code 7 on malformed entries. */
int cni_request_gc_attachments(const struct cni_request *req, struct cni_attachment **ret,
			       size_t *ret_n, bool *ret_present, struct cni_error *err);

/* Read all of fd into a malloc'd, NUL-terminated buffer, refusing more than `limit` bytes. */
int cni_read_all(int fd, size_t limit, char **ret, size_t *ret_len, struct cni_error *err);
