// SPDX-License-Identifier: GPL-2.0
/*
 * IC checks: a raw guest of the integration components — the 28-byte
 * header, NEGOTIATE and every service's data built and parsed at the fact
 * sheet's offsets (§6) — answers hostsim's requests from its own thread
 * while the test thread drives the hs_ic_* API, which blocks until the
 * answer comes.  The raw guest also misbehaves on demand, so the host's
 * checks of an answer are tested too.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models.h"

/* §6.2 */
#define H_PIPE_SIZE	4
#define H_FRAMEWORK	8
#define H_TYPE		12
#define H_VERSION	14
#define H_DATA_SIZE	18
#define H_STATUS	20
#define H_FLAGS		25
#define H		28
#define E_FAIL		0x80004005u
#define S_CONT		0x80070103u
#define DISK_FULL	0x80070070u

#define OK_OR(rc, ...)	REQUIRE((rc) == 0, __VA_ARGS__)
#define WAIT		5000u	/* for what must happen */
#define SHORT		150u	/* for what must not */

static const uint8_t class_of[8][16] = {
	[1] = { 0x39, 0x4f, 0x16, 0x57, 0x15, 0x91, 0x78, 0x4e,
		0xab, 0x55, 0x38, 0x2f, 0x3b, 0xd5, 0x42, 0x2d },
	[2] = { 0xe7, 0xf4, 0xa0, 0xa9, 0x45, 0x5a, 0x96, 0x4d,
		0xb8, 0x27, 0x8a, 0x84, 0x1e, 0x8c, 0x03, 0xe6 },
	[3] = { 0x31, 0x60, 0x0b, 0x0e, 0x13, 0x52, 0x34, 0x49,
		0x81, 0x8b, 0x38, 0xd9, 0x0c, 0xed, 0x39, 0xdb },
	[4] = { 0x30, 0xe6, 0x27, 0x95, 0xae, 0xd0, 0x7b, 0x49,
		0xad, 0xce, 0xe8, 0x0a, 0xb0, 0x17, 0x5c, 0xaf },
	[5] = { 0x29, 0x2e, 0xfa, 0x35, 0x23, 0xea, 0x36, 0x42,
		0x96, 0xae, 0x3a, 0x6e, 0xba, 0xcb, 0xa4, 0x40 },
	[7] = { 0xe3, 0x4b, 0xd1, 0x34, 0xe4, 0xde, 0xc8, 0x41,
		0x9a, 0xe7, 0x6b, 0x17, 0x49, 0x77, 0xc1, 0x92 },
};

/* how the raw guest answers */
enum mode {
	GOOD,			/* by the rules */
	SILENT,			/* never answers */
	WRONG_TID,		/* TransactionId + 1 */
	PKT_FLAGS,		/* packet flags 1 (completion requested) */
	SHORTER,		/* answer 8 bytes shorter */
	IC_FLAGS,		/* IC flags 0x4 only */
	SAME_SEQ,		/* heartbeat sequence not incremented */
	REFUSE,			/* NEGOTIATE counts 0/0 */
	BAD_COUNTS,		/* NEGOTIATE counts 2/1 */
	UNOFFERED,		/* NEGOTIATE names 9.9 */
	SLOW,			/* answers after 30 ms, reading everything first */
};

struct kv {
	bool used;
	uint8_t pool;
	uint32_t type, ksize, vsize;
	uint8_t key[512], value[2048];
};

/* the raw IC guest on one channel */
struct icg {
	struct guest *g;
	struct gchan c;
	struct hs_ic *ic;
	int service;
	uint8_t offer[240];
	pthread_t thread;
	bool running;
	atomic_bool stop;
	pthread_mutex_t lock;
	/* behaviour */
	enum mode mode;
	bool negotiated;
	uint32_t fw, sv;		/* chosen */
	uint32_t sv_pref[5];		/* the guest's own list, newest first */
	/* what it saw */
	unsigned int requests, dropped, rejected, overlapped;
	uint8_t last[8192];		/* last request payload */
	uint32_t last_len;
	uint32_t shutdown_flags;
	uint8_t ts[32];
	struct kv kv[8];
	uint8_t ip_set[7428];
	uint8_t *file;
	uint64_t file_size, written;
	bool file_done, file_cancelled;
	uint32_t fail_write;		/* status for WRITE (0: S_OK) */
	char err[160];
};

static void icg_err(struct icg *q, const char *what)
{
	if (!q->err[0])
		snprintf(q->err, sizeof(q->err), "%s", what);
}

/* ---- the guest's side of each service ------------------------------------------ */
static uint32_t ver(const uint8_t *p)
{
	return (uint32_t)rd16(p) << 16 | rd16(p + 2);
}

static void put_ver(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)(v >> 16));
	wr16(p + 2, (uint16_t)v);
}

static bool offered(const uint8_t *list, unsigned int n, uint32_t v)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (ver(list + 4 * i) == v)
			return true;
	return false;
}

/* NEGOTIATE the way Linux's algorithm goes: its own list against the host's */
static void negotiate(struct icg *q, uint8_t *m, uint32_t dlen)
{
	static const uint32_t fw_pref[] = { 0x30000, 0x10000, 0 };
	uint8_t *d = m + H;
	unsigned int nf = rd16(d), ns = rd16(d + 2), i;
	uint32_t fw = 0, sv = 0;

	if (dlen < 8 || 8 + 4 * (nf + ns) > dlen) {
		q->rejected++;
		nf = ns = 0;		/* malformed: refuse */
	}
	for (i = 0; fw_pref[i] && !fw; i++)
		if (offered(d + 8, nf, fw_pref[i]))
			fw = fw_pref[i];
	for (i = 0; q->sv_pref[i] && !sv; i++)
		if (offered(d + 8 + 4 * nf, ns, q->sv_pref[i]))
			sv = q->sv_pref[i];
	if (q->mode == REFUSE || !fw || !sv) {
		wr16(d, 0);
		wr16(d + 2, 0);
		q->negotiated = false;
	} else {
		wr16(d, q->mode == BAD_COUNTS ? 2 : 1);
		wr16(d + 2, 1);
		put_ver(d + 8, fw);
		put_ver(d + 12, q->mode == UNOFFERED ? 0x90009 : sv);
		q->negotiated = true;
		q->fw = fw;
		q->sv = sv;
	}
	wr16(m + H_DATA_SIZE, 16);
}

static bool utf16_nul(const uint8_t *p, uint32_t bytes)
{
	uint32_t i;

	for (i = 0; i + 1 < bytes; i += 2)
		if (!rd16(p + i))
			return true;
	return false;
}

static struct kv *kv_find(struct icg *q, uint8_t pool, const uint8_t *key, uint32_t ksize)
{
	unsigned int i;

