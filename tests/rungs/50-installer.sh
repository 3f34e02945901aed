#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Rung 5, installer: install.sh, upgrade.sh and uninstall.sh with --root on
# generated roots of the supported releases (real rpm database, generated
# kernel packages with real kABI data, modules.dep from depmod): the plan per
# kernel, packages, overrides, images, state and log; every refusal changes
# nothing; a second install is a no-op; the replacement gate; a failure at
# each step rolls back completely; kernel update then upgrade; uninstall
# back to the pristine root.  dracut, weak-modules and the grub2 tools are
# recording stand-ins inside the roots (tests/installer/standins).
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/packaging/fixtures.sh"
. "$TOP/tests/installer/roots.sh"
cd "$TOP"
INST=$OUT/tests/installer
# the small /boot file systems of the space tests never outlive the rung
unmount_tests() {
	local m
	while read -r m; do
		[ -n "$m" ] && { umount "$m" || true; }
	done <<< "$(awk -v d="$INST/" 'index($2, d) == 1 && $1 == "lis-test" { print $2 }' /proc/mounts)"
}
unmount_tests
trap unmount_tests EXIT
rm -rf "$INST"
mkdir -p "$INST/fix"
export SOURCE_DATE_EPOCH=1700000000
make -s -C tools/lis-kabi > "$INST/lis-kabi.log" 2>&1 || { fail installer:lis_kabi_builds "see $INST/lis-kabi.log"; exit 0; }
export LIS_KABI=$OUT/tools/lis-kabi
build_test_packages "$INST/rpm" > "$INST/build.log" 2>&1 || { fail installer:packages_build "see $INST/build.log"; exit 0; }
RT=$(ls "$INST"/rpm/lis-tools-*.rpm)
base_rpm "$INST/fix" "$RT"
M=$INST/medium
iso/build-iso.sh --rpms "$INST/rpm" --tree "$M" > "$INST/medium.log" 2>&1 || { fail installer:medium_builds "see $INST/medium.log"; exit 0; }
K7=$FIX_K7 K8=$FIX_K8 K7B=3.10.0-1062.el7.x86_64

inst() { "$M/install.sh" --yes "$@"; }
# hash_of ROOT: the root without the logs the runs write
hash_of() {
	local r=$1 keep=$INST/keep.$$
	mkdir -p "$keep"
	mv "$r/var/log" "$keep/" 2>/dev/null || true
	tree_hash "$r"
	mv "$keep/log" "$r/var/" 2>/dev/null || true
	rm -rf "$keep"
}
resolves() { # ROOT KVER MODULE PREFIX
	local p
	p=$(awk -F: -v m="$3" '$1 ~ ("/" m "\\.ko") { print $1; exit }' "$1/lib/modules/$2/modules.dep")
	case $p in "$4"*) return 0 ;; esac
	echo "$3 of $2 loads from '$p', not $4..."
	return 1
}

# --- install on RHEL 7.9 with two kernels, then the no-op, then uninstall ---
R=$INST/rhel79
rhel_root "$R" rhel 7.9 "Red Hat Enterprise Linux Server" "$K7" "$K7B"
PRISTINE=$(hash_of "$R")
install_79() {
	local out
	out=$(inst --root "$R") || { echo "$out"; return 1; }
	grep -q "$K7: exact" <<< "$out" && grep -q "$K7B: compatible" <<< "$out" &&
	[ "$(root_rpm "$R" -q --qf '%{NAME}\n' lis-tools kmod-lis-3.10.0_1160.el7 | wc -l)" = 2 ] &&
	resolves "$R" "$K7" hv_vmbus extra/lis/ && resolves "$R" "$K7B" hv_netvsc weak-updates/lis/ &&
	[ -s "$R/boot/initramfs-$K7.img" ] && [ -s "$R/boot/initramfs-$K7B.img" ] &&
	grep -qx "kernel $K7 ours" "$R/var/lib/lis/state" && grep -qx "kernel $K7B ours" "$R/var/lib/lis/state" &&
	grep -q "verify $K7: .* is good (ours)" "$R/var/log/lis/install.log" &&
	[ ! -e "$R/var/lib/lis/installer.lock" ]
}
check installer:rhel79_installs_exact_and_compatible_builds_and_proves_images install_79

