// SPDX-License-Identifier: GPL-2.0
/*
 * The host side of the integration components (fact sheet §6): heartbeat,
 * KVP, shutdown, timesync, VSS and file copy, each one VMBus device.  Every
 * message is built and read at the fact sheet's offsets: the 28-byte header
 * (pipe header + IC header), NEGOTIATE's version lists, and each service's
 * data.  The guest answers by sending the request's buffer back; hostsim
 * checks that answer field by field.
 *
 * Threads: requests come from test threads, which send (the data path takes
 * only the channel's ring lock) and then wait on the IC's condition variable
 * — never on a hostsim lock.  The vmbus thread's ready() matches answers to
 * the outstanding request, checks them and wakes the waiter.  The NEGOTIATE
 * sent when the channel opens is started from opened() (or by whoever frees
 * the request slot) and finished in ready(); nothing here blocks on the
 * vmbus thread.  ic->lock guards everything in struct hs_ic.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "model.h"

/* ---- §6.2 header, offsets from the payload start ------------------------------- */
#define PIPE_TYPE	0
#define PIPE_SIZE	4
#define PIPE_LEN	8
#define ICH_FRAMEWORK	8
#define ICH_TYPE	12
#define ICH_VERSION	14
#define ICH_DATA_SIZE	18
#define ICH_STATUS	20
#define ICH_TID		24
#define ICH_FLAGS	25
#define ICH_SIZE	28
#define PIPE_DATA	1u
#define ICF_TRANSACTION	0x1u
#define ICF_REQUEST	0x2u
#define ICF_RESPONSE	0x4u
#define IC_MAX_MSG	13312u		/* largest IC message [OVMM] */
#define IC_NEGOTIATE	0
#define IC_MAX_VERSIONS	16u

/* §6.3 NEGOTIATE data */
#define NEG_FW_COUNT	0
#define NEG_SV_COUNT	2
#define NEG_VERSIONS	8
#define NEG_ANSWER_SIZE	16

/* heartbeat */
#define HB_SEQ		0
#define HB_SIZE		40		/* Linux: 32 reserved bytes after the sequence */
#define HB_SIZE_SHORT	16		/* OpenVMM: ApplicationState + reserved */

/* shutdown */
#define SD_REASON	0
#define SD_TIMEOUT	4
#define SD_FLAGS	8
#define SD_MESSAGE	12
#define SD_MESSAGE_LEN	2048u
#define SD_SIZE		(SD_MESSAGE + SD_MESSAGE_LEN)

/* timesync */
#define TS_PARENT	0
#define TS_CHILD	8		/* < 4.0 */
#define TS_RTT		16		/* < 4.0 */
#define TS_FLAGS_OLD	24
#define TS_SIZE_OLD	25
#define TS_REFERENCE	8		/* 4.0 */
#define TS_FLAGS_V4	16
#define TS_LEAP		17
#define TS_STRATUM	18
#define TS_SIZE_V4	24		/* OpenVMM: 5 reserved bytes */
#define TS_SIZE_V4_SHORT 22		/* Linux: 3 reserved bytes */
#define EPOCH_1601_TO_1970 116444736000000000ull	/* 100 ns units */

/* KVP */
#define KVP_OP		0
#define KVP_POOL	1
#define KVP_BODY	4
#define KV_TYPE		0		/* value record, from its start */
#define KV_KEY_SIZE	4
#define KV_VALUE_SIZE	8
#define KV_KEY		12
#define KV_KEY_MAX	512u
#define KV_VALUE	524
#define KV_VALUE_MAX	2048u
#define KV_SIZE		2572u
#define KVP_DEL_KEY_SIZE (KVP_BODY + 0)
#define KVP_DEL_KEY	(KVP_BODY + 4)
#define KVP_ENUM_INDEX	(KVP_BODY + 0)
#define KVP_ENUM_RECORD	(KVP_BODY + 4)
#define KVP_SIZE_GETSET	(KVP_BODY + KV_SIZE)
#define KVP_SIZE_DELETE	(KVP_DEL_KEY + KV_KEY_MAX)
#define KVP_SIZE_ENUM	(KVP_ENUM_RECORD + KV_SIZE)
/* IP info: directly after Operation and Pool */
#define IP_ADAPTER	2
#define IP_ADAPTER_MAX	256u
#define IP_FAMILY	258
#define IP_DHCP		259
#define IP_ADDRESSES	260
#define IP_ADDRESSES_MAX 2048u
#define IP_SUBNETS	2308
#define IP_SUBNETS_MAX	2048u
#define IP_GATEWAYS	4356
#define IP_GATEWAYS_MAX	1024u
#define IP_DNS		5380
#define IP_DNS_MAX	2048u
#define KVP_SIZE_IP	7428u
enum { KVP_GET, KVP_SET, KVP_DELETE, KVP_ENUMERATE, KVP_GET_IP_INFO, KVP_SET_IP_INFO };

/* VSS */
#define VSS_OP		0
#define VSS_FLAGS	8
#define VSS_SIZE	12

/* fcopy */
#define FC_OP		0
#define FC_HDR_SIZE	36
#define FC_NAME		36
#define FC_PATH		556
#define FC_NAME_MAX	520u
#define FC_COPY_FLAGS	1076
#define FC_FILE_SIZE	1080
#define FC_START_SIZE	1088
#define FC_OFFSET	40
#define FC_CHUNK_SIZE	48
#define FC_DATA		52
#define FC_WRITE_SIZE	(FC_DATA + HS_FCOPY_MAX_CHUNK)
enum { FC_START, FC_WRITE, FC_COMPLETE, FC_CANCEL };

/* §8 class GUIDs, wire order */
static const struct {
	enum hs_ic_service service;
	uint8_t guid[16];
} classes[] = {
	{ HS_IC_HEARTBEAT, { 0x39, 0x4f, 0x16, 0x57, 0x15, 0x91, 0x78, 0x4e,	/* 57164f39-9115-4e78- */
			     0xab, 0x55, 0x38, 0x2f, 0x3b, 0xd5, 0x42, 0x2d } },	/* ab55-382f3bd5422d */
	{ HS_IC_KVP, { 0xe7, 0xf4, 0xa0, 0xa9, 0x45, 0x5a, 0x96, 0x4d,	/* a9a0f4e7-5a45-4d96- */
		       0xb8, 0x27, 0x8a, 0x84, 0x1e, 0x8c, 0x03, 0xe6 } },	/* b827-8a841e8c03e6 */
	{ HS_IC_SHUTDOWN, { 0x31, 0x60, 0x0b, 0x0e, 0x13, 0x52, 0x34, 0x49,	/* 0e0b6031-5213-4934- */
			    0x81, 0x8b, 0x38, 0xd9, 0x0c, 0xed, 0x39, 0xdb } },	/* 818b-38d90ced39db */
	{ HS_IC_TIMESYNC, { 0x30, 0xe6, 0x27, 0x95, 0xae, 0xd0, 0x7b, 0x49,	/* 9527e630-d0ae-497b- */
			    0xad, 0xce, 0xe8, 0x0a, 0xb0, 0x17, 0x5c, 0xaf } },	/* adce-e80ab0175caf */
	{ HS_IC_VSS, { 0x29, 0x2e, 0xfa, 0x35, 0x23, 0xea, 0x36, 0x42,	/* 35fa2e29-ea23-4236- */
		       0x96, 0xae, 0x3a, 0x6e, 0xba, 0xcb, 0xa4, 0x40 } },	/* 96ae-3a6ebacba440 */
	{ HS_IC_FCOPY, { 0xe3, 0x4b, 0xd1, 0x34, 0xe4, 0xde, 0xc8, 0x41,	/* 34d14be3-dee4-41c8- */
			 0x9a, 0xe7, 0x6b, 0x17, 0x49, 0x77, 0xc1, 0x92 } },	/* 9ae7-6b174977c192 */
};

