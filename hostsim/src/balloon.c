// SPDX-License-Identifier: GPL-2.0
/*
 * Dynamic memory (fact sheet §7.3), host side: version negotiation with
 * fallback, capabilities, status reports, and the balloon / unballoon /
 * hot-add requests a test drives.  Every message starts with {Type u16,
 * Size u16, TransactionId u32}; page ranges are u64 {start PFN: bits 39:0,
 * page count: bits 63:40}.
 *
 * The host keeps the set of pages the guest ballooned, in the order it got
 * them, and checks each new range against guest RAM and that set.  Test
 * threads start one operation at a time and wait for its end on a condition
 * variable; the vmbus thread's ready() records the guest's answers.  One
 * mutex guards everything here and is held while sending (hostsim's send
 * path takes only the channel's ring lock).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "model.h"

/* header */
#define DM_TYPE		0
#define DM_SIZE		2
#define DM_TID		4
#define DM_HDR		8
enum {
	DM_ERROR, DM_VERSION_REQUEST, DM_VERSION_RESPONSE, DM_CAPS_REPORT, DM_CAPS_RESPONSE,
	DM_STATUS_REPORT, DM_BALLOON_REQUEST, DM_BALLOON_RESPONSE, DM_UNBALLOON_REQUEST,
	DM_UNBALLOON_RESPONSE, DM_HOT_ADD_REQUEST, DM_HOT_ADD_RESPONSE, DM_INFO,
};
/* bodies, offsets from the message start */
#define VREQ_VERSION	8
#define VREQ_FLAGS	12		/* bit 0 IsLastAttempt */
#define VREQ_SIZE	16
#define ACCEPTED	8		/* VERSION / CAPABILITIES_RESPONSE: u64, bit 0 */
#define ACCEPT_SIZE	16
#define CAPS_FLAGS	8
#define CAPS_MIN	16
#define CAPS_MAX	24
#define CAPS_SIZE	32
#define ST_AVAIL	8
#define ST_COMMITTED	16
#define ST_PAGE_FILE	24
#define ST_ZERO_FREE	32
#define ST_WRITES	40
#define ST_IO_DIFF	44
#define ST_SIZE		48
#define BREQ_PAGES	8
#define BREQ_SIZE	16
#define BRESP_FLAGS	12		/* bit 0 MorePages, bits 31:1 RangeCount */
#define BRESP_RANGES	16
#define UREQ_MORE	8
#define UREQ_COUNT	12
#define UREQ_RANGES	16
#define HA_RANGE	8
#define HA_REGION	16
#define HA_SIZE		16
#define HA_SIZE_REGION	24
#define HAR_PAGES	8
#define HAR_RESULT	12
#define HAR_SIZE	16
#define INFO_SIZE	12
#define INFO_BLOBS	16
#define INFO_MAX_PAGES	0		/* blob type */
#define MAX_MSG		4096u
#define RANGE_PFN_BITS	40
#define RANGE_MAX_COUNT	((1u << 24) - 1)

static const uint8_t dm_class[16] = {	/* 525074dc-8985-46e2-8057-a307dc18a502 */
	0xdc, 0x74, 0x50, 0x52, 0x85, 0x89, 0xe2, 0x46,
	0x80, 0x57, 0xa3, 0x07, 0xdc, 0x18, 0xa5, 0x02,
};
static const uint32_t default_versions[] = {
	HS_DM_VERSION_WIN10, HS_DM_VERSION_WIN8, HS_DM_VERSION_WIN7, 0,
};

enum op { OP_NONE, OP_BALLOON, OP_UNBALLOON, OP_HOT_ADD };

struct hs_balloon {
	struct hs_host *h;
	struct hs_device *dev;
	uint32_t versions[8];
	unsigned int nversions;
	bool refuse_caps;

	pthread_mutex_t lock;
	pthread_cond_t cond;		/* CLOCK_MONOTONIC */
	struct hs_channel *ch;
	bool open;
	unsigned int gen;
	struct hs_outq outq;
	uint32_t next_tid;
	bool refused;			/* last attempt refused, or capabilities */

