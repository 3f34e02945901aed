// SPDX-License-Identifier: GPL-2.0
/*
 * Test module for lis-kabi (never loaded): imports a few kernel symbols —
 * some stable across Debian 6.1 ABIs (_printk, kfree), some whose CRCs
 * change (scsi_host_alloc, input_register_device), one that the -cloud
 * flavour does not export (snd_card_new) — and exports one symbol of each
 * export type, one with a namespace.
 */
#include <linux/input.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <scsi/scsi_host.h>
#include <sound/core.h>

int lis_kabi_test_fn(int x);
int lis_kabi_test_gpl(int x);
int lis_kabi_test_ns(int x);

int lis_kabi_test_fn(int x)
{
	return x + 1;
}
EXPORT_SYMBOL(lis_kabi_test_fn);

int lis_kabi_test_gpl(int x)
{
	return x + 2;
}
EXPORT_SYMBOL_GPL(lis_kabi_test_gpl);

int lis_kabi_test_ns(int x)
{
	return x + 3;
}
EXPORT_SYMBOL_NS_GPL(lis_kabi_test_ns, LIS_KABI_TEST);

static struct scsi_host_template lis_kabi_sht = { .name = "lis_kabi" };

static int __init lis_kabi_a_init(void)
{
	struct Scsi_Host *h;
	void *p = kmalloc(64, GFP_KERNEL);

	pr_info("lis_kabi_a: %p\n", p);
	kfree(p);
	h = scsi_host_alloc(&lis_kabi_sht, 0);
	if (h)
		return input_register_device(NULL);
	return snd_card_new(NULL, 0, NULL, THIS_MODULE, 0, NULL);
}
module_init(lis_kabi_a_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("lis-kabi test module (never loaded)");
