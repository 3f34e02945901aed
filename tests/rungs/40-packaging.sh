#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Rung 4, packaging: build every package (kmod-lis for generated RHEL 7 and 8
# builds with real kABI CRCs and for the real Debian builds, lis-tools,
# lis-dkms); check names, versions, file lists, requires and provides, the
# rpmlib() features against rpm 4.11's, reproducibility, module and package
# signatures; install, upgrade and erase with real `rpm --root` in generated
# roots whose `kernel` package provides kernel(sym) from a real symvers;
# refuse a kernel with another ABI; build the DKMS package with dkms.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/packaging/fixtures.sh"
cd "$TOP"
T=$OUT/tests/packaging
rm -rf "$T" "$FIX_OUT"
mkdir -p "$T"
export SOURCE_DATE_EPOCH=1700000000
K7=$FIX_K7 K8=$FIX_K8
K7B=3.10.0-1062.el7.x86_64
VER=$(cat VERSION)

if ! make -s -C tools/lis-kabi > "$T/lis-kabi.log" 2>&1; then
	fail packaging:lis_kabi_builds "$(tail -n 3 "$T/lis-kabi.log")"
	exit 0
fi
export LIS_KABI=$OUT/tools/lis-kabi

# the builds: generated RHEL 7 and 8 (every module of the family list), and
# the real Debian one with whatever modules are built today
DEB=""
for d in "$OUT"/6.1.0-*-amd64; do
	[ -e "$d/lis_compat_selftest.ko" ] && [ -r "/usr/src/linux-headers-${d##*/}/Module.symvers" ] && { DEB=${d##*/}; break; }
done
DEB_MODS=""
if [ -n "$DEB" ]; then
	for m in $(sed -e 's/#.*//' hv-generic/modules) lis_compat_selftest; do
		[ -e "$OUT/$DEB/$m.ko" ] && DEB_MODS="$DEB_MODS $m"
	done
fi

build_all() { build_test_packages "$@"; }
check packaging:builds_tools_and_rhel_kmods build_all "$T/rpm"
check packaging:builds_dkms spec/build-rpms.sh --out "$T/rpm" --modules "$(sed -e 's/#.*//' hv-generic/modules | while read -r m; do [ -r "drivers/$m/Kbuild" ] && printf '%s ' "$m"; done)lis_compat_selftest" dkms
R7=$T/rpm/kmod-lis-3.10.0_1160.el7-$VER-1.el7.x86_64.rpm
R8=$T/rpm/kmod-lis-4.18.0_513.5.1.el8_9-$VER-1.el8.x86_64.rpm
RT=$T/rpm/lis-tools-$VER-1.x86_64.rpm
RD=$T/rpm/lis-dkms-$VER-1.noarch.rpm

q() { rpm -qp --nosignature "$@" 2>/dev/null; }

names_and_versions() {
	[ "$(q --qf '%{NAME} %{VERSION} %{RELEASE} %{ARCH}' "$R7")" = "kmod-lis-3.10.0_1160.el7 $VER 1.el7 x86_64" ] &&
	[ "$(q --qf '%{NAME} %{VERSION} %{RELEASE}' "$R8")" = "kmod-lis-4.18.0_513.5.1.el8_9 $VER 1.el8" ] &&
	[ "$(q --qf '%{NAME} %{VERSION} %{ARCH}' "$RT")" = "lis-tools $VER x86_64" ] &&
	[ "$(q --qf '%{NAME} %{VERSION} %{ARCH}' "$RD")" = "lis-dkms $VER noarch" ]
}
check packaging:names_versions_releases names_and_versions

kmod_files() {
	local want got
	want=$( (echo /etc/depmod.d/lis-3.10.0_1160.el7.conf; echo "/lib/modules/$K7/extra/lis"
		sed -e 's/#.*//' -e '/^$/d' -e "s|^|/lib/modules/$K7/extra/lis/|" -e 's|$|.ko|' hv-rhel7.x/modules) | sort)
	got=$(q -l "$R7" | sort)
	[ "$want" = "$got" ] || { diff <(echo "$want") <(echo "$got"); return 1; }
}
check packaging:kmod_installs_every_module_under_extra_lis kmod_files

depmod_overrides() {
	local conf m
	conf=$(rpm2cpio "$R7" | cpio -i --quiet --to-stdout ./etc/depmod.d/lis-3.10.0_1160.el7.conf)
	while read -r m; do
		case $m in ''|'#'*) continue ;; esac
		if ! grep -qx "override $m \* extra/lis" <<< "$conf" || ! grep -qx "override $m \* weak-updates/lis" <<< "$conf"; then
			echo "no overrides for $m"
			return 1
		fi
	done < hv-rhel7.x/modules
}
check packaging:depmod_conf_overrides_every_module depmod_overrides

requires_match_symvers() { # RPM SYMVERS
	local n=0 sym crc
	while read -r sym crc; do
		awk -v s="$sym" -v c="$crc" '$2 == s && tolower($1) == tolower(c) { f = 1 } END { exit !f }' "$2" ||
			{ echo "kernel($sym) = $crc is not in $2"; return 1; }
		n=$((n + 1))
	done < <(q --requires "$1" | sed -n 's/^kernel(\(.*\)) = \(0x[0-9a-f]*\)$/\1 \2/p')
	[ "$n" -gt 5 ] || { echo "only $n kernel() requirements"; return 1; }
	# requirements between our modules are met by the package itself
	while read -r sym; do
		q --provides "$1" | grep -qxF "$sym" || { echo "$sym required but not provided"; return 1; }
	done < <(q --requires "$1" | grep '^ksym(')
	q --requires "$1" | grep -q '^ksym(lis_vmbus_driver_register) = 0x'
}
check packaging:rhel7_requires_are_kernel_crcs_from_real_symvers requires_match_symvers "$R7" "$(symvers_of rhel7)"
check packaging:rhel8_requires_are_kernel_crcs_from_real_kabi requires_match_symvers "$R8" "$(symvers_of rhel8)"

kmod_relations() {
	local p
	p=$(q --provides "$R7")
	grep -qx "kmod-lis = $VER-1.el7" <<< "$p" && grep -qx "lis-kmod($K7) = $VER-1.el7" <<< "$p" &&
	grep -q '^ksym(lis_vmbus_sendpacket) = 0x' <<< "$p" &&
	[ "$(q --conflicts "$R7" | sort | paste -sd,)" = "kmod-microsoft-hyper-v,lis-dkms,microsoft-hyper-v" ] &&
	q --requires "$R7" | grep -qx "lis-tools = $VER" &&
	[ "$(q --conflicts "$RD" | sort | paste -sd,)" = "kmod-lis,kmod-microsoft-hyper-v,microsoft-hyper-v" ]
}
check packaging:kmod_provides_conflicts_and_requires_tools kmod_relations

tools_contents() {
	local l
	l=$(q -l "$RT")
	for f in /usr/share/lis/lislib/lis.sh /usr/share/lis/lislib/initramfs.sh /usr/share/lis/lislib/modules.list \
		/etc/kernel/postinst.d/51-lis /usr/lib/kernel/install.d/95-lis.install /usr/sbin/lis-kabi \
		/usr/libexec/lis/lis-trial-check /usr/lib/systemd/system/lis-trial.service; do
		grep -qx "$f" <<< "$l" || { echo "lis-tools lacks $f"; return 1; }
	done
}
check packaging:tools_ship_library_hooks_kabi_and_units tools_contents

dkms_conf() {
	local c
	c=$(rpm2cpio "$RD" | cpio -i --quiet --to-stdout "./usr/src/lis-$VER/dkms.conf")
	grep -qx 'AUTOINSTALL="yes"' <<< "$c" && grep -qx 'NO_WEAK_MODULES="yes"' <<< "$c" &&
	grep -q '^POST_INSTALL="dkms-initramfs.sh' <<< "$c" && grep -q '^MAKE\[0\]="./dkms-build.sh' <<< "$c" &&
	grep -qx "/usr/src/lis-$VER/kernel-compat/run-probes" <<< "$(q -l "$RD")" &&
	grep -qx "/usr/src/lis-$VER/hv-generic/Kbuild" <<< "$(q -l "$RD")"
}
check packaging:dkms_conf_autoinstall_no_weak_modules_probes dkms_conf

# rpm 4.11 (RHEL 7) knows these rpmlib() features and no others
RPMLIB_411="BuiltinLuaScripts CompressedFileNames ConcurrentAccess ExplicitPackageProvide FileCaps FileDigests
 HeaderLoadSortsTags PartialHardlinkSets PayloadFilesHavePrefix PayloadIsBzip2 PayloadIsLzma PayloadIsXz
 ScriptletExpansion ScriptletInterpreterArgs TildeInVersions VersionedDependencies"
rpmlib_411() {
	local f feat bad=0
	for f in "$T"/rpm/*.rpm; do
		while read -r feat; do
			case " ${RPMLIB_411//$'\n'/ } " in *" $feat "*) ;; *) echo "${f##*/} needs rpmlib($feat)"; bad=1 ;; esac
		done < <(q --requires "$f" | sed -n 's/^rpmlib(\([^)]*\)).*/\1/p')
		q --requires "$f" | grep -E '^\(|\) (if|or|and|with|unless) ' && { echo "${f##*/} has a rich dependency"; bad=1; }
	done
	return "$bad"
}
check packaging:rpmlib_features_within_rpm_4_11 rpmlib_411

