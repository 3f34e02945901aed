/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The portable netvsc core: one synthetic NIC (a primary channel and its
 * sub-channels) speaking NVSP and RNDIS (fact sheet §5) over the channel API
 * of lis/vmbus.h.  It brings the NIC up (NVSP version, NDIS config, the
 * receive and send buffers, RNDIS and its queries, offloads, RSS over
 * sub-channels), turns frames into RNDIS packets and back, and handles what
 * the host says on its own (link, VF association, the send indirection
 * table).  The glue (a Linux net_device, or a unit test) supplies the ops
 * below and never sees a wire byte.
 *
 * Everything the host supplies — packet types, transfer-page ranges, RNDIS
 * lengths and offsets, PPIs, completion ids — is checked before use; a bad
 * one is counted (lis_net_get_stats), logged rate-limited and dropped.
 * Transaction ids are the core's own (slot and generation, or a control
 * sequence): no pointer ever goes to the host.
 */
#ifndef LIS_NETVSC_CORE_H
#define LIS_NETVSC_CORE_H

#include <lis/vmbus.h>
#include <lis/wire/netvsc.h>
#include <lis/wire/rndis.h>

struct lis_net;

#define LIS_NET_MAX_QUEUES		64	/* the primary and 63 sub-channels */
#define LIS_NET_SEND_TABLE_SIZE		LIS_NVSP_SEND_TABLE_ENTRIES
#define LIS_NET_ETH_HLEN		14
#define LIS_NET_MAX_FRAME		65535u	/* largest frame either way */
#define LIS_NET_MIN_MTU			68
#define LIS_NET_MAX_MTU			(LIS_NET_MAX_FRAME - LIS_NET_ETH_HLEN)
#define LIS_NET_ALL_QUEUES		0xFFFFFFFFu
/* page ranges one GPA-direct send may name (beyond: linearize the frame) */
#define LIS_NET_MAX_TX_RANGES		32

/* ---- received frames -------------------------------------------------------- */

#define LIS_NET_RX_VLAN			(1u << 0)	/* vlan_tci valid */
#define LIS_NET_RX_HASH			(1u << 1)	/* hash valid */
#define LIS_NET_RX_CSUM_IP_OK		(1u << 2)	/* the host checked the IPv4 header */
#define LIS_NET_RX_CSUM_L4_OK		(1u << 3)	/* ... and the TCP/UDP checksum */
#define LIS_NET_RX_CSUM_BAD		(1u << 4)	/* a checksum the host checked is wrong */

struct lis_net_rx_frame {
	/* the frame, inside the receive buffer the host shares: valid only
	 * during the rx_frame call, and the host may still write it, so
	 * copy it once and never read it twice */
	const u8 *data;
	u32 len;
	u32 flags;		/* LIS_NET_RX_* */
	u16 vlan_tci;		/* 802.1Q TCI layout: PCP 15:13, DEI 12, VID 11:0 */
	u32 hash;		/* the host's RSS (Toeplitz) hash */
};

/* ---- frames to send ------------------------------------------------------------ */

/* a piece of the frame: virtually and physically contiguous */
struct lis_net_seg {
	const void *va;
	u64 gpa;
	u32 len;
};

#define LIS_NET_TX_CSUM_TCP		(1u << 0)	/* the host fills the TCP checksum */
#define LIS_NET_TX_CSUM_UDP		(1u << 1)	/* ... the UDP checksum */
#define LIS_NET_TX_IPV4			(1u << 2)	/* with CSUM_* or LSO: the IP version */
#define LIS_NET_TX_IPV6			(1u << 3)
#define LIS_NET_TX_LSO			(1u << 4)	/* TCP segmentation, mss */
#define LIS_NET_TX_VLAN			(1u << 5)	/* insert vlan_tci */
#define LIS_NET_TX_HASH			(1u << 6)	/* hash for the host's queue choice */

struct lis_net_tx {
	const struct lis_net_seg *segs;
	u32 nsegs;
	u32 len;		/* sum of the segments: the frame */
	u32 flags;		/* LIS_NET_TX_* */
	u16 l4_offset;		/* TCP/UDP header offset in the frame */
	u16 mss;		/* LSO */
	u16 vlan_tci;		/* 802.1Q TCI layout */
	u32 hash;
	void *cookie;		/* handed back in tx_done() */
};