second_is_noop() {
	local before out
	before=$(hash_of "$R")
	out=$(inst --root "$R") || return 1
	grep -q "already installed" <<< "$out" && [ "$(hash_of "$R")" = "$before" ]
}
check installer:second_install_is_a_noop second_is_noop

json_plan() {
	"$M/install.sh" --root "$R" --json --dry-run 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
k = {x["kernel"]: x["action"] for x in d["kernels"]}
assert d["result"] == "already-installed", d["result"]
assert k["'"$K7"'"] == "exact" and k["'"$K7B"'"] == "compatible", k
'
}
check installer:json_reports_plan_and_result json_plan

uninstall_pristine() {
	"$M/uninstall.sh" --root "$R" --yes > /dev/null || return 1
	[ -z "$(root_rpm "$R" -qa 'lis-*' 'kmod-lis-*')" ] && resolves "$R" "$K7" hv_vmbus kernel/ &&
	resolves "$R" "$K7B" hv_vmbus kernel/ || return 1
	# the images are the in-tree ones now; apart from them the root is as before
	local x=$INST/unp
	rm -rf "$x"; mkdir -p "$x"
	(cd "$x" && gzip -dc "$R/boot/initramfs-$K7.img" | cpio -idm --quiet) && [ -e "$x/lib/modules/$K7/kernel/drivers/hv/hv_vmbus.ko" ] || return 1
	rm -f "$R"/boot/initramfs-*.img "$R/var/log/standins.log"
	[ "$(hash_of "$R")" = "$PRISTINE" ] || { echo "the root differs from before the install"; return 1; }
}
check installer:uninstall_returns_to_the_pristine_root uninstall_pristine

# --- every supported release: its release files are read, and its GA
# kernel is planned onto a LIS build (exact, or kABI-compatible) ---
every_release() {
	local fam minor k r out want bad=0 ks=() id
	for fam in rhel7 rhel8; do
		ks=()
		local last=""
		while read -r minor _; do
			case $minor in ''|'#'*) continue ;; esac
			ks+=("$(ga_kernel "$fam" "$minor")")
			last=$minor
		done < "hv-$fam.x/releases"
		r=$INST/rel-$fam
		ROOT_KERNEL_KIND=lite rhel_root "$r" centos "$last" "CentOS Linux" "${ks[@]}" || return 1
		out=$("$M/install.sh" --root "$r" --dry-run 2>&1) || { echo "$out" | tail -n 2; return 1; }
		for k in "${ks[@]}"; do
			want=compatible
			{ [ "$k" = "$K7" ] || [ "$k" = "$K8" ]; } && want=exact
			grep -q "$k: $want" <<< "$out" || { echo "$k is not planned $want"; bad=1; }
		done
		rm -rf "$r"
	done
	# each release's files name it: CentOS 7's os-release says only "7"
	for id in rhel centos ol; do
		local rel=redhat vid
		case $id in centos) rel=centos ;; ol) rel=oracle ;; esac
		for minor in 7.0 7.4 7.9 8.0 8.6 8.10; do
			r=$INST/relid
			vid=$minor
			[ "$id" = centos ] && vid=${minor%%.*}
			new_root "$r" "etc/os-release=ID=\"$id\"
