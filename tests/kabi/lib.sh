# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # its variables are for the scripts that source it
#
# Fixtures for the lis-kabi rung and benchmark (sourced): the tool builds,
# the Kbuild test module, synthetic modules (tests/kabi/mkmod.c), and
# generated roots with several kernels.  Everything lands under $KT, a
# directory of its own per run (others may run the same rung in the same
# tree at the same time), tools included ($KT/build/tools).
KABI_TOP=${LIS_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
KABI_OUT=${OUT:-$KABI_TOP/out}
KT=${KT:-$KABI_OUT/tests/kabi}
MKMOD=$KT/mkmod
LK_SAN=$KT/build/tools/lis-kabi-san
LK=$KT/build/tools/lis-kabi
RHEL_SYMVERS=$KABI_TOP/tests/data/kabi/Module.symvers-3.10.0-1160.el7.gz

# build_tools: lis-kabi (plain and sanitized) and mkmod, under $KT/build
build_tools() {
	make -s -C "$KABI_TOP/tools/lis-kabi" OUT="$KT/build" all sanitize >/dev/null &&
		mkdir -p "$KT" &&
		cc -std=gnu11 -Wall -Wextra -Werror -O2 -o "$MKMOD" "$KABI_TOP/tests/kabi/mkmod.c"
}

# build_testmod KDIR DEST: the Kbuild test modules for one kernel tree
build_testmod() {
	local kdir=$1 dest=$2
	rm -rf "$dest"
	mkdir -p "$dest"
	cp "$KABI_TOP"/tests/kabi/testmod/* "$dest/"
	make -s -C "$kdir" M="$dest" W=1 modules > "$dest/build.log" 2>&1 || {
		cat "$dest/build.log" >&2
		return 1
	}
	! grep -E ': warning:|^WARNING: ' "$dest/build.log" >&2
}

# symvers_text FILE: a symvers file's text, gzip or plain
symvers_text() {
	case $1 in
	*.gz) gzip -dc "$1" ;;
	*) cat "$1" ;;
	esac
}

# stub_tree ROOT KVER SYMVERS: one stub module per in-tree module named in
# the symvers, exporting its symbols with their CRCs, under
# ROOT/lib/modules/KVER/kernel/ (depmod, unlike lis-kabi, needs the files)
stub_tree() {
	local root=$1 kver=$2 symvers=$3
	symvers_text "$symvers" | awk -F'\t' -v dir="$root/lib/modules/$kver/kernel" '
		$3 != "vmlinux" && $3 != "" {
			m = $3; t = $4
			if (t !~ /^EXPORT_/) { m = $4; t = $5 }
			if (!(m in seen)) { seen[m] = 1; order[++n] = m }
			body[m] = body[m] "export " $1 " " $2 " " t "\n"
		}
		END {
			for (i = 1; i <= n; i++) {
				m = order[i]
				print "module " dir "/" m ".ko"
				print "layout rel"
				printf "%s", body[m]
			}
		}' > "$root/stubs-$kver.spec"
	sed -n 's|^module \(.*\)/[^/]*$|\1|p' "$root/stubs-$kver.spec" | sort -u | xargs -r -d '\n' mkdir -p
	"$MKMOD" "$root/stubs-$kver.spec"
	rm -f "$root/stubs-$kver.spec"
}

# add_kernel ROOT KVER SYMVERS [stubs]: an installed kernel in a generated
# root: /boot/symvers-KVER.gz, /boot/vmlinuz-KVER and its modules directory
add_kernel() {
	local root=$1 kver=$2 symvers=$3
	mkdir -p "$root/boot" "$root/lib/modules/$kver/kernel"
	: > "$root/boot/vmlinuz-$kver"
	symvers_text "$symvers" | gzip -n > "$root/boot/symvers-$kver.gz"
	[ "${4-}" = stubs ] && stub_tree "$root" "$kver" "$symvers"
	return 0
}

# flip_crcs SYMVERS OUT SYM...: a copy of SYMVERS (plain text) in which each
# named symbol has another CRC, as a kernel variant with its own CRCs
flip_crcs() {
	local in=$1 out=$2
	shift 2
	symvers_text "$in" | awk -F'\t' -v OFS='\t' -v list="$*" '
		BEGIN { n = split(list, a, " "); for (i = 1; i <= n; i++) flip[a[i]] = 1 }
		($2 in flip) { $1 = sprintf("0x%08x", (strtonum($1) + 0x1000) % 4294967296) }
		{ print }' > "$out"
}

# crc_of SYMVERS SYM: the CRC the symvers lists for SYM
crc_of() {
	symvers_text "$1" | awk -F'\t' -v s="$2" '$2 == s { print $1; exit }'
}

# rhel_build DIR SYMVERS: our synthetic driver set built against a RHEL 7
# symvers (3.10 layout): hv_vmbus exports lis_* and replaces the in-tree
# hv_vmbus; hv_storvsc and hv_netvsc import from it and from the kernel
rhel_build() {
	local dir=$1 sv=$2 vm
	mkdir -p "$dir"
	vm="3.10.0-1160.el7.x86_64 SMP mod_unload modversions "
	{
		echo "module $dir/hv_vmbus.ko"
		echo "layout abs"
		echo "vermagic $vm"
		for s in module_layout printk kmalloc_caches __kmalloc kfree hv_setup_vmbus_irq \
			 hv_remove_vmbus_irq ms_hyperv; do
			echo "import $(crc_of "$sv" "$s") $s"
		done
		echo "export 0x1a2b3c4d lis_vmbus_driver_register EXPORT_SYMBOL_GPL"
		echo "export 0x0000beef lis_vmbus_sendpacket EXPORT_SYMBOL_GPL"
		echo "module $dir/hv_storvsc.ko"
		echo "layout abs"
		echo "vermagic $vm"
		for s in module_layout printk scsi_host_alloc scsi_add_host_with_dma scsi_remove_host; do
			echo "import $(crc_of "$sv" "$s") $s"
		done
		echo "import 0x1a2b3c4d lis_vmbus_driver_register"
		echo "module $dir/hv_netvsc.ko"
		echo "layout abs"
		echo "vermagic $vm"
		for s in module_layout printk alloc_etherdev_mqs register_netdev; do
			echo "import $(crc_of "$sv" "$s") $s"
		done
		echo "import 0x0000beef lis_vmbus_sendpacket"
	} > "$dir.spec"
	"$MKMOD" "$dir.spec"
	rm -f "$dir.spec"
}