/* ---- the ops the glue supplies --------------------------------------------------- */

struct lis_net_ops {
	/* a frame for queue q; event context of channel q (one caller per
	 * queue at a time) */
	void (*rx_frame)(void *ctx, u32 q, const struct lis_net_rx_frame *f);
	/* the end of a burst of rx_frame calls on q (Linux: schedule NAPI) */
	void (*rx_done)(void *ctx, u32 q);
	/* the host finished a send (ok false: it reported failure, or the
	 * NIC is going away); any context of the core */
	void (*tx_done)(void *ctx, u32 q, void *cookie, bool ok);
	/* queue q, refused with -EBUSY, may send again (LIS_NET_ALL_QUEUES:
	 * every queue; a queue whose channel went away was refused) */
	void (*tx_wake)(void *ctx, u32 q);
	/* the host said the link went up or down */
	void (*link_changed)(void *ctx, bool up);
	/* the host said something that needs a blocking query (network
	 * change, link speed): call lis_net_refresh_link() from process
	 * context.  Optional. */
	void (*refresh_needed)(void *ctx);
	/* SEND_VF_ASSOCIATION: a VF (vPCI serial number) is there or gone.
	 * Event context; the glue switches the data path from process
	 * context.  Optional. */
	void (*vf_changed)(void *ctx, bool allocated, u32 serial);
	/* all sub-channels are open and RSS is set: `n` queues carry
	 * traffic from now on (process context).  Optional. */
	void (*queues_changed)(void *ctx, u32 n);
	/* the OS CPU for sub-channel `index` (1..n).  Optional. */
	unsigned int (*pick_cpu)(void *ctx, unsigned int index);
};

struct lis_net_config {
	const struct lis_net_ops *ops;
	void *ctx;
	u32 ring_bytes;		/* per direction, page multiple */
	u32 recv_buf_bytes;	/* 0: 16 MiB; capped by the NVSP version */
	u32 send_buf_bytes;	/* 0: 1 MiB; at most 15 MiB */
	u32 mtu;		/* announced in SEND_NDIS_CONFIG; 0: 1500 */
	u32 max_queues;		/* channels wanted (1..64); 0: 1 */
	u32 max_nvsp_version;	/* 0: newest we speak */
	u32 tx_slots;		/* sends in flight per channel; 0: 1024 */
	u32 timeout_ms;		/* each control step; 0: 5000 */
	u8 rss_key[LIS_NDIS_RSS_KEY_SIZE];	/* Toeplitz key for RSS */
};

/* open the primary, run NVSP (versions newest first), share the buffers,
 * bring RNDIS up and query it, set the offloads, and ask for sub-channels
 * (they open as the host offers them; queues_changed() says when RSS is
 * set over all of them).  The packet filter is 0 until lis_net_open(). */
int lis_net_create(struct lis_channel *primary, const struct lis_net_config *cfg,
		   struct lis_net **out);
/* filter 0, RNDIS HALT, revoke the buffers, close the channels and tear
 * the GPADLs down in the order the VMBus version asks for; sends still in
 * flight get tx_done(ok = false).  No callback runs after it returns. */
void lis_net_destroy(struct lis_net *n);
/* the device is going away for good: forget the sub-channels the host
 * offered for this primary (they are kept across lis_net_destroy() and
 * lis_net_create(), as the host may offer them only once) */
void lis_net_release(struct lis_channel *primary);
/* the device was rescinded: fail what is in flight, refuse new sends */
void lis_net_kill(struct lis_net *n);

/* ---- what the handshake found, and the counters ---------------------------------- */

struct lis_net_offloads {
	/* LIS_NET_CSUM_* bits the host can do */
	u32 tx_csum, rx_csum;
	u32 lso4_max, lso6_max;		/* 0: no LSO for that IP version */
	u32 lso_min_segs;
};
#define LIS_NET_CSUM_IP4		(1u << 0)
#define LIS_NET_CSUM_TCP4		(1u << 1)
#define LIS_NET_CSUM_UDP4		(1u << 2)
#define LIS_NET_CSUM_TCP6		(1u << 3)
#define LIS_NET_CSUM_UDP6		(1u << 4)

