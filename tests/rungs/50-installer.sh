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
		if [ -n "$m" ]; then umount "$m" || true; fi
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
# listing_of ROOT: tree_listing without the logs (the stand-ins record every call there)
listing_of() {
	local r=$1 keep=$INST/keep.$$
	mkdir -p "$keep"
	mv "$r/var/log" "$keep/" 2>/dev/null || true
	tree_listing "$r"
	mv "$keep/log" "$r/var/" 2>/dev/null || true
	rm -rf "$keep"
}
hash_of() {
	listing_of "$1" | sha256sum | cut -d' ' -f1
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
only_32bit() {
	local r=$INST/i686
	rhel_root "$r" rhel 7.9 "Red Hat Enterprise Linux Server" && mkdir -p "$r/lib/modules/3.10.0-1160.el7.i686" &&
		: > "$r/boot/vmlinuz-3.10.0-1160.el7.i686" && refuses i686 4 "$r" "$M/install.sh" --root "$r" --yes &&
		grep -q "x86_64 guests only; this one is i686" <<< "$("$M/install.sh" --root "$r" --yes 2>&1)"
}
check installer:refuses_32bit_guest only_32bit
newer_lis() {
	local rc=0 out
	# a lis-tools of version 1 (the medium's is older): refused, --force goes on to the plan
	gen_base_rpm "$INST/fix" lis-tools lis-tools-test > /dev/null 2>&1 &&
		root_rpm "$RR" -i "$INST/fix/lis-tools-1-1.x86_64.rpm" > /dev/null 2>&1 || return 1
	refuses newer 8 "$RR" "$M/install.sh" --root "$RR" --yes || rc=1
	out=$("$M/install.sh" --root "$RR" --yes --force --dry-run 2>&1) || { echo "--force: $out" | tail -n 3; rc=1; }
	root_rpm "$RR" -e lis-tools || rc=1
	return "$rc"
}
check installer:refuses_over_a_newer_lis_unless_forced newer_lis
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
# as on a real system, each kernel has its image: a rollback must bring back
# exactly these
for k in "$K7" "$K7B"; do
	chroot "$FR" dracut --force --kver "$k" "/boot/initramfs-$k.img" > /dev/null 2>&1 || fail installer:fault_root_images "dracut stand-in for $k"
done
# inject_FAULT / undo_FAULT: make one step of the install fail in the root
inject_dracut() { : > "$FR/etc/lis-test/fail-dracut"; }
undo_dracut() { rm -f "$FR/etc/lis-test/fail-dracut"; }
inject_image() { : > "$FR/etc/lis-test/wrong-module"; }
undo_image() { rm -f "$FR/etc/lis-test/wrong-module"; }
inject_rpm() { root_rpm "$FR" -e --nodeps base-el; }
undo_rpm() { root_rpm "$FR" -i "$INST/fix/base-el-1-1.x86_64.rpm" > /dev/null 2>&1; }
inject_depmod() {
	# depmod fails once, at the installer's own step after the rpm
	# transaction (the journal has the saved packages); the rollback's
	# depmod then works.  kmod picks the command by its name, so the real
	# one stays a link called depmod.
	mkdir -p "$FR/usr/libexec/lis-test" && ln -sfn /usr/bin/kmod "$FR/usr/libexec/lis-test/depmod" &&
	rm -f "$FR/usr/sbin/depmod" &&
	printf '#!/bin/sh\nif grep -q "^saved " /var/lib/lis/journal 2>/dev/null && [ ! -e /var/log/depmod-failed ]; then : > /var/log/depmod-failed; exit 1; fi\nexec /usr/libexec/lis-test/depmod "$@"\n' > "$FR/usr/sbin/depmod" &&
	chmod +x "$FR/usr/sbin/depmod"
}
undo_depmod() { ln -sfn ../bin/kmod "$FR/usr/sbin/depmod"; rm -rf "$FR/usr/libexec/lis-test" "$FR/var/log/depmod-failed"; }
inject_diskfull() {
	# /boot holds what it holds plus exactly the room the space check asks
	# for (the library's own need_boot_kb) and 1 MiB: the check passes, and
	# the stand-in's 32 MiB image then hits a real ENOSPC
	local need used free
	need=$(bash -c '. "$1/lislib/lis.sh"; LIS_ROOT=$2; need_boot_kb "$3" "$4"' _ "$M" "$FR" "$K7" "$K7B") || return 1
	used=$(du -sk "$FR/boot" | cut -f1)
	small_boot "$FR" "$((used + need + 1024))k" || return 1
	free=$(df -Pk "$FR/boot" | awk 'NR == 2 { print $4 }')
	if [ "$free" -lt "$need" ] || [ "$free" -ge 32768 ]; then
		echo "the test's /boot has $free KiB free: not between the $need KiB the check needs and the 32 MiB image"
		umount "$FR/boot"
		return 1
	fi
	: > "$FR/etc/lis-test/big-image"
}
undo_diskfull() { rm -f "$FR/etc/lis-test/big-image"; umount "$FR/boot"; }
# the first kernel (sorted) had no image and gets one; the second one's
# dracut fails: the rollback takes the new image away again
inject_newimage() {
	mv "$FR/boot/initramfs-$K7B.img" "$INST/newimage.keep" && printf '%s\n' "$K7" > "$FR/etc/lis-test/fail-dracut" &&
	: > "$FR/var/log/standins.log"
}
undo_newimage() {
	rm -f "$FR/etc/lis-test/fail-dracut" && mv "$INST/newimage.keep" "$FR/boot/initramfs-$K7B.img" || return 1
	if ! grep -q "^dracut .*--kver $K7B" "$FR/var/log/standins.log"; then
		echo "no image was made for $K7B before the failure: nothing for the rollback to take away"
		return 1
	fi
}
rolls_back() { # FAULT: inject it, install (must fail with 1), the root as it was
	local before rc=0 out
	"inject_$1" || return 1
	rm -f "$FR/var/log/lis/install.log"
	before=$(hash_of "$FR")
	out=$(inst --root "$FR" 2>&1) || rc=$?
	local after
	after=$(hash_of "$FR")
	"undo_$1" || { echo "undo_$1 failed"; return 1; }
	[ "$rc" = 1 ] || { echo "exit $rc: $out" | tail -n 3; return 1; }
	grep -q "rolled back" <<< "$out" || return 1
	[ "$after" = "$before" ] || { echo "the root is not as it was"; return 1; }
	# the disk really filled up (not some other failure)
	[ "$1" != diskfull ] || grep -q "No space left on device" "$FR/var/log/lis/install.log" ||
		{ echo "no ENOSPC in the install log"; return 1; }
}
mkdir -p "$FR/etc/lis-test"
for f in rpm depmod dracut image diskfull newimage; do
	check "installer:${f}_failure_rolls_back_completely" rolls_back "$f"
done

# --- kernel updates: the kernel package's weak-modules --add-kernel and
# the hook (RHEL 7 postinst.d) cover the new kernel by themselves; a kernel
# installed without its scripts is covered by upgrade.sh ---
UR=$INST/update
rhel_root "$UR" rhel 7.9 "Red Hat Enterprise Linux Server" "$K7"
# (each newer than the last: rpm -i refuses a kernel older than an installed one)
K7U=3.10.0-1160.119.1.el7.x86_64 K7V=3.10.0-1160.120.1.el7.x86_64
kernel_update_hook() {
	inst --root "$UR" > /dev/null || return 1
	: > "$UR/var/log/standins.log"
	root_rpm "$UR" -i "$(kernel_pkg "$K7U")" > "$INST/update.out" 2>&1 || { cat "$INST/update.out"; return 1; }
	grep -q "^weak-modules --add-kernel $K7U" "$UR/var/log/standins.log" &&
	resolves "$UR" "$K7U" hv_vmbus weak-updates/lis/ && grep -qx "kernel $K7U ours" "$UR/var/lib/lis/state" &&
	grep -q "verify $K7U: .* is good (ours)" "$UR/var/log/lis/hook.log" &&
	# the hook rebuilt the new kernel's image, and only that one
	[ "$(grep -c '^dracut ' "$UR/var/log/standins.log")" = 1 ] && grep -q "^dracut .*--kver $K7U" "$UR/var/log/standins.log"
}
check installer:kernel_update_hook_covers_the_new_kernel kernel_update_hook
update_then_upgrade() {
	root_rpm "$UR" -i --noscripts "$(kernel_pkg "$K7V")" > "$INST/k7v.out" 2>&1 || { cat "$INST/k7v.out"; return 1; }
	: > "$UR/var/log/standins.log"
	"$M/upgrade.sh" --root "$UR" --yes > "$INST/upgrade.out" 2>&1 || { cat "$INST/upgrade.out"; return 1; }
	grep -q "$K7V: compatible" "$INST/upgrade.out" && resolves "$UR" "$K7V" hv_vmbus weak-updates/lis/ &&
	grep -qx "kernel $K7V ours" "$UR/var/lib/lis/state" &&
	# only the new kernel's image was rebuilt
	[ "$(grep -c '^dracut ' "$UR/var/log/standins.log")" = 1 ] && grep -q "^dracut .*--kver $K7V" "$UR/var/log/standins.log"
}
check installer:kernel_installed_without_hooks_then_upgrade_covers_it update_then_upgrade

# --- RHEL 8: a +debug kernel, whose CRCs differ and which weak-modules does
# not check; the kernel-install hook; the BLS trial boot ---
K8D=4.18.0-513.5.1.el8_9.x86_64+debug K8U=4.18.0-513.9.1.el8_9.x86_64 K8UD=4.18.0-513.9.1.el8_9.x86_64+debug
R8=$INST/rhel89
rhel_root "$R8" rhel 8.9 "Red Hat Enterprise Linux" "$K8" "$K8D"
mkdir -p "$R8/boot/loader/entries"
# each kernel has its image (the trial boot's fallback entry boots the previous one)
for k in "$K8" "$K8D"; do
	chroot "$R8" dracut --force --kver "$k" "/boot/initramfs-$k.img" > /dev/null 2>&1 || fail installer:rhel89_root_images "dracut stand-in for $k"
done
for k in "$K8" "$K8D"; do
	printf 'title Red Hat Enterprise Linux (%s) 8.9\nversion %s\nlinux /vmlinuz-%s\ninitrd /initramfs-%s.img\noptions root=/dev/sda2 ro\n' \
		"$k" "$k" "$k" "$k" > "$R8/boot/loader/entries/0123abcd-$k.conf"
done
debug_kernel() {
	local out
	out=$(inst --root "$R8" 2>&1) || { echo "$out" | tail -n 8; return 1; }
	grep -q "$K8: exact" <<< "$out" && grep -q "$K8D: intree" <<< "$out" &&
	# weak-modules linked it unchecked in the kmod's %post; lis-kabi's fit took the links away
	grep -q "^weak-modules --no-initramfs --add-modules" "$R8/var/log/standins.log" &&
	grep -q "$K8D: weak-modules linked the LIS build" "$R8/var/log/lis/packages.log" &&
	[ ! -e "$R8/lib/modules/$K8D/weak-updates/lis" ] && resolves "$R8" "$K8D" hv_vmbus kernel/ &&
	resolves "$R8" "$K8" hv_vmbus extra/lis/ && grep -qx "kernel $K8D intree" "$R8/var/lib/lis/state"
}
check installer:debug_kernel_is_judged_by_lis_kabi_not_weak_modules debug_kernel
bls_trial() {
	local e=$R8/boot/loader/entries/0123abcd-$K8
	grep -qx "initrd /initramfs-$K8.img.lis-prev" "$e-lisfallback.conf" &&
	grep -qx "options root=/dev/sda2 ro lis.fallback=1" "$e-lisfallback.conf" &&
	grep -qx "grub2-set-default 0123abcd-$K8-lisfallback" "$R8/var/log/standins.log" &&
	grep -qx "grub2-reboot 0123abcd-$K8" "$R8/var/log/standins.log" &&
	grep -qx "kernel $K8 bls" "$R8/var/lib/lis/trial" && [ -e "$R8/boot/initramfs-$K8.img.lis-prev" ]
}
check installer:rhel8_trial_boot_is_a_one_time_bls_boot_with_a_fallback_entry bls_trial
trial_unhealthy() {
	local rc=0
	# a VMBus device no driver took: the check refuses to commit
	mkdir -p "$R8/sys/bus/vmbus/devices/f8615163-0000-1000-2000-000000000001"
	: > "$R8/var/log/standins.log"
	chroot "$R8" /usr/libexec/lis/lis-trial-check > /dev/null 2>&1 || rc=$?
	rm -rf "$R8/sys/bus"
	[ "$rc" = 1 ] && grep -q '^unhealthy' "$R8/var/lib/lis/trial-result" &&
	grep -q 'has no driver' "$R8/var/lib/lis/trial-result" &&
	[ -e "$R8/boot/loader/entries/0123abcd-$K8-lisfallback.conf" ] && ! grep -q '^grub2-set-default' "$R8/var/log/standins.log"
}
check installer:trial_check_keeps_the_fallback_after_an_unhealthy_boot trial_unhealthy
trial_healthy() {
	: > "$R8/var/log/standins.log"
	chroot "$R8" /usr/libexec/lis/lis-trial-check > /dev/null 2>&1 || return 1
	grep -q '^committed' "$R8/var/lib/lis/trial-result" && [ ! -e "$R8/var/lib/lis/trial" ] &&
	[ ! -e "$R8/boot/loader/entries/0123abcd-$K8-lisfallback.conf" ] &&
	grep -qx "grub2-set-default 0123abcd-$K8" "$R8/var/log/standins.log"
}
check installer:trial_check_commits_a_healthy_boot trial_healthy
# Debian/Ubuntu (--replace): the fallback entry comes from /etc/grub.d and
# grub-mkconfig (the VM rung boots it for real); here the reading of a
# two-kernel grub.cfg: the kernel's normal entry (in the submenu for the
# older kernel, never a recovery entry), the fallback made from it, and no
# trial where GRUB_DEFAULT is not 'saved'
debian_grub() {
	local r=$INST/debgrub t out k0=6.1.0-60-amd64 k1=6.1.0-50-amd64
	mkdir -p "$r/boot/grub" "$r/etc/grub.d" "$r/usr/sbin" || return 1
	cp tests/installer/fixtures/debian-grub.cfg "$r/boot/grub/grub.cfg" || return 1
	for t in grub-reboot grub-set-default grub-mkconfig; do printf '#!/bin/sh\nexit 0\n' > "$r/usr/sbin/$t" && chmod 755 "$r/usr/sbin/$t"; done
	lib() { bash -c '. "$1/lislib/lis.sh"; LIS_ROOT=$2; shift 2; "$@"' _ "$M" "$r" "$@"; }
	[ "$(lib boot_tools)" = mkconfig ] || { echo "boot_tools: $(lib boot_tools)"; return 1; }
	if [ "$(lib grub_entry_of "$k0" | head -n 1)" != gnulinux-simple-1111-2222 ] ||
		[ "$(lib grub_entry_of "$k1" | head -n 1)" != "gnulinux-advanced-1111-2222>gnulinux-$k1-advanced-1111-2222" ]; then
		lib grub_entry_of "$k1"
		return 1
	fi
	out=$(lib grub_fallback_entry "$k1" "/boot/initrd.img-$k1") || return 1
	if ! grep -q "^menuentry '$k1 (LIS fallback: previous drivers)' .* 'lis-fallback-$k1' {\$" <<< "$out" ||
		! grep -qx $'\t\tlinux\t/boot/vmlinuz-'"$k1"' root=UUID=1111-2222 ro console=ttyS0 lis.fallback=1' <<< "$out" ||
		! grep -qx $'\t\tinitrd\t/boot/initrd.img-'"$k1"'.lis-prev' <<< "$out" || grep -q single <<< "$out"; then
		echo "$out"
		return 1
	fi
	# shellcheck disable=SC2016  # grub's variable, literally
	sed -i 's/set default="${saved_entry}"/set default="0"/' "$r/boot/grub/grub.cfg"
	case $(lib boot_tools) in "none GRUB_DEFAULT is not 'saved'"*) ;; *) echo "GRUB_DEFAULT=0: $(lib boot_tools)"; return 1 ;; esac
}
check installer:debian_grub_trial_entries_from_grub_cfg debian_grub
kernel_install_hook() {
	: > "$R8/var/log/standins.log"
	root_rpm "$R8" -i "$(kernel_pkg "$K8U")" "$(kernel_pkg "$K8UD")" > "$INST/k8u.out" 2>&1 || { cat "$INST/k8u.out"; return 1; }
	grep -q "^weak-modules --add-kernel $K8UD" "$R8/var/log/standins.log" &&
	# the errata kernel has the same kABI: linked and its image proved
	resolves "$R8" "$K8U" hv_vmbus weak-updates/lis/ && grep -q "verify $K8U: .* is good (ours)" "$R8/var/log/lis/hook.log" &&
	# the +debug one was linked unchecked; the hook took the links away
	[ ! -e "$R8/lib/modules/$K8UD/weak-updates/lis" ] && resolves "$R8" "$K8UD" hv_vmbus kernel/ &&
	grep -qx "kernel $K8UD intree" "$R8/var/lib/lis/state"
}
check installer:kernel_install_hook_covers_errata_and_unlinks_debug_kernels kernel_install_hook