/* §6.4 "Linux offers" column, newest first */
#define V(maj, min)	HS_IC_VERSION(maj, min)
static const uint32_t default_framework[] = { V(3, 0), V(1, 0), 0 };
static const uint32_t v_heartbeat[] = { V(3, 0), V(1, 0), 0 };
static const uint32_t v_kvp[] = { V(4, 0), V(3, 0), V(1, 0), 0 };
static const uint32_t v_shutdown[] = { V(3, 2), V(3, 1), V(3, 0), V(1, 0), 0 };
static const uint32_t v_timesync[] = { V(4, 0), V(3, 0), V(1, 0), 0 };
static const uint32_t v_vss[] = { V(5, 0), 0 };
static const uint32_t v_fcopy[] = { V(1, 1), 0 };
#undef V

#define NFAULTS	(HS_ICF_UNKNOWN_TYPE + 1)

enum neg_state { NEG_NONE, NEG_PENDING, NEG_OK, NEG_REFUSED, NEG_BAD };

struct hs_ic {
	struct hs_host *h;
	struct hs_device *dev;
	enum hs_ic_service service;
	uint32_t fw[IC_MAX_VERSIONS], sv[IC_MAX_VERSIONS];
	unsigned int nfw, nsv;
	bool manual, kvp_pad, hb_short, ts_short;

	pthread_mutex_t lock;
	pthread_cond_t cond;		/* CLOCK_MONOTONIC */
	struct hs_channel *ch;
	bool open, paused;
	unsigned int gen;		/* bumped on open and close */

	/* negotiation */
	enum neg_state neg;
	bool neg_wanted;		/* NEGOTIATE to send when the slot is free */
	uint32_t fw_chosen, sv_chosen;

	/* the one outstanding request */
	bool busy;			/* a request holds the slot */
	bool internal;			/* ... the NEGOTIATE sent on open */
	bool waiting;			/* sent (or being sent), not answered */
	bool answered;
	bool send_pending;		/* internal request waits for ring space */
	bool faulted;			/* the request was malformed on purpose */
	uint64_t tid, next_tid;
	const uint8_t *req;		/* what was sent */
	uint32_t req_len;
	uint8_t own[256];		/* the internal NEGOTIATE */
	uint64_t abandoned[8];		/* TransactionIds of requests given up */
	unsigned int nabandoned;

	/* the last answer */
	bool have_last;
	struct hs_ic_response last;
	uint8_t *last_payload;		/* IC_MAX_MSG + 8 bytes */

	struct hs_ic_fault fault[NFAULTS];
	struct hs_ic_stats st;
};

/* ---- small helpers ---------------------------------------------------------------- */
static uint32_t round8(uint32_t n)
{
	return (n + 7) & ~7u;
}

static uint32_t rd_version(const uint8_t *p)
{
	return HS_IC_VERSION(le16(p), le16(p + 2));
}

static void wr_version(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static bool listed(const uint32_t *list, unsigned int n, uint32_t v)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (list[i] == v)
			return true;
	return false;
}

static bool timed_wait(struct hs_ic *ic, uint64_t deadline)
{
	struct timespec ts;

	if (hs_now_ms() >= deadline)
		return false;
	ts.tv_sec = (time_t)(deadline / 1000);
	ts.tv_nsec = (long)(deadline % 1000) * 1000000;
	pthread_cond_timedwait(&ic->cond, &ic->lock, &ts);
	return true;
}

static void violation(struct hs_ic *ic, uint32_t *v, uint32_t bit, const char *what)
{
	*v |= bit;
	ic->st.protocol_errors++;
	hs_protocol_error(ic->h, "ic %d: %s", ic->service, what);
}

/* UTF-8 -> UTF-16LE in a field of `cap` bytes with a NUL; units written
 * (NUL excluded) or -1 when it does not fit or is not UTF-8 */
static int to_utf16(const char *s, uint8_t *dst, uint32_t cap)
{
	const uint8_t *p = (const uint8_t *)(s ? s : "");
	uint32_t n = 0, max = cap / 2;

	while (*p) {
		uint32_t c, extra, i;

		if (*p < 0x80) {
			c = *p;
			extra = 0;
		} else if ((*p & 0xE0) == 0xC0) {
			c = *p & 0x1F;
			extra = 1;
		} else if ((*p & 0xF0) == 0xE0) {
			c = *p & 0x0F;
			extra = 2;
		} else if ((*p & 0xF8) == 0xF0) {
			c = *p & 0x07;
			extra = 3;
		} else {
			return -1;
		}
		for (i = 1; i <= extra; i++) {
			if ((p[i] & 0xC0) != 0x80)
				return -1;
			c = c << 6 | (p[i] & 0x3F);
		}
		p += extra + 1;
		if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
			return -1;
		if (c >= 0x10000) {
			if (n + 3 > max)
				return -1;
			c -= 0x10000;
			put16(dst + 2 * n++, (uint16_t)(0xD800 | c >> 10));
			put16(dst + 2 * n++, (uint16_t)(0xDC00 | (c & 0x3FF)));
		} else {
			if (n + 2 > max)
				return -1;
			put16(dst + 2 * n++, (uint16_t)c);
		}
	}
	put16(dst + 2 * n, 0);
	return (int)n;
}

/* UTF-16LE (`bytes` of it, up to a NUL) -> UTF-8; bad surrogates become
 * U+FFFD; truncated to cap - 1 bytes */
static void from_utf16(const uint8_t *src, uint32_t bytes, char *dst, size_t cap)
{
	uint32_t i, n = bytes / 2;
	size_t o = 0;

	for (i = 0; i < n; i++) {
		uint32_t c = le16(src + 2 * i);
		uint8_t b[4];
		size_t k;

		if (!c)
			break;
		if (c >= 0xD800 && c <= 0xDBFF && i + 1 < n && (le16(src + 2 * i + 2) & 0xFC00) == 0xDC00)
			c = 0x10000 + ((c & 0x3FF) << 10 | (le16(src + 2 * ++i) & 0x3FF));
		else if (c >= 0xD800 && c <= 0xDFFF)
			c = 0xFFFD;
		if (c < 0x80) {
			b[0] = (uint8_t)c;
			k = 1;
		} else if (c < 0x800) {
			b[0] = (uint8_t)(0xC0 | c >> 6);
			b[1] = (uint8_t)(0x80 | (c & 0x3F));
			k = 2;
		} else if (c < 0x10000) {
			b[0] = (uint8_t)(0xE0 | c >> 12);
			b[1] = (uint8_t)(0x80 | (c >> 6 & 0x3F));
			b[2] = (uint8_t)(0x80 | (c & 0x3F));
			k = 3;
		} else {
			b[0] = (uint8_t)(0xF0 | c >> 18);
			b[1] = (uint8_t)(0x80 | (c >> 12 & 0x3F));
			b[2] = (uint8_t)(0x80 | (c >> 6 & 0x3F));
			b[3] = (uint8_t)(0x80 | (c & 0x3F));
			k = 4;
		}
		if (o + k >= cap)
			break;
		memcpy(dst + o, b, k);
		o += k;
	}
	if (cap)
		dst[o] = 0;
}

/* a UTF-16 string field holds a NUL at an even offset below `bytes` */
static bool utf16_terminated(const uint8_t *p, uint32_t bytes)
{
	uint32_t i;

	for (i = 0; i + 1 < bytes; i += 2)
		if (!le16(p + i))
			return true;
	return false;
}

/* ---- building requests ---------------------------------------------------------- */

/* header for a message of `len` data bytes; ic->lock held */
static void put_header(struct hs_ic *ic, uint8_t *m, uint16_t type, uint32_t len)
{
	bool neg = ic->neg == NEG_OK;

	put32(m + PIPE_TYPE, PIPE_DATA);
	put32(m + PIPE_SIZE, ICH_SIZE - PIPE_LEN + len);
	wr_version(m + ICH_FRAMEWORK, neg ? ic->fw_chosen : ic->fw[0]);
	put16(m + ICH_TYPE, type);
	wr_version(m + ICH_VERSION, neg && type != IC_NEGOTIATE ? ic->sv_chosen : ic->sv[0]);
	put16(m + ICH_DATA_SIZE, (uint16_t)len);
	put32(m + ICH_STATUS, 0);
	m[ICH_TID] = 0;			/* the host uses 0 and expects it back */
	m[ICH_FLAGS] = ICF_TRANSACTION | ICF_REQUEST;
}