reproducible() {
	build_all "$T/rpm2" >/dev/null && spec/build-rpms.sh --out "$T/rpm2" --modules "lis_compat_selftest" dkms > /dev/null
	local f
	for f in "$T"/rpm2/*.rpm; do
		[ "${f##*/}" = "${RD##*/}" ] && continue
		cmp "$f" "$T/rpm/${f##*/}" || return 1
	done
}
check packaging:same_sources_and_epoch_give_identical_rpms reproducible

# signatures: a throwaway RSA key generated in this run
export GNUPGHOME=$T/gnupg
mkdir -p "$GNUPGHOME" && chmod 0700 "$GNUPGHOME"
gpg --batch --quiet --pinentry-mode loopback --passphrase '' --quick-generate-key 'LIS test signing <lis@test.invalid>' rsa2048 sign never 2> /dev/null
KEYID=$(gpg --batch --with-colons --list-keys | awk -F: '$1 == "pub" { print $5; exit }')
gpg --batch --armor --export "$KEYID" > "$T/RPM-GPG-KEY-LIS"
signed_rpms() {
	build_all "$T/signed" --gpg-key "$KEYID" >/dev/null || return 1
	local db=$T/sigdb
	rm -rf "$db"
	rpm --dbpath "$db" --initdb
	! rpm --dbpath "$db" -K "$T/signed/${R7##*/}" >/dev/null 2>&1 || { echo "verified without the key"; return 1; }
	rpm --dbpath "$db" --import "$T/RPM-GPG-KEY-LIS"
	rpm --dbpath "$db" -K "$T/signed/${R7##*/}" "$T/signed/${RT##*/}" | grep -v 'signatures OK' && return 1
	# and a signed build is reproducible too (the signature time is the epoch)
	build_all "$T/signed2" --gpg-key "$KEYID" >/dev/null && cmp "$T/signed/${R7##*/}" "$T/signed2/${R7##*/}"
}
check packaging:rpms_signed_and_verifiable_with_the_key signed_rpms

