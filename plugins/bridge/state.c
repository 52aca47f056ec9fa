/* Per-attachment state record: what ADD created, so DEL and GC can undo it when the netns is gone,
 * CNI_NETNS is empty or prevResult is missing (plugins#810), and so DEL only deletes interfaces
 * this attachment owns. One small JSON file per attachment, replaced atomically.
 *
 * The record is something we add, not something ADD needs: the reference keeps none, so ADD works
 * wherever the reference's does. When the record cannot be stored (/var/lib/cni read-only, full,
 * not a directory: br_state_write fails with code 5), ADD warns on stderr and goes on without it
 * (add.c: br_state_save). DEL of an attachment without a record then goes by what the reference
 * goes by, the netns contents and prevResult, and deletes CNI_IFNAME only when nothing says it is
 * another container's: it is a veth, its host end is a port of the configured bridge, no record
 * of any attachment names that host end, and its MAC is the one prevResult reports, if any
 * (verbs.c: del_unrecorded). Rules and leases need no record (found by name, released by IPAM).
 * Without one, DEL with an empty CNI_NETNS leaves the veth to the netns teardown, GC cannot
 * remove the veth of a stale attachment whose netns lives on, and a repeated ADD of a live
 * attachment is refused by the veth creation, after IPAM, not before it: what the reference does. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "bridge.h"
#include "fsutil.h"
#include "json.h"
#include "sha512.h"

void br_state_clear(struct br_state *s)
{
	free(s->ips);
	s->ips = NULL;
	s->n_ips = 0;
}

/* The record's file name: "<containerID>:<ifname>" (neither may contain ':', so the name is
 * unambiguous), or "sha512-<hex>" of both where that would not fit a file name: container IDs
 * may be 1024 bytes (cni_env.h). Earlier versions wrote "<containerID>-<ifname>", which two
 * attachments can share ("a-b"/"c" and "a"/"b-c"); such a record is still read and removed when
 * its content names this attachment (legacy_path). The temp file of a write starts with '.', so
 * no record name (an ID starts with an alphanumeric) can be mistaken for one. */
#define STATE_NAME_MAX (NAME_MAX - 5) /* room for the temp file's "." and ".tmp" */

static int state_name(const char *container_id, const char *ifname, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s:%s", container_id, ifname);

	if (n < 0)
		return -EINVAL;
	if ((size_t)n <= STATE_NAME_MAX && (size_t)n < size)
		return 0;
	if (size <= SHA512_NAME_LEN(32))
		return -ENAMETOOLONG;
	return sha512_name(container_id, ifname, 32, buf) ? 0 : -ENOMEM;
}

static int state_path(const char *network, const char *container_id, const char *ifname, char *buf,
		      size_t size)
{
	char name[NAME_MAX + 1];
	int r = state_name(container_id, ifname, name, sizeof(name));

	if (r < 0)
		return r;
	r = snprintf(buf, size, BR_STATE_DIR "/%s/%s", network, name);
	return r < 0 || (size_t)r >= size ? -ENAMETOOLONG : 0;
}

