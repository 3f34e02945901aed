# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2034  # the EX_* codes and DIST_* facts are used by the sourcing scripts
# shellcheck shell=bash
#
# The LIS shell library: sourced (never run) by install.sh, upgrade.sh,
# uninstall.sh, the package scriptlets, the kernel-update hooks and the
# trial-boot health check.  One copy of every step: logging, running a command
# with its failure handled, the target root, detection, planning, packages,
# initramfs images, boot, state.
#
# Installed as /usr/share/lis/lislib/; on the ISO as lislib/ beside the scripts.
#
# Globals (UPPER_CASE, set by the entry scripts or their defaults here):
#   LIS_ROOT     target root ("" is the running system; --root DIR)
#   LIS_LOG      the one log file (/var/log/lis/<tool>.log in the root)
#   LIS_DRY_RUN  1: plan only, change nothing
#   LIS_JSON     1: machine-readable output on stdout, prose on stderr
#   LIS_YES      1: do not ask

LISLIB_DIR=${LISLIB_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
LIS_ROOT=${LIS_ROOT:-}
LIS_LOG=${LIS_LOG:-}
LIS_DRY_RUN=${LIS_DRY_RUN:-0}
LIS_JSON=${LIS_JSON:-0}
LIS_YES=${LIS_YES:-0}

# Exit codes, shared by the three scripts (documented in their --help and in
# docs/installer.md).  A refusal (3-10) changes nothing.
EX_OK=0            # done, nothing to do, or --dry-run
EX_FAILED=1        # a step failed; everything was rolled back
EX_USAGE=2         # bad command line
EX_NOT_ROOT=3      # not run as root
EX_UNSUPPORTED=4   # distribution, release, architecture or kernels not supported
EX_ISOLATED=5      # SNP/TDX isolated guest
EX_NO_SPACE=6      # too little free space in /boot or /lib/modules
EX_SECUREBOOT=7    # Secure Boot is on and our signing key is not trusted
EX_NEWER=8         # a newer LIS is installed (use --force)
EX_CONFLICT=9      # another Hyper-V driver package is installed
EX_MEDIUM=10       # the ISO's files do not match SHA256SUMS
EX_ROLLBACK=11     # a step failed and the rollback was incomplete (see the log)
EX_DECLINED=12     # the plan was not confirmed

for _lis_part in log root detect kabi gate plan initramfs pkg boot state report cli apply builtin; do
	# shellcheck source=/dev/null
	. "$LISLIB_DIR/$_lis_part.sh"
done
unset _lis_part
