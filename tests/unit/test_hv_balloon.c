// SPDX-License-Identifier: GPL-2.0
/*
 * The dynamic-memory core (hv_balloon) against a dynamic-memory host: wire
 * offsets, negotiation (2.0, 1.0, 0.3 last attempt) and refusal, the
 * capabilities report, status reports, balloon (ranges, several messages,
 * the floor), unballoon (only what the host holds), hot add (whole blocks,
 * refusals), hot remove refused, info, and malformed host messages.
 *
 * Most checks use a small host on hostsim's generic device API, written from
 * the fact sheet's byte offsets (§7.3) — never from lis/wire/balloon.h — so
 * they can send what a real host would not; the last one runs the core
 * against hostsim's own dynamic-memory host, which checks every range.
 */
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include "tdev.h"
#include "lis_test.h"
#include "../../drivers/hv_balloon/core/dm_core.h"

#define DM_CLASS	"{525074dc-8985-46e2-8057-a307dc18a502}"

/* ---- the host ---- */

struct dmhost {
	pthread_mutex_t lock;
	struct hs_channel *ch;
	u32 accept;		/* the one version it accepts (0: none) */
	bool refuse_caps;
	u32 versions[4], nversions, last_flags;
	u64 caps;
	unsigned int status_reports;
	u64 committed, avail;
	unsigned int balloon_msgs, unballoon_resps, hot_add_resps, hot_remove_resps;
	u64 ballooned;		/* pages in balloon responses */
	u32 last_more;		/* of the last balloon response */
	u32 max_ranges;		/* in one balloon response */
	u32 ha_pages, ha_result;
	u32 hr_result;
	u32 seen;		/* the guest->host read index after the last packet counted */
};

static struct dmhost H = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void host_send(const void *p, u32 len)
{
	while (hs_channel_send(H.ch, 6, 0, 0, p, len))
		lis_msleep(1);
}

/* a message with the 8-byte header */
static void host_msg(u16 type, u8 *b, u32 len)
{
	put16(b, type);
	put16(b + 2, len);
	put32(b + 4, 0);
	host_send(b, len);
}

static void host_packet(const struct hs_packet *pkt)
{
	const u8 *m = pkt->payload;
	u32 len = pkt->payload_len, i, n;
	u8 b[32];

	if (len < 8)
		return;
	pthread_mutex_lock(&H.lock);
	memset(b, 0, sizeof(b));
	switch (get16(m)) {
	case 1:		/* VERSION_REQUEST */
		H.versions[H.nversions++ % 4] = get32(m + 8);
		H.last_flags = get32(m + 12);
		put64(b + 8, get32(m + 8) == H.accept ? 1 : 0);
		host_msg(2, b, 16);
		break;
	case 3:		/* CAPABILITIES_REPORT */
		H.caps = get64(m + 8);
		put64(b + 8, H.refuse_caps ? 0 : 1);
		host_msg(4, b, 16);
		break;
	case 5:		/* STATUS_REPORT */
		H.status_reports++;
		H.avail = get64(m + 8);
		H.committed = get64(m + 16);
		break;
	case 7:		/* BALLOON_RESPONSE */
		H.balloon_msgs++;
		n = get32(m + 12) >> 1;
		H.last_more = get32(m + 12) & 1;
		if (n > H.max_ranges)
			H.max_ranges = n;
		for (i = 0; i < n && 16 + 8 * i + 8 <= len; i++)
			H.ballooned += get64(m + 16 + 8 * i) >> 40;
		break;
	case 9:		/* UNBALLOON_RESPONSE */
		H.unballoon_resps++;
		break;
	case 11:	/* HOT_ADD_RESPONSE */
		H.hot_add_resps++;
		H.ha_pages = get32(m + 8);
		H.ha_result = get32(m + 12);
		break;
	case 14:	/* HOT_REMOVE_RESPONSE */
		H.hot_remove_resps++;
		H.hr_result = get32(m + 8);
		break;
	}
	pthread_mutex_unlock(&H.lock);
}

static void host_ready(struct hs_channel *ch)
{
	const u32 *ctl = hs_channel_ring_control(ch, false);
	struct hs_packet pkt;

	while (hs_channel_recv(ch, &pkt) == 1) {
		host_packet(&pkt);
		if (ctl)
			__atomic_store_n(&H.seen, __atomic_load_n(&ctl[1], __ATOMIC_SEQ_CST),
					 __ATOMIC_SEQ_CST);
	}
}

