// SPDX-License-Identifier: GPL-2.0
/*
 * The receive path (fact sheet §3.2, §5.5-§5.7): transfer-page packets whose
 * ranges name RNDIS messages in the receive buffer, and the host's own
 * in-band NVSP messages (VF association, send indirection table).
 *
 * The receive buffer is shared with the host, which may write it at any
 * time: every header is copied out before it is checked, every value is
 * read once, and only checked offsets and lengths are used.  A bad range,
 * message or PPI is counted and dropped; the rest of the packet goes on.
 * Every transfer-page packet is completed (failure status when something was
 * dropped) so the host gets its buffer back; a completion that finds the
 * ring full waits in a small queue for the host's space signal.
 */
#include "internal.h"

/* ---- receive completions ---- */

static int send_rx_completion(struct net_chan *c, u64 tid, u32 status)
{
	union lis_nvsp_msg m;

	memset(&m, 0, sizeof(m));
	m.rndis_pkt_complete.type = cpu_to_le32(LIS_NVSP_MSG_SEND_RNDIS_PKT_COMPLETE);
	m.rndis_pkt_complete.status = cpu_to_le32(status);
	return lis_channel_send(c->ch, LIS_VMBUS_PKT_COMP, 0, tid, &m, sizeof(m));
}

void net_rx_flush_completions(struct net_chan *c)
{
	struct net_rx_comp *e;
	int ret;

	while (c->comp_count) {
		e = &c->comp_q[c->comp_head];
		ret = send_rx_completion(c, e->tid, e->status);
		if (ret == -EAGAIN)
			return;
		c->comp_head = (c->comp_head + 1) % NET_RX_COMP_QUEUE;
		c->comp_count--;
	}
}

static void rx_complete(struct net_chan *c, u64 tid, u32 status)
{
	struct net_rx_comp *e;

	/* in order: behind the ones already waiting */
	if (!c->comp_count && send_rx_completion(c, tid, status) != -EAGAIN)
		return;
	if (c->comp_count == NET_RX_COMP_QUEUE) {
		c->st.rx_comp_lost++;
		lis_err_host("hv_netvsc: channel %u: the ring stays full; a receive completion is lost\n",
			     lis_channel_relid(c->ch));
		return;
	}
	e = &c->comp_q[(c->comp_head + c->comp_count) % NET_RX_COMP_QUEUE];
	e->tid = tid;
	e->status = status;
	c->comp_count++;
	c->st.rx_comp_deferred++;
}

/* ---- RNDIS data packets ---- */

/* 802.1Q TCI from the PPI's layout (priority 2:0, CFI 3, VLAN id 15:4) */
static u16 vlan_from_ppi(u32 v)
{
	return (u16)(((v & LIS_RNDIS_VLAN_PRIO_MASK) << 13) |
		     ((v & LIS_RNDIS_VLAN_CFI) ? 1u << 12 : 0) |
		     ((v >> LIS_RNDIS_VLAN_ID_SHIFT) & LIS_RNDIS_VLAN_ID_MASK));
}

static void csum_from_ppi(u32 v, struct lis_net_rx_frame *f)
{
	if (v & (LIS_RNDIS_RXCSUM_TCP_FAILED | LIS_RNDIS_RXCSUM_UDP_FAILED |
		 LIS_RNDIS_RXCSUM_IP_FAILED)) {
		f->flags |= LIS_NET_RX_CSUM_BAD;
		return;
	}
	if (v & LIS_RNDIS_RXCSUM_IP_OK)
		f->flags |= LIS_NET_RX_CSUM_IP_OK;
	if (v & (LIS_RNDIS_RXCSUM_TCP_OK | LIS_RNDIS_RXCSUM_UDP_OK))
		f->flags |= LIS_NET_RX_CSUM_L4_OK;
}

/* walk the PPIs in msg[start, start + len); false when one is malformed */
static bool parse_ppis(struct net_chan *c, const u8 *msg, u32 start, u32 len,
		       struct lis_net_rx_frame *f)
{
	struct lis_rndis_ppi ppi;
	struct lis_rndis_packet_id pid;
	u32 pos = start, end = start + len, size, type, off, dlen, v;

