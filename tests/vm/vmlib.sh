# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The VM rung's launcher (sourced by tests/rungs/60-vm.sh): the hostsim host
# process, QEMU (TCG) with guest RAM in a shared file and an ivshmem-doorbell
# device, and the guest agent on the second serial port.
#
#   vm_host_start OFFER...     start hostsim-vm (listening before QEMU starts)
#   vm_ctl CMD...              one control command (hostsim-vm ctl)
#   vm_wait KEY<op>VALUE MS    wait for hostsim's state (hostsim-vm wait)
#   vm_qemu_start STAGE        boot the guest kernel; the agent says @@READY STAGE
#   vm_ready STAGE SECONDS     wait for that
#   vm_run SECONDS CMD         run CMD in the guest: output in VM_OUT, status in VM_RC
#   vm_send CMD                send CMD and do not wait (kexec)
#   vm_stop                    stop QEMU and the host, remove the RAM file
#
# shellcheck disable=SC2034  # VM_RC and VM_OUT are for the caller
# Inputs: OUT, VM_DIR (a short directory for sockets and fifos), and
# out/vm/vm.env from tests/vm/build.sh.  VM_SMP and VM_MEM_MB may override
# the machine size; VM_DVD names a disc image for the emulated IDE DVD drive;
# VM_VF_MAC gives the guest an e1000 with that MAC whose wire is a datagram
# socket pair in VM_DIR (hostsim-vm's netvsp-vfport: the netvsc VF).
VM_SMP=${VM_SMP:-2}
VM_MEM_MB=${VM_MEM_MB:-512}
VM_HOST=$OUT/vm/hostsim-vm
VM_SEQ=0
VM_PARTIAL=
VM_OUT=
VM_RC=
VM_QEMU_PID=
VM_HOST_PID=