	for (i = 0; i < 8; i++)
		if (q->kv[i].used && q->kv[i].pool == pool && q->kv[i].ksize == ksize &&
		    !memcmp(q->kv[i].key, key, ksize))
			return &q->kv[i];
	return NULL;
}

/* a KVP request; the status to answer */
static uint32_t kvp(struct icg *q, uint8_t *d, uint32_t dlen)
{
	uint8_t op = d[0], pool = d[1], *r = d + 4;
	uint32_t ks, vs, i, n;
	struct kv *e;

	if (op > 5 || pool > 4)
		return E_FAIL;
	if (op == 4 || op == 5) {
		if (dlen < 7428)
			return E_FAIL;
		if (op == 5) {
			memcpy(q->ip_set, d, 7428);
			return 0;
		}
		/* IPv4 answer: addresses, subnets, gateway, DNS */
		d[258] = 1;
		d[259] = 1;
		for (i = 0, n = 0; "10.0.0.5"[i]; i++)
			wr16(d + 260 + 2 * n++, (uint16_t)"10.0.0.5"[i]);
		for (i = 0, n = 0; "255.255.255.0"[i]; i++)
			wr16(d + 2308 + 2 * n++, (uint16_t)"255.255.255.0"[i]);
		for (i = 0, n = 0; "10.0.0.1"[i]; i++)
			wr16(d + 4356 + 2 * n++, (uint16_t)"10.0.0.1"[i]);
		for (i = 0, n = 0; "10.0.0.2;10.0.0.3"[i]; i++)
			wr16(d + 5380 + 2 * n++, (uint16_t)"10.0.0.2;10.0.0.3"[i]);
		return 0;
	}
	if (op == 2) {
		ks = rd32(d + 4);
		if (dlen < 520 || ks < 2 || ks > 512 || !utf16_nul(d + 8, ks))
			return E_FAIL;
		e = kv_find(q, pool, d + 8, ks);
		if (!e)
			return E_FAIL;
		e->used = false;
		return 0;
	}
	if (op == 3) {
		if (dlen < 2580)
			return E_FAIL;
		n = rd32(d + 4);
		r = d + 8;
		for (i = 0; i < 8; i++)
			if (q->kv[i].used && q->kv[i].pool == pool && !n--)
				break;
		if (i == 8)
			return S_CONT;
		e = &q->kv[i];
		goto fill;
	}
	if (dlen < 2576)
		return E_FAIL;
	ks = rd32(r + 4);
	vs = rd32(r + 8);
	if (ks < 2 || ks > 512 || !utf16_nul(r + 12, ks) || vs > 2048)
		return E_FAIL;
	if (op == 1) {
		if (rd32(r) == 1 && (vs < 2 || !utf16_nul(r + 524, vs)))
			return E_FAIL;
		e = kv_find(q, pool, r + 12, ks);
		for (i = 0; !e && i < 8; i++)
			if (!q->kv[i].used)
				e = &q->kv[i];
		if (!e)
			return DISK_FULL;
		e->used = true;
		e->pool = pool;
		e->type = rd32(r);
		e->ksize = ks;
		e->vsize = vs;
		memcpy(e->key, r + 12, ks);
		memcpy(e->value, r + 524, vs);
		return 0;
	}
	e = kv_find(q, pool, r + 12, ks);
	if (!e)
		return E_FAIL;
fill:
	wr32(r, e->type);
	wr32(r + 4, e->ksize);
	wr32(r + 8, e->vsize);
	memset(r + 12, 0, 512 + 2048);
	memcpy(r + 12, e->key, e->ksize);
	memcpy(r + 524, e->value, e->vsize);
	return 0;
}

static uint32_t fcopy(struct icg *q, uint8_t *d, uint32_t dlen)
{
	uint32_t op = rd32(d), n;
	uint64_t off;

	switch (op) {
	case 0:
		if (dlen != 1088 || !utf16_nul(d + 36, 520) || !utf16_nul(d + 556, 520))
			return E_FAIL;
		free(q->file);
		q->file_size = rd64(d + 1080);
		q->file = calloc(1, q->file_size + 1);
		q->written = 0;
		q->file_done = q->file_cancelled = false;
		return 0;
	case 1:
		off = rd64(d + 40);
		n = rd32(d + 48);
		if (dlen != 6196 || n > 6144 || !q->file || off > q->file_size ||
		    n > q->file_size - off)
			return E_FAIL;
		if (q->fail_write)
			return q->fail_write;
		memcpy(q->file + off, d + 52, n);
		q->written += n;
		return 0;
	case 2:
		q->file_done = true;
		return 0;
	case 3:
		q->file_cancelled = true;
		return 0;
	default:
		return E_FAIL;
	}
}

/* one request in place; false: no answer */
static bool serve(struct icg *q, uint8_t *m, uint32_t len)
{
	uint32_t dlen = rd16(m + H_DATA_SIZE), st = 0;
	uint16_t type = rd16(m + H_TYPE);
	uint8_t *d = m + H;

	q->requests++;
	memcpy(q->last, m, len < sizeof(q->last) ? len : sizeof(q->last));
	q->last_len = len;
	if (q->mode == SILENT)
		return false;
	if (len < H || H + dlen > len || rd32(m + H_PIPE_SIZE) + 8 > len ||
	    m[H_FLAGS] != 3) {
		st = E_FAIL;
		q->rejected++;
	} else if (type == 0) {
		negotiate(q, m, dlen);
	} else if (!q->negotiated) {
		q->dropped++;		/* before negotiation: ignored */
		return false;
	} else if (type != q->service) {
		st = E_FAIL;
		q->rejected++;
	} else {
		switch (type) {
		case 1:
			if (dlen < 8)
				st = E_FAIL;
			else if (q->mode != SAME_SEQ)
				wr64(d, rd64(d) + 1);
			break;
		case 2:
			st = kvp(q, d, dlen);
			break;
		case 3:
			if (dlen < 12 || rd32(d + 8) > 7 ||
			    (dlen >= 2060 && !memchr(d + 12, 0, 2048))) {
				st = E_FAIL;
				break;
			}
			q->shutdown_flags = rd32(d + 8);
			if (q->shutdown_flags & 4)
				st = E_FAIL;		/* no hibernation here */
			break;
		case 4:
			if (dlen < 22 || (dlen == 25 ? d[24] : d[16]) > 2)
				st = E_FAIL;
			else
				memcpy(q->ts, d, dlen < 32 ? dlen : 32);
			break;
		case 5:
			if (dlen < 12 || d[0] > 8)
				st = E_FAIL;
			else
				wr32(d + 8, d[0] == 2 ? 5 : 0);
			break;
		case 7:
			st = fcopy(q, d, dlen);
			break;
		default:
			st = E_FAIL;
		}
		if (st)
			q->rejected++;
	}
	wr32(m + H_STATUS, st);
	m[H_FLAGS] = q->mode == IC_FLAGS ? 4 : 5;
	return true;
}

