// SPDX-License-Identifier: GPL-2.0
/*
 * storvsp checks: a raw storvsc guest (vstor packets and SRBs built at the
 * fact sheet's offsets, CDBs and SCSI data parsed at SPC/SBC's) drives the
 * simulated controller through every operation, command and fault.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models.h"

static const uint8_t scsi_class[16] = {
	0xd9, 0x63, 0x61, 0xba, 0xa1, 0x04, 0x29, 0x4d,
	0xb6, 0x05, 0x72, 0xe2, 0xff, 0xb1, 0xdc, 0x7f,
};
static const uint8_t ide_class[16] = {
	0x32, 0x26, 0x41, 0x32, 0xcb, 0x86, 0xa2, 0x44,
	0x9b, 0x5c, 0x50, 0xd1, 0x41, 0x73, 0x54, 0xf5,
};

enum {
	OP_COMPLETE_IO = 1, OP_REMOVE_DEVICE = 2, OP_EXECUTE_SRB = 3, OP_RESET_LUN = 4,
	OP_RESET_BUS = 6, OP_BEGIN = 7, OP_END = 8, OP_QUERY_VERSION = 9, OP_QUERY_PROPS = 10,
	OP_ENUMERATE_BUS = 11, OP_CREATE_SUB = 13,
};
#define ST_INVALID_PARAMETER	0xC000000Du
#define ST_INVALID_DEVICE_REQ	0xC0000010u
#define ST_REVISION_MISMATCH	0xC0000059u
#define ST_INVALID_STATE	0xC0000184u
#define IN	1			/* DataIn */
#define OUT	0
#define NONE	2
#define IO_PAGES 80

struct sg {
	struct hs_storvsp *sv;
	struct gchan c[5];
	uint8_t o[16][240];
	int n;
	uint32_t pkt_size;		/* 64 (>= 5.1) or 48 */
	uint16_t version;
	uint64_t tid;
	unsigned int events;		/* host-initiated packets seen */
	uint32_t event_op;
	uint8_t props[64];
	uint8_t *io;			/* guest memory for data */
};

struct res {
	uint32_t len, op, status;
	uint8_t srb_status, scsi_status, sense_len;
	uint32_t xfer;
	uint8_t sense[20];
};

static uint32_t sc_errors(struct guest *g)
{
	struct hs_vmbus_state st;

	hs_vmbus_state(g->h, &st);
	return st.protocol_errors;
}

static struct hs_storvsp_stats sv_stats(struct sg *s)
{
	struct hs_storvsp_stats st;

	hs_storvsp_stats(s->sv, &st);
	return st;
}

static int sg_host(struct guest *g, struct sg *s, const struct hs_storvsp_config *cfg)
{
	static const struct hs_config hc = { .nr_vps = G_VPS };

	memset(s, 0, sizeof(*s));
	if (g_setup(g, &hc))
		return -1;
	s->sv = hs_storvsp_add(g->h, cfg);
	s->io = g_alloc(g, IO_PAGES);
	s->pkt_size = 64;
	s->tid = 0x1000;
	return s->sv ? 0 : -1;
}

static struct hs_lun *mklun(struct sg *s, uint8_t target, uint8_t lun, uint64_t blocks)
{
	struct hs_lun_config lc = { .target = target, .lun = lun, .blocks = blocks };

	return hs_storvsp_lun_add(s->sv, &lc);
}

static int sg_open(struct guest *g, struct sg *s, const uint8_t *cls, uint32_t out_pages,
		   uint32_t in_pages)
{
	uint8_t ud[120] = { 0 };
	uint32_t st;
	int i;

	s->n = m_connect(g, s->o, 16);
	REQUIRE_RC(s->n > 0, "no offers");
	i = m_find_offer(s->o, s->n, cls, NULL, 0);
	REQUIRE_RC(i >= 0, "no storvsc offer");
	if (g_open(g, &s->c[0], rd32(s->o[i] + OFFER_RELID), rd32(s->o[i] + OFFER_CONN),
		   out_pages, in_pages, 0, ud, &st))
		return -1;
	REQUIRE_RC(st == 0, "open status %#x", st);
	return 0;
}

/* the next completion on channel `ch`, which must carry `tid`; host
 * in-band packets (ENUMERATE_BUS ...) met on the way are counted */
static int sg_wait(struct guest *g, struct sg *s, int ch, uint64_t tid, uint8_t *resp,
		   unsigned int ms)
{
	uint8_t buf[512];
	uint32_t off, len;
	int n;

	for (;;) {
		n = m_recv(g, &s->c[ch], buf, sizeof(buf), ms);
		REQUIRE_RC(n > 0, "no completion for transaction %llu", (unsigned long long)tid);
		if (rd16(buf) == 6 && rd64(buf + 8) == 0) {
			s->events++;
			s->event_op = rd32(buf + 16);
			continue;
		}
		REQUIRE_RC(rd16(buf) == 0xB && rd16(buf + 6) == 0, "packet type %#x flags %#x",
			   rd16(buf), rd16(buf + 6));
		REQUIRE_RC(rd64(buf + 8) == tid, "completion for transaction %llu, expected %llu",
			   (unsigned long long)rd64(buf + 8), (unsigned long long)tid);
		off = rd16(buf + 2) * 8u;
		len = (uint32_t)n - off;
		memcpy(resp, buf + off, len < 64 ? len : 64);
		return (int)len;
	}
}

static int vstor_send(struct guest *g, struct sg *s, int ch, uint32_t op, const void *body,
		      uint32_t blen, uint32_t size)
{
	uint8_t pkt[64] = { 0 };

	wr32(pkt, op);
	wr32(pkt + 4, 1);		/* REQUEST_COMPLETION */
	if (blen)
		memcpy(pkt + 12, body, blen);
	return m_send(g, &s->c[ch], 6, 1, ++s->tid, NULL, 0, pkt, size);
}

/* one request on channel `ch`; the completion's Status, or -1 */
static int64_t vstor(struct guest *g, struct sg *s, int ch, uint32_t op, const void *body,
		     uint32_t blen, uint8_t *resp)
{
	uint8_t r[64];
	int n;

	if (vstor_send(g, s, ch, op, body, blen, s->pkt_size))
		return -1;
	n = sg_wait(g, s, ch, s->tid, resp ? resp : r, 1000);
	if (n < 12)
		return -1;
	if (rd32((resp ? resp : r)) != OP_COMPLETE_IO || (uint32_t)n != s->pkt_size) {
		g_fail(g, "completion of op %u: Operation %u, %d bytes", op, rd32(resp ? resp : r), n);
		return -1;
	}
	return rd32((resp ? resp : r) + 8);
}

static int64_t query_version(struct guest *g, struct sg *s, uint16_t v)
{
	uint8_t b[4] = { 0 };

	wr16(b, v);
	return vstor(g, s, 0, OP_QUERY_VERSION, b, 4, NULL);
}

static int sg_init(struct guest *g, struct sg *s, uint16_t version)
{
	REQUIRE_RC(vstor(g, s, 0, OP_BEGIN, NULL, 0, NULL) == 0, "BEGIN_INITIALIZATION");
	REQUIRE_RC(query_version(g, s, version) == 0, "version %#x refused", version);
	s->version = version;
	s->pkt_size = version >= 0x0501 ? 64 : 48;
	REQUIRE_RC(vstor(g, s, 0, OP_QUERY_PROPS, NULL, 0, s->props) == 0, "QUERY_PROPERTIES");
	REQUIRE_RC(vstor(g, s, 0, OP_END, NULL, 0, NULL) == 0, "END_INITIALIZATION");
	return 0;
}

/* host with `cfg`, LUN 0 of target 0 (blocks), opened and initialized */
static int sg_up(struct guest *g, struct sg *s, const struct hs_storvsp_config *cfg,
		 uint64_t blocks, struct hs_lun **lun)
{
	static const struct hs_storvsp_config dflt = { .max_transfer_bytes = 0 };

	if (sg_host(g, s, cfg ? cfg : &dflt))
		return -1;
	if (blocks) {
		*lun = mklun(s, 0, 0, blocks);
		REQUIRE_RC(*lun, "LUN add failed");
	}
	if (sg_open(g, s, scsi_class, 8, 8))
		return -1;
	return sg_init(g, s, 0x0602);
}

static void build_srb(struct sg *s, uint8_t *pkt, uint8_t target, uint8_t lun,
		      const uint8_t *cdb, uint8_t cdb_len, uint8_t dir, uint32_t len)
{
	uint8_t *srb = pkt + 12;
	bool win8 = s->version >= 0x0501;

	memset(pkt, 0, 64);
	wr32(pkt, OP_EXECUTE_SRB);
	wr32(pkt + 4, 1);
	wr16(srb, win8 ? 0x34 : 0x24);
	srb[6] = target;
	srb[7] = lun;
	srb[8] = cdb_len;
	srb[9] = win8 ? 0x14 : 0x12;
	srb[10] = dir;
	wr32(srb + 12, len);
	memcpy(srb + 16, cdb, cdb_len);
	if (win8) {
		srb[38] = 0xFF;
		srb[39] = 0x20;
		wr32(srb + 40, 0x8 | (dir == IN ? 0x40 : dir == OUT ? 0x80 : 0));
		wr32(srb + 44, 60);
	}
}

static int parse_res(struct guest *g, const uint8_t *resp, int n, struct res *r)
{
	const uint8_t *srb = resp + 12;

	memset(r, 0, sizeof(*r));
	REQUIRE_RC(n >= 12, "completion of %d bytes", n);
	r->len = (uint32_t)n;
	r->op = rd32(resp);
	r->status = rd32(resp + 8);
	if (n < 48)
		return 0;
	r->srb_status = srb[2];
	r->scsi_status = srb[3];
	r->sense_len = srb[9];
	r->xfer = rd32(srb + 12);
	memcpy(r->sense, srb + 16, 20);
	return 0;
}

