// SPDX-License-Identifier: GPL-2.0
/*
 * What drivers that read their rings on their own terms need: hv_sock reads
 * a connection's ring when its socket is read, and uio_hv_generic lets a
 * userspace driver read and write the rings itself.  Such a channel is
 * opened with LIS_CHANNEL_NOTIFY_ONLY; these functions give access to its
 * rings, the host's signalling and the connection's shared pages, and send
 * the transport-layer connect request that makes the host offer an hv_sock
 * channel.
 */
#include "internal.h"

u16 lis_channel_offer_flags(const struct lis_channel *ch)
{
	return le16_to_cpu(ch->offer.chn_flags);
}

void lis_channel_signal(struct lis_channel *ch)
{
	if (ch->state == LIS_CH_OPEN && !lis_channel_rescinded(ch))
		lis_vmbus_signal_host(ch);
}

void lis_channel_set_interrupt_mask(struct lis_channel *ch, bool masked)
{
	if (ch->state != LIS_CH_OPEN)
		return;
	LIS_WRITE_ONCE(ch->in.ctl->interrupt_mask, cpu_to_le32(masked ? 1 : 0));
	lis_mb();
}

int lis_channel_set_pending_send(struct lis_channel *ch, u32 bytes)
{
	if (ch->state != LIS_CH_OPEN)
		return -ENOTCONN;
	if (bytes >= ch->out.size)
		return -EINVAL;
	LIS_WRITE_ONCE(ch->out.ctl->pending_send_sz, cpu_to_le32(bytes));
	lis_mb();
	return 0;
}

int lis_channel_ring_memory(struct lis_channel *ch, void **va, u32 *bytes, u32 *send_bytes)
{
	if (ch->state != LIS_CH_OPEN || !ch->ring_pages)
		return -ENOTCONN;
	*va = ch->ring_pages;
	*bytes = ch->ring_npages * LIS_HV_PAGE_SIZE;
	*send_bytes = ch->out.size + LIS_HV_PAGE_SIZE;
	return 0;
}

void lis_vmbus_shared_pages(struct lis_vmbus *vmbus, void **int_page, void **monitor_page)
{
	*int_page = vmbus->int_page;
	/* the second monitor page is the one the guest writes */
	*monitor_page = (u8 *)vmbus->monitor_pages + LIS_HV_PAGE_SIZE;
}

int lis_vmbus_tl_connect(struct lis_vmbus *vmbus, const struct lis_guid *endpoint,
			 const struct lis_guid *service)
{
	struct lis_vmbus_msg_tl_connect_request_v2 msg;
	u32 len = sizeof(struct lis_vmbus_msg_tl_connect_request);

	if (vmbus->version < LIS_VMBUS_VERSION_WIN10)
		return -EOPNOTSUPP;
	memset(&msg, 0, sizeof(msg));
	msg.header.msgtype = cpu_to_le32(LIS_VMBUS_MSG_TL_CONNECT_REQUEST);
	msg.guest_endpoint_id = *endpoint;
	msg.host_service_id = *service;
	/* 5.2 hosts take a silo id too (ours: none) */
	if (vmbus->version >= LIS_VMBUS_VERSION_WIN10_V5_2)
		len = sizeof(msg);
	return lis_post_message(vmbus, &msg, len);
}

/* the host could not connect an hv_sock endpoint (sent only on failure) */
void lis_vmbus_tl_result(struct lis_vmbus *vmbus, const u8 *msg, u32 len)
{
	struct lis_vmbus_msg_tl_connect_result r;

	if (len < sizeof(r)) {
		vmbus->protocol_errors++;
		lis_err_host("hv_vmbus: a %u-byte hv_sock connect result\n", len);
		return;
	}
	memcpy(&r, msg, sizeof(r));
	lis_info("hv_vmbus: the host refused an hv_sock connection to service %02x%02x%02x%02x-... (status %#x)\n",
		 r.service_id.b[3], r.service_id.b[2], r.service_id.b[1], r.service_id.b[0],
		 le32_to_cpu(r.status));
}
