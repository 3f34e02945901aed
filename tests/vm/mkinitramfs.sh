#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh KREL VMLINUZ OUT: the VM rung's initramfs, an uncompressed
# newc cpio (no decompression under TCG):
#   /init, /bin/lisvm-agent          tests/vm/guest/
#   /bin/busybox                     busybox-static (applets linked at boot)
#   /bin/lis-kexec                   out/vm/lis-kexec
#   /lib/lis/*.ko                    every module built in out/KREL/
#   /lib/lis/test/*.ko               the test-only modules (the bridge)
#   /lib/kmods/*.ko, load-order      the kernel's disk/DVD/ext4 modules
#   /opt/e2fs/mkfs.ext4 + libraries  e2fsprogs' mke2fs, for the storvsc checks
#   /opt/lis/bin/{bash,modinfo}      lis-status as the source tree lays it out
#   /opt/lis/{tools,lislib,...}      (it is bash; busybox has no bash), with
#                                    kmod's modinfo and their libraries, for
#                                    the lis-status checks (tests/vm/lis_status.sh)
#   /boot/vmlinuz, /boot/initrd.cpio the same kernel and this tree without
#                                    /boot, for kexec
# Everything comes from the build outputs; nothing is copied by hand.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${OUT:-$TOP/out}
[ $# -eq 3 ] || { echo "usage: mkinitramfs.sh KREL VMLINUZ OUT" >&2; exit 2; }
KREL=$1 VMLINUZ=$2 DEST=$3

BUSYBOX=$(command -v busybox || true)
[ -n "$BUSYBOX" ] || { echo "mkinitramfs: busybox-static is not installed" >&2; exit 1; }
if ldd "$BUSYBOX" >/dev/null 2>&1; then
	echo "mkinitramfs: $BUSYBOX is dynamically linked; install busybox-static" >&2
	exit 1
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,lib/lis/test,boot,proc,sys,dev,tmp}
install -m 0755 "$TOP/tests/vm/guest/init" "$root/init"
install -m 0755 "$TOP/tests/vm/guest/lisvm-agent" "$root/bin/lisvm-agent"
install -m 0755 "$BUSYBOX" "$root/bin/busybox"
install -m 0755 "$OUT/vm/lis-kexec" "$root/bin/lis-kexec"
install -m 0755 "$OUT"/vm/utils/* "$root/bin/"	# lis-evread, static daemons (tests/vm/utils.sh)
install -m 0755 "$OUT/vm/lis-nettool" "$root/bin/lis-nettool"	# the netvsc checks' ethtool
install -m 0755 "$OUT/vm/lis-dmsock" "$root/bin/lis-dmsock"	# hv_sock and uio checks
install -m 0755 "$OUT/vm/lis-fbtool" "$root/bin/lis-fbtool"	# the framebuffer checks
n=0
for ko in "$OUT/$KREL"/*.ko; do
	[ -e "$ko" ] || continue
	install -m 0644 "$ko" "$root/lib/lis/"
	n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "mkinitramfs: no modules in $OUT/$KREL" >&2; exit 1; }
for ko in "$OUT/vm/$KREL"/test-modules/*.ko; do
	[ -e "$ko" ] && install -m 0644 "$ko" "$root/lib/lis/test/"
done
# the storvsc checks: the kernel's disk, DVD and ext4 modules (build.sh put
# them and their load order in kmods/), and mkfs.ext4 with its libraries
KMODS=$OUT/cache/kernel/$KREL/kmods
if [ -s "$KMODS/load-order" ]; then
	mkdir -p "$root/lib/kmods"
	install -m 0644 "$KMODS"/*.ko "$KMODS/load-order" "$root/lib/kmods/"
fi
MKE2FS=$(command -v mke2fs || true)
if [ -n "$MKE2FS" ]; then
	# named mkfs.ext4 (mke2fs reads its name), outside busybox's applet dirs
	install -D -m 0755 "$MKE2FS" "$root/opt/e2fs/mkfs.ext4"
	[ -r /etc/mke2fs.conf ] && install -D -m 0644 /etc/mke2fs.conf "$root/etc/mke2fs.conf"
	ldd "$MKE2FS" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
	while read -r lib; do
		install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
	done
fi

# lis-status and what it reads: the shell library, the module list, VERSION;
# bash to run it and kmod's modinfo (busybox's finds no "version=" at the
# very start of a module's .modinfo), with their libraries
BASH_BIN=$(command -v bash) KMOD_BIN=$(command -v kmod)
install -D -m 0755 "$BASH_BIN" "$root/opt/lis/bin/bash"
install -m 0755 "$KMOD_BIN" "$root/opt/lis/bin/kmod"
ln -s kmod "$root/opt/lis/bin/modinfo"
install -D -m 0755 "$TOP/tools/lis-status/lis-status" "$root/opt/lis/tools/lis-status/lis-status"
install -D -m 0644 "$TOP/hv-generic/modules" "$root/opt/lis/hv-generic/modules"
install -m 0644 "$TOP/VERSION" "$root/opt/lis/VERSION"
mkdir -p "$root/opt/lis/lislib"
cp -R "$TOP/lislib/." "$root/opt/lis/lislib/"
ldd "$BASH_BIN" "$KMOD_BIN" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// && $1 !~ /:$/ { print $1 }' |
while read -r lib; do
	[ -e "$root$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
done

pack() {
	(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet)
}
pack > "$DEST.inner"
install -m 0644 "$VMLINUZ" "$root/boot/vmlinuz"
mv "$DEST.inner" "$root/boot/initrd.cpio"
pack > "$DEST.tmp"
mv "$DEST.tmp" "$DEST"
echo "initramfs: $DEST ($(du -k "$DEST" | cut -f1) KiB, $n modules + $(find "$root/lib/lis/test" -name '*.ko' | wc -l) test modules)"
