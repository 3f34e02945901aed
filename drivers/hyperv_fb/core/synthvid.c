// SPDX-License-Identifier: GPL-2.0
/*
 * The synthvid channel: framing (pipe header, synthvid header), the
 * request/acknowledgement pairs (matched by type and user context), the
 * host's unsolicited feature changes, and every length checked.
 */
#include "svid_core.h"

#define SVID_RING_BYTES		(64u * 1024u)
#define SVID_RX_BYTES		(16u * 1024u)
#define SVID_DEFAULT_TIMEOUT_MS	5000
#define SVID_HDRS		(sizeof(struct lis_svid_pipe_header) + sizeof(struct lis_svid_header))
/* what a 3.0 / 3.2 host allows (no resolutions message before 3.5) */
#define SVID_WIN7_MAX_W		1600
#define SVID_WIN7_MAX_H		1200
#define SVID_WIN8_MAX_W		1920
#define SVID_WIN8_MAX_H		1200
#define SVID_DEFAULT_W		1152
#define SVID_DEFAULT_H		864

static const u32 svid_versions[] = {
	LIS_SVID_VERSION_WIN10, LIS_SVID_VERSION_WIN8, LIS_SVID_VERSION_WIN7,
};

struct lis_svid {
	struct lis_svid_config cfg;
	struct lis_channel *ch;
	bool open;
	u8 *rx;
	lis_spinlock_t lock;		/* the fields below */
	u32 want_type;			/* the answer being waited for */
	u64 want_context;
	bool got;
	u8 answer[sizeof(struct lis_svid_resolutions_response) + 4 * LIS_SVID_MAX_RESOLUTIONS];
	u32 answer_len;
	lis_completion_t answered;
	struct lis_svid_info info;
	u64 protocol_errors;
	u64 next_context;		/* situation updates */
	lis_mutex_t tx_lock;		/* one request at a time */
};

static void host_error(struct lis_svid *v)
{
	v->protocol_errors++;
}

static int svid_send(struct lis_svid *v, u32 type, const void *msg, u32 len)
{
	u8 buf[SVID_HDRS + sizeof(struct lis_svid_dirt) + 32];
	struct lis_svid_pipe_header *pipe = (void *)buf;
	struct lis_svid_header *hdr = (void *)(buf + sizeof(*pipe));

	if (len > sizeof(buf) - SVID_HDRS)
		return -EMSGSIZE;
	pipe->type = cpu_to_le32(LIS_SVID_PIPE_DATA);
	pipe->size = cpu_to_le32(sizeof(*hdr) + len);
	hdr->type = cpu_to_le32(type);
	hdr->size = cpu_to_le32(sizeof(*hdr) + len);
	memcpy(buf + SVID_HDRS, msg, len);
	return lis_channel_send(v->ch, LIS_VMBUS_PKT_DATA_INBAND, 0, 0, buf, SVID_HDRS + len);
}

/* send, then wait for the answer of `type` (with `context` when it has one) */
static int ask(struct lis_svid *v, u32 type, const void *msg, u32 len, u32 answer,
	       u64 context, void *out, u32 out_len, u32 *got_len)
{
	unsigned long flags = 0;
	int ret;

	lis_mutex_lock(&v->tx_lock);
	lis_spin_lock(&v->lock, flags);
	v->want_type = answer;
	v->want_context = context;
	v->got = false;
	lis_completion_reinit(&v->answered);
	lis_spin_unlock(&v->lock, flags);
	ret = svid_send(v, type, msg, len);
	if (!ret)
		ret = lis_wait(&v->answered, v->cfg.timeout_ms ? v->cfg.timeout_ms :
							     SVID_DEFAULT_TIMEOUT_MS);
	lis_spin_lock(&v->lock, flags);
	v->want_type = 0;
	if (!ret && out) {
		memcpy(out, v->answer, min_t(u32, out_len, v->answer_len));
		if (got_len)
			*got_len = v->answer_len;
	}
	lis_spin_unlock(&v->lock, flags);
	lis_mutex_unlock(&v->tx_lock);
	if (ret == -ETIMEDOUT)
		lis_err("synthvid: the host did not answer synthvid message %u\n", type);
	return ret;
}

