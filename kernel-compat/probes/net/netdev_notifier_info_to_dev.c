/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 3.11: netdevice notifiers get a struct netdev_notifier_info, read with
 * netdev_notifier_info_to_dev(); before, the pointer was the net_device
 * (RHEL 7.0's 3.10 kernel already has the new form).
 */
#include <linux/netdevice.h>

LIS_PROBE(netdev_notifier_info_to_dev)
{
	static struct netdev_notifier_info info;

	LIS_PROBE_USE(netdev_notifier_info_to_dev(&info));
}
