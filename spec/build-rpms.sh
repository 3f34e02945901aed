#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# build-rpms.sh [options] [WHAT...]: build the LIS packages (`make rpm`).
#
#   WHAT  tools | dkms | kmods (default: all three)
#         kmods = one kmod-lis per kernel build in out/<krel>/ whose family
#         module list has built modules (the compat self-test is never packaged)
#   --kmod KREL=DIR      package the modules in DIR as the build for kernel
#                        KREL instead of scanning out/ (repeatable)
#   --symvers FILE       the kernel's Module.symvers for the last --kmod (kept
#                        as a check: every import must resolve against it)
#   --modules "A B"      package only these module names (default: the
#                        family's `modules` file)
#   --out DIR            where the RPMs go (default out/rpm)
#   --release N          the package release number (default 1)
#   --module-key KEY --module-cert CERT
#                        sign every module with the target kernel's sign-file
#   --gpg-key ID         sign the RPMs with this GPG key (GNUPGHOME selects
#                        the keyring); RSA keys for rpm 4.11
# Reproducible: SOURCE_DATE_EPOCH (default: the last commit's time) fixes
# every time stamp, so the same sources give byte-identical RPMs.
# Exit codes: 0 built, 1 a build failed, 2 usage.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/buildlib.sh
. "$HERE/../scripts/buildlib.sh"
TOP=$LIS_TOP
OUT=${OUT:-$TOP/out}

usage() { sed -n '3,/^set -e/p' "$0" | sed -e '/^set -e/d' -e 's/^# \{0,1\}//'; exit "${1:-0}"; }

RPM_OUT=$OUT/rpm
RELEASE=1
MODULE_KEY="" MODULE_CERT="" GPG_KEY="" ONLY_MODULES=""
KMODS=() SYMVERS=()
WHAT=()
while [ $# -gt 0 ]; do
	case $1 in
	--kmod) KMODS+=("$2"); SYMVERS+=(""); shift 2 ;;
	--symvers) [ ${#KMODS[@]} -gt 0 ] || usage 2; SYMVERS[${#KMODS[@]}-1]=$2; shift 2 ;;
	--modules) ONLY_MODULES=$2; shift 2 ;;
	--out) RPM_OUT=$2; shift 2 ;;
	--release) RELEASE=$2; shift 2 ;;
	--module-key) MODULE_KEY=$2; shift 2 ;;
	--module-cert) MODULE_CERT=$2; shift 2 ;;
	--gpg-key) GPG_KEY=$2; shift 2 ;;
	-h|--help) usage 0 ;;
	tools|dkms|kmods) WHAT+=("$1"); shift ;;
	*) echo "build-rpms: unknown argument $1" >&2; usage 2 ;;
	esac
