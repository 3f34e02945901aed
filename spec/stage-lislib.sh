#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# stage-lislib.sh DIR: the shell library as it ships (in lis-tools and on the
# ISO): lislib/*.sh plus the facts it needs from the family trees, the module
# names LIS can replace (modules.list) and each family's release pattern
# (families/<name>.conf).
set -euo pipefail
# shellcheck source=scripts/buildlib.sh
. "$(dirname "$0")/../scripts/buildlib.sh"
[ $# -eq 1 ] || die "usage: stage-lislib.sh DIR"
dir=$1
mkdir -p "$dir/families"
cp -p "$LIS_TOP"/lislib/*.sh "$dir/"
for d in $LIS_FAMILY_DIRS; do
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$LIS_TOP/$d/modules"
done | awk '!seen[$0]++' > "$dir/modules.list"
for d in $LIS_FAMILY_DIRS; do
	[ "$(family_value "$d" release_pattern)" = '*' ] && continue
	cp -p "$LIS_TOP/$d/family.conf" "$dir/families/$(family_value "$d" name).conf"
done
