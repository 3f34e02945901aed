# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for rung scripts (sourced): report one result line per check.
TOP=${LIS_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
OUT=${OUT:-$TOP/out}

pass() { printf 'PASS %s\n' "$1"; }
fail() { printf 'FAIL %s: %s\n' "$1" "${2:-failed}"; }
skip() { printf 'SKIP %s: %s\n' "$1" "$2"; }

# check NAME CMD...: PASS when CMD succeeds, else FAIL with the last line it printed
check() {
	local name=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" -eq 0 ]; then
		pass "$name"
	else
		printf '%s\n' "$out" | sed 's/^/    /' | tail -n 15
		fail "$name" "exit $rc"
	fi
}

# shell_files: every tracked or new shell file of the project
shell_files() {
	(cd "$TOP" && git ls-files --cached --others --exclude-standard) | while read -r f; do
		[ -f "$TOP/$f" ] || continue
		case $f in
		*.sh|*.bash) echo "$f"; continue ;;
		*.c|*.h|*.md|*.txt|*.conf|*.list|Kbuild|*.kbuild|Makefile|*.mk) continue ;;
		esac
		head -c 64 "$TOP/$f" 2>/dev/null | grep -qE '^#!.*\b(ba)?sh\b' && echo "$f"
	done
	return 0
}
