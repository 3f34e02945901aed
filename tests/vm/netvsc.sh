# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The VM rung's hv_netvsc checks (sourced by tests/rungs/60-vm.sh after the
# storvsc checks; uses its helpers: vm_run, vm_ctl, say, detail, guest_fail,
# wait_dev).  hostsim offers two synthetic NICs on one virtual switch; the
# shipped hv_netvsc.ko drives them: they appear as ethN interfaces under
# their vmbus devices, get addresses (the second in a network namespace, so
# that traffic crosses the switch), pass ping and a bulk transfer both ways
# whose bytes are checked, follow the host's link state, take the emulated
# PCI NIC (e1000, the NIC's MAC: VM_VF_MAC, wired to hostsim through a
# datagram socket) as their VF, move the data path to it when hostsim
# associates the VF and back when the VF goes, and survive unload/reload.
# Guest commands are one line each (the agent reads lines), single-quoted
# where the guest's shell expands them.
# shellcheck disable=SC2016

NV_A=3c1d7a52-8e4f-4b91-a0d6-5f2e8c7b9a01
NV_B=3c1d7a52-8e4f-4b91-a0d6-5f2e8c7b9a02
NV_MAC_A=$VM_VF_MAC
NV_MAC_B=00:15:5d:4c:00:0b
NV_IP_A=10.77.0.1
NV_IP_B=10.77.0.2
NV_BLOB_MB=2
# the NICs' largest frame (GEN_MAXIMUM_FRAME_SIZE): jumbo frames pass the switch
NV_HOST_MTU=9000

# nv_ifaces: the guest waits (15 s) for both NICs' interfaces; IF_A/IF_B
nv_ifaces() {
	vm_run 30 "a=$NV_A; b=$NV_B; "'i=0; until ls /sys/bus/vmbus/devices/$a/net/* /sys/bus/vmbus/devices/$b/net/* >/dev/null 2>&1; do i=$((i + 1)); [ $i -gt 150 ] && exit 1; sleep 0.1; done; for d in $a $b; do n=$(ls /sys/bus/vmbus/devices/$d/net); echo "if=$n mac=$(cat /sys/class/net/$n/address) driver=$(basename $(readlink /sys/class/net/$n/device/driver))"; done'
	IF_A=$(printf '%s' "$VM_OUT" | sed -n 1p | sed -n 's/^if=\([^ ]*\) .*/\1/p')
	IF_B=$(printf '%s' "$VM_OUT" | sed -n 2p | sed -n 's/^if=\([^ ]*\) .*/\1/p')
	[ "$VM_RC" = 0 ] && [ -n "$IF_A" ] && [ -n "$IF_B" ]
}

# nv_net_up: A in the root namespace, B in namespace /tmp/nsb's process
nv_net_up() {
	vm_run 60 "a=$IF_A; b=$IF_B; "'[ -s /tmp/nsb ] && kill -0 $(cat /tmp/nsb) 2>/dev/null || { unshare -n sleep 100000 >/dev/null 2>&1 & echo $! > /tmp/nsb; sleep 0.5; }; p=$(cat /tmp/nsb); ip link set $b netns $p || exit 1; nsenter -t $p -n ip addr add '"$NV_IP_B"'/24 dev $b && nsenter -t $p -n ip link set $b up && nsenter -t $p -n ip link set lo up || exit 2; ip addr add '"$NV_IP_A"'/24 dev $a && ip link set $a up || exit 3'
	[ "$VM_RC" = 0 ]
}

nv_ping() {	# nv_ping COUNT: from A to B
	vm_run 60 "ping -c $1 -W 5 $NV_IP_B"
	[ "$VM_RC" = 0 ]
}

