/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 4.15: netdev_master_upper_dev_link() takes a netlink_ext_ack after the
 * upper_priv and upper_info arguments that 4.5 added.
 */
#include <linux/netdevice.h>

LIS_PROBE(netdev_master_upper_dev_link_extack)
{
	static struct net_device lower, upper;

	LIS_PROBE_USE(netdev_master_upper_dev_link(&lower, &upper, NULL, NULL, NULL));
}
