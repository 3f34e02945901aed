// SPDX-License-Identifier: GPL-2.0
/*
 * The net_device: open/stop, transmit (an skb becomes the core's frame
 * description: its pieces, checksum and segmentation requests, VLAN tag and
 * flow hash), NAPI receive (frames the channel's event half copied out of
 * the receive buffer, handed up in NAPI's budget), MTU, MAC address, receive
 * filter, VLAN ids and statistics.
 */
#include <linux/kernel.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/rtnetlink.h>
#include <net/ip6_checksum.h>
#include <net/checksum.h>
#include "netvsc_glue.h"

/* ---- receive ---- */

/* one frame into an skb: linear when small, pages when large */
static struct sk_buff *netvsc_rx_skb(struct netvsc_priv *p, const u8 *data, u32 len)
{
	struct sk_buff *skb;
	struct page *page;
	u32 head = len <= NETVSC_RX_COPYBREAK ? len : ETH_HLEN + 128, off, n;
	int i = 0;

	skb = netdev_alloc_skb_ip_align(p->ndev, head);
	if (!skb)
		return NULL;
	memcpy(skb_put(skb, head), data, head);
	for (off = head; off < len; off += n, i++) {
		n = min_t(u32, len - off, PAGE_SIZE);
		page = alloc_page(GFP_ATOMIC);
		if (!page || i >= MAX_SKB_FRAGS) {
			if (page)
				__free_page(page);
			kfree_skb(skb);
			return NULL;
		}
		memcpy(page_address(page), data + off, n);
		skb_add_rx_frag(skb, i, page, 0, n, PAGE_SIZE);
	}
	return skb;
}

/* the channel's event half: copy the frame out of the host's buffer */
void netvsc_rx_frame(struct netvsc_priv *p, u32 q, const struct lis_net_rx_frame *f)
{
	struct net_device *ndev = p->ndev;
	struct netvsc_queue *nq;
	struct sk_buff *skb;

	if (q >= p->max_queues)
		q = 0;
	nq = &p->queues[q];
	if (!netif_running(ndev) ||
	    skb_queue_len(&nq->ready) + skb_queue_len(&nq->batch) >= NETVSC_RX_BACKLOG) {
		atomic64_inc(&nq->rx_dropped);
		return;
	}
	skb = netvsc_rx_skb(p, f->data, f->len);
	if (!skb) {
		atomic64_inc(&nq->rx_dropped);
		return;
	}
	skb->protocol = eth_type_trans(skb, ndev);
	if ((ndev->features & NETIF_F_RXCSUM) && (f->flags & LIS_NET_RX_CSUM_L4_OK) &&
	    !(f->flags & LIS_NET_RX_CSUM_BAD)) {
		skb->ip_summed = CHECKSUM_UNNECESSARY;
		atomic64_inc(&nq->rx_csum_ok);
	}
	if (f->flags & LIS_NET_RX_VLAN)
		__vlan_hwaccel_put_tag(skb, htons(ETH_P_8021Q), f->vlan_tci);
	if ((ndev->features & NETIF_F_RXHASH) && (f->flags & LIS_NET_RX_HASH))
		lis_skb_set_l4_hash(skb, f->hash);
	skb_record_rx_queue(skb, q);
	__skb_queue_tail(&nq->batch, skb);
}

void netvsc_rx_done(struct netvsc_priv *p, u32 q)
{
	struct netvsc_queue *nq = &p->queues[q < p->max_queues ? q : 0];
	unsigned long flags;

	if (skb_queue_empty(&nq->batch))
		return;
	spin_lock_irqsave(&nq->ready.lock, flags);
	skb_queue_splice_tail_init(&nq->batch, &nq->ready);
	spin_unlock_irqrestore(&nq->ready.lock, flags);
	napi_schedule(&nq->napi);
}

static int netvsc_poll(struct napi_struct *napi, int budget)
{
	struct netvsc_queue *nq = container_of(napi, struct netvsc_queue, napi);
	struct sk_buff *skb;
	unsigned long flags;
	u64 bytes = 0;
	int done = 0;

	if (skb_queue_empty(&nq->poll)) {
		spin_lock_irqsave(&nq->ready.lock, flags);
		skb_queue_splice_tail_init(&nq->ready, &nq->poll);
		spin_unlock_irqrestore(&nq->ready.lock, flags);
	}
	while (done < budget && (skb = __skb_dequeue(&nq->poll))) {
		bytes += skb->len + ETH_HLEN;
		napi_gro_receive(napi, skb);
		done++;
	}
	u64_stats_update_begin(&nq->rx_sync);
	nq->rx_packets += done;
	nq->rx_bytes += bytes;
	u64_stats_update_end(&nq->rx_sync);
	if (done < budget && lis_napi_complete_done(napi, done)) {
		/* frames handed over after we looked */
		if (!skb_queue_empty(&nq->ready))
			napi_schedule(napi);
	}
	return done;
}

