# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Logging and command execution.  Everything goes to one log file; the user
# sees short sentences.  run() is the only way the library runs a command that
# changes something: it logs the command line and its output, honours
# --dry-run, and returns the command's status for the caller to handle.

# log_open TOOL: the log file for this run (--log FILE wins)
log_open() {
	local tool=$1
	if [ -z "$LIS_LOG" ]; then
		LIS_LOG=$LIS_ROOT/var/log/lis/$tool.log
	fi
	if ! mkdir -p "$(dirname "$LIS_LOG")" 2>/dev/null || ! : >> "$LIS_LOG" 2>/dev/null; then
		LIS_LOG=$(mktemp "${TMPDIR:-/tmp}/lis-$tool.XXXXXX.log") || LIS_LOG=/dev/null
	fi
	log "=== $tool $(lis_version) started: $*"
}

# log MSG...: to the log file only
log() {
	[ -n "$LIS_LOG" ] || return 0
	printf '%s %s\n' "$(date -u +%FT%TZ)" "$*" >> "$LIS_LOG" 2>/dev/null || true
}

# say MSG...: to the user (stderr with --json, so stdout stays machine-readable) and the log
say() {
	log "$*"
	if [ "$LIS_JSON" = 1 ]; then
		printf '%s\n' "$*" >&2
	else
		printf '%s\n' "$*"
	fi
}

warn() {
	log "WARNING: $*"
	printf 'warning: %s\n' "$*" >&2
}

# fail_with CODE MSG...: one clear sentence, the log's place, and the exit code
fail_with() {
	local code=$1
	shift
	log "EXIT $code: $*"
	printf '%s\n' "$*" >&2
	[ -n "$LIS_LOG" ] && [ "$LIS_LOG" != /dev/null ] && printf 'The log is %s.\n' "$LIS_LOG" >&2
	exit "$code"
}

# run CMD...: log and run a command that changes the system; in --dry-run only
# log it.  Returns the command's status; output goes to the log.
run() {
	log "+ $*"
	if [ "$LIS_DRY_RUN" = 1 ]; then
		return 0
	fi
	local rc=0
	"$@" >> "$LIS_LOG" 2>&1 || rc=$?
	[ "$rc" -eq 0 ] || log "  -> exit $rc"
	return "$rc"
}

# query CMD...: run a read-only command (also in --dry-run), its stdout to the
# caller, its stderr to the log.  Returns the command's status.
query() {
	"$@" 2>> "${LIS_LOG:-/dev/null}"
}

lis_version() {
	local v
	for v in "$LISLIB_DIR/../VERSION" "$LISLIB_DIR/VERSION"; do
		if [ -r "$v" ]; then
			tr -d ' \n' < "$v"
			return 0
		fi
	done
	echo unknown
}

# readlines NAME TEXT: the non-empty lines of TEXT into array NAME.  The
# library avoids process substitution (package scriptlets run in roots
# without /proc, and so without /dev/fd) and namerefs (RHEL 7's bash is 4.2).
readlines() {
	local _t
	case $1 in ''|[0-9]*|*[!A-Za-z0-9_]*) return 1 ;; esac
	_t=$(printf '%s\n' "$2" | sed '/^$/d')
	if [ -z "$_t" ]; then
		eval "$1=()"
	else
		mapfile -t "$1" <<< "$_t"
	fi
}
