# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers shared by the build scripts (sourced, never run).  The target kernel
# tree is the only input: nothing here reads the build host's /etc/*release.

LIS_TOP=${LIS_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
LIS_FAMILY_DIRS="hv-rhel7.x hv-rhel8.x hv-generic"

die() { printf '%s: %s\n' "${0##*/}" "$*" >&2; exit 1; }
note() { printf '%s\n' "$*"; }

# kernel_release KDIR: the release the tree builds for (its `uname -r`)
kernel_release() {
	local f
	for f in "$1/include/generated/utsrelease.h" "$1/include/linux/utsrelease.h"; do
		if [ -r "$f" ]; then
			sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$f"
			return 0
		fi
	done
	return 1
}

# kernel_config KDIR SYMBOL: y, m or n for CONFIG_SYMBOL in the tree
kernel_config() {
	local v f
	for f in "$1/include/config/auto.conf" "$1/.config"; do
		[ -r "$f" ] || continue
		v=$(sed -n "s/^CONFIG_$2=\\(.*\\)\$/\\1/p" "$f" | head -n 1)
		printf '%s\n' "${v:-n}"
		return 0
	done
	return 1
}

# family_value DIR KEY: one key of DIR/family.conf
family_value() {
	sed -n "s/^$2=//p" "$LIS_TOP/$1/family.conf" | head -n 1
}

# family_for_release KREL: the family directory that claims a kernel release
# (the first whose release_pattern matches; hv-generic claims the rest)
family_for_release() {
	local d pat
	for d in $LIS_FAMILY_DIRS; do
		pat=$(family_value "$d" release_pattern)
		# shellcheck disable=SC2053
		if [[ $1 == $pat ]]; then
			printf '%s\n' "$d"
			return 0
		fi
	done
	return 1
}

# family_modules DIR: the family's module list, only those with sources
family_modules() {
	local m
	while read -r m; do
		case $m in ''|'#'*) continue ;; esac
		[ -r "$LIS_TOP/drivers/$m/Kbuild" ] && printf '%s\n' "$m"
	done < "$LIS_TOP/$1/modules"
	return 0
}

# kernel_trees: every prepared kernel tree on this host, one per line
kernel_trees() {
	local d r seen=" "
	for d in /lib/modules/*/build /usr/src/kernels/*; do
		[ -r "$d/Makefile" ] || continue
		kernel_release "$d" >/dev/null 2>&1 || continue
		r=$(cd "$d" && pwd -P)
		case $seen in *" $r "*) continue ;; esac
		seen="$seen$r "
		printf '%s\n' "$d"
	done
	return 0
}
