/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CPU hotplug: one interface over the cpuhp state machine (4.10+, RHEL 7.5+)
 * and the CPU notifiers it replaced.  Keyed only on HAVE_* probes.
 *
 * lis_cpuhp_setup(online, offline) calls online(cpu) on every online CPU and
 * on each CPU that comes up, offline(cpu) on each CPU that goes down (a
 * non-zero return vetoes it); lis_cpuhp_remove() calls offline on all.
 * With cpuhp, both run on the CPU concerned; with notifiers they are run
 * there with smp_call_function_single().
 */
#ifndef LIS_COMPAT_CPU_H
#define LIS_COMPAT_CPU_H

#include <linux/cpu.h>
#include <linux/smp.h>
#ifdef HAVE_LINUX_CPUHOTPLUG_H
#include <linux/cpuhotplug.h>
#endif

struct lis_cpuhp {
	int (*online)(unsigned int cpu);
	int (*offline)(unsigned int cpu);
#ifdef HAVE_CPUHP_SETUP_STATE
	int state;
#else
	struct notifier_block nb;
#endif
};

#ifdef HAVE_CPUHP_SETUP_STATE

static inline int lis_cpuhp_setup(struct lis_cpuhp *h, const char *name)
{
	int ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, name, h->online, h->offline);

	if (ret < 0)
		return ret;
	h->state = ret;
	return 0;
}

static inline void lis_cpuhp_remove(struct lis_cpuhp *h)
{
	cpuhp_remove_state(h->state);
}

#else

struct lis_cpuhp_call {
	int (*fn)(unsigned int cpu);
	unsigned int cpu;
	int ret;
};

static inline void lis_cpuhp_call_here(void *arg)
{
	struct lis_cpuhp_call *c = arg;

	c->ret = c->fn(c->cpu);
}

static inline int lis_cpuhp_run_on(int (*fn)(unsigned int), unsigned int cpu)
{
	struct lis_cpuhp_call c = { .fn = fn, .cpu = cpu };

	smp_call_function_single(cpu, lis_cpuhp_call_here, &c, 1);
	return c.ret;
}

static inline int lis_cpuhp_notify(struct notifier_block *nb, unsigned long action,
				   void *hcpu)
{
	struct lis_cpuhp *h = container_of(nb, struct lis_cpuhp, nb);
	unsigned int cpu = (unsigned long)hcpu;

	switch (action & ~CPU_TASKS_FROZEN) {
	case CPU_ONLINE:
		lis_cpuhp_run_on(h->online, cpu);
		break;
	case CPU_DOWN_PREPARE:
		if (lis_cpuhp_run_on(h->offline, cpu))
			return NOTIFY_BAD;
		break;
	}
	return NOTIFY_OK;
}

static inline int lis_cpuhp_setup(struct lis_cpuhp *h, const char *name)
{
	unsigned int cpu;
	int ret;

	(void)name;
	h->nb.notifier_call = lis_cpuhp_notify;
	get_online_cpus();
	for_each_online_cpu(cpu) {
		ret = lis_cpuhp_run_on(h->online, cpu);
		if (ret) {
			put_online_cpus();
			return ret;
		}
	}
	register_cpu_notifier(&h->nb);
	put_online_cpus();
	return 0;
}

static inline void lis_cpuhp_remove(struct lis_cpuhp *h)
{
	unsigned int cpu;

	get_online_cpus();
	unregister_cpu_notifier(&h->nb);
	for_each_online_cpu(cpu)
		lis_cpuhp_run_on(h->offline, cpu);
	put_online_cpus();
}

#endif /* HAVE_CPUHP_SETUP_STATE */

#endif
