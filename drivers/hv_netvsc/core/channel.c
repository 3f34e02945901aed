// SPDX-License-Identifier: GPL-2.0
/*
 * Channels: the primary and the sub-channels the host offers after NVSP
 * SUBCHANNEL, one queue each; the event loop that sorts what the host sends
 * (completions, transfer-page packets, its own in-band messages); and RSS,
 * set once every sub-channel the host allocated is open.
 */
#include "internal.h"

struct net_chan *net_chan_alloc(struct lis_net *n, struct lis_channel *ch, u32 index)
{
	struct net_chan *c = lis_zalloc(sizeof(*c));

	if (!c)
		return NULL;
	c->n = n;
	c->ch = ch;
	c->index = index;
	lis_spin_init(&c->tx_lock);
	c->comp_q = lis_zalloc(sizeof(*c->comp_q) * NET_RX_COMP_QUEUE);
	if (!c->comp_q || net_tx_init(n, c)) {
		net_chan_free(c);
		return NULL;
	}
	return c;
}

void net_chan_free(struct net_chan *c)
{
	if (!c)
		return;
	net_tx_free(c->n, c);
	lis_free(c->comp_q);
	lis_free(c);
}

int net_chan_open(struct lis_net *n, struct net_chan *c)
{
	struct lis_channel_open_args a;
	int ret;

	memset(&a, 0, sizeof(a));
	a.send_ring_bytes = n->cfg.ring_bytes;
	a.recv_ring_bytes = n->cfg.ring_bytes;
	a.on_event = net_chan_event;
	a.ctx = c;
	ret = lis_channel_open(c->ch, &a);
	if (!ret)
		c->open = true;
	return ret;
}

/* ---- the event loop (the channel's event context) ---- */

static void dispatch(struct net_chan *c, const struct lis_packet *p)
{
	switch (p->type) {
	case LIS_VMBUS_PKT_COMP:
		if (p->trans_id & NET_CTRL_ID)
			net_ctrl_completion(c, p->trans_id, p->data, p->len);
		else
			net_tx_completion(c, p->trans_id, p->data, p->len);
		break;
	case LIS_VMBUS_PKT_DATA_USING_XFER_PAGES:
		net_rx_xfer(c, p);
		break;
	case LIS_VMBUS_PKT_DATA_INBAND:
		net_host_message(c, p);
		break;
	default:
		net_host_err(c, rx_bad_packet, "dropped a packet of type %u from the host\n",
			     p->type);
		break;
	}
}

void net_chan_event(struct lis_channel *ch, void *ctx)
{
	struct net_chan *c = ctx;
	struct lis_net *n = c->n;
	struct lis_packet p;
	void *big;
	int ret;

	net_rx_flush_completions(c);
	for (;;) {
		ret = lis_channel_recv(ch, c->pktbuf, sizeof(c->pktbuf), &p);
		if (ret == -ENOBUFS) {
			/* more ranges than usual: read it into a buffer of its size */
			big = lis_zalloc_atomic(p.raw_len);
			if (!big) {
				/* the size is the host's: every interrupt may ask again */
				lis_err_host("hv_netvsc: channel %u: no memory for a %u-byte packet\n",
					     lis_channel_relid(ch), p.raw_len);
				break;
			}
			ret = lis_channel_recv(ch, big, p.raw_len, &p);
			if (!ret)
				dispatch(c, &p);
			lis_free(big);
			if (ret)
				break;
			continue;
		}
		if (ret)
			break;
		dispatch(c, &p);
	}
	if (c->delivered) {
		c->delivered = false;
		if (n->cfg.ops->rx_done)
			n->cfg.ops->rx_done(n->cfg.ctx, c->index);
	}
	net_tx_maybe_wake(c);
}

/* ---- sub-channels (offer context) ---- */

/* RSS over every queue, once all sub-channels the host allocated are open;
 * caller holds chan_lock */
void net_maybe_set_rss(struct lis_net *n)
{
	u32 want = 1 + n->subs_allocated, i, len;
	u8 *buf;
	int ret;

	if (n->rss_set || n->dying || !n->subs_known || !n->subs_allocated || n->nopen != want)
		return;
	for (i = 1; i < want; i++)
		if (!n->chans[i] || !n->chans[i]->open)
			return;
	buf = lis_zalloc(LIS_HV_PAGE_SIZE);
	if (!buf)
		return;
	len = net_rss_params(n, want, buf, LIS_HV_PAGE_SIZE);
	ret = net_rndis_set(n, LIS_OID_GEN_RSS_PARAMETERS, buf, len);
	lis_free(buf);
	if (ret) {
		lis_warn("hv_netvsc: the host refused RSS over %u channels (%d); one queue\n",
			 want, ret);
		return;
	}
	n->rss_set = true;
	LIS_STORE_RELEASE(n->nqueues, want);
	if (n->cfg.ops->queues_changed)
		n->cfg.ops->queues_changed(n->cfg.ctx, want);
}

