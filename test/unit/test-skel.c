/* The plugin skeleton end to end, in a child process with a fake plugin: env, stdin, version
 * negotiation, verb gating and the error JSON for each failure kind. Also plugin invocation. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cni_skel.h"
#include "elf_buildid.h"
#include "invoke.h"
#include "json.h"
#include "../tap.h"

static int fake_adds; /* ADDs run in this process (in-process delegation) */

static int fake_add(const struct cni_request *req, struct cni_result **ret, struct cni_error *err)
{
	struct cni_result *r;
	struct cni_ip ip = {.interface = 0};
	fake_adds++;
	if (strcmp(req->env.container_id, "fail") == 0)
		return cni_error_set(err, CNI_ERR_CONFIG, EINVAL, NULL, "fake failure");
	r = cni_result_new();
	cni_result_add_interface(r, req->env.ifname, "0a:58:00:00:00:01", req->env.netns, NULL);
	ipprefix_parse("10.9.0.2/24", &ip.address);
	ipaddr_parse("10.9.0.1", &ip.gateway);
	cni_result_add_ip(r, &ip);
	*ret = r;
	return 0;
}

static int fake_verb(const struct cni_request *req, struct cni_error *err)
{
	(void)req;
	(void)err;
	return 0;
}

static const struct cni_plugin fake = {
	.about = "fake plugin",
	.cmd_add = fake_add,
	.cmd_del = fake_verb,
	.cmd_check = fake_verb,
	.cmd_status = fake_verb,
	.cmd_gc = fake_verb,
};

struct run {
	int status;
	char out[8192];
	cJSON *json;
};

