# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The VM rung's hyperv_fb and pci-hyperv checks (sourced by
# tests/rungs/60-vm.sh after hv_vmbus is loaded; uses its helpers: vm_run,
# vm_ctl, say, detail, guest_fail, wait_dev).  hostsim-vm offers a synthetic
# video device and a vPCI bus with one function (tests/vm/hostsim-vm/
# vpci_ctl.c).  The VRAM, the vPCI config window and the BAR windows come
# from the bridge's MMIO range: the top 32 MiB of guest RAM, above the
# rung's mem= limit (LISVM_MMIO_* in tests/vm/lisvm_proto.h), so the host
# process sees what the guest writes there.  QEMU cannot trap accesses to it
# for us: the config window is memory-backed (hostsim writes the selected
# function's config space into it and applies the guest's writes every
# millisecond), and the BARs are plain memory with no device behind them
# (docs/vm-rung.md).  Both modules are unloaded at the end: hv_balloon's hot
# add (tests/vm/mem_sock_uio.sh) takes that memory afterwards.
#
#  - hyperv_fb registers /dev/fb0 with the host's default mode and the VRAM
#    hostsim was told about, accepts a mode set (FBIOPUT_VSCREENINFO through
#    lis-fbtool), and what userspace writes reaches the host's view of the
#    VRAM while the host records dirty rectangles;
#  - pci-hyperv brings the function up behind its own PCI domain (bytes 4-5 of
#    the instance), its config space reads back what hostsim serves, its BARs
#    land in hv_vmbus's MMIO, an eject removes it cleanly, a new function
#    arrives, and the module unloads leaving the bus (D0 exit) as it should;
#  - with the console let go, hyperv_fb unloads and closes its channel;
#    the host rescinds both devices and they leave the guest.
# shellcheck disable=SC2016

FB_INST=8b5e3f12-6c2a-4e7d-9a41-3f0c2d5e7b19
PCI_INST=4a1c9e57-7b4d-4c1d-8e2f-6a0b3c5d7e91
PCI_DOM=7b4d			# instance bytes 4 and 5: the GUID's second field
PCI_DEV=$PCI_DOM:00:02.0
PCI_SERIAL=4242
MMIO_LO=$((0x1E000000))
MMIO_HI=$((0x20000000))

# pf_get KEY TEXT: the value of KEY=... in TEXT
pf_get() { printf '%s\n' "$2" | sed -n "s/^$1=//p" | head -n 1; }

# pf_in_mmio VALUE: within the bridge's MMIO range
pf_in_mmio() { [ "$(($1))" -ge "$MMIO_LO" ] && [ "$(($1))" -lt "$MMIO_HI" ]; }

PF_T0=$SECONDS

# ---- the framebuffer ----
why=
r=$(vm_ctl svid fb0 "$FB_INST") || why="hostsim-vm svid: $r"
[ -z "$why" ] && { wait_dev "$FB_INST" present || why="the video device did not appear on the vmbus"; }
if [ -z "$why" ]; then
	vm_run 60 'insmod /lib/lis/hyperv_fb.ko && i=0; until [ -c /dev/fb0 ]; do i=$((i + 1)); [ $i -gt 100 ] && exit 1; sleep 0.1; done; lis-fbtool /dev/fb0 get'
	[ "$VM_RC" = 0 ] || { guest_fail; why="insmod hyperv_fb or /dev/fb0 failed"; }
fi
if [ -z "$why" ]; then
	printf '%s' "$VM_OUT" | detail
	g=$VM_OUT
	h=$(vm_ctl svid-stats fb0)
	[ "$(pf_get id "$g")" = hyperv_fb ] || why="fb id '$(pf_get id "$g")', want hyperv_fb"
	# hostsim's default resolution (1152x864 of its list), 32 bits
	[ -z "$why" ] && [ "$(pf_get xres "$g")x$(pf_get yres "$g")x$(pf_get bits_per_pixel "$g")" != 1152x864x32 ] &&
		why="mode $(pf_get xres "$g")x$(pf_get yres "$g")x$(pf_get bits_per_pixel "$g"), want the host's default 1152x864x32"
	[ -z "$why" ] && [ "$(pf_get smem_len "$g")" != $((8 << 20)) ] && why="smem_len $(pf_get smem_len "$g"), want the offer's 8 MiB"
	[ -z "$why" ] && ! pf_in_mmio "$(pf_get smem_start "$g")" && why="VRAM at $(pf_get smem_start "$g"), not in the bridge's MMIO range"
	[ -z "$why" ] && [ "$(($(pf_get vram_gpa "$h")))" != "$(($(pf_get smem_start "$g")))" ] &&
		why="hostsim was told VRAM $(pf_get vram_gpa "$h"), the guest maps $(pf_get smem_start "$g")"
	[ -z "$why" ] && [ "$(pf_get version "$h")" != 0x50003 ] && why="synthvid version $(pf_get version "$h"), want 3.5 (0x50003)"
	[ -z "$why" ] && [ "$(pf_get width "$h")x$(pf_get height "$h") $(pf_get pitch "$h") $(pf_get active "$h")" != "1152x864 4608 1" ] &&
		why="hostsim's mode $(pf_get width "$h")x$(pf_get height "$h") pitch $(pf_get pitch "$h") active $(pf_get active "$h")"
	[ -z "$why" ] && [ "$(pf_get pointer_shapes "$h")" != 1 ] && why="$(pf_get pointer_shapes "$h") pointer shapes, want 1 (hidden)"
