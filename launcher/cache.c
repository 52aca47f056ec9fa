/* The libcni result cache: <cacheDir>/results/<net>-<containerID>-<ifname>, kind cniCacheV1,
 * so cnitool and other libcni users can DEL what we added and the other way round. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cni_skel.h"
#include "fsutil.h"
#include "json.h"
#include "runtime.h"

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_encode(const char *in, size_t len, char **ret)
{
	const unsigned char *s = (const unsigned char *)in;
	char *out = malloc((len + 2) / 3 * 4 + 1), *p = out;

	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)s[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)s[i + 1] << 8;
		if (i + 2 < len)
			v |= s[i + 2];
		*p++ = b64[(v >> 18) & 63];
		*p++ = b64[(v >> 12) & 63];
		*p++ = i + 1 < len ? b64[(v >> 6) & 63] : '=';
		*p++ = i + 2 < len ? b64[v & 63] : '=';
	}
	*p = '\0';
	*ret = out;
	return 0;
}

int base64_decode(const char *in, char **ret, size_t *ret_len)
{
	size_t len = strlen(in), n = 0;
	unsigned v = 0, bits = 0;
	char *out = malloc(len / 4 * 3 + 4);

	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < len; i++) {
		const char *c;
		if (in[i] == '=')
			break;
		if (!(c = strchr(b64, in[i])) || !in[i]) {
			free(out);
			return -EINVAL;
		}
		v = (v << 6) | (unsigned)(c - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (char)((v >> bits) & 0xff);
		}
	}
	out[n] = '\0';
	*ret = out;
	*ret_len = n;
	return 0;
}

char *cache_path(const char *cache_dir, const char *net, const char *cid, const char *ifname)
{
	char *p = NULL;
	if (asprintf(&p, "%s/results/%s-%s-%s", cache_dir, net, cid, ifname) < 0)
		return NULL;
	return p;
}

static int write_atomic(const char *path, const char *data, size_t len, mode_t mode)
{
	_cleanup_free_ char *tmp = NULL;
	int fd, r = 0;

	if (asprintf(&tmp, "%s.tmp.%d", path, getpid()) < 0)
		return -ENOMEM;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return negative_errno();
	for (size_t off = 0; off < len;) {
		ssize_t k = write(fd, data + off, len - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r = negative_errno();
			break;
		}
		off += (size_t)k;
	}
	if (close(fd) < 0 && r == 0)
		r = negative_errno();
	if (r == 0 && rename(tmp, path) < 0)
		r = negative_errno();
	if (r < 0)
		unlink(tmp);
	return r;
}

int cache_write(const struct netconf *nc, const struct rt_conf *rt, const cJSON *result,
		struct cni_error *err)
{
	_cleanup_(cJSON_Deletep) cJSON *o = cJSON_CreateObject();
	_cleanup_free_ char *b = NULL, *text = NULL, *path = NULL, *dir = NULL;
	int r;

	if (!o || base64_encode(nc->bytes, nc->len, &b) < 0 ||
	    !cJSON_AddStringToObject(o, "kind", "cniCacheV1") ||
	    !cJSON_AddStringToObject(o, "containerId", rt->container_id) ||
	    !cJSON_AddStringToObject(o, "config", b) ||
	    !cJSON_AddStringToObject(o, "ifName", rt->ifname) ||
	    !cJSON_AddStringToObject(o, "networkName", nc->name))
		goto oom;
	/* libcni: `json:"netns,omitempty"` */
	if (rt->netns && *rt->netns && !cJSON_AddStringToObject(o, "netns", rt->netns))
		goto oom;
	if (rt->args && rt->args->n) {
		cJSON *pairs = cJSON_AddArrayToObject(o, "cniArgs");
		if (!pairs)
			goto oom;
		for (size_t i = 0; i < rt->args->n; i++) {
			const char *kv[2] = {rt->args->items[i].key, rt->args->items[i].value};
			if (!cJSON_AddItemToArray(pairs, cJSON_CreateStringArray(kv, 2)))
				goto oom;
		}
	}
	if (cJSON_IsObject(rt->cap_args) && rt->cap_args->child &&
	    !cJSON_AddItemToObject(o, "capabilityArgs", json_dup(rt->cap_args)))
		goto oom;
	if (result && !cJSON_AddItemToObject(o, "result", json_dup(result)))
		goto oom;
	if (!(text = json_print(o, false)) ||
	    !(path = cache_path(rt->cache_dir, nc->name, rt->container_id, rt->ifname)) ||
	    asprintf(&dir, "%s/results", rt->cache_dir) < 0)
		goto oom;
	if ((r = fs_mkdir_p(dir, 0700)) < 0)
		return cni_error_set(err, CNI_ERR_IO, -r, NULL, "create cache dir %s", dir);
	if ((r = write_atomic(path, text, strlen(text), 0600)) < 0)
		return cni_error_set(err, CNI_ERR_IO, -r, NULL, "write cache file %s", path);
	return 0;
