# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Real Debian 12 roots for the rungs (sourced after tests/lib.sh).  Each is
# made once, from the host's own apt sources, and cached under
# out/cache/debian12/<name>/; tests work on an overlay of it, so every test
# starts from the cached root and the cache is never changed.
#
#   debian_root NAME BASE PACKAGE...
#       print the cached root NAME: with BASE "-", debootstrap (minbase)
#       with PACKAGES; otherwise BASE's root with PACKAGES installed by
#       apt-get inside it (a layer: `debian_root dracut base dracut` swaps
#       initramfs-tools for dracut).  Rebuilt when its packages, its base or
#       this file change.  Needs network to the package registry once.
#   debian_work CACHED DIR    an overlay of CACHED at DIR/root (DIR/upper
#                             holds the changes); prints DIR/root
#   debian_work_done DIR      unmount everything under DIR and remove it
#   chroot_mounts ROOT        /proc, /sys and /dev in ROOT (dracut, DKMS and
#                             apt need them, as in any chroot)
#   chroot_umounts ROOT       take them away again
#   debian_first_image ROOT KVER
#                             the kernel's first initramfs, made by the
#                             root's own tool with a small configuration
#                             that stays in the (work) root for every later
#                             rebuild
#
# The kernel is Debian's current bookworm kernel (linux-image-amd64); the
# rungs read its release from the root (debian_kernel ROOT).  The cached
# roots carry no initramfs (INITRD=No while packages install: Debian's
# default MODULES=most image costs minutes of CPU); a rung makes the first
# image of its work root with debian_first_image.
DEB_CACHE=${OUT:-$TOP/out}/cache/debian12

# host_apt_mirror: the URI the host's apt takes bookworm's main from
host_apt_mirror() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		awk '
			/^[[:space:]]*$/ { if (u != "" && s ~ /(^| )bookworm( |$)/) { print u; exit } u = s = ""; next }
			/^URIs:/ { u = $2 } /^Suites:/ { $1 = ""; s = $0 " " }
			END { if (u != "" && s ~ /(^| )bookworm( |$)/) print u }' "$f" | head -n 1
	done | head -n 1 | grep . && return 0
	awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /\]$/) { if ($(i + 1) == "bookworm") { print $i; exit } break } }' \
		/etc/apt/sources.list 2>/dev/null | grep .
}

# chroot_mounts ROOT: the kernel file systems a chroot needs (idempotent)
chroot_mounts() {
	local r=$1
	mkdir -p "$r/proc" "$r/sys" "$r/dev"
	mountpoint -q "$r/proc" || mount -t proc proc "$r/proc" || return 1
	mountpoint -q "$r/sys" || mount -t sysfs sysfs "$r/sys" || return 1
	mountpoint -q "$r/dev" || mount --bind /dev "$r/dev" || return 1
}

# chroot_umounts ROOT: every mount below ROOT, deepest first
chroot_umounts() {
	local r m
	r=$(cd "$1" 2>/dev/null && pwd -P) || return 0
	while read -r m; do
		[ -n "$m" ] && { umount "$m" 2>/dev/null || umount -l "$m"; }
	done <<< "$(awk -v d="$r/" 'index($2 "/", d) == 1 { print $2 }' /proc/mounts | sort -r)"
	return 0
}

# deb_key NAME BASE PACKAGES: what a cached root is made from (its
# packages, its base, and the function that makes it: the helpers of this
# file can change without a new debootstrap)
deb_key() {
	{
		printf '%s\n' "$@"
		[ "$2" = - ] || cat "$DEB_CACHE/$2/.key" 2>/dev/null
		declare -f deb_make
	} | sha256sum | cut -d' ' -f1
}

# deb_make NAME BASE PACKAGE...: build one cached root into DEB_CACHE/NAME.new
deb_make() {
	local name=$1 base=$2 mirror t rc=0
	shift 2
	mirror=$(host_apt_mirror) || { echo "debian_root: no bookworm source in the host's apt configuration" >&2; return 1; }
	t=$DEB_CACHE/$name.new
	export INITRD=No
	chroot_umounts "$t"
	rm -rf "$t"
	if [ "$base" = - ]; then
		local inc
		inc=$(printf '%s,' "$@")
		debootstrap --variant=minbase --include="${inc%,}" bookworm "$t/root" "$mirror" > "$t.log" 2>&1 ||
			{ tail -n 20 "$t.log" >&2; return 1; }
	else
		mkdir -p "$t"
		cp -a "$DEB_CACHE/$base/root" "$t/root" || return 1
		chroot_mounts "$t/root" || { chroot_umounts "$t/root"; return 1; }
		cp /etc/resolv.conf "$t/root/etc/resolv.conf"
		# the host's apt settings (proxies, snapshot validity) apply inside too
		cp -a /etc/apt/apt.conf.d/. "$t/root/etc/apt/apt.conf.d/"
		{
			chroot "$t/root" apt-get update &&
			DEBIAN_FRONTEND=noninteractive chroot "$t/root" apt-get install -y --no-install-recommends "$@" &&
			chroot "$t/root" apt-get clean
		} > "$t.log" 2>&1 || rc=$?
		chroot_umounts "$t/root"
		[ "$rc" = 0 ] || { tail -n 20 "$t.log" >&2; return 1; }
	fi
	printf 'deb %s bookworm main\n' "$mirror" > "$t/root/etc/apt/sources.list"
	rm -rf "$t/root/var/lib/apt/lists/"* "$t/root/var/cache/apt/archives/"*.deb
	mv "$t.log" "$t/build.log"
}

