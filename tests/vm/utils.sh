# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The VM rung's hv_utils, daemon and input checks (sourced by
# tests/rungs/60-vm.sh; uses its helpers vm_run, vm_ctl, vm_state, say,
# detail, guest_fail, wait_dev).  hostsim offers the six ICs, the synthetic
# mouse and keyboard, and a small storvsp disk (a filesystem for VSS to
# freeze); the guest loads hv_utils, hid_hyperv, hyperv_keyboard, hv_storvsc
# (and hv_netvsc where a synthetic NIC is offered) and runs our daemons
# (static builds in the initramfs).  Checked: lsmod with every module bound
# to a simulated device; heartbeat counting up; timesync stepping a skewed
# clock (and the PTP clock "hyperv"); a KVP key from the host read by
# hypervkvpd into its pool file and a guest key enumerated by the host;
# fcopy delivering a file byte for byte; VSS freezing the mounted ext4
# (a write blocks) and thawing it; scripted mouse moves, clicks and key
# presses (plain, E0-prefixed, Unicode) arriving as input events.  The
# shutdown IC is checked last, by utils_shutdown_check, which 60-vm.sh calls
# just before its final summary: it powers the guest off.
# Guest commands are one line each, single-quoted where the guest expands.
# shellcheck disable=SC2016

UT_T0=$SECONDS
UT_HB=4a1e7c90-3b2d-4f61-9a0e-1c2b3d4e5f60
UT_KVP=4a1e7c90-3b2d-4f61-9a0e-1c2b3d4e5f61
UT_SD=4a1e7c90-3b2d-4f61-9a0e-1c2b3d4e5f62
UT_TS=4a1e7c90-3b2d-4f61-9a0e-1c2b3d4e5f63
UT_VSS=4a1e7c90-3b2d-4f61-9a0e-1c2b3d4e5f64
UT_FC=4a1e7c90-3b2d-4f61-9a0e-1c2b3d4e5f65
UT_MS=4a1e7c90-3b2d-4f61-9a0e-1c2b3d4e5f66
UT_KB=4a1e7c90-3b2d-4f61-9a0e-1c2b3d4e5f67
UT_SV=4a1e7c90-3b2d-4f61-9a0e-1c2b3d4e5f68
# the in-tree class GUID of a synthetic NIC
UT_NET_CLASS=f8615163-df3e-46c5-913f-f2d2f965ed0e

# ut_val KEY TEXT: the value of "KEY=..." in TEXT (first match)
ut_val() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1; }
# ut_ok TEXT: a request answered by the rules with S_OK
ut_ok() { [ "$(ut_val rc "$1")" = 0 ] && [ "$(ut_val status "$1")" = 0x00000000 ]; }

# ---- the devices, the modules, the daemons ----
why=
for d in "hb heartbeat $UT_HB" "kvp kvp $UT_KVP" "sd shutdown $UT_SD" "ts timesync $UT_TS" \
	 "vss vss $UT_VSS" "fc fcopy $UT_FC"; do
	# shellcheck disable=SC2086  # NAME SERVICE INSTANCE
	[ -z "$why" ] && { r=$(vm_ctl ic $d) || why="hostsim-vm ic $d: $r"; }
done
[ -z "$why" ] && { r=$(vm_ctl mouse ms "$UT_MS") || why="hostsim-vm mouse: $r"; }
[ -z "$why" ] && { r=$(vm_ctl kbd kb "$UT_KB") || why="hostsim-vm kbd: $r"; }
[ -z "$why" ] && { r=$(vm_ctl storvsp ut-sv scsi "$UT_SV" 0) || why="hostsim-vm storvsp: $r"; }
[ -z "$why" ] && { r=$(vm_ctl lun ut-sv add 0 0 32768) || why="hostsim-vm lun: $r"; }
for i in "$UT_HB" "$UT_FC" "$UT_MS" "$UT_KB" "$UT_SV"; do
	[ -z "$why" ] && { wait_dev "$i" present || why="$i did not appear on the vmbus"; }
