#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Rung: lis-kabi, the kABI checker.  Against real data: a module built with
# Kbuild for one Debian 6.1 ABI is compatible with its own symvers and not
# with the others (the symbols named match an independent join of
# `modprobe --dump-modversions` with the other symvers); RHEL 7 data
# (synthetic modules from the 3.10.0-1160 symvers, Red Hat's kABI lists);
# corrupt and truncated ELF, compressed and symvers files; plans on
# generated roots, checked against the weak-modules depmod technique.
# The checks run the ASan/UBSan build; two run under valgrind.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
cd "$TOP"
# a directory of our own: other sessions may run this rung at the same time
mkdir -p "$OUT/tests"
KT=$(mktemp -d "$OUT/tests/kabi.XXXXXX")
trap '[ -n "${KABI_KEEP-}" ] || rm -rf "$KT"' EXIT
# shellcheck source=tests/kabi/lib.sh
. "$TOP/tests/kabi/lib.sh"
# shellcheck source=scripts/buildlib.sh
. "$TOP/scripts/buildlib.sh"
export LC_ALL=C
export ASAN_OPTIONS=detect_leaks=1:exitcode=99 UBSAN_OPTIONS=print_stacktrace=1:exitcode=98

check lis_kabi_builds_with_gcc_werror_and_sanitizers build_tools
builds_with_clang() { make -s -C tools/lis-kabi CC=clang OUT="$KT/clang" all >/dev/null; }
check lis_kabi_builds_with_clang_werror builds_with_clang
if [ ! -x "$LK_SAN" ] || [ ! -x "$MKMOD" ]; then
	fail lis_kabi "the build failed; nothing else can run"
	exit 0
fi
K=$LK_SAN
KPLAIN=$LK

# expect RC CMD...: CMD exits RC (stdout in $KT/stdout, stderr in $KT/stderr)
# and no sanitizer spoke
expect() {
	local want=$1 rc=0
	shift
	"$@" > "$KT/stdout" 2> "$KT/stderr" || rc=$?
	if grep -qE 'AddressSanitizer|runtime error|LeakSanitizer' "$KT/stderr"; then
		head -n 20 "$KT/stderr"
		return 1
	fi
	if [ "$rc" -ne "$want" ]; then
		echo "exit $rc, wanted $want: $*"
		head -n 5 "$KT/stderr"
		return 1
	fi
}
said() { grep -q -- "$1" "$KT/stderr" || { echo "stderr lacks: $1"; cat "$KT/stderr"; return 1; }; }
printed() { grep -q -- "$1" "$KT/stdout" || { echo "stdout lacks: $1"; cat "$KT/stdout"; return 1; }; }

# ---- interface ----
help_lists_every_command() {
	expect 0 "$K" --help && for c in check requires provides greylist plan dump; do printed "  $c" || return 1; done
}
check help_lists_every_command help_lists_every_command
man_page_renders_cleanly() {
	local err
	err=$(groff -man -Tutf8 -ww -z tools/lis-kabi/lis-kabi.8 2>&1) || { echo "$err"; return 1; }
	[ -z "$err" ] || { echo "$err"; return 1; }
	grep -q '^\.SH EXIT STATUS' tools/lis-kabi/lis-kabi.8
}
check man_page_renders_without_warnings man_page_renders_cleanly
usage_errors_exit_2() {
	expect 2 "$K" && expect 2 "$K" frobnicate x.ko && expect 2 "$K" check x.ko &&
		expect 2 "$K" check --kernel a --symvers b x.ko && expect 2 "$K" greylist x.ko &&
		expect 2 "$K" plan x.ko && expect 2 "$K" plan --modules-dir /abs
}
check usage_errors_exit_2 usage_errors_exit_2

