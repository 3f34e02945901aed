// SPDX-License-Identifier: GPL-2.0
/*
 * The transmit path (fact sheet §5.5, §5.7): a frame becomes an RNDIS
 * PACKET with its per-packet info (checksum or LSO, VLAN, hash) and goes to
 * the host either copied into a free send-buffer section (small frames, an
 * in-band NVSP message names the section) or as GPA-direct page ranges (the
 * RNDIS header from this slot's header area, then the frame's own pages).
 *
 * Each send holds a slot of its channel until the host's completion names
 * the slot's transaction id (generation and index); a completion that names
 * no busy slot of this channel is counted and dropped.  No slot, or no room
 * in the ring, is -EBUSY: the queue stops and tx_wake() comes when a
 * completion or the host's space signal makes room.
 */
#include "internal.h"

/* ring space that makes a blocked queue worth waking: the largest send */
#define NET_TX_WAKE_ROOM	1024u

/* ---- send-buffer sections: a stack of free indices ---- */

int net_sections_init(struct lis_net *n)
{
	u32 i;

	n->free_sections = lis_zalloc(sizeof(u32) * n->send_sections);
	if (!n->free_sections)
		return -ENOMEM;
	for (i = 0; i < n->send_sections; i++)
		n->free_sections[i] = n->send_sections - 1 - i;
	n->nfree_sections = n->send_sections;
	return 0;
}

static u32 section_get(struct lis_net *n)
{
	unsigned long flags = 0;
	u32 s = LIS_NVSP_NO_SECTION;

	lis_spin_lock(&n->section_lock, flags);
	if (n->nfree_sections)
		s = n->free_sections[--n->nfree_sections];
	lis_spin_unlock(&n->section_lock, flags);
	return s;
}

static void section_put(struct lis_net *n, u32 s)
{
	unsigned long flags = 0;

	if (s == LIS_NVSP_NO_SECTION)
		return;
	lis_spin_lock(&n->section_lock, flags);
	n->free_sections[n->nfree_sections++] = s;
	lis_spin_unlock(&n->section_lock, flags);
}

/* ---- slots ---- */

int net_tx_init(struct lis_net *n, struct net_chan *c)
{
	u32 i;

	c->slots = lis_zalloc(sizeof(*c->slots) * n->nslots);
	c->hdr_pages = (n->nslots * NET_TX_HDR_BYTES + LIS_HV_PAGE_SIZE - 1) / LIS_HV_PAGE_SIZE;
	c->hdrs = lis_alloc_pages(c->hdr_pages);
	if (!c->slots || !c->hdrs)
		return -ENOMEM;
	for (i = 0; i < n->nslots; i++) {
		c->slots[i].next_free = i + 1;
		c->slots[i].gen = 1;
		c->slots[i].section = LIS_NVSP_NO_SECTION;
	}
	c->free_head = 0;
	return 0;
}

void net_tx_free(struct lis_net *n, struct net_chan *c)
{
	lis_free(c->slots);
	/* the host read headers from here only while the channel was open */
	lis_free_pages(c->hdrs, c->hdr_pages);
}

/* caller holds tx_lock */
static void slot_release(struct lis_net *n, struct net_chan *c, u32 i)
{
	struct net_slot *s = &c->slots[i];

	s->busy = false;
	s->cookie = NULL;
	s->section = LIS_NVSP_NO_SECTION;
	s->gen = s->gen >= NET_GEN_MAX ? 1 : s->gen + 1;
	s->next_free = c->free_head;
	c->free_head = i;
	c->in_flight--;
}

/* ---- building the RNDIS packet ---- */

static u32 put_ppi(u8 *h, u32 off, u32 type, u32 value)
{
	struct lis_rndis_ppi ppi;

	ppi.size = cpu_to_le32(sizeof(ppi) + 4);
	ppi.type = cpu_to_le32(type);
	ppi.ppi_offset = cpu_to_le32(sizeof(ppi));
	memcpy(h + off, &ppi, sizeof(ppi));
	net_put_le32(h + off + sizeof(ppi), value);
	return off + sizeof(ppi) + 4;
}

/* the PPI's VLAN layout from an 802.1Q TCI */
static u32 vlan_to_ppi(u16 tci)
{
	return (u32)(tci >> 13) | ((tci & (1u << 12)) ? LIS_RNDIS_VLAN_CFI : 0) |
	       ((u32)(tci & LIS_RNDIS_VLAN_ID_MASK) << LIS_RNDIS_VLAN_ID_SHIFT);
}