/* Run cni_main(&fake) in a child with `env` (NULL-terminated "K=V") and `input` on stdin. */
static void run_plugin(const char *const *env, const char *input, struct run *r)
{
	int in[2], out[2];
	memset(r, 0, sizeof(*r));
	if (pipe(in) < 0 || pipe(out) < 0)
		abort();
	fflush(stdout); /* the child must not repeat our buffered TAP lines */
	pid_t pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 2);
		clearenv();
		for (const char *const *e = env; *e; e++)
			putenv((char *)*e);
		_exit(cni_main(&fake));
	}
	close(in[0]);
	close(out[1]);
	/* A plugin that rejects its environment exits without reading stdin: the write
	 * then fails with EPIPE, which must not kill the test with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	if (write(in[1], input, strlen(input)) < 0 && errno != EPIPE)
		abort();
	close(in[1]);
	size_t len = 0;
	ssize_t k;
	while ((k = read(out[0], r->out + len, sizeof(r->out) - 1 - len)) > 0)
		len += (size_t)k;
	close(out[0]);
	waitpid(pid, &r->status, 0);
	r->status = WEXITSTATUS(r->status);
	r->json = cJSON_Parse(r->out);
}

static int code_of(const struct run *r)
{
	const cJSON *c = cJSON_GetObjectItem(r->json, "code");
	return c ? c->valueint : -1;
}

#define ATTACH "CNI_CONTAINERID=c1", "CNI_NETNS=/run/netns/x", "CNI_IFNAME=eth0"

TEST(version_echoes_request)
{
	struct run r;
	run_plugin((const char *const[]){"CNI_COMMAND=VERSION", NULL}, "{\"cniVersion\":\"0.3.1\"}",
		   &r);
	ASSERT_EQ(r.status, 0);
	ASSERT_STREQ(cJSON_GetObjectItem(r.json, "cniVersion")->valuestring, "0.3.1");
	ASSERT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "supportedVersions")), 7);
	cJSON_Delete(r.json);
	run_plugin((const char *const[]){"CNI_COMMAND=VERSION", NULL}, "", &r);
	ASSERT_STREQ(cJSON_GetObjectItem(r.json, "cniVersion")->valuestring, "1.1.0");
	cJSON_Delete(r.json);
}

TEST(no_command_prints_about)
{
	struct run r;
	run_plugin((const char *const[]){NULL}, "", &r);
	cJSON_Delete(r.json);
	ASSERT_EQ(r.status, 0);
	ASSERT_STREQ(r.out, "");
}

TEST(add_result_in_requested_version)
{
	static const char *const versions[] = {"0.1.0", "0.2.0", "0.3.0", "0.3.1",
					       "0.4.0", "1.0.0", "1.1.0"};
	for (size_t i = 0; i < ARRAY_SIZE(versions); i++) {
		struct run r;
		char conf[128];
		snprintf(conf, sizeof(conf),
			 "{\"cniVersion\":\"%s\",\"name\":\"n\",\"type\":\"fake\"}", versions[i]);
		run_plugin((const char *const[]){"CNI_COMMAND=ADD", ATTACH, NULL}, conf, &r);
		ASSERT_EQ(r.status, 0);
		ASSERT_STREQ(cJSON_GetObjectItem(r.json, "cniVersion")->valuestring, versions[i]);
		ASSERT_EQ(cJSON_HasObjectItem(r.json, "ip4"), i < 2);
		cJSON_Delete(r.json);
	}
}

/* Each failure kind and its spec code. */
static const struct error_case {
	const char *cmd, *id, *input;
	int code;
	const char *msg;
} error_cases[] = {
	{"CNI_COMMAND=ADD", "CNI_CONTAINERID=c1", "{\"cniVersion\":\"1.0.0\",\"name\":\"n\"}", 4,
	 "required env variables"},
	{"CNI_COMMAND=ADD", "CNI_CONTAINERID=bad/id", "{\"cniVersion\":\"1.0.0\",\"name\":\"n\"}",
	 4, "invalid characters in containerID"},
	{"CNI_COMMAND=BOGUS", "CNI_CONTAINERID=c1", "{}", 4, "unknown CNI_COMMAND"},
	{"CNI_COMMAND=ADD", "CNI_CONTAINERID=c1", "not json", 6, "invalid JSON"},
	{"CNI_COMMAND=ADD", "CNI_CONTAINERID=c1", "{\"name\":\"a\",\"name\":\"b\"}", 6,
	 "duplicate key"},
	{"CNI_COMMAND=ADD", "CNI_CONTAINERID=c1", "[1]", 6, "expected a JSON object"},
	{"CNI_COMMAND=ADD", "CNI_CONTAINERID=c1", "{\"cniVersion\":\"1.0.0\"}", 7,
	 "missing network name"},
	{"CNI_COMMAND=ADD", "CNI_CONTAINERID=c1", "{\"cniVersion\":\"1.0.0\",\"name\":\"../x\"}", 7,
	 "invalid characters found in network name"},
	{"CNI_COMMAND=ADD", "CNI_CONTAINERID=c1", "{\"cniVersion\":\"2.0.0\",\"name\":\"n\"}", 1,
	 "incompatible CNI versions"},
	{"CNI_COMMAND=CHECK", "CNI_CONTAINERID=c1", "{\"cniVersion\":\"0.3.1\",\"name\":\"n\"}", 1,
	 "config version does not allow CHECK"},
	{"CNI_COMMAND=GC", "CNI_CONTAINERID=c1", "{\"cniVersion\":\"1.0.0\",\"name\":\"n\"}", 1,
	 "config version does not allow GC"},
	{"CNI_COMMAND=STATUS", "CNI_CONTAINERID=c1", "{\"cniVersion\":\"1.0.0\",\"name\":\"n\"}", 1,
	 "config version does not allow STATUS"},
	{"CNI_COMMAND=ADD", "CNI_CONTAINERID=fail", "{\"cniVersion\":\"0.4.0\",\"name\":\"n\"}", 7,
	 "fake failure"},
	{"CNI_COMMAND=ADD", "CNI_CONTAINERID=c1",
	 "{\"cniVersion\":\"0.4.0\",\"name\":\"n\",\"prevResult\":[]}", 7, "prevResult"},
};

/* The environment of error case i: a missing-env case gets only the command and the ID. */
static void error_case_env(size_t i, const char *env[6])
{
	const struct error_case *c = &error_cases[i];
	bool full_env = strstr(c->msg, "required env") == NULL;
	const char *e[6] = {
		c->cmd, c->id, full_env ? "CNI_NETNS=/run/netns/x" : NULL, "CNI_IFNAME=eth0",
		NULL,	NULL};
	memcpy(env, e, sizeof(e));
}

/* The error names the request's version when known. */
TEST(error_codes)
{
	const struct error_case *cases = error_cases;
	for (size_t i = 0; i < ARRAY_SIZE(error_cases); i++) {
		const char *env[6];
		struct run r;
		error_case_env(i, env);
		run_plugin(env, cases[i].input, &r);
		if (r.status != 1 || code_of(&r) != cases[i].code)
			TAP_FAIL("case %zu: status %d code %d, want 1/%d: %s", i, r.status,
				 code_of(&r), cases[i].code, r.out);
		ASSERT_CONTAINS(cJSON_GetObjectItem(r.json, "msg")->valuestring, cases[i].msg);
		ASSERT_TRUE(cJSON_HasObjectItem(r.json, "cniVersion"));
		cJSON_Delete(r.json);
	}
}

