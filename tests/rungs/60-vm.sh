#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Rung 6, the VM: a real Debian kernel in QEMU (TCG) runs the shipped
# hv_vmbus.ko against hostsim running as a separate host process
# (tests/vm/hostsim-vm), joined by the test-only bridge module over an
# ivshmem-doorbell device.  The rung drives the guest through an agent on
# its second serial port and asks the host process what hostsim saw.  See
# docs/vm-rung.md.  `make vm-check` runs only this rung.
# Guest commands are single-quoted on purpose: the guest's shell expands them.
# shellcheck disable=SC2016
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
cd "$TOP" || exit 1
export OUT
T_START=$SECONDS

VM_LOGS=$OUT/logs/vm
rm -rf "$VM_LOGS"
mkdir -p "$VM_LOGS"
# sockets and fifos want a short path
VM_DIR=$(mktemp -d /tmp/lisvm.XXXXXX)
# shellcheck source=tests/vm/vmlib.sh
. "$TOP/tests/vm/vmlib.sh"
trap 'vm_stop; rm -rf "$VM_DIR"' EXIT

detail() { sed 's/^/    /'; }
# say NAME WHY: PASS when WHY is empty, else FAIL with it
say() { if [ -z "$2" ]; then pass "$1"; else fail "$1" "$2"; fi; }
guest_fail() { printf '%s' "$VM_OUT" | tail -n 15 | detail; }

# ---- the devices hostsim offers (asymmetric GUIDs catch byte-order bugs;
#      dev-b has the Heartbeat IC's class) ----
declare -A CLASS INST
CLASS[dev-a]=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0
INST[dev-a]=00112233-4455-6677-8899-aabbccddeeff
CLASS[dev-b]=57164f39-9115-4e78-ab55-382f3bd5422d
INST[dev-b]=c0ffee00-1234-4bcd-8ef0-123456789abc
CLASS[dev-c]=5a6b7c8d-9eaf-4b0c-8d1e-2f3a4b5c6d7e
INST[dev-c]=deadbeef-0001-4002-8003-000000000004

