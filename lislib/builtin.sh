# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2034  # globals shared with the sourcing scripts
# shellcheck shell=bash
#
# The built-in drivers path: `install.sh --enable-builtin`, and what
# install.sh offers by default where the distribution's own Hyper-V drivers
# are the right ones (Debian, Ubuntu, RHEL 9+, Oracle Linux with only UEK
# kernels).  Nothing of ours is installed: the kernel's own modules are put
# into the initramfs of every affected kernel, so the guest boots and runs on
# them -- a P2V/V2V guest whose image was built on other hardware, a
# host-only image, an admin who keeps the in-tree drivers.
#
#   initramfs-tools: a marked block in /etc/initramfs-tools/modules (a module
#     the admin already lists there is not repeated), then per kernel
#     `update-initramfs -u -k KVER` with the previous image kept as
#     <image>.lis-prev and put back on failure (update-initramfs cannot write
#     elsewhere);
#   dracut: /etc/dracut.conf.d/lis-builtin.conf (add_drivers), then per kernel
#     dracut into a temp file, checked, renamed over the live image with the
#     previous one kept (rebuild_image in initramfs.sh).
# Every new image is checked with the root's own lister (lsinitramfs,
# lsinitrd; the library unpacks it where the root has neither): each module
# the kernel ships must be in it, from the kernel's own tree.  Modules built
# into the kernel (modules.builtin) are reported as present, modules the
# kernel does not ship are named.  The block or drop-in serves every kernel,
# so it holds each module at least one kernel ships; dracut and
# initramfs-tools skip a name a kernel lacks.  uninstall.sh takes exactly the
# block or the drop-in away and rebuilds the images.
#
# Which modules: the VMBus, its storage and network drivers and pci-hyperv
# (NVMe OS disks and accelerated networking sit behind it) so the guest
# boots; the integration services (hv_utils: shutdown, time sync, heartbeat,
# KVP, VSS) and hv_balloon so they run from the first moment; hid_hyperv and
# hyperv_keyboard, because a generation 2 VM has no PS/2 keyboard for a
# passphrase prompt or an emergency shell in the initramfs.  Not the video
# drivers: the firmware framebuffer serves the early console, and
# hyperv_drm and hyperv_fb would race for the one synthetic video device;
# udev loads the kernel's choice from the root file system.  Not hv_sock
# (loaded on demand) nor uio_hv_generic (bound by hand for DPDK only).

BUILTIN_MODULES="hv_vmbus hv_storvsc hv_netvsc pci-hyperv hv_utils hv_balloon hid_hyperv hyperv_keyboard"
BUILTIN_ITOOLS=/etc/initramfs-tools/modules
BUILTIN_DRACUT=/etc/dracut.conf.d/lis-builtin.conf
BUILTIN_STATE=/var/lib/lis/builtin
BUILTIN_BEGIN="# BEGIN LIS: in-tree Hyper-V drivers (install.sh --enable-builtin; uninstall.sh removes this block)"
BUILTIN_END="# END LIS"

declare -A BI_ACTION=() BI_REASON=() BI_ADD=() BI_BUILTIN=() BI_MISSING=()
BI_KERNELS=() BI_REBUILD=() BI_TOOL="" BI_LIST="" BI_CONFIG_CHANGES=0 BI_OFFERED=0

# initramfs_tool: how the root builds its images (initramfs-tools, dracut, none)
initramfs_tool() {
	if root_has update-initramfs && root_has mkinitramfs && [ -d "$(rp /etc/initramfs-tools)" ]; then
		echo initramfs-tools
	elif root_has dracut; then
		echo dracut
	else
		echo none
	fi
}

# builtin_is_default: this distribution's own drivers are the right ones
# (not a RHEL/CentOS/OL 7/8 guest with a Red Hat compatible kernel)
builtin_is_default() {
	local k any=0
	[ -n "$DIST_ID" ] || return 1
	if ! is_rhel_family; then return 0; fi
	[ -n "$DIST_MAJOR" ] || return 1
	[ "$DIST_MAJOR" -ge 9 ] 2>/dev/null && return 0
	[ "$DIST_MAJOR" -ge 7 ] 2>/dev/null || return 1
	# Oracle Linux with only UEK kernels
	for k in $(installed_kernels); do
		any=1
		[ "$(kernel_variant "$k")" = uek ] || return 1
	done
	[ "$any" = 1 ]
}

