/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 5.0: dev_set_mac_address() takes a netlink_ext_ack.
 */
#include <linux/netdevice.h>

LIS_PROBE(dev_set_mac_address_extack)
{
	static struct net_device dev;
	static struct sockaddr sa;

	LIS_PROBE_USE(dev_set_mac_address(&dev, &sa, NULL));
}
