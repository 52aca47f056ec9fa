/* fs_mkdir_p: every missing level, what may already be there, what may not, and concurrent
 * creators. fs_open_mkdir: directories made only when missing, and its errors. fs_flock_wait: bounded, and granted when the holder lets go. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsutil.h"
#include "monotonic.h"
#include "../tap.h"

static char root[] = "/tmp/test-fsutil.XXXXXX";

/* root/rel, in one of two buffers: two of them may be live at once (symlink()). */
static const char *at(const char *rel)
{
	static char buf[2][PATH_MAX];
	static int next;
	char *b = buf[next++ % 2];
	snprintf(b, PATH_MAX, "%s/%s", root, rel);
	return b;
}

static bool is_dir(const char *rel, mode_t mode)
{
	struct stat st;
	return stat(at(rel), &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == mode;
}

static void touch(const char *rel)
{
	int fd = open(at(rel), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
}

TEST(setup)
{
	umask(0);
	ASSERT_TRUE(mkdtemp(root) != NULL);
}

TEST(deep_path)
{
	ASSERT_OK(fs_mkdir_p(at("deep/a/b/c/d/e/f"), 0750));
	ASSERT_TRUE(is_dir("deep", 0750));
	ASSERT_TRUE(is_dir("deep/a/b/c", 0750));
	ASSERT_TRUE(is_dir("deep/a/b/c/d/e/f", 0750));
}

TEST(existing_path)
{
	ASSERT_OK(fs_mkdir_p(at("exist/x"), 0700));
	ASSERT_OK(fs_mkdir_p(at("exist/x"), 0755));
	ASSERT_TRUE(is_dir("exist/x", 0700)); /* left as it was */
	ASSERT_OK(fs_mkdir_p(at("exist"), 0755));
	ASSERT_OK(fs_mkdir_p("/", 0755));
	/* A symlink to a directory is a directory for what comes after. */
	ASSERT_EQ(symlink(at("exist/x"), at("exist/link")), 0);
	ASSERT_OK(fs_mkdir_p(at("exist/link"), 0755));
	ASSERT_OK(fs_mkdir_p(at("exist/link/y"), 0755));
	ASSERT_TRUE(is_dir("exist/x/y", 0755));
}

TEST(file_in_the_way)
{
	ASSERT_OK(fs_mkdir_p(at("file"), 0755));
	touch("file/leaf");
	ASSERT_EQ(fs_mkdir_p(at("file/leaf"), 0755), -ENOTDIR);
	ASSERT_EQ(fs_mkdir_p(at("file/leaf/"), 0755), -ENOTDIR);
	ASSERT_EQ(fs_mkdir_p(at("file/leaf/sub/deeper"), 0755), -ENOTDIR);
	ASSERT_EQ(symlink(at("file/nowhere"), at("file/dangling")), 0);
	ASSERT_EQ(fs_mkdir_p(at("file/dangling"), 0755), -ENOTDIR);
	ASSERT_EQ(fs_mkdir_p(at("file/dangling/sub"), 0755), -ENOTDIR);
}

TEST(trailing_and_doubled_slashes)
{
	ASSERT_OK(fs_mkdir_p(at("slash/a/b///"), 0755));
	ASSERT_TRUE(is_dir("slash/a/b", 0755));
	ASSERT_OK(fs_mkdir_p(at("slash//c//d/"), 0755));
	ASSERT_TRUE(is_dir("slash/c", 0755));
	ASSERT_TRUE(is_dir("slash/c/d", 0755));
	ASSERT_OK(fs_mkdir_p("//", 0755));
}

TEST(bad_paths)
{
	static char longpath[PATH_MAX + 2];

	ASSERT_EQ(fs_mkdir_p("", 0755), -EINVAL);
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	ASSERT_EQ(fs_mkdir_p(longpath, 0755), -ENAMETOOLONG);
}

TEST(relative_path)
{
	char cwd[PATH_MAX];

	ASSERT_TRUE(getcwd(cwd, sizeof(cwd)) != NULL);
	ASSERT_EQ(chdir(root), 0);
	int r = fs_mkdir_p("rel/a/b", 0755);
	ASSERT_EQ(chdir(cwd), 0);
	ASSERT_OK(r);
	ASSERT_TRUE(is_dir("rel/a/b", 0755));
}

/* Children released at once by closing a pipe all create the same deep path and its siblings:
 * each one loses some races (EEXIST) and must still succeed. */
TEST(concurrent_creators)
{
	enum { N = 16 };
	pid_t pids[N];
	int gate[2], failed = 0;

	ASSERT_OK(pipe2(gate, O_CLOEXEC));
	for (int i = 0; i < N; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			char c, mine[PATH_MAX];
			close(gate[1]);
			(void)!read(gate[0], &c, 1);
			snprintf(mine, sizeof(mine), "%s/race/a/b/c/d/e/child%d", root, i);
			_exit(fs_mkdir_p(at("race/a/b/c/d/e/f"), 0755) < 0 ||
			      fs_mkdir_p(mine, 0755) < 0);
		}
		ASSERT_TRUE(pids[i] > 0);
	}
	close(gate[0]);
	close(gate[1]);
	for (int i = 0; i < N; i++) {
		int st = 0;
		waitpid(pids[i], &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			failed++;
	}
	ASSERT_EQ(failed, 0);
	ASSERT_TRUE(is_dir("race/a/b/c/d/e/f", 0755));
	ASSERT_TRUE(is_dir("race/a/b/c/d/e/child0", 0755));
	ASSERT_TRUE(is_dir("race/a/b/c/d/e/child15", 0755));
}

/* Two open file descriptions of one file: flock() makes them exclude each other. */
TEST(open_mkdir_makes_the_missing_directories_once)
{
	int fd = fs_open_mkdir(at("om/a/b"), 0700, at("om/a/b/file"),
			       O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	ASSERT_OK(fd);
	close(fd);
	ASSERT_TRUE(is_dir("om/a", 0700));
	ASSERT_TRUE(is_dir("om/a/b", 0700));
	/* A directory opened as itself, and a file beside the first. */
	fd = fs_open_mkdir(at("om/c"), 0750, at("om/c"), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	ASSERT_OK(fd);
	close(fd);
	ASSERT_TRUE(is_dir("om/c", 0750));
	/* Where it exists already, the open's own errors are not retried. */
	ASSERT_EQ(fs_open_mkdir(at("om/a/b"), 0700, at("om/a/b/file"),
				O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600),
		  -EEXIST);
}

TEST(open_mkdir_reports_what_stops_it)
{
	touch("om-file");
	/* A file where a directory must be made: the mkdir's error. */
	ASSERT_EQ(fs_open_mkdir(at("om-file/sub"), 0700, at("om-file/sub/x"),
				O_WRONLY | O_CREAT | O_CLOEXEC, 0600),
		  -ENOTDIR);
	/* Missing, and the open does not create: ENOENT after the directory was made. */
	ASSERT_EQ(fs_open_mkdir(at("om-ro"), 0700, at("om-ro/x"), O_RDONLY | O_CLOEXEC, 0),
		  -ENOENT);
	ASSERT_TRUE(is_dir("om-ro", 0700));
}

TEST(flock_wait_times_out_while_held)
{
	int a = open(at("lock"), O_RDWR | O_CREAT | O_CLOEXEC, 0600), b = open(at("lock"), O_RDWR);
	double t0;

	ASSERT_TRUE(a >= 0 && b >= 0);
	ASSERT_OK(flock(a, LOCK_EX));
	t0 = monotonic_ms();
	ASSERT_EQ(fs_flock_wait(b, 120), -ETIMEDOUT);
	ASSERT_TRUE(monotonic_ms() - t0 >= 120);
	close(a);
	close(b);
}

TEST(flock_wait_granted_when_released)
{
	int fd = open(at("lock"), O_RDWR | O_CREAT | O_CLOEXEC, 0600), ready[2], status;
	char c;
	pid_t pid;

	ASSERT_TRUE(fd >= 0);
	ASSERT_OK(pipe(ready));
	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (pid == 0) {
		int h = open(at("lock"), O_RDWR);

		if (h < 0 || flock(h, LOCK_EX) < 0 || write(ready[1], "x", 1) != 1)
			_exit(1);
		usleep(100000);
		_exit(0); /* lets go of the lock */
	}
	ASSERT_EQ(read(ready[0], &c, 1), 1);
	ASSERT_EQ(flock(fd, LOCK_EX | LOCK_NB), -1);
	ASSERT_OK(fs_flock_wait(fd, 10000));
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(fd);
	close(ready[0]);
	close(ready[1]);
	ASSERT_OK(unlink(at("lock")));
}

TEST(cleanup)
{
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ASSERT_EQ(system(cmd), 0);
}

TAP_MAIN
