/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hostsim internals: the state of one simulated host and the functions the
 * source files share.
 *
 * Locking: h->lock guards all host state (SynIC registers, message queues,
 * the VMBus connection, channels, GPADLs).  ch->lock guards one channel's
 * ring attachment and the host's ring indices; it nests inside h->lock and
 * is the only lock the ring data path (hs_channel_recv/send) takes.
 * Counters that the data path updates are atomics.  No lock is held while
 * hostsim calls out: env->interrupt() and the device callbacks run from the
 * worker thread with no hostsim lock held, so they may call back in.
 */
#ifndef HS_INTERNAL_H
#define HS_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "hostsim.h"
#include "wire.h"

#define HS_MAX_VPS		64u
#define HS_MAX_VERSIONS		16u
#define HS_INBOX_MAX		128u	/* posted messages the host buffers */
#define HS_EVENT_CONN_BASE	0x10000u	/* channel signal connection = base + relid */
#define HS_FAULT_MAX		(HS_FAULT_POST_BUSY + 1)

/* one hypervisor message, either direction */
struct hs_msg {
	struct hs_msg *next;
	uint32_t vp;		/* outgoing: target VP; incoming: posting VP */
	uint32_t sint;		/* outgoing: target SINT */
	uint32_t conn_id;	/* incoming: the connection it was posted on */
	uint32_t len;
	uint8_t data[HV_MSG_PAYLOAD_MAX];
};

struct hs_msgq {
	struct hs_msg *head, *tail;
	unsigned int n;
};

struct hs_vp {
	uint64_t scontrol, simp, siefp;
	uint64_t sint[16];
	struct hs_msgq out[16];		/* messages waiting for SIMP slot n */
};

/* the host's side of one ring (§3.1) */
struct hs_ring {
	uint8_t *ctl;			/* control page */
	uint8_t **data;			/* data pages, host addresses */
	uint32_t size;			/* data bytes */
	uint32_t own;			/* host-owned index: read (g->h) or write (h->g) */
};

struct hs_gpadl {
	struct hs_gpadl *next;
	uint32_t handle, relid;
	uint16_t range_count;
	uint16_t range_len;		/* RangeBufLen */
	uint16_t received;		/* range bytes received so far */
	bool complete;
	bool ring;			/* backs an open channel's rings */
	uint8_t *ranges;		/* raw range array, range_len bytes */
	uint32_t npages;		/* all PFNs of all ranges, in order */
	uint64_t *pfns;
	uint8_t **pages;		/* host address of each page */
	uint64_t bytes;			/* sum of ByteCount */
};

struct hs_channel {
	struct hs_channel *next_all;
	struct hs_host *h;
	struct hs_device *dev;
	uint32_t relid;
	uint16_t subidx;
	uint32_t conn_id;		/* HvSignalEvent connection id */
	int monitor_id;			/* -1: not monitored */

	/* state (h->lock) */
	bool offered;			/* offer sent in this connection */
	bool rescinded;			/* rescind decided; RELID_RELEASED awaited */
	bool released;			/* relid given back; channel is dead */
	bool open;
	bool open_pending;		/* OPENCHANNEL not answered (fault) */
	bool monitored;			/* open and signalled through the monitor page */
	uint32_t target_vp;
	uint32_t open_id;
	uint32_t ring_gpadl;

	/* data path (ch->lock) */
	pthread_mutex_t lock;
	bool attached;
	bool broken;			/* the guest wrote a malformed packet */
	struct hs_ring out;		/* guest -> host */
	struct hs_ring in;		/* host -> guest */
	uint8_t *pkt;			/* last packet received */
	uint32_t pkt_cap;
	uint32_t blocked;		/* host send waits for this many free bytes */

	/* worker hand-off and statistics */
	atomic_bool guest_signal;	/* guest signalled; run ready() */
	atomic_bool host_signal;	/* raise SIEF bit + interrupt */
	atomic_bool recheck;		/* the host unmasked: look at the ring again */
	struct hs_channel_stats stats;	/* atomically updated */
};