static void *responder(void *arg)
{
	struct icg *q = arg;
	uint8_t *pkt = malloc(16384), *pend = malloc(16384);
	uint64_t tid = 0;
	uint32_t plen = 0;
	bool sig, have = false;
	int n;

	while (!atomic_load(&q->stop)) {
		n = gr_read(&q->c.in, pkt, 16384, &sig);
		if (sig)
			g_signal(q->g, q->c.conn_id);
		if (n < 0) {
			icg_err(q, "malformed packet from the host");
			break;
		}
		pthread_mutex_lock(&q->lock);
		if (n > 0 && have)
			q->overlapped++;	/* a second request before the first's answer */
		if (n > 0 && rd16(pkt) == 6) {
			uint32_t off = rd16(pkt + 2) * 8u, len = (uint32_t)n - off;

			if (serve(q, pkt + off, len)) {
				memcpy(pend, pkt + off, len);
				plen = len;
				tid = rd64(pkt + 8);
				have = true;
			}
		} else if (n > 0) {
			icg_err(q, "host packet not in-band");
		}
		if (have && q->mode == SLOW && n > 0) {
			pthread_mutex_unlock(&q->lock);
			g_sleep_ms(30);
			continue;	/* read what else came first */
		}
		if (have) {
			uint16_t fl = q->mode == PKT_FLAGS ? 1 : 0;
			uint32_t l = q->mode == SHORTER ? plen - 8 : plen;
			uint64_t t = q->mode == WRONG_TID ? tid + 1 : tid;

			if (m_send(q->g, &q->c, 6, fl, t, NULL, 0, pend, l))
				icg_err(q, "guest->host ring full");
			have = false;
		}
		pthread_mutex_unlock(&q->lock);
		if (!n)
			g_sleep_us(200);
	}
	free(pkt);
	free(pend);
	return NULL;
}

/* ---- set-up ---------------------------------------------------------------------- */
static const uint32_t pref_of[8][5] = {
	[1] = { 0x30000, 0x10000 },
	[2] = { 0x40000, 0x30000, 0x10000 },
	[3] = { 0x30002, 0x30001, 0x30000, 0x10000 },
	[4] = { 0x40000, 0x30000, 0x10000 },
	[5] = { 0x50000 },
	[7] = { 0x10001 },
};

static int host(struct guest *g)
{
	static const struct hs_config hc = { .nr_vps = G_VPS };

	return g_setup(g, &hc);
}

/* open the channel (again) and start the raw guest's thread */
static int icg_open(struct guest *g, struct icg *q)
{
	if (m_open(g, &q->c, q->offer, 4))
		return -1;
	atomic_store(&q->stop, false);
	q->negotiated = false;
	REQUIRE_RC(!pthread_create(&q->thread, NULL, responder, q), "no responder thread");
	q->running = true;
	return 0;
}

static void icg_halt(struct icg *q)
{
	if (q->running) {
		atomic_store(&q->stop, true);
		pthread_join(q->thread, NULL);
		q->running = false;
	}
}

/* open the IC's channel and start the raw guest on it */
static int icg_start(struct guest *g, struct icg *q, struct hs_ic *ic, int service)
{
	uint8_t o[16][240];
	int n, i;

	memset(q, 0, sizeof(*q));
	q->g = g;
	q->ic = ic;
	q->service = service;
	memcpy(q->sv_pref, pref_of[service], sizeof(q->sv_pref));
	pthread_mutex_init(&q->lock, NULL);
	n = m_connect(g, o, 16);
	REQUIRE_RC(n > 0, "no offers");
	i = m_find_offer(o, n, class_of[service], NULL, 0);
	REQUIRE_RC(i >= 0, "no offer of IC %d's class", service);
	memcpy(q->offer, o[i], sizeof(q->offer));
	return icg_open(g, q);
}

static void icg_stop(struct icg *q)
{
	icg_halt(q);
	free(q->file);
	q->file = NULL;
	if (q->g)
		pthread_mutex_destroy(&q->lock);
	q->g = NULL;
}

static void set_mode(struct icg *q, enum mode m)
{
	pthread_mutex_lock(&q->lock);
	q->mode = m;
	pthread_mutex_unlock(&q->lock);
}

/* a copy of the raw guest's record, taken under its lock */
static struct icg *snap(struct icg *q, struct icg *s)
{
	pthread_mutex_lock(&q->lock);
	memcpy(s, q, sizeof(*s));
	pthread_mutex_unlock(&q->lock);
	return s;
}

static struct hs_ic_stats ic_stats(struct hs_ic *ic)
{
	struct hs_ic_stats st;

	hs_ic_stats(ic, &st);
	return st;
}

/* an IC of `service` with the raw guest answering, negotiated */
static int setup(struct guest *g, struct icg *q, const struct hs_ic_config *cfg)
{
	struct hs_ic *ic;
	int rc;

	if (host(g))
		return -1;
	ic = hs_ic_add(g->h, cfg);
	REQUIRE_RC(ic, "hs_ic_add failed");
	if (icg_start(g, q, ic, cfg->service))
		return -1;
	if (cfg->manual_negotiate)
		return 0;
	rc = hs_ic_wait_negotiated(ic, WAIT);
	REQUIRE_RC(rc == 0, "negotiation: %d", rc);
	return 0;
}

static int ascii16(uint8_t *p, const char *s)
{
	int n = 0;

	while (*s)
		wr16(p + 2 * n++, (uint8_t)*s++);
	wr16(p + 2 * n, 0);
	return n;
}

/* ---- checks ----------------------------------------------------------------------- */

/* a check with one raw guest `q`, stopped however the check ends (before
 * the runner tears the host and the guest's memory down) */
#define IC_CHECK(name)							\
	static void name##_body(struct guest *g, struct icg *q);	\
	static void name(struct guest *g)				\
	{								\
		struct icg q = { 0 };					\
									\
		name##_body(g, &q);					\
		icg_stop(&q);						\
	}								\
	static void name##_body(struct guest *g, struct icg *q)

/* a string of n times c (static: one at a time) */
static const char *text(char c, size_t n)
{
	static char buf[4096];

	memset(buf, c, n);
	buf[n] = 0;
	return buf;
}

/* the last request carried `data` bytes of data (the ring pads to 8) */
static bool sized(const struct icg *s, uint32_t data)
{
	return rd16(s->last + H_DATA_SIZE) == data && s->last_len == ((H + data + 7) & ~7u);
}

