/* SPDX-License-Identifier: GPL-2.0 */
/* pci-hyperv's Linux glue: what pcihv_main.c and pcihv_msi.c share. */
#ifndef LIS_PCIHV_GLUE_H
#define LIS_PCIHV_GLUE_H

#include <linux/pci.h>
#include <linux/workqueue.h>
#include <lis/vmbus_driver.h>
#include "core/vpci_core.h"

#define PCIHV_MAX_WINDOWS	16

/* an MMIO window of the root bus: BARs of one function of one kind */
struct pcihv_window {
	struct resource res;		/* the bus window, under `mmio` */
	struct resource *mmio;		/* hv_vmbus's reservation */
	bool bar64;
	struct lis_vpci_func *owner;	/* NULL: free for a newcomer */
};

/* one vPCI bus */
struct pcihv_bus {
	struct lis_vmbus_device *vdev;
	struct lis_vmbus *vmbus;
	struct lis_vpci *core;
	struct pci_sysdata sysdata;	/* x86: domain, NUMA node, MSI fwnode */
	struct pci_host_bridge *bridge;
	struct pci_bus *bus;		/* the root bus, once scanned */
	int domain;

	struct resource *cfg_mmio;	/* the config window */
	void __iomem *cfg;

	struct fwnode_handle *fwnode;
	struct irq_domain *irq_domain;

	struct workqueue_struct *wq;
	struct work_struct work;
	bool dying;

	struct mutex win_lock;		/* windows[] */
	struct pcihv_window windows[PCIHV_MAX_WINDOWS];
	char win_name[24];
};

/* per function (lis_vpci_func.priv) */
struct pcihv_func {
	struct pci_slot *slot;		/* named by the serial number */
};

/* pcihv_msi.c */
int pcihv_msi_init(struct pcihv_bus *hb);
void pcihv_msi_exit(struct pcihv_bus *hb);

#endif
