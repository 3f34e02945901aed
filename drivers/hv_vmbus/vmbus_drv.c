// SPDX-License-Identifier: GPL-2.0
/*
 * hv_vmbus: module life cycle and the environment of the portable core —
 * which platform to use (real Hyper-V, or a test platform such as the VM
 * rung's bridge), per-CPU tasklets for events, ordered workqueues for
 * messages and offers, CPU hotplug, and UNLOAD on unload, kexec, crash and
 * shutdown.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/cpumask.h>
#include <linux/workqueue.h>
#include <linux/interrupt.h>
#include <linux/smp.h>
#include <linux/syscore_ops.h>
#include <linux/mod_devicetable.h>
#include <lis_compat/hv.h>
#include <lis_compat/cpu.h>
#include <lis_compat/timer.h>
#include "vmbus_glue.h"

static unsigned int max_version;
module_param(max_version, uint, 0444);
MODULE_PARM_DESC(max_version, "highest VMBus version to offer, major << 16 | minor (0: newest)");

static unsigned int timeout_ms;
module_param(timeout_ms, uint, 0444);
MODULE_PARM_DESC(timeout_ms, "how long to wait for the host to answer (0: 10000 ms)");

struct lis_vmbus *lis_vmbus_conn;

/* provided by a test-only module (the VM rung's bridge); looked up at load.
 * That module is loaded before us, so it cannot link to us: we hand it our
 * interrupt entry and kexec/crash handlers through its lis_vmbus_test_hooks
 * (both declared in lis/vmbus.h). */
static const struct lis_platform *lis_test_plat;
static struct lis_vmbus_test_hooks *lis_test_hooks;

static const struct lis_platform *lis_plat;
static struct tasklet_struct *lis_tasklets;
static struct workqueue_struct *lis_msg_wq, *lis_offer_wq;
static struct work_struct lis_msg_work, lis_offer_work;
static struct lis_cpuhp lis_hp;
static bool lis_cpuhp_ready;
static bool lis_unloading;

/* ---- environment of the core ---- */

static void lis_tasklet_fn(struct tasklet_struct *t)
{
	lis_vmbus_run_events(lis_vmbus_conn, (unsigned int)(t - lis_tasklets));
}

static void lis_defer_events_here(void *info)
{
	tasklet_schedule(&lis_tasklets[(unsigned long)info]);
}

/* the events of `cpu` run on that CPU (its message slot's EOM is a write to
 * its own SynIC): from the interrupt they are; a channel opener that finds
 * data already in the ring (lis_vmbus_kick_channel) may be elsewhere */
static void env_defer_events(void *env, unsigned int cpu)
{
	unsigned int me = get_cpu();

	if (cpu == me)
		tasklet_schedule(&lis_tasklets[cpu]);
	else
		smp_call_function_single(cpu, lis_defer_events_here, (void *)(unsigned long)cpu, 0);
	put_cpu();
}

static void lis_msg_work_fn(struct work_struct *w)
{
	lis_vmbus_run_messages(lis_vmbus_conn);
}

static void lis_offer_work_fn(struct work_struct *w)
{
	lis_vmbus_run_offers(lis_vmbus_conn);
}

static void env_defer_messages(void *env)
{
	queue_work(lis_msg_wq, &lis_msg_work);
}

static void env_defer_offers(void *env)
{
	queue_work(lis_offer_wq, &lis_offer_work);
}

static void env_channel_offered(void *env, struct lis_channel *ch)
{
	lis_bus_add_channel(ch);
}

static void env_channel_rescinded(void *env, struct lis_channel *ch)
{
	lis_bus_remove_channel(ch);
}

static void env_timer_message(void *env, unsigned int cpu)
{
	lis_timer_message(cpu);
}

static u32 env_cpu_to_vp(void *env, unsigned int cpu)
{
#ifdef HAVE_HV_VP_INDEX
	if (lis_plat == &lis_hyperv_platform && hv_vp_index)
		return hv_vp_index[cpu];
#endif
	/* on the CPU concerned (cpu_up runs there): its own VP index MSR */
	return (u32)lis_plat->read_msr(lis_plat->ctx, cpu, LIS_HV_MSR_VP_INDEX);
}

static const struct lis_env_ops lis_env = {
	.defer_events = env_defer_events,
	.defer_messages = env_defer_messages,
	.defer_offers = env_defer_offers,
	.channel_offered = env_channel_offered,
	.channel_rescinded = env_channel_rescinded,
	.timer_message = env_timer_message,
	.cpu_to_vp = env_cpu_to_vp,
};

/* ---- CPU hotplug ---- */

static int lis_cpu_online(unsigned int cpu)
{
	int ret = lis_vmbus_cpu_up(lis_vmbus_conn, cpu);

	if (!ret)
		lis_timer_cpu_online(cpu, env_cpu_to_vp(NULL, cpu));
	return ret;
}

