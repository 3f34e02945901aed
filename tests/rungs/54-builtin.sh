#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Rung 54, the built-in drivers path and lis-status: install.sh
# --enable-builtin and uninstall.sh from a medium laid out as the ISO, on a
# real Debian 12 root (debootstrap, cached; initramfs-tools and Debian's
# kernel, then dracut in place of initramfs-tools) where every tool is the
# root's own, and on generated RHEL 9, UEK and RHEL 7.9 roots (dracut there
# is rung 50's recording stand-in); lis-status on generated roots for each
# driver set.  docs/builtin.md, docs/lis-status.md.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/packaging/fixtures.sh"
. "$TOP/tests/installer/roots.sh"
. "$TOP/tests/lib/debootstrap.sh"
cd "$TOP"
if [ "${LIS_BUILTIN_NS:-}" != 1 ]; then
	# the Debian roots' mounts (overlay, /proc, /sys, /dev) die with this namespace
	exec unshare --mount --propagation private env LIS_BUILTIN_NS=1 bash "$0" "$@"
fi
BI=$OUT/tests/builtin
INST=$BI	# roots.sh keeps its generated packages in $INST/fix
cleanup() {
	local d
	for d in "$BI"/deb-*; do [ -e "$d" ] && debian_work_done "$d"; done
	return 0
}
cleanup
trap cleanup EXIT
rm -rf "$BI"
mkdir -p "$BI/fix" "$BI/logs"
export SOURCE_DATE_EPOCH=1700000000
make -s -C tools/lis-kabi > "$BI/logs/lis-kabi.log" 2>&1 || { fail builtin:lis_kabi_builds "see $BI/logs/lis-kabi.log"; exit 0; }
export LIS_KABI=$OUT/tools/lis-kabi
# lis-tools and kmod-lis for the generated RHEL 7.9 and 8.9 builds (lis-status's driver sets)
build_test_packages "$BI/rpm" > "$BI/logs/rpm.log" 2>&1 || { fail builtin:packages_build "see $BI/logs/rpm.log"; exit 0; }
RT=$(ls "$BI"/rpm/lis-tools-*.rpm)
base_rpm "$BI/fix" "$RT" > "$BI/logs/base.log" 2>&1 || { fail builtin:base_package_builds "see $BI/logs/base.log"; exit 0; }
M=$BI/medium
iso/build-iso.sh --rpms "$BI/rpm" --tree "$M" > "$BI/logs/medium.log" 2>&1 || { fail builtin:medium_builds "see $BI/logs/medium.log"; exit 0; }
LOGS=$BI/logs

