/* Fuzz the whole plugin skeleton (cni_main): env + stdin -> request -> verb, with a fake plugin
 * whose verbs exercise prevResult decoding, GC attachment lists and result printing.
 * Input: byte 0 picks CNI_COMMAND, bytes up to the first '\n' are CNI_ARGS, the rest is stdin.
 * stdout goes to /dev/null. */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cni_skel.h"

#define FUZZ_NAME "skel"
#include "fuzz.h"

static int fake_add(const struct cni_request *req, struct cni_result **ret, struct cni_error *err)
{
	_cleanup_(cni_result_freep) struct cni_result *prev = NULL;
	int r = cni_request_prev_result(req, &prev, err);
	if (r < 0)
		return r;
	if (!prev) {
		struct cni_ip ip = {.interface = -1};
		if (!(prev = cni_result_new()))
			return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "oom");
		ipprefix_parse("10.0.0.2/24", &ip.address);
		if (cni_result_add_ip(prev, &ip) < 0)
			return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "oom");
	}
	if ((r = cni_result_check_encodable(prev, req->version, err)) < 0)
		return r;
	*ret = TAKE_PTR(prev);
	return 0;
}

static int fake_del(const struct cni_request *req, struct cni_error *err)
{
	static const char *const known[] = {"IP", "MAC", NULL};
	FUZZ_ASSERT(req->name && req->config);
	cni_args_get(&req->args, "IP");
	return cni_args_check_known(&req->args, known, err);
}

static int fake_check(const struct cni_request *req, struct cni_error *err)
{
	_cleanup_(cni_result_freep) struct cni_result *prev = NULL;
	return cni_request_prev_result(req, &prev, err);
}

static int fake_gc(const struct cni_request *req, struct cni_error *err)
{
	_cleanup_free_ struct cni_attachment *v = NULL;
	size_t n = 0;
	bool present;
	int r = cni_request_gc_attachments(req, &v, &n, &present, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		FUZZ_ASSERT(v[i].container_id && v[i].ifname);
	return 0;
}

static const struct cni_plugin fake = {
	.about = "fuzz",
	.cmd_add = fake_add,
	.cmd_del = fake_del,
	.cmd_check = fake_check,
	.cmd_status = fake_del,
	.cmd_gc = fake_gc,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const cmds[] = {"ADD", "DEL", "CHECK", "VERSION", "STATUS", "GC"};
	static int memfd = -1;

	if (memfd < 0) {
		int devnull = open("/dev/null", O_WRONLY);
		FUZZ_ASSERT(devnull >= 0 && dup2(devnull, STDOUT_FILENO) == STDOUT_FILENO);
		close(devnull);
		memfd = memfd_create("fuzz-stdin", 0);
		FUZZ_ASSERT(memfd >= 0);
	}
	if (size < 1)
		return 0;
	setenv("CNI_COMMAND", cmds[data[0] % 6], 1);
	setenv("CNI_CONTAINERID", "fuzzctr", 1);
	setenv("CNI_NETNS", "/var/run/netns/fuzz", 1);
	setenv("CNI_IFNAME", "eth0", 1);
	setenv("CNI_PATH", "/nonexistent", 1);
	data++, size--;
	const uint8_t *nl = memchr(data, '\n', size);
	if (nl) {
		_cleanup_free_ char *args = fuzz_strndup(data, (size_t)(nl - data));
		setenv("CNI_ARGS", args, 1);
		size -= (size_t)(nl + 1 - data);
		data = nl + 1;
	} else {
		unsetenv("CNI_ARGS");
	}
	FUZZ_ASSERT(ftruncate(memfd, 0) == 0);
	FUZZ_ASSERT(pwrite(memfd, data, size, 0) == (ssize_t)size);
	FUZZ_ASSERT(lseek(memfd, 0, SEEK_SET) == 0);
	FUZZ_ASSERT(dup2(memfd, STDIN_FILENO) == STDIN_FILENO);
	int rc = cni_main(&fake);
	FUZZ_ASSERT(rc == 0 || rc == 1);
	return 0;
}