	/* the pages the host holds */
	struct hs_page_range *held;
	size_t nheld, capheld;

	/* the operation a test thread waits for */
	bool busy;
	enum op op;
	bool done, bad;
	uint32_t asked, got;
	uint32_t ha_pages, ha_result;

	struct hs_balloon_stats st;
};

static void bad(struct hs_balloon *b, const char *what, uint64_t detail)
{
	b->st.protocol_errors++;
	b->bad = true;
	hs_protocol_error(b->h, "balloon: %s (%#llx)", what, (unsigned long long)detail);
}

static uint64_t range_pack(const struct hs_page_range *r)
{
	return (r->start & ((1ull << RANGE_PFN_BITS) - 1)) | r->count << RANGE_PFN_BITS;
}

static void range_unpack(uint64_t v, struct hs_page_range *r)
{
	r->start = v & ((1ull << RANGE_PFN_BITS) - 1);
	r->count = v >> RANGE_PFN_BITS;
}

/* a message with its header; lock held */
static int dm_send(struct hs_balloon *b, uint8_t *m, uint16_t type, uint32_t len, uint32_t tid)
{
	if (!b->open)
		return -ENOTCONN;
	put16(m + DM_TYPE, type);
	put16(m + DM_SIZE, (uint16_t)len);
	put32(m + DM_TID, tid);
	hs_outq_send(&b->outq, b->ch, PKT_INBAND, 0, 0, NULL, 0, m, len);
	return 0;
}

static void hold(struct hs_balloon *b, const struct hs_page_range *r)
{
	if (b->nheld == b->capheld) {
		b->capheld = b->capheld ? 2 * b->capheld : 64;
		b->held = realloc(b->held, b->capheld * sizeof(*b->held));
		if (!b->held)
			abort();
	}
	b->held[b->nheld++] = *r;
	b->st.ballooned += r->count;
}

static bool overlaps_held(const struct hs_balloon *b, const struct hs_page_range *r)
{
	size_t i;

	for (i = 0; i < b->nheld; i++)
		if (r->start < b->held[i].start + b->held[i].count &&
		    b->held[i].start < r->start + r->count)
			return true;
	return false;
}

static bool guest_ram(struct hs_balloon *b, const struct hs_page_range *r)
{
	uint64_t p;

	for (p = 0; p < r->count; p++)
		if (!hs_map(b->h, (r->start + p) << HV_PAGE_SHIFT, HV_PAGE))
			return false;
	return true;
}

/* ---- messages from the guest (vmbus thread, lock held) ----------------------------- */
static void version_request(struct hs_balloon *b, const uint8_t *m, uint32_t size)
{
	uint8_t r[ACCEPT_SIZE] = { 0 };
	uint32_t v;
	bool ok = false, last;
	unsigned int i;

	if (size < VREQ_SIZE) {
		bad(b, "VERSION_REQUEST too short", size);
		return;
	}
	v = le32(m + VREQ_VERSION);
	last = le32(m + VREQ_FLAGS) & 1;
	for (i = 0; i < b->nversions; i++)
		ok |= b->versions[i] == v;
	b->st.version_requests++;
	b->st.last_version_asked = v;
	b->st.last_attempt_seen |= last;
	b->st.version = ok ? v : 0;
	b->st.caps_accepted = false;
	b->refused = !ok && last;
	put64(r + ACCEPTED, ok);
	dm_send(b, r, DM_VERSION_RESPONSE, sizeof(r), le32(m + DM_TID));
	pthread_cond_broadcast(&b->cond);
}

