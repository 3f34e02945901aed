// SPDX-License-Identifier: GPL-2.0
/*
 * Dynamic-memory checks: a raw balloon guest (messages built and parsed at
 * §7.3's offsets) negotiates, reports, and — on its own thread, while the
 * test thread drives hs_balloon_* — gives pages from a pool of its memory,
 * takes them back and answers hot adds.  It can also give bad ranges, so the
 * host's checks are tested.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models.h"

static const uint8_t dm_class[16] = {
	0xdc, 0x74, 0x50, 0x52, 0x85, 0x89, 0xe2, 0x46,
	0x80, 0x57, 0xa3, 0x07, 0xdc, 0x18, 0xa5, 0x02,
};
#define WAIT		5000u
#define POOL		2048u		/* pages the raw guest can give */
#define CHUNK		200u		/* pages per range */
#define PER_MSG		3u		/* ranges per BALLOON_RESPONSE */

enum bmode { B_GOOD, B_NOT_RAM, B_OVERLAP, B_ZERO, B_TOO_MANY, B_HA_MORE };

struct bg {
	struct guest *g;
	struct gchan c;
	uint32_t tid;
	pthread_t thread;
	bool running;
	atomic_bool stop;
	pthread_mutex_t lock;
	enum bmode mode;
	uint8_t *pool;
	bool given[POOL];
	uint32_t ngiven;
	unsigned int unballoon_msgs, bad_unballoon;
	uint64_t ha_range, ha_region;
	uint16_t ha_size;
	uint8_t last[4096];		/* the last other host message */
	uint32_t last_len;
	char err[128];
};

static uint64_t pack(uint64_t pfn, uint64_t count)
{
	return pfn | count << 40;
}

static uint64_t pool_pfn(const struct bg *q, uint32_t i)
{
	return gpa(q->pool) / 4096 + i;
}

static int dm_send(struct bg *q, uint16_t type, uint8_t *m, uint32_t len)
{
	wr16(m, type);
	wr16(m + 2, (uint16_t)len);
	wr32(m + 4, q->tid++);
	return m_send(q->g, &q->c, 6, 0, 0, NULL, 0, m, len);
}

/* the next host message of `type` (main thread only); its length */
static int dm_expect(struct guest *g, struct bg *q, uint16_t type, uint8_t *m)
{
	uint8_t buf[4200];
	int n = m_recv(g, &q->c, buf, sizeof(buf), WAIT);
	uint32_t off;

	REQUIRE_RC(n > 0, "no message from the host");
	off = rd16(buf + 2) * 8u;
	memcpy(m, buf + off, (uint32_t)n - off);
	REQUIRE_RC(rd16(buf) == 6 && rd16(m) == type && rd16(m + 2) <= (uint32_t)n - off,
		   "expected message %u, got %u (packet type %u)", type, rd16(m), rd16(buf));
	return rd16(m + 2);
}

/* BALLOON_REQUEST: give pages from the pool, PER_MSG ranges per message */
static void give(struct bg *q, uint32_t want)
{
	uint8_t m[16 + 8 * PER_MSG + 8];
	uint32_t i = 0, n;
	bool more = true, first = true;

	while (more) {
		memset(m, 0, sizeof(m));
		n = 0;
		/* a bad range first, where the host has not counted pages yet */
		if (first && q->mode == B_NOT_RAM)
			wr64(m + 16 + 8 * n++, pack(1ull << 39, 1));
		else if (first && q->mode == B_OVERLAP)
			wr64(m + 16 + 8 * n++, pack(pool_pfn(q, 0), 1));
		else if (first && q->mode == B_ZERO)
			wr64(m + 16 + 8 * n++, pack(pool_pfn(q, POOL - 1), 0));
		else if (first && q->mode == B_TOO_MANY)
			wr64(m + 16 + 8 * n++, pack(pool_pfn(q, POOL - 1), 1000000));
		first = false;
		for (; n < PER_MSG && want; n++) {
			uint32_t start, len = 0;

			while (i < POOL && q->given[i])
				i++;
			start = i;
			while (i < POOL && !q->given[i] && len < CHUNK && len < want) {
				q->given[i++] = true;
				len++;
			}
			if (!len)
				break;
			want -= len;
			q->ngiven += len;
			wr64(m + 16 + 8 * n, pack(pool_pfn(q, start), len));
		}
		more = want && i < POOL;
		wr32(m + 12, n << 1 | (more ? 1 : 0));
		if (dm_send(q, 7, m, 16 + 8 * n))
			snprintf(q->err, sizeof(q->err), "ring full");
	}
}

