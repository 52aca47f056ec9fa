/* cgroup v1/v2 selection and what cg_create writes, against fake hierarchies: plain directories
 * in a temporary dir, listed in a fake mountinfo. */
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "../tap.h"

static char root[] = "/tmp/test-launcher-cgroup.XXXXXX";
static char mountinfo[600];

static void put(const char *rel, const char *text)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	FILE *f = fopen(p, "we");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void dir(const char *rel)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	mkdir(p, 0755);
}

/* Content of root/rel without the trailing newline; "(missing)" when absent. */
static const char *get(const char *rel)
{
	static char buf[256];
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return "(missing)";
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static bool exists(const char *rel)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	return access(p, F_OK) == 0;
}

/* One mountinfo line per "FSTYPE:DIR:SUPEROPTS" (DIR relative to root). */
static void fake_mounts(const char *const *mounts)
{
	FILE *f;
	snprintf(mountinfo, sizeof(mountinfo), "%s/mountinfo", root);
	f = fopen(mountinfo, "we");
	for (int i = 0; mounts[i]; i++) {
		char type[32], d[64], opts[64];
		sscanf(mounts[i], "%31[^:]:%63[^:]:%63s", type, d, opts);
		fprintf(f, "%d 23 0:%d / %s/%s rw,relatime shared:9 - %s %s %s\n", 30 + i, 40 + i,
			root, d, type, type, opts);
	}
	fprintf(f, "99 1 0:5 / /proc rw - proc proc rw\n");
	fclose(f);
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void reset(void)
{
	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	mkdir(root, 0700);
}

static const struct cg_limits all = {
	.memory = 64 << 20, .cpu_quota_us = 50000, .pids = 32, .cpuset_cpus = "1"};

TEST(v1_hybrid_host)
{
	struct cg_host h = {0};
	struct cni_error err = {0};
	char **dirs = NULL;

	ASSERT_TRUE(mkdtemp(root));
	dir("memory");
	dir("cpu,cpuacct");
	dir("pids");
	dir("cpuset");
	dir("unified");
	put("cpuset/cpuset.cpus", "0-3\n");
	put("cpuset/cpuset.mems", "0\n");
	put("unified/cgroup.controllers", "hugetlb\n");
	fake_mounts((const char *const[]){"cgroup:memory:rw,memory",
					  "cgroup:cpu,cpuacct:rw,cpu,cpuacct",
					  "cgroup:pids:rw,pids", "cgroup:cpuset:rw,cpuset",
					  "cgroup2:unified:rw,nsdelegate", NULL});
	ASSERT_OK(cg_host_probe(mountinfo, &h, &err));
	ASSERT_EQ(h.n, 5);
	ASSERT_FALSE(cg_host_find(&h, CG_MEMORY)->v2);
	ASSERT_CONTAINS(cg_host_find(&h, CG_CPU)->path, "/cpu,cpuacct");
	ASSERT_TRUE(h.mounts[4].v2);
	ASSERT_EQ(h.mounts[4].controllers, 0);

	ASSERT_OK(cg_create(&h, "cnictl", "c1", &all, &dirs, &err));
	ASSERT_TRUE(dirs && dirs[0] && dirs[1] && dirs[2] && dirs[3] && !dirs[4]);
	ASSERT_CONTAINS(dirs[0], "/memory/cnictl/c1");
	ASSERT_STREQ(get("memory/cnictl/c1/memory.limit_in_bytes"), "67108864");
	ASSERT_STREQ(get("cpu,cpuacct/cnictl/c1/cpu.cfs_period_us"), "100000");
	ASSERT_STREQ(get("cpu,cpuacct/cnictl/c1/cpu.cfs_quota_us"), "50000");
	ASSERT_STREQ(get("pids/cnictl/c1/pids.max"), "32");
	/* cpuset: every new level gets its parent's cpus and mems before the child's own. */
	ASSERT_STREQ(get("cpuset/cnictl/cpuset.cpus"), "0-3");
	ASSERT_STREQ(get("cpuset/cnictl/cpuset.mems"), "0");
	ASSERT_STREQ(get("cpuset/cnictl/c1/cpuset.cpus"), "1");
	ASSERT_STREQ(get("cpuset/cnictl/c1/cpuset.mems"), "0");
	/* Nothing in a hierarchy that has no wanted controller, nothing v2-style in v1. */
	ASSERT_FALSE(exists("unified/cnictl"));
	ASSERT_FALSE(exists("memory/cnictl/c1/memory.max"));
	ASSERT_FALSE(exists("memory/cgroup.subtree_control"));

	ASSERT_OK(cg_attach(dirs, 4242, &err));
	ASSERT_STREQ(get("pids/cnictl/c1/cgroup.procs"), "4242");
	/* Only the limits asked for: a second container with a memory limit alone. */
	char **only = NULL;
	ASSERT_OK(
		cg_create(&h, "cnictl", "c2", &(struct cg_limits){.memory = 1 << 20}, &only, &err));
	ASSERT_TRUE(only && only[0] && !only[1]);
	ASSERT_FALSE(exists("pids/cnictl/c2"));
	cg_dirs_free(only);
	cg_dirs_free(dirs);
	cg_host_clear(&h);
	reset();
}

TEST(v2_unified_host)
{
	struct cg_host h = {0};
	struct cni_error err = {0};
	char **dirs = NULL;

	dir("v2");
	put("v2/cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
	fake_mounts((const char *const[]){"cgroup2:v2:rw,nsdelegate,memory_recursiveprot", NULL});
	ASSERT_OK(cg_host_probe(mountinfo, &h, &err));
	ASSERT_EQ(h.n, 1);
	ASSERT_TRUE(h.mounts[0].v2);
	ASSERT_TRUE(cg_host_find(&h, CG_MEMORY) == &h.mounts[0]);
	ASSERT_TRUE(cg_host_find(&h, CG_CPUSET) == &h.mounts[0]);

	ASSERT_OK(cg_create(&h, "a/b", "c3", &all, &dirs, &err));
	ASSERT_TRUE(dirs && dirs[0] && !dirs[1]);
	ASSERT_CONTAINS(dirs[0], "/v2/a/b/c3");
	/* The controllers enabled from the root down to the parent, in one write each. */
	ASSERT_STREQ(get("v2/cgroup.subtree_control"), "+memory +cpu +pids +cpuset");
	ASSERT_STREQ(get("v2/a/cgroup.subtree_control"), "+memory +cpu +pids +cpuset");
	ASSERT_STREQ(get("v2/a/b/cgroup.subtree_control"), "+memory +cpu +pids +cpuset");
	ASSERT_FALSE(exists("v2/a/b/c3/cgroup.subtree_control"));
	ASSERT_STREQ(get("v2/a/b/c3/memory.max"), "67108864");
	ASSERT_STREQ(get("v2/a/b/c3/cpu.max"), "50000 100000");
	ASSERT_STREQ(get("v2/a/b/c3/pids.max"), "32");
	ASSERT_STREQ(get("v2/a/b/c3/cpuset.cpus"), "1");
	ASSERT_FALSE(exists("v2/a/b/c3/memory.limit_in_bytes"));
	ASSERT_FALSE(exists("v2/a/b/c3/cpu.cfs_quota_us"));
	cg_dirs_free(dirs);
	cg_host_clear(&h);
	reset();
}

/* A mix: memory on v2, pids on v1 (a controller bound to v1 is not v2's, whatever its root
 * lists). */
TEST(mixed_host_per_controller)
{
	struct cg_host h = {0};
	struct cni_error err = {0};
	char **dirs = NULL;

	dir("pids");
	dir("unified");
	put("unified/cgroup.controllers", "memory pids\n");
	fake_mounts((const char *const[]){"cgroup2:unified:rw", "cgroup:pids:rw,pids", NULL});
	ASSERT_OK(cg_host_probe(mountinfo, &h, &err));
	ASSERT_FALSE(cg_host_find(&h, CG_PIDS)->v2);
	ASSERT_TRUE(cg_host_find(&h, CG_MEMORY)->v2);
	ASSERT_TRUE(cg_host_find(&h, CG_CPU) == NULL);
	ASSERT_OK(cg_create(&h, "cnictl", "m1", &(struct cg_limits){.memory = 1 << 20, .pids = 5},
			    &dirs, &err));
	ASSERT_STREQ(get("pids/cnictl/m1/pids.max"), "5");
	ASSERT_STREQ(get("unified/cnictl/m1/memory.max"), "1048576");
	ASSERT_STREQ(get("unified/cnictl/cgroup.subtree_control"), "+memory");
	ASSERT_FALSE(exists("unified/cnictl/m1/pids.max"));
	cg_dirs_free(dirs);
	cg_host_clear(&h);
	reset();
}

TEST(missing_controller_refused_before_anything)
{
	struct cg_host h = {0};
	struct cni_error err = {0};
	char **dirs = NULL;

	dir("pids");
	dir("unified");
	put("unified/cgroup.controllers", "hugetlb\n");
	fake_mounts((const char *const[]){"cgroup:pids:rw,pids", "cgroup2:unified:rw", NULL});
	ASSERT_OK(cg_host_probe(mountinfo, &h, &err));
	ASSERT_ERR(cg_create(&h, "cnictl", "x1", &(struct cg_limits){.memory = 1 << 20, .pids = 5},
			     &dirs, &err));
	ASSERT_EQ(err.code, CNI_ERR_INTERNAL);
	ASSERT_CONTAINS(err.msg, "\"memory\" controller");
	ASSERT_CONTAINS(err.msg, "/unified does not list it in cgroup.controllers");
	ASSERT_FALSE(exists("pids/cnictl"));
	ASSERT_TRUE(dirs == NULL);
	cg_host_clear(&h);

	/* No cgroup mount at all. */
	fake_mounts((const char *const[]){NULL});
	ASSERT_OK(cg_host_probe(mountinfo, &h, &err));
	ASSERT_EQ(h.n, 0);
	err = (struct cni_error){0};
	ASSERT_ERR(cg_create(&h, "cnictl", "x2", &(struct cg_limits){.pids = 5}, &dirs, &err));
	ASSERT_CONTAINS(err.msg, "neither cgroup v1 nor v2");
	cg_host_clear(&h);
	reset();
}

/* A hierarchy mounted twice counts once; mount points with blanks are unescaped. */
TEST(probe_duplicates_and_escapes)
{
	struct cg_host h = {0};
	char p[700];
	FILE *f;

	snprintf(mountinfo, sizeof(mountinfo), "%s/mountinfo", root);
	f = fopen(mountinfo, "we");
	fprintf(f, "30 23 0:29 / %s/my\\040memory rw - cgroup cgroup rw,memory\n", root);
	fprintf(f, "31 23 0:29 / %s/again rw - cgroup cgroup rw,memory\n", root);
	fprintf(f, "32 23 0:30 / %s/sd rw - cgroup cgroup rw,name=systemd\n", root);
	fprintf(f, "33 23 0:31 / %s/v2a rw - cgroup2 cgroup2 rw\n", root);
	fprintf(f, "34 23 0:32 / %s/v2b rw - cgroup2 cgroup2 rw\n", root);
	fclose(f);
	ASSERT_OK(cg_host_probe(mountinfo, &h, NULL));
	ASSERT_EQ(h.n, 2);
	snprintf(p, sizeof(p), "%s/my memory", root);
	ASSERT_STREQ(h.mounts[0].path, p);
	snprintf(p, sizeof(p), "%s/v2a", root);
	ASSERT_STREQ(h.mounts[1].path, p);
	cg_host_clear(&h);
	ASSERT_ERR(cg_host_probe("/nonexistent/mountinfo", &h, NULL));
	reset();
}

TEST(oom_counters)
{
	char d1[600], d2[600];
	dir("v1");
	dir("v2");
	put("v1/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
	put("v2/memory.events", "low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n");
	snprintf(d1, sizeof(d1), "%s/v1", root);
	snprintf(d2, sizeof(d2), "%s/v2", root);
	ASSERT_EQ(cg_oom_kills((char *[]){d1, NULL}), 2);
	ASSERT_EQ(cg_oom_kills((char *[]){d2, NULL}), 1);
	ASSERT_EQ(cg_oom_kills((char *[]){d1, d2, NULL}), 3);
	ASSERT_EQ(cg_oom_kills((char *[]){root, NULL}), 0);
	reset();
}

TEST(remove_only_the_containers_dirs)
{
	char d[600], other[600], parent[600];
	dir("memory");
	dir("memory/cnictl");
	dir("memory/cnictl/r1");
	dir("memory/keep");
	snprintf(d, sizeof(d), "%s/memory/cnictl/r1", root);
	snprintf(parent, sizeof(parent), "%s/memory/cnictl", root);
	snprintf(other, sizeof(other), "%s/memory/keep", root);
	/* A record naming a directory that is not the container's: refused, left alone. */
	ASSERT_ERR(cg_remove((char *[]){other, NULL}, "r1", true));
	ASSERT_TRUE(exists("memory/keep"));
	ASSERT_OK(cg_remove((char *[]){d, NULL}, "r1", false));
	ASSERT_FALSE(exists("memory/cnictl/r1"));
	ASSERT_TRUE(exists("memory/cnictl"));
	dir("memory/cnictl/r1");
	ASSERT_OK(cg_remove((char *[]){d, NULL}, "r1", true));
	ASSERT_FALSE(exists("memory/cnictl"));
	/* Idempotent. */
	ASSERT_OK(cg_remove((char *[]){d, NULL}, "r1", true));
	(void)parent;
	reset();
}

TEST(values)
{
	uint64_t v;
	ASSERT_OK(cg_parse_cpus("0.5", &v));
	ASSERT_EQ(v, 50000);
	ASSERT_OK(cg_parse_cpus("0.001", &v));
	ASSERT_EQ(v, 1000);
	ASSERT_OK(cg_check_cpuset("0"));
	ASSERT_OK(cg_check_cpuset("0-1,3,5-7"));
	ASSERT_ERR(cg_check_cpuset(""));
	ASSERT_ERR(cg_check_cpuset("1-0"));
	ASSERT_ERR(cg_check_cpuset("0,"));
	ASSERT_ERR(cg_check_cpuset("a"));
	ASSERT_ERR(cg_check_cpuset("1--2"));
	ASSERT_STREQ(cg_controller_name(CG_PIDS), "pids");
	rmdir(root);
}

TAP_MAIN
