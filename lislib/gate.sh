# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The replacement gate.  Replacing hv_vmbus is all or nothing per kernel:
# every in-tree module that depends on the in-tree hv_vmbus (read from that
# kernel's modules.dep) is replaced by ours, or is unused and then blocked
# (modprobe `install <mod> /bin/false`, dracut omit_drivers).  When the root
# disk or an active network interface sits behind a module we do not replace,
# that kernel keeps its in-tree drivers.

LIS_BLOCK_MODPROBE=/etc/modprobe.d/lis-blocks.conf
LIS_BLOCK_DRACUT=/etc/dracut.conf.d/lis-blocks.conf

# intree_vmbus_users KVER: the in-tree modules of KVER that need hv_vmbus
# (hv_vmbus itself included), as module names
intree_vmbus_users() {
	local dep
	dep=$(rp "/lib/modules/$1/modules.dep")
	[ -r "$dep" ] || return 0
	awk -F: '
		function key(p) { sub(/.*\//, "", p); sub(/\.ko.*/, "", p); gsub(/-/, "_", p); return p }
		$1 ~ /^(extra\/lis|weak-updates\/lis|updates\/dkms)\// { next }
		{
			n = key($1)
			if (n == "hv_vmbus") { print n; next }
			k = split($2, d, " ")
			for (i = 1; i <= k; i++) if (key(d[i]) == "hv_vmbus") { print n; next }
		}' "$dep" | sort -u
}

# gate_kernel KVER SET: SET is the module names our build provides (space
# separated).  Prints "block NAME" lines for the modules to block, or one
# "refuse REASON" line when the kernel must keep its in-tree drivers.
gate_kernel() {
	local kver=$1 set u crit
	set=" $(for m in $2; do module_key "$m"; done | paste -sd' ') "
	crit=" $(critical_modules | sort -u | paste -sd' ') "
	while read -r u; do
		[ -n "$u" ] || continue
		case $set in *" $u "*) continue ;; esac
		case $crit in
		*" $u "*)
			echo "refuse the root disk or an active network interface needs $u, which LIS does not replace yet"
			return 0 ;;
		esac
		if loaded_module "$u"; then
			echo "refuse $u is in use and LIS does not replace it yet"
			return 0
		fi
		echo "block $u"
	done <<< "$(intree_vmbus_users "$kver")"
	return 0
}

# blocked_modules_of KVER: the modules our block file blocks (all kernels share it)
blocked_modules_of() {
	[ -r "$(rp "$LIS_BLOCK_MODPROBE")" ] || return 0
	awk '$1 == "install" { print $2 }' "$(rp "$LIS_BLOCK_MODPROBE")"
}

# write_blocks NAME...: the block files for the given modules (none: remove them)
write_blocks() {
	local m mp="" dr=""
	if [ $# -eq 0 ]; then
		remove_file "$LIS_BLOCK_MODPROBE" && remove_file "$LIS_BLOCK_DRACUT"
		return
	fi
	for m in "$@"; do
		mp+="install $m /bin/false"$'\n'
		dr+=" $m"
	done
	write_file "$LIS_BLOCK_MODPROBE" "# LIS: in-tree modules that need the in-tree hv_vmbus and that LIS does not
# replace yet; unused on this guest, so they are kept from loading.
${mp%$'\n'}" &&
	write_file "$LIS_BLOCK_DRACUT" "# LIS: keep the blocked in-tree Hyper-V modules out of the initramfs
omit_drivers+=\"$dr \""
}