# gen_kernel ROOT KVER [BUILT-IN] [MISSING]: a kernel in a generated root:
# vmlinuz, config and the in-tree Hyper-V modules (generated ELF modules,
# cached per release), BUILT-IN listed in modules.builtin instead of
# shipped, MISSING not shipped at all; modules.dep by the root's depmod
gen_kernel() {
	local r=$1 k=$2 c=$BI/fix/kmods-$2 d m
	if [ ! -d "$c" ]; then
		mkdir -p "$c.new" && gen_intree "$c.new" "$k" "$(symvers_of rhel8)" rhel8 && mv "$c.new" "$c" || return 1
	fi
	d=$r/lib/modules/$k/kernel/drivers/hv
	mkdir -p "$d" && cp -p "$c"/*.ko "$d/" || return 1
	: > "$r/lib/modules/$k/modules.builtin"
	: > "$r/lib/modules/$k/modules.builtin.modinfo"
	for m in ${3:-}; do
		rm -f "$d/$m.ko"
		echo "kernel/drivers/hv/$m.ko" >> "$r/lib/modules/$k/modules.builtin"
	done
	for m in ${4:-}; do rm -f "$d/$m.ko"; done
	echo "generated kernel image $k" > "$r/boot/vmlinuz-$k"
	printf 'CONFIG_HYPERV=%s\n' "$(case " ${3:-} " in *" hv_vmbus "*) echo y ;; *) echo m ;; esac)" > "$r/boot/config-$k"
	(cd "$r/lib/modules/$k" && find kernel -name '*.ko' | sort > modules.order) &&
	chroot "$r" depmod -a "$k" >> "$LOGS/depmod.log" 2>&1
}
# image_has ROOT IMAGE MODULE...: the (gzip cpio) image holds each module
image_has() {
	local r=$1 img=$2 l m
	shift 2
	l=$(gzip -dc "$r$img" | cpio -it --quiet) || return 1
	for m in "$@"; do
		grep -qE "/${m}\\.ko" <<< "$l" || { echo "$img lacks $m"; return 1; }
	done
}
# runs CODE CMD...: CMD exits CODE (its output is kept in $LOGS/last.out)
runs() {
	local code=$1 rc=0
	shift
	"$@" > "$LOGS/last.out" 2>&1 || rc=$?
	[ "$rc" = "$code" ] || { tail -n 8 "$LOGS/last.out"; echo "exit $rc, not $code"; return 1; }
}
# root_hash ROOT: tree_hash without the logs (the stand-ins record every call in /var/log)
root_hash() {
	local r=$1 keep=$BI/keep.$$
	mkdir -p "$keep" && mv "$r/var/log" "$keep/" || return 1
	tree_hash "$r"
	mv "$keep/log" "$r/var/" && rm -rf "$keep"
}
# why TEXT: say why a check fails
why() { echo "$*"; }
said() { grep -qF -- "$1" "$LOGS/last.out" || { tail -n 8 "$LOGS/last.out"; echo "no '$1'"; return 1; }; }
inst() { "$M/install.sh" --log "$LOGS/install.log" "$@"; }
uninst() { "$M/uninstall.sh" --log "$LOGS/uninstall.log" "$@"; }
ALL="hv_vmbus hv_storvsc hv_netvsc pci-hyperv hv_utils hv_balloon hid_hyperv hyperv_keyboard"
read -ra ALLA <<< "$ALL"

# --- RHEL 9: offered by default, enabled with --enable-builtin ---
R9=$BI/rhel9 K9=5.14.0-427.13.1.el9_4.x86_64
rhel_root "$R9" rhel 9.4 "Red Hat Enterprise Linux" && gen_kernel "$R9" "$K9" &&
	chroot "$R9" dracut --force --kver "$K9" "/boot/initramfs-$K9.img"
IMG9=/boot/initramfs-$K9.img

unattended_offer_changes_nothing() {
	local before
	before=$(root_hash "$R9")
	runs 4 inst --root "$R9" --yes && said "ships the Hyper-V drivers in its kernels" &&
		said "run install.sh --enable-builtin" && said "$K9: enable" &&
		[ "$(root_hash "$R9")" = "$before" ]
}
check builtin:rhel9_install_offers_builtin_and_unattended_run_changes_nothing unattended_offer_changes_nothing

dry_run_plan() {
	runs 0 inst --root "$R9" --dry-run && said "Dry run: nothing was changed." &&
		said "/etc/dracut.conf.d/lis-builtin.conf: LIS lists $ALL" && [ ! -e "$R9/etc/dracut.conf.d/lis-builtin.conf" ]
}
check builtin:rhel9_dry_run_shows_the_builtin_plan dry_run_plan

rhel9_enable() {
	runs 0 inst --root "$R9" --enable-builtin --yes || return 1
	grep -qx "add_drivers+=\" $ALL \"" "$R9/etc/dracut.conf.d/lis-builtin.conf" &&
		image_has "$R9" "$IMG9" hv_vmbus hid_hyperv hyperv_keyboard hv_balloon pci-hyperv &&
		[ -e "$R9$IMG9.lis-prev" ] && grep -qx "kernel $K9" "$R9/var/lib/lis/builtin" &&
		grep -q "verify $K9: .* is good (builtin" "$LOGS/install.log" && [ ! -e "$R9/var/lib/lis/installer.lock" ]
}
check builtin:rhel9_enable_writes_dropin_rebuilds_and_proves_image rhel9_enable

second_enable_noop() {
	local before
	before=$(root_hash "$R9")
	runs 0 inst --root "$R9" --enable-builtin --yes && said "already in every initramfs; nothing to do" &&
		[ "$(root_hash "$R9")" = "$before" ]
}
check builtin:rhel9_second_enable_is_a_noop second_enable_noop

json_plan() {
	inst --root "$R9" --enable-builtin --dry-run --json 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["path"] == "builtin" and d["result"] == "already-enabled" and d["initramfs_tool"] == "dracut", d
k = d["kernels"][0]
assert k["kernel"] == "'"$K9"'" and k["action"] == "enabled" and k["add"] == "'"$ALL"'".split(), k
assert k["builtin"] == [] and k["missing"] == [], k
'
}
check builtin:rhel9_json_reports_the_builtin_plan json_plan

failure_rolls_back() {
	local before rc=0
	mkdir -p "$R9/etc/lis-test" && : > "$R9/etc/lis-test/fail-dracut"
	# a changed list makes the run rebuild: the dracut failure must undo it
	sed -i 's/ hyperv_keyboard / /' "$R9/etc/dracut.conf.d/lis-builtin.conf"
	before=$(root_hash "$R9")
	runs 1 inst --root "$R9" --enable-builtin --yes && said "rolled back" && [ "$(root_hash "$R9")" = "$before" ] || rc=1
	rm -rf "$R9/etc/lis-test"
	[ "$rc" = 0 ] && runs 0 inst --root "$R9" --enable-builtin --yes && grep -q ' hyperv_keyboard ' "$R9/etc/dracut.conf.d/lis-builtin.conf"
}
check builtin:rhel9_failed_rebuild_rolls_back_dropin_and_image failure_rolls_back

status_rhel9() {
	runs 0 "$M/lis-status" --root "$R9" && said "lis-status: OK - the in-tree drivers, enabled by LIS in the initramfs" &&
		said "kernel $K9: in-tree (LIS recorded: builtin)" || return 1
	# an image rebuilt without the drop-in lacks the input drivers
	mv "$R9/etc/dracut.conf.d/lis-builtin.conf" "$BI/dropin" && cp -p "$R9$IMG9" "$BI/img9" &&
		chroot "$R9" dracut --force --kver "$K9" "$IMG9" && mv "$BI/dropin" "$R9/etc/dracut.conf.d/lis-builtin.conf" || return 1
	runs 1 "$M/lis-status" --root "$R9" -q && said "lis-status: PROBLEM - kernel $K9: its initramfs lacks pci-hyperv hv_balloon hid_hyperv hyperv_keyboard" &&
		[ "$(wc -l < "$LOGS/last.out")" = 1 ] && mv "$BI/img9" "$R9$IMG9"
}
check builtin:lis_status_rhel9_builtin_ok_and_an_image_lacking_drivers_is_a_problem status_rhel9

rhel9_uninstall() {
	: > "$R9/var/log/standins.log"
	runs 0 uninst --root "$R9" --yes || return 1
	[ ! -e "$R9/etc/dracut.conf.d/lis-builtin.conf" ] && [ ! -e "$R9/var/lib/lis" ] &&
		grep -q "^dracut .*--kver $K9" "$R9/var/log/standins.log" && image_has "$R9" "$IMG9" hv_vmbus &&
		! image_has "$R9" "$IMG9" hyperv_keyboard > /dev/null
}
check builtin:rhel9_uninstall_removes_the_dropin_and_rebuilds rhel9_uninstall

# --- UEK-only Oracle Linux 7.9: the built-in path by default ---
uek_only() {
	local r=$BI/uek k=5.4.17-2136.307.3.1.el7uek.x86_64
	rhel_root "$r" ol 7.9 "Oracle Linux Server" && gen_kernel "$r" "$k" || return 1
	runs 0 inst --root "$r" --dry-run && said "Oracle Linux Server 7.9 with only UEK kernels ships the Hyper-V drivers" &&
		said "$k: enable" || return 1
	runs 0 inst --root "$r" --enable-builtin --yes && image_has "$r" "/boot/initramfs-$k.img" "${ALLA[@]}"
}
check builtin:uek_only_oracle_linux_gets_the_builtin_path uek_only

# --- RHEL 7.9 with --enable-builtin: a dracut drop-in, nothing installed ---
rhel79() {
	local r=$BI/rhel79
	ROOT_KERNEL_KIND=lite rhel_root "$r" rhel 7.9 "Red Hat Enterprise Linux Server" "$FIX_K7" || return 1
	runs 0 inst --root "$r" --enable-builtin --yes && [ -s "$r/etc/dracut.conf.d/lis-builtin.conf" ] &&
		image_has "$r" "/boot/initramfs-$FIX_K7.img" hv_vmbus hv_storvsc hyperv_keyboard hid_hyperv &&
		[ -z "$(root_rpm "$r" -qa 'lis-*' 'kmod-lis-*')" ]
}
check builtin:rhel79_enable_builtin_gets_a_dracut_dropin_and_no_packages rhel79

# --- modules.builtin, missing modules, kernels with nothing to add ---
BK=$BI/bik
KB=5.14.0-503.11.1.el9_5.x86_64 KM=5.14.0-70.13.1.el9_0.x86_64 KY=5.14.0-362.8.1.el9_3.x86_64
rhel_root "$BK" rhel 9.5 "Red Hat Enterprise Linux" && gen_kernel "$BK" "$KB" "hv_vmbus hv_storvsc" &&
	gen_kernel "$BK" "$KM" "" "pci-hyperv hyperv_keyboard" && gen_kernel "$BK" "$KY" "$ALL"
builtin_and_missing() {
	inst --root "$BK" --enable-builtin --yes --json 2> "$LOGS/last.out" > "$LOGS/bik.json" || { tail -n 5 "$LOGS/last.out"; return 1; }
	python3 - "$LOGS/bik.json" "$KB" "$KM" "$KY" <<-'EOF'
	import json, sys
	d = json.load(open(sys.argv[1]))
	k = {x["kernel"]: x for x in d["kernels"]}
	b, m, y = (k[v] for v in sys.argv[2:5])
	assert d["result"] == "enabled", d["result"]
	assert b["builtin"] == ["hv_vmbus", "hv_storvsc"] and "hv_vmbus" not in b["add"] and b["action"] == "enable", b
	assert m["missing"] == ["pci-hyperv", "hyperv_keyboard"] and m["action"] == "enable", m
	assert y["action"] == "present" and y["add"] == [] and len(y["builtin"]) == 8, y
	assert set(d["rebuild"]) == {b["kernel"], m["kernel"]}, d["rebuild"]
	# the drop-in serves every kernel: each module one of them ships
	assert d["modules"] == "hv_vmbus hv_storvsc hv_netvsc pci-hyperv hv_utils hv_balloon hid_hyperv hyperv_keyboard".split(), d["modules"]
	EOF
	grep -qF "not shipped by this kernel: pci-hyperv hyperv_keyboard" "$LOGS/last.out" &&
		grep -qF "built into the kernel (present): hv_vmbus hv_storvsc" "$LOGS/last.out" &&
		image_has "$BK" "/boot/initramfs-$KB.img" hv_netvsc hyperv_keyboard && image_has "$BK" "/boot/initramfs-$KM.img" hv_vmbus hid_hyperv &&
		[ ! -e "$BK/boot/initramfs-$KY.img" ]
}
check builtin:modules_builtin_reported_present_and_missing_modules_named builtin_and_missing

one_kernel() {
	local before
	# a kernel whose image lost the input drivers: --kernel rebuilds that one only
	before=$(sha256sum < "$BK/boot/initramfs-$KB.img")
	chroot "$BK" dracut --force --omit-drivers "hid_hyperv hyperv_keyboard" --kver "$KM" "/boot/initramfs-$KM.img" > /dev/null 2>&1 || return 1
	inst --root "$BK" --enable-builtin --kernel "$KM" --dry-run --json 2> /dev/null > "$LOGS/onek.json" || return 1
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert [k["kernel"] for k in d["kernels"]] == [sys.argv[2]], d' "$LOGS/onek.json" "$KM" || return 1
	: > "$BK/var/log/standins.log"
	runs 0 inst --root "$BK" --enable-builtin --kernel "$KM" --yes || return 1
	[ "$(grep -c '^dracut ' "$BK/var/log/standins.log")" = 1 ] && grep -q "^dracut .*--kver $KM" "$BK/var/log/standins.log" &&
		image_has "$BK" "/boot/initramfs-$KM.img" hid_hyperv && [ "$(sha256sum < "$BK/boot/initramfs-$KB.img")" = "$before" ]
}
check builtin:kernel_option_plans_and_rebuilds_one_kernel one_kernel

no_tool() {
	local r=$BI/notool
	rhel_root "$r" rhel 9.4 "Red Hat Enterprise Linux" && gen_kernel "$r" "$K9" && rm -f "$r/usr/sbin/dracut" || return 1
	runs 4 inst --root "$r" --enable-builtin --yes && said "neither initramfs-tools nor dracut"
}
check builtin:refuses_a_root_without_initramfs_tools_or_dracut no_tool

# --- lis-status for each driver set: ours exact and kABI-compatible
# (install.sh from the test packages), DKMS; the running kernel's loaded
# modules, bindings and daemons from /proc, /sys and /dev fixtures ---
K7B=3.10.0-1062.el7.x86_64
RS=$BI/status
status_json() { "$M/lis-status" --root "$RS" --json > "$LOGS/status.json" || true; python3 - "$LOGS/status.json" "$@"; }
# vmbus_device ROOT GUID CLASS [DRIVER MODULE]: a VMBus device in /sys, bound when DRIVER is given
vmbus_device() {
	local s=$1/sys d=$1/sys/devices/LNXSYSTM:00/VMBUS:00/$2
	mkdir -p "$d" "$s/bus/vmbus/devices" && echo "{$3}" > "$d/class_id" && ln -sfn "../../../devices/LNXSYSTM:00/VMBUS:00/$2" "$s/bus/vmbus/devices/$2" || return 1
	[ -n "${4:-}" ] || return 0
	mkdir -p "$s/bus/vmbus/drivers/$4" "$s/module/$5" && ln -sfn "../../../../module/$5" "$s/bus/vmbus/drivers/$4/module" &&
		ln -sfn "../../../../bus/vmbus/drivers/$4" "$d/driver"
}
# loaded ROOT NAME TAINT: a loaded module (our version when tainted O)
loaded() {
	local m=$1/sys/module/$2
	mkdir -p "$m" && printf '%s 16384 0 - Live 0x0\n' "$2" >> "$1/proc/modules" && echo "$3" > "$m/taint" || return 1
	[ "$3" != O ] || tr -d ' \n' < VERSION > "$m/version"
}
status_exact_compatible() {
	rhel_root "$RS" rhel 7.9 "Red Hat Enterprise Linux Server" "$FIX_K7" "$K7B" && runs 0 inst --root "$RS" --yes || return 1
	mkdir -p "$RS/proc/sys/kernel" && echo "$FIX_K7" > "$RS/proc/sys/kernel/osrelease" && : > "$RS/proc/modules" &&
		loaded "$RS" hv_vmbus O && loaded "$RS" hv_storvsc O && loaded "$RS" hv_netvsc O &&
		vmbus_device "$RS" f8615163-df3e-46c5-913f-f2d2f965ed0e ba6163d9-04a1-4d29-b605-72e2ffb1dc7f storvsc hv_storvsc &&
		vmbus_device "$RS" 9b4c6d3a-7b1e-4c51-9e0b-3c5f1f1b2a10 f8615163-df3e-46c5-913f-f2d2f965ed0e hv_netvsc hv_netvsc || return 1
	runs 0 "$M/lis-status" --root "$RS" && said "lis-status: OK - LIS $(tr -d ' \n' < VERSION) (kmod), 2 kernels as installed" || return 1
	status_json "$FIX_K7" "$K7B" <<-'EOF'
	import json, sys
	d = json.load(open(sys.argv[1]))
	k = {x["kernel"]: x for x in d["kernels"]}
	a, b = k[sys.argv[2]], k[sys.argv[3]]
	assert d["status"] == "ok" and d["running_kernel"] == sys.argv[2] and d["hyperv"]["detected"], d
	assert (a["driver_set"], a["boots_with"], a["recorded"], a["running"]) == ("ours exact", "ours exact", "ours", True), a
	assert (b["driver_set"], b["boots_with"], b["recorded"]) == ("ours kABI-compatible", "ours kABI-compatible", "ours"), b
	m = {x["name"]: x for x in a["modules"]}
	assert m["hv_vmbus"]["origin"] == "lis-exact" and m["hv_vmbus"]["file"] == "extra/lis/hv_vmbus.ko", m["hv_vmbus"]
	assert m["hv_storvsc"]["loaded"] == "ours" and m["hv_storvsc"]["bound"] == 1 and m["hv_netvsc"]["bound"] == 1, m
	assert m["hv_vmbus"]["initramfs"] == "extra/lis/hv_vmbus.ko", m["hv_vmbus"]
	w = {x["name"]: x for x in b["modules"]}["hv_vmbus"]
	# the compatible build was built for the other kernel
	assert w["origin"] == "lis-compatible" and w["built_for"] == sys.argv[2], w
	assert {x["driver"] for x in d["devices"]} == {"storvsc", "hv_netvsc"}, d["devices"]
	EOF
}
check builtin:lis_status_ours_exact_and_kabi_compatible status_exact_compatible

status_problems() {
	local rc=0 v bad=""
	# a device without a driver
	vmbus_device "$RS" 2450ee40-33bf-4fbd-892e-9fb06e9214cf 58f75a6d-d949-4320-99e1-a2a2576d581c &&
		runs 1 "$M/lis-status" --root "$RS" -q && said "PROBLEM - VMBus device 2450ee40-33bf-4fbd-892e-9fb06e9214cf" || bad+=" [a device without a driver]"
	rm -rf "$RS/sys/bus/vmbus/devices/2450ee40-33bf-4fbd-892e-9fb06e9214cf"
	# the in-tree hv_vmbus is loaded: not rebooted yet
	echo "" > "$RS/sys/module/hv_vmbus/taint" && runs 1 "$M/lis-status" --root "$RS" -q &&
		said "PROBLEM - kernel $FIX_K7: the loaded hv_vmbus is the in-tree module" || bad+=" [the in-tree hv_vmbus loaded]"
	echo O > "$RS/sys/module/hv_vmbus/taint"
	# an image with the in-tree hv_vmbus
	cp -p "$RS/boot/initramfs-$K7B.img" "$BI/img7b" && mkdir -p "$RS/etc/lis-test" && : > "$RS/etc/lis-test/wrong-module" &&
		chroot "$RS" dracut --force --kver "$K7B" "/boot/initramfs-$K7B.img" && runs 1 "$M/lis-status" --root "$RS" -q &&
		said "PROBLEM - kernel $K7B: its initramfs holds in-tree drivers, not LIS's (run upgrade.sh)" || bad+=" [an image with the in-tree hv_vmbus]"
	rm -rf "$RS/etc/lis-test"
	# an image without any hv_vmbus
	chroot "$RS" dracut --force --omit-drivers hv_vmbus --kver "$K7B" "/boot/initramfs-$K7B.img" && runs 1 "$M/lis-status" --root "$RS" -q &&
		said "PROBLEM - kernel $K7B: its initramfs holds no VMBus drivers, not LIS's (run upgrade.sh)" || bad+=" [an image without hv_vmbus]"
	mv "$BI/img7b" "$RS/boot/initramfs-$K7B.img"
	# a kernel installed after LIS that no hook covered
	# (its scriptlets would run LIS's kernel hook: without them, only the index)
	root_rpm "$RS" -i --nodeps --noscripts "$(ROOT_KERNEL_KIND=lite kernel_pkg 3.10.0-1160.119.1.el7.x86_64 lite)" > /dev/null 2>&1 &&
		chroot "$RS" depmod -a 3.10.0-1160.119.1.el7.x86_64 &&
		runs 1 "$M/lis-status" --root "$RS" -q && said "PROBLEM - kernel 3.10.0-1160.119.1.el7.x86_64 was installed after LIS and is not covered" || bad+=" [a kernel installed after LIS]"
	root_rpm "$RS" -e kernel-lite > /dev/null 2>&1 || bad+=" [erasing that kernel]"
	# the kernel hooks that ran keep the recorded way
	grep -qx 'mode kmod' "$RS/var/lib/lis/state" || { echo "the hooks changed the state: $(grep '^mode' "$RS/var/lib/lis/state")"; rc=1; }
	# a trial boot that fell back
	printf 'unhealthy 2026-01-01T00:00:00Z:\nhv_netvsc is loaded but is not the LIS module\n' > "$RS/var/lib/lis/trial-result" &&
		runs 1 "$M/lis-status" --root "$RS" -q && said "PROBLEM - the trial boot did not commit: unhealthy" || bad+=" [a trial boot that fell back]"
	rm -f "$RS/var/lib/lis/trial-result"
	# an installed daemon that does not run while its device exists, then runs
	printf '#!/bin/sh\nexit 0\n' > "$RS/usr/sbin/hv_kvp_daemon" && chmod 0755 "$RS/usr/sbin/hv_kvp_daemon" &&
		mkdir -p "$RS/dev/vmbus" && : > "$RS/dev/vmbus/hv_kvp" &&
		runs 1 "$M/lis-status" --root "$RS" -q && said "PROBLEM - the kvp daemon (hv_kvp_daemon) is not running while /dev/vmbus/hv_kvp exists" || bad+=" [a daemon not running]"
	mkdir -p "$RS/proc/4242" && echo hv_kvp_daemon > "$RS/proc/4242/comm" && runs 0 "$M/lis-status" --root "$RS" &&
		said "kvp: hv_kvp_daemon running (pid 4242)" || bad+=" [the daemon running]"
	v=$(status_json <<< 'import json, sys; print(json.load(open(sys.argv[1]))["status"])')
	[ "$v" = ok ] || { echo "status $v after the problems were mended"; rc=1; }
	[ -z "$bad" ] || { echo "cases that failed:$bad"; rc=1; }
	return "$rc"
}
check builtin:lis_status_names_each_problem_in_one_line_and_exits_1 status_problems

status_dkms() {
	local r=$BI/dkms m
	ROOT_KERNEL_KIND=lite rhel_root "$r" rhel 7.9 "Red Hat Enterprise Linux Server" "$K7B" || return 1
	# what dkms install leaves on RHEL (it cannot build for a kernel that is not here)
	cp -p "$FIX_OUT"/b7/*.ko "$r/lib/modules/$K7B/extra/" || return 1
	for m in "$FIX_OUT"/b7/*.ko; do m=${m##*/}; printf 'override %s * extra\n' "${m%.ko}"; done > "$r/etc/depmod.d/lis-dkms.conf"
	chroot "$r" depmod -a "$K7B" && mkdir -p "$r/var/lib/lis" &&
		printf 'version %s\nmode dkms\nreplace 0\nkernel %s ours\n' "$(tr -d ' \n' < VERSION)" "$K7B" > "$r/var/lib/lis/state" || return 1
	runs 0 "$M/lis-status" --root "$r" && said "kernel $K7B: DKMS (LIS recorded: ours)" && said "lis-status: OK - LIS $(tr -d ' \n' < VERSION) (dkms)"
}
check builtin:lis_status_dkms status_dkms

