/* Configuration loading with libcni's rules (libcni/conf.go: LoadNetworkConf, ConfFiles,
 * ConfListFromBytes, ConfListFromConf). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cni_env.h"
#include "cni_skel.h"
#include "cni_version.h"
#include "conf.h"
#include "invoke.h"
#include "json.h"

/* A bridge on a private /24 that is unlikely to clash with anything on the host. cniVersion
 * 1.0.0 keeps it usable with the Debian reference plugins (1.1.1) as well as ours. The portmap
 * entry (`run -p`) is added when a portmap plugin is in the search path. */
static const char default_head[] = "{\n"
				   "  \"cniVersion\": \"1.0.0\",\n"
				   "  \"name\": \"" CONF_DEFAULT_NAME "\",\n"
				   "  \"plugins\": [\n"
				   "    {\n"
				   "      \"type\": \"bridge\",\n"
				   "      \"bridge\": \"cnictl0\",\n"
				   "      \"isGateway\": true,\n"
				   "      \"ipMasq\": true,\n"
				   "      \"capabilities\": {\"ips\": true, \"mac\": true},\n"
				   "      \"ipam\": {\n"
				   "        \"type\": \"host-local\",\n"
				   "        \"ranges\": [[{\"subnet\": \"10.244.200.0/24\"}]],\n"
				   "        \"routes\": [{\"dst\": \"0.0.0.0/0\"}]\n"
				   "      }\n"
				   "    }";
static const char default_portmap[] = ",\n"
				      "    {\n"
				      "      \"type\": \"portmap\",\n"
				      "      \"capabilities\": {\"portMappings\": true}\n"
				      "    }";
static const char default_tail[] = "\n"
				   "  ]\n"
				   "}\n";

struct netconf *conf_free(struct netconf *nc)
{
	if (!nc)
		return NULL;
	free(nc->name);
	free(nc->version);
	free(nc->bytes);
	free(nc->source);
	cJSON_Delete(nc->json);
	free(nc);
	return NULL;
}

bool conf_version_at_least(const char *version, const char *min)
{
	bool ok = true;
	int c = cni_version_compare(version && *version ? version : "0.1.0", min, &ok);
	return ok && c >= 0;
}

/* libcni reads the list's own keys from a map[string]interface{} (NetworkConfFromBytes), so
 * they match exactly: a list's "Name" is not its name. Plugin objects are decoded into a
 * struct (types.PluginConf) and match in any case (json_field). A present key of the wrong
 * type, null included, is an error there; *ret = NULL when the key is absent. */
static int list_key(const cJSON *list, const char *key, cJSON_bool (*is)(const cJSON *),
		    const char *want, const char *source, const cJSON **ret, struct cni_error *err)
{
	const cJSON *v = json_map_get(list, key);

	*ret = NULL;
	if (!v)
		return 0;
	if (!is(v))
		return cni_error_set(
			err, CNI_ERR_CONFIG, EINVAL, NULL,
			"error parsing configuration list %s: invalid type for \"%s\": expected %s, got %s",
			source, key, want, json_type_name(v));
	*ret = v;
	return 0;
}

/* SPEC.md › Version considerations: the highest of cniVersion ∪ cniVersions we support. */
static int select_version(const cJSON *list, const char *source, char **ret, struct cni_error *err)
{
	const char *best = NULL;
	const cJSON *v, *versions, *it;
	enum cni_version dummy;
	int r;

	if ((r = list_key(list, "cniVersion", cJSON_IsString, "string", source, &v, err)) < 0 ||
	    (r = list_key(list, "cniVersions", cJSON_IsArray, "array", source, &versions, err)) < 0)
		return r;
	best = v ? v->valuestring : NULL;
	cJSON_ArrayForEach(it, versions) {
		if (!cJSON_IsString(it))
			return cni_error_set(err, CNI_ERR_CONFIG, EINVAL, NULL,
					     "%s: cniVersions must hold strings", source);
		if (cni_version_parse(it->valuestring, &dummy) < 0)
			continue;
		if (!best || !conf_version_at_least(best, it->valuestring) ||
		    cni_version_parse(best, &dummy) < 0)
			best = it->valuestring;
	}
	if (!(*ret = strdup(best ? best : "")))
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	return 0;
}

/* libcni accepts a JSON bool or the strings "true"/"false" (any case) for disableCheck,
 * disableGC and loadOnlyInlinedPlugins; the key is a map key (list_key). */