# debian_root NAME BASE PACKAGE...: the cached root (built when missing or stale)
debian_root() {
	local name=$1 base=$2 key d=$DEB_CACHE/$1
	shift 2
	if [ "$base" != - ]; then
		[ -d "$DEB_CACHE/$base/root" ] || { echo "debian_root: build the base root $base first" >&2; return 1; }
	fi
	key=$(deb_key "$name" "$base" "$@")
	mkdir -p "$DEB_CACHE"
	(
		flock 9
		[ "$(cat "$d/.key" 2>/dev/null)" = "$key" ] && exit 0
		deb_make "$name" "$base" "$@" || exit 1
		printf '%s\n' "$key" > "$d.new/.key"
		rm -rf "$d"
		mv "$d.new" "$d"
	) 9> "$DEB_CACHE/.lock" || return 1
	printf '%s\n' "$d/root"
}

# debian_work CACHED DIR: a writable overlay of a cached root; prints DIR/root
debian_work() {
	local lower=$1 w=$2
	debian_work_done "$w"
	mkdir -p "$w/root" "$w/upper" "$w/work" || return 1
	mount -t overlay overlay -o "lowerdir=$lower,upperdir=$w/upper,workdir=$w/work" "$w/root" || return 1
	printf '%s\n' "$w/root"
}

# debian_work_done DIR: unmount an overlay (and the chroot mounts in it), remove it
debian_work_done() {
	[ -e "$1" ] || return 0
	chroot_umounts "$1"
	rm -rf "$1"
}

# debian_kernel ROOT: the release of the (newest) kernel installed in a root
debian_kernel() {
	local d k=""
	for d in "$1"/lib/modules/*; do
		[ -e "$1/boot/vmlinuz-${d##*/}" ] && k=${d##*/}
	done
	[ -n "$k" ] && printf '%s\n' "$k"
}

# debian_first_image ROOT KVER: /boot/initrd.img-KVER by the root's own
# tool, small and quick: initramfs-tools with MODULES=list (what
# /etc/initramfs-tools/modules names and the hooks need), dracut host-only
# (strict) with only its base and kernel-modules modules -- what a converted
# guest's image looks like, seconds instead of minutes.  The configuration
# stays in the root, so every later rebuild (install.sh, uninstall.sh) makes
# the same kind of image.  The output goes to stderr.
debian_first_image() {
	local r=$1 k=$2
	if [ -x "$r/usr/sbin/update-initramfs" ] && [ -d "$r/etc/initramfs-tools/conf.d" ]; then
		echo MODULES=list > "$r/etc/initramfs-tools/conf.d/lis-test"
		chroot "$r" update-initramfs -c -k "$k" >&2 || return 1
	elif [ -x "$r/usr/bin/dracut" ] || [ -x "$r/usr/sbin/dracut" ]; then
		mkdir -p "$r/etc/dracut.conf.d"
		printf 'hostonly="yes"\nhostonly_mode="strict"\ndracutmodules=" base kernel-modules "\n' > "$r/etc/dracut.conf.d/00-lis-test.conf"
		chroot "$r" dracut --force "/boot/initrd.img-$k" "$k" >&2 || return 1
	else
		echo "debian_first_image: $r has neither initramfs-tools nor dracut" >&2
		return 1
	fi
	[ -s "$r/boot/initrd.img-$k" ]
}

# debian_tree_dirs ROOT KVER: the directories LIS may touch in a root
debian_tree_dirs() {
	local d
	for d in etc boot usr/src usr/share usr/sbin usr/libexec usr/lib/systemd usr/lib/kernel var/lib/dkms var/lib/lis "lib/modules/$2"; do
		if [ -e "$1/$d" ]; then printf '%s\n' "$d"; fi
	done
}
# debian_tree_paths ROOT KVER: what is in them (the kernel's own modules
# and the module indexes depmod writes again aside), as paths, types, modes
# and link targets
debian_tree_paths() {
	local dirs=()
	readarray -t dirs < <(debian_tree_dirs "$1" "$2")
	(cd "$1" && find "${dirs[@]}" -path "lib/modules/$2/kernel" -prune -o ! -name 'modules.*' -printf '%p %y %m %l\n' |
		LC_ALL=C sort)
}

# debian_tree_state ROOT KVER: debian_tree_paths, then every file's content
debian_tree_state() {
	local dirs=()
	debian_tree_paths "$1" "$2" || return 1
	readarray -t dirs < <(debian_tree_dirs "$1" "$2")
	(cd "$1" && find "${dirs[@]}" -path "lib/modules/$2/kernel" -prune -o -type f ! -name 'modules.*' -print0 |
		xargs -0 sha256sum | LC_ALL=C sort -k 2)
}
