/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lis/vmbus.h: the LIS VMBus API.
 *
 * The same declarations serve three users:
 *  - the hv_vmbus glue, which creates the connection, feeds it interrupts and
 *    turns offered channels into devices on the `vmbus` bus;
 *  - child drivers (storvsc, netvsc, utils, ...), whose portable cores call the
 *    channel functions below — exported by hv_vmbus.ko with these names;
 *  - the userspace unit tests, which link the same core against hostsim.
 *
 * Objects are opaque; every function that takes host input validates it.
 * Return values are 0 or a negative errno.
 */
#ifndef LIS_VMBUS_H
#define LIS_VMBUS_H

#include <lis/port.h>
#include <lis/os.h>
#include <lis/wire/vmbus.h>

struct lis_vmbus;	/* one connection to the host */
struct lis_channel;	/* one offered channel: a primary or a sub-channel */

/* ---- the platform seam: the only way the core touches the hypervisor ---- */

struct lis_platform {
	const char *name;		/* "hyperv", "hostsim", "bridge" */
	void *ctx;
	void (*cpuid)(void *ctx, u32 leaf, u32 regs[4]);
	/* synthetic MSRs of virtual processor `vp` (the core calls these on
	 * that VP's CPU; a simulated host needs to know which VP it is) */
	u64 (*read_msr)(void *ctx, u32 vp, u32 msr);
	void (*write_msr)(void *ctx, u32 vp, u32 msr, u64 value);
	/* slow hypercall: input and output are 8-byte aligned buffers inside
	 * one page each, given by address and guest-physical address */
	u64 (*hypercall)(void *ctx, u32 vp, u64 control, void *input,
			 u64 input_gpa, void *output, u64 output_gpa);
	/* fast hypercall with an 8-byte input in a register */
	u64 (*hypercall_fast8)(void *ctx, u32 vp, u64 control, u64 input);
	/* vector registration: after set_handler, an interrupt on VP `vp`
	 * makes the backend call lis_vmbus_isr(vmbus, cpu) on that CPU;
	 * returns the vector number (16..255) or a negative errno */
	int (*set_handler)(void *ctx, struct lis_vmbus *vmbus);
	void (*clear_handler)(void *ctx);
};

/* ---- what the environment does for the core ---- */

struct lis_env_ops {
	/* defer lis_vmbus_run_events(vmbus, cpu) out of the interrupt
	 * (kernel: a per-CPU tasklet) */
	void (*defer_events)(void *env, unsigned int cpu);
	/* defer lis_vmbus_run_messages(vmbus) to process context (kernel:
	 * an ordered workqueue); it answers waiters and never blocks */
	void (*defer_messages)(void *env);
	/* defer lis_vmbus_run_offers(vmbus) to process context, on another
	 * ordered queue: offers, rescinds and the driver callbacks they cause
	 * (probe, open, remove) run there and may wait for the host */
	void (*defer_offers)(void *env);
	/* a primary channel was offered / rescinded; called from
	 * lis_vmbus_run_offers, in arrival order.  channel_rescinded must
	 * drop every reference to the channel before it returns. */
	void (*channel_offered)(void *env, struct lis_channel *ch);
	void (*channel_rescinded)(void *env, struct lis_channel *ch);
	/* a timer-expired message arrived on the VMBus SINT (legacy stimer0) */
	void (*timer_message)(void *env, unsigned int cpu);
	/* the VP index of an OS CPU number */
	u32 (*cpu_to_vp)(void *env, unsigned int cpu);
};

struct lis_vmbus_config {
	const struct lis_platform *plat;
	const struct lis_env_ops *env;
	void *env_ctx;
	unsigned int nr_cpus;		/* OS CPU numbers are 0..nr_cpus-1 */
	unsigned int msg_cpu;		/* CPU that receives channel messages */
	u32 max_version;		/* 0: newest we support */
	u32 timeout_ms;			/* host response timeout; 0: default */
};

