/* host-local owner index (plugins/ipam/index.c) on a scratch directory: entries, the stamp that
 * detects changes made by others, rebuilds, pruning. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../../plugins/ipam/hostlocal.h"
#include "sha512.h"
#include "../tap.h"

static char root[64];

/* A locked store <root>/net; the index is not looked at yet. */
static int open_store(struct store *s)
{
	struct cni_error err = {0};
	int r;

	if (!root[0]) {
		snprintf(root, sizeof(root), "/tmp/test-hostlocal-index.XXXXXX");
		if (!mkdtemp(root))
			return -errno;
	}
	if ((r = store_open(s, root, "net", true, &err)) < 0)
		return r;
	return store_lock(s, 1000, &err);
}

static void put_file_at(int dirfd, const char *name, const char *content)
{
	_cleanup_close_ int fd =
		openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0)
		(void)!write(fd, content, strlen(content));
}

static void put_file(struct store *s, const char *name, const char *content)
{
	put_file_at(s->dirfd, name, content);
}

static void wipe(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s/net'", root);
	(void)!system(cmd);
}

static struct ipaddr ip(const char *s)
{
	struct ipaddr a = {0};
	(void)ipaddr_parse(s, &a);
	return a;
}

TEST(entries_survive_a_commit)
{
	struct store s;
	struct ipaddr ips[2] = {ip("10.0.0.2"), ip("fd00::2")}, got[STORE_INDEX_MAX];
	char buf[IPADDR_STRLEN];

	wipe();
	ASSERT_OK(open_store(&s));
	store_index_check(&s);
	ASSERT_FALSE(s.index_ok); /* never committed */
	store_index_load(&s);
	ASSERT_TRUE(s.index_ok); /* rebuilt (empty) */
	put_file(&s, "10.0.0.2", "c1\r\neth0");
	put_file(&s, "fd00::2", "c1\r\neth0");
	store_index_put(&s, "c1\r\neth0", ips, 2);
	store_index_commit(&s);
	ASSERT_TRUE(s.index_ok);
	store_close(&s);

	ASSERT_OK(open_store(&s));
	store_index_check(&s);
	ASSERT_TRUE(s.index_ok);
	ASSERT_EQ(store_index_get(&s, "c1\r\neth0", got, STORE_INDEX_MAX), 2);
	ASSERT_STREQ(ipaddr_format(&got[0], buf), "10.0.0.2");
	ASSERT_STREQ(ipaddr_format(&got[1], buf), "fd00::2");
	ASSERT_EQ(store_index_get(&s, "c1\r\neth1", got, STORE_INDEX_MAX), 0);
	ASSERT_EQ(store_index_get(&s, "c1", got, STORE_INDEX_MAX), 0);
	store_index_put(&s, "c1\r\neth0", NULL, 0);
	ASSERT_EQ(store_index_get(&s, "c1\r\neth0", got, STORE_INDEX_MAX), 0);
	store_close(&s);
}

/* Index files are written over in place (no truncation to nothing first): one rewritten
 * shorter reads back exactly. */
TEST(an_entry_rewritten_shorter_reads_back_exactly)
{
	struct store s;
	struct ipaddr two[2] = {ip("10.0.0.2"), ip("fd00::1234:5678:9abc:def0")},
		      got[STORE_INDEX_MAX];
	char buf[IPADDR_STRLEN];

	wipe();
	ASSERT_OK(open_store(&s));
	store_index_load(&s);
	put_file(&s, "10.0.0.2", "c1\r\neth0");
	store_index_put(&s, "c1\r\neth0", two, 2);
	store_index_put(&s, "c1\r\neth0", two, 1);
	store_index_commit(&s);
	store_close(&s);
	ASSERT_OK(open_store(&s));
	store_index_check(&s);
	ASSERT_TRUE(s.index_ok);
	ASSERT_EQ(store_index_get(&s, "c1\r\neth0", got, STORE_INDEX_MAX), 1);
	ASSERT_STREQ(ipaddr_format(&got[0], buf), "10.0.0.2");
	store_close(&s);
}