# nv_bulk: B serves a blob to A and A one to B (busybox httpd and wget);
# NV_WHY says what went wrong
nv_bulk() {
	NV_WHY=
	vm_run 180 'p=$(cat /tmp/nsb); wget -q -O /tmp/got-a http://'"$NV_IP_B"':8080/blob || exit 1; nsenter -t $p -n wget -q -O /tmp/got-b http://'"$NV_IP_A"':8081/blob || exit 2; sha256sum /tmp/www-b/blob /tmp/got-a /tmp/www-a/blob /tmp/got-b'
	[ "$VM_RC" = 0 ] || { guest_fail; NV_WHY="wget failed (step $VM_RC)"; return; }
	local sb ga sa gb
	read -r sb ga sa gb <<< "$(printf '%s' "$VM_OUT" | awk '{ print $1 }' | tail -n 4 | tr '\n' ' ')"
	[ -n "$gb" ] || { NV_WHY="no checksums"; return; }
	[ "$sb" = "$ga" ] || { NV_WHY="B->A: sent $sb, received $ga"; return; }
	[ "$sa" = "$gb" ] || { NV_WHY="A->B: sent $sa, received $gb"; return; }
	echo "    $NV_BLOB_MB MiB each way, sha256 ${sb:0:16}... and ${sa:0:16}..."
}

nv_stat() {	# nv_stat NIC KEY
	vm_ctl netvsp-stats "$1" | sed -n "s/^$2=//p"
}

# ---- the NICs appear ----
why=
vm_run 30 'rmmod e1000 2>/dev/null; true'
r=$(vm_ctl netvsp nva "$NV_A" "$NV_MAC_A" 8 "$NV_HOST_MTU") || why="hostsim-vm netvsp: $r"
[ -z "$why" ] && { r=$(vm_ctl netvsp nvb "$NV_B" "$NV_MAC_B" 8 "$NV_HOST_MTU") || why="hostsim-vm netvsp: $r"; }
[ -z "$why" ] && { r=$(vm_ctl netvsp-vfport nva "$VM_DIR/vf-host.sock" "$VM_DIR/vf-qemu.sock") ||
	why="hostsim-vm netvsp-vfport: $r"; }
for i in "$NV_A" "$NV_B"; do
	[ -z "$why" ] && { wait_dev "$i" present || why="NIC $i did not appear on the vmbus"; }
done
if [ -z "$why" ]; then
	vm_run 60 'dmesg -c >/dev/null; insmod /lib/lis/hv_netvsc.ko'
	[ "$VM_RC" = 0 ] || { guest_fail; why="insmod hv_netvsc failed"; }
fi
[ -z "$why" ] && { nv_ifaces || why="no interfaces for the NICs within 15 s"; }
if [ -z "$why" ]; then
	printf '%s' "$VM_OUT" | detail
	l1=$(printf '%s' "$VM_OUT" | sed -n 1p)
	l2=$(printf '%s' "$VM_OUT" | sed -n 2p)
	[[ $IF_A =~ ^eth[0-9]+$ && $IF_B =~ ^eth[0-9]+$ ]] || why="interfaces $IF_A and $IF_B are not named eth<N>"
	[ -z "$why" ] && [ "$l1" != "if=$IF_A mac=$NV_MAC_A driver=hv_netvsc" ] && why="NIC A: $l1"
	[ -z "$why" ] && [ "$l2" != "if=$IF_B mac=$NV_MAC_B driver=hv_netvsc" ] && why="NIC B: $l2"
fi
if [ -z "$why" ]; then
	[ "$(nv_stat nva nvsp_version)" = 0x60001 ] || why="NVSP $(nv_stat nva nvsp_version), want 6.1"
	vm_run 30 "a=$IF_A; "'i=0; until [ -e /sys/class/net/$a/queues/tx-1 ]; do i=$((i + 1)); [ $i -gt 150 ] && exit 1; sleep 0.1; done; ls /sys/class/net/$a/queues | tr "\n" " "; echo'
	[ -z "$why" ] && [ "$VM_RC" != 0 ] && why="$IF_A has no second queue (sub-channel and RSS) after 15 s"
	[ -z "$why" ] && [ "$(nv_stat nva subchannels)" != $((VM_SMP - 1)) ] &&
		why="$(nv_stat nva subchannels) sub-channels, want $((VM_SMP - 1))"
	[ -z "$why" ] && [ "$(nv_stat nva rss_enabled)" != 1 ] && why="RSS is not on"
fi
say vm:netvsc:two_nics_appear_as_eth_interfaces "$why"

# ---- addresses, ping, a bulk transfer both ways ----
why=
[ -n "${IF_B-}" ] || why="no interfaces"
[ -z "$why" ] && { nv_net_up || { guest_fail; why="cannot configure the interfaces (step $VM_RC)"; }; }
[ -z "$why" ] && { nv_ping 3 || { guest_fail; why="no ping reply from $NV_IP_B"; }; }
say vm:netvsc:addresses_and_ping "$why"

