/* Option tables, usage text, global options and small parsing helpers. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cni_version.h"

int cli_set_str(char **dst, const char *v)
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
	if (cli_set_str(&g->conf_dir, env_or("NETCONFPATH", DEFAULT_CONF_DIR)) < 0 ||
	    cli_set_str(&g->cni_path, env_or("CNI_PATH", DEFAULT_CNI_PATH)) < 0 ||
	    cli_set_str(&g->cache_dir, env_or("CNICTL_CACHE_DIR", DEFAULT_CACHE_DIR)) < 0 ||
	    cli_set_str(&g->state_dir, env_or("CNICTL_STATE_DIR", DEFAULT_STATE_DIR)) < 0)
		return -ENOMEM;
	return 0;
}

void cli_globals_clear(struct globals *g)
{
	free(g->conf_dir);
	free(g->cni_path);
	free(g->cache_dir);
	free(g->state_dir);
	*g = (struct globals){0};
}

/* ---- the global options ---- */

static int set_conf_dir(void *ctx, const char *arg)
{
	return cli_set_str(&((struct globals *)ctx)->conf_dir, arg);
}

static int set_cni_path(void *ctx, const char *arg)
{
	return cli_set_str(&((struct globals *)ctx)->cni_path, arg);
}

static int set_cache_dir(void *ctx, const char *arg)
{
	return cli_set_str(&((struct globals *)ctx)->cache_dir, arg);
}

static int set_state_dir(void *ctx, const char *arg)
{
	return cli_set_str(&((struct globals *)ctx)->state_dir, arg);
}

static int set_timing(void *ctx, const char *arg)
{
	(void)arg;
	((struct globals *)ctx)->timing = true;
	return 0;
}

static int set_plugin_timeout(void *ctx, const char *arg)
{
	char *end = NULL;
	long v = strtol(arg, &end, 10);

	if (!*arg || *end || v < 0 || v > 86400) {
		fprintf(stderr, "cnictl: --plugin-timeout: \"%s\" is not a number of seconds\n",
			arg);
		return -EINVAL;
	}
	((struct globals *)ctx)->timeout_ms = (int)v * 1000;
	return 0;
}

static int set_verbose(void *ctx, const char *arg)
{
	(void)arg;
	((struct globals *)ctx)->verbose++;
	return 0;
}

static int print_version(void *ctx, const char *arg)
{
	(void)ctx;
	(void)arg;
	printf("cnictl %s (cni-c)\nCNI protocol versions supported: %s\n", CNI_C_VERSION,
	       cni_version_list());
	return CLI_DONE;
}

const struct cli_opt cli_global_opts[] = {
	{"conf-dir", 'c', "DIR",
	 "network configurations (env NETCONFPATH, default " DEFAULT_CONF_DIR ")", set_conf_dir},
	{"cni-path", 0, "DIRS", "plugin search path (env CNI_PATH, default " DEFAULT_CNI_PATH ")",
	 set_cni_path},
	{"cache-dir", 0, "DIR",
	 "libcni result cache (env CNICTL_CACHE_DIR, default " DEFAULT_CACHE_DIR ")",
	 set_cache_dir},
	{"state-dir", 0, "DIR",
	 "container records (env CNICTL_STATE_DIR, default " DEFAULT_STATE_DIR ")", set_state_dir},
	{"timing", 0, NULL, "one line per plugin exec: wall, user/sys ms, max RSS", set_timing},
	{"plugin-timeout", 0, "S", "kill a plugin that runs longer than S seconds (default 60)",
	 set_plugin_timeout},
	{"verbose", 'v', NULL, "more diagnostics on stderr", set_verbose},
	{"version", 0, NULL, "print cnictl's version", print_version},
	{"help", 'h', NULL, "this text", NULL},
	{0},
};

/* ---- usage ---- */

/* The help column; a longer option line puts its help on the next line. */
#define HELP_COLUMN 28

