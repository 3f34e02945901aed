/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hostsim: a simulated Hyper-V host — the hypervisor's SynIC/hypercall
 * interface and the VMBus server, with pluggable device models (storvsp,
 * netvsp, ICs, ... as later work adds them).
 *
 * hostsim is an independent oracle: it shares no code, structure or header
 * with the LIS drivers.  Its message layouts, ring arithmetic and GUID
 * handling are written from the protocol fact sheet's numbers, so a wrong
 * offset on either side shows up as a failure instead of being mirrored.
 *
 * Two ways to run it:
 *  - in-process (unit tests): the guest's platform backend calls the
 *    hs_guest_* functions directly; guest memory is the test's own memory;
 *  - as a host process (VM rung): a server maps the QEMU guest's RAM file and
 *    forwards the guest's MSR writes and hypercalls to the same functions.
 *
 * Threading: hostsim runs its own worker thread(s) (hs_start).  The
 * hs_guest_* calls may be made from any thread, concurrently.  hostsim never
 * calls env->interrupt() from inside an hs_guest_* call: interrupts are
 * raised from hostsim's own threads, as a real host's are asynchronous.
 */
#ifndef HOSTSIM_H
#define HOSTSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hs_host;
struct hs_device;
struct hs_channel;

/* ---- how hostsim reaches the guest ---------------------------------------- */
struct hs_guest_env {
	void *ctx;
	/* host pointer to guest-physical [gpa, gpa + len), or NULL when that
	 * range is not guest RAM (hostsim then treats the request as invalid) */
	void *(*map)(void *ctx, uint64_t gpa, size_t len);
	/* raise `vector` on virtual processor `vp` */
	void (*interrupt)(void *ctx, uint32_t vp, uint8_t vector);
	/* optional: one line per protocol error hostsim detects (no newline);
	 * NULL: printed to stderr when HOSTSIM_LOG is set in the environment */
	void (*log)(void *ctx, const char *line);
};

/* ---- the simulated partition ---------------------------------------------- */
struct hs_config {
	uint32_t nr_vps;		/* virtual processors (1..64) */
	/* VMBus versions the host accepts, newest first, 0-terminated;
	 * NULL: 5.3, 5.2, 5.1, 5.0, 4.1, 4.0, 3.0, 2.4 */
	const uint32_t *versions;
	/* CPUID behaviour: 0 normal Hyper-V; or one of HS_CPUID_* to test
	 * refusal paths */
	unsigned int cpuid_mode;
	uint32_t isolation_type;	/* CPUID 0x4000000C EBX[3:0]; 0 none */
	/* AutoEOI deprecation hint (CPUID 0x40000004 EAX bit 9) */
	bool deprecate_auto_eoi;
	/* message connection id VERSION_RESPONSE hands out for >= 5.0; 0: 4.
	 * A value other than 1 and 4 catches a guest that does not switch. */
	uint32_t msg_conn_id;
};

#define HS_CPUID_HYPERV			0
#define HS_CPUID_NOT_HYPERVISOR		1	/* CPUID.1:ECX[31] clear */
#define HS_CPUID_WRONG_VENDOR		2	/* "KVMKVMKVM" */
#define HS_CPUID_NO_SYNIC		3	/* privilege bit 2 clear */
#define HS_CPUID_NO_POST_MESSAGES	4	/* group B bit 4 clear */

struct hs_host *hs_create(const struct hs_config *cfg, const struct hs_guest_env *env);
int hs_start(struct hs_host *h);		/* start hostsim's threads */
void hs_stop(struct hs_host *h);		/* stop and join them */
void hs_destroy(struct hs_host *h);

/* ---- the guest's view of the hypervisor (what platform backends forward) -- */
void hs_guest_cpuid(struct hs_host *h, uint32_t leaf, uint32_t regs[4]);
/* an MSR hostsim does not emulate reads 0 and fails writes (returns -1) */
uint64_t hs_guest_rdmsr(struct hs_host *h, uint32_t vp, uint32_t msr);
int hs_guest_wrmsr(struct hs_host *h, uint32_t vp, uint32_t msr, uint64_t value);
/* returns the hypercall result value (RAX).  As on hardware, the control
 * word's fast bit (16) says whether the two arguments are GPAs of the
 * input/output blocks or the input itself; both entry points behave alike.
 * A hypercall before GUEST_OS_ID and the hypercall page are enabled returns
 * HV_STATUS_INVALID_HYPERCALL_CODE (2). */
uint64_t hs_guest_hypercall(struct hs_host *h, uint32_t vp, uint64_t control,
			    uint64_t input_gpa, uint64_t output_gpa);
uint64_t hs_guest_hypercall_fast(struct hs_host *h, uint32_t vp, uint64_t control,
				 uint64_t input1, uint64_t input2);

