// SPDX-License-Identifier: GPL-2.0
/*
 * The synthetic mouse (fact sheet §7.1).  Every message is a pipe header
 * {type 1, size} and a SynthHID header {type, size}; both sizes are checked
 * against the packet before the payload is looked at.  The handshake:
 * PROTOCOL_REQUEST (2.0, completion requested) -> PROTOCOL_RESPONSE
 * (approved) -> INITIAL_DEVICE_INFO -> our ACK.  Input reports that come
 * before the glue is ready, or that are longer than the descriptor allows,
 * are dropped (the latter counted as the host's error).
 */
#include "mouse_core.h"

#define MOUSE_RING_BYTES	(40 * 1024)
#define MOUSE_TIMEOUT_MS	5000
/* the biggest packet: device info with the largest descriptor we accept */
#define MOUSE_RX_BYTES		(sizeof(struct lis_hid_header) + \
				 sizeof(struct lis_hid_device_info) + LIS_HID_MAX_REPORT_DESC)
#define MOUSE_PROTO_TID		1

struct lis_mouse {
	struct lis_channel *ch;
	struct lis_mouse_config cfg;
	u8 *rx;
	lis_completion_t responded, described;

	lis_spinlock_t lock;		/* the fields below */
	bool approved, have_info, started, info_wanted;
	u32 rejected_version;
	struct lis_mouse_info info;
	u8 *rdesc;
	struct lis_mouse_stats st;
};

static void mouse_bad(struct lis_mouse *m, const char *what)
{
	unsigned long flags = 0;

	lis_spin_lock(&m->lock, flags);
	m->st.protocol_errors++;
	lis_spin_unlock(&m->lock, flags);
	lis_err_host("hid_hyperv: %s\n", what);
}

static void mouse_device_info(struct lis_mouse *m, const u8 *p, u32 size)
{
	const struct lis_hid_device_info *di = (const void *)p;
	struct lis_hid_rdesc_info layout;
	unsigned long flags = 0;
	u32 blen, rlen;
	u8 *copy;

	if (size < sizeof(*di)) {
		mouse_bad(m, "device info too short");
		return;
	}
	blen = di->desc.bLength;
	rlen = le16_to_cpu(di->desc.wReportLength);
	if (blen < sizeof(di->desc) || di->desc.bDescriptorType != LIS_HID_DT_HID ||
	    !di->desc.bNumDescriptors || di->desc.bReportType != LIS_HID_DT_REPORT ||
	    !rlen || rlen > LIS_HID_MAX_REPORT_DESC ||
	    sizeof(di->attrs) + blen + rlen > size) {
		mouse_bad(m, "device info with a malformed HID descriptor");
		return;
	}
	if (lis_hid_rdesc_parse(p + sizeof(di->attrs) + blen, rlen, &layout)) {
		mouse_bad(m, "device info with a malformed report descriptor");
		return;
	}
	copy = lis_zalloc_atomic(rlen);
	if (!copy) {
		lis_err("hid_hyperv: no memory for the report descriptor\n");
		return;
	}
	memcpy(copy, p + sizeof(di->attrs) + blen, rlen);
	lis_spin_lock(&m->lock, flags);
	if (m->have_info || !m->info_wanted) {
		/* once, and only after the protocol was approved */
		lis_spin_unlock(&m->lock, flags);
		lis_free(copy);
		mouse_bad(m, "device info not expected now");
		return;
	}
	m->rdesc = copy;
	m->info.vendor = le16_to_cpu(di->attrs.vendor_id);
	m->info.product = le16_to_cpu(di->attrs.product_id);
	m->info.version = le16_to_cpu(di->attrs.version_id);
	m->info.bcd_hid = le16_to_cpu(di->desc.bcdHID);
	m->info.country = di->desc.bCountryCode;
	m->info.rdesc = copy;
	m->info.rdesc_len = rlen;
	m->info.layout = layout;
	m->have_info = true;
	lis_spin_unlock(&m->lock, flags);
	lis_complete(&m->described);
}

