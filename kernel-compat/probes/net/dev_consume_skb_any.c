/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 3.14: dev_consume_skb_any() frees a transmitted skb from any context
 * without counting it as a drop (dev_kfree_skb_any() does).
 */
#include <linux/netdevice.h>

LIS_PROBE(dev_consume_skb_any)
{
	dev_consume_skb_any(NULL);
}
