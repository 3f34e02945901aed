/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 3.11: clockevents_unbind_device() lets a module take its clock event
 * device away again (a module that cannot do this must stay loaded).
 * lis-export: clockevents_unbind_device
 */
#include <linux/clockchips.h>

LIS_PROBE(clockevents_unbind_device)
{
	static struct clock_event_device ce;

	LIS_PROBE_USE(clockevents_unbind_device(&ce, 0));
}
