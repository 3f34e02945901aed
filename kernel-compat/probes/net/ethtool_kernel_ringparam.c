/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 5.17: ethtool .get_ringparam/.set_ringparam take a struct
 * kernel_ethtool_ringparam and a netlink_ext_ack besides struct
 * ethtool_ringparam.
 */
#include <linux/ethtool.h>
#include <linux/netdevice.h>

static void lis_probe_ekr_get(struct net_device *dev, struct ethtool_ringparam *ring,
			      struct kernel_ethtool_ringparam *kring,
			      struct netlink_ext_ack *extack)
{
	LIS_PROBE_USE(dev);
	LIS_PROBE_USE(ring);
	LIS_PROBE_USE(kring);
	LIS_PROBE_USE(extack);
}

LIS_PROBE(ethtool_kernel_ringparam)
{
	static const struct ethtool_ops ops = { .get_ringparam = lis_probe_ekr_get };

	LIS_PROBE_USE(&ops);
}
