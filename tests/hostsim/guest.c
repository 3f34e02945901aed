// SPDX-License-Identifier: GPL-2.0
/*
 * The self-test's minimal guest: memory, fake interrupts, SynIC bring-up,
 * message slots, VMBus requests and a small ring implementation, all written
 * here from the fact sheet (no driver code).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "guest.h"

#define PAGE		4096u
#define SLOT(g, vp)	((g)->simp[vp] + 2 * 256)

/* ---- little-endian --------------------------------------------------------- */
uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16;
}

uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)v);
	wr16(p + 2, (uint16_t)(v >> 16));
}

void wr64(uint8_t *p, uint64_t v)
{
	wr32(p, (uint32_t)v);
	wr32(p + 4, (uint32_t)(v >> 32));
}

void g_sleep_ms(unsigned int ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

void g_sleep_us(unsigned int us)
{
	struct timespec ts = { (time_t)(us / 1000000), (long)(us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void nap(void)
{
	g_sleep_us(100);
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

void g_fail(struct guest *g, const char *fmt, ...)
{
	va_list ap;

	if (g->why[0])
		return;
	va_start(ap, fmt);
	vsnprintf(g->why, sizeof(g->why), fmt, ap);
	va_end(ap);
}

/* ---- memory: GPA == host address ---------------------------------------------- */
uint64_t gpa(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

void *g_alloc(struct guest *g, size_t pages)
{
	void *p = aligned_alloc(PAGE, pages * PAGE);

	if (!p || g->nmem == G_MAX_REGIONS) {
		fprintf(stderr, "selftest: out of memory\n");
		abort();
	}
	memset(p, 0, pages * PAGE);
	pthread_mutex_lock(&g->mem_lock);
	g->mem[g->nmem].p = p;
	g->mem[g->nmem].len = pages * PAGE;
	g->nmem++;
	pthread_mutex_unlock(&g->mem_lock);
	return p;
}

static void *g_map(void *ctx, uint64_t a, size_t len)
{
	struct guest *g = ctx;
	void *r = NULL;
	unsigned int i;

	pthread_mutex_lock(&g->mem_lock);
	for (i = 0; i < g->nmem; i++) {
		uint64_t base = gpa(g->mem[i].p);

		if (a >= base && len <= g->mem[i].len && a - base <= g->mem[i].len - len) {
			r = (void *)(uintptr_t)a;
			break;
		}
	}
	pthread_mutex_unlock(&g->mem_lock);
	return r;
}

static void g_irq(void *ctx, uint32_t vp, uint8_t vector)
{
	struct guest *g = ctx;

	/* hostsim must raise interrupts from its own threads only */
	if (pthread_equal(pthread_self(), g->test_thread) || vp >= G_VPS) {
		atomic_fetch_add(&g->bad_irqs, 1);
		return;
	}
	atomic_store(&g->last_vector[vp], vector);
	atomic_fetch_add(&g->irqs[vp], 1);
}

/* ---- life cycle ------------------------------------------------------------------ */
int g_setup_raw(struct guest *g, const struct hs_config *cfg)
{
	struct hs_config c = *cfg;

	memset(g, 0, sizeof(*g));
	pthread_mutex_init(&g->mem_lock, NULL);
	g->test_thread = pthread_self();
	g->env.ctx = g;
	g->env.map = g_map;
	g->env.interrupt = g_irq;
	if (!c.nr_vps)
		c.nr_vps = G_VPS;
	g->h = hs_create(&c, &g->env);
	if (!g->h || hs_start(g->h))
		return -1;
	g->hcpage = g_alloc(g, 1);
	g->input = g_alloc(g, 1);
	g->mon1 = g_alloc(g, 1);
	g->mon2 = g_alloc(g, 1);
	g->msg_conn = 1;
	g->next_gpadl = 0xE1E10;
	return 0;
}

int g_setup(struct guest *g, const struct hs_config *cfg)
{
	unsigned int vp, n;

	if (g_setup_raw(g, cfg))
		return -1;
	n = cfg->nr_vps ? cfg->nr_vps : G_VPS;
	if (hs_guest_wrmsr(g->h, 0, 0x40000000, 0x8100ull << 48 | 0x060100ull << 16))
		return -1;
	if (hs_guest_wrmsr(g->h, 0, 0x40000001, gpa(g->hcpage) | 1))
		return -1;
	for (vp = 0; vp < n && vp < G_VPS; vp++) {
		g->simp[vp] = g_alloc(g, 1);
		g->sief[vp] = g_alloc(g, 1);
		if (hs_guest_wrmsr(g->h, vp, 0x40000083, gpa(g->simp[vp]) | 1) ||
		    hs_guest_wrmsr(g->h, vp, 0x40000082, gpa(g->sief[vp]) | 1) ||
		    hs_guest_wrmsr(g->h, vp, 0x40000092, G_VECTOR) ||
		    hs_guest_wrmsr(g->h, vp, 0x40000080, 1))
			return -1;
	}
	return 0;
}

void g_teardown(struct guest *g)
{
	unsigned int i;

	hs_destroy(g->h);
	for (i = 0; i < g->nmem; i++)
		free(g->mem[i].p);
	pthread_mutex_destroy(&g->mem_lock);
}

/* ---- hypervisor ---------------------------------------------------------------- */
uint64_t g_post(struct guest *g, uint32_t vp, uint32_t conn, const void *msg, uint32_t len)
{
	memset(g->input, 0, 256);
	wr32(g->input, conn);
	wr32(g->input + 8, 1);
	wr32(g->input + 12, len);
	memcpy(g->input + 16, msg, len);
	return hs_guest_hypercall(g->h, vp, 0x5C, gpa(g->input), 0);
}

uint64_t g_signal(struct guest *g, uint32_t conn)
{
	return hs_guest_hypercall_fast(g->h, 0, 0x5D | 1u << 16, conn, 0);
}

static int take_slot(struct guest *g, uint32_t vp, uint8_t *buf)
{
	uint8_t *slot = SLOT(g, vp);
	uint32_t type = __atomic_load_n((uint32_t *)slot, __ATOMIC_ACQUIRE);
	int len;

	if (!type)
		return -1;
	len = slot[4];
	memcpy(buf, slot + 16, (size_t)len);
	__atomic_compare_exchange_n((uint32_t *)slot, &type, 0, false, __ATOMIC_SEQ_CST,
				    __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(slot + 5, __ATOMIC_ACQUIRE) & 1)
		hs_guest_wrmsr(g->h, vp, 0x40000084, 0);
	return len;
}

int g_recv(struct guest *g, uint32_t vp, uint8_t *buf, unsigned int timeout_ms)
{
	struct timespec t0;
	int len;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		len = take_slot(g, vp, buf);
		if (len >= 0)
			return len;
		if (elapsed_ms(&t0) >= (long)timeout_ms)
			return -1;
		nap();
	}
}

int g_expect(struct guest *g, uint32_t type, uint8_t *buf, unsigned int timeout_ms)
{
	int len = g_recv(g, g->msg_vp, buf, timeout_ms);

	if (len < 0) {
		g_fail(g, "no message %u within %u ms", type, timeout_ms);
		return -1;
	}
	if (len < 8 || rd32(buf) != type) {
		g_fail(g, "expected message %u, got %u (%d bytes)", type, len >= 4 ? rd32(buf) : 0,
		       len);
		return -1;
	}
	return len;
}

bool g_quiet(struct guest *g, uint32_t vp, unsigned int ms)
{
	uint8_t buf[256];
	int len = g_recv(g, vp, buf, ms);

	if (len >= 0) {
		g_fail(g, "unexpected message %u", len >= 4 ? rd32(buf) : 0);
		return false;
	}
	return true;
}

bool g_sief_take(struct guest *g, uint32_t vp, uint32_t relid)
{
	uint32_t *w = (uint32_t *)(g->sief[vp] + 2 * 256) + relid / 32;
	uint32_t bit = 1u << (relid % 32);

	return __atomic_fetch_and(w, ~bit, __ATOMIC_SEQ_CST) & bit;
}

bool g_wait_sief(struct guest *g, uint32_t vp, uint32_t relid, unsigned int ms)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!g_sief_take(g, vp, relid)) {
		if (elapsed_ms(&t0) > (long)ms)
			return false;
		nap();
	}
	return true;
}

/* ---- VMBus ------------------------------------------------------------------------- */
int g_contact(struct guest *g, uint32_t version, uint32_t conn, uint32_t target_vp,
	      uint8_t *resp)
{
	uint8_t m[40] = { 0 };
	uint64_t st;
	int len;

	wr32(m, M_INITIATE_CONTACT);
	wr32(m + 8, version);
	wr32(m + 12, target_vp);
	if (version >= V(5, 0))
		m[16] = 2;		/* MsgSint */
	wr64(m + 24, gpa(g->mon1));
	wr64(m + 32, gpa(g->mon2));
	st = g_post(g, 0, conn, m, sizeof(m));
	if (st)
		return (int)st;
	len = g_recv(g, target_vp, resp, 5000);
	if (len < 16 || rd32(resp) != M_VERSION_RESPONSE) {
		struct hs_vmbus_state hst;

		hs_vmbus_state(g->h, &hst);
		g_fail(g, "no VERSION_RESPONSE on VP %u (len %d; host saw %u contacts, "
		       "%u errors, version %#x; slot type %u)", target_vp, len, hst.contacts,
		       hst.protocol_errors, hst.version, rd32(SLOT(g, target_vp)));
		return -1;
	}
	return 0;
}

int g_connect(struct guest *g, uint32_t version)
{
	uint8_t r[256];
	int rc = g_contact(g, version, version >= V(5, 0) ? 4 : 1, 0, r);

	if (rc) {
		g_fail(g, "INITIATE_CONTACT %#x: %d", version, rc);
		return -1;
	}
	if (!r[8]) {
		g_fail(g, "version %#x refused", version);
		return -1;
	}
	g->msg_conn = version >= V(5, 0) ? rd32(r + 12) : 1;
	g->msg_vp = 0;
	return 0;
}

static int post_msg(struct guest *g, const void *m, uint32_t len)
{
	uint64_t st = g_post(g, 0, g->msg_conn, m, len);

	if (st) {
		g_fail(g, "PostMessage of message %u: status %llu", rd32(m),
		       (unsigned long long)st);
		return -1;
	}
	return 0;
}

int g_request_offers(struct guest *g, uint8_t offers[][240], int max)
{
	uint8_t m[8] = { 0 }, buf[256];
	int n = 0, len;

	wr32(m, M_REQUESTOFFERS);
	if (post_msg(g, m, sizeof(m)))
		return -1;
	for (;;) {
		len = g_recv(g, g->msg_vp, buf, 5000);
		if (len < 8) {
			g_fail(g, "offers: no ALLOFFERS_DELIVERED");
			return -1;
		}
		if (rd32(buf) == M_ALLOFFERS)
			return n;
		if (rd32(buf) != M_OFFER || n == max) {
			g_fail(g, "offers: unexpected message %u", rd32(buf));
			return -1;
		}
		memcpy(offers[n++], buf, (size_t)len);
	}
}

/* send a range array (any number of ranges) as GPADL_HEADER + BODYs */
static int gpadl_send(struct guest *g, uint32_t relid, uint32_t handle, const uint8_t *ranges,
		      uint32_t len, uint16_t count)
{
	uint8_t m[240];
	uint32_t off = 0, n, msgnum = 0;

	memset(m, 0, sizeof(m));
	wr32(m, M_GPADL_HEADER);
	wr32(m + 8, relid);
	wr32(m + 12, handle);
	wr16(m + 16, (uint16_t)len);
	wr16(m + 18, count);
	n = len < 27 * 8 ? len : 27 * 8;
	memcpy(m + 20, ranges, n);
	if (post_msg(g, m, 20 + n))
		return -1;
	for (off = n; off < len; off += n) {
		n = len - off < 28 * 8 ? len - off : 28 * 8;
		memset(m, 0, sizeof(m));
		wr32(m, M_GPADL_BODY);
		wr32(m + 8, msgnum++);
		wr32(m + 12, handle);
		memcpy(m + 16, ranges + off, n);
		if (post_msg(g, m, 16 + n))
			return -1;
	}
	return 0;
}

int g_gpadl_ranges(struct guest *g, uint32_t relid, uint32_t handle, const uint8_t *ranges,
		   uint32_t len, uint16_t count, uint32_t *status)
{
	uint8_t r[256];

	if (gpadl_send(g, relid, handle, ranges, len, count))
		return -1;
	if (g_expect(g, M_GPADL_CREATED, r, 5000) < 20)
		return -1;
	if (rd32(r + 8) != relid || rd32(r + 12) != handle) {
		g_fail(g, "GPADL_CREATED for relid %u handle %#x, expected %u %#x", rd32(r + 8),
		       rd32(r + 12), relid, handle);
		return -1;
	}
	*status = rd32(r + 16);
	return 0;
}

int g_gpadl_create(struct guest *g, uint32_t relid, uint32_t handle, const void *buf,
		   uint32_t pages, uint32_t *status)
{
	uint32_t len = 8 + 8 * pages, i;
	uint8_t *ranges = malloc(len);
	int rc;

	wr32(ranges, pages * PAGE);
	wr32(ranges + 4, 0);
	for (i = 0; i < pages; i++)
		wr64(ranges + 8 + 8 * i, gpa((const uint8_t *)buf + (size_t)i * PAGE) >> 12);
	rc = g_gpadl_ranges(g, relid, handle, ranges, len, 1, status);
	free(ranges);
	return rc;
}

int g_gpadl_teardown(struct guest *g, uint32_t relid, uint32_t handle)
{
	uint8_t m[16] = { 0 }, r[256];

	wr32(m, M_GPADL_TEARDOWN);
	wr32(m + 8, relid);
	wr32(m + 12, handle);
	if (post_msg(g, m, sizeof(m)) || g_expect(g, M_GPADL_TORNDOWN, r, 5000) < 12)
		return -1;
	if (rd32(r + 8) != handle) {
		g_fail(g, "GPADL_TORNDOWN for %#x, expected %#x", rd32(r + 8), handle);
		return -1;
	}
	return 0;
}

int g_open(struct guest *g, struct gchan *c, uint32_t relid, uint32_t conn_id,
	   uint32_t out_pages, uint32_t in_pages, uint32_t vp, const uint8_t *user_data,
	   uint32_t *status)
{
	uint8_t m[148] = { 0 }, r[256];
	uint32_t st;

	memset(c, 0, sizeof(*c));
	c->relid = relid;
	c->conn_id = conn_id;
	c->vp = vp;
	c->mem = g_alloc(g, out_pages + in_pages);
	c->out.ctl = c->mem;
	c->out.data = c->mem + PAGE;
	c->out.size = (out_pages - 1) * PAGE;
	c->in.ctl = c->mem + (size_t)out_pages * PAGE;
	c->in.data = c->in.ctl + PAGE;
	c->in.size = (in_pages - 1) * PAGE;
	wr32(c->out.ctl + 64, 1);	/* FeatureBits: pending-send-size */
	wr32(c->in.ctl + 64, 1);
	c->gpadl = g->next_gpadl++;
	if (g_gpadl_create(g, relid, c->gpadl, c->mem, out_pages + in_pages, &st))
		return -1;
	if (st) {
		g_fail(g, "ring GPADL failed: %#x", st);
		return -1;
	}
	wr32(m, M_OPEN);
	wr32(m + 8, relid);
	wr32(m + 12, relid ^ 0x5a5a);	/* OpenId */
	wr32(m + 16, c->gpadl);
	wr32(m + 20, vp);
	wr32(m + 24, out_pages);
	if (user_data)
		memcpy(m + 28, user_data, 120);
	if (post_msg(g, m, sizeof(m)) || g_expect(g, M_OPEN_RESULT, r, 5000) < 20)
		return -1;
	if (rd32(r + 8) != relid || rd32(r + 12) != (relid ^ 0x5a5a)) {
		g_fail(g, "OPENCHANNEL_RESULT relid %u openid %#x", rd32(r + 8), rd32(r + 12));
		return -1;
	}
	*status = rd32(r + 16);
	return 0;
}

int g_close(struct guest *g, struct gchan *c)
{
	uint8_t m[12] = { 0 };

	wr32(m, M_CLOSE);
	wr32(m + 8, c->relid);
	if (post_msg(g, m, sizeof(m)))
		return -1;
	return g_gpadl_teardown(g, c->relid, c->gpadl);
}

/* ---- rings ----------------------------------------------------------------------- */
uint32_t gr_load(const uint8_t *ctl, uint32_t off)
{
	return __atomic_load_n((const uint32_t *)(ctl + off), __ATOMIC_ACQUIRE);
}

void gr_store(uint8_t *ctl, uint32_t off, uint32_t v)
{
	__atomic_store_n((uint32_t *)(ctl + off), v, __ATOMIC_RELEASE);
}

static uint32_t ring_used(const struct gring *r, uint32_t w, uint32_t rd)
{
	return (w + r->size - rd) % r->size;
}

uint32_t gr_free(const struct gring *r)
{
	return r->size - ring_used(r, gr_load(r->ctl, 0), gr_load(r->ctl, 4));
}

static void ring_put(struct gring *r, uint32_t off, const uint8_t *p, uint32_t n)
{
	uint32_t first = r->size - off < n ? r->size - off : n;

	memcpy(r->data + off, p, first);
	memcpy(r->data, p + first, n - first);
}

static void ring_get(const struct gring *r, uint32_t off, uint8_t *p, uint32_t n)
{
	uint32_t first = r->size - off < n ? r->size - off : n;

	memcpy(p, r->data + off, first);
	memcpy(p + first, r->data, n - first);
}

uint32_t g_pkt(uint8_t *buf, uint16_t type, uint16_t flags, uint64_t tid, const void *data,
	       uint32_t len)
{
	uint32_t total = 16 + ((len + 7) & ~7u);

	memset(buf, 0, total);
	wr16(buf, type);
	wr16(buf + 2, 2);
	wr16(buf + 4, (uint16_t)(total / 8));
	wr16(buf + 6, flags);
	wr64(buf + 8, tid);
	memcpy(buf + 16, data, len);
	return total;
}

int gr_write(struct gring *r, const uint8_t *pkt, uint32_t len, bool *signal)
{
	uint32_t w = gr_load(r->ctl, 0), rd = gr_load(r->ctl, 4);
	uint8_t trailer[8];

	*signal = false;
	if (r->size - ring_used(r, w, rd) <= len + 8)
		return -1;
	ring_put(r, w, pkt, len);
	wr32(trailer, 0);
	wr32(trailer + 4, w);
	ring_put(r, (w + len) % r->size, trailer, 8);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	gr_store(r->ctl, 0, (w + len + 8) % r->size);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	*signal = !gr_load(r->ctl, 8) && gr_load(r->ctl, 4) == w;
	return 0;
}

/* one packet into buf; its length, 0 when empty, -1 when malformed.
 * *signal: the host's PendingSendSize was crossed (§3.4, Linux's rule) */
int gr_read(struct gring *r, uint8_t *buf, uint32_t cap, bool *signal)
{
	uint32_t w = gr_load(r->ctl, 0), rd = gr_load(r->ctl, 4), len, next, pend;
	uint32_t fb, fa, w2;
	uint8_t trailer[8];

	*signal = false;
	if (w == rd)
		return 0;
	ring_get(r, rd, buf, 16);
	len = rd16(buf + 4) * 8u;
	if (len < 16 || len > cap || len + 8 > ring_used(r, w, rd))
		return -1;
	ring_get(r, rd, buf, len);
	ring_get(r, (rd + len) % r->size, trailer, 8);
	if (rd32(trailer + 4) != rd)
		return -1;
	next = (rd + len + 8) % r->size;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	gr_store(r->ctl, 4, next);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	pend = gr_load(r->ctl, 12);
	if (pend && (gr_load(r->ctl, 64) & 1)) {
		w2 = gr_load(r->ctl, 0);
		fb = r->size - ring_used(r, w2, rd);
		fa = r->size - ring_used(r, w2, next);
		*signal = fb <= pend && pend < fa;
	}
	return (int)len;
}
