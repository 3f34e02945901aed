/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 4.0: vlan_tx_tag_present()/vlan_tx_tag_get() were renamed
 * skb_vlan_tag_present()/skb_vlan_tag_get() (RHEL 7.2 backported them).
 */
#include <linux/if_vlan.h>

LIS_PROBE(skb_vlan_tag_present)
{
	static struct sk_buff skb;

	LIS_PROBE_USE(skb_vlan_tag_present(&skb) ? skb_vlan_tag_get(&skb) : 0);
}