TEST(bad_cni_args)
{
	struct run r;
	run_plugin((const char *const[]){"CNI_COMMAND=ADD", ATTACH, "CNI_ARGS=nopair", NULL},
		   "{\"cniVersion\":\"1.0.0\",\"name\":\"n\"}", &r);
	ASSERT_EQ(r.status, 1);
	ASSERT_EQ(code_of(&r), 4);
	ASSERT_STREQ(cJSON_GetObjectItem(r.json, "cniVersion")->valuestring, "1.0.0");
	cJSON_Delete(r.json);
}

TEST(del_without_netns_and_gc_status)
{
	struct run r;
	run_plugin((const char *const[]){"CNI_COMMAND=DEL", "CNI_CONTAINERID=c1", "CNI_IFNAME=eth0",
					 NULL},
		   "{\"cniVersion\":\"1.0.0\",\"name\":\"n\"}", &r);
	cJSON_Delete(r.json);
	ASSERT_EQ(r.status, 0);
	ASSERT_STREQ(r.out, "");
	run_plugin((const char *const[]){"CNI_COMMAND=GC", NULL},
		   "{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"cni.dev/valid-attachments\":[]}",
		   &r);
	cJSON_Delete(r.json);
	ASSERT_EQ(r.status, 0);
	run_plugin((const char *const[]){"CNI_COMMAND=STATUS", NULL},
		   "{\"cniVersion\":\"1.1.0\",\"name\":\"n\"}", &r);
	cJSON_Delete(r.json);
	ASSERT_EQ(r.status, 0);
}

TEST(find_plugin)
{
	struct cni_error err = {0};
	char *path = NULL;
	ASSERT_OK(invoke_find("sh", "/nonexistent:/bin", &path, NULL));
	ASSERT_STREQ(path, "/bin/sh");
	free(path);
	ASSERT_ERR(invoke_find("../sh", "/bin", &path, &err));
	ASSERT_EQ(err.code, CNI_ERR_CONFIG);
	ASSERT_ERR(invoke_find("..", "/bin", &path, NULL));
	ASSERT_ERR(invoke_find("bin/sh", "/", &path, NULL));
	memset(&err, 0, sizeof(err));
	ASSERT_ERR(invoke_find("", "/bin", &path, &err));
	ASSERT_STREQ(err.msg, "no plugin name provided");
	memset(&err, 0, sizeof(err));
	ASSERT_ERR(invoke_find("no-such-plugin", "/bin:/usr/bin", &path, &err));
	ASSERT_STREQ(err.msg, "failed to find plugin \"no-such-plugin\" in path [/bin:/usr/bin]");
	memset(&err, 0, sizeof(err));
	ASSERT_ERR(invoke_find("sh", NULL, &path, &err));
	ASSERT_EQ(err.code, CNI_ERR_ENV);
	ASSERT_ERR(invoke_find("tmp", "/", &path, NULL)); /* a directory is not a plugin */
}

TEST(exec_and_parse)
{
	struct invoke_output o;
	struct cni_error err = {0};
	cJSON *j = NULL;
	char *envp[] = {NULL};
	ASSERT_OK(invoke_exec("/bin/cat", envp, "{\"cniVersion\":\"1.0.0\"}", 22, 0, &o, NULL));
	ASSERT_EQ(o.exit_status, 0);
	ASSERT_STREQ(o.out, "{\"cniVersion\":\"1.0.0\"}");
	ASSERT_OK(invoke_parse_output(&o, "cat", &j, NULL));
	ASSERT_TRUE(j != NULL);
	cJSON_Delete(j);
	invoke_output_clear(&o);

	/* A large stdin must not deadlock against a plugin that echoes it. */
	size_t big = 1 << 20;
	char *buf = malloc(big);
	memset(buf, ' ', big);
	ASSERT_OK(invoke_exec("/bin/cat", envp, buf, big, 5000, &o, NULL));
	ASSERT_EQ(o.out_len, big);
	invoke_output_clear(&o);
	free(buf);

	/* A plugin error passes through with its own code. */
	char script[] = "/tmp/cni-test-plugin.XXXXXX";
	int fd = mkstemp(script);
	const char *body = "#!/bin/sh\ncat >/dev/null\necho '{\"code\": 11, \"msg\": \"busy\", "
			   "\"details\": \"lock\"}'\nexit 1\n";
	ASSERT_TRUE(write(fd, body, strlen(body)) > 0);
	close(fd);
	chmod(script, 0700);
	ASSERT_OK(invoke_exec(script, envp, "{}", 2, 0, &o, NULL));
	ASSERT_EQ(o.exit_status, 1);
	ASSERT_ERR(invoke_parse_output(&o, "x", &j, &err));
	ASSERT_EQ(err.code, 11);
	ASSERT_STREQ(err.msg, "busy");
	ASSERT_STREQ(err.details, "lock");
	invoke_output_clear(&o);

	/* A hung plugin is killed at the timeout: code 11. */
	fd = open(script, O_WRONLY | O_TRUNC);
	body = "#!/bin/sh\nexec sleep 30\n";
	ASSERT_TRUE(write(fd, body, strlen(body)) > 0);
	close(fd);
	memset(&err, 0, sizeof(err));
	ASSERT_ERR(invoke_exec(script, envp, "", 0, 200, &o, &err));
	unlink(script);
	ASSERT_EQ(err.code, CNI_ERR_TRY_AGAIN);
}

