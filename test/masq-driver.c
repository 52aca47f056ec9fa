/* masqctl: drive the bridge's masquerade and macspoofchk backends directly (tests, timing).
 *   masqctl [-b auto|iptables|nftables] [-l LOCK_MS] [-p IPTABLES_PATH] VERB ARGS
 *   resolve                          print the backend auto selects
 *   add NET ID IF IP/LEN...          masq_add      check NET ID IF IP/LEN...   masq_check
 *   del NET ID IF [IP/LEN...]        masq_del      gc NET [ID/IF ...]          masq_gc
 *   bench N NET IP/LEN               N x (add, del); prints median add and del in ms
 *   fill N NET                       ADD c1..cN (eth0, 10.1.x.y/16) in this process
 *   bench-cpu N NET IP/LEN           the same in CPU time (user + sys) of this process
 *   spoof-add|spoof-check ID IF HOSTIF MAC     spoof-del ID IF
 * Errors go to stderr as "error <code>: <msg>: <details>", exit status 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../plugins/bridge/masq_internal.h"
#include "../plugins/bridge/spoofchk.h"

static int parse_ips(char **argv, int n, struct ipprefix *ips)
{
	for (int i = 0; i < n; i++)
		if (ipprefix_parse(argv[i], &ips[i]) < 0) {
			fprintf(stderr, "bad prefix '%s'\n", argv[i]);
			return -1;
		}
	return 0;
}

static double clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Wall time, or CPU time of this process (user + system, which includes the kernel's
 * synchronous netlink/setsockopt work) — the latter is steadier on a loaded machine. */
static bool use_cpu_time;
static double now_ms(void)
{
	return clock_ms(use_cpu_time ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int bench(enum masq_backend b, int n, const char *net, const char *ip, struct cni_error *err)
{
	struct ipprefix p;
	double *t_add = calloc((size_t)n, sizeof(double)),
	       *t_del = calloc((size_t)n, sizeof(double));
	int r = 0;

	if (!t_add || !t_del || ipprefix_parse(ip, &p) < 0) {
		free(t_add);
		free(t_del);
		return -1;
	}
	for (int i = 0; i < n && r >= 0; i++) {
		char id[32];
		struct masq_attachment a = {net, id, "eth0"};
		double t0;

		snprintf(id, sizeof(id), "bench%d", i);
		t0 = now_ms();
		r = masq_add(b, &a, &p, 1, err);
		t_add[i] = now_ms() - t0;
		if (r < 0)
			break;
		t0 = now_ms();
		r = masq_del(&a, &p, 1, err);
		t_del[i] = now_ms() - t0;
	}
	if (r >= 0) {
		qsort(t_add, (size_t)n, sizeof(double), cmp_double);
		qsort(t_del, (size_t)n, sizeof(double), cmp_double);
		printf("%s add_median_ms=%.3f del_median_ms=%.3f n=%d\n",
		       use_cpu_time ? "cpu" : "wall", t_add[n / 2], t_del[n / 2], n);
	}
	free(t_add);
	free(t_del);
	return r;
}

static int usage(void)
{
	fprintf(stderr, "usage: masqctl [-b backend] [-l lock_ms] [-p iptables_path] VERB ARGS\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct cni_error err = {0};
	enum masq_backend b = MASQ_AUTO;
	struct ipprefix ips[32];
	int opt, r = 0, n;

	while ((opt = getopt(argc, argv, "+b:l:p:")) != -1) {
		switch (opt) {
		case 'b':
			if (masq_backend_parse(optarg, &b, &err) < 0)
				goto fail;
			break;
		case 'l':
			masq_xtables_lock_timeout_ms = (unsigned)atoi(optarg);
			break;
		case 'p':
			masq_iptables_path = optarg;
			break;
		default:
			return usage();
		}
	}
	argv += optind;
	argc -= optind;
	if (argc < 1)
		return usage();
	if (strcmp(argv[0], "resolve") == 0) {
		printf("%s\n", masq_backend_resolve(b) == MASQ_IPTABLES ? "iptables" : "nftables");
		return 0;
	}
	if (strcmp(argv[0], "chain") == 0 && argc == 3) {
		char buf[MASQ_IPT_CHAIN_LEN + 1];

		printf("%s\n", masq_ipt_chain_name(argv[1], argv[2], buf));
		return 0;
	}
	if ((strcmp(argv[0], "add") == 0 || strcmp(argv[0], "check") == 0 ||
	     strcmp(argv[0], "del") == 0) &&
	    argc >= 4) {
		struct masq_attachment a = {argv[1], argv[2], argv[3]};

		n = argc - 4;
		if (n > (int)ARRAY_SIZE(ips) || parse_ips(argv + 4, n, ips) < 0)
			return usage();
		if (argv[0][0] == 'a')
			r = masq_add(b, &a, ips, (size_t)n, &err);
		else if (argv[0][0] == 'c')
			r = masq_check(b, &a, ips, (size_t)n, &err);
		else
			r = masq_del(&a, n ? ips : NULL, (size_t)n, &err);
	} else if (strcmp(argv[0], "gc") == 0 && argc >= 2) {
		struct cni_attachment valid[64];
		char *copies[64] = {0};

		n = argc - 2;
		if (n > (int)ARRAY_SIZE(valid))
			return usage();
		for (int i = 0; i < n; i++) {
			char *slash;

			copies[i] = strdup(argv[2 + i]);
			slash = copies[i] ? strchr(copies[i], '/') : NULL;
			if (!slash)
				return usage();
			*slash = 0;
			valid[i] = (struct cni_attachment){copies[i], slash + 1};
		}
		r = masq_gc(argv[1], valid, (size_t)n, &err);
		for (int i = 0; i < n; i++)
			free(copies[i]);
	} else if (strcmp(argv[0], "fill") == 0 && argc == 3) {
		/* fill N NET: attachments c1..cN (eth0) at 10.1.x.y/16, in this process */
		for (int i = 1; i <= atoi(argv[1]) && r >= 0; i++) {
			char id[32], ip[32];
			struct masq_attachment a = {argv[2], id, "eth0"};

			snprintf(id, sizeof(id), "c%d", i);
			snprintf(ip, sizeof(ip), "10.1.%d.%d/16", i / 250, i % 250 + 1);
			ipprefix_parse(ip, &ips[0]);
			r = masq_add(b, &a, ips, 1, &err);
		}
	} else if ((strcmp(argv[0], "bench") == 0 || strcmp(argv[0], "bench-cpu") == 0) &&
		   argc == 4) {
		use_cpu_time = argv[0][5] == '-';
		r = bench(b, atoi(argv[1]), argv[2], argv[3], &err);
	} else if ((strcmp(argv[0], "spoof-add") == 0 || strcmp(argv[0], "spoof-check") == 0) &&
		   argc == 5) {
		struct spoofchk_attachment s = {argv[1], argv[2], argv[3], argv[4]};

		r = argv[0][6] == 'a' ? spoofchk_add(&s, &err) : spoofchk_check(&s, &err);
	} else if (strcmp(argv[0], "spoof-del") == 0 && argc == 3) {
		struct spoofchk_attachment s = {argv[1], argv[2], NULL, NULL};

		r = spoofchk_del(&s, &err);
	} else {
		return usage();
	}
	if (r >= 0)
		return 0;
fail:
	fprintf(stderr, "error %d: %s: %s\n", err.code, err.msg, err.details);
	return 1;
}
