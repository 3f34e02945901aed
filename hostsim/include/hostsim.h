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
	/* optional: hs_destroy() is freeing the device (its threads are
	 * stopped); free the model's private state */
	void (*release)(struct hs_device *dev);
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

/* ---- storvsp: a simulated SCSI controller or IDE accelerator (§4) ---------
 *
 * One storvsp is one VMBus device (class SCSI or IDE) with its LUNs.  It
 * speaks the storvsc protocol on the primary channel (BEGIN_INITIALIZATION,
 * QUERY_PROTOCOL_VERSION, QUERY_PROPERTIES, END_INITIALIZATION,
 * CREATE_SUB_CHANNELS) and carries EXECUTE_SRB on every channel.  Disks live
 * in memory or in a file.  Every object below stays valid until hs_destroy()
 * (which also frees them); all functions are thread-safe.  See
 * docs/hostsim.md for the behaviour the model chose where Hyper-V's is not
 * documented. */
struct hs_storvsp;
struct hs_lun;

#define HS_STORVSP_VERSION(maj, min)	((uint16_t)((maj) << 8 | (min)))

struct hs_storvsp_config {
	bool ide;			/* IDE accelerator class instead of SCSI */
	/* instance GUID (wire order); all zero: one is made up (unique in
	 * the process, not stable across runs).  IDE: bytes 4-5 are set to
	 * ide_target, where Linux reads the target number. */
	uint8_t instance_guid[16];
	uint8_t ide_path, ide_target;	/* IDE: offer properties (§4.1) */
	/* accepted protocol versions (HS_STORVSP_VERSION), 0-terminated;
	 * NULL: 6.2, 6.0, 5.1.  Anything else gets REVISION_MISMATCH. */
	const uint16_t *versions;
	uint16_t max_channels;		/* QUERY_PROPERTIES MaxChannelCount */
	bool multi_channel;		/* properties Flags bit 0 */
	uint32_t max_transfer_bytes;	/* 0: 256 KiB */
	bool monitored;			/* offer with MonitorAllocated */
	/* don't send ENUMERATE_BUS when a LUN is added, removed or resized */
	bool no_enumerate_on_change;
};

struct hs_lun_config {
	uint8_t path, target, lun;	/* SRB PathId / TargetId / Lun */
	uint64_t blocks;		/* size; a file given with 0 keeps its size */
	uint32_t block_size;		/* logical block: 512 (0) or 4096 */
	uint8_t physical_exponent;	/* logical blocks per physical = 2^n */
	const char *file;		/* backing file (created, sized); NULL: memory */
	bool read_only;			/* writes fail with DATA PROTECT */
	bool write_through;		/* caching page WCE = 0 */
	bool no_unmap;			/* no thin provisioning (LBPME/LBPU 0) */
	bool rotational;		/* VPD B1 rotation rate unreported (else 1 = SSD) */
	const char *serial;		/* VPD 0x80; NULL: made from the address */
};

struct hs_storvsp *hs_storvsp_add(struct hs_host *h, const struct hs_storvsp_config *cfg);
struct hs_device *hs_storvsp_device(struct hs_storvsp *sv);
/* a LUN; after END_INITIALIZATION this is a hot add (ENUMERATE_BUS is
 * sent).  NULL if the address is taken or the backing cannot be made. */
struct hs_lun *hs_storvsp_lun_add(struct hs_storvsp *sv, const struct hs_lun_config *cfg);
/* hot remove: later commands to it get SrbStatus INVALID_LUN; the data
 * stays readable through hs_lun_read/hs_lun_checksum */
int hs_lun_remove(struct hs_lun *lun);
/* online resize: the next command gets UNIT ATTENTION 2A/09 (capacity data
 * has changed), and ENUMERATE_BUS is sent */
