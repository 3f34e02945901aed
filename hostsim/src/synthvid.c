// SPDX-License-Identifier: GPL-2.0
/*
 * The synthetic video host (docs/protocol-notes.md, "Synthetic video";
 * OpenVMM's video device as the reference host).  Pipe-mode channel: pipe
 * header {type 1, bytes that follow}, synthvid header {type, size}, then
 * the message; the message's length is what the pipe carries after the
 * synthvid header (hosts ignore the synthvid size, and guests disagree on
 * whether it counts the header).
 *
 * One mutex guards the model and is held while sending; test threads wait
 * on a condition variable for what the vmbus thread records.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "model.h"
#include "hostsim_video_pci.h"

#define PIPE_DATA	1u
#define PIPE_HDR	8u
#define SV_HDR		8u
#define HDRS		(PIPE_HDR + SV_HDR)

enum {
	SV_VERSION_REQUEST = 1, SV_VERSION_RESPONSE, SV_VRAM_LOCATION, SV_VRAM_ACK,
	SV_SITUATION, SV_SITUATION_ACK, SV_POINTER_POSITION, SV_POINTER_SHAPE,
	SV_FEATURE_CHANGE, SV_DIRT, SV_BIOS_INFO_REQUEST, SV_BIOS_INFO_RESPONSE,
	SV_RES_REQUEST, SV_RES_RESPONSE, SV_CAP_REQUEST, SV_CAP_RESPONSE,
};

/* message bodies: offsets from the message start (packed) */
#define VREQ_SIZE	4
#define VRESP_SIZE	6		/* version u32, accepted u8, max outputs u8 */
#define VRAM_CTX	0
#define VRAM_SPECIFIED	8
#define VRAM_GPA	9
#define VRAM_SIZE	17
#define SIT_CTX		0
#define SIT_COUNT	8
#define SIT_OUT		9		/* {active u8, offset u32, depth u8, w, h, pitch u32} */
#define SIT_OUT_SIZE	18
#define PTR_POS_SIZE	10		/* visible u8, output u8, x s32, y s32 */
#define SHAPE_PARTIAL	0
#define SHAPE_FLAGS	1
#define SHAPE_W		2
#define SHAPE_H		6
#define SHAPE_HDR	18
#define SHAPE_COMPLETE	0xFFu
#define SHAPE_ARGB	1u
#define DIRT_COUNT	1
#define DIRT_RECTS	2
#define RES_EDID	128
#define RES_RESP_HDR	(RES_EDID + 3)	/* EDID, count, default, is standard */
#define FC_SIZE		4
#define MAX_OUTPUTS	1
#define MAX_MSG		(RES_RESP_HDR + 4 * HS_SVID_MAX_RES)

static const uint8_t svid_class[16] = {	/* da0a7802-e377-4aac-8e77-0558eb1073f8 */
	0x02, 0x78, 0x0a, 0xda, 0x77, 0xe3, 0xac, 0x4a,
	0x8e, 0x77, 0x05, 0x58, 0xeb, 0x10, 0x73, 0xf8,
};
static const uint32_t default_versions[] = {
	HS_SVID_VERSION(3, 5), HS_SVID_VERSION(3, 4), HS_SVID_VERSION(3, 3),
	HS_SVID_VERSION(3, 2), HS_SVID_VERSION(3, 0), 0,
};
static const struct hs_svid_res default_res[] = {
	{ 1024, 768 }, { 1152, 864 }, { 1280, 1024 }, { 1920, 1080 },
};

struct hs_svid {
	struct hs_host *h;
	struct hs_device *dev;
	uint32_t versions[8];
	unsigned int nversions;
	struct hs_svid_res res[HS_SVID_MAX_RES];
	unsigned int nres, default_index;
	uint32_t max_w, max_h;

