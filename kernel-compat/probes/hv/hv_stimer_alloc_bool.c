/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 5.12: hv_stimer_alloc(bool have_percpu_irqs) — the VMBus driver asks the
 * built-in stimer code to allocate the stimer0 clockevents (before 5.12 the
 * argument was the SINT for timer messages).
 * lis-export: hv_stimer_alloc hv_stimer_global_cleanup
 */
#include <clocksource/hyperv_timer.h>

LIS_PROBE(hv_stimer_alloc_bool)
{
	int ret = hv_stimer_alloc(false);

	LIS_PROBE_USE(ret);
	hv_stimer_global_cleanup();
}
