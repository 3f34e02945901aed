#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# build.sh: everything the VM rung boots, cached under out/:
#   1. the guest kernel: the newest Debian 6.1.0-N-amd64 whose headers are
#      installed (so our modules match its vermagic and CRCs), fetched with
#      apt-get download + dpkg-deb into out/cache/kernel/<krel>/ (not
#      installed), with the few modules the storvsc checks load (kmods/);
#   2. our modules for that tree (scripts/build-kernel.sh, when out/<krel>/
#      is missing or older than the sources);
#   3. the test-only bridge module (tests/vm/bridge, Kbuild, W=1, no
#      warnings allowed) in out/vm/<krel>/test-modules/;
#   4. the host process out/vm/hostsim-vm and the guest's out/vm/lis-kexec;
#   5. the initramfs out/vm/<krel>/initramfs.cpio (tests/vm/mkinitramfs.sh).
# Writes out/vm/vm.env (KREL, KDIR, VMLINUZ, INITRD) for the rung.  Any
# failure exits non-zero with a sentence on stderr.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${OUT:-$TOP/out}
export OUT
JOBS=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
say() { printf 'vm-build: %s\n' "$*"; }
die() { printf 'vm-build: %s\n' "$*" >&2; exit 1; }

# ---- 1. the guest kernel ----
KREL=
for d in /lib/modules/6.1.0-*-amd64/build; do
	[ -r "$d/Makefile" ] || continue
	r=${d#/lib/modules/}
	r=${r%/build}
	[[ $r =~ ^6\.1\.0-[0-9]+-amd64$ ]] && KREL=$(printf '%s\n%s\n' "$KREL" "$r" | sort -V | tail -n 1)
done
[ -n "$KREL" ] || die "no linux-headers-6.1.0-N-amd64 installed (make deps installs one)"
KDIR=/lib/modules/$KREL/build
CACHE=$OUT/cache/kernel/$KREL
VMLINUZ=$CACHE/vmlinuz
HVER=$(dpkg-query -W -f='${Version}' "linux-headers-$KREL" 2>/dev/null || true)
# the distribution's modules the storvsc checks load (disk, DVD, ext4) and
# the netvsc checks' VF (e1000) and VLANs (8021q), with
# their dependencies, in load order in $KMODS/load-order
KMODS=$CACHE/kmods
KMODS_WANT="crc32c_generic crc64_rocksoft_generic sd_mod sr_mod ata_piix ext4 e1000 8021q"
KMODS_WANT+=" hid evdev"	# hid_hyperv and its input events (tests/vm/utils.sh)
KMODS_WANT+=" vsock uio"	# hv_sock, uio_hv_generic (tests/vm/mem_sock_uio.sh)
if [ ! -s "$VMLINUZ" ] || [ "$(cat "$CACHE/version" 2>/dev/null)" != "$HVER" ] ||
   [ "$(cat "$KMODS/want" 2>/dev/null)" != "$KMODS_WANT" ]; then
	say "fetching linux-image-$KREL ${HVER:-(any version)}"
	dl=$(mktemp -d)
	chmod 755 "$dl"		# apt's _apt user downloads into it
	pkg=linux-image-$KREL
	(cd "$dl" && { apt-get download -q "$pkg${HVER:+=$HVER}" 2>/dev/null ||
		apt-get download -q "$pkg"; }) >/dev/null ||
		{ rm -rf "$dl"; die "apt-get download $pkg failed"; }
	mkdir -p "$CACHE"
	dpkg-deb --fsys-tarfile "$dl"/*.deb | tar -x -C "$dl" "./boot/vmlinuz-$KREL" ||
		{ rm -rf "$dl"; die "no /boot/vmlinuz-$KREL in $pkg"; }
	mv "$dl/boot/vmlinuz-$KREL" "$VMLINUZ"
	dpkg-deb --fsys-tarfile "$dl"/*.deb | tar -x -C "$dl" --wildcards "./lib/modules/$KREL/kernel/*" ||
		{ rm -rf "$dl"; die "no modules in $pkg"; }
	rm -rf "$KMODS"
	mkdir -p "$KMODS"
	# add_kmod NAME: its dependencies first (modinfo's depends), then it
	add_kmod() {
		local f d
		[ -e "$KMODS/$1.ko" ] && return 0
		f=$(find "$dl/lib/modules/$KREL/kernel" \( -name "$1.ko" -o -name "${1//_/-}.ko" \) -print -quit)
		[ -n "$f" ] || return 1
		for d in $(modinfo -F depends "$f" | tr ',' ' '); do add_kmod "$d" || return 1; done
		install -m 0644 "$f" "$KMODS/$1.ko"
		echo "$1" >> "$KMODS/load-order"
	}
	for m in $KMODS_WANT; do
		add_kmod "$m" || { rm -rf "$dl"; die "module $m (or a dependency) is not in $pkg"; }
	done
	echo "$KMODS_WANT" > "$KMODS/want"
	dpkg-deb -f "$dl"/*.deb Version > "$CACHE/version"
	rm -rf "$dl"
fi
say "guest kernel $KREL ($(cat "$CACHE/version")), $(wc -l < "$KMODS/load-order") of its modules"

# The uncompressed kernel, which QEMU boots through its PVH entry: xz
# decompression takes seconds under TCG.  The bzImage's payload is the first
# xz stream in it (xz then complains about the bytes after the stream).  Kept
# only when it is an ELF image with the PVH entry note; else the bzImage boots.
VMLINUX=$CACHE/vmlinux
if [ ! -s "$VMLINUX" ] || [ "$VMLINUX" -ot "$VMLINUZ" ]; then
	off=$(LC_ALL=C grep -obUa $'\xfd7zXZ\x00' "$VMLINUZ" | head -n 1 | cut -d: -f1)
	rm -f "$VMLINUX"
	if [ -n "$off" ]; then
		tail -c +$((off + 1)) "$VMLINUZ" | xz -dc > "$VMLINUX.tmp" 2>/dev/null || true
		# XEN_ELFNOTE_PHYS32_ENTRY is note type 18 of owner "Xen"
		if readelf -nW "$VMLINUX.tmp" 2>/dev/null | grep -qE '^[[:space:]]+Xen[[:space:]]+0x[0-9a-f]+[[:space:]].*\(0x00000012\)'; then
			mv "$VMLINUX.tmp" "$VMLINUX"
		fi
		rm -f "$VMLINUX.tmp"
	fi
	[ -s "$VMLINUX" ] || say "no PVH-bootable vmlinux in $VMLINUZ; booting the bzImage"
fi

# ---- 2. our modules for that tree ----
stale() {	# stale TARGET DIR...: TARGET missing or older than a file under DIR
	local t=$1
	shift
	[ -e "$t" ] || return 0
	[ -n "$(find "$@" -newer "$t" -type f -print -quit 2>/dev/null)" ]
}
if stale "$OUT/$KREL/hv_vmbus.ko" "$TOP/drivers" "$TOP/kernel-compat" "$TOP/hv-generic" "$TOP/VERSION"; then
	say "building the modules for $KREL"
	"$TOP/scripts/build-kernel.sh" --jobs "$JOBS" "$KDIR" >/dev/null ||
		die "scripts/build-kernel.sh $KDIR failed (see $OUT/$KREL/build.log)"
fi
[ -e "$OUT/$KREL/hv_vmbus.ko" ] || die "no hv_vmbus.ko for $KREL ($(cat "$OUT/$KREL/status" 2>/dev/null))"

# ---- 3. the bridge (test-only) ----
B=$OUT/vm/$KREL/bridge
TM=$OUT/vm/$KREL/test-modules
if stale "$TM/lis_vmbus_bridge.ko" "$TOP/tests/vm/bridge" "$TOP/tests/vm/lisvm_proto.h" "$TOP/drivers/include"; then
	say "building the bridge module for $KREL"
	mkdir -p "$B" "$TM"
	ln -sf "$TOP/tests/vm/bridge/Kbuild" "$TOP/tests/vm/bridge/lis_vmbus_bridge.c" "$B/"
	log=$B/build.log
	make -C "$KDIR" M="$B" LIS_TOP="$TOP" W=1 -j"$JOBS" modules > "$log" 2>&1 ||
		{ tail -n 20 "$log" >&2; die "the bridge does not build (see $log)"; }
	if grep -E ': warning:|^WARNING: ' "$log" >&2; then
		die "the bridge builds with warnings (see $log)"
	fi
	install -m 0644 "$B/lis_vmbus_bridge.ko" "$TM/"
fi

# ---- 4. host process and the guest's kexec ----
make -s -C "$TOP/tests/vm/hostsim-vm" >/dev/null || die "hostsim-vm does not build"
if stale "$OUT/vm/lis-kexec" "$TOP/tests/vm/guest/lis-kexec.c"; then
	gcc -static -O2 -Wall -Wextra -Werror -o "$OUT/vm/lis-kexec" "$TOP/tests/vm/guest/lis-kexec.c" ||
		die "lis-kexec does not build (is libc6-dev's static libc there?)"
fi
if stale "$OUT/vm/lis-dmsock" "$TOP/tests/vm/guest/lis-dmsock.c"; then
	gcc -static -O2 -Wall -Wextra -Werror -o "$OUT/vm/lis-dmsock" "$TOP/tests/vm/guest/lis-dmsock.c" ||
		die "lis-dmsock does not build"
fi
if stale "$OUT/vm/lis-fbtool" "$TOP/tests/vm/guest/lis-fbtool.c"; then
	gcc -static -O2 -Wall -Wextra -Werror -o "$OUT/vm/lis-fbtool" "$TOP/tests/vm/guest/lis-fbtool.c" ||
		die "lis-fbtool does not build"
fi
if stale "$OUT/vm/lis-nettool" "$TOP/tests/vm/guest/lis-nettool.c"; then	# the netvsc checks' ethtool
	gcc -static -O2 -Wall -Wextra -Werror -o "$OUT/vm/lis-nettool" "$TOP/tests/vm/guest/lis-nettool.c" ||
		die "lis-nettool does not build"
fi

# lis-evread and the static daemons for the hv_utils checks
make -s -f "$TOP/tests/vm/guest/utils.mk" OUT="$OUT" || die "tests/vm/guest/utils.mk does not build"

# ---- 5. the initramfs ----
INITRD=$OUT/vm/$KREL/initramfs.cpio
"$TOP/tests/vm/mkinitramfs.sh" "$KREL" "$VMLINUZ" "$INITRD" | sed 's/^/vm-build: /'

cat > "$OUT/vm/vm.env" <<ENV
KREL=$KREL
KDIR=$KDIR
VMLINUZ=$VMLINUZ
VMLINUX=$([ -s "$VMLINUX" ] && echo "$VMLINUX")
INITRD=$INITRD
ENV
