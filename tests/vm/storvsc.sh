# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The VM rung's hv_storvsc checks (sourced by tests/rungs/60-vm.sh after
# hv_vmbus is loaded; uses its helpers: vm_run, vm_ctl, say, detail,
# guest_fail, wait_dev).  hostsim offers a storvsp SCSI controller with a
# 64 MiB disk; the shipped hv_storvsc.ko drives it: the disk appears as
# /dev/sdX with the in-tree H:C:T:L and proc_name, carries an ext4 file
# system whose bytes match what hostsim sees on the host side, follows hot
# add, hot remove and online resize, and survives unload/reload.  The DVD in
# the emulated IDE drive (ata_piix) stays readable throughout.
# Guest commands are one line each (the agent reads lines), single-quoted
# where the guest's shell expands them.
# shellcheck disable=SC2016

SV_INST=5d2f0a31-7c4e-4b8a-9f61-0e2d4c6b8a13
SV_BLOCKS=131072
SV_DIR=/sys/bus/vmbus/devices/$SV_INST
DVD_SUM=$(sha256sum "$VM_DVD" | cut -d' ' -f1)

# sv_lun_dev L [absent]: the guest waits (15 s) until LUN L of target 0 has a
# block device (or none); SV_DEV is its name
sv_lun_dev() {
	local want=present
	[ "${2-}" = absent ] && want=absent
	vm_run 30 "l=$1; w=$want; d=$SV_DIR; "'i=0; while :; do b=$(ls -d $d/host*/target*/*:0:0:$l/block/* 2>/dev/null | head -n 1); [ -n "$b" ] && [ $w = present ] && break; [ -z "$b" ] && [ $w = absent ] && break; i=$((i + 1)); [ $i -gt 150 ] && exit 1; sleep 0.1; done; [ -n "$b" ] && echo "dev=${b##*/} hctl=$(basename "$(dirname "$(dirname "$b")")")"; exit 0'
	SV_DEV=$(printf '%s' "$VM_OUT" | sed -n 's/^dev=\([a-z]*\) .*/\1/p')
	SV_HCTL=$(printf '%s' "$VM_OUT" | sed -n 's/.* hctl=//p')
	[ "$VM_RC" = 0 ]
}

# the guest's SHA-256 of a whole block device, read after dropping the caches
sv_guest_sum() {
	vm_run 120 "sync; echo 3 > /proc/sys/vm/drop_caches; dd if=/dev/$1 bs=1M 2>/dev/null | sha256sum"
	SV_SUM=$(printf '%s' "$VM_OUT" | awk '{ print $1 }' | tail -n 1)
}

dvd_check() {
	local why=
	vm_run 60 'i=0; until [ -b /dev/sr0 ]; do i=$((i + 1)); [ $i -gt 150 ] && exit 1; sleep 0.1; done; dd if=/dev/sr0 bs=2048 2>/dev/null | sha256sum'
	[ "$VM_RC" = 0 ] || { guest_fail; why="no /dev/sr0"; }
	[ -z "$why" ] && [ "$(printf '%s' "$VM_OUT" | awk '{ print $1 }' | tail -n 1)" != "$DVD_SUM" ] &&
		why="the DVD reads differently from its image"
	say "$1" "$why"
}

# the kernel's own disk, DVD and ext4 modules (ata_piix keeps the DVD)
vm_run 60 'for m in $(cat /lib/kmods/load-order); do insmod /lib/kmods/$m.ko || exit 1; done'
[ "$VM_RC" = 0 ] || guest_fail
dvd_check vm:storvsc:dvd_readable_before_storvsc

# ---- the disk appears ----
why=
r=$(vm_ctl storvsp sv0 scsi "$SV_INST" "$VM_SMP") || why="hostsim-vm storvsp: $r"
[ -z "$why" ] && { r=$(vm_ctl lun sv0 add 0 0 "$SV_BLOCKS") || why="hostsim-vm lun add: $r"; }
[ -z "$why" ] && { wait_dev "$SV_INST" present || why="the controller did not appear on the vmbus"; }
if [ -z "$why" ]; then
	vm_run 60 'insmod /lib/lis/hv_storvsc.ko'
	[ "$VM_RC" = 0 ] || { guest_fail; why="insmod hv_storvsc failed"; }