/* wait (up to 5 s) until the host has counted everything the guest wrote:
 * the guest's write index is where the host's read index stood after the
 * last packet it counted */
static void host_settle(void)
{
	u64 end = lis_time_ms() + 5000;
	const u32 *ctl;

	for (;;) {
		ctl = hs_channel_ring_control(H.ch, false);
		if (!ctl || __atomic_load_n(&ctl[0], __ATOMIC_SEQ_CST) ==
			    __atomic_load_n(&H.seen, __ATOMIC_SEQ_CST) || lis_time_ms() >= end)
			return;
		lis_msleep(1);
	}
}

static void host_opened(struct hs_channel *ch, const uint8_t *ud)
{
	H.ch = ch;
}

static const struct hs_device_ops host_ops = { .opened = host_opened, .ready = host_ready };

/* ---- the guest's "memory": a pool of page runs ---- */

#define POOL_RUNS	2048

struct tglue {
	struct tenv *env;
	struct lis_dm *dm;
	int create_ret;
	bool probed;
	u64 block;		/* hot-add block, pages */
	u32 max_version;
	/* pages handed out, as runs from `next` (a hole after each run when
	 * fragmented) */
	u64 next, pool_left;
	bool fragmented;
	u64 freed;
	unsigned int frees;
	u64 ha_calls, ha_first;
	int ha_ret;		/* what hot_add answers */
	unsigned int kicks;
};

static struct tglue G;

static void t_stats(void *ctx, struct lis_dm_stats *st)
{
	st->avail = 1000;
	st->committed = 5000;
}

static u32 t_alloc(void *ctx, u64 pages, struct lis_dm_run *runs, u32 max)
{
	u32 n = 0;

	while (pages && G.pool_left && n < max) {
		u64 c = G.fragmented ? 1 : (pages < 512 ? pages : 512);

		if (c > G.pool_left)
			c = G.pool_left;
		runs[n].pfn = G.next;
		runs[n].count = c;
		G.next += c + (G.fragmented ? 1 : 0);
		G.pool_left -= c;
		pages -= c;
		n++;
	}
	return n;
}

static void t_free(void *ctx, u64 pfn, u64 count)
{
	G.freed += count;
	G.frees++;
}

static int t_hot_add(void *ctx, u64 pfn, u64 count)
{
	if (!G.ha_calls)
		G.ha_first = pfn;
	G.ha_calls++;
	return G.ha_ret;
}

static void t_kick(void *ctx)
{
	__atomic_add_fetch(&G.kicks, 1, __ATOMIC_SEQ_CST);
}

static const struct lis_dm_ops t_ops = {
	.stats = t_stats, .balloon_alloc = t_alloc, .balloon_free = t_free,
	.hot_add = t_hot_add, .kick = t_kick,
};

static int t_probe(struct tenv *env, struct lis_channel *ch)
{
	struct lis_dm_config cfg = { 0 };
	struct lis_dm *dm = NULL;

	cfg.ch = ch;
	cfg.ops = &t_ops;
	cfg.hot_add_block_pages = G.block;
	cfg.max_version = G.max_version;
	cfg.timeout_ms = 1000;
	G.create_ret = lis_dm_create(&cfg, &dm);
	__atomic_store_n(&G.dm, dm, __ATOMIC_SEQ_CST);
	__atomic_store_n(&G.probed, true, __ATOMIC_SEQ_CST);
	return G.create_ret;
}

static void t_remove(struct tenv *env, struct lis_channel *ch)
{
	struct lis_dm *dm = __atomic_exchange_n(&G.dm, NULL, __ATOMIC_SEQ_CST);

	if (dm)
		lis_dm_destroy(dm);
}

static bool setup_ex(u32 accept, u64 block, bool refuse_caps)
{
	struct tdev d = { .cls = DM_CLASS, .host_ops = &host_ops,
			  .probe = t_probe, .remove = t_remove };

	memset(&G, 0, sizeof(G));
	G.block = block;
	G.next = 0x100000;
	G.pool_left = 1 << 20;
	pthread_mutex_lock(&H.lock);
	memset((u8 *)&H + offsetof(struct dmhost, accept), 0,
	       sizeof(H) - offsetof(struct dmhost, accept));
	H.accept = accept;
	H.refuse_caps = refuse_caps;
	pthread_mutex_unlock(&H.lock);
	d.offer.instance_guid[0] = 1;
	G.env = tdev_boot(&d, &G.probed);
	return G.env != NULL;
}