static int legacy_path(const char *network, const char *container_id, const char *ifname, char *buf,
		       size_t size)
{
	int n = snprintf(buf, size, BR_STATE_DIR "/%s/%s-%s", network, container_id, ifname);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* "<dir>/.<name>.tmp" beside path. */
static void tmp_path(const char *path, char *buf, size_t size)
{
	const char *slash = strrchr(path, '/');

	snprintf(buf, size, "%.*s/.%s.tmp", (int)(slash - path), path, slash + 1);
}

static int remove_legacy(const char *network, const char *container_id, const char *ifname,
			 struct cni_error *err);

static cJSON *state_to_json(const char *container_id, const char *ifname, const struct br_state *s)
{
	cJSON *o = cJSON_CreateObject(), *ips;
	const char *backend = s->masq_backend == MASQ_IPTABLES	 ? "iptables"
			      : s->masq_backend == MASQ_NFTABLES ? "nftables"
								 : "auto";

	if (!o || !cJSON_AddStringToObject(o, "containerID", container_id) ||
	    !cJSON_AddStringToObject(o, "ifname", ifname) ||
	    !cJSON_AddStringToObject(o, "hostInterface", s->host_ifname) ||
	    !cJSON_AddStringToObject(o, "mac", s->mac) ||
	    !cJSON_AddStringToObject(o, "bridge", s->bridge) ||
	    !(ips = cJSON_AddArrayToObject(o, "ips")) ||
	    !cJSON_AddBoolToObject(o, "ipMasq", s->ip_masq) ||
	    !cJSON_AddStringToObject(o, "ipMasqBackend", backend) ||
	    !cJSON_AddBoolToObject(o, "macspoofchk", s->spoofchk))
		goto oom;
	for (size_t i = 0; i < s->n_ips; i++) {
		char buf[IPPREFIX_STRLEN];
		if (!cJSON_AddItemToArray(ips,
					  cJSON_CreateString(ipprefix_format(&s->ips[i], buf))))
			goto oom;
	}
	return o;
oom:
	cJSON_Delete(o);
	return NULL;
}

int br_state_write(const char *network, const char *container_id, const char *ifname,
		   const struct br_state *s, struct cni_error *err)
{
	_cleanup_(cJSON_Deletep) cJSON *o = NULL;
	_cleanup_free_ char *text = NULL;
	char path[PATH_MAX], tmp[PATH_MAX + 8], dir[PATH_MAX];
	_cleanup_close_ int fd = -EBADF;
	size_t len;
	int r;

	if (state_path(network, container_id, ifname, path, sizeof(path)) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENAMETOOLONG, NULL,
				     "state record path for %s/%s is too long", container_id,
				     ifname);
	if (!(o = state_to_json(container_id, ifname, s)) || !(text = json_print(o, false)))
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	tmp_path(path, tmp, sizeof(tmp));
	/* Every level: on a fresh node not even /var/lib/cni exists. */
	snprintf(dir, sizeof(dir), BR_STATE_DIR "/%s", network);
	fd = fs_open_mkdir(dir, 0700, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
			   0600);
	if (fd < 0)
		return cni_error_set(err, CNI_ERR_IO, -fd, NULL, "create state record %s", tmp);
	len = strlen(text);
	if (write(fd, text, len) != (ssize_t)len) {
		r = errno ? errno : EIO;
		(void)unlink(tmp);
		return cni_error_set(err, CNI_ERR_IO, r, NULL, "write state record %s", tmp);
	}
	if (rename(tmp, path) < 0) {
		r = errno;
		(void)unlink(tmp);
		return cni_error_set(err, CNI_ERR_IO, r, NULL, "rename state record to %s", path);
	}
	/* One record per attachment: the one under the earlier name is replaced. */
	return remove_legacy(network, container_id, ifname, err);
}

static int parse_state(const char *text, size_t len, const char *path, struct br_state *ret,
		       const char **ret_id, const char **ret_if, cJSON **ret_json,
		       struct cni_error *err)
{
	_cleanup_(cJSON_Deletep) cJSON *o = NULL;
	const char *host = NULL, *mac = NULL, *br = NULL, *backend = NULL, *id = NULL, *ifn = NULL;
	const cJSON *ips = NULL, *it;
	struct br_state s = {0};
	int r;

	if ((r = json_parse(text, len, path, &o, err)) < 0)
		return r;
	if ((r = json_get_string(o, path, "containerID", false, &id, err)) < 0 ||
	    (r = json_get_string(o, path, "ifname", false, &ifn, err)) < 0 ||
	    (r = json_get_string(o, path, "hostInterface", false, &host, err)) < 0 ||
	    (r = json_get_string(o, path, "mac", false, &mac, err)) < 0 ||
	    (r = json_get_string(o, path, "bridge", false, &br, err)) < 0 ||
	    (r = json_get_string(o, path, "ipMasqBackend", false, &backend, err)) < 0 ||
	    (r = json_get_bool(o, path, "ipMasq", false, &s.ip_masq, err)) < 0 ||
	    (r = json_get_bool(o, path, "macspoofchk", false, &s.spoofchk, err)) < 0 ||
	    (r = json_get_array(o, path, "ips", false, &ips, err)) < 0)
		return r;
	snprintf(s.host_ifname, sizeof(s.host_ifname), "%s", host ? host : "");
	snprintf(s.mac, sizeof(s.mac), "%s", mac ? mac : "");
	snprintf(s.bridge, sizeof(s.bridge), "%s", br ? br : "");
	s.masq_backend = backend && !strcmp(backend, "iptables")   ? MASQ_IPTABLES
			 : backend && !strcmp(backend, "nftables") ? MASQ_NFTABLES
								   : MASQ_AUTO;
	if (ips && cJSON_GetArraySize(ips) > 0) {
		s.ips = calloc((size_t)cJSON_GetArraySize(ips), sizeof(*s.ips));
		if (!s.ips)
			return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
		cJSON_ArrayForEach(it, ips) {
			if (cJSON_IsString(it) &&
			    ipprefix_parse(it->valuestring, &s.ips[s.n_ips]) == 0)
				s.n_ips++;
		}
	}
	*ret = s;
	if (ret_id)
		*ret_id = id;
	if (ret_if)
		*ret_if = ifn;
	if (ret_json)
		*ret_json = TAKE_PTR(o);
	return 0;
}

static int read_file(const char *path, char **ret, size_t *ret_len, struct cni_error *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		return cni_error_set(err, CNI_ERR_IO, errno, NULL, "open state record %s", path);
	}
	return cni_read_all(fd, 1 << 16, ret, ret_len, err);
}

