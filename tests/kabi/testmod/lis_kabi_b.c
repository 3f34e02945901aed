// SPDX-License-Identifier: GPL-2.0
/* Test module for lis-kabi (never loaded): imports a symbol of lis_kabi_a. */
#include <linux/module.h>

int lis_kabi_test_fn(int x);

static int __init lis_kabi_b_init(void)
{
	return lis_kabi_test_fn(-1);
}
module_init(lis_kabi_b_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("lis-kabi test module (never loaded)");
