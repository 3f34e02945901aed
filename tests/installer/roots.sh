# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Generated roots and a medium for the installer rungs (sourced after
# tests/packaging/fixtures.sh).  One package set is built per run: lis-tools,
# lis-dkms, kmod-lis for the RHEL 7.9 GA kernel and the RHEL 8.9 GA kernel
# (generated modules with real kABI CRCs), and a medium laid out as the ISO.

# ga_kernel FAMILY MINOR: the GA kernel release of a minor release (x86_64)
ga_kernel() {
	local minor ga dist
	read -r minor ga _ < <(awk -v m="$2" '$1 == m' "$FIX_TOP/hv-$1.x/releases")
	dist=el${1#rhel}
	case $1 in rhel8) [ "${minor#*.}" -ge 1 ] 2>/dev/null && dist="el8_${minor#*.}" ;; esac
	[ "$minor" = 8.0 ] && dist=el8
	printf '%s.%s.x86_64\n' "$ga" "$dist"
}

# kernel_pkg KVER [KIND]: a generated kernel package (cached per run); KIND
# y: CONFIG_HYPERV=y; lite: without kernel(sym) provides (plans only)
kernel_pkg() {
	local k=$1 kind=${2:-} fam=rhel7 f name=kernel v
	case $k in 4.18.0-*) fam=rhel8 ;; esac
	# a +debug kernel (RHEL 8): a package of its own, with CRCs of its own
	case $k in *+debug) fam=$fam-debug name=kernel-debug ;; esac
	[ -z "$kind" ] || name=$name-$kind
	v=${k%+debug}
	f=$INST/fix/$name-${v%.x86_64}.x86_64.rpm
	if [ ! -e "$f" ]; then
		case $kind in
		y) gen_kernel_rpm "$INST/fix" "$k" "$(symvers_of "$fam")" y "$name" >&2 || return 1 ;;
		lite) gen_kernel_rpm "$INST/fix" "$k" "$(symvers_of "$fam")" m "$name" none >&2 || return 1 ;;
		*) gen_kernel_rpm "$INST/fix" "$k" "$(symvers_of "$fam")" m "$name" >&2 || return 1 ;;
		esac
	fi
	# the package's file name is the one asked for (NAME-VERSION-RELEASE)
	[ -s "$f" ] || { echo "kernel_pkg: no $f after generating it" >&2; return 1; }
	printf '%s\n' "$f"
}

# rhel_root DIR ID VERSION NAME KVER...: a root of that release with those
# kernels installed (CentOS says only the major release in os-release);
# ROOT_KERNEL_KIND=lite for plan-only roots
rhel_root() {
	local r=$1 id=$2 v=$3 name=$4 k pk=() vid=$3 relf=etc/redhat-release
	shift 4
	case $id in centos) vid=${v%%.*}; relf=etc/centos-release ;; ol) relf=etc/oracle-release ;; esac
	new_root "$r" "$(printf 'etc/os-release=NAME="%s"\nID="%s"\nID_LIKE="rhel fedora"\nVERSION_ID="%s"\nPRETTY_NAME="%s %s"' \
		"$name" "$id" "$vid" "$name" "$v")" "$relf=$name release $v"
	for k in "$@"; do pk+=("$(kernel_pkg "$k" "${ROOT_KERNEL_KIND:-}")") || return 1; done
	root_rpm "$r" -i "$INST/fix/base-el-1-1.x86_64.rpm" "${pk[@]}" > "$r.rpm.log" 2>&1 || { cat "$r.rpm.log" >&2; return 1; }
}
