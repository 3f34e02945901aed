# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2034  # globals shared with the sourcing scripts
# shellcheck shell=bash
#
# Detection: the distribution and release, the installed kernels and what
# each is, the architecture, Secure Boot and our key, isolation, free space,
# conflicting packages.  Everything is read from the target root (rp), so
# --root works on an offline image and on the tests' generated roots.

DIST_ID="" DIST_LIKE="" DIST_VERSION="" DIST_MAJOR="" DIST_MINOR="" DIST_NAME=""

# detect_release: DIST_ID (rhel, centos, ol, debian, ...), DIST_VERSION (7.9)
detect_release() {
	local f v
	f=$(rp /etc/os-release)
	[ -r "$f" ] || f=$(rp /usr/lib/os-release)
	if [ -r "$f" ]; then
		DIST_ID=$(os_release_value "$f" ID)
		DIST_LIKE=$(os_release_value "$f" ID_LIKE)
		DIST_VERSION=$(os_release_value "$f" VERSION_ID)
		DIST_NAME=$(os_release_value "$f" PRETTY_NAME)
	fi
	# the minor release: CentOS 7 says only "7" in os-release; the release files say "7.9.2009"
	for f in /etc/oracle-release /etc/centos-release /etc/redhat-release; do
		[ -r "$(rp "$f")" ] || continue
		v=$(sed -n 's/.*release \([0-9][0-9]*\.[0-9][0-9]*\).*/\1/p' "$(rp "$f")" | head -n 1)
		if [ -n "$v" ]; then
			case $DIST_VERSION in "${v%%.*}"|"") DIST_VERSION=$v ;; esac
		fi
		if [ -z "$DIST_ID" ]; then
			case $f in
			*oracle*) DIST_ID=ol ;;
			*centos*) DIST_ID=centos ;;
			*) DIST_ID=rhel ;;
			esac
			DIST_NAME=$(head -n 1 "$(rp "$f")")
		fi
		break
	done
	DIST_MAJOR=${DIST_VERSION%%.*}
	DIST_MINOR=""
	case $DIST_VERSION in *.*) DIST_MINOR=${DIST_VERSION#*.}; DIST_MINOR=${DIST_MINOR%%.*} ;; esac
	log "release: id=$DIST_ID like=$DIST_LIKE version=$DIST_VERSION ($DIST_NAME)"
}

# os_release_value FILE KEY: a variable of os-release, quotes removed
os_release_value() {
	sed -n "s/^$2=//p" "$1" | head -n 1 | sed -e 's/^"\(.*\)"$/\1/' -e "s/^'\(.*\)'\$/\1/"
}

# is_rhel_family: RHEL, CentOS, Oracle Linux (and their rebuilds that say ID_LIKE rhel)
is_rhel_family() {
	case " $DIST_ID $DIST_LIKE " in
	*" rhel "*|*" centos "*|*" ol "*|*" fedora "*) [ "$DIST_ID" != fedora ] ;;
	*) return 1 ;;
	esac
}

# installed_kernels: every kernel release installed in the root (sorted)
installed_kernels() {
	local d k
	for d in "$(rp /lib/modules)"/*; do
		[ -d "$d" ] || continue
		k=${d##*/}
		[ -e "$(rp "/boot/vmlinuz-$k")" ] || [ -e "$d/vmlinuz" ] || continue
		printf '%s\n' "$k"
	done | sort -V
}

# kernel_variant KVER: uek, rt, debug, rhck (Red Hat compatible) or other
kernel_variant() {
	case $1 in
	*uek*) echo uek ;;
	*.rt[0-9]*|*-rt*) echo rt ;;
	*+debug|*.debug) echo debug ;;
	*.el[6789]*) echo rhck ;;
	*) echo other ;;
	esac
}

# kernel_family KVER: the LIS family (its family.conf name: rhel7, rhel8)
# whose release pattern claims a Red Hat compatible kernel, or empty
kernel_family() {
	local f pat
	case $(kernel_variant "$1") in uek|other) return 0 ;; esac
	for f in "$LISLIB_DIR"/families/*.conf "$LISLIB_DIR"/../hv-rhel*/family.conf; do
		[ -r "$f" ] || continue
		pat=$(os_release_value "$f" release_pattern)
		# shellcheck disable=SC2053
		if [ -n "$pat" ] && [ "$pat" != '*' ] && [[ $1 == $pat ]]; then
			os_release_value "$f" name
			return 0
		fi
	done
	return 0
}

