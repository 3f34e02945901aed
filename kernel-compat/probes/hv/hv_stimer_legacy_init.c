/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 5.8: clocksource/hyperv_timer.c exports hv_stimer_legacy_init(cpu, sint) and
 * hv_stimer_legacy_cleanup(cpu): when stimer0 cannot use direct mode its
 * expirations arrive as timer messages on the VMBus SINT, and the VMBus driver
 * must enable the per-CPU timer and pass those messages to hv_stimer0_isr().
 * lis-export: hv_stimer_legacy_init hv_stimer_legacy_cleanup hv_stimer0_isr
 */
#include <clocksource/hyperv_timer.h>

LIS_PROBE(hv_stimer_legacy_init)
{
	hv_stimer_legacy_init(0, 2);
	hv_stimer_legacy_cleanup(0);
	hv_stimer0_isr();
}
