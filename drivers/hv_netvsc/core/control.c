// SPDX-License-Identifier: GPL-2.0
/*
 * Control requests on the primary channel, one at a time: NVSP requests
 * answered by a completion packet (INIT, the buffers, SUBCHANNEL,
 * SWITCH_DATA_PATH), and RNDIS control messages (INITIALIZE, QUERY, SET,
 * HALT) sent as GPA-direct SEND_RNDIS_PACKETs on the control channel type,
 * whose replies come back through the receive path.  A reply is taken only
 * when its NVSP transaction id or RNDIS request id is the one awaited and its
 * type is the one expected; anything else is counted and dropped.
 */
#include "internal.h"

/* how often a wait looks whether the channel went away */
#define NET_WAIT_SLICE_MS	100

/* ---- replies (event context) ---- */

void net_ctrl_completion(struct net_chan *c, u64 id, const void *data, u32 len)
{
	struct lis_net *n = c->n;
	unsigned long flags = 0;
	bool ours = false;
	u32 type = 0;

	if (len >= 4)
		type = net_get_le32(data);
	lis_spin_lock(&n->ctrl_lock, flags);
	if (c->index == 0 && len >= 4 && n->ctrl.id && id == n->ctrl.id &&
	    (!n->ctrl.nvsp_type || type == n->ctrl.nvsp_type)) {
		memset(&n->ctrl.nvsp_resp, 0, sizeof(n->ctrl.nvsp_resp));
		n->ctrl.nvsp_resp_len = min_t(u32, len, sizeof(n->ctrl.nvsp_resp));
		memcpy(&n->ctrl.nvsp_resp, data, n->ctrl.nvsp_resp_len);
		n->ctrl.nvsp_done = true;
		n->ctrl.id = 0;
		ours = true;
	}
	lis_spin_unlock(&n->ctrl_lock, flags);
	if (ours)
		lis_complete(&n->ctrl_done);
	else
		net_host_err(c, bad_completions,
			     "dropped a control completion (id %#llx, %u bytes, type %u) nobody waits for\n",
			     (unsigned long long)id, len, type);
}

/* the information buffer of a QUERY_CMPLT: within the message, after its header */
static bool info_ok(u32 msg_len, u32 off, u32 len, u32 hdr)
{
	u64 start = (u64)LIS_RNDIS_BODY + off;

	if (!len)
		return true;
	return start >= hdr && start <= msg_len && len <= msg_len - start;
}

void net_rndis_reply(struct net_chan *c, u32 type, const u8 *msg, u32 len)
{
	struct lis_net *n = c->n;
	struct lis_rndis_query_c q;
	struct net_ctrl *ctl = &n->ctrl;
	unsigned long flags = 0;
	u32 req_id, min_len, status;
	bool ours, bad = false;

	switch (type) {
	case LIS_RNDIS_MSG_INIT_C:
		min_len = sizeof(struct lis_rndis_init_c);
		break;
	case LIS_RNDIS_MSG_QUERY_C:
		min_len = sizeof(struct lis_rndis_query_c);
		break;
	default:
		min_len = sizeof(struct lis_rndis_set_c);
		break;
	}
	if (len < 12) {
		net_host_err(c, rx_bad_rndis, "dropped an RNDIS reply of %u bytes\n", len);
		return;
	}
	req_id = net_get_le32(msg + 8);

	lis_spin_lock(&n->ctrl_lock, flags);
	ours = ctl->rndis_id && req_id == ctl->rndis_id && type == ctl->rndis_type;
	if (!ours)
		goto out;
	if (len < min_len) {
		bad = true;
		ctl->rndis_status = LIS_RNDIS_STATUS_INVALID_DATA;
	} else if (type == LIS_RNDIS_MSG_INIT_C) {
		memcpy(&ctl->init_c, msg, sizeof(ctl->init_c));
		ctl->rndis_status = le32_to_cpu(ctl->init_c.status);
	} else if (type == LIS_RNDIS_MSG_QUERY_C) {
		memcpy(&q, msg, sizeof(q));
		status = le32_to_cpu(q.status);
		ctl->info_len = le32_to_cpu(q.info_len);
		if (!status && !info_ok(len, le32_to_cpu(q.info_offset), ctl->info_len, sizeof(q))) {
			bad = true;
			status = LIS_RNDIS_STATUS_INVALID_DATA;
			ctl->info_len = 0;
		} else if (!status && ctl->info) {
			memcpy(ctl->info, msg + LIS_RNDIS_BODY + le32_to_cpu(q.info_offset),
			       min_t(u32, ctl->info_len, ctl->info_cap));
		}
		ctl->rndis_status = status;
	} else {
		ctl->rndis_status = net_get_le32(msg + 12);
	}
	ctl->rndis_done = true;
	ctl->rndis_id = 0;
out:
	lis_spin_unlock(&n->ctrl_lock, flags);
	if (ours)
		lis_complete(&n->ctrl_done);
	if (!ours)
		net_host_err(c, bad_completions,
			     "dropped an RNDIS reply (type %#x, request %u) nobody waits for\n",
			     type, req_id);
	else if (bad)
		net_host_err(c, rx_bad_rndis,
			     "dropped a malformed RNDIS reply (type %#x, %u bytes)\n", type, len);
}

