/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VM rung's bridge protocol: how the guest bridge module
 * (tests/vm/bridge) and the host process (tests/vm/hostsim-vm) talk through
 * the ivshmem-doorbell device.  Test-only; never packaged.
 *
 * BAR2 of the device is a shared-memory object the host process creates and
 * hands to QEMU; it starts with struct lisvm_shared.
 *
 *  guest -> host: a call (CPUID, MSR read/write, hypercall, hello) is written
 *	into the calling CPU's slot; `seq` is bumped last, then the guest
 *	rings the host's doorbell (BAR0 register 12 = host peer << 16 | 0)
 *	and spins until `done` equals `seq`.  The host answers every slot
 *	whose `seq` differs from `done` (it also polls, so a lost doorbell
 *	costs time, not correctness).
 *  host -> guest: "raise vector v on VP n" sets bit v of pending[n] and
 *	signals MSI-X vector n of the device; the guest takes the bits with
 *	an atomic exchange (eventfds count, they do not queue messages).
 *
 * Both sides run on x86-64: little-endian, naturally aligned fields, and
 * atomics on shared memory work between the QEMU guest and the host.
 */
#ifndef LISVM_PROTO_H
#define LISVM_PROTO_H

#include <linux/types.h>

#define LISVM_MAGIC		0x4d56534cu	/* "LSVM" */
#define LISVM_PROTO_VERSION	1u
#define LISVM_MAX_VPS		8u	/* MSI-X vector n = VP n */
#define LISVM_MAX_CPUS		8u	/* one slot per guest CPU */
#define LISVM_SHM_SIZE		(64u * 1024u)	/* a power of two, as BAR2 needs */
#define LISVM_HOST_PEER		0u	/* the host process's ivshmem peer id */
#define LISVM_GUEST_PEER	1u	/* the QEMU guest's peer id */
/* MMIO for VMBus devices (the synthetic video's VRAM, the vPCI config
 * window and BARs), handed to hv_vmbus as lis_vmbus_test_mmio: the top
 * 32 MiB of the 512 MiB of guest RAM, above the rung's mem=384M limit, so
 * the guest kernel has no e820 entry there (x86 allocates no MMIO inside
 * one) and the host process sees the bytes in the RAM file.  hv_balloon's
 * hot add takes that memory later, once the video and vPCI drivers have
 * given it back (tests/vm/pci_fb.sh). */
#define LISVM_MMIO_START	0x1E000000ull
#define LISVM_MMIO_SIZE		0x02000000ull

enum lisvm_op {
	/* in[0] nr_cpus, in[1] vp_offset; out[0] hellos seen by the host */
	LISVM_OP_HELLO = 1,
	/* arg leaf; out[0..3] EAX EBX ECX EDX */
	LISVM_OP_CPUID = 2,
	/* vp, arg msr; out[0] value */
	LISVM_OP_RDMSR = 3,
	/* vp, arg msr, in[0] value; out[0] 0, or 1 when the MSR write faults */
	LISVM_OP_WRMSR = 4,
	/* vp, in[0] control, in[1] input GPA, in[2] output GPA; out[0] status */
	LISVM_OP_HYPERCALL = 5,
	/* vp, in[0] control, in[1] the 8-byte input; out[0] status */
	LISVM_OP_HYPERCALL_FAST = 6,
};

/* one guest CPU's mailbox; 128 bytes */
struct lisvm_slot {
	__u32 seq;		/* guest: request number, written last */
	__u32 done;		/* host: equals seq once the answer is in */
	__u32 op;
	__u32 vp;
	__u32 arg;
	__u32 status;		/* host: 0, or 1 for an operation it does not know */
	__u64 in[3];
	__u64 out[4];
	__u8 reserved[48];
};

struct lisvm_shared {
	/* written by the host before the guest starts */
	__u32 magic;
	__u32 version;
	__u32 nr_vps;
	__u32 host_peer;
	__u8 reserved[48];
	/* host -> guest: bit v of pending[n] = vector v raised on VP n */
	__u64 pending[LISVM_MAX_VPS][4];
	struct lisvm_slot slot[LISVM_MAX_CPUS];
};

#endif /* LISVM_PROTO_H */