if [ -n "$DEB" ]; then
	openssl req -new -x509 -newkey rsa:2048 -nodes -days 36500 -subj '/CN=LIS test module signing/' \
		-keyout "$T/mod.key" -outform DER -out "$T/mod.der" 2>/dev/null
	signed_modules() {
		spec/build-rpms.sh --out "$T/modsig" --module-key "$T/mod.key" --module-cert "$T/mod.der" \
			--modules "$DEB_MODS" --kmod "$DEB=$OUT/$DEB" kmods >/dev/null || return 1
		local f x
		f=$(ls "$T"/modsig/kmod-lis-*.rpm)
		x=$T/modsig/x
		mkdir -p "$x" && (cd "$x" && rpm2cpio "$f" | cpio -idm --quiet)
		for m in "$x"/lib/modules/*/extra/lis/*.ko; do
			[ "$(tail -c 28 "$m")" = "~Module signature appended~" ] || { echo "$m is not signed"; return 1; }
		done
		! cmp -s "$m" "$OUT/$DEB/${m##*/}"
	}
	check packaging:modules_signed_when_a_key_is_given signed_modules
fi

# --- install, upgrade and erase with real rpm --root in generated roots ---
# the OS around the kernel: what lis-tools and the scriptlets need
base_rpm "$T/fix" "$RT"
# the daemons in lis-tools, and lis-tools replacing RHEL's hyperv-daemons
# shellcheck source=tests/packaging/daemons.sh
. "$TOP/tests/packaging/daemons.sh"
gen_kernel_rpm "$T/fix" "$K7" "$(symvers_of rhel7)"
gen_kernel_rpm "$T/fix" "$K7B" "$(symvers_of rhel7)"
gen_kernel_rpm "$T/fix" "$K8" "$(symvers_of rhel8)"
RHEL79='etc/os-release=NAME="Red Hat Enterprise Linux Server"
ID="rhel"
VERSION_ID="7.9"'
KP7=$T/fix/kernel-3.10.0-1160.el7.x86_64.rpm
KP7B=$T/fix/kernel-3.10.0-1062.el7.x86_64.rpm
KP8=$T/fix/kernel-4.18.0-513.5.1.el8_9.x86_64.rpm
R=$T/root7
new_root "$R" "$RHEL79"
root_rpm "$R" -i "$T/fix/base-el-1-1.x86_64.rpm" "$KP7" "$KP7B" > "$T/root7-kernels.log" 2>&1

