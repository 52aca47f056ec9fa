# Sourced by the sandboxing scripts (test/run.sh, test/integration/sandbox.sh, tools/demo.sh,
# bench/run.sh). Each sandbox mounts a private tmpfs over the CNI directories, and a mount point
# must exist on the host file system. The ones missing on this host are created for the run
# and removed afterwards; they stay empty, since everything lands in the tmpfs over them.
#
# Removing a directory detaches the mounts other namespaces have on it, so it may only happen
# when no other run is using it: every run holds a shared lock from before it creates the
# directories until it ends, and only a run that gets the lock exclusively (without waiting)
# at its end removes them: the last one. What was created is listed in a file beside the lock,
# so the last run removes what an earlier one created, and never a directory the host had.
CNI_SANDBOX_DIRS=(/etc/cni /var/lib/cni /opt/cni)
CNI_SANDBOX_LOCK=/run/lock/cni-c-sandbox.lock
CNI_SANDBOX_CREATED=/run/lock/cni-c-sandbox.created
cni_dirs_lock_fd=

# Also makes sure cni_dirs_remove runs however the caller ends (exit, SIGTERM from a timeout,
# Ctrl-C): it owns the caller's EXIT, TERM and INT traps.
cni_dirs_create() {
	local d
	trap cni_dirs_remove EXIT
	trap 'exit 143' TERM INT
	mkdir -p "${CNI_SANDBOX_LOCK%/*}"
	exec {cni_dirs_lock_fd}>>"$CNI_SANDBOX_LOCK"
	flock -s "$cni_dirs_lock_fd"
	for d in "${CNI_SANDBOX_DIRS[@]}"; do
		[ -d "$d" ] || { mkdir -p "$d" && echo "$d" >>"$CNI_SANDBOX_CREATED"; }
	done
}

# rmdir only: a directory someone filled meanwhile is not ours to delete.
cni_dirs_remove() {
	local d
	[ -n "$cni_dirs_lock_fd" ] || return 0
	if flock -x -n "$cni_dirs_lock_fd" && [ -f "$CNI_SANDBOX_CREATED" ]; then
		while read -r d; do
			rmdir "$d" 2>/dev/null
		done <"$CNI_SANDBOX_CREATED"
		rm -f "$CNI_SANDBOX_CREATED"
	fi
	exec {cni_dirs_lock_fd}>&-
	cni_dirs_lock_fd=
}