# builtin_offer: install.sh without --enable-builtin or --replace where the
# distribution's own drivers are the right ones: say so and take the
# built-in path, which then needs an answer on a terminal (--yes confirms a
# plan to install LIS, not a different change; unattended runs say
# --enable-builtin)
builtin_offer() {
	local what=${DIST_NAME:-$DIST_ID}
	if is_rhel_family && [ "${DIST_MAJOR:-0}" -lt 9 ] 2>/dev/null; then what="$what with only UEK kernels"; fi
	say "$what ships the Hyper-V drivers in its kernels, and they are the right ones: LIS does not replace them (--replace would, with DKMS). It can make sure they are in every kernel's initramfs instead (--enable-builtin)."
	LIS_BUILTIN=1 BI_OFFERED=1
}

# list_has_module FILE NAME: a list of module paths (modules.builtin, an
# image listing) holds NAME ('-' and '_' alike, any .ko compression)
list_has_module() {
	[ -r "$1" ] || return 1
	awk -v k="$(module_key "$2")" '{
		n = $NF; sub(/.*\//, "", n); if (n !~ /\.ko/) next
		sub(/\.ko.*/, "", n); gsub(/-/, "_", n)
		if (n == k) { f = 1; exit }
	} END { exit !f }' "$1"
}

# image_modules KVER IMG OUT: the module files in an image (root path), as
# paths relative to the kernel's module directory, into file OUT; the
# root's lsinitramfs or lsinitrd lists it, else the library unpacks it
image_modules() {
	local k=$1 img=$2 out=$3 u rc=0
	initramfs_known "$(rp "$img")" || { log "$img is not an initramfs image"; return 1; }
	if root_has lsinitramfs; then
		in_root timeout 300 lsinitramfs "$img" > "$out.all" 2>> "${LIS_LOG:-/dev/null}" || rc=$?
	elif root_has lsinitrd; then
		# `ls -l` lines: the name is the last field (before " -> " for links)
		in_root timeout 300 lsinitrd "$img" 2>> "${LIS_LOG:-/dev/null}" |
			awk '{ if ($(NF - 1) == "->") print $(NF - 2); else print $NF }' > "$out.all" || rc=$?
	else
		u=$(mktemp -d "${TMPDIR:-/tmp}/lis-list.XXXXXX") || return 1
		if unpack_initramfs "$(rp "$img")" "$u"; then
			(cd "$u" && find . -mindepth 1) > "$out.all" || rc=$?
		else
			rc=1
		fi
		rm -rf "$u"
	fi
	if [ "$rc" != 0 ]; then
		log "cannot list $img"
		rm -f "$out.all"
		return 1
	fi
	sed -n -e "s|^\\(\\./\\)\\{0,1\\}\\(usr/\\)\\{0,1\\}lib/modules/$k/\\(.*\\.ko\\(\\.[a-z]*\\)\\{0,1\\}\\)\$|\\3|p" "$out.all" > "$out"
	rm -f "$out.all"
}

# builtin_plan_kernel KVER: what the built-in path does for one kernel
builtin_plan_kernel() {
	local k=$1 m add="" bi="" miss=""
	BI_KERNELS+=("$k")
	BI_ADD[$k]="" BI_BUILTIN[$k]="" BI_MISSING[$k]=""
	if [ "$(kernel_mode "$k")" = ours ]; then
		BI_ACTION[$k]=skip
		BI_REASON[$k]="runs on LIS drivers (uninstall.sh returns it to its in-tree drivers)"
		return 0
	fi
	for m in $BUILTIN_MODULES; do
		if list_has_module "$(rp "/lib/modules/$k/modules.builtin")" "$m"; then
			bi+=" $m"
		elif [ -n "$(resolve_module "$LIS_ROOT" "$k" "$m")" ]; then
			add+=" $m"
		else
			miss+=" $m"
		fi
	done
	BI_ADD[$k]=${add# } BI_BUILTIN[$k]=${bi# } BI_MISSING[$k]=${miss# }
	case " $add $bi " in
	*" hv_vmbus "*) ;;
	*)
		BI_ACTION[$k]=skip
		BI_REASON[$k]="this kernel has no Hyper-V drivers (no hv_vmbus)"
		[ -r "$(rp "/lib/modules/$k/modules.dep")" ] || BI_REASON[$k]="its modules.dep is missing (run depmod $k)"
		return 0 ;;
	esac
	if [ -z "$add" ]; then
		BI_ACTION[$k]=present
		BI_REASON[$k]="every Hyper-V driver it ships is built into the kernel"
	else
		BI_ACTION[$k]=enable
		BI_REASON[$k]="the in-tree drivers go into its initramfs"
	fi
}

