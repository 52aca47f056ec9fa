#!/bin/bash
# make lint: static checks that need no build.
#  1. cppcheck (warning, portability, performance) on all C code. Suppressed: memleak and
#     resourceLeak (cppcheck does not model __attribute__((cleanup)); ASan/valgrind cover leaks)
#     and ctunullpointer (it takes sizeof(err->msg) for a dereference).
#  2. shellcheck (severity warning) on every shell script and integration test. Excluded:
#     SC2034 (variables set by sourced helpers for the test body), SC2010 (ls | grep on lease
#     directories whose names we create), SC2164 (cd to the script's own directory),
#     SC3013 (-nt in sh: dash and busybox have it).
#  3. Plugins and lib write to stdout only through cni_error_print(), cni_result_print() and the
#     VERSION answer in lib/cni_skel.c: stdout is the CNI protocol channel.
set -u
cd "$(dirname "$0")/../.." || exit 2
status=0

echo "lint: cppcheck"
c_dirs=(lib plugins launcher test/fuzz test/unit)
[ -d bench ] && c_dirs+=(bench)
if ! cppcheck -q --std=c11 --enable=warning,portability,performance --inline-suppr \
	-Iinclude -D_GNU_SOURCE --suppress=memleak --suppress=resourceLeak \
	--suppress=ctunullpointer --suppress=missingIncludeSystem --error-exitcode=1 \
	"${c_dirs[@]}"; then
	status=1
fi

echo "lint: shellcheck"
# Scripts with a shebang are checked for their own shell; sourced helpers (no shebang) as bash.
with_shebang=() sourced=()
while read -r f; do
	[ -f "$f" ] || continue
	case $f in *.c | *.h | *.go | *.py | *.md | *.mk | *.json | *.conf*) continue ;; esac
	if head -1 "$f" | grep -qE '^#!.*sh'; then
		with_shebang+=("$f")
	elif [[ $f == *.sh || $f == *.t ]]; then
		sourced+=("$f")
	fi
done < <(git ls-files '*.sh' '*.t' 'tools/*' '.ci/*' 'test/*' 'bench/*')
# SC3013: -nt/-ot are not POSIX but dash and busybox sh have them.
excl=SC2034,SC2010,SC2164,SC3013
if [ ${#with_shebang[@]} -gt 0 ] && ! shellcheck -x -S warning -e "$excl" "${with_shebang[@]}"; then
	status=1
fi
if [ ${#sourced[@]} -gt 0 ] && ! shellcheck -x -s bash -S warning -e "$excl" "${sourced[@]}"; then
	status=1
fi

echo "lint: stdout writers in lib/ and plugins/"
# Anything that can write to fd 1, outside the allowed places: cni_main hands stdout to the
# skeleton, whose output goes through cni_error_print/cni_result_print (and VERSION).
pat='(^|[^a-zA-Z_])(printf|vprintf|puts|putchar|putc_unlocked|putchar_unlocked)[[:space:]]*\(|stdout|STDOUT_FILENO|(^|[^a-zA-Z_])(write|dprintf)[[:space:]]*\([[:space:]]*1[[:space:]]*,'
mapfile -t c_files < <(find lib plugins -name '*.c' | sort)
hits=$(grep -nE "$pat" "${c_files[@]}" 2>/dev/null |
	grep -vE '^\S+:[0-9]+:\s*(/\*|\*|//)' |
	grep -vE '^lib/(cni_error|cni_result)\.c:' |
	grep -vE '^lib/cni_skel\.c:[0-9]+:.*(\.out = stdout\}|stdout early)' |
	grep -vE '^lib/invoke\.c:[0-9]+:.*adddup2\(.*STDOUT_FILENO\)')
if [ -n "$hits" ]; then
	echo "$hits"
	echo "lint: only cni_main may name stdout; cni_error_print/cni_result_print (and VERSION) write it"
	status=1
fi

[ "$status" = 0 ] && echo "lint: clean"
exit $status
