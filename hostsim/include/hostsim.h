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
/* packets one ready() or writable() call may read; after that
 * hs_channel_recv() returns 0 and hostsim calls ready() again on its next
 * pass (see docs/hostsim.md, "Adding a device model") */
#define HS_READ_BUDGET	128u

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
	uint64_t read_yields;		/* ready()/writable() calls cut short by
					 * the read budget (HS_READ_BUDGET) */
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

/* ---- netvsp: simulated synthetic NICs on a virtual switch (§5) ------------
 *
 * One netvsp is one VMBus network device: NVSP on its channels, RNDIS
 * inside, receive/send buffers shared by GPADL.  NICs hang off a virtual
 * switch, which also has a host port: tests inject frames there and capture
 * what reaches it.  Every object stays valid until hs_destroy(), which frees
 * them; all functions are thread-safe.  docs/hostsim.md has the details. */
struct hs_netvsp;
struct hs_vswitch;

#define HS_NVSP_VERSION_1	0x00000002u
#define HS_NVSP_VERSION_2	0x00030002u
#define HS_NVSP_VERSION_4	0x00040000u
#define HS_NVSP_VERSION_5	0x00050000u
#define HS_NVSP_VERSION_6	0x00060000u
#define HS_NVSP_VERSION_61	0x00060001u

struct hs_netvsp_config {
	/* the switch to plug into (a NIC of the same host made it); NULL: a
	 * new switch */
	struct hs_vswitch *vswitch;
	uint8_t mac[6];			/* permanent address; zero: 00:15:5d:.. made up */
	uint8_t instance_guid[16];	/* zero: made up */
	/* accepted NVSP versions, 0-terminated; NULL: 6.1, 6, 5, 4, 2, 1 */
	const uint32_t *versions;
	uint32_t mtu;			/* GEN_MAXIMUM_FRAME_SIZE; 0: 1500; at most 65521 */
	uint32_t link_speed;		/* GEN_LINK_SPEED, 100 bit/s units; 0: 10 Gbit/s */
	bool link_down;			/* start with the cable out */
	uint16_t max_queues;		/* RSS receive queues = 1 + max sub-channels; 0: 8 */
	uint32_t send_section_size;	/* SEND_SEND_BUFFER_COMPLETE; 0: 6144 */
	uint32_t recv_suballoc_size;	/* receive buffer sub-allocation; 0: 2048 */
	uint32_t max_packets_per_message; /* RNDIS INITIALIZE_CMPLT; 0: 8 */
	bool no_offloads;		/* hardware capabilities: no checksum/LSO */
	bool monitored;			/* offer with MonitorAllocated */
};

struct hs_netvsp *hs_netvsp_add(struct hs_host *h, const struct hs_netvsp_config *cfg);
struct hs_device *hs_netvsp_device(struct hs_netvsp *nic);
struct hs_vswitch *hs_netvsp_vswitch(struct hs_netvsp *nic);
void hs_netvsp_mac(struct hs_netvsp *nic, uint8_t mac[6]);	/* current address */
/* cable in/out: INDICATE_STATUS MEDIA_CONNECT / MEDIA_DISCONNECT once RNDIS
 * is up; while down no frame passes either way */
int hs_netvsp_set_link(struct hs_netvsp *nic, bool up);
/* any RNDIS INDICATE_STATUS (e.g. 0x40010013 link speed, 0x40010018
 * network change), with an optional status buffer */
int hs_netvsp_indicate(struct hs_netvsp *nic, uint32_t status, const void *buf, uint32_t len);
/* SEND_VF_ASSOCIATION (NVSP >= 4, after the guest announced SR-IOV in
 * SEND_NDIS_CONFIG): a VF with `serial` is there (allocated) or gone.  A
 * VF that goes away while the guest's data path is on it moves the data
 * path back to synthetic. */
int hs_netvsp_vf_associate(struct hs_netvsp *nic, bool allocated, uint32_t serial);
/* frames the switch delivered to this NIC's VF (data path switched to
 * it): copies the next one into buf, returns its length; 0: none */
int hs_netvsp_vf_capture(struct hs_netvsp *nic, void *buf, uint32_t cap);
/* SEND_INDIRECTION_TABLE (NVSP >= 5): `count` channel indices */
int hs_netvsp_send_indirection_table(struct hs_netvsp *nic, const uint32_t *table,
				     uint32_t count);
/* stop / resume reading the guest's rings (guest->host back-pressure:
 * the guest's rings fill up and it has to wait for the space signal) */
void hs_netvsp_pause_tx(struct hs_netvsp *nic, bool paused);