/* header and PPIs into h (NET_TX_HDR_BYTES); returns their length */
static u32 build_header(u8 *h, const struct lis_net_tx *tx)
{
	struct lis_rndis_packet pk;
	u32 off = sizeof(pk), v;

	memset(h, 0, NET_TX_HDR_BYTES);
	if (tx->flags & LIS_NET_TX_LSO) {
		v = (tx->mss & LIS_RNDIS_LSO_MSS_MASK) |
		    ((u32)(tx->l4_offset & LIS_RNDIS_LSO_TCP_OFF_MASK) << LIS_RNDIS_LSO_TCP_OFF_SHIFT) |
		    LIS_RNDIS_LSO_V2 | ((tx->flags & LIS_NET_TX_IPV6) ? LIS_RNDIS_LSO_IPV6 : 0);
		off = put_ppi(h, off, LIS_RNDIS_PPI_LSO, v);
	} else if (tx->flags & (LIS_NET_TX_CSUM_TCP | LIS_NET_TX_CSUM_UDP)) {
		v = ((tx->flags & LIS_NET_TX_IPV6) ? LIS_RNDIS_TXCSUM_IPV6 : LIS_RNDIS_TXCSUM_IPV4) |
		    ((tx->flags & LIS_NET_TX_CSUM_TCP) ? LIS_RNDIS_TXCSUM_TCP : LIS_RNDIS_TXCSUM_UDP) |
		    ((u32)(tx->l4_offset & LIS_RNDIS_TXCSUM_TCP_OFF_MASK) <<
		     LIS_RNDIS_TXCSUM_TCP_OFF_SHIFT);
		off = put_ppi(h, off, LIS_RNDIS_PPI_CHECKSUM, v);
	}
	if (tx->flags & LIS_NET_TX_VLAN)
		off = put_ppi(h, off, LIS_RNDIS_PPI_VLAN, vlan_to_ppi(tx->vlan_tci));
	if (tx->flags & LIS_NET_TX_HASH)
		off = put_ppi(h, off, LIS_RNDIS_PPI_HASH_VALUE, tx->hash);

	memset(&pk, 0, sizeof(pk));
	pk.hdr.type = cpu_to_le32(LIS_RNDIS_MSG_PACKET);
	pk.hdr.len = cpu_to_le32(off + tx->len);
	pk.data_offset = cpu_to_le32(off - LIS_RNDIS_BODY);
	pk.data_len = cpu_to_le32(tx->len);
	if (off > sizeof(pk)) {
		pk.ppi_offset = cpu_to_le32(sizeof(pk) - LIS_RNDIS_BODY);
		pk.ppi_len = cpu_to_le32(off - sizeof(pk));
	}
	memcpy(h, &pk, sizeof(pk));
	return off;
}

static bool tx_valid(const struct lis_net_tx *tx)
{
	const u32 ipv = tx->flags & (LIS_NET_TX_IPV4 | LIS_NET_TX_IPV6);
	u64 sum = 0;
	u32 i;

	if (!tx->nsegs || tx->len < LIS_NET_ETH_HLEN || tx->len > LIS_NET_MAX_FRAME)
		return false;
	for (i = 0; i < tx->nsegs; i++)
		sum += tx->segs[i].len;
	if (sum != tx->len)
		return false;
	if (tx->flags & (LIS_NET_TX_LSO | LIS_NET_TX_CSUM_TCP | LIS_NET_TX_CSUM_UDP)) {
		if ((ipv != LIS_NET_TX_IPV4 && ipv != LIS_NET_TX_IPV6) ||
		    tx->l4_offset >= tx->len || tx->l4_offset > LIS_RNDIS_TXCSUM_TCP_OFF_MASK)
			return false;
	}
	if ((tx->flags & LIS_NET_TX_LSO) && !tx->mss)
		return false;
	return true;
}

