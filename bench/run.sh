#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Run every benchmark in bench/ (bench/NAME.sh), or the named ones.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
rc=0
if [ $# -gt 0 ]; then set -- "${@/#/$HERE/}"; set -- "${@/%/.sh}"; else set -- "$HERE"/[a-z]*.sh; fi
for b in "$@"; do
	[ "${b##*/}" = run.sh ] && continue
	echo "=== bench ${b##*/}"
	bash "$b" || rc=1
done
exit "$rc"