static void caps_report(struct hs_balloon *b, const uint8_t *m, uint32_t size)
{
	uint8_t r[ACCEPT_SIZE] = { 0 };
	bool ok;

	if (size < CAPS_SIZE) {
		bad(b, "CAPABILITIES_REPORT too short", size);
		return;
	}
	if (!b->st.version)
		bad(b, "CAPABILITIES_REPORT before a version was accepted", 0);
	ok = b->st.version && !b->refuse_caps;
	b->st.caps = le64(m + CAPS_FLAGS);
	b->st.min_pages = le64(m + CAPS_MIN);
	b->st.max_page_number = le64(m + CAPS_MAX);
	b->st.caps_accepted = ok;
	b->refused = !ok;
	put64(r + ACCEPTED, ok);
	dm_send(b, r, DM_CAPS_RESPONSE, sizeof(r), le32(m + DM_TID));
	pthread_cond_broadcast(&b->cond);
}

static void status_report(struct hs_balloon *b, const uint8_t *m, uint32_t size)
{
	if (size < ST_SIZE) {
		bad(b, "STATUS_REPORT too short", size);
		return;
	}
	if (!b->st.caps_accepted)
		bad(b, "STATUS_REPORT before the capabilities were accepted", 0);
	b->st.status_reports++;
	b->st.num_avail = le64(m + ST_AVAIL);
	b->st.num_committed = le64(m + ST_COMMITTED);
	b->st.page_file_size = le64(m + ST_PAGE_FILE);
	b->st.zero_free = le64(m + ST_ZERO_FREE);
	b->st.page_file_writes = le32(m + ST_WRITES);
	b->st.io_diff = le32(m + ST_IO_DIFF);
}

static void balloon_response(struct hs_balloon *b, const uint8_t *m, uint32_t size)
{
	uint32_t flags, n, i;
	struct hs_page_range r;

	if (b->op != OP_BALLOON || b->done) {
		bad(b, "BALLOON_RESPONSE to no BALLOON_REQUEST", size);
		return;
	}
	b->st.balloon_responses++;
	flags = le32(m + BRESP_FLAGS);
	n = flags >> 1;
	if (size < BRESP_RANGES || (size - BRESP_RANGES) / 8 < n) {
		bad(b, "BALLOON_RESPONSE ranges past its size", n);
		n = size < BRESP_RANGES ? 0 : (size - BRESP_RANGES) / 8;
	}
	for (i = 0; i < n; i++) {
		range_unpack(le64(m + BRESP_RANGES + 8 * i), &r);
		if (!r.count || r.count > b->asked - b->got)
			bad(b, "BALLOON_RESPONSE range of 0 pages or more than asked", r.count);
		else if (!guest_ram(b, &r))
			bad(b, "BALLOON_RESPONSE range not guest RAM", r.start);
		else if (overlaps_held(b, &r))
			bad(b, "BALLOON_RESPONSE range already ballooned", r.start);
		else {
			hold(b, &r);
			b->got += (uint32_t)r.count;
		}
	}
	if (!(flags & 1)) {
		b->done = true;
		pthread_cond_broadcast(&b->cond);
	}
}

static void op_answer(struct hs_balloon *b, enum op op, const uint8_t *m, uint32_t size)
{
	if (b->op != op || b->done) {
		bad(b, op == OP_HOT_ADD ? "HOT_ADD_RESPONSE to no request"
					: "UNBALLOON_RESPONSE to no request", size);
		return;
	}
	if (op == OP_HOT_ADD) {
		if (size < HAR_SIZE) {
			bad(b, "HOT_ADD_RESPONSE too short", size);
			return;
		}
		b->ha_pages = le32(m + HAR_PAGES);
		b->ha_result = le32(m + HAR_RESULT);
		if (b->ha_pages > b->asked)
			bad(b, "HOT_ADD_RESPONSE added more pages than asked", b->ha_pages);
		else if (b->ha_result == 1)
			b->st.hot_added += b->ha_pages;
	}
	b->done = true;
	pthread_cond_broadcast(&b->cond);
}

