/* The CNI error object: filled once by the code that detects a failure, printed once by
 * cni_main() (or the launcher). See SPEC.md › Error for the codes. */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include "macro.h"

enum cni_code {
	CNI_ERR_VERSION = 1,	  /* incompatible CNI version */
	CNI_ERR_UNSUPPORTED = 2,  /* unsupported field in network config */
	CNI_ERR_UNKNOWN_CTR = 3,  /* container unknown or does not exist */
	CNI_ERR_ENV = 4,	  /* invalid or missing environment variables */
	CNI_ERR_IO = 5,		  /* I/O failure */
	CNI_ERR_DECODE = 6,	  /* failed to decode content */
	CNI_ERR_CONFIG = 7,	  /* invalid network config */
	CNI_ERR_TRY_AGAIN = 11,	  /* transient, try again later */
	CNI_ERR_UNAVAILABLE = 50, /* STATUS: cannot service ADD */
	CNI_ERR_DEGRADED = 51,	  /* STATUS: and existing containers degraded */
	CNI_ERR_INTERNAL = 999,	  /* kernel or internal failure */
};

struct cni_error {
	int code;      /* enum cni_code, or a plugin-specific code >= 100; 0 = unset */
	int sys_errno; /* positive errno behind the failure, 0 if none */
	char msg[512]; /* what we were doing, with what */
	char details[1024];
};

/* Fill err (if not NULL and not already set) and return -errno_value (or -EINVAL when
 * errno_value is 0) so callers can write `return cni_error_set(...)`. The first failure
 * wins: a later call never overwrites a set error. details may be NULL; when errno_value is
 * non-zero, details is NULL and the code is not an input error (1, 2, 4, 6, 7), details become
 * "ENAME: strerror". */
int cni_error_set(struct cni_error *err, int code, int errno_value, const char *details,
		  const char *fmt, ...) _printf_(5, 6);

/* Append ": <text>" to details (kernel extack and the like). No-op on NULL. */
void cni_error_add_details(struct cni_error *err, const char *fmt, ...) _printf_(2, 3);

/* Prefix msg with context, once, by a caller that knows more than the callee. */
void cni_error_prefix(struct cni_error *err, const char *fmt, ...) _printf_(2, 3);

static inline bool cni_error_is_set(const struct cni_error *err)
{
	return err && err->code != 0;
}

/* Symbolic errno name ("EEXIST"), or "E?" when unknown. */
const char *errno_name(int errno_value);

/* Serialise as {"cniVersion","code","msg","details"} (cniVersion omitted when NULL).
 * Returns a malloc'd string or NULL on OOM. */
char *cni_error_to_json(const struct cni_error *err, const char *cni_version);

/* Print the error JSON to `out`, the plugin's stdout. The only writer of errors. */
void cni_error_print(const struct cni_error *err, const char *cni_version, FILE *out);
