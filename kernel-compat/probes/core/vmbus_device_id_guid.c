/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 4.13(ish): struct hv_vmbus_device_id's .guid became a guid_t (it was
 * uuid_le, a byte array wrapper).  Modaliases are the same either way.
 */
#include <linux/mod_devicetable.h>
#include <linux/uuid.h>

LIS_PROBE(vmbus_device_id_guid)
{
	static const struct hv_vmbus_device_id id = {
		.guid = GUID_INIT(0xba6163d9, 0x04a1, 0x4d29,
				  0xb6, 0x05, 0x72, 0xe2, 0xff, 0xb1, 0xdc, 0x7f),
	};

	LIS_PROBE_USE(&id);
}
