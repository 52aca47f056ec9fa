/* The option tables: --help and parsing come from the same table, global options before or after
 * the verb, run's options, -p specs, the /etc file texts. */
#include <ctype.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "etc.h"
#include "json.h"
#include "run.h"
#include "../tap.h"

/* Silence fd (1 or 2) for the parser's own messages; returns the saved fd for quiet_end. */
static int quiet_begin(int fd)
{
	int saved = dup(fd), null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	fflush(NULL);
	dup2(null, fd);
	close(null);
	return saved;
}

static void quiet_end(int fd, int saved)
{
	fflush(NULL);
	dup2(saved, fd);
	close(saved);
}

static char *usage_text(const struct cli_verb *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cli_usage(f, v);
	fclose(f);
	return buf;
}

static const struct cli_opt *find_opt(const struct cli_opt *t, const char *name, size_t len,
				      char short_name)
{
	for (; t && t->name; t++)
		if ((name && strlen(t->name) == len && strncmp(t->name, name, len) == 0) ||
		    (short_name && t->short_name == short_name))
			return t;
	return NULL;
}

/* Global, or an option of some verb (a text may point at another verb's option). */
static bool in_any_table(const char *name, size_t len, char short_name)
{
	if (find_opt(cli_global_opts, name, len, short_name))
		return true;
	for (size_t i = 0; cli_verbs[i]; i++)
		if (find_opt(cli_verbs[i]->opts, name, len, short_name))
			return true;
	return false;
}

/* Every option of the verb's table and of the global one is in its --help, and every "--x" or
 * "-x," the text mentions is in a table: the text cannot promise an option the parser does not
 * have, nor the parser take one the text hides. */
static int check_verb(const struct cli_verb *v)
{
	_cleanup_free_ char *text = usage_text(v);
	const struct cli_opt *tables[2] = {v ? v->opts : NULL, cli_global_opts};
	int bad = 0;

	for (size_t t = 0; t < 2; t++)
		for (const struct cli_opt *o = tables[t]; o && o->name; o++) {
			char want[80];
			snprintf(want, sizeof(want), "--%s%s%s", o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
			if (!strstr(text, want)) {
				printf("#   %s --help lacks %s\n", v ? v->name : "cnictl", want);
				bad++;
			}
			if (o->short_name) {
				snprintf(want, sizeof(want), "-%c, --%s", o->short_name, o->name);
				if (!strstr(text, want)) {
					printf("#   %s --help lacks %s\n", v ? v->name : "cnictl",
					       want);
					bad++;
				}
			}
		}
	for (const char *p = text; (p = strchr(p, '-')); p++) {
		bool long_opt = p[1] == '-';
		const char *name = p + (long_opt ? 2 : 1);
		size_t n = 0;
		if (p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '-' || p[-1] == '/'))
			continue;
		while (isalnum((unsigned char)name[n]) || name[n] == '-')
			n++;
		if (n == 0 || (!long_opt && (n != 1 || name[1] != ',')))
			continue;
		if (!in_any_table(long_opt ? name : NULL, n, long_opt ? 0 : name[0])) {
			printf("#   %s --help mentions %.*s%.*s, which no table has\n",
			       v ? v->name : "cnictl", long_opt ? 2 : 1, p, (int)n, name);
			bad++;
		}
	}
	return bad;
}

TEST(help_matches_tables)
{
	int bad = check_verb(NULL);
	for (size_t i = 0; cli_verbs[i]; i++)
		bad += check_verb(cli_verbs[i]);
	ASSERT_EQ(bad, 0);
}

TEST(no_option_twice)
{
	for (size_t i = 0; cli_verbs[i]; i++)
		for (const struct cli_opt *o = cli_verbs[i]->opts; o && o->name; o++) {
			ASSERT_TRUE(!find_opt(cli_global_opts, o->name, strlen(o->name), 0));
			ASSERT_TRUE(!o->short_name ||
				    !find_opt(cli_global_opts, NULL, 0, o->short_name));
			for (const struct cli_opt *p = o + 1; p->name; p++) {
				ASSERT_TRUE(strcmp(o->name, p->name) != 0);
				ASSERT_TRUE(!o->short_name || o->short_name != p->short_name);
			}
		}
	ASSERT_TRUE(find_opt(cli_global_opts, "version", 7, 0) != NULL);
}

