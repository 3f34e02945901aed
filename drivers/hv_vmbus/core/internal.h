/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv_vmbus core: internal structures shared by the core's files.
 * Portable: includes only lis/ headers.
 */
#ifndef LIS_VMBUS_INTERNAL_H
#define LIS_VMBUS_INTERNAL_H

#include <lis/port.h>
#include <lis/os.h>
#include <lis/vmbus.h>
#include <lis/wire/vmbus.h>

#define LIS_DEFAULT_TIMEOUT_MS	10000
#define LIS_GPADL_FIRST_HANDLE	0xE1E10
#define LIS_MAX_CPUS		1024

/* ---- ring buffer (ring.c) ---- */

struct lis_ring {
	struct lis_vmbus_ring_control *ctl;	/* shared control page */
	u8 *data;			/* shared data area */
	u32 size;			/* data size in bytes */
	u32 priv_index;			/* our own index: write (out) or read (in) */
	/* inbound, batched: the read index last published to the host (the
	 * consumer publishes once per batch, see lis_ring_commit) */
	u32 published;
	bool batch;
	bool broken;			/* host wrote nonsense: never touch again */
	lis_spinlock_t lock;		/* serializes producers (out) / consumers (in) */
};

/* one piece of an outbound packet */
struct lis_ring_chunk {
	const void *buf;
	u32 len;
};

void lis_ring_init(struct lis_ring *r, void *pages, u32 bytes);
/* write chunks as one packet (+ padding + trailer); *signal tells whether
 * the host must be kicked.  -EAGAIN full, -EMSGSIZE too big, -EIO broken */
int lis_ring_write(struct lis_ring *r, const struct lis_ring_chunk *chunks,
		   u32 nchunks, bool *signal);
/* copy one packet out; *signal tells whether the host waits for the space
 * this read freed.  -EAGAIN empty, -ENOBUFS buf too small, -EIO broken,
 * -EBADMSG a well-framed packet of a kind the host must not send (consumed) */
int lis_ring_read(struct lis_ring *r, void *buf, u32 buflen, u32 *pktlen,
		  bool *signal);
/* inbound batches: reads between begin and commit publish the read index
 * once, at commit (or when half the ring is waiting to be released);
 * commit says whether the host must be kicked */
void lis_ring_batch_begin(struct lis_ring *r);
bool lis_ring_commit(struct lis_ring *r);
bool lis_ring_has_data(struct lis_ring *r);
u32 lis_ring_free_bytes(struct lis_ring *r);
void lis_ring_state(struct lis_ring *r, struct lis_ring_state *st);

/* ---- pending requests matched with host responses (connection.c) ---- */

struct lis_request {
	u32 resp_type;		/* the message type that answers it */
	u32 key;		/* relid or GPADL handle; 0 when unmatched */
	u32 relid;		/* the channel it concerns; 0 for none */
	lis_completion_t done;
	int error;		/* -ENODEV when the channel is rescinded */
	u8 resp[LIS_HV_MESSAGE_PAYLOAD_SIZE];
	u32 resp_len;
	struct lis_request *next;
};

/* ---- channels (channel.c) ---- */

enum lis_channel_state {
	LIS_CH_OFFERED,
	LIS_CH_OPENING,
	LIS_CH_OPEN,
	LIS_CH_CLOSING,
};

struct lis_channel {
	struct lis_vmbus *vmbus;
	struct lis_vmbus_msg_offer offer;	/* validated copy */
	u32 relid;
	struct lis_channel *primary;	/* NULL for a primary */
	struct lis_channel *sub_next;	/* sibling sub-channels */
	struct lis_channel *subs;	/* a primary's sub-channels */
	struct lis_channel *all_next;	/* vmbus->channels list */

	enum lis_channel_state state;
	bool notify_only;		/* LIS_CHANNEL_NOTIFY_ONLY */
	bool rescinded;
	bool offered_to_env;		/* env->channel_offered called */
	unsigned int target_cpu;
	u32 ring_gpadl;
	void *ring_pages;
	u32 ring_npages;
	struct lis_ring out;
	struct lis_ring in;
	u32 sig_conn_id;		/* HvSignalEvent target */

	void (*on_event)(struct lis_channel *ch, void *ctx);
	void *cb_ctx;
	lis_spinlock_t cb_lock;
	bool cb_busy;
	bool cb_again;			/* an event came while cb_busy */
	bool cb_stop;

	void (*sub_handler)(struct lis_channel *sub, void *ctx);
	void *sub_ctx;
	unsigned int sub_busy;		/* handler calls in progress (cb_lock) */
	void (*rescind_handler)(struct lis_channel *ch, void *ctx);
	void *rescind_ctx;

	void *drvdata;
	void *envdata;
	lis_mutex_t lock;		/* open/close/target changes */

	/* statistics (racy counters; only for tests and sysfs) */
	u64 st_signals, st_events, st_sent, st_received, st_full, st_malformed;
};

