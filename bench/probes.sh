#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel-compat probe phase for one kernel tree (KDIR, default the first
# found): cold (no cache), cached (second run), and, as the baseline measured
# in the same run, the one-object-per-probe way (--singles).  Targets on two
# cores: cold < 15 s, cached < 1 s.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$TOP/out}
trees=$("$TOP/scripts/kernel-trees.sh")
KDIR=${KDIR:-${trees%%$'\n'*}}
[ -n "$KDIR" ] || { echo "bench probes: no kernel tree" >&2; exit 1; }
B=$OUT/bench/probes
rm -rf "$B"
nprobes=$(( $(find "$TOP/kernel-compat/probes" -name '*.c' | wc -l) + $(grep -cE '^HAVE_' "$TOP/kernel-compat/probes/headers.list") ))

t() { local s=$EPOCHREALTIME; "$@" >/dev/null 2>&1 || true; echo "$EPOCHREALTIME - $s" | bc; }
cold=$(t "$TOP/kernel-compat/run-probes" --kdir "$KDIR" --out "$B/grouped")
cached=$(t "$TOP/kernel-compat/run-probes" --kdir "$KDIR" --out "$B/grouped")
singles=$(t "$TOP/kernel-compat/run-probes" --kdir "$KDIR" --out "$B/singles" --singles)

printf 'probes: %d probes, kernel %s, %s CPUs\n' "$nprobes" "$(basename "$(dirname "$KDIR")")" "$(nproc)"
printf '  cold (grouped)        %6.2f s   target < 15 s\n' "$cold"
printf '  cached                %6.2f s   target < 1 s\n' "$cached"
printf '  baseline: one object per probe  %6.2f s\n' "$singles"
printf '  speed-up of the grouped cold run over the baseline: %.1fx\n' "$(echo "$singles / $cold" | bc -l)"