done
if [ -z "$why" ]; then
	vm_run 90 'dmesg -c >/dev/null; for m in hid evdev; do grep -q "^$m " /proc/modules || insmod /lib/kmods/$m.ko || exit 1; done; for m in hv_utils hid_hyperv hyperv_keyboard; do insmod /lib/lis/$m.ko || exit 2; done; grep -q "^hv_storvsc " /proc/modules || insmod /lib/lis/hv_storvsc.ko || exit 3; if grep -qil '"$UT_NET_CLASS"' /sys/bus/vmbus/devices/*/class_id 2>/dev/null && ! grep -q "^hv_netvsc " /proc/modules; then insmod /lib/lis/hv_netvsc.ko || exit 4; fi; i=0; until [ -c /dev/vmbus/hv_kvp ] && [ -c /dev/vmbus/hv_vss ] && [ -c /dev/vmbus/hv_fcopy ]; do i=$((i + 1)); [ $i -gt 100 ] && exit 5; sleep 0.1; done; for d in kvp vss fcopy; do (hyperv${d}d -n > /tmp/hv${d}d.log 2>&1 &); done; dmesg | grep -E "hv_utils|hid_hyperv|hyperv_keyboard"'
	[ "$VM_RC" = 0 ] || { guest_fail; why="loading the modules or starting the daemons failed (step $VM_RC)"; }
	printf '%s' "$VM_OUT" | grep -E 'IC started|mouse|keyboard' | sed 's/^\[[^]]*\] //' | detail
fi
say vm:utils:modules_load_daemons_start "$why"
UT_UP=$why

# ---- lsmod: every module of the set bound to a simulated device ----
vm_run 30 'lsmod; for d in /sys/bus/vmbus/devices/*; do [ -e $d/driver/module ] && echo "bound ${d##*/} $(basename $(readlink $d/driver/module))"; done; grep -qil '"$UT_NET_CLASS"' /sys/bus/vmbus/devices/*/class_id && echo "bound nic-offered -"; true'
echo "    guest lsmod:"
printf '%s' "$VM_OUT" | grep -v '^bound ' | sed 's/^/      /'
why=
for m in hid_hyperv hv_netvsc hv_utils hv_storvsc hv_vmbus; do
	if [ "$m" = hv_netvsc ] && ! printf '%s' "$VM_OUT" | grep -q '^bound nic-offered '; then
		skip vm:utils:lsmod:hv_netvsc "no synthetic NIC is offered at this point of the rung (tests/vm/netvsc.sh)"
		continue
	fi
	printf '%s' "$VM_OUT" | grep -q "^$m " || { why="${why:+$why; }$m is not in lsmod"; continue; }
	# hv_vmbus is the bus: the simulated devices on it are its binding
	[ "$m" = hv_vmbus ] && m_bound='^bound ' || m_bound=" $m\$"
	printf '%s' "$VM_OUT" | grep -v nic-offered | grep -E "$m_bound" | grep -q . ||
		why="${why:+$why; }$m is bound to no simulated device"
done
printf '%s' "$VM_OUT" | grep '^bound ' | grep -v nic-offered | sed 's/^bound /      bound: /'
say vm:utils:lsmod_lists_the_five_modules_bound "$why"

# ---- heartbeat counts up ----
why=${UT_UP:+skipped: $UT_UP}
if [ -z "$why" ]; then
	prev=0
	for s in 100 101 102; do
		r=$(vm_ctl ic-heartbeat hb "$s")
		ut_ok "$r" || { why="heartbeat $s: $(printf '%s' "$r" | tr '\n' ' ')"; break; }
		n=$(ut_val seq_out "$r")
		if [ "$n" != $((s + 1)) ] || [ "$n" -le "$prev" ]; then why="heartbeat $s answered $n"; break; fi
		prev=$n
	done
fi
say vm:utils:heartbeat_counts_up "$why"

# ---- timesync steps a skewed clock ----
why=${UT_UP:+skipped: $UT_UP}
if [ -z "$why" ]; then
	vm_run 30 'date -s @1000000000 >/dev/null; date +%s; for p in /sys/class/ptp/ptp*; do [ "$(cat $p/clock_name)" = hyperv ] && echo "ptp=${p##*/}"; done; true'
	skewed=$(printf '%s' "$VM_OUT" | grep -E '^[0-9]+$' | head -n 1)
	ptp=$(ut_val ptp "$VM_OUT")
	r=$(vm_ctl ic-timesync ts "$(date +%s)" sync)
	ut_ok "$r" || why="timesync: $(printf '%s' "$r" | tr '\n' ' ')"
	sleep 1
	vm_run 30 'date +%s; dmesg | grep "timesync:" | tail -n 1'
	now=$(date +%s)
	g=$(printf '%s' "$VM_OUT" | grep -E '^[0-9]+$' | head -n 1)
	printf '%s' "$VM_OUT" | grep timesync: | sed 's/^\[[^]]*\] //' | detail
	echo "    clock: skewed to ${skewed:-?}, after SYNC ${g:-?}, host $now; PTP clock hyperv: ${ptp:-none}"
	[ -z "$why" ] && { [ -n "$g" ] && [ $((g - now)) -le 5 ] && [ $((now - g)) -le 5 ] ||
		why="the guest clock reads ${g:-nothing}, the host's $now"; }
	[ -z "$why" ] && [ -z "$ptp" ] && why="no PTP clock named hyperv"