# --- kdump: the kdump image is rebuilt and proved as well ---
KR=$INST/kdump
rhel_root "$KR" rhel 7.9 "Red Hat Enterprise Linux Server" "$K7"
echo 'path /var/crash' > "$KR/etc/kdump.conf"
chroot "$KR" mkdumprd -f "/boot/initramfs-${K7}kdump.img" "$K7" > /dev/null 2>&1
kdump() {
	local x=$INST/kx
	inst --root "$KR" > /dev/null || return 1
	grep -q "^mkdumprd -f /boot/.initramfs-${K7}kdump.img.lis-new $K7" "$KR/var/log/standins.log" &&
	[ -e "$KR/boot/initramfs-${K7}kdump.img.lis-prev" ] &&
	grep -q "verify $K7: .*kdump.img.lis-new is good (ours)" "$KR/var/log/lis/install.log" || return 1
	rm -rf "$x" && mkdir -p "$x" && (cd "$x" && gzip -dc "$KR/boot/initramfs-${K7}kdump.img" | cpio -idm --quiet) &&
	cmp "$x/lib/modules/$K7/extra/lis/hv_vmbus.ko" "$KR/lib/modules/$K7/extra/lis/hv_vmbus.ko"
}
check installer:kdump_image_rebuilt_and_proved_too kdump