status_nothing() {
	runs 0 "$M/lis-status" --root "$BI/uek" && said "lis-status: OK - the in-tree drivers, enabled by LIS" &&
		runs 0 "$M/lis-status" --root "$BI/notool" && said "lis-status: OK - LIS is not installed; the in-tree drivers"
}
check builtin:lis_status_without_lis_is_ok status_nothing

# --- a real Debian 12 root: initramfs-tools and Debian's kernel ---
# MODULES=list (the image holds what /etc/initramfs-tools/modules names and
# the hooks need: a host-only image, as on a converted guest, and seconds
# instead of minutes per image); the admin lists hv_netvsc by hand
# (lsinitramfs prints paths, lsinitrd `ls -l` lines: the path is the last field)
lsimg() { chroot "$1" "$2" "$3" | awk '{ print $NF }' | sed -n "s|^\\(usr/\\)\\{0,1\\}lib/modules/[^/]*/kernel/.*/\\([^/]*\\)\\.ko.*|\\2|p" | sort -u; }
in_image() { # ROOT LISTER IMAGE MODULE...
	local have m
	# module names as modprobe knows them: hid-hyperv.ko is hid_hyperv
	have=" $(lsimg "$1" "$2" "$3" | tr - _ | paste -sd' ') "
	shift 3
	for m in "$@"; do case $have in *" ${m//-/_} "*) ;; *) echo "no $m in the image"; return 1 ;; esac; done
}
DEB_BASE=$(debian_root base - linux-image-amd64 initramfs-tools zstd 2> "$LOGS/debootstrap.err") || DEB_BASE=""
if [ -z "$DEB_BASE" ]; then
	fail builtin:debian_root_builds "$(tail -n 3 "$LOGS/debootstrap.err")"
	exit 0