struct hs_netvsp_stats {
	uint32_t nvsp_version;		/* 0: not negotiated */
	uint32_t ndis_version;		/* major << 16 | minor */
	uint32_t ndis_mtu;		/* SEND_NDIS_CONFIG MTU */
	uint64_t ndis_capabilities;	/* SEND_NDIS_CONFIG Capabilities */
	uint32_t recv_buffer_bytes, recv_suballocs, send_buffer_bytes, send_sections;
	bool rndis_initialized, link_up, vf_allocated, datapath_vf;
	uint32_t packet_filter;
	uint32_t subchannels;		/* allocated by NVSP SUBCHANNEL */
	bool rss_enabled;
	uint32_t rss_hash_info;
	uint32_t offload_tx_csum, offload_rx_csum; /* bit 0 IPv4 header, 1 TCP4, 2 UDP4, 3 TCP6, 4 UDP6 */
	bool offload_lso4, offload_lso6;
	uint64_t rndis_requests;	/* RNDIS control messages from the guest */
	uint64_t tx_frames, tx_bytes, tx_dropped;
	uint64_t tx_csum_offloaded, tx_lso_packets, tx_lso_segments;
	uint64_t rx_frames, rx_bytes, rx_dropped, rx_pending_packets;
	uint64_t rx_by_channel[8];	/* frames delivered per channel index (0..7) */
	uint64_t vf_frames;		/* delivered to the VF instead */
	uint64_t bad_requests;		/* malformed or out-of-order guest messages */
	uint64_t faults;		/* injected faults carried out */
};
void hs_netvsp_stats(struct hs_netvsp *nic, struct hs_netvsp_stats *st);

/* the switch's host port */
void hs_vswitch_set_host_mac(struct hs_vswitch *sw, const uint8_t mac[6]);
/* send a frame from the host port (forwarded by destination MAC);
 * 0, or -1 when it is shorter than 14 bytes or longer than 65535 */
int hs_vswitch_inject(struct hs_vswitch *sw, const void *frame, uint32_t len);
/* the next frame that reached the host port (broadcast, multicast, the
 * host MAC, unknown unicast; every frame with `mirror`): its length, 0 if
 * none; a frame longer than cap is truncated (length still returned) */
int hs_vswitch_capture(struct hs_vswitch *sw, void *buf, uint32_t cap);
void hs_vswitch_mirror(struct hs_vswitch *sw, bool all);
uint64_t hs_vswitch_captured_dropped(struct hs_vswitch *sw);	/* capture queue overflows */

/* netvsp fault injection: the next `count` receive packets (HS_NV_RX_*) or
 * guest sends (HS_NV_*_COMPLETION*) misbehave; count 0 disarms the kind */
enum hs_netvsp_fault_kind {
	HS_NV_RX_RANGE_OUT_OF_BUFFER = 1, /* a range ends past the receive buffer */
	HS_NV_RX_RANGE_COUNT,		/* RangeCount larger than the ranges present */
	HS_NV_RX_BAD_SET_ID,		/* TransferPageSetId is not the buffer's id */
	HS_NV_RX_RNDIS_LENGTH,		/* RNDIS MessageLength past the range */
	HS_NV_RX_RNDIS_SHORT,		/* MessageLength below the PACKET header */
	HS_NV_RX_DATA_OFFSET,		/* PACKET DataOffset + DataLength past the message */
	HS_NV_RX_PPI,			/* a PPI runs past PerPacketInfoLength */
	HS_NV_DROP_COMPLETION,		/* no completion for the guest's send */
	HS_NV_COMPLETION_TID,		/* completion TransactionId XOR value (0: ~0) */
	HS_NV_COMPLETION_STATUS,	/* completion Status = value (0: 2, failure) */
};
struct hs_netvsp_fault {
	enum hs_netvsp_fault_kind kind;
	unsigned int count;
	uint64_t value;
};
int hs_netvsp_inject(struct hs_netvsp *nic, const struct hs_netvsp_fault *f);

/* ---- integration components: heartbeat, KVP, shutdown, timesync, VSS, fcopy
 *
 * One hs_ic is one IC device (§6): its class GUID comes from the service
 * (§8).  When the guest opens the channel the host sends NEGOTIATE (IC type
 * 0) with its framework and service versions and records the guest's
 * choice.  Requests are made from a test thread and block until the guest
 * answers or the timeout passes, waiting outside hostsim's locks — never
 * call them from a device callback.  One request is outstanding per IC at a
 * time (a second caller waits for the first).  Every answer is checked: same
 * length as the request (in 8-byte ring units), the request's TransactionId,
 * packet type in-band and flags 0, IC flags transaction|response, the IC
 * type and transaction byte echoed, the pipe header unchanged; plus the
 * service's own rules (NEGOTIATE counts 1/1 naming offered versions,
 * heartbeat sequence + 1, timesync data unchanged, KVP records in bounds).
 * Each violation counts in the IC's protocol_errors and hostsim's.  Every
 * object stays valid until hs_destroy(); all functions are thread-safe.
 *
 * Request results (every hs_ic_* request function):
 *   0           the guest answered by the rules; its status in *status
 *   -EPROTO     it answered, breaking a rule (see hs_ic_last_response);
 *               *status and the outputs are filled in as far as possible
 *   -ETIMEDOUT  no answer in time: the request is abandoned (an answer that
 *               comes later is counted as late, not as a protocol error)
 *   -ENOTCONN   the channel did not open within the timeout, or closed
 *               while waiting
 *   -EINVAL     bad arguments (e.g. a string too long for its field) */
