/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ACPICA 20150204 (Linux 4.0) moved the range fields of struct
 * acpi_resource_address64 (granularity, minimum, maximum, translation_offset,
 * address_length) into a member `address` (struct acpi_address64_attribute).
 * hv_vmbus reads the VMBus device's MMIO ranges from it.
 */
#include <linux/acpi.h>

LIS_PROBE(acpi_address64_attribute)
{
	struct acpi_resource_address64 a = { 0 };

	LIS_PROBE_USE(a.address.minimum + a.address.address_length);
}