fi
DW=$BI/deb-itools
if ! D=$(debian_work "$DEB_BASE" "$DW") || ! chroot_mounts "$D"; then fail builtin:debian_overlay_mounts "cannot mount $DW"; exit 0; fi
DK=$(debian_kernel "$D")
DIMG=/boot/initrd.img-$DK
echo hv_netvsc >> "$D/etc/initramfs-tools/modules"
cp -p "$D/etc/initramfs-tools/modules" "$BI/modules.orig"
debian_first_image "$D" "$DK" 2> "$LOGS/deb-first-image.log" || fail builtin:debian_first_image "see $LOGS/deb-first-image.log"
ITOOLS_BLOCK=$(printf '%s\n' "# BEGIN LIS: in-tree Hyper-V drivers (install.sh --enable-builtin; uninstall.sh removes this block)" \
	hv_vmbus hv_storvsc pci-hyperv hv_utils hv_balloon hid_hyperv hyperv_keyboard "# END LIS")

deb_enable() {
	local before
	before=$(sha256sum < "$D$DIMG")
	runs 0 inst --root "$D" --enable-builtin --yes && said "$DK: enable" && said "update-initramfs for $DK" || return 1
	# the block at the end, without the admin's hv_netvsc; the rest as it was
	[ "$(cat "$D/etc/initramfs-tools/modules")" = "$(cat "$BI/modules.orig")"$'\n'"$ITOOLS_BLOCK" ] || { diff "$BI/modules.orig" "$D/etc/initramfs-tools/modules"; return 1; }
	in_image "$D" lsinitramfs "$DIMG" "${ALLA[@]}" || return 1
	[ "$(sha256sum < "$D$DIMG.lis-prev" 2>&1)" = "$before" ] || { why "$DIMG.lis-prev is not the image before the run"; return 1; }
	! in_image "$D" lsinitramfs "$DIMG.lis-prev" hv_storvsc > /dev/null || { why "$DIMG.lis-prev holds hv_storvsc"; return 1; }
	grep -q "verify\\|update-initramfs -u -k $DK" "$LOGS/install.log" || { why "install.log names no update-initramfs -u -k $DK"; return 1; }
	grep -qx "tool initramfs-tools" "$D/var/lib/lis/builtin" || { why "/var/lib/lis/builtin: $(tr '\n' ' ' < "$D/var/lib/lis/builtin")"; return 1; }
}
check builtin:debian_itools_enable_adds_a_marked_block_and_rebuilds_the_image deb_enable