TEST(commit_moves_the_directory_mtime_to_the_past)
{
	struct store s;
	struct timespec now;
	struct stat st;

	wipe();
	ASSERT_OK(open_store(&s));
	store_index_load(&s);
	store_index_commit(&s);
	clock_gettime(CLOCK_REALTIME, &now);
	ASSERT_OK(fstat(s.dirfd, &st));
	ASSERT_TRUE(st.st_mtim.tv_sec < now.tv_sec);
	store_close(&s);
}

TEST(a_change_by_someone_else_is_detected_and_reindexed)
{
	struct store s;
	struct ipaddr got[STORE_INDEX_MAX], stale = ip("10.0.0.9");
	char buf[IPADDR_STRLEN];

	wipe();
	ASSERT_OK(open_store(&s));
	store_index_load(&s);
	store_index_put(&s, "gone\r\neth0", &stale, 1); /* a stale entry: no such lease */
	store_index_commit(&s);
	/* the reference adds a lease, a legacy one exists, a crash left a temp file */
	put_file(&s, "10.0.0.3", "ref\r\neth0");
	put_file(&s, "10.0.0.4", "old");
	put_file(&s, ".tmp-host-local.1", "x\r\neth0");
	store_index_check(&s);
	ASSERT_FALSE(s.index_ok);
	store_index_load(&s);
	ASSERT_TRUE(s.index_ok);
	ASSERT_EQ(store_index_get(&s, "ref\r\neth0", got, STORE_INDEX_MAX), 1);
	ASSERT_STREQ(ipaddr_format(&got[0], buf), "10.0.0.3");
	ASSERT_EQ(store_index_get(&s, "old", got, STORE_INDEX_MAX), 1);
	ASSERT_STREQ(ipaddr_format(&got[0], buf), "10.0.0.4");
	/* only what changed was read: the stale entry stays a hint until a full rebuild */
	ASSERT_EQ(store_index_get(&s, "gone\r\neth0", got, STORE_INDEX_MAX), 1);
	store_index_rebuild(&s, true);
	ASSERT_TRUE(s.index_ok);
	ASSERT_EQ(store_index_get(&s, "gone\r\neth0", got, STORE_INDEX_MAX), 0); /* pruned */
	ASSERT_EQ(store_index_get(&s, "ref\r\neth0", got, STORE_INDEX_MAX), 1);
	ASSERT_EQ(faccessat(s.dirfd, ".tmp-host-local.1", F_OK, 0), -1); /* recovered */
	store_close(&s);
}

TEST(entries_never_read_as_lease_records)
{
	struct store s;
	struct ipaddr a = ip("10.0.0.2");
	char name[65], raw[512];
	ssize_t k;

	wipe();
	ASSERT_OK(open_store(&s));
	store_index_load(&s);
	store_index_put(&s, "c1\r\neth0", &a, 1);
	/* named by the first 32 bytes of SHA-512 of the owner record, in hex */
	sha512_hex_prefix("c1\r\neth0", 8, 32, name);
	{
		_cleanup_close_ int fd = openat(s.idxfd, name, O_RDONLY | O_CLOEXEC);
		ASSERT_TRUE(fd >= 0);
		k = read(fd, raw, sizeof(raw) - 1);
		raw[k > 0 ? k : 0] = '\0';
	}
	ASSERT_STREQ(raw, "# host-local owner index: c1 eth0\n10.0.0.2\n");
	ASSERT_TRUE(strchr(raw, '\r') == NULL);
	store_close(&s);
}

/* A stamp that matches the directory as it is, as a request of the given boot would have
 * written it, with the directory's mtime (the stamped time) one minute ahead: every lease's
 * ctime is then before it, as for a lease made long before the last request of a boot. */
static void stamp_for_boot(struct store *s, const char *boot)
{
	struct timespec times[2] = {{.tv_nsec = UTIME_OMIT}, {0}};
	char text[160];
	struct stat st;

	clock_gettime(CLOCK_REALTIME, &times[1]);
	times[1].tv_sec += 60;
	times[1].tv_nsec = 0;
	(void)futimens(s->dirfd, times);
	(void)fstat(s->dirfd, &st);
	snprintf(text, sizeof(text), "host-local owner index v2 %llu %lld %lld.%09ld %s\n",
		 (unsigned long long)st.st_ino, (long long)st.st_size, (long long)st.st_mtim.tv_sec,
		 st.st_mtim.tv_nsec, boot);
	put_file_at(s->idxfd, "stamp", text);
}