resolves_to() { # ROOT KVER MODULE WANTED-PREFIX
	local p
	p=$(awk -F: -v m="$3" '$1 ~ ("/" m "\\.ko") { print $1; exit }' "$1/lib/modules/$2/modules.dep")
	case $p in "$4"*) return 0 ;; esac
	echo "$3 of $2 resolves to '$p', not $4..."
	return 1
}
image_has() { # ROOT KVER RELPATH: the initramfs holds the root's file at RELPATH, byte for byte
	local x=$T/img.$$ img=$1/boot/initramfs-$2.img
	rm -rf "$x"; mkdir -p "$x"
	(cd "$x" && gzip -dc "$img" | cpio -idm --quiet) || return 1
	local f=$1/lib/modules/$2/$3
	[ -L "$f" ] && f=$1$(readlink "$f")
	cmp "$x/lib/modules/$2/$3" "$f" || return 1
	rm -rf "$x"
}
install_kmod() {
	root_rpm "$R" -U "$RT" "$R7" || return 1
	resolves_to "$R" "$K7" hv_vmbus extra/lis/ && resolves_to "$R" "$K7" pci-hyperv extra/lis/ &&
	resolves_to "$R" "$K7B" hv_storvsc weak-updates/lis/ &&
	grep -q 'weak-modules --no-initramfs --add-modules' "$R/var/log/standins.log" &&
	image_has "$R" "$K7" extra/lis/hv_vmbus.ko && image_has "$R" "$K7B" weak-updates/lis/hv_vmbus.ko
}
check packaging:rpm_install_overrides_links_compatible_kernel_and_rebuilds_images install_kmod

