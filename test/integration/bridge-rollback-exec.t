#!/bin/bash
# bridge-rollback.t once more with host-local executed: the path of every IPAM plugin that is not
# the host-local built with the bridge. A wrapper script in CNI_PATH forces the exec, so the IPAM
# call runs beside the kernel work, and a failed ADD must still collect and release it.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
IPAM_PATH=$T/exec-ipam
mkdir -p "$IPAM_PATH"
printf '#!/bin/sh\nexec %s/host-local "$@"\n' "$BIN" >"$IPAM_PATH/host-local"
chmod +x "$IPAM_PATH/host-local"
export IPAM_PATH
exec bash "$here/bridge-rollback.t"