static bool setup(u32 accept, u64 block)
{
	return setup_ex(accept, block, false);
}

static void teardown(void)
{
	struct lis_dm *dm = __atomic_exchange_n(&G.dm, NULL, __ATOMIC_SEQ_CST);

	if (dm)
		lis_dm_destroy(dm);
	if (G.env)
		tenv_destroy(G.env);
	G.env = NULL;
}

static bool kicked(struct tenv *env, void *arg)
{
	return __atomic_load_n(&G.kicks, __ATOMIC_SEQ_CST) >= *(unsigned int *)arg;
}

/* the host sends a message; the guest's work runs once it was queued */
static void host_request(u8 *b, u16 type, u32 len)
{
	unsigned int k = G.kicks + 1;

	pthread_mutex_lock(&H.lock);
	host_msg(type, b, len);
	pthread_mutex_unlock(&H.lock);
	tenv_wait(G.env, kicked, &k, 5000);
	lis_dm_work(G.dm);
	host_settle();		/* lis_dm_work sent its answers before it returned */
}

static u32 host_u32(u32 *field)
{
	u32 v;

	pthread_mutex_lock(&H.lock);
	v = *field;
	pthread_mutex_unlock(&H.lock);
	return v;
}

#define V20	0x00020000u
#define V10	0x00010000u
#define V03	0x00000003u
#define OFF(type, field)	offsetof(struct type, field)

/* ---- tests ---- */

LIS_TEST(wire_offsets_match_the_fact_sheet)
{
	EXPECT_EQ(sizeof(struct lis_dm_header), 8);
	EXPECT_EQ(OFF(lis_dm_version_request, version), 8);
	EXPECT_EQ(OFF(lis_dm_version_request, flags), 12);
	EXPECT_EQ(OFF(lis_dm_capabilities, caps), 8);
	EXPECT_EQ(OFF(lis_dm_capabilities, min_page_count), 16);
	EXPECT_EQ(OFF(lis_dm_capabilities, max_page_number), 24);
	EXPECT_EQ(OFF(lis_dm_status, num_committed), 16);
	EXPECT_EQ(OFF(lis_dm_status, page_file_writes), 40);
	EXPECT_EQ(OFF(lis_dm_status, io_diff), 44);
	EXPECT_EQ(sizeof(struct lis_dm_status), 48);
	EXPECT_EQ(OFF(lis_dm_balloon_request, num_pages), 8);
	EXPECT_EQ(OFF(lis_dm_balloon_response, more_and_count), 12);
	EXPECT_EQ(OFF(lis_dm_balloon_response, range), 16);
	EXPECT_EQ(OFF(lis_dm_unballoon_request, range_count), 12);
	EXPECT_EQ(OFF(lis_dm_hot_add_request, range), 8);
	EXPECT_EQ(OFF(lis_dm_hot_add_response, result), 12);
	EXPECT_EQ(OFF(lis_dm_info_msg, info_size), 12);
	EXPECT_EQ(LIS_DM_RANGE(0x123, 7), 0x0000070000000123ull);
	EXPECT_EQ(LIS_DM_BALLOON_MAX_RANGES, 510);
}

LIS_TEST(negotiation_falls_back_to_0_3_as_the_last_attempt)
{
	ASSERT(setup(V03, 32768));
	EXPECT_EQ(G.create_ret, 0);
	EXPECT_EQ(H.nversions, 3);
	EXPECT_EQ(H.versions[0], V20);
	EXPECT_EQ(H.versions[1], V10);
	EXPECT_EQ(H.versions[2], V03);
	EXPECT_EQ(H.last_flags, 1);
	teardown();
}

LIS_TEST(negotiation_fails_when_no_version_is_accepted)
{
	ASSERT(setup(0x00090000, 32768));
	EXPECT(G.create_ret != 0);
	EXPECT(!G.dm);
	EXPECT_EQ(H.nversions, 3);
	teardown();
}

LIS_TEST(capabilities_offer_hot_add_aligned_to_the_block)
{
	ASSERT(setup(V20, 32768));		/* 128 MiB blocks */
	EXPECT_EQ(G.create_ret, 0);
	EXPECT_EQ(H.caps & 3, 3);
	EXPECT_EQ((H.caps >> 2) & 0xF, 7);
	teardown();
	ASSERT(setup(V20, 0));			/* no hot add */
	EXPECT_EQ(H.caps & 3, 1);
	teardown();
}