/* Read and parse the record at path; -ENOENT when absent, or when it names another attachment
 * (a legacy name can be shared). */
static int read_record(const char *path, const char *container_id, const char *ifname,
		       struct br_state *ret, struct cni_error *err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_(cJSON_Deletep) cJSON *o = NULL;
	const char *id = NULL, *ifn = NULL;
	struct br_state s = {0};
	size_t len;
	int r;

	if ((r = read_file(path, &text, &len, err)) < 0 ||
	    (r = parse_state(text, len, path, &s, &id, &ifn, &o, err)) < 0)
		return r;
	/* Records without the names are from before they were written: trust the file name. */
	if ((id && strcmp(id, container_id) != 0) || (ifn && strcmp(ifn, ifname) != 0)) {
		br_state_clear(&s);
		return -ENOENT;
	}
	*ret = s;
	return 0;
}

int br_state_read(const char *network, const char *container_id, const char *ifname,
		  struct br_state *ret, struct cni_error *err)
{
	char path[PATH_MAX];
	int r;

	if (state_path(network, container_id, ifname, path, sizeof(path)) < 0)
		return -ENOENT;
	r = read_record(path, container_id, ifname, ret, err);
	if (r != -ENOENT || legacy_path(network, container_id, ifname, path, sizeof(path)) < 0)
		return r;
	return read_record(path, container_id, ifname, ret, err);
}

/* The record under the name earlier versions gave it, if it is this attachment's. */
static int remove_legacy(const char *network, const char *container_id, const char *ifname,
			 struct cni_error *err)
{
	char path[PATH_MAX];
	struct br_state s = {0};

	if (legacy_path(network, container_id, ifname, path, sizeof(path)) < 0 ||
	    read_record(path, container_id, ifname, &s, NULL) < 0)
		return 0;
	br_state_clear(&s);
	if (unlink(path) < 0 && errno != ENOENT)
		return cni_error_set(err, CNI_ERR_IO, errno, NULL, "remove state record %s", path);
	return 0;
}

int br_state_remove(const char *network, const char *container_id, const char *ifname,
		    struct cni_error *err)
{
	char path[PATH_MAX];

