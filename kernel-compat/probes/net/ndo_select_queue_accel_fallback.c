/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 3.14: .ndo_select_queue(dev, skb, accel_priv, fallback) (3.13 added
 * accel_priv, 3.14 the fallback); 4.19 turned accel_priv into sb_dev.
 * RHEL 7 backported this form.
 */
#include <linux/netdevice.h>

static u16 lis_probe_nsqaf_cb(struct net_device *dev, struct sk_buff *skb,
			      void *accel_priv, select_queue_fallback_t fallback)
{
	LIS_PROBE_USE(dev);
	LIS_PROBE_USE(skb);
	LIS_PROBE_USE(accel_priv);
	LIS_PROBE_USE(fallback);
	return 0;
}

LIS_PROBE(ndo_select_queue_accel_fallback)
{
	static const struct net_device_ops ops = { .ndo_select_queue = lis_probe_nsqaf_cb };

	LIS_PROBE_USE(&ops);
}
