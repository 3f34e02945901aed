// SPDX-License-Identifier: GPL-2.0
/*
 * netvsp: the host side of the synthetic NIC (fact sheet §5): NVSP on the
 * VMBus channels, RNDIS inside it, receive and send buffers shared by GPADL,
 * sub-channels with RSS, VF association, and a port on a virtual switch
 * (vswitch.c) that carries the frames.  Written from the fact sheet's
 * numbers and offsets, independently of any driver.
 *
 * Guest -> host: in-band NVSP messages, and SEND_RNDIS_PACKET whose RNDIS
 * bytes sit in a send-buffer section, in GPA-direct ranges, or both (in that
 * order); one such send may carry several RNDIS messages back to back.
 * Host -> guest: completions, in-band VF association / indirection table,
 * and transfer-page packets whose ranges point into the receive buffer, one
 * RNDIS message (a received frame, a control completion or an indication)
 * per range.  A range's sub-allocations stay in use until the guest
 * completes that packet; messages wait in order while the buffer is full.
 *
 * Locking: all state of a NIC is guarded by its switch's mutex (so a frame
 * goes from one NIC to another under one lock), held while sending.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "model.h"
#include "netvsp.h"

/* ---- §5 wire numbers ---------------------------------------------------------- */
enum {
	NVSP_INIT = 1, NVSP_INIT_COMPLETE = 2, NVSP_NDIS_VERSION = 100, NVSP_RECV_BUF = 101,
	NVSP_RECV_BUF_COMPLETE = 102, NVSP_REVOKE_RECV = 103, NVSP_SEND_BUF = 104,
	NVSP_SEND_BUF_COMPLETE = 105, NVSP_REVOKE_SEND = 106, NVSP_RNDIS_PKT = 107,
	NVSP_RNDIS_PKT_COMPLETE = 108, NVSP_NDIS_CONFIG = 125, NVSP_VF_ASSOCIATION = 128,
	NVSP_SWITCH_DATA_PATH = 129, NVSP_SUBCHANNEL = 133, NVSP_INDIRECTION_TABLE = 134,
};
#define NVSP_OK			1
#define NVSP_FAIL		2
#define NVSP_INVALID_RNDIS	5
#define NVSP_MSG_SIZE		40	/* what the host sends (Linux's size) */
#define NVSP_MIN_INIT		28	/* shorter INITs are not answered */
#define NO_SECTION		0xFFFFFFFFu
#define CHAN_DATA		0
#define CHAN_CONTROL		1

enum {
	RNDIS_PACKET = 1, RNDIS_INIT = 2, RNDIS_HALT = 3, RNDIS_QUERY = 4, RNDIS_SET = 5,
	RNDIS_RESET = 6, RNDIS_INDICATE = 7, RNDIS_KEEPALIVE = 8,
};
#define RNDIS_DONE		0x80000000u
#define RS_SUCCESS		0x00000000u
#define RS_FAILURE		0xC0000001u
#define RS_NOT_SUPPORTED	0xC00000BBu
#define RS_INVALID_DATA		0xC0010015u
#define RS_INVALID_LENGTH	0xC0010014u
#define RS_MEDIA_CONNECT	0x4001000Bu
#define RS_MEDIA_DISCONNECT	0x4001000Cu
#define PKT_HDR			44	/* RNDIS PACKET message header */

#define OID_MAX_FRAME		0x00010106u
#define OID_LINK_SPEED		0x00010107u
#define OID_PACKET_FILTER	0x0001010Eu
#define OID_MEDIA_STATUS	0x00010114u
#define OID_CONFIG_PARAMETER	0x0001021Bu
#define OID_PERMANENT_ADDRESS	0x01010101u
#define OID_CURRENT_ADDRESS	0x01010102u
#define OID_RSS_CAPS		0x00010203u
#define OID_RSS_PARAMS		0x00010204u
#define OID_OFFLOAD_HW_CAPS	0xFC01020Du
#define OID_OFFLOAD_PARAMS	0xFC01020Cu

#define PPI_CSUM		0
#define PPI_LSO			2
#define PPI_VLAN		6
#define PPI_HASH		8

#define FILTER_DIRECTED		0x01u
#define FILTER_MULTICAST	0x02u
#define FILTER_ALL_MULTICAST	0x04u
#define FILTER_BROADCAST	0x08u
#define FILTER_PROMISCUOUS	0x20u

#define RSS_TABLE_MAX		128
#define RSS_KEY_MAX		40
#define RX_MAX_RANGES		64
#define RX_BACKLOG_MAX		8192

static const uint8_t net_class[16] = {	/* f8615163-df3e-46c5-913f-f2d2f965ed0e */
	0x63, 0x51, 0x61, 0xf8, 0x3e, 0xdf, 0xc5, 0x46,
	0x91, 0x3f, 0xf2, 0xd2, 0xf9, 0x65, 0xed, 0x0e,
};
static const uint32_t default_versions[] = {
	HS_NVSP_VERSION_61, HS_NVSP_VERSION_6, HS_NVSP_VERSION_5, HS_NVSP_VERSION_4,
	HS_NVSP_VERSION_2, HS_NVSP_VERSION_1, 0,
};

/* ---- state ------------------------------------------------------------------------- */
struct rx_run {
	uint32_t first, count;		/* sub-allocations */
};

/* a transfer-page packet the guest has not completed yet */
struct rx_pending {
	uint64_t tid;
	uint16_t chan;
	uint32_t nruns;
	struct rx_run runs[RX_MAX_RANGES];
};

/* an RNDIS message waiting for receive-buffer space */
struct rx_msg {
	struct rx_msg *next;
	uint16_t chan;
	uint8_t ctype;
	uint32_t len;
	uint8_t data[];
};

#define NKINDS	(HS_NV_COMPLETION_STATUS + 1)

struct hs_netvsp {
	struct hs_host *h;
	struct hs_device *dev;
	struct hs_vswitch *sw;
	pthread_mutex_t *lock;		/* the switch's */

	/* configuration */
	uint32_t versions[16];
	uint32_t mtu, link_speed, section_size, suballoc, max_ppm;
	uint16_t max_queues;
	bool offloads;
	uint8_t perm_mac[6];

	/* NVSP */
	uint32_t nvsp, ndis_version, ndis_mtu;
	uint64_t ndis_caps;
	bool have_recv, have_send;
	uint32_t recv_gpadl, recv_bytes, nsub, send_gpadl, send_bytes, nsections;
	uint16_t recv_id, send_id;
	uint8_t *used;			/* per sub-allocation */
	uint32_t cursor;
	uint32_t subchannels;

	/* RNDIS */
	bool rndis_init, link_up;
	uint32_t filter;
	uint8_t mac[6];
	uint32_t tx_csum, rx_csum;	/* bit 0 IPv4 header, 1 TCP4, 2 UDP4, 3 TCP6, 4 UDP6 */
	bool lso4, lso6;
	bool rss;
	uint32_t hash_info, table_n;
	uint32_t table[RSS_TABLE_MAX];
	uint8_t key[RSS_KEY_MAX];
	uint32_t key_len;

	/* VF */
	bool vf_allocated, datapath_vf;
	uint32_t vf_serial;
	struct hs_frameq vfq;

	struct hs_mchan *chans;
	unsigned int nchans;
	struct rx_pending *pend;
	unsigned int npend, cap_pend;
	uint64_t next_tid;
	struct rx_msg *bl_head, *bl_tail;
	unsigned int bl_n;
	bool paused;

	struct hs_netvsp_fault fault[NKINDS];
	struct hs_netvsp_stats st;
};

static void bad(struct hs_netvsp *nic, const char *what, uint32_t detail)
{
	nic->st.bad_requests++;
	hs_protocol_error(nic->h, "netvsp: %s (%#x)", what, detail);
}