struct hs_ic;

enum hs_ic_service {
	HS_IC_HEARTBEAT = 1, HS_IC_KVP = 2, HS_IC_SHUTDOWN = 3, HS_IC_TIMESYNC = 4,
	HS_IC_VSS = 5, HS_IC_FCOPY = 7,
};
/* versions as major << 16 | minor (on the wire: major u16, minor u16) */
#define HS_IC_VERSION(maj, min)	((uint32_t)(maj) << 16 | (uint32_t)(uint16_t)(min))

/* IC header status values (§6.2) */
#define HS_IC_S_OK		0x00000000u
#define HS_IC_E_FAIL		0x80004005u
#define HS_IC_S_CONT		0x80070103u	/* KVP: no more items */

struct hs_ic_config {
	enum hs_ic_service service;
	uint8_t instance_guid[16];	/* wire order; zero: made up */
	/* versions the host offers in NEGOTIATE, 0-terminated, as it lists
	 * them; NULL: framework 3.0, 1.0; service: §6.4's "Linux offers"
	 * column (heartbeat 3.0 1.0; KVP 4.0 3.0 1.0; shutdown 3.2 3.1 3.0
	 * 1.0; timesync 4.0 3.0 1.0; VSS 5.0; fcopy 1.1) */
	const uint32_t *framework_versions;
	const uint32_t *service_versions;
	/* don't send NEGOTIATE when the channel opens (hs_ic_negotiate does);
	 * a request before it is the "request before negotiation" fault */
	bool manual_negotiate;
	/* every KVP message carries the largest body (7428 bytes of data)
	 * instead of the operation's own size */
	bool kvp_pad_to_max;
	bool heartbeat_short;		/* heartbeat data 16 bytes (OpenVMM), not 40 (Linux) */
	bool timesync_v4_short;		/* v4 timesync data 22 bytes (Linux), not 24 (OpenVMM) */
	bool monitored;			/* offer with MonitorAllocated */
};

struct hs_ic *hs_ic_add(struct hs_host *h, const struct hs_ic_config *cfg);
struct hs_device *hs_ic_device(struct hs_ic *ic);

/* NEGOTIATE now (manual_negotiate, or again on an open channel) and wait
 * for the answer; 1 when the guest refused the service (counts 0/0) */
int hs_ic_negotiate(struct hs_ic *ic, unsigned int timeout_ms);
/* wait for the answer to the NEGOTIATE sent when the channel opened (the
 * channel may open meanwhile); 1 refused; a timeout abandons it; -EAGAIN
 * when none was sent or pending (manual_negotiate) */
int hs_ic_wait_negotiated(struct hs_ic *ic, unsigned int timeout_ms);

/* any IC message: `data` is what follows the 28-byte header (the header's
 * versions are the negotiated ones, or the first offered before that);
 * the answer's bytes after the header go to resp (resp_len: how many the
 * guest sent, even if more than resp_cap); resp/resp_len/status may be NULL */
int hs_ic_request(struct hs_ic *ic, uint16_t ic_type, const void *data, uint32_t len,
		  void *resp, uint32_t resp_cap, uint32_t *resp_len, uint32_t *status,
		  unsigned int timeout_ms);

/* heartbeat: the guest must answer seq + 1 */
int hs_ic_heartbeat(struct hs_ic *ic, uint64_t seq, uint64_t *seq_out, uint32_t *status,
		    unsigned int timeout_ms);

/* shutdown: flags bit 0 force, bit 1 restart, bit 2 hibernate; message:
 * text (bytes, NUL-terminated in its 2048-byte field) or NULL */
#define HS_SHUTDOWN_FORCE	0x1u
#define HS_SHUTDOWN_RESTART	0x2u
#define HS_SHUTDOWN_HIBERNATE	0x4u
int hs_ic_shutdown(struct hs_ic *ic, uint32_t flags, uint32_t reason, uint32_t timeout_s,
		   const char *message, uint32_t *status, unsigned int timeout_ms);

/* timesync: ParentTime from a Unix time; with the 4.0 layout VmReferenceTime
 * is the partition reference counter when ParentTime was taken (or 0).
 * The layout follows the negotiated version (< 4.0: ChildTime and
 * RoundTripTime 0). */
#define HS_TIMESYNC_PROBE	0x0u
#define HS_TIMESYNC_SYNC	0x1u
#define HS_TIMESYNC_SAMPLE	0x2u
struct hs_ic_time {
	int64_t unix_sec;		/* ParentTime = this + nsec, as 100 ns since 1601 */
	uint32_t nsec;
	uint8_t flags;			/* HS_TIMESYNC_* */
	bool zero_reference;		/* VmReferenceTime 0 */
	uint8_t leap, stratum;		/* 4.0 only */
	uint64_t parent_time;		/* out: what was sent */
	uint64_t reference_time;	/* out: VmReferenceTime sent (0 below 4.0) */
};
int hs_ic_timesync(struct hs_ic *ic, struct hs_ic_time *t, uint32_t *status,
		   unsigned int timeout_ms);
