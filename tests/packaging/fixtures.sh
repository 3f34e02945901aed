# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Generated fixtures for the packaging and installer rungs (sourced):
#   gen_module         an ELF kernel module with real __versions CRCs from a
#                      real symvers, .modinfo, exports and undefined symbols
#                      (what depmod, modprobe and lis-kabi read)
#   gen_build          one LIS build (every module of the family list) for a kernel
#   gen_kernel_rpm     a `kernel` package for a release: vmlinuz, symvers,
#                      config, in-tree Hyper-V modules, and Provides
#                      kernel(sym) = CRC for every symbol of its symvers
#   gen_base_rpm       the rest of the OS a package needs (bash, kmod, ...)
#   make_toolbox/new_root  a root with a real rpm database, /bin/sh and the
#                      commands the scriptlets run (copied from this host),
#                      and the recording stand-ins from tests/installer/standins/
# RHEL kernel CRCs come from tests/data/kabi (Module.symvers of 3.10.0-1160.el7)
# and hv-rhel8.x/kabi (Red Hat's 8.8/8.9 kABI lists).
FIX_TOP=${LIS_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
FIX_OUT=${OUT:-$FIX_TOP/out}/tests/fixtures
FIX_SDE=1700000000

# symvers_of FAMILY: a symvers file (plain text) with the family's kernel CRCs
symvers_of() {
	local f=$FIX_OUT/symvers-$1
	if [ ! -s "$f" ]; then
		mkdir -p "$FIX_OUT"
		case $1 in
		rhel7) gzip -dc "$FIX_TOP/tests/data/kabi/Module.symvers-3.10.0-1160.el7.gz" > "$f" ;;
		# Red Hat's list holds the stablelist only; a kernel's symvers also
		# has module_layout, which every module imports
		rhel8) { cat "$FIX_TOP/hv-rhel8.x/kabi/Module.kabi_x86_64-rhel8.9"
			printf '0x1b3f9c1e\tmodule_layout\tvmlinux\tEXPORT_SYMBOL\n'; } > "$f" ;;
		# a +debug kernel has CRCs of its own: the same symbols, each CRC changed
		*-debug) awk 'BEGIN { OFS = "\t" } { d = substr($1, length($1)); $1 = substr($1, 1, length($1) - 1) (d == "0" ? "1" : "0"); print }' \
			"$(symvers_of "${1%-debug}")" > "$f" ;;
		esac
	fi
	printf '%s\n' "$f"
}

# stable_imports FAMILY N: N kernel symbols every minor release of the family
# exports with the same CRC (the oldest public kABI list of the family)
stable_imports() {
	local list
	case $1 in
	rhel7) list=$FIX_TOP/hv-rhel7.x/kabi/Module.kabi_x86_64-rhel7.0 ;;
	rhel8) list=$FIX_TOP/hv-rhel8.x/kabi/Module.kabi_x86_64-rhel8.8 ;;
	esac
	awk '$3 == "vmlinux" { print $2 }' "$list" | grep -E '^(printk|kfree|__kmalloc|kmem_cache|mutex_|_raw_spin|complete|wait_for|schedule|msleep|jiffies|memcpy|memset|strlen|strcmp|snprintf|dev_|device_|driver_|bus_|kobject|sysfs)' | head -n "$2"
}