/* ---- receiving ---- */

static void take_answer(struct lis_svid *v, u32 type, const u8 *msg, u32 len)
{
	unsigned long flags = 0;
	u64 ctx = 0;
	bool ok;

	if (type == LIS_SVID_VRAM_LOCATION_ACK || type == LIS_SVID_SITUATION_UPDATE_ACK) {
		__le64 c;

		if (len < sizeof(c)) {
			host_error(v);
			lis_err_host("synthvid: a %u-byte acknowledgement %u\n", len, type);
			return;
		}
		memcpy(&c, msg, sizeof(c));
		ctx = le64_to_cpu(c);
	}
	lis_spin_lock(&v->lock, flags);
	ok = v->want_type == type && !v->got && ctx == v->want_context;
	if (ok) {
		v->answer_len = min_t(u32, len, sizeof(v->answer));
		memcpy(v->answer, msg, v->answer_len);
		v->got = true;
		lis_complete(&v->answered);
	} else {
		v->protocol_errors++;
	}
	lis_spin_unlock(&v->lock, flags);
	if (!ok)
		lis_err_host("synthvid: synthvid answer %u that nobody asked for\n", type);
}

static void handle_packet(struct lis_svid *v, const u8 *data, u32 len)
{
	const struct lis_svid_pipe_header *pipe = (const void *)data;
	const struct lis_svid_header *hdr = (const void *)(data + sizeof(*pipe));
	const struct lis_svid_feature_change *fc;
	unsigned long flags = 0;
	u32 psize, type, mlen;

	if (len < SVID_HDRS) {
		host_error(v);
		lis_err_host("synthvid: a %u-byte packet\n", len);
		return;
	}
	psize = le32_to_cpu(pipe->size);
	if (le32_to_cpu(pipe->type) != LIS_SVID_PIPE_DATA || psize < sizeof(*hdr) ||
	    psize > len - sizeof(*pipe)) {
		host_error(v);
		lis_err_host("synthvid: a pipe packet of type %u with %u bytes in %u\n",
			     le32_to_cpu(pipe->type), psize, len);
		return;
	}
	type = le32_to_cpu(hdr->type);
	/* the message is what the pipe carries after the synthvid header */
	mlen = psize - sizeof(*hdr);
	data += SVID_HDRS;
	switch (type) {
	case LIS_SVID_VERSION_RESPONSE:
	case LIS_SVID_VRAM_LOCATION_ACK:
	case LIS_SVID_SITUATION_UPDATE_ACK:
	case LIS_SVID_RESOLUTIONS_RESPONSE:
		take_answer(v, type, data, mlen);
		break;
	case LIS_SVID_FEATURE_CHANGE:
		if (mlen < sizeof(*fc)) {
			host_error(v);
			lis_err_host("synthvid: a %u-byte feature change\n", mlen);
			break;
		}
		fc = (const void *)data;
		lis_spin_lock(&v->lock, flags);
		v->info.dirt_needed = fc->is_dirt_needed;
		lis_spin_unlock(&v->lock, flags);
		break;
	default:
		host_error(v);
		lis_err_host("synthvid: ignored synthvid message %u from the host\n", type);
		break;
	}
}

static void svid_on_event(struct lis_channel *ch, void *ctx)
{
	struct lis_svid *v = ctx;
	struct lis_packet pkt;
	int ret;

	while (!(ret = lis_channel_recv(ch, v->rx, SVID_RX_BYTES, &pkt))) {
		if (pkt.type != LIS_VMBUS_PKT_DATA_INBAND) {
			host_error(v);
			continue;
		}
		handle_packet(v, pkt.data, pkt.len);
	}
}

/* ---- negotiation ---- */

