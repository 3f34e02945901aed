/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 2.6: symbol_get()/symbol_put() look up another module's export at run
 * time (6.5 limited them to GPL exports).  The VM rung's bridge module offers
 * its platform to hv_vmbus this way.
 */
#include <linux/module.h>

extern int lis_probe_symbol_get_target;

LIS_PROBE(symbol_get)
{
	int *p = symbol_get(lis_probe_symbol_get_target);

	if (p)
		symbol_put(lis_probe_symbol_get_target);
}