fi
[ -z "$why" ] && { sv_lun_dev 0 || why="no block device for LUN 0 within 15 s"; }
if [ -z "$why" ]; then
	DISK=$SV_DEV
	vm_run 30 "cat $SV_DIR/host*/scsi_host/host*/proc_name /sys/block/$DISK/size; readlink /sys/block/$DISK"
	printf '%s' "$VM_OUT" | detail
	proc=$(printf '%s\n' "$VM_OUT" | sed -n 1p)
	size=$(printf '%s\n' "$VM_OUT" | sed -n 2p)
	link=$(printf '%s\n' "$VM_OUT" | sed -n 3p)
	[ "$proc" = storvsc_host ] || why="proc_name '$proc', want storvsc_host"
	[ -z "$why" ] && [ "$size" != "$SV_BLOCKS" ] && why="size '$size' blocks, want $SV_BLOCKS"
	[[ -z $why && ! $SV_HCTL =~ ^[0-9]+:0:0:0$ ]] && why="H:C:T:L $SV_HCTL, want N:0:0:0"
	# the Scsi_Host hangs under the vmbus device (Azure's udev rules walk up to device_id)
	[[ -z $why && $link != *"/$SV_INST/host"* ]] && why="/sys/block/$DISK is not under the vmbus device: $link"
fi
if [ -z "$why" ]; then
	st=$(vm_ctl storvsp-stats sv0)
	sub=$(printf '%s\n' "$st" | sed -n 's/^subchannels=//p')
	[ "$sub" = $((VM_SMP - 1)) ] || why="$sub sub-channels, want $((VM_SMP - 1)) (CPUs - 1)"
	[ -z "$why" ] && [ "$(printf '%s\n' "$st" | sed -n 's/^version=//p')" != 0x602 ] && why="protocol $(printf '%s\n' "$st" | sed -n 's/^version=//p'), want 6.2"
fi
say vm:storvsc:disk_appears "$why"
echo "    /dev/${DISK:-?} is $SV_HCTL"

# ---- ext4: files written, synced, read back after dropping the caches; the
#      disk's bytes are what the host holds ----
why=
if [ -n "${DISK-}" ]; then
	# one line: the agent reads a command per line
	vm_run 240 "d=/dev/$DISK; "'/opt/e2fs/mkfs.ext4 -q -F $d || exit 2; mkdir -p /mnt && mount -t ext4 $d /mnt || exit 3; for i in 1 2 3 4 5 6 7 8; do dd if=/dev/urandom of=/mnt/f$i bs=64k count=$((i * 3)) 2>/dev/null || exit 4; done; (cd /mnt && sha256sum f*) > /tmp/sums && sync && umount /mnt || exit 5; echo 3 > /proc/sys/vm/drop_caches; mount -t ext4 $d /mnt && (cd /mnt && sha256sum -c /tmp/sums) || exit 6; umount /mnt'
	[ "$VM_RC" = 0 ] || { guest_fail; why="mkfs/mount/write/read-back failed (step $VM_RC)"; }
	if [ -z "$why" ]; then
		sv_guest_sum "$DISK"
		host=$(vm_ctl lun sv0 sum 0 0)
		echo "    whole disk: guest $SV_SUM, host $host"
		[ -n "$SV_SUM" ] && [ "$SV_SUM" = "$host" ] || why="the guest reads $SV_SUM, the host holds $host"
	fi
else
	why="no disk"
fi
say vm:storvsc:ext4_files_and_disk_match_host "$why"

# ---- hot add and hot remove of a LUN ----
why=
r=$(vm_ctl lun sv0 add 0 1 16384) || why="hostsim-vm lun add: $r"
[ -z "$why" ] && { sv_lun_dev 1 || why="LUN 1 did not appear within 15 s"; }
if [ -z "$why" ]; then
	vm_run 30 "cat /sys/block/$SV_DEV/size"
	[ "$(printf '%s' "$VM_OUT" | tail -n 1)" = 16384 ] || why="LUN 1 has $VM_OUT blocks, want 16384"
fi
say vm:storvsc:hot_add_lun "$why"
why=
r=$(vm_ctl lun sv0 remove 0 1) || why="hostsim-vm lun remove: $r"
[ -z "$why" ] && { sv_lun_dev 1 absent || why="LUN 1 is still there after 15 s"; }
say vm:storvsc:hot_remove_lun "$why"