/* NEGOTIATE into m; its length */
static uint32_t build_negotiate(struct hs_ic *ic, uint8_t *m)
{
	uint8_t *d = m + ICH_SIZE;
	uint32_t len = NEG_VERSIONS + 4 * (ic->nfw + ic->nsv), i;

	memset(m, 0, ICH_SIZE + len);
	put_header(ic, m, IC_NEGOTIATE, len);
	put16(d + NEG_FW_COUNT, (uint16_t)ic->nfw);
	put16(d + NEG_SV_COUNT, (uint16_t)ic->nsv);
	for (i = 0; i < ic->nfw; i++)
		wr_version(d + NEG_VERSIONS + 4 * i, ic->fw[i]);
	for (i = 0; i < ic->nsv; i++)
		wr_version(d + NEG_VERSIONS + 4 * (ic->nfw + i), ic->sv[i]);
	return ICH_SIZE + len;
}

/* fill a UTF-16 field completely, with no NUL */
static void fill_no_nul(uint8_t *p, uint32_t bytes)
{
	uint32_t i;

	for (i = 0; i + 1 < bytes; i += 2)
		put16(p + i, 'A');
}

/* the first armed fault that applies to message m (ic->lock held); it may
 * change m and *len.  True when one was carried out. */
static bool apply_fault(struct hs_ic *ic, uint8_t *m, uint32_t *len)
{
	uint8_t *d = m + ICH_SIZE;
	uint32_t dl = *len - ICH_SIZE;
	uint16_t type = le16(m + ICH_TYPE);
	bool own = type == (uint16_t)ic->service;
	int k;

	for (k = 1; k < (int)NFAULTS; k++) {
		struct hs_ic_fault *f = &ic->fault[k];
		uint32_t v = f->value;
		bool done = true;

		if (!f->count)
			continue;
		switch (f->kind) {
		case HS_ICF_SHORT_DATA:
			if (!dl) {
				done = false;
				break;
			}
			v = v && v < dl ? v : dl / 2;
			put16(m + ICH_DATA_SIZE, (uint16_t)v);
			put32(m + PIPE_SIZE, ICH_SIZE - PIPE_LEN + v);
			*len = ICH_SIZE + v;
			break;
		case HS_ICF_DATA_SIZE_OVERRUN:
			put16(m + ICH_DATA_SIZE, (uint16_t)(dl + (v ? v : 64)));
			break;
		case HS_ICF_NEGOTIATE_COUNTS:
			if (type != IC_NEGOTIATE) {
				done = false;
				break;
			}
			put16(d + NEG_FW_COUNT, (uint16_t)(v ? v : 200));
			put16(d + NEG_SV_COUNT, (uint16_t)(v ? v : 200));
			break;
		case HS_ICF_BAD_ENUM:
			v = v ? v : 0xEE;
			if (!own || !dl)
				done = false;
			else if (ic->service == HS_IC_KVP || ic->service == HS_IC_VSS)
				d[0] = (uint8_t)v;		/* Operation */
			else if (ic->service == HS_IC_FCOPY)
				put32(d + FC_OP, v);
			else if (ic->service == HS_IC_SHUTDOWN && dl >= SD_MESSAGE)
				put32(d + SD_FLAGS, v);
			else if (ic->service == HS_IC_TIMESYNC && dl >= TS_SIZE_V4_SHORT)
				d[dl == TS_SIZE_OLD ? TS_FLAGS_OLD : TS_FLAGS_V4] = (uint8_t)v;
			else
				done = false;
			break;
		case HS_ICF_NO_NUL:
			if (own && ic->service == HS_IC_KVP && dl >= KVP_SIZE_DELETE &&
			    d[KVP_OP] <= KVP_ENUMERATE) {
				if (d[KVP_OP] == KVP_DELETE) {
					fill_no_nul(d + KVP_DEL_KEY, KV_KEY_MAX);
					put32(d + KVP_DEL_KEY_SIZE, KV_KEY_MAX);
				} else {
					uint8_t *r = d + (d[KVP_OP] == KVP_ENUMERATE ? KVP_ENUM_RECORD
									: KVP_BODY);

					fill_no_nul(r + KV_KEY, KV_KEY_MAX);
					put32(r + KV_KEY_SIZE, KV_KEY_MAX);
					if (d[KVP_OP] == KVP_SET) {
						fill_no_nul(r + KV_VALUE, KV_VALUE_MAX);
						put32(r + KV_VALUE_SIZE, KV_VALUE_MAX);
					}
				}
			} else if (own && ic->service == HS_IC_FCOPY && dl == FC_START_SIZE &&
				   le32(d + FC_OP) == FC_START) {
				fill_no_nul(d + FC_NAME, FC_NAME_MAX);
				fill_no_nul(d + FC_PATH, FC_NAME_MAX);
			} else if (own && ic->service == HS_IC_SHUTDOWN && dl == SD_SIZE) {
				memset(d + SD_MESSAGE, 'A', SD_MESSAGE_LEN);
			} else {
				done = false;
			}
			break;
		case HS_ICF_OVERSIZE:
			if (own && ic->service == HS_IC_KVP && dl >= KVP_SIZE_GETSET &&
			    (d[KVP_OP] == KVP_GET || d[KVP_OP] == KVP_SET)) {
				put32(d + KVP_BODY + KV_KEY_SIZE, v ? v : 2 * KV_KEY_MAX);
				if (d[KVP_OP] == KVP_SET)
					put32(d + KVP_BODY + KV_VALUE_SIZE, v ? v : 2 * KV_VALUE_MAX);
			} else if (own && ic->service == HS_IC_KVP && dl >= KVP_SIZE_DELETE &&
				   d[KVP_OP] == KVP_DELETE) {
				put32(d + KVP_DEL_KEY_SIZE, v ? v : 2 * KV_KEY_MAX);
			} else if (own && ic->service == HS_IC_FCOPY && dl == FC_WRITE_SIZE &&
				   le32(d + FC_OP) == FC_WRITE) {
				put32(d + FC_CHUNK_SIZE, v ? v : 2 * HS_FCOPY_MAX_CHUNK);
			} else {
				done = false;
			}
			break;
		case HS_ICF_UNKNOWN_TYPE:
			put16(m + ICH_TYPE, (uint16_t)(v ? v : 99));
			break;
		default:
			done = false;
		}
		if (done) {
			f->count--;
			ic->st.faults++;
			return true;
		}
	}
	return false;
}

/* ---- the request slot ------------------------------------------------------------ */
static void release_slot(struct hs_ic *ic)
{
	ic->busy = false;
	ic->internal = false;
	ic->waiting = false;
	ic->answered = false;
	ic->send_pending = false;
	ic->req = NULL;
	pthread_cond_broadcast(&ic->cond);
}

static void abandon(struct hs_ic *ic)
{
	ic->abandoned[ic->nabandoned++ % 8] = ic->tid;
	ic->st.timeouts++;
}

/* take the slot for a request and send it; ic->lock held, slot free */
static bool start(struct hs_ic *ic, const uint8_t *m, uint32_t len, bool internal)
{
	ic->busy = true;
	ic->internal = internal;
	ic->tid = ic->next_tid++;
	ic->req = m;
	ic->req_len = len;
	ic->waiting = true;
	ic->answered = false;
	ic->st.requests++;
	if (le16(m + ICH_TYPE) == IC_NEGOTIATE)
		ic->neg = NEG_PENDING;
	return hs_channel_send(ic->ch, PKT_INBAND, 0, ic->tid, m, len) == 0;
}

