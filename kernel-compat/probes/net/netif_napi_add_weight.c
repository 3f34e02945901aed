/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 5.19: netif_napi_add_weight() takes the NAPI weight; 6.1 dropped the weight
 * argument from netif_napi_add() (before 5.19 it had four arguments).
 */
#include <linux/netdevice.h>

static int lis_probe_nnaw_poll(struct napi_struct *napi, int budget)
{
	LIS_PROBE_USE(napi);
	return budget;
}

LIS_PROBE(netif_napi_add_weight)
{
	static struct net_device dev;
	static struct napi_struct napi;

	netif_napi_add_weight(&dev, &napi, lis_probe_nnaw_poll, NAPI_POLL_WEIGHT);
}