static void take_back(struct bg *q, const uint8_t *m, uint32_t size)
{
	uint32_t n = rd32(m + 12), k;
	uint8_t r[8] = { 0 };

	q->unballoon_msgs++;
	for (k = 0; k < n && 16 + 8 * k + 8 <= size; k++) {
		uint64_t v = rd64(m + 16 + 8 * k), pfn = v & ((1ull << 40) - 1), cnt = v >> 40, p;

		for (p = pfn; p < pfn + cnt; p++) {
			uint64_t i = p - pool_pfn(q, 0);

			if (p < pool_pfn(q, 0) || i >= POOL || !q->given[i]) {
				q->bad_unballoon++;
				continue;
			}
			q->given[i] = false;
			q->ngiven--;
		}
	}
	if (!(rd32(m + 8) & 1))
		dm_send(q, 9, r, 8);
}

static void *responder(void *arg)
{
	struct bg *q = arg;
	uint8_t buf[4200];
	bool sig;
	int n;

	while (!atomic_load(&q->stop)) {
		n = gr_read(&q->c.in, buf, sizeof(buf), &sig);
		if (sig)
			g_signal(q->g, q->c.conn_id);
		if (n <= 0) {
			g_sleep_us(200);
			continue;
		}
		pthread_mutex_lock(&q->lock);
		{
			uint8_t *m = buf + rd16(buf + 2) * 8u, r[16] = { 0 };
			uint16_t type = rd16(m), size = rd16(m + 2);

			if (type == 6) {
				give(q, rd32(m + 8));
			} else if (type == 8) {
				take_back(q, m, size);
			} else if (type == 10) {
				q->ha_size = size;
				q->ha_range = rd64(m + 8);
				q->ha_region = size >= 24 ? rd64(m + 16) : 0;
				wr32(r + 8, (uint32_t)(q->ha_range >> 40) + (q->mode == B_HA_MORE));
				wr32(r + 12, 1);
				dm_send(q, 11, r, 16);
			} else {
				q->last_len = size < sizeof(q->last) ? size : sizeof(q->last);
				memcpy(q->last, m, q->last_len);
			}
		}
		pthread_mutex_unlock(&q->lock);
	}
	return NULL;
}

static int host(struct guest *g, const struct hs_balloon_config *cfg, struct hs_balloon **b)
{
	static const struct hs_config hc = { .nr_vps = G_VPS };

	if (g_setup(g, &hc))
		return -1;
	*b = hs_balloon_add(g->h, cfg);
	REQUIRE_RC(*b, "hs_balloon_add");
	return 0;
}

static int bg_open(struct guest *g, struct bg *q)
{
	uint8_t o[8][240];
	int n, i;

	memset(q, 0, sizeof(*q));
	q->g = g;
	q->tid = 1;
	pthread_mutex_init(&q->lock, NULL);
	n = m_connect(g, o, 8);
	REQUIRE_RC(n > 0, "no offers");
	i = m_find_offer(o, n, dm_class, NULL, 0);
	REQUIRE_RC(i >= 0, "no dynamic-memory offer");
	return m_open(g, &q->c, o[i], 4);
}

/* VERSION_REQUEST; IsAccepted */
static int ask_version(struct guest *g, struct bg *q, uint32_t v, bool last)
{
	uint8_t m[4200] = { 0 };

	wr32(m + 8, v);
	wr32(m + 12, last);
	REQUIRE_RC(!dm_send(q, 1, m, 16), "send");
	REQUIRE_RC(dm_expect(g, q, 2, m) == 16 && rd32(m + 4) == q->tid - 1,
		   "VERSION_RESPONSE size or transaction");
	return (int)(rd64(m + 8) & 1);
}

static int report_caps(struct guest *g, struct bg *q)
{
	uint8_t m[4200] = { 0 };

	wr64(m + 8, 0x1 | 0x2 | 7 << 2);	/* balloon, hot add, 128 MiB alignment */
	wr64(m + 16, 0);
	wr64(m + 24, ~0ull);
	REQUIRE_RC(!dm_send(q, 3, m, 32), "send");
	REQUIRE_RC(dm_expect(g, q, 4, m) == 16, "CAPABILITIES_RESPONSE size");
	return (int)(rd64(m + 8) & 1);
}

static struct hs_balloon_stats stats(struct hs_balloon *b)
{
	struct hs_balloon_stats st;

