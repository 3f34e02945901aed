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
# RHEL 8 uses BLS entries (/boot/loader/entries); RHEL 7 grubby.  A root
# with neither (Debian and Ubuntu with --replace) gets its fallback entry
# from a script in /etc/grub.d and grub-mkconfig, and needs GRUB_DEFAULT=saved
# (otherwise grub ignores the saved default).  The grub tools are grub2-* on
# RHEL and grub-* on Debian.  Where the root has no grub tools (a container
# image, the tests' generated roots) the trial is not armed and the plan says so.

LIS_TRIAL=/var/lib/lis/trial

# bls_entry_of KVER: the BLS entry file of a kernel (RHEL 8), if any
bls_entry_of() {
	local f
	for f in "$(rp /boot/loader/entries)"/*"-$1.conf"; do
		[ -e "$f" ] && { printf '%s\n' "${f#"$LIS_ROOT"}"; return 0; }
	done
	return 1
}

# grub_tool NAME: the root's grub2-NAME (RHEL) or grub-NAME (Debian)
grub_tool() {
	if root_has "grub2-$1"; then
		echo "grub2-$1"
	elif root_has "grub-$1"; then
		echo "grub-$1"
	else
		return 1
	fi
}

# grub_cfg: the root's generated grub.cfg
grub_cfg() {
	local f
	for f in /boot/grub2/grub.cfg /boot/grub/grub.cfg; do
		[ -e "$(rp "$f")" ] && { echo "$f"; return 0; }
	done
	return 1
}

LIS_GRUB_SCRIPT=/etc/grub.d/42_lis_fallback
LIS_GRUB_ENTRIES=/var/lib/lis/grub-fallback.cfg

# boot_tools: which way this root boots (bls, grubby, mkconfig, or none and why)
boot_tools() {
	local cfg
	if ! grub_tool reboot > /dev/null || ! grub_tool set-default > /dev/null; then
		echo "none no grub2-reboot/grub2-set-default in this root"
	elif [ -d "$(rp /boot/loader/entries)" ] && bls_entry_of "$(installed_kernels | tail -n 1)" >/dev/null; then
		echo bls
	elif root_has grubby; then
		echo grubby
	elif ! cfg=$(grub_cfg) || ! grub_tool mkconfig > /dev/null || ! [ -d "$(rp /etc/grub.d)" ]; then
		echo "none neither BLS entries nor grubby nor grub-mkconfig with /etc/grub.d in this root"
	elif ! grep -qF "set default=\"\${saved_entry}\"" "$(rp "$cfg")"; then
		echo "none GRUB_DEFAULT is not 'saved' in /etc/default/grub, so grub would not boot the fallback by itself"
	else
		echo mkconfig
	fi
}

# grub_entry_of KVER: the grub.cfg path (SUBMENU_ID>ENTRY_ID, or ENTRY_ID) of
# the kernel's normal entry: the first one that boots its vmlinuz and is not
# a recovery entry; its body lines follow on the next lines
grub_entry_of() {
	local cfg
	cfg=$(grub_cfg) || return 1
	awk -v k="$1" '
		function id_of(line) {
			if (match(line, /\$menuentry_id_option +\047[^\047]*\047/)) {
				line = substr(line, RSTART, RLENGTH)
				sub(/^[^\047]*\047/, "", line)
				sub(/\047$/, "", line)
				return line
			}
			return ""
		}
		/^[ \t]*submenu / && depth == 0 { sub_id = id_of($0) }
		/^[ \t]*menuentry / {
			entry = id_of($0); title = $0; body = ""; inside = 1; vml = 0
			if (depth == 0) sub_id = ""
		}
		inside && /^[ \t]*linux(16|efi)?[ \t]/ && index($0, "/vmlinuz-" k " ") { vml = 1 }
		inside && !/^[ \t]*menuentry / && !/^[ \t]*}[ \t]*$/ { body = body $0 "\n" }
		/{[ \t]*$/ { depth++ }
		/^[ \t]*}[ \t]*$/ {
			depth--
			if (inside && vml && title !~ /recovery/ && entry != "") {
				print (sub_id != "" ? sub_id ">" : "") entry
				printf "%s", body
				exit
			}
			inside = 0
			if (depth == 0) sub_id = ""
		}' "$(rp "$cfg")" | grep .
}

# grub_fallback_entry KVER IMAGE: the fallback menuentry for grub.d (the
# kernel's normal entry with the previous image and lis.fallback=1)
grub_fallback_entry() {
	local body img=${2##*/}
	body=$(grub_entry_of "$1" | tail -n +2) || return 1
	[ -n "$body" ] || return 1
	printf "menuentry '%s (LIS fallback: previous drivers)' --class gnu-linux \$menuentry_id_option 'lis-fallback-%s' {\n" "$1" "$1"
	printf '%s\n' "$body" | sed -e "/^[[:space:]]*initrd/{s|/$img\([[:space:]]\)|/$img.lis-prev\1|;s|/$img\$|/$img.lis-prev|}" \
		-e '/^[[:space:]]*linux/s|$| lis.fallback=1|'
	printf '}\n'
}

