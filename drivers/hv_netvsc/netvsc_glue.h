/* SPDX-License-Identifier: GPL-2.0 */
/* hv_netvsc's Linux glue: what its files share. */
#ifndef LIS_NETVSC_GLUE_H
#define LIS_NETVSC_GLUE_H

#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/workqueue.h>
#include <linux/u64_stats_sync.h>
#include <lis/vmbus_driver.h>
#include <lis_compat/net.h>
#include "core/netvsc_core.h"

#define NETVSC_DRV_NAME		"hv_netvsc"
/* frames waiting for NAPI per queue; beyond, the event half drops them */
#define NETVSC_RX_BACKLOG	8192
/* frames up to this size go into one linear skb; larger ones get pages */
#define NETVSC_RX_COPYBREAK	2048

struct netvsc_priv;

struct netvsc_queue {
	struct netvsc_priv *priv;
	u32 index;
	struct napi_struct napi;
	struct sk_buff_head batch;	/* the event half's, until rx_done */
	struct sk_buff_head ready;	/* handed to NAPI (its own lock) */
	struct sk_buff_head poll;	/* NAPI's own */

	struct u64_stats_sync rx_sync;	/* NAPI */
	u64 rx_packets, rx_bytes;
	struct u64_stats_sync tx_sync;	/* the core's completions */
	u64 tx_packets, tx_bytes;
	atomic64_t rx_dropped, tx_dropped, tx_busy, tx_linearized, rx_csum_ok;
};

struct netvsc_priv {
	struct net_device *ndev;
	struct lis_vmbus_device *vdev;
	struct lis_channel *primary;
	struct lis_net __rcu *core;	/* NULL while detached */
	struct netvsc_queue *queues;	/* max_queues of them */
	u32 max_queues;			/* allocated (real_num_tx_queues <= this) */
	u32 want_queues;		/* ethtool -L */
	u32 recv_buf_bytes, send_buf_bytes;
	struct lis_net_info info;	/* of the last attach */
	u8 rss_key[LIS_NDIS_RSS_KEY_SIZE];

	struct work_struct queues_work;	/* real_num_*_queues after RSS */
	struct delayed_work link_work;	/* re-query after a network change */
	struct work_struct rx_mode_work;
	u32 queues_pending;

	/* accelerated networking: the VF under us */
	struct net_device __rcu *vf;
	struct delayed_work vf_setup;	/* MTU, rx mode and up, after it joined */
	struct work_struct vf_work;	/* re-evaluate the data path */
	bool vf_allocated;		/* the host says a VF is there */
	u32 vf_serial;
	bool datapath_vf;		/* SWITCH_DATA_PATH said VF */
	atomic64_t vf_rx_packets, vf_rx_bytes, vf_tx_packets, vf_tx_bytes, vf_tx_dropped;
	struct list_head node;		/* netvsc_devices */
	bool removing;
	atomic64_t tx_timeouts;
};

static inline struct lis_net *netvsc_core(struct netvsc_priv *p)
{
	return rcu_dereference_bh(p->core);
}

static inline struct lis_net *netvsc_core_rtnl(struct netvsc_priv *p)
{
	return rtnl_dereference(p->core);
}

/* netvsc_main.c */
extern const struct lis_net_ops netvsc_core_ops;
int netvsc_attach(struct netvsc_priv *p);
void netvsc_detach(struct netvsc_priv *p);
int netvsc_reattach(struct netvsc_priv *p);

/* netvsc_netdev.c */
extern const struct net_device_ops netvsc_netdev_ops;
void netvsc_rx_frame(struct netvsc_priv *p, u32 q, const struct lis_net_rx_frame *f);
void netvsc_rx_done(struct netvsc_priv *p, u32 q);
void netvsc_tx_done(struct netvsc_priv *p, u32 q, struct sk_buff *skb, bool ok);
void netvsc_tx_wake(struct netvsc_priv *p, u32 q);
void netvsc_set_features(struct netvsc_priv *p);
void netvsc_queues_init(struct netvsc_priv *p);
void netvsc_queues_fini(struct netvsc_priv *p);
void netvsc_start(struct netvsc_priv *p);
void netvsc_stop(struct netvsc_priv *p);
u32 netvsc_rx_filter(struct net_device *ndev);

/* netvsc_ethtool.c */
extern const struct ethtool_ops netvsc_ethtool_ops;

/* netvsc_vf.c */
int netvsc_vf_init(void);
void netvsc_vf_exit(void);
void netvsc_vf_prepare(struct netvsc_priv *p);
void netvsc_vf_register_device(struct netvsc_priv *p);
void netvsc_vf_unregister_device(struct netvsc_priv *p);
void netvsc_vf_changed(struct netvsc_priv *p, bool allocated, u32 serial);
bool netvsc_vf_xmit(struct netvsc_priv *p, struct sk_buff *skb);
void netvsc_vf_sync(struct netvsc_priv *p);
int netvsc_vf_set_mtu(struct netvsc_priv *p, int mtu);
int netvsc_vf_set_mac(struct netvsc_priv *p, struct sockaddr *sa);
void netvsc_vf_open(struct netvsc_priv *p, bool up);
void netvsc_vf_vlan(struct netvsc_priv *p, __be16 proto, u16 vid, bool add);
void netvsc_vf_stats(struct netvsc_priv *p, struct rtnl_link_stats64 *st);

#endif /* LIS_NETVSC_GLUE_H */