oom:
	return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
}

static int read_entry(const char *path, cJSON **ret, struct cni_error *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r;

	if (fd < 0)
		return errno == ENOENT
			       ? -ENOENT
			       : cni_error_set(err, CNI_ERR_IO, errno, NULL, "open %s", path);
	if ((r = cni_read_all(fd, JSON_MAX_INPUT, &buf, &len, err)) < 0)
		return r;
	return json_parse(buf, len, path, ret, err);
}

int cache_read(const char *cache_dir, const char *net, const char *cid, const char *ifname,
	       cJSON **ret, struct cni_error *err)
{
	_cleanup_free_ char *path = cache_path(cache_dir, net, cid, ifname);
	_cleanup_(cJSON_Deletep) cJSON *o = NULL;
	int r;

	if (!path)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	if ((r = read_entry(path, &o, err)) < 0)
		return r;
	/* Pre-cniCacheV1 caches held the bare result. */
	if (!json_field(o, "kind")) {
		cJSON *wrap = cJSON_CreateObject();
		if (!wrap || !cJSON_AddItemToObject(wrap, "result", TAKE_PTR(o))) {
			cJSON_Delete(wrap);
			return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
		}
		o = wrap;
	}
	*ret = TAKE_PTR(o);
	return 0;
}

/* write_atomic's "<path>.tmp.<pid>" left by a writer killed before its rename: removed when
 * that process is gone (a live one is still writing). */
static void remove_stale_tmp(const char *path)
{
	const char *slash = strrchr(path, '/');
	_cleanup_free_ char *dir = strndup(path, (size_t)(slash - path));
	size_t n = strlen(slash + 1);
	DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char *end;
		long pid;

		if (strncmp(de->d_name, slash + 1, n) != 0 || strncmp(de->d_name + n, ".tmp.", 5))
			continue;
		pid = strtol(de->d_name + n + 5, &end, 10);
		if (*end || pid <= 0)
			continue;
		if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
			(void)unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
}

int cache_remove(const char *cache_dir, const char *net, const char *cid, const char *ifname)
{
	_cleanup_free_ char *path = cache_path(cache_dir, net, cid, ifname);
	if (!path)
		return -ENOMEM;
	remove_stale_tmp(path);
	if (unlink(path) < 0 && errno != ENOENT)
		return negative_errno();
	return 0;
}

int cache_config(const cJSON *entry, struct netconf **ret, struct cni_error *err)
{
	const cJSON *c = json_field(entry, "config");
	_cleanup_free_ char *bytes = NULL;
	size_t len;

	if (!cJSON_IsString(c))
		return cni_error_set(err, CNI_ERR_DECODE, ENOENT, NULL,
				     "cache entry has no configuration");
	if (base64_decode(c->valuestring, &bytes, &len) < 0)
		return cni_error_set(err, CNI_ERR_DECODE, EINVAL, NULL,
				     "cache entry configuration is not base64");
	return conf_from_bytes(bytes, len, "(cache)", ret, err);
}

int cache_list(const char *cache_dir, cJSON **ret, struct cni_error *err)
{
	_cleanup_(cJSON_Deletep) cJSON *arr = cJSON_CreateArray();
	_cleanup_free_ char *dir = NULL;
	struct dirent *de;
	DIR *d;

	if (!arr || asprintf(&dir, "%s/results", cache_dir) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	if (!(d = opendir(dir))) {
		if (errno != ENOENT)
			return cni_error_set(err, CNI_ERR_IO, errno, NULL, "read cache dir %s",
					     dir);
		*ret = TAKE_PTR(arr);
		return 0;
	}
	while ((de = readdir(d))) {
		_cleanup_free_ char *path = NULL;
		cJSON *o = NULL;
		if (de->d_name[0] == '.' || strstr(de->d_name, ".tmp."))
			continue;
		if (asprintf(&path, "%s/%s", dir, de->d_name) < 0)
			break;
		/* Unreadable entries are skipped, as libcni's GetCachedAttachments does. */
		if (read_entry(path, &o, NULL) < 0)
			continue;
		if (!cJSON_IsObject(o) || !cJSON_AddItemToArray(arr, o))
			cJSON_Delete(o);
	}
	closedir(d);
	*ret = TAKE_PTR(arr);
	return 0;
}