fi
say vm:fb:registers_with_host_mode_and_vram "$why"

# a mode set: the guest's new geometry, and the host's situation update
if [ -z "$why" ]; then
	vm_run 30 'lis-fbtool /dev/fb0 set 800 600'
	[ "$VM_RC" = 0 ] || { guest_fail; why="FBIOPUT_VSCREENINFO 800x600 failed"; }
	g=$VM_OUT
	h=$(vm_ctl svid-stats fb0)
	[ -z "$why" ] && [ "$(pf_get xres "$g")x$(pf_get yres "$g") $(pf_get line_length "$g")" != "800x600 3200" ] &&
		why="guest mode $(pf_get xres "$g")x$(pf_get yres "$g") line $(pf_get line_length "$g") after the set"
	[ -z "$why" ] && [ "$(pf_get width "$h")x$(pf_get height "$h") $(pf_get pitch "$h")" != "800x600 3200" ] &&
		why="hostsim's mode $(pf_get width "$h")x$(pf_get height "$h") pitch $(pf_get pitch "$h") after the set"
	[ -z "$why" ] && [ "$(pf_get situation_updates "$h")" -lt 2 ] && why="hostsim applied $(pf_get situation_updates "$h") situation updates"
else
	why="skipped: no framebuffer"
fi
say vm:fb:mode_set_reaches_host "$why"

# userspace writes 4 KiB at 1 MiB into the screen (away from the console's
# cursor); the host reads the same bytes there and records rectangles
if [ -z "$why" ]; then
	d0=$(pf_get dirt_rects "$(vm_ctl svid-stats fb0)")
	vm_run 30 'dd if=/dev/urandom of=/tmp/pat bs=4096 count=1 2>/dev/null && dd if=/tmp/pat of=/dev/fb0 bs=4096 seek=256 conv=notrunc 2>/dev/null && od -An -tx1 -v -N64 /tmp/pat | tr -d " \n"; echo'
	[ "$VM_RC" = 0 ] || { guest_fail; why="writing /dev/fb0 failed"; }
	want=$(printf '%s' "$VM_OUT" | tail -n 1)
	got=$(vm_ctl svid-vram fb0 $((1 << 20)) 64) || why="svid-vram: $got"
	[ -z "$why" ] && [ "$got" != "$want" ] && why="the host's VRAM at 1 MiB is $got, the guest wrote $want"
	n=0
	while [ -z "$why" ] && [ "$n" -lt 50 ]; do
		h=$(vm_ctl svid-stats fb0)
		[ "$(pf_get dirt_rects "$h")" -gt "${d0:-0}" ] && break
		n=$((n + 1))
		sleep 0.1
	done
	[ -z "$why" ] && [ "$n" -ge 50 ] && why="no dirty rectangle within 5 s after the write ($(pf_get dirt_rects "$h") in all)"
	[ -z "$why" ] && [ "$(pf_get protocol_errors "$h")" != 0 ] && why="hostsim counted $(pf_get protocol_errors "$h") synthvid errors"
	[ -z "$why" ] && echo "    dirty rectangles: $(pf_get dirt_rects "$h"), bounds $(pf_get dirt_bounds "$h")"
else
	why="skipped: no framebuffer"
fi
say vm:fb:pixels_reach_host_and_dirt_recorded "$why"

