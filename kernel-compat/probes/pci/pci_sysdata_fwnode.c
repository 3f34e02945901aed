/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 4.7: x86's struct pci_sysdata gained `fwnode`, through which a root bus
 * finds its MSI irq domain (added for pci-hyperv).
 */
#include <linux/pci.h>

LIS_PROBE(pci_sysdata_fwnode)
{
	struct pci_sysdata sd = { .domain = 0 };

	sd.fwnode = NULL;
	LIS_PROBE_USE(sd);
}