static int lis_cpu_offline(unsigned int cpu)
{
	if (!READ_ONCE(lis_unloading)) {
		/* the host's messages go to this CPU, and the host offers no
		 * way to move them; channels can move, but ours stay put */
		if (cpu == lis_vmbus_msg_cpu(lis_vmbus_conn) ||
		    lis_vmbus_cpu_busy(lis_vmbus_conn, cpu))
			return -EBUSY;
	}
	lis_timer_cpu_offline(cpu);
	lis_vmbus_cpu_down(lis_vmbus_conn, cpu);
	return 0;
}

/* ---- kexec, crash, shutdown ---- */

#ifdef HAVE_HV_SETUP_KEXEC_HANDLER
static void lis_kexec_handler(void)
{
	lis_timer_stop_all();
	lis_vmbus_unload_polled(lis_vmbus_conn);
}
#endif

#ifdef HAVE_HV_SETUP_CRASH_HANDLER
static void lis_crash_handler(struct pt_regs *regs)
{
	lis_vmbus_unload_polled(lis_vmbus_conn);
}
#endif

/* a test platform's kexec and crash paths (the kernel's hooks are Hyper-V's) */
static void lis_test_unload(void)
{
	lis_vmbus_unload_polled(lis_vmbus_conn);
}

/* after every device was shut down, one CPU, interrupts off */
static void lis_syscore_shutdown(void)
{
	lis_vmbus_unload_polled(lis_vmbus_conn);
}

static struct syscore_ops lis_syscore = {
	.shutdown = lis_syscore_shutdown,
};

/* ---- load and unload ---- */

static const struct lis_platform *lis_pick_platform(void)
{
	int ret = lis_vmbus_detect_quiet(&lis_hyperv_platform);

	if (!ret) {
		if (!lis_hyperv_platform_usable()) {
			pr_err("hv_vmbus: Hyper-V without a hypercall page; not loading\n");
			return ERR_PTR(-ENODEV);
		}
		return &lis_hyperv_platform;
	}
	if (ret == -EPERM)
		return ERR_PTR(ret);
	/* no Hyper-V: a test platform, if one was loaded; never with Hyper-V */
	lis_test_plat = symbol_get(lis_vmbus_test_platform);
	if (lis_test_plat) {
		lis_test_hooks = symbol_get(lis_vmbus_test_hooks);
		if (!lis_test_hooks) {
			pr_err("hv_vmbus: the test platform \"%s\" has no lis_vmbus_test_hooks; not loading\n",
			       lis_test_plat->name);
			symbol_put(lis_vmbus_test_platform);
			lis_test_plat = NULL;
			return ERR_PTR(-ENODEV);
		}
		WRITE_ONCE(lis_test_hooks->isr, lis_vmbus_isr);
		pr_info("hv_vmbus: using the test platform \"%s\"\n", lis_test_plat->name);
		return lis_test_plat;
	}
	/* neither: say why Hyper-V is not usable, in one line */
	return ERR_PTR(lis_vmbus_detect(&lis_hyperv_platform));
}

static void lis_put_test_platform(void)
{
	if (lis_test_hooks) {
		WRITE_ONCE(lis_test_hooks->isr, NULL);
		symbol_put(lis_vmbus_test_hooks);
	}
	lis_test_hooks = NULL;
	if (lis_test_plat)
		symbol_put(lis_vmbus_test_platform);
	lis_test_plat = NULL;
}