/* EXECUTE_SRB on channel ch; data (if len) as one multi-page GPA range,
 * or single-page ranges when `paged` */
static int srb_x(struct guest *g, struct sg *s, int ch, uint8_t target, uint8_t lun,
		 const uint8_t *cdb, uint8_t cdb_len, uint8_t dir, void *buf, uint32_t len,
		 bool paged, struct res *r)
{
	uint8_t pkt[64], resp[64], ranges[8 + 16 * (IO_PAGES + 1)];
	uint32_t rl, count = 1;
	int n, rc;

	build_srb(s, pkt, target, lun, cdb, cdb_len, dir, len);
	if (len) {
		rl = paged ? m_ranges_paged(ranges, buf, len, &count) : m_range(ranges, buf, len);
		rc = m_send_gpa(g, &s->c[ch], 1, ++s->tid, ranges, rl, count, pkt, s->pkt_size);
	} else {
		rc = m_send(g, &s->c[ch], 6, 1, ++s->tid, NULL, 0, pkt, s->pkt_size);
	}
	REQUIRE_RC(rc == 0, "ring full");
	n = sg_wait(g, s, ch, s->tid, resp, 2000);
	if (n < 0)
		return -1;
	return parse_res(g, resp, n, r);
}

#define SRB(lun, cdb, dir, buf, len, r) \
	srb_x(g, &s, 0, 0, lun, cdb, (uint8_t)sizeof(cdb), dir, buf, len, false, r)

static bool good(const struct res *r)
{
	return r->op == OP_COMPLETE_IO && r->status == 0 && r->srb_status == 0x01 &&
	       r->scsi_status == 0;
}

/* CHECK CONDITION with autosense, fixed-format sense key/ASC/ASCQ */
static bool sense_is(const struct res *r, uint8_t key, uint8_t asc, uint8_t ascq)
{
	return r->srb_status == 0x84 && r->scsi_status == 0x02 && r->xfer == 0 &&
	       r->sense[0] == 0x70 && (r->sense[2] & 0x0f) == key && r->sense[12] == asc &&
	       r->sense[13] == ascq && r->sense_len >= 14;
}

#define GOOD(r) REQUIRE(good(&(r)), "line %d: status %#x SrbStatus %#x ScsiStatus %#x", __LINE__, \
			(r).status, (r).srb_status, (r).scsi_status)
#define SENSE(r, k, a, q) REQUIRE(sense_is(&(r), k, a, q), \
	"line %d: SrbStatus %#x ScsiStatus %#x sense %x/%02x/%02x, expected %x/%02x/%02x", __LINE__, \
	(r).srb_status, (r).scsi_status, (r).sense[2], (r).sense[12], (r).sense[13], k, a, q)