	hs_balloon_stats(b, &st);
	return st;
}

/* a host, the channel open and negotiated (2.0), the raw guest's thread on */
static int up(struct guest *g, struct bg *q, struct hs_balloon **b)
{
	if (host(g, &(struct hs_balloon_config){ 0 }, b) || bg_open(g, q))
		return -1;
	REQUIRE_RC(ask_version(g, q, 0x00020000, false) == 1, "2.0 refused");
	REQUIRE_RC(report_caps(g, q) == 1, "capabilities refused");
	REQUIRE_RC(hs_balloon_wait_ready(*b, WAIT) == 0, "not ready");
	q->pool = g_alloc(g, POOL);
	REQUIRE_RC(!pthread_create(&q->thread, NULL, responder, q), "thread");
	q->running = true;
	return 0;
}

#define BG_CHECK(name)							\
	static void name##_body(struct guest *g, struct bg *q);		\
	static void name(struct guest *g)				\
	{								\
		struct bg q = { 0 };					\
									\
		name##_body(g, &q);					\
		if (q.running) {					\
			atomic_store(&q.stop, true);			\
			pthread_join(q.thread, NULL);			\
		}							\
		if (q.err[0] && !g->why[0])				\
			g_fail(g, "raw guest: %s", q.err);		\
		if (q.g)						\
			pthread_mutex_destroy(&q.lock);			\
	}								\
	static void name##_body(struct guest *g, struct bg *q)

static void set_mode(struct bg *q, enum bmode m)
{
	pthread_mutex_lock(&q->lock);
	q->mode = m;
	pthread_mutex_unlock(&q->lock);
}

/* fallback 2.0 -> 1.0; every version refused; capabilities refused */
BG_CHECK(balloon_version_fallback_and_capabilities)
{
	struct hs_balloon *b;
	struct hs_balloon_stats st;

	if (host(g, &(struct hs_balloon_config){
		 .versions = (const uint32_t[]){ HS_DM_VERSION_WIN8, 0 } }, &b) || bg_open(g, q))
		return;
	REQUIRE(ask_version(g, q, HS_DM_VERSION_WIN10, false) == 0, "2.0 accepted");
	REQUIRE(hs_balloon_wait_ready(b, 20) == -ETIMEDOUT, "ready too early");
	REQUIRE(ask_version(g, q, HS_DM_VERSION_WIN8, false) == 1, "1.0 refused");
	REQUIRE(report_caps(g, q) == 1, "capabilities refused");
	REQUIRE(hs_balloon_wait_ready(b, WAIT) == 0, "not ready");
	st = stats(b);
	REQUIRE(st.version == HS_DM_VERSION_WIN8 && st.version_requests == 2 &&
		!st.last_attempt_seen && st.caps == (0x3 | 7 << 2) && st.max_page_number == ~0ull &&
		st.protocol_errors == 0, "stats: version %#x caps %#llx", st.version,
		(unsigned long long)st.caps);
	REQUIRE(hs_balloon_inflate(b, 0, NULL, 10) == -EINVAL, "inflate by 0");
	g_teardown(g);

	if (host(g, &(struct hs_balloon_config){
		 .versions = (const uint32_t[]){ 0x00070000, 0 } }, &b) || bg_open(g, q))
		return;
	REQUIRE(ask_version(g, q, HS_DM_VERSION_WIN10, false) == 0 &&
		ask_version(g, q, HS_DM_VERSION_WIN8, false) == 0 &&
		ask_version(g, q, HS_DM_VERSION_WIN7, true) == 0, "a version accepted");
	REQUIRE(hs_balloon_wait_ready(b, WAIT) == -ECONNREFUSED && stats(b).last_attempt_seen &&
		stats(b).last_version_asked == HS_DM_VERSION_WIN7, "last attempt");
	REQUIRE(hs_balloon_inflate(b, 1, NULL, 10) == -EAGAIN, "inflate before capabilities");
	g_teardown(g);

	if (host(g, &(struct hs_balloon_config){ .refuse_capabilities = true }, &b) ||
	    bg_open(g, q))
		return;
	REQUIRE(ask_version(g, q, HS_DM_VERSION_WIN10, false) == 1 && report_caps(g, q) == 0,
		"capabilities accepted");
	REQUIRE(hs_balloon_wait_ready(b, WAIT) == -ECONNREFUSED, "refusal not reported");
}