/* the partition reference counter (MSR 0x40000020): 100 ns since hs_create */
uint64_t hs_reference_time(struct hs_host *h);

/* KVP: keys and values are UTF-8 here, UTF-16LE on the wire (at most 255
 * UTF-16 units of key and 1023 of value, NUL excluded) */
enum hs_kvp_pool {
	HS_KVP_POOL_EXTERNAL = 0, HS_KVP_POOL_GUEST = 1, HS_KVP_POOL_AUTO = 2,
	HS_KVP_POOL_AUTO_EXTERNAL = 3, HS_KVP_POOL_AUTO_INTERNAL = 4,
};
#define HS_KVP_REG_SZ		1u
#define HS_KVP_REG_DWORD	4u
#define HS_KVP_REG_U64		8u	/* Linux */
#define HS_KVP_REG_QWORD	11u	/* Windows / OpenVMM */
struct hs_kvp_value {
	uint32_t value_type;
	uint32_t key_size, value_size;	/* bytes, as the guest wrote them */
	char key[768];			/* UTF-8 (invalid UTF-16 becomes U+FFFD) */
	char value[3072];		/* UTF-8 for REG_SZ; else empty */
	uint64_t number;		/* REG_DWORD / U64 / QWORD */
};
int hs_ic_kvp_set(struct hs_ic *ic, uint8_t pool, const char *key, const char *value,
		  uint32_t *status, unsigned int timeout_ms);
/* integer values: value_type HS_KVP_REG_DWORD (4 bytes), _U64 or _QWORD (8) */
int hs_ic_kvp_set_number(struct hs_ic *ic, uint8_t pool, const char *key, uint32_t value_type,
			 uint64_t value, uint32_t *status, unsigned int timeout_ms);
int hs_ic_kvp_get(struct hs_ic *ic, uint8_t pool, const char *key, struct hs_kvp_value *out,
		  uint32_t *status, unsigned int timeout_ms);
int hs_ic_kvp_delete(struct hs_ic *ic, uint8_t pool, const char *key, uint32_t *status,
		     unsigned int timeout_ms);
/* entry `index` of the pool; status HS_IC_S_CONT past the end */
int hs_ic_kvp_enumerate(struct hs_ic *ic, uint8_t pool, uint32_t index,
			struct hs_kvp_value *out, uint32_t *status, unsigned int timeout_ms);
/* GET_IP_INFO / SET_IP_INFO: the 7428-byte body; lists are `;`-separated */
struct hs_kvp_ip_info {
	char adapter_id[384];		/* 128 UTF-16 units with the NUL */
	uint8_t address_family;		/* 0 none, 1 IPv4, 2 IPv6, 3 both */
	uint8_t dhcp_enabled;
	char addresses[3072];		/* 1024 units */
	char subnets[3072];		/* 1024 units */
	char gateways[1536];		/* 512 units */
	char dns_servers[3072];		/* 1024 units */
};
/* in: info->adapter_id (the MAC as the host knows it); out: the guest's answer */
int hs_ic_kvp_get_ip_info(struct hs_ic *ic, struct hs_kvp_ip_info *info, uint32_t *status,
			  unsigned int timeout_ms);
int hs_ic_kvp_set_ip_info(struct hs_ic *ic, const struct hs_kvp_ip_info *info,
			  uint32_t *status, unsigned int timeout_ms);

/* VSS: one operation; *flags_out is the guest's Flags field */
enum hs_vss_op {
	HS_VSS_CREATE = 0, HS_VSS_DELETE = 1, HS_VSS_HOT_BACKUP = 2, HS_VSS_GET_DM_INFO = 3,
	HS_VSS_BACKUP_COMPLETE = 4, HS_VSS_FREEZE = 5, HS_VSS_THAW = 6, HS_VSS_AUTO_RECOVER = 7,
};
int hs_ic_vss(struct hs_ic *ic, uint8_t op, uint32_t flags, uint32_t *status,
	      uint32_t *flags_out, unsigned int timeout_ms);

/* fcopy: START, WRITE (<= 6144 bytes at an offset), COMPLETE, CANCEL;
 * names are UTF-8 here, UTF-16 (at most 259 units) on the wire */
#define HS_FCOPY_OVERWRITE	0x1u
#define HS_FCOPY_CREATE_PATH	0x2u
#define HS_FCOPY_MAX_CHUNK	6144u
int hs_ic_fcopy_start(struct hs_ic *ic, const char *name, const char *path, uint32_t flags,
		      uint64_t size, uint32_t *status, unsigned int timeout_ms);
int hs_ic_fcopy_write(struct hs_ic *ic, uint64_t offset, const void *data, uint32_t len,
		      uint32_t *status, unsigned int timeout_ms);
