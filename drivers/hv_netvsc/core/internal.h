/* SPDX-License-Identifier: GPL-2.0 */
/* The netvsc core's private state (see netvsc_core.h for the API). */
#ifndef LIS_NETVSC_INTERNAL_H
#define LIS_NETVSC_INTERNAL_H

#include <lis/os.h>
#include "netvsc_core.h"

#define NET_DEFAULT_TIMEOUT_MS		5000
#define NET_DEFAULT_RECV_BUF		(16u << 20)
#define NET_DEFAULT_SEND_BUF		(1u << 20)
#define NET_DEFAULT_MTU			1500
#define NET_DEFAULT_TX_SLOTS		1024
#define NET_MAX_TX_SLOTS		0x10000
#define NET_MAX_SEND_SECTIONS		0x10000
/* one VMBus packet from the host: transfer-page packets carry up to a few
 * hundred ranges (fact sheet §5.5: 562 with RSC) */
#define NET_PKTBUF_BYTES		16384
/* the RNDIS header and PPIs of one GPA-direct send, per slot: never
 * crosses a page because 4096 is a multiple of it */
#define NET_TX_HDR_BYTES		128
/* receive completions that wait for ring space, per channel */
#define NET_RX_COMP_QUEUE		1024
/* sanity bounds on what the host may tell us */
#define NET_MAX_PKT_ALIGN_SHIFT		12
#define NET_MAX_RNDIS_INFO		4096

/*
 * Transaction ids: data sends = generation << 32 | slot, generation in
 * 1..0x7FFFFFFF (never 0, never the control bit); control requests (NVSP
 * and RNDIS control sends) = NET_CTRL_ID | sequence.  Host packets of its
 * own carry anything; we never look them up.
 */
#define NET_CTRL_ID			(1ull << 63)
#define NET_GEN_MAX			0x7FFFFFFFu

struct net_slot {
	void *cookie;
	u32 gen;
	u32 next_free;
	u32 section;		/* LIS_NVSP_NO_SECTION: none */
	u32 len;
	bool busy;
};

struct net_rx_comp {
	u64 tid;
	u32 status;
};

struct net_chan {
	struct lis_net *n;
	struct lis_channel *ch;
	u32 index;		/* queue number = sub-channel index */
	bool open;		/* ours to close */
	bool dead;		/* rescinded: never send again */

	/* the send side, under tx_lock */
	lis_spinlock_t tx_lock;
	struct net_slot *slots;
	u8 *hdrs;		/* NET_TX_HDR_BYTES per slot, shared memory */
	u32 hdr_pages;
	u32 free_head;		/* n->nslots: none */
	u32 in_flight;
	bool tx_blocked;	/* -EBUSY was returned: wake when there is room */
	bool wake_all;		/* ... and it was another queue's send */
	struct lis_gpa_range ranges[LIS_NET_MAX_TX_RANGES + 1];
	u64 pfns[LIS_NET_MAX_TX_RANGES + 1];

	/* the receive side: event context only */
	struct net_rx_comp *comp_q;	/* receive completions waiting for ring space */
	u32 comp_head, comp_count;
	bool delivered;
	struct lis_net_stats st;
	u8 pktbuf[NET_PKTBUF_BYTES];
};

/* the sub-channels the host offered for a primary (its drvdata), kept
 * across NIC instances; see channel.c */
struct net_subs {
	lis_mutex_t lock;
	struct lis_channel *ch[LIS_NET_MAX_QUEUES];
	struct lis_net *owner;		/* the NIC that opens them, if any */
};

/* the one control request in flight (under ctrl_lock) */
struct net_ctrl {
	u64 id;			/* NVSP transaction id awaited; 0: none */
	u32 nvsp_type;		/* completion type expected; 0: any */
	bool nvsp_done;
	union lis_nvsp_msg nvsp_resp;
	u32 nvsp_resp_len;
	u32 rndis_id;		/* RNDIS request id awaited; 0: none */
	u32 rndis_type;		/* reply type expected */
	bool rndis_done;
	u32 rndis_status;
	struct lis_rndis_init_c init_c;	/* INITIALIZE_CMPLT */
	u8 *info;		/* QUERY_CMPLT: the information buffer goes here */
	u32 info_cap;
	u32 info_len;		/* what the host said (may exceed info_cap) */
};

struct lis_net {
	struct lis_net_config cfg;
	struct lis_channel *primary;
	struct net_subs *subs;
	u32 vmbus_version;

