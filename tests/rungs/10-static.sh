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

# Our files carry an SPDX line and nothing else of the kind: a copyright
# notice or an author list in a file means its text came from elsewhere
# (LICENSE is the GPL's own text).  The rule must find a sample header.
OWN_HEADER_RE='copyright[[:space:]]*\(c\)|^[[:space:]/*#;-]*authors?[[:space:]]*:'
code_is_our_own() {
	printf '/*\n * %s (C) 2001 Somebody\n */\n' Copyright | grep -qiE "$OWN_HEADER_RE" || { echo "the rule misses a sample"; return 1; }
	printf '# Authors: Somebody\n' | grep -qiE "$OWN_HEADER_RE" || { echo "the rule misses a sample"; return 1; }
	! git grep -nIiE "$OWN_HEADER_RE" -- ':!*.md' ':!LICENSE'
}
check no_text_carried_over_from_other_projects code_is_our_own

# What runs on the guest runs under RHEL 7's bash 4.2 with `set -u`: no
# namerefs, `wait -n`, ${x@Q} or inherit_errexit (bash 4.3/4.4), and no
# array expansion that bash before 4.4 calls unbound when the array is
# empty ("${a[@]}" must be written ${a[@]+"${a[@]}"}, ${a[*]} as ${a[*]-}).
# This machine has no bash 4.2 to run them with, so the rule is read here.
bash42_rules() { # FILE...
	perl -ne '
		next if /^\s*#/;
		my $l = $_;
		$l =~ s/\$\{(\w+)\[@\]\+"\$\{\1\[@\](:\d+)?\}"\}//g;
		my @why;
		push @why, "nameref (bash 4.3)" if $l =~ /\b(local|declare|typeset)\s+-\w*n\w*\s/;
		push @why, "wait -n (bash 4.3)" if $l =~ /\bwait\s+-n\b/;
		push @why, "\${var\@op} (bash 4.4)" if $l =~ /\$\{\w+\@[QEPAaKku]\}/;
		push @why, "inherit_errexit or mapfile -d (bash 4.4)" if $l =~ /inherit_errexit|\b(mapfile|readarray)\b[^|;]*\s-d\b/;
		while ($l =~ /\$\{!?(\w+)\[[@*]\](?![+-]|:[+-])/g) {
			push @why, "\${$1\[\@\]} unbound when empty under set -u (bash < 4.4)" unless $1 eq "PIPESTATUS";
		}
		print "$ARGV:$.: $_\n" for @why;
		$bad = 1 if @why;
		close ARGV if eof;
		END { exit($bad ? 1 : 0) }' "$@"
}
guest_shell_is_bash42_safe() {
	local f files=()
	for f in install.sh upgrade.sh uninstall.sh lislib/*.sh lislib/hooks/* tools/lis-status/lis-status; do
		case $f in *.sh) ;; *) head -n 1 "$f" | grep -qE '^#!.*\b(ba)?sh\b' || continue ;; esac
		files+=("$f")
	done
	bash42_rules "${files[@]}"
}
check guest_shell_runs_under_rhel7_bash_4_2 guest_shell_is_bash42_safe

# the rule itself finds what it is there for
bash42_rules_bite() {
	local t
	t=$(mktemp) || return 1
	# shellcheck disable=SC2016  # the text is a test input
	printf '%s\n' 'f() { local -n x=$1; }' 'for a in "${list[@]}"; do :; done' 'echo "${list[*]}"' \
		'wait -n' 'for a in ${ok[@]+"${ok[@]}"}; do :; done' 'echo "${ok[*]-}" ${#ok[@]} "${PIPESTATUS[@]}"' > "$t"
	local out
	out=$(bash42_rules "$t") && { rm -f "$t"; echo "nothing found"; return 1; }
	rm -f "$t"
	[ "$(grep -c . <<< "$out")" = 4 ] || { echo "want 4 findings, got: $out"; return 1; }
}
check bash42_rule_finds_namerefs_wait_n_and_unguarded_arrays bash42_rules_bite
