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
 * is refused rather than guessed). Only byte-identical keys are duplicates: "ipMasq" next to
 * "IPMasq" is accepted and json_field() picks the last, as Go does. Error code CNI_ERR_DECODE;
 * `what` names the input. */
int json_parse(const char *buf, size_t len, const char *what, cJSON **ret, struct cni_error *err);

/* The member of obj that Go's encoding/json decodes into a struct field whose JSON name is
 * `name` (ASCII): a key equal to it, or equal under Go's case folding (ASCII letters in either
 * case, and U+212A KELVIN SIGN for k, U+017F LATIN SMALL LETTER LONG S for s). When several
 * keys match, the last one wins, since Go assigns them in input order. NULL when none does or
 * obj is not an object. Not reproduced: Go ignores a null for a non-pointer field and merges
 * an object given twice into one struct; here the last member is taken as it is. Every key of
 * a config, result or cache entry is read through this, directly or by the getters below. */
const cJSON *json_field(const cJSON *obj, const char *name);
/* json_field() found something other than null (Go leaves a pointer field nil for null). */
bool json_has_field(const cJSON *obj, const char *name);
/* Removes every member json_field(obj, name) could return, whatever its spelling. */
void json_remove_field(cJSON *obj, const char *name);

/* Where the reference decodes into a map[string]... instead (capabilities, capability args,
 * the list keys libcni reads from a map): the key exactly, as a map lookup. json_parse()
 * refuses byte-identical duplicates, so there is one at most. */
cJSON *json_map_get(const cJSON *obj, const char *key);
/* Go's m[key] = val: replaces the member named exactly key (other spellings are other map
 * keys and stay) or appends one. Takes ownership of val, also on failure; NULL val or OOM is
 * -ENOMEM. */
int json_map_set(cJSON *obj, const char *key, cJSON *val);
/* Orders the members of every object in the tree by key bytes, as json.Marshal does for a
 * map[string]interface{}: where the reference round-trips JSON through such a map before
 * decoding it into a struct (libcni's InjectConf, version.ParsePrevResult), this order decides
 * which spelling of a key json_field() then picks. -ENOMEM on OOM (then partly sorted). */
int json_sort_keys(cJSON *item);

/* Typed getters, through json_field(). Absent key (or JSON null): return 0 and leave *ret
 * untouched unless `required`, then code 7 "missing key". Present with the wrong type: code 7
 * naming the key as the input spells it and the types. `where` prefixes the key in messages
 * ("ipam", "ranges[0][1]"), may be NULL. */
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
