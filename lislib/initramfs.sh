# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Kernel module indexes and initramfs images, done safely: depmod; weak-modules
# on RHEL-family systems; each image is built into a temp file beside the
# live one, unpacked and proved (the hv modules that will load from it are
# ours, byte for byte, and resolve against the kernel's symvers), and only
# then renamed over the live image, the previous one kept as <image>.lis-prev.
# The same for the kdump image where kdump is configured.

# Where our modules live under /lib/modules/<kver>/: the kmod packages,
# weak-modules' links to a kABI-compatible build, DKMS (Debian; RHEL's /extra)
LIS_MODULE_DIRS="extra/lis weak-updates/lis updates/dkms extra"

# lis_module_names: the module names LIS can replace (one per line)
lis_module_names() {
	local f
	for f in "$LISLIB_DIR/modules.list" "$LISLIB_DIR/../hv-generic/modules"; do
		if [ -r "$f" ]; then
			sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$f"
			return 0
		fi
	done
	return 1
}

# module_key NAME-or-PATH: the name modprobe uses (basename, no .ko*, '-' -> '_')
module_key() {
	local n=${1##*/}
	n=${n%%.ko*}
	printf '%s\n' "${n//-/_}"
}

# resolve_module TREE KVER NAME: the path (relative to the kernel's module
# directory) that modules.dep under TREE says NAME loads from; empty if none
resolve_module() {
	local dep key
	for dep in "$1/lib/modules/$2/modules.dep" "$1/usr/lib/modules/$2/modules.dep"; do
		[ -r "$dep" ] || continue
		key=$(module_key "$3")
		awk -F: -v k="$key" '{
			n = $1; sub(/.*\//, "", n); sub(/\.ko.*/, "", n); gsub(/-/, "_", n)
			if (n == k) { print $1; exit }
		}' "$dep"
		return 0
	done
	return 0
}

# in_lis_dir RELPATH: the path is in one of our module directories
in_lis_dir() {
	case $1 in
	extra/lis/*|weak-updates/lis/*|updates/dkms/*) return 0 ;;
	extra/*/*) return 1 ;;
	extra/*) return 0 ;;	# DKMS on RHEL installs into /extra
	esac
	return 1
}

# lis_modules_of KVER: our module names installed for KVER (one per line)
lis_modules_of() {
	local n m d
	while read -r n; do
		[ -n "$n" ] || continue
		for d in $LIS_MODULE_DIRS; do
			for m in "$(rp "/lib/modules/$1/$d")/$n.ko"*; do
				if [ -e "$m" ] || [ -L "$m" ]; then
					printf '%s\n' "$n"
					continue 3
				fi
			done
		done
	done <<< "$(lis_module_names)"
}

# depmod_kernel KVER: rebuild the module index of one kernel in the root
# (journalled: a rollback re-indexes it)
depmod_kernel() {
	[ -d "$(rp "/lib/modules/$1")" ] || return 0
	journal_get depmod | grep -qxF -- "$1" || journal_add depmod "$1"
	run_in_root depmod -a "$1" || { log "depmod failed for $1"; return 1; }
}

# weak_modules_run --add-modules|--remove-modules FILE...: let RHEL's
# weak-modules link (or unlink) our modules into every kABI-compatible kernel.
# It never touches images (--no-initramfs): we rebuild them safely ourselves.
weak_modules_run() {
	local op=$1
	shift
	root_has weak-modules || return 0
	[ $# -gt 0 ] || return 0
	log "+ weak-modules $op --no-initramfs <<< $*"
	[ "$LIS_DRY_RUN" = 1 ] && return 0
	printf '%s\n' "$@" | in_root weak-modules --no-initramfs "$op" >> "$LIS_LOG" 2>&1 ||
		{ log "weak-modules $op failed"; return 1; }
}

# weak_linked_kernels: kernels that have our modules through weak-updates
weak_linked_kernels() {
	local d
	for d in "$(rp /lib/modules)"/*/weak-updates/lis; do
		[ -d "$d" ] || continue
		d=${d%/weak-updates/lis}
		printf '%s\n' "${d##*/}"
	done
}

# initramfs_image KVER: the image path (in the root) for a kernel
initramfs_image() {
	if [ -e "$(rp "/boot/initrd.img-$1")" ] || [ -e "$(rp /etc/debian_version)" ]; then
		printf '/boot/initrd.img-%s\n' "$1"
	else
		printf '/boot/initramfs-%s.img\n' "$1"
	fi
}

# kdump_image KVER: the kdump image path when kdump is configured for it
kdump_image() {
	local img=/boot/initramfs-${1}kdump.img
	[ -e "$(rp /etc/kdump.conf)" ] && [ -e "$(rp "$img")" ] && printf '%s\n' "$img"
	return 0
}

# initramfs_known IMG: the image (host path) starts as an initramfs does: a
# newc cpio (an early one, or the whole image) or a compressed one.  Zeroed
# or garbled images fail here: some listers never finish on them
initramfs_known() {
	case $(od -An -tx1 -N6 "$1" 2>/dev/null | tr -d ' \n') in
	30373037303[12]*|1f8b*|fd377a585a00|28b52ffd*|425a68*|894c5a4f*|02214c18*|04224d18*) return 0 ;;
	esac
	return 1
}

