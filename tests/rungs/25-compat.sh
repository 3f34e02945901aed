#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Rung: the kernel-compat probe runner itself, against one real kernel tree:
# grouped probing gives the same answers as compiling each probe alone,
# errors are charged to the right probe (also when they surface in a kernel
# header), export tags are checked, required probes stop the build with a
# sentence, and the cache is used until a probe or the tree changes.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
cd "$TOP"

trees=$(scripts/kernel-trees.sh)
kdir=${trees%%$'\n'*}
if [ -z "$kdir" ]; then
	fail compat "no kernel tree found (make deps installs one)"
	exit 0
fi
krel=$(. scripts/buildlib.sh && kernel_release "$kdir")
T=$OUT/tests/compat
rm -rf "$T"
mkdir -p "$T/probes/grp" "$T/probes/other"
RP=kernel-compat/run-probes

# a small probe set with known answers
cat > "$T/probes/grp/good_kmalloc.c" <<'P'
/* SPDX-License-Identifier: GPL-2.0 */
/* 2.6: kmalloc() (always present) */
#include <linux/slab.h>
LIS_PROBE(good_kmalloc)
{
	kfree(kmalloc(16, GFP_KERNEL));
}
P
cat > "$T/probes/grp/bad_undeclared.c" <<'P'
/* SPDX-License-Identifier: GPL-2.0 */
/* 99.0: a function no kernel has */
#include <linux/slab.h>
LIS_PROBE(bad_undeclared)
{
	lis_no_such_function_anywhere(1);
}
P
cat > "$T/probes/grp/bad_in_header.c" <<'P'
/* SPDX-License-Identifier: GPL-2.0 */
/* 99.0: wrong use of a kernel macro: the error is reported inside a header */
#include <linux/kernel.h>
#include <linux/list.h>
LIS_PROBE(bad_in_header)
{
	int not_a_list = 0;
	struct list_head *l = container_of(&not_a_list, struct list_head, next);

	LIS_PROBE_USE(l);
}
P
cat > "$T/probes/other/good_export.c" <<'P'
/* SPDX-License-Identifier: GPL-2.0 */
/* 2.6: kfree is exported
 * lis-export: kfree */
#include <linux/slab.h>
LIS_PROBE(good_export)
{
	kfree(NULL);
}
P
cat > "$T/probes/other/bad_export.c" <<'P'
/* SPDX-License-Identifier: GPL-2.0 */
/* 99.0: compiles, but the named symbol is not exported
 * lis-export: lis_symbol_nobody_exports */
#include <linux/printk.h>
LIS_PROBE(bad_export)
{
	pr_info("y\n");
}
P
# a probe that compiles alone but leaves the translation unit poisoned for
# the next one, whose errors then surface inside a kernel header
mkdir -p "$T/probes/poison"
cat > "$T/probes/poison/a_poisoner.c" <<'P'
/* SPDX-License-Identifier: GPL-2.0 */
/* 99.0: compiles alone, breaks whatever includes linux/types.h after it */
#define u32 short
LIS_PROBE(a_poisoner)
{
}
P
cat > "$T/probes/poison/b_victim.c" <<'P'
/* SPDX-License-Identifier: GPL-2.0 */
/* 2.6: kmalloc(), present everywhere; fails only after a_poisoner */
#include <linux/slab.h>
LIS_PROBE(b_victim)
{
	kfree(kmalloc(8, GFP_KERNEL));
}
P
printf 'HAVE_LINUX_SLAB_H linux/slab.h\nHAVE_LIS_NO_SUCH_H linux/lis-no-such-header.h\n' > "$T/probes/headers.list"
printf 'modA HAVE_GOOD_KMALLOC the allocator\nmodB HAVE_BAD_UNDECLARED|HAVE_BAD_IN_HEADER the imaginary API\n' > "$T/required"

have() { grep -q "^#define HAVE_$1 1\$" "$2/compat_autoconf.h"; }
lacks() { grep -q "^/\\* #undef HAVE_$1 \\*/\$" "$2/compat_autoconf.h"; }

answers_are_right() {
	local o=$T/out1
	"$RP" --kdir "$kdir" --out "$o" --probes "$T/probes" --required "$T/required" --modules modA >/dev/null &&
	have GOOD_KMALLOC "$o" && lacks BAD_UNDECLARED "$o" && lacks BAD_IN_HEADER "$o" &&
	have GOOD_EXPORT "$o" && lacks BAD_EXPORT "$o" && have LINUX_SLAB_H "$o" && lacks LIS_NO_SUCH_H "$o"
}
check "probe_runner_charges_each_error_to_its_probe:$krel" answers_are_right

# errors that only surface in a header are not the probe's own: decided alone
victim_is_decided_alone() {
	have A_POISONER "$T/out1" && have B_VICTIM "$T/out1" &&
		grep -q 'one_b_victim' "$T/out1/probe.log"
}
check "header_errors_from_another_probe_are_decided_alone:$krel" victim_is_decided_alone

required_stops_with_sentence() {
	local o=$T/out1 msg rc=0
	msg=$("$RP" --kdir "$kdir" --out "$o" --probes "$T/probes" --required "$T/required" --modules "modA modB" 2>&1 >/dev/null) || rc=$?
	[ "$rc" -eq 2 ] && grep -q "kernel $krel lacks the imaginary API" <<< "$msg" &&
		grep -q "which modB needs" <<< "$msg"
}
check required_probe_failure_names_kernel_api_and_module required_stops_with_sentence

cache_is_used_until_a_probe_changes() {
	local o=$T/out1 out
	out=$("$RP" --kdir "$kdir" --out "$o" --probes "$T/probes" --required "$T/required" --modules modA)
	grep -q cached <<< "$out" || return 1
	echo "/* changed */" >> "$T/probes/grp/good_kmalloc.c"
	out=$("$RP" --kdir "$kdir" --out "$o" --probes "$T/probes" --required "$T/required" --modules modA)
	! grep -q cached <<< "$out"
}
check probe_cache_hit_then_reprobe_on_change cache_is_used_until_a_probe_changes

grouped_equals_singles() {
	"$RP" --kdir "$kdir" --out "$T/grouped" --modules hv_vmbus >/dev/null || true
	"$RP" --kdir "$kdir" --out "$T/singles" --singles --modules hv_vmbus >/dev/null || true
	diff <(grep HAVE_ "$T/grouped/compat_autoconf.h") <(grep HAVE_ "$T/singles/compat_autoconf.h")
}
check "grouped_probes_agree_with_one_compile_per_probe:$krel" grouped_equals_singles
