/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 5.2: .ndo_select_queue(dev, skb, sb_dev) — the fallback argument that
 * 4.19 passed after sb_dev is gone.
 */
#include <linux/netdevice.h>

static u16 lis_probe_nsqs_cb(struct net_device *dev, struct sk_buff *skb,
			     struct net_device *sb_dev)
{
	LIS_PROBE_USE(dev);
	LIS_PROBE_USE(skb);
	LIS_PROBE_USE(sb_dev);
	return 0;
}

LIS_PROBE(ndo_select_queue_sb_dev)
{
	static const struct net_device_ops ops = { .ndo_select_queue = lis_probe_nsqs_cb };

	LIS_PROBE_USE(&ops);
}
