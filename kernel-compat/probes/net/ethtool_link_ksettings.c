/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 4.6: ethtool .get_link_ksettings() with struct ethtool_link_ksettings
 * replaced .get_settings() and struct ethtool_cmd (removed in 4.20 or so).
 */
#include <linux/ethtool.h>
#include <linux/netdevice.h>

static int lis_probe_elk_get(struct net_device *dev, struct ethtool_link_ksettings *ks)
{
	LIS_PROBE_USE(dev);
	ks->base.speed = SPEED_UNKNOWN;
	return 0;
}

LIS_PROBE(ethtool_link_ksettings)
{
	static const struct ethtool_ops ops = { .get_link_ksettings = lis_probe_elk_get };

	LIS_PROBE_USE(&ops);
}
