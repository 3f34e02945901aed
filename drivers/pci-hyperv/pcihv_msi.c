// SPDX-License-Identifier: GPL-2.0
/*
 * pci-hyperv's MSI domain (x86): stacked on the kernel's x86 vector domain,
 * which picks a vector and a CPU; composing the message asks the host to
 * remap that vector on that CPU's VP and writes what the host answers.
 * Composition runs with interrupts off (activation, affinity changes), so
 * the core polls the channel for the answer.  An interrupt moving to
 * another CPU is composed again (the MSI domain's own set_affinity): the old
 * remapping is given back first.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/irq.h>
#include <linux/msi.h>
#include <linux/irqdomain.h>
#include <asm/irqdomain.h>
#include <asm/hw_irq.h>
#include <asm/msi.h>
#include <lis_compat/pci.h>
#include "pcihv_glue.h"

/* irq_data.chip_data of one interrupt: what the host remapped */
struct pcihv_irq {
	struct lis_vpci_func *f;
	struct lis_vpci_msi msi;
};

static struct pcihv_bus *pcihv_from_pdev(struct pci_dev *pdev)
{
	return container_of((struct pci_sysdata *)pdev->bus->sysdata, struct pcihv_bus, sysdata);
}

static void pcihv_irq_release(struct irq_data *d)
{
	struct pcihv_irq *irq = d->chip_data;

	if (!irq)
		return;
	lis_vpci_msi_delete(irq->f, &irq->msi);
	d->chip_data = NULL;
	kfree(irq);
}

static void pcihv_compose_msi_msg(struct irq_data *d, struct msi_msg *msg)
{
	struct pci_dev *pdev = msi_desc_to_pci_dev(irq_data_get_msi_desc(d));
	struct pcihv_bus *hb = pcihv_from_pdev(pdev);
	struct irq_cfg *cfg = irqd_cfg(d);
	struct lis_vpci_func *f;
	struct pcihv_irq *irq;
	unsigned int cpu;
	u32 vp;
	int ret;

	memset(msg, 0, sizeof(*msg));
	f = lis_vpci_find(hb->core, (u8)pdev->devfn);
	cpu = cpumask_first_and(lis_irq_effective_affinity(d), cpu_online_mask);
	if (!f || !cfg || cpu >= nr_cpu_ids)
		return;
	vp = lis_vmbus_cpu_vp(hb->vmbus, cpu);
	if (vp == LIS_VMBUS_VP_INVALID) {
		dev_err(&pdev->dev, "CPU %u has no VP index; interrupt not set up\n", cpu);
		return;
	}
	pcihv_irq_release(d);
	irq = kzalloc(sizeof(*irq), GFP_ATOMIC);
	if (!irq)
		return;
	irq->f = f;
	ret = lis_vpci_msi_create(f, cfg->vector, 1, &vp, 1, false, &irq->msi);
	if (ret) {
		dev_err(&pdev->dev, "the host did not set up vector %u on CPU %u: %d\n",
			cfg->vector, cpu, ret);
		kfree(irq);
		return;
	}
	d->chip_data = irq;
	msg->address_hi = upper_32_bits(irq->msi.address);
	msg->address_lo = lower_32_bits(irq->msi.address);
	msg->data = irq->msi.data;
}

static struct irq_chip pcihv_msi_chip = {
	.name = "Hyper-V PCIe MSI",
	.irq_compose_msi_msg = pcihv_compose_msi_msg,
	.irq_ack = irq_chip_ack_parent,
	.irq_mask = pci_msi_mask_irq,
	.irq_unmask = pci_msi_unmask_irq,
};

static void pcihv_msi_free(struct irq_domain *domain, struct msi_domain_info *info,
			   unsigned int virq)
{
	struct irq_data *d = irq_domain_get_irq_data(domain, virq);

	if (d)
		pcihv_irq_release(d);
}

static struct msi_domain_ops pcihv_msi_ops = {
	.msi_prepare = pci_msi_prepare,
	.msi_free = pcihv_msi_free,
};

static struct msi_domain_info pcihv_msi_info = {
	.flags = MSI_FLAG_USE_DEF_DOM_OPS | MSI_FLAG_USE_DEF_CHIP_OPS | MSI_FLAG_PCI_MSIX,
	.ops = &pcihv_msi_ops,
	.chip = &pcihv_msi_chip,
	.handler = handle_edge_irq,
	.handler_name = "edge",
};

int pcihv_msi_init(struct pcihv_bus *hb)
{
	hb->fwnode = lis_irq_fwnode_alloc(dev_name(&hb->vdev->dev), hb);
	if (!hb->fwnode)
		return -ENOMEM;
	hb->irq_domain = pci_msi_create_irq_domain(hb->fwnode, &pcihv_msi_info,
						   x86_vector_domain);
	if (!hb->irq_domain) {
		irq_domain_free_fwnode(hb->fwnode);
		hb->fwnode = NULL;
		return -ENOMEM;
	}
	/* the root bus finds its MSI domain through this */
	hb->sysdata.fwnode = hb->fwnode;
	return 0;
}

void pcihv_msi_exit(struct pcihv_bus *hb)
{
	if (hb->irq_domain)
		irq_domain_remove(hb->irq_domain);
	if (hb->fwnode)
		irq_domain_free_fwnode(hb->fwnode);
	hb->irq_domain = NULL;
	hb->fwnode = NULL;
}
