# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Apply, verify and record a plan, as one transaction: the lock (which also
# tells the package scriptlets to leave the images to us), the blocks, the
# packages, DKMS, then per kernel depmod and a proved image; a failure at
# any step rolls everything back.

declare -A BEFORE_DIGEST=()

# lis_digest KVER: what LIS puts into a kernel (module files, blocks), as one hash
lis_digest() {
	local n p out=""
	while read -r n; do
		[ -n "$n" ] || continue
		p=$(resolve_module "$LIS_ROOT" "$1" "$n")
		[ -n "$p" ] || continue
		out+="$n $p $(sha256sum < "$(rp_file "/lib/modules/$1/$p")" 2>/dev/null)"$'\n'
	done <<< "$(lis_module_names)"
	out+="blocks $(blocked_modules_of | sort | paste -sd' ')"
	printf '%s' "$out" | sha256sum | cut -d' ' -f1
}

# apply_plan: the changes; returns non-zero at the first failure.  Every
# installed kernel whose LIS modules or blocks change gets a proved image,
# also one outside the plan (--kernel) that a package serves as well: no
# kernel is left with an image that no longer matches its modules.
apply_plan() {
	local k f v all
	all=$(installed_kernels)
	for k in $all; do BEFORE_DIGEST[$k]=$(lis_digest "$k"); done
	write_blocks ${PLAN_BLOCKS[@]+"${PLAN_BLOCKS[@]}"} || { warn "cannot write the module blocks"; return 1; }
	if root_uses_rpm; then
		verify_signatures ${PLAN_INSTALL[@]+"${PLAN_INSTALL[@]}"} || { warn "a package's signature does not verify"; return 1; }
		rpm_transaction || { warn "the rpm transaction failed"; return 1; }
	else
		for f in ${PLAN_ERASE[@]+"${PLAN_ERASE[@]}"}; do erase_payload "$f" || return 1; done
		for f in ${PLAN_INSTALL[@]+"${PLAN_INSTALL[@]}"}; do
			replace_payload "$f" || { warn "cannot replace the installed $(rpm_field "$f" '%{NAME}')"; return 1; }
			unpack_payload "$f" || { warn "cannot unpack ${f##*/}"; return 1; }
		done
	fi
	if [ "$PKG_MODE" = dkms ]; then
		v=$(rpm_field "$LIS_DKMS_RPM" '%{VERSION}')
		for k in ${PLAN_KERNELS[@]+"${PLAN_KERNELS[@]}"}; do
			[ "${PLAN_ACTION[$k]}" = dkms ] || continue
			if ! dkms_build_kernel "$v" "$k"; then
				plan_set "$k" intree "the DKMS build failed (see the log)"
			fi
		done
	fi
	for k in $all; do
		depmod_kernel "$k" || { warn "depmod failed for $k"; return 1; }
		if [ -n "${PLAN_ACTION[$k]:-}" ] && [ "$(kernel_mode "$k")" != "$(planned_mode "$k")" ]; then
			warn "$k: expected $(planned_mode "$k") drivers after the packages, found $(kernel_mode "$k")"
			return 1
		fi
		[ "$(lis_digest "$k")" != "${BEFORE_DIGEST[$k]}" ] || continue
		[ -n "${PLAN_ACTION[$k]:-}" ] || say "  $k: not in the plan, but the packages change its drivers too"
		refresh_kernel "$k" "$(kernel_mode "$k")" || return 1
		CHANGED_KERNELS+=("$k")
	done
	return 0
}

# run_plan TOOL: apply the plan under the lock; on failure roll back and exit
CHANGED_KERNELS=()
run_plan() {
	local tool=$1
	lock_take || fail_with "$EX_FAILED" "Another LIS installer is running; nothing was changed."
	if ! apply_plan; then
		if rollback; then
			lock_release
			fail_with "$EX_FAILED" "$tool failed and was rolled back; the system is as it was."
		fi
		lock_release
		fail_with "$EX_ROLLBACK" "$tool failed and the rollback was incomplete; see the log for what is left."
	fi
	if [ "${#CHANGED_KERNELS[@]}" -gt 0 ] && [ "$tool" != uninstall ]; then
		trial_arm ${CHANGED_KERNELS[@]+"${CHANGED_KERNELS[@]}"} || warn "the trial boot could not be armed; the new drivers are the default"
	fi
	commit_saved_packages
	forget_undo
	state_write || warn "cannot write $LIS_STATE"
	lock_release
}
