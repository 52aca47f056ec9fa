# Sourced by the sandboxing scripts (test/integration/sandbox.sh, tools/demo.sh, bench/run.sh)
# and called inside their private mount namespace (unshare --mount --propagation private):
# cni_fresh_node makes that namespace look like a node nobody prepared. /etc/cni, /var/lib/cni
# and /opt/cni do not exist, /run is an empty tmpfs; whatever the sandbox then writes under
# /etc, /var/lib or /opt stays in the namespace. Nothing is created on the host.
#
# How: each of /etc, /var/lib, /opt gets an overlay whose lower layer is the host directory
# and whose upper layer is a private tmpfs holding a whiteout "cni" (also where the host has
# none: one may appear there meanwhile, and the lower layer is live). The
# host's mounts below them (a container's /etc/resolv.conf, /var/lib/docker/...) are bound
# again on top of the overlay, so they stay what they are. Where overlayfs is refused, each
# directory becomes a tmpfs with every entry but "cni" bound back into it: the same view, about
# 5 times slower. It runs once per integration test: it uses shell builtins where it can.
CNI_FRESH_PARENTS=(/etc /var/lib /opt)

# mount(8) without /run/mount/utab: the new /run stays empty.
cni_fresh_mount() {
	mount -n "$@"
}

# cni_fresh_submounts PARENT : into the array cni_fresh_sub, the mount points strictly below
# PARENT that are not below another one (an rbind of those carries the rest), relative to
# PARENT, each once (mounts may be stacked); none under PARENT/cni. /proc/self/mountinfo
# escapes blanks and backslashes as \ooo.
cni_fresh_submounts() {
	local parent=$1 m s keep
	local -a all=()
	cni_fresh_sub=()
	while read -r _ _ _ _ m _; do
		[[ $m == *\\* ]] && printf -v m '%b' "$m"
		case $m in "$parent"/cni | "$parent"/cni/*) ;; "$parent"/*) all+=("${m#"$parent"/}") ;; esac
	done </proc/self/mountinfo
	for m in "${all[@]}"; do
		keep=1
		for s in "${all[@]}"; do
			[[ $m == "$s"/* ]] && keep=0 && break
		done
		for s in "${cni_fresh_sub[@]}"; do
			[ "$m" = "$s" ] && keep=0 && break
		done
		[ $keep = 1 ] && cni_fresh_sub+=("$m")
	done
	return 0
}

# cni_fresh_overlay PARENT STAGE : the overlay for PARENT, its layers in STAGE/{lower,upper,work}
# (made by the caller, upper with PARENT's mode). 2 when overlayfs refuses.
cni_fresh_overlay() {
	local p=$1 s=$2 m
	mknod "$s/upper/cni" c 0 0 || return 1
	cni_fresh_mount -t overlay overlay \
		-o "lowerdir=$s/lower,upperdir=$s/upper,workdir=$s/work" "$p" 2>/dev/null || return 2
	cni_fresh_submounts "$s/lower"
	for m in "${cni_fresh_sub[@]}"; do
		cni_fresh_mount --rbind "$s/lower/$m" "$p/$m" || return 1
	done
}

# cni_fresh_binds PARENT STAGE MODE : the fallback: a tmpfs over PARENT, every entry of the
# host's PARENT but cni bound back (rbind: with what is mounted below it), symlinks copied.
cni_fresh_binds() {
	local p=$1 s=$2 e b
	cni_fresh_mount -t tmpfs -o mode="$3" tmpfs "$p" || return 1
	for e in "$s/lower"/* "$s/lower"/.[!.]* "$s/lower"/..?*; do
		[ -e "$e" ] || [ -L "$e" ] || continue
		b=${e##*/}
		[ "$b" = cni ] && continue
		if [ -L "$e" ]; then
			ln -s "$(readlink "$e")" "$p/$b"
		elif [ -d "$e" ]; then
			mkdir "$p/$b" && cni_fresh_mount --rbind "$e" "$p/$b"
		else
			: >"$p/$b" && cni_fresh_mount --bind "$e" "$p/$b"
		fi || return 1
	done
}

# cni_fresh_node : only inside a private mount namespace. Fails (non-zero, a message on stderr)
# when the view cannot be built; CNI_FRESH_NODE_BINDS=1 forces the fallback.
cni_fresh_node() {
	local stage=/run/.cni-fresh-node p i r
	local -a modes dirs=()
	for p in "${CNI_FRESH_PARENTS[@]}"; do
		[ -d "$p" ] || { echo "cni_fresh_node: no $p on this host" >&2; return 1; }
		dirs+=("$stage$p/lower" "$stage$p/upper" "$stage$p/work")
	done
	mapfile -t modes < <(stat -c %a "${CNI_FRESH_PARENTS[@]}")
	cni_fresh_mount -t tmpfs -o mode=0755 tmpfs /run && mkdir "$stage" &&
		cni_fresh_mount -t tmpfs -o mode=0700 tmpfs "$stage" &&
		(umask 022 && mkdir -p "${dirs[@]}") || {
		echo "cni_fresh_node: cannot set up a private tmpfs on /run" >&2
		return 1
	}
	for i in "${!CNI_FRESH_PARENTS[@]}"; do
		p=${CNI_FRESH_PARENTS[$i]}
		[ "${modes[$i]}" = 755 ] || chmod "${modes[$i]}" "$stage$p/upper" || return 1
		cni_fresh_mount --rbind "$p" "$stage$p/lower" || return 1
		r=2
		[ -n "${CNI_FRESH_NODE_BINDS:-}" ] || { cni_fresh_overlay "$p" "$stage$p"; r=$?; }
		[ $r = 2 ] && { cni_fresh_binds "$p" "$stage$p" "${modes[$i]}"; r=$?; }
		[ $r = 0 ] || { echo "cni_fresh_node: cannot hide $p/cni" >&2; return 1; }
	done
	# The overlays hold on to their layers; the stage goes, and /run is left empty.
	umount -n -l "$stage" && rmdir "$stage"
}