	pthread_mutex_t lock;
	pthread_cond_t cond;		/* CLOCK_MONOTONIC */
	struct hs_channel *ch;
	bool open;
	struct hs_outq outq;
	bool dirt_needed;
	struct hs_svid_rect dirt[HS_SVID_DIRT_KEEP];
	unsigned int ndirt, dirt_head;
	struct hs_svid_stats st;
};

static void bad(struct hs_svid *v, const char *what, uint64_t detail)
{
	v->st.protocol_errors++;
	hs_protocol_error(v->h, "synthvid: %s (%#llx)", what, (unsigned long long)detail);
}

/* lock held */
static int sv_send(struct hs_svid *v, uint32_t type, const void *msg, uint32_t len,
		   uint32_t pipe_extra)
{
	uint8_t buf[HDRS + MAX_MSG];

	if (!v->open)
		return -ENOTCONN;
	if (len > MAX_MSG)
		return -EINVAL;
	put32(buf, PIPE_DATA);
	put32(buf + 4, SV_HDR + len + pipe_extra);
	put32(buf + PIPE_HDR, type);
	put32(buf + PIPE_HDR + 4, SV_HDR + len);
	if (len)
		memcpy(buf + HDRS, msg, len);
	/* a full ring queues it, in order */
	hs_outq_send(&v->outq, v->ch, PKT_INBAND, 0, 0, NULL, 0, buf, HDRS + len);
	return 0;
}

static bool version_known(const struct hs_svid *v)
{
	return v->st.version != 0;
}

static uint32_t version_minor(uint32_t version)
{
	return version >> 16;
}

/* ---- messages from the guest (vmbus thread, lock held) ----------------------------- */
static void version_request(struct hs_svid *v, const uint8_t *m, uint32_t len)
{
	uint8_t r[VRESP_SIZE] = { 0 };
	uint32_t ver;
	unsigned int i;
	bool ok = false;

	if (len < VREQ_SIZE) {
		bad(v, "VERSION_REQUEST too short", len);
		return;
	}
	ver = le32(m);
	for (i = 0; i < v->nversions; i++)
		ok |= v->versions[i] == ver;
	v->st.version_requests++;
	v->st.last_version_asked = ver;
	v->st.version = ok ? ver : 0;
	put32(r, ver);
	r[4] = ok;
	r[5] = MAX_OUTPUTS;
	sv_send(v, SV_VERSION_RESPONSE, r, sizeof(r), 0);
}

static void resolutions_request(struct hs_svid *v, const uint8_t *m, uint32_t len)
{
	uint8_t r[MAX_MSG] = { 0 };
	unsigned int i, n;

	if (len < 1) {
		bad(v, "RESOLUTIONS_REQUEST too short", len);
		return;
	}
	if (!version_known(v) || version_minor(v->st.version) < 5)
		bad(v, "RESOLUTIONS_REQUEST before version 3.5 was accepted", v->st.version);
	if (m[0] == 0 || m[0] > HS_SVID_MAX_RES)
		bad(v, "RESOLUTIONS_REQUEST maximum count out of 1..64", m[0]);
	v->st.resolution_requests++;
	n = v->nres < m[0] ? v->nres : m[0];
	r[RES_EDID] = (uint8_t)n;
	r[RES_EDID + 1] = (uint8_t)(v->default_index < n ? v->default_index : 0);
	r[RES_EDID + 2] = 0;
	for (i = 0; i < n; i++) {
		put16(r + RES_RESP_HDR + 4 * i, v->res[i].width);
		put16(r + RES_RESP_HDR + 4 * i + 2, v->res[i].height);
	}
	sv_send(v, SV_RES_RESPONSE, r, RES_RESP_HDR + 4 * n, 0);
}