why=
if [ -n "${IF_B-}" ]; then
	vm_run 60 'p=$(cat /tmp/nsb); mkdir -p /tmp/www-a /tmp/www-b; dd if=/dev/urandom of=/tmp/www-b/blob bs=1M count='"$NV_BLOB_MB"' 2>/dev/null; dd if=/dev/urandom of=/tmp/www-a/blob bs=1M count='"$NV_BLOB_MB"' 2>/dev/null; nsenter -t $p -n httpd -p '"$NV_IP_B"':8080 -h /tmp/www-b && httpd -p '"$NV_IP_A"':8081 -h /tmp/www-a'
	[ "$VM_RC" = 0 ] || { guest_fail; why="cannot start the web servers"; }
	[ -z "$why" ] && { nv_bulk; why=$NV_WHY; }
	[ -z "$why" ] && [ "$(nv_stat nva tx_lso_packets)" = 0 ] && why="no large send went through the host (TSO)"
else
	why="no interfaces"
fi
say vm:netvsc:bulk_transfer_both_ways_checked "$why"

# ---- MTU change: the host hears the MTU only at bring-up, so the NIC is
#      brought up again (with the sub-channels it had) ----
why=
if [ -n "${IF_B-}" ]; then
	vm_run 60 "a=$IF_A; b=$IF_B; ip=$NV_IP_B; "'p=$(cat /tmp/nsb); ip link set $a mtu 4000 && nsenter -t $p -n ip link set $b mtu 4000 || exit 1; i=0; until [ -e /sys/class/net/$a/queues/tx-1 ]; do i=$((i + 1)); [ $i -gt 150 ] && exit 2; sleep 0.1; done; ping -c 3 -W 5 -s 3900 $ip || exit 3'
	case $VM_RC in
	0) ;;
	1) guest_fail; why="ip link set mtu 4000 failed" ;;
	2) why="$IF_A has one queue after the MTU change" ;;
	*) guest_fail; why="no reply to 3900-byte pings at MTU 4000" ;;
	esac
	[ -z "$why" ] && [ "$(nv_stat nva ndis_mtu)" != 4014 ] && why="NIC A: the host has NDIS MTU $(nv_stat nva ndis_mtu), want 4014"
	[ -z "$why" ] && [ "$(nv_stat nvb ndis_mtu)" != 4014 ] && why="NIC B: the host has NDIS MTU $(nv_stat nvb ndis_mtu), want 4014"
	[ -z "$why" ] && [ "$(nv_stat nva rss_enabled)" != 1 ] && why="RSS is off after the MTU change"
	[ -z "$why" ] && { vm_run 60 "a=$IF_A; b=$IF_B; "'p=$(cat /tmp/nsb); ip link set $a mtu 1500 && nsenter -t $p -n ip link set $b mtu 1500' || true; }
	[ -z "$why" ] && [ "$VM_RC" != 0 ] && { guest_fail; why="ip link set mtu 1500 failed"; }
	[ -z "$why" ] && [ "$(nv_stat nva ndis_mtu)" != 1514 ] && why="NIC A: the host has NDIS MTU $(nv_stat nva ndis_mtu) after going back to 1500"
	[ -z "$why" ] && { nv_ping 2 || why="no ping at MTU 1500 again"; }
else
	why="no interfaces"
fi
say vm:netvsc:mtu_change_reaches_the_host "$why"

# ---- VLAN: the tag travels as per-packet info both ways ----
why=
if [ -n "${IF_B-}" ]; then
	vm_run 60 "a=$IF_A; b=$IF_B; "'for m in llc stp garp mrp 8021q; do [ -d /sys/module/$m ] || insmod /lib/kmods/$m.ko || exit 1; done; p=$(cat /tmp/nsb); ip link add link $a name $a.5 type vlan id 5 && ip addr add 10.77.5.1/24 dev $a.5 && ip link set $a.5 up || exit 2; nsenter -t $p -n ip link add link $b name $b.5 type vlan id 5 && nsenter -t $p -n ip addr add 10.77.5.2/24 dev $b.5 && nsenter -t $p -n ip link set $b.5 up || exit 2; ping -c 3 -W 5 10.77.5.2 || exit 3; ping -c 2 -W 5 -s 1400 10.77.5.2 || exit 3; cat /sys/class/net/$a.5/statistics/rx_packets; ip link del $a.5; nsenter -t $p -n ip link del $b.5'
	case $VM_RC in
	0) echo "    VLAN 5 between $IF_A.5 and $IF_B.5: $(printf '%s' "$VM_OUT" | tail -n 1) packets received" ;;
	1) guest_fail; why="cannot load 8021q" ;;
	2) guest_fail; why="cannot make the VLAN interfaces" ;;
	*) guest_fail; why="no ping reply over VLAN 5" ;;
	esac