# ---- the vPCI bus and its function ----
why=
r=$(vm_ctl vpci pci0 "$PCI_INST") || why="hostsim-vm vpci: $r"
[ -z "$why" ] && { r=$(vm_ctl vpci-func pci0 2 "$PCI_SERIAL") || why="hostsim-vm vpci-func: $r"; }
[ -z "$why" ] && { wait_dev "$PCI_INST" present || why="the vPCI bus did not appear on the vmbus"; }
if [ -z "$why" ]; then
	vm_run 60 "insmod /lib/lis/pci-hyperv.ko && i=0; until [ -e /sys/bus/pci/devices/$PCI_DEV/config ]; do i=\$((i + 1)); [ \$i -gt 100 ] && exit 1; sleep 0.1; done; "'cd /sys/bus/pci/devices/'"$PCI_DEV"' && echo "ids=$(cat vendor):$(cat device) class=$(cat class) sub=$(cat subsystem_vendor):$(cat subsystem_device)"; echo "slot=$(cat /sys/bus/pci/slots/'"$PCI_SERIAL"'/address 2>/dev/null)"; echo "config=$(od -An -tx1 -v config | tr -d " \n")"'
	[ "$VM_RC" = 0 ] || { guest_fail; why="insmod pci-hyperv, or no $PCI_DEV within 10 s"; }
fi
if [ -z "$why" ]; then
	printf '%s\n' "$VM_OUT" | grep -v -e '^config=' -e '^$' | detail
	g=$VM_OUT
	hs=$(vm_ctl vpci-stats pci0)
	hf=$(vm_ctl vpci-func-state pci0 2)
	[ "$(pf_get ids "$g" | cut -d' ' -f1)" = "0x1414:0xb0b0" ] || why="lspci: $(pf_get ids "$g")"
	[ -z "$why" ] && [ "$(pf_get slot "$g")" != "$PCI_DOM:00:02" ] && why="slot $PCI_SERIAL has address '$(pf_get slot "$g")', want $PCI_DOM:00:02"
	[ -z "$why" ] && [ "$(pf_get version "$hs")" != 0x10004 ] && why="vPCI version $(pf_get version "$hs"), want 1.4"
	[ -z "$why" ] && [ "$(pf_get d0 "$hs")" != 1 ] && why="the bus is not in D0"
	[ -z "$why" ] && ! pf_in_mmio "$(pf_get window_gpa "$hs")" && why="config window at $(pf_get window_gpa "$hs"), not in the MMIO range"
	[ -z "$why" ] && [ "$(pf_get announced "$hf") $(pf_get resources_assigned "$hf")" != "1 1" ] &&
		why="hostsim: announced $(pf_get announced "$hf"), resources assigned $(pf_get resources_assigned "$hf")"
fi
say vm:pci:function_appears_behind_our_bus "$why"