/* send the NEGOTIATE the opened channel needs if the slot is free */
static void kick(struct hs_ic *ic)
{
	uint32_t len;

	if (!ic->open || ic->busy || !ic->neg_wanted)
		return;
	ic->neg_wanted = false;
	len = build_negotiate(ic, ic->own);
	ic->faulted = apply_fault(ic, ic->own, &len);
	ic->send_pending = !start(ic, ic->own, len, true);
}

/* ---- checking answers (vmbus thread, ic->lock held) -------------------------------- */
/* a broken rule of the answer to a well-formed request (a malformed one has
 * no right answer to compare with) */
static void body_violation(struct hs_ic *ic, uint32_t *v, const char *what)
{
	if (!ic->faulted)
		violation(ic, v, HS_ICV_BODY, what);
}

static void check_negotiate(struct hs_ic *ic, const uint8_t *a, uint32_t alen, uint32_t *v)
{
	const uint8_t *d = a + ICH_SIZE;
	uint16_t nf, ns;
	uint32_t fw, sv;

	ic->st.negotiations++;
	ic->neg = NEG_BAD;
	if (alen < ICH_SIZE + NEG_VERSIONS) {
		body_violation(ic, v, "NEGOTIATE answer without counts");
		return;
	}
	nf = le16(d + NEG_FW_COUNT);
	ns = le16(d + NEG_SV_COUNT);
	if (!nf && !ns) {
		ic->neg = NEG_REFUSED;
		ic->st.refused = true;
		ic->st.negotiated = false;
		ic->st.framework = ic->st.version = 0;
		return;
	}
	if (nf != 1 || ns != 1 || alen < ICH_SIZE + NEG_ANSWER_SIZE) {
		body_violation(ic, v, "NEGOTIATE answer counts not 1/1 or 0/0");
		return;
	}
	fw = rd_version(d + NEG_VERSIONS);
	sv = rd_version(d + NEG_VERSIONS + 4);
	if (!listed(ic->fw, ic->nfw, fw) || !listed(ic->sv, ic->nsv, sv)) {
		body_violation(ic, v, "NEGOTIATE answer names a version not offered");
		return;
	}
	if (le16(a + ICH_DATA_SIZE) != NEG_ANSWER_SIZE)
		body_violation(ic, v, "NEGOTIATE answer data size not 16");
	ic->neg = NEG_OK;
	ic->fw_chosen = fw;
	ic->sv_chosen = sv;
	ic->st.negotiated = true;
	ic->st.refused = false;
	ic->st.framework = fw;
	ic->st.version = sv;
}

static bool kv_record_ok(const uint8_t *r)
{
	uint32_t type = le32(r + KV_TYPE), ks = le32(r + KV_KEY_SIZE), vs = le32(r + KV_VALUE_SIZE);

	if (ks < 2 || ks > KV_KEY_MAX || (ks & 1) || le16(r + KV_KEY + ks - 2) ||
	    vs > KV_VALUE_MAX)
		return false;
	switch (type) {
	case HS_KVP_REG_SZ:
	case 2:				/* expand-string */
		return vs >= 2 && !(vs & 1) && !le16(r + KV_VALUE + vs - 2);
	case HS_KVP_REG_DWORD:
		return vs == 4;
	case HS_KVP_REG_U64:
	case HS_KVP_REG_QWORD:
		return vs == 8;
	default:
		return false;
	}
}

/* the service's own rules for a successful answer */
static void check_body(struct hs_ic *ic, const uint8_t *a, uint32_t alen, uint32_t *v)
{
	const uint8_t *q = ic->req + ICH_SIZE, *d = a + ICH_SIZE;
	uint32_t ql = ic->req_len - ICH_SIZE;
	uint16_t type = le16(ic->req + ICH_TYPE);

	if (type != (uint16_t)ic->service || alen < ic->req_len)
		return;
	switch (ic->service) {
	case HS_IC_HEARTBEAT:
		if (ql >= 8 && le64(d + HB_SEQ) != le64(q + HB_SEQ) + 1)
			violation(ic, v, HS_ICV_BODY, "heartbeat sequence not incremented by 1");
		break;
	case HS_IC_TIMESYNC:
		if (memcmp(d, q, ql))
			violation(ic, v, HS_ICV_BODY, "timesync answer changed the data");
		break;
	case HS_IC_KVP:
		if (d[KVP_OP] != q[KVP_OP] || d[KVP_POOL] != q[KVP_POOL]) {
			violation(ic, v, HS_ICV_BODY, "KVP answer changed Operation or Pool");
			break;
		}
		if (le32(a + ICH_STATUS) != HS_IC_S_OK)
			break;
		if ((q[KVP_OP] == KVP_GET && ql >= KVP_SIZE_GETSET && !kv_record_ok(d + KVP_BODY)) ||
		    (q[KVP_OP] == KVP_ENUMERATE && ql >= KVP_SIZE_ENUM &&
		     !kv_record_ok(d + KVP_ENUM_RECORD)))
			violation(ic, v, HS_ICV_BODY, "KVP answer record out of bounds");
		if (q[KVP_OP] == KVP_GET_IP_INFO && ql >= KVP_SIZE_IP &&
		    (!utf16_terminated(d + IP_ADAPTER, IP_ADAPTER_MAX) ||
		     !utf16_terminated(d + IP_ADDRESSES, IP_ADDRESSES_MAX) ||
		     !utf16_terminated(d + IP_SUBNETS, IP_SUBNETS_MAX) ||
		     !utf16_terminated(d + IP_GATEWAYS, IP_GATEWAYS_MAX) ||
		     !utf16_terminated(d + IP_DNS, IP_DNS_MAX) || d[IP_FAMILY] > 3))
			violation(ic, v, HS_ICV_BODY, "KVP IP info answer out of bounds");
		break;
	case HS_IC_VSS:
		if (d[VSS_OP] != q[VSS_OP])
			violation(ic, v, HS_ICV_BODY, "VSS answer changed Operation");
		break;
	case HS_IC_FCOPY:
		if (le32(d + FC_OP) != le32(q + FC_OP))
			violation(ic, v, HS_ICV_BODY, "fcopy answer changed Operation");
		break;
	default:
		break;
	}
}

/* p answers the outstanding request */
static void take_answer(struct hs_ic *ic, const struct hs_packet *p)
{
	struct hs_ic_response *r = &ic->last;
	const uint8_t *a = p->payload;
	uint32_t alen = p->payload_len, v = 0;

	memset(r, 0, sizeof(*r));
	r->trans_id = p->trans_id;
	r->pkt_type = p->type;
	r->pkt_flags = p->flags;
	r->len = alen;
	memcpy(ic->last_payload, a, alen < IC_MAX_MSG + 8 ? alen : IC_MAX_MSG + 8);
	ic->have_last = true;
	if (p->type != PKT_INBAND || p->flags)
		violation(ic, &v, HS_ICV_PKT, "answer not an in-band packet with flags 0");
	if (p->trans_id != ic->tid)
		violation(ic, &v, HS_ICV_TRANS_ID, "answer with another TransactionId");
	if (alen != round8(ic->req_len))
		violation(ic, &v, HS_ICV_LENGTH, "answer not the request's length");
	if (alen >= ICH_SIZE) {
		r->pipe_type = le32(a + PIPE_TYPE);
		r->pipe_size = le32(a + PIPE_SIZE);
		r->framework = rd_version(a + ICH_FRAMEWORK);
		r->version = rd_version(a + ICH_VERSION);
		r->ic_type = le16(a + ICH_TYPE);
		r->data_size = le16(a + ICH_DATA_SIZE);
		r->status = le32(a + ICH_STATUS);
		r->ic_tid = a[ICH_TID];
		r->ic_flags = a[ICH_FLAGS];
		if (memcmp(a, ic->req, PIPE_LEN) || r->ic_type != le16(ic->req + ICH_TYPE) ||
		    r->ic_tid != ic->req[ICH_TID])
			violation(ic, &v, HS_ICV_HEADER,
				  "answer changed the pipe header, IC type or IC transaction");
		if (r->ic_flags != (ICF_TRANSACTION | ICF_RESPONSE))
			violation(ic, &v, HS_ICV_IC_FLAGS, "answer flags not transaction|response");
		ic->st.last_status = r->status;
		if (le16(ic->req + ICH_TYPE) == IC_NEGOTIATE && r->ic_type == IC_NEGOTIATE)
			check_negotiate(ic, a, alen, &v);
		else if (!ic->faulted && !(v & (HS_ICV_LENGTH | HS_ICV_HEADER)))
			check_body(ic, a, alen, &v);
	} else {
		violation(ic, &v, HS_ICV_HEADER, "answer shorter than the IC header");
	}
	if (le16(ic->req + ICH_TYPE) == IC_NEGOTIATE && ic->neg == NEG_PENDING)
		ic->neg = NEG_BAD;
	r->violations = v;
	ic->st.answers++;
	ic->waiting = false;
	ic->answered = true;
	if (ic->internal)
		release_slot(ic);
	else
		pthread_cond_broadcast(&ic->cond);
}