static void vram_location(struct hs_svid *v, const uint8_t *m, uint32_t len)
{
	uint8_t r[8];
	uint64_t gpa;

	if (len < VRAM_SIZE) {
		bad(v, "VRAM_LOCATION too short", len);
		return;
	}
	if (!version_known(v))
		bad(v, "VRAM_LOCATION before a version was accepted", 0);
	gpa = le64(m + VRAM_GPA);
	if (m[VRAM_SPECIFIED] && (gpa & (HV_PAGE - 1)))
		bad(v, "VRAM_LOCATION GPA not page aligned", gpa);
	v->st.vram_gpa_specified = m[VRAM_SPECIFIED] != 0;
	v->st.vram_gpa = m[VRAM_SPECIFIED] ? gpa : 0;
	v->st.vram_locations++;
	/* a new VRAM: the old mode and rectangles are about the old one */
	v->st.active = false;
	memcpy(r, m + VRAM_CTX, 8);
	sv_send(v, SV_VRAM_ACK, r, sizeof(r), 0);
	/* then what this host wants (as a host tells a new guest) */
	{
		uint8_t fc[FC_SIZE] = { v->dirt_needed, 1, 1, 1 };

		v->st.feature_changes++;
		sv_send(v, SV_FEATURE_CHANGE, fc, sizeof(fc), 0);
	}
}

/* is the output description acceptable?  NULL when it is, else why */
static const char *check_output(const struct hs_svid *v, const uint8_t *o, uint64_t *detail)
{
	uint32_t off = le32(o + 1), depth = o[5], w = le32(o + 6), hgt = le32(o + 10);
	uint32_t pitch = le32(o + 14);
	uint32_t want_depth = version_minor(v->st.version) >= 2 ? 32 : 16;

	*detail = 0;
	if (!o[0])
		return NULL;		/* inactive: nothing else matters */
	if (depth != want_depth) {
		*detail = depth;
		return "depth not what the version scans out";
	}
	if (!w || !hgt || w > v->max_w || hgt > v->max_h) {
		*detail = (uint64_t)w << 16 | hgt;
		return "resolution outside what the host allows";
	}
	if ((uint64_t)pitch < (uint64_t)w * depth / 8) {
		*detail = pitch;
		return "pitch shorter than a line";
	}
	if ((uint64_t)off + (uint64_t)pitch * hgt > v->st.vram_bytes) {
		*detail = off;
		return "screen past the VRAM";
	}
	return NULL;
}

static void situation_update(struct hs_svid *v, const uint8_t *m, uint32_t len)
{
	const uint8_t *o = m + SIT_OUT;
	const char *why = NULL;
	uint64_t detail = 0;
	uint8_t r[8];

	if (len < SIT_OUT + SIT_OUT_SIZE) {
		bad(v, "SITUATION_UPDATE too short", len);
		return;
	}
	if (!version_known(v))
		why = "SITUATION_UPDATE before a version was accepted";
	else if (!v->st.vram_locations)
		why = "SITUATION_UPDATE before the VRAM location";
	else if (m[SIT_COUNT] != MAX_OUTPUTS)
		why = "SITUATION_UPDATE output count not 1", detail = m[SIT_COUNT];
	else
		why = check_output(v, o, &detail);
	if (why) {
		bad(v, why, detail);
	} else {
		v->st.situation_updates++;
		v->st.active = o[0] != 0;
		v->st.vram_offset = le32(o + 1);
		v->st.depth = o[5];
		v->st.width = le32(o + 6);
		v->st.height = le32(o + 10);
		v->st.pitch = le32(o + 14);
		v->st.dirt_bounds = (struct hs_svid_rect){ 0, 0, 0, 0 };
	}
	memcpy(r, m + SIT_CTX, 8);
	sv_send(v, SV_SITUATION_ACK, r, sizeof(r), 0);
}

static void pointer_position(struct hs_svid *v, const uint8_t *m, uint32_t len)
{
	if (len < PTR_POS_SIZE) {
		bad(v, "POINTER_POSITION too short", len);
		return;
	}
	if (m[1] >= MAX_OUTPUTS)
		bad(v, "POINTER_POSITION for an output that does not exist", m[1]);
	v->st.pointer_positions++;
	v->st.pointer_visible = m[0] != 0;
}