/* one page range per 4 KiB page touched (the form every host takes) */
static int add_ranges(struct net_chan *c, u32 *nr, u64 gpa, u32 len)
{
	u32 off, chunk;

	while (len) {
		if (*nr >= LIS_NET_MAX_TX_RANGES + 1)
			return -E2BIG;
		off = (u32)(gpa & LIS_HV_PAGE_MASK);
		chunk = min_t(u32, len, LIS_HV_PAGE_SIZE - off);
		c->pfns[*nr] = gpa >> LIS_HV_PAGE_SHIFT;
		c->ranges[*nr].byte_offset = off;
		c->ranges[*nr].byte_count = chunk;
		c->ranges[*nr].pfn_count = 1;
		c->ranges[*nr].pfns = &c->pfns[*nr];
		(*nr)++;
		gpa += chunk;
		len -= chunk;
	}
	return 0;
}

/* the channel for queue q: its own, or the primary when it went away */
static struct net_chan *tx_chan(struct lis_net *n, u32 q, bool *fallback)
{
	u32 nq = LIS_READ_ONCE(n->nqueues);
	struct net_chan *c;

	lis_rmb();
	*fallback = false;
	c = q < nq ? n->chans[q] : NULL;
	if (!c || LIS_READ_ONCE(c->dead)) {
		*fallback = q != 0;
		c = n->chans[0];
	}
	return c;
}

int lis_net_send(struct lis_net *n, u32 q, const struct lis_net_tx *tx)
{
	union lis_nvsp_msg m;
	struct net_chan *c;
	struct net_slot *s;
	unsigned long flags = 0;
	u8 hdr[NET_TX_HDR_BYTES];
	u32 hlen, total, slot, nr = 0, i;
	bool fallback;
	u8 *dst;
	u64 id;
	int ret;

	if (!tx_valid(tx))
		return -EINVAL;
	if (LIS_READ_ONCE(n->dead))
		return -ENODEV;
	c = tx_chan(n, q, &fallback);
	if (LIS_READ_ONCE(c->dead))
		return -ENODEV;
	hlen = build_header(hdr, tx);
	total = hlen + tx->len;

	memset(&m, 0, sizeof(m));
	m.rndis_pkt.type = cpu_to_le32(LIS_NVSP_MSG_SEND_RNDIS_PKT);
	m.rndis_pkt.channel_type = cpu_to_le32(LIS_NVSP_CHANNEL_DATA);

	lis_spin_lock(&c->tx_lock, flags);
	if (c->free_head >= n->nslots) {
		ret = -EAGAIN;
		goto busy;
	}
	slot = c->free_head;
	s = &c->slots[slot];
	id = (u64)s->gen << 32 | slot;
	s->section = total <= n->send_section_size ? section_get(n) : LIS_NVSP_NO_SECTION;
	if (s->section != LIS_NVSP_NO_SECTION) {
		dst = (u8 *)n->send_buf + (size_t)s->section * n->send_section_size;
		memcpy(dst, hdr, hlen);
		dst += hlen;
		for (i = 0; i < tx->nsegs; i++) {
			memcpy(dst, tx->segs[i].va, tx->segs[i].len);
			dst += tx->segs[i].len;
		}
		m.rndis_pkt.section_index = cpu_to_le32(s->section);
		m.rndis_pkt.section_size = cpu_to_le32(total);
		ret = lis_channel_send(c->ch, LIS_VMBUS_PKT_DATA_INBAND,
				       LIS_VMBUS_PKT_FLAG_COMPLETION_REQUESTED, id, &m, sizeof(m));
	} else {
		u8 *h = c->hdrs + (size_t)slot * NET_TX_HDR_BYTES;

		memcpy(h, hdr, hlen);
		ret = add_ranges(c, &nr, lis_page_gpa(h), hlen);
		for (i = 0; !ret && i < tx->nsegs; i++)
			ret = add_ranges(c, &nr, tx->segs[i].gpa, tx->segs[i].len);
		m.rndis_pkt.section_index = cpu_to_le32(LIS_NVSP_NO_SECTION);
		if (!ret)
			ret = lis_channel_send_gpa(c->ch, LIS_VMBUS_PKT_FLAG_COMPLETION_REQUESTED,
						   id, c->ranges, nr, &m, sizeof(m));
	}
	if (ret) {
		section_put(n, s->section);
		s->section = LIS_NVSP_NO_SECTION;
		if (ret == -EAGAIN)
			goto busy;
		lis_spin_unlock(&c->tx_lock, flags);
		switch (ret) {
		case -E2BIG:
		case -ENOMEM:
			return ret;
		case -EMSGSIZE:
		case -EINVAL:
			return -EINVAL;
		default:
			return -ENODEV;
		}
	}
	s->busy = true;
	s->cookie = tx->cookie;
	s->len = tx->len;
	c->free_head = s->next_free;
	c->in_flight++;
	c->st.tx_frames++;
	c->st.tx_bytes += tx->len;
	if (nr)
		c->st.tx_direct++;
	else
		c->st.tx_copied++;
	lis_spin_unlock(&c->tx_lock, flags);
	return 0;

busy:
	/* no slot or no ring space: the next completion or space signal on
	 * this channel wakes the queue */
	c->tx_blocked = true;
	c->wake_all |= fallback;
	c->st.tx_busy++;
	lis_spin_unlock(&c->tx_lock, flags);
	return -EBUSY;
}

