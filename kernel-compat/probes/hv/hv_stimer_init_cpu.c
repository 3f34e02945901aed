/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 5.4 to 5.8: the first clocksource/hyperv_timer.c API — the VMBus driver
 * calls hv_stimer_alloc(sint) at init, hv_stimer_init(cpu) and
 * hv_stimer_cleanup(cpu) as CPUs come and go, hv_stimer_free() at exit.
 * Replaced by hv_stimer_legacy_init()/hv_stimer_legacy_cleanup().
 * lis-export: hv_stimer_init hv_stimer_cleanup hv_stimer_free hv_stimer_alloc
 */
#include <clocksource/hyperv_timer.h>

LIS_PROBE(hv_stimer_init_cpu)
{
	void (*init)(unsigned int cpu) = hv_stimer_init;

	init(0);
	hv_stimer_cleanup(0);
	hv_stimer_free();
}