static uint32_t be32_(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64_(const uint8_t *p)
{
	return (uint64_t)be32_(p) << 32 | be32_(p + 4);
}

static void cdb_rw(uint8_t *c, uint8_t op, uint64_t lba, uint32_t n)
{
	unsigned int i;

	memset(c, 0, 16);
	c[0] = op;
	switch (op) {
	case 0x08: case 0x0A:
		c[1] = (uint8_t)(lba >> 16 & 0x1f);
		c[2] = (uint8_t)(lba >> 8);
		c[3] = (uint8_t)lba;
		c[4] = (uint8_t)n;
		break;
	case 0x28: case 0x2A:
		for (i = 0; i < 4; i++)
			c[2 + i] = (uint8_t)(lba >> (24 - 8 * i));
		c[7] = (uint8_t)(n >> 8);
		c[8] = (uint8_t)n;
		break;
	case 0xA8: case 0xAA:
		for (i = 0; i < 4; i++) {
			c[2 + i] = (uint8_t)(lba >> (24 - 8 * i));
			c[6 + i] = (uint8_t)(n >> (24 - 8 * i));
		}
		break;
	default:		/* 16-byte */
		for (i = 0; i < 8; i++)
			c[2 + i] = (uint8_t)(lba >> (56 - 8 * i));
		for (i = 0; i < 4; i++)
			c[10 + i] = (uint8_t)(n >> (24 - 8 * i));
		break;
	}
}

static uint8_t cdb_len_of(uint8_t op)
{
	return op < 0x20 ? 6 : op < 0x80 ? 10 : op < 0xA0 ? 16 : 12;
}

/* read or write n blocks at lba with opcode op; data at buf */
static int rw(struct guest *g, struct sg *s, int ch, uint8_t lun, uint8_t op, uint64_t lba,
	      uint32_t n, void *buf, uint32_t bs, bool paged, struct res *r)
{
	uint8_t c[16];
	bool write = op == 0x0A || op == 0x2A || op == 0xAA || op == 0x8A;

	cdb_rw(c, op, lba, n);
	return srb_x(g, s, ch, 0, lun, c, cdb_len_of(op), write ? OUT : IN, buf,
		     (uint32_t)(n ? n : 256) * bs, paged, r);
}

/* ---- checks ------------------------------------------------------------------------- */
static void t_handshake(struct guest *g)
{
	static struct sg s;
	struct hs_storvsp_config cfg = {
		.max_channels = 6, .multi_channel = true, .max_transfer_bytes = 0x80000,
	};
	struct hs_lun *l;
	struct hs_storvsp_stats st;

	OK(sg_host(g, &s, &cfg));
	REQUIRE(mklun(&s, 0, 0, 100), "lun");
	OK(sg_open(g, &s, scsi_class, 8, 8));
	st = sv_stats(&s);
	REQUIRE(!st.version && !st.initialized, "state before the handshake");
	OK(sg_init(g, &s, 0x0602));
	REQUIRE(rd16(s.props + 12 + 4) == 6 && rd32(s.props + 12 + 8) == 1 &&
		rd32(s.props + 12 + 12) == 0x80000, "properties: channels %u flags %#x max %#x",
		rd16(s.props + 12 + 4), rd32(s.props + 12 + 8), rd32(s.props + 12 + 12));
	st = sv_stats(&s);
	REQUIRE(st.version == 0x0602 && st.initialized && st.requests == 4 && !st.bad_requests,
		"stats: version %#x init %d requests %llu bad %llu", st.version, st.initialized,
		(unsigned long long)st.requests, (unsigned long long)st.bad_requests);
	REQUIRE(hs_device_channel(hs_storvsp_device(s.sv), 0) != NULL, "device handle");
	/* default properties: no multi-channel, 256 KiB */
	g_teardown(g);
	g->h = NULL;
	OK(sg_up(g, &s, NULL, 8, &l));
	REQUIRE(rd16(s.props + 16) == 0 && rd32(s.props + 20) == 0 && rd32(s.props + 24) == 0x40000,
		"default properties");
	REQUIRE(sc_errors(g) == 0, "protocol errors %u", sc_errors(g));
}

static void t_versions(struct guest *g)
{
	static struct sg s;
	static const uint16_t only60[] = { 0x0600, 0x0501, 0 };
	static const uint16_t old[] = { 0x0402, 0 };
	struct hs_storvsp_config cfg = { .versions = only60 };
	uint8_t inq[6] = { 0x12, 0, 0, 0, 36, 0 };
	struct res r;

	/* the default host refuses everything below WIN8 (5.1) */
	OK(sg_host(g, &s, &(struct hs_storvsp_config){ .max_channels = 0 }));
	OK(sg_open(g, &s, scsi_class, 8, 8));
	REQUIRE(vstor(g, &s, 0, OP_BEGIN, NULL, 0, NULL) == 0, "begin");
	REQUIRE(query_version(g, &s, 0x0402) == ST_REVISION_MISMATCH, "4.2 not refused");
	REQUIRE(query_version(g, &s, 0x0200) == ST_REVISION_MISMATCH, "2.0 not refused");
	REQUIRE(query_version(g, &s, 0x0603) == ST_REVISION_MISMATCH, "6.3 not refused");
	REQUIRE(query_version(g, &s, 0x0501) == 0, "5.1 refused");
	REQUIRE(sv_stats(&s).version_refusals == 3 && sv_stats(&s).version == 0x0501,
		"refusals %u version %#x", sv_stats(&s).version_refusals, sv_stats(&s).version);
	g_teardown(g);
	g->h = NULL;

	/* a host without 6.2: the guest falls back */
	OK(sg_host(g, &s, &cfg));
	OK(sg_open(g, &s, scsi_class, 8, 8));
	REQUIRE(vstor(g, &s, 0, OP_BEGIN, NULL, 0, NULL) == 0, "begin");
	REQUIRE(query_version(g, &s, 0x0602) == ST_REVISION_MISMATCH, "6.2 accepted");
	REQUIRE(query_version(g, &s, 0x0600) == 0, "6.0 refused");
	g_teardown(g);
	g->h = NULL;

	/* a 4.2 host: 48-byte packets and the 36-byte SRB */
	cfg.versions = old;
	OK(sg_host(g, &s, &cfg));
	REQUIRE(mklun(&s, 0, 0, 16), "lun");
	OK(sg_open(g, &s, scsi_class, 8, 8));
	OK(sg_init(g, &s, 0x0402));
	REQUIRE(s.pkt_size == 48, "packet size");
	OK(SRB(0, inq, IN, s.io, 36, &r));
	GOOD(r);
	REQUIRE(r.len == 48 && r.xfer == 36 && !memcmp(s.io + 8, "Msft    ", 8), "INQUIRY on 4.2");
	/* a WIN8-sized SRB on a 4.2 connection is refused */
	s.version = 0x0602;
	s.pkt_size = 64;
	OK(srb_x(g, &s, 0, 0, 0, inq, 6, IN, s.io, 36, false, &r));
	REQUIRE(r.len == 48 && r.srb_status == 0x15, "52-byte SRB on 4.2: %d bytes, SrbStatus %#x",
		r.len, r.srb_status);
}

static void t_sequence_errors(struct guest *g)
{
	static struct sg s;
	uint8_t tur[6] = { 0 }, resp[64], b[4] = { 0x02, 0x06 };
	struct res r;

	OK(sg_host(g, &s, &(struct hs_storvsp_config){ .max_channels = 0 }));
	REQUIRE(mklun(&s, 0, 0, 16), "lun");
	OK(sg_open(g, &s, scsi_class, 8, 8));
	REQUIRE(query_version(g, &s, 0x0602) == ST_INVALID_STATE, "version before BEGIN");
	REQUIRE(vstor(g, &s, 0, OP_QUERY_PROPS, NULL, 0, NULL) == ST_INVALID_STATE,
		"properties before a version");
	REQUIRE(vstor(g, &s, 0, OP_END, NULL, 0, NULL) == ST_INVALID_STATE, "END before a version");
	REQUIRE(vstor(g, &s, 0, OP_BEGIN, NULL, 0, NULL) == 0, "begin");
	s.version = 0x0602;
	OK(srb_x(g, &s, 0, 0, 0, tur, 6, NONE, NULL, 0, false, &r));
	REQUIRE(r.status == ST_INVALID_STATE, "SRB before END_INITIALIZATION: %#x", r.status);
	s.version = 0;
	REQUIRE(vstor(g, &s, 0, 0x77, NULL, 0, NULL) == ST_INVALID_DEVICE_REQ, "unknown operation");
	REQUIRE(vstor(g, &s, 0, OP_ENUMERATE_BUS, NULL, 0, NULL) == ST_INVALID_DEVICE_REQ,
		"host-only operation");
	REQUIRE(vstor(g, &s, 0, 12 /* FCHBA_DATA */, NULL, 0, NULL) == ST_INVALID_DEVICE_REQ,
		"FC data on a SCSI controller");
	/* a 20-byte packet: too short */
	OK(vstor_send(g, &s, 0, OP_QUERY_VERSION, b, 4, 20));
	REQUIRE(sg_wait(g, &s, 0, s.tid, resp, 1000) == 48 && rd32(resp + 8) == ST_INVALID_PARAMETER,
		"short request: status %#x", rd32(resp + 8));
	/* a completion packet from the guest is ignored */
	OK(m_send(g, &s.c[0], 0xB, 0, 5, NULL, 0, resp, 64));
	REQUIRE(m_quiet(g, &s.c[0], 30), "answer to a guest completion");
	OK(sg_init(g, &s, 0x0602));
	REQUIRE(sv_stats(&s).bad_requests == 9, "bad requests %llu",
		(unsigned long long)sv_stats(&s).bad_requests);
	/* BEGIN again starts over */
	REQUIRE(vstor(g, &s, 0, OP_BEGIN, NULL, 0, NULL) == 0, "re-begin");
	REQUIRE(!sv_stats(&s).initialized && !sv_stats(&s).version, "state after BEGIN");
	OK(sg_init(g, &s, 0x0600));
}

static void t_inquiry(struct guest *g)
{
	static struct sg s;
	struct hs_lun_config lc = { .lun = 3, .blocks = 1000, .serial = "SER-12345" };
	struct hs_lun *l;
	uint8_t std[6] = { 0x12, 0, 0, 0, 0xff, 0 }, vpd[6] = { 0x12, 1, 0, 0, 0xff, 0 };
	uint8_t *b;
	struct res r;
	unsigned int i;

	OK(sg_host(g, &s, &(struct hs_storvsp_config){ .max_transfer_bytes = 0x20000 }));
	REQUIRE((l = hs_storvsp_lun_add(s.sv, &lc)), "lun");
	OK(sg_open(g, &s, scsi_class, 8, 8));
	OK(sg_init(g, &s, 0x0602));
	b = s.io + 100;			/* not page aligned */
	memset(b, 0xEE, 512);
	OK(SRB(3, std, IN, b, 255, &r));
	GOOD(r);
	REQUIRE(r.xfer == 36 && b[0] == 0 && (b[3] & 0x0f) == 2 && b[4] == 31 &&
		!memcmp(b + 8, "Msft    Virtual Disk    ", 24) && b[36] == 0xEE,
		"standard INQUIRY: %u bytes, type %#x format %#x", r.xfer, b[0], b[3]);
	std[4] = 5;			/* allocation length clips */
	OK(SRB(3, std, IN, b, 5, &r));
	GOOD(r);
	REQUIRE(r.xfer == 5, "INQUIRY clipped to %u", r.xfer);
	/* VPD 0x00 */
	OK(SRB(3, vpd, IN, b, 255, &r));
	GOOD(r);
	REQUIRE(b[1] == 0 && b[3] == 6 && r.xfer == 10 && !memcmp(b + 4, "\x00\x80\x83\xb0\xb1\xb2", 6),
		"supported VPD pages");
	vpd[2] = 0x80;
	OK(SRB(3, vpd, IN, b, 255, &r));
	GOOD(r);
	REQUIRE(b[1] == 0x80 && b[3] == 9 && !memcmp(b + 4, "SER-12345", 9), "serial page");
	vpd[2] = 0x83;
	OK(SRB(3, vpd, IN, b, 255, &r));
	GOOD(r);
	REQUIRE(b[1] == 0x83 && (b[5] & 0x0f) == 3 && b[7] == 16 && (b[8] >> 4) == 6 &&
		(b[25] & 0x0f) == 1 && !memcmp(b + 28, "Msft    SER-12345", 17) &&
		be32_(b) == (0x83u << 16 | (uint32_t)(r.xfer - 4)), "identification page");
	vpd[2] = 0xB0;
	OK(SRB(3, vpd, IN, b, 255, &r));
	GOOD(r);
	REQUIRE(b[3] == 0x3C && be32_(b + 8) == 0x20000 / 512 && be32_(b + 20) > 0 &&
		be32_(b + 24) > 0, "block limits: max transfer %u blocks", be32_(b + 8));
	vpd[2] = 0xB1;
	OK(SRB(3, vpd, IN, b, 255, &r));
	GOOD(r);
	REQUIRE(b[3] == 0x3C && b[4] == 0 && b[5] == 1, "block characteristics: rotation %u",
		b[4] << 8 | b[5]);
	vpd[2] = 0xB2;
	OK(SRB(3, vpd, IN, b, 255, &r));
	GOOD(r);
	REQUIRE(b[3] == 4 && (b[5] & 0x80) && (b[5] & 0x04) && (b[6] & 7) == 2,
		"provisioning page %#x %#x", b[5], b[6]);
	vpd[2] = 0x89;			/* not supported */
	OK(SRB(3, vpd, IN, b, 255, &r));
	SENSE(r, 5, 0x24, 0);
	std[2] = 0x80;			/* page code without EVPD */
	OK(SRB(3, std, IN, b, 5, &r));
	SENSE(r, 5, 0x24, 0);
	/* an absent LUN of this target: qualifier 3, type 1Fh */
	std[2] = 0;
	std[4] = 36;
	OK(SRB(0, std, IN, b, 36, &r));
	GOOD(r);
	REQUIRE(b[0] == 0x7F && r.xfer == 36, "absent LUN inquiry byte 0 %#x", b[0]);
	for (i = 0; i < 4; i++) {
		uint8_t tur[6] = { 0 };

		OK(srb_x(g, &s, 0, (uint8_t)i, 0, tur, 6, NONE, NULL, 0, false, &r));
		REQUIRE(r.srb_status == 0x20 && r.scsi_status == 0, "TUR of absent LUN: %#x",
			r.srb_status);
	}
	/* a target without LUNs: INVALID_LUN even for INQUIRY */
	OK(srb_x(g, &s, 0, 1, 3, std, 6, IN, b, 36, false, &r));
	REQUIRE(r.srb_status == 0x20 && r.xfer == 0, "inquiry of an empty target: %#x",
		r.srb_status);
	REQUIRE(sc_errors(g) == 0 && !sv_stats(&s).bad_requests, "errors");
}

static void t_capacity(struct guest *g)
{
	static struct sg s;
	char path[] = "/tmp/hostsim-bigXXXXXX";
	uint8_t rc10[10] = { 0x25 }, rc16[16] = { 0x9E, 0x10 }, sai[16] = { 0x9E, 0x11 };
	struct hs_lun_config lc = { .lun = 1, .blocks = (3ull << 40) / 512, .block_size = 512,
				    .physical_exponent = 3 };
	struct hs_lun_config lc2 = { .lun = 2, .blocks = 1000, .no_unmap = true };
	int fd = mkstemp(path);
	struct res r;
	uint8_t *b;

	REQUIRE(fd >= 0, "mkstemp");
	close(fd);
	lc.file = path;
	OK(sg_host(g, &s, &(struct hs_storvsp_config){ .max_channels = 0 }));
	REQUIRE(hs_storvsp_lun_add(s.sv, &lc), "3 TiB sparse file LUN");
	unlink(path);
	REQUIRE(hs_storvsp_lun_add(s.sv, &lc2), "lun 2");
	OK(sg_open(g, &s, scsi_class, 8, 8));
	OK(sg_init(g, &s, 0x0602));
	b = s.io + 4090;		/* crosses a page */
	OK(SRB(1, rc10, IN, b, 8, &r));
	GOOD(r);
	REQUIRE(r.xfer == 8 && be32_(b) == 0xFFFFFFFFu && be32_(b + 4) == 512,
		"READ CAPACITY(10) of 3 TiB: %#x %u", be32_(b), be32_(b + 4));
	rc16[13] = 32;
	OK(SRB(1, rc16, IN, b, 32, &r));
	GOOD(r);
	REQUIRE(r.xfer == 32 && be64_(b) == lc.blocks - 1 && be32_(b + 8) == 512 &&
		(b[13] & 0x0f) == 3 && (b[14] & 0xC0) == 0xC0, "READ CAPACITY(16): %llu", (unsigned long long)be64_(b));
	OK(SRB(2, rc10, IN, b, 8, &r));
	GOOD(r);
	REQUIRE(be32_(b) == 999 && be32_(b + 4) == 512, "READ CAPACITY(10): %u", be32_(b));
	rc16[13] = 16;			/* allocation length clips */
	OK(SRB(2, rc16, IN, b, 32, &r));
	GOOD(r);
	REQUIRE(r.xfer == 16 && be64_(b) == 999 && !(b[13] & 0x0f) && !(b[14] & 0x80),
		"READ CAPACITY(16) of lun 2: xfer %u exp %u lbpme %#x", r.xfer, b[13], b[14]);
	OK(SRB(2, sai, IN, b, 32, &r));
	SENSE(r, 5, 0x20, 0);
	REQUIRE(hs_lun_blocks(hs_storvsp_lun_add(s.sv, &(struct hs_lun_config){ .lun = 9, .blocks = 7 })) == 7,
		"hs_lun_blocks");
}

static void t_read_write(struct guest *g)
{
	static struct sg s;
	static const uint8_t ops[][2] = {
		{ 0x08, 0x0A }, { 0x28, 0x2A }, { 0xA8, 0xAA }, { 0x88, 0x8A },
	};
	struct hs_lun *l;
	struct res r;
	uint8_t *b, host[4096];
	unsigned int i;

	OK(sg_up(g, &s, NULL, 2048, &l));
	for (i = 0; i < 4; i++) {
		uint64_t lba = 10 + 40 * i;
		uint32_t k;

		b = s.io + 8192 + 513 * i;
		for (k = 0; k < 4 * 512; k++)
			b[k] = (uint8_t)(k * 13 + i);
		OK(rw(g, &s, 0, 0, ops[i][1], lba, 4, b, 512, i & 1, &r));
		GOOD(r);
		REQUIRE(r.xfer == 2048, "write %#x moved %u", ops[i][1], r.xfer);
		OK(hs_lun_read(l, lba * 512, host, 2048));
		REQUIRE(!memcmp(host, b, 2048), "write %#x: host copy differs", ops[i][1]);
		memset(b, 0, 2048);
		OK(rw(g, &s, 0, 0, ops[i][0], lba, 4, b, 512, !(i & 1), &r));
		GOOD(r);
		REQUIRE(r.xfer == 2048 && !memcmp(host, b, 2048), "read %#x differs", ops[i][0]);
	}
	REQUIRE(sv_stats(&s).writes == 4 && sv_stats(&s).reads == 4 &&
		sv_stats(&s).bytes_written == 4 * 2048, "stats");
	/* READ(6) with 0 blocks moves 256 */
	OK(rw(g, &s, 0, 0, 0x08, 0, 0, s.io, 512, false, &r));
	GOOD(r);
	REQUIRE(r.xfer == 256 * 512, "READ(6) of 0 blocks moved %u", r.xfer);
	/* READ(10) of 0 blocks: no data, good */
	OK(rw(g, &s, 0, 0, 0x28, 5, 0, NULL, 512, false, &r));
	REQUIRE(good(&r) && r.xfer == 0, "READ(10) of 0 blocks");
	/* the last block, and one past it */
	OK(rw(g, &s, 0, 0, 0x88, 2047, 1, s.io, 512, false, &r));
	GOOD(r);
	OK(rw(g, &s, 0, 0, 0x88, 2047, 2, s.io, 512, false, &r));
	SENSE(r, 5, 0x21, 0);
	OK(rw(g, &s, 0, 0, 0x2A, 1ull << 31, 1, s.io, 512, false, &r));
	SENSE(r, 5, 0x21, 0);
	REQUIRE(sc_errors(g) == 0 && !sv_stats(&s).bad_requests, "errors");
}

static void t_bad_srbs(struct guest *g)
{
	static struct sg s;
	struct hs_lun_config ro = { .lun = 1, .blocks = 64, .read_only = true };
	struct hs_lun *l;
	uint8_t c[16], pkt[64], resp[64], ranges[64];
	struct res r;
	uint32_t e0 = 0;
	int n;

	OK(sg_host(g, &s, &(struct hs_storvsp_config){ .max_transfer_bytes = 64 * 1024 }));
	REQUIRE((l = mklun(&s, 0, 0, 1024)), "lun");
	REQUIRE(hs_storvsp_lun_add(s.sv, &ro), "ro lun");
	OK(sg_open(g, &s, scsi_class, 8, 8));
	OK(sg_init(g, &s, 0x0602));
	/* write to a read-only LUN */
	OK(rw(g, &s, 0, 1, 0x2A, 0, 1, s.io, 512, false, &r));
	SENSE(r, 7, 0x27, 0);
	/* DataTransferLength differs from the blocks */
	cdb_rw(c, 0x28, 0, 2);
	OK(srb_x(g, &s, 0, 0, 0, c, 10, IN, s.io, 512, false, &r));
	REQUIRE(r.srb_status == 0x06 && r.xfer == 0, "length mismatch: %#x", r.srb_status);
	/* above MaxTransferBytes */
	OK(rw(g, &s, 0, 0, 0x28, 0, 129, s.io, 512, false, &r));
	REQUIRE(r.srb_status == 0x06, "above max transfer: %#x", r.srb_status);
	/* a read with DataIn = 0 */
	cdb_rw(c, 0x28, 0, 1);
	OK(srb_x(g, &s, 0, 0, 0, c, 10, OUT, s.io, 512, false, &r));
	REQUIRE(r.srb_status == 0x06, "read with DataIn 0: %#x", r.srb_status);
	/* DataIn = 1 but SrbFlags say data-out */
	build_srb(&s, pkt, 0, 0, c, 10, IN, 512);
	wr32(pkt + 12 + 40, 0x80);
	OK(m_send_gpa(g, &s.c[0], 1, ++s.tid, ranges, m_range(ranges, s.io, 512), 1, pkt, 64));
	n = sg_wait(g, &s, 0, s.tid, resp, 1000);
	REQUIRE(n == 64 && resp[14] == 0x06, "SrbFlags conflict: %#x", resp[14]);
	/* data announced but sent in-band */
	build_srb(&s, pkt, 0, 0, c, 10, IN, 512);
	OK(m_send(g, &s.c[0], 6, 1, ++s.tid, NULL, 0, pkt, 64));
	REQUIRE(sg_wait(g, &s, 0, s.tid, resp, 1000) == 64 && resp[14] == 0x06,
		"in-band SRB with data: %#x", resp[14]);
	/* ranges shorter than DataTransferLength */
	build_srb(&s, pkt, 0, 0, c, 10, IN, 512);
	OK(m_send_gpa(g, &s.c[0], 1, ++s.tid, ranges, m_range(ranges, s.io, 256), 1, pkt, 64));
	REQUIRE(sg_wait(g, &s, 0, s.tid, resp, 1000) == 64 && resp[14] == 0x06,
		"short ranges: %#x", resp[14]);
	/* a range whose page is not guest RAM: validated, not followed */
	e0 = sc_errors(g);
	build_srb(&s, pkt, 0, 0, c, 10, IN, 512);
	wr32(ranges, 512);
	wr32(ranges + 4, 0);
	wr64(ranges + 8, 0x7);		/* PFN 7: not ours */
	OK(m_send_gpa(g, &s.c[0], 1, ++s.tid, ranges, 16, 1, pkt, 64));
	REQUIRE(sg_wait(g, &s, 0, s.tid, resp, 1000) == 64 && resp[14] == 0x06 && rd32(resp + 24) == 0,
		"range outside guest RAM: %#x", resp[14]);
	REQUIRE(sc_errors(g) > e0, "bad PFN not reported");
	/* wrong SRB Length, bad CDB length */
	build_srb(&s, pkt, 0, 0, c, 10, NONE, 0);
	wr16(pkt + 12, 0x24);
	OK(m_send(g, &s.c[0], 6, 1, ++s.tid, NULL, 0, pkt, 64));
	REQUIRE(sg_wait(g, &s, 0, s.tid, resp, 1000) == 64 && resp[14] == 0x15,
		"bad SRB length: %#x", resp[14]);
	build_srb(&s, pkt, 0, 0, c, 10, NONE, 0);
	pkt[12 + 8] = 17;
	OK(m_send(g, &s.c[0], 6, 1, ++s.tid, NULL, 0, pkt, 64));
	REQUIRE(sg_wait(g, &s, 0, s.tid, resp, 1000) == 64 && resp[14] == 0x06,
		"CDB length 17: %#x", resp[14]);
	REQUIRE(sv_stats(&s).bad_requests == 9, "bad requests %llu",
		(unsigned long long)sv_stats(&s).bad_requests);
	/* and the device still works */
	OK(rw(g, &s, 0, 0, 0x28, 0, 1, s.io, 512, false, &r));
	GOOD(r);
}

static void t_commands(struct guest *g)
{
	static struct sg s;
	struct hs_lun_config wt = { .lun = 5, .blocks = 0x1000000 + 10, .write_through = true };
	char path[] = "/tmp/hostsim-wtXXXXXX";
	int fd = mkstemp(path);
	struct hs_lun *l;
	uint8_t tur[6] = { 0 }, ss[6] = { 0x1B, 0, 0, 0, 1, 0 }, rs[6] = { 0x03, 0, 0, 0, 252, 0 };
	uint8_t rl[12] = { 0xA0, 0, 0, 0, 0, 0, 0, 0, 1, 0 }, unk[10] = { 0xD0 };
	uint8_t ms6[6] = { 0x1A, 0, 0x3F, 0, 255, 0 }, ms10[10] = { 0x5A, 0, 0x08, 0, 0, 0, 0, 1, 0, 0 };
	uint8_t sync10[10] = { 0x35 }, sync16[16] = { 0x91 }, *b;
	struct res r;

	REQUIRE(fd >= 0, "mkstemp");
	close(fd);
	wt.file = path;			/* 8 GiB, sparse */
	OK(sg_up(g, &s, NULL, 64, &l));
	b = s.io;
	REQUIRE(mklun(&s, 0, 7, 8) && hs_storvsp_lun_add(s.sv, &wt) && mklun(&s, 1, 0, 8),
		"luns");
	unlink(path);
	REQUIRE(hs_storvsp_lun_add(s.sv, &(struct hs_lun_config){ .lun = 6, .blocks = 8,
								.read_only = true }), "ro lun");
	OK(SRB(0, tur, NONE, NULL, 0, &r));
	GOOD(r);
	OK(SRB(0, ss, NONE, NULL, 0, &r));
	GOOD(r);
	OK(SRB(0, rs, IN, b, 252, &r));
	GOOD(r);
	REQUIRE(r.xfer == 18 && b[0] == 0x70 && b[2] == 0 && b[12] == 0, "REQUEST SENSE: %u", r.xfer);
	/* REPORT LUNS: this target's LUNs, ascending, peripheral addressing */
	OK(SRB(0, rl, IN, b, 256, &r));
	GOOD(r);
	REQUIRE(r.xfer == 40 && be32_(b) == 32 && b[9] == 0 && b[17] == 5 && b[25] == 6 && b[33] == 7 &&
		b[8] == 0 && b[16] == 0, "REPORT LUNS: %u bytes, list %u", r.xfer, be32_(b));
	OK(srb_x(g, &s, 0, 0, 3, rl, 12, IN, b, 256, false, &r));	/* via an absent LUN */
	GOOD(r);
	REQUIRE(be32_(b) == 32, "REPORT LUNS through an absent LUN");
	/* MODE SENSE(6), all pages: header, block descriptor, caching + control */
	OK(SRB(0, ms6, IN, b, 255, &r));
	GOOD(r);
	REQUIRE(r.xfer == 4 + 8 + 20 + 12 && b[0] == r.xfer - 1 && b[2] == 0 && b[3] == 8 &&
		be32_(b + 4) == 64 && (be32_(b + 8) & 0xFFFFFF) == 512 && b[12] == 0x08 &&
		(b[14] & 0x04) && b[32] == 0x0A, "MODE SENSE(6): %u bytes", r.xfer);
	/* write-through LUN; DBD; 10-byte; caching page only */
	ms10[1] = 0x08;
	OK(SRB(5, ms10, IN, b, 256, &r));
	GOOD(r);
	REQUIRE(r.xfer == 8 + 20 && (b[0] << 8 | b[1]) == 26 && !(b[3] & 0x80) && !b[7] &&
		b[8] == 0x08 && !(b[10] & 0x04), "MODE SENSE(10) caching: %u", r.xfer);
	/* read-only LUN: WP in the device-specific parameter */
	OK(SRB(6, ms10, IN, b, 256, &r));
	GOOD(r);
	REQUIRE((b[3] & 0x80) && (b[10] & 0x04), "MODE SENSE(10) of a read-only LUN");
	/* LLBAA: a 16-byte block descriptor with the full block count */
	ms10[1] = 0x10;
	ms10[2] = 0x0A;
	OK(SRB(5, ms10, IN, b, 256, &r));
	GOOD(r);
	REQUIRE(r.xfer == 8 + 16 + 12 && (b[4] & 1) && b[7] == 16 && be64_(b + 8) == wt.blocks &&
		b[24] == 0x0A, "MODE SENSE(10) LLBAA: %u", r.xfer);
	ms6[2] = 0x08;
	OK(SRB(5, ms6, IN, b, 255, &r));
	GOOD(r);
	REQUIRE((be32_(b + 4) & 0xFFFFFF) == 0xFFFFFF, "short block descriptor saturates");
	ms6[2] = 0x1C;			/* informational exceptions: unsupported */
	OK(SRB(0, ms6, IN, b, 255, &r));
	SENSE(r, 5, 0x24, 0);
	ms6[2] = 0xC8;			/* saved values */
	OK(SRB(0, ms6, IN, b, 255, &r));
	SENSE(r, 5, 0x39, 0);
	ms6[2] = 0x48;			/* changeable: WCE not changeable */
	OK(SRB(0, ms6, IN, b, 255, &r));
	GOOD(r);
	REQUIRE(!(b[14] & 0x04), "changeable mask");
	OK(SRB(0, sync10, NONE, NULL, 0, &r));
	GOOD(r);
	OK(SRB(0, sync16, NONE, NULL, 0, &r));
	GOOD(r);
	REQUIRE(sv_stats(&s).syncs == 2, "syncs");
	OK(SRB(0, unk, NONE, NULL, 0, &r));
	SENSE(r, 5, 0x20, 0);
	REQUIRE(sv_stats(&s).check_conditions == 3, "check conditions %llu",
		(unsigned long long)sv_stats(&s).check_conditions);
	/* another target: its own LUN list */
	OK(srb_x(g, &s, 0, 1, 0, rl, 12, IN, b, 256, false, &r));
	GOOD(r);
	REQUIRE(be32_(b) == 8 && b[9] == 0, "target 1 REPORT LUNS");
}

static void t_unmap(struct guest *g)
{
	static struct sg s;
	struct hs_lun *l, *nl;
	uint8_t um[10] = { 0x42, 0, 0, 0, 0, 0, 0, 0, 40, 0 }, *p = s.io, buf[8192];
	struct res r;

	OK(sg_up(g, &s, NULL, 256, &l));
	REQUIRE((nl = hs_storvsp_lun_add(s.sv, &(struct hs_lun_config){ .lun = 1, .blocks = 8,
									.no_unmap = true })), "lun");
	memset(buf, 0xAB, sizeof(buf));
	OK(hs_lun_write(l, 0, buf, sizeof(buf)));
	p = s.io;
	memset(p, 0, 40);
	p[1] = 38;
	p[3] = 32;
	p[15] = 2;			/* LBA 2 */
	p[19] = 3;			/* 3 blocks */
	p[31] = 10;			/* LBA 10, 1 block */
	p[35] = 1;
	OK(SRB(0, um, OUT, p, 40, &r));
	GOOD(r);
	OK(hs_lun_read(l, 0, buf, sizeof(buf)));
	REQUIRE(buf[1023] == 0xAB && buf[1024] == 0 && buf[5 * 512 - 1] == 0 &&
		buf[5 * 512] == 0xAB && buf[10 * 512] == 0 && buf[11 * 512] == 0xAB,
		"unmapped blocks not zero");
	REQUIRE(sv_stats(&s).unmaps == 1, "unmaps");
	p[15] = 250;			/* past the end */
	p[19] = 7;
	OK(SRB(0, um, OUT, p, 40, &r));
	SENSE(r, 5, 0x21, 0);
	um[8] = 4;			/* parameter list too short */
	OK(SRB(0, um, OUT, p, 4, &r));
	SENSE(r, 5, 0x1A, 0);
	um[8] = 40;
	OK(SRB(1, um, OUT, p, 40, &r));
	SENSE(r, 5, 0x20, 0);
}

static void t_absent_and_hotplug(struct guest *g)
{
	static struct sg s;
	struct hs_lun *l, *l2;
	uint8_t tur[6] = { 0 }, rl[12] = { 0xA0, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
	uint8_t *data, back[512];
	struct res r;
	unsigned int ev;

	OK(sg_up(g, &s, NULL, 16, &l));
	data = s.io + 8192;
	REQUIRE(s.events == 0, "events before any change");
	/* hot add: ENUMERATE_BUS, then the LUN answers */
	REQUIRE((l2 = mklun(&s, 0, 4, 32)), "hot add");
	REQUIRE(!mklun(&s, 0, 4, 32), "second LUN at the same address");
	OK(SRB(4, tur, NONE, NULL, 0, &r));
	GOOD(r);
	REQUIRE(s.events == 1 && s.event_op == OP_ENUMERATE_BUS, "events %u op %u", s.events,
		s.event_op);
	OK(SRB(0, rl, IN, s.io, 256, &r));
	REQUIRE(be32_(s.io) == 16 && s.io[17] == 4, "REPORT LUNS after hot add");
	/* hot remove: ENUMERATE_BUS; INVALID_LUN afterwards; data kept */
	memset(data, 0x5C, 512);
	OK(rw(g, &s, 0, 4, 0x2A, 3, 1, data, 512, false, &r));
	GOOD(r);
	OK(hs_lun_remove(l2));
	REQUIRE(hs_lun_remove(l2) == -1, "second remove");
	OK(SRB(4, tur, NONE, NULL, 0, &r));
	REQUIRE(r.srb_status == 0x20 && r.status == 0, "removed LUN: SrbStatus %#x", r.srb_status);
	REQUIRE(s.events == 2, "no ENUMERATE_BUS on remove");
	OK(hs_lun_read(l2, 3 * 512, back, 512));
	REQUIRE(!memcmp(back, data, 512), "removed LUN's data");
	/* the address is free again */
	REQUIRE(mklun(&s, 0, 4, 8), "re-add");
	OK(SRB(4, tur, NONE, NULL, 0, &r));
	GOOD(r);
	/* hs_storvsp_notify: REMOVE_DEVICE */
	ev = s.events;
	OK(hs_storvsp_notify(s.sv, OP_REMOVE_DEVICE));
	OK(SRB(0, tur, NONE, NULL, 0, &r));
	REQUIRE(s.events == ev + 1 && s.event_op == OP_REMOVE_DEVICE, "REMOVE_DEVICE event");
	REQUIRE(sv_stats(&s).enumerates == 4, "enumerates %llu",
		(unsigned long long)sv_stats(&s).enumerates);
	g_teardown(g);
	g->h = NULL;
	/* no ENUMERATE_BUS with no_enumerate_on_change, nor before init */
	OK(sg_up(g, &s, &(struct hs_storvsp_config){ .no_enumerate_on_change = true }, 16, &l));
	REQUIRE(mklun(&s, 0, 1, 8), "add");
	OK(SRB(1, tur, NONE, NULL, 0, &r));
	GOOD(r);
	REQUIRE(s.events == 0, "ENUMERATE_BUS despite no_enumerate_on_change");
}

static void t_resize(struct guest *g)
{
	static struct sg s;
	struct hs_lun *l;
	uint8_t tur[6] = { 0 }, rc16[16] = { 0x9E, 0x10, [13] = 32 }, rs[6] = { 3, 0, 0, 0, 18, 0 };
	uint8_t inq[6] = { 0x12, 0, 0, 0, 36, 0 }, buf[512];
	struct res r;

	OK(sg_up(g, &s, NULL, 100, &l));
	memset(buf, 0x77, sizeof(buf));
	OK(hs_lun_write(l, 99 * 512, buf, 512));
	OK(hs_lun_resize(l, 300));
	REQUIRE(hs_lun_blocks(l) == 300, "blocks");
	/* INQUIRY does not consume the unit attention; the next TUR gets it */
	OK(SRB(0, inq, IN, s.io, 36, &r));
	GOOD(r);
	OK(SRB(0, tur, NONE, NULL, 0, &r));
	SENSE(r, 6, 0x2A, 0x09);
	REQUIRE(s.events == 1 && s.event_op == OP_ENUMERATE_BUS, "no ENUMERATE_BUS on resize");
	OK(SRB(0, tur, NONE, NULL, 0, &r));
	GOOD(r);
	OK(SRB(0, rc16, IN, s.io, 32, &r));
	GOOD(r);
	REQUIRE(be64_(s.io) == 299, "capacity after grow %llu", (unsigned long long)be64_(s.io));
	OK(hs_lun_read(l, 99 * 512, buf, 512));
	REQUIRE(buf[0] == 0x77 && buf[511] == 0x77, "data kept across resize");
	OK(hs_lun_read(l, 299 * 512, buf, 512));
	REQUIRE(buf[0] == 0 && buf[511] == 0, "grown area not zero");
	/* shrink; REQUEST SENSE reports and clears the attention */
	OK(hs_lun_resize(l, 50));
	OK(SRB(0, rs, IN, s.io, 18, &r));
	GOOD(r);
	REQUIRE(s.io[2] == 6 && s.io[12] == 0x2A && s.io[13] == 9, "REQUEST SENSE: %x/%x/%x",
		s.io[2], s.io[12], s.io[13]);
	OK(rw(g, &s, 0, 0, 0x28, 60, 1, s.io, 512, false, &r));
	SENSE(r, 5, 0x21, 0);
	REQUIRE(hs_lun_read(l, 60 * 512, buf, 512) == -1, "host read past the end");
}

static void t_checksum(struct guest *g)
{
	static struct sg s;
	struct hs_lun *a, *z, *e;
	uint8_t buf[65536], d[32];
	char hex[65];
	unsigned int i;

	OK(sg_host(g, &s, &(struct hs_storvsp_config){ .max_channels = 0 }));
	REQUIRE((a = mklun(&s, 0, 0, 128)) && (z = mklun(&s, 0, 1, 2048)) &&
		(e = mklun(&s, 0, 2, 0)), "luns");
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 31 + 7);
	OK(hs_lun_write(a, 0, buf, sizeof(buf)));
	OK(hs_lun_checksum(a, d, hex));
	REQUIRE(!strcmp(hex, "ef4636928161808e87035fa51983821677527ccd9661991c5d0126a778b2268a") &&
		d[0] == 0xef && d[31] == 0x8a, "pattern disk: %s", hex);
	OK(hs_lun_checksum(z, NULL, hex));
	REQUIRE(!strcmp(hex, "30e14955ebf1352266dc2ff8067e68104607e750abb9d3b36582b8af909fcb58"),
		"1 MiB of zeros: %s", hex);
	OK(hs_lun_checksum(e, d, NULL));
	REQUIRE(d[0] == 0xe3 && d[31] == 0x55, "empty disk");
}

static void t_random_io(struct guest *g)
{
	static struct sg s;
	static const uint8_t rd_ops[] = { 0x08, 0x28, 0xA8, 0x88 }, wr_ops[] = { 0x0A, 0x2A, 0xAA, 0x8A };
	enum { BLOCKS = 4096 };
	struct hs_lun *l, *ref;
	uint8_t *shadow = calloc(BLOCKS, 512), *back = malloc(BLOCKS * 512u), d1[32], d2[32];
	uint32_t seed = 0x12345678;
	struct res r;
	int i;

	if (!shadow || !back) {
		g_fail(g, "malloc");
		free(shadow);
		free(back);
		return;
	}
	if (sg_up(g, &s, NULL, BLOCKS, &l) || !(ref = mklun(&s, 0, 1, BLOCKS))) {
		g_fail(g, "setup");
		goto out;
	}
	for (i = 0; i < 300 && !g->why[0]; i++) {
		uint32_t n = 1 + m_rand(&seed) % 128, v = m_rand(&seed) % 4;
		uint64_t lba = m_rand(&seed) % (BLOCKS - n + 1);
		uint32_t off = m_rand(&seed) % 4096, k;
		bool write = m_rand(&seed) & 1, paged = m_rand(&seed) & 1;
		uint8_t *b = s.io + off;

		if (v == 0 && lba >= (1u << 21))
			v = 1;
		if (write) {
			for (k = 0; k < n * 512; k++)
				b[k] = (uint8_t)m_rand(&seed);
			memcpy(shadow + lba * 512, b, n * 512);
		}
		if (rw(g, &s, 0, 0, write ? wr_ops[v] : rd_ops[v], lba, n, b, 512, paged, &r))
			break;
		if (!good(&r) || r.xfer != n * 512) {
			g_fail(g, "op %d (%s %u blocks at %llu): SrbStatus %#x xfer %u", i,
			       write ? "write" : "read", n, (unsigned long long)lba, r.srb_status, r.xfer);
			break;
		}
		if (!write && memcmp(b, shadow + lba * 512, n * 512))
			g_fail(g, "op %d: read of %u blocks at %llu differs", i, n,
			       (unsigned long long)lba);
	}
	if (g->why[0])
		goto out;
	if (hs_lun_read(l, 0, back, BLOCKS * 512u) || memcmp(back, shadow, BLOCKS * 512u)) {
		g_fail(g, "host view differs from the guest's writes");
		goto out;
	}
	if (hs_lun_write(ref, 0, shadow, BLOCKS * 512u) || hs_lun_checksum(l, d1, NULL) ||
	    hs_lun_checksum(ref, d2, NULL) || memcmp(d1, d2, 32))
		g_fail(g, "checksums of equal disks differ");
out:
	free(shadow);
	free(back);
}

static void t_file_backed(struct guest *g)
{
	static struct sg s;
	char path[] = "/tmp/hostsim-diskXXXXXX", h1[65], h2[65];
	struct hs_lun_config lc = { .blocks = 2048 };
	struct hs_lun *l;
	uint8_t *file = malloc(2048 * 512);
	struct res r;
	FILE *f;
	int fd = mkstemp(path), i;

	REQUIRE(fd >= 0 && file, "mkstemp");
	close(fd);
	lc.file = path;
	OK(sg_host(g, &s, &(struct hs_storvsp_config){ .max_channels = 0 }));
	REQUIRE((l = hs_storvsp_lun_add(s.sv, &lc)), "file LUN");
	OK(sg_open(g, &s, scsi_class, 8, 8));
	OK(sg_init(g, &s, 0x0602));
	for (i = 0; i < 64 * 512; i++)
		s.io[i] = (uint8_t)(i ^ (i >> 9));
	OK(rw(g, &s, 0, 0, 0x2A, 1000, 64, s.io, 512, false, &r));
	GOOD(r);
	OK(rw(g, &s, 0, 0, 0x35, 0, 0, NULL, 512, false, &r));
	GOOD(r);
	OK(hs_lun_checksum(l, NULL, h1));
	f = fopen(path, "rb");
	REQUIRE(f && fread(file, 1, 2048 * 512, f) == 2048 * 512, "file size");
	fclose(f);
	REQUIRE(!memcmp(file + 1000 * 512, s.io, 64 * 512) && file[0] == 0, "file contents");
	OK(hs_lun_resize(l, 4096));
	REQUIRE(hs_lun_blocks(l) == 4096, "file resize");
	g_teardown(g);
	g->h = NULL;
	/* a second host on the same file, size taken from the file */
	lc.blocks = 0;
	OK(sg_host(g, &s, &(struct hs_storvsp_config){ .max_channels = 0 }));
	REQUIRE((l = hs_storvsp_lun_add(s.sv, &lc)), "reopen");
	REQUIRE(hs_lun_blocks(l) == 4096, "size from file: %llu",
		(unsigned long long)hs_lun_blocks(l));
	OK(hs_lun_resize(l, 2048));
	OK(hs_lun_checksum(l, NULL, h2));
	REQUIRE(!strcmp(h1, h2), "checksum changed across hosts");
	unlink(path);
	free(file);
	REQUIRE(!hs_storvsp_lun_add(s.sv, &(struct hs_lun_config){ .lun = 1,
			.file = "/nonexistent/dir/disk" }), "LUN on an impossible path");
	REQUIRE(!hs_storvsp_lun_add(s.sv, &(struct hs_lun_config){ .lun = 2, .blocks = 8,
			.block_size = 1000 }), "block size 1000");
}

static void t_subchannels(struct guest *g)
{
	static struct sg s;
	struct hs_storvsp_config cfg = { .max_channels = 4, .multi_channel = true };
	uint8_t o[8][240], cnt[2] = { 3, 0 }, inq[6] = { 0x12, 0, 0, 0, 36, 0 };
	struct hs_lun *l;
	struct res r;
	int n, i;

	OK(sg_up(g, &s, &cfg, 16, &l));
	cnt[0] = 5;
	REQUIRE(vstor(g, &s, 0, OP_CREATE_SUB, cnt, 2, NULL) == ST_INVALID_PARAMETER,
		"5 > MaxChannelCount");
	cnt[0] = 0;
	REQUIRE(vstor(g, &s, 0, OP_CREATE_SUB, cnt, 2, NULL) == ST_INVALID_PARAMETER, "0 channels");
	cnt[0] = 3;
	REQUIRE(vstor(g, &s, 0, OP_CREATE_SUB, cnt, 2, NULL) == 0, "CREATE_SUB_CHANNELS 3");
	n = m_collect_offers(g, o, 8, 3, 1000);
	REQUIRE(n == 3, "%d sub-channel offers", n);
	for (i = 0; i < 3; i++) {
		int k = m_find_offer(o, n, scsi_class, s.o[0] + OFFER_INSTANCE, (uint16_t)(i + 1));

		REQUIRE(k >= 0, "no offer for sub-channel %d", i + 1);
		OK(m_open(g, &s.c[i + 1], o[k], 4));
	}
	REQUIRE(sv_stats(&s).subchannels == 3, "subchannels");
	for (i = 1; i <= 3; i++) {
		OK(srb_x(g, &s, i, 0, 0, inq, 6, IN, s.io + 512 * i, 36, false, &r));
		GOOD(r);
	}
	REQUIRE(sv_stats(&s).srbs_on_subchannels == 3, "srbs on sub-channels %llu",
		(unsigned long long)sv_stats(&s).srbs_on_subchannels);
	/* only SRBs and resets on a sub-channel */
	REQUIRE(vstor(g, &s, 2, OP_BEGIN, NULL, 0, NULL) == ST_INVALID_DEVICE_REQ, "BEGIN on sub");
	REQUIRE(vstor(g, &s, 2, OP_RESET_LUN, NULL, 0, NULL) == 0, "reset on sub");
	/* asking again for no more than exist offers nothing new */
	cnt[0] = 2;
	REQUIRE(vstor(g, &s, 0, OP_CREATE_SUB, cnt, 2, NULL) == 0, "CREATE again");
	REQUIRE(g_quiet(g, 0, 50), "offers on a repeated CREATE_SUB_CHANNELS");
	cnt[0] = 4;
	REQUIRE(vstor(g, &s, 0, OP_CREATE_SUB, cnt, 2, NULL) == 0, "CREATE 4");
	REQUIRE(m_collect_offers(g, o, 8, 1, 1000) == 1 && rd16(o[0] + OFFER_SUBIDX) == 4,
		"the fourth sub-channel");
	g_teardown(g);
	g->h = NULL;
	/* no multi-channel support: refused */
	OK(sg_up(g, &s, &(struct hs_storvsp_config){ .max_channels = 4 }, 16, &l));
	cnt[0] = 1;
	REQUIRE(vstor(g, &s, 0, OP_CREATE_SUB, cnt, 2, NULL) == ST_INVALID_PARAMETER,
		"CREATE without multi-channel");
}

static void t_ide(struct guest *g)
{
	static struct sg s;
	struct hs_storvsp_config cfg = { .ide = true, .ide_target = 1, .ide_path = 0 };
	uint8_t inq[6] = { 0x12, 0, 0, 0, 36, 0 };
	struct res r;
	int i;

	OK(sg_host(g, &s, &cfg));
	REQUIRE(hs_storvsp_lun_add(s.sv, &(struct hs_lun_config){ .target = 1, .blocks = 64 }),
		"lun");
	OK(sg_open(g, &s, ide_class, 8, 8));
	i = m_find_offer(s.o, s.n, ide_class, NULL, 0);
	REQUIRE(s.o[i][OFFER_INSTANCE + 4] == 1 && s.o[i][OFFER_INSTANCE + 5] == 0 &&
		s.o[i][OFFER_USER + 3] == 1 && rd32(s.o[i] + OFFER_USER + 8) == 2,
		"IDE offer: target bytes %u %u", s.o[i][OFFER_INSTANCE + 4],
		s.o[i][OFFER_USER + 3]);
	OK(sg_init(g, &s, 0x0602));
	OK(srb_x(g, &s, 0, 1, 0, inq, 6, IN, s.io, 36, false, &r));
	GOOD(r);
	REQUIRE(r.xfer == 36, "IDE INQUIRY");
}

static void t_back_pressure(struct guest *g)
{
	static struct sg s;
	enum { N = 150 };
	uint8_t tur[6] = { 0 }, pkt[64], buf[512];
	struct hs_lun *l;
	struct hs_channel_stats cs;
	int i, n;

	OK(sg_host(g, &s, &(struct hs_storvsp_config){ .max_channels = 0 }));
	REQUIRE((l = mklun(&s, 0, 0, 8)), "lun");
	OK(sg_open(g, &s, scsi_class, 16, 2));	/* 4 KiB host->guest data area */
	OK(sg_init(g, &s, 0x0602));
	for (i = 0; i < N; i++) {
		build_srb(&s, pkt, 0, 0, tur, 6, NONE, 0);
		REQUIRE(m_send(g, &s.c[0], 6, 1, 5000 + (uint64_t)i, NULL, 0, pkt, 64) == 0,
			"request %d did not fit", i);
	}
	for (i = 0; i < 2000; i++) {
		hs_channel_stats(hs_device_channel(hs_storvsp_device(s.sv), 0), &cs);
		if (cs.send_full)
			break;
		g_sleep_ms(1);
	}
	g_sleep_ms(20);
	REQUIRE(sv_stats(&s).srbs < N && cs.send_full > 0,
		"host kept reading with a full ring: %llu SRBs, %llu full sends",
		(unsigned long long)sv_stats(&s).srbs, (unsigned long long)cs.send_full);
	for (i = 0; i < N; i++) {
		n = m_recv(g, &s.c[0], buf, sizeof(buf), 2000);
		REQUIRE(n == 16 + 64 && rd16(buf) == 0xB && rd64(buf + 8) == 5000 + (uint64_t)i &&
			buf[16 + 14] == 1, "completion %d: %d bytes, tid %llu", i, n,
			(unsigned long long)rd64(buf + 8));
	}
	REQUIRE(m_quiet(g, &s.c[0], 20), "extra completion");
	REQUIRE(sv_stats(&s).srbs == N, "SRBs %llu", (unsigned long long)sv_stats(&s).srbs);
}

static void t_faults(struct guest *g)
{
	static struct sg s;
	struct hs_lun *l, *l1;
	uint8_t tur[6] = { 0 }, inq[6] = { 0x12, 0, 0, 0, 36, 0 }, resp[64], buf[512], pkt[64];
	struct hs_storvsp_fault f;
	struct res r;
	uint64_t t0, tid;
	int n;

	OK(sg_up(g, &s, NULL, 64, &l));
	REQUIRE((l1 = mklun(&s, 0, 1, 64)), "lun 1");
	/* CHECK CONDITION with the given sense, only for READ(10) on LUN 1 */
	f = (struct hs_storvsp_fault){ .kind = HS_SV_CHECK_CONDITION, .count = 1, .match_cdb = 0x28,
				       .match_lun = l1, .sense_key = 3, .asc = 0x11, .ascq = 0 };
	OK(hs_storvsp_inject(s.sv, &f));
	OK(rw(g, &s, 0, 0, 0x28, 0, 1, s.io, 512, false, &r));
	GOOD(r);
	OK(SRB(1, tur, NONE, NULL, 0, &r));
	GOOD(r);
	OK(rw(g, &s, 0, 1, 0x28, 0, 1, s.io, 512, false, &r));
	SENSE(r, 3, 0x11, 0);
	OK(rw(g, &s, 0, 1, 0x28, 0, 1, s.io, 512, false, &r));
	GOOD(r);
	/* BUSY, twice */
	f = (struct hs_storvsp_fault){ .kind = HS_SV_BUSY, .count = 2, .match_cdb = -1 };
	OK(hs_storvsp_inject(s.sv, &f));
	OK(SRB(0, tur, NONE, NULL, 0, &r));
	REQUIRE(r.srb_status == 0x04 && r.scsi_status == 0x08, "BUSY: %#x %#x", r.srb_status,
		r.scsi_status);
	OK(SRB(0, tur, NONE, NULL, 0, &r));
	REQUIRE(r.scsi_status == 0x08, "second BUSY");
	OK(SRB(0, tur, NONE, NULL, 0, &r));
	GOOD(r);
	/* a given SrbStatus; and disarming with count 0 */
	f = (struct hs_storvsp_fault){ .kind = HS_SV_SRB_STATUS, .count = 5, .match_cdb = -1,
				       .srb_status = 0x09 };
	OK(hs_storvsp_inject(s.sv, &f));
	OK(SRB(0, tur, NONE, NULL, 0, &r));
	REQUIRE(r.srb_status == 0x09 && r.scsi_status == 0, "SrbStatus %#x", r.srb_status);
	f.count = 0;
	OK(hs_storvsp_inject(s.sv, &f));
	OK(SRB(0, tur, NONE, NULL, 0, &r));
	GOOD(r);
	/* a delayed completion: not before delay_ms; others overtake it */
	f = (struct hs_storvsp_fault){ .kind = HS_SV_DELAY, .count = 1, .match_cdb = 0x12,
				       .delay_ms = 150 };
	OK(hs_storvsp_inject(s.sv, &f));
	build_srb(&s, pkt, 0, 0, tur, 6, NONE, 0);
	pkt[12 + 16] = 0x12;
	t0 = m_now_ms();
	OK(m_send(g, &s.c[0], 6, 1, 777, NULL, 0, pkt, 64));
	REQUIRE(sv_stats(&s).delayed_pending <= 1, "pending");
	OK(SRB(0, tur, NONE, NULL, 0, &r));
	GOOD(r);
	n = sg_wait(g, &s, 0, 777, resp, 2000);
	REQUIRE(n == 64 && m_now_ms() - t0 >= 140 && resp[14] == 1,
		"delayed completion after %llu ms", (unsigned long long)(m_now_ms() - t0));
	REQUIRE(sv_stats(&s).delayed_pending == 0, "pending after");
	/* a dropped completion: the command ran (the write landed) */
	f = (struct hs_storvsp_fault){ .kind = HS_SV_DROP, .count = 1, .match_cdb = 0x2A };
	OK(hs_storvsp_inject(s.sv, &f));
	memset(s.io, 0x3C, 512);
	cdb_rw(buf, 0x2A, 7, 1);
	build_srb(&s, pkt, 0, 0, buf, 10, OUT, 512);
	n = (int)sv_stats(&s).writes;
	OK(m_send_gpa(g, &s.c[0], 1, 888, resp, m_range(resp, s.io, 512), 1, pkt, 64));
	for (t0 = m_now_ms(); sv_stats(&s).writes == (uint64_t)n && m_now_ms() - t0 < 2000;)
		g_sleep_ms(1);
	REQUIRE(m_quiet(g, &s.c[0], 50), "completion despite DROP");
	OK(hs_lun_read(l, 7 * 512, buf, 512));
	REQUIRE(buf[0] == 0x3C && buf[511] == 0x3C, "dropped write did not land");
	OK(SRB(0, tur, NONE, NULL, 0, &r));
	GOOD(r);
	/* a reset drops delayed completions not yet sent */
	f = (struct hs_storvsp_fault){ .kind = HS_SV_DELAY, .count = 1, .match_cdb = 0,
				       .delay_ms = 300 };
	OK(hs_storvsp_inject(s.sv, &f));
	build_srb(&s, pkt, 0, 0, tur, 6, NONE, 0);
	OK(m_send(g, &s.c[0], 6, 1, 999, NULL, 0, pkt, 64));
	REQUIRE(vstor(g, &s, 0, OP_RESET_BUS, NULL, 0, NULL) == 0, "RESET_BUS");
	REQUIRE(m_quiet(g, &s.c[0], 350), "delayed completion survived the reset");
	REQUIRE(sv_stats(&s).resets == 1, "resets");
	/* malformed replies: short */
	f = (struct hs_storvsp_fault){ .kind = HS_SV_SHORT_REPLY, .count = 1, .match_cdb = -1,
				       .length = 8 };
	OK(hs_storvsp_inject(s.sv, &f));
	build_srb(&s, pkt, 0, 0, inq, 6, IN, 36);
	tid = ++s.tid;
	OK(m_send_gpa(g, &s.c[0], 1, tid, resp, m_range(resp, s.io, 36), 1, pkt, 64));
	REQUIRE(sg_wait(g, &s, 0, tid, resp, 1000) == 8, "short completion");
	/* wrong operation, then the real completion */
	f = (struct hs_storvsp_fault){ .kind = HS_SV_WRONG_OPERATION, .count = 1, .match_cdb = -1,
				       .operation = OP_ENUMERATE_BUS, .then_real = true };
	OK(hs_storvsp_inject(s.sv, &f));
	build_srb(&s, pkt, 0, 0, tur, 6, NONE, 0);
	tid = ++s.tid;
	OK(m_send(g, &s.c[0], 6, 1, tid, NULL, 0, pkt, 64));
	REQUIRE(sg_wait(g, &s, 0, tid, resp, 1000) == 64 && rd32(resp) == OP_ENUMERATE_BUS,
		"wrong operation: %u", rd32(resp));
	REQUIRE(sg_wait(g, &s, 0, tid, resp, 1000) == 64 && rd32(resp) == OP_COMPLETE_IO &&
		resp[14] == 1, "real completion after the wrong one");
	/* unknown transaction id, then the real one */
	f = (struct hs_storvsp_fault){ .kind = HS_SV_UNKNOWN_TID, .count = 1, .match_cdb = -1,
				       .tid_xor = 0x8000, .then_real = true };
	OK(hs_storvsp_inject(s.sv, &f));
	tid = ++s.tid;
	OK(m_send(g, &s.c[0], 6, 1, tid, NULL, 0, pkt, 64));
	REQUIRE(sg_wait(g, &s, 0, tid ^ 0x8000, resp, 1000) == 64, "bogus transaction id");
	REQUIRE(sg_wait(g, &s, 0, tid, resp, 1000) == 64, "real completion");
	/* NTSTATUS on an init operation: QUERY_PROTOCOL_VERSION */
	f = (struct hs_storvsp_fault){ .kind = HS_SV_NTSTATUS, .count = 1,
				       .match_operation = OP_QUERY_VERSION, .status = 0xC0000185 };
	OK(hs_storvsp_inject(s.sv, &f));
	REQUIRE(vstor(g, &s, 0, OP_BEGIN, NULL, 0, NULL) == 0, "begin");
	REQUIRE(query_version(g, &s, 0x0602) == 0xC0000185, "injected NTSTATUS");
	REQUIRE(query_version(g, &s, 0x0602) == 0, "after the injected NTSTATUS");
	REQUIRE(sv_stats(&s).faults == 11, "faults %llu", (unsigned long long)sv_stats(&s).faults);
	f.kind = 0;
	REQUIRE(hs_storvsp_inject(s.sv, &f) == -1, "kind 0 accepted");
	REQUIRE(sc_errors(g) == 0, "protocol errors %u", sc_errors(g));
}

/* close and reopen the primary: protocol state starts over; a delayed
 * completion of the old open is lost */
static void t_reopen(struct guest *g)
{
	static struct sg s;
	struct hs_lun *l;
	/* long enough that the close comes while it is pending, and that it
	 * falls due only once the channel is open again */
	struct hs_storvsp_fault f = { .kind = HS_SV_DELAY, .count = 1, .match_cdb = 0,
				      .delay_ms = 1500 };
	uint8_t tur[6] = { 0 }, pkt[64];
	struct res r;
	int i;

	OK(sg_up(g, &s, NULL, 8, &l));
	OK(hs_storvsp_inject(s.sv, &f));
	build_srb(&s, pkt, 0, 0, tur, 6, NONE, 0);
	OK(m_send(g, &s.c[0], 6, 1, 42, NULL, 0, pkt, 64));
	for (i = 0; i < 2500 && sv_stats(&s).delayed_pending == 0; i++)
		g_sleep_ms(1);
	REQUIRE(sv_stats(&s).delayed_pending == 1, "the delayed completion is not pending");
	OK(g_close(g, &s.c[0]));
	for (i = 0; i < 1000 && sv_stats(&s).initialized; i++)	/* closed() runs later */
		g_sleep_ms(1);
	REQUIRE(!sv_stats(&s).initialized, "initialized after close");
	i = m_find_offer(s.o, s.n, scsi_class, NULL, 0);
	OK(m_open(g, &s.c[0], s.o[i], 8));
	/* it falls due now and is dropped (sent before the count goes down,
	 * if it were sent) */
	for (i = 0; i < 5000 && sv_stats(&s).delayed_pending; i++)
		g_sleep_ms(1);
	REQUIRE(sv_stats(&s).delayed_pending == 0, "delayed completion never came due");
	REQUIRE(m_quiet(g, &s.c[0], 10), "old completion on the new open");
	s.pkt_size = 64;
	OK(srb_x(g, &s, 0, 0, 0, tur, 6, NONE, NULL, 0, false, &r));
	REQUIRE(r.status == ST_INVALID_STATE, "SRB on a fresh open: %#x", r.status);
	OK(sg_init(g, &s, 0x0602));
	OK(SRB(0, tur, NONE, NULL, 0, &r));
	GOOD(r);
}

void storvsp_tests(void (*run)(const char *name, void (*fn)(struct guest *g)))
{
	run("storvsp_handshake_and_properties", t_handshake);
	run("storvsp_version_negotiation_and_refusal", t_versions);
	run("storvsp_out_of_order_and_malformed_requests", t_sequence_errors);
	run("storvsp_inquiry_and_vpd_pages", t_inquiry);
	run("storvsp_read_capacity", t_capacity);
	run("storvsp_read_write_6_10_12_16", t_read_write);
	run("storvsp_bad_srbs", t_bad_srbs);
	run("storvsp_scsi_commands", t_commands);
	run("storvsp_unmap", t_unmap);
	run("storvsp_hot_add_remove_enumerate_bus", t_absent_and_hotplug);
	run("storvsp_online_resize_unit_attention", t_resize);
	run("storvsp_checksum", t_checksum);
	run("storvsp_random_io_integrity", t_random_io);
	run("storvsp_file_backed_disk", t_file_backed);
	run("storvsp_subchannels", t_subchannels);
	run("storvsp_ide_accelerator", t_ide);
	run("storvsp_ring_full_back_pressure", t_back_pressure);
	run("storvsp_fault_injection", t_faults);
	run("storvsp_reopen_resets_state", t_reopen);
}
