/* Plugin execution (pkg/invoke in libcni): find, spawn, feed stdin, collect stdout, wait. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cni_skel.h"
#include "elf_buildid.h"
#include "invoke.h"
#include "json.h"
#include "monotonic.h"

extern char **environ;

int invoke_find(const char *type, const char *cni_path, char **ret, struct cni_error *err)
{
	_cleanup_free_ char *copy = NULL;
	char *save = NULL;

	if (!type || !*type)
		return cni_error_set(err, CNI_ERR_CONFIG, EINVAL, NULL, "no plugin name provided");
	if (strchr(type, '/') || strcmp(type, ".") == 0 || strcmp(type, "..") == 0)
		return cni_error_set(err, CNI_ERR_CONFIG, EINVAL, type,
				     "invalid plugin name \"%s\": must not contain a path", type);
	if (!cni_path || !*cni_path)
		return cni_error_set(err, CNI_ERR_ENV, EINVAL, NULL,
				     "CNI_PATH is not set: cannot find plugin \"%s\"", type);
	if (!(copy = strdup(cni_path)))
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		_cleanup_free_ char *full = NULL;
		struct stat st;
		if (asprintf(&full, "%s/%s", dir, type) < 0)
			return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode) && access(full, X_OK) == 0) {
			*ret = TAKE_PTR(full);
			return 0;
		}
	}
	return cni_error_set(err, CNI_ERR_CONFIG, ENOENT, NULL,
			     "failed to find plugin \"%s\" in path [%s]", type, cni_path);
}

void invoke_output_clear(struct invoke_output *o)
{
	free(o->out);
	memset(o, 0, sizeof(*o));
}

/* Feed stdin and drain stdout together so neither side can block the other. */
static int pump(int in_fd, int out_fd, const char *buf, size_t len, size_t written, int timeout_ms,
		double start, struct invoke_output *o, struct cni_error *err)
{
	size_t cap = 0;

	if (in_fd >= 0 && written == len) {
		close(in_fd);
		in_fd = -1;
	}
	while (out_fd >= 0) {
		struct pollfd pfd[2] = {{.fd = out_fd, .events = POLLIN},
					{.fd = in_fd, .events = POLLOUT}};
		int wait = -1;
		if (timeout_ms > 0) {
			wait = timeout_ms - (int)(monotonic_ms() - start);
			if (wait <= 0)
				return -ETIMEDOUT;
		}
		int n = poll(pfd, in_fd >= 0 ? 2 : 1, wait);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cni_error_set(err, CNI_ERR_INTERNAL, errno, NULL,
					     "poll plugin pipes");
		if (n == 0)
			return -ETIMEDOUT;
		if (in_fd >= 0 && pfd[1].revents) {
			ssize_t k = write(in_fd, buf + written, len - written);
			if (k > 0)
				written += (size_t)k;
			/* EPIPE: the plugin stopped reading; its exit status tells why. */
			if (k < 0 && errno != EAGAIN && errno != EINTR)
				written = len;
			if (written == len) {
				close(in_fd);
				in_fd = -1;
			}
		}
		if (pfd[0].revents) {
			if (cap - o->out_len < 4096) {
				size_t ncap = cap ? cap * 2 : 8192;
				char *p = realloc(o->out, ncap + 1);
				if (!p) {
					if (in_fd >= 0)
						close(in_fd);
					return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL,
							     "out of memory");
				}
				o->out = p;
				cap = ncap;
			}
			ssize_t k = read(out_fd, o->out + o->out_len, cap - o->out_len);
			if (k > 0)
				o->out_len += (size_t)k;
			else if (k == 0 || (errno != EAGAIN && errno != EINTR))
				out_fd = -1;
		}
	}
	if (in_fd >= 0)
		close(in_fd);
	return 0;
}

static int passed_fd = -EBADF;

void invoke_pass_fd(int fd)
{
	passed_fd = fd;
}

int invoke_start(const char *path, char *const envp[], const char *buf, size_t len,
		 struct invoke_child *c, struct cni_error *err)
{
	int in_pipe[2] = {-1, -1}, out_pipe[2] = {-1, -1};
	posix_spawn_file_actions_t fa;
	char *argv[] = {(char *)path, NULL};
	pid_t pid;
	ssize_t k;
	int r;