# unpack_initramfs IMG DIR: unpack an image (an optional uncompressed early
# cpio followed by a gzip, xz, zstd or plain cpio archive) into DIR
unpack_initramfs() {
	local img=$1 dir=$2 off magic
	mkdir -p "$dir" || return 1
	off=0
	magic=$(od -An -tx1 -N6 "$img" | tr -d ' \n')
	if [ "$magic" = 303730373031 ]; then
		# an uncompressed cpio first: take it, then look for a compressed one after it
		(cd "$dir" && cpio -idm --quiet --no-absolute-filenames) < "$img" 2>> "$LIS_LOG" || return 1
		off=$(LC_ALL=C grep -obUaP '\x1f\x8b\x08|\xfd7zXZ|\x28\xb5\x2f\xfd' "$img" | head -n 1 | cut -d: -f1)
		[ -n "$off" ] || return 0
	fi
	magic=$(tail -c +"$((off + 1))" "$img" | od -An -tx1 -N4 | tr -d ' \n')
	local dec
	case $magic in
	1f8b*) dec="gzip -dc" ;;
	fd377a58) dec="xz -dc" ;;
	28b52ffd) dec="zstd -dc" ;;
	30373037) dec="cat" ;;
	*) log "unpack: $img: unknown format at offset $off ($magic)"; return 1 ;;
	esac
	# shellcheck disable=SC2086
	tail -c +"$((off + 1))" "$img" | $dec 2>> "$LIS_LOG" |
		(cd "$dir" && cpio -idm --quiet --no-absolute-filenames 2>> "$LIS_LOG")
	local st=("${PIPESTATUS[@]}")
	[ "${st[1]}" -eq 0 ] && [ "${st[2]}" -eq 0 ]
}

# verify_initramfs KVER IMG MODE [KIND]: prove an image (host path) is right
# for KVER.  MODE ours: each of our modules for KVER is in it, is byte for
# byte the file the root loads, and resolves against the kernel's symvers; no
# blocked in-tree module is in it.  KIND kdump: mkdumprd takes only what the
# dump needs, so of ours only hv_vmbus must be there, and whatever else of
# ours is there must be right.  MODE intree: none of ours is in it.
verify_initramfs() {
	local kver=$1 img=$2 mode=$3 kind=${4:-initramfs} u n p rp_ bad=0 symvers=""
	# the built-in drivers path proves its images itself (builtin.sh)
	[ "$mode" != builtin ] || { verify_builtin_image "$kver" "$img"; return; }
	u=$(mktemp -d "${TMPDIR:-/tmp}/lis-img.XXXXXX") || return 1
	if ! unpack_initramfs "$img" "$u"; then
		log "verify $kver: cannot unpack $img"
		rm -rf "$u"
		return 1
	fi
	if [ "$mode" = ours ]; then
		while read -r n; do
			[ -n "$n" ] || continue
			p=$(resolve_module "$u" "$kver" "$n")
			rp_=$(resolve_module "$LIS_ROOT" "$kver" "$n")
			if [ -z "$p" ]; then
				if [ "$kind" = kdump ] && [ "$n" != hv_vmbus ]; then
					log "verify $kver: $n is not in the kdump image (not needed for the dump)"; continue
				fi
				log "verify $kver: $n is not in the image"; bad=1; continue
			fi
			if ! in_lis_dir "$p" || ! in_lis_dir "$rp_"; then
				log "verify $kver: $n loads from $p in the image ($rp_ in the root), not from LIS"; bad=1; continue
			fi
			if ! cmp -s "$u/lib/modules/$kver/$p" "$(rp_file "/lib/modules/$kver/$rp_")" &&
				! cmp -s "$u/usr/lib/modules/$kver/$p" "$(rp_file "/lib/modules/$kver/$rp_")"; then
				log "verify $kver: $n in the image differs from /lib/modules/$kver/$rp_"; bad=1
			fi
		done <<< "$(lis_modules_of "$kver")"
		while read -r n; do
			[ -n "$n" ] || continue
			[ -n "$(resolve_module "$u" "$kver" "$n")" ] && { log "verify $kver: blocked module $n is in the image"; bad=1; }
		done <<< "$(blocked_modules_of "$kver")"
		# the modules that will load must resolve against this kernel's exports
		if symvers=$(kernel_symvers "$kver"); then
			local sv=$u/.symvers
			case $symvers in
			*.gz) gzip -dc "$symvers" > "$sv" 2>> "$LIS_LOG" || bad=1 ;;
			*) cp "$symvers" "$sv" || bad=1 ;;
			esac
			local mb=$u
			[ -d "$u/lib/modules/$kver" ] || mb=$u/usr
			local errs
			errs=$(depmod -n -e -E "$sv" -b "$mb" "$kver" 2>&1 >/dev/null) || { log "verify $kver: depmod failed: $errs"; bad=1; }
			if printf '%s\n' "$errs" | grep -E "/($(lis_module_names | paste -sd'|'))\\.ko" | grep -qE 'unknown symbol|disagrees'; then
				log "verify $kver: our modules do not resolve against $symvers:"
				log "$errs"
				bad=1
			fi
		else
			log "verify $kver: no symvers for this kernel; cannot prove the modules resolve"
			bad=1
		fi
	else
		while read -r n; do
			[ -n "$n" ] || continue
			p=$(resolve_module "$u" "$kver" "$n")
			[ -n "$p" ] && in_lis_dir "$p" && { log "verify $kver: LIS module $p is still in the image"; bad=1; }
		done <<< "$(lis_module_names)"
	fi
	rm -rf "$u"
	[ "$bad" -eq 0 ] && log "verify $kver: $img is good ($mode)"
	return "$bad"
}