# gen_module OUT.ko NAME KVER SYMVERS "IMPORTS" "EXPORTS" [CRCFILE]
# IMPORTS: kernel symbols (CRC from SYMVERS) and our own (CRC from CRCFILE,
# "sym crc" lines written by the exporting module); EXPORTS: symbols defined
gen_module() {
	local out=$1 name=$2 kver=$3 symvers=$4 imports=$5 exports=$6 crcs=${7:-/dev/null}
	local c=${out%.ko}.c s crc
	{
		echo 'struct lis_modversion { unsigned long crc; char name[56]; };'
		echo 'static const struct lis_modversion lis_versions[] __attribute__((used, section("__versions"), aligned(8))) = {'
		printf '\t{ 0x%s, "module_layout" },\n' "$(awk '$2 == "module_layout" { sub(/^0x/, "", $1); c = $1 } END { print (c == "" ? "12345678" : c) }' "$symvers")"
		for s in $imports; do
			crc=$(awk -v s="$s" '$2 == s { print $1; exit }' "$symvers" "$crcs" 2>/dev/null)
			[ -n "$crc" ] || { echo "gen_module: $s is not in $symvers" >&2; return 1; }
			printf '\t{ %s, "%s" },\n' "$crc" "$s"
		done
		echo '};'
		printf 'static const char lis_modinfo[] __attribute__((used, section(".modinfo"))) = "vermagic=%s SMP mod_unload modversions \\0license=GPL\\0name=%s\\0retpoline=Y\\0";\n' "$kver" "$name"
		for s in $imports; do printf 'extern char %s[];\n' "$s"; done
		printf 'void *lis_refs_%s[] = {' "${name//-/_}"
		for s in $imports; do printf ' %s,' "$s"; done
		echo ' 0 };'
		for s in $exports; do
			printf 'void %s(void) { }\n' "$s"
			printf 'static const char __kstrtab_%s[] __attribute__((used, section("__ksymtab_strings"))) = "%s";\n' "$s" "$s"
			printf 'const struct { void *v; const char *n; } __ksymtab_%s __attribute__((used, section("___ksymtab_gpl+%s"))) = { %s, __kstrtab_%s };\n' "$s" "$s" "$s" "$s"
		done
	} > "$c"
	gcc -c -O0 -fno-pic -mcmodel=kernel -o "$out" "$c" || return 1
	for s in $exports; do
		crc=$(printf '%s' "$kver:$s" | cksum | awk '{ printf "0x%08x", $1 }')
		printf '%s\t%s\t%s\tEXPORT_SYMBOL_GPL\n' "$crc" "$s" "$name" >> "${out%/*}/Module.symvers"
		# an absolute __crc_ symbol, as modversions kernels record an export's CRC
		printf '.globl __crc_%s\n.set __crc_%s, %s\n.section .note.GNU-stack,"",@progbits\n' "$s" "$s" "$crc" > "${out%.ko}.crc.s"
		gcc -c -o "${out%.ko}.crc.o" "${out%.ko}.crc.s" && ld -r -o "$out.tmp" "$out" "${out%.ko}.crc.o" && mv "$out.tmp" "$out"
		rm -f "${out%.ko}.crc.s" "${out%.ko}.crc.o"
	done
	rm -f "$c"
}

# gen_build DIR KVER FAMILY [MODULES]: a LIS build: each module of the family
# list, importing stable kernel symbols and hv_vmbus's lis_ exports
gen_build() {
	local dir=$1 kver=$2 fam=$3 mods=${4:-} sv m imports n=0
	sv=$(symvers_of "$fam")
	[ -n "$mods" ] || mods=$(sed -e 's/#.*//' -e '/^$/d' "$FIX_TOP/hv-$fam.x/modules")
	mkdir -p "$dir"
	rm -f "$dir/Module.symvers"
	gen_module "$dir/hv_vmbus.ko" hv_vmbus "$kver" "$sv" "$(stable_imports "$fam" 6)" \
		"lis_vmbus_driver_register lis_vmbus_driver_unregister lis_vmbus_sendpacket" || return 1
	for m in $mods; do
		[ "$m" = hv_vmbus ] && continue
		n=$((n + 1))
		imports="$(stable_imports "$fam" $((3 + n % 4)) | tail -n 3) lis_vmbus_driver_register lis_vmbus_sendpacket"
		gen_module "$dir/$m.ko" "$m" "$kver" "$sv" "$imports" "" "$dir/Module.symvers" || return 1
	done
}

# spec_header NAME VERSION RELEASE: the common head of a generated spec
spec_header() {
	cat <<EOF
Name: $1
Version: $2
Release: $3
Summary: generated test package $1
License: GPL-2.0
BuildArch: ${FIX_ARCH:-x86_64}
AutoReqProv: no
EOF
}