void netvsc_queues_init(struct netvsc_priv *p)
{
	u32 i;

	for (i = 0; i < p->max_queues; i++) {
		struct netvsc_queue *nq = &p->queues[i];

		nq->priv = p;
		nq->index = i;
		__skb_queue_head_init(&nq->batch);
		skb_queue_head_init(&nq->ready);
		__skb_queue_head_init(&nq->poll);
		u64_stats_init(&nq->rx_sync);
		u64_stats_init(&nq->tx_sync);
		lis_netif_napi_add(p->ndev, &nq->napi, netvsc_poll, NAPI_POLL_WEIGHT);
	}
}

static void netvsc_rx_purge(struct netvsc_queue *nq)
{
	__skb_queue_purge(&nq->poll);
	skb_queue_purge(&nq->ready);
}

void netvsc_queues_fini(struct netvsc_priv *p)
{
	u32 i;

	for (i = 0; i < p->max_queues; i++) {
		netif_napi_del(&p->queues[i].napi);
		netvsc_rx_purge(&p->queues[i]);
		__skb_queue_purge(&p->queues[i].batch);
	}
}

/* ---- transmit ---- */

void netvsc_tx_done(struct netvsc_priv *p, u32 q, struct sk_buff *skb, bool ok)
{
	struct netvsc_queue *nq = &p->queues[skb_get_queue_mapping(skb) < p->max_queues ?
					     skb_get_queue_mapping(skb) : 0];

	if (ok) {
		u64_stats_update_begin(&nq->tx_sync);
		nq->tx_packets++;
		nq->tx_bytes += skb->len;
		u64_stats_update_end(&nq->tx_sync);
	} else {
		atomic64_inc(&nq->tx_dropped);
	}
	lis_dev_consume_skb_any(skb);
}

void netvsc_tx_wake(struct netvsc_priv *p, u32 q)
{
	u32 i;

	if (q == LIS_NET_ALL_QUEUES) {
		for (i = 0; i < p->ndev->real_num_tx_queues; i++)
			if (netif_tx_queue_stopped(netdev_get_tx_queue(p->ndev, i)))
				netif_tx_wake_queue(netdev_get_tx_queue(p->ndev, i));
		return;
	}
	if (q < p->ndev->real_num_tx_queues &&
	    netif_tx_queue_stopped(netdev_get_tx_queue(p->ndev, q)))
		netif_tx_wake_queue(netdev_get_tx_queue(p->ndev, q));
}

/* LSOv2 wants the IP length 0 and the pseudo-header sum without a length
 * (NDIS "offloading the segmentation of large TCP packets") */
static int netvsc_prep_lso(struct sk_buff *skb, bool v6)
{
	int ret = skb_cow_head(skb, 0);

	if (ret)
		return ret;
	if (!v6) {
		struct iphdr *iph = ip_hdr(skb);

		/* the host fills in each segment's length and checksums */
		iph->tot_len = 0;
		iph->check = 0;
		tcp_hdr(skb)->check = ~csum_tcpudp_magic(iph->saddr, iph->daddr, 0,
							 IPPROTO_TCP, 0);
	} else {
		struct ipv6hdr *ip6 = ipv6_hdr(skb);

		ip6->payload_len = 0;
		tcp_hdr(skb)->check = ~csum_ipv6_magic(&ip6->saddr, &ip6->daddr, 0,
						       IPPROTO_TCP, 0);
	}
	return 0;
}