# --- --kernel: one kernel planned; a kernel the packages serve as well is
# never left with a stale image ---
one_kernel() {
	local r=$INST/onek out
	rhel_root "$r" rhel 7.9 "Red Hat Enterprise Linux Server" "$K7" "$K7B" || return 1
	out=$("$M/install.sh" --root "$r" --kernel "$K7B" --dry-run --json 2>/dev/null) || return 1
	python3 -c 'import json, sys; d = json.loads(sys.argv[1]); assert [k["kernel"] for k in d["kernels"]] == [sys.argv[2]], d' "$out" "$K7B" || return 1
	out=$(inst --root "$r" --kernel "$K7B" 2>&1) || { echo "$out" | tail -n 5; return 1; }
	grep -q "$K7: not in the plan, but the packages change its drivers too" <<< "$out" &&
	resolves "$r" "$K7B" hv_vmbus weak-updates/lis/ && grep -q "verify $K7B: .* is good (ours)" "$r/var/log/lis/install.log" &&
	grep -q "verify $K7: .* is good (ours)" "$r/var/log/lis/install.log"
}
check installer:kernel_option_plans_one_kernel_and_keeps_every_image_true one_kernel
# a build another kernel runs on is not "unused" because --kernel left that
# kernel out of the plan
kernel_option_keeps_other_builds() {
	local r=$INST/onek2 out
	rhel_root "$r" rhel 8.9 "Red Hat Enterprise Linux" "$K7" "$K8" || return 1
	out=$(inst --root "$r" --kernel "$K7" 2>&1) || { echo "$out" | tail -n 5; return 1; }
	out=$(inst --root "$r" --kernel "$K8" 2>&1) || { echo "$out" | tail -n 5; return 1; }
	if grep -q "  remove: " <<< "$out"; then grep "  remove: " <<< "$out"; return 1; fi
	[ "$(root_rpm "$r" -q --qf '%{NAME}\n' kmod-lis-3.10.0_1160.el7 kmod-lis-4.18.0_513.5.1.el8_9 | grep -c '^kmod-lis')" = 2 ] ||
		{ root_rpm "$r" -qa 'kmod-lis*'; return 1; }
	resolves "$r" "$K7" hv_vmbus extra/lis/ && resolves "$r" "$K8" hv_vmbus extra/lis/ &&
	grep -qx "kernel $K7 ours" "$r/var/lib/lis/state" && grep -qx "kernel $K8 ours" "$r/var/lib/lis/state"
}
check installer:kernel_option_keeps_the_builds_of_other_kernels kernel_option_keeps_other_builds

