/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 3.4: clockevents_config_and_register(dev, freq, min_delta, max_delta)
 * computes mult/shift and registers a clock event device.
 * lis-export: clockevents_config_and_register
 */
#include <linux/clockchips.h>

LIS_PROBE(clockevents_config_and_register)
{
	static struct clock_event_device ce;

	clockevents_config_and_register(&ce, 10000000, 1, 0xffffffff);
}
