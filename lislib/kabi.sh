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

kabi_cleanup() { [ -z "$BUILD_CACHE" ] || rm -rf "$BUILD_CACHE"; BUILD_CACHE=""; }
