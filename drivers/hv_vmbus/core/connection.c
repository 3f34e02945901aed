// SPDX-License-Identifier: GPL-2.0
/*
 * VMBus connection: posting channel messages, matching the host's answers
 * with waiting requests, version negotiation, offers, UNLOAD, and the
 * process-context handling of every message the host sends.
 */
#include "internal.h"

/* newest first; WIN8 (2.4) is the oldest host we speak to */
static const u32 lis_versions[] = {
	LIS_VMBUS_VERSION_WIN10_V5_3,
	LIS_VMBUS_VERSION_WIN10_V5_2,
	LIS_VMBUS_VERSION_WIN10_V5_1,
	LIS_VMBUS_VERSION_WIN10_V5,
	LIS_VMBUS_VERSION_WIN10_V4_1,
	LIS_VMBUS_VERSION_WIN10,
	LIS_VMBUS_VERSION_WIN8_1,
	LIS_VMBUS_VERSION_WIN8,
};

static u32 msg_vp(const struct lis_vmbus *vmbus)
{
	return vmbus->cpus[vmbus->cfg.msg_cpu].vp;
}

/*
 * HvCallPostMessage with the retry rule of the fact sheet (§1.5): the host
 * may be short of buffers for a moment; back off and try again.
 */
static int post_on(struct lis_vmbus *vmbus, u32 conn_id, const void *msg, u32 len)
{
	struct lis_hv_post_message_input *in = vmbus->post_page;
	u32 type = lis_get_le32(msg);
	unsigned int delay_us = 1, tries;
	unsigned long flags = 0;
	u64 status;

	if (len < sizeof(struct lis_vmbus_msg_header) || len > LIS_HV_MESSAGE_PAYLOAD_SIZE)
		return -EMSGSIZE;
	for (tries = 0; tries < 100; tries++) {
		lis_spin_lock(&vmbus->post_lock, flags);
		memset(in, 0, sizeof(*in));
		in->connection_id = cpu_to_le32(conn_id);
		in->message_type = cpu_to_le32(LIS_HV_MESSAGE_TYPE_VMBUS);
		in->payload_size = cpu_to_le32(len);
		memcpy(in->payload, msg, len);
		status = vmbus->plat->hypercall(vmbus->plat->ctx, msg_vp(vmbus),
						LIS_HV_CALL_POST_MESSAGE, in,
						lis_page_gpa(in), NULL, 0);
		lis_spin_unlock(&vmbus->post_lock, flags);

		switch (status & LIS_HV_STATUS_MASK) {
		case LIS_HV_STATUS_SUCCESS:
			return 0;
		case LIS_HV_STATUS_INVALID_CONNECTION_ID:
			/* for INITIATE_CONTACT: this host lacks the id */
			if (type == LIS_VMBUS_MSG_INITIATE_CONTACT)
				return -ENOTCONN;
			break;
		case LIS_HV_STATUS_INSUFFICIENT_MEMORY:
		case LIS_HV_STATUS_INSUFFICIENT_BUFFERS:
			break;
		default:
			lis_err("hv_vmbus: posting message %u failed with hypervisor status %llu\n",
				type, (unsigned long long)(status & LIS_HV_STATUS_MASK));
			return -EIO;
		}
		lis_udelay(delay_us);
		if (delay_us < 1000)
			delay_us *= 2;
	}
	lis_err("hv_vmbus: the host kept refusing message %u\n", type);
	return -EAGAIN;
}

int lis_post_message(struct lis_vmbus *vmbus, const void *msg, u32 len)
{
	return post_on(vmbus, vmbus->msg_conn_id, msg, len);
}

void lis_request_init(struct lis_request *req, u32 resp_type, u32 key, u32 relid)
{
	memset(req, 0, sizeof(*req));
	req->resp_type = resp_type;
	req->key = key;
	req->relid = relid;
	lis_completion_init(&req->done);
}

void lis_request_add(struct lis_vmbus *vmbus, struct lis_request *req)
{
	unsigned long flags = 0;

	lis_spin_lock(&vmbus->req_lock, flags);
	req->next = vmbus->requests;
	vmbus->requests = req;
	lis_spin_unlock(&vmbus->req_lock, flags);
}