static int __init lis_vmbus_init(void)
{
	struct lis_vmbus_config cfg = { 0 };
	unsigned int cpu;
	int ret;

	lis_plat = lis_pick_platform();
	if (IS_ERR(lis_plat))
		return PTR_ERR(lis_plat);

	ret = bus_register(&lis_vmbus_bus);
	if (ret)
		goto put_plat;
	lis_mmio_init(lis_plat == &lis_hyperv_platform);
	ret = -ENOMEM;
	lis_tasklets = kcalloc(nr_cpu_ids, sizeof(*lis_tasklets), GFP_KERNEL);
	lis_msg_wq = alloc_ordered_workqueue("hv_vmbus_msg", 0);
	lis_offer_wq = alloc_ordered_workqueue("hv_vmbus_offers", 0);
	if (!lis_tasklets || !lis_msg_wq || !lis_offer_wq)
		goto free_queues;
	for (cpu = 0; cpu < nr_cpu_ids; cpu++)
		tasklet_setup(&lis_tasklets[cpu], lis_tasklet_fn);
	INIT_WORK(&lis_msg_work, lis_msg_work_fn);
	INIT_WORK(&lis_offer_work, lis_offer_work_fn);

	cfg.plat = lis_plat;
	cfg.env = &lis_env;
	cfg.nr_cpus = nr_cpu_ids;
	/* the boot CPU: in a kdump kernel it need not be VP 0 */
	cfg.msg_cpu = cpumask_first(cpu_online_mask);
	cfg.max_version = max_version;
	cfg.timeout_ms = timeout_ms;
	ret = lis_vmbus_create(&cfg, &lis_vmbus_conn);
	if (ret)
		goto free_queues;
	ret = lis_timer_init(lis_plat);
	if (ret)
		goto destroy;

	lis_hp.online = lis_cpu_online;
	lis_hp.offline = lis_cpu_offline;
	ret = lis_cpuhp_setup(&lis_hp, "hv_vmbus:online");
	if (ret)
		goto destroy;
	lis_cpuhp_ready = true;

	ret = lis_vmbus_connect(lis_vmbus_conn);
	if (ret)
		goto cpus_down;

	if (lis_plat == &lis_hyperv_platform) {
#ifdef HAVE_HV_SETUP_KEXEC_HANDLER
		hv_setup_kexec_handler(lis_kexec_handler);
#endif
#ifdef HAVE_HV_SETUP_CRASH_HANDLER
		hv_setup_crash_handler(lis_crash_handler);
#endif
	} else if (lis_test_hooks) {
		WRITE_ONCE(lis_test_hooks->kexec, lis_test_unload);
		WRITE_ONCE(lis_test_hooks->crash, lis_test_unload);
	}
	register_syscore_ops(&lis_syscore);
	pr_info("hv_vmbus: LIS %s (%s) on %s, VMBus %u.%u\n", LIS_VERSION, LIS_FAMILY,
		lis_plat->name, lis_vmbus_version(lis_vmbus_conn) >> 16,
		lis_vmbus_version(lis_vmbus_conn) & 0xffff);
	return 0;

cpus_down:
	WRITE_ONCE(lis_unloading, true);
	flush_workqueue(lis_offer_wq);
	lis_bus_remove_all();
	lis_cpuhp_remove(&lis_hp);
	lis_timer_exit();
destroy:
	flush_workqueue(lis_msg_wq);
	flush_workqueue(lis_offer_wq);
	lis_vmbus_destroy(lis_vmbus_conn);
	lis_vmbus_conn = NULL;
free_queues:
	if (lis_msg_wq)
		destroy_workqueue(lis_msg_wq);
	if (lis_offer_wq)
		destroy_workqueue(lis_offer_wq);
	kfree(lis_tasklets);
	lis_mmio_exit();
	bus_unregister(&lis_vmbus_bus);
put_plat:
	lis_put_test_platform();
	return ret;
}

static void __exit lis_vmbus_exit(void)
{
	unsigned int cpu;

	unregister_syscore_ops(&lis_syscore);
	if (lis_plat == &lis_hyperv_platform) {
#ifdef HAVE_HV_SETUP_KEXEC_HANDLER
		hv_remove_kexec_handler();
#endif
#ifdef HAVE_HV_SETUP_CRASH_HANDLER
		hv_remove_crash_handler();
#endif
	} else if (lis_test_hooks) {
		WRITE_ONCE(lis_test_hooks->kexec, NULL);
		WRITE_ONCE(lis_test_hooks->crash, NULL);
	}
	/* drivers close their channels as their devices go */
	flush_workqueue(lis_offer_wq);
	lis_bus_remove_all();
	lis_vmbus_disconnect(lis_vmbus_conn);
	WRITE_ONCE(lis_unloading, true);
	lis_cpuhp_remove(&lis_hp);
	lis_timer_exit();
	flush_workqueue(lis_msg_wq);
	flush_workqueue(lis_offer_wq);
	for (cpu = 0; cpu < nr_cpu_ids; cpu++)
		tasklet_kill(&lis_tasklets[cpu]);
	lis_vmbus_destroy(lis_vmbus_conn);
	lis_vmbus_conn = NULL;
	destroy_workqueue(lis_msg_wq);
	destroy_workqueue(lis_offer_wq);
	kfree(lis_tasklets);
	lis_mmio_exit();
	bus_unregister(&lis_vmbus_bus);
#ifndef HAVE_HV_DO_HYPERCALL
	if (lis_plat == &lis_hyperv_platform)
		lis_own_hypercall_teardown();
#endif
	lis_put_test_platform();
}

module_init(lis_vmbus_init);
module_exit(lis_vmbus_exit);

/* the ACPI device Hyper-V presents: these give the in-tree autoload aliases */
static const struct acpi_device_id lis_vmbus_acpi_ids[] = {
	{ "VMBUS", 0 },
	{ "VMBus", 0 },
	{ "", 0 },
};
MODULE_DEVICE_TABLE(acpi, lis_vmbus_acpi_ids);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("LIS: Microsoft Hyper-V VMBus");
MODULE_AUTHOR("LIS project");
MODULE_VERSION(LIS_VERSION);
