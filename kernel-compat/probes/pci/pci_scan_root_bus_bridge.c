/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 4.9 added pci_alloc_host_bridge() (exported with a private-size argument
 * in 4.12), 4.12 pci_scan_root_bus_bridge(): a host bridge driver builds its
 * root bus from a struct pci_host_bridge (windows, ops, sysdata).  RHEL 8
 * has both; RHEL 7's pci-hyperv used pci_create_root_bus() instead.
 * lis-export: pci_alloc_host_bridge pci_free_host_bridge pci_scan_root_bus_bridge
 */
#include <linux/pci.h>

LIS_PROBE(pci_scan_root_bus_bridge)
{
	struct pci_host_bridge *b = pci_alloc_host_bridge(0);

	if (b && !pci_scan_root_bus_bridge(b))
		pci_free_host_bridge(b);
}
