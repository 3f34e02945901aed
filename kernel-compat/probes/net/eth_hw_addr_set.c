/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 5.15: eth_hw_addr_set() writes a net_device's address; 5.17 made
 * dev->dev_addr const, so it is the only way from then on.
 */
#include <linux/etherdevice.h>

LIS_PROBE(eth_hw_addr_set)
{
	static struct net_device dev;
	static const u8 addr[ETH_ALEN];

	eth_hw_addr_set(&dev, addr);
}