static void message(struct hs_balloon *b, const struct hs_packet *p)
{
	const uint8_t *m = p->payload;
	uint32_t size;

	if (p->type != PKT_INBAND || p->flags)
		bad(b, "not an in-band packet without completion request", p->type);
	if (p->payload_len < DM_HDR) {
		bad(b, "message shorter than its header", p->payload_len);
		return;
	}
	size = le16(m + DM_SIZE);
	if (size < DM_HDR || size > p->payload_len) {
		bad(b, "Size outside the packet", size);
		return;
	}
	switch (le16(m + DM_TYPE)) {
	case DM_VERSION_REQUEST:
		version_request(b, m, size);
		break;
	case DM_CAPS_REPORT:
		caps_report(b, m, size);
		break;
	case DM_STATUS_REPORT:
		status_report(b, m, size);
		break;
	case DM_BALLOON_RESPONSE:
		balloon_response(b, m, size);
		break;
	case DM_UNBALLOON_RESPONSE:
		op_answer(b, OP_UNBALLOON, m, size);
		break;
	case DM_HOT_ADD_RESPONSE:
		op_answer(b, OP_HOT_ADD, m, size);
		break;
	default:
		bad(b, "unexpected message type from the guest", le16(m + DM_TYPE));
	}
}

/* ---- device callbacks ------------------------------------------------------------ */
static void dm_opened(struct hs_channel *ch, const uint8_t *user_data)
{
	struct hs_balloon *b = hs_device_priv(hs_channel_device(ch));

	(void)user_data;
	pthread_mutex_lock(&b->lock);
	hs_outq_clear(&b->outq);
	b->ch = ch;
	b->open = b->st.open = true;
	b->gen++;
	b->refused = false;
	b->st.version = 0;
	b->st.caps_accepted = false;
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
}

static void dm_closed(struct hs_channel *ch)
{
	struct hs_balloon *b = hs_device_priv(hs_channel_device(ch));

	pthread_mutex_lock(&b->lock);
	hs_outq_clear(&b->outq);
	b->open = b->st.open = false;
	b->gen++;
	b->st.caps_accepted = false;
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
}

static void dm_ready(struct hs_channel *ch)
{
	struct hs_balloon *b = hs_device_priv(hs_channel_device(ch));
	struct hs_packet p;

	pthread_mutex_lock(&b->lock);
	while (hs_channel_recv(ch, &p) > 0)
		message(b, &p);
	pthread_mutex_unlock(&b->lock);
}

static void dm_writable(struct hs_channel *ch)
{
	struct hs_balloon *b = hs_device_priv(hs_channel_device(ch));

	pthread_mutex_lock(&b->lock);
	hs_outq_flush(&b->outq, ch);
	pthread_mutex_unlock(&b->lock);
}

static void free_balloon(struct hs_balloon *b)
{
	hs_outq_clear(&b->outq);
	pthread_cond_destroy(&b->cond);
	pthread_mutex_destroy(&b->lock);
	free(b->held);
	free(b);
}

static void dm_release(struct hs_device *dev)
{
	free_balloon(hs_device_priv(dev));
}

static const struct hs_device_ops dm_ops = {
	.opened = dm_opened, .ready = dm_ready, .closed = dm_closed,
	.writable = dm_writable, .release = dm_release,
};

/* ---- operations from test threads -------------------------------------------------- */
static bool wait_until(struct hs_balloon *b, uint64_t deadline)
{
	struct timespec ts;

	if (hs_now_ms() >= deadline)
		return false;
	ts.tv_sec = (time_t)(deadline / 1000);
	ts.tv_nsec = (long)(deadline % 1000) * 1000000;
	pthread_cond_timedwait(&b->cond, &b->lock, &ts);
	return true;
}

/* take the operation slot: 0 with the lock held, or an error (unlocked) */
static int begin(struct hs_balloon *b, enum op op, uint64_t deadline)
{
	pthread_mutex_lock(&b->lock);
	while (b->busy && wait_until(b, deadline))
		;
	if (b->busy || !b->open || !b->st.caps_accepted) {
		int rc = b->busy ? -ETIMEDOUT : !b->open ? -ENOTCONN : -EAGAIN;

		pthread_mutex_unlock(&b->lock);
		return rc;
	}
	b->busy = true;
	b->op = op;
	b->done = b->bad = false;
	b->got = 0;
	return 0;
}