/* Nothing is fsynced: a power loss can leave a lease the disk never got the content of, made
 * long before the last stamp. The same boot trusts its stamp; a new boot rebuilds in full and
 * removes it. */
TEST(a_new_boot_rebuilds_in_full_and_removes_what_a_power_loss_left)
{
	char boot[37] = "";
	struct store s;
	struct ipaddr got[STORE_INDEX_MAX], kept = ip("10.0.0.5");

	{
		_cleanup_close_ int fd =
			open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
		if (fd < 0 || read(fd, boot, 36) != 36) {
			printf("# skipped: no /proc/sys/kernel/random/boot_id\n");
			return;
		}
	}
	wipe();
	ASSERT_OK(open_store(&s));
	store_index_load(&s);
	put_file(&s, "10.0.0.5", "c5\r\neth0");
	store_index_put(&s, "c5\r\neth0", &kept, 1);
	put_file(&s, "10.0.0.6", ""); /* linked, its content lost */
	stamp_for_boot(&s, boot);
	store_close(&s);

	ASSERT_OK(open_store(&s));
	store_index_load(&s);
	ASSERT_TRUE(s.index_ok); /* this boot's stamp: trusted, no scan */
	ASSERT_EQ(faccessat(s.dirfd, "10.0.0.6", F_OK, 0), 0);
	stamp_for_boot(&s, "00000000-0000-0000-0000-000000000000");
	store_close(&s);

	ASSERT_OK(open_store(&s));
	store_index_check(&s);
	ASSERT_FALSE(s.index_ok);
	ASSERT_FALSE(s.sealed); /* another boot's stamp says nothing about what was read */
	store_index_load(&s);
	ASSERT_TRUE(s.index_ok);
	ASSERT_EQ(faccessat(s.dirfd, "10.0.0.6", F_OK, 0), -1); /* removed */
	ASSERT_EQ(store_index_get(&s, "c5\r\neth0", got, STORE_INDEX_MAX), 1);
	store_close(&s);
}

/* A stamp of the format before the boot id (v1) is never trusted. */
TEST(a_v1_stamp_is_never_trusted)
{
	struct store s;

	wipe();
	ASSERT_OK(open_store(&s));
	store_index_load(&s);
	store_index_commit(&s);
	{
		_cleanup_close_ int fd = openat(s.idxfd, "stamp", O_RDWR | O_CLOEXEC);
		char text[160];
		ssize_t k = fd >= 0 ? read(fd, text, sizeof(text) - 1) : -1;
		ASSERT_TRUE(k > 0);
		text[k] = '\0';
		ASSERT_TRUE(strncmp(text, "host-local owner index v2 ", 26) == 0);
		text[24] = '1';
		ASSERT_EQ(pwrite(fd, text, (size_t)k, 0), k);
	}
	store_close(&s);
	ASSERT_OK(open_store(&s));
	store_index_check(&s);
	ASSERT_FALSE(s.index_ok);
	ASSERT_FALSE(s.sealed);
	store_close(&s);
}

TEST(an_owner_with_too_many_leases_disables_the_index)
{
	struct store s;
	struct ipaddr many[STORE_INDEX_MAX + 1];

	for (size_t i = 0; i < STORE_INDEX_MAX + 1; i++)
		many[i] = ip("10.0.0.2");
	wipe();
	ASSERT_OK(open_store(&s));
	store_index_load(&s);
	store_index_commit(&s);
	store_index_put(&s, "c1\r\neth0", many, STORE_INDEX_MAX + 1);
	ASSERT_FALSE(s.index_ok);
	store_index_commit(&s); /* no-op */
	store_close(&s);
	ASSERT_OK(open_store(&s));
	store_index_check(&s);
	ASSERT_FALSE(s.index_ok); /* the stamp was withdrawn */
	store_close(&s);
	wipe();
	rmdir(root);
}

TAP_MAIN
