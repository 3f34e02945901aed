/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 3.0: the PTP clock class (ptp_clock_register; 3.7 added the parent device
 * argument).  Exported only when CONFIG_PTP_1588_CLOCK is y or m, which is
 * what hv_utils' "hyperv" clock (/dev/ptp_hyperv for chrony) needs.
 * lis-export: ptp_clock_register ptp_clock_unregister
 */
#include <linux/ptp_clock_kernel.h>

LIS_PROBE(ptp_clock)
{
	static struct ptp_clock_info info;
	struct ptp_clock *c = ptp_clock_register(&info, NULL);

	if (!IS_ERR_OR_NULL(c))
		ptp_clock_unregister(c);
}
