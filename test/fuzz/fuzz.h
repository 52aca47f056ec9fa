/* Shared part of every test/fuzz/fuzz-<target>.c: the target defines FUZZ_NAME and
 * LLVMFuzzerTestOneInput(), then includes this header last.
 *
 * Built with -DFUZZ_LIBFUZZER (make fuzz, clang -fsanitize=fuzzer) libFuzzer supplies main().
 * Otherwise this header adds a replay main(): every file of the target's seed corpus
 * (test/fuzz/corpus/<target>/, or the files/directories given as arguments, or $FUZZ_CORPUS)
 * is run through the target in a child process and reported as one TAP line, so a crash or an
 * abort() on one input fails that input only. That is build/test/test-fuzz-<target> in
 * `make check`. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant the target checks: abort so libFuzzer records the input as a crasher. */
#define FUZZ_ASSERT(c)                                                                            \
	do {                                                                                      \
		if (!(c)) {                                                                       \
			fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, \
				#c);                                                              \
			abort();                                                                  \
		}                                                                                 \
	} while (0)

/* Copy of data as a NUL-terminated string (the target decides what to do with inner NULs). */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	for (size_t i = 0; i < size; i++)
		s[i] = (char)data[i];
	s[size] = '\0';
	return s;
}

#ifndef FUZZ_LIBFUZZER
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef FUZZ_CORPUS_ROOT
#define FUZZ_CORPUS_ROOT "test/fuzz/corpus"
#endif

static int fuzz_n, fuzz_failed;

static int fuzz_read(const char *path, uint8_t **ret, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, k;

	if (!f)
		return -errno;
	do {
		if (cap - len < 65536) {
			uint8_t *n = realloc(buf, cap + 65536);
			if (!n) {
				free(buf);
				fclose(f);
				return -ENOMEM;
			}
			buf = n;
			cap += 65536;
		}
		k = fread(buf + len, 1, cap - len, f);
		len += k;
	} while (k > 0);
	fclose(f);
	*ret = buf;
	*ret_len = len;
	return 0;
}

static void fuzz_replay_file(const char *path)
{
	uint8_t *data = NULL;
	size_t len = 0;
	int status, r;

	/* FUZZ_NO_FORK=1 (make valgrind): in-process, so the tool sees every input in one process. */
	if (getenv("FUZZ_NO_FORK")) {
		if ((r = fuzz_read(path, &data, &len)) < 0) {
			printf("not ok %d - %s # %s\n", ++fuzz_n, path, strerror(-r));
			fuzz_failed++;
			return;
		}
		LLVMFuzzerTestOneInput(data, len);
		free(data);
		printf("ok %d - %s\n", ++fuzz_n, path);
		return;
	}

	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		printf("not ok %d - %s # fork: %s\n", ++fuzz_n, path, strerror(errno));
		fuzz_failed++;
		return;
	}
	if (pid == 0) {
		if ((r = fuzz_read(path, &data, &len)) < 0) {
			fprintf(stderr, "%s: %s\n", path, strerror(-r));
			_exit(2);
		}
		LLVMFuzzerTestOneInput(data, len);
		free(data);
		/* exit(), not _exit(): LeakSanitizer runs at exit. */
		exit(0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		printf("ok %d - %s\n", ++fuzz_n, path);
		return;
	}
	fuzz_failed++;
	if (WIFSIGNALED(status))
		printf("not ok %d - %s # killed by signal %d\n", ++fuzz_n, path, WTERMSIG(status));
	else
		printf("not ok %d - %s # exit status %d\n", ++fuzz_n, path, WEXITSTATUS(status));
}

static int fuzz_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void fuzz_replay_path(const char *path)
{
	struct stat st;
	DIR *d;

	if (stat(path, &st) < 0) {
		printf("not ok %d - %s # %s\n", ++fuzz_n, path, strerror(errno));
		fuzz_failed++;
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		fuzz_replay_file(path);
		return;
	}
	if (!(d = opendir(path))) {
		printf("not ok %d - %s # %s\n", ++fuzz_n, path, strerror(errno));
		fuzz_failed++;
		return;
	}
	char **names = NULL;
	size_t n = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		char **nn = realloc(names, (n + 1) * sizeof(*names));
		if (!nn || asprintf(&nn[n], "%s/%s", path, e->d_name) < 0)
			abort();
		names = nn;
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), fuzz_name_cmp);
	for (size_t i = 0; i < n; i++) {
		fuzz_replay_path(names[i]);
		free(names[i]);
	}
	free(names);
}

int main(int argc, char **argv)
{
	const char *env = getenv("FUZZ_CORPUS");

	printf("# replaying the %s fuzz corpus\n", FUZZ_NAME);
	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			fuzz_replay_path(argv[i]);
	} else if (env && *env) {
		fuzz_replay_path(env);
	} else {
		fuzz_replay_path(FUZZ_CORPUS_ROOT "/" FUZZ_NAME);
	}
	printf("1..%d\n", fuzz_n);
	return fuzz_failed ? 1 : 0;
}
#endif
