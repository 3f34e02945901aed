/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 5.15: struct bus_type's .remove callback returns void (it returned int).
 */
#include <linux/device.h>

static void lis_probe_bus_remove_void_cb(struct device *dev)
{
	LIS_PROBE_USE(dev);
}

LIS_PROBE(bus_remove_void)
{
	static struct bus_type bt = { .remove = lis_probe_bus_remove_void_cb };

	LIS_PROBE_USE(&bt);
}
