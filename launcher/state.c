/* State records as small JSON files. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cni_skel.h"
#include "conf.h"
#include "fsutil.h"
#include "json.h"
#include "state.h"

struct state *state_free(struct state *s)
{
	if (!s)
		return NULL;
	free(s->id);
	free(s->name);
	free(s->status);
	free(s->netns);
	free(s->cache_dir);
	free(s->cni_path);
	for (size_t i = 0; s->cgroups && s->cgroups[i]; i++)
		free(s->cgroups[i]);
	free(s->cgroups);
	free(s->etc_dir);
	cni_args_clear(&s->args);
	cJSON_Delete(s->cap_args);
	for (size_t i = 0; i < s->n_nets; i++) {
		free(s->nets[i].name);
		free(s->nets[i].ifname);
		free(s->nets[i].config);
	}
	free(s->nets);
	free(s);
	return NULL;
}

static cJSON *add_str(cJSON *o, const char *key, const char *v)
{
	return v ? cJSON_AddStringToObject(o, key, v) : cJSON_AddNullToObject(o, key);
}

int state_write(const char *dir, const struct state *s, struct cni_error *err)
{
	_cleanup_(cJSON_Deletep) cJSON *o = cJSON_CreateObject();
	_cleanup_free_ char *text = NULL, *path = NULL, *tmp = NULL;
	cJSON *nets, *args, *cgs;
	int fd, r;

	if (!o || !add_str(o, "id", s->id) || !add_str(o, "name", s->name) ||
	    !add_str(o, "status", s->status) ||
	    !cJSON_AddNumberToObject(o, "ownerPid", s->owner_pid) ||
	    !cJSON_AddNumberToObject(o, "ownerStart", (double)s->owner_start) ||
	    !cJSON_AddNumberToObject(o, "initPid", s->init_pid) ||
	    !cJSON_AddNumberToObject(o, "initStart", (double)s->init_start) ||
	    !add_str(o, "netns", s->netns) || !add_str(o, "cacheDir", s->cache_dir) ||
	    !add_str(o, "cniPath", s->cni_path) || !add_str(o, "etcDir", s->etc_dir) ||
	    !cJSON_AddBoolToObject(o, "cgroupParentOwned", s->cgroup_parent_owned) ||
	    !(cgs = cJSON_AddArrayToObject(o, "cgroups")) ||
	    !cJSON_AddNumberToObject(o, "attached", s->attached) ||
	    !cJSON_AddNumberToObject(o, "created", (double)s->created) ||
	    !(args = cJSON_AddArrayToObject(o, "cniArgs")) ||
	    !(nets = cJSON_AddArrayToObject(o, "networks")))
		goto oom;
	for (size_t i = 0; s->cgroups && s->cgroups[i]; i++)
		if (!cJSON_AddItemToArray(cgs, cJSON_CreateString(s->cgroups[i])))
			goto oom;
	for (size_t i = 0; i < s->args.n; i++) {
		const char *kv[2] = {s->args.items[i].key, s->args.items[i].value};
		if (!cJSON_AddItemToArray(args, cJSON_CreateStringArray(kv, 2)))
			goto oom;
	}
	if (s->cap_args && !cJSON_AddItemToObject(o, "capabilityArgs", json_dup(s->cap_args)))
		goto oom;
	for (size_t i = 0; i < s->n_nets; i++) {
		cJSON *n = cJSON_CreateObject();
		if (!n || !cJSON_AddItemToArray(nets, n) || !add_str(n, "name", s->nets[i].name) ||
		    !add_str(n, "ifname", s->nets[i].ifname) ||
		    !add_str(n, "config", s->nets[i].config))
			goto oom;
	}
	if (!(text = json_print(o, true)) || asprintf(&path, "%s/%s.json", dir, s->id) < 0 ||
	    asprintf(&tmp, "%s/.%s.json.tmp", dir, s->id) < 0)
		goto oom;
	if ((r = fs_mkdir_p(dir, 0700)) < 0)
		return cni_error_set(err, CNI_ERR_IO, -r, NULL, "create state dir %s", dir);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		return cni_error_set(err, CNI_ERR_IO, errno, NULL, "write state file %s", tmp);
	size_t len = strlen(text), off = 0;
	while (off < len) {
		ssize_t k = write(fd, text + off, len - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r = cni_error_set(err, CNI_ERR_IO, errno, NULL, "write state file %s", tmp);
			close(fd);
			unlink(tmp);
			return r;
		}
		off += (size_t)k;
	}
	/* The record must survive the launcher's death, not the machine's: no fsync. */
	close(fd);
	if (rename(tmp, path) < 0) {
		r = cni_error_set(err, CNI_ERR_IO, errno, NULL, "rename state file to %s", path);
		unlink(tmp);
		return r;
	}
	return 0;
