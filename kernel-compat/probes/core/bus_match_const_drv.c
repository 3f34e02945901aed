/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 6.11: struct bus_type's .match callback takes a const struct device_driver *.
 */
#include <linux/device.h>

static int lis_probe_bus_match_const_drv_cb(struct device *dev,
					    const struct device_driver *drv)
{
	LIS_PROBE_USE(dev);
	LIS_PROBE_USE(drv);
	return 0;
}

LIS_PROBE(bus_match_const_drv)
{
	static struct bus_type bt = { .match = lis_probe_bus_match_const_drv_cb };

	LIS_PROBE_USE(&bt);
}