# grub_mkconfig: regenerate grub.cfg (the fallback entries come and go with it)
grub_mkconfig() {
	local cfg
	cfg=$(grub_cfg) || return 1
	run_in_root "$(grub_tool mkconfig)" -o "$cfg" > /dev/null
}

# grub_fallback_script: /etc/grub.d's script that prints the fallback entries
grub_fallback_script() {
	printf '#!/bin/sh\n# LIS trial boot: the fallback entries until the health check commits\n'
	printf '# the new drivers (lislib/boot.sh; removed by it then, and by uninstall.sh)\n'
	printf 'cat %s 2>/dev/null || true\n' "$LIS_GRUB_ENTRIES"
}

# trial_arm KVER...: a fallback entry per kernel, the fallback as default, one trial boot
trial_arm() {
	local k way why entry fb title img first="" first_k="" entries=""
	read -r way why <<< "$(boot_tools)"
	if [ "$way" = none ]; then
		say "  trial boot: not armed ($why); the new drivers are the default"
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
			run_in_root "$(grub_tool set-default)" "$(basename "$fb" .conf)" || return 1
			first=${first:-$(basename "$entry" .conf)}
			;;
		grubby)
			run_in_root grubby --add-kernel "/boot/vmlinuz-$k" --initrd "$img.lis-prev" \
				--title "$title" --copy-default --args lis.fallback=1 || return 1
			journal_add grubby "$k"
			run_in_root "$(grub_tool set-default)" "$title" || return 1
			first=${first:-$k}
			;;
		mkconfig)
			entry=$(grub_entry_of "$k" | head -n 1) || continue
			fb=$(grub_fallback_entry "$k" "$img") || continue
			entries+=$fb$'\n'
			first=${first:-$entry} first_k=${first_k:-$k}
			;;
		esac
		printf 'kernel %s %s\n' "$k" "$way" >> "$(rp "$LIS_TRIAL").new"
	done
	[ -n "$first" ] || return 0
	if [ "$way" = mkconfig ]; then
		if [ "$LIS_DRY_RUN" != 1 ]; then
			printf '%s' "$entries" > "$(rp "$LIS_GRUB_ENTRIES")" &&
				grub_fallback_script > "$(rp "$LIS_GRUB_SCRIPT")" &&
				chmod 755 "$(rp "$LIS_GRUB_SCRIPT")" || return 1
		fi
		if ! grub_mkconfig; then
			rm -f "$(rp "$LIS_GRUB_SCRIPT")" "$(rp "$LIS_GRUB_ENTRIES")" "$(rp "$LIS_TRIAL").new"
			return 1
		fi
		# the first kernel's fallback is the default (the one a failed trial boot returns to)
		run_in_root "$(grub_tool set-default)" "lis-fallback-$first_k" || return 1
	fi
	if [ "$way" = grubby ]; then
		first=$(in_root grubby --info "/boot/vmlinuz-$first" 2>/dev/null | sed -n 's/^title="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' | head -n 1)
	fi
	run_in_root "$(grub_tool reboot)" "$first" || return 1
	# a new trial: an earlier one's result no longer says anything
	[ "$LIS_DRY_RUN" = 1 ] || { mv -f "$(rp "$LIS_TRIAL").new" "$(rp "$LIS_TRIAL")" && rm -f "$(rp /var/lib/lis/trial-result)"; }
	say "  trial boot: armed; the next boot tries the new drivers once, and falls back unless the health check commits them"
}