int hs_lun_resize(struct hs_lun *lun, uint64_t blocks);
uint64_t hs_lun_blocks(struct hs_lun *lun);
/* the host's view of the disk bytes (no SCSI involved) */
int hs_lun_read(struct hs_lun *lun, uint64_t offset, void *buf, size_t len);
int hs_lun_write(struct hs_lun *lun, uint64_t offset, const void *buf, size_t len);
/* SHA-256 of the whole disk (what `sha256sum /dev/sdX` prints in the
 * guest); hex: 65 bytes, NUL-terminated, may be NULL */
int hs_lun_checksum(struct hs_lun *lun, uint8_t digest[32], char *hex);
/* send ENUMERATE_BUS (11) or REMOVE_DEVICE (2) on the primary channel now */
int hs_storvsp_notify(struct hs_storvsp *sv, uint32_t operation);

struct hs_storvsp_stats {
	uint16_t version;		/* negotiated protocol version; 0: none */
	bool initialized;		/* END_INITIALIZATION completed */
	uint32_t subchannels;		/* offered by CREATE_SUB_CHANNELS */
	uint64_t requests;		/* vstor packets received */
	uint64_t srbs, srbs_on_subchannels;
	uint64_t reads, writes, bytes_read, bytes_written;
	uint64_t syncs, unmaps, resets;
	uint64_t check_conditions;	/* CHECK CONDITION completions */
	uint64_t bad_requests;		/* malformed or out-of-order guest requests */
	uint64_t enumerates;		/* ENUMERATE_BUS/REMOVE_DEVICE sent */
	uint64_t faults;		/* injected faults carried out */
	uint32_t delayed_pending;	/* delayed completions not yet sent */
	uint32_t version_refusals;	/* QUERY_PROTOCOL_VERSION answered REVISION_MISMATCH */
};
void hs_storvsp_stats(struct hs_storvsp *sv, struct hs_storvsp_stats *st);

/* storvsp fault injection: the next `count` requests that match (operation,
 * and for EXECUTE_SRB the CDB opcode and LUN) misbehave as `kind` says. */
enum hs_storvsp_fault_kind {
	HS_SV_CHECK_CONDITION = 1,	/* not executed; CHECK CONDITION + sense */
	HS_SV_BUSY,			/* not executed; ScsiStatus BUSY (0x08) */
	HS_SV_SRB_STATUS,		/* not executed; SrbStatus = srb_status */
	HS_SV_DELAY,			/* executed; completion after delay_ms */
	HS_SV_DROP,			/* executed; no completion ever */
	HS_SV_SHORT_REPLY,		/* completion payload cut to `length` bytes */
	HS_SV_WRONG_OPERATION,		/* completion Operation = `operation` */
	HS_SV_UNKNOWN_TID,		/* completion with TransactionId ^ tid_xor */
	HS_SV_NTSTATUS,			/* completion Status = `status` */
};
struct hs_storvsp_fault {
	enum hs_storvsp_fault_kind kind;
	unsigned int count;		/* 0 disarms faults of this kind */
	uint32_t match_operation;	/* vstor Operation; 0: EXECUTE_SRB (3) */
	int match_cdb;			/* CDB[0] to match; -1: any */
	struct hs_lun *match_lun;	/* NULL: any */
	uint8_t sense_key, asc, ascq;	/* CHECK_CONDITION */
	uint8_t srb_status;		/* SRB_STATUS */
	uint32_t delay_ms;		/* DELAY */
	uint32_t length;		/* SHORT_REPLY (0: 8 bytes) */
	uint32_t operation;		/* WRONG_OPERATION (0: EXECUTE_SRB) */
	uint64_t tid_xor;		/* UNKNOWN_TID (0: all ones) */
	uint32_t status;		/* NTSTATUS (0: 0xC0000001) */
	/* malformed-reply kinds: send the correct completion afterwards too */
	bool then_real;
};
int hs_storvsp_inject(struct hs_storvsp *sv, const struct hs_storvsp_fault *f);

#endif /* HOSTSIM_H */