static void pointer_shape(struct hs_svid *v, const uint8_t *m, uint32_t len)
{
	uint64_t w, hgt;

	if (len < SHAPE_HDR) {
		bad(v, "POINTER_SHAPE too short", len);
		return;
	}
	w = le32(m + SHAPE_W);
	hgt = le32(m + SHAPE_H);
	if (m[SHAPE_PARTIAL] == SHAPE_COMPLETE && (m[SHAPE_FLAGS] & SHAPE_ARGB) &&
	    (w * hgt * 4 > len - SHAPE_HDR)) {
		bad(v, "POINTER_SHAPE pixels past the message", w * hgt * 4);
		return;
	}
	v->st.pointer_shapes++;
	v->st.pointer_width = (uint32_t)w;
	v->st.pointer_height = (uint32_t)hgt;
}

static void keep_rect(struct hs_svid *v, const struct hs_svid_rect *r)
{
	struct hs_svid_rect *b = &v->st.dirt_bounds;

	v->dirt[v->dirt_head] = *r;
	v->dirt_head = (v->dirt_head + 1) % HS_SVID_DIRT_KEEP;
	if (v->ndirt < HS_SVID_DIRT_KEEP)
		v->ndirt++;
	if (b->left >= b->right || b->top >= b->bottom) {
		*b = *r;
	} else {
		b->left = r->left < b->left ? r->left : b->left;
		b->top = r->top < b->top ? r->top : b->top;
		b->right = r->right > b->right ? r->right : b->right;
		b->bottom = r->bottom > b->bottom ? r->bottom : b->bottom;
	}
	v->st.dirt_rects++;
}

static void dirt(struct hs_svid *v, const uint8_t *m, uint32_t len)
{
	uint32_t n, i;

	if (len < DIRT_RECTS) {
		bad(v, "DIRT too short", len);
		return;
	}
	n = m[DIRT_COUNT];
	if (!n || (len - DIRT_RECTS) / 16 < n) {
		bad(v, "DIRT rectangle count 0 or past the message", n);
		return;
	}
	if (m[0] >= MAX_OUTPUTS)
		bad(v, "DIRT for an output that does not exist", m[0]);
	if (!v->st.active) {
		bad(v, "DIRT with no active mode", 0);
		return;
	}
	v->st.dirt_messages++;
	if (!v->dirt_needed)
		v->st.dirt_while_not_needed++;
	for (i = 0; i < n; i++) {
		const uint8_t *p = m + DIRT_RECTS + 16 * i;
		struct hs_svid_rect r = {
			(int32_t)le32(p), (int32_t)le32(p + 4),
			(int32_t)le32(p + 8), (int32_t)le32(p + 12),
		};

		if (r.left < 0 || r.top < 0 || r.left >= r.right || r.top >= r.bottom ||
		    (uint32_t)r.right > v->st.width || (uint32_t)r.bottom > v->st.height) {
			bad(v, "DIRT rectangle empty or outside the screen",
			    (uint64_t)(uint32_t)r.right << 32 | (uint32_t)r.bottom);
			continue;
		}
		keep_rect(v, &r);
	}
}