int hs_ic_fcopy_complete(struct hs_ic *ic, uint32_t *status, unsigned int timeout_ms);
int hs_ic_fcopy_cancel(struct hs_ic *ic, uint32_t *status, unsigned int timeout_ms);
/* a whole host buffer as a file: START, WRITEs of `chunk` bytes (0: 6144),
 * COMPLETE; a failed WRITE is followed by CANCEL.  *status is the first
 * failure status (or S_OK); the return value as for any request */
int hs_ic_fcopy_file(struct hs_ic *ic, const char *name, const char *path, uint32_t flags,
		     const void *buf, uint64_t len, uint32_t chunk, uint32_t *status,
		     unsigned int timeout_ms);

/* the guest's last answer, as it came */
#define HS_ICV_LENGTH		0x001u	/* not the request's length */
#define HS_ICV_TRANS_ID		0x002u	/* not the request's TransactionId */
#define HS_ICV_PKT		0x004u	/* packet type not in-band, or packet flags not 0 */
#define HS_ICV_IC_FLAGS		0x008u	/* IC flags not transaction|response */
#define HS_ICV_HEADER		0x010u	/* pipe header, IC type or IC transaction byte changed */
#define HS_ICV_BODY		0x020u	/* the service's rules (see above) */
struct hs_ic_response {
	uint64_t trans_id;
	uint16_t pkt_type, pkt_flags;
	uint32_t len;			/* payload bytes (padded to 8 by the ring) */
	uint32_t pipe_type, pipe_size;
	uint32_t framework, version;	/* header versions, HS_IC_VERSION form */
	uint16_t ic_type, data_size;
	uint32_t status;
	uint8_t ic_tid, ic_flags;
	uint32_t violations;		/* HS_ICV_* */
};
/* 0 and the record (payload: up to cap bytes of it, may be NULL); -1 none yet */
int hs_ic_last_response(struct hs_ic *ic, struct hs_ic_response *r, void *payload,
			uint32_t cap);

struct hs_ic_stats {
	bool open, negotiated, refused;
	uint32_t framework, version;	/* the guest's choice; 0: none */
	uint32_t negotiations;		/* NEGOTIATE answers */
	uint64_t requests;		/* requests sent (NEGOTIATE included) */
	uint64_t answers;		/* answers to an outstanding request */
	uint64_t timeouts;		/* requests abandoned */
	uint64_t late;			/* answers to abandoned requests */
	uint64_t unsolicited;		/* packets that answer nothing */
	uint64_t protocol_errors;	/* violations counted */
	uint64_t faults;		/* injected faults carried out */
	uint32_t last_status;
};
void hs_ic_stats(struct hs_ic *ic, struct hs_ic_stats *st);

/* IC fault injection: the next `count` requests it applies to are
 * malformed (count 0 disarms the kind) */
enum hs_ic_fault_kind {
	HS_ICF_SHORT_DATA = 1,		/* data size and packet cut to `value` bytes of
					 * data (0: half the message's data) */
	HS_ICF_DATA_SIZE_OVERRUN,	/* data size claims `value` (0: 64) bytes more
					 * than the packet carries */
	HS_ICF_NEGOTIATE_COUNTS,	/* NEGOTIATE counts = `value` each (0: 200),
					 * more versions than it carries */
	HS_ICF_BAD_ENUM,		/* the service's operation / pool / flags field
					 * gets an undefined value (`value`, 0: 0xEE) */
	HS_ICF_NO_NUL,			/* KVP key/value, fcopy names, shutdown message
					 * fill their field with no NUL */
	HS_ICF_OVERSIZE,		/* KVP KeySize/ValueSize, fcopy WRITE Size past
					 * their arrays (`value`, 0: twice the array) */
	HS_ICF_UNKNOWN_TYPE,		/* IC message type `value` (0: 99) */
};
struct hs_ic_fault {
	enum hs_ic_fault_kind kind;
	unsigned int count;
	uint32_t value;
};
int hs_ic_inject(struct hs_ic *ic, const struct hs_ic_fault *f);
/* a host that does not read the guest's answers: requests time out and
 * answers pile up in the guest->host ring; false reads them again (as late) */
void hs_ic_pause_reading(struct hs_ic *ic, bool paused);

/* ---- synthetic mouse and keyboard (§7.1, §7.2) ------------------------------
 *
 * Mouse: SynthHID inside a pipe header.  The guest's PROTOCOL_REQUEST gets
 * PROTOCOL_RESPONSE (in-band by default; as the request's completion with
 * response_as_completion), then INITIAL_DEVICE_INFO with the device
 * attributes, the HID descriptor and the report descriptor; after the
 * guest's ACK the test streams INPUT_REPORTs.  Keyboard: no pipe header;
 * PROTOCOL_REQUEST / RESPONSE, then keystroke EVENTs; the guest's
 * SET_LED_INDICATORS are recorded.  Every object stays valid until
 * hs_destroy(); all functions are thread-safe.  Sends return 0 (sent, or
 * queued behind earlier packets while the ring is full), -ENOTCONN (channel
 * not open) or -EINVAL. */
struct hs_mouse;
struct hs_kbd;

