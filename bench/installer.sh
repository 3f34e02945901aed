#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# install.sh on a generated RHEL 7.9 root with five kernels (the 7.5-7.9 GA
# kernels; one LIS build, four kABI-compatible kernels): wall and CPU time
# without the time spent in dracut (the stand-in records its own; no DKMS
# here), target under 5 s.  Then the initramfs rebuilds an upgrade causes,
# target: only the kernels whose module set changed -- after one kernel
# update installed without its hooks, upgrade.sh must rebuild 1 image; run
# again with nothing changed, 0.  Prints each figure with its target and
# ratio; exit 0 (a benchmark reports, it does not fail on a slow machine),
# 1 when a step fails.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
export LIS_TOP=$TOP OUT=${OUT:-$TOP/out}
. "$TOP/tests/packaging/fixtures.sh"
. "$TOP/tests/installer/roots.sh"
INST=$OUT/bench/installer
FIX_OUT=$INST/fixtures
rm -rf "$INST"
mkdir -p "$INST/fix"
export SOURCE_DATE_EPOCH=1700000000
die() { echo "bench installer: $*" >&2; exit 1; }
make -s -C "$TOP/tools/lis-kabi" >/dev/null || die "lis-kabi does not build"
export LIS_KABI=$OUT/tools/lis-kabi
build_test_packages "$INST/rpm" > "$INST/build.log" 2>&1 || die "packages: see $INST/build.log"
base_rpm "$INST/fix" "$(ls "$INST"/rpm/lis-tools-*.rpm)" > /dev/null || die "base package"
"$TOP/iso/build-iso.sh" --rpms "$INST/rpm" --tree "$INST/medium" > /dev/null || die "medium"
kernels=()
for m in 7.5 7.6 7.7 7.8 7.9; do kernels+=("$(ga_kernel rhel7 "$m")"); done
R=$INST/root
rhel_root "$R" rhel 7.9 "Red Hat Enterprise Linux Server" "${kernels[@]}" || die "root"

# timed LABEL CMD...: run CMD; sets WALL and CPU (user + system of CMD and its children)
timed() {
	local t0 c0 c1
	shift
	read -r c0 < <(times | awk 'NR == 2 { gsub(/[ms]/, " "); print ($1 * 60 + $2) + ($3 * 60 + $4) }')
	t0=$EPOCHREALTIME
	"$@" || return 1
	WALL=$(echo "$EPOCHREALTIME - $t0" | bc)
	read -r c1 < <(times | awk 'NR == 2 { gsub(/[ms]/, " "); print ($1 * 60 + $2) + ($3 * 60 + $4) }')
	CPU=$(echo "$c1 - $c0" | bc)
}
# dracut_s: seconds the dracut stand-in spent (wall), and the images it built
dracut_s() { awk '$1 == "dracut-ns" { t += $2 } END { printf "%.2f", t / 1e9 }' "$R/var/log/standins.log"; }
images() { grep -c '^dracut ' "$R/var/log/standins.log" || true; }

: > "$R/var/log/standins.log"
timed install "$INST/medium/install.sh" --root "$R" --yes > "$INST/install.out" 2>&1 || die "install.sh failed: $INST/install.out"
d=$(dracut_s) n=$(images)
net=$(echo "$WALL - $d" | bc)
root_rpm "$R" -i --noscripts "$(kernel_pkg 3.10.0-1160.119.1.el7.x86_64)" > /dev/null 2>&1 || die "kernel update"
: > "$R/var/log/standins.log"
"$INST/medium/upgrade.sh" --root "$R" --yes > "$INST/upgrade.out" 2>&1 || die "upgrade.sh failed: $INST/upgrade.out"
rebuilt=$(images)
: > "$R/var/log/standins.log"
"$INST/medium/upgrade.sh" --root "$R" --yes > "$INST/upgrade2.out" 2>&1 || die "upgrade.sh failed: $INST/upgrade2.out"
again=$(images)
printf 'installer: 5 kernels, %s CPUs, load %s\n' "$(nproc)" "$(cut -d' ' -f1 /proc/loadavg)"
printf '  install.sh wall time              %6.2f s (dracut stand-in %s s for %d images; CPU %.2f s)\n' "$WALL" "$d" "$n" "$CPU"
printf '  install.sh without dracut         %6.2f s   target < 5 s   ratio %.2f\n' "$net" "$(echo "$net / 5" | bc -l)"
printf '  images rebuilt by upgrade.sh after one kernel update: %d   target 1   ratio %.2f\n' "$rebuilt" "$(echo "$rebuilt / 1" | bc -l)"
printf '  images rebuilt by upgrade.sh with nothing changed:    %d   target 0\n' "$again"