/* Two steps: the child runs (and has the part of stdin the pipe took) while the caller works;
 * the rest of a stdin larger than the pipe is fed by invoke_wait. */
TEST(start_then_wait)
{
	char *const envp[] = {NULL};
	struct invoke_child c;
	struct invoke_output o = {0};
	size_t big = 1 << 20;
	char *buf = malloc(big);

	memset(buf, 'x', big);
	ASSERT_OK(invoke_start("/bin/cat", envp, buf, big, &c, NULL));
	ASSERT_TRUE(c.pid > 0);
	ASSERT_TRUE(c.written > 0 && c.written < big);
	usleep(20000); /* "other work" */
	ASSERT_OK(invoke_wait(&c, 5000, &o, NULL));
	ASSERT_EQ(c.pid, 0);
	ASSERT_EQ(o.exit_status, 0);
	ASSERT_EQ(o.out_len, big);
	ASSERT_TRUE(memcmp(o.out, buf, big) == 0);
	invoke_output_clear(&o);

	/* A small stdin is written completely at start. */
	ASSERT_OK(invoke_start("/bin/cat", envp, "{}", 2, &c, NULL));
	ASSERT_EQ(c.written, 2);
	ASSERT_OK(invoke_wait(&c, 5000, &o, NULL));
	ASSERT_STREQ(o.out, "{}");
	invoke_output_clear(&o);
	free(buf);
}

TEST(env_build_replaces)
{
	setenv("CNI_COMMAND", "ADD", 1);
	setenv("KEEP_ME", "1", 1);
	char **env = invoke_env_build((char *const[]){"CNI_COMMAND=DEL", NULL});
	int n_cmd = 0, keep = 0;
	for (char **e = env; *e; e++) {
		n_cmd += strncmp(*e, "CNI_COMMAND=", 12) == 0;
		keep += strcmp(*e, "KEEP_ME=1") == 0;
		if (strncmp(*e, "CNI_COMMAND=", 12) == 0)
			ASSERT_STREQ(*e, "CNI_COMMAND=DEL");
	}
	ASSERT_EQ(n_cmd, 1);
	ASSERT_EQ(keep, 1);
	invoke_env_free(env);
}

/* cni_run on a memory stdin and stdout: the output bytes and status of cni_main in a process. */
static int run_in_process(const char *const *env, const char *input, char *out, size_t size)
{
	struct cni_call call = {.envp = (char *const *)env, .in = input, .in_len = strlen(input)};
	char *buf = NULL;
	size_t len = 0;
	if (!(call.out = open_memstream(&buf, &len)))
		abort();
	int status = cni_run(&fake, &call);
	fclose(call.out);
	snprintf(out, size, "%s", buf);
	free(buf);
	return status;
}