/* wait for the operation's end and free the slot (the lock stays held) */
static int finish(struct hs_balloon *b, uint64_t deadline)
{
	unsigned int gen = b->gen;
	int rc;

	while (!b->done && b->gen == gen && wait_until(b, deadline))
		;
	rc = b->done ? (b->bad ? -EPROTO : 0) : b->gen != gen ? -ENOTCONN : -ETIMEDOUT;
	b->busy = false;
	b->op = OP_NONE;
	pthread_cond_broadcast(&b->cond);
	return rc;
}

int hs_balloon_inflate(struct hs_balloon *b, uint32_t pages, uint32_t *got,
		       unsigned int timeout_ms)
{
	uint64_t deadline = hs_now_ms() + timeout_ms;
	uint8_t m[BREQ_SIZE] = { 0 };
	int rc;

	if (!pages)
		return -EINVAL;
	rc = begin(b, OP_BALLOON, deadline);
	if (rc)
		return rc;
	b->asked = pages;
	put32(m + BREQ_PAGES, pages);
	dm_send(b, m, DM_BALLOON_REQUEST, sizeof(m), b->next_tid++);
	b->st.balloon_requests++;
	rc = finish(b, deadline);
	if (got)
		*got = b->got;
	pthread_mutex_unlock(&b->lock);
	return rc;
}

int hs_balloon_deflate(struct hs_balloon *b, uint32_t pages, unsigned int timeout_ms)
{
	uint64_t deadline = hs_now_ms() + timeout_ms, left = pages;
	uint8_t *m;
	int rc;

	if (!pages)
		return -EINVAL;
	rc = begin(b, OP_UNBALLOON, deadline);
	if (rc)
		return rc;
	if (pages > b->st.ballooned) {
		b->busy = false;
		pthread_cond_broadcast(&b->cond);
		pthread_mutex_unlock(&b->lock);
		return -EINVAL;
	}
	m = hs_zalloc(MAX_MSG);
	while (left) {
		uint32_t n = 0;

		memset(m, 0, MAX_MSG);
		while (left && UREQ_RANGES + 8 * (n + 1) <= MAX_MSG) {
			struct hs_page_range *last = &b->held[b->nheld - 1], r;

			r.count = last->count < left ? last->count : left;
			r.start = last->start + last->count - r.count;
			put64(m + UREQ_RANGES + 8 * n++, range_pack(&r));
			last->count -= r.count;
			b->st.ballooned -= r.count;
			left -= r.count;
			if (!last->count)
				b->nheld--;
		}
		put32(m + UREQ_MORE, left ? 1 : 0);
		put32(m + UREQ_COUNT, n);
		dm_send(b, m, DM_UNBALLOON_REQUEST, UREQ_RANGES + 8 * n, b->next_tid++);
		b->st.unballoon_requests++;
	}
	free(m);
	rc = finish(b, deadline);
	pthread_mutex_unlock(&b->lock);
	return rc;
}

int hs_balloon_hot_add(struct hs_balloon *b, const struct hs_page_range *range,
		       const struct hs_page_range *region, uint32_t *added, uint32_t *result,
		       unsigned int timeout_ms)
{
	uint64_t deadline = hs_now_ms() + timeout_ms;
	uint8_t m[HA_SIZE_REGION] = { 0 };
	int rc;

	if (!range || !range->count || range->count > RANGE_MAX_COUNT ||
	    (region && region->count > RANGE_MAX_COUNT))
		return -EINVAL;
	rc = begin(b, OP_HOT_ADD, deadline);
	if (rc)
		return rc;
	b->asked = (uint32_t)range->count;
	b->ha_pages = b->ha_result = 0;
	put64(m + HA_RANGE, range_pack(range));
	if (region)
		put64(m + HA_REGION, range_pack(region));
	dm_send(b, m, DM_HOT_ADD_REQUEST, region ? HA_SIZE_REGION : HA_SIZE, b->next_tid++);
	b->st.hot_adds++;
	rc = finish(b, deadline);
	if (added)
		*added = b->ha_pages;
	if (result)
		*result = b->ha_result;
	pthread_mutex_unlock(&b->lock);
	return rc;
}