/* ---- waiting ---- */

static u64 ctrl_begin(struct lis_net *n, u32 nvsp_type, u32 rndis_type, void *info, u32 cap)
{
	unsigned long flags = 0;
	u64 id;

	lis_completion_reinit(&n->ctrl_done);
	lis_spin_lock(&n->ctrl_lock, flags);
	memset(&n->ctrl, 0, sizeof(n->ctrl));
	n->ctrl_seq++;
	id = NET_CTRL_ID | n->ctrl_seq;
	n->ctrl.id = id;
	n->ctrl.nvsp_type = nvsp_type;
	if (rndis_type) {
		if (!++n->rndis_seq)
			n->rndis_seq = 1;
		n->ctrl.rndis_id = n->rndis_seq;
		n->ctrl.rndis_type = rndis_type;
		n->ctrl.info = info;
		n->ctrl.info_cap = cap;
	}
	lis_spin_unlock(&n->ctrl_lock, flags);
	return id;
}

/* nothing is awaited any more: late replies find no id and are dropped */
static void ctrl_end(struct lis_net *n)
{
	unsigned long flags = 0;

	lis_spin_lock(&n->ctrl_lock, flags);
	n->ctrl.id = 0;
	n->ctrl.rndis_id = 0;
	n->ctrl.info = NULL;
	lis_spin_unlock(&n->ctrl_lock, flags);
}

static bool ctrl_answered(struct lis_net *n, bool need_rndis)
{
	unsigned long flags = 0;
	bool done;

	lis_spin_lock(&n->ctrl_lock, flags);
	done = n->ctrl.nvsp_done && (!need_rndis || n->ctrl.rndis_done);
	lis_spin_unlock(&n->ctrl_lock, flags);
	return done;
}

static int ctrl_wait(struct lis_net *n, bool need_rndis)
{
	u64 end = lis_time_ms() + n->cfg.timeout_ms;
	u64 now;

	while (!ctrl_answered(n, need_rndis)) {
		if (LIS_READ_ONCE(n->dead) || lis_channel_rescinded(n->primary))
			return -ENODEV;
		now = lis_time_ms();
		if (now >= end)
			return -ETIMEDOUT;
		lis_wait(&n->ctrl_done, (u32)min_t(u64, end - now, NET_WAIT_SLICE_MS));
	}
	return 0;
}

/* ---- NVSP requests ---- */

int net_nvsp_post(struct lis_net *n, const union lis_nvsp_msg *msg)
{
	return lis_channel_send(n->primary, LIS_VMBUS_PKT_DATA_INBAND, 0, 0, msg, sizeof(*msg));
}

int net_nvsp_request(struct lis_net *n, union lis_nvsp_msg *msg, u32 expect,
		     union lis_nvsp_msg *resp)
{
	u32 type = le32_to_cpu(msg->type);
	u64 id;
	int ret;

