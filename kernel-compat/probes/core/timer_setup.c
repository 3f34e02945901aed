/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 4.15: timer_setup() with a callback taking struct timer_list * replaced
 * setup_timer() (RHEL 7.6+ and RHEL 8 have it).
 */
#include <linux/timer.h>

static void lis_probe_timer_setup_cb(struct timer_list *t)
{
	LIS_PROBE_USE(t);
}

LIS_PROBE(timer_setup)
{
	static struct timer_list t;

	timer_setup(&t, lis_probe_timer_setup_cb, 0);
}