# ---- online resize ----
why=
if [ -n "${DISK-}" ]; then
	r=$(vm_ctl lun sv0 resize 0 0 $((2 * SV_BLOCKS))) || why="hostsim-vm lun resize: $r"
	if [ -z "$why" ]; then
		vm_run 30 "s=/sys/block/$DISK/size; want=$((2 * SV_BLOCKS)); "'i=0; until [ "$(cat $s)" = $want ]; do i=$((i + 1)); [ $i -gt 150 ] && exit 1; sleep 0.1; done'
		[ "$VM_RC" = 0 ] || why="/dev/$DISK did not grow to $((2 * SV_BLOCKS)) blocks within 15 s"
	fi
else
	why="no disk"
fi
say vm:storvsc:online_resize "$why"

# ---- unload and reload with the disk idle ----
why=
if [ -n "${DISK-}" ]; then
	vm_run 60 "rmmod hv_storvsc && ! [ -e /sys/block/$DISK ] && ! ls -d $SV_DIR/host* >/dev/null 2>&1"
	[ "$VM_RC" = 0 ] || { guest_fail; why="rmmod hv_storvsc failed or the disk remained"; }
	[ -z "$why" ] && { vm_run 60 'insmod /lib/lis/hv_storvsc.ko' || true; }
	[ -z "$why" ] && [ "$VM_RC" != 0 ] && { guest_fail; why="insmod hv_storvsc failed again"; }
	[ -z "$why" ] && { sv_lun_dev 0 || why="the disk did not come back"; }
	if [ -z "$why" ]; then
		sv_guest_sum "$SV_DEV"
		host=$(vm_ctl lun sv0 sum 0 0)
		[ -n "$SV_SUM" ] && [ "$SV_SUM" = "$host" ] || why="after reload the guest reads $SV_SUM, the host holds $host"
	fi
	[ -z "$why" ] && { vm_run 60 "d=/dev/$SV_DEV; "'mount -t ext4 $d /mnt && (cd /mnt && sha256sum -c /tmp/sums) >/dev/null && umount /mnt' ||
		true; }
	[ -z "$why" ] && [ "$VM_RC" != 0 ] && why="the files do not read back after reload"
else
	why="no disk"
fi
say vm:storvsc:unload_reload "$why"

dvd_check vm:storvsc:dvd_readable_with_storvsc

# the host saw nothing malformed from our storvsc
st=$(vm_ctl storvsp-stats sv0)
printf '%s\n' "$st" | tr '\n' ' ' | sed 's/^/    storvsp: /;s/ *$/\n/'
bad=$(printf '%s\n' "$st" | sed -n 's/^bad_requests=//p')
say vm:storvsc:host_saw_no_bad_requests "$([ "$bad" = 0 ] || echo "storvsp counted $bad bad requests")"

# ---- the host takes the controller away while the disk is being read:
#      the SCSI host goes (nothing waits for the timeouts), the relids are
#      released ----
why=
if [ -n "${SV_DEV-}" ]; then
	rel0=$(vm_state relids_released)
	vm_run 30 "d=/dev/$SV_DEV; "'(while dd if=$d of=/dev/null bs=1M 2>/dev/null; do echo 3 > /proc/sys/vm/drop_caches; done &) ; sleep 1'
	[ "$VM_RC" = 0 ] || { guest_fail; why="could not start reading the disk"; }
	[ -z "$why" ] && { r=$(vm_ctl storvsp-rescind sv0) || why="hostsim-vm storvsp-rescind: $r"; }
	[ -z "$why" ] && { wait_dev "$SV_INST" absent || why="the controller is still on the vmbus after 15 s"; }
	# the bus link goes before the driver's remove has run (device_del):
	# wait for the SCSI side, well inside the 30 s command timeout
	[ -z "$why" ] && { vm_run 30 "d=$SV_DEV; s=$SV_INST; "'i=0; while [ -e /sys/block/$d/device ] || ls -d /sys/class/scsi_host/*/device/../$s >/dev/null 2>&1; do i=$((i + 1)); [ $i -gt 100 ] && exit 1; sleep 0.1; done' ||
		true; }
	[ -z "$why" ] && [ "$VM_RC" != 0 ] && why="/dev/$SV_DEV still has a SCSI device 10 s after the controller left the vmbus"
	[ -z "$why" ] && { vm_wait "relids_released>=$((rel0 + VM_SMP))" 10000 >/dev/null ||
		why="hostsim saw $(( $(vm_state relids_released) - rel0 )) RELID_RELEASED, want $VM_SMP (primary and sub-channels)"; }
else
	why="no disk"
fi
say vm:storvsc:rescind_while_busy "$why"

# leave the guest as the later checks expect it: no storvsc
vm_run 60 'rmmod hv_storvsc'