# fixture_rpmbuild SPEC OUTDIR: build a generated package
fixture_rpmbuild() {
	local t
	t=$(mktemp -d "$FIX_OUT/rpmbuild.XXXXXX")
	SOURCE_DATE_EPOCH=$FIX_SDE rpmbuild -bb --quiet --define "_topdir $t" --define "_rpmdir $2" \
		--define '_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm' \
		--define '_binary_payload w1.gzdio' --define '__os_install_post %{nil}' \
		--define 'debug_package %{nil}' "$1" > "$t/log" 2>&1 || { cat "$t/log" >&2; rm -rf "$t"; return 1; }
	rm -rf "$t"
}

# gen_kernel_rpm OUTDIR KVER SYMVERS [HYPERV=m] [NAME=kernel] [PROVIDES=all|none]:
# a kernel package (PROVIDES=none leaves out the kernel(sym) provides, for
# roots where only plans are made: 17,000 provides make rpm slow)
gen_kernel_rpm() {
	local outdir=$1 kver=$2 sv=$3 hyperv=${4:-m} pname=${5:-kernel} provides=${6:-all} st v r m key
	v=${kver%%-*} r=${kver#*-}
	r=${r%+debug}
	r=${r%.x86_64}
	r=${r%.i686}
	# the same package again (another rung of this run, another root) comes
	# from the cache: 17,000 provides make rpmbuild slow
	key=$FIX_OUT/kernels/$(printf '%s\n' "$kver $hyperv $pname $provides" "$(sha256sum < "$sv")" "$(declare -f gen_kernel_rpm gen_intree gen_module)" |
		sha256sum | cut -c1-16).rpm
	mkdir -p "$outdir" "$FIX_OUT/kernels"
	if [ -s "$key" ]; then
		cp -f "$key" "$outdir/$pname-$v-${r//-/_}.x86_64.rpm"
		return
	fi
	st=$FIX_OUT/kstage-$kver
	rm -rf "$st"
	# like RHEL's kernel packages, it owns the kmod directories
	mkdir -p "$st/boot" "$st/lib/modules/$kver/kernel/drivers/hv" "$outdir" \
		"$st/lib/modules/$kver/extra" "$st/lib/modules/$kver/updates" "$st/lib/modules/$kver/weak-updates"
	echo "generated kernel image $kver" > "$st/boot/vmlinuz-$kver"
	gzip -9nc "$sv" > "$st/boot/symvers-$kver.gz"
	printf 'CONFIG_HYPERV=%s\nCONFIG_HYPERV_STORAGE=m\nCONFIG_HYPERV_NET=m\n' "$hyperv" > "$st/boot/config-$kver"
	# the in-tree Hyper-V drivers: hv_vmbus and the modules that need it
	local fam=""
	case $kver in 3.10.0-*) fam=rhel7 ;; 4.18.0-*) fam=rhel8 ;; esac
	local kd=$st/lib/modules/$kver/kernel/drivers/hv
	if [ -n "$fam" ]; then gen_intree "$kd" "$kver" "$sv" "$fam" || return 1; fi
	(cd "$st/lib/modules/$kver" && find kernel -name '*.ko' | sort) > "$st/lib/modules/$kver/modules.order"
	: > "$st/lib/modules/$kver/modules.builtin"
	: > "$st/lib/modules/$kver/modules.builtin.modinfo"
	{
		spec_header "$pname" "$v" "${r//-/_}"
		echo "Provides: kernel = $v-${r//-/_}"
		[ "$provides" = none ] || awk '$2 != "" { printf "Provides: kernel(%s) = %s\n", $2, $1 }' "$sv" | sort -u
		printf '%%description\ngenerated kernel %s\n%%install\ncp -a %s/. %%{buildroot}/\n' "$kver" "$st"
		printf '%%post -p /bin/sh\ndepmod -a %s\n' "$kver"
		# as RHEL's kernel packages: weak-modules --add-kernel, then the
		# kernel-update hooks (RHEL 7: postinst.d; RHEL 8: kernel-install's
		# plugins, which kernel-core's %%posttrans runs through kernel-install)
		printf '%%posttrans -p /bin/sh\n[ ! -x /usr/sbin/weak-modules ] || /usr/sbin/weak-modules --add-kernel %s\n' "$kver"
		# shellcheck disable=SC2016  # the scriptlet's own $f
		case $fam in
		rhel7) printf 'for f in /etc/kernel/postinst.d/*; do [ ! -x "$f" ] || "$f" %s /boot/vmlinuz-%s; done\n' "$kver" "$kver" ;;
		rhel8) printf 'for f in /usr/lib/kernel/install.d/*.install; do [ ! -x "$f" ] || "$f" add %s /lib/modules/%s/vmlinuz; done\n' "$kver" "$kver" ;;
		esac
		printf 'exit 0\n'
		printf '%%files\n/boot/vmlinuz-%s\n/boot/symvers-%s.gz\n/boot/config-%s\n/lib/modules/%s/kernel\n/lib/modules/%s/modules.*\n' "$kver" "$kver" "$kver" "$kver" "$kver"
		printf '%%ghost /lib/modules/%s/modules.dep\n' "$kver"
		printf '%%dir /lib/modules/%s/%s\n' "$kver" extra "$kver" updates "$kver" weak-updates
	} > "$st.spec"
	fixture_rpmbuild "$st.spec" "$outdir" || return 1
	rm -rf "$st" "$st.spec"
	cp -f "$outdir/$pname-$v-${r//-/_}.x86_64.rpm" "$key.new" && mv -f "$key.new" "$key"
}

