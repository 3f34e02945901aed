#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# upgrade.sh [options]: bring LIS up to this medium's version and cover every
# kernel installed since the last run.
#
# Plans every installed kernel again (our build, a kABI-compatible build,
# DKMS, or its in-tree drivers), installs the newer packages in one rpm
# transaction, and rebuilds and proves only the images of kernels whose LIS
# modules changed.  The kernel-update hooks do the per-kernel part by
# themselves after each kernel update; upgrade.sh also brings new LIS
# versions.  Any failure rolls everything back.
#
# Options:
#   -n, --dry-run      print the plan and stop; change nothing
#   -y, --yes          do not ask for confirmation
#   --kernel KVER      plan and change only this kernel
#   --root DIR         upgrade the system image at DIR (offline)
#   --force            go ahead even when the installed LIS is newer
#   --json             the plan and the result as JSON on stdout
#   --log FILE         log here instead of /var/log/lis/upgrade.log
#   --medium DIR       the LIS medium (default: this script's directory)
#   -h, --help         this text
#
# Exit codes: as install.sh (0 done or nothing to do, 1 failed and rolled
# back, 2 usage, 3 not root, 4 unsupported or LIS not installed, 5 isolated
# guest, 6 no space, 7 Secure Boot key not trusted, 8 newer LIS installed,
# 9 conflicting package, 10 damaged medium, 11 rollback incomplete,
# 12 not confirmed).  A refusal changes nothing.
set -euo pipefail
# the medium is checked before any of its code runs (exit 10: damaged)
if ! (cd "$(dirname "$(readlink -f "$0")")" && sha256sum --quiet --strict -c SHA256SUMS) > /dev/null 2>&1; then
	echo "The LIS medium is damaged or incomplete (its files do not match SHA256SUMS); copy the ISO again." >&2
	exit 10
fi
# shellcheck source=lislib/lis.sh
. "$(dirname "$(readlink -f "$0")")/lislib/lis.sh"

main() {
	parse_options upgrade "$@"
	log_open upgrade "$@"
	check_root_user
	check_medium
	check_system
	[ -n "$(installed_lis_packages)" ] ||
		fail_with "$EX_UNSUPPORTED" "LIS is not installed here; run install.sh."
	# shellcheck disable=SC2034  # read by the plan
	if [ "$(state_get replace)" = 1 ]; then PLAN_REPLACE=1; fi
	check_release
	local have
	have=$(installed_version lis-tools)
	if [ -n "$have" ] && [ "$LIS_FORCE" != 1 ] && [ "$(version_cmp "${have%-*}" "$(lis_version)")" = 1 ]; then
		fail_with "$EX_NEWER" "LIS ${have%-*} is installed, newer than this medium's $(lis_version); nothing was changed (--force goes back)."
	fi
	plan_all "$LIS_MEDIUM" "$LIS_KERNEL"
	print_plan
	plan_is_done && stop_if_done upgrade already-installed "LIS $(lis_version) already covers every kernel as planned; nothing to do."
	dry_run_or_confirm upgrade "Upgrade LIS to $(lis_version) as planned?"
	run_plan upgrade
	say "LIS $(lis_version) covers every installed kernel as planned. The log is $LIS_LOG."
	json_report upgrade upgraded "$EX_OK"
}

main "$@"