static bool was_abandoned(struct hs_ic *ic, uint64_t tid)
{
	unsigned int i, n = ic->nabandoned < 8 ? ic->nabandoned : 8;

	for (i = 0; i < n; i++)
		if (ic->abandoned[i] == tid)
			return true;
	return false;
}

static void drain(struct hs_ic *ic)
{
	struct hs_packet p;
	uint32_t v = 0;

	while (!ic->paused && hs_channel_recv(ic->ch, &p) > 0) {
		if (was_abandoned(ic, p.trans_id)) {
			ic->st.late++;
		} else if (ic->waiting && (p.trans_id == ic->tid ||
			   (p.payload_len >= ICH_SIZE &&
			    le16(p.payload + ICH_TYPE) == le16(ic->req + ICH_TYPE)))) {
			take_answer(ic, &p);
		} else {
			ic->st.unsolicited++;
			violation(ic, &v, 0, "a packet that answers no request");
		}
	}
}

/* ---- device callbacks ------------------------------------------------------------ */
static void ic_opened(struct hs_channel *ch, const uint8_t *user_data)
{
	struct hs_ic *ic = hs_device_priv(hs_channel_device(ch));

	(void)user_data;
	pthread_mutex_lock(&ic->lock);
	ic->ch = ch;
	ic->open = ic->st.open = true;
	ic->gen++;
	ic->neg = NEG_NONE;
	ic->neg_wanted = !ic->manual;
	kick(ic);
	pthread_cond_broadcast(&ic->cond);
	pthread_mutex_unlock(&ic->lock);
}

static void ic_closed(struct hs_channel *ch)
{
	struct hs_ic *ic = hs_device_priv(hs_channel_device(ch));

	pthread_mutex_lock(&ic->lock);
	ic->open = ic->st.open = false;
	ic->gen++;
	ic->neg = NEG_NONE;
	ic->neg_wanted = false;
	ic->st.negotiated = false;
	if (ic->internal)
		release_slot(ic);
	pthread_cond_broadcast(&ic->cond);
	pthread_mutex_unlock(&ic->lock);
}

static void ic_ready(struct hs_channel *ch)
{
	struct hs_ic *ic = hs_device_priv(hs_channel_device(ch));

	pthread_mutex_lock(&ic->lock);
	drain(ic);
	kick(ic);
	pthread_mutex_unlock(&ic->lock);
}

static void ic_writable(struct hs_channel *ch)
{
	struct hs_ic *ic = hs_device_priv(hs_channel_device(ch));

	pthread_mutex_lock(&ic->lock);
	if (ic->send_pending && ic->open &&
	    hs_channel_send(ic->ch, PKT_INBAND, 0, ic->tid, ic->req, ic->req_len) == 0)
		ic->send_pending = false;
	pthread_cond_broadcast(&ic->cond);
	pthread_mutex_unlock(&ic->lock);
}

static void free_ic(struct hs_ic *ic)
{
	pthread_cond_destroy(&ic->cond);
	pthread_mutex_destroy(&ic->lock);
	free(ic->last_payload);
	free(ic);
}

static void ic_release(struct hs_device *dev)
{
	free_ic(hs_device_priv(dev));
}

static const struct hs_device_ops ic_ops = {
	.opened = ic_opened, .ready = ic_ready, .closed = ic_closed,
	.writable = ic_writable, .release = ic_release,
};

/* ---- requests from test threads -------------------------------------------------- */

/* Send message m (ICH_SIZE + data; the header is filled in here) and wait
 * for the answer; its data part goes to ans.  The common path of every
 * request. */
static int call(struct hs_ic *ic, uint16_t type, uint8_t *m, uint32_t len, uint8_t *ans,
		uint32_t ans_cap, uint32_t *ans_len, uint32_t *status, unsigned int timeout_ms)
{
	uint64_t deadline = hs_now_ms() + timeout_ms;
	unsigned int gen;
	int rc;

	if (len > IC_MAX_MSG)
		return -EINVAL;
	pthread_mutex_lock(&ic->lock);
	/* the channel may be opening (opened() runs on the vmbus thread) */
	while ((ic->busy || !ic->open) && timed_wait(ic, deadline))
		;
	if (!ic->open) {
		pthread_mutex_unlock(&ic->lock);
		return -ENOTCONN;
	}
	if (ic->busy) {
		pthread_mutex_unlock(&ic->lock);
		return -ETIMEDOUT;
	}
	gen = ic->gen;
	put_header(ic, m, type, len - ICH_SIZE);
	ic->faulted = apply_fault(ic, m, &len);
	if (!start(ic, m, len, false)) {
		/* ring full: wait for writable() */
		for (;;) {
			if (ic->gen != gen) {
				rc = -ENOTCONN;
				goto out;
			}
			if (hs_channel_send(ic->ch, PKT_INBAND, 0, ic->tid, m, len) == 0)
				break;
			if (!timed_wait(ic, deadline)) {
				ic->st.requests--;	/* never sent */
				rc = -ETIMEDOUT;
				goto out;
			}
		}
	}
	while (!ic->answered && ic->gen == gen && timed_wait(ic, deadline))
		;
	if (ic->answered) {
		uint32_t n = ic->last.len > ICH_SIZE ? ic->last.len - ICH_SIZE : 0;

		if (ans)
			memcpy(ans, ic->last_payload + ICH_SIZE, n < ans_cap ? n : ans_cap);
		if (ans_len)
			*ans_len = n;
		if (status)
			*status = ic->last.status;
		rc = ic->last.violations ? -EPROTO : 0;
	} else if (ic->gen != gen) {
		rc = -ENOTCONN;
	} else {
		abandon(ic);
		rc = -ETIMEDOUT;
	}
out:
	release_slot(ic);
	kick(ic);
	pthread_mutex_unlock(&ic->lock);
	return rc;
}

/* a message buffer with `len` zeroed data bytes */
static uint8_t *msg_new(uint32_t len)
{
	return hs_zalloc(ICH_SIZE + len);
}

int hs_ic_request(struct hs_ic *ic, uint16_t ic_type, const void *data, uint32_t len,
		  void *resp, uint32_t resp_cap, uint32_t *resp_len, uint32_t *status,
		  unsigned int timeout_ms)
{
	uint8_t *m;
	int rc;

	if (!ic || len > IC_MAX_MSG - ICH_SIZE || (len && !data))
		return -EINVAL;
	m = msg_new(len);
	if (len)
		memcpy(m + ICH_SIZE, data, len);
	rc = call(ic, ic_type, m, ICH_SIZE + len, resp, resp_cap, resp_len, status, timeout_ms);
	free(m);
	return rc;
}