/* checksum and segmentation requests; 0, 1 (handled in software), or < 0 */
static int netvsc_tx_offloads(struct netvsc_priv *p, struct sk_buff *skb, struct lis_net_tx *tx)
{
	const struct lis_net_offloads *o = &p->info.offloads;
	__be16 proto = vlan_get_protocol(skb);
	bool v6 = proto == htons(ETH_P_IPV6);
	u8 l4;

	if (skb_is_gso(skb)) {
		if (!(skb_shinfo(skb)->gso_type & (SKB_GSO_TCPV4 | SKB_GSO_TCPV6)))
			return -EPROTONOSUPPORT;
		v6 = skb_shinfo(skb)->gso_type & SKB_GSO_TCPV6;
		if (netvsc_prep_lso(skb, v6))
			return -ENOMEM;
		tx->flags |= LIS_NET_TX_LSO | (v6 ? LIS_NET_TX_IPV6 : LIS_NET_TX_IPV4);
		tx->mss = skb_shinfo(skb)->gso_size;
		tx->l4_offset = skb_transport_offset(skb);
		return 0;
	}
	if (skb->ip_summed != CHECKSUM_PARTIAL)
		return 0;
	if (proto == htons(ETH_P_IP))
		l4 = ip_hdr(skb)->protocol;
	else if (v6)
		l4 = ipv6_hdr(skb)->nexthdr;
	else
		return 1;
	if (l4 == IPPROTO_TCP &&
	    (o->tx_csum & (v6 ? LIS_NET_CSUM_TCP6 : LIS_NET_CSUM_TCP4)))
		tx->flags |= LIS_NET_TX_CSUM_TCP;
	else if (l4 == IPPROTO_UDP &&
		 (o->tx_csum & (v6 ? LIS_NET_CSUM_UDP6 : LIS_NET_CSUM_UDP4)))
		tx->flags |= LIS_NET_TX_CSUM_UDP;
	else
		return 1;	/* extension headers, UDP the host cannot do, ... */
	tx->flags |= v6 ? LIS_NET_TX_IPV6 : LIS_NET_TX_IPV4;
	tx->l4_offset = skb_transport_offset(skb);
	return 0;
}

/* the skb's pieces as the core wants them */
static u32 netvsc_tx_segs(struct sk_buff *skb, struct lis_net_seg *segs)
{
	u32 n = 0, i;

	if (skb_headlen(skb)) {
		segs[n].va = skb->data;
		segs[n].gpa = lis_page_gpa(skb->data);
		segs[n++].len = skb_headlen(skb);
	}
	for (i = 0; i < skb_shinfo(skb)->nr_frags; i++) {
		const skb_frag_t *frag = &skb_shinfo(skb)->frags[i];

		segs[n].va = skb_frag_address(frag);
		segs[n].gpa = page_to_phys(skb_frag_page(frag)) + lis_skb_frag_off(frag);
		segs[n++].len = skb_frag_size(frag);
	}
	return n;
}

static netdev_tx_t netvsc_xmit(struct sk_buff *skb, struct net_device *ndev)
{
	struct netvsc_priv *p = netdev_priv(ndev);
	struct lis_net_seg segs[MAX_SKB_FRAGS + 1];
	u16 q = skb_get_queue_mapping(skb);
	struct netvsc_queue *nq = &p->queues[q < p->max_queues ? q : 0];
	struct netdev_queue *txq = netdev_get_tx_queue(ndev, q);
	struct lis_net_tx tx;
	struct lis_net *core;
	int ret;

	/* accelerated networking: the VF carries it while it is the path */
	if (netvsc_vf_xmit(p, skb))
		return NETDEV_TX_OK;
	core = netvsc_core(p);
	if (!core)
		goto drop;
	memset(&tx, 0, sizeof(tx));
	ret = netvsc_tx_offloads(p, skb, &tx);
	if (ret < 0 || (ret > 0 && skb_checksum_help(skb)))
		goto drop;
	if (lis_skb_vlan_tag_present(skb)) {
		tx.flags |= LIS_NET_TX_VLAN;
		tx.vlan_tci = lis_skb_vlan_tag_get(skb);
	}
	tx.flags |= LIS_NET_TX_HASH;
	tx.hash = lis_skb_get_hash(skb);
	tx.cookie = skb;
retry:
	tx.segs = segs;
	tx.nsegs = netvsc_tx_segs(skb, segs);
	tx.len = skb->len;
	ret = lis_net_send(core, q, &tx);
	if (ret == -E2BIG && !skb_linearize(skb)) {
		atomic64_inc(&nq->tx_linearized);
		goto retry;
	}
	if (ret == -EBUSY) {
		/* stop, then look again: the wake may have come in between */
		netif_tx_stop_queue(txq);
		smp_mb__after_atomic();
		ret = lis_net_send(core, q, &tx);
		if (ret == -EBUSY) {
			atomic64_inc(&nq->tx_busy);
			return NETDEV_TX_BUSY;
		}
		netif_tx_wake_queue(txq);
	}
	if (ret)
		goto drop;
	return NETDEV_TX_OK;

drop:
	atomic64_inc(&nq->tx_dropped);
	dev_kfree_skb_any(skb);
	return NETDEV_TX_OK;
}

