// SPDX-License-Identifier: GPL-2.0
/*
 * netvsp checks: a raw netvsc guest (NVSP and RNDIS built and parsed at the
 * fact sheet's offsets, frames built by hand) drives the simulated NICs, the
 * virtual switch and its host port through every message and fault.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models.h"

static const uint8_t net_class[16] = {
	0x63, 0x51, 0x61, 0xf8, 0x3e, 0xdf, 0xc5, 0x46,
	0x91, 0x3f, 0xf2, 0xd2, 0xf9, 0x65, 0xed, 0x0e,
};

enum {
	NV_INIT = 1, NV_INIT_COMPLETE = 2, NV_NDIS_VERSION = 100, NV_RECV_BUF = 101,
	NV_RECV_BUF_COMPLETE = 102, NV_REVOKE_RECV = 103, NV_SEND_BUF = 104,
	NV_SEND_BUF_COMPLETE = 105, NV_REVOKE_SEND = 106, NV_RNDIS = 107, NV_RNDIS_COMPLETE = 108,
	NV_NDIS_CONFIG = 125, NV_VF = 128, NV_SWITCH_DP = 129, NV_SUBCHANNEL = 133,
	NV_INDIRECTION = 134,
};
enum { R_PACKET = 1, R_INIT = 2, R_HALT = 3, R_QUERY = 4, R_SET = 5, R_RESET = 6,
       R_INDICATE = 7, R_KEEPALIVE = 8 };
#define R_DONE		0x80000000u
#define NO_SECTION	0xFFFFFFFFu
#define RECV_PAGES	64		/* 256 KiB receive buffer */
#define SEND_PAGES	24		/* 96 KiB send buffer: 16 sections of 6144 */
#define MAXQ		1024

enum txmode { VIA_SECTION, VIA_GPA, VIA_GPA_MULTI };

struct rxf {
	uint16_t chan;
	uint32_t len;
	uint8_t *data;
	bool has_csum, has_vlan, has_hash;
	uint32_t csum, vlan, hash;
};

struct ctl {
	uint32_t len;
	uint8_t m[512];
};

struct comp {
	uint64_t tid;
	uint16_t chan;
	uint32_t len;
	uint8_t p[64];
};

struct ng {
	struct guest *g;
	struct hs_netvsp *nic;
	uint8_t offer[240];
	struct gchan c[5];
	unsigned int nch;
	uint8_t *recv, *send, *txbuf, *ctlbuf;
	uint32_t recv_gpadl, send_gpadl, section, suballoc, nsub;
	uint64_t tid;
	uint32_t rid;
	struct rxf rx[MAXQ];
	unsigned int rx_head, rx_n;
	struct ctl ctl[64];
	unsigned int nctl;
	struct comp comps[64];
	unsigned int ncomps;
	uint8_t inband[8][128];
	unsigned int ninband;
	bool hold;			/* keep transfer-page packets uncompleted */
	uint64_t held[MAXQ];
	uint16_t held_chan[MAXQ];
	unsigned int nheld;
	uint8_t last_xfer[1024];	/* the last transfer-page packet, raw */
	uint32_t last_xfer_len;
	unsigned int xfer_errors;	/* malformed transfer-page packets seen */
};

static struct ng A, B;
/* wait up to 2 s for what the host does after a message it does not answer */
#define EVENTUALLY(cond)						\
	do {								\
		unsigned int ev_;					\
									\
		for (ev_ = 0; ev_ < 2000 && !(cond); ev_++)		\
			g_sleep_ms(1);					\
	} while (0)
static unsigned int tx_wait_ms = 2000;	/* how long tx() waits for its completion */

static struct hs_netvsp_stats nst(struct ng *n)
{
	struct hs_netvsp_stats st;

	hs_netvsp_stats(n->nic, &st);
	return st;
}

static uint32_t protocol_errors(struct guest *g)
{
	struct hs_vmbus_state st;

	hs_vmbus_state(g->h, &st);
	return st.protocol_errors;
}

/* ---- receiving ----------------------------------------------------------------------------- */
static void free_rx(struct ng *n)
{
	while (n->rx_n) {
		free(n->rx[n->rx_head].data);
		n->rx_head = (n->rx_head + 1) % MAXQ;
		n->rx_n--;
	}
}

static void complete_xfer(struct ng *n, unsigned int chan, uint64_t tid)
{
	uint8_t m[40] = { 0 };

	wr32(m, NV_RNDIS_COMPLETE);
	wr32(m + 4, 1);
	m_send(n->g, &n->c[chan], 0xB, 0, tid, NULL, 0, m, sizeof(m));
}

/* one RNDIS message the host put in the receive buffer */
static void take_message(struct ng *n, unsigned int chan, const uint8_t *m, uint32_t len)
{
	uint32_t doff, dlen, poff, plen, i;
	struct rxf *f;

	if (len < 8 || rd32(m + 4) > len || rd32(m + 4) < 8) {
		n->xfer_errors++;
		return;
	}
	len = rd32(m + 4);
	if (rd32(m) != R_PACKET) {
		if (n->nctl < 64 && len <= 512) {
			n->ctl[n->nctl].len = len;
			memcpy(n->ctl[n->nctl++].m, m, len);
		}
		return;
	}
	if (len < 44) {
		n->xfer_errors++;
		return;
	}
	doff = rd32(m + 8);
	dlen = rd32(m + 12);
	poff = rd32(m + 28);
	plen = rd32(m + 32);
	if (doff > len - 8 || dlen > len - 8 - doff || poff > len - 8 || plen > len - 8 - poff ||
	    n->rx_n == MAXQ) {
		n->xfer_errors++;
		return;
	}
	f = &n->rx[(n->rx_head + n->rx_n) % MAXQ];
	memset(f, 0, sizeof(*f));
	for (i = 0; i + 12 <= plen;) {
		const uint8_t *p = m + 8 + poff + i;
		uint32_t size = rd32(p), type = rd32(p + 4), off = rd32(p + 8);

		if (size < 16 || size > plen - i || off != 12) {
			n->xfer_errors++;
			return;
		}
		if (type == 0) {
			f->has_csum = true;
			f->csum = rd32(p + 12);
		} else if (type == 6) {
			f->has_vlan = true;
			f->vlan = rd32(p + 12);
		} else if (type == 8) {
			f->has_hash = true;
			f->hash = rd32(p + 12);
		}
		i += size;
	}
	f->chan = (uint16_t)chan;
	f->len = dlen;
	f->data = malloc(dlen ? dlen : 1);
	memcpy(f->data, m + 8 + doff, dlen);
	n->rx_n++;
}

static void take_packet(struct ng *n, unsigned int chan, const uint8_t *pkt, uint32_t len)
{
	uint16_t type = rd16(pkt);
	uint32_t off = rd16(pkt + 2) * 8u, count, i;
	uint64_t tid = rd64(pkt + 8);
	struct comp *c;

	if (type == 0xB) {
		if (n->ncomps == 64)
			return;
		c = &n->comps[n->ncomps++];
		c->tid = tid;
		c->chan = (uint16_t)chan;
		c->len = len - off;
		memcpy(c->p, pkt + off, c->len < 64 ? c->len : 64);
		return;
	}
	if (type == 6) {
		if (n->ninband < 8)
			memcpy(n->inband[n->ninband++], pkt + off, len - off < 128 ? len - off : 128);
		return;
	}
	if (type != 7)
		return;
	n->last_xfer_len = len < sizeof(n->last_xfer) ? len : sizeof(n->last_xfer);
	memcpy(n->last_xfer, pkt, n->last_xfer_len);
	count = rd32(pkt + 20);
	if (off < 24 || count > (off - 24) / 8 || rd16(pkt + 16) != 0xCAFE ||
	    rd32(pkt + off) != NV_RNDIS) {
		n->xfer_errors++;
	} else {
		for (i = 0; i < count; i++) {
			uint32_t bc = rd32(pkt + 24 + 8 * i), bo = rd32(pkt + 28 + 8 * i);

			if (bo > RECV_PAGES * 4096u || bc > RECV_PAGES * 4096u - bo) {
				n->xfer_errors++;
				continue;
			}
			take_message(n, chan, n->recv + bo, bc);
		}
	}
	if (n->hold && n->nheld < MAXQ) {
		n->held[n->nheld] = tid;
		n->held_chan[n->nheld++] = (uint16_t)chan;
	} else {
		complete_xfer(n, chan, tid);
	}
}

/* handle what arrived on every open channel; packets handled */
static int ng_poll(struct ng *n, unsigned int ms)
{
	uint8_t *buf = malloc(70000);
	uint64_t end = m_now_ms() + ms;
	int got = 0, k;
	unsigned int i;
	bool sig;

	for (;;) {
		for (i = 0; i < n->nch; i++) {
			while ((k = gr_read(&n->c[i].in, buf, 70000, &sig)) > 0) {
				if (sig)
					g_signal(n->g, n->c[i].conn_id);
				take_packet(n, i, buf, (uint32_t)k);
				got++;
			}
			if (sig)
				g_signal(n->g, n->c[i].conn_id);
		}
		if (got || m_now_ms() >= end)
			break;
		g_sleep_us(100);
	}
	free(buf);
	return got;
}

static void release_held(struct ng *n)
{
	unsigned int i;

	for (i = 0; i < n->nheld; i++)
		complete_xfer(n, n->held_chan[i], n->held[i]);
	n->nheld = 0;
}

static int wait_comp(struct ng *n, uint64_t tid, uint8_t *out, unsigned int ms)
{
	uint64_t end = m_now_ms() + ms;
	unsigned int i;
	int len;

	for (;;) {
		for (i = 0; i < n->ncomps; i++) {
			if (n->comps[i].tid != tid)
				continue;
			len = (int)n->comps[i].len;
			if (out)
				memcpy(out, n->comps[i].p, len < 64 ? (size_t)len : 64);
			n->comps[i] = n->comps[--n->ncomps];
			return len;
		}
		if (m_now_ms() >= end)
			return -1;
		ng_poll(n, 5);
	}
}

/* the first control message of `type` (and RequestId, unless 0) */
static int wait_ctl(struct ng *n, uint32_t type, uint32_t rid, uint8_t *out, unsigned int ms)
{
	uint64_t end = m_now_ms() + ms;
	unsigned int i;
	int len;

	for (;;) {
		for (i = 0; i < n->nctl; i++) {
			if (rd32(n->ctl[i].m) != type || (rid && rd32(n->ctl[i].m + 8) != rid))
				continue;
			len = (int)n->ctl[i].len;
			memcpy(out, n->ctl[i].m, (size_t)len);
			memmove(&n->ctl[i], &n->ctl[i + 1], (n->nctl - i - 1) * sizeof(n->ctl[0]));
			n->nctl--;
			return len;
		}
		if (m_now_ms() >= end)
			return -1;
		ng_poll(n, 5);
	}
}