struct hs_mouse_config {
	uint8_t instance_guid[16];	/* wire order; zero: made up */
	uint32_t version;		/* the SynthHID version accepted; 0: 2.0 (0x00020000) */
	bool refuse;			/* Approved = 0 (no device info follows) */
	bool response_as_completion;	/* PROTOCOL_RESPONSE as the request's completion */
	uint16_t vendor, product, version_id;	/* 0: 0x045E, 0x0621, 0x0001 */
	/* report descriptor sent in INITIAL_DEVICE_INFO; NULL: a 5-button
	 * absolute mouse with wheel (7-byte report: buttons u8, X u16, Y u16
	 * 0..32767, wheel s16 relative) */
	const uint8_t *report_descriptor;
	uint32_t report_descriptor_len;	/* at most 4096 */
	bool monitored;
};
struct hs_mouse *hs_mouse_add(struct hs_host *h, const struct hs_mouse_config *cfg);
struct hs_device *hs_mouse_device(struct hs_mouse *m);
/* the default report descriptor */
const uint8_t *hs_mouse_default_descriptor(uint32_t *len);
/* wait until the guest acknowledged INITIAL_DEVICE_INFO: 0, -ETIMEDOUT, or
 * -ECONNREFUSED when the host refused the protocol */
int hs_mouse_wait_ready(struct hs_mouse *m, unsigned int timeout_ms);
/* an INPUT_REPORT in the default descriptor's layout */
int hs_mouse_report(struct hs_mouse *m, uint8_t buttons, uint16_t x, uint16_t y, int16_t wheel);
/* any raw input report (1..16 bytes), for other descriptors; sent whatever
 * the handshake's state (reports before the ACK test a guest's patience) */
int hs_mouse_input(struct hs_mouse *m, const void *report, uint32_t len);

struct hs_mouse_stats {
	bool open;
	bool requested;			/* PROTOCOL_REQUEST received */
	uint32_t version_requested;
	uint16_t request_flags;		/* its packet flags */
	bool approved, device_info_sent, acked;
	uint8_t ack_value;		/* the ACK's byte */
	uint64_t requests, acks, reports;
	uint64_t protocol_errors;	/* malformed or unexpected guest messages */
};
void hs_mouse_stats(struct hs_mouse *m, struct hs_mouse_stats *st);

struct hs_kbd_config {
	uint8_t instance_guid[16];	/* wire order; zero: made up */
	uint32_t version;		/* the version accepted; 0: 1.0 (0x00010000) */
	bool refuse;			/* Status 0 */
	bool response_as_completion;	/* PROTOCOL_RESPONSE as the request's completion */
	bool monitored;
};
#define HS_KBD_UNICODE	0x1u		/* MakeCode is a UTF-16 unit */
#define HS_KBD_BREAK	0x2u		/* key up */
#define HS_KBD_E0	0x4u
#define HS_KBD_E1	0x8u
struct hs_kbd *hs_kbd_add(struct hs_host *h, const struct hs_kbd_config *cfg);
struct hs_device *hs_kbd_device(struct hs_kbd *k);
/* wait until PROTOCOL_RESPONSE accepted the guest: 0, -ETIMEDOUT, -ECONNREFUSED */
int hs_kbd_wait_ready(struct hs_kbd *k, unsigned int timeout_ms);
/* one keystroke EVENT: a set-1 make code (or UTF-16 unit) and HS_KBD_* */
int hs_kbd_key(struct hs_kbd *k, uint16_t makecode, uint32_t flags);

struct hs_kbd_stats {
	bool open;
	bool requested;
	uint32_t version_requested;
	uint16_t request_flags;
	bool accepted;
	uint16_t leds;			/* the last SET_LED_INDICATORS */
	uint64_t requests, led_sets, events;
	uint64_t protocol_errors;
};
void hs_kbd_stats(struct hs_kbd *k, struct hs_kbd_stats *st);

/* ---- dynamic memory: the balloon / hot-add host (§7.3) ----------------------
 *
 * The guest negotiates a version (the host accepts the configured ones, so
 * fallback and IsLastAttempt are testable), reports its capabilities and
 * then its memory status about once a second (recorded).  The test drives
 * BALLOON, UNBALLOON and MEM_HOT_ADD requests; the calls block (outside
 * hostsim's locks) until the guest's answer is complete, and check it: every
 * page range the guest gives must be guest RAM, not already ballooned, and
 * the total not more than asked.  Results: 0, -EPROTO (the answer broke a
 * rule: counted in protocol_errors; what was valid is kept), -ETIMEDOUT,
 * -ENOTCONN, -EAGAIN (capabilities not accepted yet), -EINVAL. */
struct hs_balloon;

#define HS_DM_VERSION_WIN7	0x00000003u	/* 0.3 */
#define HS_DM_VERSION_WIN8	0x00010000u	/* 1.0 */
#define HS_DM_VERSION_WIN10	0x00020000u	/* 2.0 */

