// SPDX-License-Identifier: GPL-2.0
/*
 * The dynamic-memory channel: negotiation (2.0, 1.0, then 0.3 marked as the
 * last attempt), the capabilities report, status reports, and the receive
 * path, which checks every message's header and queues the host's requests
 * for lis_dm_work().
 */
#include "internal.h"

static const u32 dm_versions[] = {
	LIS_DM_VERSION_WIN10, LIS_DM_VERSION_WIN8, LIS_DM_VERSION_WIN7,
};

void dm_host_error(struct lis_dm *dm)
{
	unsigned long flags = 0;

	lis_spin_lock(&dm->lock, flags);
	dm->protocol_errors++;
	lis_spin_unlock(&dm->lock, flags);
}

/* fill the header and send; the ring being full is waited out */
int dm_send(struct lis_dm *dm, void *msg, u16 type, u32 len)
{
	struct lis_dm_header *hdr = msg;
	u32 waited = 0;
	int ret;

	hdr->type = cpu_to_le16(type);
	hdr->size = cpu_to_le16((u16)len);
	hdr->trans_id = cpu_to_le32(++dm->next_trans_id);
	for (;;) {
		ret = lis_channel_send(dm->ch, LIS_VMBUS_PKT_DATA_INBAND, 0, 0, msg, len);
		if (ret != -EAGAIN || waited >= dm->timeout_ms)
			return ret;
		lis_msleep(10);
		waited += 10;
	}
}

/* ---- receiving ---- */

static void queue_request(struct lis_dm *dm, const u8 *msg, u32 len)
{
	struct dm_queued *q = lis_zalloc_atomic(sizeof(*q) + len);
	unsigned long flags = 0;
	bool drop;

	if (!q) {
		lis_err("hv_balloon: no memory for a host request (type %u); dropped\n",
			msg[0] | msg[1] << 8);
		return;
	}
	memcpy(q->data, msg, len);
	q->len = len;
	lis_spin_lock(&dm->lock, flags);
	drop = dm->dying || dm->queued >= DM_MAX_QUEUED;
	if (!drop) {
		if (dm->q_tail)
			dm->q_tail->next = q;
		else
			dm->q_head = q;
		dm->q_tail = q;
		dm->queued++;
	} else if (!dm->dying) {
		dm->protocol_errors++;
	}
	lis_spin_unlock(&dm->lock, flags);
	if (drop) {
		if (!LIS_READ_ONCE(dm->dying))
			lis_err_host("hv_balloon: the host sent %u requests without waiting; dropped one\n",
				     DM_MAX_QUEUED);
		lis_free(q);
		return;
	}
	dm->cfg.ops->kick(dm->cfg.ctx);
}

/* a negotiation answer: only the one being waited for */
static void take_answer(struct lis_dm *dm, u16 type, const u8 *msg, u32 len)
{
	const struct lis_dm_accept *a = (const void *)msg;
	unsigned long flags = 0;
	bool ok;

	if (len < sizeof(*a)) {
		dm_host_error(dm);
		lis_err_host("hv_balloon: answer %u of %u bytes\n", type, len);
		return;
	}
	lis_spin_lock(&dm->lock, flags);
	ok = dm->want_type == type && !dm->got_answer;
	if (ok) {
		dm->answer_flags = le64_to_cpu(a->flags);
		dm->got_answer = true;
		lis_complete(&dm->answered);
	} else {
		dm->protocol_errors++;
	}
	lis_spin_unlock(&dm->lock, flags);
	if (!ok)
		lis_err_host("hv_balloon: answer %u from the host, which nobody asked for\n", type);
}

static void handle_message(struct lis_dm *dm, const u8 *msg, u32 pktlen)
{
	const struct lis_dm_header *hdr = (const void *)msg;
	u32 size;
	u16 type;

	if (pktlen < sizeof(*hdr)) {
		dm_host_error(dm);
		lis_err_host("hv_balloon: a %u-byte message from the host\n", pktlen);
		return;
	}
	type = le16_to_cpu(hdr->type);
	size = le16_to_cpu(hdr->size);
	/* the packet carries the message, padded to 8 bytes */
	if (size < sizeof(*hdr) || size > pktlen) {
		dm_host_error(dm);
		lis_err_host("hv_balloon: message %u says it has %u bytes, in a %u-byte packet\n",
			     type, size, pktlen);
		return;
	}
	switch (type) {
	case LIS_DM_VERSION_RESPONSE:
	case LIS_DM_CAPABILITIES_RESPONSE:
		take_answer(dm, type, msg, size);
		break;
	case LIS_DM_BALLOON_REQUEST:
	case LIS_DM_UNBALLOON_REQUEST:
	case LIS_DM_HOT_ADD_REQUEST:
	case LIS_DM_INFO_MESSAGE:
	case LIS_DM_HOT_REMOVE_REQUEST:
		queue_request(dm, msg, size);
		break;
	default:
		dm_host_error(dm);
		lis_err_host("hv_balloon: ignored message type %u from the host\n", type);
		break;
	}
}