# ---- real Debian ABIs: a Kbuild module ----
tree_releases() {
	local d
	while read -r d; do
		printf '%s %s\n' "$(kernel_release "$d")" "$d"
	done < <(scripts/kernel-trees.sh)
}
mapfile -t trees < <(tree_releases | sort)
if [ ${#trees[@]} -lt 2 ]; then
	fail kabi_debian_abis "need two kernel trees (CI installs three); found ${#trees[@]}"
else
	read -r krelA kdirA <<< "${trees[0]}"
	M=$KT/mod-$krelA
	check "kbuild_test_module_builds:$krelA" build_testmod "$kdirA" "$M"
	A=$M/lis_kabi_a.ko B=$M/lis_kabi_b.ko

	compatible_with_own_symvers() {
		expect 0 "$K" check --symvers "$kdirA/Module.symvers" "$A" "$B" &&
			printed "^compatible with $kdirA/Module.symvers\$" && printed "lis_kabi_a.ko: ok"
	}
	check "real_module_compatible_with_its_own_symvers:$krelA" compatible_with_own_symvers
	check "kernel_release_finds_the_build_tree_symvers:$krelA" expect 0 "$K" check --kernel "$krelA" "$A" "$B"

	# the oracle: kmod's reading of __versions, joined with the symvers by awk
	oracle_problems() {
		modprobe --dump-modversions "$1" | awk -F'\t' -v sv="$2" '
			BEGIN { while ((getline l < sv) > 0) { split(l, f, "\t"); crc[f[2]] = f[1] } }
			$2 == "lis_kabi_test_fn" { next }
			!($2 in crc) { print "missing " $2; next }
			strtonum(crc[$2]) != strtonum($1) { print "crc " $2 }'
	}
	for t in "${trees[@]:1}"; do
		read -r krelB kdirB <<< "$t"
		names_the_right_symbols() {
			local want
			want=$({ oracle_problems "$A" "$kdirB/Module.symvers"; oracle_problems "$B" "$kdirB/Module.symvers"; } | sort)
			[ -n "$want" ] || { echo "the oracle finds no difference between $krelA and $krelB"; return 1; }
			expect 1 "$K" check --symvers "$kdirB/Module.symvers" "$A" "$B" || return 1
			diff <(sed -n 's/^  \(missing\|crc\) \([^ ]*\) .*/\1 \2/p' "$KT/stdout" | sort) <(printf '%s\n' "$want") &&
				printed "^incompatible with "
		}
		check "real_module_incompatible_with_other_abi_names_right_symbols:$krelA:$krelB" names_the_right_symbols
		case $krelB in
		*cloud*)
			check "cloud_flavour_lacks_snd_card_new:$krelB" printed "missing snd_card_new "
			;;
		esac
	done

	set_provides_its_own_exports() {
		expect 1 "$K" check --symvers "$kdirA/Module.symvers" "$B" && printed "missing lis_kabi_test_fn " &&
			expect 0 "$K" check --symvers "$kdirA/Module.symvers" "$B" "$A"
	}
	check module_set_provides_its_own_exports set_provides_its_own_exports
	imports_match_modprobe() {
		expect 0 "$K" dump "$A" &&
			diff <(sed -n 's/^import \(0x[0-9a-f]*\) \(.*\)/\1 \2/p' "$KT/stdout" | sort) \
				<(modprobe --dump-modversions "$A" | awk -F'\t' '{ printf "0x%08x %s\n", strtonum($1), $2 }' | sort)
	}
	check dump_imports_match_modprobe_dump_modversions imports_match_modprobe
	exports_match_kbuild() {
		expect 0 "$K" dump "$A" &&
			diff <(sed -n 's/^export \(0x[0-9a-f]*\) \([^ ]*\) \([^ ]*\) *\(.*\)/\1\t\2\t\3\t\4/p' "$KT/stdout" | sort) \
				<(awk -F'\t' -v OFS='\t' '{ print $1, $2, $4, $5 }' "$M/Module.symvers" | sort)
	}
	check exports_6_1_layout_match_kbuild_module_symvers exports_match_kbuild
	provides_match_kbuild() {
		expect 0 "$K" provides "$A" "$B" &&
			diff "$KT/stdout" <(awk -F'\t' '{ printf "ksym(%s) = %s\n", $2, $1 }' "$M/Module.symvers" | sort)
	}
	check provides_lines_match_kbuild_module_symvers provides_match_kbuild
	requires_match_generator() {
		expect 0 "$K" requires "$A" "$B" &&
			diff "$KT/stdout" <(for f in "$A" "$B"; do modprobe --dump-modversions "$f"; done |
				awk -F'\t' '{ printf "%s(%s) = 0x%08x\n", $2 == "lis_kabi_test_fn" ? "ksym" : "kernel", $2, strtonum($1) }' |
				sort -u)
	}
	check requires_lines_in_rhel_generator_format requires_match_generator
	if [ ${#trees[@]} -ge 2 ]; then
		read -r krelB kdirB <<< "${trees[1]}"
		requires_against_other_kernel() {
			expect 0 "$K" requires --symvers "$kdirB/Module.symvers" "$A" &&
				diff <(sed -n 's/^ksym(\(.*\)) = .*/\1/p' "$KT/stdout") \
					<(oracle_problems "$A" "$kdirB/Module.symvers" | cut -d' ' -f2 | sort) &&
				[ "$(grep -c '^kernel(' "$KT/stdout")" -eq $(($(modprobe --dump-modversions "$A" | wc -l) -
					$(oracle_problems "$A" "$kdirB/Module.symvers" | wc -l))) ] &&
				said "is not exported by"
		}
		check requires_marks_symbols_the_kernel_lacks_as_ksym_like_rhel requires_against_other_kernel
	fi
	json_is_valid() {
		expect 1 "$K" check --json --symvers "${kdirB:-$kdirA}/Module.symvers" "$A" &&
			python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["compatible"] is False; assert d["modules"][0]["problems"][0]["kind"] in ("crc","missing")' "$KT/stdout" &&
			expect 0 "$K" dump --json "$A" && python3 -m json.tool "$KT/stdout" >/dev/null
	}
	check check_and_dump_json_parse json_is_valid
	valgrind_clean() {
		valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
			"$KPLAIN" check --symvers "${kdirB:-$kdirA}/Module.symvers" "$A" "$B" >/dev/null 2>"$KT/vg" || [ $? -eq 1 ] || { cat "$KT/vg"; return 1; }
		! grep -q '==[0-9]*==' "$KT/vg"
	}
	check valgrind_clean_check_of_real_modules valgrind_clean

	compressed_modules_read() {
		gzip -c "$A" > "$KT/a.ko.gz" && xz -c "$A" > "$KT/a.ko.xz" && zstd -q -c "$A" > "$KT/a.ko.zst" &&
			expect 0 "$K" dump "$A" && sed 1d "$KT/stdout" > "$KT/plain.dump" &&
			expect 0 "$K" dump "$KT/a.ko.gz" && diff <(sed 1d "$KT/stdout") "$KT/plain.dump" &&
			expect 0 "$K" dump "$KT/a.ko.xz" && diff <(sed 1d "$KT/stdout") "$KT/plain.dump" &&
			expect 7 "$K" dump "$KT/a.ko.zst" && said "zstd-compressed"
	}
	check gzip_and_xz_modules_read_zstd_refused_clearly compressed_modules_read
	truncated_never_crash() {
		local size n
		size=$(stat -c %s "$A")
		for n in 1 16 63 64 200 1000 $((size / 2)) $((size - 1)); do
			head -c "$n" "$A" > "$KT/trunc.ko"
			expect 4 "$K" dump "$KT/trunc.ko" || return 1
			grep -qE 'truncated|corrupt|not an ELF file' "$KT/stderr" || { echo "cut at $n: $(cat "$KT/stderr")"; return 1; }
		done
		gzip -c "$A" | head -c 3000 > "$KT/trunc.ko.gz"
		expect 7 "$K" dump "$KT/trunc.ko.gz" && said "truncated gzip"
	}
	check truncated_modules_exit_4_or_7_with_a_sentence truncated_never_crash
	stripped_labels_are_an_error() {
		strip --strip-unneeded -o "$KT/unneeded.ko" "$A" && strip --strip-debug -o "$KT/debug.ko" "$A" &&
			expect 4 "$K" dump "$KT/unneeded.ko" && said "stripped with --strip-unneeded" &&
			expect 0 "$K" provides "$KT/debug.ko" && [ "$(wc -l < "$KT/stdout")" -eq 3 ]
	}
	check exports_of_a_module_stripped_of_its_labels_are_refused stripped_labels_are_an_error
	random_corruption_is_handled() {
		local f rc
		python3 -c '
import random, sys
src = open(sys.argv[1], "rb").read()
for seed in range(40):
    r = random.Random(seed); d = bytearray(src)
    for _ in range(r.randint(1, 20)):
        d[r.randrange(64, len(d))] = r.randrange(256)
    open("%s/flip-%02d.ko" % (sys.argv[2], seed), "wb").write(d)' "$A" "$KT"
		for f in "$KT"/flip-*.ko; do
			rc=0
			"$K" dump "$f" >/dev/null 2>"$KT/stderr" || rc=$?
			case $rc in 0|4) ;; *) echo "$f: exit $rc"; head -n 5 "$KT/stderr"; return 1 ;; esac
		done
	}
	check randomly_corrupted_modules_exit_cleanly random_corruption_is_handled
fi

# ---- bad input ----
printf 'hello\n' > "$KT/text.ko"
: > "$KT/empty.ko"
not_an_elf() { expect 4 "$K" dump "$KT/text.ko" && said "not an ELF file"; }
check not_an_elf_exits_4 not_an_elf
check empty_file_exits_4 expect 4 "$K" dump "$KT/empty.ko"
executable_is_not_a_module() { expect 4 "$K" dump /bin/true && said "not a kernel module"; }
check executable_is_not_a_module_exits_4 executable_is_not_a_module
printf 'layout abs\nnoversions\nunversioned printk\n' > "$KT/nov.spec"
"$MKMOD" "$KT/nov.spec" "$KT/nov.ko"
no_modversions() {
	expect 5 "$K" check --symvers "$RHEL_SYMVERS" "$KT/nov.ko" && said "no modversions" &&
		expect 5 "$K" requires "$KT/nov.ko" && expect 0 "$K" dump "$KT/nov.ko" && printed "^modversions no"
}
check module_without_modversions_exits_5 no_modversions
printf 'layout abs\nimport 0x27e1a049 printk\n' > "$KT/p.spec"
"$MKMOD" "$KT/p.spec" "$KT/p.ko"
missing_symvers() {
	expect 3 "$K" check --symvers "$KT/nonexistent" "$KT/p.ko" && said "cannot open" &&
		expect 3 "$K" check --kernel 0.0.0-none --root "$KT" "$KT/p.ko" && said "no symvers for kernel 0.0.0-none"
}
check unreadable_or_absent_symvers_exits_3 missing_symvers
bad_symvers() {
	local f=$KT/bad.symvers why
	for why in 'garbage' '0xZZ	printk	vmlinux	EXPORT_SYMBOL' '0x1	printk' \
		'0x1	printk	vmlinux	NOT_AN_EXPORT' '0x1	a	b	EXPORT_SYMBOL	ns	extra' \
		'0x11112222333344445	printk	vmlinux	EXPORT_SYMBOL'; do
		printf '0x27e1a049\tprintk\tvmlinux\tEXPORT_SYMBOL\n%s\n' "$why" > "$f"
		expect 6 "$K" check --symvers "$f" "$KT/p.ko" || return 1
		said "bad.symvers:2: malformed line" || return 1
	done
	: > "$f"
	expect 6 "$K" check --symvers "$f" "$KT/p.ko" && said "no symbols"
	printf 'a\0b\n' > "$f"
	expect 6 "$K" check --symvers "$f" "$KT/p.ko" && said "not a text file"
}
check malformed_symvers_exits_6_naming_file_and_line bad_symvers
truncated_gz_symvers() {
	head -c 100000 "$RHEL_SYMVERS" > "$KT/trunc.symvers.gz"
	expect 7 "$K" check --symvers "$KT/trunc.symvers.gz" "$KT/p.ko" && said "truncated gzip"
}
check truncated_gzip_symvers_exits_7 truncated_gz_symvers
symvers_formats_read() {
	printf '0x27e1a049\tprintk\tvmlinux\tEXPORT_SYMBOL\n' > "$KT/f4"
	printf '0x27e1a049\tprintk\tvmlinux\tEXPORT_SYMBOL\t\r\n' > "$KT/f5"
	printf '0x27e1a049\tprintk\t\tvmlinux\tEXPORT_SYMBOL\n' > "$KT/f54"
	printf '0x27e1a049\tprintk\tvmlinux\n' > "$KT/f3"
	for f in f4 f5 f54 f3; do expect 0 "$K" check --symvers "$KT/$f" "$KT/p.ko" || return 1; done
}
check symvers_3_4_5_field_layouts_and_crlf_read symvers_formats_read

# ---- RHEL 7 data ----
S=$RHEL_SYMVERS
L77=hv-rhel7.x/kabi/Module.kabi_x86_64-rhel7.7
# a synthetic module importing 200 symbols of the 3.10.0-1160 symvers
gzip -dc "$S" | awk -F'\t' 'NR % 87 == 0 && length($2) < 56 { print "import " $1 " " $2 }' | head -n 200 > "$KT/imports"
{ echo "layout abs"; echo "vermagic 3.10.0-1160.el7.x86_64 SMP mod_unload modversions "; cat "$KT/imports"; } > "$KT/syn.spec"
"$MKMOD" "$KT/syn.spec" "$KT/syn.ko"
check synthetic_module_from_rhel_1160_symvers_is_compatible expect 0 "$K" check --symvers "$S" "$KT/syn.ko"
flipped_crc_named() {
	local sym
	sym=$(sed -n '57s/^import [^ ]* //p' "$KT/imports")
	awk -v s="$sym" '$1 == "import" && $3 == s { $2 = sprintf("0x%08x", xor(strtonum($2), 1)) } { print }' \
		"$KT/syn.spec" > "$KT/flip.spec"
	"$MKMOD" "$KT/flip.spec" "$KT/flip.ko"
	expect 1 "$K" check --symvers "$S" "$KT/flip.ko" &&
		[ "$(grep -c '^  ' "$KT/stdout")" -eq 1 ] && printed "^  crc $sym "
}
check one_flipped_crc_is_the_one_symbol_named flipped_crc_named
requires_of_synthetic() {
	expect 0 "$K" requires "$KT/syn.ko" &&
		diff "$KT/stdout" <(awk '{ printf "kernel(%s) = 0x%08x\n", $3, strtonum($2) }' "$KT/imports" | sort -u)
}
check requires_of_rhel_module_are_8_digit_lowercase requires_of_synthetic
greylist_rhel77() {
	expect 0 "$K" greylist --kabi "$L77" "$KT/syn.ko" &&
		diff <(cut -f1 "$KT/stdout") <(awk '{ print $3 }' "$KT/imports" | sort -u |
			comm -23 - <(cut -f2 "$L77" | sort -u)) &&
		said "imported kernel symbols are not on the kABI stablelist"
}
check greylist_against_rhel77_names_exactly_the_unlisted_imports greylist_rhel77
greylist_crc_differs() {
	printf 'layout abs\nimport 0x12345678 printk\nimport 0x037a0cba kfree\nimport 0xca606326 scsi_host_alloc\n' > "$KT/g.spec"
	"$MKMOD" "$KT/g.spec" "$KT/g.ko"
	expect 0 "$K" greylist --kabi "$L77" "$KT/g.ko" &&
		printed "^printk	g	crc 0x12345678 kabi 0x27e1a049\$" && ! printed "^kfree" 2>/dev/null &&
		expect 0 "$K" greylist --json --kabi "$L77" "$KT/g.ko" &&
		python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); s={x["symbol"]:x["status"] for x in d["symbols"]}; assert s["printk"]=="crc-differs", s' "$KT/stdout"
}
check greylist_reports_stablelist_symbols_with_another_crc greylist_crc_differs
stablelist_format() {
	printf '[rhel7_x86_64_stablelist]\n\tprintk\n\tkfree\n' > "$KT/stablelist"
	expect 0 "$K" greylist --kabi "$KT/stablelist" "$KT/g.ko" && [ "$(cut -f1 "$KT/stdout")" = scsi_host_alloc ]
}
check kabi_stablelist_format_is_read stablelist_format
kabi_list_as_symvers() {
	awk -F'\t' 'NR % 9 == 0 { print "import " $1 " " $2 }' "$L77" > "$KT/l77.imports"
	{ echo "layout abs"; cat "$KT/l77.imports"; } > "$KT/l77.spec"
	"$MKMOD" "$KT/l77.spec" "$KT/l77.ko"
	expect 0 "$K" check --symvers "$L77" "$KT/l77.ko" && expect 0 "$K" check --symvers "$S" "$KT/l77.ko"
}
check module_on_rhel77_kabi_is_compatible_with_7_9 kabi_list_as_symvers
abs_layout_exports() {
	printf 'layout abs\nexport 0xdeadbeef lis_x EXPORT_SYMBOL\nexport 0x0000abcd lis_y EXPORT_SYMBOL_GPL\n' > "$KT/x.spec"
	"$MKMOD" "$KT/x.spec" "$KT/x.ko"
	expect 0 "$K" provides "$KT/x.ko" &&
		diff "$KT/stdout" <(printf 'ksym(lis_x) = 0xdeadbeef\nksym(lis_y) = 0x0000abcd\n')
}
check exports_3_10_layout_provides_zero_padded abs_layout_exports
replaced_intree_module_shadows_its_symbols() {
	rhel_build "$KT/shadow" "$S"
	printf 'layout abs\nimport 0x%s vmbus_sendpacket\nimport 0x0000beef lis_vmbus_sendpacket\n' \
		"$(crc_of "$S" vmbus_sendpacket | cut -c3-)" > "$KT/nv.spec"
	"$MKMOD" "$KT/nv.spec" "$KT/shadow/hv_netvsc.ko"
	expect 1 "$K" check --symvers "$S" "$KT/shadow/hv_vmbus.ko" "$KT/shadow/hv_netvsc.ko" &&
		printed "missing vmbus_sendpacket " &&
		expect 1 "$K" check --symvers "$S" "$KT/shadow/hv_netvsc.ko" && ! grep -q ' vmbus_sendpacket ' "$KT/stdout"
}
check our_hv_vmbus_hides_the_in_tree_one_symbols replaced_intree_module_shadows_its_symbols

