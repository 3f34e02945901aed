/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 6.2: timer_delete_sync() added; 6.15 removed del_timer_sync().
 */
#include <linux/timer.h>

LIS_PROBE(timer_delete_sync)
{
	static struct timer_list t;

	LIS_PROBE_USE(timer_delete_sync(&t));
}