	while (pos < end) {
		if (end - pos < sizeof(ppi)) {
			net_host_err(c, rx_bad_ppi, "dropped a frame: %u PPI bytes left over\n",
				     end - pos);
			return false;
		}
		memcpy(&ppi, msg + pos, sizeof(ppi));
		size = le32_to_cpu(ppi.size);
		type = le32_to_cpu(ppi.type);
		off = le32_to_cpu(ppi.ppi_offset);
		if (size < sizeof(ppi) || size > end - pos || off < sizeof(ppi) || off > size) {
			net_host_err(c, rx_bad_ppi,
				     "dropped a frame: PPI size %u offset %u with %u bytes left\n",
				     size, off, end - pos);
			return false;
		}
		dlen = size - off;
		v = 0;
		switch (type) {
		case LIS_RNDIS_PPI_CHECKSUM:
		case LIS_RNDIS_PPI_VLAN:
		case LIS_RNDIS_PPI_HASH_VALUE:
		case LIS_RNDIS_PPI_PACKET_ID:
			if (dlen < 4) {
				net_host_err(c, rx_bad_ppi,
					     "dropped a frame: PPI type %#x with %u data bytes\n",
					     type, dlen);
				return false;
			}
			v = net_get_le32(msg + pos + off);
			break;
		default:
			break;
		}
		switch (type) {
		case LIS_RNDIS_PPI_CHECKSUM:
			csum_from_ppi(v, f);
			break;
		case LIS_RNDIS_PPI_VLAN:
			f->flags |= LIS_NET_RX_VLAN;
			f->vlan_tci = vlan_from_ppi(v);
			break;
		case LIS_RNDIS_PPI_HASH_VALUE:
			f->flags |= LIS_NET_RX_HASH;
			f->hash = v;
			break;
		case LIS_RNDIS_PPI_PACKET_ID:
			/* we never offer RSC: a fragment of a coalesced
			 * packet cannot be put back together here */
			memcpy(&pid, msg + pos + off, sizeof(pid));
			if ((pid.flags & (LIS_RNDIS_PKTID_FIRST | LIS_RNDIS_PKTID_LAST)) !=
			    (LIS_RNDIS_PKTID_FIRST | LIS_RNDIS_PKTID_LAST)) {
				net_host_err(c, rx_bad_ppi,
					     "dropped a coalesced fragment (flags %#x); RSC was not offered\n",
					     pid.flags);
				return false;
			}
			break;
		default:
			break;
		}
		pos += size;
	}
	return true;
}

static bool rx_packet(struct net_chan *c, const u8 *msg, u32 len)
{
	struct lis_net *n = c->n;
	struct lis_rndis_packet pk;
	struct lis_net_rx_frame f;
	u32 doff, dlen, poff, plen, body = len - LIS_RNDIS_BODY;
	const u32 hdr_body = sizeof(pk) - LIS_RNDIS_BODY;

	if (len < sizeof(pk)) {
		net_host_err(c, rx_bad_rndis, "dropped an RNDIS packet of %u bytes\n", len);
		return false;
	}
	memcpy(&pk, msg, sizeof(pk));
	doff = le32_to_cpu(pk.data_offset);
	dlen = le32_to_cpu(pk.data_len);
	poff = le32_to_cpu(pk.ppi_offset);
	plen = le32_to_cpu(pk.ppi_len);
	/* the frame: after the header, inside the message, a real frame */
	if (doff < hdr_body || doff > body || dlen > body - doff ||
	    dlen < LIS_NET_ETH_HLEN || dlen > LIS_NET_MAX_FRAME) {
		net_host_err(c, rx_bad_rndis,
			     "dropped a frame: data offset %u length %u in a %u-byte message\n",
			     doff, dlen, len);
		return false;
	}
	memset(&f, 0, sizeof(f));
	if (plen) {
		if (poff < hdr_body || poff > body || plen > body - poff) {
			net_host_err(c, rx_bad_rndis,
				     "dropped a frame: PPI offset %u length %u in a %u-byte message\n",
				     poff, plen, len);
			return false;
		}
		if (!parse_ppis(c, msg, LIS_RNDIS_BODY + poff, plen, &f))
			return false;
	}
	f.data = msg + LIS_RNDIS_BODY + doff;
	f.len = dlen;
	c->st.rx_frames++;
	c->st.rx_bytes += dlen;
	c->delivered = true;
	n->cfg.ops->rx_frame(n->cfg.ctx, c->index, &f);
	return true;
}

/* ---- RNDIS status indications ---- */

