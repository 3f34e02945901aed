#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh [RUNG...]: run the test ladder (tests/rungs/NN-name.sh, in order, or
# only the named rungs) and print one summary line `N passed, N failed[, N
# skipped]`.  A rung prints one line per check: `PASS name`, `FAIL name: why`
# or `SKIP name: why`; anything else it prints is detail.  A rung that exits
# non-zero without reporting a failure counts as one failure.  Everything goes
# to out/logs/check.log as well.  Exit status: 0 when nothing failed, else 1.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$TOP/out}
export OUT LIS_TOP=$TOP
mkdir -p "$OUT/logs"
LOG=$OUT/logs/check.log
: > "$LOG"

rungs=()
if [ $# -gt 0 ]; then
	for r in "$@"; do
		found=
		for f in "$TOP"/tests/rungs/[0-9]*-"$r".sh; do
			# the whole name after NN-: "kabi" is not "fuzz-kabi"
			b=${f##*/}
			[ -e "$f" ] && [ "${b#*-}" = "$r.sh" ] && found=$f
		done
		[ -n "$found" ] || { echo "check: no rung named $r" >&2; exit 1; }
		rungs+=("$found")
	done
else
	for f in "$TOP"/tests/rungs/[0-9]*.sh; do rungs+=("$f"); done
fi

pass=0 fail=0 skip=0
for r in "${rungs[@]}"; do
	name=${r##*/}; name=${name%.sh}; name=${name#*-}
	echo "=== rung $name" | tee -a "$LOG"
	res=$OUT/logs/rung-$name.out
	rc=0
	bash "$r" 2>&1 | tee "$res" | tee -a "$LOG" || rc=$?
	p=$(grep -c '^PASS ' "$res" || true)
	f=$(grep -c '^FAIL ' "$res" || true)
	s=$(grep -c '^SKIP ' "$res" || true)
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL rung-$name: exited with status $rc" | tee -a "$LOG"
		f=1
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
done

summary="$pass passed, $fail failed"
[ "$skip" -gt 0 ] && summary="$summary, $skip skipped"
echo "$summary" | tee -a "$LOG"
[ "$fail" -eq 0 ]