void lis_request_remove(struct lis_vmbus *vmbus, struct lis_request *req)
{
	struct lis_request **pp;
	unsigned long flags = 0;

	lis_spin_lock(&vmbus->req_lock, flags);
	for (pp = &vmbus->requests; *pp; pp = &(*pp)->next) {
		if (*pp == req) {
			*pp = req->next;
			break;
		}
	}
	lis_spin_unlock(&vmbus->req_lock, flags);
}

int lis_request_wait(struct lis_vmbus *vmbus, struct lis_request *req)
{
	int ret = lis_wait(&req->done, vmbus->timeout_ms);

	lis_request_remove(vmbus, req);
	if (ret) {
		lis_err("hv_vmbus: no answer (message %u) from the host in %u ms\n",
			req->resp_type, vmbus->timeout_ms);
		return ret;
	}
	return req->error;
}

void lis_request_fail_relid(struct lis_vmbus *vmbus, u32 relid, int error)
{
	struct lis_request *req;
	unsigned long flags = 0;

	lis_spin_lock(&vmbus->req_lock, flags);
	for (req = vmbus->requests; req; req = req->next) {
		if (relid && req->relid == relid) {
			req->error = error;
			lis_complete(&req->done);
		}
	}
	lis_spin_unlock(&vmbus->req_lock, flags);
}

/* the key a response is matched on: the relid or the GPADL handle */
static bool response_key(u32 type, const u8 *msg, u32 len, u32 *key)
{
	u32 need, off;

	switch (type) {
	case LIS_VMBUS_MSG_VERSION_RESPONSE:
		*key = 0;
		return len >= sizeof(struct lis_vmbus_msg_version_response);
	case LIS_VMBUS_MSG_UNLOAD_RESPONSE:
		*key = 0;
		return true;
	case LIS_VMBUS_MSG_OPENCHANNEL_RESULT:
		need = sizeof(struct lis_vmbus_msg_open_result);
		off = 8;	/* child_relid */
		break;
	case LIS_VMBUS_MSG_GPADL_CREATED:
		need = sizeof(struct lis_vmbus_msg_gpadl_created);
		off = 12;	/* gpadl */
		break;
	case LIS_VMBUS_MSG_GPADL_TORNDOWN:
		need = sizeof(struct lis_vmbus_msg_gpadl_torndown);
		off = 8;	/* gpadl */
		break;
	case LIS_VMBUS_MSG_MODIFYCHANNEL_RESPONSE:
		need = sizeof(struct lis_vmbus_msg_modify_channel_response);
		off = 8;	/* child_relid */
		break;
	default:
		return false;
	}
	if (len < need)
		return false;
	*key = lis_get_le32(msg + off);
	return true;
}

static void protocol_error(struct lis_vmbus *vmbus, const char *what, u32 a, u32 b)
{
	vmbus->protocol_errors++;
	lis_err_host("hv_vmbus: ignored a malformed message from the host: %s (%u, %u)\n",
		     what, a, b);
}

static void answer_request(struct lis_vmbus *vmbus, u32 type, const u8 *msg, u32 len)
{
	struct lis_request *req;
	unsigned long flags = 0;
	bool found = false;
	u32 key;

	if (!response_key(type, msg, len, &key)) {
		protocol_error(vmbus, "short response", type, len);
		return;
	}
	lis_spin_lock(&vmbus->req_lock, flags);
	for (req = vmbus->requests; req; req = req->next) {
		if (req->resp_type != type || req->key != key)
			continue;
		memcpy(req->resp, msg, len);
		req->resp_len = len;
		lis_complete(&req->done);
		found = true;
		break;
	}
	lis_spin_unlock(&vmbus->req_lock, flags);
	if (!found)
		protocol_error(vmbus, "answer nobody asked for", type, key);
}

static void queue_offer_msg(struct lis_vmbus *vmbus, struct lis_msg *m)
{
	unsigned long flags = 0;

	m->next = NULL;
	lis_spin_lock(&vmbus->msgq_lock, flags);
	if (vmbus->offq_tail)
		vmbus->offq_tail->next = m;
	else
		vmbus->offq_head = m;
	vmbus->offq_tail = m;
	lis_spin_unlock(&vmbus->msgq_lock, flags);
	vmbus->cfg.env->defer_offers(vmbus->cfg.env_ctx);
}

