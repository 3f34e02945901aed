#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Rung 62, the real root in the VM: the Debian 12 root of the realroot rung
# (debootstrap, cached), with systemd and grub, on a disk image that is both
# the VM's boot disk (the board's IDE disk: SeaBIOS and grub read the kernel,
# the image and grubenv from it, as on a Hyper-V generation 1 VM) and a SCSI
# LUN of hostsim's storvsp (the root file system, through our hv_vmbus and
# hv_storvsc; the kernel's ATA drivers are kept off the IDE disk).
#
#   1. install.sh --replace --root on the mounted image: DKMS, depmod,
#      dracut, the image check, and the trial boot armed for real (grub.d
#      fallback entry, grub-set-default, grub-reboot);
#   2. boot 1 is the trial: root on our storvsc, the health check commits;
#   3. upgrade.sh from a newer medium arms a second trial, whose image is
#      then deliberately broken (zeroed);
#   4. boot 2 (the trial) panics; boot 3 is grub's own choice: the fallback
#      entry, the previous LIS set, lis.fallback=1, and lis-status says why.
#
# Each boot is a fresh QEMU and a fresh hostsim-vm (a reboot resets a
# Hyper-V VM; QEMU runs with -no-reboot).  The rung reads the serial console
# and the files the guest's test unit (tests/vm/vmroot-report) leaves.
# The checks are functions run by step(), which shellcheck cannot follow:
# shellcheck disable=SC2317
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/debootstrap.sh"
cd "$TOP" || exit 1
if [ "${LIS_VMROOT_NS:-}" != 1 ]; then
	exec unshare --mount --propagation private env LIS_VMROOT_NS=1 bash "$0" "$@"
fi
export OUT
T_START=$SECONDS
T=$OUT/tests/vmroot
VM_LOGS=$OUT/logs/vmroot
LOOP='' UUID_LINK=''
mnt_done() {
	[ -d "$T/mnt" ] && { chroot_umounts "$T/mnt"; umount "$T/mnt" 2>/dev/null; }
	[ -n "$LOOP" ] && losetup -d "$LOOP" 2>/dev/null
	[ -n "$UUID_LINK" ] && rm -f "$UUID_LINK"
	LOOP='' UUID_LINK=''
	return 0
}
# a run that was killed can leave its loop device behind
for l in $(losetup -j "$T/disk.img" 2> /dev/null | cut -d: -f1); do losetup -d "$l"; done
mnt_done
rm -rf "$T" "$VM_LOGS"
mkdir -p "$T" "$VM_LOGS"
VM_DIR=$(mktemp -d /tmp/lisvmr.XXXXXX)
# shellcheck source=tests/vm/vmlib.sh
. "$TOP/tests/vm/vmlib.sh"
trap 'vm_stop; mnt_done; rm -rf "$VM_DIR"' EXIT
export SOURCE_DATE_EPOCH=1700000000
detail() { sed 's/^/    /'; }

# the host process (the guest's bridge is built in the root, below)
if ! make -s -C tests/vm/hostsim-vm > "$T/hostsim-vm.log" 2>&1; then
	tail -n 10 "$T/hostsim-vm.log" | detail
	fail vmroot:hostsim_vm "hostsim-vm does not build"
	exit 0
fi
command -v qemu-system-x86_64 > /dev/null || { fail vmroot:qemu "qemu-system-x86_64 is not installed (make deps)"; exit 0; }