/* ---- the connection ---- */

struct lis_cpu {
	bool up;
	u32 vp;
	struct lis_hv_message *msg_page;	/* SIMP */
	u8 *event_page;			/* SIEFP */
	u32 seq;			/* odd while run_events runs */
};

/* memory the host may still write (it never answered a teardown): kept
 * until the connection is unloaded, then freed */
struct lis_abandoned {
	struct lis_abandoned *next;
	void *pages;
	u32 npages;
};

/* a message copied out of the SIMP slot, queued for process context */
struct lis_msg {
	struct lis_msg *next;
	u32 len;
	u8 data[LIS_HV_MESSAGE_PAYLOAD_SIZE];
};

struct lis_vmbus {
	struct lis_vmbus_config cfg;
	const struct lis_platform *plat;
	u32 timeout_ms;
	int vector;
	bool auto_eoi;

	u32 version;
	u32 msg_conn_id;
	bool connected;
	bool unloading;
	bool unloaded;			/* the host released everything (UNLOAD answered) */
	struct lis_abandoned *abandoned;
	lis_completion_t all_offers;

	struct lis_cpu *cpus;		/* [cfg.nr_cpus] */

	/* hypercall input pages (one shared under post_lock, one for the
	 * crash path which may not take locks) */
	struct lis_hv_post_message_input *post_page;
	struct lis_hv_post_message_input *crash_page;
	lis_spinlock_t post_lock;

	void *int_page;			/* < 5.0 interrupt page */
	void *monitor_pages;		/* two pages */

	/* relid -> channel; writers hold map_lock, readers are the event
	 * path (see lis_vmbus_grace()) */
	struct lis_channel *relid_map[LIS_VMBUS_MAX_RELID];
	lis_spinlock_t map_lock;
	struct lis_channel *channels;	/* every channel, under map_lock */

	/* pending requests */
	lis_spinlock_t req_lock;
	struct lis_request *requests;

	/* messages from the SIMP slot waiting for process context */
	lis_spinlock_t msgq_lock;
	struct lis_msg *msgq_head, *msgq_tail;
	/* offers and rescinds, in arrival order, for the offer context */
	struct lis_msg *offq_head, *offq_tail;
	lis_mutex_t offers_mutex;	/* serializes lis_vmbus_run_offers */
	const void *offers_task;	/* who runs it now, NULL when nobody */

	u32 next_gpadl;
	lis_spinlock_t gpadl_lock;

	u64 protocol_errors;		/* malformed host messages */
};

/* connection.c */
int lis_post_message(struct lis_vmbus *vmbus, const void *msg, u32 len);
void lis_request_init(struct lis_request *req, u32 resp_type, u32 key, u32 relid);
void lis_request_add(struct lis_vmbus *vmbus, struct lis_request *req);
void lis_request_remove(struct lis_vmbus *vmbus, struct lis_request *req);
/* post msg and wait for the matching response; -ETIMEDOUT, -ENODEV */
int lis_request_wait(struct lis_vmbus *vmbus, struct lis_request *req);
/* complete every request about a channel with an error (rescinded) */
void lis_request_fail_relid(struct lis_vmbus *vmbus, u32 relid, int error);
void lis_vmbus_signal_host(struct lis_channel *ch);

/* channel.c */
void lis_channel_offer(struct lis_vmbus *vmbus, const struct lis_vmbus_msg_offer *offer);
void lis_channel_rescind(struct lis_vmbus *vmbus, u32 relid);
void lis_channel_mark_rescinded(struct lis_vmbus *vmbus, u32 relid);
void lis_channel_dispatch(struct lis_vmbus *vmbus, u32 relid);
/* run a channel's event again on its CPU, as if the host had signalled */
void lis_vmbus_kick_channel(struct lis_vmbus *vmbus, u32 relid, unsigned int cpu);
void lis_channel_free_all(struct lis_vmbus *vmbus);

/* channel_raw.c */
void lis_vmbus_tl_result(struct lis_vmbus *vmbus, const u8 *msg, u32 len);

/* gpadl.c */
int lis_gpadl_establish(struct lis_channel *ch, void *buf, u32 size, u32 *gpadl);
int lis_gpadl_teardown(struct lis_channel *ch, u32 gpadl);

/* vmbus.c */
void lis_vmbus_abandon(struct lis_vmbus *vmbus, void *pages, u32 npages);

/* synic.c */
void lis_vmbus_grace(struct lis_vmbus *vmbus);

/* a little-endian u32 at any alignment (message payloads) */
static inline u32 lis_get_le32(const void *p)
{
	__le32 v;

	memcpy(&v, p, sizeof(v));
	return le32_to_cpu(v);
}

/* guid helpers */
static inline bool lis_guid_eq(const struct lis_guid *a, const struct lis_guid *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

#endif /* LIS_VMBUS_INTERNAL_H */