int hs_ic_negotiate(struct hs_ic *ic, unsigned int timeout_ms)
{
	uint8_t m[256];
	uint32_t len;
	int rc;

	pthread_mutex_lock(&ic->lock);
	len = build_negotiate(ic, m);
	pthread_mutex_unlock(&ic->lock);
	rc = call(ic, IC_NEGOTIATE, m, len, NULL, 0, NULL, NULL, timeout_ms);
	if (rc == 0 || rc == -EPROTO) {
		pthread_mutex_lock(&ic->lock);
		if (ic->neg == NEG_REFUSED && rc == 0)
			rc = 1;
		else if (ic->neg != NEG_OK)
			rc = -EPROTO;
		pthread_mutex_unlock(&ic->lock);
	}
	return rc;
}

int hs_ic_wait_negotiated(struct hs_ic *ic, unsigned int timeout_ms)
{
	uint64_t deadline = hs_now_ms() + timeout_ms;
	int rc;

	pthread_mutex_lock(&ic->lock);
	while ((!ic->open || ic->neg_wanted || ic->neg == NEG_PENDING) && timed_wait(ic, deadline))
		;
	if (!ic->open) {
		rc = -ENOTCONN;
	} else if (ic->neg_wanted || ic->neg == NEG_PENDING) {
		if (ic->internal && ic->waiting) {
			abandon(ic);
			release_slot(ic);
			ic->neg = NEG_NONE;
		}
		rc = -ETIMEDOUT;
	} else {
		rc = ic->neg == NEG_OK ? 0 : ic->neg == NEG_REFUSED ? 1
		     : ic->neg == NEG_NONE ? -EAGAIN : -EPROTO;
	}
	pthread_mutex_unlock(&ic->lock);
	return rc;
}

/* ---- service helpers ------------------------------------------------------------- */
int hs_ic_heartbeat(struct hs_ic *ic, uint64_t seq, uint64_t *seq_out, uint32_t *status,
		    unsigned int timeout_ms)
{
	uint8_t m[ICH_SIZE + HB_SIZE] = { 0 }, a[HB_SIZE] = { 0 };
	uint32_t len = ic->hb_short ? HB_SIZE_SHORT : HB_SIZE, n = 0;
	int rc;

	put64(m + ICH_SIZE + HB_SEQ, seq);
	rc = call(ic, HS_IC_HEARTBEAT, m, ICH_SIZE + len, a, sizeof(a), &n, status, timeout_ms);
	if (seq_out && (rc == 0 || rc == -EPROTO) && n >= 8)
		*seq_out = le64(a + HB_SEQ);
	return rc;
}

int hs_ic_shutdown(struct hs_ic *ic, uint32_t flags, uint32_t reason, uint32_t timeout_s,
		   const char *message, uint32_t *status, unsigned int timeout_ms)
{
	uint8_t *m, *d;
	int rc;

	if (message && strlen(message) >= SD_MESSAGE_LEN)
		return -EINVAL;
	m = msg_new(SD_SIZE);
	d = m + ICH_SIZE;
	put32(d + SD_REASON, reason);
	put32(d + SD_TIMEOUT, timeout_s);
	put32(d + SD_FLAGS, flags);
	if (message)
		memcpy(d + SD_MESSAGE, message, strlen(message));
	rc = call(ic, HS_IC_SHUTDOWN, m, ICH_SIZE + SD_SIZE, NULL, 0, NULL, status, timeout_ms);
	free(m);
	return rc;
}

static uint64_t parent_time(int64_t unix_sec, uint32_t nsec)
{
	return (uint64_t)(unix_sec * 10000000 + nsec / 100) + EPOCH_1601_TO_1970;
}

int hs_ic_timesync(struct hs_ic *ic, struct hs_ic_time *t, uint32_t *status,
		   unsigned int timeout_ms)
{
	uint8_t m[ICH_SIZE + TS_SIZE_OLD + 7] = { 0 }, *d = m + ICH_SIZE;
	uint32_t len;
	bool v4;

	if (!ic || !t)
		return -EINVAL;
	pthread_mutex_lock(&ic->lock);
	v4 = (ic->neg == NEG_OK ? ic->sv_chosen : ic->sv[0]) >= HS_IC_VERSION(4, 0);
	pthread_mutex_unlock(&ic->lock);
	t->parent_time = parent_time(t->unix_sec, t->nsec);
	t->reference_time = v4 && !t->zero_reference ? hs_reference_time(ic->h) : 0;
	put64(d + TS_PARENT, t->parent_time);
	if (v4) {
		put64(d + TS_REFERENCE, t->reference_time);
		d[TS_FLAGS_V4] = t->flags;
		d[TS_LEAP] = t->leap;
		d[TS_STRATUM] = t->stratum;
		len = ic->ts_short ? TS_SIZE_V4_SHORT : TS_SIZE_V4;
	} else {
		d[TS_FLAGS_OLD] = t->flags;
		len = TS_SIZE_OLD;
	}
	return call(ic, HS_IC_TIMESYNC, m, ICH_SIZE + len, NULL, 0, NULL, status, timeout_ms);
}

/* ---- KVP ------------------------------------------------------------------------- */
static uint32_t kvp_len(struct hs_ic *ic, uint32_t len)
{
	return ic->kvp_pad ? KVP_SIZE_IP : len;
}

/* a KVP message with its Operation and Pool; data length in *len */
static uint8_t *kvp_msg(struct hs_ic *ic, uint8_t op, uint8_t pool, uint32_t *len)
{
	uint8_t *m;

	*len = kvp_len(ic, *len);
	m = msg_new(*len);
	m[ICH_SIZE + KVP_OP] = op;
	m[ICH_SIZE + KVP_POOL] = pool;
	return m;
}

/* key (and value) into a value record; -1 when too long */
static int put_record(uint8_t *r, const char *key, uint32_t type, const void *value,
		      uint32_t value_size)
{
	int k = to_utf16(key, r + KV_KEY, KV_KEY_MAX);

	if (k < 0 || value_size > KV_VALUE_MAX)
		return -1;
	put32(r + KV_TYPE, type);
	put32(r + KV_KEY_SIZE, 2 * (uint32_t)k + 2);
	put32(r + KV_VALUE_SIZE, value_size);
	if (value_size)
		memcpy(r + KV_VALUE, value, value_size);
	return 0;
}

static void get_record(const uint8_t *r, struct hs_kvp_value *out)
{
	uint32_t ks = le32(r + KV_KEY_SIZE), vs = le32(r + KV_VALUE_SIZE);

	memset(out, 0, sizeof(*out));
	out->value_type = le32(r + KV_TYPE);
	out->key_size = ks;
	out->value_size = vs;
	from_utf16(r + KV_KEY, ks < KV_KEY_MAX ? ks : KV_KEY_MAX, out->key, sizeof(out->key));
	if (out->value_type == HS_KVP_REG_SZ || out->value_type == 2)
		from_utf16(r + KV_VALUE, vs < KV_VALUE_MAX ? vs : KV_VALUE_MAX, out->value,
			   sizeof(out->value));
	else if (out->value_type == HS_KVP_REG_DWORD)
		out->number = le32(r + KV_VALUE);
	else if (out->value_type == HS_KVP_REG_U64 || out->value_type == HS_KVP_REG_QWORD)
		out->number = le64(r + KV_VALUE);
}

static int kvp_set(struct hs_ic *ic, uint8_t pool, const char *key, uint32_t type,
		   const void *value, uint32_t value_size, uint32_t *status, unsigned int timeout_ms)
{
	uint32_t len = KVP_SIZE_GETSET;
	uint8_t *m = kvp_msg(ic, KVP_SET, pool, &len);
	int rc = -EINVAL;

	if (!put_record(m + ICH_SIZE + KVP_BODY, key, type, value, value_size))
		rc = call(ic, HS_IC_KVP, m, ICH_SIZE + len, NULL, 0, NULL, status, timeout_ms);
	free(m);
	return rc;
}

int hs_ic_kvp_set(struct hs_ic *ic, uint8_t pool, const char *key, const char *value,
		  uint32_t *status, unsigned int timeout_ms)
{
	uint8_t v[KV_VALUE_MAX];
	int n = to_utf16(value, v, KV_VALUE_MAX);

	if (n < 0)
		return -EINVAL;
	return kvp_set(ic, pool, key, HS_KVP_REG_SZ, v, 2 * (uint32_t)n + 2, status, timeout_ms);
}

