/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 2.6: ACPICA's namespace walk (acpi_get_devices, acpi_get_parent) and
 * acpi_walk_resources() over a device's _CRS — present whenever the kernel
 * was built with CONFIG_ACPI.  hv_vmbus finds the MMIO ranges Hyper-V
 * reserves for VMBus devices there.
 * lis-export: acpi_get_devices acpi_walk_resources acpi_get_parent acpi_resource_to_address64
 */
#include <linux/acpi.h>

static acpi_status lis_probe_acpi_walk_resources_cb(struct acpi_resource *res, void *ctx)
{
	struct acpi_resource_address64 a;

	return acpi_resource_to_address64(res, &a);
}

LIS_PROBE(acpi_walk_resources)
{
	acpi_handle h = NULL, parent;

	acpi_get_devices("VMBUS", NULL, NULL, &h);
	acpi_walk_resources(h, METHOD_NAME__CRS, lis_probe_acpi_walk_resources_cb, NULL);
	acpi_get_parent(h, &parent);
}
