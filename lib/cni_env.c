/* Environment parsing and validation (pkg/skel, pkg/types/args.go in libcni). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h> /* environ */

#include "cni_env.h"

static const char *const command_names[] = {
	[CNI_CMD_NONE] = "",	   [CNI_CMD_ADD] = "ADD",	  [CNI_CMD_DEL] = "DEL",
	[CNI_CMD_CHECK] = "CHECK", [CNI_CMD_VERSION] = "VERSION", [CNI_CMD_STATUS] = "STATUS",
	[CNI_CMD_GC] = "GC",
};

enum cni_command cni_command_parse(const char *s)
{
	for (size_t i = 1; s && i < ARRAY_SIZE(command_names); i++)
		if (strcmp(s, command_names[i]) == 0)
			return (enum cni_command)i;
	return CNI_CMD_NONE;
}

const char *cni_command_str(enum cni_command c)
{
	return (size_t)c < ARRAY_SIZE(command_names) ? command_names[c] : "";
}

static bool valid_id_chars(const char *s)
{
	if (!s || !isalnum((unsigned char)s[0]))
		return false;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
			return false;
	return true;
}

int cni_validate_container_id(const char *id, struct cni_error *err)
{
	if (!id || !*id)
		return cni_error_set(err, CNI_ERR_ENV, EINVAL, NULL, "missing containerID");
	if (strlen(id) > CNI_CONTAINER_ID_MAX)
		return cni_error_set(err, CNI_ERR_ENV, EINVAL, NULL,
				     "containerID is longer than %d bytes", CNI_CONTAINER_ID_MAX);
	if (!valid_id_chars(id))
		return cni_error_set(err, CNI_ERR_ENV, EINVAL, id,
				     "invalid characters in containerID");
	return 0;
}

int cni_validate_network_name(const char *name, struct cni_error *err)
{
	if (!name || !*name)
		return cni_error_set(err, CNI_ERR_CONFIG, EINVAL, NULL, "missing network name");
	if (strlen(name) > 255 || !valid_id_chars(name))
		return cni_error_set(err, CNI_ERR_CONFIG, EINVAL, name,
				     "invalid characters found in network name");
	return 0;
}

/* Length of the UTF-8 sequence at s if it encodes one of the code points Go's unicode.IsSpace
 * accepts beyond ASCII (U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F,
 * U+3000), else 0. Go ranges over runes, so only well-formed sequences count: a lone 0x85 or
 * 0xA0 byte decodes as U+FFFD there, which is not a space. */
static size_t unicode_space_len(const unsigned char *s)
{
	if (s[0] == 0xc2 && (s[1] == 0x85 || s[1] == 0xa0))
		return 2;
	if (s[0] == 0xe1 && s[1] == 0x9a && s[2] == 0x80)
		return 3;
	if (s[0] == 0xe2 && s[1] == 0x80 &&
	    ((s[2] >= 0x80 && s[2] <= 0x8a) || s[2] == 0xa8 || s[2] == 0xa9 || s[2] == 0xaf))
		return 3;
	if (s[0] == 0xe2 && s[1] == 0x81 && s[2] == 0x9f)
		return 3;
	if (s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80)
		return 3;
	return 0;
}

const char *cni_ifname_problem(const char *name)
{
	if (!name || !*name)
		return "interface name is empty";
	if (strlen(name) > CNI_IFNAME_MAX)
		return "interface name is too long";
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return "interface name is . or ..";
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p == '/' || *p == ':' || isspace(*p) || unicode_space_len(p))
			return "interface name contains / or : or whitespace";
	return NULL;
}

const char *cni_ifname_kernel_problem(const char *name)
{
	const char *why = cni_ifname_problem(name);

	if (why)
		return why;
	/* dev_get_valid_name(): a name with '%' is a template ("eth%d" becomes eth0, eth1...),
	 * so the interface would not get the name asked for. */
	if (strchr(name, '%'))
		return "interface name contains '%' (the kernel would expand it as a template)";
	/* dev_valid_name() uses the kernel's isspace(), which is true for the byte 0xA0 alone
	 * (lib/ctype.c), e.g. the second byte of "\u00e0". */
	if (strchr(name, 0xa0))
		return "interface name contains the byte 0xA0, which the kernel counts as a space";
	return NULL;
}

int cni_validate_ifname(const char *name, struct cni_error *err)
{
	const char *why = cni_ifname_problem(name);

	if (!why)
		return 0;
	return cni_error_set(err, CNI_ERR_ENV, EINVAL,
			     name && strlen(name) > CNI_IFNAME_MAX
				     ? "interface name should be less than 16 characters"
				     : name,
			     "%s", why);
}

const char *cni_env_get(char *const *envp, const char *key)
{
	size_t len = strlen(key);

	for (size_t i = 0; envp && envp[i]; i++)
		if (envp[i][0] == key[0] && strncmp(envp[i], key, len) == 0 && envp[i][len] == '=')
			return envp[i] + len + 1;
	return NULL;
}

int cni_env_load(struct cni_env *ret, struct cni_error *err)
{
	return cni_env_load_from(environ, ret, err);
}

