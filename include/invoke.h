/* Executing other plugins: delegated IPAM from a main plugin, and every call from the launcher. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/resource.h>

#include "cni_env.h"
#include "cni_error.h"
#include "cni_result.h"

struct cni_request;

/* Find executable `type` in the ':'-separated `cni_path` (libcni FindInPath). The name must be
 * non-empty, free of '/', and not "." or ".." (code 7). Not found: code 7 naming the path.
 * *ret is malloc'd. */
int invoke_find(const char *type, const char *cni_path, char **ret, struct cni_error *err);

struct invoke_output {
	char *out; /* stdout, NUL-terminated, malloc'd */
	size_t out_len;
	int exit_status; /* WEXITSTATUS, or 128+signal */
	double wall_ms;
	struct rusage usage; /* the child's, from wait4 */
};
void invoke_output_clear(struct invoke_output *o);

/* Run `path` with argv {path}, environment `envp`, stdin = buf[0..len); capture stdout
 * (stderr is inherited). timeout_ms > 0 kills the child (SIGKILL) when exceeded (code 11).
 * Fills *ret even for non-zero exit; only failures to run at all are errors. */
int invoke_exec(const char *path, char *const envp[], const char *buf, size_t len, int timeout_ms,
		struct invoke_output *ret, struct cni_error *err);

/* The same in two steps, so the caller can work while the plugin runs: invoke_start spawns it
 * and feeds what the stdin pipe takes at once (buf must stay valid until invoke_wait);
 * invoke_wait feeds the rest, collects stdout and reaps it. Every started child must be waited
 * for. */
struct invoke_child {
	pid_t pid;
	int in_fd, out_fd;
	const char *buf;
	size_t len, written;
	double start;
};
/* From now on, every plugin this process starts holds fd as its descriptor 3 (the only one
 * it inherits besides stdin and stdout). A main plugin passes its attachment lock
 * (attachment_lock.h) this way, so that the lock outlives it while its delegated IPAM still
 * runs: when a runtime kills the main plugin (Go's exec.CommandContext kills only the direct
 * child), the DEL it sends next waits for the orphaned IPAM ADD to finish, and then releases
 * what that ADD took, instead of running before it and leaving its lease behind. -EBADF
 * stops passing. */
void invoke_pass_fd(int fd);
int invoke_start(const char *path, char *const envp[], const char *buf, size_t len,
		 struct invoke_child *c, struct cni_error *err);
int invoke_wait(struct invoke_child *c, int timeout_ms, struct invoke_output *ret,
		struct cni_error *err);

/* Interpret a plugin's output: exit 0 -> 0 (and *ret_json = parsed stdout, or NULL when empty);
 * non-zero -> the plugin's own error object copied into err (code, msg, details), or a code
 * 999 error when its stdout is not a CNI error. `who` names the plugin in messages. */
int invoke_parse_output(const struct invoke_output *o, const char *who, cJSON **ret_json,
			struct cni_error *err);

/* Build an environment: environ with the given CNI_* variables replaced or added. `vars` is a
 * NULL-terminated list of "KEY=VALUE" strings. The strings are not copied (an ADD's copy of
 * every variable was 17,000 instructions): environ's and vars' must outlive the array, which
 * invoke_env_free() frees. */
char **invoke_env_build(char *const *vars);
char **invoke_env_free(char **envp);

/* Delegate to an IPAM plugin as the spec asks (SPEC.md › Delegated plugins): same environment
 * with CNI_COMMAND replaced, the complete unmodified stdin. For ADD, *ret_result receives the
 * decoded result; for other verbs pass NULL. */
int invoke_delegate(const struct cni_request *req, const char *type, enum cni_command command,
		    struct cni_result **ret_result, struct cni_error *err);

/* invoke_delegate in two steps (see invoke_start): a main plugin starts its IPAM call, does
 * kernel work meanwhile, then collects the result. A started delegation must be finished, also
 * on the failure paths. */
struct invoke_delegation {
	struct invoke_child child;
	const char *type;
	bool running;
	bool in_process; /* ran as a built-in (below): `done` holds its output */
	struct invoke_output done;
};
int invoke_delegate_start(const struct cni_request *req, const char *type, enum cni_command command,
			  struct invoke_delegation *d, struct cni_error *err);
int invoke_delegate_finish(const struct cni_request *req, struct invoke_delegation *d,
			   struct cni_result **ret_result, struct cni_error *err);

/* In-process delegation. A main plugin may be linked with the verbs of an IPAM plugin, together
 * with the GNU build-id of the binary those verbs were built into. When the file that CNI_PATH
 * names for a delegation carries that build-id, it holds exactly this code: the call then runs
 * here through cni_run(), with the environment, stdin and output bytes the exec would have had,
 * and costs no fork and exec. Any other file (another build, a wrapper script, the reference
 * plugin) is executed as the spec describes. `list` must stay valid; set once, at start-up. */
struct invoke_builtin {
	const struct cni_plugin *plugin;
	const unsigned char *build_id;
	size_t build_id_len;
};
void invoke_set_builtins(const struct invoke_builtin *list, size_t n);
