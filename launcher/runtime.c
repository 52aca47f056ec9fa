/* Configuration list execution, as libcni/api.go does it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cni_result.h"
#include "invoke.h"
#include "json.h"
#include "runtime.h"
#include "table.h"

DEFINE_CLEANUP(char **, invoke_env_free)

void rt_print_error(const char *prefix, const struct cni_error *err)
{
	fprintf(stderr, "cnictl: %s%s%s (code %d)%s%s\n", prefix ? prefix : "", prefix ? ": " : "",
		err->msg, err->code, err->details[0] ? ": " : "", err->details);
}

static int oom(struct cni_error *err)
{
	return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
}

/* libcni InjectConf's config[key] = val: exactly that key is replaced (or added); takes
 * ownership of val. */
static int set_key(cJSON *obj, const char *key, cJSON *val, struct cni_error *err)
{
	return json_map_set(obj, key, val) < 0 ? oom(err) : 0;
}

/* InjectConf re-marshals the config from its map: keys in byte order at every level. A key
 * injected next to another spelling of it (the plugin's "RuntimeConfig" stays beside the
 * injected "runtimeConfig") then wins or loses in the plugin's decoder by that order, as
 * with libcni. */
static int sort_keys(cJSON *conf, struct cni_error *err)
{
	return json_sort_keys(conf) < 0 ? oom(err) : 0;
}

int rt_build_config(const struct netconf *nc, const cJSON *plugin, const cJSON *prev_result,
		    const cJSON *cap_args, cJSON **ret, struct cni_error *err)
{
	_cleanup_(cJSON_Deletep) cJSON *conf = json_dup(plugin), *rc = NULL;
	const cJSON *caps = json_field(plugin, "capabilities"), *c;
	int r;

	if (!conf)
		return oom(err);
	if ((r = set_key(conf, "name", cJSON_CreateString(nc->name), err)) < 0 ||
	    (r = set_key(conf, "cniVersion", cJSON_CreateString(nc->version), err)) < 0)
		return r;
	if (prev_result && (r = set_key(conf, "prevResult", json_dup(prev_result), err)) < 0)
		return r;
	/* libcni injectRuntimeConfig: only capabilities the plugin declares true and the
	 * runtime supplies; runtimeConfig is replaced only when something is injected. Both
	 * are maps (capability names match exactly). */
	if (cJSON_IsObject(caps) && cJSON_IsObject(cap_args)) {
		cJSON_ArrayForEach(c, caps) {
			const cJSON *v = json_map_get(cap_args, c->string);
			if (!cJSON_IsTrue(c) || !v)
				continue;
			if (!rc && !(rc = cJSON_CreateObject()))
				return oom(err);
			if (!cJSON_AddItemToObject(rc, c->string, json_dup(v)))
				return oom(err);
		}
	}
	if (rc && (r = set_key(conf, "runtimeConfig", TAKE_PTR(rc), err)) < 0)
		return r;
	/* SPEC.md › Deriving request configuration from plugin configuration: capabilities
	 * "must not be set" (libcni leaves it). Every spelling goes, or a Go plugin would still
	 * decode one of them. */
	json_remove_field(conf, "capabilities");
	if ((r = sort_keys(conf, err)) < 0)
		return r;
	*ret = TAKE_PTR(conf);
	return 0;
}

static char *args_string(const struct cni_args *a)
{
	size_t len = 1;
	char *s, *p;

	for (size_t i = 0; a && i < a->n; i++)
		len += strlen(a->items[i].key) + strlen(a->items[i].value) + 2;
	if (!(p = s = malloc(len)))
		return NULL;
	*p = '\0';
	for (size_t i = 0; a && i < a->n; i++)
		p += sprintf(p, "%s%s=%s", i ? ";" : "", a->items[i].key, a->items[i].value);
	return s;
}

static const char *verb_lower(enum cni_command cmd)
{
	switch (cmd) {
	case CNI_CMD_ADD:
		return "add";
	case CNI_CMD_DEL:
		return "delete";
	case CNI_CMD_CHECK:
		return "check";
	case CNI_CMD_STATUS:
		return "status";
	case CNI_CMD_GC:
		return "gc";
	default:
		return "?";
	}
}

