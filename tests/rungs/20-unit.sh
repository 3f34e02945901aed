#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Rung 2, unit: the portable cores in userspace with ASan and UBSan — ring
# buffers, wire layouts, and (with hostsim) every VMBus flow and error path.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
cd "$TOP"

if ! make -s -C tests/unit all > "$OUT/logs/unit-build.log" 2>&1; then
	sed 's/^/    /' "$OUT/logs/unit-build.log" | tail -n 30
	fail unit-build "the unit tests do not compile (see out/logs/unit-build.log)"
	exit 0
fi
pass unit-build
for t in "$OUT"/unit/test_*; do
	[ -x "$t" ] || continue
	rc=0
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		timeout 300 "$t" || rc=$?
	[ "$rc" -eq 0 ] || echo "    ${t##*/} exited with status $rc"
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
		fail "unit:${t##*/}" "crashed or timed out (status $rc)"
	fi
done
