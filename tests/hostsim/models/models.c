// SPDX-License-Identifier: GPL-2.0
/*
 * Device-model self-test: the runner and the raw-guest helpers the storvsp
 * and netvsp checks share.  `hostsim-models [storvsp|netvsp|NAME...]` runs
 * all checks, one suite, or the named checks; with HOSTSIM_SHARD=i/n only
 * every n-th of them, starting at the i-th (the rung runs n side by side).
 * One `PASS hostsim:...` / `FAIL hostsim:...: why` line per check; exit
 * status 1 if any failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "models.h"

static int failures, argc_, ran;
static unsigned int shard, shards, seen;	/* HOSTSIM_SHARD=i/n: every n-th check from i */
static char **argv_;
static const char *suite;

uint64_t m_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint32_t m_rand(uint32_t *s)
{
	/* xorshift32: reproducible without libc state */
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

int m_connect(struct guest *g, uint8_t o[][240], int max)
{
	if (g_connect(g, V(5, 3)))
		return -1;
	return g_request_offers(g, o, max);
}

int m_find_offer(uint8_t o[][240], int n, const uint8_t cls[16], const uint8_t *inst,
		 uint16_t sub)
{
	int i;

	for (i = 0; i < n; i++)
		if (!memcmp(o[i] + OFFER_CLASS, cls, 16) && rd16(o[i] + OFFER_SUBIDX) == sub &&
		    (!inst || !memcmp(o[i] + OFFER_INSTANCE, inst, 16)))
			return i;
	return -1;
}

int m_collect_offers(struct guest *g, uint8_t o[][240], int max, int want, unsigned int ms)
{
	uint8_t buf[256];
	uint64_t end = m_now_ms() + ms;
	int n = 0, len;

	while (n < want && n < max && m_now_ms() < end) {
		len = g_recv(g, g->msg_vp, buf, 50);
		if (len < 0)
			continue;
		if (len < 196 || rd32(buf) != M_OFFER) {
			g_fail(g, "expected an offer, got message %u (%d bytes)", rd32(buf), len);
			return -1;
		}
		memcpy(o[n++], buf, (size_t)len);
	}
	return n;
}

int m_open(struct guest *g, struct gchan *c, const uint8_t *offer, uint32_t pages)
{
	uint8_t ud[120] = { 0 };
	uint32_t st;

	if (g_open(g, c, rd32(offer + OFFER_RELID), rd32(offer + OFFER_CONN), pages, pages, 0, ud,
		   &st))
		return -1;
	if (st) {
		g_fail(g, "OPENCHANNEL_RESULT status %#x", st);
		return -1;
	}
	return 0;
}

int m_send(struct guest *g, struct gchan *c, uint16_t type, uint16_t flags, uint64_t tid,
	   const void *ext, uint32_t ext_len, const void *data, uint32_t len)
{
	uint32_t hdr = 16 + ((ext_len + 7) & ~7u), total = hdr + ((len + 7) & ~7u);
	uint8_t *pkt = calloc(1, total);
	bool sig;
	int rc;

	wr16(pkt, type);
	wr16(pkt + 2, (uint16_t)(hdr / 8));
	wr16(pkt + 4, (uint16_t)(total / 8));
	wr16(pkt + 6, flags);
	wr64(pkt + 8, tid);
	if (ext_len)
		memcpy(pkt + 16, ext, ext_len);
	if (len)
		memcpy(pkt + hdr, data, len);
	rc = gr_write(&c->out, pkt, total, &sig);
	free(pkt);
	if (rc)
		return -1;
	if (sig && g_signal(g, c->conn_id)) {
		g_fail(g, "SignalEvent failed");
		return -1;
	}
	return 0;
}

int m_send_gpa(struct guest *g, struct gchan *c, uint16_t flags, uint64_t tid,
	       const uint8_t *ranges, uint32_t ranges_len, uint32_t count, const void *data,
	       uint32_t len)
{
	uint8_t *ext = calloc(1, 8 + ranges_len);
	int rc;

	wr32(ext + 4, count);
	memcpy(ext + 8, ranges, ranges_len);
	rc = m_send(g, c, 9, flags, tid, ext, 8 + ranges_len, data, len);
	free(ext);
	return rc;
}

int m_recv(struct guest *g, struct gchan *c, uint8_t *buf, uint32_t cap, unsigned int ms)
{
	uint64_t end = m_now_ms() + ms;
	bool sig;
	int n;

	for (;;) {
		n = gr_read(&c->in, buf, cap, &sig);
		if (sig)
			g_signal(g, c->conn_id);
		if (n)
			return n > 0 ? n : -1;
		if (m_now_ms() >= end)
			return -1;
		g_sleep_us(100);
	}
}

bool m_quiet(struct guest *g, struct gchan *c, unsigned int ms)
{
	uint8_t buf[512];
	int n = m_recv(g, c, buf, sizeof(buf), ms);

	if (n > 0) {
		g_fail(g, "unexpected packet type %u, %d bytes", rd16(buf), n);
		return false;
	}
	return true;
}

uint32_t m_range(uint8_t *out, const void *p, uint32_t len)
{
	uint64_t a = gpa(p), first = a >> 12, last = (a + len - 1) >> 12, i;

	wr32(out, len);
	wr32(out + 4, (uint32_t)(a & 0xfff));
	for (i = first; i <= last; i++)
		wr64(out + 8 + 8 * (i - first), i);
	return (uint32_t)(8 + 8 * (last - first + 1));
}

uint32_t m_ranges_paged(uint8_t *out, const void *p, uint32_t len, uint32_t *count)
{
	const uint8_t *b = p;
	uint32_t off = 0, n = 0;

	while (len) {
		uint32_t in = (uint32_t)(gpa(b) & 0xfff), chunk = 4096 - in < len ? 4096 - in : len;

		off += m_range(out + off, b, chunk);
		b += chunk;
		len -= chunk;
		n++;
	}
	*count = n;
	return off;
}

/* ---- runner -------------------------------------------------------------------------- */
static struct guest G;

static bool selected(const char *name)
{
	int i;

	if (argc_ < 2)
		return true;
	for (i = 1; i < argc_; i++)
		if (!strcmp(argv_[i], name) || !strcmp(argv_[i], suite))
			return true;
	return false;
}

static void run(const char *name, void (*fn)(struct guest *g))
{
	struct guest *g = &G;

	if (!selected(name))
		return;
	if (shards && seen++ % shards != shard)
		return;
	ran++;
	memset(g, 0, sizeof(*g));
	fn(g);
	if (!g->why[0] && atomic_load(&g->bad_irqs))
		g_fail(g, "%u interrupts raised on the guest's own thread",
		       atomic_load(&g->bad_irqs));
	if (g->why[0]) {
		printf("FAIL hostsim:%s: %s\n", name, g->why);
		failures++;
	} else {
		printf("PASS hostsim:%s\n", name);
	}
	fflush(stdout);
	if (g->h)
		g_teardown(g);
}

int main(int argc, char **argv)
{
	const char *sh = getenv("HOSTSIM_SHARD");

	argc_ = argc;
	argv_ = argv;
	if (sh && (sscanf(sh, "%u/%u", &shard, &shards) != 2 || shard >= shards)) {
		fprintf(stderr, "hostsim-models: HOSTSIM_SHARD=%s is not i/n with i < n\n", sh);
		return 2;
	}
	alarm(120);
	suite = "video_pci";
	video_pci_tests(run);
	suite = "storvsp";
	storvsp_tests(run);
	suite = "netvsp";
	netvsp_tests(run);
	suite = "ic";
	ic_tests(run);
	suite = "input";
	input_tests(run);
	suite = "balloon";
	balloon_tests(run);
	suite = "vsock";
	vsock_tests(run);
	if (!ran && !shards) {
		fprintf(stderr, "hostsim-models: no check selected\n");
		return 2;
	}
	return failures ? 1 : 0;
}
