// SPDX-License-Identifier: GPL-2.0
/*
 * Timekeeping beside the VMBus: replacing the in-tree hv_vmbus must not
 * degrade it.  Three cases, decided by probes:
 *  - the kernel's built-in stimer code with the legacy hooks (5.8+):
 *    hv_stimer_legacy_init/cleanup per CPU, timer messages -> hv_stimer0_isr;
 *  - the first built-in API (5.4-5.8): hv_stimer_alloc(sint) at load,
 *    hv_stimer_init/cleanup per CPU, hv_stimer_free at unload;
 *  - no built-in stimer code (RHEL 7, whose in-tree hv_vmbus carried the
 *    clock events): our own stimer0 clock event device per CPU, in message
 *    mode on the VMBus SINT, armed through the platform's MSRs.
 * Only on real Hyper-V: a test platform has no synthetic timers.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/cpumask.h>
#include <linux/clockchips.h>
#include <lis_compat/hv.h>
#include "vmbus_glue.h"

static char *stimer = "auto";
module_param(stimer, charp, 0444);
MODULE_PARM_DESC(stimer, "stimer0 clock events: auto (hv_vmbus's own only where the kernel has none), own, off");

enum lis_timer_mode { LIS_TIMER_NONE, LIS_TIMER_KERNEL, LIS_TIMER_OWN };
static enum lis_timer_mode lis_timer_mode;
static const struct lis_platform *lis_timer_plat;
static struct clock_event_device __percpu *lis_ce;
static u32 __percpu *lis_ce_vp;
static cpumask_t lis_ce_registered;

/* ---- our own clock events ---- */

static void lis_ce_write(u32 msr, u64 v)
{
	lis_timer_plat->write_msr(lis_timer_plat->ctx, *this_cpu_ptr(lis_ce_vp), msr, v);
}

static int lis_ce_next_event(unsigned long delta, struct clock_event_device *ce)
{
	u64 now = lis_timer_plat->read_msr(lis_timer_plat->ctx, *this_cpu_ptr(lis_ce_vp),
					   LIS_HV_MSR_TIME_REF_COUNT);

	/* auto-enable: writing the count arms the timer */
	lis_ce_write(LIS_HV_MSR_STIMER0_COUNT, now + delta);
	return 0;
}

static int lis_ce_shutdown(struct clock_event_device *ce)
{
	lis_ce_write(LIS_HV_MSR_STIMER0_COUNT, 0);
	lis_ce_write(LIS_HV_MSR_STIMER0_CONFIG, 0);
	return 0;
}

static int lis_ce_oneshot(struct clock_event_device *ce)
{
	lis_ce_write(LIS_HV_MSR_STIMER0_CONFIG, LIS_HV_STIMER_ENABLE | LIS_HV_STIMER_AUTO_ENABLE |
		     ((u64)LIS_VMBUS_SINT << LIS_HV_STIMER_SINT_SHIFT));
	return 0;
}

#ifndef HAVE_CLOCKEVENT_SET_STATE
static void lis_ce_set_mode(enum clock_event_mode mode, struct clock_event_device *ce)
{
	if (mode == CLOCK_EVT_MODE_ONESHOT)
		lis_ce_oneshot(ce);
	else if (mode == CLOCK_EVT_MODE_SHUTDOWN || mode == CLOCK_EVT_MODE_UNUSED)
		lis_ce_shutdown(ce);
}
#endif

static void lis_ce_register(unsigned int cpu, u32 vp)
{
	struct clock_event_device *ce = per_cpu_ptr(lis_ce, cpu);

	*per_cpu_ptr(lis_ce_vp, cpu) = vp;
	if (cpumask_test_cpu(cpu, &lis_ce_registered))
		return;
	memset(ce, 0, sizeof(*ce));
	ce->name = "Hyper-V clockevent";
	ce->features = CLOCK_EVT_FEAT_ONESHOT;
	ce->cpumask = cpumask_of(cpu);
	/* above the emulated local APIC timer */
	ce->rating = 1000;
	ce->owner = THIS_MODULE;
	ce->set_next_event = lis_ce_next_event;
#ifdef HAVE_CLOCKEVENT_SET_STATE
	ce->set_state_shutdown = lis_ce_shutdown;
	ce->set_state_oneshot = lis_ce_oneshot;
#else
	ce->set_mode = lis_ce_set_mode;
#endif
	clockevents_config_and_register(ce, LIS_HV_STIMER_FREQUENCY, 1, 0xffffffff);
	cpumask_set_cpu(cpu, &lis_ce_registered);
}

static bool lis_platform_has_stimer(const struct lis_platform *plat)
{
	u32 r[4];

	plat->cpuid(plat->ctx, LIS_HV_CPUID_FEATURES, r);
	return (r[0] & (LIS_HV_PRIV_SYNTIMER_MSRS | LIS_HV_PRIV_TIME_REF_COUNT)) ==
		(LIS_HV_PRIV_SYNTIMER_MSRS | LIS_HV_PRIV_TIME_REF_COUNT);
}

/* the kernel runs its own stimer0 clock events */
static bool lis_kernel_has_stimer(void)
{
#if defined(HAVE_HV_STIMER_LEGACY_INIT) || defined(HAVE_HV_STIMER_INIT_CPU)
	return true;
#else
	return false;
#endif
}

