/* Plugin entry point: the spec's parameter handling in one place (pkg/skel in libcni). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cni_skel.h"
#include "json.h"

static int input_too_large(size_t limit, struct cni_error *err)
{
	return cni_error_set(err, CNI_ERR_DECODE, EFBIG, NULL, "input is larger than %zu bytes",
			     limit);
}

int cni_read_all(int fd, size_t limit, char **ret, size_t *ret_len, struct cni_error *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	for (;;) {
		if (cap - len < 4096) {
			size_t ncap = cap ? cap * 2 : 8192;
			char *n = realloc(buf, ncap + 1);
			if (!n)
				return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL,
						     "out of memory");
			buf = n;
			cap = ncap;
		}
		ssize_t k = read(fd, buf + len, cap - len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return cni_error_set(err, CNI_ERR_IO, errno, NULL,
					     "error reading from stdin");
		if (k == 0)
			break;
		len += (size_t)k;
		if (len > limit)
			return input_too_large(limit, err);
	}
	if (!buf && !(buf = calloc(1, 1)))
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

static int cmd_version(const char *raw, size_t len, FILE *out_file, struct cni_error *err)
{
	_cleanup_(cJSON_Deletep) cJSON *in = NULL, *out = NULL;
	_cleanup_free_ char *s = NULL;
	const char *asked = NULL;
	cJSON *list;
	int r;

	/* SPEC.md › VERSION: echo the request's cniVersion; with no input answer as newest. */
	if (len && strspn(raw, " \t\r\n") != len) {
		if ((r = json_parse(raw, len, "version request", &in, err)) < 0 ||
		    (r = json_get_string(in, NULL, "cniVersion", false, &asked, err)) < 0)
			return r;
	}
	out = cJSON_CreateObject();
	if (!out ||
	    !cJSON_AddStringToObject(out, "cniVersion",
				     asked ? asked : cni_version_str(CNI_VERSION_NEWEST)) ||
	    !(list = cJSON_AddArrayToObject(out, "supportedVersions")))
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	for (int v = 0; v < CNI_VERSION_COUNT; v++)
		if (!cJSON_AddItemToArray(list, cJSON_CreateString(cni_version_str(v))))
			return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	if (!(s = json_print(out, true)))
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	fputs(s, out_file);
	fputc('\n', out_file);
	fflush(out_file);
	return 0;
}

/* Parse stdin into req: JSON, cniVersion, name, type, runtimeConfig, prevResult. */
static int load_request(struct cni_request *req, struct cni_error *err)
{
	const char *version = NULL;
	int r;

	if ((r = json_parse(req->raw, req->raw_len, "network config", &req->config, err)) < 0)
		return r;
	if (!cJSON_IsObject(req->config))
		return cni_error_set(
			err, CNI_ERR_DECODE, EINVAL, NULL,
			"error decoding network config: expected a JSON object, got %s",
			json_type_name(req->config));
	if ((r = json_get_string(req->config, NULL, "cniVersion", false, &version, err)) < 0)
		return r;
	/* libcni's DecodeVersion: a config without cniVersion is 0.1.0. */
	if (!version || !*version)
		version = "0.1.0";
	if (cni_version_parse(version, &req->version) < 0)
		return cni_error_set(
			err, CNI_ERR_VERSION, EINVAL, NULL,
			"incompatible CNI versions: config is \"%s\", plugin supports [%s]",
			version, cni_version_list());
	if ((r = json_get_string(req->config, NULL, "name", false, &req->name, err)) < 0 ||
	    (r = cni_validate_network_name(req->name, err)) < 0 ||
	    (r = json_get_string(req->config, NULL, "type", false, &req->type, err)) < 0 ||
	    (r = json_get_object(req->config, NULL, "runtimeConfig", false, &req->runtime_config,
				 err)) < 0 ||
	    (r = json_get_object(req->config, NULL, "prevResult", false, &req->prev_result, err)) <
		    0)
		return r;
	return 0;
}

static int check_verb_version(const struct cni_request *req, struct cni_error *err)
{
	enum cni_command c = req->env.command;
	if (c == CNI_CMD_CHECK && req->version < CNI_V040)
		return cni_error_set(err, CNI_ERR_VERSION, EINVAL, NULL,
				     "config version does not allow CHECK");
	if ((c == CNI_CMD_GC || c == CNI_CMD_STATUS) && req->version < CNI_V110)
		return cni_error_set(err, CNI_ERR_VERSION, EINVAL, NULL,
				     "config version does not allow %s", cni_command_str(c));
	return 0;
}

static int dispatch(const struct cni_plugin *plugin, struct cni_request *req, FILE *out,
		    struct cni_error *err)
{
	_cleanup_(cni_result_freep) struct cni_result *res = NULL;
	int r;