# a second --enable-builtin on the Debian root ($D, its overlay's upper $DW) changes nothing
debian_noop() {
	local before
	before=$(tree_hash "$DW/upper")
	runs 0 inst --root "$D" --enable-builtin --yes && said "nothing to do" && [ "$(tree_hash "$DW/upper")" = "$before" ]
}
check builtin:debian_itools_second_enable_changes_nothing debian_noop

deb_status() {
	runs 0 "$M/lis-status" --root "$D" && said "lis-status: OK - the in-tree drivers, enabled by LIS" || return 1
	"$M/lis-status" --root "$D" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
k = d["kernels"][0]
m = {x["name"]: x for x in k["modules"]}
assert d["status"] == "ok" and d["lis"]["builtin"] and k["driver_set"] == "in-tree" and k["recorded"] == "builtin", d
assert m["hv_vmbus"]["origin"] == "in-tree" and m["hv_vmbus"]["initramfs"].startswith("kernel/"), m["hv_vmbus"]
assert m["hv_sock"]["initramfs"] == "no", m["hv_sock"]
'
}
check builtin:lis_status_debian_builtin_is_ok deb_status

deb_failure() {
	local rc=0
	# a failing hook makes update-initramfs fail; the block had lost a module, so the run rebuilds
	cat > "$D/etc/initramfs-tools/hooks/zz-lis-test-fail" <<-'HOOK'
	#!/bin/sh
	[ "$1" = prereqs ] && exit 0
	echo "lis-test: injected failure" >&2
	exit 1
	HOOK
	chmod +x "$D/etc/initramfs-tools/hooks/zz-lis-test-fail"
	sed -i '/^hv_balloon$/d' "$D/etc/initramfs-tools/modules"
	tree_listing "$DW/upper" > "$BI/before.lst"
	runs 1 inst --root "$D" --enable-builtin --yes && said "rolled back" || rc=1
	if [ "$rc" = 0 ]; then
		tree_listing "$DW/upper" > "$BI/after.lst" || rc=1
		cmp -s "$BI/before.lst" "$BI/after.lst" || { diff "$BI/before.lst" "$BI/after.lst" | head -n 12; rc=1; }
	fi
	rm -f "$D/etc/initramfs-tools/hooks/zz-lis-test-fail"
	[ "$rc" = 0 ] && runs 0 inst --root "$D" --enable-builtin --yes || return 1
	grep -qx hv_balloon "$D/etc/initramfs-tools/modules" || { why "no hv_balloon in the block after the re-run"; return 1; }
}
check builtin:debian_itools_failed_update_initramfs_restores_image_and_block deb_failure