# builtin_config_now: the current content of our block or drop-in (module names)
builtin_config_now() {
	case $BI_TOOL in
	initramfs-tools)
		[ -r "$(rp "$BUILTIN_ITOOLS")" ] || return 0
		awk -v b="$BUILTIN_BEGIN" -v e="$BUILTIN_END" '
			$0 == b { in_ = 1; next } $0 == e { in_ = 0; next }
			in_ && $1 !~ /^#/ && NF { print $1 }' "$(rp "$BUILTIN_ITOOLS")" | paste -sd' ' ;;
	dracut)
		[ -r "$(rp "$BUILTIN_DRACUT")" ] || return 0
		sed -n 's/^add_drivers+=" *\(.*[^ ]\) *"$/\1/p' "$(rp "$BUILTIN_DRACUT")" ;;
	esac
}

# admin_listed_modules: module names the admin lists in
# /etc/initramfs-tools/modules outside our block (not repeated in it)
admin_listed_modules() {
	[ -r "$(rp "$BUILTIN_ITOOLS")" ] || return 0
	awk -v b="$BUILTIN_BEGIN" -v e="$BUILTIN_END" '
		$0 == b { in_ = 1; next } $0 == e { in_ = 0; next }
		!in_ && $1 !~ /^#/ && NF { print $1 }' "$(rp "$BUILTIN_ITOOLS")"
}

