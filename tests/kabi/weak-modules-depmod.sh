#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# weak-modules-depmod.sh ROOT [MODULES_DIR]: the technique RHEL's
# weak-modules uses to decide kABI compatibility, run on a generated root, as
# the reference for `lis-kabi plan` (tests) and its baseline (benchmark).
#
# For each kernel K of ROOT/lib/modules that has /boot/symvers-K.gz (as
# `weak-modules --add-kernel K` does): link the modules of every other
# kernel's MODULES_DIR (default extra/lis) into a sandbox weak-updates/ at
# their sub-path under extra/, kernels in rpmsort order so the newest build
# wins a sub-path; run `depmod -naeE symvers K` with the sandbox first in the
# search order; remove every link depmod reports ("needs unknown symbol",
# "disagrees about version of symbol") and repeat until nothing changes.
# Prints `K exact K`, `K compatible BUILD` (every link kept, all from one
# build) or `K none -`, one line per kernel — the first three columns of
# `lis-kabi plan`.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: weak-modules-depmod.sh ROOT [MODULES_DIR]" >&2; exit 2; }
root=$(cd "$1" && pwd)
moddir=${2:-extra/lis}
export LC_ALL=C
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

rpmsort() {
	sed -e 's/-/../g' | sort -n -t. -k1,1 -k2,2 -k3,3 -k4,4 -k5,5 -k6,6 -k7,7 -k8,8 -k9,9 -k10,10 |
		sed -e 's/\.\./-/g'
}

mapfile -t kernels < <(find "$root/lib/modules" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | rpmsort)
builds=()
for k in "${kernels[@]}"; do
	[ -d "$root/lib/modules/$k/$moddir" ] && builds+=("$k")
done

for k in "${kernels[@]}"; do
	[ -r "$root/boot/symvers-$k.gz" ] || continue
	gzip -dc "$root/boot/symvers-$k.gz" > "$tmp/symvers-$k"
	wu=$tmp/$k/weak-updates
	mkdir -p "$wu"
	for b in "${builds[@]}"; do
		[ "$b" = "$k" ] && continue
		while IFS= read -r -d '' m; do
			rel=${m#"$root/lib/modules/$b/extra/"}
			mkdir -p "$(dirname "$wu/$rel")"
			ln -sfn "$m" "$wu/$rel"
		done < <(find "$root/lib/modules/$b/$moddir" \( -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.gz' \) -print0)
	done
	# depmod matches the version as a regular expression (and its config
	# reader eats backslashes): bracket the special characters, so that a
	# +debug kernel is checked too (weak-modules itself does not)
	kre=^$(printf '%s' "$k" | sed 's/[.+*?(){}|$]/[&]/g')\$
	printf 'search external extra built-in weak-updates\nexternal %s %s\n' "$kre" "$wu" > "$tmp/depmod-$k.conf"
	changed=1
	while [ "$changed" = 1 ]; do
		changed=0
		while read -r line; do
			case $line in
			*"needs unknown symbol"* | *"disagrees about version of symbol"*) ;;
			*) continue ;;
			esac
			read -r _ _ path _ <<< "$line"
			if [ -L "$path" ]; then
				rm -f "$path"
				changed=1
			fi
		done < <(depmod -b "$root" -C "$tmp/depmod-$k.conf" -naeE "$tmp/symvers-$k" "$k" 2>&1 >/dev/null |
			grep -F "$wu" || true)
	done
	if [ -d "$root/lib/modules/$k/$moddir" ]; then
		echo "$k exact $k"
		continue
	fi
	total=$(find "$root/lib/modules" -path "$root/lib/modules/$k" -prune -o -path "*/$moddir/*" \
		\( -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.gz' \) -printf '%P\n' |
		sed "s|^[^/]*/extra/||" | sort -u | wc -l)
	kept=$(find "$wu" -type l | wc -l)
	from=$(find "$wu" -type l -exec readlink {} + | sed "s|^$root/lib/modules/||; s|/.*||" | sort -u)
	if [ "$kept" -gt 0 ] && [ "$kept" -eq "$total" ] && [ "$(wc -l <<< "$from")" -eq 1 ]; then
		echo "$k compatible $from"
	else
		echo "$k none -"
	fi
done
