#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Rung 3, Kbuild matrix: every module against every kernel tree on this host,
# with W=1 and sparse and no warnings; the probes' header for each tree; our
# exported symbols carry the lis_ prefix and collide with nothing the kernel
# exports.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
cd "$TOP"

mapfile -t trees < <(scripts/kernel-trees.sh)
if [ ${#trees[@]} -eq 0 ]; then
	fail kbuild "no kernel tree found under /lib/modules/*/build or /usr/src/kernels (make deps installs one)"
	exit 0
fi

exports_are_ours() {
	local kdir=$1 krel=$2 ko s bad=0
	for ko in "$OUT/$krel"/*.ko; do
		[ -e "$ko" ] || continue
		while read -r s; do
			case $s in
			lis_*) ;;
			*) echo "$ko exports $s without the lis_ prefix"; bad=1 ;;
			esac
			if awk -v s="$s" '$2 == s { f = 1 } END { exit !f }' "$kdir/Module.symvers"; then
				echo "$ko exports $s, which $krel already exports"; bad=1
			fi
		done < <(nm "$ko" | sed -n 's/^[0-9a-f]* [A-Za-z] __ksymtab_\(.*\)$/\1/p' | sort -u)
	done
	return "$bad"
}

for kdir in "${trees[@]}"; do
	krel=$(. scripts/buildlib.sh && kernel_release "$kdir")
	check "kbuild:$krel:w1_sparse_no_warnings" scripts/build-kernel.sh --sparse "$kdir"
	status=$(cat "$OUT/$krel/status" 2>/dev/null || echo missing)
	case $status in
	skipped*) skip "kbuild:$krel:modules" "$status"; continue ;;
	esac
	check "probes:$krel:compat_autoconf_h" test -s "$OUT/$krel/compat/compat_autoconf.h"
	check "kbuild:$krel:exports_prefixed_and_unique" exports_are_ours "$kdir" "$krel"
done
