/* Strict JSON parsing, key lookup as Go's encoding/json does it, typed getters over cJSON. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static int check_tree(const cJSON *item, unsigned depth, const char *what, struct cni_error *err)
{
	if (depth > JSON_MAX_DEPTH)
		return cni_error_set(err, CNI_ERR_DECODE, EINVAL, NULL,
				     "error decoding %s: nesting deeper than %d levels", what,
				     JSON_MAX_DEPTH);
	if (!cJSON_IsObject(item) && !cJSON_IsArray(item))
		return 0;
	for (const cJSON *c = item->child; c; c = c->next) {
		if (cJSON_IsObject(item)) {
			/* Quadratic, but configs have few keys per object; duplicates are
			 * refused because Go and cJSON would read different values. Keys that
			 * differ only in case are not duplicates here: they are different
			 * keys to a Go map, and json_field() resolves them for a struct the
			 * way Go does (last one wins). */
			for (const cJSON *d = item->child; d != c; d = d->next)
				if (d->string && c->string && strcmp(d->string, c->string) == 0)
					return cni_error_set(
						err, CNI_ERR_DECODE, EINVAL, NULL,
						"error decoding %s: duplicate key \"%s\"", what,
						c->string);
		}
		int r = check_tree(c, depth + 1, what, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* cJSON decodes "\u0000" into a NUL that silently cuts the C string ("10.0.0.0/24\u0000x" reads
 * as "10.0.0.0/24", while Go keeps the whole value): find such an escape inside a string. */
static const char *find_escaped_nul(const char *buf, size_t len)
{
	bool in_string = false;

	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '"') {
			in_string = !in_string;
		} else if (in_string && buf[i] == '\\' && i + 1 < len) {
			if (buf[i + 1] == 'u' && i + 5 < len && memcmp(buf + i + 2, "0000", 4) == 0)
				return buf + i;
			i++; /* skip the escaped character, so \" and \\ do not end or start anything */
		}
	}
	return NULL;
}