static u16 netvsc_select_queue(LIS_SELECT_QUEUE_ARGS(ndev, skb))
{
	struct netvsc_priv *p = netdev_priv(ndev);
	struct lis_net *core;
	u32 q = 0;

	rcu_read_lock_bh();
	core = netvsc_core(p);
	if (core)
		q = lis_net_pick_queue(core, lis_skb_get_hash(skb));
	rcu_read_unlock_bh();
	return (u16)(q < ndev->real_num_tx_queues ? q : 0);
}

/* ---- open, stop, settings ---- */

u32 netvsc_rx_filter(struct net_device *ndev)
{
	u32 f = LIS_NDIS_FILTER_DIRECTED | LIS_NDIS_FILTER_BROADCAST;

	if (ndev->flags & IFF_PROMISC)
		return LIS_NDIS_FILTER_PROMISCUOUS;
	if ((ndev->flags & IFF_ALLMULTI) || !netdev_mc_empty(ndev))
		f |= LIS_NDIS_FILTER_ALL_MULTICAST;
	return f;
}

/* RTNL held */
void netvsc_start(struct netvsc_priv *p)
{
	struct lis_net *core = netvsc_core_rtnl(p);
	u32 i;

	for (i = 0; i < p->max_queues; i++)
		napi_enable(&p->queues[i].napi);
	if (core && lis_net_set_filter(core, netvsc_rx_filter(p->ndev)))
		netdev_warn(p->ndev, "the host did not take the receive filter\n");
	netif_tx_wake_all_queues(p->ndev);
}

/* RTNL held */
void netvsc_stop(struct netvsc_priv *p)
{
	struct lis_net *core = netvsc_core_rtnl(p);
	u32 i;

	if (core && !lis_channel_rescinded(p->primary))
		lis_net_set_filter(core, 0);
	netif_tx_disable(p->ndev);
	for (i = 0; i < p->max_queues; i++) {
		napi_disable(&p->queues[i].napi);
		netvsc_rx_purge(&p->queues[i]);
	}
}

static int netvsc_open(struct net_device *ndev)
{
	struct netvsc_priv *p = netdev_priv(ndev);

	if (!netvsc_core_rtnl(p))
		return -ENODEV;
	netvsc_start(p);
	netvsc_vf_open(p, true);
	return 0;
}

static int netvsc_close(struct net_device *ndev)
{
	struct netvsc_priv *p = netdev_priv(ndev);

	netvsc_vf_open(p, false);
	netvsc_stop(p);
	return 0;
}

static int netvsc_change_mtu(struct net_device *ndev, int mtu)
{
	struct netvsc_priv *p = netdev_priv(ndev);
	int old = ndev->mtu, ret;

	if (mtu < LIS_NET_MIN_MTU || mtu > LIS_NET_MAX_MTU ||
	    (p->info.nvsp_version < LIS_NVSP_VERSION_2 && mtu > ETH_DATA_LEN))
		return -EINVAL;
	/* the VF first: frames must fit both paths */
	ret = netvsc_vf_set_mtu(p, mtu);
	if (ret)
		return ret;
	/* the host hears the MTU only at bring-up */
	ndev->mtu = mtu;
	ret = netvsc_reattach(p);
	if (ret) {
		netdev_err(ndev, "the NIC did not come back with MTU %d (%d); back to %d\n",
			   mtu, ret, old);
		ndev->mtu = old;
		netvsc_vf_set_mtu(p, old);
		if (netvsc_reattach(p))
			netdev_err(ndev, "the NIC did not come back\n");
	}
	return ret;
}

static int netvsc_set_mac(struct net_device *ndev, void *addr)
{
	struct netvsc_priv *p = netdev_priv(ndev);
	struct sockaddr *sa = addr;
	struct lis_net *core = netvsc_core_rtnl(p);
	int ret;

	if (!is_valid_ether_addr(sa->sa_data))
		return -EADDRNOTAVAIL;
	if (!core)
		return -ENODEV;
	ret = netvsc_vf_set_mac(p, sa);
	if (ret)
		return ret;
	ret = lis_net_set_mac(core, (const u8 *)sa->sa_data);
	if (ret) {
		netdev_err(ndev, "the host kept its MAC address (%d)\n", ret);
		return ret;
	}
	lis_eth_hw_addr_set(ndev, (const u8 *)sa->sa_data);
	return 0;
}

static void netvsc_set_rx_mode(struct net_device *ndev)
{
	struct netvsc_priv *p = netdev_priv(ndev);

	/* atomic context: the VF's lists now, the host's filter from a work */
	netvsc_vf_sync(p);
	schedule_work(&p->rx_mode_work);
}

static int netvsc_vlan_add(struct net_device *ndev, __be16 proto, u16 vid)
{
	netvsc_vf_vlan(netdev_priv(ndev), proto, vid, true);
	return 0;
}