VERSION_ID=\"$vid\"" "etc/$rel-release=Some Linux release $minor (x)"
			out=$(bash -c '. "$1/lislib/lis.sh"; LIS_ROOT=$2; detect_release; echo "$DIST_ID $DIST_VERSION $DIST_MAJOR"' _ "$M" "$r")
			[ "$out" = "$id $minor ${minor%%.*}" ] || { echo "$id $minor read as $out"; bad=1; }
		done
	done
	rm -rf "$INST/relid"
	return "$bad"
}
check installer:every_supported_release_is_detected_and_planned every_release

# --- refusals: one sentence, the documented code, nothing changed ---
refuses() { # NAME CODE ROOT [install.sh options]
	local name=$1 code=$2 r=$3 before rc=0 out
	shift 3
	before=$(hash_of "$r")
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" != "$code" ]; then echo "exit $rc, not $code: $out" | tail -n 3; return 1; fi
	[ "$(hash_of "$r")" = "$before" ] || { echo "the root changed"; return 1; }
}
RR=$INST/refuse
rhel_root "$RR" rhel 7.9 "Red Hat Enterprise Linux Server" "$K7"
check installer:refuses_non_root_and_changes_nothing refuses nonroot 3 "$RR" setpriv --reuid=65534 --regid=65534 --clear-groups "$M/install.sh" --root "$RR" --yes
damaged() { cp -a "$M" "$INST/m2" && echo x >> "$INST/m2/lislib/plan.sh" && refuses damaged 10 "$RR" "$INST/m2/install.sh" --root "$RR" --yes; }
check installer:refuses_damaged_medium_and_changes_nothing damaged
with_file() { # FILE CONTENT CODE: put a fact into the root, expect a refusal, take it away
	local f=$RR/$1 rc=0
	mkdir -p "$(dirname "$f")" && printf '%b' "$2" > "$f"
	refuses fact "$3" "$RR" "$M/install.sh" --root "$RR" --yes || rc=1
	rm -f "$f"
	return "$rc"
}
check installer:refuses_isolated_snp_guest with_file proc/cpuinfo 'flags\t: fpu sev_snp\n' 5
check installer:refuses_secure_boot_without_trusted_key with_file sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c '\x06\x00\x00\x00\x01' 7
release_refused() { # ID VERSION
	local r=$INST/rel-refused
	rhel_root "$r" "$1" "$2" "Test Linux" "$K7" && refuses release 4 "$r" "$M/install.sh" --root "$r" --yes
}
check installer:refuses_rhel6 release_refused rhel 6.10
check installer:refuses_rhel9 release_refused rhel 9.4
check installer:refuses_unknown_distribution release_refused plan9 4.0
uek_only() {
	local r=$INST/uek
	rhel_root "$r" ol 7.9 "Oracle Linux Server" && mkdir -p "$r/lib/modules/5.4.17-2136.el7uek.x86_64" &&
		: > "$r/boot/vmlinuz-5.4.17-2136.el7uek.x86_64" && refuses uek 4 "$r" "$M/install.sh" --root "$r" --yes
}
check installer:refuses_uek_only_guest uek_only
hyperv_builtin() {
	local r=$INST/hvy
	new_root "$r" 'etc/os-release=ID="rhel"
VERSION_ID="7.9"' && root_rpm "$r" -i "$INST/fix/base-el-1-1.x86_64.rpm" "$(kernel_pkg "$K7" y)" >/dev/null 2>&1 &&
		refuses hvy 4 "$r" "$M/install.sh" --root "$r" --yes
}
check installer:refuses_kernels_with_hyperv_built_in hyperv_builtin
conflict() {
	local r=$INST/msl rc=0
	gen_base_rpm "$INST/fix" microsoft-hyper-v "microsoft-hyper-v-4.3" >/dev/null 2>&1
	root_rpm "$RR" -i "$INST/fix/microsoft-hyper-v-1-1.x86_64.rpm" >/dev/null 2>&1 || return 1
	refuses msl 9 "$RR" "$M/install.sh" --root "$RR" --yes || rc=1
	root_rpm "$RR" -e microsoft-hyper-v
	return "$rc"
}
check installer:refuses_while_microsoft_lis_is_installed conflict
# small_boot ROOT SIZE: the root's /boot, with what it holds, on a small tmpfs
small_boot() {
	local keep=$INST/boot.keep
	rm -rf "$keep" && cp -a "$1/boot" "$keep" &&
	mount -t tmpfs -o "size=$2" lis-test "$1/boot" && cp -a "$keep/." "$1/boot/" && rm -rf "$keep"
}
no_space() {
	local rc=0
	small_boot "$RR" 1m || return 1
	refuses space 6 "$RR" "$M/install.sh" --root "$RR" --yes || rc=1
	umount "$RR/boot"
	return "$rc"
}
check installer:refuses_too_little_space_in_boot no_space