LIS_TEST(refused_capabilities_fail_the_device)
{
	ASSERT(setup_ex(V20, 32768, true));
	EXPECT_EQ(G.create_ret, -EPROTO);
	EXPECT(!G.dm);
	teardown();
}

LIS_TEST(status_reports_count_what_the_balloon_holds)
{
	u8 b[16] = { 0 };

	ASSERT(setup(V20, 0));
	put32(b + 8, 1000);
	host_request(b, 6, 16);
	EXPECT_EQ(lis_dm_report_status(G.dm), 0);
	host_settle();
	EXPECT_EQ(host_u32(&H.status_reports), 1);
	EXPECT_EQ(H.avail, 1000);
	EXPECT_EQ(H.committed, 5000 + 1000);
	teardown();
}

LIS_TEST(balloon_hands_pages_over_as_ranges)
{
	struct lis_dm_info info;
	u8 b[16] = { 0 };

	ASSERT(setup(V20, 0));
	put32(b + 8, 2000);
	host_request(b, 6, 16);
	EXPECT_EQ(host_u32(&H.balloon_msgs), 1);
	EXPECT_EQ(H.ballooned, 2000);
	EXPECT_EQ(H.last_more, 0);
	lis_dm_get_info(G.dm, &info);
	EXPECT_EQ(info.ballooned, 2000);
	teardown();
}

LIS_TEST(a_fragmented_balloon_takes_several_messages)
{
	u8 b[16] = { 0 };

	ASSERT(setup(V20, 0));
	G.fragmented = true;			/* every page its own range */
	put32(b + 8, 1200);
	host_request(b, 6, 16);
	EXPECT_EQ(host_u32(&H.balloon_msgs), 3);	/* 510 + 510 + 180 */
	EXPECT_EQ(H.max_ranges, 510);
	EXPECT_EQ(H.ballooned, 1200);
	EXPECT_EQ(H.last_more, 0);
	teardown();
}

LIS_TEST(a_guest_at_its_floor_answers_with_no_ranges)
{
	u8 b[16] = { 0 };

	ASSERT(setup(V20, 0));
	G.pool_left = 0;
	put32(b + 8, 100);
	host_request(b, 6, 16);
	EXPECT_EQ(host_u32(&H.balloon_msgs), 1);
	EXPECT_EQ(H.ballooned, 0);
	EXPECT_EQ(H.last_more, 0);
	teardown();
}

LIS_TEST(unballoon_gives_back_only_what_the_host_holds)
{
	u8 b[64] = { 0 };
	u64 errs;
	struct lis_dm_info info;

	ASSERT(setup(V20, 0));
	put32(b + 8, 1024);
	host_request(b, 6, 16);			/* pfns 0x100000 .. +1024 */
	lis_dm_get_info(G.dm, &info);
	errs = info.protocol_errors;
	memset(b, 0, sizeof(b));
	put32(b + 8, 1);			/* more follow */
	put32(b + 12, 2);
	put64(b + 16, (100ull << 40) | 0x100010);	/* inside: ok */
	put64(b + 24, (10ull << 40) | 0x900000);	/* never ballooned */
	host_request(b, 8, 32);
	EXPECT_EQ(G.freed, 100);
	EXPECT_EQ(host_u32(&H.unballoon_resps), 0);
	memset(b, 0, sizeof(b));
	put32(b + 12, 1);
	put64(b + 16, (100ull << 40) | 0x100010);	/* again: gone already */
	host_request(b, 8, 24);
	EXPECT_EQ(G.freed, 100);
	EXPECT_EQ(host_u32(&H.unballoon_resps), 1);
	lis_dm_get_info(G.dm, &info);
	EXPECT_EQ(info.ballooned, 924);
	EXPECT_EQ(info.protocol_errors - errs, 2);
	teardown();
}

