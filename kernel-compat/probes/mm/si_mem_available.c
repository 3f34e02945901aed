/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 4.6: si_mem_available() — the MemAvailable estimate (RHEL 7.x backported
 * it).  hv_balloon reports it to the host and keeps a floor with it.
 * lis-export: si_mem_available
 */
#include <linux/mm.h>

LIS_PROBE(si_mem_available)
{
	LIS_PROBE_USE(si_mem_available());
}
