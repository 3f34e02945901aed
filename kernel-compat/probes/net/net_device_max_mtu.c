/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 4.10: struct net_device has min_mtu/max_mtu and the core checks MTU
 * changes against them; before, .ndo_change_mtu() checked the range itself.
 */
#include <linux/netdevice.h>

LIS_PROBE(net_device_max_mtu)
{
	static struct net_device dev;

	dev.min_mtu = 68;
	dev.max_mtu = 65521;
}