/* every service: offer class, NEGOTIATE as sent, the guest's choice */
static void ic_negotiate_each_service(struct guest *g)
{
	static const int services[] = { 1, 2, 3, 4, 5, 7 };
	static const uint32_t chosen[8] = { [1] = 0x30000, [2] = 0x40000, [3] = 0x30002,
					    [4] = 0x40000, [5] = 0x50000, [7] = 0x10001 };
	static const unsigned int counts[8] = { [1] = 2, [2] = 3, [3] = 4, [4] = 3, [5] = 1,
						[7] = 1 };
	struct hs_ic *ics[6];
	struct icg *q = calloc(6, sizeof(*q)), s;
	uint8_t o[16][240];
	unsigned int i;
	int n, k;

	REQUIRE(!host(g), "host");
	for (i = 0; i < 6; i++)
		ics[i] = hs_ic_add(g->h, &(struct hs_ic_config){ .service = services[i] });
	n = m_connect(g, o, 16);
	REQUIRE(n == 6, "%d offers, expected 6", n);
	for (i = 0; i < 6 && !g->why[0]; i++) {
		int sv = services[i];

		memset(&q[i], 0, sizeof(q[i]));
		q[i].g = g;
		q[i].service = sv;
		memcpy(q[i].sv_pref, pref_of[sv], sizeof(q[i].sv_pref));
		pthread_mutex_init(&q[i].lock, NULL);
		k = m_find_offer(o, n, class_of[sv], NULL, 0);
		if (k < 0) {
			g_fail(g, "no offer with IC %d's class", sv);
			break;
		}
		if (m_open(g, &q[i].c, o[k], 4))
			break;
		q[i].running = !pthread_create(&q[i].thread, NULL, responder, &q[i]);
	}
	for (i = 0; i < 6 && !g->why[0]; i++) {
		struct hs_ic_stats st;
		int sv = services[i], rc = hs_ic_wait_negotiated(ics[i], WAIT);
		const uint8_t *m = snap(&q[i], &s)->last;

		if (rc) {
			g_fail(g, "IC %d: negotiation %d", sv, rc);
			break;
		}
		st = ic_stats(ics[i]);
		if (st.framework != 0x30000 || st.version != chosen[sv] || !st.negotiated) {
			g_fail(g, "IC %d: chose %#x/%#x", sv, st.framework, st.version);
			break;
		}
		/* the NEGOTIATE as the guest saw it */
		if (rd32(m) != 1 || rd32(m + 4) != 20u + rd16(m + H_DATA_SIZE) ||
		    rd16(m + H_TYPE) != 0 || m[H_FLAGS] != 3 || rd16(m + H) != 2 || rd16(m + H + 2) != counts[sv] ||
		    rd16(m + H_DATA_SIZE) != 8 + 4 * (2 + counts[sv]) ||
		    ver(m + H + 8) != 0x30000 || ver(m + H + 12) != 0x10000 ||
		    ver(m + H + 16) != pref_of[sv][0] || ver(m + H_FRAMEWORK) != 0x30000) {
			g_fail(g, "IC %d: NEGOTIATE pipe %u/%u type %u flags %#x counts %u/%u size %u",
			       sv, rd32(m), rd32(m + 4), rd16(m + H_TYPE), m[H_FLAGS], rd16(m + H),
			       rd16(m + H + 2), rd16(m + H_DATA_SIZE));
			break;
		}
	}
	for (i = 0; i < 6; i++)
		if (q[i].g)
			icg_stop(&q[i]);
	free(q);
}

/* refusal, bad answers, a version list of the test's */
IC_CHECK(ic_negotiate_refusal_and_bad_answers)
{
	static const uint32_t only9[] = { HS_IC_VERSION(9, 0), 0 };
	static const uint32_t mine[] = { HS_IC_VERSION(3, 0), 0 };
	struct hs_ic_config cfg = { .service = HS_IC_HEARTBEAT, .service_versions = only9 };
	struct hs_ic_stats st;
	struct hs_ic *ic;
	struct icg s;
	int rc;

	if (setup(g, q, &(struct hs_ic_config){ .service = HS_IC_HEARTBEAT,
						  .manual_negotiate = true }))
		return;
	/* nothing was sent on open */
	REQUIRE(hs_ic_wait_negotiated(q->ic, WAIT) == -EAGAIN, "negotiated by itself");
	REQUIRE(snap(q, &s)->requests == 0, "manual IC sent %u requests", s.requests);
	rc = hs_ic_negotiate(q->ic, WAIT);
	REQUIRE(rc == 0, "negotiate: %d", rc);
	set_mode(q, REFUSE);
	rc = hs_ic_negotiate(q->ic, WAIT);
	st = ic_stats(q->ic);
	REQUIRE(rc == 1 && st.refused && !st.negotiated, "refusal: %d", rc);
	set_mode(q, BAD_COUNTS);
	rc = hs_ic_negotiate(q->ic, WAIT);
	REQUIRE(rc == -EPROTO, "counts 2/1: %d", rc);
	set_mode(q, UNOFFERED);
	rc = hs_ic_negotiate(q->ic, WAIT);
	REQUIRE(rc == -EPROTO && ic_stats(q->ic).protocol_errors == 2, "version 9.9: %d", rc);
	icg_stop(q);
	g_teardown(g);

	/* a host offering only 9.0: a Linux-like guest refuses by itself */
	REQUIRE(!host(g), "host");
	ic = hs_ic_add(g->h, &(struct hs_ic_config){ .service = HS_IC_HEARTBEAT,
						     .service_versions = only9 });
	if (icg_start(g, q, ic, HS_IC_HEARTBEAT))
		return;
	rc = hs_ic_wait_negotiated(ic, WAIT);
	REQUIRE(rc == 1 && ic_stats(ic).refused, "9.0 only: %d", rc);
	icg_stop(q);
	g_teardown(g);

	/* the test's own lists */
	cfg.service_versions = mine;
	cfg.framework_versions = (const uint32_t[]){ HS_IC_VERSION(1, 0), 0 };
	if (setup(g, q, &cfg))
		return;
	st = ic_stats(q->ic);
	REQUIRE(st.framework == 0x10000 && st.version == 0x30000, "chose %#x/%#x", st.framework,
		st.version);
}