LIS_TEST(hot_add_adds_whole_blocks)
{
	u8 b[24] = { 0 };

	ASSERT(setup(V20, 32768));
	put64(b + 8, (65536ull << 40) | 0x400000);	/* two blocks, aligned */
	host_request(b, 10, 16);
	EXPECT_EQ(G.ha_calls, 2);
	EXPECT_EQ(G.ha_first, 0x400000);
	EXPECT_EQ(host_u32(&H.ha_pages), 65536);
	EXPECT_EQ(H.ha_result, 1);
	/* no whole block inside: failed, try later */
	memset(b, 0, sizeof(b));
	put64(b + 8, (100ull << 40) | 0x400010);
	host_request(b, 10, 16);
	EXPECT_EQ(host_u32(&H.hot_add_resps), 2);
	EXPECT_EQ(H.ha_pages, 0);
	EXPECT_EQ(H.ha_result, 0);
	/* low on memory: failed, try later */
	G.ha_ret = -EAGAIN;
	memset(b, 0, sizeof(b));
	put64(b + 8, (32768ull << 40) | 0x800000);
	host_request(b, 10, 16);
	EXPECT_EQ(host_u32(&H.hot_add_resps), 3);
	EXPECT_EQ(H.ha_result, 0);
	teardown();
}

LIS_TEST(hot_add_without_support_says_never_again)
{
	u8 b[24] = { 0 };

	ASSERT(setup(V20, 0));
	put64(b + 8, (32768ull << 40) | 0x400000);
	host_request(b, 10, 16);
	EXPECT_EQ(G.ha_calls, 0);
	EXPECT_EQ(host_u32(&H.hot_add_resps), 1);
	EXPECT_EQ(H.ha_pages, 0);
	EXPECT_EQ(H.ha_result, 1);
	teardown();
}

LIS_TEST(hot_remove_is_refused)
{
	u8 b[24] = { 0 };

	ASSERT(setup(V20, 32768));
	put32(b + 12, 1000);
	host_request(b, 13, 24);
	EXPECT_EQ(host_u32(&H.hot_remove_resps), 1);
	EXPECT_EQ(H.hr_result, 0);
	teardown();
}

LIS_TEST(info_gives_the_maximum_page_count)
{
	struct lis_dm_info info;
	u8 b[40] = { 0 };

	ASSERT(setup(V20, 0));
	put32(b + 12, 16);
	put32(b + 16, 0);
	put32(b + 20, 8);
	put64(b + 24, 0x123456);
	host_request(b, 12, 32);
	lis_dm_get_info(G.dm, &info);
	EXPECT_EQ(info.max_page_count, 0x123456);
	teardown();
}

LIS_TEST(malformed_host_messages_are_counted_and_answered)
{
	struct lis_dm_info info;
	u8 b[40] = { 0 };
	u64 errs;

	ASSERT(setup(V20, 0));
	lis_dm_get_info(G.dm, &info);
	errs = info.protocol_errors;
	pthread_mutex_lock(&H.lock);
	put16(b, 6);
	put16(b + 2, 200);			/* longer than the packet */
	host_send(b, 16);
	put16(b, 77);
	put16(b + 2, 8);			/* unknown type */
	host_send(b, 8);
	put16(b, 2);				/* an answer nobody asked for */
	put16(b + 2, 16);
	host_send(b, 16);
	pthread_mutex_unlock(&H.lock);
	/* a short balloon request still gets its (empty) answer */
	host_request(b, 6, 8);
	EXPECT_EQ(host_u32(&H.balloon_msgs), 1);
	EXPECT_EQ(H.ballooned, 0);
	/* an info blob running past the message */
	memset(b, 0, sizeof(b));
	put32(b + 12, 16);
	put32(b + 20, 100);
	host_request(b, 12, 32);
	/* an unballoon claiming more ranges than it carries: still answered */
	memset(b, 0, sizeof(b));
	put32(b + 12, 50);
	host_request(b, 8, 16);
	EXPECT_EQ(host_u32(&H.unballoon_resps), 1);
	lis_dm_get_info(G.dm, &info);
	EXPECT_EQ(info.protocol_errors - errs, 6);
	teardown();
}

/* ---- against hostsim's own dynamic-memory host (hostsim/src/balloon.c), which
 * checks every range the guest gives ---- */

static struct hs_balloon *dmh;

static bool add_dm(struct hs_host *h)
{
	dmh = hs_balloon_add(h, &(struct hs_balloon_config){ 0 });
	return dmh != NULL;
}

/* one hostsim request, run on its own thread while this one plays the
 * glue's work item (lis_dm_work after each kick) */
struct dm_op {
	int kind;		/* 0 inflate, 1 deflate, 2 hot add */
	u32 pages, got, added, result;
	struct hs_page_range range;
	int rc;
	bool done;
};

