#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Rung: the Hyper-V daemons (tools/hyperv-daemons).  Their logic under
# ASan/UBSan (fcopy path attacks, VSS thaw on every failure path, KVP pool
# files and locks); the daemons themselves driven over a socket playing the
# kernel's device (tests/daemons/harness.py), with a real FIFREEZE on a
# scratch loop-mounted filesystem when this host can make one; one run
# under valgrind; `make install` into a staging root.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
cd "$TOP"

LOGS=$OUT/logs/daemons
mkdir -p "$LOGS"
if ! make -s -C tools/hyperv-daemons OUT="$OUT" > "$LOGS/build.log" 2>&1 ||
   ! make -s -C tests/daemons OUT="$OUT" >> "$LOGS/build.log" 2>&1; then
	sed 's/^/    /' "$LOGS/build.log" | tail -n 20
	fail daemons-build "the daemons or their tests do not build (-Wall -Wextra -Werror)"
	exit 0
fi
pass daemons-build

rc=0
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	timeout 300 "$OUT/daemons/test_daemons" 2> "$LOGS/test_daemons.log" || rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
	tail -n 20 "$LOGS/test_daemons.log" | sed 's/^/    /'
	fail "unit:daemons" "crashed or timed out (status $rc)"
fi

# a scratch filesystem of its own for VSS to freeze: never anything else
W=$(mktemp -d /tmp/lis-daemons-rung.XXXXXX)
MNT=
cleanup() {
	if [ -n "$MNT" ]; then
		# thaw first in case a check failed while it was frozen
		python3 -c 'import fcntl,os,sys; fd=os.open(sys.argv[1],os.O_RDONLY)
try: fcntl.ioctl(fd, 0xC0045878, 0)
except OSError: pass' "$MNT" 2>/dev/null || true
		umount "$MNT" 2>/dev/null || true
	fi
	rm -rf "$W"
}
trap cleanup EXIT
if [ "$(id -u)" = 0 ] && command -v mkfs.ext4 >/dev/null &&
   truncate -s 32M "$W/vss.img" && mkfs.ext4 -q -F "$W/vss.img" >/dev/null 2>&1 &&
   mkdir -p "$W/mnt" && mount -o loop "$W/vss.img" "$W/mnt" 2>/dev/null; then
	MNT=$W/mnt
fi

ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	VSS_LOOP_MNT=$MNT timeout 600 python3 tests/daemons/harness.py "$OUT/tools/asan" "$W/asan" || true
[ -n "$MNT" ] || skip daemons:vss:real_freeze "no loop device or not root: the VSS checks on a real filesystem did not run"

valgrind_clean() {
	command -v valgrind >/dev/null || { echo "valgrind is not installed"; return 1; }
	local out
	out=$(HARNESS_WRAP="valgrind -q --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite" \
		timeout 600 python3 tests/daemons/harness.py "$OUT/tools" "$W/valgrind" kvp fcopy)
	printf '%s\n' "$out" | grep '^FAIL' && return 1
	grep -l 'ERROR SUMMARY: [1-9]\|definitely lost' "$W"/valgrind/*/*.log && return 1
	return 0
}
check daemons:valgrind_clean valgrind_clean

installs_at_rhel_paths() {
	local d=$W/stage f
	make -s -C tools/hyperv-daemons OUT="$OUT" install DESTDIR="$d" || return 1
	for f in usr/sbin/hypervkvpd usr/sbin/hypervvssd usr/sbin/hypervfcopyd \
		 usr/lib/systemd/system/hypervkvpd.service usr/lib/systemd/system/hypervvssd.service \
		 usr/lib/systemd/system/hypervfcopyd.service usr/lib/udev/rules.d/70-hv_kvp.rules \
		 usr/lib/udev/rules.d/70-hv_vss.rules usr/lib/udev/rules.d/70-hv_fcopy.rules; do
		[ -f "$d/$f" ] || { echo "missing $f"; return 1; }
	done
	grep -q 'BindsTo=sys-devices-virtual-misc-vmbus\\x21hv_kvp.device' \
		"$d/usr/lib/systemd/system/hypervkvpd.service" || { echo "hypervkvpd.service is not bound to its device"; return 1; }
	[ -x "$d/usr/sbin/hypervfcopyd" ]
}
check daemons:installs_at_rhel_paths installs_at_rhel_paths
