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

# ASan/UBSan findings abort the program; the exit status tells.  The
# self-test and the model checks (in SHARDS processes) run side by side: they
# mostly wait for their guests, not for a CPU.
SHARDS=4
san() {
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
		timeout 90 "$@"
}
san "$B/asan/hostsim-selftest" >"$B/selftest-asan.out" 2>&1 &
self_pid=$!
model_pids=()
for ((i = 0; i < SHARDS; i++)); do
	HOSTSIM_SHARD=$i/$SHARDS san "$B/asan/hostsim-models" >"$B/models-asan.$i.out" 2>&1 &
	model_pids+=($!)
done

# $1 check, $2 what, $3 exit status, $4... outputs
report() {
	local check=$1 what=$2 rc=$3
	shift 3
	grep -hE '^(PASS|FAIL|SKIP) ' "$@" || true
	if [ "$rc" -eq 0 ]; then
		pass "$check"
	else
		grep -hvE '^(PASS|FAIL|SKIP) ' "$@" | sed 's/^/    /' | tail -n 30
		fail "$check" "$what exited with status $rc"
	fi
}

rc=0
wait "$self_pid" || rc=$?
report hostsim:selftest_asan_ubsan_clean self-test "$rc" "$B/selftest-asan.out"

# the device models (storvsp, netvsp, ICs, input, ...) against their own raw guests
rc=0
for pid in "${model_pids[@]}"; do
	r=0
	wait "$pid" || r=$?
	[ "$r" -eq 0 ] || rc=$r
done
report hostsim:models_asan_ubsan_clean "model self-test" "$rc" "$B"/models-asan.*.out
