/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 4.3: struct clock_event_device gained set_state_shutdown/oneshot callbacks
 * (4.17 removed the older set_mode callback).
 */
#include <linux/clockchips.h>

static int lis_probe_clockevent_set_state_cb(struct clock_event_device *ce)
{
	LIS_PROBE_USE(ce);
	return 0;
}

LIS_PROBE(clockevent_set_state)
{
	static struct clock_event_device ce = {
		.set_state_shutdown = lis_probe_clockevent_set_state_cb,
		.set_state_oneshot = lis_probe_clockevent_set_state_cb,
	};

	LIS_PROBE_USE(&ce);
}