TEST(globals_before_and_after_the_verb)
{
	struct globals g;
	char *argv[] = {"cnictl", "--cni-path", "/a:/b",       "-v", "--state-dir=/s",
			"list",	  "--json",	"--cache-dir", "/c", NULL};
	bool json = false;

	ASSERT_OK(cli_globals_init(&g));
	ASSERT_EQ(cli_parse(9, argv, NULL, NULL, &g, true), 5);
	ASSERT_STREQ(g.cni_path, "/a:/b");
	ASSERT_STREQ(g.state_dir, "/s");
	ASSERT_EQ(g.verbose, 1);
	ASSERT_STREQ(argv[5], "list");
	ASSERT_EQ(cli_parse(4, argv + 5, cli_find_verb("list"), &json, &g, false), 4);
	ASSERT_TRUE(json);
	ASSERT_STREQ(g.cache_dir, "/c");
	/* Verb options are not global. */
	char *bad[] = {"cnictl", "--json", "list", NULL};
	int saved = quiet_begin(STDERR_FILENO);
	int r1 = cli_parse(3, bad, NULL, NULL, &g, true);
	char *missing[] = {"list", "--cache-dir", NULL};
	int r2 = cli_parse(2, missing, cli_find_verb("list"), &json, &g, false);
	quiet_end(STDERR_FILENO, saved);
	ASSERT_EQ(r1, -EINVAL);
	ASSERT_EQ(r2, -EINVAL);
	cli_globals_clear(&g);
}

TEST(run_options_through_the_table)
{
	struct globals g;
	struct run_opts o = {.g = &g};
	char *argv[] = {"run",
			"-n",
			"second:net1",
			"-p",
			"127.0.0.1:8080:80",
			"--publish",
			"53:53/udp",
			"--memory",
			"64M",
			"--cpus",
			"0.5",
			"--pids",
			"7",
			"--cpuset-cpus",
			"0-1",
			"-d",
			"--log",
			"/tmp/x",
			"--ns",
			"net,pid",
			"--stop-timeout",
			"3",
			"--",
			"sh",
			"-c",
			"true",
			NULL};
	int argc = (int)ARRAY_SIZE(argv) - 1;

	ASSERT_OK(cli_globals_init(&g));
	int r = cli_parse(argc, argv, &cli_verb_run, &o, &g, true);
	ASSERT_EQ(r, argc - 3);
	ASSERT_STREQ(argv[r], "sh");
	ASSERT_EQ(o.n_nets, 1);
	ASSERT_STREQ(o.nets[0].name, "second");
	ASSERT_STREQ(o.nets[0].ifname, "net1");
	ASSERT_EQ(cJSON_GetArraySize(o.ports), 2);
	ASSERT_EQ(o.limits.memory, 64 << 20);
	ASSERT_EQ(o.limits.cpu_quota_us, 50000);
	ASSERT_EQ(o.limits.pids, 7);
	ASSERT_STREQ(o.limits.cpuset_cpus, "0-1");
	ASSERT_TRUE(o.detach);
	ASSERT_STREQ(o.log, "/tmp/x");
	ASSERT_EQ(o.ns_flags, CLONE_NEWNET | CLONE_NEWPID);
	ASSERT_EQ(o.stop_timeout, 3);
	/* In order: CMD's own options are CMD's. */
	struct run_opts o2 = {.g = &g};
	char *argv2[] = {"run", "--no-net", "ls", "--memory", "x", NULL};
	ASSERT_EQ(cli_parse(5, argv2, &cli_verb_run, &o2, &g, true), 2);
	ASSERT_TRUE(o2.no_net);
	/* --help is answered from the table. */
	char *help[] = {"run", "--memory", "64M", "--help", NULL};
	struct run_opts o3 = {.g = &g};
	int saved = quiet_begin(STDOUT_FILENO);
	int rh = cli_parse(4, help, &cli_verb_run, &o3, &g, true);
	char *version[] = {"run", "--version", NULL};
	int rv = cli_parse(2, version, &cli_verb_run, &o3, &g, true);
	quiet_end(STDOUT_FILENO, saved);
	ASSERT_EQ(rh, CLI_PARSE_DONE);
	ASSERT_EQ(rv, CLI_PARSE_DONE);
	free(o.nets[0].name);
	free(o.nets[0].ifname);
	free(o.nets);
	free(o.limits.cpuset_cpus);
	free(o.log);
	cJSON_Delete(o.ports);
	cli_globals_clear(&g);
}

