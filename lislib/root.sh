# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The target root.  With --root DIR every path is DIR-relative, rpm runs as
# `rpm --root DIR`, and the root's own tools (depmod, dracut, dkms,
# weak-modules, grub2-reboot) run inside it with chroot, exactly as rpm runs
# the package scriptlets there.  Without --root, LIS_ROOT is empty and
# everything runs on the live system.

# rp PATH: PATH inside the target root
rp() { printf '%s%s\n' "$LIS_ROOT" "$1"; }

# rp_file PATH: PATH inside the target root with a symlink (weak-updates
# links are absolute) followed inside the root, not on the host
rp_file() {
	local f t
	f=$(rp "$1")
	if [ -L "$f" ]; then
		t=$(readlink "$f")
		case $t in /*) f=$(rp "$t") ;; esac
	fi
	printf '%s\n' "$f"
}

# in_root CMD...: run one of the root's own commands (query; see run_in_root)
in_root() {
	if [ -n "$LIS_ROOT" ]; then
		chroot "$LIS_ROOT" "$@"
	else
		"$@"
	fi
}

# run_in_root CMD...: run() for a command of the target root
run_in_root() {
	if [ -n "$LIS_ROOT" ]; then
		run chroot "$LIS_ROOT" "$@"
	else
		run "$@"
	fi
}

# root_has CMD: the target root has this command
root_has() {
	local d
	for d in /usr/sbin /usr/bin /sbin /bin /usr/libexec/lis; do
		[ -x "$LIS_ROOT$d/$1" ] && return 0
	done
	return 1
}

# rpm_root ARGS...: the rpm of the target root's database
rpm_root() {
	if [ -n "$LIS_ROOT" ]; then
		rpm --root "$LIS_ROOT" --dbpath /var/lib/rpm "$@"
	else
		rpm "$@"
	fi
}

# root_uses_rpm: the root's packages are managed by rpm (RHEL family)
root_uses_rpm() {
	[ -d "$(rp /var/lib/rpm)" ] && ! [ -e "$(rp /var/lib/dpkg/status)" ]
}

# kernel_symvers KVER: print the path of a readable symvers for KVER (maybe gzipped)
kernel_symvers() {
	local f
	for f in "/boot/symvers-$1.gz" "/lib/modules/$1/build/Module.symvers" \
		"/usr/src/kernels/$1/Module.symvers" "/usr/src/linux-headers-$1/Module.symvers"; do
		if [ -r "$(rp "$f")" ]; then
			rp "$f"
			return 0
		fi
	done
	return 1
}

# kernel_build_dir KVER: the kernel-devel / headers tree of KVER inside the root, if any
kernel_build_dir() {
	local f
	for f in "/lib/modules/$1/build" "/usr/src/kernels/$1" "/usr/src/linux-headers-$1"; do
		if [ -r "$(rp "$f")/Makefile" ]; then
			printf '%s\n' "$f"
			return 0
		fi
	done
	return 1
}

# kernel_config_value KVER SYMBOL: y, m or n from /boot/config-KVER (or the build tree)
kernel_config_value() {
	local f v
	for f in "/boot/config-$1" "/lib/modules/$1/build/.config" "/usr/src/kernels/$1/.config"; do
		[ -r "$(rp "$f")" ] || continue
		v=$(sed -n "s/^CONFIG_$2=\\(.*\\)\$/\\1/p" "$(rp "$f")" | head -n 1)
		printf '%s\n' "${v:-n}"
		return 0
	done
	echo unknown
}