static int get_loose_bool(const cJSON *obj, const char *key, const char *source, bool *ret,
			  struct cni_error *err)
{
	const cJSON *v = json_map_get(obj, key);
	*ret = false;
	if (!v)
		return 0;
	if (cJSON_IsBool(v)) {
		*ret = cJSON_IsTrue(v);
		return 0;
	}
	if (cJSON_IsString(v) &&
	    (strcasecmp(v->valuestring, "true") == 0 || strcasecmp(v->valuestring, "false") == 0)) {
		*ret = strcasecmp(v->valuestring, "true") == 0;
		return 0;
	}
	return cni_error_set(err, CNI_ERR_CONFIG, EINVAL, NULL,
			     "%s: invalid value for \"%s\": expected a boolean", source, key);
}

int conf_from_bytes(const char *bytes, size_t len, const char *source, struct netconf **ret,
		    struct cni_error *err)
{
	_cleanup_(conf_freep) struct netconf *nc = NULL;
	const cJSON *jname, *plugins;
	cJSON *it;
	int r, i = 0;

	if (!(nc = calloc(1, sizeof(*nc))) || !(nc->source = strdup(source)) ||
	    !(nc->bytes = malloc(len + 1)))
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	memcpy(nc->bytes, bytes, len);
	nc->bytes[len] = '\0';
	nc->len = len;
	if ((r = json_parse(bytes, len, source, &nc->json, err)) < 0)
		return r;
	if (!cJSON_IsObject(nc->json))
		return cni_error_set(err, CNI_ERR_CONFIG, EINVAL, NULL,
				     "%s: configuration list is not a JSON object", source);
	if ((r = list_key(nc->json, "name", cJSON_IsString, "string", source, &jname, err)) < 0)
		return r;
	if (!jname)
		return cni_error_set(err, CNI_ERR_CONFIG, EINVAL, NULL,
				     "error parsing configuration list %s: no name", source);
	if ((r = cni_validate_network_name(jname->valuestring, err)) < 0)
		return cni_error_prefix(err, "%s", source), r;
	if ((r = list_key(nc->json, "plugins", cJSON_IsArray, "array", source, &plugins, err)) < 0)
		return r;
	nc->plugins = plugins;
	if (!nc->plugins)
		return cni_error_set(err, CNI_ERR_CONFIG, EINVAL, NULL,
				     "error parsing configuration list %s: no 'plugins' key",
				     source);
	if (cJSON_GetArraySize(nc->plugins) == 0)
		return cni_error_set(err, CNI_ERR_CONFIG, EINVAL, NULL,
				     "error parsing configuration list %s: no plugins in list",
				     source);
	/* The list owns its plugins; nc->plugins is a read-only view of them. */
	cJSON_ArrayForEach(it, json_map_get(nc->json, "plugins")) {
		char where[32];
		const char *type = NULL;
		snprintf(where, sizeof(where), "plugins[%d]", i++);
		if (!cJSON_IsObject(it))
			return cni_error_set(err, CNI_ERR_CONFIG, EINVAL, NULL,
					     "%s: %s is not an object", source, where);
		/* libcni re-marshals each plugin object from the map (keys in byte order) and
		 * decodes that; the order decides between two spellings of one key. */
		if (json_sort_keys(it) < 0)
			return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
		if ((r = json_get_string(it, where, "type", true, &type, err)) < 0)
			return cni_error_prefix(err, "%s", source), r;
	}
	if ((r = select_version(nc->json, source, &nc->version, err)) < 0 ||
	    (r = get_loose_bool(nc->json, "disableCheck", source, &nc->disable_check, err)) < 0 ||
	    (r = get_loose_bool(nc->json, "disableGC", source, &nc->disable_gc, err)) < 0)
		return r;
	if (!(nc->name = strdup(jname->valuestring)))
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	*ret = TAKE_PTR(nc);
	return 0;
}

static int read_file(const char *path, char **ret, size_t *ret_len, struct cni_error *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cni_error_set(err, CNI_ERR_IO, errno, NULL, "open %s", path);
	int r = cni_read_all(fd, JSON_MAX_INPUT, ret, ret_len, err);
	if (r < 0)
		cni_error_prefix(err, "read %s", path);
	return r;
}