int json_parse(const char *buf, size_t len, const char *what, cJSON **ret, struct cni_error *err)
{
	const char *end = NULL;
	_cleanup_(cJSON_Deletep) cJSON *root = NULL;
	int r;

	if (len > JSON_MAX_INPUT)
		return cni_error_set(err, CNI_ERR_DECODE, EFBIG, NULL,
				     "error decoding %s: %zu bytes is over the %u byte limit", what,
				     len, JSON_MAX_INPUT);
	if (len == 0)
		return cni_error_set(err, CNI_ERR_DECODE, EINVAL, NULL,
				     "error decoding %s: empty input", what);
	if (memchr(buf, '\0', len))
		return cni_error_set(err, CNI_ERR_DECODE, EINVAL, NULL,
				     "error decoding %s: NUL byte in input", what);
	root = cJSON_ParseWithLengthOpts(buf, len, &end, false);
	if (!root) {
		size_t off = end ? (size_t)(end - buf) : 0;
		const char *at = cJSON_GetErrorPtr();
		if (at && at >= buf && at <= buf + len)
			off = (size_t)(at - buf);
		char details[96];
		snprintf(details, sizeof(details), "syntax error at byte offset %zu", off);
		return cni_error_set(err, CNI_ERR_DECODE, EINVAL, details,
				     "error decoding %s: invalid JSON", what);
	}
	/* Trailing whitespace is fine, anything else is a second document or garbage. */
	while (end && end < buf + len && strchr(" \t\r\n", *end))
		end++;
	if (end && end < buf + len)
		return cni_error_set(err, CNI_ERR_DECODE, EINVAL, NULL,
				     "error decoding %s: trailing data after JSON at byte %zu",
				     what, (size_t)(end - buf));
	const char *nul = find_escaped_nul(buf, len);
	if (nul)
		return cni_error_set(err, CNI_ERR_DECODE, EINVAL, NULL,
				     "error decoding %s: \\u0000 in a string at byte %zu", what,
				     (size_t)(nul - buf));
	r = check_tree(root, 0, what, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(root);
	return 0;
}

const char *json_type_name(const cJSON *item)
{
	if (!item)
		return "nothing";
	if (cJSON_IsString(item))
		return "string";
	if (cJSON_IsNumber(item))
		return "number";
	if (cJSON_IsBool(item))
		return "bool";
	if (cJSON_IsNull(item))
		return "null";
	if (cJSON_IsArray(item))
		return "array";
	if (cJSON_IsObject(item))
		return "object";
	return "invalid";
}

static unsigned char ascii_upper(unsigned char c)
{
	return c >= 'a' && c <= 'z' ? (unsigned char)(c - 'a' + 'A') : c;
}

/* foldName(key) == foldName(name) in Go's encoding/json (fold.go): each rune becomes the
 * smallest rune of its unicode.SimpleFold orbit. Against an ASCII name, the only non-ASCII
 * runes that can match are U+212A KELVIN SIGN (orbit K k U+212A) and U+017F LATIN SMALL LETTER
 * LONG S (orbit S s U+017F); invalid UTF-8 folds to U+FFFD and never matches. */
static bool key_folds_to(const char *key, const char *name)
{
	const unsigned char *k = (const unsigned char *)key, *n = (const unsigned char *)name;

	for (; *n; n++) {
		unsigned char c = ascii_upper(*n);
		if (c == 'K' && k[0] == 0xe2 && k[1] == 0x84 && k[2] == 0xaa)
			k += 3;
		else if (c == 'S' && k[0] == 0xc5 && k[1] == 0xbf)
			k += 2;
		else if (ascii_upper(*k) == c)
			k++;
		else
			return false;
	}
	return *k == '\0';
}

const cJSON *json_field(const cJSON *obj, const char *name)
{
	const cJSON *found = NULL;

	if (!cJSON_IsObject(obj))
		return NULL;
	/* Go's decoder maps a key to a field by exact name first, then folded; that order only
	 * matters between two fields whose names fold alike, which no reference type has. */
	for (const cJSON *c = obj->child; c; c = c->next)
		if (c->string && key_folds_to(c->string, name))
			found = c;
	return found;
}

bool json_has_field(const cJSON *obj, const char *name)
{
	const cJSON *item = json_field(obj, name);
	return item && !cJSON_IsNull(item);
}

void json_remove_field(cJSON *obj, const char *name)
{
	cJSON *next;

	if (!cJSON_IsObject(obj))
		return;
	for (cJSON *c = obj->child; c; c = next) {
		next = c->next;
		if (c->string && key_folds_to(c->string, name))
			cJSON_Delete(cJSON_DetachItemViaPointer(obj, c));
	}
}

cJSON *json_map_get(const cJSON *obj, const char *key)
{
	return cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
}

int json_map_set(cJSON *obj, const char *key, cJSON *val)
{
	if (!val)
		return -ENOMEM;
	cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
	if (!cJSON_AddItemToObject(obj, key, val)) {
		cJSON_Delete(val);
		return -ENOMEM;
	}
	return 0;
}

struct member {
	cJSON *item;
	size_t pos;
};

/* Key bytes, as Go's strings.Compare; input position breaks ties so the sort is stable. */
static int member_cmp(const void *a, const void *b)
{
	const struct member *x = a, *y = b;
	int c = strcmp(x->item->string ? x->item->string : "",
		       y->item->string ? y->item->string : "");

	if (c)
		return c;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

int json_sort_keys(cJSON *item)
{
	_cleanup_free_ struct member *m = NULL;
	size_t n = 0;
	int r;

	if (!cJSON_IsObject(item) && !cJSON_IsArray(item))
		return 0;
	for (cJSON *c = item->child; c; c = c->next, n++)
		if ((r = json_sort_keys(c)) < 0)
			return r;
	if (!cJSON_IsObject(item) || n < 2)
		return 0;
	if (!(m = calloc(n, sizeof(*m))))
		return -ENOMEM;
	n = 0;
	for (cJSON *c = item->child; c; c = c->next, n++)
		m[n] = (struct member){c, n};
	qsort(m, n, sizeof(*m), member_cmp);
	/* cJSON's list: the first member's prev is the last member, the last one's next NULL. */
	item->child = m[0].item;
	for (size_t i = 0; i < n; i++) {
		m[i].item->prev = m[i ? i - 1 : n - 1].item;
		m[i].item->next = i + 1 < n ? m[i + 1].item : NULL;
	}
	return 0;
}

/* Finds key; 0 = absent (or null), 1 = present and of type `want`, <0 = error. */
static int lookup(const cJSON *obj, const char *where, const char *key, bool required,
		  cJSON_bool (*is)(const cJSON *), const char *want, const cJSON **ret,
		  struct cni_error *err)
{
	const cJSON *item = json_field(obj, key);

	if (!item || cJSON_IsNull(item)) {
		if (required)
			return cni_error_set(err, CNI_ERR_CONFIG, EINVAL, NULL,
					     "missing key %s%s%s", where ? where : "",
					     where ? "." : "", key);
		return 0;
	}
	if (!is(item))
		return cni_error_set(err, CNI_ERR_CONFIG, EINVAL, NULL,
				     "key %s%s%s: expected %s, got %s", where ? where : "",
				     where ? "." : "", item->string, want, json_type_name(item));
	*ret = item;
	return 1;
}

int json_get_string(const cJSON *obj, const char *where, const char *key, bool required,
		    const char **ret, struct cni_error *err)
{
	const cJSON *item;
	int r = lookup(obj, where, key, required, cJSON_IsString, "string", &item, err);
	if (r > 0)
		*ret = item->valuestring;
	return r < 0 ? r : 0;
}

int json_get_bool(const cJSON *obj, const char *where, const char *key, bool required, bool *ret,
		  struct cni_error *err)
{
	const cJSON *item;
	int r = lookup(obj, where, key, required, cJSON_IsBool, "bool", &item, err);
	if (r > 0)
		*ret = cJSON_IsTrue(item);
	return r < 0 ? r : 0;
}

int json_get_int(const cJSON *obj, const char *where, const char *key, bool required, int64_t min,
		 int64_t max, int64_t *ret, struct cni_error *err)
{
	const cJSON *item;
	int r = lookup(obj, where, key, required, cJSON_IsNumber, "integer", &item, err);
	if (r <= 0)
		return r;
	double v = item->valuedouble;
	if (v != floor(v) || v < (double)min || v > (double)max)
		return cni_error_set(err, CNI_ERR_CONFIG, EINVAL, NULL,
				     "key %s%s%s: %g is not an integer in [%lld, %lld]",
				     where ? where : "", where ? "." : "", item->string, v,
				     (long long)min, (long long)max);
	*ret = (int64_t)v;
	return 0;
}

int json_get_object(const cJSON *obj, const char *where, const char *key, bool required,
		    const cJSON **ret, struct cni_error *err)
{
	int r = lookup(obj, where, key, required, cJSON_IsObject, "object", ret, err);
	return r < 0 ? r : 0;
}

int json_get_array(const cJSON *obj, const char *where, const char *key, bool required,
		   const cJSON **ret, struct cni_error *err)
{
	int r = lookup(obj, where, key, required, cJSON_IsArray, "array", ret, err);
	return r < 0 ? r : 0;
}

cJSON *json_dup(const cJSON *item)
{
	return cJSON_Duplicate(item, true);
}

char *json_print(const cJSON *item, bool indent)
{
	return indent ? cJSON_Print(item) : cJSON_PrintUnformatted(item);
}