oom:
	return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
}

static char *get_str(const cJSON *o, const char *key)
{
	const cJSON *v = json_field(o, key);
	return cJSON_IsString(v) ? strdup(v->valuestring) : NULL;
}

static double get_num(const cJSON *o, const char *key)
{
	const cJSON *v = json_field(o, key);
	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* "cgroups": [dirs]; records written before it existed have one v2 "cgroup". */
static int read_cgroups(const cJSON *o, struct state *s)
{
	const cJSON *arr = json_field(o, "cgroups"), *old = json_field(o, "cgroup"), *it;
	size_t n = 0;

	if (!cJSON_IsArray(arr) && !cJSON_IsString(old))
		return 0;
	if (!(s->cgroups = calloc((size_t)cJSON_GetArraySize(arr) + 2, sizeof(char *))))
		return -ENOMEM;
	if (cJSON_IsString(old) && !(s->cgroups[n++] = strdup(old->valuestring)))
		return -ENOMEM;
	cJSON_ArrayForEach(it, arr) {
		if (cJSON_IsString(it) && !(s->cgroups[n++] = strdup(it->valuestring)))
			return -ENOMEM;
	}
	return 0;
}

int state_read(const char *dir, const char *id, struct state **ret, struct cni_error *err)
{
	_cleanup_(state_freep) struct state *s = NULL;
	_cleanup_(cJSON_Deletep) cJSON *o = NULL;
	_cleanup_free_ char *path = NULL, *buf = NULL;
	_cleanup_close_ int fd = -EBADF;
	const cJSON *nets, *args, *it;
	size_t len;
	int r;

	if (strchr(id, '/') || id[0] == '.')
		return cni_error_set(err, CNI_ERR_UNKNOWN_CTR, ENOENT, NULL,
				     "no such container \"%s\"", id);
	if (asprintf(&path, "%s/%s.json", dir, id) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return cni_error_set(err, CNI_ERR_UNKNOWN_CTR, ENOENT, NULL,
					     "no such container \"%s\" in %s", id, dir);
		return cni_error_set(err, CNI_ERR_IO, errno, NULL, "open %s", path);
	}
	if ((r = cni_read_all(fd, JSON_MAX_INPUT, &buf, &len, err)) < 0 ||
	    (r = json_parse(buf, len, path, &o, err)) < 0)
		return r;
	if (!(s = calloc(1, sizeof(*s))))
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	s->id = get_str(o, "id");
	s->name = get_str(o, "name");
	s->status = get_str(o, "status");
	s->owner_pid = (pid_t)get_num(o, "ownerPid");
	s->owner_start = (unsigned long long)get_num(o, "ownerStart");
	s->init_pid = (pid_t)get_num(o, "initPid");
	s->init_start = (unsigned long long)get_num(o, "initStart");
	s->netns = get_str(o, "netns");
	s->cache_dir = get_str(o, "cacheDir");
	s->cni_path = get_str(o, "cniPath");
	s->etc_dir = get_str(o, "etcDir");
	s->cgroup_parent_owned = cJSON_IsTrue(json_field(o, "cgroupParentOwned"));
	if ((r = read_cgroups(o, s)) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, -r, NULL, "out of memory");
	s->attached = (int)get_num(o, "attached");
	s->created = (long)get_num(o, "created");
	if (!s->id || !s->cache_dir || !s->cni_path)
		return cni_error_set(err, CNI_ERR_DECODE, EINVAL, NULL,
				     "state file %s is incomplete", path);
	args = json_field(o, "cniArgs");
	if (cJSON_GetArraySize(args) > 0 &&
	    !(s->args.items = calloc((size_t)cJSON_GetArraySize(args), sizeof(*s->args.items))))
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	cJSON_ArrayForEach(it, args) {
		const cJSON *k = cJSON_GetArrayItem(it, 0), *v = cJSON_GetArrayItem(it, 1);
		if (!cJSON_IsString(k) || !cJSON_IsString(v))
			continue;
		s->args.items[s->args.n].key = strdup(k->valuestring);
		s->args.items[s->args.n++].value = strdup(v->valuestring);
	}
	it = json_field(o, "capabilityArgs");
	if (cJSON_IsObject(it) && !(s->cap_args = json_dup(it)))
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	nets = json_field(o, "networks");
	if (cJSON_GetArraySize(nets) > 0 &&
	    !(s->nets = calloc((size_t)cJSON_GetArraySize(nets), sizeof(*s->nets))))
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	cJSON_ArrayForEach(it, nets) {
		struct state_net *n = &s->nets[s->n_nets++];
		n->name = get_str(it, "name");
		n->ifname = get_str(it, "ifname");
		n->config = get_str(it, "config");
		if (!n->name || !n->ifname || !n->config)
			return cni_error_set(err, CNI_ERR_DECODE, EINVAL, NULL,
					     "state file %s: incomplete network entry", path);
	}
	*ret = TAKE_PTR(s);
	return 0;
}

int state_remove(const char *dir, const char *id)
{
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "%s/%s.json", dir, id) < 0)
		return -ENOMEM;
	if (unlink(path) < 0 && errno != ENOENT)
		return negative_errno();
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int state_list_ids(const char *dir, char ***ret, struct cni_error *err)
{
	char **ids = calloc(1, sizeof(*ids));
	size_t n = 0;
	struct dirent *de;
	DIR *d;

	if (!ids)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	if (!(d = opendir(dir))) {
		if (errno == ENOENT) {
			*ret = ids;
			return 0;
		}
		free(ids);
		return cni_error_set(err, CNI_ERR_IO, errno, NULL, "read state dir %s", dir);
	}
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (de->d_name[0] == '.' || l <= 5 || strcmp(de->d_name + l - 5, ".json") != 0)
			continue;
		char **nids = realloc(ids, (n + 2) * sizeof(*ids));
		if (!nids || !(nids[n] = strndup(de->d_name, l - 5))) {
			closedir(d);
			conf_names_free(nids ? nids : ids);
			return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
		}
		ids = nids;
		ids[++n] = NULL;
	}
	closedir(d);
	qsort(ids, n, sizeof(*ids), cmp_str);
	*ret = ids;
	return 0;
}

