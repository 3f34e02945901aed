#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms-initramfs.sh KVER: POST_INSTALL / POST_REMOVE of the lis-dkms package.
# DKMS 3 no longer rebuilds the initramfs; this runs the LIS library's safe
# rebuild (temp file, unpack and prove, atomic rename, backup kept) for the
# kernel DKMS just changed.  When the installer or a package scriptlet drives
# DKMS it does the images itself afterwards (LIS_DEFER_IMAGES=1).
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: dkms-initramfs.sh KVER" >&2; exit 2; }
[ "${LIS_DEFER_IMAGES:-0}" = 1 ] && exit 0
# shellcheck source=/dev/null
. /usr/share/lis/lislib/lis.sh
pkg_scriptlet dkms-kernel "$1" 1