static struct rxf *wait_rx(struct ng *n, unsigned int ms)
{
	uint64_t end = m_now_ms() + ms;

	while (!n->rx_n && m_now_ms() < end)
		ng_poll(n, 5);
	return n->rx_n ? &n->rx[n->rx_head] : NULL;
}

static void pop_rx(struct ng *n)
{
	free(n->rx[n->rx_head].data);
	n->rx_head = (n->rx_head + 1) % MAXQ;
	n->rx_n--;
}

/* ---- sending ------------------------------------------------------------------------------ */
/* NVSP message on channel ch; with want: the completion's payload length */
static int nvsp(struct ng *n, unsigned int ch, const uint8_t *msg, uint32_t len, bool want,
		uint8_t *resp)
{
	if (m_send(n->g, &n->c[ch], 6, want ? 1 : 0, ++n->tid, NULL, 0, msg, len))
		return -1;
	return want ? wait_comp(n, n->tid, resp, 1000) : 0;
}

static int nvsp3(struct ng *n, uint32_t type, uint32_t a, uint32_t b, bool want, uint8_t *resp)
{
	uint8_t m[40] = { 0 };

	wr32(m, type);
	wr32(m + 4, a);
	wr32(m + 8, b);
	return nvsp(n, 0, m, sizeof(m), want, resp);
}

/* RNDIS control message through GPA-direct (ChannelType 1), as Linux
 * does; the reply's length (copied to out), or -1 */
static int rndis(struct ng *n, uint32_t type, uint32_t oid, const void *data, uint32_t dlen,
		 uint8_t *out)
{
	uint8_t *m = n->ctlbuf + 4000;	/* crosses into the next page */
	uint8_t nv[40] = { 0 }, ranges[64], resp[64];
	uint32_t len, count, rid = ++n->rid;

	memset(m, 0, 28 + dlen);
	wr32(m, type);
	wr32(m + 8, rid);
	if (type == R_QUERY || type == R_SET) {
		wr32(m + 12, oid);
		wr32(m + 16, dlen);
		wr32(m + 20, dlen ? 20 : 0);
		if (dlen)
			memcpy(m + 28, data, dlen);
		len = 28 + dlen;
	} else if (type == R_INIT) {
		wr32(m + 12, 1);
		wr32(m + 20, 0x4000);
		len = 24;
	} else {
		len = 12;
	}
	wr32(m + 4, len);
	wr32(nv, NV_RNDIS);
	wr32(nv + 4, 1);
	wr32(nv + 8, NO_SECTION);
	len = m_ranges_paged(ranges, m, len, &count);
	if (m_send_gpa(n->g, &n->c[0], 1, ++n->tid, ranges, len, count, nv, 40))
		return -1;
	if (wait_comp(n, n->tid, resp, 1000) < 8 || rd32(resp) != NV_RNDIS_COMPLETE ||
	    rd32(resp + 4) != 1)
		return -1;
	if (type == R_HALT)
		return 0;
	return wait_ctl(n, type | R_DONE, type == R_RESET ? 0 : rid, out, 1000);
}

static uint32_t set_oid(struct ng *n, uint32_t oid, const void *d, uint32_t len)
{
	uint8_t r[512];

	if (rndis(n, R_SET, oid, d, len, r) < 16)
		return 0xFFFFFFFF;
	return rd32(r + 12);
}

struct ppi {
	uint32_t type, value;
};

/* one frame out as an RNDIS PACKET; the completion status, or -1 */
static int64_t tx(struct ng *n, unsigned int ch, const uint8_t *frame, uint32_t len,
		  const struct ppi *ppis, unsigned int nppi, enum txmode mode, uint32_t section)
{
	uint32_t plen = 16 * nppi, mlen = 44 + plen + len, i, rl, count = 1;
	uint8_t *m = mode == VIA_SECTION ? n->send + section * n->section : n->txbuf + 100;
	uint8_t nv[40] = { 0 }, resp[64], *ranges;
	int rc;

	memset(m, 0, 44 + plen);
	wr32(m, R_PACKET);
	wr32(m + 4, mlen);
	wr32(m + 8, 36 + plen);
	wr32(m + 12, len);
	wr32(m + 28, nppi ? 36 : 0);
	wr32(m + 32, plen);
	for (i = 0; i < nppi; i++) {
		wr32(m + 44 + 16 * i, 16);
		wr32(m + 48 + 16 * i, ppis[i].type);
		wr32(m + 52 + 16 * i, 12);
		wr32(m + 56 + 16 * i, ppis[i].value);
	}
	memcpy(m + 44 + plen, frame, len);
	wr32(nv, NV_RNDIS);
	wr32(nv + 4, 0);
	if (mode == VIA_SECTION) {
		wr32(nv + 8, section);
		wr32(nv + 12, mlen);
		rc = m_send(n->g, &n->c[ch], 6, 1, ++n->tid, NULL, 0, nv, 40);
	} else {
		wr32(nv + 8, NO_SECTION);
		ranges = malloc(16 * (mlen / 4096 + 3));
		rl = mode == VIA_GPA ? m_range(ranges, m, mlen) : m_ranges_paged(ranges, m, mlen, &count);
		rc = m_send_gpa(n->g, &n->c[ch], 1, ++n->tid, ranges, rl, count, nv, 40);
		free(ranges);
	}
	if (rc)
		return -1;
	if (wait_comp(n, n->tid, resp, tx_wait_ms) < 8 || rd32(resp) != NV_RNDIS_COMPLETE)
		return -1;
	return rd32(resp + 4);
}

/* ---- bring-up -------------------------------------------------------------------------------- */
struct nopts {
	uint32_t version;		/* 0: 6.1 */
	uint64_t caps;			/* SEND_NDIS_CONFIG capabilities */
	uint32_t ndis_mtu;
	bool no_rndis;
	uint32_t filter;		/* 0: 0x0D */
};

static int ng_open(struct guest *g, struct ng *n, const uint8_t *offer)
{
	uint8_t ud[120] = { 0 }, o[240];
	uint32_t st;

	memcpy(o, offer, 240);		/* offer may be n->offer */
	free_rx(n);
	memset(n, 0, sizeof(*n));
	n->g = g;
	memcpy(n->offer, o, 240);
	offer = n->offer;
	if (g_open(g, &n->c[0], rd32(offer + OFFER_RELID), rd32(offer + OFFER_CONN), 32, 32, 0, ud,
		   &st) || st)
		return -1;
	n->nch = 1;
	n->recv = g_alloc(g, RECV_PAGES);
	n->send = g_alloc(g, SEND_PAGES);
	n->txbuf = g_alloc(g, 20);
	n->ctlbuf = g_alloc(g, 2);
	n->tid = 0x100;
	return 0;
}

static int ng_up(struct guest *g, struct ng *n, const struct nopts *o)
{
	uint8_t r[64], m[40] = { 0 };
	uint32_t st, v = o && o->version ? o->version : 0x00060001u, filter;

	wr32(m, NV_INIT);
	wr32(m + 4, v);
	wr32(m + 8, v);
	REQUIRE_RC(nvsp(n, 0, m, 40, true, r) >= 16 && rd32(r) == NV_INIT_COMPLETE &&
		   rd32(r + 12) == 1, "INIT %#x: type %u status %u", v, rd32(r), rd32(r + 12));
	if (v >= 0x00030002u) {
		memset(m, 0, 40);
		wr32(m, NV_NDIS_CONFIG);
		wr32(m + 4, o && o->ndis_mtu ? o->ndis_mtu : 1514);
		wr64(m + 12, o ? o->caps | 0x8 : 0x8);
		REQUIRE_RC(nvsp(n, 0, m, 40, false, NULL) == 0, "NDIS_CONFIG");
	}
	REQUIRE_RC(nvsp3(n, NV_NDIS_VERSION, 6, v > 0x00040000u ? 30 : 1, false, NULL) == 0,
		   "NDIS_VERSION");
	n->recv_gpadl = g->next_gpadl++;
	REQUIRE_RC(g_gpadl_create(g, n->c[0].relid, n->recv_gpadl, n->recv, RECV_PAGES, &st) == 0 &&
		   !st, "receive GPADL");
	REQUIRE_RC(nvsp3(n, NV_RECV_BUF, n->recv_gpadl, 0xCAFE, true, r) >= 28 &&
		   rd32(r) == NV_RECV_BUF_COMPLETE && rd32(r + 4) == 1 && rd32(r + 8) == 1,
		   "SEND_RECEIVE_BUFFER: status %u sections %u", rd32(r + 4), rd32(r + 8));
	n->suballoc = rd32(r + 16);
	n->nsub = rd32(r + 20);
	n->send_gpadl = g->next_gpadl++;
	REQUIRE_RC(g_gpadl_create(g, n->c[0].relid, n->send_gpadl, n->send, SEND_PAGES, &st) == 0 &&
		   !st, "send GPADL");
	REQUIRE_RC(nvsp3(n, NV_SEND_BUF, n->send_gpadl, 0, true, r) >= 12 &&
		   rd32(r) == NV_SEND_BUF_COMPLETE && rd32(r + 4) == 1,
		   "SEND_SEND_BUFFER: status %u", rd32(r + 4));
	n->section = rd32(r + 8);
	if (o && o->no_rndis)
		return 0;
	{
		uint8_t rr[512];

		REQUIRE_RC(rndis(n, R_INIT, 0, NULL, 0, rr) == 52 && rd32(rr + 12) == 0,
			   "RNDIS INITIALIZE");
	}
	filter = o && o->filter ? o->filter : 0x0D;
	REQUIRE_RC(set_oid(n, 0x0001010E, &filter, 4) == 0, "packet filter");
	return 0;
}

