#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Rung: hostsim, the simulated Hyper-V host.  Builds the library and its
# self-test with ASan+UBSan, then runs the self-test: a minimal raw guest that checks every flow of the
# simulated hypervisor and VMBus server; then the device-model self-test
# (hostsim-models: storvsp, netvsp, ... against raw guests of their own).  Both
# print their own `PASS hostsim:...` / `FAIL hostsim:...` lines.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
cd "$TOP"

B=$OUT/hostsim
log=$OUT/logs/hostsim-build.log
mkdir -p "$OUT/logs"
if make -s -C hostsim -j"$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)" selftest-asan models-asan >"$log" 2>&1; then
	pass hostsim:build
else
	sed 's/^/    /' "$log" | tail -n 20
	fail hostsim:build "make -C hostsim failed (see $log)"
	exit 0
fi

# the build leaves nothing in the source tree
stray=$(git status --porcelain --ignored -- hostsim tests/hostsim | grep -E '\.(o|a|d)$|selftest$' || true)
if [ -z "$stray" ]; then
	pass hostsim:no_build_output_in_tree
else
	fail hostsim:no_build_output_in_tree "$stray"
fi

# ASan/UBSan findings abort the program; the exit status tells
out=$B/selftest-asan.out
rc=0
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	timeout 90 "$B/asan/hostsim-selftest" >"$out" 2>&1 || rc=$?
grep -E '^(PASS|FAIL|SKIP) ' "$out" || true
if [ "$rc" -eq 0 ]; then
	pass hostsim:selftest_asan_ubsan_clean
else
	grep -vE '^(PASS|FAIL|SKIP) ' "$out" | sed 's/^/    /' | tail -n 30
	fail hostsim:selftest_asan_ubsan_clean "self-test exited with status $rc"
fi

# the device models (storvsp, netvsp) against their own raw guests
out=$B/models-asan.out
rc=0
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	timeout 90 "$B/asan/hostsim-models" >"$out" 2>&1 || rc=$?
grep -E '^(PASS|FAIL|SKIP) ' "$out" || true
if [ "$rc" -eq 0 ]; then
	pass hostsim:models_asan_ubsan_clean
else
	grep -vE '^(PASS|FAIL|SKIP) ' "$out" | sed 's/^/    /' | tail -n 30
	fail hostsim:models_asan_ubsan_clean "model self-test exited with status $rc"
fi
