#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# build-kernel.sh [--sparse] [--jobs N] KDIR
#
# Builds the LIS modules for one kernel tree into out/<kernel-release>/:
#   1. the family that claims the release (hv-rhel7.x, hv-rhel8.x, else the
#      generic DKMS path, hv-generic);
#   2. a kernel whose Hyper-V support is built in (CONFIG_HYPERV=y) or absent
#      cannot have its VMBus replaced: say so and skip it (exit 0);
#   3. kernel-compat probes -> out/<krel>/compat/compat_autoconf.h (cached);
#   4. a symlink tree of the sources in out/<krel>/build with the family's
#      Kbuild at its root, built with W=1 (and sparse with --sparse), with the
#      compat self-test module (never packaged) beside the drivers;
#   5. any compiler, sparse or modpost warning in our sources fails the build.
# The modules land in out/<krel>/*.ko; the log in out/<krel>/build.log.
# Exit codes: 0 built or skipped, 1 build failed, 2 a required kernel API is missing.
set -euo pipefail
# shellcheck source=scripts/buildlib.sh
. "$(dirname "$0")/buildlib.sh"

SPARSE=0
JOBS=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
while [ $# -gt 1 ]; do
	case $1 in
	--sparse) SPARSE=1; shift ;;
	--jobs) JOBS=$2; shift 2 ;;
	*) die "unknown option $1" ;;
	esac
done
[ $# -eq 1 ] || die "usage: build-kernel.sh [--sparse] [--jobs N] KDIR"
KDIR=$1
[ -r "$KDIR/Makefile" ] || die "no kernel tree at $KDIR"
KREL=$(kernel_release "$KDIR") || die "$KDIR is not a prepared kernel tree (no utsrelease.h)"
OUT=${OUT:-$LIS_TOP/out}
KOUT=$OUT/$KREL
mkdir -p "$KOUT" || die "cannot create $KOUT"
# one build per kernel tree at a time (concurrent `make check` runs share out/)
exec 8> "$KOUT/.lock" || die "cannot create $KOUT/.lock"
flock 8 || die "cannot lock $KOUT"

FAMILY=$(family_for_release "$KREL") || die "no family claims $KREL"
HYPERV=$(kernel_config "$KDIR" HYPERV) || die "$KDIR has no .config"
case $HYPERV in
m) ;;
y)
	note "  SKIP    $KREL: Hyper-V support is built into this kernel (CONFIG_HYPERV=y); its VMBus cannot be replaced"
	echo "skipped: CONFIG_HYPERV=y" > "$KOUT/status"
	exit 0 ;;
*)
	note "  SKIP    $KREL: this kernel has no Hyper-V support (CONFIG_HYPERV is not set)"
	echo "skipped: CONFIG_HYPERV not set" > "$KOUT/status"
	exit 0 ;;
esac

mapfile -t MODULES < <(family_modules "$FAMILY")
note "  FAMILY  $KREL: $(family_value "$FAMILY" title) [$FAMILY]; modules: ${MODULES[*]:-none}"

rc=0
"$LIS_TOP/kernel-compat/run-probes" --kdir "$KDIR" --out "$KOUT/compat" --jobs "$JOBS" \
	--modules "${MODULES[*]-}" 2> "$KOUT/requirements" || rc=$?
# A module whose kernel subsystem is missing (no UIO, no framebuffer, no PCI
# MSI, ...) is skipped, with the sentence run-probes gave: this kernel cannot
# have its in-tree twin either, and the installer replaces a kernel's drivers
# only when our build has every module the kernel's own hv_vmbus carries.
# hv_vmbus itself is never optional.  (The probes are cached by now, so the
# per-module checks are quick.)
rm -f "$KOUT/skipped"
if [ "$rc" -eq 2 ]; then
	keep=() fatal=0
	for m in "${MODULES[@]}"; do
		mrc=0
		"$LIS_TOP/kernel-compat/run-probes" --kdir "$KDIR" --out "$KOUT/compat" \
			--jobs "$JOBS" --modules "$m" > /dev/null 2> "$KOUT/requirements.$m" || mrc=$?
		if [ "$mrc" -eq 0 ]; then
			keep+=("$m")
		elif [ "$mrc" -eq 2 ] && [ "$m" != hv_vmbus ]; then
			note "  SKIP    $m for $KREL: $(head -n 1 "$KOUT/requirements.$m")"
			echo "$m" >> "$KOUT/skipped"
		else
			fatal=1
		fi
		rm -f "$KOUT/requirements.$m"
	done
	if [ "$fatal" = 0 ]; then
		MODULES=("${keep[@]+"${keep[@]}"}")
		rc=0
	fi
fi
cat "$KOUT/requirements" >&2
rm -f "$KOUT/requirements"
if [ "$rc" -ne 0 ]; then
	echo "failed: kernel-compat" > "$KOUT/status"
	exit 2
fi

# the build tree: real directories, symlinked files, so that objects of
# different kernels never meet and the sources stay clean
B=$KOUT/build
mkdir -p "$B"
for d in drivers kernel-compat/include kernel-compat/selftest; do
	mkdir -p "$B/$d"
	cp -rsf "$LIS_TOP/$d/." "$B/$d/"
done
find "$B" -xtype l -delete
ln -sfn ../compat "$B/compat"
ln -sf "$LIS_TOP/VERSION" "$B/VERSION"
cp -f "$LIS_TOP/$FAMILY/Kbuild" "$B/Kbuild"

args=(-C "$KDIR" "M=$B" "LIS_TOP=$B" "LIS_MODULES=${MODULES[*]-}" LIS_SELFTEST=1 W=1 -j"$JOBS")
[ "$SPARSE" = 1 ] && args+=(C=2)
LOG=$KOUT/build.log
checks="W=1"
[ "$SPARSE" = 1 ] && checks="W=1, sparse"
note "  BUILD   $KREL ($checks)"
if ! make "${args[@]}" modules > "$LOG" 2>&1; then
	grep -E 'error|Error' "$LOG" | head -n 20 >&2 || true
	echo "failed: build (see $LOG)" > "$KOUT/status"
	die "build for $KREL failed; see $LOG"
fi

# warnings in our own sources (compiler, sparse) and modpost warnings fail the build
if grep -E "^($B|$LIS_TOP)/.*: warning:|^WARNING: " "$LOG" > "$KOUT/warnings" 2>/dev/null; then
	cat "$KOUT/warnings" >&2
	echo "failed: warnings (see $LOG)" > "$KOUT/status"
	die "build for $KREL has warnings; see $LOG"
fi
rm -f "$KOUT/warnings" "$KOUT"/*.ko
n=0
while IFS= read -r -d '' ko; do
	cp -f "$ko" "$KOUT/"
	n=$((n + 1))
done < <(find "$B" -name '*.ko' -print0)
echo "built: $n modules" > "$KOUT/status"
note "  OK      $KREL: $n modules in $KOUT"