static void rx_indication(struct net_chan *c, const u8 *msg, u32 len)
{
	struct lis_net *n = c->n;
	struct lis_rndis_indicate ind;
	u32 status, blen, boff, speed = 0;
	u64 start;

	if (len < sizeof(ind)) {
		net_host_err(c, rx_bad_rndis, "dropped an indication of %u bytes\n", len);
		return;
	}
	memcpy(&ind, msg, sizeof(ind));
	status = le32_to_cpu(ind.status);
	blen = le32_to_cpu(ind.buf_len);
	boff = le32_to_cpu(ind.buf_offset);
	start = (u64)LIS_RNDIS_BODY + boff;
	if (blen && (start < sizeof(ind) || start > len || blen > len - start)) {
		net_host_err(c, rx_bad_rndis,
			     "dropped indication %#x: buffer offset %u length %u in %u bytes\n",
			     status, boff, blen, len);
		return;
	}
	c->st.indications++;
	switch (status) {
	case LIS_RNDIS_STATUS_MEDIA_CONNECT:
	case LIS_RNDIS_STATUS_MEDIA_DISCONNECT:
		LIS_WRITE_ONCE(n->link_up, status == LIS_RNDIS_STATUS_MEDIA_CONNECT);
		n->cfg.ops->link_changed(n->cfg.ctx, status == LIS_RNDIS_STATUS_MEDIA_CONNECT);
		break;
	case LIS_RNDIS_STATUS_LINK_SPEED_CHANGE:
		if (blen >= 4)
			speed = net_get_le32(msg + start);
		if (speed)
			LIS_WRITE_ONCE(n->link_speed, speed);
		if (n->cfg.ops->refresh_needed)
			n->cfg.ops->refresh_needed(n->cfg.ctx);
		break;
	case LIS_RNDIS_STATUS_NETWORK_CHANGE:
		/* the network behind the NIC changed (a new subnet, say):
		 * bounce the link so that addresses are renewed */
		LIS_WRITE_ONCE(n->link_up, false);
		n->cfg.ops->link_changed(n->cfg.ctx, false);
		if (n->cfg.ops->refresh_needed)
			n->cfg.ops->refresh_needed(n->cfg.ctx);
		break;
	default:
		lis_dbg("hv_netvsc: indication %#x ignored\n", status);
		break;
	}
}

/* one range: one RNDIS message; false when it was dropped */
static bool rx_rndis(struct net_chan *c, const u8 *msg, u32 avail)
{
	struct lis_rndis_header h;
	u32 type, len;

	if (avail < sizeof(h)) {
		net_host_err(c, rx_bad_rndis, "dropped a %u-byte range\n", avail);
		return false;
	}
	memcpy(&h, msg, sizeof(h));
	type = le32_to_cpu(h.type);
	len = le32_to_cpu(h.len);
	if (len < sizeof(h) || len > avail) {
		net_host_err(c, rx_bad_rndis,
			     "dropped RNDIS message %#x: length %u in a %u-byte range\n",
			     type, len, avail);
		return false;
	}
	switch (type) {
	case LIS_RNDIS_MSG_PACKET:
		return rx_packet(c, msg, len);
	case LIS_RNDIS_MSG_INIT_C:
	case LIS_RNDIS_MSG_QUERY_C:
	case LIS_RNDIS_MSG_SET_C:
		c->st.rx_control++;
		net_rndis_reply(c, type, msg, len);
		return true;
	case LIS_RNDIS_MSG_INDICATE:
		c->st.rx_control++;
		rx_indication(c, msg, len);
		return true;
	case LIS_RNDIS_MSG_RESET_C:
	case LIS_RNDIS_MSG_KEEPALIVE_C:
	case LIS_RNDIS_MSG_KEEPALIVE:
		/* we never reset; keep-alives need no answer from us */
		c->st.rx_control++;
		return true;
	default:
		net_host_err(c, rx_bad_rndis, "dropped RNDIS message of unknown type %#x\n", type);
		return false;
	}
}

/* ---- transfer-page packets ---- */

void net_rx_xfer(struct net_chan *c, const struct lis_packet *p)
{
	struct lis_net *n = c->n;
	struct lis_vmbus_xfer_page_hdr xh;
	struct lis_vmbus_xfer_page_range r;
	struct lis_nvsp_rndis_pkt m;
	u32 ext = (u32)((const u8 *)p->data - (const u8 *)p->raw);
	u32 status = LIS_NVSP_STATUS_SUCCESS, count, i, off, cnt;

	if (ext < sizeof(xh)) {
		net_host_err(c, rx_bad_xfer, "dropped a transfer-page packet with a %u-byte header\n",
			     ext);
		goto done_bad;
	}
	memcpy(&xh, p->raw, sizeof(xh));
	count = le32_to_cpu(xh.range_count);
	if (le16_to_cpu(xh.xfer_pageset_id) != LIS_NVSP_RECV_BUF_ID) {
		net_host_err(c, rx_bad_xfer, "dropped a transfer-page packet for page set %#x\n",
			     le16_to_cpu(xh.xfer_pageset_id));
		goto done_bad;
	}
	if (!count || count > (ext - sizeof(xh)) / sizeof(r)) {
		net_host_err(c, rx_bad_xfer,
			     "dropped a transfer-page packet: %u ranges in a %u-byte header\n",
			     count, ext);
		goto done_bad;
	}
	if (p->len < sizeof(m)) {
		net_host_err(c, rx_bad_nvsp, "dropped a transfer-page packet: %u-byte NVSP message\n",
			     p->len);
		goto done_bad;
	}
	memcpy(&m, p->data, sizeof(m));
	if (le32_to_cpu(m.type) != LIS_NVSP_MSG_SEND_RNDIS_PKT) {
		net_host_err(c, rx_bad_nvsp, "dropped a transfer-page packet carrying NVSP message %u\n",
			     le32_to_cpu(m.type));
		goto done_bad;
	}
	for (i = 0; i < count; i++) {
		memcpy(&r, (const u8 *)p->raw + sizeof(xh) + i * sizeof(r), sizeof(r));
		off = le32_to_cpu(r.byte_offset);
		cnt = le32_to_cpu(r.byte_count);
		if (off > n->recv_bytes || cnt > n->recv_bytes - off) {
			net_host_err(c, rx_bad_xfer,
				     "dropped range %u: %u bytes at %u, the receive buffer has %u\n",
				     i, cnt, off, n->recv_bytes);
			status = LIS_NVSP_STATUS_FAILURE;
			continue;
		}
		if (!rx_rndis(c, (const u8 *)n->recv_buf + off, cnt))
			status = LIS_NVSP_STATUS_FAILURE;
	}
	rx_complete(c, p->trans_id, status);
	return;

done_bad:
	rx_complete(c, p->trans_id, LIS_NVSP_STATUS_FAILURE);
}

