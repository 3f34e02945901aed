# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Packages: reading the medium's RPMs, the one rpm transaction (and its undo),
# the DKMS steps, and the package scriptlets' entry point.  On a root whose
# packages rpm does not manage (Debian, opt-in --replace) the lis-tools and
# lis-dkms payloads are unpacked with a manifest instead, so uninstall.sh can
# take exactly those files away again.

# rpm_field RPMFILE FORMAT: one query of a package file
rpm_field() { query rpm -qp --nosignature --qf "$2" "$1"; }

# medium_rpms DIR: every package file on the medium (ISO root or a directory)
medium_rpms() {
	find "$1" -name '*.rpm' -type f 2>/dev/null | LC_ALL=C sort
}

# medium_kmods DIR: "KVER FAMILY FILE" for each kmod-lis on the medium
medium_kmods() {
	local f kver fam
	while read -r f; do
		[ -n "$f" ] || continue
		case ${f##*/} in kmod-lis-*) ;; *) continue ;; esac
		kver=$(rpm_field "$f" '[%{PROVIDES}\n]' | sed -n 's/^lis-kmod(\(.*\))$/\1/p' | head -n 1)
		fam=$(rpm_field "$f" '[%{PROVIDES}\n]' | sed -n 's/^lis-family(\(.*\))$/\1/p' | head -n 1)
		[ -n "$kver" ] && printf '%s %s %s\n' "$kver" "$fam" "$f"
	done <<< "$(medium_rpms "$1")"
}

# medium_package DIR NAME: the newest file of package NAME on the medium
medium_package() {
	local f best=""
	while read -r f; do
		[ -n "$f" ] || continue
		[ "$(rpm_field "$f" '%{NAME}')" = "$2" ] && best=$f
	done <<< "$(medium_rpms "$1")"
	[ -n "$best" ] && printf '%s\n' "$best"
}

# installed_version NAME: VERSION-RELEASE of an installed package, or empty
installed_version() {
	if root_uses_rpm; then
		rpm_root -q --qf '%{VERSION}-%{RELEASE}\n' "$1" 2>/dev/null | head -n 1 | grep -v 'not installed' || true
	elif [ -r "$(rp /var/lib/lis/manifest)" ]; then
		sed -n "s/^package $1 //p" "$(rp /var/lib/lis/manifest)" | head -n 1
	fi
}

# installed_lis_packages: names of every LIS package installed
installed_lis_packages() {
	if root_uses_rpm; then
		rpm_root -qa --qf '%{NAME}\n' 2>/dev/null | grep -E '^(kmod-lis-|lis-tools$|lis-dkms$)' | LC_ALL=C sort || true
	elif [ -r "$(rp /var/lib/lis/manifest)" ]; then
		sed -n 's/^package \([^ ]*\) .*/\1/p' "$(rp /var/lib/lis/manifest)"
	fi
}

# version_cmp A B: prints -1, 0 or 1 (rpm version order, numeric segments)
version_cmp() {
	[ "$1" = "$2" ] && { echo 0; return; }
	local first
	first=$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n 1)
	if [ "$first" = "$1" ]; then echo -1; else echo 1; fi
}

# verify_signatures FILE...: when the admin imported our key, every package
# must carry a good signature by it; otherwise say that nothing was verified
verify_signatures() {
	local f keyid
	keyid=$(lis_key_id) || keyid=""
	if [ -z "$keyid" ] || ! rpm_root -q "gpg-pubkey-$keyid" >/dev/null 2>&1; then
		warn "package signatures not checked: the LIS signing key is not imported (see README, 'Verifying the packages')"
		return 0
	fi
	for f in "$@"; do
		rpm_root -K "$f" >> "$LIS_LOG" 2>&1 || { log "bad signature: $f"; return 1; }
	done
}

# lis_key_id: the short id (8 hex, lower case) of the medium's public key
lis_key_id() {
	local k=${LIS_MEDIUM:-}/RPM-GPG-KEY-LIS
	[ -r "$k" ] || return 1
	gpg --batch --with-colons --show-keys "$k" 2>/dev/null |
		awk -F: '$1 == "pub" { print tolower(substr($5, 9)); exit }'
}