static void print_opts(FILE *f, const struct cli_opt *opts)
{
	for (const struct cli_opt *o = opts; o && o->name; o++) {
		char left[128];
		const char *h = o->help;
		if (o->short_name)
			snprintf(left, sizeof(left), "  -%c, --%s%s%s", o->short_name, o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "      --%s%s%s", o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		if (strlen(left) + 2 > HELP_COLUMN)
			fprintf(f, "%s\n%*s", left, HELP_COLUMN, "");
		else
			fprintf(f, "%-*s", HELP_COLUMN, left);
		/* Continuation lines aligned under the first. */
		for (const char *nl; (nl = strchr(h, '\n')); h = nl + 1)
			fprintf(f, "%.*s\n%*s", (int)(nl - h), h, HELP_COLUMN, "");
		fprintf(f, "%s\n", h);
	}
}

static void print_lines(FILE *f, const char *first, const char *rest, const char *text)
{
	const char *p = text;
	for (const char *nl; (nl = strchr(p, '\n')); p = nl + 1)
		fprintf(f, "%s%.*s\n", p == text ? first : rest, (int)(nl - p), p);
	fprintf(f, "%s%s\n", p == text ? first : rest, p);
}

void cli_usage(FILE *f, const struct cli_verb *verb)
{
	if (!verb) {
		fputs("Usage: cnictl [GLOBAL OPTIONS] VERB [OPTIONS] ...\n\n", f);
		for (size_t i = 0; cli_verbs[i]; i++) {
			const struct cli_verb *v = cli_verbs[i];
			const char *p = v->synopsis, *nl;
			for (bool first = true; p; p = nl ? nl + 1 : NULL, first = false) {
				nl = strchr(p, '\n');
				int n = nl ? (int)(nl - p) : (int)strlen(p);
				if (first)
					fprintf(f, "  %-34.*s %s\n", n, p, v->summary);
				else
					fprintf(f, "  %.*s\n", n, p);
			}
		}
		fputs("\nGlobal options, before or after the verb:\n", f);
		print_opts(f, cli_global_opts);
		fputs("\n`cnictl VERB --help` describes each verb.\n", f);
		return;
	}
	print_lines(f, "Usage: cnictl ", "       cnictl ", verb->synopsis);
	if (verb->description)
		fputs(verb->description, f);
	if (verb->opts && verb->opts->name) {
		fputs("\nOptions:\n", f);
		print_opts(f, verb->opts);
	}
	fputs("\nGlobal options, before or after the verb:\n", f);
	print_opts(f, cli_global_opts);
	if (verb->footer) {
		fputc('\n', f);
		fputs(verb->footer, f);
	}
}

const struct cli_verb *cli_find_verb(const char *name)
{
	for (size_t i = 0; cli_verbs[i]; i++)
		if (strcmp(cli_verbs[i]->name, name) == 0)
			return cli_verbs[i];
	return NULL;
}

/* ---- parsing: getopt_long over both tables ---- */

#define OPT_BASE 256

int cli_parse(int argc, char **argv, const struct cli_verb *verb, void *ctx, struct globals *g,
	      bool in_order)
{
	const struct cli_opt *tables[2] = {verb ? verb->opts : NULL, cli_global_opts};
	void *ctxs[2] = {ctx, g};
	struct option longopts[64];
	char shorts[64];
	size_t n = 0, ns = 0;
	int c;

	if (in_order)
		shorts[ns++] = '+';
	shorts[ns++] = ':'; /* missing arguments reported here, with the usage */
	for (size_t t = 0; t < 2; t++)
		for (const struct cli_opt *o = tables[t]; o && o->name; o++) {
			if (n + 1 >= ARRAY_SIZE(longopts) || ns + 3 >= sizeof(shorts))
				return -E2BIG;
			longopts[n] = (struct option){o->name,
						      o->arg ? required_argument : no_argument,
						      NULL, OPT_BASE + (int)n};
			n++;
			if (o->short_name) {
				shorts[ns++] = o->short_name;
				if (o->arg)
					shorts[ns++] = ':';
			}
		}
	longopts[n] = (struct option){0};
	shorts[ns] = '\0';

	optind = 0; /* 0: full reset of GNU getopt, verbs may parse twice */
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
		const struct cli_opt *o = NULL;
		void *octx = NULL;
		int k = 0, r;

		for (size_t t = 0; t < 2 && !o; t++)
			for (const struct cli_opt *p = tables[t]; p && p->name; p++, k++)
				if ((c >= OPT_BASE && c - OPT_BASE == k) ||
				    (c < OPT_BASE && p->short_name && c == p->short_name)) {
					o = p;
					octx = ctxs[t];
					break;
				}
		if (!o) {
			const char *what = argv[optind - 1];
			if (c == ':')
				fprintf(stderr, "cnictl: option %s needs an argument\n", what);
			else if (optopt && optopt < OPT_BASE)
				fprintf(stderr, "cnictl: unknown option -%c\n", optopt);
			else
				fprintf(stderr, "cnictl: unknown option %s\n", what);
			cli_usage(stderr, verb);
			return -EINVAL;
		}
		if (!o->set) {
			cli_usage(stdout, verb);
			return CLI_PARSE_DONE;
		}
		r = o->set(octx, optarg);
		if (r == CLI_DONE)
			return CLI_PARSE_DONE;
		if (r < 0)
			return r == -ENOMEM ? -ENOMEM : -EINVAL;
	}
	return optind;
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

const struct cli_verb *const cli_verbs[] = {
	&cli_verb_run,	 &cli_verb_exec, &cli_verb_list,   &cli_verb_ls,
	&cli_verb_stop,	 &cli_verb_rm,	 &cli_verb_gc,	   &cli_verb_add,
	&cli_verb_check, &cli_verb_del,	 &cli_verb_status, NULL,
};
