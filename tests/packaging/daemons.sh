# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Rung 40's checks of the Hyper-V daemons in lis-tools (sourced by
# tests/rungs/40-packaging.sh after the packages are built; uses its T, RT,
# VER, q and the fixtures).  lis-tools ships hypervkvpd, hypervvssd and
# hypervfcopyd, their units and udev rules at the paths of RHEL's
# hyperv-daemons, owns /var/lib/hyperv, and replaces RHEL's packages:
# versioned Obsoletes plus Provides of the same names (the form that cannot
# obsolete itself under yum), so `rpm -U lis-tools` on a system with
# hyperv-daemons takes them out in the same transaction, and the packages
# cannot come back beside it (docs/daemons.md).

tools_ship_daemons() {
	local l f
	l=$(q -l "$RT")
	for f in $DAEMON_FILES /var/lib/hyperv; do
		grep -qx "$f" <<< "$l" || { echo "lis-tools lacks $f"; return 1; }
	done
	# modes, and the directory as a directory
	local modes
	modes=$(q --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' "$RT")
	if ! grep -qx -- '-rwxr-xr-x /usr/sbin/hypervkvpd' <<< "$modes" ||
	   ! grep -qx 'drwxr-xr-x /var/lib/hyperv' <<< "$modes"; then
		echo "wrong modes: $(grep -E 'hypervkvpd$|hyperv$' <<< "$modes" | paste -sd,)"
		return 1
	fi
}
check packaging:tools_ship_daemons_units_and_rules_at_rhel_paths tools_ship_daemons

tools_replace_hyperv_daemons() {
	local o p n want
	o=$(q --obsoletes "$RT")
	p=$(q --provides "$RT")
	for n in hyperv-daemons hypervkvpd hypervvssd hypervfcopyd; do
		want="$n < $VER-1"
		grep -qx "$want" <<< "$o" || { echo "no 'Obsoletes: $want' (has: $(paste -sd, <<< "$o"))"; return 1; }
		grep -qx "$n = $VER-1" <<< "$p" || { echo "no 'Provides: $n = $VER-1'"; return 1; }
	done
}
check packaging:tools_obsolete_and_provide_hyperv_daemons tools_replace_hyperv_daemons

upgrade_over_hyperv_daemons() {
	local r=$T/roothvd x=$T/hvd-x
	gen_rhel_hyperv_daemons "$T/fix/hvd" || return 1
	new_root "$r" 'etc/os-release=ID="rhel"'
	root_rpm "$r" -i "$T/fix/base-el-1-1.x86_64.rpm" "$T"/fix/hvd/*.rpm > "$T/hvd.log" 2>&1 ||
		{ cat "$T/hvd.log"; return 1; }
	root_rpm "$r" -U "$RT" >> "$T/hvd.log" 2>&1 || { tail -n 5 "$T/hvd.log"; return 1; }
	local left
	left=$(root_rpm "$r" -qa --qf '%{NAME}\n' | grep -E '^hyperv' || true)
	[ -z "$left" ] || { echo "still installed beside lis-tools: $left"; return 1; }
	# the files are lis-tools' now, byte for byte
	rm -rf "$x"; mkdir -p "$x"
	(cd "$x" && rpm2cpio "$RT" | cpio -idm --quiet) || return 1
	cmp "$x/usr/sbin/hypervkvpd" "$r/usr/sbin/hypervkvpd" || return 1
	[ "$(root_rpm "$r" -qf /usr/sbin/hypervvssd --qf '%{NAME}')" = lis-tools ] || return 1
	[ -d "$r/var/lib/hyperv" ] || { echo "no /var/lib/hyperv"; return 1; }
	# RHEL's package cannot be put back beside lis-tools
	if root_rpm "$r" -i "$T/fix/hvd/hypervkvpd-0-0.42.20190303git.el7.x86_64.rpm" > /dev/null 2>&1; then
		echo "hypervkvpd installed beside lis-tools"; return 1
	fi
	# erasing lis-tools takes the daemons with it
	root_rpm "$r" -e lis-tools || return 1
	[ ! -e "$r/usr/sbin/hypervkvpd" ] || { echo "/usr/sbin/hypervkvpd survived the erase"; return 1; }
	rm -rf "$x"
}
check packaging:tools_upgrade_replaces_rhel_hyperv_daemons upgrade_over_hyperv_daemons