# --- a usable repository: dnf makes the transaction and brings what the
# packages need from it; a rollback takes that away again ---
if command -v dnf > /dev/null 2>&1; then
	DR=$INST/dnf
	# Debian's rpm keeps its database in ~/.rpmdb; RHEL's (and the roots') is /var/lib/rpm
	mkdir -p "$INST/home" && printf '%%_dbpath /var/lib/rpm\n' > "$INST/home/.rpmmacros"
	# the OS around the kernel without cpio, which lis-tools needs: the repository has it
	gen_base_rpm "$INST/fix" base-norepo "system-release(releasever) = 8, /bin/sh$(rpm -qp --nosignature --requires "$RT" 2>/dev/null |
		grep -v -e '^rpmlib(' -e '^cpio$' | sed 's/^/, /' | tr -d '\n')" "$BASE_DIRS" > /dev/null 2>&1
	gen_base_rpm "$INST/repo" cpio cpio > /dev/null 2>&1 && createrepo_c -q "$INST/repo"
	new_root "$DR" 'etc/os-release=ID="rhel"
ID_LIKE="fedora"
VERSION_ID="8.9"'
	root_rpm "$DR" -i "$INST/fix/base-norepo-1-1.x86_64.rpm" "$(kernel_pkg "$K8")" > /dev/null 2>&1
	mkdir -p "$DR/etc/yum.repos.d"
	printf '[lis-test]\nname=LIS test repository\nbaseurl=file://%s\ngpgcheck=0\n' "$INST/repo" > "$DR/etc/yum.repos.d/lis-test.repo"
	# dnf's own configuration directories, cache and history are the
	# package manager's, not ours
	dnf_listing() { mv "$DR/var/cache/dnf" "$INST/dnfcache" 2>/dev/null || true; mv "$DR/var/lib/dnf" "$INST/dnflib" 2>/dev/null || true
		listing_of "$DR" | grep -v -E '(^| )\./(etc/dnf|var/cache)( |/|$)'
		mv "$INST/dnfcache" "$DR/var/cache/dnf" 2>/dev/null || true; mv "$INST/dnflib" "$DR/var/lib/dnf" 2>/dev/null || true; }
	dnf_rollback() {
		local rc=0 out
		mkdir -p "$DR/etc/lis-test" || return 1
		dnf_listing > "$INST/dnf-before.lst"
		: > "$DR/etc/lis-test/fail-dracut"
		out=$(HOME=$INST/home inst --root "$DR" 2>&1) || rc=$?
		rm -f "$DR/etc/lis-test/fail-dracut"
		[ "$rc" = 1 ] || { echo "exit $rc: $out" | tail -n 3; return 1; }
		grep -q "^[0-9TZ:-]* + pm_root dnf install .*lis-tools" "$DR/var/log/lis/install.log" || { echo "dnf did not run"; return 1; }
		dnf_listing > "$INST/dnf-after.lst"
		cmp -s "$INST/dnf-before.lst" "$INST/dnf-after.lst" ||
			{ echo "the root is not as it was:"; diff "$INST/dnf-before.lst" "$INST/dnf-after.lst" | head -n 10; return 1; }
	}
	check installer:dnf_transaction_failure_rolls_back_what_the_repository_brought dnf_rollback
	dnf_install() {
		local out
		out=$(HOME=$INST/home inst --root "$DR" 2>&1) || { echo "$out" | tail -n 5; return 1; }
		grep -q "^[0-9TZ:-]* + pm_root dnf install .*kmod-lis-4.18.0_513.5.1.el8_9" "$DR/var/log/lis/install.log" &&
		[ "$(root_rpm "$DR" -q --qf '%{NAME}' cpio)" = cpio ] && resolves "$DR" "$K8" hv_vmbus extra/lis/
	}
	check installer:dnf_transaction_brings_dependencies_from_a_usable_repository dnf_install
