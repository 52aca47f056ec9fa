/* bridge: the CNI bridge main plugin (drop-in for containernetworking/plugins' bridge). */
#include "bridge.h"
#include "builtin_ipam.h"
#include "cni_c_version.h"

int main(void)
{
	static const struct cni_plugin plugin = {
		.about = "CNI bridge plugin v" CNI_C_VERSION " (cni-c, the C implementation)",
		.cmd_add = br_cmd_add,
		.cmd_del = br_cmd_del,
		.cmd_check = br_cmd_check,
		.cmd_status = br_cmd_status,
		.cmd_gc = br_cmd_gc,
	};
	/* The host-local built with this bridge runs in-process: no fork and exec per ADD. */
	invoke_set_builtins(&hostlocal_builtin, 1);
	return cni_main(&plugin);
}
