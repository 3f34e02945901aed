#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Rung: small userspace tools (lsvmbus) against generated sysfs trees, under
# ASan/UBSan, and once under valgrind.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
cd "$TOP"

if ! make -s -C tools/lsvmbus > "$OUT/logs/tools-build.log" 2>&1; then
	sed 's/^/    /' "$OUT/logs/tools-build.log" | tail -n 20
	fail tools-build "lsvmbus does not build"
	exit 0
fi
pass tools-build
LSV=$OUT/tools/asan/lsvmbus
T=$OUT/tests/tools
rm -rf "$T"
mkdir -p "$T/sys/devices" "$T/drivers/hv_netvsc"

# a generated /sys/bus/vmbus/devices: netvsc (bound, two channels), a
# storvsc controller, and a class nobody knows
mkdev() { # name relid class cpu-mapping [driver]
	local d=$T/sys/devices/$1
	mkdir -p "$d"
	echo "$2" > "$d/id"
	echo "{$3}" > "$d/class_id"
	echo "{$1}" > "$d/device_id"
	printf '%b' "$4" > "$d/channel_vp_mapping"
	[ -n "${5-}" ] && ln -s "../../../drivers/$5" "$d/driver"
	return 0
}
mkdev 000d3a6f-1111-2222-3333-444455556666 14 f8615163-df3e-46c5-913f-f2d2f965ed0e '14:0\n15:1\n' hv_netvsc
mkdev f8b3781b-1e82-4818-a1c3-63d806ec15bb 2 ba6163d9-04a1-4d29-b605-72e2ffb1dc7f '2:0\n'
mkdev 00000000-0000-0000-0000-000000000001 30 01234567-89ab-cdef-0123-456789abcdef '30:0\n'

lists_devices_in_relid_order() {
	local out
	out=$("$LSV" --sysfs "$T/sys/devices")
	[ "$(wc -l <<< "$out")" -eq 3 ] &&
	[ "$(sed -n 1p <<< "$out")" = "VMBus relid   2: class {ba6163d9-04a1-4d29-b605-72e2ffb1dc7f} - Synthetic SCSI Controller" ] &&
	[ "$(sed -n 2p <<< "$out")" = "VMBus relid  14: class {f8615163-df3e-46c5-913f-f2d2f965ed0e} - Synthetic network adapter" ] &&
	grep -q 'relid  30: .* - Unknown$' <<< "$out"
}
check lsvmbus_lists_devices_in_relid_order lists_devices_in_relid_order

verbose_shows_driver_and_channels() {
	local out
	out=$("$LSV" -v --sysfs "$T/sys/devices")
	grep -q '^    driver    hv_netvsc$' <<< "$out" &&
	grep -q '^    driver    (none)$' <<< "$out" &&
	grep -q '^    channel   relid:cpu 15:1$' <<< "$out" &&
	grep -q '^    device_id {f8b3781b-1e82-4818-a1c3-63d806ec15bb}$' <<< "$out"
}
check lsvmbus_verbose_shows_driver_and_channels verbose_shows_driver_and_channels

json_is_valid_and_complete() {
	local out
	out=$("$LSV" --json --sysfs "$T/sys/devices")
	python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert [x["relid"] for x in d] == [2, 14, 30], d
assert d[1]["driver"] == "hv_netvsc" and d[1]["class"] == "Synthetic network adapter"
assert d[1]["channel_vp_mapping"] == "14:0\n15:1"
' "$out"
}
check lsvmbus_json_is_valid_and_complete json_is_valid_and_complete

errors_have_exit_codes() {
	local rc=0
	"$LSV" --sysfs "$T/nonexistent" 2> "$T/err" >/dev/null || rc=$?
	[ "$rc" -eq 2 ] && grep -q 'cannot read' "$T/err" || return 1
	rc=0
	"$LSV" --bogus 2>/dev/null >/dev/null || rc=$?
	[ "$rc" -eq 1 ]
}
check lsvmbus_errors_have_documented_exit_codes errors_have_exit_codes

valgrind_clean() {
	valgrind -q --error-exitcode=9 --leak-check=full "$OUT/tools/lsvmbus" -v --json \
		--sysfs "$T/sys/devices" > /dev/null
}
check lsvmbus_is_valgrind_clean valgrind_clean