# the modalias of a class GUID: its 16 wire bytes (first three fields
# little-endian) in hex
guid_wire_hex() {
	local g=${1//-/}
	printf '%s\n' "${g:6:2}${g:4:2}${g:2:2}${g:0:2}${g:10:2}${g:8:2}${g:14:2}${g:12:2}${g:16:16}"
}

host_relid() {	# the relid hostsim gave a device
	vm_ctl devices | awk -v n="$1" '$1 == n && $5 == "rescinded=0" { sub("relid=", "", $4); print $4 }'
}

# ---- build ----
if bash tests/vm/build.sh > "$VM_LOGS/build.log" 2>&1; then
	pass vm:build
	detail < "$VM_LOGS/build.log"
	echo "    build: $((SECONDS - T_START)) s"
else
	tail -n 20 "$VM_LOGS/build.log" | detail
	fail vm:build "tests/vm/build.sh failed (see $VM_LOGS/build.log)"
	exit 0
fi
# shellcheck source=/dev/null
. "$OUT/vm/vm.env"
command -v qemu-system-x86_64 >/dev/null || { fail vm:boot "qemu-system-x86_64 is not installed (make deps)"; exit 0; }

# the disc in the emulated IDE DVD drive (the storvsc checks read it)
VM_DVD=$VM_DIR/dvd.img
head -c $((4 * 1024 * 1024)) /dev/urandom > "$VM_DVD"
# an emulated PCI NIC with the first synthetic NIC's MAC (the netvsc VF)
VM_VF_MAC=00:15:5d:4c:00:0a

# the guest's kernel knows all RAM but its last 128 MiB: hv_balloon's hot add brings that in
VM_KERNEL_ARGS="mem=$((VM_MEM_MB - 128))M"

# ---- boot ----
if ! vm_host_start "dev-a,${CLASS[dev-a]},${INST[dev-a]}" "dev-b,${CLASS[dev-b]},${INST[dev-b]}"; then
	tail -n 20 "$VM_LOGS/host.log" | detail
	fail vm:boot "hostsim-vm did not start"
	exit 0
fi
t=$SECONDS
vm_qemu_start 1
if vm_ready 1 150; then
	pass vm:boot
	echo "    $KREL booted to the agent in $((SECONDS - t)) s ($VM_SMP vCPUs, $VM_MEM_MB MiB, TCG)"
else
	tail -n 30 "$VM_LOGS/console.log" | detail
	detail < "$VM_LOGS/qemu.log"
	fail vm:boot "no @@READY from the guest agent within 150 s (console: $VM_LOGS/console.log)"
	exit 0
fi

# ---- hv_vmbus without the bridge: -ENODEV and one line ----
vm_run 60 'dmesg -c >/dev/null; insmod /lib/lis/hv_vmbus.ko; echo "insmod-rc=$?"; dmesg; grep -c "^hv_vmbus " /proc/modules'
# busybox insmod retries a failed finit_module with init_module, so one
# load can run the module's init twice: count distinct lines
lines=$(printf '%s' "$VM_OUT" | grep 'hv_vmbus' | grep -vE 'taints kernel|module verification failed|insmod' |
	sed 's/^\[[^]]*\] //' | sort -u)
why=
printf '%s' "$VM_OUT" | grep -q "insmod-rc=0" && why="insmod succeeded"
[ -z "$why" ] && ! printf '%s' "$VM_OUT" | grep -q "No such device" && why="insmod did not fail with ENODEV"
[ -z "$why" ] && [ "$(printf '%s\n' "$lines" | grep -c .)" -ne 1 ] &&
	why="expected one log line, got $(printf '%s\n' "$lines" | grep -c .)"
[ -z "$why" ] && [ "$(printf '%s' "$VM_OUT" | tail -n 1)" != 0 ] && why="hv_vmbus is loaded"
printf '%s\n' "$lines" | detail
say vm:no_bridge:hv_vmbus_enodev_one_line "$why"

# ---- the bridge, then hv_vmbus ----
vm_run 30 'cat /sys/devices/system/clocksource/clocksource0/current_clocksource'
CS0=$VM_OUT
vm_run 60 'insmod /lib/lis/test/lis_vmbus_bridge.ko vp_offset=1 && dmesg | grep lis_vmbus_bridge'
why=
[ "$VM_RC" = 0 ] || { guest_fail; why="insmod lis_vmbus_bridge: $VM_RC"; }
[ -z "$why" ] && [ "$(vm_state hellos)" != 1 ] && why="hostsim saw $(vm_state hellos) hellos, not 1"
say vm:bridge_loads "$why"
BR='$(ls -d /sys/bus/pci/drivers/lis_vmbus_bridge/0000:*)'

# guest CLOCK_MONOTONIC against the host's clock (hostsim's reference
# counter, read through the bridge) across a sleep: RATIO = guest/host x1000
# (no subshells around vm_run: it keeps state)
clock_ratio() {
	RATIO=0
	vm_run 30 "t=$BR/lisvm_time; cat \$t; sleep 3; cat \$t"
	[ "$VM_RC" = 0 ] || return
	printf '%s' "$VM_OUT" | sed 's/^/    guest_ns host_ns: /'
	RATIO=$(printf '%s' "$VM_OUT" | awk 'BEGIN { n = 0 } $0 ~ /^[0-9]+ [0-9]+$/ { g[n] = $1; h[n] = $2; n++ }
		END { if (n != 2 || h[1] == h[0]) print 0; else printf "%.0f\n", (g[1] - g[0]) * 1000 / (h[1] - h[0]) }')
}
clock_ratio
RATIO0=$RATIO

vm_run 90 'insmod /lib/lis/hv_vmbus.ko; echo "insmod-rc=$?"; dmesg | grep "hv_vmbus:"'
printf '%s' "$VM_OUT" | grep -E 'hv_vmbus: (using|LIS)' | detail
why=
printf '%s' "$VM_OUT" | grep -q 'insmod-rc=0' || { guest_fail; why="insmod hv_vmbus failed"; }
printf '%s' "$VM_OUT" | grep -q 'using the test platform "bridge"' || why="${why:-hv_vmbus did not pick the bridge}"
st=$(vm_ctl state)
get() { printf '%s\n' "$st" | sed -n "s/^$1=//p"; }
[ -z "$why" ] && [ "$(get version)" != 0x50003 ] && why="hostsim negotiated version $(get version), not 5.3"
[ -z "$why" ] && [ "$(get contacts)" != 1 ] && why="hostsim saw $(get contacts) INITIATE_CONTACTs"
[ -z "$why" ] && [ "$(get offers_requested)" != 1 ] && why="hostsim saw $(get offers_requested) REQUESTOFFERS"
say vm:hv_vmbus:connects_version_5_3 "$why"
# CPU 0 is VP 1 here: the host must be told VP numbers, not CPU numbers
say vm:hv_vmbus:target_vp_is_vp_of_cpu0 "$([ "$(get target_vp)" = 1 ] || echo "INITIATE_CONTACT TargetVcpu $(get target_vp), not 1 (the VP of CPU 0)")"

vm_run 30 'lsmod'
echo "    guest lsmod:"
printf '%s' "$VM_OUT" | sed 's/^/      /'
why=
for m in hv_vmbus lis_vmbus_bridge; do
	printf '%s' "$VM_OUT" | grep -q "^$m " || why="$m is not in lsmod"
done
say vm:lsmod "$why"

# ---- the offered devices in sysfs ----
# dev_check NAME: the device's directory and the in-tree attribute set,
# compared with what hostsim offered; DEV_WHY says what is wrong (empty: ok)
dev_check() {
	local n=$1 relid want_alias a v
	local -A got=()
	DEV_WHY=
	relid=$(host_relid "$n")
	[ -n "$relid" ] || { DEV_WHY="hostsim has no offered device $n"; return; }
	vm_run 30 "cd /sys/bus/vmbus/devices/${INST[$n]} && for f in *; do [ -f \"\$f\" ] && echo \"\$f=\$(cat \"\$f\" 2>&1 | head -n 1)\"; done"
	[ "$VM_RC" = 0 ] || { DEV_WHY="no /sys/bus/vmbus/devices/${INST[$n]}"; return; }
	while IFS='=' read -r a v; do
		[ -n "$a" ] && got[$a]=$v
	done <<< "$VM_OUT"
	want_alias="vmbus:$(guid_wire_hex "${CLASS[$n]}")"
	[ "${got[class_id]-}" = "{${CLASS[$n]}}" ] || { DEV_WHY="class_id ${got[class_id]-missing}, offered {${CLASS[$n]}}"; return; }
	[ "${got[device_id]-}" = "{${INST[$n]}}" ] || { DEV_WHY="device_id ${got[device_id]-missing}, offered {${INST[$n]}}"; return; }
	[ "${got[id]-}" = "$relid" ] || { DEV_WHY="id ${got[id]-missing}, hostsim's relid $relid"; return; }
	[ "${got[modalias]-}" = "$want_alias" ] || { DEV_WHY="modalias ${got[modalias]-missing}, want $want_alias"; return; }
	[ "${got[uevent]-}" = "MODALIAS=$want_alias" ] || { DEV_WHY="uevent ${got[uevent]-missing}"; return; }
	[ "${got[state]-}" = 0 ] || { DEV_WHY="state ${got[state]-missing} of a channel nobody opened"; return; }
	if ! [[ ${got[channel_vp_mapping]-} =~ ^$relid:([0-9]+)$ ]] || [ "${BASH_REMATCH[1]}" -ge "$VM_SMP" ]; then
		DEV_WHY="channel_vp_mapping ${got[channel_vp_mapping]-missing}, want $relid:<cpu>"
		return
	fi
	for a in monitor_id numa_node driver_override; do
		[ -n "${got[$a]+set}" ] || { DEV_WHY="no $a attribute"; return; }
	done
	# the in-tree ring attributes; a channel that is not open has no
	# rings, and reading them fails, as in-tree
	for a in out_intr_mask out_read_index out_write_index out_read_bytes_avail out_write_bytes_avail \
		 in_intr_mask in_read_index in_write_index in_read_bytes_avail in_write_bytes_avail; do
		[ -n "${got[$a]+set}" ] || { DEV_WHY="no $a attribute"; return; }
		[[ ${got[$a]} == *"read error"* ]] || { DEV_WHY="$a reads '${got[$a]}' on a closed channel"; return; }
	done
}

# wait_dev INST present|absent: the guest waits up to 15 s
wait_dev() {
	local test='[ -d /sys/bus/vmbus/devices/'$1' ]'
	[ "$2" = absent ] && test="! $test"
	vm_run 30 "i=0; until $test; do i=\$((i + 1)); [ \$i -gt 150 ] && exit 1; sleep 0.1; done"
	[ "$VM_RC" = 0 ]
}

# the guest's vmbus devices are exactly these instances (SET_WHY)
dev_set() {
	local want got
	want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
	vm_run 30 'ls /sys/bus/vmbus/devices'
	got=$(printf '%s' "$VM_OUT" | tr -s ' \t' '\n' | grep . | sort | tr '\n' ' ')
	SET_WHY=
	[ "$want" = "$got" ] || SET_WHY="devices: $got; want $want"
}

for n in dev-a dev-b; do wait_dev "${INST[$n]}" present; done
dev_set "${INST[dev-a]}" "${INST[dev-b]}"
say vm:sysfs:device_set "$SET_WHY"
for n in dev-a dev-b; do
	dev_check "$n"
	say "vm:sysfs:$n:in_tree_attributes" "$DEV_WHY"
done

# ---- timekeeping ----
vm_run 30 'cat /sys/devices/system/clocksource/clocksource0/current_clocksource'
CS1=$VM_OUT
say vm:timekeeping:clocksource_unchanged "$([ -n "$CS0" ] && [ "$CS0" = "$CS1" ] || echo "clocksource was '${CS0%$'\n'}', now '${CS1%$'\n'}'")"
clock_ratio
RATIO1=$RATIO
echo "    guest/host time over 3 s: ${RATIO0}/1000 before hv_vmbus, ${RATIO1}/1000 after; clocksource ${CS1%$'\n'}"
why=
[ "$RATIO1" -ge 980 ] && [ "$RATIO1" -le 1020 ] || why="guest monotonic time ran at $RATIO1/1000 of host time"
[ -z "$why" ] && { [ $((RATIO1 - RATIO0)) -le 10 ] && [ $((RATIO0 - RATIO1)) -le 10 ] || why="rate $RATIO0/1000 before hv_vmbus, $RATIO1/1000 after"; }
say vm:timekeeping:monotonic_tracks_host "$why"

# ---- hot-add, rescind, re-offer ----
# offer_check CHECK NAME: hostsim offers NAME while the guest runs; it must
# appear with the right attributes
offer_check() {
	local why='' r
	r=$(vm_ctl offer "$2" "${CLASS[$2]}" "${INST[$2]}") || why="hostsim-vm offer: $r"
	[ -z "$why" ] && { wait_dev "${INST[$2]}" present || why="$2 did not appear within 15 s"; }
	[ -z "$why" ] && { dev_check "$2"; why=$DEV_WHY; }
	say "$1" "$why"
}
offer_check vm:hot_add dev-c

why=
rel0=$(vm_state relids_released)
vm_ctl rescind dev-b >/dev/null || why="hostsim-vm rescind failed"
[ -z "$why" ] && { wait_dev "${INST[dev-b]}" absent || why="the rescinded device is still there after 15 s"; }
[ -z "$why" ] && { vm_wait "relids_released>=$((rel0 + 1))" 10000 >/dev/null || why="hostsim saw no RELID_RELEASED"; }
[ -z "$why" ] && { dev_set "${INST[dev-a]}" "${INST[dev-c]}"; why=$SET_WHY; }
say vm:rescind "$why"

offer_check vm:reoffer dev-b

# ---- unload and reload ----
why=
u0=$(vm_state unloads)
c0=$(vm_state contacts)
vm_run 60 'rmmod hv_vmbus && ! [ -e /sys/bus/vmbus ]'
[ "$VM_RC" = 0 ] || { guest_fail; why="rmmod hv_vmbus failed or /sys/bus/vmbus remained"; }
[ -z "$why" ] && { vm_wait "unloads==$((u0 + 1))" 10000 >/dev/null || why="hostsim saw no UNLOAD"; }
[ -z "$why" ] && [ "$(vm_state version)" != 0 ] && why="hostsim still connected (version $(vm_state version))"
say vm:unload "$why"

why=
vm_run 90 'insmod /lib/lis/hv_vmbus.ko'
[ "$VM_RC" = 0 ] || { guest_fail; why="insmod hv_vmbus failed again"; }
[ -z "$why" ] && [ "$(vm_state contacts)" != $((c0 + 1)) ] && why="hostsim saw $(vm_state contacts) contacts, want $((c0 + 1))"
[ -z "$why" ] && [ "$(vm_state version)" = 0 ] && why="hostsim is not connected"
for n in dev-a dev-b dev-c; do
	[ -z "$why" ] && { wait_dev "${INST[$n]}" present || why="$n did not come back"; }
done
[ -z "$why" ] && { dev_check dev-c; why=$DEV_WHY; }
say vm:reload "$why"

# ---- hv_storvsc: a simulated SCSI disk, and the emulated DVD ----
# shellcheck source=tests/vm/storvsc.sh
. "$TOP/tests/vm/storvsc.sh"

# ---- hyperv_fb and pci-hyperv: the synthetic video device and a vPCI bus ----
# shellcheck source=tests/vm/pci_fb.sh
. "$TOP/tests/vm/pci_fb.sh"

# ---- lis-status in the guest: our modules reported as ours and bound ----
# shellcheck source=tests/vm/lis_status.sh
. "$TOP/tests/vm/lis_status.sh"

# ---- hv_netvsc: two simulated NICs, traffic, link, the VF ----
# shellcheck source=tests/vm/netvsc.sh
. "$TOP/tests/vm/netvsc.sh"

# ---- hv_balloon, hv_sock, uio_hv_generic ----
# shellcheck source=tests/vm/mem_sock_uio.sh
. "$TOP/tests/vm/mem_sock_uio.sh"

# ---- hv_utils, the daemons, hid_hyperv, hyperv_keyboard ----
# shellcheck source=tests/vm/utils.sh
. "$TOP/tests/vm/utils.sh"

# ---- the bridge's view: SynIC MSRs on their own CPU, nothing faulted ----
vm_run 30 "cat $BR/lisvm_stats"
printf '%s' "$VM_OUT" | tr '\n' ' ' | sed 's/^/    bridge: /;s/ *$/\n/'
why=
for k in timeouts msr_faults foreign_msr stray; do
	v=$(printf '%s' "$VM_OUT" | awk -v k="$k" '$1 == k { print $2 }')
	[ "$v" = 0 ] || why="${why:+$why, }$k ${v:-missing}"
done
v=$(printf '%s' "$VM_OUT" | awk '$1 == "irqs" { print $2 }')
[ "${v:-0}" -gt 0 ] || why="${why:+$why, }no interrupts delivered"
say vm:bridge:clean "$why"

# ---- kexec: UNLOAD reaches the host before the new kernel's contact ----
h0=$(vm_state hellos)
u0=$(vm_state unloads)
c0=$(vm_state contacts)
why=
vm_run 60 "lis-kexec load /boot/vmlinuz /boot/initrd.cpio '$(vm_append 2)'"
[ "$VM_RC" = 0 ] || { guest_fail; why="kexec_file_load failed"; }
if [ -z "$why" ]; then
	t=$SECONDS
	vm_send 'lis-kexec exec'
	vm_ready 2 150 || why="the kexec'd kernel did not reach the agent within 150 s"
	echo "    kexec to the agent: $((SECONDS - t)) s"
fi
[ -z "$why" ] && { vm_run 60 'insmod /lib/lis/test/lis_vmbus_bridge.ko vp_offset=1' || true; }
[ -z "$why" ] && [ "$VM_RC" != 0 ] && { guest_fail; why="the bridge did not load in the new kernel"; }
if [ -z "$why" ]; then
	hs=$(vm_ctl hello-state)
	hget() { printf '%s\n' "$hs" | sed -n "s/^$1=//p"; }
	# hostsim's state when the new kernel's bridge said hello
	[ "$(hget hellos)" = $((h0 + 1)) ] || why="hostsim saw $(hget hellos) hellos, want $((h0 + 1))"
	[ -z "$why" ] && [ "$(hget unloads)" != $((u0 + 1)) ] && why="at the new kernel's hello hostsim had $(hget unloads) UNLOADs, want $((u0 + 1))"
	[ -z "$why" ] && [ "$(hget version)" != 0 ] && why="at the new kernel's hello hostsim was still connected ($(hget version))"
	[ -z "$why" ] && [ "$(hget contacts)" != "$c0" ] && why="a contact arrived before the new kernel's hello"
fi
say vm:kexec:unload_before_new_kernel "$why"

if [ -z "$why" ]; then
	vm_run 90 'insmod /lib/lis/hv_vmbus.ko; echo "insmod-rc=$?"; grep lisvm.stage=2 /proc/cmdline >/dev/null && echo new-kernel; lsmod'
	printf '%s' "$VM_OUT" | grep -q 'insmod-rc=0' || { guest_fail; why="insmod hv_vmbus failed in the new kernel"; }
	printf '%s' "$VM_OUT" | grep -q 'new-kernel' || why="${why:-not the new kernel}"
	echo "    guest lsmod after kexec:"
	printf '%s' "$VM_OUT" | grep -vE 'insmod-rc|new-kernel' | sed 's/^/      /'
	[ -z "$why" ] && [ "$(vm_state contacts)" != $((c0 + 1)) ] && why="hostsim saw $(vm_state contacts) contacts, want $((c0 + 1))"
	[ -z "$why" ] && [ "$(vm_state version)" != 0x50003 ] && why="hostsim version $(vm_state version) in the new kernel"
	# the event order: the old kernel's UNLOAD, the new kernel's hello, its contact
	order=$(vm_ctl events | awk '/post UNLOAD/ { u = $1 } /hello #/ { h = $1 } /post INITIATE_CONTACT/ { c = $1 }
		END { print (u < h && h < c) ? "ok" : "UNLOAD #" u ", hello #" h ", INITIATE_CONTACT #" c }')
	[ -z "$why" ] && [ "$order" != ok ] && why="event order: $order"
	for n in dev-a dev-b dev-c; do
		[ -z "$why" ] && { wait_dev "${INST[$n]}" present || why="$n is missing in the new kernel"; }
	done
	[ -z "$why" ] && { dev_check dev-a; why=$DEV_WHY; }
else
	why="skipped: no new kernel"
fi
say vm:kexec:hv_vmbus_up_in_new_kernel "$why"

# ---- the shutdown IC powers the guest off (last: the guest is gone after it) ----
utils_shutdown_check

# ---- what the host and the guest kernel say overall ----
st=$(vm_ctl state)
why=
for k in protocol_errors bad_maps bad_irqs bad_calls; do
	[ "$(get "$k")" = 0 ] || why="${why:+$why, }$k $(get "$k")"
done
[ -n "$why" ] && vm_ctl events | grep -E 'protocol error' | tail -n 10 | detail
say vm:host:no_protocol_errors "$why"
bad=$(grep -E 'BUG:|WARNING:|Oops|general protection|Call Trace|(hv_vmbus|lis_vmbus_bridge).*(fail|error|broken)' "$VM_LOGS/console.log" |
	grep -v 'module verification failed' | head -n 10)
[ -n "$bad" ] && printf '%s\n' "$bad" | detail
say vm:guest:no_kernel_warnings "$([ -z "$bad" ] || echo "see $VM_LOGS/console.log")"

vm_stop
elapsed=$((SECONDS - T_START))
echo "    the rung took $elapsed s"
say vm:under_5_minutes "$([ "$elapsed" -lt 300 ] || echo "took $elapsed s")"
exit 0