TEST(run_in_process_prints_what_main_prints)
{
	char out[8192];
	struct run r;
	const char *add[] = {"CNI_COMMAND=ADD", ATTACH, NULL};
	const char *version[] = {"CNI_COMMAND=VERSION", NULL};

	run_plugin(version, "{\"cniVersion\":\"0.4.0\"}", &r);
	ASSERT_EQ(run_in_process(version, "{\"cniVersion\":\"0.4.0\"}", out, sizeof(out)), 0);
	ASSERT_STREQ(out, r.out);
	cJSON_Delete(r.json);
	run_plugin(add, "{\"cniVersion\":\"0.2.0\",\"name\":\"n\"}", &r);
	ASSERT_EQ(run_in_process(add, "{\"cniVersion\":\"0.2.0\",\"name\":\"n\"}", out,
				 sizeof(out)),
		  0);
	ASSERT_STREQ(out, r.out);
	cJSON_Delete(r.json);
	for (size_t i = 0; i < ARRAY_SIZE(error_cases); i++) {
		const char *env[6];
		error_case_env(i, env);
		run_plugin(env, error_cases[i].input, &r);
		if (run_in_process(env, error_cases[i].input, out, sizeof(out)) != r.status ||
		    strcmp(out, r.out) != 0)
			TAP_FAIL("case %zu: in-process %s, process %s", i, out, r.out);
		cJSON_Delete(r.json);
	}
	/* The stdin size limit holds for a memory stdin too. */
	char *big = malloc(JSON_MAX_INPUT + 2);
	ASSERT_TRUE(big != NULL);
	memset(big, ' ', JSON_MAX_INPUT + 1);
	big[JSON_MAX_INPUT + 1] = '\0';
	ASSERT_EQ(run_in_process(add, big, out, sizeof(out)), 1);
	free(big);
	ASSERT_CONTAINS(out, "input is larger than");
	ASSERT_CONTAINS(out, "\"code\":\t6");
}

/* A delegation to a file with the built-in's build-id runs here; any other file is executed. */
TEST(delegation_in_process_by_build_id)
{
	static const char conf[] = "{\"cniVersion\":\"1.0.0\",\"name\":\"n\"}";
	char dir[] = "/tmp/cni-test-inproc.XXXXXX", self[256], copy[300], script[300];
	unsigned char id[ELF_BUILD_ID_MAX];
	struct cni_result *res = NULL;
	struct cni_error err = {0};
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int len = n > 0 ? (self[n] = '\0', elf_build_id(self, id, sizeof(id))) : -1;

	ASSERT_TRUE(len > 0);
	ASSERT_TRUE(mkdtemp(dir) != NULL);
	snprintf(copy, sizeof(copy), "%s/same-build", dir);
	snprintf(script, sizeof(script), "%s/other", dir);
	ASSERT_OK(symlink(self, copy));
	int fd = open(script, O_WRONLY | O_CREAT | O_TRUNC, 0700);
	const char *body = "#!/bin/sh\ncat >/dev/null\necho '{\"cniVersion\":\"1.0.0\",\"ips\":"
			   "[{\"address\":\"10.9.9.9/24\"}]}'\n";
	ASSERT_TRUE(write(fd, body, strlen(body)) > 0);
	close(fd);
	setenv("CNI_CONTAINERID", "c1", 1);
	setenv("CNI_NETNS", "/run/netns/x", 1);
	setenv("CNI_IFNAME", "eth0", 1);
	const struct cni_request req = {.env = {.command = CNI_CMD_ADD, .path = dir},
					.version = CNI_V100,
					.raw = conf,
					.raw_len = strlen(conf)};
	const struct invoke_builtin builtin = {&fake, id, (size_t)len};
	invoke_set_builtins(&builtin, 1);

	int before = fake_adds;
	ASSERT_OK(invoke_delegate(&req, "same-build", CNI_CMD_ADD, &res, &err));
	ASSERT_EQ(fake_adds, before + 1);
	ASSERT_EQ(res->n_ips, 1);
	char addr[IPPREFIX_STRLEN];
	ipprefix_format(&res->ips[0].address, addr);
	ASSERT_STREQ(addr, "10.9.0.2/24");
	cni_result_free(res);
	res = NULL;
	ASSERT_OK(invoke_delegate(&req, "other", CNI_CMD_ADD, &res, &err));
	ASSERT_EQ(fake_adds, before + 1);
	ipprefix_format(&res->ips[0].address, addr);
	ASSERT_STREQ(addr, "10.9.9.9/24");
	cni_result_free(res);
	/* The built-in's error passes through as the executed plugin's would. */
	setenv("CNI_CONTAINERID", "fail", 1);
	ASSERT_ERR(invoke_delegate(&req, "same-build", CNI_CMD_ADD, NULL, &err));
	ASSERT_EQ(err.code, CNI_ERR_CONFIG);
	ASSERT_STREQ(err.msg, "fake failure");

	invoke_set_builtins(NULL, 0);
	unsetenv("CNI_CONTAINERID");
	unsetenv("CNI_NETNS");
	unsetenv("CNI_IFNAME");
	unlink(copy);
	unlink(script);
	rmdir(dir);
}

TAP_MAIN
