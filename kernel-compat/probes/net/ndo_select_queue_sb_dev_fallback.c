/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 4.19: .ndo_select_queue(dev, skb, sb_dev, fallback) — the subordinate
 * device replaced 3.14's void *accel_priv; 5.2 dropped fallback again.
 */
#include <linux/netdevice.h>

static u16 lis_probe_nsqsf_cb(struct net_device *dev, struct sk_buff *skb,
			      struct net_device *sb_dev, select_queue_fallback_t fallback)
{
	LIS_PROBE_USE(dev);
	LIS_PROBE_USE(skb);
	LIS_PROBE_USE(sb_dev);
	LIS_PROBE_USE(fallback);
	return 0;
}

LIS_PROBE(ndo_select_queue_sb_dev_fallback)
{
	static const struct net_device_ops ops = { .ndo_select_queue = lis_probe_nsqsf_cb };

	LIS_PROBE_USE(&ops);
}