static void *dm_op_thread(void *arg)
{
	struct dm_op *o = arg;

	if (o->kind == 0)
		o->rc = hs_balloon_inflate(dmh, o->pages, &o->got, 10000);
	else if (o->kind == 1)
		o->rc = hs_balloon_deflate(dmh, o->pages, 10000);
	else
		o->rc = hs_balloon_hot_add(dmh, &o->range, NULL, &o->added, &o->result, 10000);
	__atomic_store_n(&o->done, true, __ATOMIC_SEQ_CST);
	return NULL;
}

static int dm_op(struct dm_op *o)
{
	unsigned int seen = __atomic_load_n(&G.kicks, __ATOMIC_SEQ_CST), k, i;
	pthread_t t;

	if (pthread_create(&t, NULL, dm_op_thread, o))
		return -1;
	for (i = 0; i < 15000 && !__atomic_load_n(&o->done, __ATOMIC_SEQ_CST); i++) {
		k = __atomic_load_n(&G.kicks, __ATOMIC_SEQ_CST);
		if (k != seen) {
			seen = k;
			lis_dm_work(G.dm);
		}
		lis_msleep(1);
	}
	pthread_join(t, NULL);
	return o->rc;
}

/* hostsim's host has counted a status report after the *arg it had */
static bool dmh_reported(struct hs_host *h, void *arg)
{
	struct hs_balloon_stats st;

	hs_balloon_stats(dmh, &st);
	return st.status_reports > *(u64 *)arg;
}

LIS_TEST(against_hostsims_host_every_range_checked)
{
	struct tdev d = { .cls = DM_CLASS, .probe = t_probe, .remove = t_remove,
			  .add_host = add_dm };
	struct hs_balloon_stats st;
	struct lis_dm_info info;
	struct dm_op o;
	u64 reports;

	memset(&G, 0, sizeof(G));
	G.block = 32768;
	G.next = 0x100000;
	G.pool_left = 1 << 20;
	G.env = tdev_boot(&d, &G.probed);
	ASSERT(G.env);
	ASSERT(G.dm);
	ASSERT(hs_balloon_wait_ready(dmh, 5000) == 0);
	hs_balloon_stats(dmh, &st);
	EXPECT_EQ(st.version, 0x00020000);
	EXPECT(st.caps & 0x1);			/* balloon */
	EXPECT(st.caps & 0x2);			/* hot add */
	/* balloon: fragmented, so several responses */
	G.fragmented = true;
	memset(&o, 0, sizeof(o));
	o.pages = 1200;
	EXPECT_EQ(dm_op(&o), 0);
	EXPECT_EQ(o.got, 1200);
	hs_balloon_stats(dmh, &st);
	EXPECT_EQ(st.ballooned, 1200);
	EXPECT(st.balloon_responses >= 3);
	lis_dm_get_info(G.dm, &info);
	EXPECT_EQ(info.ballooned, 1200);
	/* the status report counts them as committed */
	reports = st.status_reports;
	EXPECT_EQ(lis_dm_report_status(G.dm), 0);
	EXPECT(hs_wait(tenv_host(G.env), dmh_reported, &reports, 5000));
	hs_balloon_stats(dmh, &st);
	EXPECT_EQ(st.num_committed, 5000 + 1200);
	/* unballoon 500 (the last ballooned first), then the rest */
	memset(&o, 0, sizeof(o));
	o.kind = 1;
	o.pages = 500;
	EXPECT_EQ(dm_op(&o), 0);
	EXPECT_EQ(G.freed, 500);
	o.done = false;
	o.pages = 700;
	EXPECT_EQ(dm_op(&o), 0);
	EXPECT_EQ(G.freed, 1200);
	hs_balloon_stats(dmh, &st);
	EXPECT_EQ(st.ballooned, 0);
	/* hot add of one aligned block */
	memset(&o, 0, sizeof(o));
	o.kind = 2;
	o.range.start = 0x400000;
	o.range.count = 32768;
	EXPECT_EQ(dm_op(&o), 0);
	EXPECT_EQ(o.added, 32768);
	EXPECT_EQ(o.result, 1);
	EXPECT_EQ(G.ha_first, 0x400000);
	hs_balloon_stats(dmh, &st);
	EXPECT_EQ(st.protocol_errors, 0);
	EXPECT_EQ(tenv_host_errors(G.env), 0);
	teardown();
}

LIS_TEST_MAIN("hv_balloon")