static struct hs_mchan *chan_of(struct hs_netvsp *nic, struct hs_channel *ch)
{
	return hs_mchan_get(&nic->chans, &nic->nchans, ch);
}

static bool chan_open(const struct hs_netvsp *nic, unsigned int idx)
{
	return idx < nic->nchans && nic->chans[idx].open;
}

static struct hs_channel *primary(struct hs_netvsp *nic)
{
	return nic->nchans ? nic->chans[0].ch : NULL;
}

static bool fault_take(struct hs_netvsp *nic, enum hs_netvsp_fault_kind k, uint64_t *value)
{
	if (!nic->fault[k].count)
		return false;
	nic->fault[k].count--;
	nic->st.faults++;
	if (value)
		*value = nic->fault[k].value;
	return true;
}

/* bytes of a GPADL of the primary channel: the first offset that cannot be
 * read (the public API has no size query, so probe) */
static uint32_t gpadl_bytes(struct hs_netvsp *nic, uint32_t gpadl)
{
	uint64_t lo = 0, hi = 1ull << 32;
	uint8_t b;

	if (hs_gpadl_copy_from_guest(primary(nic), gpadl, 0, &b, 1))
		return 0;
	while (hi - lo > 1) {
		uint64_t mid = (lo + hi) / 2;

		if (hs_gpadl_copy_from_guest(primary(nic), gpadl, (uint32_t)mid, &b, 1))
			hi = mid;
		else
			lo = mid;
	}
	return (uint32_t)hi;
}

/* ---- the receive buffer --------------------------------------------------------------- */
static bool rx_alloc(struct hs_netvsp *nic, uint32_t bytes, struct rx_run *run)
{
	uint32_t need = (bytes + nic->suballoc - 1) / nic->suballoc, i, n, start;

	if (!need || need > nic->nsub)
		return false;
	/* first fit, starting where the last allocation ended */
	for (n = 0; n < 2; n++) {
		uint32_t from = n ? 0 : nic->cursor, to = n ? nic->cursor : nic->nsub;

		for (start = from; start + need <= nic->nsub && start < to; start = i + 1) {
			for (i = start; i < start + need && !nic->used[i]; i++)
				;
			if (i == start + need) {
				memset(nic->used + start, 1, need);
				run->first = start;
				run->count = need;
				nic->cursor = (start + need) % nic->nsub;
				return true;
			}
		}
	}
	return false;
}

static void rx_free(struct hs_netvsp *nic, const struct rx_run *run)
{
	memset(nic->used + run->first, 0, run->count);
}

static void drop_rx_state(struct hs_netvsp *nic)
{
	struct rx_msg *m;

	while ((m = nic->bl_head)) {
		nic->bl_head = m->next;
		free(m);
	}
	nic->bl_tail = NULL;
	nic->bl_n = 0;
	nic->npend = 0;
	if (nic->used)
		memset(nic->used, 0, nic->nsub);
}

/* malformed-section faults: the message bytes are changed before the copy */
static void rx_corrupt_message(struct hs_netvsp *nic, uint8_t *m, uint32_t len, uint32_t bytecount)
{
	if (fault_take(nic, HS_NV_RX_RNDIS_LENGTH, NULL))
		put32(m + 4, bytecount + 64);
	else if (fault_take(nic, HS_NV_RX_RNDIS_SHORT, NULL))
		put32(m + 4, 20);
	else if (fault_take(nic, HS_NV_RX_DATA_OFFSET, NULL))
		put32(m + 8, len);
	else if (fault_take(nic, HS_NV_RX_PPI, NULL))
		put32(m + 32, len);
}

/* send as many waiting messages as the buffer takes, batching messages of
 * one channel and kind into one transfer-page packet */
static void rx_flush(struct hs_netvsp *nic)
{
	while (nic->bl_head) {
		struct rx_msg *m = nic->bl_head, *batch[RX_MAX_RANGES];
		struct rx_pending *p;
		uint8_t ext[8 + 8 * RX_MAX_RANGES], nvsp[NVSP_MSG_SIZE] = { 0 };
		uint16_t chan = m->chan, set_id = nic->recv_id;
		uint8_t ctype = m->ctype;
		uint32_t n = 0, i, count;
		struct hs_mchan *c;

		if (!nic->have_recv || !chan_open(nic, chan)) {
			nic->bl_head = m->next;
			if (!nic->bl_head)
				nic->bl_tail = NULL;
			nic->bl_n--;
			nic->st.rx_dropped++;
			free(m);
			continue;
		}
		if (nic->npend == nic->cap_pend) {
			nic->cap_pend = nic->cap_pend ? 2 * nic->cap_pend : 16;
			nic->pend = realloc(nic->pend, nic->cap_pend * sizeof(*nic->pend));
			if (!nic->pend)
				abort();
		}
		p = &nic->pend[nic->npend];
		for (m = nic->bl_head; m && n < RX_MAX_RANGES && m->chan == chan && m->ctype == ctype;
		     m = m->next) {
			if (!rx_alloc(nic, m->len, &p->runs[n]))
				break;
			batch[n++] = m;
		}
		if (!n)
			return;		/* wait for completions to free space */
		memset(ext, 0, sizeof(ext));
		for (i = 0; i < n; i++) {
			uint32_t off = p->runs[i].first * nic->suballoc;

			if (ctype == CHAN_DATA && i == 0)
				rx_corrupt_message(nic, batch[i]->data, batch[i]->len, batch[i]->len);
			if (hs_gpadl_copy_to_guest(primary(nic), nic->recv_gpadl, off,
						   batch[i]->data, batch[i]->len))
				break;
			put32(ext + 8 + 8 * i, batch[i]->len);
			put32(ext + 12 + 8 * i, off);
		}
		if (i < n) {
			/* the guest tore the buffer's GPADL down without revoking it */
			bad(nic, "receive buffer GPADL gone", nic->recv_gpadl);
			for (i = 0; i < n; i++)
				rx_free(nic, &p->runs[i]);
			drop_rx_state(nic);
			nic->have_recv = false;
			return;
		}
		count = n;
		if (ctype == CHAN_DATA) {
			uint64_t v;

			if (fault_take(nic, HS_NV_RX_RANGE_OUT_OF_BUFFER, NULL))
				put32(ext + 12, nic->recv_bytes - batch[0]->len / 2);
			else if (fault_take(nic, HS_NV_RX_RANGE_COUNT, NULL))
				count = n + 1000;
			else if (fault_take(nic, HS_NV_RX_BAD_SET_ID, &v))
				set_id ^= v ? (uint16_t)v : 0x0101;
		}
		put16(ext, set_id);
		put32(ext + 4, count);
		put32(nvsp, NVSP_RNDIS_PKT);
		put32(nvsp + 4, ctype);
		put32(nvsp + 8, NO_SECTION);
		p->tid = ++nic->next_tid;
		p->chan = chan;
		p->nruns = n;
		nic->npend++;
		c = &nic->chans[chan];
		hs_outq_send(&c->outq, c->ch, PKT_XFER_PAGES, PKT_FLAG_COMPLETION, p->tid, ext,
			     8 + 8 * n, nvsp, NVSP_MSG_SIZE);
		/* unlink the batch */
		for (i = 0; i < n; i++) {
			nic->bl_head = batch[i]->next;
			free(batch[i]);
		}
		if (!nic->bl_head)
			nic->bl_tail = NULL;
		nic->bl_n -= n;
	}
}