TEST(publish_specs)
{
	static const struct {
		const char *spec, *json;
	} good[] = {
		{"8080:80", "{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"tcp\"}"},
		{"127.0.0.1:8080:80/tcp",
		 "{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"tcp\","
		 "\"hostIP\":\"127.0.0.1\"}"},
		{"53:5353/udp", "{\"hostPort\":53,\"containerPort\":5353,\"protocol\":\"udp\"}"},
		{"[fd00::1]:1:65535",
		 "{\"hostPort\":1,\"containerPort\":65535,\"protocol\":\"tcp\","
		 "\"hostIP\":\"fd00::1\"}"},
	};
	static const char *const bad[] = {
		"80",	     "0:80",   "80:65536", "80:80/sctp",    "x:80:80", "[::1:80:80",
		"::1:80:80", "80:",    ":80",	   "80:+1",	    "80:80/",  "1.2.3.4:80",
		"-1:80",     "80:8 0", "",	   "[1.2.3.4]80:80"};
	int saved = quiet_begin(STDERR_FILENO);
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		_cleanup_(cJSON_Deletep) cJSON *m = NULL;
		ASSERT_OK(run_parse_publish(good[i].spec, &m));
		_cleanup_free_ char *s = json_print(m, false);
		ASSERT_STREQ(s, good[i].json);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		cJSON *m = NULL;
		if (run_parse_publish(bad[i], &m) >= 0) {
			cJSON_Delete(m);
			quiet_end(STDERR_FILENO, saved);
			TAP_FAIL("-p \"%s\" accepted", bad[i]);
		}
	}
	quiet_end(STDERR_FILENO, saved);
}

TEST(hosts_text)
{
	_cleanup_free_ char *a =
		etc_hosts_text("web", "c1", (char *[]){"10.0.0.2", "fd00::2", NULL});
	ASSERT_STREQ(a, "127.0.0.1\tlocalhost\n"
			"::1\tlocalhost ip6-localhost ip6-loopback\n"
			"10.0.0.2\tweb c1\n"
			"fd00::2\tweb c1\n");
	_cleanup_free_ char *b = etc_hosts_text("c1", "c1", (char *[]){NULL});
	ASSERT_CONTAINS(b, "127.0.1.1\tc1\n");
	ASSERT_TRUE(strstr(b, "c1 c1") == NULL);
}

TEST(resolv_text)
{
	_cleanup_(cJSON_Deletep) cJSON *r1 = NULL, *r2 = NULL, *r3 = NULL;
	const char *t1 = "{\"dns\":{\"nameservers\":[\"10.0.0.53\",\"10.0.0.54\"],"
			 "\"domain\":\"d.test\",\"options\":[\"ndots:2\"]}}";
	const char *t2 = "{\"dns\":{\"nameservers\":[\"10.0.0.54\",\"fd00::53\"],"
			 "\"search\":[\"a.test\",\"b.test\"]}}";
	ASSERT_OK(json_parse(t1, strlen(t1), "r1", &r1, NULL));
	ASSERT_OK(json_parse(t2, strlen(t2), "r2", &r2, NULL));
	ASSERT_OK(json_parse("{}", 2, "r3", &r3, NULL));

	_cleanup_free_ char *one =
		etc_resolv_text((const cJSON *[]){r1}, 1, "nameserver 1.1.1.1\n");
	ASSERT_STREQ(one, "# from the CNI result (cnictl)\n"
			  "nameserver 10.0.0.53\n"
			  "nameserver 10.0.0.54\n"
			  "domain d.test\n"
			  "options ndots:2\n");
	/* Merged in network order, duplicates once; search wins over domain. */
	_cleanup_free_ char *both = etc_resolv_text((const cJSON *[]){r1, r2}, 2, NULL);
	ASSERT_STREQ(both, "# from the CNI result (cnictl)\n"
			   "nameserver 10.0.0.53\n"
			   "nameserver 10.0.0.54\n"
			   "nameserver fd00::53\n"
			   "search a.test b.test\n"
			   "options ndots:2\n");
	/* No nameserver in any result: the host's file as it is. */
	_cleanup_free_ char *host =
		etc_resolv_text((const cJSON *[]){r3}, 1, "nameserver 9.9.9.9\n");
	ASSERT_STREQ(host, "nameserver 9.9.9.9\n");
	_cleanup_free_ char *none = etc_resolv_text(NULL, 0, NULL);
	ASSERT_STREQ(none, "");
}

TAP_MAIN