	lis_mutex_lock(&n->ctrl_mutex);
	id = ctrl_begin(n, expect, 0, NULL, 0);
	ret = lis_channel_send(n->primary, LIS_VMBUS_PKT_DATA_INBAND,
			       LIS_VMBUS_PKT_FLAG_COMPLETION_REQUESTED, id, msg, sizeof(*msg));
	if (!ret)
		ret = ctrl_wait(n, false);
	if (!ret && resp)
		memcpy(resp, &n->ctrl.nvsp_resp, sizeof(*resp));
	ctrl_end(n);
	lis_mutex_unlock(&n->ctrl_mutex);
	if (ret == -ETIMEDOUT)
		lis_err("hv_netvsc: the host did not answer NVSP message %u\n", type);
	return ret;
}

/* ---- RNDIS control messages ---- */

/*
 * Send the `len`-byte RNDIS message in ctrl_page (its request id is filled
 * in here) and wait for the NVSP completion of the send and, unless
 * reply_type is 0 (HALT), for the RNDIS reply of that type.  Caller holds
 * ctrl_mutex; the reply is in n->ctrl until the next ctrl_begin().
 */
static int rndis_request(struct lis_net *n, u32 len, u32 reply_type, void *info, u32 cap)
{
	union lis_nvsp_msg msg;
	struct lis_gpa_range r;
	u64 gpa = lis_page_gpa(n->ctrl_page), pfn, id;
	u32 type = net_get_le32(n->ctrl_page);
	int ret;

	/* HALT has no reply: its request id is a fresh one all the same */
	if (!reply_type && !++n->rndis_seq)
		n->rndis_seq = 1;
	id = ctrl_begin(n, LIS_NVSP_MSG_SEND_RNDIS_PKT_COMPLETE, reply_type, info, cap);
	net_put_le32((u8 *)n->ctrl_page + 8, n->rndis_seq);
	memset(&msg, 0, sizeof(msg));
	msg.rndis_pkt.type = cpu_to_le32(LIS_NVSP_MSG_SEND_RNDIS_PKT);
	msg.rndis_pkt.channel_type = cpu_to_le32(LIS_NVSP_CHANNEL_CONTROL);
	msg.rndis_pkt.section_index = cpu_to_le32(LIS_NVSP_NO_SECTION);
	msg.rndis_pkt.section_size = 0;
	pfn = gpa >> LIS_HV_PAGE_SHIFT;
	r.byte_offset = (u32)(gpa & LIS_HV_PAGE_MASK);
	r.byte_count = len;
	r.pfn_count = 1;
	r.pfns = &pfn;
	ret = lis_channel_send_gpa(n->primary, LIS_VMBUS_PKT_FLAG_COMPLETION_REQUESTED, id,
				   &r, 1, &msg, sizeof(msg));
	if (!ret)
		ret = ctrl_wait(n, reply_type != 0);
	if (ret == -ETIMEDOUT)
		lis_err("hv_netvsc: the host did not answer RNDIS message %#x\n", type);
	return ret;
}

static int rndis_status_errno(u32 status)
{
	switch (status) {
	case LIS_RNDIS_STATUS_SUCCESS:
		return 0;
	case LIS_RNDIS_STATUS_NOT_SUPPORTED:
		return -EOPNOTSUPP;
	case LIS_RNDIS_STATUS_INVALID_DATA:
		return -EPROTO;
	default:
		return -EIO;
	}
}

/* QUERY and SET share a layout: header, then the information buffer */
static u32 build_query(struct lis_net *n, u32 type, u32 oid, const void *in, u32 in_len)
{
	struct lis_rndis_query q;

	memset(n->ctrl_page, 0, LIS_HV_PAGE_SIZE);
	memset(&q, 0, sizeof(q));
	q.hdr.type = cpu_to_le32(type);
	q.hdr.len = cpu_to_le32(sizeof(q) + in_len);
	q.oid = cpu_to_le32(oid);
	q.info_len = cpu_to_le32(in_len);
	q.info_offset = cpu_to_le32(LIS_RNDIS_QUERY_INFO_OFFSET);
	memcpy(n->ctrl_page, &q, sizeof(q));
	if (in_len)
		memcpy((u8 *)n->ctrl_page + sizeof(q), in, in_len);
	return sizeof(q) + in_len;
}

