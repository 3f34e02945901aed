# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The VM rung's hv_balloon, hv_sock and uio_hv_generic checks (sourced by
# tests/rungs/60-vm.sh after hv_vmbus is loaded; uses its helpers: vm_run,
# vm_ctl, say, detail, guest_fail, wait_dev).  hostsim-vm offers a
# dynamic-memory device, runs hostsim's hv_sock endpoint and offers an echo
# device (tests/vm/hostsim-vm/dm_sock_ctl.c):
#  - the balloon inflates and deflates: the guest's MemTotal moves by exactly
#    the pages hostsim holds; hot add brings the RAM above the guest's mem=
#    limit online (the rung boots with mem=VM_MEM_MB-128M, so that range is
#    real RAM the kernel does not know, shared with hostsim like the rest);
#  - vsock connections, the guest's and the host's, carry bytes both ways
#    with matching SHA-256 on both sides; a port nobody listens on is refused;
#  - uio_hv_generic binds the echo device through new_id (as DPDK users do),
#    a static guest program maps its rings and exchanges a packet with the
#    host, the mappings the driver must refuse are refused, unbind closes the
#    channel.
# Guest commands are one line each (the agent reads lines), single-quoted
# where the guest's shell expands them.
# shellcheck disable=SC2016

DM_INST=6d1f0a52-3b4c-4d7e-9f80-a1b2c3d4e5f6
ECHO_CLASS=8e5c3a10-7b2d-4f6e-a9c8-1d2e3f405162
ECHO_INST=0a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9
ECHO_XOR=0x5a
DMS_T0=$SECONDS

# ds_get KEY TEXT: a key=value line's value
ds_get() { printf '%s\n' "$2" | sed -n "s/^$1=//p"; }
# the guest's MemTotal in kB (DS_MEM)
ds_memtotal() {
	vm_run 30 'grep ^MemTotal: /proc/meminfo'
	DS_MEM=$(printf '%s' "$VM_OUT" | awk '/^MemTotal:/ { print $2 }')
}

# ---- hv_balloon: negotiation, status reports ----
why=
r=$(vm_ctl balloon "$DM_INST") || why="hostsim-vm balloon: $r"
[ -z "$why" ] && { wait_dev "$DM_INST" present || why="the balloon did not appear on the vmbus"; }
if [ -z "$why" ]; then
	vm_run 60 'insmod /lib/lis/hv_balloon.ko && dmesg | grep hv_balloon | tail -n 3'
	[ "$VM_RC" = 0 ] || { guest_fail; why="insmod hv_balloon failed"; }
	printf '%s' "$VM_OUT" | detail
fi
[ -z "$why" ] && { r=$(vm_ctl balloon-ready 30000) || why="capabilities not accepted: $r"; }
if [ -z "$why" ]; then
	sleep 2	# a status report a second
	st=$(vm_ctl balloon-stats)
	printf '%s\n' "$st" | tr '\n' ' ' | sed 's/^/    host: /;s/ *$/\n/'
	[ "$(ds_get version "$st")" = 0x20000 ] || why="version $(ds_get version "$st"), want 2.0 (0x20000)"
	[ -z "$why" ] && [ "$(ds_get status_reports "$st")" -lt 1 ] && why="no status report"
	[ -z "$why" ] && [ "$(ds_get num_committed "$st")" -lt 1 ] && why="status report with no committed pages"
fi
say vm:balloon:negotiates_and_reports "$why"
DM_OK=$why

# ---- inflate, deflate: MemTotal follows the pages the host holds ----
why=${DM_OK:+skipped: no balloon}
if [ -z "$why" ]; then
	ds_memtotal
	m0=$DS_MEM
	r=$(vm_ctl balloon-inflate 16384 120000) || why="balloon-inflate: $r"
	got=$(printf '%s' "$r" | sed -n 's/^got //p')
	[ -z "$why" ] && [ "${got:-0}" -lt 8192 ] && why="the guest gave $got of 16384 pages"
	if [ -z "$why" ]; then
		ds_memtotal
		m1=$DS_MEM
		echo "    inflate: $got pages; MemTotal $m0 -> $m1 kB"
		[ "$m1" = $((m0 - got * 4)) ] || why="MemTotal moved by $((m0 - m1)) kB, want $((got * 4))"
		held=$(ds_get ballooned "$(vm_ctl balloon-stats)")
		[ -z "$why" ] && [ "$held" != "$got" ] && why="hostsim holds $held pages, want $got"
	fi