	*c = (struct invoke_child){
		.in_fd = -1, .out_fd = -1, .buf = buf, .len = len, .start = monotonic_ms()};
	if (pipe2(in_pipe, O_CLOEXEC) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, errno, NULL, "create pipe");
	if (pipe2(out_pipe, O_CLOEXEC) < 0) {
		r = cni_error_set(err, CNI_ERR_INTERNAL, errno, NULL, "create pipe");
		close(in_pipe[0]);
		close(in_pipe[1]);
		return r;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in_pipe[0], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, out_pipe[1], STDOUT_FILENO);
	/* dup2 onto 3 clears close-on-exec there (also when passed_fd is 3: POSIX 2017). */
	if (passed_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, passed_fd, 3);
	r = posix_spawn(&pid, path, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	close(in_pipe[0]);
	close(out_pipe[1]);
	if (r != 0) {
		close(in_pipe[1]);
		close(out_pipe[0]);
		return cni_error_set(err, CNI_ERR_INTERNAL, r, NULL, "exec plugin \"%s\"", path);
	}
	fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
	c->pid = pid;
	c->in_fd = in_pipe[1];
	c->out_fd = out_pipe[0];
	/* Feed what the pipe takes now (all of a usual config), so the plugin can run while the
	 * caller does other work; invoke_wait() feeds the rest. */
	k = len ? write(c->in_fd, buf, len) : 0;
	if (k > 0)
		c->written = (size_t)k;
	else if (k < 0 && errno != EAGAIN && errno != EINTR)
		c->written = len; /* EPIPE: the plugin stopped reading; its exit status says why */
	return 0;
}

int invoke_wait(struct invoke_child *c, int timeout_ms, struct invoke_output *ret,
		struct cni_error *err)
{
	struct invoke_output o = {0};
	int r, status;

	r = pump(c->in_fd, c->out_fd, c->buf, c->len, c->written, timeout_ms, c->start, &o, err);
	close(c->out_fd);
	c->in_fd = c->out_fd = -1;
	if (r == -ETIMEDOUT)
		kill(c->pid, SIGKILL);
	while (wait4(c->pid, &status, 0, &o.usage) < 0)
		if (errno != EINTR) {
			invoke_output_clear(&o);
			c->pid = 0;
			return cni_error_set(err, CNI_ERR_INTERNAL, errno, NULL, "wait for plugin");
		}
	c->pid = 0;
	o.wall_ms = monotonic_ms() - c->start;
	if (r == -ETIMEDOUT) {
		invoke_output_clear(&o);
		return cni_error_set(err, CNI_ERR_TRY_AGAIN, ETIMEDOUT, NULL,
				     "did not finish within %d ms and was killed", timeout_ms);
	}
	if (r < 0) {
		invoke_output_clear(&o);
		return r;
	}
	if (!o.out && !(o.out = calloc(1, 1)))
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	o.out[o.out_len] = '\0';
	o.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	*ret = o;
	return 0;
}

int invoke_exec(const char *path, char *const envp[], const char *buf, size_t len, int timeout_ms,
		struct invoke_output *ret, struct cni_error *err)
{
	struct invoke_child c;
	int r = invoke_start(path, envp, buf, len, &c, err);

	if (r < 0)
		return r;
	r = invoke_wait(&c, timeout_ms, ret, err);
	if (r < 0)
		cni_error_prefix(err, "plugin \"%s\"", path);
	return r;
}

int invoke_parse_output(const struct invoke_output *o, const char *who, cJSON **ret_json,
			struct cni_error *err)
{
	_cleanup_(cJSON_Deletep) cJSON *json = NULL;
	struct cni_error perr = {0};
	bool blank = strspn(o->out, " \t\r\n") == o->out_len;