struct hs_device {
	struct hs_device *next;
	struct hs_host *h;
	struct hs_offer offer;
	const struct hs_device_ops *ops;
	void *priv;
	struct hs_channel **ch;		/* by SubChannelIndex */
	unsigned int nch, cap;
	bool rescind_req;		/* hs_device_rescind() called */
	bool rescinded;
};

/* a callback or interrupt a worker runs after dropping h->lock */
enum hs_call_kind { CALL_OPENED, CALL_CLOSED, CALL_READY, CALL_WRITABLE, CALL_INTERRUPT };

struct hs_call {
	enum hs_call_kind kind;
	struct hs_channel *ch;
	uint32_t vp;
	uint8_t vector;
	uint8_t user_data[OPEN_USER_DATA_LEN];
};

struct hs_calls {
	struct hs_call *v;
	unsigned int n, cap;
};

/* one of the host's two threads: `pass` runs with h->lock held whenever
 * the thread is woken (and every millisecond while `poll` says so); the
 * call-outs it queued run afterwards without the lock */
struct hs_worker {
	struct hs_host *h;
	pthread_t thread;
	pthread_cond_t cond;
	unsigned long work;		/* bumped to wake it */
	struct hs_calls calls;		/* owned by this thread */
	void (*pass)(struct hs_host *h);
	bool (*poll)(struct hs_host *h);
};

struct hs_host {
	struct hs_config cfg;
	uint32_t versions[HS_MAX_VERSIONS + 1];
	bool has_v5;			/* connection 4 exists */
	uint32_t v5_conn_id;		/* returned in VERSION_RESPONSE >= 5.0 */
	struct hs_guest_env env;
	struct timespec t0;

	pthread_mutex_t lock;
	bool running, stopping;
	/* synic: message slots, event flags, interrupts — never device code.
	 * vmbus: channel messages and device callbacks; a device that blocks
	 * in a callback stalls only this one, and its guest still gets the
	 * interrupts it needs to make progress. */
	struct hs_worker synic, vmbus;

	/* hypervisor (h->lock) */
	uint64_t guest_os_id, hypercall;
	struct hs_vp vp[HS_MAX_VPS];

	/* messages posted by the guest, not yet handled */
	struct hs_msgq inbox;

	/* VMBus server (h->lock) */
	struct hs_vmbus_state st;
	bool connected;
	bool offers_requested;
	bool offers_pending;		/* channels added, maybe not offered yet */
	bool rescinds_pending;		/* devices with rescind_req */
	uint32_t msg_sint;
	uint64_t int_page, monitor1, monitor2;
	unsigned int monitored_open;	/* open channels the worker must poll for */
	struct hs_channel *relid[VMBUS_MAX_RELID];
	struct hs_channel *monitor[MON_IDS];
	struct hs_channel *channels;	/* every channel ever made */
	struct hs_device *devices;
	struct hs_gpadl *gpadls;
	unsigned int fault[HS_FAULT_MAX];
	unsigned int bad_offers;	/* for alternating bad relids */
	atomic_bool host_signals;	/* some channel has host_signal set */
	atomic_bool guest_signals;	/* some channel has guest_signal/recheck set */
	atomic_uint nblocked;		/* channels whose host send waits for space */
	/* hv_sock endpoint (vsock.c): decides a TL_CONNECT_REQUEST with
	 * h->lock held; true when it offered the connection's channel */
	bool (*tl_connect)(void *ctx, const uint8_t endpoint[16], const uint8_t service[16]);
	void *tl_ctx;
	void (*tl_release)(void *ctx);	/* hs_destroy(), after the devices' */

	/* counters the data path updates without h->lock */
	atomic_uint_least32_t protocol_errors;
	atomic_uint_least64_t signals;
	atomic_uint_least64_t eoms;
};

