/* The spec versions we speak, in order. */
#pragma once

#include <stdbool.h>

enum cni_version {
	CNI_V010,
	CNI_V020,
	CNI_V030,
	CNI_V031,
	CNI_V040,
	CNI_V100,
	CNI_V110,
	CNI_VERSION_COUNT,
};

#define CNI_VERSION_NEWEST CNI_V110

/* Exact match of a supported version string ("0.3.1"). -EINVAL if not supported. */
int cni_version_parse(const char *s, enum cni_version *ret);
const char *cni_version_str(enum cni_version v);

/* Compare two dotted version strings numerically (missing parts are 0). Returns <0, 0, >0;
 * *ok is set false when either is not of the form N[.N[.N]]. */
int cni_version_compare(const char *a, const char *b, bool *ok);

/* ", "-joined list of every supported version, static storage. */
const char *cni_version_list(void);
