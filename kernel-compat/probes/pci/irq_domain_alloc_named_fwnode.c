/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 4.13: irq_domain_alloc_named_fwnode() names an irq domain's fwnode (4.5
 * had only irq_domain_alloc_fwnode(void *data)).
 */
#include <linux/irqdomain.h>

LIS_PROBE(irq_domain_alloc_named_fwnode)
{
	struct fwnode_handle *fw = irq_domain_alloc_named_fwnode("lis");

	irq_domain_free_fwnode(fw);
}