/* ---- VMBus server state, for tests ---------------------------------------- */
struct hs_vmbus_state {
	uint32_t version;		/* negotiated; 0 when not connected */
	uint32_t target_vp;		/* INITIATE_CONTACT.TargetVcpu */
	uint32_t msg_conn_id;		/* connection id the guest must use */
	uint32_t contacts;		/* INITIATE_CONTACTs received */
	uint32_t offers_requested;	/* REQUESTOFFERS received */
	uint32_t unloads;		/* UNLOADs received */
	uint32_t open_channels;
	uint32_t gpadls;		/* established GPADLs */
	uint32_t relids_released;
	uint32_t protocol_errors;	/* malformed guest messages seen */
	uint64_t signals;		/* HvSignalEvent calls */
	uint64_t eoms;			/* EOM writes */
};
void hs_vmbus_state(struct hs_host *h, struct hs_vmbus_state *st);
/* wait until fn(h, arg) is true or timeout_ms passes; returns fn's last value */
bool hs_wait(struct hs_host *h, bool (*fn)(struct hs_host *h, void *arg), void *arg,
	     unsigned int timeout_ms);

/* ---- devices and channels --------------------------------------------------- */

/* A device model: callbacks run on a hostsim thread. */
struct hs_device_ops {
	/* the guest opened a channel of this device (primary or sub);
	 * user_data is OPENCHANNEL's 120 bytes */
	void (*opened)(struct hs_channel *ch, const uint8_t *user_data);
	/* the guest wrote packets: read them with hs_channel_recv() */
	void (*ready)(struct hs_channel *ch);
	void (*closed)(struct hs_channel *ch);
	/* optional: a send that failed because the ring was full can now
	 * succeed (the guest freed the space hostsim asked for) */
	void (*writable)(struct hs_channel *ch);
};

struct hs_offer {
	uint8_t class_guid[16];		/* wire layout (§2.4.1) */
	uint8_t instance_guid[16];
	uint16_t flags;			/* ChannelFlags */
	uint16_t mmio_megabytes;
	uint8_t user_defined[120];
	bool monitor_allocated;
	bool dedicated_interrupt;
};

/* offer a device (its primary channel); before or after the guest connects */
struct hs_device *hs_device_add(struct hs_host *h, const struct hs_offer *offer,
				const struct hs_device_ops *ops, void *priv);
/* offer n more sub-channels of a device (SubChannelIndex 1..); returns how
 * many were offered */
int hs_device_add_subchannels(struct hs_device *dev, unsigned int n);
/* rescind a device (all its channels); the guest must answer with
 * RELID_RELEASED for each.  Asynchronous (hostsim closes open channels,
 * calling closed(), and sends the rescinds); -1 if already rescinded.
 * Device and channel objects stay valid until hs_destroy(). */
int hs_device_rescind(struct hs_device *dev);
void *hs_device_priv(struct hs_device *dev);
struct hs_channel *hs_device_channel(struct hs_device *dev, unsigned int subchannel_index);
struct hs_device *hs_channel_device(struct hs_channel *ch);
uint32_t hs_channel_relid(struct hs_channel *ch);
uint16_t hs_channel_subchannel_index(struct hs_channel *ch);
bool hs_channel_is_open(struct hs_channel *ch);
uint32_t hs_channel_target_vp(struct hs_channel *ch);

/* a packet the guest wrote, parsed by hostsim from its own ring code */
struct hs_packet {
	uint16_t type;
	uint16_t flags;
	uint64_t trans_id;
	const uint8_t *payload;		/* after descriptor and extended header */
	uint32_t payload_len;
	/* GPA-direct (type 9): the ranges, each resolved to guest PFNs */
	uint32_t range_count;
	const uint8_t *ranges;		/* raw range array: {count, offset, pfns...}... */
	uint32_t ranges_len;
};
/* 1: one packet in *pkt (valid until the next recv); 0: ring empty or the
 * channel not open; -1: the guest wrote a malformed packet (counted once in
 * protocol_errors; the ring is not read again until the channel reopens) */
int hs_channel_recv(struct hs_channel *ch, struct hs_packet *pkt);
/* host->guest: in-band or completion packet; 0, or -1 when the ring is full */
int hs_channel_send(struct hs_channel *ch, uint16_t type, uint16_t flags,
		    uint64_t trans_id, const void *data, uint32_t len);
/* copy bytes between a host buffer and guest memory named by a GPA-direct
 * range list (storvsp data transfer); 0 or -1 (bad ranges) */
int hs_gpa_copy_from_guest(struct hs_host *h, const struct hs_packet *pkt,
			   uint32_t offset, void *dst, uint32_t len);
int hs_gpa_copy_to_guest(struct hs_host *h, const struct hs_packet *pkt,
			 uint32_t offset, const void *src, uint32_t len);
