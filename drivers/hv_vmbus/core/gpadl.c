// SPDX-License-Identifier: GPL-2.0
/*
 * GPADLs: describing a guest buffer to the host as a list of page frame
 * numbers, in one GPADL_HEADER and as many GPADL_BODY messages as needed
 * (§2.4.4), and tearing it down again.
 */
#include "internal.h"

/* one range: RangeBufLen = 8 + 8 * pages must fit its u16 field */
#define LIS_GPADL_MAX_PAGES	((0xFFFFu - 8u) / 8u)

int lis_gpadl_establish(struct lis_channel *ch, void *buf, u32 size, u32 *gpadl)
{
	struct lis_vmbus *vmbus = ch->vmbus;
	struct lis_vmbus_msg_gpadl_created created;
	struct lis_vmbus_msg_gpadl_header *hdr;
	struct lis_vmbus_msg_gpadl_body *body;
	struct lis_request req;
	unsigned long flags = 0;
	u32 npages, handle, i, n, done;
	const u8 *va = buf;
	int ret;

	if (!size || size % LIS_HV_PAGE_SIZE || ((unsigned long)buf & LIS_HV_PAGE_MASK))
		return -EINVAL;
	npages = size / LIS_HV_PAGE_SIZE;
	if (npages > LIS_GPADL_MAX_PAGES) {
		lis_err("hv_vmbus: a GPADL of %u pages is more than one range can carry\n", npages);
		return -EINVAL;
	}
	hdr = lis_zalloc(sizeof(*hdr) + sizeof(*body));
	if (!hdr)
		return -ENOMEM;
	body = (struct lis_vmbus_msg_gpadl_body *)(hdr + 1);

	lis_spin_lock(&vmbus->gpadl_lock, flags);
	handle = vmbus->next_gpadl++;
	if (!vmbus->next_gpadl)
		vmbus->next_gpadl = LIS_GPADL_FIRST_HANDLE;
	lis_spin_unlock(&vmbus->gpadl_lock, flags);

	n = min_t(u32, npages, LIS_VMBUS_GPADL_HEADER_MAX_PFNS);
	hdr->header.msgtype = cpu_to_le32(LIS_VMBUS_MSG_GPADL_HEADER);
	hdr->child_relid = cpu_to_le32(ch->relid);
	hdr->gpadl = cpu_to_le32(handle);
	hdr->range_buflen = cpu_to_le16((u16)(8 + 8 * npages));
	hdr->range_count = cpu_to_le16(1);
	hdr->byte_count = cpu_to_le32(size);
	hdr->byte_offset = 0;
	for (i = 0; i < n; i++)
		hdr->pfn[i] = cpu_to_le64(lis_page_gpa(va + (size_t)i * LIS_HV_PAGE_SIZE) >>
					  LIS_HV_PAGE_SHIFT);

	lis_request_init(&req, LIS_VMBUS_MSG_GPADL_CREATED, handle, ch->relid);
	lis_request_add(vmbus, &req);
	ret = lis_post_message(vmbus, hdr, offsetof(struct lis_vmbus_msg_gpadl_header, pfn) + 8 * n);
	for (done = n; !ret && done < npages; done += n) {
		n = min_t(u32, npages - done, LIS_VMBUS_GPADL_BODY_MAX_PFNS);
		memset(body, 0, sizeof(*body));
		body->header.msgtype = cpu_to_le32(LIS_VMBUS_MSG_GPADL_BODY);
		body->gpadl = cpu_to_le32(handle);
		for (i = 0; i < n; i++)
			body->pfn[i] = cpu_to_le64(lis_page_gpa(va + (size_t)(done + i) *
								LIS_HV_PAGE_SIZE) >> LIS_HV_PAGE_SHIFT);
		ret = lis_post_message(vmbus, body,
				       offsetof(struct lis_vmbus_msg_gpadl_body, pfn) + 8 * n);
	}
	lis_free(hdr);
	if (ret) {
		lis_request_remove(vmbus, &req);
		return ret;
	}
	ret = lis_request_wait(vmbus, &req);
	if (ret)
		return ret;
	memcpy(&created, req.resp, sizeof(created));
	if (le32_to_cpu(created.child_relid) != ch->relid || created.creation_status) {
		lis_err("hv_vmbus: channel %u: the host refused GPADL %#x (status %#x)\n",
			ch->relid, handle, le32_to_cpu(created.creation_status));
		return -EIO;
	}
	*gpadl = handle;
	return 0;
}

int lis_gpadl_teardown(struct lis_channel *ch, u32 gpadl)
{
	struct lis_vmbus *vmbus = ch->vmbus;
	struct lis_vmbus_msg_gpadl_teardown msg;
	struct lis_request req;
	int ret;

	/* a rescinded channel's GPADLs are gone with it */
	if (lis_channel_rescinded(ch))
		return 0;
	memset(&msg, 0, sizeof(msg));
	msg.header.msgtype = cpu_to_le32(LIS_VMBUS_MSG_GPADL_TEARDOWN);
	msg.child_relid = cpu_to_le32(ch->relid);
	msg.gpadl = cpu_to_le32(gpadl);
	lis_request_init(&req, LIS_VMBUS_MSG_GPADL_TORNDOWN, gpadl, ch->relid);
	lis_request_add(vmbus, &req);
	ret = lis_post_message(vmbus, &msg, sizeof(msg));
	if (ret) {
		lis_request_remove(vmbus, &req);
		return ret;
	}
	ret = lis_request_wait(vmbus, &req);
	/* rescinded while we waited: the host dropped it */
	return ret == -ENODEV ? 0 : ret;
}