fi
say vm:balloon:inflate_lowers_memtotal "$why"
why=${why:+skipped: no inflate}
if [ -z "$why" ]; then
	r=$(vm_ctl balloon-deflate "$got" 120000) || why="balloon-deflate: $r"
	ds_memtotal
	echo "    deflate: MemTotal $DS_MEM kB"
	[ -z "$why" ] && [ "$DS_MEM" != "$m0" ] && why="MemTotal $DS_MEM kB after deflate, want $m0"
	held=$(ds_get ballooned "$(vm_ctl balloon-stats)")
	[ -z "$why" ] && [ "$held" != 0 ] && why="hostsim still holds $held pages"
fi
say vm:balloon:deflate_restores_memtotal "$why"

# ---- hot add: the RAM above mem= comes online (auto_online_blocks is the
#      onlining policy here, as RHEL's udev rule is there) ----
why=${DM_OK:+skipped: no balloon}
if [ -z "$why" ]; then
	vm_run 30 'sed -n "s/.*mem=\([0-9]*\)M.*/\1/p" /proc/cmdline; cat /sys/devices/system/memory/block_size_bytes'
	lim=$(printf '%s\n' "$VM_OUT" | sed -n 1p)
	bsz=$(printf '%s\n' "$VM_OUT" | sed -n 2p)
	if [ -z "$lim" ] || [ $((VM_MEM_MB - lim)) -lt $((0x${bsz:-0} >> 20)) ] || [ $((0x${bsz:-0})) = 0 ]; then
		why="the guest has no RAM above its mem= limit for a whole memory block (mem=${lim:-none}, block 0x$bsz)"
	fi
fi
if [ -z "$why" ]; then
	blk=$((lim * 1024 * 1024 / 0x$bsz))
	pages=$((0x$bsz / 4096))
	ds_memtotal
	m0=$DS_MEM
	vm_run 30 'echo online > /sys/devices/system/memory/auto_online_blocks'
	r=$(vm_ctl balloon-hot-add $((lim * 256)) "$pages" 120000) || why="balloon-hot-add: $r"
	echo "    hot add of pfn $((lim * 256)) +$pages: $r"
	[ -z "$why" ] && [ "$r" != "added $pages result 1" ] && why="the guest answered '$r', want 'added $pages result 1'"
	vm_run 30 "cat /sys/devices/system/memory/memory$blk/state; grep ^MemTotal: /proc/meminfo"
	state=$(printf '%s\n' "$VM_OUT" | sed -n 1p)
	m1=$(printf '%s' "$VM_OUT" | awk '/^MemTotal:/ { print $2 }')
	echo "    memory$blk: $state; MemTotal $m0 -> $m1 kB"
	[ -z "$why" ] && [ "$state" != online ] && why="memory block $blk is '$state', not online"
	[ -z "$why" ] && [ "$m1" != $((m0 + pages * 4)) ] && why="MemTotal moved by $((m1 - m0)) kB, want $((pages * 4))"
	# the new memory is usable: the balloon takes pages again and gives them back
	if [ -z "$why" ]; then
		r=$(vm_ctl balloon-inflate 4096 60000) && r=$(vm_ctl balloon-deflate "${r#got }" 60000) ||
			why="inflate/deflate after the hot add: $r"
	fi
fi
say vm:balloon:hot_add_online "$why"
st=$(vm_ctl balloon-stats 2>/dev/null)
say vm:balloon:host_saw_no_errors "$([ "$(ds_get protocol_errors "$st")" = 0 ] || echo "hostsim's balloon: $(ds_get protocol_errors "$st") protocol errors")"