# ---- plan on generated roots ----
R1=$KT/root-rhel
mkdir -p "$R1"
flip_crcs "$S" "$KT/debug.symvers" scsi_host_alloc
flip_crcs "$S" "$KT/rt.symvers" ms_hyperv
make_rhel_root() {
	add_kernel "$R1" 3.10.0-1160.el7.x86_64 "$S" stubs &&
		add_kernel "$R1" 3.10.0-1160.6.1.el7.x86_64 "$S" stubs &&
		add_kernel "$R1" 3.10.0-1160.6.1.el7.x86_64+debug "$KT/debug.symvers" stubs &&
		add_kernel "$R1" 3.10.0-1160.6.1.rt56.1145.el7.x86_64 "$KT/rt.symvers" stubs &&
		mkdir -p "$R1/lib/modules/3.10.0-1127.el7.x86_64/kernel" &&
		rhel_build "$R1/lib/modules/3.10.0-1160.el7.x86_64/extra/lis" "$S"
}
check generated_rhel_root_with_debug_rt_and_symvers_less_kernels make_rhel_root
plan_line() { grep -q "^$1 $2 $3\\( \\|\$\\)" "$KT/stdout" || { echo "no line '$1 $2 $3' in:"; cat "$KT/stdout"; return 1; }; }
plan_rhel() {
	expect 0 "$K" plan --root "$R1" &&
		plan_line 3.10.0-1160.el7.x86_64 exact 3.10.0-1160.el7.x86_64 &&
		plan_line 3.10.0-1160.6.1.el7.x86_64 compatible 3.10.0-1160.el7.x86_64 &&
		plan_line '3.10.0-1160.6.1.el7.x86_64+debug' none - &&
		plan_line 3.10.0-1160.6.1.rt56.1145.el7.x86_64 none - &&
		plan_line 3.10.0-1127.el7.x86_64 none - && printed "1127.el7.x86_64 none - no symvers"
}
check plan_exact_compatible_and_none_for_debug_rt_and_symvers_less plan_rhel
plan_golden() {
	expect 0 "$K" plan --verbose --root "$R1" &&
		diff -u tests/kabi/golden/plan-rhel.txt "$KT/stdout"
}
check plan_verbose_output_matches_golden plan_golden
agrees_with_depmod() {
	local root=$1
	expect 0 "$K" plan --root "$root" &&
		diff <(tests/kabi/weak-modules-depmod.sh "$root") \
			<(while read -r k f b _; do [ -e "$root/boot/symvers-$k.gz" ] && echo "$k $f $b"; done < "$KT/stdout")
}
check plan_agrees_with_weak_modules_depmod_technique:rhel agrees_with_depmod "$R1"
debug_unchecked() {
	expect 0 "$K" plan --json --root "$R1" &&
		python3 -c '
import json, sys
d = {k["kernel"]: k for k in json.load(open(sys.argv[1]))["kernels"]}
dbg = d["3.10.0-1160.6.1.el7.x86_64+debug"]["weak_modules"]
assert dbg["checks"] is False and dbg["covers"] is True, dbg
rt = d["3.10.0-1160.6.1.rt56.1145.el7.x86_64"]
assert rt["weak_modules"]["checks"] is True and not any(l["kept"] for l in rt["weak_modules"]["links"]), rt
assert [p["symbol"] for p in rt["candidates"][0]["problems"]] == ["ms_hyperv"], rt
assert d["3.10.0-1160.el7.x86_64"]["fit"] == "exact" and d["3.10.0-1160.el7.x86_64"]["problems"] == []
' "$KT/stdout"
}
check plan_json_flags_debug_kernel_weak_modules_cannot_check debug_unchecked