IC_CHECK(ic_heartbeat_shutdown_timesync)
{
	struct hs_ic_time t = { .unix_sec = 1700000000, .nsec = 123456700,
				.flags = HS_TIMESYNC_SYNC };
	uint64_t seq = 0, before, after, expect;
	uint32_t status = 1;
	struct icg s;
	int rc;

	if (setup(g, q, &(struct hs_ic_config){ .service = HS_IC_HEARTBEAT }))
		return;
	rc = hs_ic_heartbeat(q->ic, 41, &seq, &status, WAIT);
	REQUIRE(rc == 0 && seq == 42 && status == 0, "heartbeat: %d seq %llu", rc,
		(unsigned long long)seq);
	REQUIRE(sized(snap(q, &s), 40) &&
		ver(s.last + H_VERSION) == 0x30000 && ver(s.last + H_FRAMEWORK) == 0x30000,
		"heartbeat message %u bytes", s.last_len);
	icg_stop(q);
	g_teardown(g);

	if (setup(g, q, &(struct hs_ic_config){ .service = HS_IC_HEARTBEAT,
						  .heartbeat_short = true }))
		return;
	OK_OR(hs_ic_heartbeat(q->ic, ~0ull - 1, &seq, &status, WAIT), "short heartbeat");
	REQUIRE(seq == ~0ull && sized(snap(q, &s), 16), "short heartbeat %u bytes",
		s.last_len);
	icg_stop(q);
	g_teardown(g);

	if (setup(g, q, &(struct hs_ic_config){ .service = HS_IC_SHUTDOWN }))
		return;
	rc = hs_ic_shutdown(q->ic, HS_SHUTDOWN_RESTART | HS_SHUTDOWN_FORCE, 5, 30, "bye", &status,
			    WAIT);
	REQUIRE(rc == 0 && status == 0 && snap(q, &s)->shutdown_flags == 3 &&
		sized(&s, 2060) && !memcmp(s.last + H + 12, "bye", 4) &&
		rd32(s.last + H) == 5 && rd32(s.last + H + 4) == 30,
		"shutdown: %d status %#x flags %u", rc, status, s.shutdown_flags);
	rc = hs_ic_shutdown(q->ic, HS_SHUTDOWN_HIBERNATE, 0, 0, NULL, &status, WAIT);
	REQUIRE(rc == 0 && status == E_FAIL, "hibernate: %d status %#x", rc, status);
	REQUIRE(hs_ic_shutdown(q->ic, 0, 0, 0, text('x', 2048), &status, 10) ==
		-EINVAL, "message of 2048 bytes accepted");
	icg_stop(q);
	g_teardown(g);

	/* timesync 4.0: ParentTime, VmReferenceTime from the reference counter */
	if (setup(g, q, &(struct hs_ic_config){ .service = HS_IC_TIMESYNC }))
		return;
	expect = 1700000000ull * 10000000 + 1234567 + 116444736000000000ull;
	before = hs_reference_time(g->h);
	rc = hs_ic_timesync(q->ic, &t, &status, WAIT);
	after = hs_guest_rdmsr(g->h, 0, 0x40000020);
	snap(q, &s);
	REQUIRE(rc == 0 && status == 0, "timesync: %d", rc);
	REQUIRE(sized(&s, 24) && rd64(s.ts) == expect && t.parent_time == expect &&
		rd64(s.ts + 8) == t.reference_time && t.reference_time >= before &&
		t.reference_time <= after && s.ts[16] == 1,
		"timesync v4: %u bytes parent %llu ref %llu in [%llu, %llu] flags %u",
		s.last_len, (unsigned long long)rd64(s.ts), (unsigned long long)rd64(s.ts + 8),
		(unsigned long long)before, (unsigned long long)after, s.ts[16]);
	t.flags = HS_TIMESYNC_SAMPLE;
	t.zero_reference = true;
	OK_OR(hs_ic_timesync(q->ic, &t, &status, WAIT), "timesync sample");
	REQUIRE(rd64(snap(q, &s)->ts + 8) == 0 && s.ts[16] == 2, "sample with zero reference");
	icg_stop(q);
	g_teardown(g);

	/* below 4.0: ParentTime, ChildTime, RoundTripTime, Flags at 24 */
	if (setup(g, q, &(struct hs_ic_config){ .service = HS_IC_TIMESYNC,
		  .service_versions = (const uint32_t[]){ HS_IC_VERSION(3, 0), 0 } }))
		return;
	t.flags = HS_TIMESYNC_SYNC;
	t.zero_reference = false;
	OK_OR(hs_ic_timesync(q->ic, &t, &status, WAIT), "timesync 3.0");
	snap(q, &s);
	REQUIRE(sized(&s, 25) && rd64(s.ts) == expect && rd64(s.ts + 8) == 0 &&
		rd64(s.ts + 16) == 0 && s.ts[24] == 1 && t.reference_time == 0,
		"timesync 3.0: %u bytes flags %u", s.last_len, s.ts[24]);
	icg_stop(q);
	g_teardown(g);

	if (setup(g, q, &(struct hs_ic_config){ .service = HS_IC_TIMESYNC,
						  .timesync_v4_short = true }))
		return;
	OK_OR(hs_ic_timesync(q->ic, &t, &status, WAIT), "short timesync");
	REQUIRE(sized(snap(q, &s), 22), "short timesync %u bytes", s.last_len);
}

