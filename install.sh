#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# install.sh [options]: install LIS, the Hyper-V guest drivers, from this medium.
#
# For every installed kernel it decides how LIS serves it -- our build for
# that kernel, a kABI-compatible build, a DKMS build, or the kernel's own
# in-tree drivers (UEK, Hyper-V built in, a needed module LIS does not
# replace yet) -- prints the plan, and after confirmation installs the
# packages in one rpm transaction, rebuilds and proves each affected
# initramfs (the previous one kept), and arms a one-time trial boot into the
# new drivers.  Any failure rolls everything back.  Re-running it when
# everything is in place does nothing.
#
# Options:
#   -n, --dry-run      print the plan and stop; change nothing
#   -y, --yes          do not ask for confirmation
#   --kernel KVER      plan and change only this kernel
#   --root DIR         install into the system image at DIR (offline)
#   --replace          on distributions other than RHEL/CentOS/Oracle Linux
#                      7/8, replace the in-tree drivers with LIS built by DKMS
#   --enable-builtin   install nothing: put the kernels' own Hyper-V drivers
#                      into every kernel's initramfs (docs/builtin.md).  On
#                      Debian, Ubuntu, RHEL 9+ and UEK-only Oracle Linux
#                      install.sh offers this by itself (on a terminal)
#   --force            install even when a newer LIS is installed
#   --json             the plan and the result as JSON on stdout
#   --log FILE         log here instead of /var/log/lis/install.log
#   --medium DIR       the LIS medium (default: this script's directory)
#   -h, --help         this text
#
# Exit codes:
#   0  installed, nothing to do, or --dry-run     7  Secure Boot on, LIS key not trusted
#   1  failed; everything was rolled back         8  a newer LIS is installed (--force)
#   2  bad command line                           9  another Hyper-V driver package is installed
#   3  not run as root                           10  the medium's files do not match SHA256SUMS
#   4  distribution, release, arch unsupported   11  failed, and the rollback was incomplete
#   5  isolated (SNP/TDX) guest                  12  the plan was not confirmed
#   6  too little free space in /boot or /lib/modules
# A refusal (3-10, 12) changes nothing.
set -euo pipefail
# the medium is checked before any of its code runs (exit 10: damaged)
if ! (cd "$(dirname "$(readlink -f "$0")")" && sha256sum --quiet --strict -c SHA256SUMS) > /dev/null 2>&1; then
	echo "The LIS medium is damaged or incomplete (its files do not match SHA256SUMS); copy the ISO again." >&2
	exit 10
fi
# shellcheck source=lislib/lis.sh
. "$(dirname "$(readlink -f "$0")")/lislib/lis.sh"

detect() {
	check_root_user
	check_medium
	# the built-in drivers path (lislib/builtin.sh): asked for, or offered
	# where the distribution's own drivers are the right ones; it exits
	detect_release
	if [ "$LIS_BUILTIN" != 1 ] && [ "$PLAN_REPLACE" != 1 ] && builtin_is_default; then builtin_offer; fi
	[ "$LIS_BUILTIN" != 1 ] || builtin_install
	check_system
	check_release
	local c
	c=$(conflicting_packages | paste -sd' ')
	[ -z "$c" ] || fail_with "$EX_CONFLICT" "$c is installed and ships the same drivers; remove it first (yum remove $c), then run install.sh again."
	local have medium_v
	have=$(installed_version lis-tools)
	medium_v=$(lis_version)
	if [ -n "$have" ] && [ "$LIS_FORCE" != 1 ] && [ "$(version_cmp "${have%-*}" "$medium_v")" = 1 ]; then
		fail_with "$EX_NEWER" "LIS ${have%-*} is installed, newer than this medium's $medium_v; use upgrade.sh from a newer medium, or --force to go back."
	fi
}

plan() {
	plan_all "$LIS_MEDIUM" "$LIS_KERNEL"
	[ ${#PLAN_KERNELS[@]} -gt 0 ] || fail_with "$EX_UNSUPPORTED" "No kernel${LIS_KERNEL:+ $LIS_KERNEL} is installed here."
	print_plan
	if [ "$PKG_MODE" = none ]; then
		json_report install refused "$EX_UNSUPPORTED"
		fail_with "$EX_UNSUPPORTED" "No installed kernel can use LIS (see the plan); nothing was changed."
	fi
}

preflight() {
	local k need=() n
	for k in ${PLAN_KERNELS[@]+"${PLAN_KERNELS[@]}"}; do
		[ "$(planned_mode "$k")" = ours ] && need+=("$k")
	done
	n=$(need_boot_kb ${need[@]+"${need[@]}"})
	if [ "$(free_kb /boot)" -lt "$n" ]; then
		json_report install refused "$EX_NO_SPACE"
		fail_with "$EX_NO_SPACE" "/boot has $(free_kb /boot) KiB free; LIS needs $n KiB for the new initramfs images."
	fi
	if [ "$(free_kb /lib/modules)" -lt 51200 ]; then
		json_report install refused "$EX_NO_SPACE"
		fail_with "$EX_NO_SPACE" "/lib/modules has $(free_kb /lib/modules) KiB free; LIS needs 50 MiB."
	fi
	if secure_boot_on && ! signing_key_trusted "$LIS_MEDIUM/lis-signing.der"; then
		json_report install refused "$EX_SECUREBOOT"
		fail_with "$EX_SECUREBOOT" "Secure Boot is on and this guest does not trust the LIS module signing key: enroll it with 'mokutil --import $LIS_MEDIUM/lis-signing.der', reboot, confirm the enrollment, then run install.sh again."
	fi
}

main() {
	parse_options install "$@"
	log_open install "$@"
	detect
	plan
	plan_is_done && stop_if_done install already-installed "LIS $(lis_version) is already installed as planned; nothing to do."
	preflight
	dry_run_or_confirm install "Install LIS $(lis_version) as planned?"
	run_plan install
	say "LIS $(lis_version) is installed. Reboot to start the new drivers (the first boot is a trial). The log is $LIS_LOG."
	json_report install installed "$EX_OK"
}

main "$@"
