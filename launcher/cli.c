/* Global options and small parsing helpers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static int set(char **dst, const char *v)
{
	char *c = strdup(v);
	if (!c)
		return -ENOMEM;
	free(*dst);
	*dst = c;
	return 0;
}

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);
	return v && *v ? v : def;
}

int cli_globals_init(struct globals *g)
{
	*g = (struct globals){.timeout_ms = 60000};
	if (set(&g->conf_dir, env_or("NETCONFPATH", DEFAULT_CONF_DIR)) < 0 ||
	    set(&g->cni_path, env_or("CNI_PATH", DEFAULT_CNI_PATH)) < 0 ||
	    set(&g->cache_dir, env_or("CNICTL_CACHE_DIR", DEFAULT_CACHE_DIR)) < 0 ||
	    set(&g->state_dir, env_or("CNICTL_STATE_DIR", DEFAULT_STATE_DIR)) < 0)
		return -ENOMEM;
	return 0;
}

void cli_globals_clear(struct globals *g)
{
	free(g->conf_dir);
	free(g->cni_path);
	free(g->cache_dir);
	free(g->state_dir);
}

int cli_global_option(struct globals *g, int opt, const char *arg)
{
	char *end = NULL;
	long v;

	switch (opt) {
	case 'c':
	case OPT_CONF_DIR:
		return set(&g->conf_dir, arg) < 0 ? -1 : 1;
	case OPT_CNI_PATH:
		return set(&g->cni_path, arg) < 0 ? -1 : 1;
	case OPT_CACHE_DIR:
		return set(&g->cache_dir, arg) < 0 ? -1 : 1;
	case OPT_STATE_DIR:
		return set(&g->state_dir, arg) < 0 ? -1 : 1;
	case OPT_TIMING:
		g->timing = true;
		return 1;
	case OPT_PLUGIN_TIMEOUT:
		v = strtol(arg, &end, 10);
		if (!*arg || *end || v < 0 || v > 86400) {
			fprintf(stderr,
				"cnictl: --plugin-timeout: \"%s\" is not a number of seconds\n",
				arg);
			return -1;
		}
		g->timeout_ms = (int)v * 1000;
		return 1;
	case 'v':
		g->verbose++;
		return 1;
	default:
		return 0;
	}
}

char *cli_abs_path(const char *p)
{
	char cwd[4096], *joined = NULL, *out, *o;
	const char *s;

	if (p[0] == '/') {
		joined = strdup(p);
	} else {
		if (!getcwd(cwd, sizeof(cwd)) || asprintf(&joined, "%s/%s", cwd, p) < 0)
			return NULL;
	}
	if (!joined || !(out = malloc(strlen(joined) + 2))) {
		free(joined);
		return NULL;
	}
	/* Lexical clean: collapse "//", drop ".", resolve ".." against what precedes it. */
	o = out;
	s = joined;
	while (*s) {
		while (*s == '/')
			s++;
		const char *e = strchrnul(s, '/');
		size_t n = (size_t)(e - s);
		if (n == 0)
			break;
		if (n == 1 && s[0] == '.') {
		} else if (n == 2 && s[0] == '.' && s[1] == '.') {
			while (o > out && *--o != '/')
				;
		} else {
			*o++ = '/';
			memcpy(o, s, n);
			o += n;
		}
		s = e;
	}
	if (o == out)
		*o++ = '/';
	*o = '\0';
	free(joined);
	return out;
}

int cli_globals_finish(struct globals *g)
{
	char *a;
	if (!(a = cli_abs_path(g->cache_dir)))
		return -ENOMEM;
	free(g->cache_dir);
	g->cache_dir = a;
	if (!(a = cli_abs_path(g->state_dir)))
		return -ENOMEM;
	free(g->state_dir);
	g->state_dir = a;
	return 0;
}

static int args_push(struct cni_args *a, const char *k, size_t klen, const char *v)
{
	struct cni_arg *items = realloc(a->items, (a->n + 1) * sizeof(*items));
	if (!items)
		return -ENOMEM;
	a->items = items;
	items[a->n].key = strndup(k, klen);
	items[a->n].value = strdup(v);
	a->n++;
	if (!items[a->n - 1].key || !items[a->n - 1].value)
		return -ENOMEM;
	return 0;
}

int cli_parse_cni_args(const char *s, bool add_ignore_unknown, struct cni_args *ret)
{
	struct cni_args a = {0};
	_cleanup_free_ char *copy = strdup(s ? s : "");
	char *save = NULL;
	bool has_ignore = false;

	if (!copy)
		return -ENOMEM;
	for (char *pair = strtok_r(copy, ";", &save); pair; pair = strtok_r(NULL, ";", &save)) {
		char *eq = strchr(pair, '=');
		if (!eq || eq == pair || !eq[1]) {
			fprintf(stderr, "cnictl: invalid CNI_ARGS pair \"%s\"\n", pair);
			cni_args_clear(&a);
			return -EINVAL;
		}
		has_ignore |= strncmp(pair, "IgnoreUnknown=", 14) == 0;
		if (args_push(&a, pair, (size_t)(eq - pair), eq + 1) < 0) {
			cni_args_clear(&a);
			return -ENOMEM;
		}
	}
	if (add_ignore_unknown && !has_ignore) {
		/* The reference plugins refuse unknown keys otherwise, even on DEL. */
		if (args_push(&a, "IgnoreUnknown", 13, "1") < 0) {
			cni_args_clear(&a);
			return -ENOMEM;
		}
		struct cni_arg last = a.items[a.n - 1];
		memmove(a.items + 1, a.items, (a.n - 1) * sizeof(*a.items));
		a.items[0] = last;
	}
	*ret = a;
	return 0;
}