else
	skip installer:dnf_transaction "no dnf on this host (make deps installs it)"
fi

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

# --- RHEL's hyperv-daemons: lis-tools takes their place (the same daemons,
# names and paths); the plan says so, and uninstall.sh says how to get them back ---
hyperv_daemons() {
	local r=$INST/hvd out
	rhel_root "$r" rhel 7.9 "Red Hat Enterprise Linux Server" "$K7" || return 1
	{ gen_rhel_hyperv_daemons "$INST/fix/hvd" > /dev/null 2>&1 &&
		root_rpm "$r" -i "$INST"/fix/hvd/*.rpm > /dev/null 2>&1; } || { echo "cannot install the hyperv-daemons stand-in"; return 1; }
	out=$(inst --root "$r") || { echo "$out" | tail -n 5; return 1; }
	grep -q "replaced by lis-tools (the same daemons, names and paths): hyperv-daemons-0-0.42.20190303git.el7 hypervkvpd-0-" <<< "$out" ||
		{ echo "the plan does not name the replaced packages:"; echo "$out" | head -n 8; return 1; }
	[ -z "$(root_rpm "$r" -qa 'hyperv*')" ] || { echo "still installed: $(root_rpm "$r" -qa 'hyperv*' | paste -sd' ')"; return 1; }
	[ "$(root_rpm "$r" -qf /usr/sbin/hypervkvpd --qf '%{NAME}')" = lis-tools ] || { echo "hypervkvpd is not lis-tools'"; return 1; }
	grep -qx "replaced hypervvssd-0-0.42.20190303git.el7" "$r/var/lib/lis/state" || { echo "the state does not record it"; return 1; }
	# a second run (nothing to do) keeps the record
	{ inst --root "$r" > /dev/null && grep -qx "replaced hyperv-daemons-0-0.42.20190303git.el7" "$r/var/lib/lis/state"; } ||
		{ echo "the second run lost the record"; return 1; }
	out=$("$M/uninstall.sh" --root "$r" --yes) || { echo "$out" | tail -n 5; return 1; }
	grep -q "which had replaced hyperv-daemons-0-0.42.20190303git.el7 .*yum install hyperv-daemons" <<< "$out" ||
		{ echo "uninstall.sh does not say how to get them back:"; echo "$out" | tail -n 3; return 1; }
}
check installer:hyperv_daemons_replaced_by_lis_tools_and_named_at_uninstall hyperv_daemons

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
