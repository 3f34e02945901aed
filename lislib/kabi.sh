# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# kABI questions go to lis-kabi (tools/lis-kabi): is a build's set of modules
# compatible with a kernel's symvers?  The installer takes it from the medium
# (lislib/bin/), the hooks from the installed lis-tools.

# lis_kabi ARGS...: run lis-kabi (the medium's, the root's, or the PATH's)
lis_kabi() {
	local c
	for c in "${LIS_KABI:-}" "$LISLIB_DIR/bin/lis-kabi" /usr/sbin/lis-kabi "$(command -v lis-kabi 2>/dev/null || true)"; do
		if [ -n "$c" ] && [ -x "$c" ]; then
			query "$c" "$@"
			return
		fi
	done
	log "lis-kabi is not available"
	return 127
}

# build_modules_dir RPMFILE: unpack a kmod-lis package's modules once; print the directory
BUILD_CACHE=""
build_modules_dir() {
	local f=$1 d
	[ -n "$BUILD_CACHE" ] || BUILD_CACHE=$(mktemp -d "${TMPDIR:-/tmp}/lis-builds.XXXXXX") || return 1
	d=$BUILD_CACHE/$(basename "$f" .rpm)
	if [ ! -d "$d" ]; then
		mkdir -p "$d/x" || return 1
		if ! (rpm2cpio "$f" | (cd "$d/x" && cpio -idm --quiet --no-absolute-filenames)) 2>> "$LIS_LOG"; then
			rm -rf "$d"
			return 1
		fi
		mkdir -p "$d/ko"
		find "$d/x" -name '*.ko' -exec mv -t "$d/ko" {} +
		rm -rf "$d/x"
	fi
	printf '%s\n' "$d/ko"
}

# kabi_compatible KVER MODDIR: every module in MODDIR loads on KVER (its symvers)
kabi_compatible() {
	local sv
	sv=$(kernel_symvers "$1") || { log "kabi: no symvers for $1"; return 1; }
	lis_kabi check --symvers "$sv" "$2"/*.ko >> "$LIS_LOG"
}

# kabi_fit: "KVER FIT BUILD [REASON]" for every installed kernel of the
# root, FIT exact, compatible or none: which installed LIS build fits it by
# the symbol CRCs (lis-kabi plan's line format, an interface)
kabi_fit() {
	if [ -n "$LIS_ROOT" ]; then lis_kabi plan --root "$LIS_ROOT"; else lis_kabi plan; fi
}

# weak_linked_build KVER: the build (kernel release) KVER's weak-updates links point into
weak_linked_build() {
	local l t
	for l in "$(rp "/lib/modules/$1/weak-updates/lis")"/*; do
		t=$(readlink "$l") || continue
		t=${t#/lib/modules/}
		printf '%s\n' "${t%%/*}"
		return 0
	done
	return 1
}

# drop_unfit_links [KVER...]: weak-modules' verdict is not trusted on its
# own: for a `+debug` kernel it checks nothing (kmod's depmod reads the
# release in `external K DIR` as a regular expression, docs/lis-kabi.md).
# Every kernel (or each one given) whose weak-updates links point into a
# build that lis-kabi does not find compatible loses the links and stays on
# its in-tree drivers.  Without lis-kabi's answer, the links of kernels that
# weak-modules cannot have checked go.
drop_unfit_links() {
	local fit k b f fb ok=0
	fit=$(kabi_fit) || { warn "lis-kabi plan failed; the weak-modules links of +debug kernels are taken away"; fit=""; }
	while read -r k; do
		[ -n "$k" ] || continue
		[ $# -eq 0 ] || case " $* " in *" $k "*) ;; *) continue ;; esac
		b=$(weak_linked_build "$k") || continue
		read -r _ f fb _ <<< "$(awk -v k="$k" '$1 == k' <<< "$fit")"
		if [ -n "$fit" ] && [ "${f:-}" = compatible ] && [ "${fb:-}" = "$b" ]; then continue; fi
		if [ -z "$fit" ]; then case $k in *+*) ;; *) continue ;; esac; fi
		warn "$k: weak-modules linked the LIS build for $b, but its symbol versions do not fit $k (lis-kabi: ${f:-no answer}); $k keeps its in-tree drivers"
		unlink_kernel "$k" || ok=1
	done <<< "$(weak_linked_kernels)"
	return "$ok"
}

kabi_cleanup() { [ -z "$BUILD_CACHE" ] || rm -rf "$BUILD_CACHE"; BUILD_CACHE=""; }
