// SPDX-License-Identifier: GPL-2.0
/*
 * The vPCI channel: requests matched with the host's completions by our own
 * transaction ids (slot and generation; never 0, never a pointer), the
 * receive path, version negotiation, D0 entry and exit, and the bus's life.
 */
#include "internal.h"

static const u32 vpci_versions[] = {
	LIS_VPCI_VERSION_1_4, LIS_VPCI_VERSION_1_3, LIS_VPCI_VERSION_1_2, LIS_VPCI_VERSION_1_1,
};

u32 lis_vpci_version(const struct lis_vpci *v)
{
	return v->version;
}

u64 lis_vpci_protocol_errors(const struct lis_vpci *v)
{
	return LIS_READ_ONCE(v->protocol_errors);
}

void vpci_host_error(struct lis_vpci *v)
{
	LIS_WRITE_ONCE(v->protocol_errors, v->protocol_errors + 1);
}

/* ---- requests ---- */

static struct vpci_req *req_alloc(struct lis_vpci *v)
{
	unsigned long flags = 0;
	struct vpci_req *r = NULL;
	unsigned int i;

	lis_spin_lock(&v->req_lock, flags);
	for (i = 0; i < VPCI_REQ_SLOTS; i++) {
		if (!v->req[i].id) {
			r = &v->req[i];
			v->req_gen++;
			r->id = ((u64)v->req_gen << 8) | (i + 1);
			r->done = false;
			r->resp_len = 0;
			lis_completion_reinit(&r->completion);
			break;
		}
	}
	lis_spin_unlock(&v->req_lock, flags);
	return r;
}

static void req_free(struct lis_vpci *v, struct vpci_req *r)
{
	unsigned long flags = 0;

	lis_spin_lock(&v->req_lock, flags);
	r->id = 0;
	lis_spin_unlock(&v->req_lock, flags);
}

static bool req_done(struct lis_vpci *v, struct vpci_req *r)
{
	unsigned long flags = 0;
	bool done;

	lis_spin_lock(&v->req_lock, flags);
	done = r->done;
	lis_spin_unlock(&v->req_lock, flags);
	return done;
}

/* a completion from the host: its id must name a waiting request */
static void complete_request(struct lis_vpci *v, u64 id, const u8 *data, u32 len)
{
	unsigned int i = (unsigned int)(id & 0xFF);
	unsigned long flags = 0;
	struct vpci_req *r;

	if (!i || i > VPCI_REQ_SLOTS) {
		vpci_host_error(v);
		lis_err_host("pci-hyperv: a completion for transaction %#llx, which we never sent\n",
			     (unsigned long long)id);
		return;
	}
	r = &v->req[i - 1];
	lis_spin_lock(&v->req_lock, flags);
	if (r->id != id || r->done) {
		lis_spin_unlock(&v->req_lock, flags);
		vpci_host_error(v);
		lis_err_host("pci-hyperv: a completion for transaction %#llx, which nobody waits for\n",
			     (unsigned long long)id);
		return;
	}
	r->resp_len = min_t(u32, len, VPCI_RESP_BYTES);
	memcpy(r->resp, data, r->resp_len);
	r->done = true;
	lis_complete(&r->completion);
	lis_spin_unlock(&v->req_lock, flags);
}

static int send_packet(struct lis_vpci *v, const void *msg, u32 len, u16 flags, u64 id,
		       bool may_sleep)
{
	u32 waited = 0;
	int ret;

	for (;;) {
		ret = lis_channel_send(v->ch, LIS_VMBUS_PKT_DATA_INBAND, flags, id, msg, len);
		if (ret != -EAGAIN)
			return ret;
		/* the ring is full: the host is draining it */
		if (waited >= v->timeout_ms * 1000u)
			return -ETIMEDOUT;
		if (may_sleep) {
			lis_msleep(1);
			waited += 1000;
		} else {
			lis_vpci_poll(v);
			lis_udelay(VPCI_POLL_US);
			waited += VPCI_POLL_US;
		}
	}
}

/* a message the host does not answer */
int vpci_send(struct lis_vpci *v, const void *msg, u32 len)
{
	return send_packet(v, msg, len, 0, 0, false);
}

/*
 * Send `msg` with completion requested and wait for the answer, copied to
 * `resp` (up to resp_size bytes, the rest zeroed); *resp_len says how long
 * it was.  Every answer starts with a status: 0, or -ETIMEDOUT, -ENODEV
 * (rescinded), -EPROTO (no status), -EBUSY (all slots in use).
 */