static void dm_on_event(struct lis_channel *ch, void *ctx)
{
	struct lis_dm *dm = ctx;
	struct lis_packet pkt;

	/* one consumer: the event half runs one callback per channel */
	while (!lis_channel_recv(ch, dm->rx_buf, DM_RX_BYTES, &pkt)) {
		if (pkt.type != LIS_VMBUS_PKT_DATA_INBAND) {
			dm_host_error(dm);
			lis_err_host("hv_balloon: ignored a packet of type %u\n", pkt.type);
			continue;
		}
		handle_message(dm, pkt.data, pkt.len);
	}
}

/* ---- negotiation ---- */

/* send msg and wait for the answer of `type`; its flags in *flags */
static int ask(struct lis_dm *dm, void *msg, u16 type, u32 len, u16 answer, u64 *flags)
{
	unsigned long lf = 0;
	int ret;

	lis_spin_lock(&dm->lock, lf);
	dm->want_type = answer;
	dm->got_answer = false;
	lis_completion_reinit(&dm->answered);
	lis_spin_unlock(&dm->lock, lf);
	ret = dm_send(dm, msg, type, len);
	if (!ret)
		ret = lis_wait(&dm->answered, dm->timeout_ms);
	lis_spin_lock(&dm->lock, lf);
	dm->want_type = 0;
	*flags = dm->answer_flags;
	lis_spin_unlock(&dm->lock, lf);
	if (ret == -ETIMEDOUT)
		lis_err("hv_balloon: no answer %u from the host in %u ms\n", answer, dm->timeout_ms);
	return ret;
}

static int negotiate(struct lis_dm *dm)
{
	struct lis_dm_version_request v;
	unsigned int i, n = 0, last = 0;
	u64 flags;
	int ret;

	for (i = 0; i < ARRAY_SIZE(dm_versions); i++) {
		if (!dm->cfg.max_version || dm_versions[i] <= dm->cfg.max_version)
			last = i;
	}
	for (i = 0; i < ARRAY_SIZE(dm_versions); i++) {
		if (dm->cfg.max_version && dm_versions[i] > dm->cfg.max_version)
			continue;
		memset(&v, 0, sizeof(v));
		v.version = cpu_to_le32(dm_versions[i]);
		if (i == last)
			v.flags = cpu_to_le32(LIS_DM_VERSION_LAST_ATTEMPT);
		ret = ask(dm, &v, LIS_DM_VERSION_REQUEST, sizeof(v), LIS_DM_VERSION_RESPONSE, &flags);
		if (ret)
			return ret;
		n++;
		if (flags & LIS_DM_ACCEPTED) {
			dm->version = dm_versions[i];
			return 0;
		}
	}
	lis_err("hv_balloon: the host accepted none of %u dynamic memory versions\n", n);
	return -EPROTONOSUPPORT;
}

static int report_capabilities(struct lis_dm *dm)
{
	struct lis_dm_capabilities c;
	u64 caps = LIS_DM_CAP_BALLOON, block = dm->cfg.hot_add_block_pages, mib;
	unsigned int shift = 0;
	u64 flags;
	int ret;

	if (block) {
		/* hot add in whole memory blocks: 2^n MiB */
		mib = block >> (20 - LIS_HV_PAGE_SHIFT);
		while ((1ull << shift) < mib && shift < 15)
			shift++;
		caps |= LIS_DM_CAP_HOT_ADD | ((u64)shift << LIS_DM_CAP_ALIGN_SHIFT);
	}
	memset(&c, 0, sizeof(c));
	c.caps = cpu_to_le64(caps);
	c.min_page_count = 0;
	c.max_page_number = cpu_to_le64(~0ull);
	ret = ask(dm, &c, LIS_DM_CAPABILITIES_REPORT, sizeof(c), LIS_DM_CAPABILITIES_RESPONSE,
		  &flags);
	if (ret)
		return ret;
	if (!(flags & LIS_DM_ACCEPTED)) {
		lis_err("hv_balloon: the host refused our capabilities (%#llx)\n",
			(unsigned long long)caps);
		return -EPROTO;
	}
	dm->reports_suppressed = flags & LIS_DM_CAPS_RESP_NO_REPORTS;
	return 0;
}