# gen_intree DIR KVER SYMVERS FAMILY: the in-tree Hyper-V drivers of a kernel
gen_intree() {
	local kd=$1 kver=$2 sv=$3 fam=$4 m
	gen_module "$kd/hv_vmbus.ko" hv_vmbus "$kver" "$sv" "$(stable_imports "$fam" 4)" "vmbus_driver_register" || return 1
	while read -r m; do
		case $m in ''|'#'*|hv_vmbus) continue ;; esac
		gen_module "$kd/$m.ko" "$m" "$kver" "$sv" "$(stable_imports "$fam" 2) vmbus_driver_register" "" "$kd/Module.symvers" || return 1
	done < "$FIX_TOP/hv-$fam.x/modules"
	gen_module "$kd/../ata_piix.ko" ata_piix "$kver" "$sv" "$(stable_imports "$fam" 2)" "" || return 1
	rm -f "$kd/Module.symvers"
}

# the directories RHEL's filesystem, systemd (udev) and kernel packages own,
# into which lis-tools installs
BASE_DIRS="/etc/kernel /etc/kernel/postinst.d /usr/lib/kernel /usr/lib/kernel/install.d /usr/lib/systemd
 /usr/lib/systemd/system /usr/lib/systemd/system/multi-user.target.wants /usr/lib/systemd/system/sysinit.target.wants
 /usr/lib/udev /usr/lib/udev/rules.d /usr/libexec /usr/share /usr/src"

# gen_base_rpm OUTDIR NAME "PROVIDES..." [DIRS]: the OS around the kernel
# (comma-separated provides; the directories it owns)
gen_base_rpm() {
	local outdir=$1 name=$2 provides=$3 dirs=${4:-} st=$FIX_OUT/base-$2 d
	mkdir -p "$outdir"
	{
		spec_header "$name" 1 1
		printf 'Provides: %s\n' "$provides"
		printf '%%description\ngenerated base system\n%%install\n'
		for d in $dirs; do printf 'mkdir -p %%{buildroot}%s\n' "$d"; done
		printf '%%files\n'
		for d in $dirs; do printf '%%dir %s\n' "$d"; done
	} > "$st.spec"
	fixture_rpmbuild "$st.spec" "$outdir"
}

# the commands a root needs for the scriptlets and the installer's in-root steps
TOOLBOX_CMDS="bash sh cat cp mv rm ln mkdir rmdir mktemp ls sort head tail tr cut date stat dirname
 basename od tac paste readlink find sed awk grep gzip cpio xz uname id df cmp touch chmod printf
 true false sleep depmod modprobe modinfo kmod env wc tee xargs uniq sha256sum"