# --- failures at each step roll everything back ---
FR=$INST/fail
rhel_root "$FR" rhel 7.9 "Red Hat Enterprise Linux Server" "$K7" "$K7B"
# inject_FAULT / undo_FAULT: make one step of the install fail in the root
inject_dracut() { : > "$FR/etc/lis-test/fail-dracut"; }
undo_dracut() { rm -f "$FR/etc/lis-test/fail-dracut"; }
inject_image() { : > "$FR/etc/lis-test/wrong-module"; }
undo_image() { rm -f "$FR/etc/lis-test/wrong-module"; }
inject_rpm() { root_rpm "$FR" -e --nodeps base-el; }
undo_rpm() { root_rpm "$FR" -i "$INST/fix/base-el-1-1.x86_64.rpm" > /dev/null 2>&1; }
inject_depmod() {
	# depmod fails once, under the installer's lock (a transient failure:
	# the rollback's own depmod runs then work)
	mv "$FR/usr/sbin/depmod" "$FR/usr/sbin/depmod.real"
	printf '#!/bin/sh\nif [ -e /var/lib/lis/installer.lock ] && [ ! -e /var/log/depmod-failed ]; then : > /var/log/depmod-failed; exit 1; fi\nexec /usr/sbin/depmod.real "$@"\n' > "$FR/usr/sbin/depmod"
	chmod +x "$FR/usr/sbin/depmod"
}
undo_depmod() { mv -f "$FR/usr/sbin/depmod.real" "$FR/usr/sbin/depmod"; rm -f "$FR/var/log/depmod-failed"; }
inject_diskfull() {
	small_boot "$FR" 24m &&
	: > "$FR/etc/lis-test/big-image"
}
undo_diskfull() { rm -f "$FR/etc/lis-test/big-image"; umount "$FR/boot"; }
rolls_back() { # FAULT: inject it, install (must fail with 1), the root as it was
	local before rc=0 out
	"inject_$1" || return 1
	before=$(hash_of "$FR")
	out=$(inst --root "$FR" 2>&1) || rc=$?
	local after
	after=$(hash_of "$FR")
	"undo_$1"
	[ "$rc" = 1 ] || { echo "exit $rc: $out" | tail -n 3; return 1; }
	grep -q "rolled back" <<< "$out" || return 1
	[ "$after" = "$before" ] || { echo "the root is not as it was"; return 1; }
}
mkdir -p "$FR/etc/lis-test"
for f in rpm depmod dracut image diskfull; do
	check "installer:${f}_failure_rolls_back_completely" rolls_back "$f"
done

