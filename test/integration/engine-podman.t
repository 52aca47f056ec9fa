#!/bin/bash
# A real container engine on our plugins: test/engines/podman.sh (it says what it checks; the
# same checks run against any plugin directory with test/engines/run.sh DIR).
exec bash "$(dirname "$0")/../engines/podman.sh"
