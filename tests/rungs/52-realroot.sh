#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Rung 5, the installer on a real root: a Debian 12 root made with
# debootstrap (tests/lib/debootstrap.sh, cached under out/cache/debian12/:
# the base root, dracut in place of initramfs-tools, then the kernel headers,
# gcc, make and dkms) on which install.sh --replace runs for real, no
# stand-in anywhere: the lis-tools and lis-dkms payloads unpacked with a
# manifest (the root's packages are not rpm's), DKMS builds LIS against the
# root's kernel headers, depmod, dracut builds the image, which is unpacked
# and proved; then the no-op re-run and uninstall.sh back to the in-tree
# drivers.  The root's commands run inside it with chroot, on an overlay of
# the cached root, in a private mount namespace.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib/debootstrap.sh"
cd "$TOP"
if [ "${LIS_REALROOT_NS:-}" != 1 ]; then
	# every mount (overlay, /proc, /sys, /dev) dies with this namespace
	exec unshare --mount --propagation private env LIS_REALROOT_NS=1 bash "$0" "$@"
fi
T=$OUT/tests/realroot
debian_work_done "$T/work"
rm -rf "$T"
mkdir -p "$T"
trap 'debian_work_done "$T/work"' EXIT
export SOURCE_DATE_EPOCH=1700000000
VER=$(cat VERSION)

# the packages and the medium, as the ISO lays them out: lis-tools and
# lis-dkms with every module that has sources
MODS=$(sed -e 's/#.*//' hv-generic/modules | while read -r m; do if [ -r "drivers/$m/Kbuild" ]; then printf '%s ' "$m"; fi; done)
build_medium() {
	if ! make -s -C tools/lis-kabi > "$T/build.log" 2>&1 ||
		! spec/build-rpms.sh --out "$T/rpm" --modules "${MODS% }" tools dkms >> "$T/build.log" 2>&1 ||
		! iso/build-iso.sh --rpms "$T/rpm" --tree "$T/medium" >> "$T/build.log" 2>&1; then
		tail -n 5 "$T/build.log"
		return 1
	fi
}
check realroot:packages_and_medium_build build_medium
M=$T/medium
# the cached roots: Debian's base, dracut for initramfs-tools, then what DKMS needs
cached_root() {
	debian_root base - linux-image-amd64 initramfs-tools zstd > /dev/null &&
	debian_root dracut base dracut > /dev/null &&
	debian_root lis-dkms dracut dkms linux-headers-amd64 gcc make
}
if ! C=$(cached_root 2> "$T/root.err"); then
	fail realroot:debian12_root_from_debootstrap "$(tail -n 3 "$T/root.err")"
	exit 0
fi
pass realroot:debian12_root_from_debootstrap
if ! R=$(debian_work "$C" "$T/work") || ! chroot_mounts "$R"; then
	fail realroot:root_mounts "cannot mount the work root"
	exit 0
fi
K=$(debian_kernel "$R")
# the cached roots carry no initramfs: the root's dracut makes the first one
# (host-only, small), the in-tree image install.sh keeps as the previous one
if ! debian_first_image "$R" "$K" > "$T/first-image.log" 2>&1; then
	fail realroot:first_image_by_the_roots_dracut "$(tail -n 3 "$T/first-image.log")"
	exit 0
fi

# what LIS may touch, as paths and modes
layout() { debian_tree_paths "$R" "$K"; }
# in_image FILE: a file of the root's live image, as dracut's own lsinitrd
# reads it (Debian 12 is merged-/usr: the image holds usr/lib/modules, and
# lib is a link that cpio does not follow)
in_image() {
	chroot "$R" lsinitrd -f "usr/$1" "/boot/initrd.img-$K" > "$T/in_image" 2> /dev/null || true
	[ -s "$T/in_image" ] || chroot "$R" lsinitrd -f "$1" "/boot/initrd.img-$K" > "$T/in_image" || return 1
	cat "$T/in_image"
}
PRISTINE=$(layout)
IMG0=$(sha256sum < "$R/boot/initrd.img-$K")

refuses_without_replace() {
	local rc=0 out
	out=$("$M/install.sh" --root "$R" --yes 2>&1) || rc=$?
	[ "$rc" = 4 ] || { echo "exit $rc: $out"; return 1; }
	# install.sh offers the built-in path here and names --replace (unattended: no change)
	if ! grep -q -- '--replace would' <<< "$out" || ! grep -q 'install.sh --enable-builtin' <<< "$out"; then
		echo "$out" | tail -n 5
		return 1
	fi
	[ "$(layout)" = "$PRISTINE" ] || { diff <(echo "$PRISTINE") <(layout) | head; return 1; }
	[ ! -e "$R/var/lib/lis" ] || { echo "/var/lib/lis was made"; return 1; }
}
check realroot:debian_refused_without_replace_and_nothing_changed refuses_without_replace