done
[ ${#WHAT[@]} -gt 0 ] || WHAT=(tools dkms kmods)
[ -z "$MODULE_KEY" ] || [ -n "$MODULE_CERT" ] || die "--module-key needs --module-cert"

VERSION=$(tr -d ' \n' < "$TOP/VERSION")
case $VERSION in *-*) die "VERSION $VERSION contains '-', which rpm does not allow in a version" ;; esac
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$TOP" log -1 --format=%ct 2>/dev/null || echo 0)}
export SOURCE_DATE_EPOCH
CHANGELOG_DATE=$(LC_ALL=C date -u -d "@$SOURCE_DATE_EPOCH" '+%a %b %d %Y')
ARCH=x86_64
W=$OUT/rpm-work
mkdir -p "$RPM_OUT" "$W"

# lis-kabi: the tool that answers every kABI question (tools/lis-kabi)
find_lis_kabi() {
	local c
	for c in "${LIS_KABI:-}" "$OUT/tools/lis-kabi" "$TOP/tools/lis-kabi/lis-kabi" "$(command -v lis-kabi 2>/dev/null || true)"; do
		[ -n "$c" ] && [ -x "$c" ] && { printf '%s\n' "$c"; return 0; }
	done
	return 1
}

# rpmbuild_reproducible SPEC: build one binary package, reproducibly and for rpm 4.11
rpmbuild_reproducible() {
	local spec=$1 tmp=$W/rpmbuild
	rm -rf "$tmp"
	mkdir -p "$tmp/BUILD" "$tmp/BUILDROOT" "$tmp/tmp"
	rpmbuild -bb --quiet \
		--define "_topdir $tmp" \
		--define "_builddir $tmp/BUILD" \
		--define "_tmppath $tmp/tmp" \
		--define "_rpmdir $RPM_OUT" \
		--define '_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm' \
		--define '_buildhost lis-build' \
		--define 'use_source_date_epoch_as_buildtime 1' \
		--define 'clamp_mtime_to_source_date_epoch 1' \
		--define '_binary_payload w6.xzdio' \
		--define '_binary_filedigest_algorithm 8' \
		--define '_build_id_links none' \
		--define '_missing_build_ids_terminate_build 0' \
		--define 'optflags -O2' \
		--define "dist %{nil}" \
		"$spec" > "$W/rpmbuild.log" 2>&1 || { cat "$W/rpmbuild.log" >&2; return 1; }
}

# fill TEMPLATE OUT KEY=VALUE...: substitute @KEY@ fields of a spec template
fill() {
	local tpl=$1 out=$2 kv k v
	shift 2
	cp "$tpl" "$out.tmp"
	for kv in "$@"; do
		k=${kv%%=*} v=${kv#*=}
		KEY="@$k@" VAL="$v" perl -0pi -e 's/\Q$ENV{KEY}\E/$ENV{VAL}/g' "$out.tmp"
	done
	if grep -n '@[A-Z_]*@' "$out.tmp" >&2; then die "unfilled fields in $out"; fi
	mv "$out.tmp" "$out"
}

# files_list ROOT: the %files lines for a staged root (our directories owned)
files_list() {
	local root=$1
	(cd "$root" && find . -mindepth 1 \( -type f -o -type l \) -printf '/%P\n' | LC_ALL=C sort)
	(cd "$root" && find . -mindepth 1 -type d -printf '/%P\n' | LC_ALL=C sort |
		grep -E '^/(usr/share/lis|usr/libexec/lis|usr/src/lis-[^/]*|var/lib/hyperv)(/|$)' | sed 's/^/%dir /')
	return 0
}

# abi_of KREL: the kABI build id in a package name ('-' is not allowed in
# the versions that follow it, so it becomes '_'; the arch suffix goes)
abi_of() {
	local k=${1%.x86_64}
	printf '%s\n' "${k//-/_}"
}

# sign_modules KREL DIR: sign each module with the kernel tree's own sign-file
sign_modules() {
	local krel=$1 dir=$2 kdir sf ko
	for kdir in "/lib/modules/$krel/build" "/usr/src/kernels/$krel" "${LIS_SIGN_TREE:-}"; do
		[ -n "$kdir" ] && [ -x "$kdir/scripts/sign-file" ] && { sf=$kdir/scripts/sign-file; break; }
	done
	[ -n "${sf:-}" ] || die "cannot sign the modules for $krel: no scripts/sign-file in its kernel tree (set LIS_SIGN_TREE)"
	for ko in "$dir"/*.ko; do
		"$sf" sha256 "$MODULE_KEY" "$MODULE_CERT" "$ko" || die "signing $ko failed"
	done
}

build_kmod() {
	local krel=$1 src=$2 symvers=$3 family abi name dist mods=() m s kabi
	family=$(family_for_release "$krel") || die "no family claims $krel"
	abi=$(abi_of "$krel")
	name=kmod-lis-$abi
	s=$W/$name
	rm -rf "$s"
	mkdir -p "$s/modules"
	if [ -n "$ONLY_MODULES" ]; then
		read -ra mods <<< "$ONLY_MODULES"
	else
		# what was built decides, not which sources this checkout has
		mapfile -t mods < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$TOP/$family/modules")
	fi
	local have=()
	for m in "${mods[@]}"; do
		[ -r "$src/$m.ko" ] || continue
		cp -p "$src/$m.ko" "$s/modules/" && have+=("$m")
	done
	if [ ${#have[@]} -eq 0 ]; then
		note "  SKIP    $name: no packageable module built for $krel yet"
		return 0
	fi
	[ -z "$MODULE_KEY" ] || sign_modules "$krel" "$s/modules"
	kabi=$(find_lis_kabi) || die "lis-kabi is not built (tools/lis-kabi); it generates the kABI dependencies"
	if [ -n "$symvers" ]; then
		"$kabi" check --symvers "$symvers" "$s/modules"/*.ko > "$W/$name.check" 2>&1 ||
			{ cat "$W/$name.check" >&2; die "$name: the modules do not match $symvers"; }
	fi
	{
		printf '# LIS %s for %s: our modules win over the in-tree ones, for the\n' "$VERSION" "$krel"
		printf '# kernel they were built for and, through weak-updates, for every\n'
		printf '# kABI-compatible kernel.\n'
		for m in "${have[@]}"; do
			printf 'override %s * extra/lis\noverride %s * weak-updates/lis\n' "$m" "$m"
		done
	} > "$s/depmod.conf"
	{
		"$kabi" requires "$s/modules"/*.ko | sed -n 's/^\(kernel\|ksym\)(/Requires:       &/p'
		"$kabi" provides "$s/modules"/*.ko | sed -n 's/^\(kernel\|ksym\)(/Provides:       &/p'
	} > "$s/deps" || die "lis-kabi failed on the modules of $krel"
	grep -q '^Requires:' "$s/deps" || die "lis-kabi gave no requirements for $krel"
	dist=$(family_value "$family" dist)
	fill "$HERE/kmod-lis.spec.in" "$s/$name.spec" \
		NAME="$name" VERSION="$VERSION" RELEASE="$RELEASE${dist:+.$dist}" KVER="$krel" ABI="$abi" \
		FAMILY="$(family_value "$family" name)" ARCH="$ARCH" STAGE="$s" MODULES="${have[*]}" \
		DEPS="$(cat "$s/deps")" CHANGELOG_DATE="$CHANGELOG_DATE"
	rpmbuild_reproducible "$s/$name.spec" || die "rpmbuild of $name failed"
	note "  RPM     $name-$VERSION-$RELEASE${dist:+.$dist} (${have[*]})"
}

build_tools() {
	local s=$W/lis-tools r kabi
	rm -rf "$s"
	r=$s/root
	mkdir -p "$r/usr/share/lis/lislib" "$r/usr/libexec/lis" "$r/usr/sbin" \
		"$r/etc/kernel/postinst.d" "$r/usr/lib/kernel/install.d" "$r/usr/lib/systemd/system"
	"$HERE/stage-lislib.sh" "$r/usr/share/lis/lislib" || die "cannot stage the shell library"
	cp -p "$TOP/VERSION" "$r/usr/share/lis/VERSION"
	install -m 0755 "$TOP/lislib/hooks/kernel-postinst" "$r/etc/kernel/postinst.d/51-lis"
	install -m 0755 "$TOP/lislib/hooks/kernel-install" "$r/usr/lib/kernel/install.d/95-lis.install"
	install -m 0755 "$TOP/lislib/hooks/lis-trial-check" "$r/usr/libexec/lis/lis-trial-check"
	install -m 0755 "$TOP/tools/lis-status/lis-status" "$r/usr/sbin/lis-status"
	local u
	for u in lis-trial.service:multi-user lis-fallback.service:sysinit; do
		install -m 0644 "$TOP/lislib/hooks/${u%%:*}" "$r/usr/lib/systemd/system/${u%%:*}"
		mkdir -p "$r/usr/lib/systemd/system/${u#*:}.target.wants"
		ln -s "../${u%%:*}" "$r/usr/lib/systemd/system/${u#*:}.target.wants/${u%%:*}"
	done
	if kabi=$(find_lis_kabi); then
		install -m 0755 "$kabi" "$r/usr/sbin/lis-kabi"
	else
		note "  NOTE    lis-kabi is not built yet; lis-tools ships without it"
	fi
	# the daemons and tools in tools/ that install themselves (make install DESTDIR=)
	local mk deps="" d n
	for mk in "$TOP"/tools/Makefile "$TOP"/tools/*/Makefile; do
		{ [ -r "$mk" ] && grep -q '^install:' "$mk"; } || continue
		make -C "${mk%/Makefile}" install DESTDIR="$r" OUT="$OUT" >> "$s/tools-install.log" 2>&1 ||
			{ cat "$s/tools-install.log" >&2; die "make -C ${mk%/Makefile} install failed"; }
	done
	# RHEL's hyperv-daemons ships daemons of these names at these paths:
	# lis-tools replaces the sub-packages it overlaps (docs/daemons.md)
	for d in hypervkvpd hypervvssd hypervfcopyd; do
		[ -e "$r/usr/sbin/$d" ] || continue
		mkdir -p "$r/var/lib/hyperv"
		for n in hyperv-daemons "$d"; do
			deps+="Obsoletes:      $n < %{version}-%{release}"$'\n'"Provides:       $n = %{version}-%{release}"$'\n'
		done
	done
	deps=$(printf '%s' "$deps" | awk '!seen[$0]++')
	fill "$HERE/lis-tools.spec.in" "$s/lis-tools.spec" \
		VERSION="$VERSION" RELEASE="$RELEASE" ARCH="$ARCH" STAGE="$s" DEPS="$deps" \
		FILES="$(files_list "$r")" CHANGELOG_DATE="$CHANGELOG_DATE"
	rpmbuild_reproducible "$s/lis-tools.spec" || die "rpmbuild of lis-tools failed"
	note "  RPM     lis-tools-$VERSION-$RELEASE"
}

build_dkms() {
	local s=$W/lis-dkms r src mods=() m i
	rm -rf "$s"
	r=$s/root
	src=$r/usr/src/lis-$VERSION
	mkdir -p "$src/scripts" "$src/kernel-compat" "$r/etc/depmod.d"
	if [ -n "$ONLY_MODULES" ]; then
		read -ra mods <<< "$ONLY_MODULES"
	else
		mapfile -t mods < <(family_modules hv-generic)
	fi
	if [ ${#mods[@]} -eq 0 ]; then
		note "  SKIP    lis-dkms: no driver sources yet"
		return 0
	fi
	cp -a "$TOP/drivers" "$src/"
	cp -a "$TOP/kernel-compat/include" "$TOP/kernel-compat/probes" "$TOP/kernel-compat/lis_probe.h" \
		"$TOP/kernel-compat/required.conf" "$TOP/kernel-compat/run-probes" "$src/kernel-compat/"
	for m in "${mods[@]}"; do
		case $m in lis_compat_selftest) cp -a "$TOP/kernel-compat/selftest" "$src/kernel-compat/" ;; esac
	done
	for d in $LIS_FAMILY_DIRS; do
		mkdir -p "$src/$d"
		cp -p "$TOP/$d/Kbuild" "$TOP/$d/family.conf" "$TOP/$d/modules" "$src/$d/"
	done
	cp -p "$TOP/scripts/buildlib.sh" "$src/scripts/"
	cp -p "$TOP/VERSION" "$src/"
	install -m 0755 "$HERE/dkms-build.sh" "$src/dkms-build.sh"
	install -m 0755 "$HERE/dkms-initramfs.sh" "$src/dkms-initramfs.sh"
	{
		printf '# LIS %s for DKMS (generated by spec/build-rpms.sh)\n' "$VERSION"
		printf 'PACKAGE_NAME="lis"\nPACKAGE_VERSION="%s"\n' "$VERSION"
		printf 'AUTOINSTALL="yes"\nNO_WEAK_MODULES="yes"\n'
		# shellcheck disable=SC2016
		printf 'MAKE[0]="./dkms-build.sh ${kernelver} ${kernel_source_dir} %s"\n' "${mods[*]}"
		printf 'CLEAN="true"\n'
		# shellcheck disable=SC2016
		printf 'POST_INSTALL="dkms-initramfs.sh ${kernelver}"\nPOST_REMOVE="dkms-initramfs.sh ${kernelver}"\n'
		i=0
		for m in "${mods[@]}"; do
			local loc=drivers/$m
			[ "$m" = lis_compat_selftest ] && loc=kernel-compat/selftest
			printf 'BUILT_MODULE_NAME[%d]="%s"\nBUILT_MODULE_LOCATION[%d]="%s/"\nDEST_MODULE_LOCATION[%d]="/extra/lis"\n' \
				"$i" "$m" "$i" "$loc" "$i"
			i=$((i + 1))
		done
	} > "$src/dkms.conf"
	{
		printf '# LIS %s (DKMS): our modules win over the in-tree ones.  DKMS installs\n' "$VERSION"
		printf '# them under updates/dkms on Debian and extra on RHEL.\n'
		for m in "${mods[@]}"; do
			printf 'override %s * updates/dkms\noverride %s * extra\n' "$m" "$m"
		done
	} > "$r/etc/depmod.d/lis-dkms.conf"
	fill "$HERE/lis-dkms.spec.in" "$s/lis-dkms.spec" \
		VERSION="$VERSION" RELEASE="$RELEASE" STAGE="$s" MODULES="${mods[*]}" \
		FILES="$(files_list "$r")" CHANGELOG_DATE="$CHANGELOG_DATE"
	rpmbuild_reproducible "$s/lis-dkms.spec" || die "rpmbuild of lis-dkms failed"
	note "  RPM     lis-dkms-$VERSION-$RELEASE (${mods[*]})"
}

sign_rpms() {
	[ -n "$GPG_KEY" ] || return 0
	# the signature time is part of the package: make it the epoch (or the
	# key's creation, when the key is younger) so signed builds reproduce too
	local created t extra
	created=$(gpg --batch --with-colons --list-secret-keys "$GPG_KEY" 2>/dev/null | awk -F: '$1 == "sec" { print $6; exit }')
	[ -n "$created" ] || die "no secret key $GPG_KEY in ${GNUPGHOME:-~/.gnupg}"
	t=$SOURCE_DATE_EPOCH
	[ "$created" -le "$t" ] || t=$created
	extra="--faked-system-time ${t}!"
	rpmsign --addsign \
		--define "__gpg $(command -v gpg2 || command -v gpg)" \
		--define "_gpg_name $GPG_KEY" \
		--define '_gpg_digest_algo sha256' \
		--define "_gpg_sign_cmd_extra_args $extra" \
		"$RPM_OUT"/*.rpm > "$W/rpmsign.log" 2>&1 || { cat "$W/rpmsign.log" >&2; die "rpmsign failed"; }
	note "  SIGN    $(find "$RPM_OUT" -name '*.rpm' | wc -l) packages with key $GPG_KEY"
}

for w in "${WHAT[@]}"; do
	case $w in
	tools) build_tools ;;
	dkms) build_dkms ;;
	kmods)
		if [ ${#KMODS[@]} -gt 0 ]; then
			for i in "${!KMODS[@]}"; do
				build_kmod "${KMODS[$i]%%=*}" "${KMODS[$i]#*=}" "${SYMVERS[$i]}"
			done
		else
			for d in "$OUT"/*/status; do
				[ -e "$d" ] || continue
				d=${d%/status}
				grep -q '^built' "$d/status" || continue
				build_kmod "${d##*/}" "$d" ""
			done
		fi ;;
	esac
done
sign_rpms
