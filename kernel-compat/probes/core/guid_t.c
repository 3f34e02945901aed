/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 4.13: guid_t, guid_equal() and guid_copy() replaced uuid_le for
 * Microsoft-layout GUIDs (mod_devicetable's hv_vmbus_device_id switched in 5.x).
 */
#include <linux/uuid.h>

LIS_PROBE(guid_t)
{
	guid_t a = GUID_INIT(0x12345678, 0x1234, 0x1234,
			     0, 1, 2, 3, 4, 5, 6, 7);
	guid_t b;

	guid_copy(&b, &a);
	LIS_PROBE_USE(guid_equal(&a, &b));
}