static bool has_ext(const char *name, const char *ext)
{
	size_t n = strlen(name), e = strlen(ext);
	/* Go's filepath.Ext: the suffix from the last dot, so "x.conflist" is not ".conf". */
	const char *dot = strrchr(name, '.');
	return n > e && dot && strcmp(dot, ext) == 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* libcni ConfFiles: regular files (not directories) with one of the extensions, sorted. */
static int conf_files(const char *dir, const char *const *exts, char ***ret, size_t *ret_n,
		      struct cni_error *err)
{
	DIR *d = opendir(dir);
	char **files = NULL;
	size_t n = 0;
	struct dirent *de;

	*ret = NULL;
	*ret_n = 0;
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return cni_error_set(err, CNI_ERR_IO, errno, NULL, "read config dir %s", dir);
	}
	while ((de = readdir(d))) {
		struct stat st;
		char *path = NULL;
		bool match = false;
		for (size_t i = 0; exts[i]; i++)
			match |= has_ext(de->d_name, exts[i]);
		if (!match)
			continue;
		if (asprintf(&path, "%s/%s", dir, de->d_name) < 0)
			goto oom;
		if (stat(path, &st) < 0 || S_ISDIR(st.st_mode)) {
			free(path);
			continue;
		}
		char **nf = realloc(files, (n + 2) * sizeof(*files));
		if (!nf) {
			free(path);
			goto oom;
		}
		files = nf;
		files[n++] = path;
		files[n] = NULL;
	}
	closedir(d);
	if (n)
		qsort(files, n, sizeof(*files), cmp_str);
	*ret = files;
	*ret_n = n;
	return 0;
oom:
	closedir(d);
	conf_names_free(files);
	return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
}

char **conf_names_free(char **names)
{
	for (size_t i = 0; names && names[i]; i++)
		free(names[i]);
	free(names);
	return NULL;
}
DEFINE_CLEANUP(char **, conf_names_free)

/* libcni ConfListFromConf: {"cniVersion", "name", "plugins": [the file's object]}. */
static int conf_upconvert(const char *bytes, size_t len, const char *source, struct netconf **ret,
			  struct cni_error *err)
{
	_cleanup_(cJSON_Deletep) cJSON *plugin = NULL, *list = NULL;
	_cleanup_free_ char *text = NULL;
	const char *name = NULL, *version = NULL;
	int r;

	if ((r = json_parse(bytes, len, source, &plugin, err)) < 0)
		return r;
	if (!cJSON_IsObject(plugin))
		return cni_error_set(err, CNI_ERR_CONFIG, EINVAL, NULL,
				     "%s: configuration is not a JSON object", source);
	if ((r = json_get_string(plugin, NULL, "name", false, &name, err)) < 0 ||
	    (r = json_get_string(plugin, NULL, "cniVersion", false, &version, err)) < 0)
		return cni_error_prefix(err, "%s", source), r;
	if (!(list = cJSON_CreateObject()) ||
	    !cJSON_AddStringToObject(list, "cniVersion", version ? version : "") ||
	    !cJSON_AddStringToObject(list, "name", name ? name : ""))
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	cJSON *arr = cJSON_AddArrayToObject(list, "plugins");
	/* The bytes libcni caches: json.Marshal of a map, keys in byte order at every level. */
	if (!arr || !cJSON_AddItemToArray(arr, TAKE_PTR(plugin)) || json_sort_keys(list) < 0 ||
	    !(text = json_print(list, false)))
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	return conf_from_bytes(text, strlen(text), source, ret, err);
}

/* libcni ≥ 1.3: plugin objects from <dir>/<name>/ (*.conf) are appended to the list unless
 * loadOnlyInlinedPlugins is set. The cached bytes then are the merged list. */
