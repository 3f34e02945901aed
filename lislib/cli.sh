# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2034  # globals shared with the sourcing scripts
# shellcheck shell=bash
#
# The command line the three entry scripts share, and the checks every one
# of them makes before it plans anything.

LIS_KERNEL="" LIS_FORCE=0 LIS_MEDIUM=${LIS_MEDIUM:-} LIS_BUILTIN=0

# parse_options TOOL ARGS...: the common options (--help prints the script's header)
parse_options() {
	local tool=$1
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		-h|--help) usage_of "$tool"; exit "$EX_OK" ;;
		-n|--dry-run) LIS_DRY_RUN=1 ;;
		-y|--yes) LIS_YES=1 ;;
		--json) LIS_JSON=1 ;;
		--force) LIS_FORCE=1 ;;
		--replace) [ "$tool" = install ] || usage_error "--replace is an install.sh option"; PLAN_REPLACE=1 ;;
		--enable-builtin) [ "$tool" = install ] || usage_error "--enable-builtin is an install.sh option"; LIS_BUILTIN=1 ;;
		--kernel) [ $# -ge 2 ] || usage_error "--kernel needs a kernel release"; LIS_KERNEL=$2; shift ;;
		--root) [ $# -ge 2 ] || usage_error "--root needs a directory"; LIS_ROOT=$(cd "$2" 2>/dev/null && pwd) ||
			usage_error "--root $2 is not a directory"; [ "$LIS_ROOT" != / ] || LIS_ROOT=""; shift ;;
		--log) [ $# -ge 2 ] || usage_error "--log needs a file"; LIS_LOG=$2; shift ;;
		--medium) [ $# -ge 2 ] || usage_error "--medium needs a directory"; LIS_MEDIUM=$2; shift ;;
		*) usage_error "unknown option $1" ;;
		esac
		shift
	done
	[ "$LIS_BUILTIN" != 1 ] || [ "$PLAN_REPLACE" != 1 ] || usage_error "--enable-builtin and --replace exclude each other"
}

usage_error() {
	printf '%s\nTry --help.\n' "$*" >&2
	exit "$EX_USAGE"
}

# usage_of TOOL: the entry script's header comment is its --help
usage_of() {
	local f=$LISLIB_DIR/../$1.sh
	[ -r "$f" ] || f=$0
	sed -n '3,/^set -e/p' "$f" | sed -e '/^set -e/d' -e 's/^# \{0,1\}//'
}

# confirm QUESTION: yes with --yes; otherwise ask on a terminal, refuse without one
confirm() {
	[ "$LIS_YES" = 1 ] && return 0
	if [ ! -t 0 ]; then
		say "Not confirmed: no terminal to ask on (use --yes)."
		return 1
	fi
	local a
	read -r -p "$1 [y/N] " a || return 1
	case $a in y|Y|yes|YES) return 0 ;; esac
	return 1
}

# stop_if_done TOOL RESULT MESSAGE: a no-op run says so and exits 0
stop_if_done() {
	say "$3"
	json_report "$1" "$2" "$EX_OK"
	exit "$EX_OK"
}

# dry_run_or_confirm TOOL QUESTION: --dry-run stops after the plan; else ask
dry_run_or_confirm() {
	[ "$LIS_DRY_RUN" = 1 ] && stop_if_done "$1" dry-run "Dry run: nothing was changed."
	if ! confirm "$2"; then
		json_report "$1" declined "$EX_DECLINED"
		fail_with "$EX_DECLINED" "Not confirmed; nothing was changed."
	fi
}

# check_root_user: everything here needs root (rpm, chroot, /boot)
check_root_user() {
	[ "$(id -u)" -eq 0 ] || fail_with "$EX_NOT_ROOT" "LIS must be run as root (try sudo)."
}

# check_medium: the medium's files match SHA256SUMS, before anything is touched
check_medium() {
	[ -n "$LIS_MEDIUM" ] || LIS_MEDIUM=$(cd "$LISLIB_DIR/.." && pwd)
	LIS_MEDIUM=$(cd "$LIS_MEDIUM" 2>/dev/null && pwd) || fail_with "$EX_MEDIUM" "The LIS medium $LIS_MEDIUM cannot be read."
	[ -r "$LIS_MEDIUM/SHA256SUMS" ] ||
		fail_with "$EX_MEDIUM" "The LIS medium has no SHA256SUMS; copy the ISO again."
	local bad
	if ! bad=$(cd "$LIS_MEDIUM" && sha256sum --quiet -c SHA256SUMS 2>&1); then
		log "$bad"
		fail_with "$EX_MEDIUM" "The LIS medium is damaged: $(printf '%s' "$bad" | head -n 1). Copy the ISO again."
	fi
	log "medium $LIS_MEDIUM: every file matches SHA256SUMS"
}

# check_system TOOL: the refusals that apply to every script (nothing changed yet)
check_system() {
	local arch
	detect_release
	arch=$(detect_arch)
	case $arch in
	x86_64) ;;
	*) fail_with "$EX_UNSUPPORTED" "LIS supports x86_64 guests only; this one is $arch." ;;
	esac
	if isolated_guest; then
		fail_with "$EX_ISOLATED" "This is an isolated (SNP/TDX) guest; LIS cannot run there: keep the in-tree drivers."
	fi
}

# check_release: supported distributions for install.sh
check_release() {
	if is_rhel_family; then
		case $DIST_MAJOR in
		7|8) ;;
		"") fail_with "$EX_UNSUPPORTED" "Cannot tell which release this is (no /etc/os-release or release file)." ;;
		*) fail_with "$EX_UNSUPPORTED" "${DIST_NAME:-$DIST_ID $DIST_VERSION} is not supported: LIS covers RHEL, CentOS and Oracle Linux 7.0-7.9 and 8.0-8.10; release $DIST_MAJOR keeps its in-tree drivers." ;;
		esac
	elif [ -z "$DIST_ID" ]; then
		fail_with "$EX_UNSUPPORTED" "Unknown distribution (no /etc/os-release): LIS does not know how to install here."
	elif [ "$PLAN_REPLACE" != 1 ]; then
		fail_with "$EX_UNSUPPORTED" "${DIST_NAME:-$DIST_ID} ships the Hyper-V drivers in its kernel, and they are the right ones; to replace them with LIS anyway (built with DKMS) run install.sh --replace."
	fi
}
