/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's built-in Hyper-V hooks, under one name whatever the kernel
 * calls them.  Keyed only on HAVE_* from kernel-compat/probes/hv.
 */
#ifndef LIS_COMPAT_HV_H
#define LIS_COMPAT_HV_H

#include <asm/mshyperv.h>
#ifdef HAVE_CLOCKSOURCE_HYPERV_TIMER_H
#include <clocksource/hyperv_timer.h>
#endif

/* the HYPERVISOR_CALLBACK_VECTOR handler (5.12 renamed the hook) */
static inline void lis_hv_set_vector_handler(void (*handler)(void))
{
#if defined(HAVE_HV_SETUP_VMBUS_HANDLER)
	hv_setup_vmbus_handler(handler);
#elif defined(HAVE_HV_SETUP_VMBUS_IRQ)
	hv_setup_vmbus_irq(handler);
#else
#error "no hook for the Hyper-V callback vector (see kernel-compat/required.conf)"
#endif
}

static inline void lis_hv_clear_vector_handler(void)
{
#if defined(HAVE_HV_SETUP_VMBUS_HANDLER)
	hv_remove_vmbus_handler();
#elif defined(HAVE_HV_SETUP_VMBUS_IRQ)
	hv_remove_vmbus_irq();
#endif
}

#endif