/* a host with `nnics` NICs on one switch, each opened and brought up */
static int two_nics(struct guest *g, const struct hs_netvsp_config *cfg, int nnics,
		    const struct nopts *o)
{
	static const struct hs_config hc = { .nr_vps = G_VPS };
	struct hs_netvsp_config c = *cfg;
	uint8_t offers[8][240];
	struct ng *n[2] = { &A, &B };
	int i, k, cnt;

	if (g_setup(g, &hc))
		return -1;
	for (i = 0; i < nnics; i++) {
		c.mac[5] = (uint8_t)(0x10 + i);
		c.mac[0] = 0x00, c.mac[1] = 0x15, c.mac[2] = 0x5d;
		c.instance_guid[0] = (uint8_t)(1 + i);
		n[i]->nic = hs_netvsp_add(g->h, &c);
		REQUIRE_RC(n[i]->nic, "hs_netvsp_add");
		c.vswitch = hs_netvsp_vswitch(n[i]->nic);
	}
	cnt = m_connect(g, offers, 8);
	REQUIRE_RC(cnt == nnics, "%d offers", cnt);
	for (i = 0; i < nnics; i++) {
		struct hs_netvsp *nic = n[i]->nic;
		uint8_t inst[16] = { (uint8_t)(1 + i) };

		for (k = 0; k < cnt && offers[k][OFFER_INSTANCE] != inst[0]; k++)
			;
		REQUIRE_RC(k < cnt, "offer of NIC %d", i);
		if (ng_open(g, n[i], offers[k]))
			return -1;
		n[i]->nic = nic;
		if (ng_up(g, n[i], o))
			return -1;
	}
	return 0;
}

static void done_nics(void)
{
	free_rx(&A);
	free_rx(&B);
}

/* ---- frames ---------------------------------------------------------------------------------- */
static uint32_t csum_add(const uint8_t *p, uint32_t n, uint32_t s)
{
	uint32_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t csum_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xFFFF) + (s >> 16);
	return (uint16_t)~s;
}

