/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 4.11: .ndo_get_stats64() returns void; before it returned the
 * struct rtnl_link_stats64 pointer it was given.
 */
#include <linux/netdevice.h>

static void lis_probe_ngsv_cb(struct net_device *dev, struct rtnl_link_stats64 *st)
{
	LIS_PROBE_USE(dev);
	LIS_PROBE_USE(st);
}

LIS_PROBE(ndo_get_stats64_void)
{
	static const struct net_device_ops ops = { .ndo_get_stats64 = lis_probe_ngsv_cb };

	LIS_PROBE_USE(&ops);
}
