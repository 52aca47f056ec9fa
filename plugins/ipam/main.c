/* host-local: the CNI host-local IPAM plugin (drop-in for containernetworking/plugins'). The
 * verbs are in verbs.c, so the bridge can also run them in-process (invoke.h). */
#include "hostlocal.h"

int main(void)
{
	return cni_main(&hostlocal_plugin);
}