# --- kernel update, then the hook and upgrade.sh ---
UR=$INST/update
rhel_root "$UR" rhel 7.9 "Red Hat Enterprise Linux Server" "$K7"
K7U=3.10.0-1160.119.1.el7.x86_64
update_then_upgrade() {
	inst --root "$UR" > /dev/null || return 1
	root_rpm "$UR" -i "$(kernel_pkg "$K7U")" > /dev/null 2>&1 || return 1
	# RHEL's kernel package runs weak-modules --add-kernel, then the postinst.d hooks
	chroot "$UR" /etc/kernel/postinst.d/51-lis "$K7U" || return 1
	resolves "$UR" "$K7U" hv_vmbus "" || return 1
	: > "$UR/var/log/standins.log"
	"$M/upgrade.sh" --root "$UR" --yes > "$INST/upgrade.out" 2>&1 || { cat "$INST/upgrade.out"; return 1; }
	grep -q "$K7U: compatible" "$INST/upgrade.out" && resolves "$UR" "$K7U" hv_vmbus weak-updates/lis/ &&
	grep -qx "kernel $K7U ours" "$UR/var/lib/lis/state" &&
	# only the new kernel's image was rebuilt
	[ "$(grep -c '^dracut ' "$UR/var/log/standins.log")" = 1 ] && grep -q "^dracut .*--kver $K7U" "$UR/var/log/standins.log"
}
check installer:kernel_update_then_upgrade_covers_the_new_kernel update_then_upgrade

# --- mixed UEK and RHCK: each kernel on its own terms ---
mixed() {
	local r=$INST/mixed out
	rhel_root "$r" ol 7.9 "Oracle Linux Server" "$K7" || return 1
	mkdir -p "$r/lib/modules/5.4.17-2136.el7uek.x86_64" && : > "$r/boot/vmlinuz-5.4.17-2136.el7uek.x86_64"
	out=$(inst --root "$r") || { echo "$out"; return 1; }
	grep -q "5.4.17-2136.el7uek.x86_64: intree - UEK" <<< "$out" && grep -q "$K7: exact" <<< "$out" &&
	resolves "$r" "$K7" hv_vmbus extra/lis/
}
check installer:mixed_uek_and_rhck_replaces_only_rhck mixed

# --- the replacement gate ---
gate() {
	local r=$INST/gate out
	spec/build-rpms.sh --out "$INST/rpm-gate" --modules "hv_vmbus hv_storvsc hv_netvsc hv_utils hid_hyperv hyperv_keyboard hyperv_fb hv_sock uio_hv_generic hv_balloon" \
		--kmod "$K7=$FIX_OUT/b7" kmods > /dev/null && cp "$RT" "$INST/rpm-gate/" || return 1
	iso/build-iso.sh --rpms "$INST/rpm-gate" --tree "$INST/mgate" > /dev/null || return 1
	rhel_root "$r" rhel 7.9 "Red Hat Enterprise Linux Server" "$K7" || return 1
	# unused pci-hyperv: blocked, and the kernel is replaced
	out=$("$INST/mgate/install.sh" --root "$r" --dry-run) || return 1
	if ! grep -q "$K7: exact" <<< "$out" || ! grep -q "block (unused, not replaced yet): pci_hyperv" <<< "$out"; then
		echo "$out"
		return 1
	fi
	# the root disk behind pci-hyperv (NVMe): the kernel keeps its in-tree drivers
	mkdir -p "$r/sys/devices/vmbus/pci1/nvme0/nvme0n1" "$r/sys/bus/vmbus/drivers/hv_pci" "$r/sys/module/pci_hyperv" "$r/sys/class/block"
	ln -s ../../../../module/pci_hyperv "$r/sys/bus/vmbus/drivers/hv_pci/module"
	ln -s ../../../bus/vmbus/drivers/hv_pci "$r/sys/devices/vmbus/pci1/driver"
	ln -s ../../devices/vmbus/pci1/nvme0/nvme0n1 "$r/sys/class/block/nvme0n1p1"
	printf '/dev/nvme0n1p1 / xfs rw 0 0\n' > "$r/proc/mounts"
	out=$("$INST/mgate/install.sh" --root "$r" --dry-run 2>&1) || true
	grep -q "$K7: intree - the root disk or an active network interface needs pci_hyperv" <<< "$out" || { echo "$out"; return 1; }
}
check installer:gate_blocks_unused_and_keeps_kernel_whose_root_disk_needs_unreplaced gate