int lis_dm_create(const struct lis_dm_config *cfg, struct lis_dm **out)
{
	struct lis_channel_open_args args = { 0 };
	struct lis_dm *dm;
	int ret;

	*out = NULL;
	if (!cfg->ch || !cfg->ops || !cfg->ops->stats || !cfg->ops->balloon_alloc ||
	    !cfg->ops->balloon_free || !cfg->ops->kick ||
	    (cfg->hot_add_block_pages && (!cfg->ops->hot_add ||
	     (cfg->hot_add_block_pages & (cfg->hot_add_block_pages - 1)) ||
	     cfg->hot_add_block_pages < (1u << (20 - LIS_HV_PAGE_SHIFT)))))
		return -EINVAL;
	dm = lis_zalloc(sizeof(*dm));
	if (!dm)
		return -ENOMEM;
	dm->rx_buf = lis_zalloc(DM_RX_BYTES);
	dm->tx_buf = lis_zalloc(LIS_DM_MESSAGE_MAX);
	dm->runs = lis_zalloc(sizeof(*dm->runs) * DM_ALLOC_RUNS);
	if (!dm->rx_buf || !dm->tx_buf || !dm->runs) {
		ret = -ENOMEM;
		goto free;
	}
	dm->cfg = *cfg;
	dm->ch = cfg->ch;
	dm->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : DM_DEFAULT_TIMEOUT_MS;
	lis_spin_init(&dm->lock);
	lis_mutex_init(&dm->work_lock);
	lis_completion_init(&dm->answered);

	args.send_ring_bytes = DM_RING_BYTES;
	args.recv_ring_bytes = DM_RING_BYTES;
	args.on_event = dm_on_event;
	args.ctx = dm;
	ret = lis_channel_open(dm->ch, &args);
	if (ret) {
		lis_err("hv_balloon: cannot open the channel: %d\n", ret);
		goto free;
	}
	dm->open = true;
	ret = negotiate(dm);
	if (!ret)
		ret = report_capabilities(dm);
	if (ret) {
		lis_dm_destroy(dm);
		return ret;
	}
	*out = dm;
	return 0;
free:
	lis_free(dm->runs);
	lis_free(dm->tx_buf);
	lis_free(dm->rx_buf);
	lis_free(dm);
	return ret;
}

u64 lis_dm_destroy(struct lis_dm *dm)
{
	struct dm_queued *q;
	unsigned long flags = 0;
	u64 held;

	lis_spin_lock(&dm->lock, flags);
	dm->dying = true;
	lis_spin_unlock(&dm->lock, flags);
	if (dm->open)
		lis_channel_close(dm->ch);
	lis_mutex_lock(&dm->work_lock);
	while ((q = dm->q_head)) {
		dm->q_head = q->next;
		lis_free(q);
	}
	dm->q_tail = NULL;
	held = dm->held.pages;
	dm_set_free(&dm->held);
	lis_mutex_unlock(&dm->work_lock);
	lis_free(dm->runs);
	lis_free(dm->tx_buf);
	lis_free(dm->rx_buf);
	lis_free(dm);
	return held;
}

/* ---- status reports ---- */

int lis_dm_report_status(struct lis_dm *dm)
{
	struct lis_dm_status st;
	struct lis_dm_stats s = { 0 };
	u64 held;
	int ret;

	if (dm->reports_suppressed)
		return 0;
	dm->cfg.ops->stats(dm->cfg.ctx, &s);
	lis_mutex_lock(&dm->work_lock);
	held = dm->held.pages;
	memset(&st, 0, sizeof(st));
	st.num_avail = cpu_to_le64(s.avail);
	/* the host's pressure measure: what the guest uses, and what the
	 * balloon holds (it is still the guest's memory to the host) */
	st.num_committed = cpu_to_le64(s.committed + held);
	ret = dm_send(dm, &st, LIS_DM_STATUS_REPORT, sizeof(st));
	lis_mutex_unlock(&dm->work_lock);
	return ret;
}

/* ---- work ---- */

void lis_dm_work(struct lis_dm *dm)
{
	struct dm_queued *q;
	unsigned long flags = 0;

	lis_mutex_lock(&dm->work_lock);
	for (;;) {
		lis_spin_lock(&dm->lock, flags);
		q = dm->dying ? NULL : dm->q_head;
		if (q) {
			dm->q_head = q->next;
			if (!dm->q_head)
				dm->q_tail = NULL;
			dm->queued--;
		}
		lis_spin_unlock(&dm->lock, flags);
		if (!q)
			break;
		dm_handle_request(dm, q->data, q->len);
		lis_free(q);
	}
	lis_mutex_unlock(&dm->work_lock);
}

void lis_dm_get_info(struct lis_dm *dm, struct lis_dm_info *info)
{
	unsigned long flags = 0;

	lis_mutex_lock(&dm->work_lock);
	info->version = dm->version;
	info->reports_suppressed = dm->reports_suppressed;
	info->ballooned = dm->held.pages;
	info->hot_added = dm->hot_added;
	info->max_page_count = dm->max_page_count;
	info->requests = dm->requests;
	lis_mutex_unlock(&dm->work_lock);
	lis_spin_lock(&dm->lock, flags);
	info->protocol_errors = dm->protocol_errors;
	lis_spin_unlock(&dm->lock, flags);
}