R2=$KT/root-newest
make_newest_root() {
	add_kernel "$R2" 3.10.0-1160.6.1.el7.x86_64 "$S" stubs &&
		add_kernel "$R2" 3.10.0-1160.el7.x86_64+debug "$KT/debug.symvers" &&
		rhel_build "$R2/lib/modules/3.10.0-1160.el7.x86_64/extra/lis" "$S" &&
		rhel_build "$R2/lib/modules/3.10.0-1160.el7.x86_64+debug/extra/lis" "$KT/debug.symvers"
}
check generated_root_with_a_build_per_flavour make_newest_root
plan_newest() {
	expect 0 "$K" plan --root "$R2" &&
		plan_line 3.10.0-1160.6.1.el7.x86_64 none - &&
		printed "build 3.10.0-1160.el7.x86_64 fits, but weak-modules links the newest build" &&
		! grep -q '^3.10.0-1160.el7.x86_64 ' "$KT/stdout"
}
check plan_names_the_older_build_weak_modules_passes_over plan_newest
check plan_agrees_with_weak_modules_depmod_technique:newest_build agrees_with_depmod "$R2"

if [ ${#trees[@]} -ge 2 ] && [ -e "${A:-}" ]; then
	R3=$KT/root-debian
	make_debian_root() {
		local t kr kd
		for t in "${trees[@]}"; do
			read -r kr kd <<< "$t"
			add_kernel "$R3" "$kr" "$kd/Module.symvers" stubs || return 1
		done
		mkdir -p "$R3/lib/modules/$krelA/extra/lis" && cp "$A" "$B" "$R3/lib/modules/$krelA/extra/lis/"
	}
	check generated_root_of_the_debian_abis make_debian_root
	plan_debian() {
		local t kr
		expect 0 "$K" plan --root "$R3" && plan_line "$krelA" exact "$krelA" || return 1
		for t in "${trees[@]:1}"; do
			read -r kr _ <<< "$t"
			plan_line "$kr" none - || return 1
		done
	}
	check plan_on_debian_abis_exact_for_own_none_for_others plan_debian
	check plan_agrees_with_weak_modules_depmod_technique:debian agrees_with_depmod "$R3"
	valgrind_plan() {
		valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
			"$KPLAIN" plan --json --verbose --root "$R3" >/dev/null 2>"$KT/vg" || { cat "$KT/vg"; return 1; }
		! grep -q '==[0-9]*==' "$KT/vg"
	}
	check valgrind_clean_plan valgrind_plan
fi
