# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2034  # globals shared with the sourcing scripts
# shellcheck shell=bash
#
# The plan: for every installed kernel (or the one given with --kernel), how
# it will be served — our exact build, a kABI-compatible build (linked by
# weak-modules), a DKMS build, or its in-tree drivers — and why; then which
# packages that takes.  kmod-lis and lis-dkms conflict (both would own the
# same module names in a kernel), so a system runs on prebuilt builds or on
# DKMS; kernels the chosen way cannot serve keep their in-tree drivers.

declare -A PLAN_ACTION=() PLAN_BUILD=() PLAN_REASON=() PLAN_SET=()
PLAN_KERNELS=() PLAN_BLOCKS=() PLAN_INSTALL=() PLAN_ERASE=() PLAN_REPLACED=()
PKG_MODE=none
PLAN_REPLACE=0

# dkms_possible KVER: DKMS can build for KVER in this root
dkms_possible() {
	kernel_build_dir "$1" >/dev/null && root_has gcc && root_has make && root_has dkms
}

# dkms_modules FILE: the module names a lis-dkms package builds
dkms_modules() {
	query rpm -qpl --nosignature "$1" | sed -n 's|^/usr/src/lis-[^/]*/drivers/\([^/]*\)/Kbuild$|\1|p'
}

# plan_kernel KVER MEDIUM: decide one kernel
plan_kernel() {
	local k=$1 medium=$2 fam variant line kv kf file dir best="" set=""
	variant=$(kernel_variant "$k")
	fam=$(kernel_family "$k")
	PLAN_KERNELS+=("$k")
	PLAN_BUILD[$k]=""
	if [ "$(kernel_config_value "$k" HYPERV)" = y ]; then
		plan_set "$k" intree "Hyper-V support is built into this kernel (CONFIG_HYPERV=y); its VMBus cannot be replaced"
		return
	fi
	if [ -z "$fam" ]; then
		if [ "$PLAN_REPLACE" = 1 ] && [ -n "$LIS_DKMS_RPM" ] && dkms_possible "$k"; then
			plan_set "$k" dkms "replacement requested (--replace): DKMS builds LIS for this kernel"
			set=$(dkms_modules "$LIS_DKMS_RPM" | paste -sd' ')
		elif [ "$variant" = uek ]; then
			plan_set "$k" intree "UEK kernels carry their own Hyper-V drivers"
			return
		elif [ "$PLAN_REPLACE" = 1 ]; then
			plan_set "$k" intree "replacement needs DKMS here: kernel headers for $k, gcc, make and dkms"
			return
		else
			plan_set "$k" intree "not a Red Hat compatible kernel; its own Hyper-V drivers are the right ones (--replace builds LIS with DKMS)"
			return
		fi
	else
		# the exact build first, then the newest kABI-compatible build of the family
		while read -r kv kf file; do
			[ -n "$kv" ] || continue
			[ "${kf:-}" = "$fam" ] || [ "$kv" = "$k" ] || continue
			if [ "$kv" = "$k" ]; then best=$file; plan_set "$k" exact "LIS build for this kernel"; break; fi
		done <<< "$(printf '%s\n' "$MEDIUM_KMODS")"
		if [ -z "$best" ]; then
			while read -r kv kf file; do
				[ -n "$kv" ] || continue
				{ [ -n "$file" ] && [ "$kf" = "$fam" ]; } || continue
				dir=$(build_modules_dir "$file") || continue
				if kabi_compatible "$k" "$dir"; then
					best=$file
					plan_set "$k" compatible "kABI-compatible with the LIS build for $kv (weak-updates)"
				fi
			done <<< "$(printf '%s\n' "$MEDIUM_KMODS" | sort -V)"
		fi
		if [ -n "$best" ]; then
			PLAN_BUILD[$k]=$best
			dir=$(build_modules_dir "$best") || dir=""
			set=$(for line in "$dir"/*.ko; do [ -e "$line" ] && module_key "$line"; done | paste -sd' ')
		elif [ -n "$LIS_DKMS_RPM" ] && dkms_possible "$k"; then
			plan_set "$k" dkms "no LIS build matches this kernel's kABI; DKMS builds one"
			set=$(dkms_modules "$LIS_DKMS_RPM" | paste -sd' ')
		else
			plan_set "$k" intree "no LIS build matches this kernel's kABI and DKMS cannot build one (needs kernel-devel-$k, gcc, make, dkms)"
			return
		fi
	fi
	PLAN_SET[$k]=$set
	# the replacement gate
	local g blocks=()
	while read -r g; do
		[ -n "$g" ] || continue
		case $g in
		refuse*) plan_set "$k" intree "${g#refuse }"; PLAN_BUILD[$k]=""; return ;;
		block*) blocks+=("${g#block }") ;;
		esac
	done <<< "$(gate_kernel "$k" "$set")"
	[ ${#blocks[@]} -eq 0 ] || PLAN_BLOCKS+=(${blocks[@]+"${blocks[@]}"})
}

plan_set() { PLAN_ACTION[$1]=$2; PLAN_REASON[$1]=$3; }


# plan_all MEDIUM [KVER]: the whole plan (PLAN_* globals)
plan_all() {
	local medium=$1 only=${2:-} k
	MEDIUM_KMODS=$(medium_kmods "$medium")
	LIS_TOOLS_RPM=$(medium_package "$medium" lis-tools || true)
	LIS_DKMS_RPM=$(medium_package "$medium" lis-dkms || true)
	for k in $(installed_kernels); do
		[ -z "$only" ] || [ "$k" = "$only" ] || continue
		plan_kernel "$k" "$medium"
	done
	plan_packages
}

# plan_packages: one way for the whole system, and the package lists
plan_packages() {
	local k have_kmod=0 have_dkms=0 f n
	for k in ${PLAN_KERNELS[@]+"${PLAN_KERNELS[@]}"}; do
		case ${PLAN_ACTION[$k]} in
		exact|compatible) have_kmod=1 ;;
		dkms) have_dkms=1 ;;
		esac
	done
	if [ "$have_kmod" = 1 ]; then
		PKG_MODE=kmod
		for k in ${PLAN_KERNELS[@]+"${PLAN_KERNELS[@]}"}; do
			[ "${PLAN_ACTION[$k]}" = dkms ] &&
				plan_set "$k" intree "no prebuilt LIS build fits it, and DKMS cannot be used beside the prebuilt builds this system runs on"
		done
	elif [ "$have_dkms" = 1 ]; then
		PKG_MODE=dkms
	fi
	readlines PLAN_BLOCKS "$(printf '%s\n' ${PLAN_BLOCKS[@]+"${PLAN_BLOCKS[@]}"} | sed '/^$/d' | sort -u)"
	PLAN_INSTALL=() PLAN_ERASE=()
	[ "$PKG_MODE" = none ] && return 0
	if [ -n "$LIS_TOOLS_RPM" ]; then
		PLAN_INSTALL+=("$LIS_TOOLS_RPM")
		readlines PLAN_REPLACED "$(replaced_packages)"
	fi
	if [ "$PKG_MODE" = kmod ]; then
		for k in ${PLAN_KERNELS[@]+"${PLAN_KERNELS[@]}"}; do
			f=${PLAN_BUILD[$k]}
			[ -n "$f" ] || continue
			case " ${PLAN_INSTALL[*]-} " in *" $f "*) ;; *) PLAN_INSTALL+=("$f") ;; esac
		done
		installed_lis_packages | grep -qx lis-dkms && PLAN_ERASE+=(lis-dkms)
	else
		PLAN_INSTALL+=("$LIS_DKMS_RPM")
	fi
	# installed builds no kernel uses any more (with --kernel the other
	# kernels are not planned, so their builds stay)
	[ -z "${LIS_KERNEL:-}" ] || return 0
	for n in $(installed_lis_packages); do
		case $n in kmod-lis-*) ;; *) continue ;; esac
		local keep=0
		for f in ${PLAN_INSTALL[@]+"${PLAN_INSTALL[@]}"}; do
			[ "$(rpm_field "$f" '%{NAME}')" = "$n" ] && keep=1
		done
		[ "$keep" = 1 ] || PLAN_ERASE+=("$n")
	done
	return 0
}

# plan_is_done: what the plan asks for is what is installed (a re-run is a no-op)
plan_is_done() {
	local f n k
	# an install that stopped half-way left no state: it is not done
	[ "$(state_get version)" = "$(lis_version)" ] || return 1
	for f in ${PLAN_INSTALL[@]+"${PLAN_INSTALL[@]}"}; do
		n=$(rpm_field "$f" '%{NAME}')
		[ "$(installed_version "$n")" = "$(rpm_field "$f" '%{VERSION}-%{RELEASE}')" ] || return 1
	done
	[ ${#PLAN_ERASE[@]} -eq 0 ] || return 1
	for k in ${PLAN_KERNELS[@]+"${PLAN_KERNELS[@]}"}; do
		[ "$(planned_mode "$k")" = "$(kernel_mode "$k")" ] || return 1
	done
	[ "$(blocked_modules_of | sort | paste -sd' ')" = "$(printf '%s\n' ${PLAN_BLOCKS[@]+"${PLAN_BLOCKS[@]}"} | sed '/^$/d' | sort | paste -sd' ')" ]
}

# planned_mode KVER: ours or intree after the plan is applied
planned_mode() {
	case ${PLAN_ACTION[$1]} in exact|compatible|dkms) echo ours ;; *) echo intree ;; esac
}

# cover_kernel KVER: the per-kernel part of upgrade.sh and the kernel-update
# hooks, with what is installed: our exact build, a kABI-compatible build
# (weak-modules links it), a DKMS build, or the in-tree drivers with a
# warning.  The image is rebuilt and proved either way; a kernel never boots
# on a module that cannot load.
cover_kernel() {
	local k=$1 v mode
	[ -n "$LIS_LOG" ] || LIS_LOG=/var/log/lis/hook.log
	log_open cover-kernel "$k"
	[ -d "$(rp "/lib/modules/$k")" ] || { log "$k is not installed"; return 0; }
	[ -n "$(kernel_family "$k")" ] || [ -n "$(dkms_installed_kernels)" ] || { log "$k: not a LIS kernel"; return 0; }
	if [ -z "$(lis_modules_of "$k")" ]; then
		v=$(installed_version lis-dkms)
		if [ -n "$v" ] && dkms_possible "$k"; then
			dkms_build_kernel "${v%-*}" "$k" || true
		fi
	fi
	depmod_kernel "$k" || true
	# weak-modules --add-kernel ran before this hook; its verdict is checked
	drop_unfit_links "$k" || true
	mode=$(kernel_mode "$k")
	if [ "$mode" = ours ] && [ "$(gate_kernel "$k" "$(lis_modules_of "$k" | paste -sd' ')" | grep -c '^refuse')" -gt 0 ]; then
		warn "$k: LIS cannot replace every Hyper-V module this guest uses; it keeps its in-tree drivers"
		unlink_kernel "$k"
		mode=intree
	fi
	if ! refresh_kernel "$k" "$mode"; then
		if [ "$mode" = ours ]; then
			warn "$k: the image with LIS drivers failed its check; $k keeps its in-tree drivers"
			unlink_kernel "$k"
			refresh_kernel "$k" intree || warn "$k: its image could not be rebuilt; it is unchanged"
		fi
	fi
	[ "$mode" = intree ] && warn "kernel $k is not covered by LIS: it boots on its in-tree Hyper-V drivers"
	# the hook plans nothing: the way and the --replace choice stay as recorded
	PKG_MODE=$(state_get mode) PLAN_REPLACE=$(state_get replace)
	state_write || true
	return 0
}

# unlink_kernel KVER: take LIS's weak-updates links away from one kernel
unlink_kernel() {
	local d
	d=$(rp "/lib/modules/$1/weak-updates/lis")
	[ -d "$d" ] && run rm -rf "$d"
	depmod_kernel "$1" || true
}