# detect_arch: the root's architecture (x86_64, i686, ...)
detect_arch() {
	local a k
	if [ -z "$LIS_ROOT" ]; then
		uname -m
		return
	fi
	for k in $(installed_kernels); do
		case $k in
		*.x86_64*|*-amd64) a=x86_64 ;;
		*.i686*|*.i386*|*-686*) a=i686 ;;
		*.aarch64*|*-arm64) a=aarch64 ;;
		esac
	done
	echo "${a:-unknown}"
}

# secure_boot_on: the EFI SecureBoot variable says enabled
secure_boot_on() {
	local f
	f=$(rp /sys/firmware/efi/efivars)/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c
	[ -r "$f" ] || return 1
	# 4 bytes of attributes, then the value
	[ "$(od -An -tu1 -j4 -N1 "$f" | tr -d ' ')" = 1 ]
}

# signing_key_trusted CERT: the kernel's keyrings (platform, MOK, builtin)
# hold our module signing key
signing_key_trusted() {
	local cert=$1 cn
	[ -r "$cert" ] || return 1
	cn=$(openssl x509 -inform DER -in "$cert" -noout -subject -nameopt multiline 2>/dev/null |
		sed -n 's/^ *commonName *= *//p')
	[ -n "$cn" ] || return 1
	grep -qF "$cn" "$(rp /proc/keys)" 2>/dev/null
}

# isolated_guest: an SNP or TDX isolated guest (our VMBus cannot run there)
isolated_guest() {
	grep -qwE 'tdx_guest|sev_snp' "$(rp /proc/cpuinfo)" 2>/dev/null
}

# free_kb DIR: free KiB of the file system holding DIR (in the root)
free_kb() {
	local d
	d=$(rp "$1")
	while [ ! -d "$d" ]; do d=${d%/*}; [ -n "$d" ] || d=/; done
	df -Pk "$d" 2>/dev/null | awk 'NR == 2 { print $4 }'
}

# need_boot_kb KVER...: room for one new image per kernel (as large as its
# current one, 64 MiB when there is none) and a margin
need_boot_kb() {
	local k img sz total=16384
	for k in "$@"; do
		img=$(rp "$(initramfs_image "$k")")
		if [ -e "$img" ]; then sz=$(( $(stat -c %s "$img") / 1024 )); else sz=65536; fi
		total=$((total + sz))
	done
	echo "$total"
}

# conflicting_packages: installed packages that ship the same drivers
conflicting_packages() {
	root_uses_rpm || return 0
	local p
	for p in kmod-microsoft-hyper-v microsoft-hyper-v; do
		rpm_root -q "$p" >/dev/null 2>&1 && printf '%s\n' "$p"
	done
	return 0
}

# replaced_packages: RHEL's daemon packages lis-tools takes the place of
# (the same daemons under the same names and paths; its versioned
# Obsoletes take them out in the same transaction), as NAME-VERSION-RELEASE
replaced_packages() {
	root_uses_rpm || return 0
	local p
	for p in hyperv-daemons hypervkvpd hypervvssd hypervfcopyd; do
		rpm_root -q --qf '%{NAME}-%{VERSION}-%{RELEASE}\n' "$p" 2>/dev/null | grep -v 'not installed' || true
	done
	return 0
}

# loaded_module NAME: the module is loaded (live system, or the root's /proc/modules)
loaded_module() {
	local key
	key=$(module_key "$1")
	[ -r "$(rp /proc/modules)" ] || return 1
	awk -v k="$key" '$1 == k { f = 1 } END { exit !f }' "$(rp /proc/modules)"
}

# modules_behind SYSDIR: the modules of every driver on the device path of a
# sysfs device directory (the device itself and each of its parents)
modules_behind() {
	local d=$1 m
	while [ -n "$d" ] && [ "$d" != "$(rp /sys)" ] && [ "$d" != / ]; do
		if [ -e "$d/driver/module" ]; then
			m=$(readlink -f "$d/driver/module")
			module_key "${m##*/}"
		fi
		d=${d%/*}
	done
}

# critical_modules: modules the root disk or an active network interface sits behind
critical_modules() {
	local dev b n sys
	sys=$(rp /sys)
	dev=$(awk '$2 == "/" { print $1 }' "$(rp /proc/mounts)" 2>/dev/null | tail -n 1)
	b=${dev#/dev/}
	if [ -n "$b" ] && [ -e "$sys/class/block/$b" ]; then
		modules_behind "$(cd "$sys/class/block/$b" 2>/dev/null && pwd -P)"
	fi
	for n in "$sys"/class/net/*; do
		[ -e "$n/device" ] || continue
		[ "$(cat "$n/operstate" 2>/dev/null)" = up ] || continue
		modules_behind "$(cd "$n/device" 2>/dev/null && pwd -P)"
	done
	return 0
}