upgrade_kmod() {
	spec/build-rpms.sh --out "$T/rel2" --release 2 --kmod "$K7=$FIX_OUT/b7" kmods >/dev/null || return 1
	root_rpm "$R" -U "$T/rel2/kmod-lis-3.10.0_1160.el7-$VER-2.el7.x86_64.rpm" || return 1
	[ "$(root_rpm "$R" -q --qf '%{RELEASE}' kmod-lis-3.10.0_1160.el7)" = 2.el7 ] &&
	resolves_to "$R" "$K7" hv_vmbus extra/lis/ && resolves_to "$R" "$K7B" hv_vmbus weak-updates/lis/ &&
	image_has "$R" "$K7" extra/lis/hv_utils.ko
}
check packaging:rpm_upgrade_keeps_every_kernel_on_lis upgrade_kmod

erase_kmod() {
	root_rpm "$R" -e kmod-lis-3.10.0_1160.el7 lis-tools || return 1
	[ ! -e "$R/lib/modules/$K7/extra/lis" ] && [ ! -e "$R/lib/modules/$K7B/weak-updates/lis" ] &&
	resolves_to "$R" "$K7" hv_vmbus kernel/ && resolves_to "$R" "$K7B" hv_vmbus kernel/ &&
	image_has "$R" "$K7" kernel/drivers/hv/hv_vmbus.ko && [ ! -e "$R/etc/depmod.d/lis-3.10.0_1160.el7.conf" ]
}
check packaging:rpm_erase_returns_every_kernel_to_in_tree_drivers erase_kmod

# a +debug kernel has CRCs of its own, and weak-modules does not check it
# (kmod's depmod reads its release as a regular expression): the %post
# scriptlet judges it with lis-kabi's fit and takes the links away
K8D=4.18.0-513.5.1.el8_9.x86_64+debug
debug_kernel_scriptlet() {
	local r=$T/root8d
	gen_kernel_rpm "$T/fix" "$K8D" "$(symvers_of rhel8-debug)" m kernel-debug || return 1
	new_root "$r" 'etc/os-release=ID="rhel"'
	root_rpm "$r" -i "$T/fix/base-el-1-1.x86_64.rpm" "$KP8" "$T/fix/kernel-debug-4.18.0-513.5.1.el8_9.x86_64.rpm" > /dev/null 2>&1 || return 1
	root_rpm "$r" -U "$RT" "$R8" || return 1
	grep -q 'weak-modules --no-initramfs --add-modules' "$r/var/log/standins.log" &&
	grep -q "$K8D: weak-modules linked the LIS build for $K8" "$r/var/log/lis/packages.log" &&
	[ ! -e "$r/lib/modules/$K8D/weak-updates/lis" ] && resolves_to "$r" "$K8D" hv_vmbus kernel/ &&
	resolves_to "$r" "$K8" hv_vmbus extra/lis/ && image_has "$r" "$K8" extra/lis/hv_vmbus.ko
}
check packaging:kmod_scriptlet_judges_debug_kernels_by_lis_kabi_not_weak_modules debug_kernel_scriptlet

other_abi_refused() {
	local r=$T/root8 before out
	new_root "$r" 'etc/os-release=ID="rhel"'
	root_rpm "$r" -i "$T/fix/base-el-1-1.x86_64.rpm" "$KP8" > /dev/null 2>&1 || return 1
	before=$(tree_hash "$r")
	if out=$(root_rpm "$r" -U "$RT" "$R7" 2>&1); then echo "installed against another ABI"; return 1; fi
	grep -q 'kernel(.*) = 0x.* is needed by kmod-lis-3.10.0_1160.el7' <<< "$out" || { echo "$out" | head -3; return 1; }
	[ "$(tree_hash "$r")" = "$before" ]
}
check packaging:install_against_another_kernel_abi_fails_dependency_check other_abi_refused