static int netvsc_vlan_kill(struct net_device *ndev, __be16 proto, u16 vid)
{
	netvsc_vf_vlan(netdev_priv(ndev), proto, vid, false);
	return 0;
}

static void netvsc_tx_timeout(LIS_NDO_TX_TIMEOUT_ARGS(ndev, txqueue))
{
	struct netvsc_priv *p = netdev_priv(ndev);
	struct lis_net *core;
	int q = LIS_NDO_TX_TIMEOUT_QUEUE(txqueue);

	atomic64_inc(&p->tx_timeouts);
	rcu_read_lock_bh();
	core = netvsc_core(p);
	netdev_warn(ndev, "transmit queue %d timed out (%u sends in flight)\n", q,
		    core && q >= 0 ? lis_net_tx_pending(core, q) : 0);
	rcu_read_unlock_bh();
}

static LIS_NDO_STATS64_RET netvsc_get_stats64(struct net_device *ndev,
					      struct rtnl_link_stats64 *st)
{
	struct netvsc_priv *p = netdev_priv(ndev);
	unsigned int start;
	u64 a, b;
	u32 i;

	for (i = 0; i < p->max_queues; i++) {
		struct netvsc_queue *nq = &p->queues[i];

		do {
			start = u64_stats_fetch_begin(&nq->rx_sync);
			a = nq->rx_packets;
			b = nq->rx_bytes;
		} while (u64_stats_fetch_retry(&nq->rx_sync, start));
		st->rx_packets += a;
		st->rx_bytes += b;
		do {
			start = u64_stats_fetch_begin(&nq->tx_sync);
			a = nq->tx_packets;
			b = nq->tx_bytes;
		} while (u64_stats_fetch_retry(&nq->tx_sync, start));
		st->tx_packets += a;
		st->tx_bytes += b;
		st->rx_dropped += atomic64_read(&nq->rx_dropped);
		st->tx_dropped += atomic64_read(&nq->tx_dropped);
	}
	netvsc_vf_stats(p, st);
	LIS_NDO_STATS64_RETURN(st);
}

/* what the host can do, as features (after every attach) */
void netvsc_set_features(struct netvsc_priv *p)
{
	const struct lis_net_offloads *o = &p->info.offloads;
	struct net_device *ndev = p->ndev;
	netdev_features_t hw = NETIF_F_SG | NETIF_F_RXHASH | NETIF_F_HW_VLAN_CTAG_TX |
			       NETIF_F_HW_VLAN_CTAG_RX;
	u32 lso = 0;

	if (o->tx_csum & LIS_NET_CSUM_TCP4)
		hw |= NETIF_F_IP_CSUM;
	if (o->tx_csum & LIS_NET_CSUM_TCP6)
		hw |= NETIF_F_IPV6_CSUM;
	if (o->rx_csum & (LIS_NET_CSUM_TCP4 | LIS_NET_CSUM_TCP6))
		hw |= NETIF_F_RXCSUM;
	if (o->lso4_max) {
		hw |= NETIF_F_TSO;
		lso = o->lso4_max;
	}
	if (o->lso6_max) {
		hw |= NETIF_F_TSO6;
		lso = lso ? min(lso, o->lso6_max) : o->lso6_max;
	}
	if (lso)
		lis_netif_set_tso_max_size(ndev, lso);
	ndev->hw_features = hw;
	/* VLAN ids are told to the VF (the host tags by PPI, unfiltered) */
	ndev->features = hw | NETIF_F_HW_VLAN_CTAG_FILTER;
	ndev->vlan_features = hw & ~(NETIF_F_HW_VLAN_CTAG_TX | NETIF_F_HW_VLAN_CTAG_RX);
	if (ndev->reg_state == NETREG_REGISTERED)
		netdev_update_features(ndev);
}

const struct net_device_ops netvsc_netdev_ops = {
	.ndo_open = netvsc_open,
	.ndo_stop = netvsc_close,
	.ndo_start_xmit = netvsc_xmit,
	.ndo_select_queue = netvsc_select_queue,
	.ndo_change_mtu = netvsc_change_mtu,
	.ndo_set_mac_address = netvsc_set_mac,
	.ndo_validate_addr = eth_validate_addr,
	.ndo_set_rx_mode = netvsc_set_rx_mode,
	.ndo_vlan_rx_add_vid = netvsc_vlan_add,
	.ndo_vlan_rx_kill_vid = netvsc_vlan_kill,
	.ndo_tx_timeout = netvsc_tx_timeout,
	.ndo_get_stats64 = netvsc_get_stats64,
};