# ---- the media: this tree's version, and a newer one for the upgrade ----
V1=$(cat VERSION)
V2=${V1%.*}.$((${V1##*.} + 1))
MODS=$(sed -e 's/#.*//' hv-generic/modules | while read -r m; do if [ -r "drivers/$m/Kbuild" ]; then printf '%s ' "$m"; fi; done)
build_media() {
	local src=$T/src-$V2
	make -s -C tools/lis-kabi > "$T/build.log" 2>&1 &&
		spec/build-rpms.sh --out "$T/rpm1" --modules "${MODS% }" tools dkms >> "$T/build.log" 2>&1 &&
		iso/build-iso.sh --rpms "$T/rpm1" --tree "$T/medium1" >> "$T/build.log" 2>&1 || return 1
	# the same sources as a newer release
	mkdir -p "$src" && tar -C "$TOP" --exclude=./out --exclude=./.git -cf - . | tar -C "$src" -xf - &&
		echo "$V2" > "$src/VERSION" &&
		make -s -C "$src/tools/lis-kabi" >> "$T/build.log" 2>&1 &&
		LIS_TOP=$src OUT=$src/out "$src/spec/build-rpms.sh" --out "$T/rpm2" --modules "${MODS% }" tools dkms >> "$T/build.log" 2>&1 &&
		LIS_TOP=$src OUT=$src/out "$src/iso/build-iso.sh" --rpms "$T/rpm2" --tree "$T/medium2" >> "$T/build.log" 2>&1
}
if ! build_media; then
	tail -n 10 "$T/build.log" | detail
	fail vmroot:media "the LIS media do not build (see $T/build.log)"
	exit 0
fi
pass vmroot:media

# ---- the disk: the cached root with systemd and grub, partitioned ----
if ! C=$(debian_root base - linux-image-amd64 initramfs-tools zstd 2> "$T/root.err" > /dev/null &&
	debian_root dracut base dracut 2>> "$T/root.err" > /dev/null &&
	debian_root lis-dkms dracut dkms linux-headers-amd64 gcc make 2>> "$T/root.err" > /dev/null &&
	debian_root vmboot lis-dkms systemd-sysv grub-pc-bin grub2-common fdisk 2>> "$T/root.err"); then
	fail vmroot:debian12_root "$(tail -n 3 "$T/root.err")"
	exit 0
fi
K=$(debian_kernel "$C")
DISK=$T/disk.img
R=$T/mnt
# in the chroot of the mounted disk
inr() { chroot "$R" "$@"; }
# le32 N: four little-endian bytes as printf escapes
le32() { printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
# mount_disk: the disk's partition at R, with /proc, /sys and /dev for chroot
mount_disk() {
	local i=0
	LOOP=$(losetup --find --show --partscan "$DISK") || return 1
	while ! [ -b "${LOOP}p1" ]; do
		i=$((i + 1)); [ "$i" -gt 50 ] && { echo "no ${LOOP}p1"; return 1; }
		partx -u "$LOOP" 2> /dev/null; sleep 0.1
	done
	[ "${1:-}" = raw ] && return 0
	mkdir -p "$R" && mount "${LOOP}p1" "$R" && chroot_mounts "$R" && uuid_link
}
# uuid_link: /dev/disk/by-uuid/ names the partition (grub-mkconfig writes
# root=UUID= only then); made here where no udev runs, and removed again
uuid_link() {
	local uuid
	uuid=$(blkid -o value -s UUID "${LOOP}p1") || return 1
	[ -e "/dev/disk/by-uuid/$uuid" ] && return 0
	mkdir -p /dev/disk/by-uuid && ln -sfn "../../${LOOP#/dev/}p1" "/dev/disk/by-uuid/$uuid" && UUID_LINK=/dev/disk/by-uuid/$uuid
}
# step NAME FUNC: run FUNC here (it keeps LOOP), PASS or FAIL with its output
step() {
	local rc=0
	"$2" 3>&1 > "$T/$1.out" 2>&1 || rc=$?
	if [ "$rc" = 0 ]; then pass "$1"; else tail -n 15 "$T/$1.out" | detail; fail "$1" "exit $rc"; fi
	return "$rc"
}
make_disk() {
	local uuid sectors=$(((3 * 1024 - 1) * 2048))
	rm -f "$DISK"
	truncate -s 3G "$DISK" || return 1
	# an MBR with one bootable Linux partition from 1 MiB (grub's core image
	# goes in the gap before it)
	# shellcheck disable=SC2059  # the escapes are the format
	printf "\\x80\\xfe\\xff\\xff\\x83\\xfe\\xff\\xff$(le32 2048)$(le32 "$sectors")" |
		dd of="$DISK" bs=1 seek=446 conv=notrunc status=none || return 1
	printf '\x55\xaa' | dd of="$DISK" bs=1 seek=510 conv=notrunc status=none || return 1
	mount_disk raw || return 1
	mkfs.ext4 -q -L lisroot "${LOOP}p1" || return 1
	mkdir -p "$R" && mount "${LOOP}p1" "$R" && cp -a "$C/." "$R/" && chroot_mounts "$R" && uuid_link || return 1
	uuid=$(blkid -o value -s UUID "${LOOP}p1") || return 1
	printf 'UUID=%s / ext4 errors=remount-ro 0 1\n' "$uuid" > "$R/etc/fstab"
	echo lisvm > "$R/etc/hostname"
	inr systemd-machine-id-setup > /dev/null 2>&1 || return 1
	# grub on the serial port, no menu wait, the saved default honoured
	# (RHEL's GRUB_DEFAULT); the kernel's ATA drivers stay off the IDE disk
	# (on Hyper-V the same disk is storvsc's)
	cat > "$R/etc/default/grub" <<-EOF
	GRUB_DEFAULT=saved
	GRUB_TIMEOUT=0
	GRUB_DISTRIBUTOR=Debian
	GRUB_TERMINAL=serial
	GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"
	GRUB_CMDLINE_LINUX_DEFAULT=""
	GRUB_CMDLINE_LINUX="console=ttyS0,115200 modprobe.blacklist=ata_piix,ata_generic,pata_acpi panic=5 rd.shell=0 rd.emergency=reboot"
	GRUB_DISABLE_OS_PROBER=true
	GRUB_DISABLE_RECOVERY=true
	EOF
	# hv_vmbus follows the bridge (udev loads it for the ivshmem device;
	# Hyper-V's VMBus ACPI device, which would load hv_vmbus, is not there)
	echo 'softdep lis_vmbus_bridge post: hv_vmbus' > "$R/etc/modprobe.d/lisvm.conf"
	# the image: dracut host-only plus the VM's drivers, quick to build
	mkdir -p "$R/etc/dracut.conf.d"
	cat > "$R/etc/dracut.conf.d/00-lisvm.conf" <<-EOF
	hostonly="yes"
	hostonly_mode="strict"
	dracutmodules=" base kernel-modules rootfs-block udev-rules fs-lib systemd-initrd dracut-systemd "
	add_drivers+=" lis_vmbus_bridge hv_vmbus hv_storvsc sd_mod ext4 "
	compress="zstd"
	EOF
	# the test-only bridge, built in the root against its own kernel headers
	mkdir -p "$R/tmp/lisvm/bridge" "$R/tmp/lisvm/include" || return 1
	cp tests/vm/bridge/Kbuild tests/vm/bridge/lis_vmbus_bridge.c "$R/tmp/lisvm/bridge/" &&
		cp tests/vm/lisvm_proto.h "$R/tmp/lisvm/" && cp -r drivers/include/. "$R/tmp/lisvm/include/" || return 1
	mkdir -p "$R/tmp/lisvm/drivers" && ln -s ../include "$R/tmp/lisvm/drivers/include"
	mkdir -p "$R/tmp/lisvm/tests/vm" && ln -s ../../lisvm_proto.h "$R/tmp/lisvm/tests/vm/lisvm_proto.h"
	inr make -s -C "/lib/modules/$K/build" M=/tmp/lisvm/bridge LIS_TOP=/tmp/lisvm modules > "$T/bridge.log" 2>&1 ||
		{ tail -n 5 "$T/bridge.log"; return 1; }
	install -D -m 0644 "$R/tmp/lisvm/bridge/lis_vmbus_bridge.ko" "$R/lib/modules/$K/extra/lis_vmbus_bridge.ko" || return 1
	rm -rf "$R/tmp/lisvm"
	inr depmod "$K" || return 1
	# the report unit: after the trial units, then power off
	install -m 0755 tests/vm/vmroot-report "$R/usr/local/sbin/lisvm-report" || return 1
	cat > "$R/etc/systemd/system/lisvm-report.service" <<-EOF
	[Unit]
	Description=LIS VM rung: report this boot, then power off
	After=multi-user.target lis-trial.service lis-fallback.service
	[Service]
	Type=oneshot
	ExecStart=/usr/local/sbin/lisvm-report
	[Install]
	WantedBy=multi-user.target
	EOF
	ln -sf /etc/systemd/system/lisvm-report.service "$R/etc/systemd/system/multi-user.target.wants/lisvm-report.service"
	inr dracut -q --force "/boot/initrd.img-$K" "$K" > "$T/dracut0.log" 2>&1 || { tail -n 5 "$T/dracut0.log"; return 1; }
	inr grub-install --target=i386-pc "$LOOP" > "$T/grub-install.log" 2>&1 || { tail -n 5 "$T/grub-install.log"; return 1; }
	inr grub-mkconfig -o /boot/grub/grub.cfg > "$T/grub-mkconfig.log" 2>&1 || { tail -n 5 "$T/grub-mkconfig.log"; return 1; }
}
step vmroot:disk_with_grub_and_the_in_tree_image make_disk || exit 0

# ---- install: DKMS, dracut, the image check, the trial armed ----
grubenv() { inr grub-editenv /boot/grub/grubenv list | sed -n "s/^$1=//p"; }
# the LIS version of an installed module (MODULE_VERSION)
modv() { modinfo -F version "$R/lib/modules/$K/updates/dkms/$1.ko"; }
install_lis() {
	"$T/medium1/install.sh" --replace --root "$R" --yes || return 1
	grep -qx "kernel $K mkconfig" "$R/var/lib/lis/trial" || { echo "no mkconfig trial for $K"; return 1; }
	[ -x "$R/etc/grub.d/42_lis_fallback" ] || { echo "no /etc/grub.d/42_lis_fallback"; return 1; }
	# grub-mkconfig took the fallback entry: the previous image, lis.fallback=1
	sed -n "/'lis-fallback-$K'/,/^}/p" "$R/boot/grub/grub.cfg" > "$T/fallback-entry"
	if ! grep -q "initrd.*/initrd.img-$K.lis-prev\$" "$T/fallback-entry" || ! grep -q "linux.*/vmlinuz-$K .* lis.fallback=1\$" "$T/fallback-entry"; then
		echo "fallback entry:"
		cat "$T/fallback-entry"
		return 1
	fi
	[ "$(grubenv saved_entry)" = "lis-fallback-$K" ] || { echo "saved_entry $(grubenv saved_entry)"; return 1; }
	NORMAL=$(grubenv next_entry)
	case $NORMAL in "" | "lis-fallback-$K") echo "next_entry '$NORMAL'"; return 1 ;; esac
	[ "$(modv hv_vmbus)" = "$V1" ] || { echo "hv_vmbus is $(modv hv_vmbus), not $V1"; return 1; }
	cp "$R/boot/initrd.img-$K" "$T/image-v1" && echo "normal entry $NORMAL"
}
step vmroot:install_replace_arms_a_one_time_trial_boot install_lis || exit 0
mnt_done

# ---- booting it ----
SV_INST=9a1b2c3d-0001-4e5f-8a6b-7c8d9e0f1a2b
HB_INST=9a1b2c3d-0002-4e5f-8a6b-7c8d9e0f1a2b
# boot N SECONDS: a fresh hostsim-vm serving the disk as LUN 0:0 of a SCSI
# controller, and a heartbeat IC (udev loads hv_utils from the root after
# the switch), and a fresh QEMU booting the same disk from its IDE port; wait
# until QEMU ends (the guest powers off, or resets: -no-reboot); BOOT_WHY
boot() {
	local n=$1 end=$((SECONDS + $2)) r t=$SECONDS
	BOOT_WHY=
	# shellcheck disable=SC2119  # no devices at start: the control commands add them
	vm_host_start || { BOOT_WHY="hostsim-vm did not start"; return 1; }
	if ! r=$(vm_ctl storvsp root scsi "$SV_INST" 2) || ! r=$(vm_ctl lun root add 0 0 0 "$DISK") ||
		! r=$(vm_ctl ic hb heartbeat "$HB_INST"); then
		BOOT_WHY="hostsim-vm storvsp: $r"
		vm_stop
		return 1
	fi
	qemu-system-x86_64 -nodefaults -machine pc,memory-backend=mem -accel tcg \
		-smp "$VM_SMP" -m "${VM_MEM_MB}M" \
		-object "memory-backend-file,id=mem,size=${VM_MEM_MB}M,mem-path=$VM_RAM,share=on" \
		-chardev "socket,path=$VM_DIR/ivshmem.sock,id=ivsh" \
		-device "ivshmem-doorbell,chardev=ivsh,vectors=$VM_SMP" \
		-drive "file=$DISK,if=ide,index=0,format=raw,cache=writethrough" -boot c \
		-display none -serial "file:$VM_LOGS/console-$n.log" -monitor none -no-reboot \
		< /dev/null > "$VM_LOGS/qemu-$n.log" 2>&1 &
	VM_QEMU_PID=$!
	while vm_alive && [ "$SECONDS" -lt "$end" ]; do sleep 1; done
	vm_alive && BOOT_WHY="the guest still ran after $2 s (console: $VM_LOGS/console-$n.log)"
	vm_stop
	mv "$VM_LOGS/host.log" "$VM_LOGS/host-$n.log" 2> /dev/null
	echo "    boot $n: $((SECONDS - t)) s" >&3
	[ -z "$BOOT_WHY" ]
}
# report N KEY: what the guest's report of boot N says about KEY
report() { sed -n "s/^@@R $2 //p" "$VM_LOGS/console-$1.log" | tr -d '\r' | head -n 1; }

# ---- boot 1: the trial, on our drivers; the health check commits ----
# why_report N WANT_FALLBACK LIS_VERSION: what is wrong with boot N's report
why_report() {
	local n=$1 cmd
	grep -q '^@@R end' "$VM_LOGS/console-$n.log" || { echo "no report from the guest (console: $VM_LOGS/console-$n.log)"; return; }
	cmd=$(report "$n" cmdline)
	case "$2 $cmd" in
	"1 "*lis.fallback=1*) ;;
	"1 "*) echo "not the fallback entry: $cmd"; return ;;
	*lis.fallback=1*) echo "the fallback entry, not the trial: $cmd"; return ;;
	esac
	if [ "$(report "$n" root_vmbus_device)" != "$SV_INST" ] || [ "$(report "$n" root_driver)" != hv_storvsc ]; then
		echo "root $(report "$n" root) on $(report "$n" root_vmbus_device) by '$(report "$n" root_driver)', not on hostsim's storvsp by hv_storvsc"
		return
	fi
	[ "$(report "$n" 'version hv_vmbus')" = "$3" ] || { echo "hv_vmbus $(report "$n" 'version hv_vmbus') is running, want $3"; return; }
	[ "$(report "$n" load_errors)" = 0 ] || { echo "$(report "$n" load_errors) module load errors"; return; }
	[ "$(report "$n" "driver $HB_INST")" = hv_utils ] || echo "the heartbeat IC is bound to '$(report "$n" "driver $HB_INST")', not hv_utils"
}
trial_commits() {
	local why
	boot 1 300 || { echo "$BOOT_WHY"; return 1; }
	grep '^@@R' "$VM_LOGS/console-1.log" | tr -d '\r'
	why=$(why_report 1 0 "$V1")
	[ -z "$why" ] || { echo "$why"; return 1; }
	case $(report 1 trial_result) in committed*) ;; *) echo "trial result: $(report 1 trial_result)"; return 1 ;; esac
	[ "$(report 1 status_rc)" = 0 ] || { echo "lis-status found problems"; return 1; }
	mount_disk || return 1
	# grub took the one-time entry (next_entry is gone) and the commit made
	# the normal entry the default; the fallback entry went with the trial
	[ -z "$(grubenv next_entry)" ] || { echo "next_entry $(grubenv next_entry) is still set"; return 1; }
	[ "$(grubenv saved_entry)" = "$NORMAL" ] || { echo "saved_entry $(grubenv saved_entry), want $NORMAL"; return 1; }
	if grep -q lis-fallback "$R/boot/grub/grub.cfg" || [ -e "$R/etc/grub.d/42_lis_fallback" ] || [ -e "$R/var/lib/lis/trial" ]; then
		echo "the fallback entry or the trial remained"
		return 1
	fi
}
step vmroot:trial_boot_runs_on_our_storvsc_and_commits trial_commits || exit 0

