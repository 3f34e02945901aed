/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 2.6 to 4.9: CPU notifiers (register_cpu_notifier, CPU_ONLINE/CPU_DOWN_PREPARE),
 * the way to follow CPU hotplug before the 4.10 state machine; RHEL 7.0-7.4
 * kernels only have this.  Removed upstream in 4.10.
 */
#include <linux/cpu.h>
#include <linux/notifier.h>

static int lis_probe_register_cpu_notifier_cb(struct notifier_block *nb,
					      unsigned long action, void *hcpu)
{
	LIS_PROBE_USE(nb);
	LIS_PROBE_USE(action);
	LIS_PROBE_USE(hcpu);
	return NOTIFY_OK;
}

LIS_PROBE(register_cpu_notifier)
{
	static struct notifier_block nb = {
		.notifier_call = lis_probe_register_cpu_notifier_cb,
	};

	register_cpu_notifier(&nb);
	unregister_cpu_notifier(&nb);
	LIS_PROBE_USE(CPU_ONLINE | CPU_DOWN_PREPARE | CPU_DEAD);
}