static struct lis_msg *pop(struct lis_vmbus *vmbus, struct lis_msg **head,
			   struct lis_msg **tail)
{
	unsigned long flags = 0;
	struct lis_msg *m;

	lis_spin_lock(&vmbus->msgq_lock, flags);
	m = *head;
	if (m) {
		*head = m->next;
		if (!*head)
			*tail = NULL;
	}
	lis_spin_unlock(&vmbus->msgq_lock, flags);
	return m;
}

/* one message from the host, in process context; returns true when the
 * message was handed on (to the offer queue) and must not be freed */
static bool handle_message(struct lis_vmbus *vmbus, struct lis_msg *m)
{
	struct lis_vmbus_msg_rescind rescind;
	u32 type;

	if (m->len < sizeof(struct lis_vmbus_msg_header)) {
		protocol_error(vmbus, "message shorter than its header", m->len, 0);
		return false;
	}
	type = lis_get_le32(m->data);
	switch (type) {
	case LIS_VMBUS_MSG_OFFERCHANNEL:
		if (m->len < sizeof(struct lis_vmbus_msg_offer)) {
			protocol_error(vmbus, "truncated offer", m->len, 0);
			return false;
		}
		queue_offer_msg(vmbus, m);
		return true;
	case LIS_VMBUS_MSG_RESCIND_CHANNELOFFER:
		if (m->len < sizeof(rescind)) {
			protocol_error(vmbus, "truncated rescind", m->len, 0);
			return false;
		}
		memcpy(&rescind, m->data, sizeof(rescind));
		/* waiters on this channel stop waiting now; the rest of the
		 * rescind runs in order with the offers */
		lis_channel_mark_rescinded(vmbus, le32_to_cpu(rescind.child_relid));
		queue_offer_msg(vmbus, m);
		return true;
	case LIS_VMBUS_MSG_ALLOFFERS_DELIVERED:
		queue_offer_msg(vmbus, m);
		return true;
	case LIS_VMBUS_MSG_VERSION_RESPONSE:
	case LIS_VMBUS_MSG_UNLOAD_RESPONSE:
	case LIS_VMBUS_MSG_OPENCHANNEL_RESULT:
	case LIS_VMBUS_MSG_GPADL_CREATED:
	case LIS_VMBUS_MSG_GPADL_TORNDOWN:
	case LIS_VMBUS_MSG_MODIFYCHANNEL_RESPONSE:
		answer_request(vmbus, type, m->data, m->len);
		return false;
	case LIS_VMBUS_MSG_TL_CONNECT_RESULT:
		lis_vmbus_tl_result(vmbus, m->data, m->len);
		return false;
	default:
		protocol_error(vmbus, "unknown message type", type, m->len);
		return false;
	}
}

void lis_vmbus_run_messages(struct lis_vmbus *vmbus)
{
	struct lis_msg *m;

	while ((m = pop(vmbus, &vmbus->msgq_head, &vmbus->msgq_tail))) {
		if (!handle_message(vmbus, m))
			lis_free(m);
	}
}

void lis_vmbus_run_offers(struct lis_vmbus *vmbus)
{
	struct lis_vmbus_msg_rescind rescind;
	struct lis_msg *m;
	u32 type;

	lis_mutex_lock(&vmbus->offers_mutex);
	LIS_WRITE_ONCE(vmbus->offers_task, lis_current_task());
	while ((m = pop(vmbus, &vmbus->offq_head, &vmbus->offq_tail))) {
		type = lis_get_le32(m->data);
		switch (type) {
		case LIS_VMBUS_MSG_OFFERCHANNEL:
			lis_channel_offer(vmbus, (const struct lis_vmbus_msg_offer *)m->data);
			break;
		case LIS_VMBUS_MSG_RESCIND_CHANNELOFFER:
			memcpy(&rescind, m->data, sizeof(rescind));
			lis_channel_rescind(vmbus, le32_to_cpu(rescind.child_relid));
			break;
		case LIS_VMBUS_MSG_ALLOFFERS_DELIVERED:
			lis_complete(&vmbus->all_offers);
			break;
		}
		lis_free(m);
	}
	LIS_WRITE_ONCE(vmbus->offers_task, NULL);
	lis_mutex_unlock(&vmbus->offers_mutex);
}

