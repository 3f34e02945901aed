/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PCI host bridge and MSI domain helpers under one name.  Keyed only on
 * HAVE_* from kernel-compat/probes/pci.
 */
#ifndef LIS_COMPAT_PCI_H
#define LIS_COMPAT_PCI_H

#include <linux/irq.h>
#include <linux/irqdomain.h>

/* a fwnode to name an MSI domain by (a root bus finds it through sysdata) */
static inline struct fwnode_handle *lis_irq_fwnode_alloc(const char *name, void *data)
{
#ifdef HAVE_IRQ_DOMAIN_ALLOC_NAMED_FWNODE
	return irq_domain_alloc_named_fwnode(name);
#else
	return irq_domain_alloc_fwnode(data);
#endif
}

/* the CPUs an interrupt is delivered to */
static inline const struct cpumask *lis_irq_effective_affinity(struct irq_data *d)
{
#ifdef HAVE_IRQ_DATA_EFFECTIVE_AFFINITY
	return irq_data_get_effective_affinity_mask(d);
#else
	return irq_data_get_affinity_mask(d);
#endif
}

#endif
