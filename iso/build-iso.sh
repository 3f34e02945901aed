#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# build-iso.sh [options]: the LinuxIC ISO (`make iso`).
#
#   --rpms DIR        the packages (default out/rpm, from `make rpm`)
#   --tree DIR        lay the ISO's files out in DIR and stop (no .iso)
#   --out FILE        the ISO (default out/LinuxIC-<version>.iso)
#   --gpg-key ID      sign the repository metadata and SHA256SUMS (the
#                     public key ships as RPM-GPG-KEY-LIS)
#   --module-cert F   the module signing certificate (DER) to ship as
#                     lis-signing.der, for mokutil --import
# Layout: install.sh, upgrade.sh, uninstall.sh, lis-status and lislib/ (with
# lis-kabi in lislib/bin/) at the root; README.md, LICENSE, VERSION; RPMS/ (lis-tools,
# lis-dkms); one RPMS<major><minor>/ per minor release with a kmod-lis build
# (filed by the build's kernel, from the family's `releases`); repodata/ for
# all of them (createrepo_c), signed; SHA256SUMS of every file.  Rock Ridge
# (modes kept) and Joliet, volume label LIS_<version>.  Reproducible:
# SOURCE_DATE_EPOCH (default: the last commit's time) fixes every date.
# Exit codes: 0 built, 1 failed, 2 usage.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/buildlib.sh
. "$HERE/../scripts/buildlib.sh"
TOP=$LIS_TOP
OUT=${OUT:-$TOP/out}
VERSION=$(tr -d ' \n' < "$TOP/VERSION")
RPMS=$OUT/rpm TREE="" ISO=$OUT/LinuxIC-$VERSION.iso GPG_KEY="" MODULE_CERT=""
while [ $# -gt 0 ]; do
	case $1 in
	--rpms) RPMS=$2; shift 2 ;;
	--tree) TREE=$2; shift 2 ;;
	--out) ISO=$2; shift 2 ;;
	--gpg-key) GPG_KEY=$2; shift 2 ;;
	--module-cert) MODULE_CERT=$2; shift 2 ;;
	-h|--help) sed -n '3,/^set -e/p' "$0" | sed -e '/^set -e/d' -e 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "build-iso: unknown argument $1" >&2; exit 2 ;;
	esac
done
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$TOP" log -1 --format=%ct 2>/dev/null || echo 0)}
export SOURCE_DATE_EPOCH
ONLY_TREE=1
[ -n "$TREE" ] || { TREE=$OUT/iso-tree; ONLY_TREE=0; }
rm -rf "$TREE"
mkdir -p "$TREE/RPMS" "$TREE/lislib/bin"

# minor_of KREL: the minor release (7.9) whose GA kernel this build is an errata of
minor_of() {
	local k=$1 d fam minor ga
	fam=$(family_for_release "$k") || return 1
	d=$TOP/$fam
	[ -r "$d/releases" ] || return 1
	while read -r minor ga _; do
		case $minor in ''|'#'*) continue ;; esac
		case $k in "$ga".*|"$ga"-*) printf '%s\n' "$minor"; return 0 ;; esac
	done < "$d/releases"
	return 1
}

# the scripts and their library
install -m 0755 "$TOP/install.sh" "$TOP/upgrade.sh" "$TOP/uninstall.sh" "$TREE/"
install -m 0755 "$TOP/tools/lis-status/lis-status" "$TREE/lis-status"
"$TOP/spec/stage-lislib.sh" "$TREE/lislib"
make -s -C "$TOP/tools/lis-kabi" >/dev/null || die "lis-kabi does not build"
install -m 0755 "$OUT/tools/lis-kabi" "$TREE/lislib/bin/lis-kabi"
install -m 0644 "$TOP/README.md" "$TOP/LICENSE" "$TOP/VERSION" "$TREE/"
[ -z "$MODULE_CERT" ] || install -m 0644 "$MODULE_CERT" "$TREE/lis-signing.der"

# the packages, by directory
n=0
for f in "$RPMS"/*.rpm; do
	[ -e "$f" ] || continue
	name=$(rpm -qp --nosignature --qf '%{NAME}' "$f")
	case $name in
	lis-tools|lis-dkms) install -m 0644 "$f" "$TREE/RPMS/" ;;
	kmod-lis-*)
		k=$(rpm -qp --nosignature --qf '[%{PROVIDES}\n]' "$f" | sed -n 's/^lis-kmod(\(.*\))$/\1/p' | head -n 1)
		if minor=$(minor_of "$k"); then
			mkdir -p "$TREE/RPMS${minor/./}"
			install -m 0644 "$f" "$TREE/RPMS${minor/./}/"
			n=$((n + 1))
		else
			note "  SKIP    ${f##*/}: $k is not a kernel of a supported minor release"
		fi ;;
	esac
done
[ -n "$(ls "$TREE/RPMS")" ] || die "no lis-tools or lis-dkms package in $RPMS (make rpm)"

# gpg_sign FILE: a detached armored signature, dated like everything else
gpg_sign() {
	local created t
	created=$(gpg --batch --with-colons --list-secret-keys "$GPG_KEY" | awk -F: '$1 == "sec" { print $6; exit }')
	t=$SOURCE_DATE_EPOCH
	[ "${created:-0}" -le "$t" ] || t=$created
	gpg --batch --yes --quiet --faked-system-time "${t}!" --digest-algo sha256 -u "$GPG_KEY" \
		--armor --detach-sign -o "$1.asc" "$1" 2>/dev/null
}

# the metadata records each package file's time: make it the epoch first
find "$TREE" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
createrepo_c --quiet --revision "$SOURCE_DATE_EPOCH" --set-timestamp-to-revision \
	--general-compress-type gz --no-database "$TREE" >/dev/null || die "createrepo_c failed"
if [ -n "$GPG_KEY" ]; then
	gpg --batch --armor --export "$GPG_KEY" > "$TREE/RPM-GPG-KEY-LIS"
	gpg_sign "$TREE/repodata/repomd.xml" || die "cannot sign the repository metadata"
fi

# every file's checksum; install.sh checks them before it touches anything
find "$TREE" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
(cd "$TREE" && find . -type f ! -name SHA256SUMS ! -name SHA256SUMS.asc -printf '%P\n' | LC_ALL=C sort |
	xargs -d '\n' sha256sum) > "$TREE/SHA256SUMS"
[ -z "$GPG_KEY" ] || gpg_sign "$TREE/SHA256SUMS"
find "$TREE" -type d -exec chmod 0755 {} +
find "$TREE" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
note "  TREE    $TREE ($n kmod builds)"
[ "$ONLY_TREE" = 1 ] && exit 0

mkdir -p "$(dirname "$ISO")"
rm -f "$ISO"
# xorriso takes every volume and file date from SOURCE_DATE_EPOCH itself
xorriso -as mkisofs -quiet -o "$ISO" -V "LIS_${VERSION//./_}" -R -J -joliet-long \
	"$TREE" 2> "$OUT/iso.log" || { cat "$OUT/iso.log" >&2; die "xorriso failed"; }
note "  ISO     $ISO"
