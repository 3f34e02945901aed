/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 5.4: skb_frag_off() reads a fragment's offset (5.5 turned skb_frag_t into
 * a bio_vec, so frag->page_offset is gone).
 */
#include <linux/skbuff.h>

LIS_PROBE(skb_frag_off)
{
	static skb_frag_t frag;

	LIS_PROBE_USE(skb_frag_off(&frag));
}