int hs_ic_kvp_set_number(struct hs_ic *ic, uint8_t pool, const char *key, uint32_t value_type,
			 uint64_t value, uint32_t *status, unsigned int timeout_ms)
{
	uint8_t v[8];

	put64(v, value);
	if (value_type == HS_KVP_REG_DWORD)
		return kvp_set(ic, pool, key, value_type, v, 4, status, timeout_ms);
	if (value_type == HS_KVP_REG_U64 || value_type == HS_KVP_REG_QWORD)
		return kvp_set(ic, pool, key, value_type, v, 8, status, timeout_ms);
	return -EINVAL;
}

/* GET or ENUMERATE: the record sits at `rec` in the data */
static int kvp_fetch(struct hs_ic *ic, uint8_t op, uint8_t pool, const char *key, uint32_t index,
		     struct hs_kvp_value *out, uint32_t *status, unsigned int timeout_ms)
{
	uint32_t len = op == KVP_GET ? KVP_SIZE_GETSET : KVP_SIZE_ENUM, n = 0;
	uint32_t rec = op == KVP_GET ? KVP_BODY : KVP_ENUM_RECORD;
	uint8_t *m = kvp_msg(ic, op, pool, &len), *a = hs_zalloc(KVP_SIZE_IP);
	int rc = -EINVAL;

	if (op == KVP_ENUMERATE)
		put32(m + ICH_SIZE + KVP_ENUM_INDEX, index);
	if (op == KVP_ENUMERATE || !put_record(m + ICH_SIZE + rec, key, 0, NULL, 0))
		rc = call(ic, HS_IC_KVP, m, ICH_SIZE + len, a, KVP_SIZE_IP, &n, status, timeout_ms);
	if (out && (rc == 0 || rc == -EPROTO)) {
		if (n >= rec + KV_SIZE)
			get_record(a + rec, out);
		else
			memset(out, 0, sizeof(*out));
	}
	free(m);
	free(a);
	return rc;
}

int hs_ic_kvp_get(struct hs_ic *ic, uint8_t pool, const char *key, struct hs_kvp_value *out,
		  uint32_t *status, unsigned int timeout_ms)
{
	return kvp_fetch(ic, KVP_GET, pool, key, 0, out, status, timeout_ms);
}

int hs_ic_kvp_enumerate(struct hs_ic *ic, uint8_t pool, uint32_t index,
			struct hs_kvp_value *out, uint32_t *status, unsigned int timeout_ms)
{
	return kvp_fetch(ic, KVP_ENUMERATE, pool, NULL, index, out, status, timeout_ms);
}

int hs_ic_kvp_delete(struct hs_ic *ic, uint8_t pool, const char *key, uint32_t *status,
		     unsigned int timeout_ms)
{
	uint32_t len = KVP_SIZE_DELETE;
	uint8_t *m = kvp_msg(ic, KVP_DELETE, pool, &len);
	int k = to_utf16(key, m + ICH_SIZE + KVP_DEL_KEY, KV_KEY_MAX), rc = -EINVAL;

	if (k >= 0) {
		put32(m + ICH_SIZE + KVP_DEL_KEY_SIZE, 2 * (uint32_t)k + 2);
		rc = call(ic, HS_IC_KVP, m, ICH_SIZE + len, NULL, 0, NULL, status, timeout_ms);
	}
	free(m);
	return rc;
}

static const struct {
	size_t field;			/* offsetof in struct hs_kvp_ip_info */
	size_t cap;
	uint32_t off, bytes;		/* on the wire */
} ip_strings[] = {
	{ offsetof(struct hs_kvp_ip_info, adapter_id), sizeof(((struct hs_kvp_ip_info *)0)->adapter_id),
	  IP_ADAPTER, IP_ADAPTER_MAX },
	{ offsetof(struct hs_kvp_ip_info, addresses), sizeof(((struct hs_kvp_ip_info *)0)->addresses),
	  IP_ADDRESSES, IP_ADDRESSES_MAX },
	{ offsetof(struct hs_kvp_ip_info, subnets), sizeof(((struct hs_kvp_ip_info *)0)->subnets),
	  IP_SUBNETS, IP_SUBNETS_MAX },
	{ offsetof(struct hs_kvp_ip_info, gateways), sizeof(((struct hs_kvp_ip_info *)0)->gateways),
	  IP_GATEWAYS, IP_GATEWAYS_MAX },
	{ offsetof(struct hs_kvp_ip_info, dns_servers),
	  sizeof(((struct hs_kvp_ip_info *)0)->dns_servers), IP_DNS, IP_DNS_MAX },
};

static int kvp_ip(struct hs_ic *ic, uint8_t op, const struct hs_kvp_ip_info *in,
		  struct hs_kvp_ip_info *out, uint32_t *status, unsigned int timeout_ms)
{
	uint32_t len = KVP_SIZE_IP, n = 0, i;
	uint8_t *m = kvp_msg(ic, op, 0, &len), *d = m + ICH_SIZE, *a;
	int rc;

	/* on GET only the adapter is the host's; the rest is the guest's */
	for (i = 0; i < (op == KVP_GET_IP_INFO ? 1u : 5u); i++) {
		if (to_utf16((const char *)in + ip_strings[i].field, d + ip_strings[i].off,
			     ip_strings[i].bytes) < 0) {
			free(m);
			return -EINVAL;
		}
	}
	if (op == KVP_SET_IP_INFO) {
		d[IP_FAMILY] = in->address_family;
		d[IP_DHCP] = in->dhcp_enabled;
	}
	a = hs_zalloc(KVP_SIZE_IP);
	rc = call(ic, HS_IC_KVP, m, ICH_SIZE + len, a, KVP_SIZE_IP, &n, status, timeout_ms);
	if (out && (rc == 0 || rc == -EPROTO) && n >= KVP_SIZE_IP) {
		for (i = 0; i < 5; i++)
			from_utf16(a + ip_strings[i].off, ip_strings[i].bytes,
				   (char *)out + ip_strings[i].field, ip_strings[i].cap);
		out->address_family = a[IP_FAMILY];
		out->dhcp_enabled = a[IP_DHCP];
	}
	free(a);
	free(m);
	return rc;
}

int hs_ic_kvp_get_ip_info(struct hs_ic *ic, struct hs_kvp_ip_info *info, uint32_t *status,
			  unsigned int timeout_ms)
{
	return info ? kvp_ip(ic, KVP_GET_IP_INFO, info, info, status, timeout_ms) : -EINVAL;
}

int hs_ic_kvp_set_ip_info(struct hs_ic *ic, const struct hs_kvp_ip_info *info,
			  uint32_t *status, unsigned int timeout_ms)
{
	return info ? kvp_ip(ic, KVP_SET_IP_INFO, info, NULL, status, timeout_ms) : -EINVAL;
}

/* ---- VSS and fcopy --------------------------------------------------------------- */
int hs_ic_vss(struct hs_ic *ic, uint8_t op, uint32_t flags, uint32_t *status,
	      uint32_t *flags_out, unsigned int timeout_ms)
{
	uint8_t m[ICH_SIZE + VSS_SIZE] = { 0 }, a[VSS_SIZE] = { 0 };
	uint32_t n = 0;
	int rc;

	m[ICH_SIZE + VSS_OP] = op;
	put32(m + ICH_SIZE + VSS_FLAGS, flags);
	rc = call(ic, HS_IC_VSS, m, sizeof(m), a, sizeof(a), &n, status, timeout_ms);
	if (flags_out && (rc == 0 || rc == -EPROTO) && n >= VSS_SIZE)
		*flags_out = le32(a + VSS_FLAGS);
	return rc;
}