static void message(void *model, const struct hs_packet *p)
{
	struct hs_svid *v = model;
	const uint8_t *d = p->payload;
	uint32_t psize, len;

	if (p->type != PKT_INBAND) {
		bad(v, "not an in-band packet", p->type);
		return;
	}
	if (p->payload_len < HDRS) {
		bad(v, "packet shorter than the pipe and synthvid headers", p->payload_len);
		return;
	}
	psize = le32(d + 4);
	if (le32(d) != PIPE_DATA || psize < SV_HDR || psize > p->payload_len - PIPE_HDR) {
		bad(v, "pipe header type not 1 or size outside the packet", psize);
		return;
	}
	len = psize - SV_HDR;
	d += HDRS;
	switch (le32(p->payload + PIPE_HDR)) {
	case SV_VERSION_REQUEST:
		version_request(v, d, len);
		break;
	case SV_RES_REQUEST:
		resolutions_request(v, d, len);
		break;
	case SV_VRAM_LOCATION:
		vram_location(v, d, len);
		break;
	case SV_SITUATION:
		situation_update(v, d, len);
		break;
	case SV_POINTER_POSITION:
		pointer_position(v, d, len);
		break;
	case SV_POINTER_SHAPE:
		pointer_shape(v, d, len);
		break;
	case SV_DIRT:
		dirt(v, d, len);
		break;
	default:
		bad(v, "unexpected synthvid message type from the guest",
		    le32(p->payload + PIPE_HDR));
	}
	pthread_cond_broadcast(&v->cond);
}

/* ---- device callbacks ------------------------------------------------------------ */
static void sv_opened(struct hs_channel *ch, const uint8_t *user_data)
{
	struct hs_svid *v = hs_device_priv(hs_channel_device(ch));

	(void)user_data;
	pthread_mutex_lock(&v->lock);
	hs_outq_clear(&v->outq);
	v->ch = ch;
	v->open = v->st.open = true;
	v->st.opens++;
	/* a new guest connection starts from nothing */
	v->st.version = 0;
	v->st.active = false;
	v->dirt_needed = true;
	pthread_cond_broadcast(&v->cond);
	pthread_mutex_unlock(&v->lock);
}

static void sv_closed(struct hs_channel *ch)
{
	struct hs_svid *v = hs_device_priv(hs_channel_device(ch));

	pthread_mutex_lock(&v->lock);
	hs_outq_clear(&v->outq);
	v->open = v->st.open = false;
	pthread_cond_broadcast(&v->cond);
	pthread_mutex_unlock(&v->lock);
}

static void sv_ready(struct hs_channel *ch)
{
	struct hs_svid *v = hs_device_priv(hs_channel_device(ch));

	hs_model_ready(ch, &v->lock, message, v);
}

static void sv_writable(struct hs_channel *ch)
{
	struct hs_svid *v = hs_device_priv(hs_channel_device(ch));

	hs_model_writable(ch, &v->lock, &v->outq);
}

static void free_svid(struct hs_svid *v)
{
	hs_outq_clear(&v->outq);
	pthread_cond_destroy(&v->cond);
	pthread_mutex_destroy(&v->lock);
	free(v);
}

static void sv_release(struct hs_device *dev)
{
	free_svid(hs_device_priv(dev));
}

static const struct hs_device_ops sv_ops = {
	.opened = sv_opened, .ready = sv_ready, .closed = sv_closed,
	.writable = sv_writable, .release = sv_release,
};

/* ---- the test's side ------------------------------------------------------------- */
void hs_svid_stats(struct hs_svid *v, struct hs_svid_stats *st)
{
	pthread_mutex_lock(&v->lock);
	*st = v->st;
	pthread_mutex_unlock(&v->lock);
}

int hs_svid_dirt(struct hs_svid *v, struct hs_svid_rect *r, int max)
{
	unsigned int i, first;
	int n;

	pthread_mutex_lock(&v->lock);
	first = (v->dirt_head + HS_SVID_DIRT_KEEP - v->ndirt) % HS_SVID_DIRT_KEEP;
	for (i = 0; i < v->ndirt && (int)i < max; i++)
		r[i] = v->dirt[(first + i) % HS_SVID_DIRT_KEEP];
	n = (int)v->ndirt;
	pthread_mutex_unlock(&v->lock);
	return n;
}