# make_toolbox: a tree with the host's copies of TOOLBOX_CMDS and their libraries
make_toolbox() {
	local tb=$FIX_OUT/toolbox c p l stamp
	# rebuilt when the stand-ins or the command list change
	stamp=$( (cat "$FIX_TOP"/tests/installer/standins/*; echo "$TOOLBOX_CMDS ${LIS_KABI:-}") | sha256sum)
	[ "$(cat "$tb/.done" 2>/dev/null)" = "$stamp" ] && { printf '%s\n' "$tb"; return 0; }
	rm -rf "$tb"
	mkdir -p "$tb/usr/bin" "$tb/usr/sbin" "$tb/usr/lib64" "$tb/etc"
	ln -s usr/bin "$tb/bin"; ln -s usr/sbin "$tb/sbin"; ln -s usr/lib "$tb/lib"; ln -s usr/lib64 "$tb/lib64"
	mkdir -p "$tb/usr/lib"
	# the libraries of lis-kabi too: lis-tools installs it into the roots
	for c in $TOOLBOX_CMDS ${LIS_KABI:-}; do
		p=$(command -v "$c" 2>/dev/null) || continue
		case $p in /*) ;; *) continue ;; esac
		[ "$p" = "${LIS_KABI:-}" ] || cp -L "$p" "$tb/usr/bin/$c"
		for l in $(ldd "$p" 2>/dev/null | grep -oE '/[^ ]+\.so[^ ]*'); do
			mkdir -p "$tb$(dirname "$l")"
			[ -e "$tb$l" ] || cp -L "$l" "$tb$l"
		done
	done
	for c in depmod modprobe modinfo; do ln -sf ../bin/kmod "$tb/usr/sbin/$c"; rm -f "$tb/usr/bin/$c"; done
	cp "$FIX_TOP"/tests/installer/standins/* "$tb/usr/sbin/"
	chmod 0755 "$tb"/usr/sbin/*
	printf '%s\n' "$stamp" > "$tb/.done"
	printf '%s\n' "$tb"
}

# new_root DIR RELEASE-FILES...: a root from the toolbox (hard links) with an
# empty rpm database; RELEASE-FILES are "path=content" pairs
new_root() {
	local r=$1 tb kv
	shift
	tb=$(make_toolbox)
	rm -rf "$r"
	mkdir -p "$r"
	cp -al "$tb/." "$r/"
	rm -f "$r/.done"
	mkdir -p "$r/var/lib/rpm" "$r/var/log" "$r/boot" "$r/lib/modules" "$r/tmp" "$r/var/tmp" "$r/proc" "$r/sys" "$r/etc/dracut.conf.d" "$r/etc/modprobe.d" "$r/etc/depmod.d"
	chmod 1777 "$r/tmp" "$r/var/tmp"
	mkdir -p "$r/dev"
	mknod -m 0666 "$r/dev/null" c 1 3
	mknod -m 0666 "$r/dev/zero" c 1 5
	mknod -m 0666 "$r/dev/urandom" c 1 9
	rpm --root "$r" --dbpath /var/lib/rpm --initdb
	for kv in "$@"; do
		mkdir -p "$r/$(dirname "${kv%%=*}")"
		printf '%s\n' "${kv#*=}" > "$r/${kv%%=*}"
	done
}

# root_rpm ROOT ARGS...: the root's rpm
root_rpm() {
	local r=$1 debian=()
	shift
	# Debian's rpm asks for --force-debian before it touches a database
	rpm --help 2>/dev/null | grep -q -- --force-debian && debian=(--force-debian)
	rpm --root "$r" --dbpath /var/lib/rpm "${debian[@]}" "$@"
}

# tree_hash DIR: one hash of every path, type, mode, link target and content;
# the rpm database by what it holds (sqlite checkpoints its files on open)
# tree_listing DIR: every path with its type, mode and link target, every
# file's SHA-256 and the rpm database's packages (what tree_hash hashes)
tree_listing() {
	local x='-path ./proc -prune -o -path ./sys -prune -o -path ./var/lib/rpm -prune -o'
	# shellcheck disable=SC2086
	(cd "$1" && find . $x -printf '%p %y %m %l\n' | LC_ALL=C sort &&
		find . $x -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum &&
		root_rpm "$1" -qa --qf '%{NEVRA} %{INSTALLTIME}\n' 2>/dev/null | LC_ALL=C sort)
}
tree_hash() {
	tree_listing "$1" | sha256sum | cut -d' ' -f1
}

# the GA kernels of RHEL 7.9 and 8.9, for which the tests build LIS
FIX_K7=3.10.0-1160.el7.x86_64
FIX_K8=4.18.0-513.5.1.el8_9.x86_64

# build_test_packages OUTDIR [build-rpms.sh options]: lis-tools and kmod-lis
# for generated RHEL 7.9 and 8.9 builds (every module of the family list)
build_test_packages() {
	local o=$1
	shift
	[ -e "$FIX_OUT/b7/hv_vmbus.ko" ] || gen_build "$FIX_OUT/b7" "$FIX_K7" rhel7 || return 1
	[ -e "$FIX_OUT/b8/hv_vmbus.ko" ] || gen_build "$FIX_OUT/b8" "$FIX_K8" rhel8 || return 1
	"$FIX_TOP/spec/build-rpms.sh" --out "$o" "$@" \
		--kmod "$FIX_K7=$FIX_OUT/b7" --symvers "$(symvers_of rhel7)" \
		--kmod "$FIX_K8=$FIX_OUT/b8" --symvers "$(symvers_of rhel8)" tools kmods
}

# base_rpm OUTDIR TOOLS_RPM: the OS around the kernel, providing what lis-tools needs
base_rpm() {
	gen_base_rpm "$1" base-el "/bin/sh, dracut, dkms, make, gcc$(rpm -qp --nosignature --requires "$2" 2>/dev/null |
		grep -v '^rpmlib(' | sed 's/^/, /' | tr -d '\n')" "$BASE_DIRS"
}

# the daemons RHEL's hyperv-daemons packages ship, at their paths (lis-tools
# ships its own at the same ones)
DAEMON_FILES="/usr/sbin/hypervkvpd /usr/sbin/hypervvssd /usr/sbin/hypervfcopyd
 /usr/lib/systemd/system/hypervkvpd.service /usr/lib/systemd/system/hypervvssd.service
 /usr/lib/systemd/system/hypervfcopyd.service /usr/lib/udev/rules.d/70-hv_kvp.rules
 /usr/lib/udev/rules.d/70-hv_vss.rules /usr/lib/udev/rules.d/70-hv_fcopy.rules"

# RHEL 7's hyperv-daemons as it is laid out: the meta package and the three
# daemon packages owning the same paths (version 0, as RHEL numbers them)
gen_rhel_hyperv_daemons() {
	local o=$1 st=$FIX_OUT/hyperv-daemons.spec f n
	{
		spec_header hyperv-daemons 0 0.42.20190303git.el7
		printf 'Requires: hypervkvpd = %%{version}-%%{release}, hypervvssd = %%{version}-%%{release}, hypervfcopyd = %%{version}-%%{release}\n'
		printf '%%description\nstand-in for RHEL hyperv-daemons\n'
		for n in kvp vss fcopy; do
			printf '%%package -n hyperv%sd\nSummary: stand-in\n%%description -n hyperv%sd\nstand-in\n' "$n" "$n"
		done
		printf '%%install\n'
		for f in $DAEMON_FILES; do
			printf 'mkdir -p %%{buildroot}%s; echo rhel > %%{buildroot}%s\n' "${f%/*}" "$f"
		done
		printf '%%files\n'
		for n in kvp vss fcopy; do
			printf '%%files -n hyperv%sd\n' "$n"
			for f in $DAEMON_FILES; do
				case $f in *"hyperv${n}d"*|*"hv_$n."*) printf '%s\n' "$f" ;; esac
			done
		done
	} > "$st"
	fixture_rpmbuild "$st" "$o"
}