struct hs_balloon_config {
	uint8_t instance_guid[16];	/* wire order; zero: made up */
	/* versions accepted, 0-terminated; NULL: 2.0, 1.0, 0.3 */
	const uint32_t *versions;
	bool refuse_capabilities;	/* CAPABILITIES_RESPONSE IsAccepted 0 */
	bool monitored;
};
struct hs_balloon *hs_balloon_add(struct hs_host *h, const struct hs_balloon_config *cfg);
struct hs_device *hs_balloon_device(struct hs_balloon *b);
/* wait until the capabilities were accepted: 0, -ETIMEDOUT, or
 * -ECONNREFUSED (no version accepted on the last attempt, or capabilities
 * refused) */
int hs_balloon_wait_ready(struct hs_balloon *b, unsigned int timeout_ms);

/* a run of guest pages: PFNs [start, start + count) */
struct hs_page_range {
	uint64_t start, count;
};
/* BALLOON_REQUEST for `pages`; *got: pages the guest gave (all of its
 * BALLOON_RESPONSEs up to MorePages 0) */
int hs_balloon_inflate(struct hs_balloon *b, uint32_t pages, uint32_t *got,
		       unsigned int timeout_ms);
/* UNBALLOON_REQUEST(s) giving back `pages` of the ballooned pages (last
 * ballooned first), split over messages of at most 4 KiB; waits for
 * UNBALLOON_RESPONSE */
int hs_balloon_deflate(struct hs_balloon *b, uint32_t pages, unsigned int timeout_ms);
/* MEM_HOT_ADD_REQUEST for `range` (and a hot-add region when region is not
 * NULL); *added and *result are the guest's PageCount and Result */
int hs_balloon_hot_add(struct hs_balloon *b, const struct hs_page_range *range,
		       const struct hs_page_range *region, uint32_t *added, uint32_t *result,
		       unsigned int timeout_ms);
/* INFO_MESSAGE with one blob: type 0, the maximum page count */
int hs_balloon_info_max_pages(struct hs_balloon *b, uint64_t max_pages);
/* any host message (header included; Size is not fixed up), for malformed-
 * message tests */
int hs_balloon_send_raw(struct hs_balloon *b, const void *msg, uint32_t len);
/* the pages ballooned now, in the order received: up to max ranges; the
 * number of ranges */
int hs_balloon_ranges(struct hs_balloon *b, struct hs_page_range *r, int max);

struct hs_balloon_stats {
	bool open;
	uint32_t version;		/* accepted; 0: none */
	uint32_t version_requests;
	uint32_t last_version_asked;
	bool last_attempt_seen;		/* a request had IsLastAttempt */
	bool caps_accepted;
	uint64_t caps, min_pages, max_page_number;	/* CAPABILITIES_REPORT */
	uint64_t status_reports;
	/* the last STATUS_REPORT */
	uint64_t num_avail, num_committed, page_file_size, zero_free;
	uint32_t page_file_writes, io_diff;
	uint64_t ballooned;		/* pages held by the host now */
	uint64_t balloon_requests, balloon_responses, unballoon_requests, hot_adds;
	uint64_t hot_added;		/* PageCount sum of successful hot adds */
	uint64_t protocol_errors;
};
void hs_balloon_stats(struct hs_balloon *b, struct hs_balloon_stats *st);

/* ---- hv_sock: the host's socket endpoint (vsock over VMBus) -----------------
 *
 * One per host.  Ports are vsock ports; a port's service id is the GUID
 * {PPPPPPPP-facb-11e6-bd58-64006a7986d3} with Data1 = the port.
 *  - The guest connects with TL_CONNECT_REQUEST {guest endpoint, host
 *    service}.  When the test listens on the service's port, the host
 *    offers a pipe-mode channel (ChannelFlags TLNPI provider | named pipe,
 *    class = the service, instance = the guest's endpoint, user-defined
 *    byte 4 = 0); the connection is established when the guest opens it.
 *    Otherwise the request is refused (TL_CONNECT_RESULT from VMBus 4.1).
 *  - The host connects with hs_vsock_connect: class = the guest port's
 *    service id, instance = the host's endpoint, user-defined byte 4 = 1.
 * Bytes travel in in-band packets {pipe header: type u32 = 1, size u32 =
 * bytes that follow}; a packet of size 0 shuts the sender's side down.  The
 * host sends at most `mtu` bytes per packet and stops reading the ring
 * while `rx_cap` bytes wait for the test (the ring is the flow control).
 * When the guest closes the channel the host rescinds it.  Every guest
 * packet is checked (in-band, pipe type 1, size within the packet and its
 * padding under 8 bytes, nothing after its shutdown); a bad one is a
 * protocol error and the connection reads no further.  Connections stay
 * valid until hs_destroy(). */
struct hs_vsock;
struct hs_vsock_conn;