# trial_end COMMIT: remove the fallback entries; with COMMIT=1 the normal
# entries become the default again (the health check), else only the
# entries go (uninstall, rollback)
trial_end() {
	local commit=$1 tag k way entry grubd=0 def=""
	[ -r "$(rp "$LIS_TRIAL")" ] || return 0
	while read -r tag k way; do
		[ "$tag" = kernel ] || continue
		case $way in
		bls)
			entry=$(bls_entry_of "$k") || continue
			rm -f "$(rp "${entry%.conf}-lisfallback.conf")"
			[ "$commit" = 1 ] || continue
			run_in_root "$(grub_tool set-default)" "$(basename "$entry" .conf)" || return 1
			;;
		grubby)
			run_in_root grubby --remove-kernel "/boot/vmlinuz-$k" --initrd "$(initramfs_image "$k").lis-prev" || true
			[ "$commit" = 1 ] || continue
			run_in_root "$(grub_tool set-default)" 0 || return 1
			;;
		mkconfig)
			grubd=1 def=${def:-$k}
			;;
		esac
	done < "$(rp "$LIS_TRIAL")"
	if [ "$grubd" = 1 ]; then
		# the saved default named a fallback entry that is going: the
		# kernel's normal entry takes its place, committed or not
		rm -f "$(rp "$LIS_GRUB_SCRIPT")" "$(rp "$LIS_GRUB_ENTRIES")"
		grub_mkconfig || return 1
		entry=$(grub_entry_of "$def" | head -n 1) || entry=0
		run_in_root "$(grub_tool set-default)" "$entry" || return 1
	fi
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
# our names to the kernel's in-tree file (modprobe.d in /run lasts this
# boot) -- when the previous image was the in-tree one.  When it carried an
# earlier LIS set (the trial of an upgrade), its hv_vmbus is loaded already
# and an in-tree child could not bind to it: loads stay on the installed
# LIS files, and the log says so.
fallback_to_intree() {
	local k=$1 n f conf="" intree
	if [ -r "$(rp /sys/module/hv_vmbus/srcversion)" ]; then
		intree=$(find "$(rp "/lib/modules/$k/kernel")" -name 'hv_vmbus.ko*' -print -quit 2>/dev/null)
		if [ -z "$intree" ] || [ "$(cat "$(rp /sys/module/hv_vmbus/srcversion)")" != \
			"$(modinfo -F srcversion "$intree" 2>/dev/null)" ]; then
			log "fallback boot of $k: the previous image loaded a LIS hv_vmbus; module loads stay on the installed LIS files"
			rm -f "$(rp /run/modprobe.d/lis-fallback.conf)"
			return 0
		fi
	fi
	while read -r n; do
		[ -n "$n" ] || continue
		f=$(find "$(rp "/lib/modules/$k/kernel")" -name "$n.ko*" -print -quit 2>/dev/null)
		[ -n "$f" ] && conf+="install $n /sbin/insmod ${f#"$LIS_ROOT"}"$'\n'
	done <<< "$(lis_modules_of "$k")"
	mkdir -p "$(rp /run/modprobe.d)" && printf '%s' "$conf" > "$(rp /run/modprobe.d/lis-fallback.conf)"
	log "fallback boot of $k: $(printf '%s' "$conf" | wc -l) modules sent to the in-tree files"
}