BG_CHECK(balloon_inflate_and_deflate)
{
	struct hs_page_range r[16];
	struct hs_balloon *b;
	struct hs_balloon_stats st;
	uint32_t got = 0;
	int rc, n;

	if (up(g, q, &b))
		return;
	/* 1000 pages: 5 ranges of 200 over 2 messages */
	rc = hs_balloon_inflate(b, 1000, &got, WAIT);
	st = stats(b);
	REQUIRE(rc == 0 && got == 1000 && st.ballooned == 1000 && st.balloon_responses == 2,
		"inflate: %d got %u, %llu responses", rc, got,
		(unsigned long long)st.balloon_responses);
	n = hs_balloon_ranges(b, r, 16);
	REQUIRE(n == 5 && r[0].start == gpa(q->pool) / 4096 && r[0].count == 200 &&
		r[4].start == r[0].start + 800, "%d ranges", n);
	/* give back 300: the last range and half of the one before */
	REQUIRE(hs_balloon_deflate(b, 300, WAIT) == 0, "deflate");
	pthread_mutex_lock(&q->lock);
	REQUIRE(q->ngiven == 700 && !q->bad_unballoon && q->unballoon_msgs == 1 &&
		!q->given[700] && q->given[699], "guest has %u given", q->ngiven);
	pthread_mutex_unlock(&q->lock);
	REQUIRE(stats(b).ballooned == 700 && hs_balloon_ranges(b, r, 16) == 4 && r[3].count == 100,
		"host holds %llu", (unsigned long long)stats(b).ballooned);
	REQUIRE(hs_balloon_deflate(b, 701, 10) == -EINVAL, "deflate past the balloon");
	/* more than the guest has: it gives what it can */
	rc = hs_balloon_inflate(b, 5000, &got, WAIT);
	REQUIRE(rc == 0 && got == POOL - 700 && stats(b).ballooned == POOL, "inflate 5000: %d, %u",
		rc, got);
	/* all back: 11 ranges in one UNBALLOON_REQUEST */
	REQUIRE(hs_balloon_deflate(b, POOL, WAIT) == 0 && stats(b).ballooned == 0, "deflate all");
	pthread_mutex_lock(&q->lock);
	REQUIRE(q->ngiven == 0 && !q->bad_unballoon, "guest still has %u given", q->ngiven);
	pthread_mutex_unlock(&q->lock);
	REQUIRE(stats(b).protocol_errors == 0, "protocol errors");
}

BG_CHECK(balloon_bad_ranges)
{
	static const enum bmode modes[] = { B_NOT_RAM, B_OVERLAP, B_ZERO, B_TOO_MANY };
	struct hs_balloon *b;
	uint32_t got = 0, i;
	int rc;

	if (up(g, q, &b))
		return;
	REQUIRE(hs_balloon_inflate(b, 10, &got, WAIT) == 0 && got == 10, "clean inflate");
	for (i = 0; i < 4; i++) {
		set_mode(q, modes[i]);
		rc = hs_balloon_inflate(b, 10, &got, WAIT);
		if (rc != -EPROTO || got != 10 || stats(b).ballooned != 20 ||
		    stats(b).protocol_errors != i + 1) {
			g_fail(g, "mode %d: %d, got %u, held %llu", modes[i], rc, got,
			       (unsigned long long)stats(b).ballooned);
			return;
		}
		/* keep the pools in step: give back what the host kept */
		set_mode(q, B_GOOD);
		REQUIRE(hs_balloon_deflate(b, 10, WAIT) == 0, "deflate");
	}
}

