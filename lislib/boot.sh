# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Trial boot.  After the images are swapped, each changed kernel gets a
# fallback boot entry: its previous image (<image>.lis-prev) with
# `lis.fallback=1`, which makes the lis-trial unit send module loads to the
# in-tree files.  The fallback becomes the saved default and the next boot
# is a one-time boot (grub2-reboot) into the kernel's normal entry with the
# new drivers.  The health check (lis-trial-check, run by lis-trial.service
# after boot) commits the new set as the default and removes the fallback
# entry; if it finds the guest unhealthy, or the trial boot never gets that
# far, the following boot is the fallback by itself.
#
# RHEL 8 uses BLS entries (/boot/loader/entries); RHEL 7 grubby.  Where the
# root has no grub2 tools (a container image, the tests' Debian root) the
# trial is not armed and the plan says so.

LIS_TRIAL=/var/lib/lis/trial

# bls_entry_of KVER: the BLS entry file of a kernel (RHEL 8), if any
bls_entry_of() {
	local f
	for f in "$(rp /boot/loader/entries)"/*"-$1.conf"; do
		[ -e "$f" ] && { printf '%s\n' "${f#"$LIS_ROOT"}"; return 0; }
	done
	return 1
}

# boot_tools: which way this root boots (bls, grubby, none)
boot_tools() {
	if ! root_has grub2-reboot || ! root_has grub2-set-default; then
		echo none
	elif [ -d "$(rp /boot/loader/entries)" ] && bls_entry_of "$(installed_kernels | tail -n 1)" >/dev/null; then
		echo bls
	elif root_has grubby; then
		echo grubby
	else
		echo none
	fi
}

# trial_arm KVER...: a fallback entry per kernel, the fallback as default, one trial boot
trial_arm() {
	local tag k way entry fb title img first=""
	way=$(boot_tools)
	if [ "$way" = none ]; then
		say "  trial boot: not armed (no grub2-reboot/grub2-set-default in this root); the new drivers are the default"
		return 0
	fi
	[ $# -gt 0 ] || return 0
	for k in "$@"; do
		img=$(initramfs_image "$k")
		[ -e "$(rp "$img").lis-prev" ] || continue
		title="$k (LIS fallback: previous drivers)"
		case $way in
		bls)
			entry=$(bls_entry_of "$k") || continue
			fb=${entry%.conf}-lisfallback.conf
			[ "$LIS_DRY_RUN" = 1 ] || {
				sed -e "s|^title .*|title $title|" \
					-e "s|^initrd \(.*\)|initrd \1.lis-prev|" \
					-e "s|^options \(.*\)|options \1 lis.fallback=1|" \
					"$(rp "$entry")" > "$(rp "$fb")" || return 1
			}
			journal_add file "$fb"
			run_in_root grub2-set-default "$(basename "$fb" .conf)" || return 1
			first=${first:-$(basename "$entry" .conf)}
			;;
		grubby)
			run_in_root grubby --add-kernel "/boot/vmlinuz-$k" --initrd "$img.lis-prev" \
				--title "$title" --copy-default --args lis.fallback=1 || return 1
			journal_add grubby "$k"
			run_in_root grub2-set-default "$title" || return 1
			first=${first:-$k}
			;;
		esac
		printf 'kernel %s %s\n' "$k" "$way" >> "$(rp "$LIS_TRIAL").new"
	done
	[ -n "$first" ] || return 0
	if [ "$way" = grubby ]; then
		first=$(in_root grubby --info "/boot/vmlinuz-$first" 2>/dev/null | sed -n 's/^title="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' | head -n 1)
	fi
	run_in_root grub2-reboot "$first" || return 1
	[ "$LIS_DRY_RUN" = 1 ] || mv -f "$(rp "$LIS_TRIAL").new" "$(rp "$LIS_TRIAL")"
	say "  trial boot: armed; the next boot tries the new drivers once, and falls back unless the health check commits them"
}

# trial_end COMMIT: remove the fallback entries; with COMMIT=1 the normal
# entries become the default again (the health check), else only the
# entries go (uninstall, rollback)
trial_end() {
	local commit=$1 tag k way entry
	[ -r "$(rp "$LIS_TRIAL")" ] || return 0
	while read -r tag k way; do
		[ "$tag" = kernel ] || continue
		case $way in
		bls)
			entry=$(bls_entry_of "$k") || continue
			rm -f "$(rp "${entry%.conf}-lisfallback.conf")"
			[ "$commit" = 1 ] || continue
			run_in_root grub2-set-default "$(basename "$entry" .conf)" || return 1
			;;
		grubby)
			run_in_root grubby --remove-kernel "/boot/vmlinuz-$k" --initrd "$(initramfs_image "$k").lis-prev" || true
			[ "$commit" = 1 ] || continue
			run_in_root grub2-set-default 0 || return 1
			;;
		esac
	done < "$(rp "$LIS_TRIAL")"
	rm -f "$(rp "$LIS_TRIAL")"
	[ "$commit" = 1 ] || return 0
	echo "committed $(date -u +%FT%TZ)" > "$(rp /var/lib/lis/trial-result)"
}

trial_commit() { trial_end 1; }
trial_disarm() { trial_end 0; }

# health_problems: why the running system is not healthy on our drivers
# (empty output: healthy).  Root disk on our storvsc, network on our netvsc,
# every VMBus device bound, no module load errors.
health_problems() {
	local m d n
	for m in $(lis_modules_of "$(uname -r)"); do
		[ -d "$(rp "/sys/module/$m")" ] || continue
		d=$(resolve_module "$LIS_ROOT" "$(uname -r)" "$m")
		if [ "$(cat "$(rp "/sys/module/$m/srcversion")" 2>/dev/null)" != \
			"$(modinfo -F srcversion "$(rp "/lib/modules/$(uname -r)/$d")" 2>/dev/null)" ]; then
			echo "$m is loaded but is not the LIS module"
		fi
	done
	for d in "$(rp /sys/bus/vmbus/devices)"/*; do
		[ -e "$d" ] || continue
		[ -e "$d/driver" ] || echo "VMBus device ${d##*/} ($(cat "$d/class_id" 2>/dev/null)) has no driver"
	done
	n=$(dmesg 2>/dev/null | grep -cE '(hv_|hyperv).*(Unknown symbol|disagrees about version)' || true)
	[ "${n:-0}" -eq 0 ] || echo "$n module load errors in the kernel log"
	return 0
}

# fallback_to_intree KVER: on the fallback entry, send every module load of
# our names to the kernel's in-tree file (modprobe.d in /run lasts this boot)
fallback_to_intree() {
	local k=$1 n f conf=""
	while read -r n; do
		[ -n "$n" ] || continue
		f=$(find "$(rp "/lib/modules/$k/kernel")" -name "$n.ko*" -print -quit 2>/dev/null)
		[ -n "$f" ] && conf+="install $n /sbin/insmod ${f#"$LIS_ROOT"}"$'\n'
	done <<< "$(lis_modules_of "$k")"
	mkdir -p "$(rp /run/modprobe.d)" && printf '%s' "$conf" > "$(rp /run/modprobe.d/lis-fallback.conf)"
	log "fallback boot of $k: $(printf '%s' "$conf" | wc -l) modules sent to the in-tree files"
}