# ---- a failed upgrade puts the installed version back as it was ----
failed_upgrade() {
	local before after rc=0 out
	mountpoint -q "$R" || mount_disk || return 1
	before=$(debian_tree_state "$R" "$K") || return 1
	# the new sources' directory exists and is immutable (ext4): lis-dkms
	# fails to unpack after the old lis-tools and lis-dkms, with its DKMS
	# builds, were taken away
	mkdir "$R/usr/src/lis-$V2" && chattr +i "$R/usr/src/lis-$V2" || return 1
	out=$("$T/medium2/upgrade.sh" --root "$R" --yes 2>&1) || rc=$?
	chattr -i "$R/usr/src/lis-$V2" && rmdir "$R/usr/src/lis-$V2" || return 1
	if [ "$rc" != 1 ] || ! grep -q 'rolled back' <<< "$out"; then
		echo "exit $rc"
		echo "$out" | tail -n 10
		return 1
	fi
	grep -q "replacing the unpacked lis-dkms $V1" "$R/var/log/lis/upgrade.log" ||
		{ echo "the upgrade failed before it replaced lis-dkms"; tail -n 5 "$R/var/log/lis/upgrade.log"; return 1; }
	after=$(debian_tree_state "$R" "$K") || return 1
	[ "$after" = "$before" ] || { diff <(echo "$before") <(echo "$after") | head -n 20; return 1; }
	[ "$(modv hv_vmbus)" = "$V1" ] || { echo "hv_vmbus is $(modv hv_vmbus)"; return 1; }
}
step vmroot:failed_upgrade_puts_the_installed_version_back failed_upgrade || exit 0