else
	why="no interfaces"
fi
say vm:netvsc:vlan_tagged_traffic "$why"

# ---- ethtool (lis-nettool: SIOCETHTOOL): driver info, channels, ring
#      sizes and statistics; channels and rings bring the NIC up again ----
why=
if [ -n "${IF_A-}" ]; then
	vm_run 30 "lis-nettool $IF_A info"
	printf '%s' "$VM_OUT" | tr '\n' ' ' | sed 's/^/    /;s/ *$/\n/'
	[ "$VM_RC" = 0 ] || { guest_fail; why="lis-nettool info failed"; }
	[ -z "$why" ] && ! printf '%s' "$VM_OUT" | grep -qx "driver=hv_netvsc" && why="driver is not hv_netvsc"
	# bus_info holds 31 characters: the vmbus device name, cut (as in-tree)
	[ -z "$why" ] && ! printf '%s' "$VM_OUT" | grep -qx "bus=${NV_A:0:31}" && why="bus is not ${NV_A:0:31}"
	[ -z "$why" ] && ! printf '%s' "$VM_OUT" | grep -qx "firmware=NVSP 6.1" && why="firmware is not NVSP 6.1"
	# one channel: no RSS at the host; two again: RSS over the kept sub-channel
	[ -z "$why" ] && { vm_run 60 "lis-nettool $IF_A channels 1" || true; }
	[ -z "$why" ] && ! printf '%s' "$VM_OUT" | grep -qx "combined=1" && { guest_fail; why="ethtool -L combined 1 did not take"; }
	[ -z "$why" ] && [ "$(nv_stat nva rss_enabled)" != 0 ] && why="the host still has RSS with one channel"
	[ -z "$why" ] && { nv_ping 2 || why="no ping with one channel"; }
	[ -z "$why" ] && { vm_run 60 "lis-nettool $IF_A channels 2" || true; }
	[ -z "$why" ] && ! printf '%s' "$VM_OUT" | grep -qx "combined=2" && { guest_fail; why="ethtool -L combined 2 did not take"; }
	[ -z "$why" ] && [ "$(nv_stat nva rss_enabled)" != 1 ] && why="no RSS at the host with two channels again"
	# ring sizes are the buffers' sections: half the receive buffer
	if [ -z "$why" ]; then
		vm_run 30 "lis-nettool $IF_A rings"
		rx=$(printf '%s' "$VM_OUT" | sed -n 's/^rx=//p')
		tx=$(printf '%s' "$VM_OUT" | sed -n 's/^tx=//p')
		rb=$(nv_stat nva recv_buffer_bytes)
		if [ "$VM_RC" != 0 ] || [ -z "$rx" ] || [ -z "$tx" ] || [ "${rx:-0}" -lt 2 ]; then
			guest_fail
			why="no ring sizes"
		fi
	fi
	if [ -z "$why" ]; then
		vm_run 60 "lis-nettool $IF_A rings $((rx / 2)) $tx" || true
		[ "$(printf '%s' "$VM_OUT" | sed -n 's/^rx=//p')" = $((rx / 2)) ] || { guest_fail; why="ethtool -G rx $((rx / 2)) did not take"; }
		rb2=$(nv_stat nva recv_buffer_bytes)
		echo "    rings: rx $rx -> $((rx / 2)) sections; the host's receive buffer $rb -> $rb2 bytes"
		[ -z "$why" ] && [ "$((rb2 * 2))" -gt "$((rb + 4096 * 2))" ] && why="the host's receive buffer is $rb2 bytes, not half of $rb"
		[ -z "$why" ] && { vm_run 60 "lis-nettool $IF_A rings $rx $tx" || true; }
		[ -z "$why" ] && [ "$(nv_stat nva recv_buffer_bytes)" != "$rb" ] && why="the receive buffer did not come back to $rb bytes"
		[ -z "$why" ] && { nv_ping 2 || why="no ping after the ring changes"; }
	fi
	# statistics: per queue, and no host input rejected
	if [ -z "$why" ]; then
		vm_run 30 "lis-nettool $IF_A stats"
		st=$VM_OUT
		n=$(printf '%s\n' "$st" | grep -c '=')
		bad=$(printf '%s\n' "$st" | awk -F= '/^host_bad_/ { s += $2 } END { print s + 0 }')
		rxq=$(printf '%s\n' "$st" | sed -n 's/^rx_queue_0_packets=//p')
		echo "    $n statistics; rx_queue_0_packets=$rxq; host_bad_* sum $bad"
		[ "$VM_RC" = 0 ] || { guest_fail; why="lis-nettool stats failed"; }
		[ -z "$why" ] && ! printf '%s\n' "$st" | grep -q '^tx_queue_1_packets=' && why="no statistics for queue 1"
		[ -z "$why" ] && [ "${rxq:-0}" -le 0 ] && why="rx_queue_0_packets is ${rxq:-missing}"
		[ -z "$why" ] && [ "$bad" != 0 ] && why="the driver rejected $bad pieces of host input"
	fi
