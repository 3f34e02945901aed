/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 3.11: struct bus_type gained .dev_groups (3.14 removed .dev_attrs).
 */
#include <linux/device.h>

LIS_PROBE(bus_dev_groups)
{
	static struct bus_type bt = { .dev_groups = NULL };

	LIS_PROBE_USE(&bt);
}