static int negotiate(struct lis_svid *v)
{
	struct lis_svid_version_response r;
	struct lis_svid_version_request q;
	unsigned int i;
	u32 len;
	int ret;

	for (i = 0; i < ARRAY_SIZE(svid_versions); i++) {
		if (v->cfg.max_version && LIS_SVID_MINOR(svid_versions[i]) >
					  LIS_SVID_MINOR(v->cfg.max_version))
			continue;
		q.version = cpu_to_le32(svid_versions[i]);
		memset(&r, 0, sizeof(r));
		ret = ask(v, LIS_SVID_VERSION_REQUEST, &q, sizeof(q), LIS_SVID_VERSION_RESPONSE, 0,
			  &r, sizeof(r), &len);
		if (ret)
			return ret;
		if (len < sizeof(r)) {
			host_error(v);
			lis_err_host("synthvid: a %u-byte version response\n", len);
			return -EPROTO;
		}
		if (r.is_accepted) {
			v->info.version = svid_versions[i];
			return 0;
		}
	}
	lis_err("synthvid: the host accepts none of synthvid 3.5, 3.2, 3.0\n");
	return -EPROTONOSUPPORT;
}

static void set_limits(struct lis_svid *v)
{
	u8 buf[sizeof(struct lis_svid_resolutions_response) + 4 * LIS_SVID_MAX_RESOLUTIONS];
	const struct lis_svid_resolutions_response *r = (const void *)buf;
	struct lis_svid_resolutions_request q;
	u32 len, n, i, w, h;

	v->info.depth = v->info.version == LIS_SVID_VERSION_WIN7 ? 16 : 32;
	v->info.max_width = v->info.version == LIS_SVID_VERSION_WIN7 ? SVID_WIN7_MAX_W :
								       SVID_WIN8_MAX_W;
	v->info.max_height = v->info.version == LIS_SVID_VERSION_WIN7 ? SVID_WIN7_MAX_H :
									SVID_WIN8_MAX_H;
	v->info.default_width = SVID_DEFAULT_W;
	v->info.default_height = SVID_DEFAULT_H;
	if (v->info.version != LIS_SVID_VERSION_WIN10)
		return;
	q.maximum_count = LIS_SVID_MAX_RESOLUTIONS;
	if (ask(v, LIS_SVID_RESOLUTIONS_REQUEST, &q, sizeof(q), LIS_SVID_RESOLUTIONS_RESPONSE, 0,
		buf, sizeof(buf), &len))
		return;
	n = len >= sizeof(*r) ? r->resolution_count : 0;
	if (len < sizeof(*r) || !n || n > LIS_SVID_MAX_RESOLUTIONS ||
	    (len - sizeof(*r)) / 4 < n || r->default_index >= n) {
		host_error(v);
		lis_err_host("synthvid: a resolutions answer of %u bytes (%u resolutions)\n",
			     len, n);
		return;
	}
	v->info.max_width = v->info.max_height = 0;
	for (i = 0; i < n; i++) {
		const u8 *p = buf + sizeof(*r) + 4 * i;

		w = p[0] | p[1] << 8;
		h = p[2] | p[3] << 8;
		if (w > v->info.max_width)
			v->info.max_width = w;
		if (h > v->info.max_height)
			v->info.max_height = h;
		if (i == r->default_index) {
			v->info.default_width = w;
			v->info.default_height = h;
		}
	}
}

