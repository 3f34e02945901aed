# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# State under /var/lib/lis/: what is installed and how each kernel is served
# (state), and the journal of the running transaction, from which a failure
# is rolled back.  The lock file also tells the package scriptlets that the
# installer will do the images itself.

LIS_STATE=/var/lib/lis/state
LIS_JOURNAL=/var/lib/lis/journal

# lock_take TOOL: one installer at a time; the scriptlets defer to it
lock_take() {
	mkdir -p "$(rp /var/lib/lis)" || return 1
	if [ -e "$(rp /var/lib/lis/installer.lock)" ]; then
		local pid
		pid=$(cat "$(rp /var/lib/lis/installer.lock)" 2>/dev/null || true)
		if [ -n "$pid" ] && [ -z "$LIS_ROOT" ] && kill -0 "$pid" 2>/dev/null; then
			log "another LIS installer (pid $pid) is running"
			return 1
		fi
		log "removing a stale lock (pid $pid)"
	fi
	echo "$$" > "$(rp /var/lib/lis/installer.lock)"
	: > "$(rp "$LIS_JOURNAL")"
	# copies a killed run kept for its rollback are no use without its journal
	rm -rf "$(rp /var/lib/lis/undo)"
}

lock_release() {
	rm -f "$(rp /var/lib/lis/installer.lock)" "$(rp "$LIS_JOURNAL")"
	# a first install that was rolled back leaves no empty state directories
	rmdir "$(rp /var/lib/lis/packages)" "$(rp /var/lib/lis)" 2>/dev/null || true
}

# journal_add KIND VALUE: record one step of the transaction
journal_add() {
	[ "$LIS_DRY_RUN" = 1 ] && return 0
	local j
	j=$(rp "$LIS_JOURNAL")
	[ -d "${j%/*}" ] || return 0
	printf '%s %s\n' "$1" "$2" >> "$j"
}

journal_get() {
	local j
	j=$(rp "$LIS_JOURNAL")
	[ -r "$j" ] || return 0
	sed -n "s/^$1 //p" "$j"
}

journal_has() { journal_get "$1" | grep -q "^$2"; }

# state_write: the state file (key value lines), from what is installed now
state_write() {
	local k f
	[ "$LIS_DRY_RUN" = 1 ] && return 0
	f=$(rp "$LIS_STATE")
	mkdir -p "${f%/*}" || return 1
	{
		printf 'version %s\n' "$(lis_version)"
		printf 'mode %s\n' "${PKG_MODE:-none}"
		printf 'replace %s\n' "${PLAN_REPLACE:-0}"
		for k in $(installed_kernels); do
			printf 'kernel %s %s\n' "$k" "$(kernel_mode "$k")"
		done
		for k in $(installed_lis_packages); do
			printf 'package %s %s\n' "$k" "$(installed_version "$k")"
		done
		# RHEL's daemon packages lis-tools replaced (uninstall.sh says how
		# to get them back), this run's and earlier runs'
		for k in ${PLAN_REPLACED[@]+"${PLAN_REPLACED[@]}"}; do printf 'replaced %s\n' "$k"; done
		[ ! -r "$f" ] || grep '^replaced ' "$f" || true
	} | awk '!seen[$0]++' > "$f.new" && mv -f "$f.new" "$f"
}

# state_get KEY: the first value of KEY in the state file
state_get() {
	[ -r "$(rp "$LIS_STATE")" ] || return 0
	sed -n "s/^$1 //p" "$(rp "$LIS_STATE")" | head -n 1
}

# rollback: undo the journal in reverse order of kind: images, blocks, DKMS,
# packages, unpacked payloads.  Returns non-zero when something could not be undone.
rollback() {
	local ok=0 v kernels
	say "Rolling back."
	while read -r v; do
		[ -n "$v" ] || continue
		restore_image "$v" || { warn "cannot restore $v"; ok=1; }
	done <<< "$(journal_get image | tac)"
	while read -r v; do
		[ -n "$v" ] || continue
		restore_file "$v" || ok=1
	done <<< "$(journal_get file | tac)"
	while read -r v; do
		[ -n "$v" ] || continue
		LIS_DEFER_IMAGES=1 run_in_root dkms remove -m lis -v "${v% *}" -k "${v#* }" || ok=1
	done <<< "$(journal_get dkms | tac)"
	if [ -n "$(journal_get rpm)" ]; then
		undo_rpm_transaction || ok=1
	fi
	while read -r v; do
		[ -n "$v" ] || continue
		remove_payload "$v" || ok=1
	done <<< "$(journal_get unpacked | tac)"
	while read -r v; do
		[ -n "$v" ] || continue
		restore_payload "$v" || { warn "cannot put the erased $v back"; ok=1; }
	done <<< "$(journal_get erased | tac)"
	restore_manifest || ok=1
	[ "$ok" = 1 ] || rm -rf "$(rp /var/lib/lis/undo)"
	# the module indexes: of every kernel when modules came or went, else
	# of those this run re-indexed (none on the built-in initramfs-tools path)
	if [ -n "$(journal_get dkms)$(journal_get rpm)$(journal_get unpacked)$(journal_get erased)" ]; then
		kernels=$(installed_kernels)
	else
		kernels=$(journal_get depmod | sort -u)
	fi
	for v in $kernels; do
		depmod_kernel "$v" || ok=1
	done
	return "$ok"
}

# write_file PATH CONTENT: replace a configuration file, keeping its old content for rollback
write_file() {
	local p=$1 f
	f=$(rp "$p")
	[ "$LIS_DRY_RUN" = 1 ] && { log "would write $p"; return 0; }
	mkdir -p "${f%/*}" || return 1
	if [ -e "$f" ]; then cp -p "$f" "$f.lis-undo" || return 1; else rm -f "$f.lis-undo"; fi
	journal_add file "$p"
	printf '%s\n' "$2" > "$f.new" && mv -f "$f.new" "$f"
}

# remove_file PATH: remove a file of ours, keeping it for rollback
remove_file() {
	local f
	f=$(rp "$1")
	[ -e "$f" ] || return 0
	[ "$LIS_DRY_RUN" = 1 ] && { log "would remove $1"; return 0; }
	cp -p "$f" "$f.lis-undo" || return 1
	journal_add file "$1"
	rm -f "$f"
}

restore_file() {
	local f
	f=$(rp "$1")
	if [ -e "$f.lis-undo" ]; then
		mv -f "$f.lis-undo" "$f"
	else
		rm -f "$f"
	fi
}

# forget_undo: the transaction is committed; drop the rollback copies
forget_undo() {
	local v
	while read -r v; do
		[ -n "$v" ] || continue
		rm -f "$(rp "$v").lis-undo"
	done <<< "$(journal_get file)"
	rm -rf "$(rp /var/lib/lis/undo)"
}