	switch (req->env.command) {
	case CNI_CMD_ADD:
		if ((r = plugin->cmd_add(req, &res, err)) < 0)
			return r;
		return cni_result_print(res, req->version, out, err);
	case CNI_CMD_DEL:
		return plugin->cmd_del(req, err);
	case CNI_CMD_CHECK:
		return plugin->cmd_check(req, err);
	case CNI_CMD_STATUS:
		return plugin->cmd_status ? plugin->cmd_status(req, err) : 0;
	case CNI_CMD_GC:
		return plugin->cmd_gc ? plugin->cmd_gc(req, err) : 0;
	default:
		return cni_error_set(err, CNI_ERR_ENV, EINVAL, NULL, "unknown CNI_COMMAND");
	}
}

int cni_run(const struct cni_plugin *plugin, const struct cni_call *call)
{
	struct cni_error err = {0};
	struct cni_request req = {0};
	_cleanup_free_ char *raw = NULL;
	const char *err_version = NULL;
	int r;

	const char *cmd = cni_env_get(call->envp, "CNI_COMMAND");
	if (!cmd || !*cmd) {
		fprintf(stderr, "%s\nCNI protocol versions supported: %s\n", plugin->about,
			cni_version_list());
		return 0;
	}
	r = cni_env_load_from(call->envp, &req.env, &err);
	if (r < 0)
		goto out;
	if (call->in) {
		/* The limit an executed plugin applies to its stdin. */
		if (call->in_len > JSON_MAX_INPUT) {
			r = input_too_large(JSON_MAX_INPUT, &err);
			goto out;
		}
		req.raw = call->in;
		req.raw_len = call->in_len;
	} else {
		r = cni_read_all(STDIN_FILENO, JSON_MAX_INPUT, &raw, &req.raw_len, &err);
		if (r < 0)
			goto out;
		req.raw = raw;
	}
	if (req.env.command == CNI_CMD_VERSION) {
		r = cmd_version(req.raw, req.raw_len, call->out, &err);
		goto out;
	}
	if ((r = load_request(&req, &err)) < 0)
		goto out;
	err_version = cni_version_str(req.version);
	if ((r = check_verb_version(&req, &err)) < 0 ||
	    (r = cni_args_parse(req.env.args, &req.args, &err)) < 0)
		goto out;
	r = dispatch(plugin, &req, call->out, &err);
out:
	if (r < 0) {
		if (!cni_error_is_set(&err))
			cni_error_set(&err, CNI_ERR_INTERNAL, -r, NULL, "internal error");
		/* The error carries the request's version when we got that far, else ours. */
		cni_error_print(&err,
				err_version ? err_version : cni_version_str(CNI_VERSION_NEWEST),
				call->out);
	}
	cni_args_clear(&req.args);
	cJSON_Delete(req.config);
	return r < 0 ? 1 : 0;
}

int cni_main(const struct cni_plugin *plugin)
{
	const struct cni_call call = {.envp = environ, .out = stdout};

	/* A runtime that closes our stdout early must get EPIPE, not kill us mid-rollback. */
	signal(SIGPIPE, SIG_IGN);
	return cni_run(plugin, &call);
}

int cni_request_prev_result(const struct cni_request *req, struct cni_result **ret,
			    struct cni_error *err)
{
	*ret = NULL;
	if (!req->prev_result)
		return 0;
	int r = cni_result_decode_remarshaled(req->prev_result, req->version, ret, err);
	if (r < 0)
		cni_error_prefix(err, "prevResult");
	return r;
}

int cni_request_gc_attachments(const struct cni_request *req, struct cni_attachment **ret,
			       size_t *ret_n, bool *ret_present, struct cni_error *err)
{
	const cJSON *list = NULL, *it;
	const char *key = "cni.dev/valid-attachments";
	struct cni_attachment *v;
	size_t n = 0;
	int r;

	if ((r = json_get_array(req->config, NULL, key, false, &list, err)) < 0)
		return r;
	if (!list) {
		key = "cni.dev/attachments";
		if ((r = json_get_array(req->config, NULL, key, false, &list, err)) < 0)
			return r;
	}
	*ret = NULL;
	*ret_n = 0;
	*ret_present = list != NULL;
	if (!list)
		return 0;
	v = calloc((size_t)cJSON_GetArraySize(list) + 1, sizeof(*v));
	if (!v)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	cJSON_ArrayForEach(it, list) {
		if ((r = json_get_string(it, key, "containerID", true, &v[n].container_id, err)) <
			    0 ||
		    (r = json_get_string(it, key, "ifname", true, &v[n].ifname, err)) < 0) {
			free(v);
			return r;
		}
		n++;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}
