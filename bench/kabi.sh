#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `lis-kabi plan` against the technique RHEL's weak-modules uses (a sandbox
# weak-updates/ per kernel and `depmod -n -a -e -E symvers` until no link
# is dropped: tests/kabi/weak-modules-depmod.sh), on the same generated root
# in the same run.  The root holds 5 kernels — the Debian 6.1 ABIs installed
# here (up to 3), an -rt variant of the newest with its own CRCs and a next
# errata release with the newest's CRCs — each with /boot/symvers-K.gz and
# its in-tree modules (stubs that export what the symvers lists: depmod
# reads module files, lis-kabi does not need them); our builds (out/<krel>/
# *.ko and the Kbuild test modules) are installed for the oldest and newest
# ABI.  Both must reach the same decisions.  Target: lis-kabi >= 50x faster.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$TOP/out}
export OUT LIS_TOP=$TOP LC_ALL=C
mkdir -p "$OUT/bench"
KT=$(mktemp -d "$OUT/bench/kabi.XXXXXX")
trap '[ -n "${KABI_KEEP-}" ] || rm -rf "$KT"' EXIT
# shellcheck source=tests/kabi/lib.sh
. "$TOP/tests/kabi/lib.sh"
# shellcheck source=scripts/buildlib.sh
. "$TOP/scripts/buildlib.sh"
build_tools || { echo "bench kabi: cannot build lis-kabi" >&2; exit 1; }

tree_releases() {
	local d
	while read -r d; do
		printf '%s %s\n' "$(kernel_release "$d")" "$d"
	done < <("$TOP/scripts/kernel-trees.sh")
}
mapfile -t trees < <(tree_releases | sort | awk 'NR <= 3')
[ ${#trees[@]} -ge 1 ] || { echo "bench kabi: no kernel tree (make deps installs one)" >&2; exit 1; }

R=$KT/root
for t in "${trees[@]}"; do
	read -r kr kd <<< "$t"
	add_kernel "$R" "$kr" "$kd/Module.symvers" stubs
done
read -r oldest _ <<< "${trees[0]}"
# the newest plain flavour (6.1.0-N-amd64): its -rt and next-errata variants
newest='' newest_dir='' next='' rt=''
for t in "${trees[@]}"; do
	read -r kr kd <<< "$t"
	[[ $kr =~ ^(.*)-([0-9]+)-amd64$ ]] || continue
	newest=$kr newest_dir=$kd
	next=${BASH_REMATCH[1]}-$((BASH_REMATCH[2] + 1))-amd64
	rt=${BASH_REMATCH[1]}-${BASH_REMATCH[2]}-rt-amd64
done
[ -n "$newest" ] || { echo "bench kabi: no 6.1.0-N-amd64 tree" >&2; exit 1; }
flip_crcs "$newest_dir/Module.symvers" "$KT/rt.symvers" scsi_host_alloc input_register_device
add_kernel "$R" "$rt" "$KT/rt.symvers" stubs
add_kernel "$R" "$next" "$newest_dir/Module.symvers" stubs

for kr in "$oldest" "$newest"; do
	d=$R/lib/modules/$kr/extra/lis
	mkdir -p "$d"
	for t in "${trees[@]}"; do
		read -r k kd <<< "$t"
		[ "$k" = "$kr" ] || continue
		build_testmod "$kd" "$KT/mod-$kr" >/dev/null || { echo "bench kabi: test module build failed" >&2; exit 1; }
		cp "$KT/mod-$kr"/*.ko "$d/"
	done
	for ko in "$OUT/$kr"/*.ko; do
		[ -e "$ko" ] && cp "$ko" "$d/"
	done
done
nk=$(find "$R/lib/modules" -mindepth 1 -maxdepth 1 -type d | wc -l)
nmod=$(find "$R/lib/modules/$newest/extra/lis" -name '*.ko' | wc -l)
nstub=$(find "$R/lib/modules/$newest/kernel" -name '*.ko' | wc -l)

# best N: the best wall-clock and the best CPU (user + sys, children
# included) time of N runs, in seconds: "WALL CPU"
best() {
	local n=$1 i
	shift
	: > "$KT/times"
	for ((i = 0; i < n; i++)); do
		{ TIMEFORMAT='%R %U %S'; time "$@" > "$KT/run.out" 2>/dev/null; } 2>> "$KT/times"
	done
	awk '{ w = $1; c = $2 + $3; if (NR == 1 || w < bw) bw = w; if (NR == 1 || c < bc) bc = c }
		END { printf "%.4f %.4f\n", bw, bc }' "$KT/times"
}

read -r plan_w plan_c <<< "$(best 10 "$LK" plan --root "$R")"
"$LK" plan --root "$R" | while read -r k f b _; do echo "$k $f $b"; done > "$KT/plan.decisions"
read -r depmod_w depmod_c <<< "$(best 3 "$TOP/tests/kabi/weak-modules-depmod.sh" "$R")"
"$TOP/tests/kabi/weak-modules-depmod.sh" "$R" > "$KT/depmod.decisions"

printf 'kabi: %d kernels, %d of our modules per build (2 builds), %d in-tree stub modules per kernel, %s CPUs\n' \
	"$nk" "$nmod" "$nstub" "$(nproc)"
sed 's/^/  /' "$KT/plan.decisions"
printf '  %-44s %9s %9s\n' "" "wall (s)" "CPU (s)"
printf '  %-44s %9.4f %9.4f\n' "lis-kabi plan (best of 10)" "$plan_w" "$plan_c"
printf '  %-44s %9.4f %9.4f\n' "baseline: weak-modules depmod technique (best of 3)" "$depmod_w" "$depmod_c"
ratio=$(awk -v a="$depmod_w" -v b="$plan_w" 'BEGIN { printf "%.1f", a / b }')
cratio=$(awk -v a="$depmod_c" -v b="$plan_c" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }')
printf '  speed-up: %sx wall-clock (%sx CPU)   target >= 50x\n' "$ratio" "$cratio"
if ! diff "$KT/depmod.decisions" "$KT/plan.decisions" > "$KT/decisions.diff"; then
	echo "  the decisions differ:" >&2
	cat "$KT/decisions.diff" >&2
	exit 1
fi
echo "  same decisions"