/* ---- in-band messages from the host ---- */

static void rx_send_table(struct net_chan *c, const struct lis_packet *p)
{
	struct lis_net *n = c->n;
	struct lis_nvsp_indirection_table t;
	u32 count, off, i, v[LIS_NET_SEND_TABLE_SIZE];
	const u32 bytes = sizeof(v);

	if (p->len < sizeof(t)) {
		net_host_err(c, rx_bad_nvsp, "dropped a %u-byte send indirection table\n", p->len);
		return;
	}
	memcpy(&t, p->data, sizeof(t));
	count = le32_to_cpu(t.count);
	off = le32_to_cpu(t.offset);
	if (count != LIS_NET_SEND_TABLE_SIZE) {
		net_host_err(c, rx_bad_nvsp, "dropped a send indirection table of %u entries\n",
			     count);
		return;
	}
	/* hosts up to NVSP 6.0 may name the wrong offset; the table then sits
	 * right after the 40-byte message */
	if (n->nvsp_version <= LIS_NVSP_VERSION_6 &&
	    p->len >= LIS_NVSP_SEND_TABLE_OLD_OFFSET + bytes)
		off = LIS_NVSP_SEND_TABLE_OLD_OFFSET;
	if (off < sizeof(t) || off > p->len || bytes > p->len - off) {
		net_host_err(c, rx_bad_nvsp,
			     "dropped a send indirection table at offset %u of %u bytes\n",
			     off, p->len);
		return;
	}
	for (i = 0; i < count; i++) {
		v[i] = net_get_le32((const u8 *)p->data + off + 4 * i);
		if (v[i] >= LIS_NET_MAX_QUEUES) {
			net_host_err(c, rx_bad_nvsp,
				     "dropped a send indirection table naming channel %u\n", v[i]);
			return;
		}
	}
	for (i = 0; i < count; i++)
		LIS_WRITE_ONCE(n->send_table[i], v[i]);
}

void net_host_message(struct net_chan *c, const struct lis_packet *p)
{
	struct lis_net *n = c->n;
	struct lis_nvsp_vf_association vf;
	u32 type;

	if (p->len < 4) {
		net_host_err(c, rx_bad_nvsp, "dropped a %u-byte NVSP message\n", p->len);
		return;
	}
	type = net_get_le32(p->data);
	switch (type) {
	case LIS_NVSP_MSG_SEND_VF_ASSOCIATION:
		if (p->len < sizeof(vf)) {
			net_host_err(c, rx_bad_nvsp, "dropped a %u-byte VF association\n", p->len);
			return;
		}
		memcpy(&vf, p->data, sizeof(vf));
		LIS_WRITE_ONCE(n->vf_serial, le32_to_cpu(vf.serial));
		LIS_WRITE_ONCE(n->vf_allocated, vf.allocated ? 1u : 0u);
		/* a VF that went away took the data path back with it */
		if (!vf.allocated)
			LIS_WRITE_ONCE(n->datapath_vf, false);
		if (n->cfg.ops->vf_changed)
			n->cfg.ops->vf_changed(n->cfg.ctx, vf.allocated != 0,
					       le32_to_cpu(vf.serial));
		break;
	case LIS_NVSP_MSG_SEND_INDIRECTION_TABLE:
		rx_send_table(c, p);
		break;
	default:
		net_host_err(c, rx_bad_nvsp, "dropped NVSP message %u of %u bytes\n", type, p->len);
		break;
	}
}
