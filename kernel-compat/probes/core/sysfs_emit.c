/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 5.10: sysfs_emit() for show() callbacks (bounds the write to PAGE_SIZE).
 */
#include <linux/sysfs.h>

LIS_PROBE(sysfs_emit)
{
	static char page[64];

	LIS_PROBE_USE(sysfs_emit(page, "%d\n", 1));
}