static int fcopy_op(struct hs_ic *ic, uint32_t op, uint32_t *status, unsigned int timeout_ms)
{
	uint8_t m[ICH_SIZE + FC_HDR_SIZE] = { 0 };

	put32(m + ICH_SIZE + FC_OP, op);
	return call(ic, HS_IC_FCOPY, m, sizeof(m), NULL, 0, NULL, status, timeout_ms);
}

int hs_ic_fcopy_start(struct hs_ic *ic, const char *name, const char *path, uint32_t flags,
		      uint64_t size, uint32_t *status, unsigned int timeout_ms)
{
	uint8_t *m = msg_new(FC_START_SIZE), *d = m + ICH_SIZE;
	int rc = -EINVAL;

	put32(d + FC_OP, FC_START);
	put32(d + FC_COPY_FLAGS, flags);
	put64(d + FC_FILE_SIZE, size);
	if (to_utf16(name, d + FC_NAME, FC_NAME_MAX) >= 0 &&
	    to_utf16(path, d + FC_PATH, FC_NAME_MAX) >= 0)
		rc = call(ic, HS_IC_FCOPY, m, ICH_SIZE + FC_START_SIZE, NULL, 0, NULL, status,
			  timeout_ms);
	free(m);
	return rc;
}

int hs_ic_fcopy_write(struct hs_ic *ic, uint64_t offset, const void *data, uint32_t len,
		      uint32_t *status, unsigned int timeout_ms)
{
	uint8_t *m, *d;
	int rc;

	if (len > HS_FCOPY_MAX_CHUNK || (len && !data))
		return -EINVAL;
	m = msg_new(FC_WRITE_SIZE);
	d = m + ICH_SIZE;
	put32(d + FC_OP, FC_WRITE);
	put64(d + FC_OFFSET, offset);
	put32(d + FC_CHUNK_SIZE, len);
	if (len)
		memcpy(d + FC_DATA, data, len);
	rc = call(ic, HS_IC_FCOPY, m, ICH_SIZE + FC_WRITE_SIZE, NULL, 0, NULL, status, timeout_ms);
	free(m);
	return rc;
}

int hs_ic_fcopy_complete(struct hs_ic *ic, uint32_t *status, unsigned int timeout_ms)
{
	return fcopy_op(ic, FC_COMPLETE, status, timeout_ms);
}

int hs_ic_fcopy_cancel(struct hs_ic *ic, uint32_t *status, unsigned int timeout_ms)
{
	return fcopy_op(ic, FC_CANCEL, status, timeout_ms);
}

int hs_ic_fcopy_file(struct hs_ic *ic, const char *name, const char *path, uint32_t flags,
		     const void *buf, uint64_t len, uint32_t chunk, uint32_t *status,
		     unsigned int timeout_ms)
{
	const uint8_t *p = buf;
	uint64_t off = 0;
	uint32_t st = HS_IC_S_OK, ignored;
	int rc;

	if (!chunk || chunk > HS_FCOPY_MAX_CHUNK)
		chunk = HS_FCOPY_MAX_CHUNK;
	rc = hs_ic_fcopy_start(ic, name, path, flags, len, &st, timeout_ms);
	while (!rc && st == HS_IC_S_OK && off < len) {
		uint32_t n = len - off < chunk ? (uint32_t)(len - off) : chunk;

		rc = hs_ic_fcopy_write(ic, off, p + off, n, &st, timeout_ms);
		off += n;
		if (!rc && st != HS_IC_S_OK)
			hs_ic_fcopy_cancel(ic, &ignored, timeout_ms);
	}
	if (!rc && st == HS_IC_S_OK)
		rc = hs_ic_fcopy_complete(ic, &st, timeout_ms);
	if (status)
		*status = st;
	return rc;
}

/* ---- the rest of the public API -------------------------------------------------- */
static unsigned int copy_versions(uint32_t *dst, const uint32_t *src)
{
	unsigned int n = 0;

	while (src[n] && n < IC_MAX_VERSIONS) {
		dst[n] = src[n];
		n++;
	}
	return n;
}

struct hs_ic *hs_ic_add(struct hs_host *h, const struct hs_ic_config *cfg)
{
	static const uint8_t zero[16];
	const uint32_t *sv;
	struct hs_offer o;
	pthread_condattr_t ca;
	struct hs_ic *ic;
	size_t i;

	if (!h || !cfg)
		return NULL;
	for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (classes[i].service == cfg->service)
			break;
	if (i == sizeof(classes) / sizeof(classes[0]))
		return NULL;
	switch (cfg->service) {
	case HS_IC_HEARTBEAT:
		sv = v_heartbeat;
		break;
	case HS_IC_KVP:
		sv = v_kvp;
		break;
	case HS_IC_SHUTDOWN:
		sv = v_shutdown;
		break;
	case HS_IC_TIMESYNC:
		sv = v_timesync;
		break;
	case HS_IC_VSS:
		sv = v_vss;
		break;
	default:
		sv = v_fcopy;
		break;
	}
	ic = hs_zalloc(sizeof(*ic));
	ic->h = h;
	ic->service = cfg->service;
	ic->nfw = copy_versions(ic->fw, cfg->framework_versions ? cfg->framework_versions
								: default_framework);
	ic->nsv = copy_versions(ic->sv, cfg->service_versions ? cfg->service_versions : sv);
	if (!ic->nfw || !ic->nsv) {
		free(ic);
		return NULL;
	}
	ic->manual = cfg->manual_negotiate;
	ic->kvp_pad = cfg->kvp_pad_to_max;
	ic->hb_short = cfg->heartbeat_short;
	ic->ts_short = cfg->timesync_v4_short;
	ic->next_tid = 1;
	ic->last_payload = hs_zalloc(IC_MAX_MSG + 8);
	pthread_mutex_init(&ic->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&ic->cond, &ca);
	pthread_condattr_destroy(&ca);

	memset(&o, 0, sizeof(o));
	memcpy(o.class_guid, classes[i].guid, 16);
	if (memcmp(cfg->instance_guid, zero, 16))
		memcpy(o.instance_guid, cfg->instance_guid, 16);
	else
		hs_make_guid(o.instance_guid, (uint64_t)(uintptr_t)ic ^ cfg->service);
	o.monitor_allocated = cfg->monitored;
	ic->dev = hs_device_add(h, &o, &ic_ops, ic);
	if (!ic->dev) {
		free_ic(ic);
		return NULL;
	}
	return ic;
}

struct hs_device *hs_ic_device(struct hs_ic *ic)
{
	return ic->dev;
}

int hs_ic_last_response(struct hs_ic *ic, struct hs_ic_response *r, void *payload, uint32_t cap)
{
	int rc = -1;

	pthread_mutex_lock(&ic->lock);
	if (ic->have_last) {
		if (r)
			*r = ic->last;
		if (payload)
			memcpy(payload, ic->last_payload,
			       ic->last.len < cap ? ic->last.len : cap < IC_MAX_MSG + 8 ? cap
											: IC_MAX_MSG + 8);
		rc = 0;
	}
	pthread_mutex_unlock(&ic->lock);
	return rc;
}

void hs_ic_stats(struct hs_ic *ic, struct hs_ic_stats *st)
{
	pthread_mutex_lock(&ic->lock);
	*st = ic->st;
	pthread_mutex_unlock(&ic->lock);
}

int hs_ic_inject(struct hs_ic *ic, const struct hs_ic_fault *f)
{
	if (!ic || !f || f->kind < HS_ICF_SHORT_DATA || f->kind >= NFAULTS)
		return -1;
	pthread_mutex_lock(&ic->lock);
	ic->fault[f->kind] = *f;
	pthread_mutex_unlock(&ic->lock);
	return 0;
}

void hs_ic_pause_reading(struct hs_ic *ic, bool paused)
{
	struct hs_channel *ch;

	pthread_mutex_lock(&ic->lock);
	ic->paused = paused;
	ch = ic->open ? ic->ch : NULL;
	pthread_mutex_unlock(&ic->lock);
	/* what the guest wrote meanwhile did not signal: look again */
	if (!paused && ch)
		hs_channel_set_interrupt_mask(ch, false);
}