fi
say vm:utils:timesync_steps_a_skewed_clock "$why"

# ---- KVP: host -> daemon -> pool file; guest pool -> host ----
why=${UT_UP:+skipped: $UT_UP}
if [ -z "$why" ]; then
	r=$(vm_ctl ic-kvp-set kvp 0 LisHostKey hello-from-host)
	ut_ok "$r" || why="KVP SET: $(printf '%s' "$r" | tr '\n' ' ')"
	# a record cloud-init would write: key in 512 bytes, value in 2048, NUL-padded
	[ -z "$why" ] && vm_run 30 'tr "\0" "\n" < /var/lib/hyperv/.kvp_pool_0 | grep -x -A 600 LisHostKey | grep -x hello-from-host && { printf LisGuestKey; head -c 501 /dev/zero; printf guest-value; head -c 2037 /dev/zero; } > /var/lib/hyperv/.kvp_pool_1'
	[ -z "$why" ] && [ "$VM_RC" != 0 ] && { guest_fail; vm_run 10 'cat /tmp/hvkvpd.log'; guest_fail; why="the host's key is not in /var/lib/hyperv/.kvp_pool_0"; }
	if [ -z "$why" ]; then
		r=$(vm_ctl ic-kvp-get kvp 1 LisGuestKey)
		ut_ok "$r" && [ "$(ut_val value "$r")" = guest-value ] || why="KVP GET of the guest's key: $(printf '%s' "$r" | tr '\n' ' ')"
	fi
	if [ -z "$why" ]; then
		r=$(vm_ctl ic-kvp-enum kvp 1)
		printf '%s\n' "$r" | grep -qx 'key=LisGuestKey value=guest-value' || why="KVP ENUMERATE of pool 1: $(printf '%s' "$r" | tr '\n' ' ')"
	fi
fi
say vm:utils:kvp_host_key_to_daemon_and_guest_key_to_host "$why"

# ---- fcopy delivers a file ----
why=${UT_UP:+skipped: $UT_UP}
if [ -z "$why" ]; then
	head -c 20000 /dev/urandom > "$VM_DIR/fcopy.bin"
	r=$(vm_ctl ic-fcopy fc "$VM_DIR/fcopy.bin" /tmp/fcopy lis-fcopy.bin)
	ut_ok "$r" || why="fcopy: $(printf '%s' "$r" | tr '\n' ' ')"
	[ -z "$why" ] && vm_run 30 'sha256sum /tmp/fcopy/lis-fcopy.bin'
	[ -z "$why" ] && [ "$(printf '%s' "$VM_OUT" | awk '{ print $1 }' | head -n 1)" != "$(sha256sum "$VM_DIR/fcopy.bin" | cut -d' ' -f1)" ] &&
		why="the delivered file differs: $VM_OUT"
fi
say vm:utils:fcopy_delivers_a_file "$why"