# enabled_repos: the repositories the target's yum/dnf configuration enables
enabled_repos() {
	local f
	for f in "$(rp /etc/yum.repos.d)"/*.repo; do
		[ -r "$f" ] || continue
		awk '
			function flush() { if (sec != "" && on) print sec }
			/^[[:space:]]*\[/ { flush(); sec = $0; gsub(/[][[:space:]]/, "", sec); on = 1; next }
			/^[[:space:]]*enabled[[:space:]]*=/ { v = $0; sub(/^[^=]*=[[:space:]]*/, "", v); on = (v !~ /^(0|false|no)/) }
			END { flush() }' "$f"
	done
}

# pm_root TOOL ARGS...: yum or dnf on the target (--installroot for --root,
# as rpm_root uses rpm --root)
pm_root() {
	local t=$1
	shift
	if [ -n "$LIS_ROOT" ]; then
		"$t" -y -q --installroot "$LIS_ROOT" "$@"
	else
		"$t" -y -q "$@"
	fi
}

# pkg_tool: dnf or yum when the target has an enabled repository whose
# metadata loads (the packages' dependencies can then come from it), else rpm
pkg_tool() {
	local t
	for t in dnf yum; do
		command -v "$t" > /dev/null 2>&1 || continue
		[ -n "$(enabled_repos)" ] || break
		if timeout 300 "$t" -y -q ${LIS_ROOT:+--installroot "$LIS_ROOT"} makecache >> "$LIS_LOG" 2>&1; then
			echo "$t"
			return 0
		fi
		log "$t cannot load the enabled repositories' metadata; using rpm"
		break
	done
	echo rpm
}

