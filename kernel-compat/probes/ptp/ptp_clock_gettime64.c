/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 4.0: struct ptp_clock_info gained gettime64/settime64 (struct timespec64);
 * the timespec gettime/settime they replaced were removed soon after.
 * RHEL 7 kernels may have either.
 */
#include <linux/ptp_clock_kernel.h>

static int lis_probe_ptp_gettime64_cb(struct ptp_clock_info *p, struct timespec64 *ts)
{
	return 0;
}

static int lis_probe_ptp_settime64_cb(struct ptp_clock_info *p, const struct timespec64 *ts)
{
	return 0;
}

LIS_PROBE(ptp_clock_gettime64)
{
	static struct ptp_clock_info info = {
		.gettime64 = lis_probe_ptp_gettime64_cb,
		.settime64 = lis_probe_ptp_settime64_cb,
	};

	LIS_PROBE_USE(&info);
}
