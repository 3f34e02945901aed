# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Reporting: the plan as sentences (and as JSON with --json), the result.

# json_str TEXT: a JSON string
json_str() {
	local s=$1
	s=${s//\\/\\\\}; s=${s//\"/\\\"}; s=${s//$'\n'/\\n}; s=${s//$'\t'/\\t}
	printf '"%s"' "$s"
}

# print_plan: one line per kernel, then the packages and blocks
print_plan() {
	local k b
	say "Plan for ${DIST_NAME:-this system} ($(lis_version)):"
	for k in ${PLAN_KERNELS[@]+"${PLAN_KERNELS[@]}"}; do
		b=""
		[ -n "${PLAN_BUILD[$k]:-}" ] && b=" [$(basename "${PLAN_BUILD[$k]}" .rpm)]"
		say "  $k: ${PLAN_ACTION[$k]}$b - ${PLAN_REASON[$k]}"
	done
	[ ${#PLAN_INSTALL[@]} -eq 0 ] || say "  install: $(for b in ${PLAN_INSTALL[@]+"${PLAN_INSTALL[@]}"}; do basename "$b" .rpm; done | paste -sd' ')"
	[ ${#PLAN_ERASE[@]} -eq 0 ] || say "  remove: ${PLAN_ERASE[*]-}"
	[ ${#PLAN_REPLACED[@]} -eq 0 ] || say "  replaced by lis-tools (the same daemons, names and paths): ${PLAN_REPLACED[*]-}"
	[ ${#PLAN_BLOCKS[@]} -eq 0 ] || say "  block (unused, not replaced yet): ${PLAN_BLOCKS[*]-}"
	return 0
}

# json_report TOOL RESULT EXIT: the plan and the result on stdout
json_report() {
	[ "$LIS_JSON" = 1 ] || return 0
	local k first=1 f
	printf '{"tool":%s,"version":%s,"result":%s,"exit":%d,' "$(json_str "$1")" "$(json_str "$(lis_version)")" "$(json_str "$2")" "$3"
	printf '"distribution":{"id":%s,"version":%s},' "$(json_str "$DIST_ID")" "$(json_str "$DIST_VERSION")"
	printf '"mode":%s,"kernels":[' "$(json_str "$PKG_MODE")"
	for k in ${PLAN_KERNELS[@]+"${PLAN_KERNELS[@]}"}; do
		[ "$first" = 1 ] || printf ','
		first=0
		f=${PLAN_BUILD[$k]:-}
		printf '{"kernel":%s,"action":%s,"build":%s,"reason":%s}' "$(json_str "$k")" \
			"$(json_str "${PLAN_ACTION[$k]}")" "$(json_str "${f:+$(basename "$f" .rpm)}")" "$(json_str "${PLAN_REASON[$k]}")"
	done
	printf '],"install":['
	first=1
	for f in ${PLAN_INSTALL[@]+"${PLAN_INSTALL[@]}"}; do [ "$first" = 1 ] || printf ','; first=0; json_str "$(basename "$f" .rpm)"; done
	printf '],"remove":['
	first=1
	for f in ${PLAN_ERASE[@]+"${PLAN_ERASE[@]}"}; do [ "$first" = 1 ] || printf ','; first=0; json_str "$f"; done
	printf '],"replaced":['
	first=1
	for f in ${PLAN_REPLACED[@]+"${PLAN_REPLACED[@]}"}; do [ "$first" = 1 ] || printf ','; first=0; json_str "$f"; done
	printf '],"blocks":['
	first=1
	for f in ${PLAN_BLOCKS[@]+"${PLAN_BLOCKS[@]}"}; do [ "$first" = 1 ] || printf ','; first=0; json_str "$f"; done
	printf '],"log":%s}\n' "$(json_str "$LIS_LOG")"
}
