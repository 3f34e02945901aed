#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Rung: fuzz lis-kabi's readers with libFuzzer (clang, ASan + UBSan), a
# short run of each: the module reader (through the decompressors) and the
# symvers / kABI list reader.  Seeds are generated here: synthetic modules
# of the 3.10 and 6.1 layouts, gzip and xz copies, and heads of real symvers
# files.  FUZZ_SECONDS (default 20) sets each run's length; a crash leaves
# its input in out/tests/fuzz-kabi.*/ (kept when a run fails).
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
cd "$TOP"
SECS=${FUZZ_SECONDS:-20}
# a directory of our own: other sessions may run this rung at the same time
mkdir -p "$OUT/tests"
F=$(mktemp -d "$OUT/tests/fuzz-kabi.XXXXXX")
failed=0
trap '[ "$failed" = 1 ] || [ -n "${KABI_KEEP-}" ] || rm -rf "$F"' EXIT
mkdir -p "$F/elf" "$F/symvers"

build_fuzzers() { make -s -C tools/lis-kabi OUT="$F/build" fuzz >/dev/null; }
check fuzz_targets_build_with_clang_libfuzzer build_fuzzers
[ -x "$F/build/tools/fuzz/kabi-elf-fuzz" ] || exit 0

make_seeds() {
	local mk=$F/mkmod
	cc -std=gnu11 -O2 -o "$mk" tests/kabi/mkmod.c || return 1
	printf 'layout abs\nvermagic 3.10.0-1160.el7.x86_64 SMP mod_unload modversions \nimport 0x27e1a049 printk\nweak foo\nunversioned bar\nexport 0xdeadbeef lis_x EXPORT_SYMBOL\nexport 0x0000abcd lis_y EXPORT_SYMBOL_GPL\n' > "$F/a.spec"
	printf 'layout rel\nimport 0x92997ed8 _printk\nexport 0x12345678 lis_z EXPORT_SYMBOL_GPL NS\nexport 0x9abcdef0 lis_w EXPORT_SYMBOL\n' > "$F/r.spec"
	printf 'layout abs\nnoversions\nunversioned printk\n' > "$F/n.spec"
	"$mk" "$F/a.spec" "$F/elf/abs.ko" && "$mk" "$F/r.spec" "$F/elf/rel.ko" && "$mk" "$F/n.spec" "$F/elf/nov.ko" &&
		gzip -c "$F/elf/rel.ko" > "$F/elf/rel.ko.gz" && xz -c "$F/elf/abs.ko" > "$F/elf/abs.ko.xz" || return 1
	gzip -dc tests/data/kabi/Module.symvers-3.10.0-1160.el7.gz | awk 'NR <= 40' > "$F/symvers/rhel7" &&
		head -n 40 hv-rhel8.x/kabi/Module.kabi_x86_64-rhel8.9 > "$F/symvers/kabi89" &&
		printf '[rhel7_x86_64_stablelist]\n\tprintk\n\tkfree\n' > "$F/symvers/stablelist" &&
		printf '0x4c9d28b0\tphys_base\tvmlinux\tEXPORT_SYMBOL\t\n0x84b45156\tinsert_resource_expand_to_fit\tvmlinux\tEXPORT_SYMBOL_GPL\tCXL\n' > "$F/symvers/debian61" &&
		printf '0xb352177e\tfind_first_bit\tns\tvmlinux\tEXPORT_SYMBOL\n' > "$F/symvers/linux54" &&
		gzip -c "$F/symvers/rhel7" > "$F/symvers/rhel7.gz"
}
check fuzz_seed_corpora_generated make_seeds

# fuzz NAME MAXLEN: run one target for $SECS seconds on its corpus
fuzz() {
	local name=$1 maxlen=$2
	mkdir -p "$F/$name-crashes"
	if ! "$F/build/tools/fuzz/kabi-$name-fuzz" -max_total_time="$SECS" -max_len="$maxlen" \
		-rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$F/$name-crashes/" "$F/$name" > "$F/$name.log" 2>&1; then
		grep -E 'ERROR|SUMMARY|runtime error|deadly' "$F/$name.log" | head -n 10
		echo "inputs and log kept in $F"
		failed=1
		return 1
	fi
}
check "fuzz_module_reader_${SECS}s_no_crash" fuzz elf 131072
check "fuzz_symvers_reader_${SECS}s_no_crash" fuzz symvers 65536