/* One plugin exec: find, env, stdin, run, decode. *ret_out (may be NULL) gets stdout JSON. */
static int exec_plugin(const struct netconf *nc, const cJSON *plugin, const cJSON *conf,
		       enum cni_command cmd, const struct rt_conf *rt, cJSON **ret_out,
		       struct cni_error *err)
{
	_cleanup_free_ char *path = NULL, *stdin_buf = NULL, *args = NULL;
	_cleanup_free_ char *v_cmd = NULL, *v_cid = NULL, *v_ns = NULL, *v_args = NULL,
			    *v_if = NULL, *v_path = NULL;
	_cleanup_(invoke_env_freep) char **envp = NULL;
	_cleanup_(cJSON_Deletep) cJSON *out = NULL;
	const cJSON *jt = json_field(plugin, "type");
	const cJSON *jname = json_field(plugin, "name");
	const char *type = cJSON_IsString(jt) ? jt->valuestring : "";
	bool per_container = cmd != CNI_CMD_GC && cmd != CNI_CMD_STATUS;
	char who[160];
	struct invoke_output o = {0};
	int r;

	if (cJSON_IsString(jname))
		snprintf(who, sizeof(who), "type=\"%s\" name=\"%s\"", type, jname->valuestring);
	else
		snprintf(who, sizeof(who), "type=\"%s\"", type);
	if ((r = invoke_find(type, rt->cni_path, &path, err)) < 0)
		goto fail;
	if (!(args = args_string(per_container ? rt->args : NULL)) ||
	    asprintf(&v_cmd, "CNI_COMMAND=%s", cni_command_str(cmd)) < 0 ||
	    asprintf(&v_cid, "CNI_CONTAINERID=%s", per_container ? rt->container_id : "") < 0 ||
	    asprintf(&v_ns, "CNI_NETNS=%s", per_container && rt->netns ? rt->netns : "") < 0 ||
	    asprintf(&v_args, "CNI_ARGS=%s", args) < 0 ||
	    asprintf(&v_if, "CNI_IFNAME=%s", per_container ? rt->ifname : "") < 0 ||
	    asprintf(&v_path, "CNI_PATH=%s", rt->cni_path) < 0 ||
	    !(envp = invoke_env_build(
		      (char *const[]){v_cmd, v_cid, v_ns, v_args, v_if, v_path, NULL})) ||
	    !(stdin_buf = json_print(conf, false)))
		return oom(err);
	if (rt->verbose)
		fprintf(stderr, "cnictl: exec %s %s netns=%s ifname=%s stdin=%s\n",
			cni_command_str(cmd), path, per_container && rt->netns ? rt->netns : "",
			per_container ? rt->ifname : "", stdin_buf);
	if ((r = invoke_exec(path, envp, stdin_buf, strlen(stdin_buf), rt->timeout_ms, &o, err)) <
	    0)
		goto fail;
	if (rt->timing)
		table_print_timing(cni_command_str(cmd), nc->name, type, &o);
	r = invoke_parse_output(&o, who, &out, err);
	invoke_output_clear(&o);
	if (r < 0)
		goto fail;
	if (ret_out)
		*ret_out = TAKE_PTR(out);
	return 0;
fail:
	cni_error_prefix(err, "plugin %s failed (%s)", who, verb_lower(cmd));
	return r;
}

/* libcni fixupResultVersion: a result without cniVersion (a map key there: exactly that name,
 * and a non-empty string) is in the config's version. */
static int fix_result_version(const struct netconf *nc, cJSON *result, struct cni_error *err)
{
	const cJSON *v = json_map_get(result, "cniVersion");

	if (cJSON_IsString(v) && *v->valuestring)
		return 0;
	return set_key(result, "cniVersion", cJSON_CreateString(nc->version), err);
}

int rt_add_list(const struct netconf *nc, const struct rt_conf *rt, cJSON **ret_result,
		struct cni_error *err)
{
	_cleanup_(cJSON_Deletep) cJSON *prev = NULL;
	const cJSON *plugin;
	int r;

	if ((r = cni_validate_container_id(rt->container_id, err)) < 0 ||
	    (r = cni_validate_ifname(rt->ifname, err)) < 0)
		return r;
	cJSON_ArrayForEach(plugin, nc->plugins) {
		_cleanup_(cJSON_Deletep) cJSON *conf = NULL, *out = NULL;
		if ((r = rt_build_config(nc, plugin, prev, rt->cap_args, &conf, err)) < 0 ||
		    (r = exec_plugin(nc, plugin, conf, CNI_CMD_ADD, rt, &out, err)) < 0)
			return r;
		if (!out)
			return cni_error_set(err, CNI_ERR_DECODE, EINVAL, NULL,
					     "plugin type=\"%s\" printed no result (add)",
					     json_field(plugin, "type")->valuestring);
		if ((r = fix_result_version(nc, out, err)) < 0)
			return r;
		cJSON_Delete(prev);
		prev = TAKE_PTR(out);
	}
	if ((r = cache_write(nc, rt, prev, err)) < 0)
		return r;
	if (ret_result)
		*ret_result = TAKE_PTR(prev);
	return 0;
}

/* The cached result converted to the list's version (libcni getCachedResult + GetAsVersion).
 * Anything unusable is dropped, and the cache entry with it, as libcni does. */
