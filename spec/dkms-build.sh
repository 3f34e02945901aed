#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms-build.sh KVER KDIR MODULE...: the MAKE step of the lis-dkms package.
# DKMS runs it in a fresh copy of /usr/src/lis-<version>.  The target kernel
# tree is the only input: its family (hv-rhel7.x, hv-rhel8.x, else
# hv-generic) gives the Kbuild entry; the kernel-compat probes run against it
# first; then Kbuild builds the modules in place.  Compiler warnings are not
# fatal here (the strict W=1 build is the project's own test ladder).
set -euo pipefail
cd "$(dirname "$0")"
LIS_TOP=$PWD
# shellcheck source=scripts/buildlib.sh
. "$LIS_TOP/scripts/buildlib.sh"
[ $# -ge 3 ] || die "usage: dkms-build.sh KVER KDIR MODULE..."
KVER=$1 KDIR=$2
shift 2
FAMILY=$(family_for_release "$KVER") || die "no family claims $KVER"
case $(kernel_config "$KDIR" HYPERV || echo unknown) in
m) ;;
y) die "$KVER has Hyper-V built in (CONFIG_HYPERV=y): its VMBus cannot be replaced" ;;
*) die "$KVER has no Hyper-V support (CONFIG_HYPERV is not set), or $KDIR has no .config" ;;
esac
drivers=() selftest=""
for m in "$@"; do
	if [ "$m" = lis_compat_selftest ]; then selftest=1; else drivers+=("$m"); fi
done
note "lis: building ${*} for $KVER ($(family_value "$FAMILY" title))"
kernel-compat/run-probes --kdir "$KDIR" --out compat --modules "${drivers[*]-}" ||
	die "the kernel-compat probes failed for $KVER (see compat/probe.log)"
cp -f "$FAMILY/Kbuild" Kbuild
make -C "$KDIR" M="$LIS_TOP" LIS_TOP="$LIS_TOP" LIS_MODULES="${drivers[*]-}" \
	${selftest:+LIS_SELFTEST=1} -j"$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)" modules