# ---- upgrade to the newer medium: a second trial, its image then broken ----
upgrade_lis() {
	mountpoint -q "$R" || mount_disk || return 1
	"$T/medium2/upgrade.sh" --root "$R" --yes || return 1
	grep -qx "version $V2" "$R/var/lib/lis/state" || { echo "state: $(head -n 1 "$R/var/lib/lis/state")"; return 1; }
	# the old payloads went as rpm -U would take them: one version recorded,
	# the old DKMS version and its sources gone
	if [ "$(grep -c '^package ' "$R/var/lib/lis/manifest")" != 2 ] || ! grep -qx "package lis-dkms $V2-1" "$R/var/lib/lis/manifest" ||
		[ -e "$R/var/lib/dkms/lis/$V1" ] || [ -e "$R/usr/src/lis-$V1" ]; then
		grep '^package ' "$R/var/lib/lis/manifest"
		ls "$R/var/lib/dkms/lis" "$R/usr/src"
		return 1
	fi
	if ! grep -qx "kernel $K mkconfig" "$R/var/lib/lis/trial" || [ "$(grubenv saved_entry)" != "lis-fallback-$K" ] ||
		[ "$(grubenv next_entry)" != "$NORMAL" ]; then
		echo "the second trial is not armed"
		return 1
	fi
	# the fallback is the first LIS set, byte for byte
	cmp "$R/boot/initrd.img-$K.lis-prev" "$T/image-v1" || return 1
	# the first trial's "committed" does not speak for the new one
	[ ! -e "$R/var/lib/lis/trial-result" ] || { echo "the old trial result remained"; return 1; }
	[ "$(modv hv_vmbus)" = "$V2" ] || { echo "hv_vmbus is $(modv hv_vmbus), not $V2"; return 1; }
	# deliberately broken: the new image's blocks lost (zeros, same size)
	dd if=/dev/zero of="$R/boot/initrd.img-$K" bs=1M count=$(($(stat -c %s "$R/boot/initrd.img-$K") / 1048576 + 1)) \
		conv=notrunc status=none && truncate -s "$(stat -c %s "$T/image-v1")" "$R/boot/initrd.img-$K" && sync
}
step vmroot:upgrade_arms_a_second_trial upgrade_lis || exit 0
mnt_done