BG_CHECK(balloon_hot_add_status_and_info)
{
	struct hs_page_range range = { 0x100000, 32768 }, region = { 0x100000, 65536 };
	struct hs_balloon *b;
	struct hs_balloon_stats st;
	uint32_t added = 0, result = 0;
	uint8_t m[64] = { 0 };
	int rc, i;

	if (up(g, q, &b))
		return;
	rc = hs_balloon_hot_add(b, &range, &region, &added, &result, WAIT);
	REQUIRE(rc == 0 && added == 32768 && result == 1 && stats(b).hot_added == 32768,
		"hot add: %d, %u pages, result %u", rc, added, result);
	pthread_mutex_lock(&q->lock);
	REQUIRE(q->ha_size == 24 && q->ha_range == (0x100000ull | 32768ull << 40) &&
		q->ha_region == (0x100000ull | 65536ull << 40), "HOT_ADD_REQUEST %u bytes",
		q->ha_size);
	pthread_mutex_unlock(&q->lock);
	REQUIRE(hs_balloon_hot_add(b, &range, NULL, &added, &result, WAIT) == 0 &&
		q->ha_size == 16, "hot add without region");
	set_mode(q, B_HA_MORE);
	REQUIRE(hs_balloon_hot_add(b, &range, NULL, &added, &result, WAIT) == -EPROTO &&
		added == 32769, "more pages than asked");
	set_mode(q, B_GOOD);
	/* a status report; the info message; a raw message */
	wr64(m + 8, 1000);
	wr64(m + 16, 5000);
	wr64(m + 24, 256);
	wr64(m + 32, 77);
	wr32(m + 40, 3);
	wr32(m + 44, 4);
	pthread_mutex_lock(&q->lock);
	REQUIRE(!dm_send(q, 5, m, 48), "STATUS_REPORT");
	pthread_mutex_unlock(&q->lock);
	for (i = 0; i < (int)WAIT && !stats(b).status_reports; i++)
		g_sleep_ms(1);
	st = stats(b);
	REQUIRE(st.status_reports == 1 && st.num_avail == 1000 && st.num_committed == 5000 &&
		st.page_file_size == 256 && st.zero_free == 77 && st.page_file_writes == 3 &&
		st.io_diff == 4, "status report");
	REQUIRE(!hs_balloon_info_max_pages(b, 1u << 20), "info");
	for (i = 0; i < (int)WAIT && !q->last_len; i++)
		g_sleep_ms(1);
	pthread_mutex_lock(&q->lock);
	REQUIRE(q->last_len == 32 && rd16(q->last) == 12 && rd32(q->last + 12) == 16 &&
		rd32(q->last + 16) == 0 && rd32(q->last + 20) == 8 && rd64(q->last + 24) == 1u << 20,
		"INFO_MESSAGE %u bytes", q->last_len);
	q->last_len = 0;
	pthread_mutex_unlock(&q->lock);
	REQUIRE(!hs_balloon_send_raw(b, "\x00\x00\x08\x00\x00\x00\x00\x00", 8), "raw");
	for (i = 0; i < (int)WAIT && !q->last_len; i++)
		g_sleep_ms(1);
	REQUIRE(q->last_len == 8 && rd16(q->last) == 0, "raw ERROR message");
	REQUIRE(stats(b).protocol_errors == 1, "protocol errors");
}

/* messages a host must count as the guest's mistakes */
BG_CHECK(balloon_malformed_guest_messages)
{
	struct hs_balloon *b;
	uint8_t m[64] = { 0 };
	int i;

	if (host(g, &(struct hs_balloon_config){ 0 }, &b) || bg_open(g, q))
		return;
	REQUIRE(!dm_send(q, 5, m, 48), "status before capabilities");
	REQUIRE(!dm_send(q, 3, m, 32) && dm_expect(g, q, 4, m) == 16 && !(rd64(m + 8) & 1),
		"capabilities before a version accepted");
	REQUIRE(!dm_send(q, 7, m, 16), "unsolicited BALLOON_RESPONSE");
	REQUIRE(!dm_send(q, 9, m, 8), "unsolicited UNBALLOON_RESPONSE");
	REQUIRE(!dm_send(q, 6, m, 16), "a host-only type");
	REQUIRE(!dm_send(q, 1, m, 8), "short VERSION_REQUEST");
	wr16(m, 1);
	wr16(m + 2, 200);		/* Size past the packet */
	REQUIRE(!m_send(g, &q->c, 6, 0, 0, NULL, 0, m, 16), "send");
	REQUIRE(!m_send(g, &q->c, 6, 1, 0, NULL, 0, m, 8), "completion requested");
	/* the last one is two mistakes: completion requested, Size past the packet */
	for (i = 0; i < (int)WAIT && stats(b).protocol_errors < 9; i++)
		g_sleep_ms(1);
	REQUIRE(stats(b).protocol_errors == 9, "%llu protocol errors",
		(unsigned long long)stats(b).protocol_errors);
}

void balloon_tests(void (*run)(const char *name, void (*fn)(struct guest *g)))
{
	run("balloon_version_fallback_and_capabilities", balloon_version_fallback_and_capabilities);
	run("balloon_inflate_and_deflate", balloon_inflate_and_deflate);
	run("balloon_bad_ranges", balloon_bad_ranges);
	run("balloon_hot_add_status_and_info", balloon_hot_add_status_and_info);
	run("balloon_malformed_guest_messages", balloon_malformed_guest_messages);
}