/* map a range of a GPADL the guest created on this channel (netvsp
 * buffers); NULL when the handle or range is invalid */
void *hs_gpadl_map(struct hs_channel *ch, uint32_t gpadl, uint32_t offset, uint32_t len);

/* ---- fault injection (error-path tests) ------------------------------------ */
enum hs_fault {
	HS_FAULT_NONE = 0,
	HS_FAULT_REFUSE_ALL_VERSIONS,	/* VERSION_RESPONSE supported = 0 */
	HS_FAULT_GPADL_FAIL,		/* GPADL_CREATED with a failure status */
	HS_FAULT_OPEN_FAIL,		/* OPENCHANNEL_RESULT with a failure status */
	HS_FAULT_DROP_OPEN_RESULT,	/* never answer OPENCHANNEL */
	HS_FAULT_RESCIND_ON_OPEN,	/* rescind instead of answering OPENCHANNEL */
	HS_FAULT_TRUNCATED_OFFER,	/* offers with a short payload size */
	HS_FAULT_BAD_RELID_OFFER,	/* offers with relid 0 or >= 2048 */
	HS_FAULT_UNKNOWN_MESSAGE,	/* send an undefined message type first */
	HS_FAULT_NO_UNLOAD_RESPONSE,	/* carry out UNLOAD, never answer it */
	HS_FAULT_POST_BUSY,		/* HvPostMessage: INSUFFICIENT_BUFFERS */
};
/* the next `count` occasions of `fault` misbehave; count 0 disarms it */
void hs_inject(struct hs_host *h, enum hs_fault fault, unsigned int count);

/* raw ring access for ring-corruption tests: the control page and data area
 * of an open channel's host->guest (host_to_guest) or guest->host ring, in
 * guest memory; NULL when not open.  The data pointer is NULL when the data
 * pages are not contiguous in host memory (*size is set all the same).
 * hostsim keeps its own copy of the indices it owns, so writing them here
 * changes what the guest sees, not what hostsim does next. */
void *hs_channel_ring_control(struct hs_channel *ch, bool host_to_guest);
void *hs_channel_ring_data(struct hs_channel *ch, bool host_to_guest, uint32_t *size);
/* signal the guest for this channel (SIEF bit + interrupt), as after a write */
void hs_channel_signal(struct hs_channel *ch);

/* send a raw channel message (<= 240 bytes) to the guest's VMBus message
 * slot on the connection's target VP (for malformed-message tests) */
int hs_post_raw_message(struct hs_host *h, const void *msg, uint32_t len);

/* ---- additions (after the first contract) ----------------------------------- */

/* host->guest packet with an extended header between the 16-byte
 * descriptor and the payload (e.g. type 7, transfer pages: ext = the
 * TransferPageSetId/RangeCount/ranges block); ext_len is padded to 8.
 * 0, or -1 when the ring is full or the channel is not open. */
int hs_channel_sendv(struct hs_channel *ch, uint16_t type, uint16_t flags,
		     uint64_t trans_id, const void *ext, uint32_t ext_len,
		     const void *data, uint32_t len);
/* ring-corruption tests: write `len` raw bytes (a multiple of 8, the
 * descriptor included) plus the trailer as the next packet, with the normal
 * index update and signalling rules; 0 or -1 */
int hs_channel_send_raw(struct hs_channel *ch, const void *pkt, uint32_t len);
/* the host's InterruptMask in the guest->host ring (consumer side, §3.4):
 * while set the guest must not signal; clearing it makes hostsim look at
 * the ring again */
void hs_channel_set_interrupt_mask(struct hs_channel *ch, bool masked);

/* copy to/from a GPADL of this channel by byte offset into the GPADL's
 * ranges (works whatever the host layout of the pages); 0 or -1 */
int hs_gpadl_copy_from_guest(struct hs_channel *ch, uint32_t gpadl, uint32_t offset,
			     void *dst, uint32_t len);
int hs_gpadl_copy_to_guest(struct hs_channel *ch, uint32_t gpadl, uint32_t offset,
			   const void *src, uint32_t len);

/* per-channel counters, for the signalling-rule tests */
struct hs_channel_stats {
	uint64_t guest_signals;		/* HvSignalEvent / monitor bits for it */
	uint64_t host_signals;		/* SIEF bit + interrupt sent for it */
	uint64_t packets_in;		/* packets read from the guest */
	uint64_t packets_out;		/* packets written to the guest */
	uint64_t send_full;		/* sends refused because the ring was full */
	uint64_t space_signals;		/* host signals sent because the guest's
					 * PendingSendSize was crossed */
};
void hs_channel_stats(struct hs_channel *ch, struct hs_channel_stats *st);

#endif /* HOSTSIM_H */