struct hs_vsock_config {
	uint32_t mtu;			/* bytes per host packet at most; 0: 16384 */
	uint32_t rx_cap;		/* bytes buffered for the test; 0: 1 MiB */
	uint32_t pipe_mode;		/* the offer's PipeMode (0 byte, 4 message) */
	bool monitored;
};
struct hs_vsock *hs_vsock_add(struct hs_host *h, const struct hs_vsock_config *cfg);
/* the service id of a vsock port (wire order) */
void hs_vsock_service_id(uint32_t port, uint8_t guid[16]);
/* accept guest connections to host port `port` (at most 64 ports): 0 or -ENOSPC */
int hs_vsock_listen(struct hs_vsock *v, uint32_t port);
/* the oldest not yet accepted guest connection to `port` whose channel is
 * open; NULL after timeout_ms */
struct hs_vsock_conn *hs_vsock_accept(struct hs_vsock *v, uint32_t port, unsigned int timeout_ms);
/* connect to the guest's `guest_port` from host port `host_port`: NULL when
 * the guest did not open the channel within timeout_ms (then rescinded) */
struct hs_vsock_conn *hs_vsock_connect(struct hs_vsock *v, uint32_t guest_port,
				       uint32_t host_port, unsigned int timeout_ms);
/* queue bytes for the guest (split into packets; sent as the ring allows):
 * 0, -ENOTCONN (closed), -EPIPE (after hs_vsock_shutdown) */
int hs_vsock_send(struct hs_vsock_conn *c, const void *data, uint32_t len);
/* bytes the guest sent: > 0 bytes copied, 0 end of stream (the guest shut
 * down and all was read), -ETIMEDOUT, -ENOTCONN (closed, nothing left) */
int hs_vsock_recv(struct hs_vsock_conn *c, void *buf, uint32_t cap, unsigned int timeout_ms);
/* the host's shutdown packet (once; queued after the data) */
int hs_vsock_shutdown(struct hs_vsock_conn *c);
/* shutdown if not yet, then rescind the channel */
int hs_vsock_close(struct hs_vsock_conn *c);
/* wait until the guest closed the channel (or it was rescinded): 0 or -ETIMEDOUT */
int hs_vsock_wait_closed(struct hs_vsock_conn *c, unsigned int timeout_ms);
/* everything queued reached the guest's ring: 0 or -ETIMEDOUT */
int hs_vsock_wait_sent(struct hs_vsock_conn *c, unsigned int timeout_ms);

struct hs_vsock_conn_stats {
	uint32_t guest_port, host_port;
	bool from_host;			/* hs_vsock_connect made it */
	bool open, closed;		/* the guest opened / closed the channel */
	bool guest_shutdown, host_shutdown;
	uint64_t rx_bytes, rx_packets;	/* from the guest */
	uint64_t tx_bytes, tx_packets;	/* to the guest (still queued included) */
	uint32_t max_rx_packet;		/* largest guest payload */
	uint8_t rx_sha256[32];		/* of every byte received so far */
	uint8_t tx_sha256[32];		/* of every byte handed to hs_vsock_send */
	uint64_t protocol_errors;
};
void hs_vsock_conn_stats(struct hs_vsock_conn *c, struct hs_vsock_conn_stats *st);

struct hs_vsock_stats {
	uint64_t connect_requests;	/* TL_CONNECT_REQUESTs seen */
	uint64_t refused;		/* nothing listening */
	uint64_t connections;		/* channels offered (either way) */
	uint64_t protocol_errors;
};
void hs_vsock_stats(struct hs_vsock *v, struct hs_vsock_stats *st);

/* ---- a generic device for userspace drivers (uio_hv_generic) ----------------
 *
 * Any class; one channel.  Every in-band packet the guest writes is
 * answered with an in-band packet of the same transaction id whose payload
 * is the guest's with every byte XORed with `xor` (so an answer cannot be
 * the guest's own packet read back).  Other packet types are protocol
 * errors.  The test can also send packets of its own. */
struct hs_echo;

struct hs_echo_config {
	uint8_t class_guid[16];		/* wire order */
	uint8_t instance_guid[16];	/* zero: made up */
	uint8_t xor;
	bool monitored;
};
struct hs_echo *hs_echo_add(struct hs_host *h, const struct hs_echo_config *cfg);
struct hs_device *hs_echo_device(struct hs_echo *e);
/* an in-band packet to the guest: 0, -ENOTCONN, -EAGAIN (ring full) */
int hs_echo_send(struct hs_echo *e, uint64_t trans_id, const void *data, uint32_t len);
/* wait until the guest opened the channel: 0 or -ETIMEDOUT */
int hs_echo_wait_open(struct hs_echo *e, unsigned int timeout_ms);

struct hs_echo_stats {
	bool open;
	uint32_t opens;
	uint64_t packets_in, bytes_in, packets_out;
	uint64_t echo_full;		/* answers dropped: the guest's ring was full */
	uint64_t last_trans_id;
	uint32_t last_len;		/* the last guest payload ... */
	uint8_t last[256];		/* ... its first 256 bytes */
	uint64_t protocol_errors;
};
void hs_echo_stats(struct hs_echo *e, struct hs_echo_stats *st);

#endif /* HOSTSIM_H */
