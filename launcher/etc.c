/* Generated /etc files for containers with their own root. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "etc.h"
#include "json.h"

const char *const etc_files[3] = {"hostname", "hosts", "resolv.conf"};

/* A growing string; on ENOMEM it turns NULL and stays so. */
struct buf {
	char *s;
	size_t len;
};

_printf_(2, 3) static void buf_add(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char *more = NULL;
	int n;

	if (!b->s)
		return;
	va_start(ap, fmt);
	n = vasprintf(&more, fmt, ap);
	va_end(ap);
	char *grown = n < 0 ? NULL : realloc(b->s, b->len + (size_t)n + 1);
	if (!grown) {
		free(more);
		free(b->s);
		b->s = NULL;
		return;
	}
	memcpy(grown + b->len, more, (size_t)n + 1);
	b->s = grown;
	b->len += (size_t)n;
	free(more);
}

char *etc_hosts_text(const char *hostname, const char *name, char *const *ips)
{
	struct buf b = {.s = strdup("")};
	bool both = name && *name && strcmp(name, hostname) != 0;
	size_t n = 0;

	buf_add(&b, "127.0.0.1\tlocalhost\n");
	buf_add(&b, "::1\tlocalhost ip6-localhost ip6-loopback\n");
	for (; ips && ips[n]; n++)
		buf_add(&b, "%s\t%s%s%s\n", ips[n], hostname, both ? " " : "", both ? name : "");
	/* Debian's convention for a host without a fixed address: its name still resolves. */
	if (n == 0)
		buf_add(&b, "127.0.1.1\t%s%s%s\n", hostname, both ? " " : "", both ? name : "");
	return b.s;
}

/* Strings of a result's dns.<key> not yet in `seen`, appended to both. */
static void add_unique(const cJSON *dns, const char *key, cJSON *seen)
{
	const cJSON *arr = json_field(dns, key), *it, *s;

	cJSON_ArrayForEach(it, arr) {
		bool dup = false;
		if (!cJSON_IsString(it) || !*it->valuestring)
			continue;
		cJSON_ArrayForEach(s, seen) {
			dup |= strcmp(s->valuestring, it->valuestring) == 0;
		}
		if (!dup)
			cJSON_AddItemToArray(seen, cJSON_CreateString(it->valuestring));
	}
}

static void add_list_line(struct buf *b, const char *word, const cJSON *list)
{
	const cJSON *it;
	if (cJSON_GetArraySize(list) == 0)
		return;
	buf_add(b, "%s", word);
	cJSON_ArrayForEach(it, list) {
		buf_add(b, " %s", it->valuestring);
	}
	buf_add(b, "\n");
}

char *etc_resolv_text(const cJSON *const *results, size_t n, const char *host)
{
	_cleanup_(cJSON_Deletep) cJSON *ns = cJSON_CreateArray(), *search = cJSON_CreateArray(),
				       *opts = cJSON_CreateArray();
	struct buf b = {.s = strdup("")};
	const char *domain = NULL;
	const cJSON *it;

	if (!ns || !search || !opts) {
		free(b.s);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		const cJSON *dns = json_field(results[i], "dns"), *d = json_field(dns, "domain");
		add_unique(dns, "nameservers", ns);
		add_unique(dns, "search", search);
		add_unique(dns, "options", opts);
		if (!domain && cJSON_IsString(d) && *d->valuestring)
			domain = d->valuestring;
	}
	if (cJSON_GetArraySize(ns) == 0) {
		free(b.s);
		return strdup(host ? host : "");
	}
	buf_add(&b, "# from the CNI result (cnictl)\n");
	cJSON_ArrayForEach(it, ns) {
		buf_add(&b, "nameserver %s\n", it->valuestring);
	}
	/* resolv.conf(5): domain and search exclude each other, the last one wins. */
	if (domain && cJSON_GetArraySize(search) == 0)
		buf_add(&b, "domain %s\n", domain);
	add_list_line(&b, "search", search);
	add_list_line(&b, "options", opts);
	return b.s;
}

static int write_file(const char *dir, const char *name, const char *text)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -EBADF;
	size_t len = strlen(text), off = 0;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return -ENOMEM;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		return negative_errno();
	while (off < len) {
		ssize_t k = write(fd, text + off, len - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return negative_errno();
		off += (size_t)k;
	}
	return 0;
}

int etc_write(const char *dir, const char *hostname, const char *hosts, const char *resolv,
	      struct cni_error *err)
{
	_cleanup_free_ char *hn = NULL;
	const char *texts[3];
	int r;

	if (asprintf(&hn, "%s\n", hostname) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	texts[0] = hn;
	texts[1] = hosts;
	texts[2] = resolv;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return cni_error_set(err, CNI_ERR_IO, errno, NULL, "create %s", dir);
	for (size_t i = 0; i < ARRAY_SIZE(etc_files); i++)
		if ((r = write_file(dir, etc_files[i], texts[i])) < 0)
			return cni_error_set(err, CNI_ERR_IO, -r, NULL, "write %s/%s", dir,
					     etc_files[i]);
	return 0;
}

int etc_remove(const char *dir)
{
	for (size_t i = 0; i < ARRAY_SIZE(etc_files); i++) {
		_cleanup_free_ char *path = NULL;
		if (asprintf(&path, "%s/%s", dir, etc_files[i]) < 0)
			return -ENOMEM;
		if (unlink(path) < 0 && errno != ENOENT)
			return negative_errno();
	}
	if (rmdir(dir) < 0 && errno != ENOENT)
		return negative_errno();
	return 0;
}