/* ---- connection lifetime (the glue and the tests) ---- */

/* detect Hyper-V through the platform; -ENODEV (and one log line) if the
 * CPUID signature or a required privilege is missing, -EPERM for an
 * isolated (SNP/TDX) guest */
int lis_vmbus_detect(const struct lis_platform *plat);
/* the same, saying nothing unless the guest is isolated (to try another
 * platform first) */
int lis_vmbus_detect_quiet(const struct lis_platform *plat);
int lis_vmbus_create(const struct lis_vmbus_config *cfg, struct lis_vmbus **out);
/* per CPU, on that CPU: SynIC message/event pages, SINT2, SCONTROL */
int lis_vmbus_cpu_up(struct lis_vmbus *vmbus, unsigned int cpu);
void lis_vmbus_cpu_down(struct lis_vmbus *vmbus, unsigned int cpu);
/* true if a channel targets this CPU (it must not go offline) */
bool lis_vmbus_cpu_busy(struct lis_vmbus *vmbus, unsigned int cpu);
/* version negotiation (newest first, down to WIN8) and REQUESTOFFERS;
 * returns when all offers have been delivered (or the timeout passed) */
int lis_vmbus_connect(struct lis_vmbus *vmbus);
/* UNLOAD and wait for UNLOAD_RESPONSE (>= WIN8_1); channels must be closed */
void lis_vmbus_disconnect(struct lis_vmbus *vmbus);
/* crash/kexec path: UNLOAD, then poll every CPU's message slot */
void lis_vmbus_unload_polled(struct lis_vmbus *vmbus);
void lis_vmbus_destroy(struct lis_vmbus *vmbus);

/* interrupt entry, on `cpu`, from the vector handler */
void lis_vmbus_isr(struct lis_vmbus *vmbus, unsigned int cpu);
/* deferred halves (see lis_env_ops) */
void lis_vmbus_run_events(struct lis_vmbus *vmbus, unsigned int cpu);
void lis_vmbus_run_messages(struct lis_vmbus *vmbus);
void lis_vmbus_run_offers(struct lis_vmbus *vmbus);
/* malformed or unexpected host messages seen (tests, sysfs) */
u64 lis_vmbus_protocol_errors(const struct lis_vmbus *vmbus);

u32 lis_vmbus_version(const struct lis_vmbus *vmbus);
/* the CPU the host sends channel messages to (it cannot go offline) */
unsigned int lis_vmbus_msg_cpu(const struct lis_vmbus *vmbus);
/* the Hyper-V VP index of an OS CPU (device protocols name target
 * processors by it: vPCI interrupts), LIS_VMBUS_VP_INVALID if that CPU is
 * not up */
#define LIS_VMBUS_VP_INVALID	0xFFFFFFFFu
u32 lis_vmbus_cpu_vp(const struct lis_vmbus *vmbus, unsigned int cpu);
const struct lis_platform *lis_vmbus_platform(const struct lis_vmbus *vmbus);

/* ---- channels (child drivers) ---- */

const struct lis_guid *lis_channel_class(const struct lis_channel *ch);
const struct lis_guid *lis_channel_instance(const struct lis_channel *ch);
u32 lis_channel_relid(const struct lis_channel *ch);
u16 lis_channel_subchannel_index(const struct lis_channel *ch);
u16 lis_channel_mmio_megabytes(const struct lis_channel *ch);
u8 lis_channel_monitor_id(const struct lis_channel *ch);
const u8 *lis_channel_user_defined(const struct lis_channel *ch); /* 120 bytes */
struct lis_vmbus *lis_channel_vmbus(const struct lis_channel *ch);
struct lis_channel *lis_channel_primary(struct lis_channel *ch);
bool lis_channel_rescinded(const struct lis_channel *ch);
bool lis_channel_is_open(const struct lis_channel *ch);
/* driver and glue private pointers */
void lis_channel_set_drvdata(struct lis_channel *ch, void *data);
void *lis_channel_drvdata(const struct lis_channel *ch);
void lis_channel_set_envdata(struct lis_channel *ch, void *data);
void *lis_channel_envdata(const struct lis_channel *ch);