/* false: dropped (no buffer, backlog full, larger than the buffer) */
static bool rx_queue(struct hs_netvsp *nic, uint16_t chan, uint8_t ctype, const uint8_t *msg,
		     uint32_t len)
{
	struct rx_msg *m;

	if (!nic->have_recv || nic->bl_n >= RX_BACKLOG_MAX ||
	    (uint64_t)len > (uint64_t)nic->nsub * nic->suballoc) {
		nic->st.rx_dropped++;
		return false;
	}
	m = hs_zalloc(sizeof(*m) + len);
	m->chan = chan;
	m->ctype = ctype;
	m->len = len;
	memcpy(m->data, msg, len);
	if (nic->bl_tail)
		nic->bl_tail->next = m;
	else
		nic->bl_head = m;
	nic->bl_tail = m;
	nic->bl_n++;
	rx_flush(nic);
	return true;
}

/* the guest completed a transfer-page packet */
static void rx_completed(struct hs_netvsp *nic, struct hs_mchan *c, const struct hs_packet *p)
{
	unsigned int i, k;

	for (i = 0; i < nic->npend && nic->pend[i].tid != p->trans_id; i++)
		;
	if (i == nic->npend) {
		bad(nic, "completion for an unknown transfer-page packet", (uint32_t)p->trans_id);
		return;
	}
	if (nic->pend[i].chan != hs_channel_subchannel_index(c->ch))
		bad(nic, "completion on another channel than its packet", nic->pend[i].chan);
	if (p->payload_len < 8 || le32(p->payload) != NVSP_RNDIS_PKT_COMPLETE)
		bad(nic, "receive completion is not SEND_RNDIS_PACKET_COMPLETE",
		    p->payload_len >= 4 ? le32(p->payload) : 0);
	for (k = 0; k < nic->pend[i].nruns; k++)
		rx_free(nic, &nic->pend[i].runs[k]);
	nic->pend[i] = nic->pend[--nic->npend];
	rx_flush(nic);
}

/* ---- RNDIS to the guest ------------------------------------------------------------- */
static void indicate(struct hs_netvsp *nic, uint32_t status, const void *buf, uint32_t len)
{
	uint8_t *m = hs_zalloc(20 + len);

	put32(m, RNDIS_INDICATE);
	put32(m + 4, 20 + len);
	put32(m + 8, status);
	put32(m + 12, len);
	put32(m + 16, len ? 12 : 0);
	if (len)
		memcpy(m + 20, buf, len);
	rx_queue(nic, 0, CHAN_CONTROL, m, 20 + len);
	free(m);
}

static bool accepts(const struct hs_netvsp *nic, const uint8_t *dst)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	if (nic->filter & FILTER_PROMISCUOUS)
		return true;
	if (!memcmp(dst, bcast, 6))
		return nic->filter & FILTER_BROADCAST;
	if (dst[0] & 1)		/* no multicast list is kept: MULTICAST takes them all */
		return nic->filter & (FILTER_ALL_MULTICAST | FILTER_MULTICAST);
	return (nic->filter & FILTER_DIRECTED) && !memcmp(dst, nic->mac, 6);
}

bool hs_netvsp_owns(const struct hs_netvsp *nic, const uint8_t *mac)
{
	return !memcmp(mac, nic->mac, 6);
}

static uint8_t *put_ppi(uint8_t *p, uint32_t type, uint32_t value)
{
	put32(p, 16);
	put32(p + 4, type);
	put32(p + 8, 12);
	put32(p + 12, value);
	return p + 16;
}

void hs_netvsp_receive(struct hs_netvsp *nic, const uint8_t *f, uint32_t len)
{
	struct hs_frame_info fi;
	uint8_t *m, *p;
	uint32_t ppi, mlen, flen = len, hash, csum;
	uint16_t chan = 0;

	if (!accepts(nic, f))
		return;
	if (!nic->link_up || !nic->rndis_init || !nic->have_recv || !chan_open(nic, 0) ||
	    len > nic->mtu + ETH_HLEN + 4u) {
		nic->st.rx_dropped++;
		return;
	}
	if (nic->datapath_vf && nic->vf_allocated) {
		if (hs_frameq_push(&nic->vfq, f, len))
			nic->st.vf_frames++;
		else
			nic->st.rx_dropped++;
		return;
	}
	hs_frame_parse(f, len, &fi);
	if (fi.vlan)
		flen -= 4;		/* the tag travels as a PPI */
	if (!fi.vlan && len > nic->mtu + ETH_HLEN) {
		nic->st.rx_dropped++;
		return;
	}
	m = hs_zalloc(PKT_HDR + 3 * 16 + flen);
	p = m + PKT_HDR;
	csum = nic->rx_csum ? hs_frame_verify(f, len, &fi, nic->rx_csum) : 0;
	if (csum)
		p = put_ppi(p, PPI_CSUM, csum);
	if (fi.vlan)
		p = put_ppi(p, PPI_VLAN, (uint32_t)(fi.tci >> 13) | ((fi.tci >> 12) & 1) << 3 |
					 (uint32_t)(fi.tci & 0xFFF) << 4);
	if (nic->rss && nic->table_n && hs_frame_rss(f, &fi, nic->hash_info, nic->key,
						      nic->key_len, &hash)) {
		p = put_ppi(p, PPI_HASH, hash);
		chan = (uint16_t)nic->table[hash % nic->table_n];
		if (!chan_open(nic, chan))
			chan = 0;
	}
	ppi = (uint32_t)(p - m - PKT_HDR);
	if (fi.vlan) {
		memcpy(p, f, 12);
		memcpy(p + 12, f + 16, len - 16);
	} else {
		memcpy(p, f, len);
	}
	mlen = PKT_HDR + ppi + flen;
	put32(m, RNDIS_PACKET);
	put32(m + 4, mlen);
	put32(m + 8, 36 + ppi);		/* DataOffset, from byte 8 */
	put32(m + 12, flen);
	put32(m + 28, ppi ? 36 : 0);	/* PerPacketInfoOffset */
	put32(m + 32, ppi);
	if (rx_queue(nic, chan, CHAN_DATA, m, mlen)) {
		nic->st.rx_frames++;
		nic->st.rx_bytes += flen;
		if (chan < 8)
			nic->st.rx_by_channel[chan]++;
	}
	free(m);
}

/* ---- RNDIS from the guest: control ----------------------------------------------------- */
static uint32_t query(struct hs_netvsp *nic, uint32_t oid, uint8_t *d)
{
	switch (oid) {
	case OID_MAX_FRAME:
		put32(d, nic->mtu);
		return 4;
	case OID_LINK_SPEED:
		put32(d, nic->link_speed);
		return 4;
	case OID_MEDIA_STATUS:
		put32(d, nic->link_up ? 0 : 1);
		return 4;
	case OID_PACKET_FILTER:
		put32(d, nic->filter);
		return 4;
	case OID_PERMANENT_ADDRESS:
		memcpy(d, nic->perm_mac, 6);
		return 6;
	case OID_CURRENT_ADDRESS:
		memcpy(d, nic->mac, 6);
		return 6;
	case OID_RSS_CAPS:
		d[0] = 0x88;		/* NDIS object header: RSS capabilities, rev 2 */
		d[1] = 2;
		put16(d + 2, 18);
		put32(d + 4, 0x100 | 0x200 | 0x400 | 0x01000000);
		put32(d + 8, nic->max_queues);
		put32(d + 12, nic->max_queues);
		put16(d + 16, RSS_TABLE_MAX);
		return 20;
	case OID_OFFLOAD_HW_CAPS:
		memset(d, 0, 156);
		d[0] = 0xA7;		/* NDIS_OFFLOAD, rev 3 */
		d[1] = 3;
		put16(d + 2, 156);
		if (nic->offloads) {
			/* checksum: IPv4 TX/RX {802.3; IP opts, TCP opts, TCP, UDP, IP},
			 * IPv6 TX/RX {802.3; ext hdrs, TCP opts, TCP, UDP} */
			put32(d + 4, 2);
			put32(d + 8, 0x1 | 0x4 | 0x10 | 0x40 | 0x100);
			put32(d + 12, 2);
			put32(d + 16, 0x1 | 0x4 | 0x10 | 0x40 | 0x100);
			put32(d + 20, 2);
			put32(d + 24, 0x1 | 0x4 | 0x10 | 0x40);
			put32(d + 28, 2);
			put32(d + 32, 0x1 | 0x4 | 0x10 | 0x40);
			/* LSOv2 IPv4 and IPv6: 802.3, 62780 bytes, 2 segments */
			put32(d + 80, 2);
			put32(d + 84, 62780);
			put32(d + 88, 2);
			put32(d + 92, 2);
			put32(d + 96, 62780);
			put32(d + 100, 2);
			put32(d + 104, 0x1 | 0x4);
		}
		return 156;
	default:
		return 0;
	}
}

