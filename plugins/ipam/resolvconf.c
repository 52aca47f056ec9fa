/* ipam.resolvConf: a host resolv.conf turned into the result's dns, parsed like the reference
 * (plugins: host-local/dns.go): nameserver keeps its first token, domain the last one seen,
 * search and options every token; lines starting with '#' or ';' are comments. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "hostlocal.h"

#define RESOLV_MAX (64u << 10)

static int push(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(**v));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	if (!(nv[*n] = strdup(s)))
		return -ENOMEM;
	(*n)++;
	return 0;
}

static int parse_line(char *line, struct cni_dns *dns)
{
	char *save = NULL, *key, *tok;
	int r = 0;

	line += strspn(line, " \t\r");
	if (!*line || *line == '#' || *line == ';')
		return 0;
	key = strtok_r(line, " \t\r", &save);
	tok = strtok_r(NULL, " \t\r", &save);
	if (!key || !tok)
		return 0;
	if (strcmp(key, "nameserver") == 0)
		return push(&dns->nameservers, &dns->n_nameservers, tok);
	if (strcmp(key, "domain") == 0) {
		free(dns->domain);
		return (dns->domain = strdup(tok)) ? 0 : -ENOMEM;
	}
	if (strcmp(key, "search") == 0)
		for (; tok && r >= 0; tok = strtok_r(NULL, " \t\r", &save))
			r = push(&dns->search, &dns->n_search, tok);
	else if (strcmp(key, "options") == 0)
		for (; tok && r >= 0; tok = strtok_r(NULL, " \t\r", &save))
			r = push(&dns->options, &dns->n_options, tok);
	return r;
}

int resolvconf_parse_text(const char *text, struct cni_dns *ret)
{
	struct cni_dns dns = {0};
	_cleanup_free_ char *copy = strdup(text);
	char *save = NULL;
	int r = 0;

	if (!copy)
		return -ENOMEM;
	for (char *l = strtok_r(copy, "\n", &save); l && r >= 0; l = strtok_r(NULL, "\n", &save))
		r = parse_line(l, &dns);
	if (r < 0) {
		cni_dns_clear(&dns);
		return r;
	}
	*ret = dns;
	return 0;
}

int resolvconf_parse(const char *path, struct cni_dns *ret, struct cni_error *err)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *text = NULL;
	struct stat st;
	size_t len;
	int r;

	/* O_NONBLOCK: a FIFO (or a device) must fail cleanly, not hang the ADD. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return cni_error_set(err, CNI_ERR_IO, errno, NULL,
				     "ipam.resolvConf: cannot open \"%s\"", path);
	if (fstat(fd, &st) < 0)
		return cni_error_set(err, CNI_ERR_IO, errno, NULL, "ipam.resolvConf: stat \"%s\"",
				     path);
	if (!S_ISREG(st.st_mode))
		return cni_error_set(err, CNI_ERR_IO, EINVAL, NULL,
				     "ipam.resolvConf: \"%s\" is not a regular file", path);
	if ((r = cni_read_all(fd, RESOLV_MAX, &text, &len, err)) < 0) {
		cni_error_prefix(err, "ipam.resolvConf \"%s\"", path);
		return r;
	}
	if ((r = resolvconf_parse_text(text, ret)) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, -r, NULL, "out of memory");
	return 0;
}
