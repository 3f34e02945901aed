/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 4.5: netdev_master_upper_dev_link() takes upper_priv and upper_info
 * (before: the two devices only); 4.15 appended a netlink_ext_ack.
 */
#include <linux/netdevice.h>

LIS_PROBE(netdev_master_upper_dev_link_priv)
{
	static struct net_device lower, upper;

	LIS_PROBE_USE(netdev_master_upper_dev_link(&lower, &upper, NULL, NULL));
}