int cni_env_load_from(char *const *envp, struct cni_env *ret, struct cni_error *err)
{
	struct cni_env e = {0};
	const char *cmd = cni_env_get(envp, "CNI_COMMAND");
	char missing[128] = "";
	int r;

	if (!cmd || !*cmd)
		return cni_error_set(err, CNI_ERR_ENV, EINVAL, NULL,
				     "required env variables [CNI_COMMAND] missing");
	e.command = cni_command_parse(cmd);
	if (e.command == CNI_CMD_NONE)
		return cni_error_set(err, CNI_ERR_ENV, EINVAL, NULL, "unknown CNI_COMMAND: %s",
				     cmd);
	e.container_id = cni_env_get(envp, "CNI_CONTAINERID");
	e.netns = cni_env_get(envp, "CNI_NETNS");
	e.ifname = cni_env_get(envp, "CNI_IFNAME");
	e.args = cni_env_get(envp, "CNI_ARGS");
	e.path = cni_env_get(envp, "CNI_PATH");

	bool attach = e.command == CNI_CMD_ADD || e.command == CNI_CMD_DEL ||
		      e.command == CNI_CMD_CHECK;
	if (attach) {
		struct {
			const char *name, *value;
			bool needed;
		} req[] = {
			{"CNI_CONTAINERID", e.container_id, true},
			/* SPEC.md › DEL: CNI_NETNS may be empty or absent for DEL. */
			{"CNI_NETNS", e.netns, e.command != CNI_CMD_DEL},
			{"CNI_IFNAME", e.ifname, true},
		};
		for (size_t i = 0; i < ARRAY_SIZE(req); i++)
			if (req[i].needed && (!req[i].value || !*req[i].value)) {
				size_t len = strlen(missing);
				snprintf(missing + len, sizeof(missing) - len, "%s%s",
					 len ? "," : "", req[i].name);
			}
		if (missing[0])
			return cni_error_set(err, CNI_ERR_ENV, EINVAL, NULL,
					     "required env variables [%s] missing", missing);
		if ((r = cni_validate_container_id(e.container_id, err)) < 0 ||
		    (r = cni_validate_ifname(e.ifname, err)) < 0)
			return r;
		if (!e.netns)
			e.netns = "";
	}
	*ret = e;
	return 0;
}

/* ---- CNI_ARGS ----------------------------------------------------------------------------- */

void cni_args_clear(struct cni_args *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->items[i].key);
		free(a->items[i].value);
	}
	free(a->items);
	memset(a, 0, sizeof(*a));
}

static int parse_bool_arg(const char *v, bool *ret)
{
	static const char *const yes[] = {"1", "true", "t"}, *const no[] = {"0", "false", "f"};
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return *ret = true, 0;
		if (strcasecmp(v, no[i]) == 0)
			return *ret = false, 0;
	}
	return -EINVAL;
}

int cni_args_parse(const char *s, struct cni_args *ret, struct cni_error *err)
{
	struct cni_args a = {0};
	_cleanup_free_ char *copy = NULL;
	char *save = NULL;
	int r = 0;

	if (!s || !*s) {
		*ret = a;
		return 0;
	}
	if (!(copy = strdup(s)))
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	for (char *pair = strtok_r(copy, ";", &save); pair; pair = strtok_r(NULL, ";", &save)) {
		char *eq = strchr(pair, '=');
		if (!eq || eq == pair || strchr(eq + 1, '=')) {
			r = cni_error_set(err, CNI_ERR_ENV, EINVAL, pair,
					  "ARGS: invalid pair \"%s\"", pair);
			goto fail;
		}
		*eq = '\0';
		struct cni_arg *items = realloc(a.items, (a.n + 1) * sizeof(*items));
		if (!items) {
			r = cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
			goto fail;
		}
		a.items = items;
		a.items[a.n].key = strdup(pair);
		a.items[a.n].value = strdup(eq + 1);
		a.n++;
		if (!a.items[a.n - 1].key || !a.items[a.n - 1].value) {
			r = cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
			goto fail;
		}
		if (strcmp(pair, "IgnoreUnknown") == 0 &&
		    parse_bool_arg(eq + 1, &a.ignore_unknown) < 0) {
			r = cni_error_set(err, CNI_ERR_ENV, EINVAL, eq + 1,
					  "ARGS: IgnoreUnknown must be a boolean, got \"%s\"",
					  eq + 1);
			goto fail;
		}
	}
	*ret = a;
	return 0;
fail:
	cni_args_clear(&a);
	return r;
}

const char *cni_args_get(const struct cni_args *a, const char *key)
{
	const char *v = NULL;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->items[i].key, key) == 0)
			v = a->items[i].value;
	return v;
}

int cni_args_check_known(const struct cni_args *a, const char *const *known, struct cni_error *err)
{
	char unknown[512] = "";

	if (a->ignore_unknown)
		return 0;
	for (size_t i = 0; i < a->n; i++) {
		bool ok = strcmp(a->items[i].key, "IgnoreUnknown") == 0;
		for (const char *const *k = known; !ok && k && *k; k++)
			ok = strcmp(a->items[i].key, *k) == 0;
		if (!ok) {
			size_t len = strlen(unknown);
			snprintf(unknown + len, sizeof(unknown) - len, "%s\"%s=%s\"",
				 len ? " " : "", a->items[i].key, a->items[i].value);
		}
	}
	if (unknown[0])
		return cni_error_set(err, CNI_ERR_ENV, EINVAL,
				     "set IgnoreUnknown=1 in CNI_ARGS to ignore them",
				     "ARGS: unknown args [%s]", unknown);
	return 0;
}