deb_uninstall() {
	runs 0 uninst --root "$D" --yes || return 1
	diff "$BI/modules.orig" "$D/etc/initramfs-tools/modules" || return 1
	[ ! -e "$D/var/lib/lis" ] || { why "/var/lib/lis remains: $(ls "$D/var/lib/lis")"; return 1; }
	! in_image "$D" lsinitramfs "$DIMG" hv_storvsc > /dev/null || { why "the image still holds hv_storvsc"; return 1; }
	in_image "$D" lsinitramfs "$DIMG" hv_netvsc
}
check builtin:debian_itools_uninstall_removes_exactly_the_block_and_rebuilds deb_uninstall
debian_work_done "$DW"

# --- the same Debian root with dracut in place of initramfs-tools ---
DEB_DRACUT=$(debian_root dracut base dracut 2> "$LOGS/debootstrap.err") || DEB_DRACUT=""
if [ -z "$DEB_DRACUT" ]; then
	fail builtin:debian_dracut_root_builds "$(tail -n 3 "$LOGS/debootstrap.err")"
	exit 0
fi
DW=$BI/deb-dracut
if ! D=$(debian_work "$DEB_DRACUT" "$DW") || ! chroot_mounts "$D"; then fail builtin:debian_overlay_mounts "cannot mount $DW"; exit 0; fi
# host-only images (what a converted guest has), without the host's
# devices: only the kernel-modules and base modules
debian_first_image "$D" "$DK" 2> "$LOGS/deb-dracut-first-image.log" || fail builtin:debian_dracut_first_image "see $LOGS/deb-dracut-first-image.log"