else
	why="no interfaces"
fi
say vm:netvsc:ethtool_info_channels_rings_stats "$why"

# ---- link down and up ----
why=
if [ -n "${IF_A-}" ]; then
	r=$(vm_ctl netvsp-link nva down) || why="hostsim-vm netvsp-link: $r"
	[ -z "$why" ] && { vm_run 30 "c=/sys/class/net/$IF_A/carrier; "'i=0; until [ "$(cat $c)" = 0 ]; do i=$((i + 1)); [ $i -gt 150 ] && exit 1; sleep 0.1; done' ||
		true; }
	[ -z "$why" ] && [ "$VM_RC" != 0 ] && why="$IF_A still has a carrier 15 s after the cable went out"
	[ -z "$why" ] && { vm_run 30 "ping -c 1 -W 2 $NV_IP_B" || true; }
	[ -z "$why" ] && [ "$VM_RC" = 0 ] && why="ping went through a link that is down"
	[ -z "$why" ] && { r=$(vm_ctl netvsp-link nva up) || why="hostsim-vm netvsp-link: $r"; }
	[ -z "$why" ] && { vm_run 30 "c=/sys/class/net/$IF_A/carrier; "'i=0; until [ "$(cat $c)" = 1 ]; do i=$((i + 1)); [ $i -gt 150 ] && exit 1; sleep 0.1; done' ||
		true; }
	[ -z "$why" ] && [ "$VM_RC" != 0 ] && why="$IF_A has no carrier 15 s after the cable came back"
	[ -z "$why" ] && { nv_ping 2 || why="no ping after the link came back"; }
else
	why="no interfaces"
fi
say vm:netvsc:link_down_and_up "$why"

# ---- accelerated networking: the emulated e1000 with A's MAC is the VF ----
why=
VF=
if [ -n "${IF_A-}" ]; then
	vm_run 60 'dmesg -c >/dev/null; insmod /lib/kmods/e1000.ko || exit 1; i=0; until ls -d /sys/class/net/'"$IF_A"'/lower_* >/dev/null 2>&1; do i=$((i + 1)); [ $i -gt 150 ] && exit 2; sleep 0.1; done; v=$(basename $(ls -d /sys/class/net/'"$IF_A"'/lower_*)); echo "vf=${v#lower_}"; sleep 0.5; dmesg | grep -E "hv_netvsc|VF"'
	printf '%s' "$VM_OUT" | grep -E 'VF|vf=' | detail
	VF=$(printf '%s' "$VM_OUT" | sed -n 's/^vf=//p')
	if [ "$VM_RC" != 0 ] || [ -z "$VF" ]; then
		guest_fail
		why="the e1000 did not become $IF_A's lower device within 15 s"
	fi
	[ -z "$why" ] && ! printf '%s' "$VM_OUT" | grep -q "VF registering: $VF" && why="no 'VF registering: $VF'"
	[ -z "$why" ] && [ "$(nv_stat nva datapath_vf)" != 0 ] && why="the data path moved before the host associated a VF"
