// SPDX-License-Identifier: GPL-2.0
/*
 * One hv_sock connection: pipe packets over a notify-only channel.
 */
#include "hvs_core.h"

#define HVS_PKT_OVERHEAD	(16u + 8u + 8u)	/* descriptor, pipe header, trailer */
#define HVS_RX_BYTES		(LIS_HVS_MTU + 64u)

struct lis_hvs {
	struct lis_hvs_config cfg;
	struct lis_channel *ch;
	bool open;
	bool sent_fin;
	bool peer_fin;
	bool broken;
	/* the packet being read: its bytes are rx + rx_off .. rx + rx_len */
	u8 *rx;
	u32 rx_off;
	u32 rx_len;
	u8 *tx;
	u64 protocol_errors;
};

static const u8 hvs_template[16] = { LIS_HVS_TEMPLATE_BYTES };

void lis_hvs_port_to_guid(u32 port, struct lis_guid *g)
{
	__le32 p = cpu_to_le32(port);

	memcpy(g->b, hvs_template, 16);
	memcpy(g->b, &p, 4);
}

bool lis_hvs_guid_to_port(const struct lis_guid *g, u32 *port)
{
	__le32 p;

	if (memcmp(g->b + 4, hvs_template + 4, 12))
		return false;
	memcpy(&p, g->b, 4);
	*port = le32_to_cpu(p);
	return true;
}

bool lis_hvs_from_host(struct lis_channel *ch)
{
	return lis_channel_user_defined(ch)[LIS_HVS_OFFER_FROM_HOST_BYTE] != 0;
}

static void hvs_on_event(struct lis_channel *ch, void *ctx)
{
	struct lis_hvs *h = ctx;

	h->cfg.notify(h->cfg.ctx);
}