	if (o->exit_status == 0) {
		*ret_json = NULL;
		if (blank)
			return 0;
		if (json_parse(o->out, o->out_len, "plugin output", &json, &perr) < 0)
			return cni_error_set(err, CNI_ERR_DECODE, EINVAL, perr.msg,
					     "plugin %s printed a result that is not JSON", who);
		*ret_json = TAKE_PTR(json);
		return 0;
	}
	if (blank)
		return cni_error_set(err, CNI_ERR_INTERNAL, 0, NULL,
				     "plugin %s failed with exit status %d and no error output",
				     who, o->exit_status);
	const char *msg = NULL, *details = NULL;
	int64_t code = 0;
	if (json_parse(o->out, o->out_len, "plugin error", &json, &perr) < 0 ||
	    json_get_int(json, NULL, "code", true, 0, INT32_MAX, &code, &perr) < 0 ||
	    json_get_string(json, NULL, "msg", false, &msg, &perr) < 0 ||
	    json_get_string(json, NULL, "details", false, &details, &perr) < 0)
		return cni_error_set(
			err, CNI_ERR_INTERNAL, 0, o->out,
			"plugin %s failed with exit status %d; error parsing its diagnostic message",
			who, o->exit_status);
	/* Pass the plugin's own error through unchanged: its code is the truth. */
	return cni_error_set(err, (int)code, 0, details ? details : "", "%s", msg ? msg : "");
}

char **invoke_env_build(char *const *vars)
{
	size_t n_env = 0, n_vars = 0, k = 0;
	char **env;

	while (environ && environ[n_env])
		n_env++;
	while (vars && vars[n_vars])
		n_vars++;
	env = calloc(n_env + n_vars + 1, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n_env; i++) {
		bool replaced = false;
		for (size_t j = 0; j < n_vars && !replaced; j++) {
			size_t klen = strcspn(vars[j], "=");
			replaced = strncmp(environ[i], vars[j], klen) == 0 &&
				   environ[i][klen] == '=';
		}
		if (!replaced)
			env[k++] = environ[i];
	}
	for (size_t j = 0; j < n_vars; j++)
		env[k++] = vars[j];
	return env;
}

char **invoke_env_free(char **envp)
{
	free(envp);
	return NULL;
}

DEFINE_CLEANUP(char **, invoke_env_free)

/* Set once by a main plugin's main(): the delegations it can serve in-process. */
static const struct invoke_builtin *builtins;
static size_t n_builtins;

void invoke_set_builtins(const struct invoke_builtin *list, size_t n)
{
	builtins = list;
	n_builtins = n;
}

/* The built-in whose build-id the file at `path` carries, if any. Any failure to read the file
 * only means "not ours": it is then executed, and that reports what is wrong with it. */
static const struct invoke_builtin *builtin_for(const char *path)
{
	unsigned char id[ELF_BUILD_ID_MAX];
	int len;

	if (!n_builtins || (len = elf_build_id(path, id, sizeof(id))) <= 0)
		return NULL;
	for (size_t i = 0; i < n_builtins; i++)
		if (builtins[i].build_id_len == (size_t)len &&
		    memcmp(builtins[i].build_id, id, (size_t)len) == 0)
			return &builtins[i];
	return NULL;
}

/* Run a built-in plugin's protocol on a memory stdin and stdout: the output is what the
 * executed binary would have printed, and is parsed the same way. */
static int run_builtin(const struct invoke_builtin *b, char *const envp[], const char *buf,
		       size_t len, struct invoke_output *ret, struct cni_error *err)
{
	struct cni_call call = {.envp = envp, .in = buf ? buf : "", .in_len = len};
	double start = monotonic_ms();
	char *out = NULL;
	size_t out_len = 0;

	if (!(call.out = open_memstream(&out, &out_len)))
		return cni_error_set(err, CNI_ERR_INTERNAL, errno, NULL, "out of memory");
	int status = cni_run(b->plugin, &call);
	if (fclose(call.out) != 0 || !out) {
		free(out);
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	}
	*ret = (struct invoke_output){.out = out,
				      .out_len = out_len,
				      .exit_status = status,
				      .wall_ms = monotonic_ms() - start};
	return 0;
}

int invoke_delegate_start(const struct cni_request *req, const char *type, enum cni_command command,
			  struct invoke_delegation *d, struct cni_error *err)
{
	_cleanup_free_ char *path = NULL, *cmdvar = NULL;
	_cleanup_(invoke_env_freep) char **envp = NULL;
	const struct invoke_builtin *builtin;
	int r;

	*d = (struct invoke_delegation){.type = type};
	if ((r = invoke_find(type, req->env.path, &path, err)) < 0)
		return r;
	if (asprintf(&cmdvar, "CNI_COMMAND=%s", cni_command_str(command)) < 0 ||
	    !(envp = invoke_env_build((char *const[]){cmdvar, NULL})))
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	if ((builtin = builtin_for(path))) {
		if ((r = run_builtin(builtin, envp, req->raw, req->raw_len, &d->done, err)) < 0)
			return r;
		d->in_process = true;
	} else if ((r = invoke_start(path, envp, req->raw, req->raw_len, &d->child, err)) < 0) {
		return r;
	}
	d->running = true;
	return 0;
}

int invoke_delegate_finish(const struct cni_request *req, struct invoke_delegation *d,
			   struct cni_result **ret_result, struct cni_error *err)
{
	_cleanup_(cJSON_Deletep) cJSON *json = NULL;
	struct invoke_output o = {0};
	int r;

	if (!d->running)
		return cni_error_set(err, CNI_ERR_INTERNAL, EINVAL, NULL,
				     "IPAM plugin %s was not started", d->type);
	d->running = false;
	if (d->in_process) {
		o = d->done;
		d->done = (struct invoke_output){0};
	} else if ((r = invoke_wait(&d->child, 0, &o, err)) < 0) {
		cni_error_prefix(err, "plugin \"%s\"", d->type);
		return r;
	}
	r = invoke_parse_output(&o, d->type, &json, err);
	invoke_output_clear(&o);
	if (r < 0 || !ret_result)
		return r;
	if (!json)
		return cni_error_set(err, CNI_ERR_DECODE, EINVAL, NULL,
				     "IPAM plugin %s returned no result", d->type);
	r = cni_result_decode(json, req->version, ret_result, err);
	if (r < 0)
		cni_error_prefix(err, "IPAM plugin %s", d->type);
	return r;
}

int invoke_delegate(const struct cni_request *req, const char *type, enum cni_command command,
		    struct cni_result **ret_result, struct cni_error *err)
{
	struct invoke_delegation d;
	int r = invoke_delegate_start(req, type, command, &d, err);

	return r < 0 ? r : invoke_delegate_finish(req, &d, ret_result, err);
}