static void be16w(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t be32r(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* TCP or UDP over IPv4 (v6 false) or IPv6; checksums filled when `sums`;
 * returns the frame length */
static uint32_t mkframe(uint8_t *f, const uint8_t *dst, const uint8_t *src, bool v6, uint8_t proto,
			const uint8_t *sip, const uint8_t *dip, uint16_t sport, uint16_t dport,
			uint32_t payload, bool sums)
{
	uint32_t l3 = 14, ih = v6 ? 40 : 20, th = proto == 6 ? 20 : 8, l4 = l3 + ih, i, s;

	memset(f, 0, l4 + th);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	be16w(f + 12, v6 ? 0x86DD : 0x0800);
	if (v6) {
		f[l3] = 0x60;
		be16w(f + l3 + 4, (uint16_t)(th + payload));
		f[l3 + 6] = proto;
		f[l3 + 7] = 64;
		memcpy(f + l3 + 8, sip, 16);
		memcpy(f + l3 + 24, dip, 16);
	} else {
		f[l3] = 0x45;
		be16w(f + l3 + 2, (uint16_t)(ih + th + payload));
		be16w(f + l3 + 4, 0x1234);
		f[l3 + 8] = 64;
		f[l3 + 9] = proto;
		memcpy(f + l3 + 12, sip, 4);
		memcpy(f + l3 + 16, dip, 4);
	}
	be16w(f + l4, sport);
	be16w(f + l4 + 2, dport);
	if (proto == 6) {
		f[l4 + 4] = 0x10;	/* seq 0x10000000 */
		f[l4 + 12] = 0x50;
		f[l4 + 13] = 0x18;	/* ACK | PSH */
		be16w(f + l4 + 14, 0xFFFF);
	} else {
		be16w(f + l4 + 4, (uint16_t)(8 + payload));
	}
	for (i = 0; i < payload; i++)
		f[l4 + th + i] = (uint8_t)(i * 7 + 3);
	if (!sums)
		return l4 + th + payload;
	if (!v6)
		be16w(f + l3 + 10, csum_fold(csum_add(f + l3, 20, 0)));
	s = v6 ? csum_add(f + l3 + 8, 32, 0) : csum_add(f + l3 + 12, 8, 0);
	s += proto + th + payload;
	s = csum_add(f + l4, th + payload, s);
	be16w(f + l4 + (proto == 6 ? 16 : 6), csum_fold(s));
	return l4 + th + payload;
}

/* checksums of a captured IPv4/TCP frame are right */
static bool sums_ok(const uint8_t *f, uint32_t len)
{
	uint32_t ih = (f[14] & 0xf) * 4u, tl = (uint32_t)f[16] << 8 | f[17], s;

	if (len < 14 + tl || csum_fold(csum_add(f + 14, ih, 0)) != 0)
		return false;
	s = csum_add(f + 26, 8, 0) + f[23] + (tl - ih);
	return csum_fold(csum_add(f + 14 + ih, tl - ih, s)) == 0;
}

static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t HOSTMAC[6] = { 0x00, 0x15, 0x5d, 0xff, 0xff, 0xfe };
static const uint8_t MAC_A[6] = { 0x00, 0x15, 0x5d, 0, 0, 0x10 };
static const uint8_t MAC_B[6] = { 0x00, 0x15, 0x5d, 0, 0, 0x11 };
static const uint8_t IP1[4] = { 10, 0, 0, 1 }, IP2[4] = { 10, 0, 0, 2 };

static uint32_t raw_frame(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint32_t len,
			  uint8_t seed)
{
	uint32_t i;

	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	for (i = 12; i < len; i++)
		f[i] = (uint8_t)(i * 31 + seed);
	if (len >= 14)
		be16w(f + 12, 0x88B5);	/* local experimental ethertype */
	return len;
}

/* ---- checks ---------------------------------------------------------------------------------- */
static void t_bringup(struct guest *g)
{
	struct hs_netvsp_config cfg = { .mtu = 9000, .link_speed = 400000, .max_queues = 4 };
	struct hs_netvsp_stats st;
	uint8_t r[512];
	int n;

	if (two_nics(g, &cfg, 1, &(struct nopts){ .caps = 0x4 | 0x20, .ndis_mtu = 9014 })) {
		done_nics();
		return;
	}
	st = nst(&A);
	REQUIRE(st.nvsp_version == 0x00060001 && st.ndis_version == (6u << 16 | 30) &&
		st.ndis_mtu == 9014 && st.ndis_capabilities == (0x4 | 0x20 | 0x8) &&
		st.recv_buffer_bytes == RECV_PAGES * 4096 && st.send_buffer_bytes == SEND_PAGES * 4096 &&
		st.send_sections == SEND_PAGES * 4096 / 6144 && st.rndis_initialized &&
		st.packet_filter == 0x0D, "state after bring-up: nvsp %#x ndis %#x mtu %u caps %#llx",
		st.nvsp_version, st.ndis_version, st.ndis_mtu, (unsigned long long)st.ndis_capabilities);
	REQUIRE(A.section == 6144 && A.suballoc == 2048 && A.nsub == RECV_PAGES * 2,
		"buffers: section %u suballoc %u count %u", A.section, A.suballoc, A.nsub);
	/* queries */
	n = rndis(&A, R_QUERY, 0x00010106, NULL, 0, r);
	REQUIRE(n == 28 && rd32(r + 4) == 28 && rd32(r + 12) == 0 && rd32(r + 16) == 4 &&
		rd32(r + 20) == 16 && rd32(r + 24) == 9000, "MAXIMUM_FRAME_SIZE: %d bytes, %u", n,
		rd32(r + 24));
	REQUIRE(rndis(&A, R_QUERY, 0x00010107, NULL, 0, r) == 28 && rd32(r + 24) == 400000,
		"LINK_SPEED");
	REQUIRE(rndis(&A, R_QUERY, 0x00010114, NULL, 0, r) == 28 && rd32(r + 24) == 0,
		"MEDIA_CONNECT_STATUS");
	REQUIRE(rndis(&A, R_QUERY, 0x01010101, NULL, 0, r) == 30 && !memcmp(r + 24, MAC_A, 6),
		"PERMANENT_ADDRESS");
	REQUIRE(rndis(&A, R_QUERY, 0x01010102, NULL, 0, r) == 30 && !memcmp(r + 24, MAC_A, 6),
		"CURRENT_ADDRESS");
	REQUIRE(rndis(&A, R_QUERY, 0x00010203, NULL, 0, r) == 44 && r[24] == 0x88 && r[25] == 2 &&
		rd32(r + 24 + 12) == 4 && rd16(r + 24 + 16) == 128, "RSS capabilities");
	REQUIRE(rndis(&A, R_QUERY, 0xFC01020D, NULL, 0, r) == 24 + 156 && r[24] == 0xA7 &&
		rd32(r + 24 + 4) == 2 && (rd32(r + 24 + 8) & 0x14) == 0x14 &&
		rd32(r + 24 + 80) == 2 && rd32(r + 24 + 84) > 60000, "offload capabilities");
	n = rndis(&A, R_QUERY, 0x00020101, NULL, 0, r);
	REQUIRE(n == 24 && rd32(r + 12) == 0xC00000BB, "unknown OID: %d bytes status %#x", n,
		rd32(r + 12));
	REQUIRE(rndis(&A, R_KEEPALIVE, 0, NULL, 0, r) == 16 && rd32(r + 12) == 0, "KEEPALIVE");
	REQUIRE(rndis(&A, R_RESET, 0, NULL, 0, r) == 16 && rd32(r + 8) == 0, "RESET");
	REQUIRE(nst(&A).rndis_requests == 12, "rndis requests %llu",
		(unsigned long long)nst(&A).rndis_requests);
	REQUIRE(!nst(&A).bad_requests && !protocol_errors(g), "errors: %llu / %u",
		(unsigned long long)nst(&A).bad_requests, protocol_errors(g));
	done_nics();
}

static void t_versions(struct guest *g)
{
	static const uint32_t v54[] = { 0x00050000, 0x00040000, 0 };
	static const struct hs_config hc = { .nr_vps = G_VPS };
	uint8_t o[4][240], m[40] = { 0 }, r[64];
	struct hs_netvsp *nic;
	struct hs_netvsp_config cfg = { .versions = v54 };

	OK(g_setup(g, &hc));
	REQUIRE((nic = hs_netvsp_add(g->h, &cfg)), "add");
	REQUIRE(m_connect(g, o, 4) == 1, "offer");
	OK(ng_open(g, &A, o[0]));
	A.nic = nic;
	/* before INIT: ignored and counted */
	REQUIRE(nvsp3(&A, NV_NDIS_VERSION, 6, 30, false, NULL) == 0, "send");
	/* a 12-byte INIT is not answered */
	wr32(m, NV_INIT);
	wr32(m + 4, 0x00060001);
	wr32(m + 8, 0x00060001);
	REQUIRE(m_send(g, &A.c[0], 6, 1, 77, NULL, 0, m, 12) == 0, "send");
	REQUIRE(wait_comp(&A, 77, r, 100) < 0, "12-byte INIT answered");
	REQUIRE(nvsp(&A, 0, m, 40, true, r) >= 16 && rd32(r) == NV_INIT_COMPLETE &&
		rd32(r + 12) == 2, "6.1 not refused by a 5/4 host");
	wr32(m + 4, 0x00060000);
	wr32(m + 8, 0x00060000);
	REQUIRE(nvsp(&A, 0, m, 40, true, r) >= 16 && rd32(r + 12) == 2, "6 not refused");
	wr32(m + 4, 0x00050000);
	wr32(m + 8, 0x00050000);
	REQUIRE(nvsp(&A, 0, m, 40, true, r) >= 16 && rd32(r + 12) == 1 && rd32(r + 4) == 0x00050000,
		"5 refused");
	/* a range: the highest the host has */
	wr32(m + 4, 0x00000002);
	wr32(m + 8, 0x00060001);
	REQUIRE(nvsp(&A, 0, m, 40, true, r) >= 16 && rd32(r + 12) == 1 && rd32(r + 4) == 0x00050000,
		"range negotiation gave %#x", rd32(r + 4));
	REQUIRE(nst(&A).nvsp_version == 0x00050000, "version %#x", nst(&A).nvsp_version);
	REQUIRE(nst(&A).bad_requests == 2, "bad requests %llu",
		(unsigned long long)nst(&A).bad_requests);
	done_nics();
}

static void t_buffers(struct guest *g)
{
	static const struct hs_config hc = { .nr_vps = G_VPS };
	struct hs_netvsp_config cfg = { .send_section_size = 8192, .recv_suballoc_size = 1728 };
	uint8_t o[4][240], r[64];
	uint32_t st;

	OK(g_setup(g, &hc));
	REQUIRE((A.nic = hs_netvsp_add(g->h, &cfg)), "add");
	REQUIRE(m_connect(g, o, 4) == 1, "offer");
	{
		struct hs_netvsp *nic = A.nic;

		OK(ng_open(g, &A, o[0]));
		A.nic = nic;
	}
	REQUIRE(nvsp3(&A, NV_INIT, 0x00060001, 0x00060001, true, r) > 0 && rd32(r + 12) == 1, "INIT");
	/* an unknown GPADL */
	REQUIRE(nvsp3(&A, NV_RECV_BUF, 0x999, 0xCAFE, true, r) > 0 && rd32(r) == NV_RECV_BUF_COMPLETE &&
		rd32(r + 4) == 2, "unknown receive GPADL accepted");
	A.recv_gpadl = g->next_gpadl++;
	OK(g_gpadl_create(g, A.c[0].relid, A.recv_gpadl, A.recv, RECV_PAGES, &st));
	REQUIRE(nvsp3(&A, NV_RECV_BUF, A.recv_gpadl, 0xCAFE, true, r) > 0 && rd32(r + 4) == 1 &&
		rd32(r + 12) == 0 && rd32(r + 16) == 1728 && rd32(r + 20) == RECV_PAGES * 4096 / 1728 &&
		rd32(r + 24) == rd32(r + 20) * 1728, "receive buffer section: %u x %u", rd32(r + 20),
		rd32(r + 16));
	REQUIRE(nvsp3(&A, NV_RECV_BUF, A.recv_gpadl, 0xCAFE, true, r) > 0 && rd32(r + 4) == 2,
		"second receive buffer accepted");
	A.send_gpadl = g->next_gpadl++;
	OK(g_gpadl_create(g, A.c[0].relid, A.send_gpadl, A.send, SEND_PAGES, &st));
	REQUIRE(nvsp3(&A, NV_SEND_BUF, A.send_gpadl, 0, true, r) > 0 && rd32(r) == NV_SEND_BUF_COMPLETE &&
		rd32(r + 4) == 1 && rd32(r + 8) == 8192, "send buffer: section %u", rd32(r + 8));
	REQUIRE(nst(&A).send_sections == SEND_PAGES * 4096 / 8192, "sections %u", nst(&A).send_sections);
	/* revoke both; then a revoke of nothing is an error */
	REQUIRE(nvsp3(&A, NV_REVOKE_RECV, 0xCAFE, 0, false, NULL) == 0, "revoke");
	REQUIRE(nvsp3(&A, NV_REVOKE_SEND, 0, 0, false, NULL) == 0, "revoke");
	REQUIRE(nvsp3(&A, NV_REVOKE_SEND, 0, 0, false, NULL) == 0, "revoke");
	EVENTUALLY(nst(&A).bad_requests == 3);
	REQUIRE(!nst(&A).recv_buffer_bytes && !nst(&A).send_buffer_bytes, "buffers after revoke");
	REQUIRE(nst(&A).bad_requests == 3, "bad requests %llu", (unsigned long long)nst(&A).bad_requests);
	/* and a new receive buffer is fine */
	REQUIRE(nvsp3(&A, NV_RECV_BUF, A.recv_gpadl, 0xCAFE, true, r) > 0 && rd32(r + 4) == 1,
		"receive buffer after revoke");
	done_nics();
}

static void t_control(struct guest *g)
{
	static const uint16_t name[] = { 'N', 'e', 't', 'w', 'o', 'r', 'k', 'A', 'd', 'd', 'r', 'e',
					 's', 's' };
	static const char value[] = "02AABBCCDDEE";
	uint8_t r[512], p[128] = { 0 }, off[28] = { 0x80, 3, 28, 0 };
	uint32_t i;

	if (two_nics(g, &(struct hs_netvsp_config){ .max_queues = 4 }, 1, &(struct nopts){ 0 })) {
		done_nics();
		return;
	}
	/* offload parameters: IPv4 csum TX+RX, TCP4 TX+RX, UDP6 RX only, LSOv2 IPv4 on */
	off[4] = 4;
	off[5] = 4;
	off[8] = 3;
	off[11] = 2;
	REQUIRE(set_oid(&A, 0xFC01020C, off, 28) == 0, "offload parameters");
	REQUIRE(nst(&A).offload_tx_csum == 0x3 && nst(&A).offload_rx_csum == 0x13 &&
		nst(&A).offload_lso4 && !nst(&A).offload_lso6, "offload state tx %#x rx %#x",
		nst(&A).offload_tx_csum, nst(&A).offload_rx_csum);
	off[5] = 1;			/* TCP4 off both ways; 0 = no change elsewhere */
	off[4] = off[8] = off[11] = 0;
	REQUIRE(set_oid(&A, 0xFC01020C, off, 28) == 0, "offload parameters 2");
	REQUIRE(nst(&A).offload_tx_csum == 0x1 && nst(&A).offload_rx_csum == 0x11 &&
		nst(&A).offload_lso4, "offload state 2");
	off[6] = 9;
	REQUIRE(set_oid(&A, 0xFC01020C, off, 28) == 0xC0010015, "bad offload value accepted");
	off[0] = 0x81;
	REQUIRE(set_oid(&A, 0xFC01020C, off, 28) == 0xC0010014, "bad offload header accepted");
	/* MAC change through the NetworkAddress config parameter */
	wr32(p, 20);
	wr32(p + 4, sizeof(name));
	wr32(p + 8, 2);
	wr32(p + 12, 20 + sizeof(name));
	wr32(p + 16, 24);
	for (i = 0; i < 14; i++)
		wr16(p + 20 + 2 * i, name[i]);
	for (i = 0; i < 12; i++)
		wr16(p + 20 + sizeof(name) + 2 * i, (uint16_t)value[i]);
	REQUIRE(set_oid(&A, 0x0001021B, p, 20 + sizeof(name) + 24) == 0, "NetworkAddress");
	REQUIRE(rndis(&A, R_QUERY, 0x01010102, NULL, 0, r) == 30 &&
		!memcmp(r + 24, "\x02\xaa\xbb\xcc\xdd\xee", 6), "current address after change");
	REQUIRE(rndis(&A, R_QUERY, 0x01010101, NULL, 0, r) == 30 && !memcmp(r + 24, MAC_A, 6),
		"permanent address changed");
	wr16(p + 20 + sizeof(name), 'G');
	REQUIRE(set_oid(&A, 0x0001021B, p, 20 + sizeof(name) + 24) == 0xC0010015, "bad hex accepted");
	/* SET with the buffer outside the message */
	{
		uint8_t bad[4] = { 1, 0, 0, 0 };

		REQUIRE(set_oid(&A, 0x0001010E, bad, 2) == 0xC0010014, "2-byte filter accepted");
		REQUIRE(set_oid(&A, 0x12345678, bad, 4) == 0xC00000BB, "unknown OID set");
	}
	/* RSS parameters: table entries must name existing channels */
	memset(p, 0, sizeof(p));
	p[0] = 0x89;
	p[1] = 2;
	wr16(p + 2, 40);
	wr32(p + 8, 0x1 | 0x100 | 0x200);
	wr16(p + 12, 16);		/* 4 entries */
	wr32(p + 16, 40);
	wr16(p + 20, 40);
	wr32(p + 24, 56);
	REQUIRE(set_oid(&A, 0x00010204, p, 96) == 0 && nst(&A).rss_enabled &&
		nst(&A).rss_hash_info == 0x301, "RSS parameters");
	wr32(p + 44, 1);		/* channel 1 does not exist yet */
	REQUIRE(set_oid(&A, 0x00010204, p, 96) == 0xC0010015, "RSS table naming channel 1 accepted");
	wr32(p + 44, 0);
	wr16(p + 4, 0x10);		/* disable */
	REQUIRE(set_oid(&A, 0x00010204, p, 96) == 0 && !nst(&A).rss_enabled, "RSS disable");
	/* HALT: no reply; INITIALIZE again works */
	REQUIRE(rndis(&A, R_HALT, 0, NULL, 0, r) == 0, "HALT");
	REQUIRE(!nst(&A).rndis_initialized, "initialized after HALT");
	REQUIRE(rndis(&A, R_QUERY, 0x00010106, NULL, 0, r) >= 16 && rd32(r + 12) == 0xC0000001,
		"QUERY after HALT");
	REQUIRE(rndis(&A, R_INIT, 0, NULL, 0, r) == 52 && rd32(r + 16) == 1 && rd32(r + 28) == 0 &&
		rd32(r + 32) == 8 && rd32(r + 40) == 3, "INITIALIZE_CMPLT fields");
	REQUIRE(nst(&A).bad_requests == 1, "bad requests %llu",
		(unsigned long long)nst(&A).bad_requests);
	done_nics();
}

static void t_frames(struct guest *g)
{
	struct hs_netvsp_config cfg = { .mtu = 65521 };
	uint8_t *f = malloc(65536);
	struct rxf *r;
	uint32_t len, sent = 0;
	struct ng *from, *to;

	if (two_nics(g, &cfg, 2, &(struct nopts){ .ndis_mtu = 65535 })) {
		free(f);
		done_nics();
		return;
	}
	for (len = 14; len <= 65535 && !g->why[0]; len += len < 1600 ? 1 : len < 9100 ? 97 : 1999) {
		enum txmode mode = len + 44 <= 6144 ? (len & 1 ? VIA_SECTION : VIA_GPA_MULTI) : VIA_GPA;
		int64_t st;

		from = len & 2 ? &A : &B;
		to = from == &A ? &B : &A;
		raw_frame(f, from == &A ? MAC_B : MAC_A, from == &A ? MAC_A : MAC_B, len,
			  (uint8_t)len);
		st = tx(from, 0, f, len, NULL, 0, mode, sent % 16);
		if (st != 1) {
			g_fail(g, "send of %u bytes (mode %d): status %lld", len, mode, (long long)st);
			break;
		}
		r = wait_rx(to, 2000);
		if (!r || r->len != len || memcmp(r->data, f, len)) {
			g_fail(g, "frame of %u bytes: got %u", len, r ? r->len : 0);
			break;
		}
		pop_rx(to);
		sent++;
	}
	/* the largest frame, both ways */
	for (from = &A; from && !g->why[0]; from = from == &A ? &B : NULL) {
		to = from == &A ? &B : &A;
		raw_frame(f, from == &A ? MAC_B : MAC_A, from == &A ? MAC_A : MAC_B, 65535, 9);
		if (tx(from, 0, f, 65535, NULL, 0, VIA_GPA_MULTI, 0) != 1 || !(r = wait_rx(to, 2000)) ||
		    r->len != 65535 || memcmp(r->data, f, 65535))
			g_fail(g, "65535-byte frame");
		else
			pop_rx(to);
	}
	free(f);
	if (g->why[0]) {
		done_nics();
		return;
	}
	ng_poll(&A, 20);
	ng_poll(&B, 20);
	REQUIRE(nst(&A).tx_frames + nst(&B).tx_frames == sent + 2 &&
		nst(&A).rx_frames + nst(&B).rx_frames == sent + 2, "counters");
	REQUIRE(nst(&A).rx_pending_packets == 0 && nst(&B).rx_pending_packets == 0,
		"receive buffer not freed by completions");
	/* too long for MTU 65521 + 14: dropped */
	REQUIRE(!A.xfer_errors && !B.xfer_errors && !protocol_errors(g), "errors %u %u %u",
		A.xfer_errors, B.xfer_errors, protocol_errors(g));
	done_nics();
}

static void t_host_port(struct guest *g)
{
	struct hs_vswitch *sw;
	uint8_t f[256], c[300];
	struct rxf *r;
	static const uint8_t other[6] = { 0x02, 1, 2, 3, 4, 5 };
	static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0, 0, 1 };
	int n;

	if (two_nics(g, &(struct hs_netvsp_config){ .mtu = 1500 }, 2, NULL)) {
		done_nics();
		return;
	}
	sw = hs_netvsp_vswitch(A.nic);
	REQUIRE(hs_netvsp_vswitch(B.nic) == sw, "one switch");
	/* host -> A only */
	raw_frame(f, MAC_A, HOSTMAC, 100, 1);
	OK(hs_vswitch_inject(sw, f, 100));
	REQUIRE((r = wait_rx(&A, 1000)) && r->len == 100 && !memcmp(r->data, f, 100), "host -> A");
	pop_rx(&A);
	REQUIRE(!wait_rx(&B, 30), "B got A's frame");
	/* broadcast from the host: both */
	raw_frame(f, BCAST, HOSTMAC, 64, 2);
	OK(hs_vswitch_inject(sw, f, 64));
	REQUIRE(wait_rx(&A, 1000) && wait_rx(&B, 1000), "broadcast not delivered to both");
	pop_rx(&A);
	pop_rx(&B);
	REQUIRE(hs_vswitch_inject(sw, f, 13) == -1, "13-byte frame injected");
	/* guest -> unknown unicast, -> host MAC, broadcast, multicast: captured */
	raw_frame(f, other, MAC_A, 80, 3);
	REQUIRE(tx(&A, 0, f, 80, NULL, 0, VIA_SECTION, 0) == 1, "send");
	n = hs_vswitch_capture(sw, c, sizeof(c));
	REQUIRE(n == 80 && !memcmp(c, f, 80), "unknown unicast not at the host port (%d)", n);
	raw_frame(f, HOSTMAC, MAC_A, 90, 4);
	REQUIRE(tx(&A, 0, f, 90, NULL, 0, VIA_SECTION, 1) == 1, "send");
	REQUIRE(hs_vswitch_capture(sw, c, sizeof(c)) == 90, "frame to the host MAC");
	raw_frame(f, mcast, MAC_A, 70, 5);
	REQUIRE(tx(&A, 0, f, 70, NULL, 0, VIA_SECTION, 2) == 1, "send");
	REQUIRE(hs_vswitch_capture(sw, c, sizeof(c)) == 70, "multicast at the host port");
	REQUIRE((r = wait_rx(&B, 1000)) && r->len == 70, "multicast to B (all-multicast filter)");
	pop_rx(&B);
	/* A -> B: not captured unless mirroring */
	raw_frame(f, MAC_B, MAC_A, 60, 6);
	REQUIRE(tx(&A, 0, f, 60, NULL, 0, VIA_SECTION, 3) == 1, "send");
	REQUIRE(wait_rx(&B, 1000), "A -> B");
	pop_rx(&B);
	REQUIRE(hs_vswitch_capture(sw, c, sizeof(c)) == 0, "A -> B captured");
	hs_vswitch_mirror(sw, true);
	REQUIRE(tx(&A, 0, f, 60, NULL, 0, VIA_SECTION, 3) == 1, "send");
	REQUIRE(hs_vswitch_capture(sw, c, 10) == 60 && !memcmp(c, f, 10), "mirror (truncated copy)");
	REQUIRE(wait_rx(&B, 1000), "A -> B mirrored");
	pop_rx(&B);
	hs_vswitch_mirror(sw, false);
	/* a new host MAC */
	hs_vswitch_set_host_mac(sw, other);
	raw_frame(f, HOSTMAC, MAC_A, 60, 7);
	REQUIRE(tx(&A, 0, f, 60, NULL, 0, VIA_SECTION, 3) == 1, "send");
	REQUIRE(hs_vswitch_capture(sw, c, sizeof(c)) == 60, "old host MAC is unknown unicast now");
	REQUIRE(hs_vswitch_captured_dropped(sw) == 0, "capture drops");
	done_nics();
}

static void t_filter(struct guest *g)
{
	uint8_t f[128];
	uint32_t filt;
	struct hs_vswitch *sw;
	static const uint8_t other[6] = { 0x02, 9, 9, 9, 9, 9 };

	if (two_nics(g, &(struct hs_netvsp_config){ .mtu = 1500 }, 1, NULL)) {
		done_nics();
		return;
	}
	sw = hs_netvsp_vswitch(A.nic);
	filt = 0;			/* stopped */
	REQUIRE(set_oid(&A, 0x0001010E, &filt, 4) == 0, "filter 0");
	raw_frame(f, MAC_A, HOSTMAC, 60, 1);
	OK(hs_vswitch_inject(sw, f, 60));
	REQUIRE(!wait_rx(&A, 30), "delivered with filter 0");
	filt = 0x1;			/* directed only */
	REQUIRE(set_oid(&A, 0x0001010E, &filt, 4) == 0, "filter 1");
	raw_frame(f, BCAST, HOSTMAC, 60, 1);
	OK(hs_vswitch_inject(sw, f, 60));
	REQUIRE(!wait_rx(&A, 30), "broadcast with directed-only filter");
	raw_frame(f, MAC_A, HOSTMAC, 60, 1);
	OK(hs_vswitch_inject(sw, f, 60));
	REQUIRE(wait_rx(&A, 1000), "directed");
	pop_rx(&A);
	raw_frame(f, other, HOSTMAC, 60, 1);
	OK(hs_vswitch_inject(sw, f, 60));
	REQUIRE(!wait_rx(&A, 30), "other MAC without promiscuous");
	filt = 0x20;
	REQUIRE(set_oid(&A, 0x0001010E, &filt, 4) == 0, "filter promiscuous");
	OK(hs_vswitch_inject(sw, f, 60));
	REQUIRE(wait_rx(&A, 1000), "promiscuous");
	pop_rx(&A);
	REQUIRE(nst(&A).packet_filter == 0x20, "filter state");
	done_nics();
}

static void t_link(struct guest *g)
{
	uint8_t r[512], f[128], sbuf[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct hs_vswitch *sw;
	int n;

	if (two_nics(g, &(struct hs_netvsp_config){ .mtu = 1500 }, 1, NULL)) {
		done_nics();
		return;
	}
	sw = hs_netvsp_vswitch(A.nic);
	OK(hs_netvsp_set_link(A.nic, false));
	REQUIRE(hs_netvsp_set_link(A.nic, false) == -1, "no change, no indication");
	n = wait_ctl(&A, R_INDICATE, 0, r, 1000);
	REQUIRE(n == 20 && rd32(r + 8) == 0x4001000C && rd32(r + 12) == 0, "MEDIA_DISCONNECT (%d)", n);
	REQUIRE(rndis(&A, R_QUERY, 0x00010114, NULL, 0, r) == 28 && rd32(r + 24) == 1,
		"MEDIA_CONNECT_STATUS while down");
	raw_frame(f, MAC_A, HOSTMAC, 60, 1);
	OK(hs_vswitch_inject(sw, f, 60));
	REQUIRE(!wait_rx(&A, 30), "frame while the link is down");
	raw_frame(f, HOSTMAC, MAC_A, 60, 1);
	REQUIRE(tx(&A, 0, f, 60, NULL, 0, VIA_SECTION, 0) == 1, "send while down completes");
	REQUIRE(hs_vswitch_capture(sw, f, sizeof(f)) == 0 && nst(&A).tx_dropped == 1,
		"frame sent while down");
	OK(hs_netvsp_set_link(A.nic, true));
	REQUIRE(wait_ctl(&A, R_INDICATE, 0, r, 1000) == 20 && rd32(r + 8) == 0x4001000B,
		"MEDIA_CONNECT");
	OK(hs_netvsp_indicate(A.nic, 0x40010018, sbuf, 8));
	REQUIRE(wait_ctl(&A, R_INDICATE, 0, r, 1000) == 28 && rd32(r + 8) == 0x40010018 &&
		rd32(r + 12) == 8 && rd32(r + 16) == 12 && !memcmp(r + 20, sbuf, 8),
		"NETWORK_CHANGE indication with a buffer");
	raw_frame(f, MAC_A, HOSTMAC, 60, 1);
	OK(hs_vswitch_inject(sw, f, 60));
	REQUIRE(wait_rx(&A, 1000), "frame after link up");
	pop_rx(&A);
	done_nics();
}

static void t_checksum(struct guest *g)
{
	uint8_t f[2048], c[2048], off[28] = { 0x80, 3, 28, 0 };
	static const uint8_t ip6a[16] = { 0xfd, 0, [15] = 1 }, ip6b[16] = { 0xfd, 0, [15] = 2 };
	struct hs_vswitch *sw;
	struct rxf *r;
	uint32_t len;
	struct ppi p;

	if (two_nics(g, &(struct hs_netvsp_config){ .mtu = 1500 }, 1, NULL)) {
		done_nics();
		return;
	}
	sw = hs_netvsp_vswitch(A.nic);
	/* no RX offload enabled: no checksum PPI */
	len = mkframe(f, MAC_A, HOSTMAC, false, 6, IP2, IP1, 80, 4000, 300, true);
	OK(hs_vswitch_inject(sw, f, len));
	REQUIRE((r = wait_rx(&A, 1000)) && !r->has_csum, "checksum PPI without RX offload");
	pop_rx(&A);
	off[4] = off[5] = off[6] = off[7] = off[8] = 4;
	REQUIRE(set_oid(&A, 0xFC01020C, off, 28) == 0, "offload parameters");
	OK(hs_vswitch_inject(sw, f, len));
	REQUIRE((r = wait_rx(&A, 1000)) && r->has_csum && r->csum == (0x20 | 0x08),
		"good TCP/IPv4: csum %#x", r ? r->csum : 0);
	pop_rx(&A);
	f[len - 1] ^= 0x55;		/* payload corrupted: TCP fails, IP fine */
	OK(hs_vswitch_inject(sw, f, len));
	REQUIRE((r = wait_rx(&A, 1000)) && r->has_csum && r->csum == (0x20 | 0x01),
		"bad TCP: csum %#x", r ? r->csum : 0);
	pop_rx(&A);
	f[24] ^= 0x01;			/* IP header checksum broken too */
	OK(hs_vswitch_inject(sw, f, len));
	REQUIRE((r = wait_rx(&A, 1000)) && (r->csum & 0x04), "bad IP: csum %#x", r ? r->csum : 0);
	pop_rx(&A);
	len = mkframe(f, MAC_A, HOSTMAC, true, 17, ip6b, ip6a, 53, 5353, 100, true);
	OK(hs_vswitch_inject(sw, f, len));
	REQUIRE((r = wait_rx(&A, 1000)) && r->csum == 0x10, "good UDP/IPv6: csum %#x",
		r ? r->csum : 0);
	pop_rx(&A);
	f[len - 3] ^= 0xFF;
	OK(hs_vswitch_inject(sw, f, len));
	REQUIRE((r = wait_rx(&A, 1000)) && r->csum == 0x02, "bad UDP/IPv6: csum %#x",
		r ? r->csum : 0);
	pop_rx(&A);
	/* TX: the guest leaves the checksums to the host */
	len = mkframe(f, HOSTMAC, MAC_A, false, 6, IP1, IP2, 4000, 80, 500, false);
	p.type = 0;
	p.value = 0x1 | 0x4 | 0x10 | 34u << 16;	/* IPv4, TCP csum, IP csum, TCP at 34 */
	REQUIRE(tx(&A, 0, f, len, &p, 1, VIA_SECTION, 0) == 1, "send");
	REQUIRE(hs_vswitch_capture(sw, c, sizeof(c)) == (int)len && sums_ok(c, len),
		"host did not fill the checksums");
	REQUIRE(nst(&A).tx_csum_offloaded == 1, "tx_csum_offloaded");
	done_nics();
}

static void t_lso(struct guest *g)
{
	enum { PAYLOAD = 20000, MSS = 1400 };
	uint8_t *f = malloc(PAYLOAD + 100), c[2048];
	struct hs_vswitch *sw;
	uint32_t len, got = 0, seq = 0x10000000, k = 0;
	struct ppi p = { 2, MSS | 34u << 20 | 1u << 30 };
	int n;

	if (two_nics(g, &(struct hs_netvsp_config){ .mtu = 1500 }, 1, NULL)) {
		free(f);
		done_nics();
		return;
	}
	sw = hs_netvsp_vswitch(A.nic);
	len = mkframe(f, HOSTMAC, MAC_A, false, 6, IP1, IP2, 4000, 80, PAYLOAD, false);
	f[14 + 20 + 13] = 0x19;		/* ACK | PSH | FIN */
	if (tx(&A, 0, f, len, &p, 1, VIA_GPA, 0) != 1) {
		g_fail(g, "LSO send");
	} else {
		while ((n = hs_vswitch_capture(sw, c, sizeof(c))) > 0) {
			uint32_t pl = (uint32_t)n - 54, s = be32r(c + 38);
			bool last = got + pl == PAYLOAD;

			if (pl > MSS || s != seq + got || !sums_ok(c, (uint32_t)n) ||
			    (c[47] & 0x09) != (last ? 0x09 : 0) || memcmp(c + 54, f + 54 + got, pl)) {
				g_fail(g, "segment %u: %u bytes seq %#x flags %#x", k, pl, s, c[47]);
				break;
			}
			got += pl;
			k++;
		}
		if (!g->why[0] && (got != PAYLOAD || k != (PAYLOAD + MSS - 1) / MSS))
			g_fail(g, "%u bytes in %u segments", got, k);
	}
	free(f);
	REQUIRE(nst(&A).tx_lso_packets == 1 && nst(&A).tx_lso_segments == k, "LSO counters");
	done_nics();
}

static void t_vlan(struct guest *g)
{
	uint8_t f[128], c[256];
	struct hs_vswitch *sw;
	struct rxf *r;
	struct ppi p = { 6, 5 | 1u << 3 | 42u << 4 };	/* priority 5, CFI, VLAN 42 */

	if (two_nics(g, &(struct hs_netvsp_config){ .mtu = 1500 }, 1, NULL)) {
		done_nics();
		return;
	}
	sw = hs_netvsp_vswitch(A.nic);
	raw_frame(f, HOSTMAC, MAC_A, 100, 1);
	REQUIRE(tx(&A, 0, f, 100, &p, 1, VIA_SECTION, 0) == 1, "send");
	REQUIRE(hs_vswitch_capture(sw, c, sizeof(c)) == 104 && c[12] == 0x81 && c[13] == 0 &&
		((uint32_t)c[14] << 8 | c[15]) == (5u << 13 | 1u << 12 | 42) &&
		!memcmp(c + 16, f + 12, 88) && !memcmp(c, f, 12), "tagged frame at the host port");
	/* a tagged frame from the host: tag as PPI, frame without it */
	c[0] = MAC_A[0], c[5] = MAC_A[5];
	memcpy(c, MAC_A, 6);
	OK(hs_vswitch_inject(sw, c, 104));
	REQUIRE((r = wait_rx(&A, 1000)) && r->has_vlan && r->vlan == p.value && r->len == 100 &&
		!memcmp(r->data + 12, f + 12, 88), "VLAN PPI on receive: %#x", r ? r->vlan : 0);
	pop_rx(&A);
	done_nics();
}

static void t_subchannels_rss(struct guest *g)
{
	/* Microsoft's RSS verification key and its IPv4 example:
	 * 66.9.149.187:2794 -> 161.142.100.80:1766, hashes 0x51ccc178 (TCP)
	 * and 0x323e8fc2 (addresses only) */
	static const uint8_t key[40] = {
		0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
		0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
		0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
	};
	static const uint8_t sip[4] = { 66, 9, 149, 187 }, dip[4] = { 161, 142, 100, 80 };
	uint8_t o[8][240], r[64], p[40 + 512 + 40] = { 0 }, f[256];
	struct hs_vswitch *sw;
	struct rxf *x;
	uint32_t i, len, table[4] = { 3, 2, 1, 0 };
	int k, cnt;

	if (two_nics(g, &(struct hs_netvsp_config){ .mtu = 1500, .max_queues = 4 }, 1, NULL)) {
		done_nics();
		return;
	}
	sw = hs_netvsp_vswitch(A.nic);
	REQUIRE(nvsp3(&A, NV_SUBCHANNEL, 1, 8, true, r) >= 12 && rd32(r) == NV_SUBCHANNEL &&
		rd32(r + 4) == 1 && rd32(r + 8) == 3, "SUBCHANNEL 8 on a 4-queue NIC: %u", rd32(r + 8));
	cnt = m_collect_offers(g, o, 8, 3, 1000);
	REQUIRE(cnt == 3, "%d sub-channel offers", cnt);
	for (i = 1; i <= 3; i++) {
		uint32_t st;

		k = m_find_offer(o, cnt, net_class, A.offer + OFFER_INSTANCE, (uint16_t)i);
		REQUIRE(k >= 0, "sub-channel %u", i);
		REQUIRE(g_open(g, &A.c[i], rd32(o[k] + OFFER_RELID), rd32(o[k] + OFFER_CONN), 16, 16, 0,
			       NULL, &st) == 0 && !st, "open sub-channel %u", i);
	}
	A.nch = 4;
	/* the default send indirection table arrived in-band */
	ng_poll(&A, 50);
	REQUIRE(A.ninband >= 1 && rd32(A.inband[0]) == NV_INDIRECTION && rd32(A.inband[0] + 4) == 16 &&
		rd32(A.inband[0] + 8) == 12 && rd32(A.inband[0] + 12 + 4 * 5) == 1,
		"SEND_INDIRECTION_TABLE");
	OK(hs_netvsp_send_indirection_table(A.nic, table, 4));
	ng_poll(&A, 50);
	REQUIRE(A.ninband == 2 && rd32(A.inband[1] + 4) == 4 && rd32(A.inband[1] + 12) == 3,
		"explicit indirection table");
	/* RSS: 128 entries i % 4, the verification key, TCP/IPv4 + IPv4 */
	p[0] = 0x89;
	p[1] = 2;
	wr16(p + 2, 40);
	wr32(p + 8, 0x1 | 0x100 | 0x200);
	wr16(p + 12, 512);
	wr32(p + 16, 40);
	wr16(p + 20, 40);
	wr32(p + 24, 40 + 512);
	for (i = 0; i < 128; i++)
		wr32(p + 40 + 4 * i, i % 4);
	memcpy(p + 40 + 512, key, 40);
	REQUIRE(set_oid(&A, 0x00010204, p, sizeof(p)) == 0, "RSS parameters");
	len = mkframe(f, MAC_A, HOSTMAC, false, 6, sip, dip, 2794, 1766, 10, true);
	OK(hs_vswitch_inject(sw, f, len));
	REQUIRE((x = wait_rx(&A, 1000)) && x->has_hash && x->hash == 0x51ccc178 &&
		x->chan == 0x51ccc178u % 128 % 4, "TCP hash %#x on channel %u", x ? x->hash : 0,
		x ? x->chan : 0);
	pop_rx(&A);
	len = mkframe(f, MAC_A, HOSTMAC, false, 17, sip, dip, 2794, 1766, 10, true);
	OK(hs_vswitch_inject(sw, f, len));
	REQUIRE((x = wait_rx(&A, 1000)) && x->hash == 0x323e8fc2 && x->chan == 0x323e8fc2u % 4,
		"UDP (addresses only) hash %#x channel %u", x ? x->hash : 0, x ? x->chan : 0);
	pop_rx(&A);
	/* many flows spread over all four channels */
	for (i = 0; i < 64; i++) {
		len = mkframe(f, MAC_A, HOSTMAC, false, 6, sip, dip, (uint16_t)(1000 + i), 80, 10, true);
		OK(hs_vswitch_inject(sw, f, len));
	}
	for (i = 0; i < 64 && wait_rx(&A, 1000); i++)
		pop_rx(&A);
	REQUIRE(i == 64, "%u of 64 frames", i);
	for (i = 0; i < 4; i++)
		REQUIRE(nst(&A).rx_by_channel[i] > 0, "nothing on channel %u", i);
	/* transmit on a sub-channel: its completion comes back there */
	raw_frame(f, HOSTMAC, MAC_A, 60, 1);
	REQUIRE(tx(&A, 2, f, 60, NULL, 0, VIA_SECTION, 0) == 1, "send on sub-channel 2");
	REQUIRE(hs_vswitch_capture(sw, f, sizeof(f)) == 60, "frame from sub-channel 2");
	/* a control message on a sub-channel is refused */
	{
		uint8_t m[40] = { 0 };

		wr32(m, NV_NDIS_VERSION);
		REQUIRE(nvsp(&A, 1, m, 40, false, NULL) == 0, "send");
		EVENTUALLY(nst(&A).bad_requests == 1);
		REQUIRE(nst(&A).bad_requests == 1, "control on a sub-channel not counted");
	}
	REQUIRE(nst(&A).subchannels == 3, "subchannels %u", nst(&A).subchannels);
	done_nics();
}

static void t_vf(struct guest *g)
{
	uint8_t f[128], r[64], c[128];
	struct hs_vswitch *sw;

	/* without SR-IOV in SEND_NDIS_CONFIG the host offers no VF */
	if (two_nics(g, &(struct hs_netvsp_config){ .mtu = 1500 }, 1, NULL)) {
		done_nics();
		return;
	}
	REQUIRE(hs_netvsp_vf_associate(A.nic, true, 7) == -1, "VF without SR-IOV capability");
	done_nics();
	g_teardown(g);
	g->h = NULL;
	if (two_nics(g, &(struct hs_netvsp_config){ .mtu = 1500 }, 1, &(struct nopts){ .caps = 0x4 })) {
		done_nics();
		return;
	}
	sw = hs_netvsp_vswitch(A.nic);
	/* switching to a VF that is not there: refused */
	REQUIRE(nvsp3(&A, NV_SWITCH_DP, 1, 0, true, r) >= 8 && rd32(r) == NV_SWITCH_DP &&
		!nst(&A).datapath_vf && nst(&A).bad_requests == 1, "switch without a VF");
	OK(hs_netvsp_vf_associate(A.nic, true, 7));
	ng_poll(&A, 50);
	REQUIRE(A.ninband == 1 && rd32(A.inband[0]) == NV_VF && rd32(A.inband[0] + 4) == 1 &&
		rd32(A.inband[0] + 8) == 7, "SEND_VF_ASSOCIATION");
	REQUIRE(nvsp3(&A, NV_SWITCH_DP, 1, 0, true, r) >= 8 && nst(&A).datapath_vf, "switch to VF");
	raw_frame(f, MAC_A, HOSTMAC, 80, 1);
	OK(hs_vswitch_inject(sw, f, 80));
	REQUIRE(!wait_rx(&A, 30), "synthetic delivery with the VF data path");
	REQUIRE(hs_netvsp_vf_capture(A.nic, c, sizeof(c)) == 80 && !memcmp(c, f, 80) &&
		nst(&A).vf_frames == 1, "frame not at the VF");
	/* the VF goes away: back to synthetic */
	OK(hs_netvsp_vf_associate(A.nic, false, 7));
	ng_poll(&A, 50);
	REQUIRE(A.ninband == 2 && rd32(A.inband[1] + 4) == 0 && !nst(&A).datapath_vf,
		"VF removal");
	OK(hs_vswitch_inject(sw, f, 80));
	REQUIRE(wait_rx(&A, 1000), "synthetic delivery after VF removal");
	pop_rx(&A);
	/* the guest switches back by itself too */
	OK(hs_netvsp_vf_associate(A.nic, true, 8));
	REQUIRE(nvsp3(&A, NV_SWITCH_DP, 1, 0, true, r) >= 8 && nst(&A).datapath_vf, "switch to VF");
	REQUIRE(nvsp3(&A, NV_SWITCH_DP, 0, 0, true, r) >= 8 && !nst(&A).datapath_vf,
		"switch to synthetic");
	done_nics();
}

static void t_rx_faults(struct guest *g)
{
	static const struct {
		enum hs_netvsp_fault_kind kind;
		const char *name;
	} k[] = {
		{ HS_NV_RX_RANGE_OUT_OF_BUFFER, "range past the buffer" },
		{ HS_NV_RX_RANGE_COUNT, "RangeCount" },
		{ HS_NV_RX_BAD_SET_ID, "TransferPageSetId" },
		{ HS_NV_RX_RNDIS_LENGTH, "MessageLength past the range" },
		{ HS_NV_RX_RNDIS_SHORT, "MessageLength below the header" },
		{ HS_NV_RX_DATA_OFFSET, "DataOffset" },
		{ HS_NV_RX_PPI, "PPI length" },
	};
	uint8_t f[128], off[28] = { 0x80, 3, 28, 0, 4, 4 };
	struct hs_vswitch *sw;
	unsigned int i, before;
	uint32_t bc, bo;

	if (two_nics(g, &(struct hs_netvsp_config){ .mtu = 1500 }, 1, NULL)) {
		done_nics();
		return;
	}
	sw = hs_netvsp_vswitch(A.nic);
	REQUIRE(set_oid(&A, 0xFC01020C, off, 28) == 0, "offloads (a PPI on every frame)");
	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		struct hs_netvsp_fault fl = { .kind = k[i].kind, .count = 1 };
		uint32_t len = mkframe(f, MAC_A, HOSTMAC, false, 6, IP2, IP1, 1, 2, 20, true);

		OK(hs_netvsp_inject(A.nic, &fl));
		before = A.xfer_errors;
		OK(hs_vswitch_inject(sw, f, len));
		ng_poll(&A, 1000);
		REQUIRE(A.xfer_errors == before + 1 && !A.rx_n, "%s: guest saw %u errors, %u frames",
			k[i].name, A.xfer_errors - before, A.rx_n);
		bc = rd32(A.last_xfer + 24);
		bo = rd32(A.last_xfer + 28);
		if (k[i].kind == HS_NV_RX_RANGE_OUT_OF_BUFFER)
			REQUIRE(bo + bc > RECV_PAGES * 4096u, "range %u+%u", bo, bc);
		if (k[i].kind == HS_NV_RX_RANGE_COUNT)
			REQUIRE(rd32(A.last_xfer + 20) > 1, "RangeCount %u", rd32(A.last_xfer + 20));
		/* the next frame is fine */
		OK(hs_vswitch_inject(sw, f, len));
		REQUIRE(wait_rx(&A, 1000) && A.xfer_errors == before + 1, "%s: frame after the fault",
			k[i].name);
		pop_rx(&A);
	}
	ng_poll(&A, 20);
	REQUIRE(nst(&A).rx_pending_packets == 0 && nst(&A).faults == 7, "pending %llu faults %llu",
		(unsigned long long)nst(&A).rx_pending_packets, (unsigned long long)nst(&A).faults);
	done_nics();
}

static void t_tx_faults(struct guest *g)
{
	uint8_t f[128];
	struct hs_netvsp_fault fl = { .kind = HS_NV_DROP_COMPLETION, .count = 1 };
	uint64_t tid;

	if (two_nics(g, &(struct hs_netvsp_config){ .mtu = 1500 }, 1, NULL)) {
		done_nics();
		return;
	}
	raw_frame(f, HOSTMAC, MAC_A, 60, 1);
	tx_wait_ms = 100;
	OK(hs_netvsp_inject(A.nic, &fl));
	REQUIRE(tx(&A, 0, f, 60, NULL, 0, VIA_SECTION, 0) == -1, "completion despite DROP");
	REQUIRE(hs_vswitch_capture(hs_netvsp_vswitch(A.nic), f, sizeof(f)) == 60,
		"dropped-completion frame not sent");
	fl.kind = HS_NV_COMPLETION_STATUS;
	fl.value = 0;
	OK(hs_netvsp_inject(A.nic, &fl));
	REQUIRE(tx(&A, 0, f, 60, NULL, 0, VIA_SECTION, 0) == 2, "injected completion status");
	fl.kind = HS_NV_COMPLETION_TID;
	fl.value = 0x4000;
	OK(hs_netvsp_inject(A.nic, &fl));
	REQUIRE(tx(&A, 0, f, 60, NULL, 0, VIA_SECTION, 0) == -1, "completion with the real tid");
	tid = A.tid ^ 0x4000;
	REQUIRE(wait_comp(&A, tid, NULL, 100) >= 8, "completion with the xored tid");
	tx_wait_ms = 2000;
	REQUIRE(tx(&A, 0, f, 60, NULL, 0, VIA_SECTION, 0) == 1, "after the faults");
	REQUIRE(nst(&A).faults == 3, "faults");
	fl.kind = 0;
	REQUIRE(hs_netvsp_inject(A.nic, &fl) == -1, "kind 0");
	done_nics();
}

static void t_malformed_sends(struct guest *g)
{
	uint8_t f[128], nv[40] = { 0 }, r[64], *m;
	uint64_t e0;

	if (two_nics(g, &(struct hs_netvsp_config){ .mtu = 1500 }, 1, NULL)) {
		done_nics();
		return;
	}
	raw_frame(f, HOSTMAC, MAC_A, 60, 1);
	/* section index out of range */
	wr32(nv, NV_RNDIS);
	wr32(nv + 8, 999);
	wr32(nv + 12, 100);
	REQUIRE(nvsp(&A, 0, nv, 40, true, r) >= 8 && rd32(r + 4) == 2, "section 999: %u", rd32(r + 4));
	/* section size larger than a section */
	wr32(nv + 8, 0);
	wr32(nv + 12, 7000);
	REQUIRE(nvsp(&A, 0, nv, 40, true, r) >= 8 && rd32(r + 4) == 2, "section size 7000");
	/* RNDIS MessageLength past the data */
	m = A.send;
	memset(m, 0, 200);
	wr32(m, 1);
	wr32(m + 4, 500);
	wr32(nv + 12, 200);
	REQUIRE(nvsp(&A, 0, nv, 40, true, r) >= 8 && rd32(r + 4) == 5, "MessageLength 500 in 200");
	/* DataOffset past the message */
	wr32(m + 4, 200);
	wr32(m + 8, 190);
	wr32(m + 12, 60);
	REQUIRE(nvsp(&A, 0, nv, 40, true, r) >= 8 && rd32(r + 4) == 5, "data past the message");
	/* a PPI whose size runs past the PPI area */
	wr32(m + 8, 36 + 16);
	wr32(m + 12, 60);
	wr32(m + 28, 36);
	wr32(m + 32, 16);
	wr32(m + 44, 40);
	wr32(m + 52, 12);
	REQUIRE(nvsp(&A, 0, nv, 40, true, r) >= 8 && rd32(r + 4) == 5, "bad PPI");
	/* a data packet on the control channel type */
	wr32(m + 44, 16);
	wr32(nv + 4, 1);
	REQUIRE(nvsp(&A, 0, nv, 40, true, r) >= 8 && rd32(r + 4) == 5, "PACKET as control");
	wr32(nv + 4, 7);
	REQUIRE(nvsp(&A, 0, nv, 40, true, r) >= 8 && rd32(r + 4) == 2, "channel type 7");
	/* two messages in one section (batched, aligned to 8) */
	{
		uint32_t l1 = 44 + 60, p1 = (l1 + 7) & ~7u;

		memset(m, 0, 2 * p1);
		wr32(m, 1);
		wr32(m + 4, p1);
		wr32(m + 8, 36);
		wr32(m + 12, 60);
		memcpy(m + 44, f, 60);
		memcpy(m + p1, m, p1);
		wr32(nv + 4, 0);
		wr32(nv + 12, 2 * p1);
		REQUIRE(nvsp(&A, 0, nv, 40, true, r) >= 8 && rd32(r + 4) == 1, "batched send");
		REQUIRE(hs_vswitch_capture(hs_netvsp_vswitch(A.nic), r, 64) == 60 &&
			hs_vswitch_capture(hs_netvsp_vswitch(A.nic), r, 64) == 60, "two frames out");
	}
	/* a runt frame */
	REQUIRE(tx(&A, 0, f, 13, NULL, 0, VIA_SECTION, 0) == 1 && nst(&A).tx_dropped == 1,
		"13-byte frame not dropped");
	/* a guest completion for nothing */
	e0 = nst(&A).bad_requests;
	REQUIRE(m_send(g, &A.c[0], 0xB, 0, 0xDEAD, NULL, 0, nv, 40) == 0, "send");
	EVENTUALLY(nst(&A).bad_requests == e0 + 1);
	REQUIRE(nst(&A).bad_requests == e0 + 1, "unknown completion not counted");
	REQUIRE(tx(&A, 0, f, 60, NULL, 0, VIA_GPA_MULTI, 0) == 1, "the NIC still works");
	REQUIRE(nst(&A).bad_requests == 8, "bad requests %llu", (unsigned long long)nst(&A).bad_requests);
	done_nics();
}

static void t_back_pressure(struct guest *g)
{
	enum { N = 400 };
	uint8_t f[1600];
	struct hs_vswitch *sw;
	struct hs_channel_stats cs;
	unsigned int i, got = 0;
	int sent = 0;

	if (two_nics(g, &(struct hs_netvsp_config){ .mtu = 1500 }, 1, NULL)) {
		done_nics();
		return;
	}
	sw = hs_netvsp_vswitch(A.nic);
	/* host -> guest: the guest does not complete; 400 frames of 1500
	 * bytes do not fit in 128 sub-allocations; nothing is lost */
	A.hold = true;
	for (i = 0; i < N; i++) {
		raw_frame(f, MAC_A, HOSTMAC, 1500, (uint8_t)i);
		f[20] = (uint8_t)i;
		f[21] = (uint8_t)(i >> 8);
		OK(hs_vswitch_inject(sw, f, 1500));
	}
	ng_poll(&A, 50);
	REQUIRE(A.rx_n < N && A.nheld > 0, "everything fit: %u", A.rx_n);
	A.hold = false;
	while (got < N) {
		struct rxf *r;

		release_held(&A);
		r = wait_rx(&A, 1000);
		if (!r)
			break;
		if (r->len != 1500 || (r->data[20] | r->data[21] << 8) != (int)got) {
			g_fail(g, "frame %u out of order (%u)", got, r->data[20] | r->data[21] << 8);
			break;
		}
		pop_rx(&A);
		got++;
	}
	REQUIRE(got == N && nst(&A).rx_dropped == 0, "%u of %u frames, %llu dropped", got, N,
		(unsigned long long)nst(&A).rx_dropped);
	/* guest -> host: the host stops reading; the guest's ring fills */
	hs_netvsp_pause_tx(A.nic, true);
	raw_frame(f, HOSTMAC, MAC_A, 1000, 1);
	for (i = 0; i < 10000; i++) {
		uint8_t nv[40] = { 0 };

		memcpy(A.send + (i % 16) * A.section + 44, f, 1000);
		memset(A.send + (i % 16) * A.section, 0, 44);
		wr32(A.send + (i % 16) * A.section, 1);
		wr32(A.send + (i % 16) * A.section + 4, 1044);
		wr32(A.send + (i % 16) * A.section + 8, 36);
		wr32(A.send + (i % 16) * A.section + 12, 1000);
		wr32(nv, NV_RNDIS);
		wr32(nv + 8, i % 16);
		wr32(nv + 12, 1044);
		if (m_send(g, &A.c[0], 6, 1, 9000 + i, NULL, 0, nv, 40))
			break;
		sent++;
	}
	REQUIRE(sent > 10 && sent < 10000 && hs_vswitch_capture(sw, f, sizeof(f)) == 0,
		"paused host read %d sends", sent);
	/* ask for space, as a blocked guest does, and resume */
	gr_store(A.c[0].out.ctl, 12, 1024);
	hs_netvsp_pause_tx(A.nic, false);
	for (i = 0; i < 2000; i++) {
		hs_channel_stats(hs_device_channel(hs_netvsp_device(A.nic), 0), &cs);
		if (cs.space_signals)
			break;
		ng_poll(&A, 1);
	}
	REQUIRE(cs.space_signals >= 1, "no space signal after resume");
	gr_store(A.c[0].out.ctl, 12, 0);
	for (i = 0; i < 3000 && nst(&A).tx_frames < (uint64_t)sent; i++)
		ng_poll(&A, 1);
	REQUIRE(nst(&A).tx_frames == (uint64_t)sent, "%llu of %d frames sent after resume",
		(unsigned long long)nst(&A).tx_frames, sent);
	done_nics();
}

static void t_reopen(struct guest *g)
{
	uint8_t f[128];
	struct hs_netvsp *nic;
	struct hs_vswitch *sw;
	uint64_t frames;
	int i;

	if (two_nics(g, &(struct hs_netvsp_config){ .mtu = 1500 }, 1, NULL)) {
		done_nics();
		return;
	}
	nic = A.nic;
	sw = hs_netvsp_vswitch(nic);
	/* the receive buffer's GPADL torn down without a revoke: the host
	 * notices at the next frame and forgets the buffer */
	OK(g_gpadl_teardown(g, A.c[0].relid, A.recv_gpadl));
	raw_frame(f, MAC_A, HOSTMAC, 60, 1);
	OK(hs_vswitch_inject(sw, f, 60));
	REQUIRE(nst(&A).bad_requests == 1 && !nst(&A).recv_buffer_bytes && !wait_rx(&A, 20),
		"frame into a torn-down receive buffer");
	frames = nst(&A).rx_frames;
	OK(g_close(g, &A.c[0]));
	for (i = 0; i < 1000 && nst(&A).nvsp_version; i++)	/* closed() runs later */
		g_sleep_ms(1);
	REQUIRE(!nst(&A).nvsp_version && !nst(&A).rndis_initialized && !nst(&A).recv_buffer_bytes,
		"state after close");
	raw_frame(f, MAC_A, HOSTMAC, 60, 1);
	OK(hs_vswitch_inject(sw, f, 60));
	REQUIRE(nst(&A).rx_frames == frames && nst(&A).rx_pending_packets == 0,
		"frame to a closed NIC");
	OK(ng_open(g, &A, A.offer));
	A.nic = nic;
	if (ng_up(g, &A, NULL)) {
		done_nics();
		return;
	}
	OK(hs_vswitch_inject(sw, f, 60));
	REQUIRE(wait_rx(&A, 1000), "frame after reopen");
	pop_rx(&A);
	done_nics();
}

void netvsp_tests(void (*run)(const char *name, void (*fn)(struct guest *g)))
{
	run("netvsp_bringup_and_queries", t_bringup);
	run("netvsp_version_negotiation_and_refusal", t_versions);
	run("netvsp_receive_and_send_buffers", t_buffers);
	run("netvsp_rndis_set_and_control", t_control);
	run("netvsp_frames_14_to_65535_between_nics", t_frames);
	run("netvsp_host_port_inject_capture_mirror", t_host_port);
	run("netvsp_packet_filter", t_filter);
	run("netvsp_link_state_indications", t_link);
	run("netvsp_checksum_offload", t_checksum);
	run("netvsp_large_send_segmentation", t_lso);
	run("netvsp_vlan_tags", t_vlan);
	run("netvsp_subchannels_rss_indirection", t_subchannels_rss);
	run("netvsp_vf_association_and_data_path", t_vf);
	run("netvsp_malformed_receive_sections", t_rx_faults);
	run("netvsp_completion_faults", t_tx_faults);
	run("netvsp_malformed_guest_sends", t_malformed_sends);
	run("netvsp_back_pressure_both_ways", t_back_pressure);
	run("netvsp_reopen_resets_state", t_reopen);
}