else
	why="no interfaces"
fi
say vm:netvsc:pci_nic_with_our_mac_joins_as_vf "$why"

why=
if [ -n "$VF" ]; then
	vf0=$(nv_stat nva vf_frames)
	r=$(vm_ctl netvsp-vf nva add 7) || why="hostsim-vm netvsp-vf: $r"
	[ -z "$why" ] && { vm_run 30 'i=0; until dmesg | grep -q "Data path switched to VF: '"$VF"'"; do i=$((i + 1)); [ $i -gt 150 ] && exit 1; sleep 0.1; done' ||
		true; }
	[ -z "$why" ] && [ "$VM_RC" != 0 ] && why="no 'Data path switched to VF: $VF' within 15 s"
	[ -z "$why" ] && [ "$(nv_stat nva datapath_vf)" != 1 ] && why="hostsim's data path is not the VF"
	[ -z "$why" ] && { nv_ping 3 || { guest_fail; why="no ping over the VF"; }; }
	[ -z "$why" ] && { nv_bulk; why=$NV_WHY; }
	if [ -z "$why" ]; then
		vm_run 30 "cat /sys/class/net/$VF/statistics/tx_packets /sys/class/net/$VF/statistics/rx_packets"
		read -r vtx vrx <<< "$(printf '%s' "$VM_OUT" | tr '\n' ' ')"
		echo "    $VF: tx $vtx, rx $vrx packets; hostsim sent $(( $(nv_stat nva vf_frames) - vf0 )) frames to the VF"
		if [ "${vtx:-0}" -le 100 ] || [ "${vrx:-0}" -le 100 ]; then
			why="the VF carried tx ${vtx:-?}/rx ${vrx:-?} packets"
		fi
		[ -z "$why" ] && [ "$(nv_stat nva vf_frames)" -le "$((vf0 + 100))" ] && why="hostsim delivered no frames to the VF"
	fi
else
	why="no VF"
fi
say vm:netvsc:vf_carries_the_traffic_once_associated "$why"

why=
if [ -n "$VF" ]; then
	vm_run 30 "echo 1 > /sys/class/net/$VF/device/remove; "'i=0; until dmesg | grep -q "Data path switched from VF"; do i=$((i + 1)); [ $i -gt 150 ] && exit 1; sleep 0.1; done; dmesg | grep -E "VF unregistering|switched from"'
	printf '%s' "$VM_OUT" | detail
	[ "$VM_RC" = 0 ] || { guest_fail; why="no 'Data path switched from VF' within 15 s of removing the VF"; }
	[ -z "$why" ] && [ "$(nv_stat nva datapath_vf)" != 0 ] && why="hostsim's data path is still the VF"
	[ -z "$why" ] && { nv_ping 3 || why="no ping after the VF went"; }
	[ -z "$why" ] && { r=$(vm_ctl netvsp-vf nva remove 7) || why="hostsim-vm netvsp-vf: $r"; }
	[ -z "$why" ] && { nv_bulk; why=$NV_WHY; }
else
	why="no VF"
fi
say vm:netvsc:vf_removed_data_path_falls_back "$why"

# ---- unload (with the VF back under A) and reload ----
why=
if [ -n "${IF_A-}" ]; then
	vm_run 60 'echo 1 > /sys/bus/pci/rescan; i=0; until ls -d /sys/class/net/'"$IF_A"'/lower_* >/dev/null 2>&1; do i=$((i + 1)); [ $i -gt 150 ] && exit 1; sleep 0.1; done'
	[ "$VM_RC" = 0 ] || { guest_fail; why="the VF did not join again after a PCI rescan"; }
	[ -z "$why" ] && { vm_run 60 'killall httpd; rmmod hv_netvsc && ! ls /sys/bus/vmbus/devices/'"$NV_A"'/net >/dev/null 2>&1' ||
		true; }
	[ -z "$why" ] && [ "$VM_RC" != 0 ] && { guest_fail; why="rmmod hv_netvsc failed or an interface remained"; }
	[ -z "$why" ] && [ "$(nv_stat nva rndis_initialized)" != 0 ] && why="NIC A was not halted"
	[ -z "$why" ] && { vm_run 60 'dmesg -c >/dev/null; insmod /lib/lis/hv_netvsc.ko' || true; }
	[ -z "$why" ] && [ "$VM_RC" != 0 ] && { guest_fail; why="insmod hv_netvsc failed again"; }
	[ -z "$why" ] && { nv_ifaces || why="the interfaces did not come back"; }
	[ -z "$why" ] && { vm_run 30 'dmesg | grep -c "VF registering"' || true; }
	[ -z "$why" ] && [ "$(printf '%s' "$VM_OUT" | tail -n 1)" != 1 ] && why="the VF that was there did not join at probe"
	[ -z "$why" ] && { nv_net_up || { guest_fail; why="cannot configure the interfaces again"; }; }
	[ -z "$why" ] && { nv_ping 3 || why="no ping after reload"; }