/* Fields 3 (state) and 22 (start time) of /proc/PID/stat. */
static int proc_stat(pid_t pid, char *ret_state, unsigned long long *ret_start)
{
	char path[64], buf[1024];
	_cleanup_close_ int fd = -EBADF;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (pid <= 0 || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -ESRCH;
	if ((n = read(fd, buf, sizeof(buf) - 1)) <= 0)
		return -ESRCH;
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: fields start after the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2])
		return -EINVAL;
	*ret_state = p[2];
	p++;
	for (int field = 3; field < 22; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -EINVAL;
	}
	*ret_start = strtoull(p + 1, NULL, 10);
	return 0;
}

int proc_start_time(pid_t pid, unsigned long long *ret)
{
	char state;
	return proc_stat(pid, &state, ret);
}

/* The same process, still running: a zombie (killed, not yet reaped) is gone for us. */
bool state_pid_alive(pid_t pid, unsigned long long start)
{
	unsigned long long now;
	char state;
	if (pid <= 0 || proc_stat(pid, &state, &now) < 0)
		return false;
	return now == start && state != 'Z' && state != 'X';
}

bool state_owner_alive(const struct state *s)
{
	return state_pid_alive(s->owner_pid, s->owner_start);
}

bool state_init_alive(const struct state *s)
{
	return state_pid_alive(s->init_pid, s->init_start);
}

int state_lock(const char *dir, bool exclusive, int *ret_fd, struct cni_error *err)
{
	_cleanup_free_ char *path = NULL;
	int fd, r;

	if ((r = fs_mkdir_p(dir, 0700)) < 0)
		return cni_error_set(err, CNI_ERR_IO, -r, NULL, "create state dir %s", dir);
	if (asprintf(&path, "%s/lock", dir) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return cni_error_set(err, CNI_ERR_IO, errno, NULL, "open lock %s", path);
	while (flock(fd, exclusive ? LOCK_EX : LOCK_SH) < 0) {
		if (errno == EINTR)
			continue;
		r = cni_error_set(err, CNI_ERR_IO, errno, NULL, "lock %s", path);
		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}