struct lis_channel_open_args {
	u32 send_ring_bytes;	/* page multiple, control page included */
	u32 recv_ring_bytes;
	const void *user_data;	/* OPENCHANNEL user data, <= 120 bytes */
	u32 user_data_len;
	/* called on the channel's target CPU, out of the interrupt, when the
	 * host signals; drain with lis_channel_recv() until -EAGAIN.  The host
	 * is asked not to signal while it runs (interrupt mask), and it is
	 * called again if packets arrived at the end. */
	void (*on_event)(struct lis_channel *ch, void *ctx);
	void *ctx;
	u32 flags;		/* LIS_CHANNEL_* */
};

/* on_event only says the host signalled: the core neither masks the host's
 * interrupts around it nor calls it again while packets are left — the
 * driver reads when it wants (hv_sock), or userspace does (uio) */
#define LIS_CHANNEL_NOTIFY_ONLY		0x1u

/* GPADL for the rings, OPENCHANNEL, wait for the result */
int lis_channel_open(struct lis_channel *ch, const struct lis_channel_open_args *args);
/* CLOSECHANNEL, tear the ring GPADL down, wait for in-flight callbacks */
void lis_channel_close(struct lis_channel *ch);

/* target CPU of host->guest signals: before open it becomes OPENCHANNEL's
 * TargetVp; after open it is sent as MODIFYCHANNEL (VMBus >= 4.1) */
unsigned int lis_channel_target_cpu(const struct lis_channel *ch);
int lis_channel_set_target_cpu(struct lis_channel *ch, unsigned int cpu);

/* sub-channels of a primary: called in process context for each offer;
 * setting NULL returns once no handler call is in progress */
void lis_channel_set_subchannel_handler(struct lis_channel *primary,
		void (*fn)(struct lis_channel *sub, void *ctx), void *ctx);
/* a rescinded sub-channel (primaries are rescinded through the env) */
void lis_channel_set_rescind_handler(struct lis_channel *ch,
		void (*fn)(struct lis_channel *ch, void *ctx), void *ctx);

/* -- sending: -EAGAIN when the ring is full (the host will signal when the
 *    space is there: on_event runs), -ENODEV when rescinded or broken,
 *    -EMSGSIZE when the packet can never fit -- */

/* in-band (LIS_VMBUS_PKT_DATA_INBAND) or completion (LIS_VMBUS_PKT_COMP) */
int lis_channel_send(struct lis_channel *ch, u16 type, u16 flags, u64 trans_id,
		     const void *data, u32 len);

/* one GPA range for a GPA-direct packet: ceil((offset + count) / 4096) PFNs */
struct lis_gpa_range {
	u32 byte_offset;	/* into the first page */
	u32 byte_count;
	u32 pfn_count;
	const u64 *pfns;
};

/* LIS_VMBUS_PKT_DATA_USING_GPA_DIRECT: ranges, then the in-band payload */
int lis_channel_send_gpa(struct lis_channel *ch, u16 flags, u64 trans_id,
			 const struct lis_gpa_range *ranges, u32 range_count,
			 const void *data, u32 len);

/* free bytes in the send ring (a hint for drivers that batch) */
u32 lis_channel_send_space(struct lis_channel *ch);

/* -- receiving: packets are copied out, then validated; the host cannot
 *    change what the driver parses -- */
struct lis_packet {
	u16 type;
	u16 flags;
	u64 trans_id;
	const void *data;	/* payload, inside the caller's buffer */
	u32 len;
	const void *raw;	/* the whole packet: descriptor and extended header */
	u32 raw_len;
};

/* 0: one packet copied into buf; -EAGAIN: ring empty; -ENOBUFS: buf is too
 * small (pkt->raw_len says how much is needed; nothing consumed); -EIO: the
 * ring is corrupt (the channel is marked broken and a line logged) */