static int negotiate(struct lis_vmbus *vmbus, u32 version)
{
	struct lis_vmbus_msg_initiate_contact msg;
	struct lis_vmbus_msg_version_response resp;
	struct lis_request req;
	u32 conn;
	int ret;

	memset(&msg, 0, sizeof(msg));
	msg.header.msgtype = cpu_to_le32(LIS_VMBUS_MSG_INITIATE_CONTACT);
	msg.version_requested = cpu_to_le32(version);
	msg.target_vcpu = cpu_to_le32(msg_vp(vmbus));
	if (version >= LIS_VMBUS_VERSION_WIN10_V5) {
		msg.u.v5.msg_sint = LIS_VMBUS_SINT;
		msg.u.v5.msg_vtl = 0;
		conn = LIS_VMBUS_MESSAGE_CONNECTION_ID_4;
	} else {
		msg.u.interrupt_page = cpu_to_le64(lis_page_gpa(vmbus->int_page));
		conn = LIS_VMBUS_MESSAGE_CONNECTION_ID;
	}
	msg.monitor_page1 = cpu_to_le64(lis_page_gpa(vmbus->monitor_pages));
	msg.monitor_page2 = cpu_to_le64(lis_page_gpa((u8 *)vmbus->monitor_pages +
						     LIS_HV_PAGE_SIZE));

	lis_request_init(&req, LIS_VMBUS_MSG_VERSION_RESPONSE, 0, 0);
	lis_request_add(vmbus, &req);
	ret = post_on(vmbus, conn, &msg, sizeof(msg));
	if (ret) {
		lis_request_remove(vmbus, &req);
		return ret;
	}
	ret = lis_request_wait(vmbus, &req);
	if (ret)
		return ret;
	memcpy(&resp, req.resp, sizeof(resp));
	if (!resp.version_supported) {
		if (resp.connection_state)
			lis_warn("hv_vmbus: host failed version %u.%u (connection state %u)\n",
				 version >> 16, version & 0xffff, resp.connection_state);
		return -EPROTONOSUPPORT;
	}
	if (version >= LIS_VMBUS_VERSION_WIN10_V5) {
		vmbus->msg_conn_id = le32_to_cpu(resp.msg_conn_id);
		if (!vmbus->msg_conn_id || vmbus->msg_conn_id > 0xFFFFFF) {
			protocol_error(vmbus, "bad message connection id", vmbus->msg_conn_id, 0);
			return -EPROTO;
		}
	} else {
		vmbus->msg_conn_id = LIS_VMBUS_MESSAGE_CONNECTION_ID;
	}
	vmbus->version = version;
	return 0;
}

int lis_vmbus_connect(struct lis_vmbus *vmbus)
{
	struct lis_vmbus_msg_header req;
	unsigned int i;
	int ret = -EPROTONOSUPPORT;

	if (!vmbus->cpus[vmbus->cfg.msg_cpu].up) {
		lis_err("hv_vmbus: the message CPU %u has no SynIC set up\n", vmbus->cfg.msg_cpu);
		return -EINVAL;
	}
	for (i = 0; i < ARRAY_SIZE(lis_versions); i++) {
		if (vmbus->cfg.max_version && lis_versions[i] > vmbus->cfg.max_version)
			continue;
		ret = negotiate(vmbus, lis_versions[i]);
		if (!ret)
			break;
		if (ret != -EPROTONOSUPPORT && ret != -ENOTCONN)
			return ret;
	}
	if (ret) {
		lis_err("hv_vmbus: the host accepts none of the VMBus versions 5.3 down to 2.4 (Windows Server 2012)\n");
		return -EPROTONOSUPPORT;
	}
	lis_info("hv_vmbus: VMBus version %u.%u negotiated\n",
		 vmbus->version >> 16, vmbus->version & 0xffff);
	vmbus->connected = true;

	memset(&req, 0, sizeof(req));
	req.msgtype = cpu_to_le32(LIS_VMBUS_MSG_REQUESTOFFERS);
	ret = lis_post_message(vmbus, &req, sizeof(req));
	if (ret)
		return ret;
	if (lis_wait(&vmbus->all_offers, vmbus->timeout_ms))
		lis_warn("hv_vmbus: the host did not say all offers were delivered; going on\n");
	return 0;
}