# ---- boot 2: the trial of the broken image fails (the kernel panics) ----
broken_trial() {
	boot 2 200 || { echo "$BOOT_WHY"; return 1; }
	grep -q '^@@R end' "$VM_LOGS/console-2.log" && { echo "the broken image booted"; return 1; }
	grep -q 'Kernel panic' "$VM_LOGS/console-2.log" || { tail -n 5 "$VM_LOGS/console-2.log"; return 1; }
	grep -a 'Kernel panic' "$VM_LOGS/console-2.log" | head -n 1
	mount_disk || return 1
	[ -z "$(grubenv next_entry)" ] || { echo "grub did not use up next_entry"; return 1; }
}
step vmroot:second_trial_with_a_broken_image_fails broken_trial || exit 0
mnt_done

# ---- boot 3: grub's own choice, the fallback: the first LIS set ----
falls_back() {
	boot 3 300 || { echo "$BOOT_WHY"; return 1; }
	grep '^@@R' "$VM_LOGS/console-3.log" | tr -d '\r'
	why=$(why_report 3 1 "$V1")
	[ -z "$why" ] || { echo "$why"; return 1; }
	case $(report 3 trial_result) in "fell back"*) ;; *) echo "trial result: $(report 3 trial_result)"; return 1 ;; esac
	# the previous image was an LIS set: no module load is sent to the
	# in-tree files (their children cannot bind to LIS's hv_vmbus)
	[ "$(report 3 fallback_conf)" = no ] || { echo "lis-fallback.conf sends loads to the in-tree files"; return 1; }
	# lis-status names the failed trial (and the broken image), exit 1
	if ! grep -q '^@@R status .*the trial boot did not commit: fell back' "$VM_LOGS/console-3.log" ||
		! grep -q "^@@R status .*initramfs /boot/initrd.img-$K cannot be read" "$VM_LOGS/console-3.log" ||
		! grep -q '^@@R status Hyper-V: detected (vmbus)'$'\r''*$' "$VM_LOGS/console-3.log" ||
		[ "$(report 3 status_rc)" != 1 ]; then
		echo "lis-status said otherwise"
		return 1
	fi
}
step vmroot:next_boot_falls_back_to_the_previous_set_by_itself falls_back || exit 0

# ---- uninstall.sh from the fallen-back state: the trial's grub entries go too ----
uninstall_lis() {
	mount_disk || return 1
	"$T/medium2/uninstall.sh" --root "$R" --yes || return 1
	if [ -e "$R/etc/grub.d/42_lis_fallback" ] || grep -q lis-fallback "$R/boot/grub/grub.cfg" || [ -e "$R/var/lib/lis" ]; then
		echo "the fallback entry, its script or /var/lib/lis remained"
		return 1
	fi
	[ "$(grubenv saved_entry)" = "$NORMAL" ] || { echo "saved_entry $(grubenv saved_entry), want $NORMAL"; return 1; }
	[ "$(inr modinfo -k "$K" -F filename hv_vmbus)" = "/lib/modules/$K/kernel/drivers/hv/hv_vmbus.ko" ]
}
step vmroot:uninstall_removes_the_trial_entries_and_lis uninstall_lis
mnt_done
echo "    the rung took $((SECONDS - T_START)) s"
exit 0