# image_lacks KVER [IMG]: the names among KVER's shipped modules its image
# (root path; default the live one) does not hold from the kernel's own
# tree, space separated; "unreadable" when the image cannot be listed,
# "none" when there is no image
image_lacks() {
	local k=$1 img=${2:-} lst m p miss=""
	[ -n "$img" ] || img=$(initramfs_image "$k")
	[ -e "$(rp "$img")" ] || { echo none; return 0; }
	lst=$(mktemp "${TMPDIR:-/tmp}/lis-img.XXXXXX") || return 1
	if ! image_modules "$k" "$img" "$lst"; then
		rm -f "$lst"
		echo unreadable
		return 0
	fi
	for m in ${BI_ADD[$k]}; do
		p=$(awk -v k="$(module_key "$m")" '{ n = $0; sub(/.*\//, "", n); sub(/\.ko.*/, "", n); gsub(/-/, "_", n); if (n == k) { print; exit } }' "$lst")
		case $p in
		"") miss+=" $m" ;;
		kernel/*) ;;
		*) miss+=" $m"; log "$k: $m in $img comes from $p, not the kernel's tree" ;;
		esac
	done
	rm -f "$lst"
	printf '%s\n' "${miss# }"
}

# builtin_plan [KVER]: the whole built-in plan (BI_* globals)
builtin_plan() {
	local only=${1:-} k m all="" admin list=""
	BI_TOOL=$(initramfs_tool)
	for k in $(installed_kernels); do
		[ -z "$only" ] || [ "$k" = "$only" ] || continue
		builtin_plan_kernel "$k"
	done
	# the block or drop-in serves every kernel: each module one of them ships
	for k in $(installed_kernels); do
		[ "$(kernel_mode "$k")" = ours ] && continue
		for m in $BUILTIN_MODULES; do
			[ -n "$(resolve_module "$LIS_ROOT" "$k" "$m")" ] && all+=" $m"
		done
	done
	admin=" $(admin_listed_modules | while read -r m; do module_key "$m"; done | paste -sd' ') "
	for m in $BUILTIN_MODULES; do
		case " $all " in *" $m "*) ;; *) continue ;; esac
		[ "$BI_TOOL" = initramfs-tools ] && case $admin in *" $(module_key "$m") "*) continue ;; esac
		list+=" $m"
	done
	BI_LIST=${list# }
	BI_CONFIG_CHANGES=0
	[ "$(builtin_config_now)" = "$BI_LIST" ] || BI_CONFIG_CHANGES=1
	BI_REBUILD=()
	for k in ${BI_KERNELS[@]+"${BI_KERNELS[@]}"}; do
		[ "${BI_ACTION[$k]}" = enable ] || continue
		if [ "$BI_CONFIG_CHANGES" = 1 ] || [ -n "$(image_lacks "$k")" ]; then
			BI_REBUILD+=("$k")
		else
			BI_ACTION[$k]=enabled
			BI_REASON[$k]="its initramfs already holds the in-tree drivers"
		fi
	done
}

# builtin_print_plan: the plan as sentences
builtin_print_plan() {
	local k cfg=$BUILTIN_ITOOLS
	[ "$BI_TOOL" = dracut ] && cfg=$BUILTIN_DRACUT
	say "Plan for ${DIST_NAME:-this system} (LIS $(lis_version)): the in-tree Hyper-V drivers in every initramfs ($BI_TOOL):"
	for k in ${BI_KERNELS[@]+"${BI_KERNELS[@]}"}; do
		say "  $k: ${BI_ACTION[$k]} - ${BI_REASON[$k]}"
		[ -z "${BI_ADD[$k]}" ] || say "      modules: ${BI_ADD[$k]}"
		[ -z "${BI_BUILTIN[$k]}" ] || say "      built into the kernel (present): ${BI_BUILTIN[$k]}"
		[ -z "${BI_MISSING[$k]}" ] || say "      not shipped by this kernel: ${BI_MISSING[$k]}"
	done
	if [ "$BI_CONFIG_CHANGES" = 1 ]; then
		if [ -n "$BI_LIST" ]; then say "  $cfg: LIS lists $BI_LIST"; else say "  $cfg: the LIS entry goes"; fi
	fi
	[ ${#BI_REBUILD[@]} -eq 0 ] || say "  rebuild the initramfs of: ${BI_REBUILD[*]-}"
	return 0
}

# json_words "A B": a JSON array of strings
json_words() {
	local w first=1
	printf '['
	for w in $1; do [ "$first" = 1 ] || printf ','; first=0; json_str "$w"; done
	printf ']'
}

# builtin_json_report TOOL RESULT EXIT: the built-in plan and the result on stdout
builtin_json_report() {
	[ "$LIS_JSON" = 1 ] || return 0
	local k first=1 cfg=""
	case $BI_TOOL in initramfs-tools) cfg=$BUILTIN_ITOOLS ;; dracut) cfg=$BUILTIN_DRACUT ;; esac
	printf '{"tool":%s,"version":%s,"path":"builtin","result":%s,"exit":%d,' "$(json_str "$1")" \
		"$(json_str "$(lis_version)")" "$(json_str "$2")" "$3"
	printf '"distribution":{"id":%s,"version":%s},' "$(json_str "$DIST_ID")" "$(json_str "$DIST_VERSION")"
	printf '"initramfs_tool":%s,"config":%s,"modules":%s,"kernels":[' "$(json_str "$BI_TOOL")" \
		"$(json_str "$cfg")" "$(json_words "$BI_LIST")"
	for k in ${BI_KERNELS[@]+"${BI_KERNELS[@]}"}; do
		[ "$first" = 1 ] || printf ','
		first=0
		printf '{"kernel":%s,"action":%s,"reason":%s,"image":%s,"add":%s,"builtin":%s,"missing":%s}' \
			"$(json_str "$k")" "$(json_str "${BI_ACTION[$k]}")" "$(json_str "${BI_REASON[$k]}")" \
			"$(json_str "$(initramfs_image "$k")")" "$(json_words "${BI_ADD[$k]}")" \
			"$(json_words "${BI_BUILTIN[$k]}")" "$(json_words "${BI_MISSING[$k]}")"
	done
	printf '],"rebuild":%s,"log":%s}\n' "$(json_words "${BI_REBUILD[*]-}")" "$(json_str "$LIS_LOG")"
}

# keep_file PATH: a file a command is about to change, kept for rollback
keep_file() {
	local f
	f=$(rp "$1")
	[ "$LIS_DRY_RUN" = 1 ] && return 0
	if [ -e "$f" ]; then cp -p "$f" "$f.lis-undo" || return 1; else rm -f "$f.lis-undo"; fi
	journal_add file "$1"
}

# builtin_itools_text LIST: /etc/initramfs-tools/modules with our block for
# LIST (none: without it), on stdout; everything else byte for byte
builtin_itools_text() {
	local f
	f=$(rp "$BUILTIN_ITOOLS")
	if [ -r "$f" ]; then
		awk -v b="$BUILTIN_BEGIN" -v e="$BUILTIN_END" '$0 == b { s = 1 } !s { print } $0 == e { s = 0 }' "$f" || return 1
	fi
	[ -n "$1" ] || return 0
	printf '%s\n' "$BUILTIN_BEGIN"
	printf '%s\n' "${1// /$'\n'}"
	printf '%s\n' "$BUILTIN_END"
}

# builtin_write_config TOOL LIST: TOOL's block or drop-in for LIST (none: remove it)
builtin_write_config() {
	local list=$2 f t
	case $1 in
	initramfs-tools)
		f=$(rp "$BUILTIN_ITOOLS")
		[ -e "$f" ] || [ -n "$list" ] || return 0
		[ "$LIS_DRY_RUN" = 1 ] && { log "would write the LIS block of $BUILTIN_ITOOLS: $list"; return 0; }
		mkdir -p "${f%/*}" && t=$(mktemp "$f.XXXXXX") || return 1
		builtin_itools_text "$list" > "$t" || { rm -f "$t"; return 1; }
		if [ ! -s "$t" ]; then
			rm -f "$t"
			remove_file "$BUILTIN_ITOOLS"
			return
		fi
		if cmp -s "$t" "$f"; then rm -f "$t"; return 0; fi
		if ! { [ ! -e "$f" ] || chmod --reference="$f" "$t"; } || ! keep_file "$BUILTIN_ITOOLS" || ! mv -f "$t" "$f"; then
			rm -f "$t"
			return 1
		fi
		log "wrote the LIS block of $BUILTIN_ITOOLS: ${list:-(none)}" ;;
	dracut)
		if [ -z "$list" ]; then
			remove_file "$BUILTIN_DRACUT"
			return
		fi
		write_file "$BUILTIN_DRACUT" "# LIS: the in-tree Hyper-V drivers in every initramfs (install.sh --enable-builtin;
# uninstall.sh removes this file).  dracut skips a name a kernel does not ship.
add_drivers+=\" $list \"" ;;
	*) return 1 ;;
	esac
}

# verify_builtin_image KVER IMG: the image (host path) holds every module
# KVER ships of the built-in set (called by verify_initramfs, mode builtin)
verify_builtin_image() {
	local k=$1 img=$2 lacks
	lacks=$(image_lacks "$k" "${img#"$LIS_ROOT"}")
	if [ -n "$lacks" ]; then
		log "verify $k: $img lacks $lacks"
		return 1
	fi
	log "verify $k: $img is good (builtin: ${BI_ADD[$k]:-})"
}

# rebuild_itools_image KVER MODE: update-initramfs for one kernel (it
# cannot write elsewhere, so the previous image is kept first as
# <image>.lis-prev, and a failure puts it back through the journal), then
# the check: MODE builtin, every module the kernel ships is in it; intree,
# it can be listed
rebuild_itools_image() {
	local k=$1 mode=$2 img op=-u lacks
	img=$(initramfs_image "$k")
	say "  initramfs $img: update-initramfs for $k"
	[ "$LIS_DRY_RUN" = 1 ] && return 0
	if [ -e "$(rp "$img")" ]; then
		# an earlier run's backup goes back too if this run fails
		if [ -e "$(rp "$img").lis-prev" ] && ! [ "$(rp "$img").lis-prev" -ef "$(rp "$img")" ]; then
			keep_file "$img.lis-prev" || return 1
		fi
		ln -f "$(rp "$img")" "$(rp "$img").lis-prev" 2>> "$LIS_LOG" ||
			cp -p "$(rp "$img")" "$(rp "$img").lis-prev" 2>> "$LIS_LOG" ||
			{ warn "cannot keep a backup of $img"; return 1; }
		journal_add image "$img"
	else
		op=-c
		journal_add file "$img"
	fi
	# update-initramfs records each image's checksum here; it goes back with the image
	keep_file "/var/lib/initramfs-tools/$k" || return 1
	if ! run_in_root update-initramfs "$op" -k "$k"; then
		warn "update-initramfs failed for $k (see the log)"
		return 1
	fi
	lacks=$(image_lacks "$k")
	case $mode:$lacks in
	*:unreadable|*:none) warn "the new image of $k cannot be read (see the log)"; return 1 ;;
	builtin:?*) warn "the new image of $k lacks $lacks (see the log)"; return 1 ;;
	esac
	log "installed $img (previous kept as $img.lis-prev)"
}

# builtin_rebuild KVER MODE: one kernel's image(s) with the current configuration
builtin_rebuild() {
	case $BI_TOOL in
	initramfs-tools) rebuild_itools_image "$1" "$2" ;;
	dracut) refresh_kernel "$1" "$2" ;;
	*) return 1 ;;
	esac
}

# builtin_state_write: what is enabled, for uninstall.sh and lis-status
builtin_state_write() {
	local f k
	[ "$LIS_DRY_RUN" = 1 ] && return 0
	f=$(rp "$BUILTIN_STATE")
	mkdir -p "${f%/*}" || return 1
	{
		printf 'tool %s\n' "$BI_TOOL"
		printf 'modules %s\n' "$BI_LIST"
		for k in ${BI_KERNELS[@]+"${BI_KERNELS[@]}"}; do
			case ${BI_ACTION[$k]} in enable|enabled|present) printf 'kernel %s\n' "$k" ;; esac
		done
		# kernels enabled by an earlier run (--kernel) stay recorded
		[ ! -r "$f" ] || awk '$1 == "kernel"' "$f"
	} | awk '!seen[$0]++' > "$f.new" && mv -f "$f.new" "$f"
}

# builtin_transaction STEP: STEP (builtin_apply, builtin_unapply) under the
# lock and the journal; a failure rolls back and exits
builtin_transaction() {
	lock_take || fail_with "$EX_FAILED" "Another LIS installer is running; nothing was changed."
	if ! "$1"; then
		if rollback; then
			lock_release
			fail_with "$EX_FAILED" "The change failed and was rolled back; the system is as it was."
		fi
		lock_release
		fail_with "$EX_ROLLBACK" "The change failed and the rollback was incomplete; see the log for what is left."
	fi
	forget_undo
	lock_release
}

builtin_apply() {
	local k
	builtin_write_config "$BI_TOOL" "$BI_LIST" || { warn "cannot write the $BI_TOOL configuration"; return 1; }
	for k in ${BI_REBUILD[@]+"${BI_REBUILD[@]}"}; do
		builtin_rebuild "$k" builtin || return 1
	done
	builtin_state_write || { warn "cannot write $BUILTIN_STATE"; return 1; }
}

builtin_unapply() {
	local k
	if ! builtin_write_config initramfs-tools "" || ! builtin_write_config dracut ""; then
		warn "cannot remove the LIS configuration"
		return 1
	fi
	for k in ${BI_REBUILD[@]+"${BI_REBUILD[@]}"}; do
		builtin_rebuild "$k" intree || return 1
	done
	remove_file "$BUILTIN_STATE"
}

# builtin_enabled: our block, drop-in or state is in the root
builtin_enabled() {
	[ -e "$(rp "$BUILTIN_DRACUT")" ] || [ -e "$(rp "$BUILTIN_STATE")" ] ||
		grep -qxF "$BUILTIN_BEGIN" "$(rp "$BUILTIN_ITOOLS")" 2>/dev/null
}

# builtin_plan_removal: uninstall.sh's part: the block and the drop-in go,
# and every kernel that was enabled (all with an image, when the state is
# gone) gets its image rebuilt
builtin_plan_removal() {
	local k was=""
	BI_TOOL=$(initramfs_tool)
	BI_LIST="" BI_CONFIG_CHANGES=1 BI_KERNELS=() BI_REBUILD=()
	[ -r "$(rp "$BUILTIN_STATE")" ] && was=" $(awk '$1 == "kernel" { print $2 }' "$(rp "$BUILTIN_STATE")" | paste -sd' ') "
	for k in $(installed_kernels); do
		[ -z "$was" ] || case $was in *" $k "*) ;; *) continue ;; esac
		BI_KERNELS+=("$k")
		BI_ADD[$k]="" BI_BUILTIN[$k]="" BI_MISSING[$k]=""
		if [ "$(kernel_mode "$k")" = ours ] || ! [ -e "$(rp "$(initramfs_image "$k")")" ]; then
			BI_ACTION[$k]=keep BI_REASON[$k]="its image is left as it is"
			continue
		fi
		BI_ACTION[$k]=rebuild BI_REASON[$k]="its initramfs is rebuilt without the LIS configuration"
		BI_REBUILD+=("$k")
	done
}

# builtin_uninstall: uninstall.sh's part, after its confirmation
builtin_uninstall() {
	[ "$BI_TOOL" != none ] || [ ${#BI_REBUILD[@]} -eq 0 ] ||
		fail_with "$EX_UNSUPPORTED" "This system has neither initramfs-tools nor dracut; the images cannot be rebuilt."
	builtin_transaction builtin_unapply
	say "The LIS configuration for the in-tree drivers is removed${BI_REBUILD[*]:+; rebuilt the initramfs of ${BI_REBUILD[*]-}}."
}

# builtin_install: install.sh's built-in path, from the plan to the report
builtin_install() {
	local k n=0
	BI_TOOL=$(initramfs_tool)
	[ "$BI_TOOL" != none ] ||
		fail_with "$EX_UNSUPPORTED" "This system has neither initramfs-tools nor dracut; LIS cannot put the in-tree drivers into its initramfs."
	builtin_plan "$LIS_KERNEL"
	[ ${#BI_KERNELS[@]} -gt 0 ] || fail_with "$EX_UNSUPPORTED" "No kernel${LIS_KERNEL:+ $LIS_KERNEL} is installed here."
	builtin_print_plan
	for k in ${BI_KERNELS[@]+"${BI_KERNELS[@]}"}; do
		case ${BI_ACTION[$k]} in enable|enabled|present) n=$((n + 1)) ;; esac
	done
	if [ "$n" = 0 ]; then
		builtin_json_report install refused "$EX_UNSUPPORTED"
		fail_with "$EX_UNSUPPORTED" "No installed kernel has in-tree Hyper-V drivers to enable (see the plan); nothing was changed."
	fi
	if [ "$BI_CONFIG_CHANGES" = 0 ] && [ ${#BI_REBUILD[@]} -eq 0 ]; then
		say "The in-tree Hyper-V drivers are already in every initramfs; nothing to do."
		builtin_json_report install already-enabled "$EX_OK"
		exit "$EX_OK"
	fi
	n=$(need_boot_kb ${BI_REBUILD[@]+"${BI_REBUILD[@]}"})
	if [ "$(free_kb /boot)" -lt "$n" ]; then
		builtin_json_report install refused "$EX_NO_SPACE"
		fail_with "$EX_NO_SPACE" "/boot has $(free_kb /boot) KiB free; rebuilding the images needs $n KiB."
	fi
	if [ "$LIS_DRY_RUN" = 1 ]; then
		say "Dry run: nothing was changed."
		builtin_json_report install dry-run "$EX_OK"
		exit "$EX_OK"
	fi
	if [ "$BI_OFFERED" = 1 ]; then
		if [ ! -t 0 ]; then
			builtin_json_report install refused "$EX_UNSUPPORTED"
			fail_with "$EX_UNSUPPORTED" "Nothing was changed: LIS is not installed here. To put the in-tree drivers into the initramfs unattended, run install.sh --enable-builtin."
		fi
		LIS_YES=0
	fi
	if ! confirm "Put the in-tree Hyper-V drivers into the initramfs as planned?"; then
		builtin_json_report install declined "$EX_DECLINED"
		fail_with "$EX_DECLINED" "Not confirmed; nothing was changed."
	fi
	builtin_transaction builtin_apply
	say "The in-tree Hyper-V drivers are in the initramfs${BI_REBUILD[*]:+ of ${BI_REBUILD[*]-}}; they are used from the next boot. The log is $LIS_LOG."
	builtin_json_report install enabled "$EX_OK"
	exit "$EX_OK"
}