	if (state_path(network, container_id, ifname, path, sizeof(path)) < 0)
		return 0;
	/* A name too long for the file system was never written: ADD went on without it. */
	if (unlink(path) < 0 && errno != ENOENT && errno != ENAMETOOLONG)
		return cni_error_set(err, CNI_ERR_IO, errno, NULL, "remove state record %s", path);
	return remove_legacy(network, container_id, ifname, err);
}

void br_state_remove_tmp(const char *network, const char *container_id, const char *ifname)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];

	if (state_path(network, container_id, ifname, path, sizeof(path)) < 0)
		return;
	tmp_path(path, tmp, sizeof(tmp));
	(void)unlink(tmp);
	/* Earlier versions' temp name: "<legacy name>.tmp". */
	if (legacy_path(network, container_id, ifname, path, sizeof(path)) < 0)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	(void)unlink(tmp);
}

/* Ours: ".<name>.tmp". Earlier versions': "<id>-<ifname>.tmp", which has no ':' (a record
 * name "<id>:<ifname>" may end in ".tmp" too, a hashed one never). */
static bool is_temp_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] == '.' || (n > 4 && !strcmp(name + n - 4, ".tmp") && !strchr(name, ':'));
}

/* ".<id>:<ifname>.tmp" -> id, ifname (pointers into buf); false for other names. */
static bool temp_owner(const char *name, char buf[NAME_MAX + 1], const char **ret_id,
		       const char **ret_if)
{
	size_t n = strlen(name);
	char *colon;

	if (name[0] != '.' || n < 6 || strcmp(name + n - 4, ".tmp") != 0)
		return false;
	snprintf(buf, NAME_MAX + 1, "%.*s", (int)(n - 5), name + 1);
	colon = strchr(buf, ':');
	if (!colon || colon == buf || !colon[1])
		return false;
	*colon = '\0';
	*ret_id = buf;
	*ret_if = colon + 1;
	return true;
}

int br_state_remove_file(const char *network, const struct br_state *s, struct cni_error *err)
{
	char path[PATH_MAX];

	if (!s->file[0] || strchr(s->file, '/'))
		return 0;
	snprintf(path, sizeof(path), BR_STATE_DIR "/%s/%s", network, s->file);
	if (unlink(path) < 0 && errno != ENOENT)
		return cni_error_set(err, CNI_ERR_IO, errno, NULL, "remove state file %s", path);
	return 0;
}

int br_state_foreach(const char *network,
		     int (*fn)(const char *container_id, const char *ifname,
			       const struct br_state *s, void *data),
		     void *data, struct cni_error *err)
{
	char dir[PATH_MAX];
	DIR *d;
	struct dirent *de;
	int first = 0;

	snprintf(dir, sizeof(dir), BR_STATE_DIR "/%s", network);
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0
				       : cni_error_set(err, CNI_ERR_IO, errno, NULL,
						       "open state directory %s", dir);
	while ((de = readdir(d))) {
		_cleanup_free_ char *text = NULL;
		_cleanup_(cJSON_Deletep) cJSON *o = NULL;
		char path[PATH_MAX * 2];
		struct br_state s = {0};
		const char *id = NULL, *ifn = NULL;
		char owner[NAME_MAX + 1];
		bool unfinished;
		size_t len;
		int r;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unfinished = is_temp_name(de->d_name);
		if (read_file(path, &text, &len, NULL) < 0 ||
		    parse_state(text, len, path, &s, &id, &ifn, &o, NULL) < 0 || !id || !ifn) {
			br_state_clear(&s); /* parse_state fills s only when it succeeds */
			/* A write killed midway leaves a torn temp file: its name still says whose
			 * it was (not a hashed one: those stay until that attachment's DEL). */
			if (!unfinished || !temp_owner(de->d_name, owner, &id, &ifn))
				continue;
		}
		snprintf(s.file, sizeof(s.file), "%s", de->d_name);
		s.unfinished = unfinished;
		r = fn(id, ifn, &s, data);
		br_state_clear(&s);
		if (r < 0 && !first)
			first = r;
	}
	closedir(d);
	return first;
}