static void mouse_input(struct lis_mouse *m, const u8 *p, u32 size)
{
	unsigned long flags = 0;
	bool deliver;

	lis_spin_lock(&m->lock, flags);
	if (m->have_info && (!size || size > m->info.layout.max_input)) {
		m->st.protocol_errors++;
		lis_spin_unlock(&m->lock, flags);
		lis_err_host("hid_hyperv: dropped a %u-byte input report (the descriptor allows %u)\n",
			     size, m->info.layout.max_input);
		return;
	}
	deliver = m->started;
	if (deliver)
		m->st.reports++;
	else
		m->st.dropped++;
	lis_spin_unlock(&m->lock, flags);
	/* the glue closes the mouse (the channel close waits for this
	 * callback) before it frees what input_report uses */
	if (deliver)
		m->cfg.ops->input_report(m->cfg.ctx, p, size);
}

static void mouse_packet(struct lis_mouse *m, const struct lis_packet *pkt)
{
	const struct lis_hid_header *h = pkt->data;
	const u8 *payload = (const u8 *)pkt->data + sizeof(*h);
	unsigned long flags = 0;
	u32 pipe_size, size;

	if (pkt->type == LIS_VMBUS_PKT_COMP)
		return;		/* the host acknowledging our request */
	if (pkt->type != LIS_VMBUS_PKT_DATA_INBAND || pkt->len < sizeof(*h)) {
		mouse_bad(m, "dropped a malformed packet");
		return;
	}
	pipe_size = le32_to_cpu(h->pipe.size);
	size = le32_to_cpu(h->hid.size);
	if (le32_to_cpu(h->pipe.type) != LIS_HID_PIPE_DATA ||
	    pipe_size < sizeof(h->hid) || pipe_size > pkt->len - sizeof(h->pipe) ||
	    size > pipe_size - sizeof(h->hid)) {
		mouse_bad(m, "dropped a message whose sizes do not fit its packet");
		return;
	}
	switch (le32_to_cpu(h->hid.type)) {
	case LIS_HID_PROTOCOL_RESPONSE: {
		const struct lis_hid_protocol_response *r = (const void *)payload;

		if (size < sizeof(*r)) {
			mouse_bad(m, "protocol response too short");
			return;
		}
		lis_spin_lock(&m->lock, flags);
		m->approved = r->approved != 0 &&
			      le32_to_cpu(r->version_requested) == LIS_HID_VERSION_2_0;
		if (!m->approved)
			m->rejected_version = le32_to_cpu(r->version_requested);
		m->info_wanted = m->approved;
		lis_spin_unlock(&m->lock, flags);
		lis_complete(&m->responded);
		break;
	}
	case LIS_HID_INITIAL_DEVICE_INFO:
		mouse_device_info(m, payload, size);
		break;
	case LIS_HID_INPUT_REPORT:
		mouse_input(m, payload, size);
		break;
	default:
		mouse_bad(m, "dropped a message of an unknown type");
		break;
	}
}

static void mouse_on_event(struct lis_channel *ch, void *ctx)
{
	struct lis_mouse *m = ctx;
	struct lis_packet pkt;
	int ret;

	for (;;) {
		ret = lis_channel_recv(ch, m->rx, MOUSE_RX_BYTES, &pkt);
		if (ret == -ENOBUFS) {
			/* no SynthHID message is this big: read it to drop it */
			void *big = lis_zalloc_atomic(pkt.raw_len);

			if (!big)
				return;
			ret = lis_channel_recv(ch, big, pkt.raw_len, &pkt);
			lis_free(big);
			if (ret)
				return;
			mouse_bad(m, "dropped an oversized packet");
			continue;
		}
		if (ret)
			return;
		mouse_packet(m, &pkt);
	}
}

static int mouse_send(struct lis_mouse *m, u32 type, const void *payload, u32 len, u16 flags,
		      u64 tid)
{
	u8 buf[sizeof(struct lis_hid_header) + 8];
	struct lis_hid_header *h = (void *)buf;

	h->pipe.type = cpu_to_le32(LIS_HID_PIPE_DATA);
	h->pipe.size = cpu_to_le32(sizeof(h->hid) + len);
	h->hid.type = cpu_to_le32(type);
	h->hid.size = cpu_to_le32(len);
	memcpy(buf + sizeof(*h), payload, len);
	return lis_channel_send(m->ch, LIS_VMBUS_PKT_DATA_INBAND, flags, tid, buf,
				sizeof(*h) + len);
}