vm_host_start() {
	local o args=()
	for o in "$@"; do args+=(--offer "$o"); done
	VM_RAM=/dev/shm/lisvm-$$-ram
	rm -f "$VM_RAM"
	"$VM_HOST" serve --socket "$VM_DIR/ivshmem.sock" --ctl "$VM_DIR/ctl.sock" \
		--ram "$VM_RAM" --ram-size $((VM_MEM_MB * 1024 * 1024)) --vps "$VM_SMP" \
		--log "$VM_LOGS/host.log" "${args[@]}" 2>>"$VM_LOGS/host.err" &
	VM_HOST_PID=$!
	local tries=100
	while [ "$tries" -gt 0 ]; do
		tries=$((tries - 1))
		"$VM_HOST" ctl "$VM_DIR/ctl.sock" state >/dev/null 2>&1 && return 0
		kill -0 "$VM_HOST_PID" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

vm_ctl() { "$VM_HOST" ctl "$VM_DIR/ctl.sock" "$@"; }
vm_wait() { "$VM_HOST" wait "$VM_DIR/ctl.sock" "$@"; }

# vm_state KEY [hello-state]: one value of hostsim's state
vm_state() {
	vm_ctl "${2:-state}" | sed -n "s/^$1=//p"
}

# the kernel command line of boot STAGE (also what kexec hands the next kernel)
vm_append() {
	printf 'console=ttyS0 loglevel=6 panic=-1 lisvm.stage=%s%s\n' "$1" "${VM_KERNEL_ARGS:+ $VM_KERNEL_ARGS}"
}

vm_qemu_start() {
	local stage=$1 bios=() kernel=$VMLINUZ dvd=() vf=()
	[ -r /usr/share/qemu/qboot.rom ] && bios=(-bios /usr/share/qemu/qboot.rom)
	# VM_DVD: a disc in the board's emulated IDE controller (ata_piix)
	[ -n "${VM_DVD-}" ] && dvd=(-drive "file=$VM_DVD,if=ide,index=2,media=cdrom,format=raw,readonly=on")
	[ -n "${VM_VF_MAC-}" ] && vf=(-netdev "dgram,id=vf0,local.type=unix,local.path=$VM_DIR/vf-qemu.sock,remote.type=unix,remote.path=$VM_DIR/vf-host.sock"
		-device "e1000,netdev=vf0,mac=$VM_VF_MAC")
	# the uncompressed image boots through PVH: no decompression under TCG
	[ -s "${VMLINUX-}" ] && kernel=$VMLINUX
	rm -f "$VM_DIR/agent.in" "$VM_DIR/agent.out"
	mkfifo "$VM_DIR/agent.in" "$VM_DIR/agent.out"
	# read-write opens: neither side blocks waiting for the other
	exec {VM_AGENT_IN}<>"$VM_DIR/agent.in" {VM_AGENT_OUT}<>"$VM_DIR/agent.out"
	qemu-system-x86_64 -nodefaults -machine pc,memory-backend=mem -accel tcg \
		-smp "$VM_SMP" -m "${VM_MEM_MB}M" "${bios[@]}" "${dvd[@]}" "${vf[@]}" \
		-object "memory-backend-file,id=mem,size=${VM_MEM_MB}M,mem-path=$VM_RAM,share=on" \
		-chardev "socket,path=$VM_DIR/ivshmem.sock,id=ivsh" \
		-device "ivshmem-doorbell,chardev=ivsh,vectors=$VM_SMP" \
		-kernel "$kernel" -initrd "$INITRD" -append "$(vm_append "$stage")" \
		-display none -serial "file:$VM_LOGS/console.log" -serial "pipe:$VM_DIR/agent" \
		-monitor none -no-reboot </dev/null >"$VM_LOGS/qemu.log" 2>&1 &
	VM_QEMU_PID=$!
}

# read one line from the agent within 1 s; partial lines are kept
vm_line() {
	local chunk=
	if IFS= read -r -t 1 -u "$VM_AGENT_OUT" chunk; then
		VM_LINE=$VM_PARTIAL$chunk
		VM_PARTIAL=
		printf '%s\n' "$VM_LINE" >> "$VM_LOGS/agent.log"
		return 0
	fi
	VM_PARTIAL+=$chunk
	return 1
}

vm_alive() { [ -n "$VM_QEMU_PID" ] && kill -0 "$VM_QEMU_PID" 2>/dev/null; }

vm_ready() {
	local stage=$1 end=$((SECONDS + $2))
	while [ "$SECONDS" -lt "$end" ] && vm_alive; do
		vm_line || continue
		[ "$VM_LINE" = "@@READY $stage" ] && return 0
	done
	return 1
}

vm_send() {
	VM_SEQ=$((VM_SEQ + 1))
	printf '%s %s\n' "$VM_SEQ" "$1" >> "$VM_LOGS/agent.log"
	printf '%s %s\n' "$VM_SEQ" "$1" >&"$VM_AGENT_IN"
}

vm_run() {
	local end=$((SECONDS + $1))
	vm_send "$2"
	VM_OUT=
	VM_RC=timeout
	while [ "$SECONDS" -lt "$end" ] && vm_alive; do
		vm_line || continue
		case $VM_LINE in
		"@@END $VM_SEQ "*) VM_RC=${VM_LINE##* }; return 0 ;;
		"@@READY "*) VM_OUT+="(the guest rebooted: $VM_LINE)"$'\n'; return 1 ;;
		esac
		VM_OUT+=$VM_LINE$'\n'
	done
	return 1
}

vm_stop() {
	if [ -n "$VM_QEMU_PID" ]; then
		kill "$VM_QEMU_PID" 2>/dev/null || true
		wait "$VM_QEMU_PID" 2>/dev/null || true
		VM_QEMU_PID=
	fi
	if [ -n "$VM_HOST_PID" ]; then
		"$VM_HOST" ctl "$VM_DIR/ctl.sock" quit >/dev/null 2>&1 || kill "$VM_HOST_PID" 2>/dev/null || true
		wait "$VM_HOST_PID" 2>/dev/null || true
		VM_HOST_PID=
	fi
	[ -n "${VM_RAM-}" ] && rm -f "$VM_RAM"
	return 0
}
