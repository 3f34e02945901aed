/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 3.14: skb_set_hash()/skb_get_hash() with a hash type replaced writing
 * skb->rxhash and skb_get_rxhash().
 */
#include <linux/skbuff.h>

LIS_PROBE(skb_set_hash)
{
	static struct sk_buff skb;

	skb_set_hash(&skb, 1, PKT_HASH_TYPE_L4);
	LIS_PROBE_USE(skb_get_hash(&skb));
}