int lis_mouse_open(struct lis_channel *ch, const struct lis_mouse_config *cfg,
		   struct lis_mouse **out)
{
	struct lis_channel_open_args args;
	u32 timeout = cfg->timeout_ms ? cfg->timeout_ms : MOUSE_TIMEOUT_MS;
	u32 ring = cfg->ring_bytes ? cfg->ring_bytes : MOUSE_RING_BYTES;
	__le32 version = cpu_to_le32(LIS_HID_VERSION_2_0);
	u8 ack = 0;
	struct lis_mouse *m;
	int ret;

	if (!cfg->ops || !cfg->ops->input_report)
		return -EINVAL;
	m = lis_zalloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->rx = lis_zalloc(MOUSE_RX_BYTES);
	if (!m->rx) {
		lis_free(m);
		return -ENOMEM;
	}
	m->ch = ch;
	m->cfg = *cfg;
	lis_spin_init(&m->lock);
	lis_completion_init(&m->responded);
	lis_completion_init(&m->described);

	memset(&args, 0, sizeof(args));
	args.send_ring_bytes = ring;
	args.recv_ring_bytes = ring;
	args.on_event = mouse_on_event;
	args.ctx = m;
	ret = lis_channel_open(ch, &args);
	if (ret) {
		lis_err("hid_hyperv: cannot open the channel (%d)\n", ret);
		goto free;
	}
	ret = mouse_send(m, LIS_HID_PROTOCOL_REQUEST, &version, sizeof(version),
			 LIS_VMBUS_PKT_FLAG_COMPLETION_REQUESTED, MOUSE_PROTO_TID);
	if (ret)
		goto close;
	ret = lis_wait(&m->responded, timeout);
	if (ret) {
		lis_err("hid_hyperv: no protocol response from the host\n");
		goto close;
	}
	if (!m->approved) {
		lis_err("hid_hyperv: the host refused SynthHID 2.0 (answered for %#x)\n",
			m->rejected_version);
		ret = -ENODEV;
		goto close;
	}
	ret = lis_wait(&m->described, timeout);
	if (ret) {
		lis_err("hid_hyperv: no device info from the host\n");
		goto close;
	}
	ret = mouse_send(m, LIS_HID_INITIAL_DEVICE_INFO_ACK, &ack, sizeof(ack), 0, 0);
	if (ret)
		goto close;
	*out = m;
	return 0;

close:
	lis_channel_close(ch);
free:
	lis_free(m->rdesc);
	lis_free(m->rx);
	lis_free(m);
	return ret;
}

void lis_mouse_get_info(struct lis_mouse *m, struct lis_mouse_info *info)
{
	unsigned long flags = 0;

	lis_spin_lock(&m->lock, flags);
	*info = m->info;
	lis_spin_unlock(&m->lock, flags);
}

static void mouse_set_started(struct lis_mouse *m, bool on)
{
	unsigned long flags = 0;

	lis_spin_lock(&m->lock, flags);
	m->started = on;
	lis_spin_unlock(&m->lock, flags);
}

void lis_mouse_start(struct lis_mouse *m)
{
	mouse_set_started(m, true);
}

void lis_mouse_stop(struct lis_mouse *m)
{
	mouse_set_started(m, false);
}

void lis_mouse_close(struct lis_mouse *m)
{
	if (!m)
		return;
	lis_mouse_stop(m);
	lis_channel_close(m->ch);
	lis_free(m->rdesc);
	lis_free(m->rx);
	lis_free(m);
}

void lis_mouse_get_stats(struct lis_mouse *m, struct lis_mouse_stats *st)
{
	unsigned long flags = 0;

	lis_spin_lock(&m->lock, flags);
	*st = m->st;
	lis_spin_unlock(&m->lock, flags);
}