# ---- VSS freezes and thaws a mounted filesystem ----
why=${UT_UP:+skipped: $UT_UP}
if [ -z "$why" ]; then
	vm_run 60 's='"$UT_SV"'; i=0; while :; do b=$(ls -d /sys/bus/vmbus/devices/$s/host*/target*/*:0:0:0/block/* 2>/dev/null | head -n 1); [ -n "$b" ] && break; i=$((i + 1)); [ $i -gt 150 ] && exit 1; sleep 0.1; done; d=/dev/${b##*/}; /opt/e2fs/mkfs.ext4 -q -F $d && mkdir -p /mnt/ut && mount -t ext4 $d /mnt/ut && echo before > /mnt/ut/before && sync'
	[ "$VM_RC" = 0 ] || { guest_fail; why="no ext4 on the storvsp disk"; }
	if [ -z "$why" ]; then
		r=$(vm_ctl ic-vss vss freeze)
		ut_ok "$r" || why="VSS FREEZE: $(printf '%s' "$r" | tr '\n' ' ')"
	fi
	if [ -z "$why" ]; then
		# a write into the frozen filesystem waits for the thaw
		vm_run 30 'rm -f /tmp/vss.done; (echo during > /mnt/ut/during && echo done > /tmp/vss.done) >/dev/null 2>&1 & sleep 2; [ ! -e /tmp/vss.done ]'
		[ "$VM_RC" = 0 ] || why="a write went through while frozen"
		r=$(vm_ctl ic-vss vss thaw)
		ut_ok "$r" || why="${why:-VSS THAW: $(printf '%s' "$r" | tr '\n' ' ')}"
		vm_run 30 'i=0; until [ -e /tmp/vss.done ]; do i=$((i + 1)); [ $i -gt 100 ] && exit 1; sleep 0.1; done; cat /mnt/ut/during'
		[ -z "$why" ] && [ "$VM_RC" != 0 ] && { vm_run 10 'cat /tmp/hvvssd.log'; guest_fail; why="the write did not finish after THAW"; }
	fi
fi
say vm:utils:vss_freezes_and_thaws_a_mounted_fs "$why"

# ---- input: mouse moves and clicks, key presses ----
# ut_events MATCH HOST-COMMANDS...: the events lis-evread saw on the device
# matching MATCH while hostsim-vm ran the commands (separated by ';')
ut_events() {
	local m=$1 c
	shift
	UT_EV=
	UT_EVHEAD=
	vm_run 30 "rm -f /tmp/ev; (lis-evread '$m' 8 > /tmp/ev 2>&1 &); "'i=0; until grep -q "^ready" /tmp/ev 2>/dev/null; do i=$((i + 1)); [ $i -gt 50 ] && exit 1; sleep 0.1; done; grep "^dev=" /tmp/ev'
	[ "$VM_RC" = 0 ] || { vm_run 10 'cat /tmp/ev; ls /sys/bus/serio/devices/ && cat /sys/bus/serio/devices/*/description /sys/bus/serio/devices/*/drvctl 2>/dev/null; dmesg | grep -i -E "serio|atkbd|input:" | tail -n 8'; guest_fail; UT_EV="no input device matching $m"; return; }
	UT_EVHEAD=$VM_OUT
	printf '%s' "$VM_OUT" | detail
	IFS=';' read -r -a cmds <<< "$*"
	for c in "${cmds[@]}"; do
		# shellcheck disable=SC2086  # a command and its arguments
		vm_ctl $c >/dev/null || { UT_EV="hostsim-vm $c failed"; return; }
	done
	sleep 2
	vm_run 30 'grep -E "^[0-9]+ [0-9]+ -?[0-9]+\$" /tmp/ev'
	UT_EVOUT=$VM_OUT
}

why=${UT_UP:+skipped: $UT_UP}
if [ -z "$why" ]; then
	ut_events "Microsoft Vmbus HID-compliant Mouse" "mouse-report ms 0 1000 2000 0;mouse-report ms 1 1000 2000 0;mouse-report ms 0 1000 2000 0;mouse-report ms 0 3000 4000 0"
	why=$UT_EV
	# EV_ABS X/Y, EV_KEY BTN_LEFT down and up, the second move
	for e in '3 0 1000' '3 1 2000' '1 272 1' '1 272 0' '3 0 3000' '3 1 4000'; do
		[ -z "$why" ] && ! printf '%s' "$UT_EVOUT" | grep -qx "$e" && why="no event '$e' (got: $(printf '%s' "$UT_EVOUT" | grep -v '^0 ' | tr '\n' ',' | cut -c1-200))"
	done
fi
say vm:utils:mouse_moves_and_clicks_arrive_as_input_events "$why"

