#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# install.sh on a generated RHEL 7.9 root with five kernels (the 7.5-7.9 GA
# kernels): wall time without the time spent in dracut (the stand-in records
# its own; no DKMS here), target under 5 s; then one kernel update and
# upgrade.sh: how many initramfs images it rebuilds, target 1 (only the
# kernel whose module set changed).
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
make -s -C "$TOP/tools/lis-kabi" >/dev/null
export LIS_KABI=$OUT/tools/lis-kabi
build_test_packages "$INST/rpm" > "$INST/build.log" 2>&1
base_rpm "$INST/fix" "$(ls "$INST"/rpm/lis-tools-*.rpm)" > /dev/null
"$TOP/iso/build-iso.sh" --rpms "$INST/rpm" --tree "$INST/medium" > /dev/null
kernels=()
for m in 7.5 7.6 7.7 7.8 7.9; do kernels+=("$(ga_kernel rhel7 "$m")"); done
R=$INST/root
rhel_root "$R" rhel 7.9 "Red Hat Enterprise Linux Server" "${kernels[@]}"
: > "$R/var/log/standins.log"
s=$EPOCHREALTIME
"$INST/medium/install.sh" --root "$R" --yes > "$INST/install.out" 2>&1
wall=$(echo "$EPOCHREALTIME - $s" | bc)
dracut=$(awk '$1 == "dracut-ns" { t += $2 } END { printf "%.2f", t / 1e9 }' "$R/var/log/standins.log")
images=$(grep -c '^dracut ' "$R/var/log/standins.log")
root_rpm "$R" -i "$(kernel_pkg 3.10.0-1160.119.1.el7.x86_64)" > /dev/null 2>&1
: > "$R/var/log/standins.log"
"$INST/medium/upgrade.sh" --root "$R" --yes > "$INST/upgrade.out" 2>&1
rebuilt=$(grep -c '^dracut ' "$R/var/log/standins.log")
printf 'installer: 5 kernels, %s CPUs\n' "$(nproc)"
printf '  install.sh wall time        %6.2f s (of which dracut stand-in %s s, %d images)\n' "$wall" "$dracut" "$images"
printf '  install.sh without dracut   %6.2f s   target < 5 s\n' "$(echo "$wall - $dracut" | bc)"
printf '  images rebuilt by upgrade.sh after one kernel update: %d   target 1\n' "$rebuilt"
