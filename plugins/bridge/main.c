/* bridge: the CNI bridge main plugin (drop-in for containernetworking/plugins' bridge). */
#include "bridge.h"

int main(void)
{
	static const struct cni_plugin plugin = {
		.about = "CNI bridge plugin (C implementation)",
		.cmd_add = br_cmd_add,
		.cmd_del = br_cmd_del,
		.cmd_check = br_cmd_check,
		.cmd_status = br_cmd_status,
		.cmd_gc = br_cmd_gc,
	};
	return cni_main(&plugin);
}