static void build_unload(struct lis_vmbus_msg_header *m)
{
	memset(m, 0, sizeof(*m));
	m->msgtype = cpu_to_le32(LIS_VMBUS_MSG_UNLOAD);
}

void lis_vmbus_disconnect(struct lis_vmbus *vmbus)
{
	struct lis_vmbus_msg_header msg;
	struct lis_request req;

	if (!vmbus->connected)
		return;
	vmbus->unloading = true;
	/* WIN8 hosts have no UNLOAD_RESPONSE worth waiting for (Linux too
	 * only unloads from WIN8_1 on) */
	if (vmbus->version >= LIS_VMBUS_VERSION_WIN8_1) {
		build_unload(&msg);
		lis_request_init(&req, LIS_VMBUS_MSG_UNLOAD_RESPONSE, 0, 0);
		lis_request_add(vmbus, &req);
		if (lis_post_message(vmbus, &msg, sizeof(msg)))
			lis_request_remove(vmbus, &req);
		else if (lis_request_wait(vmbus, &req))
			lis_warn("hv_vmbus: no UNLOAD_RESPONSE; the host may keep state\n");
		else
			vmbus->unloaded = true;
	}
	vmbus->connected = false;
}

/*
 * Crash and kexec: no locks, no allocation, no scheduling.  Post UNLOAD
 * from a page of its own, then poll every CPU's message slot until the
 * response shows up, releasing whatever else is there so it can arrive.
 */
void lis_vmbus_unload_polled(struct lis_vmbus *vmbus)
{
	struct lis_hv_post_message_input *in = vmbus->crash_page;
	struct lis_vmbus_msg_header msg;
	unsigned int cpu, ms;
	u64 status;

	if (!vmbus->connected || vmbus->version < LIS_VMBUS_VERSION_WIN8_1)
		return;
	build_unload(&msg);
	memset(in, 0, sizeof(*in));
	in->connection_id = cpu_to_le32(vmbus->msg_conn_id);
	in->message_type = cpu_to_le32(LIS_HV_MESSAGE_TYPE_VMBUS);
	in->payload_size = cpu_to_le32(sizeof(msg));
	memcpy(in->payload, &msg, sizeof(msg));
	status = vmbus->plat->hypercall(vmbus->plat->ctx, msg_vp(vmbus),
					LIS_HV_CALL_POST_MESSAGE, in, lis_page_gpa(in),
					NULL, 0);
	if ((status & LIS_HV_STATUS_MASK) != LIS_HV_STATUS_SUCCESS)
		return;
	for (ms = 0; ms < vmbus->timeout_ms; ms++) {
		for (cpu = 0; cpu < vmbus->cfg.nr_cpus; cpu++) {
			struct lis_cpu *c = &vmbus->cpus[cpu];
			struct lis_hv_message *slot;
			u32 type, vtype;

			if (!c->up)
				continue;
			slot = &c->msg_page[LIS_VMBUS_SINT];
			type = le32_to_cpu(LIS_READ_ONCE(slot->message_type));
			if (type == LIS_HV_MESSAGE_TYPE_NONE)
				continue;
			vtype = lis_get_le32(slot->payload);
			LIS_WRITE_ONCE(slot->message_type, 0);
			lis_mb();
			if (LIS_READ_ONCE(slot->message_flags) & LIS_HV_MESSAGE_FLAG_PENDING)
				vmbus->plat->write_msr(vmbus->plat->ctx, c->vp, LIS_HV_MSR_EOM, 0);
			if (type == LIS_HV_MESSAGE_TYPE_VMBUS &&
			    vtype == LIS_VMBUS_MSG_UNLOAD_RESPONSE) {
				vmbus->connected = false;
				vmbus->unloaded = true;
				return;
			}
		}
		lis_udelay(1000);
		lis_touch_watchdog();
	}
}

unsigned int lis_vmbus_msg_cpu(const struct lis_vmbus *vmbus)
{
	return vmbus->cfg.msg_cpu;
}

u32 lis_vmbus_version(const struct lis_vmbus *vmbus)
{
	return vmbus->connected ? vmbus->version : 0;
}

u64 lis_vmbus_protocol_errors(const struct lis_vmbus *vmbus)
{
	return vmbus->protocol_errors;
}

const struct lis_platform *lis_vmbus_platform(const struct lis_vmbus *vmbus)
{
	return vmbus->plat;
}