	/* what the handshake found */
	u32 nvsp_version;
	u32 ndis_version;
	void *recv_buf;
	u32 recv_bytes, recv_gpadl, recv_section_size, recv_sections;
	void *send_buf;
	u32 send_bytes, send_gpadl, send_section_size, send_sections;
	bool recv_gpadl_ok, send_gpadl_ok;	/* GPADL made (and not torn down) */
	bool recv_announced, send_announced;	/* the host was given it: revoke */
	bool keep_buffers;			/* a teardown failed: the host may
						 * still write them, never free */
	u32 max_pkts, pkt_align;
	u32 mtu;
	u8 perm_mac[6], mac[6];
	u32 max_frame;
	u32 link_up;				/* read and written whole */
	u32 link_speed;
	struct lis_net_offloads offl;
	u32 rss_queues;
	u32 nslots;
	bool rndis_up;

	/* send-buffer sections: a stack of free indices */
	lis_spinlock_t section_lock;
	u32 *free_sections;
	u32 nfree_sections;

	/* channels: chans[i] is the channel of queue i (sub-channel index);
	 * an entry is set once, before it is counted in nqueues (release) */
	lis_mutex_t chan_lock;
	struct net_chan *chans[LIS_NET_MAX_QUEUES];
	u32 nopen;
	u32 nqueues;
	u32 subs_requested, subs_allocated;
	bool subs_known;			/* SUBCHANNEL answered */
	bool rss_set;
	bool dying;
	bool dead;

	/* control requests: one at a time */
	lis_mutex_t ctrl_mutex;
	lis_completion_t ctrl_done;
	lis_spinlock_t ctrl_lock;
	struct net_ctrl ctrl;
	u32 ctrl_seq;
	u32 rndis_seq;
	void *ctrl_page;			/* RNDIS control messages */
	u32 filter;

	/* what the host told us on its own */
	u32 send_table[LIS_NET_SEND_TABLE_SIZE];
	u32 vf_allocated, vf_serial;
	bool datapath_vf;
};

/* channel.c */
void net_chan_event(struct lis_channel *ch, void *ctx);
struct net_chan *net_chan_alloc(struct lis_net *n, struct lis_channel *ch, u32 index);
void net_chan_free(struct net_chan *c);
int net_chan_open(struct lis_net *n, struct net_chan *c);
void net_maybe_set_rss(struct lis_net *n);
void net_sub_attach(struct lis_net *n, struct lis_channel *sub, u32 idx);
struct net_subs *net_subs_get(struct lis_channel *primary);

/* control.c: NVSP and RNDIS requests and the replies to them */
int net_nvsp_request(struct lis_net *n, union lis_nvsp_msg *msg, u32 expect,
		     union lis_nvsp_msg *resp);
int net_nvsp_post(struct lis_net *n, const union lis_nvsp_msg *msg);
int net_rndis_query(struct lis_net *n, u32 oid, const void *in, u32 in_len,
		    void *out, u32 out_cap, u32 *out_len);
int net_rndis_set(struct lis_net *n, u32 oid, const void *val, u32 len);
int net_rndis_init(struct lis_net *n);
void net_rndis_halt(struct lis_net *n);
void net_ctrl_completion(struct net_chan *c, u64 id, const void *data, u32 len);
void net_rndis_reply(struct net_chan *c, u32 type, const u8 *msg, u32 len);

/* setup.c: the handshake and its undoing */
int net_setup(struct lis_net *n);
void net_teardown(struct lis_net *n);

/* rx.c */
void net_rx_xfer(struct net_chan *c, const struct lis_packet *p);
void net_rx_flush_completions(struct net_chan *c);
void net_host_message(struct net_chan *c, const struct lis_packet *p);

/* tx.c */
int net_tx_init(struct lis_net *n, struct net_chan *c);
void net_tx_free(struct lis_net *n, struct net_chan *c);
void net_tx_completion(struct net_chan *c, u64 id, const void *data, u32 len);
void net_tx_abort(struct lis_net *n, struct net_chan *c);
void net_tx_maybe_wake(struct net_chan *c);
int net_sections_init(struct lis_net *n);

/* offload.c */
void net_offloads_parse(struct lis_net *n, const u8 *buf, u32 len);
u32 net_offload_params(const struct lis_net *n, struct lis_ndis_offload_params *p);
u32 net_rss_params(const struct lis_net *n, u32 nqueues, u8 *buf, u32 cap);

/* host-input errors: a counter and a rate-limited line */
#define net_host_err(c, counter, fmt, ...) do {				\
	(c)->st.counter++;						\
	lis_err_host("hv_netvsc: channel %u: " fmt,			\
		     lis_channel_relid((c)->ch), ##__VA_ARGS__);	\
} while (0)

static inline struct net_chan *net_primary(struct lis_net *n)
{
	return n->chans[0];
}

static inline u32 net_get_le32(const u8 *p)
{
	__le32 v;

	memcpy(&v, p, sizeof(v));
	return le32_to_cpu(v);
}

static inline void net_put_le32(u8 *p, u32 v)
{
	__le32 w = cpu_to_le32(v);

	memcpy(p, &w, sizeof(w));
}

#endif /* LIS_NETVSC_INTERNAL_H */