int vpci_request(struct lis_vpci *v, const void *msg, u32 len, void *resp, u32 resp_size,
		 u32 *resp_len, bool may_sleep)
{
	struct vpci_req *r = req_alloc(v);
	u32 waited = 0;
	int ret;

	if (!r)
		return -EBUSY;
	ret = send_packet(v, msg, len, LIS_VMBUS_PKT_FLAG_COMPLETION_REQUESTED, r->id, may_sleep);
	if (ret)
		goto out;
	for (;;) {
		if (may_sleep) {
			if (!lis_wait(&r->completion, 100) || req_done(v, r))
				break;
			waited += 100 * 1000;
		} else {
			lis_vpci_poll(v);
			if (req_done(v, r))
				break;
			lis_udelay(VPCI_POLL_US);
			waited += VPCI_POLL_US;
		}
		if (lis_channel_rescinded(v->ch)) {
			ret = -ENODEV;
			goto out;
		}
		if (waited >= v->timeout_ms * 1000u) {
			lis_err("pci-hyperv: the host did not answer message %#x in %u ms\n",
				vpci_le32(msg), v->timeout_ms);
			ret = -ETIMEDOUT;
			goto out;
		}
	}
	if (r->resp_len < sizeof(__le32)) {
		vpci_host_error(v);
		lis_err_host("pci-hyperv: the answer to message %#x has no status (%u bytes)\n",
			     vpci_le32(msg), r->resp_len);
		ret = -EPROTO;
		goto out;
	}
	memset(resp, 0, resp_size);
	memcpy(resp, r->resp, min_t(u32, r->resp_len, resp_size));
	if (resp_len)
		*resp_len = r->resp_len;
out:
	req_free(v, r);
	return ret;
}

int vpci_short_answer(struct lis_vpci *v, u32 type, u32 len, u32 need)
{
	vpci_host_error(v);
	lis_err_host("pci-hyperv: a %u-byte answer to message %#x, which needs %u\n",
		     len, type, need);
	return -EPROTO;
}

/* ---- receiving ---- */

static void handle_inband(struct lis_vpci *v, const u8 *data, u32 len)
{
	u32 type;

	if (len < 4) {
		vpci_host_error(v);
		lis_err_host("pci-hyperv: a %u-byte message from the host\n", len);
		return;
	}
	type = vpci_le32(data);
	switch (type) {
	case LIS_VPCI_MSG_BUS_RELATIONS:
		vpci_record_relations(v, data, len, false);
		break;
	case LIS_VPCI_MSG_BUS_RELATIONS2:
		vpci_record_relations(v, data, len, true);
		break;
	case LIS_VPCI_MSG_EJECT:
		vpci_record_eject(v, data, len);
		break;
	case LIS_VPCI_MSG_INVALIDATE_BLOCK:
		/* configuration blocks are a device driver's business (mlx5's
		 * block interface), which this bus does not offer */
		break;
	default:
		vpci_host_error(v);
		lis_err_host("pci-hyperv: ignored message %#x from the host\n", type);
		break;
	}
}

void lis_vpci_poll(struct lis_vpci *v)
{
	struct lis_packet pkt;
	unsigned long flags = 0;
	int ret;

	lis_spin_lock(&v->rx_lock, flags);
	for (;;) {
		ret = lis_channel_recv(v->ch, v->rx_buf, VPCI_RX_BYTES, &pkt);
		if (ret)
			break;
		if (pkt.type == LIS_VMBUS_PKT_COMP)
			complete_request(v, pkt.trans_id, pkt.data, pkt.len);
		else if (pkt.type == LIS_VMBUS_PKT_DATA_INBAND)
			handle_inband(v, pkt.data, pkt.len);
		else {
			vpci_host_error(v);
			lis_err_host("pci-hyperv: ignored a packet of type %u\n", pkt.type);
		}
	}
	lis_spin_unlock(&v->rx_lock, flags);
	if (ret == -ENOBUFS) {
		/* cannot happen: the buffer is as large as the ring */
		lis_err("pci-hyperv: a packet larger than the ring\n");
	}
}

static void vpci_on_event(struct lis_channel *ch, void *ctx)
{
	lis_vpci_poll(ctx);
}

/* ---- life of the bus ---- */

static int negotiate(struct lis_vpci *v)
{
	struct lis_vpci_version_request msg;
	struct lis_vpci_status_reply st;
	unsigned int i;
	u32 status;
	int ret;

	for (i = 0; i < ARRAY_SIZE(vpci_versions); i++) {
		if (v->cfg.max_version && vpci_versions[i] > v->cfg.max_version)
			continue;
		memset(&msg, 0, sizeof(msg));
		msg.type = cpu_to_le32(LIS_VPCI_MSG_QUERY_PROTOCOL_VERSION);
		msg.version = cpu_to_le32(vpci_versions[i]);
		ret = vpci_request(v, &msg, sizeof(msg), &st, sizeof(st), NULL, true);
		if (ret)
			return ret;
		status = le32_to_cpu(st.status);
		if (vpci_status_ok(status)) {
			v->version = vpci_versions[i];
			return 0;
		}
		if (status != LIS_VPCI_STATUS_REVISION_MISMATCH) {
			lis_err("pci-hyperv: the host refused version %u.%u (status %#x)\n",
				vpci_versions[i] >> 16, vpci_versions[i] & 0xFFFF, status);
			return -EPROTO;
		}
	}
	lis_err("pci-hyperv: the host speaks none of our vPCI versions (1.1 to 1.4)\n");
	return -EPROTONOSUPPORT;
}

