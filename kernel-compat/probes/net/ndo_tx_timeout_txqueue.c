/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 5.6: .ndo_tx_timeout() is told which transmit queue timed out
 * (unsigned int txqueue); before, it had the net_device only.
 */
#include <linux/netdevice.h>

static void lis_probe_ntt_cb(struct net_device *dev, unsigned int txqueue)
{
	LIS_PROBE_USE(dev);
	LIS_PROBE_USE(txqueue);
}

LIS_PROBE(ndo_tx_timeout_txqueue)
{
	static const struct net_device_ops ops = { .ndo_tx_timeout = lis_probe_ntt_cb };

	LIS_PROBE_USE(&ops);
}