static int cached_prev_result(const struct netconf *nc, const struct rt_conf *rt, cJSON **ret)
{
	_cleanup_(cJSON_Deletep) cJSON *entry = NULL, *enc = NULL;
	_cleanup_(cni_result_freep) struct cni_result *res = NULL;
	enum cni_version want, fallback;
	const cJSON *result;

	*ret = NULL;
	if (cache_read(rt->cache_dir, nc->name, rt->container_id, rt->ifname, &entry, NULL) < 0)
		return 0;
	result = json_field(entry, "result");
	if (!cJSON_IsObject(result) || cni_version_parse(nc->version, &want) < 0)
		goto drop;
	fallback = want;
	/* getCachedResult: the result is held as a map and re-marshaled before decoding. */
	if (cni_result_decode_remarshaled(result, fallback, &res, NULL) < 0 ||
	    cni_result_encode(res, want, &enc, NULL) < 0)
		goto drop;
	*ret = TAKE_PTR(enc);
	return 0;
drop:
	(void)cache_remove(rt->cache_dir, nc->name, rt->container_id, rt->ifname);
	return 0;
}

int rt_del_list(const struct netconf *nc, const struct rt_conf *rt, struct cni_error *err)
{
	_cleanup_(cJSON_Deletep) cJSON *prev = NULL;
	int n = cJSON_GetArraySize(nc->plugins), r, first = 0;

	if ((r = cni_validate_container_id(rt->container_id, err)) < 0 ||
	    (r = cni_validate_ifname(rt->ifname, err)) < 0)
		return r;
	/* SPEC.md › DEL: prevResult only from 0.4.0 on. */
	if (conf_version_at_least(nc->version, "0.4.0"))
		(void)cached_prev_result(nc, rt, &prev);
	/* Unlike libcni, keep going after a failing plugin: a teardown that stops half-way
	 * leaks whatever the earlier plugins hold. The first error is returned. */
	for (int i = n - 1; i >= 0; i--) {
		const cJSON *plugin = cJSON_GetArrayItem(nc->plugins, i);
		const cJSON *jt = json_field(plugin, "type");
		_cleanup_(cJSON_Deletep) cJSON *conf = NULL;
		_cleanup_free_ char *path = NULL;
		struct cni_error perr = {0};
		/* A plugin that is not installed cannot hold anything to delete. */
		if (invoke_find(jt->valuestring, rt->cni_path, &path, NULL) < 0) {
			fprintf(stderr,
				"cnictl: warning: DEL skips plugin type=\"%s\" of network \"%s\": not found in %s\n",
				jt->valuestring, nc->name, rt->cni_path);
			continue;
		}
		if ((r = rt_build_config(nc, plugin, prev, rt->cap_args, &conf, &perr)) < 0 ||
		    (r = exec_plugin(nc, plugin, conf, CNI_CMD_DEL, rt, NULL, &perr)) < 0) {
			if (!first && err)
				*err = perr;
			first = first ? first : r;
		}
	}
	if (first < 0)
		return first;
	(void)cache_remove(rt->cache_dir, nc->name, rt->container_id, rt->ifname);
	return 0;
}

int rt_check_list(const struct netconf *nc, const struct rt_conf *rt, struct cni_error *err)
{
	_cleanup_(cJSON_Deletep) cJSON *prev = NULL;
	const cJSON *plugin;
	int r;

	if (!conf_version_at_least(nc->version, "0.4.0"))
		return cni_error_set(
			err, CNI_ERR_VERSION, EINVAL, NULL,
			"configuration version \"%s\" does not support the CHECK command",
			nc->version);
	if (nc->disable_check)
		return 0;
	if ((r = cni_validate_container_id(rt->container_id, err)) < 0 ||
	    (r = cni_validate_ifname(rt->ifname, err)) < 0)
		return r;
	(void)cached_prev_result(nc, rt, &prev);
	if (!prev)
		return cni_error_set(
			err, CNI_ERR_UNKNOWN_CTR, ENOENT, NULL,
			"no cached result for network \"%s\", container \"%s\", interface \"%s\"",
			nc->name, rt->container_id, rt->ifname);
	cJSON_ArrayForEach(plugin, nc->plugins) {
		_cleanup_(cJSON_Deletep) cJSON *conf = NULL;
		if ((r = rt_build_config(nc, plugin, prev, rt->cap_args, &conf, err)) < 0 ||
		    (r = exec_plugin(nc, plugin, conf, CNI_CMD_CHECK, rt, NULL, err)) < 0)
			return r;
	}
	return 0;
}