static int enter_d0(struct lis_vpci *v)
{
	struct lis_vpci_d0_entry msg;
	struct lis_vpci_status_reply st;
	int ret;

	memset(&msg, 0, sizeof(msg));
	msg.type = cpu_to_le32(LIS_VPCI_MSG_BUS_D0_ENTRY);
	msg.mmio_base = cpu_to_le64(v->cfg.cfg_window_gpa);
	ret = vpci_request(v, &msg, sizeof(msg), &st, sizeof(st), NULL, true);
	if (!ret && !vpci_status_ok(le32_to_cpu(st.status))) {
		lis_err("pci-hyperv: the host refused to power the bus on (status %#x)\n",
			le32_to_cpu(st.status));
		ret = -EIO;
	}
	return ret;
}

/* wait for the host's first bus relations and apply them */
static int first_relations(struct lis_vpci *v)
{
	__le32 msg = cpu_to_le32(LIS_VPCI_MSG_QUERY_BUS_RELATIONS);
	u32 waited = 0;
	int ret;

	ret = vpci_send(v, &msg, sizeof(msg));
	if (ret)
		return ret;
	for (;;) {
		lis_wait(&v->rel_arrived, 100);
		lis_vpci_work(v);
		if (LIS_READ_ONCE(v->relations_applied))
			return 0;
		if (lis_channel_rescinded(v->ch))
			return -ENODEV;
		waited += 100;
		if (waited >= v->timeout_ms) {
			lis_err("pci-hyperv: the host sent no bus relations in %u ms\n",
				v->timeout_ms);
			return -ETIMEDOUT;
		}
	}
}

int lis_vpci_create(const struct lis_vpci_config *cfg, struct lis_vpci **out)
{
	struct lis_channel_open_args args = { 0 };
	struct lis_vpci *v;
	int ret;

	*out = NULL;
	if (!cfg->ch || !cfg->ops || !cfg->ops->cfg_read || !cfg->ops->cfg_write ||
	    !cfg->ops->kick || !cfg->ops->added || !cfg->ops->removed)
		return -EINVAL;
	v = lis_zalloc(sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->rx_buf = lis_zalloc(VPCI_RX_BYTES);
	if (!v->rx_buf) {
		lis_free(v);
		return -ENOMEM;
	}
	v->cfg = *cfg;
	v->ch = cfg->ch;
	v->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : VPCI_DEFAULT_TIMEOUT_MS;
	v->cfg_slot = ~0u;
	lis_spin_init(&v->rx_lock);
	lis_spin_init(&v->req_lock);
	lis_spin_init(&v->ev_lock);
	lis_spin_init(&v->cfg_lock);
	lis_mutex_init(&v->work_lock);
	lis_completion_init(&v->rel_arrived);
	for (ret = 0; ret < VPCI_REQ_SLOTS; ret++)
		lis_completion_init(&v->req[ret].completion);

	args.send_ring_bytes = VPCI_RING_BYTES;
	args.recv_ring_bytes = VPCI_RING_BYTES;
	args.on_event = vpci_on_event;
	args.ctx = v;
	ret = lis_channel_open(v->ch, &args);
	if (ret) {
		lis_err("pci-hyperv: cannot open the channel: %d\n", ret);
		goto free;
	}
	v->open = true;
	ret = negotiate(v);
	if (!ret)
		ret = first_relations(v);
	if (!ret)
		ret = enter_d0(v);
	if (ret) {
		lis_vpci_destroy(v, false);
		return ret;
	}
	*out = v;
	return 0;
free:
	lis_free(v->rx_buf);
	lis_free(v);
	return ret;
}

void lis_vpci_destroy(struct lis_vpci *v, bool notify)
{
	struct lis_vpci_child_msg msg;
	struct lis_vpci_status_reply st;
	struct lis_vpci_func *f;
	unsigned long flags = 0;

	lis_spin_lock(&v->ev_lock, flags);
	v->dying = true;
	lis_spin_unlock(&v->ev_lock, flags);

	lis_mutex_lock(&v->work_lock);
	if (v->open && !lis_channel_rescinded(v->ch)) {
		/* the host may reclaim what the functions used */
		for (f = v->funcs; f; f = f->next) {
			memset(&msg, 0, sizeof(msg));
			msg.type = cpu_to_le32(LIS_VPCI_MSG_RESOURCES_RELEASED);
			msg.wslot = cpu_to_le32(f->wslot);
			vpci_send(v, &msg, sizeof(msg));
		}
	}
	vpci_free_funcs(v, notify);
	lis_mutex_unlock(&v->work_lock);

	if (v->open && v->version && !lis_channel_rescinded(v->ch)) {
		__le32 exit_msg = cpu_to_le32(LIS_VPCI_MSG_BUS_D0_EXIT);

		vpci_request(v, &exit_msg, sizeof(exit_msg), &st, sizeof(st), NULL, true);
	}
	if (v->open)
		lis_channel_close(v->ch);
	lis_free(v->pending_rel);
	lis_free(v->rx_buf);
	lis_free(v);
}