/* host.c */
void hs_lock(struct hs_host *h);
void hs_unlock(struct hs_host *h);
void hs_wake_locked(struct hs_worker *w);
void hs_wake(struct hs_worker *w);
void hs_protocol_error(struct hs_host *h, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
bool hs_fault_take(struct hs_host *h, enum hs_fault f);
struct hs_call *hs_defer(struct hs_host *h, enum hs_call_kind kind, struct hs_channel *ch);
void hs_defer_interrupt(struct hs_host *h, uint32_t vp, uint8_t vector);
uint8_t *hs_map(struct hs_host *h, uint64_t gpa, size_t len);
void *hs_zalloc(size_t n);
void hs_msgq_push(struct hs_msgq *q, struct hs_msg *m);
struct hs_msg *hs_msgq_pop(struct hs_msgq *q);
void hs_msgq_free(struct hs_msgq *q);

/* hv.c: SynIC delivery (synic thread) */
int hs_queue_message(struct hs_host *h, uint32_t vp, uint32_t sint, const void *msg, uint32_t len);
void hs_deliver_messages(struct hs_host *h);
bool hs_messages_waiting(struct hs_host *h);
void hs_flush_messages(struct hs_host *h, uint32_t sint);
void hs_signal_guest(struct hs_host *h, struct hs_channel *ch);
void hs_poll_monitor(struct hs_host *h);

/* vmbus_server.c */
void hs_vmbus_handle(struct hs_host *h, struct hs_msg *m);
void hs_vmbus_send_offers(struct hs_host *h);
void hs_vmbus_rescind(struct hs_host *h, struct hs_device *dev);
int hs_vmbus_send(struct hs_host *h, const void *msg, uint32_t len);
void hs_vmbus_send3(struct hs_host *h, uint32_t type, uint32_t len, uint32_t a, uint32_t b,
		    uint32_t c);
void hs_vmbus_close_channel(struct hs_host *h, struct hs_channel *ch);
void hs_channel_detach(struct hs_channel *ch);

/* one range of a range list (§2.4.4, §3.2) */
struct hs_range {
	uint32_t count;			/* ByteCount */
	uint32_t offset;		/* ByteOffset into the first page */
	uint32_t pages;
	const uint8_t *pfns;		/* `pages` little-endian u64 PFNs */
};

/* gpadl.c */
bool hs_range_next(const uint8_t *list, uint32_t len, uint32_t *off, struct hs_range *r);
struct hs_gpadl *hs_gpadl_find(struct hs_host *h, uint32_t handle);
void hs_gpadl_header(struct hs_host *h, const struct hs_msg *m);
void hs_gpadl_body(struct hs_host *h, const struct hs_msg *m);
void hs_gpadl_teardown(struct hs_host *h, const struct hs_msg *m);
void hs_gpadl_drop_relid(struct hs_host *h, uint32_t relid);
void hs_gpadl_drop_all(struct hs_host *h);
int hs_ranges_walk(struct hs_host *h, const uint8_t *ranges, uint32_t len, uint32_t count,
		   uint32_t offset, uint8_t *buf, uint32_t n, bool to_guest);

/* ring.c */
int hs_ring_attach(struct hs_ring *r, uint8_t **pages, uint32_t npages);
void hs_ring_detach(struct hs_ring *r);
int hs_ring_read(struct hs_channel *ch, struct hs_packet *pkt, bool *space_signal);
int hs_ring_write(struct hs_channel *ch, const void *desc_ext, uint32_t hdr_len,
		  const void *data, uint32_t len, bool *signal);
uint32_t hs_ring_free(const struct hs_ring *r, uint32_t peer);
bool hs_ring_has_data(struct hs_channel *ch);
uint32_t hs_ring_load(const uint8_t *ctl, uint32_t off);
void hs_ring_store(uint8_t *ctl, uint32_t off, uint32_t v);

/* channel.c */
void hs_process_host_signals(struct hs_host *h);
void hs_process_guest_signals(struct hs_host *h);
/* run_calls: limit the packets one callback reads from ch (HS_READ_BUDGET) */
void hs_read_budget_begin(struct hs_channel *ch);
void hs_read_budget_end(void);
struct hs_channel *hs_channel_new(struct hs_device *dev, uint16_t subidx);
struct hs_device *hs_device_add_locked(struct hs_host *h, const struct hs_offer *offer,
				       const struct hs_device_ops *ops, void *priv);

#endif /* HS_INTERNAL_H */