int hs_svid_wait(struct hs_svid *v, bool (*fn)(const struct hs_svid_stats *st, void *arg),
		 void *arg, unsigned int timeout_ms)
{
	uint64_t end = hs_now_ms() + timeout_ms;
	struct timespec ts;
	int rc = 0;

	ts.tv_sec = (time_t)(end / 1000);
	ts.tv_nsec = (long)(end % 1000) * 1000000;
	pthread_mutex_lock(&v->lock);
	while (!fn(&v->st, arg)) {
		if (pthread_cond_timedwait(&v->cond, &v->lock, &ts) == ETIMEDOUT &&
		    !fn(&v->st, arg)) {
			rc = -ETIMEDOUT;
			break;
		}
	}
	pthread_mutex_unlock(&v->lock);
	return rc;
}

int hs_svid_feature_change(struct hs_svid *v, bool dirt_needed)
{
	uint8_t fc[FC_SIZE] = { dirt_needed, 1, 1, 1 };
	int rc;

	pthread_mutex_lock(&v->lock);
	v->dirt_needed = dirt_needed;
	rc = sv_send(v, SV_FEATURE_CHANGE, fc, sizeof(fc), 0);
	if (!rc)
		v->st.feature_changes++;
	pthread_mutex_unlock(&v->lock);
	return rc;
}

int hs_svid_send(struct hs_svid *v, uint32_t type, const void *msg, uint32_t len,
		 uint32_t pipe_extra)
{
	int rc;

	pthread_mutex_lock(&v->lock);
	rc = sv_send(v, type, msg, len, pipe_extra);
	pthread_mutex_unlock(&v->lock);
	return rc;
}

int hs_svid_read_vram(struct hs_svid *v, uint64_t offset, void *buf, uint32_t len)
{
	uint64_t gpa, size;
	uint8_t *p;

	pthread_mutex_lock(&v->lock);
	gpa = v->st.vram_gpa;
	size = v->st.vram_bytes;
	pthread_mutex_unlock(&v->lock);
	if (!gpa)
		return -ENODEV;
	if (offset > size || len > size - offset)
		return -EFAULT;
	p = hs_map(v->h, gpa + offset, len);
	if (!p)
		return -EFAULT;
	memcpy(buf, p, len);
	return 0;
}

struct hs_device *hs_svid_device(struct hs_svid *v)
{
	return v->dev;
}

struct hs_svid *hs_svid_add(struct hs_host *h, const struct hs_svid_config *cfg)
{
	const struct hs_svid_res *res;
	const uint32_t *ver;
	struct hs_svid *v;
	struct hs_offer o;
	unsigned int i, n;

	if (!h || !cfg || cfg->nres > HS_SVID_MAX_RES ||
	    (cfg->nres && cfg->default_index >= cfg->nres))
		return NULL;
	v = hs_zalloc(sizeof(*v));
	v->h = h;
	for (ver = cfg->versions ? cfg->versions : default_versions; *ver && v->nversions < 8;
	     ver++)
		v->versions[v->nversions++] = *ver;
	res = cfg->nres ? cfg->res : default_res;
	n = cfg->nres ? cfg->nres : sizeof(default_res) / sizeof(default_res[0]);
	for (i = 0; i < n; i++) {
		v->res[i] = res[i];
		if (res[i].width > v->max_w)
			v->max_w = res[i].width;
		if (res[i].height > v->max_h)
			v->max_h = res[i].height;
	}
	v->nres = n;
	v->default_index = cfg->nres ? cfg->default_index : 1;
	v->dirt_needed = true;
	v->st.vram_bytes = (uint64_t)(cfg->vram_mb ? cfg->vram_mb : 8) << 20;
	hs_model_sync_init(&v->lock, &v->cond);
	hs_model_offer(&o, svid_class, cfg->instance_guid, (uint64_t)(uintptr_t)v ^ 0x5356ull);
	o.mmio_megabytes = (uint16_t)(v->st.vram_bytes >> 20);
	o.monitor_allocated = cfg->monitored;
	v->dev = hs_device_add(h, &o, &sv_ops, v);
	if (!v->dev) {
		free_svid(v);
		return NULL;
	}
	return v;
}