# build_image KVER OUT KIND: run dracut (mkdumprd for kdump) inside the root
build_image() {
	local kver=$1 out=$2 kind=$3 add omit
	add=$(lis_modules_of "$kver" | paste -sd' ')
	omit=$(blocked_modules_of "$kver" | paste -sd' ')
	if [ "$kind" = kdump ]; then
		run_in_root mkdumprd -f "$out" "$kver"
		return
	fi
	local args=(--force --kver "$kver")
	[ -n "$add" ] && args+=(--add-drivers "$add")
	[ -n "$omit" ] && args+=(--omit-drivers "$omit")
	run_in_root dracut ${args[@]+"${args[@]}"} "$out"
}

# rebuild_image KVER IMG KIND MODE: temp file, proof, atomic rename, backup kept
rebuild_image() {
	local kver=$1 img=$2 kind=$3 mode=$4 tmp
	tmp=$(dirname "$img")/.$(basename "$img").lis-new
	say "  initramfs $img: rebuilding for $kver ($mode drivers)"
	[ "$LIS_DRY_RUN" = 1 ] && return 0
	rm -f "$(rp "$tmp")"
	if ! build_image "$kver" "$tmp" "$kind" || ! [ -s "$(rp "$tmp")" ]; then
		rm -f "$(rp "$tmp")"
		warn "building the image for $kver failed; $img is unchanged"
		return 1
	fi
	if ! verify_initramfs "$kver" "$(rp "$tmp")" "$mode" "$kind"; then
		rm -f "$(rp "$tmp")"
		warn "the new image for $kver failed its check (see the log); $img is unchanged"
		return 1
	fi
	if [ -e "$(rp "$img")" ]; then
		# a hard link keeps the previous image without copying it
		ln -f "$(rp "$img")" "$(rp "$img").lis-prev" 2>> "$LIS_LOG" ||
			cp -p "$(rp "$img")" "$(rp "$img").lis-prev" 2>> "$LIS_LOG" ||
			{ rm -f "$(rp "$tmp")"; warn "cannot keep a backup of $img"; return 1; }
	fi
	journal_add image "$img"
	if ! mv -f "$(rp "$tmp")" "$(rp "$img")" 2>> "$LIS_LOG"; then
		rm -f "$(rp "$tmp")"
		warn "cannot move the new image into place; $img is unchanged"
		return 1
	fi
	log "installed $img (previous kept as $img.lis-prev)"
}

# restore_image IMG: put the previous image back (rollback); an image that
# had no previous one (the kernel had none) is taken away again
restore_image() {
	local img=$1
	if [ -e "$(rp "$img").lis-prev" ] && [ "$(rp "$img").lis-prev" -ef "$(rp "$img")" ]; then
		# the tool failed before it replaced the image (update-initramfs
		# writes in place): the live image is the previous one
		rm -f "$(rp "$img").lis-prev" 2>> "$LIS_LOG" || return 1
		log "kept $img (it was not replaced)"
	elif [ -e "$(rp "$img").lis-prev" ]; then
		mv -f "$(rp "$img").lis-prev" "$(rp "$img")" 2>> "$LIS_LOG" || return 1
		log "restored $img"
	elif [ -e "$(rp "$img")" ]; then
		rm -f "$(rp "$img")" 2>> "$LIS_LOG" || return 1
		log "removed $img (there was none before)"
	fi
	return 0
}

# refresh_kernel KVER MODE: depmod and both images of one kernel
refresh_kernel() {
	local kver=$1 mode=$2 img
	depmod_kernel "$kver" || return 1
	img=$(initramfs_image "$kver")
	if [ -e "$(rp "/lib/modules/$kver/modules.dep")" ]; then
		rebuild_image "$kver" "$img" initramfs "$mode" || return 1
		img=$(kdump_image "$kver")
		if [ -n "$img" ]; then
			rebuild_image "$kver" "$img" kdump "$mode" || return 1
		fi
	fi
	return 0
}

# kernel_mode KVER: ours when LIS modules are installed for the kernel, else intree
kernel_mode() {
	if [ -n "$(lis_modules_of "$1")" ]; then echo ours; else echo intree; fi
}