/* sizes per operation, then the pool operations and IP info */
static void kvp_checks(struct guest *g, struct icg *q, bool pad)
{
	const char *key = "Schlüssel", *val = "valeur 😀 ü";
	struct hs_kvp_ip_info ip = { .adapter_id = "00:15:5D:01:02:03" };
	struct hs_kvp_value v;
	uint32_t status = 1;
	struct icg s;
	uint8_t k16[64];
	int rc, kl = 9;		/* UTF-16 units of the key */

	if (setup(g, q, &(struct hs_ic_config){ .service = HS_IC_KVP, .kvp_pad_to_max = pad }))
		return;
	rc = hs_ic_kvp_set(q->ic, HS_KVP_POOL_EXTERNAL, key, val, &status, WAIT);
	REQUIRE(rc == 0 && status == 0, "SET: %d status %#x", rc, status);
	snap(q, &s);
	ascii16(k16, "Schl");
	wr16(k16 + 8, 0xFC);
	ascii16(k16 + 10, "ssel");
	REQUIRE(sized(&s, (pad ? 7428u : 2576u)) && s.last[H] == 1 && s.last[H + 1] == 0 &&
		rd32(s.last + H + 4) == 1 && rd32(s.last + H + 8) == 2u * kl + 2 &&
		!memcmp(s.last + H + 16, k16, 2u * kl + 2) && rd32(s.last + H + 12) == 24 &&
		rd16(s.last + H + 528 + 14) == 0xD83D && rd16(s.last + H + 528 + 16) == 0xDE00,
		"SET message: %u bytes, op %u type %u ksize %u vsize %u", s.last_len, s.last[H],
		rd32(s.last + H + 4), rd32(s.last + H + 8), rd32(s.last + H + 12));
	rc = hs_ic_kvp_get(q->ic, HS_KVP_POOL_EXTERNAL, key, &v, &status, WAIT);
	REQUIRE(rc == 0 && status == 0 && !strcmp(v.key, key) && !strcmp(v.value, val) &&
		v.value_type == 1 && v.value_size == 24, "GET: %d status %#x key '%s' value '%s'",
		rc, status, v.key, v.value);
	REQUIRE(sized(snap(q, &s), (pad ? 7428u : 2576u)) && s.last[H] == 0,
		"GET message %u bytes", s.last_len);
	OK_OR(hs_ic_kvp_set_number(q->ic, HS_KVP_POOL_EXTERNAL, "n", HS_KVP_REG_DWORD, 77, &status,
				   WAIT), "SET DWORD");
	rc = hs_ic_kvp_enumerate(q->ic, HS_KVP_POOL_EXTERNAL, 1, &v, &status, WAIT);
	REQUIRE(rc == 0 && status == 0 && !strcmp(v.key, "n") && v.number == 77 &&
		v.value_type == 4, "ENUMERATE 1: %d '%s' %llu", rc, v.key,
		(unsigned long long)v.number);
	REQUIRE(sized(snap(q, &s), (pad ? 7428u : 2580u)) && s.last[H] == 3 &&
		rd32(s.last + H + 4) == 1, "ENUMERATE message %u bytes", s.last_len);
	rc = hs_ic_kvp_enumerate(q->ic, HS_KVP_POOL_EXTERNAL, 2, &v, &status, WAIT);
	REQUIRE(rc == 0 && status == HS_IC_S_CONT, "ENUMERATE past the end: %d %#x", rc, status);
	rc = hs_ic_kvp_enumerate(q->ic, HS_KVP_POOL_GUEST, 0, &v, &status, WAIT);
	REQUIRE(rc == 0 && status == HS_IC_S_CONT, "other pool: %d %#x", rc, status);
	rc = hs_ic_kvp_delete(q->ic, HS_KVP_POOL_EXTERNAL, key, &status, WAIT);
	REQUIRE(rc == 0 && status == 0 && sized(snap(q, &s), (pad ? 7428u : 520u)) &&
		rd32(s.last + H + 4) == 2u * kl + 2, "DELETE: %d, %u bytes", rc, s.last_len);
	rc = hs_ic_kvp_get(q->ic, HS_KVP_POOL_EXTERNAL, key, &v, &status, WAIT);
	REQUIRE(rc == 0 && status == E_FAIL, "GET after DELETE: %d %#x", rc, status);
	/* IP info: 7428 bytes, no pad after Operation/Pool */
	rc = hs_ic_kvp_get_ip_info(q->ic, &ip, &status, WAIT);
	REQUIRE(rc == 0 && status == 0 && !strcmp(ip.addresses, "10.0.0.5") &&
		!strcmp(ip.subnets, "255.255.255.0") && !strcmp(ip.gateways, "10.0.0.1") &&
		!strcmp(ip.dns_servers, "10.0.0.2;10.0.0.3") && ip.address_family == 1 &&
		ip.dhcp_enabled == 1 && !strcmp(ip.adapter_id, "00:15:5D:01:02:03"),
		"GET_IP_INFO: %d '%s' '%s'", rc, ip.addresses, ip.dns_servers);
	REQUIRE(sized(snap(q, &s), 7428) && s.last[H] == 4 &&
		rd16(s.last + H + 2) == '0', "GET_IP_INFO message %u bytes", s.last_len);
	snprintf(ip.addresses, sizeof(ip.addresses), "192.168.1.7;fe80::1");
	ip.address_family = 3;
	ip.dhcp_enabled = 0;
	OK_OR(hs_ic_kvp_set_ip_info(q->ic, &ip, &status, WAIT), "SET_IP_INFO");
	snap(q, &s);
	REQUIRE(s.ip_set[0] == 5 && s.ip_set[258] == 3 && s.ip_set[259] == 0 &&
		rd16(s.ip_set + 260) == '1' && rd16(s.ip_set + 260 + 2 * 11) == ';' &&
		rd16(s.ip_set + 2308) == '2', "SET_IP_INFO body");
	/* arguments the wire cannot carry */
	REQUIRE(hs_ic_kvp_set(q->ic, 0, text('k', 599), "v", &status, 10) ==
		-EINVAL, "a 599-unit key accepted");
	REQUIRE(hs_ic_kvp_set(q->ic, 0, "k", "\xff", &status, 10) == -EINVAL, "bad UTF-8 accepted");
	REQUIRE(ic_stats(q->ic).protocol_errors == 0, "protocol errors");
}

IC_CHECK(ic_kvp_operations)
{
	kvp_checks(g, q, false);
}

IC_CHECK(ic_kvp_padded_to_largest_body)
{
	kvp_checks(g, q, true);
}

IC_CHECK(ic_vss_and_fcopy)
{
	uint32_t status = 1, flags = 9, i;
	uint8_t *file = malloc(20000);
	struct icg s;
	int rc;

	for (i = 0; i < 20000; i++)
		file[i] = (uint8_t)(i * 7 + i / 251);
	if (setup(g, q, &(struct hs_ic_config){ .service = HS_IC_VSS }))
		return;
	for (i = HS_VSS_CREATE; i <= HS_VSS_AUTO_RECOVER && !g->why[0]; i++) {
		rc = hs_ic_vss(q->ic, (uint8_t)i, 0, &status, &flags, WAIT);
		snap(q, &s);
		if (rc || status || flags != (i == HS_VSS_HOT_BACKUP ? 5u : 0u) ||
		    !sized(&s, 12) || s.last[H] != i)
			g_fail(g, "VSS op %u: %d status %#x flags %u, %u bytes", i, rc, status, flags,
			       s.last_len);
	}
	icg_stop(q);
	g_teardown(g);
	if (g->why[0])
		return;

	if (setup(g, q, &(struct hs_ic_config){ .service = HS_IC_FCOPY }))
		return;
	rc = hs_ic_fcopy_file(q->ic, "f.bin", "/tmp/dir", HS_FCOPY_OVERWRITE, file, 20000, 0,
			      &status, WAIT);
	snap(q, &s);
	REQUIRE(rc == 0 && status == 0 && s.file_done && s.file_size == 20000 &&
		s.written == 20000 && !memcmp(s.file, file, 20000) && sized(&s, 36) &&
		rd32(s.last + H) == 2, "fcopy file: %d status %#x written %llu", rc, status,
		(unsigned long long)s.written);
	/* one START and one WRITE as the guest saw them */
	OK_OR(hs_ic_fcopy_start(q->ic, "a", "/p", HS_FCOPY_CREATE_PATH, 5, &status, WAIT), "START");
	snap(q, &s);
	REQUIRE(sized(&s, 1088) && rd32(s.last + H) == 0 && rd16(s.last + H + 36) == 'a' &&
		rd16(s.last + H + 38) == 0 && rd16(s.last + H + 556) == '/' &&
		rd32(s.last + H + 1076) == 2 && rd64(s.last + H + 1080) == 5,
		"START message %u bytes", s.last_len);
	OK_OR(hs_ic_fcopy_write(q->ic, 2, "xyz", 3, &status, WAIT), "WRITE");
	snap(q, &s);
	REQUIRE(sized(&s, 6196) && rd32(s.last + H) == 1 && rd64(s.last + H + 40) == 2 &&
		rd32(s.last + H + 48) == 3 && !memcmp(s.last + H + 52, "xyz", 3),
		"WRITE message %u bytes", s.last_len);
	REQUIRE(hs_ic_fcopy_write(q->ic, 0, file, 6145, &status, 10) == -EINVAL,
		"a 6145-byte chunk accepted");
	/* a failing WRITE: CANCEL follows, its status comes back */
	pthread_mutex_lock(&q->lock);
	q->fail_write = DISK_FULL;
	pthread_mutex_unlock(&q->lock);
	rc = hs_ic_fcopy_file(q->ic, "g", "/p", 0, file, 9000, 4096, &status, WAIT);
	snap(q, &s);
	REQUIRE(rc == 0 && status == DISK_FULL && s.file_cancelled && !s.file_done &&
		rd32(s.last + H) == 3, "failed copy: %d status %#x", rc, status);
	REQUIRE(ic_stats(q->ic).protocol_errors == 0, "protocol errors");
	free(file);
}