dracut_enable() {
	runs 0 inst --root "$D" --enable-builtin --yes && said "$DK: enable" || return 1
	grep -qx "add_drivers+=\" $ALL \"" "$D/etc/dracut.conf.d/lis-builtin.conf" ||
		{ why "the drop-in: $(cat "$D/etc/dracut.conf.d/lis-builtin.conf")"; return 1; }
	in_image "$D" lsinitrd "$DIMG" "${ALLA[@]}" || return 1
	[ -e "$D$DIMG.lis-prev" ] || { why "no $DIMG.lis-prev"; return 1; }
	! in_image "$D" lsinitrd "$DIMG.lis-prev" hv_vmbus > /dev/null || { why "$DIMG.lis-prev holds hv_vmbus"; return 1; }
}
check builtin:debian_dracut_enable_writes_the_dropin_and_rebuilds_the_image dracut_enable

check builtin:debian_dracut_second_enable_changes_nothing debian_noop

dracut_uninstall() {
	runs 0 uninst --root "$D" --yes || return 1
	[ ! -e "$D/etc/dracut.conf.d/lis-builtin.conf" ] && [ ! -e "$D/var/lib/lis" ] && ! in_image "$D" lsinitrd "$DIMG" hv_vmbus > /dev/null
}
check builtin:debian_dracut_uninstall_removes_the_dropin_and_rebuilds dracut_uninstall
debian_work_done "$DW"