static int conf_add_dir_plugins(const char *dir, struct netconf **pnc, struct cni_error *err)
{
	static const char *const exts[] = {".conf", NULL};
	_cleanup_(conf_names_freep) char **files = NULL;
	_cleanup_free_ char *sub = NULL, *text = NULL;
	struct netconf *nc = *pnc, *merged = NULL;
	bool only_inlined = false;
	size_t n;
	int r;

	if ((r = get_loose_bool(nc->json, "loadOnlyInlinedPlugins", nc->source, &only_inlined,
				err)) < 0)
		return r;
	if (only_inlined)
		return 0;
	if (asprintf(&sub, "%s/%s", dir, nc->name) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	if ((r = conf_files(sub, exts, &files, &n, err)) < 0 || n == 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *buf = NULL;
		cJSON *plugin = NULL;
		size_t len;
		if ((r = read_file(files[i], &buf, &len, err)) < 0 ||
		    (r = json_parse(buf, len, files[i], &plugin, err)) < 0)
			return r;
		if (!cJSON_AddItemToArray((cJSON *)nc->plugins, plugin)) {
			cJSON_Delete(plugin);
			return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
		}
	}
	if (!(text = json_print(nc->json, false)))
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	if ((r = conf_from_bytes(text, strlen(text), nc->source, &merged, err)) < 0)
		return r;
	conf_free(nc);
	*pnc = merged;
	return 0;
}

static int conf_default(const char *cni_path, struct netconf **ret, struct cni_error *err)
{
	_cleanup_free_ char *portmap = NULL, *bytes = NULL;
	bool with_portmap = cni_path && invoke_find("portmap", cni_path, &portmap, NULL) >= 0;

	if (asprintf(&bytes, "%s%s%s", default_head, with_portmap ? default_portmap : "",
		     default_tail) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	return conf_from_bytes(bytes, strlen(bytes), "(built-in)", ret, err);
}

int conf_load(const char *dir, const char *name, const char *cni_path, struct netconf **ret,
	      struct cni_error *err)
{
	static const char *const list_exts[] = {".conflist", NULL};
	static const char *const single_exts[] = {".conf", ".json", NULL};
	_cleanup_(conf_names_freep) char **lists = NULL, **singles = NULL;
	size_t n_lists, n_singles;
	int r;

	if ((r = conf_files(dir, list_exts, &lists, &n_lists, err)) < 0)
		return r;
	for (size_t i = 0; i < n_lists; i++) {
		_cleanup_free_ char *buf = NULL;
		struct netconf *nc = NULL;
		size_t len;
		if ((r = read_file(lists[i], &buf, &len, err)) < 0 ||
		    (r = conf_from_bytes(buf, len, lists[i], &nc, err)) < 0)
			return r;
		if (strcmp(nc->name, name) != 0) {
			conf_free(nc);
			continue;
		}
		if ((r = conf_add_dir_plugins(dir, &nc, err)) < 0) {
			conf_free(nc);
			return r;
		}
		*ret = nc;
		return 0;
	}
	if ((r = conf_files(dir, single_exts, &singles, &n_singles, err)) < 0)
		return r;
	for (size_t i = 0; i < n_singles; i++) {
		_cleanup_(cJSON_Deletep) cJSON *obj = NULL;
		_cleanup_free_ char *buf = NULL;
		const cJSON *jn;
		size_t len;
		if ((r = read_file(singles[i], &buf, &len, err)) < 0 ||
		    (r = json_parse(buf, len, singles[i], &obj, err)) < 0)
			return r;
		/* libcni LoadConf: the name decoded into types.PluginConf, any spelling. */
		jn = json_field(obj, "name");
		if (cJSON_IsString(jn) && strcmp(jn->valuestring, name) == 0)
			return conf_upconvert(buf, len, singles[i], ret, err);
	}
	if (strcmp(name, CONF_DEFAULT_NAME) == 0)
		return conf_default(cni_path, ret, err);
	if (n_lists + n_singles == 0)
		return cni_error_set(err, CNI_ERR_CONFIG, ENOENT, NULL,
				     "no net configurations found in %s", dir);
	return cni_error_set(err, CNI_ERR_CONFIG, ENOENT, NULL,
			     "no net configuration with name \"%s\" in %s", name, dir);
}

static int names_add(char ***names, size_t *n, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*names)[i], name) == 0)
			return 0;
	char **nn = realloc(*names, (*n + 2) * sizeof(**names));
	if (!nn)
		return -ENOMEM;
	*names = nn;
	if (!(nn[*n] = strdup(name)))
		return -ENOMEM;
	nn[++*n] = NULL;
	return 0;
}

int conf_list_names(const char *dir, char ***ret, struct cni_error *err)
{
	static const char *const exts[] = {".conflist", ".conf", ".json", NULL};
	_cleanup_(conf_names_freep) char **files = NULL, **names = NULL;
	size_t n_files, n = 0;
	int r;

	if ((r = conf_files(dir, exts, &files, &n_files, err)) < 0)
		return r;
	for (size_t i = 0; i < n_files; i++) {
		_cleanup_(cJSON_Deletep) cJSON *obj = NULL;
		_cleanup_free_ char *buf = NULL;
		size_t len;
		/* Unreadable files are skipped here; conf_load reports them when used. */
		if (read_file(files[i], &buf, &len, NULL) < 0 ||
		    json_parse(buf, len, files[i], &obj, NULL) < 0)
			continue;
		/* A list's name is a map key, a single plugin's a struct field (conf_load). */
		const cJSON *jn = has_ext(files[i], ".conflist") ? json_map_get(obj, "name")
								 : json_field(obj, "name");
		if (cJSON_IsString(jn) && names_add(&names, &n, jn->valuestring) < 0)
			return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	}
	if (names_add(&names, &n, CONF_DEFAULT_NAME) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	*ret = TAKE_PTR(names);
	return 0;
}

bool conf_plugin_has_cap(const cJSON *plugin, const char *cap)
{
	/* capabilities is a field of types.PluginConf, of type map[string]bool. */
	return cJSON_IsTrue(json_map_get(json_field(plugin, "capabilities"), cap));
}

bool conf_has_cap(const struct netconf *nc, const char *cap)
{
	const cJSON *p;
	cJSON_ArrayForEach(p, nc->plugins) {
		if (conf_plugin_has_cap(p, cap))
			return true;
	}
	return false;
}