# the config space, byte by byte where hostsim serves it: IDs, status,
# class, header type, subsystem, capability pointer, 0x40-0xFF; the BARs as
# the guest laid them out (flags kept, in the MMIO range, aligned)
if [ -z "$why" ]; then
	gc=$(pf_get config "$g")
	hc=$(vm_ctl vpci-config pci0 2) || why="vpci-config: $hc"
	[ -z "$why" ] && [ "${#gc}" != 512 ] && why="the guest read ${#gc} hex digits of config space, want 512"
	for span in 0:4 6:2 8:4 14:1 44:4 52:1 64:192; do
		o=${span%:*}
		l=${span#*:}
		[ -z "$why" ] && [ "${gc:$((2 * o)):$((2 * l))}" != "${hc:$((2 * o)):$((2 * l))}" ] &&
			why="config bytes $o+$l: the guest reads ${gc:$((2 * o)):$((2 * l))}, hostsim serves ${hc:$((2 * o)):$((2 * l))}"
	done
	# little-endian dwords of the dump
	dw() { local s=${gc:$((2 * $1)):8}; printf '%d' "0x${s:6:2}${s:4:2}${s:2:2}${s:0:2}"; }
	b0=$(dw 16)
	b1=$(dw 20)
	b2=$(dw 24)
	bar0=$(((b1 << 32) | (b0 & ~15)))
	[ -z "$why" ] && [ $((b0 & 15)) != 12 ] && why="BAR0 flags $((b0 & 15)), want 12 (64-bit, prefetchable)"
	[ -z "$why" ] && { pf_in_mmio "$bar0" && [ $((bar0 & 0xFFFFF)) = 0 ] || why="BAR0 at $(printf %#x "$bar0"): not 1 MiB aligned in the MMIO range"; }
	[ -z "$why" ] && { pf_in_mmio $((b2 & ~15)) && [ $((b2 & 0x3FFF)) = 0 ] || why="BAR2 $(printf %#x "$b2"): not 16 KiB aligned in the MMIO range"; }
	[ -z "$why" ] && echo "    config space: ${gc:0:32}... BAR0 $(printf %#x "$bar0") BAR2 $(printf %#x "$b2")"
else
	why="skipped: no function"
fi
say vm:pci:config_space_reads_back_what_hostsim_serves "$why"

# eject: the host asks, the guest removes the function and says so
if [ -z "$why" ]; then
	r=$(vm_ctl vpci-remove pci0 2 eject) || why="eject: $r"
	[ -z "$why" ] && { vm_run 30 "i=0; while [ -e /sys/bus/pci/devices/$PCI_DEV ]; do i=\$((i + 1)); [ \$i -gt 100 ] && exit 1; sleep 0.1; done; ls /sys/bus/pci/slots"; [ "$VM_RC" = 0 ] || why="$PCI_DEV is still there 10 s after the eject"; }
	[ -z "$why" ] && printf '%s' "$VM_OUT" | grep -qx "$PCI_SERIAL" && why="slot $PCI_SERIAL outlived its function"
	hs=$(vm_ctl vpci-stats pci0)
	[ -z "$why" ] && [ "$(pf_get functions "$hs") $(pf_get ejections_completed "$hs")" != "0 1" ] &&
		why="hostsim: $(pf_get functions "$hs") functions, $(pf_get ejections_completed "$hs") ejections completed"
else
	why="skipped: no function"
fi
say vm:pci:eject_removes_function "$why"

# a function arriving later takes the window the first left (same BARs)
if [ -z "$why" ]; then
	r=$(vm_ctl vpci-func pci0 3 $((PCI_SERIAL + 1))) || why="vpci-func: $r"
	[ -z "$why" ] && { vm_run 30 "i=0; until [ -e /sys/bus/pci/devices/$PCI_DOM:00:03.0/config ]; do i=\$((i + 1)); [ \$i -gt 100 ] && exit 1; sleep 0.1; done; cat /sys/bus/pci/devices/$PCI_DOM:00:03.0/device"; [ "$VM_RC" = 0 ] || why="no $PCI_DOM:00:03.0 10 s after its arrival"; }
	[ -z "$why" ] && [ "$(printf '%s' "$VM_OUT" | tail -n 1)" != 0xb0b0 ] && why="device id '$VM_OUT'"
else
	why="skipped: no bus"
fi
say vm:pci:hot_add_after_eject "$why"

# ---- lsmod, then pci-hyperv leaves: the bus gives its resources back ----
vm_run 30 'lsmod'
why=
for m in hyperv_fb pci_hyperv; do
	printf '%s' "$VM_OUT" | grep -q "^$m " || why="${why:+$why, }$m is not in lsmod"
done
say vm:pci_fb:lsmod_shows_modules_bound "$why"

vm_run 60 "rmmod pci_hyperv && ! ls -d /sys/bus/pci/devices/$PCI_DOM:* 2>/dev/null"
why=
[ "$VM_RC" = 0 ] || { guest_fail; why="rmmod pci_hyperv failed or left $PCI_DOM devices"; }
hs=$(vm_ctl vpci-stats pci0)
[ -z "$why" ] && [ "$(pf_get d0 "$hs") $(pf_get d0_exits "$hs") $(pf_get open "$hs")" != "0 1 0" ] &&
	why="hostsim: d0 $(pf_get d0 "$hs"), D0 exits $(pf_get d0_exits "$hs"), channel open $(pf_get open "$hs")"
[ -z "$why" ] && [ "$(pf_get protocol_errors "$hs")" != 0 ] && why="hostsim counted $(pf_get protocol_errors "$hs") vPCI errors"
say vm:pci:unload_leaves_d0 "$why"

# the framebuffer console holds hyperv_fb: let it go, then unload
vm_run 60 'for v in /sys/class/vtconsole/vtcon*; do grep -q "frame buffer" $v/name && echo 0 > $v/bind; done; rmmod hyperv_fb && [ ! -e /dev/fb0 ]'
why=
[ "$VM_RC" = 0 ] || { guest_fail; why="rmmod hyperv_fb failed (hv_balloon's hot add needs its VRAM back)"; }
h=$(vm_ctl svid-stats fb0)
[ -z "$why" ] && [ "$(pf_get open "$h")" != 0 ] && why="the synthvid channel is still open on the host"
say vm:fb:unload_closes_channel "$why"

# the host takes both devices away (nothing of ours is left unbound)
why=
r=$(vm_ctl svid-rescind fb0) || why="svid-rescind: $r"
[ -z "$why" ] && { r=$(vm_ctl vpci-rescind pci0) || why="vpci-rescind: $r"; }
[ -z "$why" ] && { wait_dev "$FB_INST" absent || why="the video device is still on the vmbus"; }
[ -z "$why" ] && { wait_dev "$PCI_INST" absent || why="the vPCI bus is still on the vmbus"; }
say vm:pci_fb:rescind_removes_devices "$why"
echo "    hyperv_fb and pci-hyperv checks: $((SECONDS - PF_T0)) s"
