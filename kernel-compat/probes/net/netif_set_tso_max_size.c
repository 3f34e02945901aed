/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 6.0: netif_set_tso_max_size() sets the largest TSO frame a driver takes;
 * netif_set_gso_max_size() became the core's own (before: drivers called it).
 */
#include <linux/netdevice.h>

LIS_PROBE(netif_set_tso_max_size)
{
	static struct net_device dev;

	netif_set_tso_max_size(&dev, 65536);
}