if [ -n "$DEB" ]; then
	debian_abi() {
		local other="" d r=$T/rootdeb
		for d in "$OUT"/6.1.0-*-amd64; do
			[ "${d##*/}" != "$DEB" ] && [ -e "$d/lis_compat_selftest.ko" ] &&
				[ -r "/usr/src/linux-headers-${d##*/}/Module.symvers" ] && { other=${d##*/}; break; }
		done
		[ -n "$other" ] || { echo "only one Debian ABI built"; return 1; }
		spec/build-rpms.sh --out "$T/deb" --modules "$DEB_MODS" --kmod "$DEB=$OUT/$DEB" --kmod "$other=$OUT/$other" kmods >/dev/null || return 1
		gen_kernel_rpm "$T/fix" "$other" "/usr/src/linux-headers-$other/Module.symvers" m kernel-deb || return 1
		new_root "$r" 'etc/os-release=ID="debian"'
		root_rpm "$r" -i "$T/fix/base-el-1-1.x86_64.rpm" "$T/fix/kernel-deb-6.1.0-${other#6.1.0-}.x86_64.rpm" >/dev/null 2>&1 ||
			root_rpm "$r" -i "$T/fix/base-el-1-1.x86_64.rpm" "$T"/fix/kernel-deb-*.rpm || return 1
		if root_rpm "$r" -U --test "$RT" "$T/deb/kmod-lis-$(abi_name "$DEB")-$VER-1.x86_64.rpm" 2>/dev/null; then
			echo "the $DEB build installs on $other"; return 1
		fi
		root_rpm "$r" -U --test "$RT" "$T/deb/kmod-lis-$(abi_name "$other")-$VER-1.x86_64.rpm"
	}
	abi_name() { local k=$1; echo "${k//-/_}"; }
	check packaging:debian_build_refused_by_another_debian_abi debian_abi
fi

# --- the DKMS package builds with dkms against a Debian kernel tree ---
if [ -n "$DEB" ]; then
	dkms_builds() {
		local d=$T/dkms mods m
		rm -rf "$d"
		mkdir -p "$d/src" "$d/tree" "$d/install"
		(cd "$d/src" && rpm2cpio "$RD" | cpio -idm --quiet) || return 1
		mv "$d/src/usr/src/lis-$VER" "$d/src/" && rm -rf "$d/src/usr" "$d/src/etc"
		local opts=(--dkmstree "$d/tree" --sourcetree "$d/src" --installtree "$d/install")
		if ! dkms add -m lis -v "$VER" "${opts[@]}" > "$d/log" 2>&1 ||
			! dkms build -m lis -v "$VER" -k "$DEB" "${opts[@]}" >> "$d/log" 2>&1; then
			tail -n 20 "$d/log"
			return 1
		fi
		mods=$(sed -n 's/^BUILT_MODULE_NAME\[[0-9]*\]="\(.*\)"/\1/p' "$d/src/lis-$VER/dkms.conf")
		for m in $mods; do
			[ -e "$d/tree/lis/$VER/$DEB/x86_64/module/$m.ko" ] || [ -e "$d/tree/lis/$VER/$DEB/x86_64/module/$m.ko.xz" ] ||
				{ echo "dkms built no $m"; return 1; }
		done
		# the probes ran against that tree, and the modules match its symvers
		grep -q "PROBES  $DEB: .* present" "$d/tree/lis/$VER/$DEB/x86_64/log/make.log" &&
		"$LIS_KABI" check --symvers "/usr/src/linux-headers-$DEB/Module.symvers" "$d/tree/lis/$VER/$DEB/x86_64/module/"*.ko
	}
	check "packaging:dkms_builds_lis_for_$DEB" dkms_builds
else
	skip packaging:dkms_builds "no Debian kernel tree with a LIS build in out/ (make modules)"
fi