static uint32_t set_offload(struct hs_netvsp *nic, const uint8_t *d, uint32_t n)
{
	static const unsigned int csum_bit[5] = { 0, 1, 2, 3, 4 };	/* bytes 4..8 */
	unsigned int i;

	if (n < 13 || d[0] != 0x80)
		return RS_INVALID_LENGTH;
	for (i = 4; i < 13; i++)
		if (d[i] > 4)
			return RS_INVALID_DATA;
	for (i = 0; i < 5; i++) {
		uint8_t v = d[4 + i];
		uint32_t bit = 1u << csum_bit[i];

		if (!v)
			continue;
		nic->tx_csum = (v == 2 || v == 4) ? nic->tx_csum | bit : nic->tx_csum & ~bit;
		nic->rx_csum = (v == 3 || v == 4) ? nic->rx_csum | bit : nic->rx_csum & ~bit;
	}
	if (d[11] == 1 || d[11] == 2)
		nic->lso4 = d[11] == 2;
	if (d[12] == 1 || d[12] == 2)
		nic->lso6 = d[12] == 2;
	return RS_SUCCESS;
}

static uint32_t set_rss(struct hs_netvsp *nic, const uint8_t *d, uint32_t n)
{
	uint16_t flags, tsize, ksize;
	uint32_t toff, koff, i, nch = 1 + nic->subchannels;

	if (n < 40 || d[0] != 0x89)
		return RS_INVALID_LENGTH;
	flags = le16(d + 4);
	if (flags & 0x10) {
		nic->rss = false;
		return RS_SUCCESS;
	}
	tsize = le16(d + 12);
	toff = le32(d + 16);
	ksize = le16(d + 20);
	koff = le32(d + 24);
	if (!(flags & 0x4) && (tsize % 4 || tsize / 4 > RSS_TABLE_MAX || toff > n ||
			       tsize > n - toff))
		return RS_INVALID_DATA;
	if (!(flags & 0x8) && (ksize > RSS_KEY_MAX || koff > n || ksize > n - koff))
		return RS_INVALID_DATA;
	if (!(flags & 0x4))
		for (i = 0; i < tsize / 4u; i++)
			if (le32(d + toff + 4 * i) >= nch)
				return RS_INVALID_DATA;
	if (!(flags & 0x2))
		nic->hash_info = le32(d + 8);
	if (!(flags & 0x4)) {
		nic->table_n = tsize / 4u;
		for (i = 0; i < nic->table_n; i++)
			nic->table[i] = le32(d + toff + 4 * i);
	}
	if (!(flags & 0x8)) {
		nic->key_len = ksize;
		memcpy(nic->key, d + koff, ksize);
	}
	nic->rss = true;
	return RS_SUCCESS;
}