int rt_status_list(const struct netconf *nc, const struct rt_conf *rt, struct cni_error *err)
{
	const cJSON *plugin;
	int r;

	if (!conf_version_at_least(nc->version, "1.1.0"))
		return 0;
	cJSON_ArrayForEach(plugin, nc->plugins) {
		_cleanup_(cJSON_Deletep) cJSON *conf = NULL;
		if ((r = rt_build_config(nc, plugin, NULL, NULL, &conf, err)) < 0 ||
		    (r = exec_plugin(nc, plugin, conf, CNI_CMD_STATUS, rt, NULL, err)) < 0)
			return r;
	}
	return 0;
}

static bool attachment_valid(const cJSON *valid, const char *cid, const char *ifname)
{
	const cJSON *a;
	cJSON_ArrayForEach(a, valid) {
		const cJSON *c = json_field(a, "containerID");
		const cJSON *i = json_field(a, "ifname");
		if (cJSON_IsString(c) && cJSON_IsString(i) && strcmp(c->valuestring, cid) == 0 &&
		    strcmp(i->valuestring, ifname) == 0)
			return true;
	}
	return false;
}

/* CNI_ARGS pairs from a cache entry's "cniArgs": [[k, v], ...]. */
static int cached_args(const cJSON *entry, struct cni_args *ret)
{
	const cJSON *pairs = json_field(entry, "cniArgs"), *p;
	int n = cJSON_IsArray(pairs) ? cJSON_GetArraySize(pairs) : 0;

	*ret = (struct cni_args){0};
	if (n == 0)
		return 0;
	if (!(ret->items = calloc((size_t)n, sizeof(*ret->items))))
		return -ENOMEM;
	cJSON_ArrayForEach(p, pairs) {
		const cJSON *k = cJSON_GetArrayItem(p, 0), *v = cJSON_GetArrayItem(p, 1);
		if (!cJSON_IsString(k) || !cJSON_IsString(v))
			continue;
		ret->items[ret->n].key = strdup(k->valuestring);
		ret->items[ret->n].value = strdup(v->valuestring);
		if (!ret->items[ret->n].key || !ret->items[ret->n].value) {
			ret->n++;
			return -ENOMEM;
		}
		ret->n++;
	}
	return 0;
}

static const char *entry_str(const cJSON *entry, const char *key)
{
	const cJSON *v = json_field(entry, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int rt_gc_list(const struct netconf *nc, const struct rt_conf *rt, const cJSON *valid,
	       struct cni_error *err)
{
	_cleanup_(cJSON_Deletep) cJSON *entries = NULL;
	const cJSON *e, *plugin;
	int first = 0, r;

	if (nc->disable_gc)
		return 0;
	if ((r = cache_list(rt->cache_dir, &entries, err)) < 0)
		return r;
	cJSON_ArrayForEach(e, entries) {
		const char *net = entry_str(e, "networkName"), *cid = entry_str(e, "containerId");
		const char *ifname = entry_str(e, "ifName"), *netns = entry_str(e, "netns");
		struct cni_args args;
		struct cni_error derr = {0};
		if (!net || !cid || !ifname || strcmp(net, nc->name) != 0 ||
		    (valid && attachment_valid(valid, cid, ifname)))
			continue;
		if (cached_args(e, &args) < 0) {
			cni_args_clear(&args);
			return oom(err);
		}
		struct rt_conf drt = *rt;
		drt.container_id = cid;
		drt.ifname = ifname;
		drt.netns = netns ? netns : "";
		drt.args = &args;
		drt.cap_args = json_field(e, "capabilityArgs");
		r = rt_del_list(nc, &drt, &derr);
		cni_args_clear(&args);
		if (r < 0) {
			rt_print_error("gc", &derr);
			if (!first && err)
				*err = derr;
			first = first ? first : r;
		}
	}
	if (!conf_version_at_least(nc->version, "1.1.0"))
		return first;
	cJSON_ArrayForEach(plugin, nc->plugins) {
		_cleanup_(cJSON_Deletep) cJSON *conf = NULL;
		struct cni_error gerr = {0};
		r = rt_build_config(nc, plugin, NULL, NULL, &conf, &gerr);
		/* Both keys: cni.dev/attachments is the pre-1.2.3 libcni name (cni#1101). */
		if (r >= 0 && valid)
			r = set_key(conf, "cni.dev/valid-attachments", json_dup(valid), &gerr);
		if (r >= 0 && valid)
			r = set_key(conf, "cni.dev/attachments", json_dup(valid), &gerr);
		if (r >= 0 && valid)
			r = sort_keys(conf, &gerr);
		if (r >= 0)
			r = exec_plugin(nc, plugin, conf, CNI_CMD_GC, rt, NULL, &gerr);
		if (r < 0) {
			rt_print_error("gc", &gerr);
			if (!first && err)
				*err = gerr;
			first = first ? first : r;
		}
	}
	return first;
}