# ---- hv_sock ----
why=
vm_run 60 'grep -q "^vsock " /proc/modules || insmod /lib/kmods/vsock.ko; insmod /lib/lis/hv_sock.ko'
[ "$VM_RC" = 0 ] || { guest_fail; why="insmod vsock/hv_sock failed"; }
# the guest connects to host port 5000; 200000 bytes up, 300000 down
[ -z "$why" ] && { r=$(vm_ctl vsock-listen 5000 300000 7) || why="vsock-listen: $r"; }
if [ -z "$why" ]; then
	vm_run 120 'head -c 200000 /dev/urandom > /tmp/vs.out && lis-dmsock connect 5000 < /tmp/vs.out > /tmp/vs.in; echo rc=$?; sha256sum /tmp/vs.out /tmp/vs.in; wc -c < /tmp/vs.in'
	g_rc=$(printf '%s' "$VM_OUT" | sed -n 's/^rc=//p')
	g_out=$(printf '%s' "$VM_OUT" | awk '$2 == "/tmp/vs.out" { print $1 }')
	g_in=$(printf '%s' "$VM_OUT" | awk '$2 == "/tmp/vs.in" { print $1 }')
	g_len=$(printf '%s' "$VM_OUT" | tail -n 1)
	res=$(vm_ctl vsock-result 5000 60000) || why="vsock-result: $res"
	printf '%s\n' "$res" | grep -E '^(rx|tx)_(bytes|packets)|^max_rx' | tr '\n' ' ' | sed 's/^/    host: /;s/ *$/\n/'
	[ -z "$why" ] && [ "$g_rc" != 0 ] && { guest_fail; why="the guest's client failed (rc=$g_rc)"; }
	[ -z "$why" ] && [ -n "$(ds_get why "$res")" ] && why="host: $(ds_get why "$res")"
	[ -z "$why" ] && [ "$(ds_get rx_bytes "$res")" != 200000 ] && why="the host got $(ds_get rx_bytes "$res") bytes, want 200000"
	[ -z "$why" ] && [ "$(ds_get rx_sha256 "$res")" != "$g_out" ] && why="guest->host bytes differ (SHA-256)"
	[ -z "$why" ] && [ "$g_len" != 300000 ] && why="the guest got $g_len bytes, want 300000"
	[ -z "$why" ] && [ "$(ds_get tx_sha256 "$res")" != "$g_in" ] && why="host->guest bytes differ (SHA-256)"
	[ -z "$why" ] && [ "$(ds_get guest_shutdown "$res")" != 1 ] && why="no shutdown packet from the guest"
fi
say vm:hv_sock:guest_connects_bytes_both_ways "$why"
VS_OK=$why

# the host connects to guest port 6000 from host port 16000
why=${VS_OK:+skipped: hv_sock did not work}
if [ -z "$why" ]; then
	vm_run 30 'rm -f /tmp/vl.*; (lis-dmsock listen 6000 < /tmp/vs.out > /tmp/vl.in 2> /tmp/vl.err; echo $? > /tmp/vl.rc) > /dev/null 2>&1 & i=0; until grep -q listening /tmp/vl.err 2>/dev/null; do i=$((i + 1)); [ $i -gt 100 ] && exit 1; sleep 0.1; done'
	[ "$VM_RC" = 0 ] || { guest_fail; why="the guest's listener did not start"; }
fi
[ -z "$why" ] && { r=$(vm_ctl vsock-connect 6000 16000 100000 9) || why="vsock-connect: $r"; }
if [ -z "$why" ]; then
	res=$(vm_ctl vsock-result 16000 60000) || why="vsock-result: $res"
	vm_run 60 'i=0; until [ -s /tmp/vl.rc ]; do i=$((i + 1)); [ $i -gt 300 ] && break; sleep 0.1; done; echo rc=$(cat /tmp/vl.rc); cat /tmp/vl.err; sha256sum /tmp/vl.in; wc -c < /tmp/vl.in'
	g_rc=$(printf '%s' "$VM_OUT" | sed -n 's/^rc=//p')
	g_in=$(printf '%s' "$VM_OUT" | awk '$2 == "/tmp/vl.in" { print $1 }')
	g_len=$(printf '%s' "$VM_OUT" | tail -n 1)
	[ -z "$why" ] && [ "$g_rc" != 0 ] && { guest_fail; why="the guest's listener failed (rc=$g_rc)"; }
	[ -z "$why" ] && [ -n "$(ds_get why "$res")" ] && why="host: $(ds_get why "$res")"
	[ -z "$why" ] && [ "$(ds_get from_host "$res")" != 1 ] && why="not a host-initiated connection"
	[ -z "$why" ] && [ "$(ds_get rx_sha256 "$res")" != "$g_out" ] && why="guest->host bytes differ (SHA-256)"
	[ -z "$why" ] && [ "$g_len" != 100000 ] && why="the guest got $g_len bytes, want 100000"
	[ -z "$why" ] && [ "$(ds_get tx_sha256 "$res")" != "$g_in" ] && why="host->guest bytes differ (SHA-256)"
