#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Rung: the LinuxIC ISO.  Built from generated RHEL 7.9/8.9 builds, signed
# with a throwaway key: volume label, Rock Ridge modes, Joliet, the layout
# (scripts and library at the root, RPMS/ and RPMS<major><minor>/),
# SHA256SUMS, signatures on packages and repository metadata,
# reproducibility, and install.sh run from an extracted copy.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/packaging/fixtures.sh"
. "$TOP/tests/installer/roots.sh"
cd "$TOP"
T=$OUT/tests/iso
INST=$T
rm -rf "$T"
mkdir -p "$T/fix"
export SOURCE_DATE_EPOCH=1700000000
make -s -C tools/lis-kabi > "$T/lis-kabi.log" 2>&1 || { fail iso:lis_kabi_builds "see $T/lis-kabi.log"; exit 0; }
export LIS_KABI=$OUT/tools/lis-kabi GNUPGHOME=$T/gnupg
mkdir -p "$GNUPGHOME" && chmod 0700 "$GNUPGHOME"
gpg --batch --quiet --pinentry-mode loopback --passphrase '' --faked-system-time 1600000000 \
	--quick-generate-key 'LIS ISO test <lis@test.invalid>' rsa2048 sign never 2> /dev/null
KEYID=$(gpg --batch --with-colons --list-keys 2>/dev/null | awk -F: '$1 == "pub" { print $5; exit }')
build_test_packages "$T/rpm" --gpg-key "$KEYID" > "$T/build.log" 2>&1 || { fail iso:packages_build "see $T/build.log"; exit 0; }
openssl req -new -x509 -newkey rsa:2048 -nodes -days 36500 -subj '/CN=LIS ISO test signing/' \
	-keyout "$T/mod.key" -outform DER -out "$T/mod.der" 2>/dev/null
VER=$(cat VERSION)
ISO=$T/LinuxIC-$VER.iso
mkiso() { iso/build-iso.sh --rpms "$T/rpm" --gpg-key "$KEYID" --module-cert "$T/mod.der" --out "$1" > "$T/iso.log" 2>&1; }
check iso:builds mkiso "$ISO"
X=$T/x
xorriso -osirrox on -indev "$ISO" -extract / "$X" > /dev/null 2>&1

label_rr_joliet() {
	local info
	info=$(xorriso -indev "$ISO" -pvd_info 2>&1)
	grep -q "Volume Id    : LIS_${VER//./_}" <<< "$info" || { echo "$info" | grep Volume; return 1; }
	info=$(xorriso -indev "$ISO" -report_about NOTE -toc 2>&1)
	grep -q 'ISO offers *: Rock_Ridge Joliet' <<< "$info" || { echo "$info" | grep offers; return 1; }
}
check iso:volume_label_rock_ridge_joliet label_rr_joliet

layout() {
	local f
	for f in install.sh upgrade.sh uninstall.sh lislib/lis.sh lislib/bin/lis-kabi lislib/modules.list README.md LICENSE VERSION \
		SHA256SUMS SHA256SUMS.asc RPM-GPG-KEY-LIS lis-signing.der repodata/repomd.xml repodata/repomd.xml.asc \
		"RPMS/lis-tools-$VER-1.x86_64.rpm" "RPMS79/kmod-lis-3.10.0_1160.el7-$VER-1.el7.x86_64.rpm" \
		"RPMS89/kmod-lis-4.18.0_513.5.1.el8_9-$VER-1.el8.x86_64.rpm"; do
		[ -e "$X/$f" ] || { echo "no $f on the ISO"; return 1; }
	done
	for f in install.sh upgrade.sh uninstall.sh lislib/bin/lis-kabi; do [ -x "$X/$f" ] || { echo "$f lost its exec bit"; return 1; }; done
	[ ! -x "$X/README.md" ]
}
check iso:layout_and_exec_bits layout

checksums() { (cd "$X" && sha256sum --quiet -c SHA256SUMS) && [ "$(wc -l < "$X/SHA256SUMS")" -ge 15 ]; }
check iso:sha256sums_cover_every_file checksums

signatures() {
	local db=$T/db
	if ! gpg --batch --verify "$X/SHA256SUMS.asc" "$X/SHA256SUMS" 2>/dev/null ||
		! gpg --batch --verify "$X/repodata/repomd.xml.asc" "$X/repodata/repomd.xml" 2>/dev/null; then
		echo "metadata signature"
		return 1
	fi
	rpm --dbpath "$db" --initdb && rpm --dbpath "$db" --import "$X/RPM-GPG-KEY-LIS" &&
	rpm --dbpath "$db" -K "$X"/RPMS*/*.rpm | grep -v 'signatures OK' && return 1
	# a tampered package fails
	cp "$X/RPMS/lis-tools-$VER-1.x86_64.rpm" "$T/bad.rpm" && printf 'x' | dd of="$T/bad.rpm" bs=1 seek=5000 conv=notrunc 2>/dev/null
	! rpm --dbpath "$db" -K "$T/bad.rpm" > /dev/null 2>&1
}
check iso:packages_and_metadata_signed signatures

repo() {
	local n
	n=$(gzip -dc "$X"/repodata/*primary.xml.gz | grep -c '<package type="rpm"')
	[ "$n" = "$(find "$X" -name '*.rpm' | wc -l)" ] || { echo "$n packages in the metadata"; return 1; }
}
check iso:repository_metadata_lists_every_package repo

check iso:reproducible_with_source_date_epoch bash -c "$(declare -f mkiso); T=$T KEYID=$KEYID; $(declare -p GNUPGHOME SOURCE_DATE_EPOCH LIS_KABI | sed 's/declare -x/export/'); mkiso $T/again.iso && cmp $ISO $T/again.iso"

from_copy() {
	local r=$T/root out
	base_rpm "$T/fix" "$X/RPMS/lis-tools-$VER-1.x86_64.rpm" > /dev/null
	rhel_root "$r" rhel 8.9 "Red Hat Enterprise Linux" "$FIX_K8" || return 1
	rpm --root "$r" --dbpath /var/lib/rpm --import "$X/RPM-GPG-KEY-LIS" || return 1
	out=$("$X/install.sh" --root "$r" --yes 2>&1) || { echo "$out" | tail -n 5; return 1; }
	grep -q "$FIX_K8: exact" <<< "$out" && ! grep -q 'signatures not checked' <<< "$out" &&
	[ "$(root_rpm "$r" -q --qf '%{NAME}' kmod-lis-4.18.0_513.5.1.el8_9)" = kmod-lis-4.18.0_513.5.1.el8_9 ]
}
check iso:install_sh_runs_from_an_extracted_copy from_copy
