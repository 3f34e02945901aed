/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 4.3 (x86 hierarchical irqdomains): a PCI MSI domain stacked on the x86
 * vector domain — pci_msi_create_irq_domain(), struct msi_domain_info,
 * pci_msi_prepare(), irqd_cfg(); 4.7 exported x86_vector_domain for
 * pci-hyperv.  Absent when the kernel has no CONFIG_PCI_MSI, and then the
 * kernel has no pci-hyperv of its own either.
 * lis-export: x86_vector_domain pci_msi_create_irq_domain pci_msi_prepare irqd_cfg msi_desc_to_pci_dev
 */
#include <linux/pci.h>
#include <linux/msi.h>
#include <linux/irq.h>
#include <linux/irqdomain.h>
#include <asm/irqdomain.h>
#include <asm/hw_irq.h>
#include <asm/msi.h>

static struct msi_domain_ops lis_probe_pci_msi_irq_domain_ops = {
	.msi_prepare = pci_msi_prepare,
};

static struct msi_domain_info lis_probe_pci_msi_irq_domain_info = {
	.flags = MSI_FLAG_USE_DEF_DOM_OPS | MSI_FLAG_USE_DEF_CHIP_OPS | MSI_FLAG_PCI_MSIX,
	.ops = &lis_probe_pci_msi_irq_domain_ops,
};

LIS_PROBE(pci_msi_irq_domain)
{
	struct irq_domain *d = pci_msi_create_irq_domain(NULL, &lis_probe_pci_msi_irq_domain_info,
							 x86_vector_domain);
	struct irq_data *data = irq_domain_get_irq_data(d, 0);
	struct pci_dev *pdev = msi_desc_to_pci_dev(irq_data_get_msi_desc(data));

	LIS_PROBE_USE(irqd_cfg(data)->vector + pdev->devfn);
}
