// SPDX-License-Identifier: GPL-2.0
/*
 * MSI and MSI-X interrupts: the host remaps each interrupt a function may
 * raise.  The guest names the vector and the target VPs (CREATE_INTERRUPT:
 * a 64-bit VP mask in 1.1; CREATE_INTERRUPT2: a list of up to 32 VPs in 1.2
 * and 1.3; CREATE_INTERRUPT3: the same with a 32-bit vector in 1.4) and
 * programs the device with the address and data the host answers.
 */
#include "internal.h"

int lis_vpci_msi_create(struct lis_vpci_func *f, u32 vector, u32 count, const u32 *vps,
			u32 nvps, bool may_sleep, struct lis_vpci_msi *out)
{
	struct lis_vpci *v = f->bus;
	struct lis_vpci_create_interrupt msg;
	struct lis_vpci_create_interrupt_reply r;
	u8 mode = nvps > 1 ? LIS_VPCI_DELIVERY_LOWEST : LIS_VPCI_DELIVERY_FIXED;
	u32 len, rlen, status, i;
	int ret;

	if (!nvps || nvps > LIS_VPCI_MAX_TARGET_VPS || !count || count > LIS_VPCI_MAX_VECTORS)
		return -EINVAL;
	memset(&msg, 0, sizeof(msg));
	msg.wslot = cpu_to_le32(f->wslot);
	if (v->version >= LIS_VPCI_VERSION_1_4) {
		msg.type = cpu_to_le32(LIS_VPCI_MSG_CREATE_INTERRUPT3);
		msg.desc.v3.vector = cpu_to_le32(vector);
		msg.desc.v3.delivery_mode = mode;
		msg.desc.v3.vector_count = cpu_to_le16((u16)count);
		msg.desc.v3.processor_count = cpu_to_le16((u16)nvps);
		for (i = 0; i < nvps; i++) {
			if (vps[i] > 0xFFFF)
				return -EINVAL;
			msg.desc.v3.processor_array[i] = cpu_to_le16((u16)vps[i]);
		}
		len = LIS_VPCI_CREATE_INTERRUPT3_LEN;
	} else if (v->version >= LIS_VPCI_VERSION_1_2) {
		if (vector > 0xFF)
			return -EINVAL;
		msg.type = cpu_to_le32(LIS_VPCI_MSG_CREATE_INTERRUPT2);
		msg.desc.v2.vector = (u8)vector;
		msg.desc.v2.delivery_mode = mode;
		msg.desc.v2.vector_count = cpu_to_le16((u16)count);
		msg.desc.v2.processor_count = cpu_to_le16((u16)nvps);
		for (i = 0; i < nvps; i++) {
			if (vps[i] > 0xFFFF)
				return -EINVAL;
			msg.desc.v2.processor_array[i] = cpu_to_le16((u16)vps[i]);
		}
		len = LIS_VPCI_CREATE_INTERRUPT2_LEN;
	} else {
		u64 mask = 0;

		if (vector > 0xFF)
			return -EINVAL;
		for (i = 0; i < nvps; i++) {
			/* 1.1 names VPs by a 64-bit mask */
			if (vps[i] >= 64)
				return -ERANGE;
			mask |= 1ull << vps[i];
		}
		msg.type = cpu_to_le32(LIS_VPCI_MSG_CREATE_INTERRUPT);
		msg.desc.v1.vector = (u8)vector;
		msg.desc.v1.delivery_mode = mode;
		msg.desc.v1.vector_count = cpu_to_le16((u16)count);
		msg.desc.v1.cpu_mask = cpu_to_le64(mask);
		len = LIS_VPCI_CREATE_INTERRUPT_LEN;
	}
	ret = vpci_request(v, &msg, len, &r, sizeof(r), &rlen, may_sleep);
	if (ret)
		return ret;
	status = le32_to_cpu(r.status);
	if (!vpci_status_ok(status)) {
		lis_err("pci-hyperv: %02x.%x: the host refused an interrupt for vector %u (status %#x)\n",
			f->devfn >> 3, f->devfn & 7, vector, status);
		return -EIO;
	}
	/* a success must carry the remapped interrupt */
	if (rlen < sizeof(r))
		return vpci_short_answer(v, le32_to_cpu(msg.type), rlen, sizeof(r));
	out->address = le64_to_cpu(r.msi.address);
	out->data = le32_to_cpu(r.msi.data);
	return 0;
}

void lis_vpci_msi_delete(struct lis_vpci_func *f, const struct lis_vpci_msi *msi)
{
	struct lis_vpci_delete_interrupt msg;

	memset(&msg, 0, sizeof(msg));
	msg.type = cpu_to_le32(LIS_VPCI_MSG_DELETE_INTERRUPT);
	msg.wslot = cpu_to_le32(f->wslot);
	msg.msi.vector_count = cpu_to_le16(1);
	msg.msi.data = cpu_to_le32(msi->data);
	msg.msi.address = cpu_to_le64(msi->address);
	if (!lis_channel_rescinded(f->bus->ch))
		vpci_send(f->bus, &msg, sizeof(msg));
}
