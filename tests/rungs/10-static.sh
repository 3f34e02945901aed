#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Rung 1, static: shellcheck over every shell file, and the rules that keep
# the architecture true (no kernel-version tests in drivers, probes that
# explain themselves, the build never reads the host's release files, our
# code is our own).
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
cd "$TOP"

if command -v shellcheck >/dev/null 2>&1; then
	while read -r f; do
		check "shellcheck:$f" shellcheck -x -P SCRIPTDIR "$f"
	done < <(shell_files)
else
	fail shellcheck "shellcheck is not installed (make deps)"
fi

no_version_tests() {
	! grep -rnE 'LINUX_VERSION_CODE|RHEL_RELEASE_CODE|KERNEL_VERSION *\(|RHEL_MAJOR|RHEL_MINOR' \
		drivers kernel-compat/include kernel-compat/selftest hostsim 2>/dev/null
}
check drivers_test_have_macros_not_kernel_versions no_version_tests

probes_explain_themselves() {
	local f n bad=0
	for f in kernel-compat/probes/*/*.c; do
		n=${f##*/}; n=${n%.c}
		grep -q 'SPDX-License-Identifier: GPL-2.0' "$f" || { echo "$f: no SPDX line"; bad=1; }
		# the first comment names the upstream version of the change
		sed -n '2,6p' "$f" | grep -qE '[0-9]+\.[0-9]+' || { echo "$f: first comment names no kernel version"; bad=1; }
		grep -q "^LIS_PROBE($n)" "$f" || { echo "$f: no LIS_PROBE($n)"; bad=1; }
	done
	return "$bad"
}
check probes_name_the_kernel_change probes_explain_themselves

build_ignores_host_release() {
	! grep -rnE '/etc/(os|redhat|centos|oracle|system)-release' \
		scripts kernel-compat hv-rhel7.x hv-rhel8.x hv-generic drivers Makefile 2>/dev/null
}
check build_never_reads_host_release_files build_ignores_host_release

code_is_our_own() {
	! git grep -nI -E 'Copyright \(c\) 20(09|10|11|12), Microsoft|K\. Y\. Srinivasan|Haiyang Zhang <|Hank Janssen|Copyright \(c\) [0-9]{4} Microsoft Corp' -- ':!*.md' ':!tests/rungs/10-static.sh'
}
check no_text_carried_over_from_other_projects code_is_our_own