struct lis_net_info {
	u32 nvsp_version;
	u32 ndis_version;
	u32 vmbus_version;
	u8 perm_mac[6];
	u8 mac[6];			/* current */
	u32 max_frame;			/* the host's GEN_MAXIMUM_FRAME_SIZE */
	u32 mtu;			/* what we announced */
	bool link_up;
	u32 link_speed;			/* units of 100 bit/s; 0 unknown */
	u32 recv_buf_bytes, recv_section_size, recv_sections;
	u32 send_buf_bytes, send_section_size, send_sections;
	u32 recv_gpadl, send_gpadl;
	u32 max_pkts_per_msg, pkt_align;
	struct lis_net_offloads offloads;
	u32 rss_queues;			/* the host's receive queues */
	u32 subchannels_requested, subchannels_allocated;
	u32 channels_open;		/* the primary and open sub-channels */
	bool rss_set;
	u32 packet_filter;
	bool vf_allocated;
	u32 vf_serial;
	bool datapath_vf;
	u32 send_table[LIS_NET_SEND_TABLE_SIZE];
	u32 tx_slots;
};
void lis_net_get_info(struct lis_net *n, struct lis_net_info *info);

struct lis_net_stats {
	/* host input rejected */
	u64 rx_bad_packet;	/* VMBus packet of a type/size we never take */
	u64 rx_bad_xfer;	/* transfer-page header or range */
	u64 rx_bad_rndis;	/* RNDIS length, offset or type */
	u64 rx_bad_ppi;		/* per-packet info */
	u64 rx_bad_nvsp;	/* unknown or short NVSP message */
	u64 bad_completions;	/* unknown transaction id or reply type */
	/* everything else */
	u64 rx_frames, rx_bytes;
	u64 rx_control;		/* RNDIS control replies and indications */
	u64 rx_comp_deferred;	/* receive completions that waited for ring space */
	u64 rx_comp_lost;	/* ... and that could not be kept */
	u64 tx_frames, tx_bytes;
	u64 tx_copied;		/* through a send-buffer section */
	u64 tx_direct;		/* as GPA-direct page ranges */
	u64 tx_busy;		/* refused: no slot or the ring was full */
	u64 tx_failed;		/* completed with a failure status */
	u64 tx_aborted;		/* given up at teardown */
	u64 indications;
};
void lis_net_get_stats(struct lis_net *n, struct lis_net_stats *st);
/* the sum of the host-input counters */
u64 lis_net_protocol_errors(struct lis_net *n);

/* ---- control (process context; one at a time) ------------------------------------- */

int lis_net_set_filter(struct lis_net *n, u32 filter);	/* LIS_NDIS_FILTER_* */
/* GEN_RNDIS_CONFIG_PARAMETER "NetworkAddress", then read it back */
int lis_net_set_mac(struct lis_net *n, const u8 mac[6]);
/* media connect status and link speed, again; link_changed() if it moved */
int lis_net_refresh_link(struct lis_net *n);
/* SWITCH_DATA_PATH: to the VF (true) or back to the synthetic path */
int lis_net_switch_datapath(struct lis_net *n, bool vf);

/* ---- the data path ----------------------------------------------------------------- */

/* 0: sent (tx_done() follows); -EBUSY: no slot or the ring is full, and
 * tx_wake(q) comes when there is room; -E2BIG: more pages than a send may
 * name (make it contiguous); -EINVAL: a frame we cannot send (size,
 * offsets); -ENODEV: the NIC is gone */
int lis_net_send(struct lis_net *n, u32 q, const struct lis_net_tx *tx);
/* the queue the host's send indirection table gives a flow hash */
u32 lis_net_pick_queue(struct lis_net *n, u32 hash);
/* channels that carry traffic now (1 until RSS is set over sub-channels) */
u32 lis_net_queues(struct lis_net *n);
/* sends in flight on q */
u32 lis_net_tx_pending(struct lis_net *n, u32 q);

#endif /* LIS_NETVSC_CORE_H */