why=${UT_UP:+skipped: $UT_UP}
if [ -z "$why" ]; then
	# A down/up; Up arrow (E0 48) down/up; Unicode 'b'
	# atkbd on our serio port (QEMU's i8042 keyboard is "AT Raw Set 2")
	ut_events "AT Translated Set 2 keyboard" "kbd-key kb 0x1e;kbd-key kb 0x1e up;kbd-key kb 0x48 e0;kbd-key kb 0x48 e0 up;kbd-key kb 0x62 unicode"
	why=$UT_EV
	# its phys: the serio port's, the vmbus device name cut to 31 characters (as in-tree)
	[ -z "$why" ] && ! printf '%s' "$UT_EVHEAD" | grep -q "phys=${UT_KB:0:31}" && why="not our keyboard: $UT_EVHEAD"
	for e in '1 30 1' '1 30 0' '1 103 1' '1 103 0' '1 48 1' '1 48 0'; do
		[ -z "$why" ] && ! printf '%s' "$UT_EVOUT" | grep -qx "$e" && why="no event '$e' (got: $(printf '%s' "$UT_EVOUT" | grep '^1 ' | tr '\n' ',' | cut -c1-200))"
	done
fi
say vm:utils:key_presses_arrive_as_input_events "$why"

# the host saw nothing malformed from the guest's ICs and input drivers
why=
for n in hb kvp ts vss fc; do
	e=$(ut_val protocol_errors "$(vm_ctl ic-stats "$n" | tr '\n' ' ')")
	[ "${e:-x}" = 0 ] || why="${why:+$why, }$n: ${e:-no stats} protocol errors"
done
for n in mouse-stats:ms kbd-stats:kb; do
	e=$(ut_val protocol_errors "$(vm_ctl "${n%%:*}" "${n#*:}" | tr '\n' ' ')")
	[ "${e:-x}" = 0 ] || why="${why:+$why, }${n#*:}: ${e:-no stats} protocol errors"
done
say vm:utils:host_saw_no_protocol_errors "$why"

# leave the guest as the later checks expect it: daemons stopped, the
# filesystem unmounted, our modules unloaded (their unload path checked)
vm_run 60 'killall hypervkvpd hypervvssd hypervfcopyd 2>/dev/null; sleep 0.5; umount /mnt/ut 2>/dev/null; rmmod hid_hyperv && rmmod hyperv_keyboard && rmmod hv_utils && rmmod hv_storvsc && ! [ -e /dev/vmbus/hv_kvp ] || exit 1; grep -q "^hv_netvsc " /proc/modules && rmmod hv_netvsc; true'
say vm:utils:modules_unload "$([ "$VM_RC" = 0 ] || { guest_fail; echo "rmmod of hid_hyperv, hyperv_keyboard, hv_utils or hv_storvsc failed"; })"
echo "    hv_utils, daemon and input checks: $((SECONDS - UT_T0)) s"

# utils_shutdown_check: the shutdown IC powers the guest off cleanly (the
# host's request answered S_OK, the kernel's orderly power-off through
# /sbin/poweroff, VMBus UNLOAD on the way down, QEMU gone).  Run last.
utils_shutdown_check() {
	local why='' r u0 t
	vm_alive || { say vm:utils:shutdown_ic_powers_off "skipped: the guest is not running"; return; }
	# busybox's poweroff signals init, which this initramfs's /init (a
	# shell) ignores: -f powers off directly, as systemd does at its end
	vm_run 60 'echo "/bin/busybox poweroff -f" > /proc/sys/kernel/poweroff_cmd; grep -q "^hv_utils " /proc/modules || insmod /lib/lis/hv_utils.ko; i=0; until [ -e /sys/bus/vmbus/devices/'"$UT_SD"'/driver ]; do i=$((i + 1)); [ $i -gt 150 ] && exit 1; sleep 0.1; done'
	[ "$VM_RC" = 0 ] || { guest_fail; why="hv_utils did not bind the shutdown IC"; }
	u0=$(vm_state unloads)
	if [ -z "$why" ]; then
		r=$(vm_ctl ic-shutdown sd poweroff)
		ut_ok "$r" || why="SHUTDOWN: $(printf '%s' "$r" | tr '\n' ' ')"
	fi
	t=$SECONDS
	while [ -z "$why" ] && vm_alive; do
		[ $((SECONDS - t)) -lt 60 ] || { why="the guest still runs 60 s after the shutdown request"; break; }
		sleep 0.5
	done
	[ -z "$why" ] && echo "    powered off $((SECONDS - t)) s after the shutdown request"
	[ -z "$why" ] && ! grep -q 'reboot: Power down' "$VM_LOGS/console.log" && why="no 'reboot: Power down' on the console"
	[ -z "$why" ] && [ "$(vm_state unloads)" != $((u0 + 1)) ] && why="hostsim saw no UNLOAD on the way down"
	say vm:utils:shutdown_ic_powers_off "$why"
}
