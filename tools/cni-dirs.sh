# Sourced by the sandboxing scripts (test/run.sh, test/integration/sandbox.sh, tools/demo.sh,
# bench/run.sh). Each sandbox mounts a private tmpfs over the CNI directories, and a mount point
# must exist on the host file system. The ones missing on this host are created for the run
# only and removed afterwards; they stay empty, since everything lands in the tmpfs over them.
CNI_SANDBOX_DIRS=(/etc/cni /var/lib/cni /opt/cni)
cni_dirs_created=()

cni_dirs_create() {
	local d
	for d in "${CNI_SANDBOX_DIRS[@]}"; do
		[ -d "$d" ] || { mkdir -p "$d" && cni_dirs_created+=("$d"); }
	done
}

# rmdir only: a directory someone filled meanwhile is not ours to delete.
cni_dirs_remove() {
	local d
	for d in "${cni_dirs_created[@]}"; do
		rmdir "$d" 2>/dev/null
	done
	cni_dirs_created=()
}
