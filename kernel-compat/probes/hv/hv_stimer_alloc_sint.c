/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 5.4 to 5.11: hv_stimer_alloc(int sint) — the older form of
 * hv_stimer_alloc_bool, taking the SINT that carries timer messages.
 * lis-export: hv_stimer_alloc hv_stimer_global_cleanup
 */
#include <clocksource/hyperv_timer.h>

LIS_PROBE(hv_stimer_alloc_sint)
{
	int (*fn)(int sint) = hv_stimer_alloc;

	LIS_PROBE_USE(fn);
	hv_stimer_global_cleanup();
}
