/* Strict, typed access to cJSON trees. Every getter names the key and the expected type in its
 * code-7 error, so a user sees exactly which config value is wrong. */
#pragma once

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cni_error.h"

DEFINE_CLEANUP(cJSON *, cJSON_Delete)
#define cJSON_Delete_p cJSON_Deletep

/* Nesting deeper than this is refused before it can blow a stack (ours or a consumer's). */
#define JSON_MAX_DEPTH 64
/* Network configs are small; this keeps a hostile 2 GB stdin from reaching the parser. */
#define JSON_MAX_INPUT (4u << 20)

/* Parse buf[0..len) as one JSON document. Rejects trailing garbage, nesting deeper than
 * JSON_MAX_DEPTH and duplicate object keys (Go takes the last, cJSON the first: ambiguous input
 * is refused rather than guessed). Error code CNI_ERR_DECODE; `what` names the input. */
int json_parse(const char *buf, size_t len, const char *what, cJSON **ret, struct cni_error *err);

/* Typed getters. Absent key (or JSON null): return 0 and leave *ret untouched unless `required`,
 * then code 7 "missing key". Present with the wrong type: code 7 naming key and types.
 * `where` prefixes the key in messages ("ipam", "ranges[0][1]"), may be NULL. */
int json_get_string(const cJSON *obj, const char *where, const char *key, bool required,
		    const char **ret, struct cni_error *err);
int json_get_bool(const cJSON *obj, const char *where, const char *key, bool required, bool *ret,
		  struct cni_error *err);
/* Integer in [min, max]; rejects fractions. */
int json_get_int(const cJSON *obj, const char *where, const char *key, bool required, int64_t min,
		 int64_t max, int64_t *ret, struct cni_error *err);
int json_get_object(const cJSON *obj, const char *where, const char *key, bool required,
		    const cJSON **ret, struct cni_error *err);
int json_get_array(const cJSON *obj, const char *where, const char *key, bool required,
		   const cJSON **ret, struct cni_error *err);

/* "string", "number", ... for messages. */
const char *json_type_name(const cJSON *item);

/* Deep copy, or NULL on OOM. */
cJSON *json_dup(const cJSON *item);

/* Print compact (indent=false) or indented; malloc'd, NULL on OOM. */
char *json_print(const cJSON *item, bool indent);
