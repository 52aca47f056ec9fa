/* rusage-shim REPORT PROG [ARGS...]: run PROG as a child (same stdin/stdout/stderr/env), wait for
 * it, write "maxrss_kb cpu_us" of PROG's process tree to REPORT, exit with PROG's status.
 *
 * Why: a child created with CLONE_VM (posix_spawn/vfork) or fork records the *parent's* memory
 * high-water mark into its own ru_maxrss when it execs (fs/exec.c: setmax_mm_hiwater_rss on
 * the old mm), so the driver's wait4 reports max(driver RSS, plugin RSS). This shim is linked
 * statically and stays tiny, so PROG's ru_maxrss is its own peak (or the shim's, well below). */
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	struct rusage ru;
	pid_t pid;
	int status, fd;

	if (argc < 3)
		return 127;
	if (posix_spawn(&pid, argv[2], NULL, NULL, argv + 2, environ) != 0)
		return 127;
	if (wait4(pid, &status, 0, &ru) < 0)
		return 127;
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		dprintf(fd, "%ld %ld\n", ru.ru_maxrss,
			(long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000L +
				ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
		close(fd);
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