/* the host's checks of an answer */
IC_CHECK(ic_answer_checks)
{
	static const struct {
		enum mode mode;
		uint32_t bit;
	} bad[] = {
		{ WRONG_TID, HS_ICV_TRANS_ID }, { PKT_FLAGS, HS_ICV_PKT },
		{ SHORTER, HS_ICV_LENGTH }, { IC_FLAGS, HS_ICV_IC_FLAGS },
		{ SAME_SEQ, HS_ICV_BODY },
	};
	struct hs_ic_response r;
	uint8_t payload[128];
	uint64_t seq = 0;
	uint32_t status, i;
	int rc;

	if (setup(g, q, &(struct hs_ic_config){ .service = HS_IC_HEARTBEAT }))
		return;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]) && !g->why[0]; i++) {
		set_mode(q, bad[i].mode);
		rc = hs_ic_heartbeat(q->ic, 10, &seq, &status, WAIT);
		if (rc != -EPROTO || hs_ic_last_response(q->ic, &r, NULL, 0) ||
		    !(r.violations & bad[i].bit) || ic_stats(q->ic).protocol_errors != i + 1)
			g_fail(g, "mode %d: %d, violations %#x", bad[i].mode, rc, r.violations);
	}
	set_mode(q, GOOD);
	rc = hs_ic_heartbeat(q->ic, 10, &seq, &status, WAIT);
	REQUIRE(rc == 0 && !hs_ic_last_response(q->ic, &r, payload, sizeof(payload)) &&
		r.violations == 0 && r.len == 72 && r.ic_flags == 5 && r.ic_type == 1 &&
		r.pkt_type == 6 && rd64(payload + H) == 11, "good answer: %d", rc);
	/* a packet that answers nothing */
	REQUIRE(!m_send(g, &q->c, 6, 0, 999, NULL, 0, payload, 48), "send");
	for (i = 0; i < WAIT && !ic_stats(q->ic).unsolicited; i++)
		g_sleep_ms(1);
	REQUIRE(ic_stats(q->ic).unsolicited == 1, "unsolicited %llu",
		(unsigned long long)ic_stats(q->ic).unsolicited);
	REQUIRE(hs_ic_heartbeat(q->ic, 1, &seq, &status, WAIT) == 0, "heartbeat after");
}

struct hb_arg {
	struct hs_ic *ic;
	int n;
	int rc;
};

static void *hb_thread(void *arg)
{
	struct hb_arg *a = arg;
	uint64_t seq;
	int i;

	for (i = 0; i < a->n && !a->rc; i++)
		a->rc = hs_ic_heartbeat(a->ic, (uint64_t)i, &seq, NULL, WAIT);
	return NULL;
}