int net_rndis_query(struct lis_net *n, u32 oid, const void *in, u32 in_len,
		    void *out, u32 out_cap, u32 *out_len)
{
	u32 len;
	int ret;

	if (in_len > LIS_HV_PAGE_SIZE - sizeof(struct lis_rndis_query))
		return -EINVAL;
	lis_mutex_lock(&n->ctrl_mutex);
	len = build_query(n, LIS_RNDIS_MSG_QUERY, oid, in, in_len);
	ret = rndis_request(n, len, LIS_RNDIS_MSG_QUERY_C, out, out_cap);
	if (!ret)
		ret = rndis_status_errno(n->ctrl.rndis_status);
	if (!ret && out_len)
		*out_len = n->ctrl.info_len;
	ctrl_end(n);
	lis_mutex_unlock(&n->ctrl_mutex);
	return ret;
}

int net_rndis_set(struct lis_net *n, u32 oid, const void *val, u32 len)
{
	u32 mlen;
	int ret;

	if (len > LIS_HV_PAGE_SIZE - sizeof(struct lis_rndis_query))
		return -EINVAL;
	lis_mutex_lock(&n->ctrl_mutex);
	mlen = build_query(n, LIS_RNDIS_MSG_SET, oid, val, len);
	ret = rndis_request(n, mlen, LIS_RNDIS_MSG_SET_C, NULL, 0);
	if (!ret)
		ret = rndis_status_errno(n->ctrl.rndis_status);
	ctrl_end(n);
	lis_mutex_unlock(&n->ctrl_mutex);
	return ret;
}

int net_rndis_init(struct lis_net *n)
{
	struct lis_rndis_init m;
	struct lis_rndis_init_c c;
	u32 align;
	int ret;

	lis_mutex_lock(&n->ctrl_mutex);
	memset(&m, 0, sizeof(m));
	m.hdr.type = cpu_to_le32(LIS_RNDIS_MSG_INIT);
	m.hdr.len = cpu_to_le32(sizeof(m));
	m.major = cpu_to_le32(LIS_RNDIS_MAJOR_VERSION);
	m.minor = cpu_to_le32(LIS_RNDIS_MINOR_VERSION);
	m.max_xfer_size = cpu_to_le32(LIS_RNDIS_MAX_TRANSFER);
	memset(n->ctrl_page, 0, LIS_HV_PAGE_SIZE);
	memcpy(n->ctrl_page, &m, sizeof(m));
	ret = rndis_request(n, sizeof(m), LIS_RNDIS_MSG_INIT_C, NULL, 0);
	if (!ret)
		ret = rndis_status_errno(n->ctrl.rndis_status);
	memcpy(&c, &n->ctrl.init_c, sizeof(c));
	ctrl_end(n);
	lis_mutex_unlock(&n->ctrl_mutex);
	if (ret) {
		lis_err("hv_netvsc: RNDIS INITIALIZE failed (%d)\n", ret);
		return ret;
	}
	n->max_pkts = le32_to_cpu(c.max_pkts_per_msg);
	align = le32_to_cpu(c.pkt_align_factor);
	if (align > NET_MAX_PKT_ALIGN_SHIFT) {
		lis_err_host("hv_netvsc: the host's RNDIS packet alignment 2^%u is implausible\n",
			     align);
		return -EPROTO;
	}
	n->pkt_align = 1u << align;
	return 0;
}

void net_rndis_halt(struct lis_net *n)
{
	struct lis_rndis_halt h;
	int ret;

	lis_mutex_lock(&n->ctrl_mutex);
	memset(&h, 0, sizeof(h));
	h.hdr.type = cpu_to_le32(LIS_RNDIS_MSG_HALT);
	h.hdr.len = cpu_to_le32(sizeof(h));
	memset(n->ctrl_page, 0, LIS_HV_PAGE_SIZE);
	memcpy(n->ctrl_page, &h, sizeof(h));
	ret = rndis_request(n, sizeof(h), 0, NULL, 0);
	ctrl_end(n);
	lis_mutex_unlock(&n->ctrl_mutex);
	if (ret && ret != -ENODEV)
		lis_warn("hv_netvsc: RNDIS HALT was not completed (%d)\n", ret);
}