int hs_balloon_info_max_pages(struct hs_balloon *b, uint64_t max_pages)
{
	uint8_t m[INFO_BLOBS + 16] = { 0 };
	int rc;

	put32(m + INFO_SIZE, 16);
	put32(m + INFO_BLOBS, INFO_MAX_PAGES);
	put32(m + INFO_BLOBS + 4, 8);
	put64(m + INFO_BLOBS + 8, max_pages);
	pthread_mutex_lock(&b->lock);
	rc = dm_send(b, m, DM_INFO, sizeof(m), b->next_tid++);
	pthread_mutex_unlock(&b->lock);
	return rc;
}

int hs_balloon_send_raw(struct hs_balloon *b, const void *msg, uint32_t len)
{
	int rc = -ENOTCONN;

	if (!msg || !len || len > MAX_MSG)
		return -EINVAL;
	pthread_mutex_lock(&b->lock);
	if (b->open) {
		hs_outq_send(&b->outq, b->ch, PKT_INBAND, 0, 0, NULL, 0, msg, len);
		rc = 0;
	}
	pthread_mutex_unlock(&b->lock);
	return rc;
}

int hs_balloon_wait_ready(struct hs_balloon *b, unsigned int timeout_ms)
{
	uint64_t deadline = hs_now_ms() + timeout_ms;
	int rc;

	pthread_mutex_lock(&b->lock);
	while (!b->st.caps_accepted && !b->refused && wait_until(b, deadline))
		;
	rc = b->st.caps_accepted ? 0 : b->refused ? -ECONNREFUSED : -ETIMEDOUT;
	pthread_mutex_unlock(&b->lock);
	return rc;
}

int hs_balloon_ranges(struct hs_balloon *b, struct hs_page_range *r, int max)
{
	int n;

	pthread_mutex_lock(&b->lock);
	for (n = 0; n < max && (size_t)n < b->nheld; n++)
		r[n] = b->held[n];
	n = (int)b->nheld;
	pthread_mutex_unlock(&b->lock);
	return n;
}

void hs_balloon_stats(struct hs_balloon *b, struct hs_balloon_stats *st)
{
	pthread_mutex_lock(&b->lock);
	*st = b->st;
	pthread_mutex_unlock(&b->lock);
}

struct hs_device *hs_balloon_device(struct hs_balloon *b)
{
	return b->dev;
}

struct hs_balloon *hs_balloon_add(struct hs_host *h, const struct hs_balloon_config *cfg)
{
	static const uint8_t zero[16];
	const uint32_t *v;
	pthread_condattr_t ca;
	struct hs_balloon *b;
	struct hs_offer o;

	if (!h || !cfg)
		return NULL;
	b = hs_zalloc(sizeof(*b));
	b->h = h;
	for (v = cfg->versions ? cfg->versions : default_versions; *v && b->nversions < 8; v++)
		b->versions[b->nversions++] = *v;
	b->refuse_caps = cfg->refuse_capabilities;
	b->next_tid = 1;
	pthread_mutex_init(&b->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&b->cond, &ca);
	pthread_condattr_destroy(&ca);

	memset(&o, 0, sizeof(o));
	memcpy(o.class_guid, dm_class, 16);
	if (memcmp(cfg->instance_guid, zero, 16))
		memcpy(o.instance_guid, cfg->instance_guid, 16);
	else
		hs_make_guid(o.instance_guid, (uint64_t)(uintptr_t)b ^ 0x646dull);
	o.monitor_allocated = cfg->monitored;
	b->dev = hs_device_add(h, &o, &dm_ops, b);
	if (!b->dev) {
		free_balloon(b);
		return NULL;
	}
	return b;
}