/* ---- the three cases ---- */

static int lis_own_timer_init(const struct lis_platform *plat)
{
	if (!lis_platform_has_stimer(plat)) {
		pr_info("hv_vmbus: the platform offers no synthetic timers\n");
		return 0;
	}
	lis_ce = alloc_percpu(struct clock_event_device);
	lis_ce_vp = alloc_percpu(u32);
	if (!lis_ce || !lis_ce_vp) {
		free_percpu(lis_ce);
		free_percpu(lis_ce_vp);
		return -ENOMEM;
	}
	lis_timer_mode = LIS_TIMER_OWN;
#ifndef HAVE_CLOCKEVENTS_UNBIND_DEVICE
	/* a clock event device cannot be taken away on this kernel */
	__module_get(THIS_MODULE);
	pr_info("hv_vmbus: stimer0 clock events in use; this kernel cannot unload them, so hv_vmbus stays loaded\n");
#endif
	return 0;
}

/*
 * stimer=auto: on Hyper-V, the kernel's stimer code where it has it, ours
 * where it has none.  stimer=own: ours on any platform with synthetic
 * timers (never where the kernel already runs its own).  stimer=off.
 */
int lis_timer_init(const struct lis_platform *plat)
{
	lis_timer_plat = plat;
	lis_timer_mode = LIS_TIMER_NONE;
	if (!strcmp(stimer, "off"))
		return 0;
	if (!strcmp(stimer, "own"))
		return plat == &lis_hyperv_platform && lis_kernel_has_stimer() ?
			-EBUSY : lis_own_timer_init(plat);
	if (plat != &lis_hyperv_platform)
		return 0;
#if defined(HAVE_HV_STIMER_LEGACY_INIT)
	lis_timer_mode = LIS_TIMER_KERNEL;
	return 0;
#elif defined(HAVE_HV_STIMER_INIT_CPU)
	if (hv_stimer_alloc(LIS_VMBUS_SINT) == 0)
		lis_timer_mode = LIS_TIMER_KERNEL;
	return 0;
#else
	return lis_own_timer_init(plat);
#endif
}

void lis_timer_cpu_online(unsigned int cpu, u32 vp)
{
	switch (lis_timer_mode) {
	case LIS_TIMER_KERNEL:
#if defined(HAVE_HV_STIMER_LEGACY_INIT)
		/* the built-in stimer0 delivers through our SINT when not direct */
		hv_stimer_legacy_init(cpu, LIS_VMBUS_SINT);
#elif defined(HAVE_HV_STIMER_INIT_CPU)
		hv_stimer_init(cpu);
#endif
		break;
	case LIS_TIMER_OWN:
		lis_ce_register(cpu, vp);
		break;
	case LIS_TIMER_NONE:
		break;
	}
}

void lis_timer_cpu_offline(unsigned int cpu)
{
	switch (lis_timer_mode) {
	case LIS_TIMER_KERNEL:
#if defined(HAVE_HV_STIMER_LEGACY_INIT)
		hv_stimer_legacy_cleanup(cpu);
#elif defined(HAVE_HV_STIMER_INIT_CPU)
		hv_stimer_cleanup(cpu);
#endif
		break;
	case LIS_TIMER_OWN:
		lis_ce_shutdown(per_cpu_ptr(lis_ce, cpu));
		break;
	case LIS_TIMER_NONE:
		break;
	}
}

/* a timer-expired message arrived on the VMBus SINT of this CPU */
void lis_timer_message(unsigned int cpu)
{
	struct clock_event_device *ce;

	switch (lis_timer_mode) {
	case LIS_TIMER_KERNEL:
#if defined(HAVE_HV_STIMER_LEGACY_INIT) || defined(HAVE_HV_STIMER_INIT_CPU)
		hv_stimer0_isr();
#endif
		break;
	case LIS_TIMER_OWN:
		ce = this_cpu_ptr(lis_ce);
		if (ce->event_handler)
			ce->event_handler(ce);
		break;
	case LIS_TIMER_NONE:
		break;
	}
}

/* kexec: the next kernel must not get our timers' messages */
void lis_timer_stop_all(void)
{
	if (lis_timer_mode == LIS_TIMER_KERNEL) {
#if defined(HAVE_HV_STIMER_LEGACY_INIT) || defined(HAVE_HV_STIMER_INIT_CPU)
		hv_stimer_global_cleanup();
#endif
	} else if (lis_timer_mode == LIS_TIMER_OWN) {
		lis_ce_shutdown(this_cpu_ptr(lis_ce));
	}
}

void lis_timer_exit(void)
{
	unsigned int cpu;

	if (lis_timer_mode == LIS_TIMER_KERNEL) {
#if defined(HAVE_HV_STIMER_INIT_CPU) && !defined(HAVE_HV_STIMER_LEGACY_INIT)
		hv_stimer_free();
#endif
	} else if (lis_timer_mode == LIS_TIMER_OWN) {
#ifdef HAVE_CLOCKEVENTS_UNBIND_DEVICE
		for_each_cpu(cpu, &lis_ce_registered)
			clockevents_unbind_device(per_cpu_ptr(lis_ce, cpu), cpu);
		free_percpu(lis_ce);
		free_percpu(lis_ce_vp);
#else
		(void)cpu;
#endif
	}
	lis_timer_mode = LIS_TIMER_NONE;
}
