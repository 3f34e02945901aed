/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 2.6: struct acpi_device_id in mod_devicetable.h: the "VMBUS"/"VMBus" IDs
 * give hv_vmbus its ACPI autoload aliases.
 */
#include <linux/mod_devicetable.h>

LIS_PROBE(acpi_device_id)
{
	static const struct acpi_device_id ids[] = { { "VMBUS", 0 }, { "", 0 } };

	LIS_PROBE_USE(ids);
}
