/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 4.2: struct device_driver gained .probe_type (PROBE_PREFER_ASYNCHRONOUS).
 */
#include <linux/device.h>

LIS_PROBE(driver_probe_type)
{
	static struct device_driver drv = { .probe_type = PROBE_PREFER_ASYNCHRONOUS };

	LIS_PROBE_USE(&drv);
}