int lis_channel_recv(struct lis_channel *ch, void *buf, u32 buflen,
		     struct lis_packet *pkt);

/* -- GPADLs for driver buffers (memory from lis_alloc_pages) -- */
int lis_gpadl_create(struct lis_channel *ch, void *buf, u32 size, u32 *gpadl);
int lis_gpadl_destroy(struct lis_channel *ch, u32 gpadl);

/* -- rings read on the driver's own terms (hv_sock, uio) -- */

/* the offer's ChannelFlags (LIS_VMBUS_OFFER_FLAG_*): TLNPI_PROVIDER marks an
 * hv_sock connection; its user-defined byte 4 says the host initiated it */
u16 lis_channel_offer_flags(const struct lis_channel *ch);
/* kick the host, as after a write that made the send ring non-empty */
void lis_channel_signal(struct lis_channel *ch);
/* ask the host not to signal (or to signal again) for the receive ring */
void lis_channel_set_interrupt_mask(struct lis_channel *ch, bool masked);
/* ask the host to signal once `bytes` are free in the send ring (0: not) */
int lis_channel_set_pending_send(struct lis_channel *ch, u32 bytes);
/* both rings while the channel is open: the send ring (control page first)
 * is the first send_bytes of the bytes at va, the receive ring the rest */
int lis_channel_ring_memory(struct lis_channel *ch, void **va, u32 *bytes, u32 *send_bytes);
/* the connection's pages a userspace driver signals through: the interrupt
 * page (< 5.0) and the guest-to-host monitor page (one page each) */
void lis_vmbus_shared_pages(struct lis_vmbus *vmbus, void **int_page, void **monitor_page);
/* TL_CONNECT_REQUEST (VMBus >= 4.0, else -EOPNOTSUPP): the host offers an
 * hv_sock channel for the connection when the service accepts it */
int lis_vmbus_tl_connect(struct lis_vmbus *vmbus, const struct lis_guid *endpoint,
			 const struct lis_guid *service);

/* statistics for tests and sysfs */
struct lis_channel_stats {
	u64 signals_sent;	/* guest->host kicks */
	u64 events;		/* host->guest signals handled */
	u64 packets_sent;
	u64 packets_received;
	u64 ring_full;		/* sends refused with -EAGAIN */
	u64 malformed;		/* host input rejected */
};
void lis_channel_get_stats(const struct lis_channel *ch, struct lis_channel_stats *st);

/* ring state for sysfs (the in-tree out_* and in_* attributes) */
struct lis_ring_state {
	u32 read_index;
	u32 write_index;
	u32 interrupt_mask;
	u32 bytes_avail_read;
	u32 bytes_avail_write;
};
int lis_channel_ring_state(const struct lis_channel *ch, bool outbound,
			   struct lis_ring_state *st);

/* ---- test backends (the VM rung's bridge): a module loaded before
 *      hv_vmbus exports both symbols below; hv_vmbus takes them with
 *      symbol_get() when it is not on Hyper-V.  That module cannot link to
 *      hv_vmbus, and it stands in for the kernel's Hyper-V hooks, so
 *      hv_vmbus fills in the hooks: isr before set_handler (cleared after
 *      clear_handler); kexec and crash while connected, as it registers
 *      hv_setup_kexec_handler/hv_setup_crash_handler on Hyper-V.  The test
 *      module calls kexec() in the kexec path once the devices are shut
 *      down, and crash() when the kernel panics. ---- */
struct lis_vmbus_test_hooks {
	void (*isr)(struct lis_vmbus *vmbus, unsigned int cpu);
	void (*kexec)(void);
	void (*crash)(void);
};
extern const struct lis_platform lis_vmbus_test_platform;
extern struct lis_vmbus_test_hooks lis_vmbus_test_hooks;

#endif /* LIS_VMBUS_H */
