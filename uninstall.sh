#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# uninstall.sh [options]: remove LIS and return the guest to its in-tree
# Hyper-V drivers.
#
# Removes every LIS package (or, on distributions without rpm, every file
# LIS unpacked and its DKMS builds), the module blocks, the trial-boot
# entries, the kernel-update hooks and the state under /var/lib/lis, then
# rebuilds and proves the image of every kernel that ran on LIS.  After
# install.sh --enable-builtin it removes exactly the block in
# /etc/initramfs-tools/modules or the dracut drop-in it added, and rebuilds
# those images.  Run it before a Leapp in-place upgrade (7 -> 8).  Any
# failure rolls back.
#
# Options:
#   -n, --dry-run      print the plan and stop; change nothing
#   -y, --yes          do not ask for confirmation
#   --root DIR         uninstall from the system image at DIR (offline)
#   --json             the plan and the result as JSON on stdout
#   --log FILE         log here instead of /var/log/lis/uninstall.log
#   -h, --help         this text
#
# Exit codes: 0 removed or nothing to remove, 1 failed and rolled back,
# 2 usage, 3 not root, 11 rollback incomplete, 12 not confirmed.
set -euo pipefail
# shellcheck source=lislib/lis.sh
. "$(dirname "$(readlink -f "$0")")/lislib/lis.sh"

plan_removal() {
	local k
	for k in $(installed_kernels); do
		PLAN_KERNELS+=("$k")
		plan_set "$k" intree "LIS is removed: back to the in-tree drivers"
	done
	readlines PLAN_ERASE "$(installed_lis_packages)"
	# shellcheck disable=SC2034  # read by the report
	PKG_MODE=none
}

cleanup_leftovers() {
	local f
	trial_disarm
	for f in "$(rp /boot)"/*.lis-prev; do
		[ -e "$f" ] && run rm -f "$f"
	done
	run rm -rf "$(rp /var/lib/lis)"
}

main() {
	parse_options uninstall "$@"
	log_open uninstall "$@"
	check_root_user
	detect_release
	plan_removal
	print_plan
	# install.sh --enable-builtin's block or drop-in (lislib/builtin.sh)
	local builtin=0
	if builtin_enabled; then builtin=1; builtin_plan_removal; builtin_print_plan; fi
	if [ ${#PLAN_ERASE[@]} -eq 0 ] && [ -z "$(blocked_modules_of)" ] && ! [ -d "$(rp /var/lib/lis)" ] && [ "$builtin" = 0 ]; then
		stop_if_done uninstall not-installed "LIS is not installed; nothing to do."
	fi
	dry_run_or_confirm uninstall "Remove LIS and return to the in-tree drivers?"
	# RHEL's daemon packages lis-tools replaced at install (lislib/state.sh)
	local replaced=""
	[ ! -r "$(rp "$LIS_STATE")" ] || replaced=$(sed -n 's/^replaced //p' "$(rp "$LIS_STATE")" | paste -sd' ')
	[ "$builtin" = 0 ] || builtin_uninstall
	if [ "$builtin" = 1 ] && [ ${#PLAN_ERASE[@]} -eq 0 ] && [ -z "$(blocked_modules_of)" ] && ! [ -e "$(rp "$LIS_STATE")" ]; then
		: # only the built-in path's configuration was there
	else
		# one transaction: the packages (rpm's scriptlets, or on other
		# roots erase_payload, remove the DKMS builds inside it) and the images
		run_plan uninstall
	fi
	cleanup_leftovers
	say "LIS is removed; every kernel is on its in-tree Hyper-V drivers. The log is $LIS_LOG."
	[ -z "$replaced" ] || say "The KVP, VSS and fcopy daemons went with lis-tools, which had replaced $replaced; to run RHEL's again: yum install hyperv-daemons"
	json_report uninstall removed "$EX_OK"
}

main "$@"
