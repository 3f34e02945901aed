/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 4.10: struct ptp_clock_info gained adjfine (scaled ppm); 6.2 removed the
 * older adjfreq (ppb).  The PTP core calls one of them unchecked, so a
 * clock that cannot be steered must still provide the one its kernel has.
 */
#include <linux/ptp_clock_kernel.h>

static int lis_probe_ptp_adjfine_cb(struct ptp_clock_info *p, long scaled_ppm)
{
	return 0;
}

LIS_PROBE(ptp_clock_adjfine)
{
	static struct ptp_clock_info info = {
		.adjfine = lis_probe_ptp_adjfine_cb,
	};

	LIS_PROBE_USE(&info);
}