int lis_svid_create(const struct lis_svid_config *cfg, struct lis_svid **out)
{
	struct lis_channel_open_args args = { 0 };
	struct lis_svid *v;
	int ret;

	*out = NULL;
	if (!cfg->ch)
		return -EINVAL;
	v = lis_zalloc(sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->rx = lis_zalloc(SVID_RX_BYTES);
	if (!v->rx) {
		lis_free(v);
		return -ENOMEM;
	}
	v->cfg = *cfg;
	v->ch = cfg->ch;
	lis_spin_init(&v->lock);
	lis_mutex_init(&v->tx_lock);
	lis_completion_init(&v->answered);
	/* until the host says otherwise */
	v->info.dirt_needed = true;
	args.send_ring_bytes = SVID_RING_BYTES;
	args.recv_ring_bytes = SVID_RING_BYTES;
	args.on_event = svid_on_event;
	args.ctx = v;
	ret = lis_channel_open(v->ch, &args);
	if (ret) {
		lis_free(v->rx);
		lis_free(v);
		return ret;
	}
	v->open = true;
	ret = negotiate(v);
	if (ret) {
		lis_svid_destroy(v);
		return ret;
	}
	set_limits(v);
	*out = v;
	return 0;
}

void lis_svid_destroy(struct lis_svid *v)
{
	if (v->open)
		lis_channel_close(v->ch);
	lis_free(v->rx);
	lis_free(v);
}

void lis_svid_get_info(struct lis_svid *v, struct lis_svid_info *info)
{
	unsigned long flags = 0;

	lis_spin_lock(&v->lock, flags);
	*info = v->info;
	lis_spin_unlock(&v->lock, flags);
}

bool lis_svid_mode_ok(struct lis_svid *v, u32 width, u32 height, u64 vram_bytes)
{
	return width && height && width <= v->info.max_width && height <= v->info.max_height &&
	       (u64)width * height * (v->info.depth / 8) <= vram_bytes;
}

int lis_svid_set_vram(struct lis_svid *v, u64 gpa)
{
	struct lis_svid_vram_location m;

	memset(&m, 0, sizeof(m));
	m.user_context = cpu_to_le64(gpa);
	m.is_vram_gpa_specified = 1;
	m.vram_gpa = cpu_to_le64(gpa);
	return ask(v, LIS_SVID_VRAM_LOCATION, &m, sizeof(m), LIS_SVID_VRAM_LOCATION_ACK, gpa,
		   NULL, 0, NULL);
}

int lis_svid_set_mode(struct lis_svid *v, bool active, u32 width, u32 height, u32 pitch)
{
	struct lis_svid_situation_update m;
	unsigned long flags = 0;
	u64 context;

	lis_spin_lock(&v->lock, flags);
	context = ++v->next_context;
	lis_spin_unlock(&v->lock, flags);
	memset(&m, 0, sizeof(m));
	m.user_context = cpu_to_le64(context);
	m.video_output_count = 1;
	m.active = active;
	m.depth_bits = (u8)v->info.depth;
	m.width = cpu_to_le32(width);
	m.height = cpu_to_le32(height);
	m.pitch = cpu_to_le32(pitch);
	return ask(v, LIS_SVID_SITUATION_UPDATE, &m, sizeof(m), LIS_SVID_SITUATION_UPDATE_ACK,
		   context, NULL, 0, NULL);
}

int lis_svid_dirty(struct lis_svid *v, u32 x1, u32 y1, u32 x2, u32 y2)
{
	struct lis_svid_dirt m;
	unsigned long flags = 0;
	bool needed;
	int ret;

	lis_spin_lock(&v->lock, flags);
	needed = v->info.dirt_needed;
	lis_spin_unlock(&v->lock, flags);
	if (!needed || x1 >= x2 || y1 >= y2)
		return 0;
	memset(&m, 0, sizeof(m));
	m.dirt_count = 1;
	m.rect.left = cpu_to_le32(x1);
	m.rect.top = cpu_to_le32(y1);
	m.rect.right = cpu_to_le32(x2);
	m.rect.bottom = cpu_to_le32(y2);
	lis_mutex_lock(&v->tx_lock);
	ret = svid_send(v, LIS_SVID_DIRT, &m, sizeof(m));
	lis_mutex_unlock(&v->tx_lock);
	return ret;
}

int lis_svid_hide_pointer(struct lis_svid *v)
{
	struct lis_svid_pointer_position pos;
	struct lis_svid_pointer_shape shape;
	int ret;

	memset(&pos, 0, sizeof(pos));
	pos.is_visible = 1;
	memset(&shape, 0, sizeof(shape));
	shape.partial_index = LIS_SVID_CURSOR_COMPLETE;
	shape.cursor_flags = 1;
	shape.width = cpu_to_le32(1);
	shape.height = cpu_to_le32(1);
	lis_mutex_lock(&v->tx_lock);
	ret = svid_send(v, LIS_SVID_POINTER_POSITION, &pos, sizeof(pos));
	if (!ret)
		ret = svid_send(v, LIS_SVID_POINTER_SHAPE, &shape, sizeof(shape));
	lis_mutex_unlock(&v->tx_lock);
	return ret;
}

u64 lis_svid_protocol_errors(struct lis_svid *v)
{
	return LIS_READ_ONCE(v->protocol_errors);
}