# rpm_transaction: the package transaction of the plan (PLAN_INSTALL files,
# PLAN_ERASE names), with yum/dnf when a repository is usable (dependencies
# such as dkms or gcc come from it), rpm otherwise; remembers how to undo it
rpm_transaction() {
	local _inst=(${PLAN_INSTALL[@]+"${PLAN_INSTALL[@]}"}) _erase=(${PLAN_ERASE[@]+"${PLAN_ERASE[@]}"})
	local f n tool before after again=() fresh=() names=""
	# keep copies of what we replace so a rollback can put it back
	mkdir -p "$(rp /var/lib/lis/packages)" || return 1
	for n in $(installed_lis_packages); do
		journal_add package-was "$n $(installed_version "$n")"
	done
	[ ${#_inst[@]} -gt 0 ] || [ ${#_erase[@]} -gt 0 ] || return 0
	tool=$(pkg_tool)
	for f in ${_inst[@]+"${_inst[@]}"}; do names+="${names:+ }${f##*/}"; done
	journal_add rpm "$names | ${_erase[*]-}"
	if [ "$tool" = rpm ]; then
		# rpm cannot mix -U and -e in one command: erase first, in the same run of the journal
		[ ${#_erase[@]} -eq 0 ] || run rpm_root -e ${_erase[@]+"${_erase[@]}"} || return 1
		[ ${#_inst[@]} -eq 0 ] || run rpm_root -U --replacepkgs ${_inst[@]+"${_inst[@]}"} || return 1
	else
		before=$(rpm_root -qa --qf '%{NAME}\n')
		# a package installed at the same version is reinstalled: its
		# scriptlets link the kernels installed since
		for f in ${_inst[@]+"${_inst[@]}"}; do
			if [ "$(installed_version "$(rpm_field "$f" '%{NAME}')")" = "$(rpm_field "$f" '%{VERSION}-%{RELEASE}')" ]; then
				again+=("$f")
			else
				fresh+=("$f")
			fi
		done
		[ ${#_erase[@]} -eq 0 ] || run pm_root "$tool" --setopt=clean_requirements_on_remove=0 remove ${_erase[@]+"${_erase[@]}"} || return 1
		[ ${#fresh[@]} -eq 0 ] || run pm_root "$tool" install ${fresh[@]+"${fresh[@]}"} || return 1
		[ ${#again[@]} -eq 0 ] || run pm_root "$tool" reinstall ${again[@]+"${again[@]}"} || return 1
		# what the repositories brought along goes again on a rollback
		after=$(rpm_root -qa --qf '%{NAME}\n')
		while read -r n; do
			[ -n "$n" ] || continue
			case $n in kmod-lis-*|lis-tools|lis-dkms) continue ;; esac
			journal_add pulled "$n"
		done <<< "$(printf '%s\n--\n%s\n' "$before" "$after" | awk '$0 == "--" { s = 1; next } !s { b[$0]; next } !($0 in b)')"
	fi
	for f in ${_inst[@]+"${_inst[@]}"}; do
		n=$(rpm_field "$f" '%{NAME}')
		cp -f "$f" "$(rp "/var/lib/lis/packages/$n.rpm.new")" && journal_add saved "$n"
	done
	return 0
}

# commit_saved_packages: the new package files become the ones a later rollback restores
commit_saved_packages() {
	local f
	for f in "$(rp /var/lib/lis/packages)"/*.rpm.new; do
		[ -e "$f" ] || continue
		mv -f "$f" "${f%.new}"
	done
	for f in "$(rp /var/lib/lis/packages)"/*.rpm; do
		[ -e "$f" ] || continue
		f=${f##*/}
		installed_lis_packages | grep -qx "${f%.rpm}" || rm -f "$(rp "/var/lib/lis/packages/$f")"
	done
}

# undo_rpm_transaction: remove what the transaction installed, reinstall what it replaced
undo_rpm_transaction() {
	local n now want=() ok=0 f
	for n in $(installed_lis_packages); do
		journal_has package-was "$n " || run rpm_root -e --nodeps "$n" || ok=1
	done
	while read -r n; do
		[ -n "$n" ] || continue
		f=$(rp "/var/lib/lis/packages/${n%% *}.rpm")
		now=$(installed_version "${n%% *}")
		[ "$now" = "${n#* }" ] && continue
		if [ -e "$f" ]; then want+=("$f"); else log "cannot restore ${n%% *} ${n#* }: no saved package"; ok=1; fi
	done <<< "$(journal_get package-was)"
	[ ${#want[@]} -eq 0 ] || run rpm_root -U --oldpackage --replacepkgs --nodeps ${want[@]+"${want[@]}"} || ok=1
	# and what yum/dnf brought along for the new packages
	readlines want "$(journal_get pulled)"
	[ ${#want[@]} -eq 0 ] || run rpm_root -e --nodeps ${want[@]+"${want[@]}"} || ok=1
	rm -f "$(rp /var/lib/lis/packages)"/*.rpm.new
	return "$ok"
}

# unpack_payload RPMFILE: install a package's files without rpm (non-RPM
# roots), into the manifest: its files, and the directories the unpacking
# creates, so that remove_payload leaves the root as it was
unpack_payload() {
	local f=$1 name ver list d dirs=""
	name=$(rpm_field "$f" '%{NAME}') ver=$(rpm_field "$f" '%{VERSION}-%{RELEASE}')
	list=$(rpm -qpl --nosignature "$f" 2>> "$LIS_LOG") || return 1
	# every directory on the way to a file that is not there yet
	while read -r d; do
		[ -n "$d" ] || continue
		d=${d%/*}
		while [ -n "$d" ] && [ ! -e "$LIS_ROOT$d" ]; do
			dirs+="$d"$'\n'
			d=${d%/*}
		done
	done <<< "$list"
	mkdir -p "$(rp /var/lib/lis)" || return 1
	# recorded before the unpacking: what a failed one left half done is
	# taken away by the rollback too
	{
		printf 'package %s %s\n' "$name" "$ver"
		printf '%s\n' "$list" | sed "s|^|file $name |"
		printf '%s' "$dirs" | sort -u | sed "s|^|file $name |"
	} >> "$(rp /var/lib/lis/manifest)" || return 1
	journal_add unpacked "$name"
	run bash -c 'set -o pipefail; rpm2cpio "$1" | (cd "$2" && cpio -idmu --quiet --no-absolute-filenames)' _ "$f" "$(rp /)"
}
# replace_payload RPMFILE: before a package is unpacked over an installed
# version of itself, that version goes, as rpm -U would take it away.
# Without this an upgrade left both versions in the manifest, and
# uninstall.sh removed the old DKMS version and kept the new one.
replace_payload() {
	local f=$1 name old new
	name=$(rpm_field "$f" '%{NAME}') new=$(rpm_field "$f" '%{VERSION}-%{RELEASE}')
	old=$(installed_version "$name")
	[ -n "$old" ] || return 0
	log "replacing the unpacked $name $old with $new"
	if [ "${old%-*}" = "${new%-*}" ]; then
		erase_payload "$name" keep-dkms
	else
		erase_payload "$name"
	fi
}

# erase_payload NAME [keep-dkms]: take an unpacked package away as rpm -e
# would: its files and manifest lines, and for lis-dkms its DKMS version
# (whose sources go with it) unless told to keep it.  A copy stays under
# /var/lib/lis/undo until the transaction commits, for the rollback.
erase_payload() {
	local name=$1 v
	v=$(installed_version "$name") v=${v%-*}
	stash_payload "$name" "$v" || { warn "cannot keep a copy of $name $v for a rollback"; return 1; }
	if [ "$name" = lis-dkms ] && [ "${2:-}" != keep-dkms ] && [ -n "$v" ]; then
		dkms_remove_all "$v" || return 1
	fi
	remove_payload "$name"
}

# payload_paths NAME VERSION: what erasing an unpacked package takes away,
# relative to the root: its files and directories, and for lis-dkms the
# DKMS tree of lis and the module files DKMS installed for that version
payload_paths() {
	local name=$1 v=$2 f k m
	while read -r f; do
		[ -n "$f" ] || continue
		if [ -e "$(rp "$f")" ] || [ -L "$(rp "$f")" ]; then printf '%s\n' "${f#/}"; fi
	done <<< "$(sed -n "s|^file $name ||p" "$(rp /var/lib/lis/manifest)")"
	if [ "$name" != lis-dkms ] || [ ! -d "$(rp /var/lib/dkms/lis)" ]; then return 0; fi
	(cd "$(rp /)" && find var/lib/dkms/lis) || return 1
	for m in "$(rp "/var/lib/dkms/lis/$v")"/*/*/module/*.ko*; do
		[ -e "$m" ] || continue
		k=${m%/*/module/*} k=${k##*/} m=${m##*/}
		(cd "$(rp /)" && find "lib/modules/$k" -path "lib/modules/$k/kernel" -prune -o -name "${m%%.ko*}.ko*" -print) || return 1
	done
}

# stash_payload NAME VERSION: keep what erase_payload is about to take away
# as a cpio archive under /var/lib/lis/undo, and (once per transaction) the
# manifest as it was
stash_payload() {
	local name=$1 u
	u=$(rp /var/lib/lis/undo)
	mkdir -p "$u" || return 1
	[ -e "$u/manifest" ] || cp -p "$(rp /var/lib/lis/manifest)" "$u/manifest" || return 1
	payload_paths "$name" "$2" | LC_ALL=C sort -u > "$u/$name.paths" || return 1
	(cd "$(rp /)" && cpio -o -H newc --quiet < "$u/$name.paths" > "$u/$name.cpio") 2>> "$LIS_LOG" || return 1
	journal_add erased "$name"
}

# restore_payload NAME: the rollback of erase_payload (after the new
# version's files and DKMS builds are gone): the kept copy back in place.
# The manifest comes back as a whole afterwards (restore_manifest).
restore_payload() {
	local name=$1 u
	u=$(rp /var/lib/lis/undo)
	[ -r "$u/$name.cpio" ] || { warn "no copy of the erased $name to put back"; return 1; }
	log "putting the erased $name back"
	if [ "$name" = lis-dkms ]; then
		run rm -rf "$(rp /var/lib/dkms/lis)" || return 1
	fi
	(cd "$(rp /)" && cpio -idmu --quiet --no-absolute-filenames < "$u/$name.cpio") 2>> "$LIS_LOG"
}

restore_manifest() {
	local u
	u=$(rp /var/lib/lis/undo)
	[ ! -e "$u/manifest" ] || cp -p "$u/manifest" "$(rp /var/lib/lis/manifest)"
}

# remove_payload NAME: take an unpacked package's files away again, then
# the directories the unpacking made (now empty), deepest first
remove_payload() {
	local m name=$1 f
	m=$(rp /var/lib/lis/manifest)
	[ -r "$m" ] || return 0
	while read -r f; do
		[ -n "$f" ] || continue
		if [ -f "$(rp "$f")" ] || [ -L "$(rp "$f")" ]; then run rm -f "$(rp "$f")" || return 1; fi
	done <<< "$(sed -n "s|^file $name ||p" "$m")"
	while read -r f; do
		[ -n "$f" ] || continue
		if [ -d "$(rp "$f")" ]; then rmdir "$(rp "$f")" 2>/dev/null || true; fi
	done <<< "$(sed -n "s|^file $name ||p" "$m" | sort -r)"
	sed -i -e "/^package $name /d" -e "/^file $name /d" "$m"
}

# dkms_installed_kernels: kernels the lis DKMS module is installed for
dkms_installed_kernels() {
	local d
	for d in "$(rp /var/lib/dkms/lis)"/*/*/*/module; do
		[ -d "$d" ] || continue
		d=${d%/*/module}
		printf '%s\n' "${d##*/}"
	done | sort -u
}

# dkms_build_kernel VERSION KVER: build and install the lis DKMS module for one kernel
dkms_build_kernel() {
	local v=$1 k=$2
	[ -d "$(rp "/var/lib/dkms/lis/$v")" ] || run_in_root dkms add -m lis -v "$v" || return 1
	# --force: DKMS keeps an in-tree module whose MODULE_VERSION is higher
	# than ours (Debian's hv_sock says 1.0.0) and installs the rest; LIS
	# replaces the set as a whole, as the gate planned it
	LIS_DEFER_IMAGES=1 run_in_root dkms install --force -m lis -v "$v" -k "$k" || {
		warn "DKMS could not build LIS for $k (see the log); it stays on its in-tree drivers"
		return 1
	}
	journal_add dkms "$v $k"
}

# dkms_remove_all VERSION: remove the lis DKMS module from every kernel
dkms_remove_all() {
	[ -d "$(rp "/var/lib/dkms/lis/$1")" ] || return 0
	LIS_DEFER_IMAGES=1 run_in_root dkms remove -m lis -v "$1" --all
}

# images_deferred: the installer drives this transaction and does the images itself
images_deferred() {
	[ "${LIS_DEFER_IMAGES:-0}" = 1 ] || [ -e "$(rp /var/lib/lis/installer.lock)" ]
}

# pkg_scriptlet ACTION ARG COUNT: what the kmod-lis and lis-dkms scriptlets do.
# Never fails the rpm transaction: a step that fails leaves the old image in
# place and says so.
pkg_scriptlet() {
	local action=$1 arg=$2 count=${3:-1} k kernels=() files=()
	LIS_LOG=/var/log/lis/packages.log
	log_open "scriptlet-$action" "$arg" "$count"
	case $action in
	kmod-post)
		files=("/lib/modules/$arg/extra/lis/"*.ko)
		weak_modules_run --add-modules ${files[@]+"${files[@]}"} || warn "weak-modules could not link LIS for compatible kernels"
		drop_unfit_links || warn "a kernel LIS does not fit could not be unlinked (see $LIS_LOG)"
		depmod_kernel "$arg" || warn "depmod failed for $arg"
		images_deferred && return 0
		readlines kernels "$({ echo "$arg"; weak_linked_kernels; } | sort -u)"
		;;
	kmod-preun)
		[ "$count" = 0 ] || return 0
		mkdir -p /var/lib/lis
		{ echo "$arg"; weak_linked_kernels; } | sort -u > "/var/lib/lis/postun-$arg"
		files=("/lib/modules/$arg/extra/lis/"*.ko)
		weak_modules_run --remove-modules ${files[@]+"${files[@]}"} || warn "weak-modules could not unlink LIS"
		return 0
		;;
	kmod-postun)
		[ "$count" = 0 ] || return 0
		readlines kernels "$(cat "/var/lib/lis/postun-$arg" 2>/dev/null || echo "$arg")"
		rm -f "/var/lib/lis/postun-$arg"
		for k in ${kernels[@]+"${kernels[@]}"}; do depmod_kernel "$k" || warn "depmod failed for $k"; done
		images_deferred && return 0
		;;
	dkms-post)
		readlines kernels "$(installed_kernels)"
		for k in ${kernels[@]+"${kernels[@]}"}; do
			kernel_build_dir "$k" >/dev/null || continue
			dkms_build_kernel "$arg" "$k" || true
		done
		images_deferred && return 0
		;;
	dkms-preun)
		[ "$count" = 0 ] || return 0
		readlines kernels "$(dkms_installed_kernels)"
		dkms_remove_all "$arg" || warn "dkms remove failed"
		images_deferred && return 0
		;;
	dkms-kernel)
		kernels=("$arg")
		images_deferred && return 0
		;;
	*) warn "unknown scriptlet action $action"; return 0 ;;
	esac
	for k in ${kernels[@]+"${kernels[@]}"}; do
		[ -d "/lib/modules/$k" ] || continue
		refresh_kernel "$k" "$(kernel_mode "$k")" || warn "the initramfs of $k was not changed (see $LIS_LOG)"
	done
	return 0
}