else
	why="no interfaces"
fi
say vm:netvsc:unload_reload "$why"
UR_WHY=$why

# ---- rescind: the host takes NIC A away, its VF under it, while it sends ----
why=
if [ -n "${IF_A-}" ] && [ -z "$UR_WHY" ]; then
	rel0=$(vm_state relids_released)
	gp0=$(vm_state gpadls)
	vm_run 30 "a=$IF_A; "'v=$(ls -d /sys/class/net/$a/lower_* 2>/dev/null) || exit 1; echo "vf=${v##*/lower_}"; ping -i 0.05 -W 1 '"$NV_IP_B"' >/dev/null 2>&1 & echo $! > /tmp/nvping; sleep 1'
	VF=$(printf '%s' "$VM_OUT" | sed -n 's/^vf=//p')
	if [ "$VM_RC" != 0 ] || [ -z "$VF" ]; then
		guest_fail
		why="no VF under $IF_A before the rescind"
	fi
	[ -z "$why" ] && { r=$(vm_ctl netvsp-rescind nva) || why="hostsim-vm netvsp-rescind: $r"; }
	[ -z "$why" ] && { wait_dev "$NV_A" absent || why="NIC A is still on the vmbus 15 s after the rescind"; }
	[ -z "$why" ] && { vm_run 30 "a=$IF_A; v=$VF; "'kill $(cat /tmp/nvping) 2>/dev/null; [ -e /sys/class/net/$a ] && exit 1; [ -e /sys/class/net/$v ] || exit 2; [ -e /sys/class/net/$v/master ] && exit 3; ip link show $v' || true; }
	case $VM_RC in
	0|'') ;;
	1) why="$IF_A remained after the rescind" ;;
	2) why="the VF $VF went with $IF_A" ;;
	*) guest_fail; why="the VF $VF still has a master" ;;
	esac
	# the primary and its sub-channel: released, their buffers torn down
	[ -z "$why" ] && { vm_wait "relids_released>=$((rel0 + VM_SMP))" 10000 >/dev/null ||
		why="hostsim saw $(( $(vm_state relids_released) - rel0 )) RELID_RELEASED, want $VM_SMP"; }
	[ -z "$why" ] && [ "$(vm_state gpadls)" -gt $((gp0 - 3)) ] &&
		why="$(( gp0 - $(vm_state gpadls) )) GPADLs torn down, want the ring and both buffers"
	[ -z "$why" ] && echo "    $IF_A gone with the device, $VF a NIC of its own again"
else
	why="skipped: unload/reload failed"
fi
say vm:netvsc:rescind_while_sending_releases_nic_and_vf "$why"

# the host saw nothing malformed from our netvsc
for n in nva nvb; do
	st=$(vm_ctl netvsp-stats "$n")
	printf '%s\n' "$st" | tr '\n' ' ' | sed "s/^/    $n: /;s/ *\$/\n/"
done
bad=$(( $(nv_stat nva bad_requests) + $(nv_stat nvb bad_requests) ))
say vm:netvsc:host_saw_no_bad_requests "$([ "$bad" = 0 ] || echo "netvsp counted $bad bad requests")"

# leave the guest as the later checks expect it: no netvsc, no VF
vm_run 60 'killall httpd 2>/dev/null; [ -s /tmp/nsb ] && kill $(cat /tmp/nsb); rmmod hv_netvsc; rmmod e1000; true'
