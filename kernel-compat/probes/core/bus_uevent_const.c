/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 6.3: struct bus_type's .uevent callback takes a const struct device *.
 */
#include <linux/device.h>

static int lis_probe_bus_uevent_const_cb(const struct device *dev,
					 struct kobj_uevent_env *env)
{
	LIS_PROBE_USE(dev);
	LIS_PROBE_USE(env);
	return 0;
}

LIS_PROBE(bus_uevent_const)
{
	static struct bus_type bt = { .uevent = lis_probe_bus_uevent_const_cb };

	LIS_PROBE_USE(&bt);
}
