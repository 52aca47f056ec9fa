#!/bin/bash
# bridge-rollback.t once more with host-local executed: the path of every IPAM plugin that is not
# the host-local built with the bridge. A wrapper script in CNI_PATH forces the exec, so the IPAM
# call runs beside the kernel work, and a failed ADD must still collect and release it.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/bridge-common.sh"
IPAM_PATH=$T/exec-ipam
exec_wrapper "$IPAM_PATH"
export IPAM_PATH
exec bash "$here/bridge-rollback.t"