fi
say vm:hv_sock:host_connects_bytes_both_ways "$why"

# nothing listens on host port 5999: hostsim refuses, connect() fails
why=${VS_OK:+skipped: hv_sock did not work}
if [ -z "$why" ]; then
	ref0=$(ds_get refused "$(vm_ctl vsock-stats)")
	vm_run 60 'lis-dmsock connect 5999 < /dev/null; echo rc=$?'
	printf '%s' "$VM_OUT" | grep -q '^rc=0' && why="connect to a refused port succeeded"
	ref1=$(ds_get refused "$(vm_ctl vsock-stats)")
	[ -z "$why" ] && [ "$ref1" != $((ref0 + 1)) ] && why="hostsim refused $((ref1 - ref0)) requests, want 1"
fi
say vm:hv_sock:refused_port_fails "$why"
st=$(vm_ctl vsock-stats 2>/dev/null)
say vm:hv_sock:host_saw_no_errors "$([ "$(ds_get protocol_errors "$st")" = 0 ] || echo "hostsim's endpoint: $(ds_get protocol_errors "$st") protocol errors")"

# ---- uio_hv_generic: new_id, the rings mapped, a packet each way ----
why=
UD=/sys/bus/vmbus/devices/$ECHO_INST
UDRV=/sys/bus/vmbus/drivers/uio_hv_generic
r=$(vm_ctl echo "$ECHO_INST" "$ECHO_CLASS" "$ECHO_XOR") || why="hostsim-vm echo: $r"
[ -z "$why" ] && { wait_dev "$ECHO_INST" present || why="the echo device did not appear on the vmbus"; }
if [ -z "$why" ]; then
	vm_run 60 "grep -q '^uio ' /proc/modules || insmod /lib/kmods/uio.ko; insmod /lib/lis/uio_hv_generic.ko && echo $ECHO_CLASS > $UDRV/new_id && "'i=0; until [ -d '"$UD"'/uio ]; do i=$((i + 1)); [ $i -gt 100 ] && exit 1; sleep 0.1; done; readlink '"$UD"'/driver; ls '"$UD"'/uio; for m in '"$UD"'/uio/uio*/maps/map*; do echo "${m##*/} $(cat $m/name) $(cat $m/size)"; done'
	[ "$VM_RC" = 0 ] || { guest_fail; why="new_id did not bind uio_hv_generic"; }
	printf '%s' "$VM_OUT" | detail
	UIO=$(printf '%s' "$VM_OUT" | grep -m1 '^uio[0-9]*$')
	[ -z "$why" ] && [ "$(printf '%s' "$VM_OUT" | sed -n 1p | sed 's|.*/||')" != uio_hv_generic ] && why="bound to $(printf '%s' "$VM_OUT" | sed -n 1p)"
	[ -z "$why" ] && ! printf '%s' "$VM_OUT" | grep -q '^map0 txrx_rings ' && why="map0 is not txrx_rings"
	[ -z "$why" ] && ! printf '%s' "$VM_OUT" | grep -q '^map1 int_page ' && why="map1 is not int_page"
	[ -z "$why" ] && [ "$(ds_get open "$(vm_ctl echo-stats)")" != 1 ] && why="hostsim: the channel is not open"
fi
say vm:uio:new_id_binds_the_device "$why"
UIO_OK=$why