int lis_hvs_open(const struct lis_hvs_config *cfg, struct lis_hvs **out)
{
	struct lis_channel_open_args args = { 0 };
	u32 ring = LIS_HVS_RING_BYTES_OLD;
	struct lis_hvs *h;
	int ret;

	*out = NULL;
	if (!cfg->ch || !cfg->notify)
		return -EINVAL;
	h = lis_zalloc(sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->rx = lis_zalloc(HVS_RX_BYTES);
	h->tx = lis_zalloc(LIS_HVS_SEND_MAX + sizeof(struct lis_hvs_pipe_header));
	if (!h->rx || !h->tx) {
		ret = -ENOMEM;
		goto free;
	}
	h->cfg = *cfg;
	h->ch = cfg->ch;
	/* hosts newer than 4.0 take larger rings */
	if (lis_vmbus_version(lis_channel_vmbus(h->ch)) > LIS_VMBUS_VERSION_WIN10)
		ring = 16u * 4096u;
	args.send_ring_bytes = ring;
	args.recv_ring_bytes = ring;
	args.on_event = hvs_on_event;
	args.ctx = h;
	args.flags = LIS_CHANNEL_NOTIFY_ONLY;
	ret = lis_channel_open(h->ch, &args);
	if (ret)
		goto free;
	h->open = true;
	/* the host signals us when a full packet fits again */
	lis_channel_set_pending_send(h->ch, LIS_HVS_SEND_MAX + HVS_PKT_OVERHEAD);
	*out = h;
	return 0;
free:
	lis_free(h->tx);
	lis_free(h->rx);
	lis_free(h);
	return ret;
}

void lis_hvs_close(struct lis_hvs *h)
{
	if (h->open)
		lis_channel_close(h->ch);
	lis_free(h->tx);
	lis_free(h->rx);
	lis_free(h);
}

/* the payload bytes `space` bytes of ring carry: whole packets of at most
 * LIS_HVS_SEND_MAX bytes and a shorter last one */
static u32 payload_room(u32 space)
{
	const u32 pkt = LIS_HVS_SEND_MAX + HVS_PKT_OVERHEAD;
	u32 bytes = space / pkt * LIS_HVS_SEND_MAX;

	if (space % pkt > HVS_PKT_OVERHEAD + 8)
		bytes += space % pkt - HVS_PKT_OVERHEAD - 8;
	return bytes;
}

u32 lis_hvs_send_space(struct lis_hvs *h, u32 want)
{
	u32 bytes = payload_room(lis_channel_send_space(h->ch));

	if (bytes < want && bytes < LIS_HVS_SEND_MAX) {
		lis_channel_set_pending_send(h->ch, LIS_HVS_SEND_MAX + HVS_PKT_OVERHEAD);
		/*
		 * The host signals only when its read crosses the threshold;
		 * one that read everything between our look and the store
		 * above saw none set and will not.  Look again.
		 */
		bytes = payload_room(lis_channel_send_space(h->ch));
	}
	return bytes;
}

static int send_packet(struct lis_hvs *h, const void *buf, u32 len)
{
	struct lis_hvs_pipe_header *hdr = (void *)h->tx;

	hdr->type = cpu_to_le32(LIS_HVS_PIPE_DATA);
	hdr->size = cpu_to_le32(len);
	if (len)
		memcpy(h->tx + sizeof(*hdr), buf, len);
	return lis_channel_send(h->ch, LIS_VMBUS_PKT_DATA_INBAND, 0, 0, h->tx,
				sizeof(*hdr) + len);
}

int lis_hvs_send(struct lis_hvs *h, const void *buf, u32 len)
{
	u32 done = 0, n;
	int ret;

	if (h->sent_fin)
		return -EPIPE;
	while (done < len) {
		n = len - done < LIS_HVS_SEND_MAX ? len - done : LIS_HVS_SEND_MAX;
		ret = send_packet(h, (const u8 *)buf + done, n);
		if (ret == -EAGAIN)
			break;
		if (ret)
			return done ? (int)done : ret;
		done += n;
	}
	return (int)done;
}

int lis_hvs_shutdown(struct lis_hvs *h)
{
	int ret;

	if (h->sent_fin)
		return 0;
	ret = send_packet(h, NULL, 0);
	if (!ret)
		h->sent_fin = true;
	return ret;
}

/* 0: a packet (bytes, or the peer's shutdown); 1: one ignored; -EAGAIN
 * none; -EIO the connection is unusable */
static int pull_packet(struct lis_hvs *h)
{
	const struct lis_hvs_pipe_header *hdr;
	struct lis_packet pkt;
	u32 size;
	int ret;

	ret = lis_channel_recv(h->ch, h->rx, HVS_RX_BYTES, &pkt);
	if (ret == -ENOBUFS || ret == -EIO) {
		h->broken = true;
		h->protocol_errors++;
		lis_err_host("hv_sock: a packet of %u bytes, larger than the host may send\n",
			     pkt.raw_len);
		return -EIO;
	}
	if (ret)
		return ret;
	if (pkt.type != LIS_VMBUS_PKT_DATA_INBAND || pkt.len < sizeof(*hdr)) {
		h->protocol_errors++;
		lis_err_host("hv_sock: ignored a packet of type %u, %u bytes\n", pkt.type, pkt.len);
		return 1;
	}
	hdr = pkt.data;
	size = le32_to_cpu(hdr->size);
	if (le32_to_cpu(hdr->type) != LIS_HVS_PIPE_DATA || size > pkt.len - sizeof(*hdr) ||
	    size > LIS_HVS_MTU) {
		h->broken = true;
		h->protocol_errors++;
		lis_err_host("hv_sock: a pipe packet of type %u says %u bytes in %u\n",
			     le32_to_cpu(hdr->type), size, pkt.len);
		return -EIO;
	}
	if (!size) {
		h->peer_fin = true;
		return 0;
	}
	h->rx_off = (u32)((const u8 *)pkt.data - h->rx) + sizeof(*hdr);
	h->rx_len = h->rx_off + size;
	return 0;
}

int lis_hvs_peek(struct lis_hvs *h, const void **data, u32 *len, bool *eof)
{
	int ret;

	*eof = false;
	*len = 0;
	if (h->broken)
		return -EIO;
	while (h->rx_off >= h->rx_len) {
		if (h->peer_fin) {
			*eof = true;
			return 0;
		}
		ret = pull_packet(h);
		if (ret < 0)
			return ret;
	}
	*data = h->rx + h->rx_off;
	*len = h->rx_len - h->rx_off;
	return 0;
}

void lis_hvs_consume(struct lis_hvs *h, u32 n)
{
	if (n > h->rx_len - h->rx_off)
		n = h->rx_len - h->rx_off;
	h->rx_off += n;
}

u64 lis_hvs_readable(struct lis_hvs *h)
{
	struct lis_ring_state st;
	u64 n = h->rx_len > h->rx_off ? h->rx_len - h->rx_off : 0;

	if (!n && !lis_channel_ring_state(h->ch, false, &st) &&
	    st.bytes_avail_read > HVS_PKT_OVERHEAD)
		n = st.bytes_avail_read - HVS_PKT_OVERHEAD;
	return n;
}

bool lis_hvs_peer_shutdown(const struct lis_hvs *h)
{
	return h->peer_fin;
}

u64 lis_hvs_protocol_errors(const struct lis_hvs *h)
{
	return h->protocol_errors;
}