/* ---- completions ---- */

void net_tx_completion(struct net_chan *c, u64 id, const void *data, u32 len)
{
	struct lis_net *n = c->n;
	struct lis_nvsp_rndis_pkt_complete m;
	unsigned long flags = 0;
	u32 slot = (u32)id, gen = (u32)(id >> 32), section = LIS_NVSP_NO_SECTION;
	void *cookie = NULL;
	bool ok, found = false;

	if (len < sizeof(m)) {
		net_host_err(c, bad_completions, "dropped a %u-byte send completion\n", len);
		return;
	}
	memcpy(&m, data, sizeof(m));
	if (le32_to_cpu(m.type) != LIS_NVSP_MSG_SEND_RNDIS_PKT_COMPLETE) {
		net_host_err(c, bad_completions, "dropped a send completion of NVSP type %u\n",
			     le32_to_cpu(m.type));
		return;
	}
	ok = le32_to_cpu(m.status) == LIS_NVSP_STATUS_SUCCESS;

	lis_spin_lock(&c->tx_lock, flags);
	if (slot < n->nslots && c->slots[slot].busy && c->slots[slot].gen == gen) {
		cookie = c->slots[slot].cookie;
		section = c->slots[slot].section;
		slot_release(n, c, slot);
		found = true;
		if (!ok)
			c->st.tx_failed++;
	}
	lis_spin_unlock(&c->tx_lock, flags);
	if (!found) {
		net_host_err(c, bad_completions,
			     "dropped a send completion with unknown transaction id %#llx\n",
			     (unsigned long long)id);
		return;
	}
	section_put(n, section);
	n->cfg.ops->tx_done(n->cfg.ctx, c->index, cookie, ok);
}

/* give up every send in flight on c: the host will never answer them */
void net_tx_abort(struct lis_net *n, struct net_chan *c)
{
	unsigned long flags = 0;
	u32 i, section;
	void *cookie;
	bool found;

	for (i = 0; c->slots && i < n->nslots; i++) {
		found = false;
		lis_spin_lock(&c->tx_lock, flags);
		if (c->slots[i].busy) {
			cookie = c->slots[i].cookie;
			section = c->slots[i].section;
			slot_release(n, c, i);
			c->st.tx_aborted++;
			found = true;
		}
		lis_spin_unlock(&c->tx_lock, flags);
		if (found) {
			section_put(n, section);
			n->cfg.ops->tx_done(n->cfg.ctx, c->index, cookie, false);
		}
	}
}

void net_tx_maybe_wake(struct net_chan *c)
{
	struct lis_net *n = c->n;
	unsigned long flags = 0;
	bool wake = false, all = false;

	lis_spin_lock(&c->tx_lock, flags);
	if (c->tx_blocked && c->free_head < n->nslots &&
	    lis_channel_send_space(c->ch) >= NET_TX_WAKE_ROOM) {
		wake = true;
		all = c->wake_all;
		c->tx_blocked = false;
		c->wake_all = false;
	}
	lis_spin_unlock(&c->tx_lock, flags);
	if (wake)
		n->cfg.ops->tx_wake(n->cfg.ctx, all ? LIS_NET_ALL_QUEUES : c->index);
}

u32 lis_net_tx_pending(struct lis_net *n, u32 q)
{
	struct net_chan *c;
	unsigned long flags = 0;
	u32 v;

	if (q >= LIS_NET_MAX_QUEUES || !(c = n->chans[q]))
		return 0;
	lis_spin_lock(&c->tx_lock, flags);
	v = c->in_flight;
	lis_spin_unlock(&c->tx_lock, flags);
	return v;
}