why=${UIO_OK:+skipped: not bound}
if [ -z "$why" ]; then
	vm_run 60 "lis-dmsock uio $UIO 4242 200"
	printf '%s' "$VM_OUT" | detail
	[ "$VM_RC" = 0 ] || { guest_fail; why="lis-dmsock uio failed"; }
	[ -z "$why" ] && ! printf '%s' "$VM_OUT" | grep -q "^tid=4242 len=200 xor=$ECHO_XOR " && why="the answer is not the host's (tid 4242, 200 bytes XORed with $ECHO_XOR)"
	st=$(vm_ctl echo-stats)
	[ -z "$why" ] && [ "$(ds_get packets_in "$st")/$(ds_get last_trans_id "$st")/$(ds_get last_len "$st")" != 1/4242/200 ] &&
		why="hostsim saw packets/tid/len $(ds_get packets_in "$st")/$(ds_get last_trans_id "$st")/$(ds_get last_len "$st"), want 1/4242/200"
fi
say vm:uio:rings_mapped_packet_both_ways "$why"

why=${UIO_OK:+skipped: not bound}
if [ -z "$why" ]; then
	vm_run 30 "lis-dmsock uio-refused $UIO"
	printf '%s' "$VM_OUT" | detail
	printf '%s' "$VM_OUT" | grep -q '^refused=5 of 5$' || why="$(printf '%s' "$VM_OUT" | grep -E '^allowed|^refused' | tr '\n' ' ')"
fi
say vm:uio:bad_mappings_refused "$why"

# ---- every module bound ----
vm_run 30 "lsmod; for d in /sys/bus/vmbus/devices/$DM_INST $UD; do readlink \$d/driver; done"
printf '%s' "$VM_OUT" | grep -E '^(hv_balloon|hv_sock|uio_hv_generic|vsock|uio) ' | sed 's/^/    lsmod: /'
why=
for m in hv_balloon hv_sock uio_hv_generic; do
	printf '%s' "$VM_OUT" | grep -q "^$m " || why="${why:+$why, }$m is not in lsmod"
done
printf '%s' "$VM_OUT" | grep -q '/hv_balloon$' || why="${why:+$why, }the balloon is not bound to hv_balloon"
printf '%s' "$VM_OUT" | grep -q '/uio_hv_generic$' || why="${why:+$why, }the echo device is not bound to uio_hv_generic"
say vm:dm_sock_uio:lsmod_and_bound "$why"

# ---- unbind: the channel closes; remove_id takes the class back ----
why=${UIO_OK:+skipped: not bound}
if [ -z "$why" ]; then
	vm_run 30 "echo $ECHO_INST > $UDRV/unbind && echo $ECHO_CLASS > $UDRV/remove_id && echo removed; echo $ECHO_CLASS > $UDRV/remove_id 2>/dev/null && echo removed-twice; [ -e $UD/driver ] && echo still-bound; true"
	printf '%s' "$VM_OUT" | grep -q '^removed$' || { guest_fail; why="unbind or remove_id failed"; }
	printf '%s' "$VM_OUT" | grep -q 'removed-twice' && why="${why:-remove_id accepted a class it does not have}"
	printf '%s' "$VM_OUT" | grep -q 'still-bound' && why="${why:-still bound after unbind}"
	sleep 1
	[ -z "$why" ] && [ "$(ds_get open "$(vm_ctl echo-stats)")" != 0 ] && why="hostsim: the channel is still open"
fi
say vm:uio:unbind_closes_remove_id "$why"
# ---- unload: all three go; the balloon's channel closes at the host ----
vm_run 60 'rmmod uio_hv_generic hv_sock hv_balloon; echo rc=$?; grep -E "^(uio_hv_generic|hv_sock|hv_balloon) " /proc/modules'
why=
printf '%s' "$VM_OUT" | grep -q '^rc=0$' || { guest_fail; why="rmmod failed"; }
printf '%s' "$VM_OUT" | grep -qE '^(uio_hv_generic|hv_sock|hv_balloon) ' && why="${why:-a module is still loaded}"
[ -z "$why" ] && [ -z "$DM_OK" ] && [ "$(ds_get open "$(vm_ctl balloon-stats)")" != 0 ] && why="hostsim: the balloon's channel is still open"
say vm:dm_sock_uio:unload "$why"
echo "    balloon, hv_sock and uio checks: $((SECONDS - DMS_T0)) s"