/* timeouts, late answers, a host that does not read, one request at a time */
IC_CHECK(ic_timeouts_late_and_deaf_host)
{
	struct hb_arg a[3];
	pthread_t t[3];
	uint64_t seq;
	struct icg s;
	struct hs_ic_stats st;
	int rc, i;

	if (setup(g, q, &(struct hs_ic_config){ .service = HS_IC_HEARTBEAT }))
		return;
	set_mode(q, SILENT);
	rc = hs_ic_heartbeat(q->ic, 1, &seq, NULL, SHORT);
	REQUIRE(rc == -ETIMEDOUT && ic_stats(q->ic).timeouts == 1, "silent guest: %d", rc);
	set_mode(q, GOOD);
	OK_OR(hs_ic_heartbeat(q->ic, 1, &seq, NULL, WAIT), "after a timeout");
	/* deaf host: the answer stays in the ring, then counts as late */
	hs_ic_pause_reading(q->ic, true);
	rc = hs_ic_heartbeat(q->ic, 5, &seq, NULL, SHORT);
	REQUIRE(rc == -ETIMEDOUT && snap(q, &s)->requests == 4, "deaf host: %d", rc);
	hs_ic_pause_reading(q->ic, false);
	OK_OR(hs_ic_heartbeat(q->ic, 6, &seq, NULL, WAIT), "after unpausing");
	st = ic_stats(q->ic);
	REQUIRE(st.late == 1 && st.protocol_errors == 0, "late %llu errors %llu",
		(unsigned long long)st.late, (unsigned long long)st.protocol_errors);
	/* three threads at once: the guest never sees two outstanding */
	set_mode(q, SLOW);
	for (i = 0; i < 3; i++) {
		a[i].ic = q->ic;
		a[i].n = 3;
		a[i].rc = 0;
		pthread_create(&t[i], NULL, hb_thread, &a[i]);
	}
	for (i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	REQUIRE(!a[0].rc && !a[1].rc && !a[2].rc, "concurrent heartbeats: %d %d %d", a[0].rc,
		a[1].rc, a[2].rc);
	REQUIRE(snap(q, &s)->overlapped == 0 && s.requests == 14, "%u overlapped, %u requests",
		s.overlapped, s.requests);
}

/* malformed requests, as the guest sees them; a guest that checks fails them */
IC_CHECK(ic_fault_injection)
{
	struct hs_ic_fault f = { .count = 1 };
	struct hs_kvp_value v;
	uint32_t status = 0;
	uint64_t seq;
	struct icg s;
	int rc;

	if (setup(g, q, &(struct hs_ic_config){ .service = HS_IC_KVP }))
		return;
	f.kind = HS_ICF_SHORT_DATA;
	hs_ic_inject(q->ic, &f);
	rc = hs_ic_kvp_set(q->ic, 0, "k", "v", &status, WAIT);
	snap(q, &s);
	REQUIRE(rc == 0 && status == E_FAIL && rd16(s.last + H_DATA_SIZE) == 1288 &&
		s.last_len == (H + 1288 + 7) / 8 * 8 && rd32(s.last + 4) == 1288 + 20,
		"short data: %d %#x size %u", rc, status, rd16(s.last + H_DATA_SIZE));
	f.kind = HS_ICF_DATA_SIZE_OVERRUN;
	hs_ic_inject(q->ic, &f);
	rc = hs_ic_kvp_get(q->ic, 0, "k", &v, &status, WAIT);
	REQUIRE(rc == 0 && status == E_FAIL && rd16(snap(q, &s)->last + H_DATA_SIZE) == 2576 + 64,
		"overrun: %d %#x", rc, status);
	f.kind = HS_ICF_BAD_ENUM;
	hs_ic_inject(q->ic, &f);
	rc = hs_ic_kvp_get(q->ic, 0, "k", &v, &status, WAIT);
	REQUIRE(rc == 0 && status == E_FAIL && snap(q, &s)->last[H] == 0xEE, "bad enum: %d", rc);
	f.kind = HS_ICF_NO_NUL;
	hs_ic_inject(q->ic, &f);
	rc = hs_ic_kvp_set(q->ic, 0, "k", "v", &status, WAIT);
	REQUIRE(rc == 0 && status == E_FAIL && rd32(snap(q, &s)->last + H + 8) == 512 &&
		rd16(s.last + H + 16 + 510) == 'A', "no NUL: %d", rc);
	f.kind = HS_ICF_OVERSIZE;
	hs_ic_inject(q->ic, &f);
	rc = hs_ic_kvp_set(q->ic, 0, "k", "v", &status, WAIT);
	REQUIRE(rc == 0 && status == E_FAIL && rd32(snap(q, &s)->last + H + 8) == 1024 &&
		rd32(s.last + H + 12) == 4096, "oversize: %d", rc);
	f.kind = HS_ICF_UNKNOWN_TYPE;
	hs_ic_inject(q->ic, &f);
	rc = hs_ic_kvp_set(q->ic, 0, "k", "v", &status, WAIT);
	REQUIRE(rc == 0 && status == E_FAIL && rd16(snap(q, &s)->last + H_TYPE) == 99,
		"unknown type: %d", rc);
	/* a fault that does not apply waits for a message it applies to */
	f.kind = HS_ICF_NEGOTIATE_COUNTS;
	hs_ic_inject(q->ic, &f);
	rc = hs_ic_kvp_set(q->ic, 0, "k", "v", &status, WAIT);
	REQUIRE(rc == 0 && status == 0 && ic_stats(q->ic).faults == 6, "clean SET: %d %#x", rc,
		status);
	REQUIRE(ic_stats(q->ic).protocol_errors == 0, "protocol errors after faults");
	icg_stop(q);
	g_teardown(g);

	/* NEGOTIATE with counts past its data, then a request before negotiation */
	if (setup(g, q, &(struct hs_ic_config){ .service = HS_IC_HEARTBEAT,
						  .manual_negotiate = true }))
		return;
	hs_ic_inject(q->ic, &f);
	rc = hs_ic_negotiate(q->ic, WAIT);
	REQUIRE(rc == 1 && rd16(snap(q, &s)->last + H) == 200 && s.rejected == 1,
		"bad counts: %d", rc);
	rc = hs_ic_heartbeat(q->ic, 1, &seq, NULL, SHORT);
	REQUIRE(rc == -ETIMEDOUT && snap(q, &s)->dropped == 1, "before negotiation: %d", rc);
	REQUIRE(hs_ic_negotiate(q->ic, WAIT) == 0, "negotiate");
	REQUIRE(hs_ic_heartbeat(q->ic, 1, &seq, NULL, WAIT) == 0 && seq == 2, "heartbeat");
}

/* close while a request waits; reopening negotiates again */
IC_CHECK(ic_close_and_reopen)
{
	struct hb_arg a = { .n = 5 };
	struct hs_ic_stats st;
	uint64_t seq = 0;
	pthread_t t;
	int rc;

	if (setup(g, q, &(struct hs_ic_config){ .service = HS_IC_HEARTBEAT }))
		return;
	set_mode(q, SILENT);
	a.ic = q->ic;
	pthread_create(&t, NULL, hb_thread, &a);
	g_sleep_ms(20);
	icg_halt(q);
	rc = g_close(g, &q->c);
	pthread_join(t, NULL);
	REQUIRE(!rc && a.rc == -ENOTCONN && !ic_stats(q->ic).open, "close: %d waiter %d", rc, a.rc);
	REQUIRE(hs_ic_heartbeat(q->ic, 1, &seq, NULL, 20) == -ENOTCONN, "closed IC answered");
	set_mode(q, GOOD);
	if (icg_open(g, q))
		return;
	rc = hs_ic_wait_negotiated(q->ic, WAIT);
	st = ic_stats(q->ic);
	REQUIRE(rc == 0 && st.negotiations == 2 && st.open, "reopen: %d, %u negotiations", rc,
		st.negotiations);
	REQUIRE(hs_ic_heartbeat(q->ic, 7, &seq, NULL, WAIT) == 0 && seq == 8, "after reopen");
}

void ic_tests(void (*run)(const char *name, void (*fn)(struct guest *g)))
{
	run("ic_negotiate_each_service", ic_negotiate_each_service);
	run("ic_negotiate_refusal_and_bad_answers", ic_negotiate_refusal_and_bad_answers);
	run("ic_heartbeat_shutdown_timesync", ic_heartbeat_shutdown_timesync);
	run("ic_kvp_operations", ic_kvp_operations);
	run("ic_kvp_padded_to_largest_body", ic_kvp_padded_to_largest_body);
	run("ic_vss_and_fcopy", ic_vss_and_fcopy);
	run("ic_answer_checks", ic_answer_checks);
	run("ic_timeouts_late_and_deaf_host", ic_timeouts_late_and_deaf_host);
	run("ic_fault_injection", ic_fault_injection);
	run("ic_close_and_reopen", ic_close_and_reopen);
}