/*
 * Sub-channels outlive a NIC instance: the host may keep them offered when
 * the primary closes (an MTU change re-creates the NIC) and offer them only
 * once, or rescind them and offer new ones.  So which sub-channel the host
 * offered for which index is kept per primary, in its drvdata, from the
 * first lis_net_create() until lis_net_release(); the NIC of the moment
 * (owner) opens them.  Callers hold r->lock, then chan_lock.
 */

/* the owner takes sub-channel idx */
void net_sub_attach(struct lis_net *n, struct lis_channel *sub, u32 idx)
{
	struct net_chan *c;
	u32 limit;
	int ret;

	lis_mutex_lock(&n->chan_lock);
	limit = n->subs_known ? n->subs_allocated : n->subs_requested;
	if (n->dying || idx > limit || n->chans[idx]) {
		lis_mutex_unlock(&n->chan_lock);
		if (!n->dying && idx > limit)
			lis_err_host("hv_netvsc: ignored sub-channel %u (index %u; %u allocated)\n",
				     lis_channel_relid(sub), idx, limit);
		return;
	}
	c = net_chan_alloc(n, sub, idx);
	if (!c) {
		lis_mutex_unlock(&n->chan_lock);
		lis_err("hv_netvsc: no memory for sub-channel %u\n", lis_channel_relid(sub));
		return;
	}
	if (n->cfg.ops->pick_cpu)
		lis_channel_set_target_cpu(sub, n->cfg.ops->pick_cpu(n->cfg.ctx, idx));
	ret = net_chan_open(n, c);
	if (ret) {
		lis_mutex_unlock(&n->chan_lock);
		lis_err("hv_netvsc: cannot open sub-channel %u: %d\n", lis_channel_relid(sub), ret);
		net_chan_free(c);
		return;
	}
	n->chans[idx] = c;
	n->nopen++;
	net_maybe_set_rss(n);
	lis_mutex_unlock(&n->chan_lock);
}

/* the host took sub-channel idx away: its queue moves to the primary */
static void sub_gone(struct lis_net *n, struct lis_channel *ch, u32 idx)
{
	struct net_chan *c;

	lis_mutex_lock(&n->chan_lock);
	c = n->chans[idx];
	if (!c || c->ch != ch) {
		lis_mutex_unlock(&n->chan_lock);
		return;
	}
	LIS_WRITE_ONCE(c->dead, true);
	c->open = false;	/* the VMBus core closes it */
	lis_mutex_unlock(&n->chan_lock);
	lis_warn("hv_netvsc: sub-channel %u was rescinded; its queue moves to the primary\n",
		 lis_channel_relid(ch));
	net_tx_abort(n, c);
	n->cfg.ops->tx_wake(n->cfg.ctx, idx);
}

static void subs_rescinded(struct lis_channel *ch, void *ctx)
{
	struct net_subs *r = ctx;
	u32 idx = lis_channel_subchannel_index(ch);

	if (!idx || idx >= LIS_NET_MAX_QUEUES)
		return;
	lis_mutex_lock(&r->lock);
	if (r->ch[idx] == ch)
		r->ch[idx] = NULL;
	if (r->owner)
		sub_gone(r->owner, ch, idx);
	lis_mutex_unlock(&r->lock);
}

static void subs_offered(struct lis_channel *sub, void *ctx)
{
	struct net_subs *r = ctx;
	u32 idx = lis_channel_subchannel_index(sub);

	if (!idx || idx >= LIS_NET_MAX_QUEUES) {
		lis_err_host("hv_netvsc: ignored sub-channel %u with index %u\n",
			     lis_channel_relid(sub), idx);
		return;
	}
	lis_mutex_lock(&r->lock);
	r->ch[idx] = sub;
	lis_channel_set_rescind_handler(sub, subs_rescinded, r);
	if (r->owner)
		net_sub_attach(r->owner, sub, idx);
	lis_mutex_unlock(&r->lock);
}

struct net_subs *net_subs_get(struct lis_channel *primary)
{
	struct net_subs *r = lis_channel_drvdata(primary);

	if (r)
		return r;
	r = lis_zalloc(sizeof(*r));
	if (!r)
		return NULL;
	lis_mutex_init(&r->lock);
	lis_channel_set_drvdata(primary, r);
	lis_channel_set_subchannel_handler(primary, subs_offered, r);
	return r;
}

void lis_net_release(struct lis_channel *primary)
{
	struct net_subs *r = lis_channel_drvdata(primary);
	u32 i;

	if (!r)
		return;
	lis_channel_set_subchannel_handler(primary, NULL, NULL);
	lis_mutex_lock(&r->lock);
	for (i = 1; i < LIS_NET_MAX_QUEUES; i++)
		if (r->ch[i])
			lis_channel_set_rescind_handler(r->ch[i], NULL, NULL);
	lis_mutex_unlock(&r->lock);
	lis_channel_set_drvdata(primary, NULL);
	lis_free(r);
}
