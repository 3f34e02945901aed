/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 3.17: do_settimeofday64() (struct timespec64); 4.20 removed the timespec
 * do_settimeofday().  hv_utils' timesync steps the wall clock with it.
 */
#include <linux/time.h>
#include <linux/ktime.h>

LIS_PROBE(do_settimeofday64)
{
	struct timespec64 ts = { 0, 0 };

	LIS_PROBE_USE(do_settimeofday64(&ts));
}