replace() {
	local out p
	out=$("$M/install.sh" --replace --root "$R" --yes 2>&1) || { echo "$out" | tail -n 15; return 1; }
	grep -q "$K: dkms" <<< "$out" || { echo "$out"; return 1; }
	# DKMS built and installed every module, and modprobe finds ours
	for m in $MODS; do
		[ -e "$R/var/lib/dkms/lis/$VER/$K/x86_64/module/$m.ko" ] || { echo "DKMS built no $m"; return 1; }
		p=$(chroot "$R" modinfo -k "$K" -F filename "$m") || return 1
		case $p in "/lib/modules/$K/updates/dkms/$m.ko"*) ;; *) echo "$m loads from $p"; return 1 ;; esac
	done
	# the new image holds our hv_vmbus, byte for byte, and its modules.dep points there
	in_image "lib/modules/$K/updates/dkms/hv_vmbus.ko" | cmp - "$R/lib/modules/$K/updates/dkms/hv_vmbus.ko" || return 1
	in_image "lib/modules/$K/modules.dep" | grep -q "^updates/dkms/hv_storvsc.ko.*:.*updates/dkms/hv_vmbus.ko" || { echo "image modules.dep"; return 1; }
	[ "$(sha256sum < "$R/boot/initrd.img-$K.lis-prev")" = "$IMG0" ] || { echo "the previous image was not kept"; return 1; }
	grep -q "verify $K: .* is good (ours)" "$R/var/log/lis/install.log" &&
	grep -qx "kernel $K ours" "$R/var/lib/lis/state" && grep -qx 'mode dkms' "$R/var/lib/lis/state" &&
	grep -qx "package lis-dkms $VER-1" "$R/var/lib/lis/manifest" &&
	[ ! -e "$R/var/lib/lis/installer.lock" ]
}
check realroot:replace_builds_with_dkms_and_proves_the_dracut_image replace

noop() {
	local out img
	img=$(sha256sum < "$R/boot/initrd.img-$K")
	out=$("$M/install.sh" --replace --root "$R" --yes 2>&1) || { echo "$out" | tail -n 10; return 1; }
	grep -q 'already installed' <<< "$out" || { echo "$out" | tail -n 15; return 1; }
	[ "$(sha256sum < "$R/boot/initrd.img-$K")" = "$img" ] || { echo "the image changed"; return 1; }
}
check realroot:second_replace_is_a_noop noop

# the proof on real dracut images: the new one passes, the previous one (the
# in-tree drivers) does not pass as ours
image_check() {
	bash -c '. "$1/lislib/lis.sh"; LIS_ROOT=$2 LIS_LOG=$3; verify_initramfs "$4" "$2/boot/initrd.img-$4" ours' _ "$M" "$R" "$T/verify.log" "$K" || return 1
	if bash -c '. "$1/lislib/lis.sh"; LIS_ROOT=$2 LIS_LOG=$3; verify_initramfs "$4" "$2/boot/initrd.img-$4.lis-prev" ours' _ "$M" "$R" "$T/verify.log" "$K"; then
		echo "the in-tree image passed as ours"
		return 1
	fi
	grep -q "hv_vmbus loads from kernel/.*, not from LIS\|hv_vmbus is not in the image" "$T/verify.log"
}
check realroot:image_check_tells_our_image_from_the_in_tree_one image_check

# a failed uninstall puts LIS back as it was: the DKMS builds and the
# unpacked files it took away inside the transaction, and the image (the
# root's dracut then fails: a configuration file of its ends it)
failed_uninstall() {
	local before rc=0 out
	before=$(debian_tree_state "$R" "$K") || return 1
	printf 'echo "dracut stopped by the test" >&2\nexit 1\n' > "$R/etc/dracut.conf.d/zz-lis-test-fail.conf"
	out=$("$M/uninstall.sh" --root "$R" --yes 2>&1) || rc=$?
	rm -f "$R/etc/dracut.conf.d/zz-lis-test-fail.conf"
	if [ "$rc" != 1 ] || ! grep -q 'rolled back' <<< "$out"; then
		echo "exit $rc"
		echo "$out" | tail -n 10
		return 1
	fi
	# the DKMS builds were gone when dracut failed
	if ! grep -q "dkms remove -m lis -v $VER --all" "$R/var/log/lis/uninstall.log" ||
		! grep -q "dracut stopped by the test" "$R/var/log/lis/uninstall.log"; then
		echo "no DKMS removal, or no dracut failure, in the log"
		return 1
	fi
	[ "$(debian_tree_state "$R" "$K")" = "$before" ] ||
		{ diff <(echo "$before") <(debian_tree_state "$R" "$K") | head -n 20; return 1; }
	[ "$(chroot "$R" modinfo -k "$K" -F filename hv_vmbus)" = "/lib/modules/$K/updates/dkms/hv_vmbus.ko" ]
}
check realroot:failed_uninstall_puts_lis_back_as_it_was failed_uninstall

uninstall() {
	local out
	out=$("$M/uninstall.sh" --root "$R" --yes 2>&1) || { echo "$out" | tail -n 10; return 1; }
	if [ -e "$R/var/lib/dkms/lis" ] || [ -e "$R/var/lib/lis" ] || [ -e "$R/usr/share/lis" ]; then echo "leftovers"; return 1; fi
	[ "$(chroot "$R" modinfo -k "$K" -F filename hv_vmbus)" = "/lib/modules/$K/kernel/drivers/hv/hv_vmbus.ko" ] || return 1
	# the rebuilt image has none of ours, and the root is as before
	if in_image "lib/modules/$K/modules.dep" | grep -q '^updates/dkms/hv_'; then echo "LIS left in the image"; return 1; fi
	[ "$(layout)" = "$PRISTINE" ] || { diff <(echo "$PRISTINE") <(layout) | head; return 1; }
}
check realroot:uninstall_returns_to_the_in_tree_drivers uninstall