static int hexval(uint16_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* {NameOffset, NameLength, Type, ValueOffset, ValueLength}, UTF-16 name and
 * value; "NetworkAddress" = 12 hex digits changes the MAC */
static uint32_t set_config_parameter(struct hs_netvsp *nic, const uint8_t *d, uint32_t n)
{
	static const char want[] = "NetworkAddress";
	uint32_t noff, nlen, voff, vlen, i;
	uint8_t mac[6];

	if (n < 20)
		return RS_INVALID_LENGTH;
	noff = le32(d);
	nlen = le32(d + 4);
	voff = le32(d + 12);
	vlen = le32(d + 16);
	if (noff > n || nlen > n - noff || voff > n || vlen > n - voff || (nlen | vlen) & 1)
		return RS_INVALID_DATA;
	if (nlen != 2 * (sizeof(want) - 1))
		return RS_SUCCESS;	/* other parameters: accepted, ignored */
	for (i = 0; i < nlen / 2; i++) {
		uint16_t c = le16(d + noff + 2 * i);

		if (c >= 'a' && c <= 'z')
			c = (uint16_t)(c - 'a' + 'A');
		if (c != (uint16_t)(want[i] >= 'a' && want[i] <= 'z' ? want[i] - 'a' + 'A' : want[i]))
			return RS_SUCCESS;
	}
	if (vlen != 24 || le32(d + 8) != 2)
		return RS_INVALID_DATA;
	for (i = 0; i < 6; i++) {
		int hi = hexval(le16(d + voff + 4 * i)), lo = hexval(le16(d + voff + 4 * i + 2));

		if (hi < 0 || lo < 0)
			return RS_INVALID_DATA;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(nic->mac, mac, 6);
	return RS_SUCCESS;
}

static uint32_t set(struct hs_netvsp *nic, uint32_t oid, const uint8_t *d, uint32_t n)
{
	switch (oid) {
	case OID_PACKET_FILTER:
		if (n < 4)
			return RS_INVALID_LENGTH;
		nic->filter = le32(d);
		return RS_SUCCESS;
	case OID_OFFLOAD_PARAMS:
		return set_offload(nic, d, n);
	case OID_RSS_PARAMS:
		return set_rss(nic, d, n);
	case OID_CONFIG_PARAMETER:
		return set_config_parameter(nic, d, n);
	default:
		return RS_NOT_SUPPORTED;
	}
}

static void rndis_control(struct hs_netvsp *nic, const uint8_t *m, uint32_t len)
{
	uint8_t r[24 + 160] = { 0 };
	uint32_t type = le32(m), rlen = 16, n;

	nic->st.rndis_requests++;
	if (len < 12 && type != RNDIS_RESET) {
		bad(nic, "RNDIS message shorter than its header", len);
		return;
	}
	put32(r, type | RNDIS_DONE);
	put32(r + 8, le32(m + 8));		/* RequestId (RESET: reserved) */
	switch (type) {
	case RNDIS_INIT:
		if (len < 24) {
			bad(nic, "RNDIS INITIALIZE too short", len);
			return;
		}
		put32(r + 12, RS_SUCCESS);
		put32(r + 16, 1);		/* major */
		put32(r + 20, 0);		/* minor */
		put32(r + 24, 1);		/* connectionless */
		put32(r + 28, 0);		/* 802.3 */
		put32(r + 32, nic->max_ppm);
		put32(r + 36, 0x40000);		/* MaxTransferSize */
		put32(r + 40, 3);		/* 8-byte alignment */
		rlen = 52;
		nic->rndis_init = true;
		break;
	case RNDIS_HALT:
		nic->rndis_init = false;
		return;
	case RNDIS_QUERY:
	case RNDIS_SET:
		if (len < 28) {
			bad(nic, "RNDIS QUERY/SET too short", len);
			return;
		}
		if (!nic->rndis_init) {
			bad(nic, "RNDIS QUERY/SET before INITIALIZE", le32(m + 12));
			put32(r + 12, RS_FAILURE);
			break;
		}
		if (type == RNDIS_QUERY) {
			n = query(nic, le32(m + 12), r + 24);
			put32(r + 12, n ? RS_SUCCESS : RS_NOT_SUPPORTED);
			put32(r + 16, n);
			put32(r + 20, n ? 16 : 0);	/* right after this header */
			rlen = 24 + n;
		} else {
			uint32_t ilen = le32(m + 16), ioff = le32(m + 20);

			if (ioff > len - 8 || ilen > len - 8 - ioff) {
				bad(nic, "RNDIS SET buffer outside the message", ioff);
				put32(r + 12, RS_INVALID_LENGTH);
			} else {
				put32(r + 12, set(nic, le32(m + 12), m + 8 + ioff, ilen));
			}
		}
		break;
	case RNDIS_RESET:
		put32(r + 8, RS_SUCCESS);
		put32(r + 12, 0);		/* AddressingReset */
		break;
	case RNDIS_KEEPALIVE:
		put32(r + 12, RS_SUCCESS);
		break;
	default:
		bad(nic, "unknown RNDIS message", type);
		return;
	}
	put32(r + 4, rlen);
	rx_queue(nic, 0, CHAN_CONTROL, r, rlen);
}

/* ---- RNDIS from the guest: data ------------------------------------------------------- */
struct tx_ctx {
	struct hs_netvsp *nic;
	uint16_t tci;
	bool tag;
};

static void tx_out(void *arg, uint8_t *f, uint32_t len)
{
	struct tx_ctx *t = arg;
	uint8_t *tagged;

	t->nic->st.tx_frames++;
	t->nic->st.tx_bytes += len;
	if (!t->tag) {
		hs_vswitch_forward(t->nic->sw, t->nic, f, len);
		return;
	}
	tagged = hs_zalloc(len + 4);
	hs_frame_tag(f, len, t->tci, tagged);
	hs_vswitch_forward(t->nic->sw, t->nic, tagged, len + 4);
	free(tagged);
}

/* NDIS LSOv2: the sender leaves the IPv4 Total Length (IPv6 Payload
 * Length) 0 and the frame's length says it (NDIS "Offloading the
 * Segmentation of Large TCP Packets"); fill it in before parsing */
static void lso_lengths(uint8_t *f, uint32_t len)
{
	uint32_t l3 = ETH_HLEN;

	if (len >= ETH_HLEN + 4 && be16(f + 12) == 0x8100)
		l3 += 4;
	if (len < l3 + 40)
		return;
	if (be16(f + l3 - 2) == 0x0800 && (f[l3] >> 4) == 4 && !be16(f + l3 + 2) &&
	    len - l3 <= 0xFFFF)
		put_be16(f + l3 + 2, (uint16_t)(len - l3));
	else if (be16(f + l3 - 2) == 0x86DD && (f[l3] >> 4) == 6 && !be16(f + l3 + 4) &&
		 len - l3 - 40 <= 0xFFFF)
		put_be16(f + l3 + 4, (uint16_t)(len - l3 - 40));
}

static bool rndis_packet(struct hs_netvsp *nic, uint8_t *m, uint32_t len)
{
	uint32_t doff, dlen, poff, plen, i, csum = 0, lso = 0;
	bool has_csum = false, has_lso = false;
	struct tx_ctx t = { .nic = nic };
	struct hs_frame_info fi;
	uint8_t *f;

	if (len < PKT_HDR) {
		bad(nic, "RNDIS PACKET shorter than its header", len);
		return false;
	}
	doff = le32(m + 8);
	dlen = le32(m + 12);
	poff = le32(m + 28);
	plen = le32(m + 32);
	if (doff > len - 8 || dlen > len - 8 - doff || (plen && (poff > len - 8 ||
								   plen > len - 8 - poff))) {
		bad(nic, "RNDIS PACKET data or PPI outside the message", doff);
		return false;
	}
	for (i = 0; i < plen;) {
		const uint8_t *ppi = m + 8 + poff + i;
		uint32_t size, type, off;

		if (plen - i < 12 || (size = le32(ppi)) < 12 || size > plen - i ||
		    (off = le32(ppi + 8)) < 12 || off > size) {
			bad(nic, "malformed per-packet info", i);
			return false;
		}
		type = le32(ppi + 4) & 0x7FFFFFFF;
		if (size - off >= 4) {
			uint32_t v = le32(ppi + off);

			if (type == PPI_CSUM) {
				csum = v;
				has_csum = true;
			} else if (type == PPI_LSO) {
				lso = v;
				has_lso = true;
			} else if (type == PPI_VLAN) {
				t.tag = true;
				t.tci = (uint16_t)((v & 7) << 13 | ((v >> 3) & 1) << 12 |
						   ((v >> 4) & 0xFFF));
			}
		}
		i += size;
	}
	f = m + 8 + doff;
	if (!nic->link_up) {
		nic->st.tx_dropped++;
		return true;
	}
	if (dlen < ETH_HLEN || (!has_lso && dlen > nic->mtu + ETH_HLEN + 4u) ||
	    (!has_lso && !t.tag && dlen > nic->mtu + ETH_HLEN)) {
		nic->st.tx_dropped++;
		return true;
	}
	if (has_lso)
		lso_lengths(f, dlen);
	hs_frame_parse(f, dlen, &fi);
	if (has_lso && (lso & 0xFFFFF)) {
		if (hs_frame_segment(f, dlen, lso & 0xFFFFF, tx_out, &t)) {
			nic->st.tx_dropped++;
			return true;
		}
		nic->st.tx_lso_packets++;
		nic->st.tx_lso_segments += (fi.l3_end - fi.l4 - fi.l4_hdr + (lso & 0xFFFFF) - 1) /
					   (lso & 0xFFFFF);
		return true;
	}
	if (has_csum && (csum & 0x1C)) {
		hs_frame_fill(f, dlen, &fi, csum & 0x10, csum & 0x0C);
		nic->st.tx_csum_offloaded++;
	}
	tx_out(&t, f, dlen);
	return true;
}

/* a send's RNDIS bytes: [section][GPA-direct ranges], possibly several
 * messages back to back; returns the NVSP status for the completion */
static uint32_t rndis_send(struct hs_netvsp *nic, const struct hs_packet *p)
{
	uint32_t ctype = le32(p->payload + 4), idx = le32(p->payload + 8);
	uint32_t ssize = le32(p->payload + 12), gpa_len, total, off, k = 0;
	uint8_t *buf;
	uint32_t status = NVSP_OK;

	if (ctype > CHAN_CONTROL) {
		bad(nic, "SEND_RNDIS_PACKET channel type", ctype);
		return NVSP_FAIL;
	}
	if (idx != NO_SECTION && (!nic->have_send || idx >= nic->nsections ||
				  ssize > nic->section_size || !ssize)) {
		bad(nic, "send-buffer section out of range", idx);
		return NVSP_FAIL;
	}
	if (idx == NO_SECTION)
		ssize = 0;
	if (hs_gpa_bytes(p) > 16u << 20) {
		bad(nic, "SEND_RNDIS_PACKET larger than 16 MiB", (uint32_t)(hs_gpa_bytes(p) >> 20));
		return NVSP_FAIL;
	}
	gpa_len = (uint32_t)hs_gpa_bytes(p);
	total = ssize + gpa_len;
	if (!total) {
		bad(nic, "SEND_RNDIS_PACKET without data", total);
		return NVSP_FAIL;
	}
	buf = hs_zalloc(total);
	if ((ssize && hs_gpadl_copy_from_guest(primary(nic), nic->send_gpadl,
					       idx * nic->section_size, buf, ssize)) ||
	    (gpa_len && hs_gpa_copy_from_guest(nic->h, p, 0, buf + ssize, gpa_len))) {
		bad(nic, "SEND_RNDIS_PACKET data not readable", idx);
		free(buf);
		return NVSP_FAIL;
	}
	for (off = 0; off + 8 <= total; k++) {
		uint32_t type = le32(buf + off), mlen = le32(buf + off + 4);

		if (mlen < 8 || mlen > total - off) {
			bad(nic, "RNDIS MessageLength outside the send", mlen);
			status = NVSP_INVALID_RNDIS;
			break;
		}
		if (type == RNDIS_PACKET && ctype == CHAN_DATA) {
			if (!rndis_packet(nic, buf + off, mlen))
				status = NVSP_INVALID_RNDIS;
		} else if (type != RNDIS_PACKET && ctype == CHAN_CONTROL) {
			rndis_control(nic, buf + off, mlen);
		} else {
			bad(nic, "RNDIS message on the wrong channel type", type);
			status = NVSP_INVALID_RNDIS;
		}
		off += mlen;
	}
	if (k > nic->max_ppm)
		bad(nic, "more RNDIS messages in one send than MaxPacketsPerMessage", k);
	free(buf);
	return status;
}

/* ---- NVSP ----------------------------------------------------------------------------------- */
static void reply(struct hs_netvsp *nic, struct hs_mchan *c, const struct hs_packet *p,
		  uint8_t *msg, uint32_t len)
{
	(void)nic;
	if (p->flags & PKT_FLAG_COMPLETION)
		hs_outq_send(&c->outq, c->ch, PKT_COMP, 0, p->trans_id, NULL, 0, msg, len);
}

static void send_complete(struct hs_netvsp *nic, struct hs_mchan *c, const struct hs_packet *p,
			  uint32_t status)
{
	uint8_t r[NVSP_MSG_SIZE] = { 0 };
	uint64_t tid = p->trans_id, v;

	if (!(p->flags & PKT_FLAG_COMPLETION))
		return;
	if (fault_take(nic, HS_NV_DROP_COMPLETION, NULL))
		return;
	if (fault_take(nic, HS_NV_COMPLETION_TID, &v))
		tid ^= v ? v : ~0ull;
	else if (fault_take(nic, HS_NV_COMPLETION_STATUS, &v))
		status = v ? (uint32_t)v : NVSP_FAIL;
	put32(r, NVSP_RNDIS_PKT_COMPLETE);
	put32(r + 4, status);
	hs_outq_send(&c->outq, c->ch, PKT_COMP, 0, tid, NULL, 0, r, sizeof(r));
}

static void nvsp_init(struct hs_netvsp *nic, struct hs_mchan *c, const struct hs_packet *p)
{
	uint8_t r[NVSP_MSG_SIZE] = { 0 };
	uint32_t lo = le32(p->payload + 4), hi = le32(p->payload + 8), best = 0;
	const uint32_t *v;

	for (v = nic->versions; *v; v++)
		if (*v >= lo && *v <= hi && *v > best)
			best = *v;
	put32(r, NVSP_INIT_COMPLETE);
	put32(r + 4, best);
	put32(r + 8, 34);		/* MaxMdlChainLength */
	put32(r + 12, best ? NVSP_OK : NVSP_FAIL);
	if (best)
		nic->nvsp = best;
	reply(nic, c, p, r, sizeof(r));
}

static void nvsp_buffer(struct hs_netvsp *nic, struct hs_mchan *c, const struct hs_packet *p,
			bool recv)
{
	uint8_t r[NVSP_MSG_SIZE] = { 0 };
	uint32_t gpadl = le32(p->payload + 4), bytes = 0;
	uint16_t id = le16(p->payload + 8);
	bool ok = nic->nvsp && (recv ? !nic->have_recv : !nic->have_send);

	if (!ok)
		bad(nic, recv ? "SEND_RECEIVE_BUFFER now" : "SEND_SEND_BUFFER now", gpadl);
	else if (!(bytes = gpadl_bytes(nic, gpadl)) ||
		 bytes < (recv ? nic->suballoc : nic->section_size)) {
		bad(nic, "buffer GPADL unknown or too small", gpadl);
		ok = false;
	}
	put32(r, recv ? NVSP_RECV_BUF_COMPLETE : NVSP_SEND_BUF_COMPLETE);
	put32(r + 4, ok ? NVSP_OK : NVSP_FAIL);
	if (ok && recv) {
		nic->have_recv = true;
		nic->recv_gpadl = gpadl;
		nic->recv_id = id;
		nic->recv_bytes = bytes;
		nic->nsub = bytes / nic->suballoc;
		free(nic->used);
		nic->used = hs_zalloc(nic->nsub);
		nic->cursor = 0;
		put32(r + 8, 1);		/* one section */
		put32(r + 12, 0);
		put32(r + 16, nic->suballoc);
		put32(r + 20, nic->nsub);
		put32(r + 24, nic->nsub * nic->suballoc);
	} else if (ok) {
		nic->have_send = true;
		nic->send_gpadl = gpadl;
		nic->send_id = id;
		nic->send_bytes = bytes;
		nic->nsections = bytes / nic->section_size;
		put32(r + 8, nic->section_size);
	}
	reply(nic, c, p, r, sizeof(r));
}

static void nvsp_subchannel(struct hs_netvsp *nic, struct hs_mchan *c, const struct hs_packet *p)
{
	uint8_t r[NVSP_MSG_SIZE] = { 0 };
	uint32_t op = le32(p->payload + 4), n = le32(p->payload + 8), i;
	uint32_t table[16];
	bool ok = nic->nvsp >= HS_NVSP_VERSION_5 && op == 1 && n;

	if (!ok) {
		bad(nic, "NVSP SUBCHANNEL request", n);
	} else {
		if (n > nic->max_queues - 1u)
			n = nic->max_queues - 1u;
		if (n > nic->subchannels)
			nic->subchannels += (uint32_t)hs_device_add_subchannels(
				hs_channel_device(c->ch), n - nic->subchannels);
		n = nic->subchannels < n ? nic->subchannels : n;
	}
	put32(r, NVSP_SUBCHANNEL);
	put32(r + 4, ok ? NVSP_OK : NVSP_FAIL);
	put32(r + 8, ok ? n : 0);
	reply(nic, c, p, r, sizeof(r));
	if (!ok || !n)
		return;
	/* the default send indirection table spreads over the channels */
	for (i = 0; i < 16; i++)
		table[i] = i % (n + 1);
	{
		uint8_t m[12 + 64] = { 0 };

		put32(m, NVSP_INDIRECTION_TABLE);
		put32(m + 4, 16);
		put32(m + 8, 12);
		for (i = 0; i < 16; i++)
			put32(m + 12 + 4 * i, table[i]);
		hs_outq_send(&nic->chans[0].outq, nic->chans[0].ch, PKT_INBAND, 0, 0, NULL, 0, m,
			     sizeof(m));
	}
}

static void handle(struct hs_netvsp *nic, struct hs_mchan *c, const struct hs_packet *p)
{
	uint8_t r[NVSP_MSG_SIZE] = { 0 };
	uint32_t type, need;
	bool prim = hs_channel_subchannel_index(c->ch) == 0;

	if (p->type == PKT_COMP) {
		rx_completed(nic, c, p);
		return;
	}
	type = p->payload_len >= 4 ? le32(p->payload) : 0;
	switch (type) {
	case NVSP_INIT:
		need = NVSP_MIN_INIT;
		break;
	case NVSP_NDIS_VERSION: case NVSP_RECV_BUF: case NVSP_SEND_BUF: case NVSP_NDIS_CONFIG:
	case NVSP_SUBCHANNEL:
		need = type == NVSP_NDIS_CONFIG ? 20 : 12;
		break;
	case NVSP_RNDIS_PKT:
		need = 16;
		break;
	default:
		need = 8;
		break;
	}
	if (p->payload_len < need) {
		bad(nic, "NVSP message too short", type);
		return;
	}
	if (type != NVSP_INIT && !nic->nvsp) {
		bad(nic, "NVSP message before INIT", type);
		if (type == NVSP_RNDIS_PKT)
			send_complete(nic, c, p, NVSP_FAIL);
		return;
	}
	if (!prim && type != NVSP_RNDIS_PKT) {
		bad(nic, "NVSP control message on a sub-channel", type);
		return;
	}
	switch (type) {
	case NVSP_INIT:
		nvsp_init(nic, c, p);
		break;
	case NVSP_NDIS_VERSION:
		nic->ndis_version = le32(p->payload + 4) << 16 | (le32(p->payload + 8) & 0xFFFF);
		break;
	case NVSP_NDIS_CONFIG:
		if (nic->nvsp < HS_NVSP_VERSION_2) {
			bad(nic, "SEND_NDIS_CONFIG below NVSP 2", nic->nvsp);
			break;
		}
		nic->ndis_mtu = le32(p->payload + 4);
		nic->ndis_caps = le64(p->payload + 12);
		break;
	case NVSP_RECV_BUF:
	case NVSP_SEND_BUF:
		nvsp_buffer(nic, c, p, type == NVSP_RECV_BUF);
		break;
	case NVSP_REVOKE_RECV:
		if (!nic->have_recv || le16(p->payload + 4) != nic->recv_id) {
			bad(nic, "REVOKE_RECEIVE_BUFFER of no buffer", le16(p->payload + 4));
			break;
		}
		drop_rx_state(nic);
		nic->have_recv = false;
		break;
	case NVSP_REVOKE_SEND:
		if (!nic->have_send || le16(p->payload + 4) != nic->send_id) {
			bad(nic, "REVOKE_SEND_BUFFER of no buffer", le16(p->payload + 4));
			break;
		}
		nic->have_send = false;
		break;
	case NVSP_RNDIS_PKT:
		send_complete(nic, c, p, rndis_send(nic, p));
		break;
	case NVSP_SWITCH_DATA_PATH:
		if (nic->nvsp < HS_NVSP_VERSION_4 || le32(p->payload + 4) > 1 ||
		    (le32(p->payload + 4) == 1 && !nic->vf_allocated))
			bad(nic, "SWITCH_DATA_PATH refused", le32(p->payload + 4));
		else
			nic->datapath_vf = le32(p->payload + 4) == 1;
		memcpy(r, p->payload, 8);
		reply(nic, c, p, r, sizeof(r));
		break;
	case NVSP_SUBCHANNEL:
		nvsp_subchannel(nic, c, p);
		break;
	default:
		bad(nic, "unsupported NVSP message", type);
		break;
	}
}

/* read and answer until empty, paused, or an answer had to wait for space */
static void pump(struct hs_netvsp *nic, struct hs_mchan *c)
{
	struct hs_packet p;
	int rc = 0;

	while (c->open && !nic->paused && !c->outq.head && (rc = hs_channel_recv(c->ch, &p)) > 0)
		handle(nic, c, &p);
	if (rc < 0)
		nic->st.bad_requests++;
}

/* ---- device callbacks ----------------------------------------------------------------------- */
static struct hs_netvsp *nic_of(struct hs_channel *ch)
{
	return hs_device_priv(hs_channel_device(ch));
}

static void reset_primary(struct hs_netvsp *nic)
{
	drop_rx_state(nic);
	nic->nvsp = 0;
	nic->ndis_version = 0;
	nic->ndis_mtu = 0;
	nic->ndis_caps = 0;
	nic->have_recv = nic->have_send = false;
	nic->rndis_init = false;
	nic->filter = 0;
	nic->tx_csum = nic->rx_csum = 0;
	nic->lso4 = nic->lso6 = false;
	nic->rss = false;
	nic->table_n = 0;
	nic->datapath_vf = false;
	memcpy(nic->mac, nic->perm_mac, 6);
}

static void nv_opened(struct hs_channel *ch, const uint8_t *user_data)
{
	struct hs_netvsp *nic = nic_of(ch);
	struct hs_mchan *c;

	(void)user_data;
	pthread_mutex_lock(nic->lock);
	c = chan_of(nic, ch);
	hs_outq_clear(&c->outq);
	c->open = true;
	if (nic->paused)
		hs_channel_set_interrupt_mask(ch, true);
	if (hs_channel_subchannel_index(ch) == 0)
		reset_primary(nic);
	pthread_mutex_unlock(nic->lock);
}

static void nv_closed(struct hs_channel *ch)
{
	struct hs_netvsp *nic = nic_of(ch);
	struct hs_mchan *c;
	unsigned int i;

	pthread_mutex_lock(nic->lock);
	c = chan_of(nic, ch);
	hs_outq_clear(&c->outq);
	c->open = false;
	if (hs_channel_subchannel_index(ch) == 0) {
		reset_primary(nic);
	} else {
		/* packets of that channel will never be completed */
		for (i = 0; i < nic->npend;) {
			if (nic->pend[i].chan == hs_channel_subchannel_index(ch)) {
				unsigned int k;

				for (k = 0; k < nic->pend[i].nruns; k++)
					rx_free(nic, &nic->pend[i].runs[k]);
				nic->pend[i] = nic->pend[--nic->npend];
			} else {
				i++;
			}
		}
		rx_flush(nic);
	}
	pthread_mutex_unlock(nic->lock);
}

static void nv_ready(struct hs_channel *ch)
{
	struct hs_netvsp *nic = nic_of(ch);

	pthread_mutex_lock(nic->lock);
	pump(nic, chan_of(nic, ch));
	pthread_mutex_unlock(nic->lock);
}

static void nv_writable(struct hs_channel *ch)
{
	struct hs_netvsp *nic = nic_of(ch);
	struct hs_mchan *c;

	pthread_mutex_lock(nic->lock);
	c = chan_of(nic, ch);
	if (hs_outq_flush(&c->outq, ch))
		pump(nic, c);
	pthread_mutex_unlock(nic->lock);
}

static void nv_release(struct hs_device *dev)
{
	struct hs_netvsp *nic = hs_device_priv(dev);

	hs_vswitch_detach(nic->sw, nic);
	drop_rx_state(nic);
	hs_frameq_clear(&nic->vfq);
	hs_mchan_free(nic->chans, nic->nchans);
	free(nic->pend);
	free(nic->used);
	free(nic);
}

static const struct hs_device_ops nv_ops = {
	.opened = nv_opened, .ready = nv_ready, .closed = nv_closed,
	.writable = nv_writable, .release = nv_release,
};

/* ---- public API ------------------------------------------------------------------------- */
struct hs_netvsp *hs_netvsp_add(struct hs_host *h, const struct hs_netvsp_config *cfg)
{
	static const uint8_t zero[16];
	struct hs_netvsp *nic;
	struct hs_offer o;
	const uint32_t *v;
	unsigned int n = 0;

	if (!h || !cfg || cfg->mtu > ETH_MAX_FRAME - ETH_HLEN ||
	    (cfg->vswitch && hs_vswitch_host(cfg->vswitch) != h))
		return NULL;
	nic = hs_zalloc(sizeof(*nic));
	nic->h = h;
	for (v = cfg->versions ? cfg->versions : default_versions; *v && n < 15; v++)
		nic->versions[n++] = *v;
	nic->mtu = cfg->mtu ? cfg->mtu : 1500;
	nic->link_speed = cfg->link_speed ? cfg->link_speed : 100000000;
	nic->link_up = !cfg->link_down;
	nic->max_queues = cfg->max_queues ? cfg->max_queues : 8;
	nic->section_size = cfg->send_section_size ? cfg->send_section_size : 6144;
	nic->suballoc = cfg->recv_suballoc_size ? cfg->recv_suballoc_size : 2048;
	nic->max_ppm = cfg->max_packets_per_message ? cfg->max_packets_per_message : 8;
	nic->offloads = !cfg->no_offloads;
	if (memcmp(cfg->mac, zero, 6)) {
		memcpy(nic->perm_mac, cfg->mac, 6);
	} else {
		uint8_t g[16];

		hs_make_guid(g, (uint64_t)(uintptr_t)nic ^ 0x6e6963ull);
		nic->perm_mac[0] = 0x00;	/* Microsoft's 00:15:5d */
		nic->perm_mac[1] = 0x15;
		nic->perm_mac[2] = 0x5d;
		memcpy(nic->perm_mac + 3, g, 3);
	}
	memcpy(nic->mac, nic->perm_mac, 6);
	nic->sw = cfg->vswitch ? cfg->vswitch : hs_vswitch_new(h);
	nic->lock = hs_vswitch_lock(nic->sw);
	hs_vswitch_attach(nic->sw, nic);

	memset(&o, 0, sizeof(o));
	memcpy(o.class_guid, net_class, 16);
	if (memcmp(cfg->instance_guid, zero, 16))
		memcpy(o.instance_guid, cfg->instance_guid, 16);
	else
		hs_make_guid(o.instance_guid, (uint64_t)(uintptr_t)nic);
	o.monitor_allocated = cfg->monitored;
	nic->dev = hs_device_add(h, &o, &nv_ops, nic);
	if (!nic->dev) {
		hs_vswitch_detach(nic->sw, nic);
		free(nic);
		return NULL;
	}
	return nic;
}

struct hs_device *hs_netvsp_device(struct hs_netvsp *nic)
{
	return nic->dev;
}

struct hs_vswitch *hs_netvsp_vswitch(struct hs_netvsp *nic)
{
	return nic->sw;
}

void hs_netvsp_mac(struct hs_netvsp *nic, uint8_t mac[6])
{
	pthread_mutex_lock(nic->lock);
	memcpy(mac, nic->mac, 6);
	pthread_mutex_unlock(nic->lock);
}

int hs_netvsp_set_link(struct hs_netvsp *nic, bool up)
{
	int rc = -1;

	pthread_mutex_lock(nic->lock);
	if (nic->link_up != up) {
		nic->link_up = up;
		if (nic->rndis_init && nic->have_recv) {
			indicate(nic, up ? RS_MEDIA_CONNECT : RS_MEDIA_DISCONNECT, NULL, 0);
			rc = 0;
		}
	}
	pthread_mutex_unlock(nic->lock);
	return rc;
}

int hs_netvsp_indicate(struct hs_netvsp *nic, uint32_t status, const void *buf, uint32_t len)
{
	int rc = -1;

	pthread_mutex_lock(nic->lock);
	if (nic->rndis_init && nic->have_recv && len <= 4096) {
		indicate(nic, status, buf, len);
		rc = 0;
	}
	pthread_mutex_unlock(nic->lock);
	return rc;
}

int hs_netvsp_vf_associate(struct hs_netvsp *nic, bool allocated, uint32_t serial)
{
	uint8_t m[NVSP_MSG_SIZE] = { 0 };
	int rc = -1;

	pthread_mutex_lock(nic->lock);
	if (nic->nvsp >= HS_NVSP_VERSION_4 && chan_open(nic, 0) &&
	    (!allocated || (nic->ndis_caps & 0x4))) {
		nic->vf_allocated = allocated;
		nic->vf_serial = serial;
		if (!allocated)
			nic->datapath_vf = false;
		put32(m, NVSP_VF_ASSOCIATION);
		put32(m + 4, allocated ? 1 : 0);
		put32(m + 8, serial);
		hs_outq_send(&nic->chans[0].outq, nic->chans[0].ch, PKT_INBAND, 0, 0, NULL, 0, m,
			     sizeof(m));
		rc = 0;
	}
	pthread_mutex_unlock(nic->lock);
	return rc;
}

int hs_netvsp_vf_capture(struct hs_netvsp *nic, void *buf, uint32_t cap)
{
	int n;

	pthread_mutex_lock(nic->lock);
	n = hs_frameq_pop(&nic->vfq, buf, cap);
	pthread_mutex_unlock(nic->lock);
	return n;
}

int hs_netvsp_send_indirection_table(struct hs_netvsp *nic, const uint32_t *table,
				     uint32_t count)
{
	uint8_t *m;
	uint32_t i;
	int rc = -1;

	if (!count || count > 64)
		return -1;
	m = hs_zalloc(12 + 4 * count);
	put32(m, NVSP_INDIRECTION_TABLE);
	put32(m + 4, count);
	put32(m + 8, 12);
	for (i = 0; i < count; i++)
		put32(m + 12 + 4 * i, table[i]);
	pthread_mutex_lock(nic->lock);
	if (nic->nvsp >= HS_NVSP_VERSION_5 && chan_open(nic, 0)) {
		hs_outq_send(&nic->chans[0].outq, nic->chans[0].ch, PKT_INBAND, 0, 0, NULL, 0, m,
			     12 + 4 * count);
		rc = 0;
	}
	pthread_mutex_unlock(nic->lock);
	free(m);
	return rc;
}

void hs_netvsp_pause_tx(struct hs_netvsp *nic, bool paused)
{
	unsigned int i;

	pthread_mutex_lock(nic->lock);
	nic->paused = paused;
	/* the mask tells the guest not to signal; clearing it makes hostsim
	 * look at the rings again */
	for (i = 0; i < nic->nchans; i++)
		if (nic->chans[i].open)
			hs_channel_set_interrupt_mask(nic->chans[i].ch, paused);
	pthread_mutex_unlock(nic->lock);
}

void hs_netvsp_stats(struct hs_netvsp *nic, struct hs_netvsp_stats *st)
{
	pthread_mutex_lock(nic->lock);
	*st = nic->st;
	st->nvsp_version = nic->nvsp;
	st->ndis_version = nic->ndis_version;
	st->ndis_mtu = nic->ndis_mtu;
	st->ndis_capabilities = nic->ndis_caps;
	st->recv_buffer_bytes = nic->have_recv ? nic->recv_bytes : 0;
	st->recv_suballocs = nic->have_recv ? nic->nsub : 0;
	st->send_buffer_bytes = nic->have_send ? nic->send_bytes : 0;
	st->send_sections = nic->have_send ? nic->nsections : 0;
	st->rndis_initialized = nic->rndis_init;
	st->link_up = nic->link_up;
	st->vf_allocated = nic->vf_allocated;
	st->datapath_vf = nic->datapath_vf;
	st->packet_filter = nic->filter;
	st->subchannels = nic->subchannels;
	st->rss_enabled = nic->rss;
	st->rss_hash_info = nic->hash_info;
	st->offload_tx_csum = nic->tx_csum;
	st->offload_rx_csum = nic->rx_csum;
	st->offload_lso4 = nic->lso4;
	st->offload_lso6 = nic->lso6;
	st->rx_pending_packets = nic->npend;
	pthread_mutex_unlock(nic->lock);
}

int hs_netvsp_inject(struct hs_netvsp *nic, const struct hs_netvsp_fault *f)
{
	if (!nic || !f || f->kind < HS_NV_RX_RANGE_OUT_OF_BUFFER || f->kind >= NKINDS)
		return -1;
	pthread_mutex_lock(nic->lock);
	nic->fault[f->kind] = *f;
	pthread_mutex_unlock(nic->lock);
	return 0;
}
