// SPDX-License-Identifier: GPL-2.0
/*
 * The synthetic keyboard channel (fact sheet §7.2): no pipe header, each
 * in-band packet is a message type and its payload.  PROTOCOL_REQUEST 1.0
 * (completion requested) -> PROTOCOL_RESPONSE with bit 0 set; then EVENT
 * messages (keystrokes).  Every message is size-checked before it is read.
 */
#include "kbd_core.h"

#define KBD_RING_BYTES		(40 * 1024)
#define KBD_TIMEOUT_MS		5000
#define KBD_PROTO_TID		1

struct lis_kbd {
	struct lis_channel *ch;
	struct lis_kbd_config cfg;
	u8 rx[LIS_KBD_MAX_MESSAGE];
	lis_completion_t responded;

	lis_spinlock_t lock;		/* the fields below */
	bool answered, accepted, started;
	u32 status;
	struct lis_kbd_stats st;
};

static void kbd_bad(struct lis_kbd *k, const char *what)
{
	unsigned long flags = 0;

	lis_spin_lock(&k->lock, flags);
	k->st.protocol_errors++;
	lis_spin_unlock(&k->lock, flags);
	lis_err_host("hyperv_keyboard: %s\n", what);
}

static void kbd_keystroke(struct lis_kbd *k, const struct lis_kbd_keystroke *ks)
{
	u8 out[LIS_KBD_MAX_BYTES];
	unsigned long flags = 0;
	bool deliver;
	int n;

	n = lis_kbd_translate(le16_to_cpu(ks->make_code), le32_to_cpu(ks->info), out);
	if (n == -EINVAL) {
		kbd_bad(k, "dropped a keystroke with flags or a code of no meaning");
		return;
	}
	lis_spin_lock(&k->lock, flags);
	deliver = k->started && n > 0;
	if (deliver)
		k->st.keystrokes++;
	else if (n != 0)
		k->st.dropped++;
	lis_spin_unlock(&k->lock, flags);
	/* the glue closes the keyboard (the channel close waits for this
	 * callback) before it frees what bytes() uses */
	if (deliver)
		k->cfg.ops->bytes(k->cfg.ctx, out, (u32)n);
}

static void kbd_packet(struct lis_kbd *k, const struct lis_packet *pkt)
{
	const struct lis_kbd_msg_hdr *h = pkt->data;
	unsigned long flags = 0;

	if (pkt->type == LIS_VMBUS_PKT_COMP)
		return;		/* the host acknowledging our request */
	if (pkt->type != LIS_VMBUS_PKT_DATA_INBAND || pkt->len < sizeof(*h)) {
		kbd_bad(k, "dropped a malformed packet");
		return;
	}
	switch (le32_to_cpu(h->type)) {
	case LIS_KBD_PROTOCOL_RESPONSE: {
		const struct lis_kbd_protocol_response *r = pkt->data;

		if (pkt->len < sizeof(*r)) {
			kbd_bad(k, "protocol response too short");
			return;
		}
		lis_spin_lock(&k->lock, flags);
		k->answered = true;
		k->status = le32_to_cpu(r->status);
		k->accepted = k->status & LIS_KBD_PROTOCOL_ACCEPTED;
		lis_spin_unlock(&k->lock, flags);
		lis_complete(&k->responded);
		break;
	}
	case LIS_KBD_EVENT:
		if (pkt->len < sizeof(struct lis_kbd_keystroke)) {
			kbd_bad(k, "keystroke too short");
			return;
		}
		kbd_keystroke(k, pkt->data);
		break;
	default:
		kbd_bad(k, "dropped a message of an unknown type");
		break;
	}
}

static void kbd_on_event(struct lis_channel *ch, void *ctx)
{
	struct lis_kbd *k = ctx;
	struct lis_packet pkt;
	int ret;

	for (;;) {
		ret = lis_channel_recv(ch, k->rx, sizeof(k->rx), &pkt);
		if (ret == -ENOBUFS) {
			void *big = lis_zalloc_atomic(pkt.raw_len);

			if (!big)
				return;
			ret = lis_channel_recv(ch, big, pkt.raw_len, &pkt);
			lis_free(big);
			if (ret)
				return;
			kbd_bad(k, "dropped an oversized packet");
			continue;
		}
		if (ret)
			return;
		kbd_packet(k, &pkt);
	}
}

int lis_kbd_open(struct lis_channel *ch, const struct lis_kbd_config *cfg, struct lis_kbd **out)
{
	struct lis_kbd_protocol_request req;
	struct lis_channel_open_args args;
	u32 timeout = cfg->timeout_ms ? cfg->timeout_ms : KBD_TIMEOUT_MS;
	u32 ring = cfg->ring_bytes ? cfg->ring_bytes : KBD_RING_BYTES;
	struct lis_kbd *k;
	int ret;

	if (!cfg->ops || !cfg->ops->bytes)
		return -EINVAL;
	k = lis_zalloc(sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->ch = ch;
	k->cfg = *cfg;
	lis_spin_init(&k->lock);
	lis_completion_init(&k->responded);

	memset(&args, 0, sizeof(args));
	args.send_ring_bytes = ring;
	args.recv_ring_bytes = ring;
	args.on_event = kbd_on_event;
	args.ctx = k;
	ret = lis_channel_open(ch, &args);
	if (ret) {
		lis_err("hyperv_keyboard: cannot open the channel (%d)\n", ret);
		lis_free(k);
		return ret;
	}
	req.hdr.type = cpu_to_le32(LIS_KBD_PROTOCOL_REQUEST);
	req.version = cpu_to_le32(LIS_KBD_VERSION_WIN8);
	ret = lis_channel_send(ch, LIS_VMBUS_PKT_DATA_INBAND, LIS_VMBUS_PKT_FLAG_COMPLETION_REQUESTED,
			       KBD_PROTO_TID, &req, sizeof(req));
	if (!ret)
		ret = lis_wait(&k->responded, timeout);
	if (ret) {
		lis_err("hyperv_keyboard: no protocol response from the host (%d)\n", ret);
		goto fail;
	}
	if (!k->accepted) {
		lis_err("hyperv_keyboard: the host refused protocol 1.0 (status %#x)\n", k->status);
		ret = -ENODEV;
		goto fail;
	}
	*out = k;
	return 0;

fail:
	lis_channel_close(ch);
	lis_free(k);
	return ret;
}

static void kbd_set_started(struct lis_kbd *k, bool on)
{
	unsigned long flags = 0;

	lis_spin_lock(&k->lock, flags);
	k->started = on;
	lis_spin_unlock(&k->lock, flags);
}

void lis_kbd_start(struct lis_kbd *k)
{
	kbd_set_started(k, true);
}

void lis_kbd_stop(struct lis_kbd *k)
{
	kbd_set_started(k, false);
}

void lis_kbd_close(struct lis_kbd *k)
{
	if (!k)
		return;
	lis_kbd_stop(k);
	lis_channel_close(k->ch);
	lis_free(k);
}

void lis_kbd_get_stats(struct lis_kbd *k, struct lis_kbd_stats *st)
{
	unsigned long flags = 0;

	lis_spin_lock(&k->lock, flags);
	*st = k->st;
	lis_spin_unlock(&k->lock, flags);
}
