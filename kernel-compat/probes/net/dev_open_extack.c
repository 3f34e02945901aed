/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 5.0: dev_open() takes a netlink_ext_ack.
 */
#include <linux/netdevice.h>

LIS_PROBE(dev_open_extack)
{
	static struct net_device dev;

	LIS_PROBE_USE(dev_open(&dev, NULL));
}
