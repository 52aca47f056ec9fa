/* bridge: placeholder entry until the allocator lands; answers VERSION honestly. */
#include "cni_skel.h"

static int not_yet(const struct cni_request *req, struct cni_error *err)
{
	(void)req;
	return cni_error_set(err, CNI_ERR_INTERNAL, ENOSYS, NULL, "bridge: not implemented yet");
}

static int add(const struct cni_request *req, struct cni_result **ret, struct cni_error *err)
{
	(void)ret;
	return not_yet(req, err);
}

int main(void)
{
	static const struct cni_plugin plugin = {
		.about = "bridge plugin (C)",
		.cmd_add = add, .cmd_del = not_yet, .cmd_check = not_yet,
	};
	return cni_main(&plugin);
}
