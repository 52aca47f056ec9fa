#!/bin/bash
# The manual pages (man/, shipped by make deb): each renders with `man -l` without a single
# warning (the way lintian renders them), cnictl.1 documents every verb and option that
# `cnictl --help` and each `cnictl VERB --help` list and every environment variable the launcher
# reads, and cni-c-plugins.8 every configuration key that plugins/bridge/conf.c and
# plugins/ipam/config.c read and every CNI_* variable the skeleton reads. "Documented" means: in
# the tag line of an indented paragraph (.TP), as roff writes it (\- for -, font escapes).
. "$(dirname "$0")/lib.sh"

V=$(cat "$ROOT/VERSION")

if ! command -v man >/dev/null; then
	skip "manual pages render" "man-db is not installed (tools/deps.sh installs it)"
	done_testing
	exit
fi

# render PAGE: as the package ships it (make deb: @VERSION@ replaced); warnings in $T/warn
render() {
	local page=$1 out
	out=$T/$(basename "$1")
	sed "s/@VERSION@/$V/g" "$page" >"$out"
	LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$out" \
		>/dev/null 2>"$T/warn"
	echo $?
}
# tags PAGE: the tag lines of its .TP paragraphs, with \- as - and no font escapes
tags() {
	sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\(aq/'"'"'/g' "$1" |
		awk 'prev == ".TP" { print } { prev = $0 }'
}
# documented PAGE WORD: WORD is a whole word (not part of a longer option) of a tag line
documented() {
	tags "$1" | grep -qE -- "(^|[^a-zA-Z0-9_-])$2([^a-zA-Z0-9_-]|\$)"
}

for page in "$ROOT"/man/cnictl.1 "$ROOT"/man/cni-c-plugins.8; do
	name=$(basename "$page")
	is "$name: man -l renders it (exit status)" "$(render "$page")" 0
	is "$name: ... without a warning" "$(cat "$T/warn")" ""
	out=$(MANWIDTH=80 man -l -P cat "$T/$name" 2>/dev/null)
	like "$name: rendered with NAME, DESCRIPTION, FILES, SEE ALSO" \
		"$(echo "$out" | grep -E '^[A-Z]' | tr '\n' ' ')" \
		'NAME .*DESCRIPTION .*FILES .*SEE ALSO'
	like "$name: footer carries the version" "$(echo "$out" | tail -1)" "cni-c $V"
done

# --- cnictl.1: verbs and options of every --help text -------------------------------------
page=$ROOT/man/cnictl.1
usage=$("$BIN/cnictl" --help)
verbs=$(echo "$usage" | sed -n 's/^  \([a-z][a-z|]*\) .*/\1/p' | tr '|' '\n' | sort -u)
is "cnictl --help lists verbs" "$(echo "$verbs" | wc -w | awk '$1 >= 8 { print "yes" }')" yes
help=$usage
for v in $verbs ls; do
	documented "$page" "$v" || not_ok "cnictl.1 documents the verb $v"
	help+=$'\n'$("$BIN/cnictl" "$v" --help 2>&1)
done
opts=$(echo "$help" | grep -oE -- '(^|[^a-zA-Z0-9_-])--?[a-zA-Z][a-zA-Z0-9-]*' |
	sed 's/^[^-]*//' | sort -u)
missing=""
for o in $opts; do
	documented "$page" "$o" || missing+=" $o"
done
is "cnictl.1 documents every option of the --help texts ($(echo "$opts" | wc -w))" \
	"$missing" ""
envs=$(grep -ohE '(getenv|env_or)\("[A-Z_]+"' "$ROOT"/launcher/*.c | grep -oE '[A-Z_]{3,}' |
	sort -u)
missing=""
for e in $envs; do
	documented "$page" "$e" || missing+=" $e"
done
is "cnictl.1 documents every environment variable the launcher reads ($(echo "$envs" |
	wc -w))" "$missing" ""
for code in 0 1 2 125 126 127 128+; do
	documented "$page" "$code" || not_ok "cnictl.1 documents exit status $code"
done

# --- cni-c-plugins.8: the keys the parsers read -------------------------------------------
page=$ROOT/man/cni-c-plugins.8
# The string literals among the arguments of the getters: json_get_*(obj, where, "key", ...),
# the local wrappers get_bool(cfg, "key", ...) and parse_addr_key(obj, where, "key", ...), and
# direct cJSON lookups. Calls may span lines.
keys=$(python3 - "$ROOT"/plugins/bridge/conf.c "$ROOT"/plugins/ipam/config.c <<'EOF'
import re, sys
keys = set()
for path in sys.argv[1:]:
    src = open(path).read()
    for m in re.finditer(r'\b(json_get_\w+|get_bool|parse_addr_key|cJSON_GetObjectItemCaseSensitive)\s*\(', src):
        depth, i = 1, m.end()
        while depth and i < len(src):
            depth += {'(': 1, ')': -1}.get(src[i], 0)
            i += 1
        keys.update(re.findall(r'"([A-Za-z][A-Za-z0-9]*)"', src[m.end():i]))
print("\n".join(sorted(keys)))
EOF
)
like "the parsers read keys" "$(echo "$keys" | wc -l)" '^[2-9][0-9]$'
missing=""
for k in $keys; do
	documented "$page" "$k" || missing+=" $k"
done
is "cni-c-plugins.8 documents every key the parsers read ($(echo "$keys" | wc -w))" "$missing" ""
envs=$(grep -ohE 'cni_env_get\([a-z_>.-]+, "[A-Z_]+"' "$ROOT"/lib/*.c | grep -oE 'CNI_[A-Z_]+' |
	sort -u)
missing=""
for e in $envs; do
	documented "$page" "$e" || missing+=" $e"
done
is "cni-c-plugins.8 documents every CNI_* variable the skeleton reads ($(echo "$envs" |
	wc -w))" "$missing" ""
for code in 1 2 3 4 5 6 7 11 50 999; do
	documented "$page" "$code" || not_ok "cni-c-plugins.8 documents error code $code"
done
done_testing
