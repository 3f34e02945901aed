/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 4.10: cpuhp_setup_state_nocalls()/cpuhp_remove_state() with dynamic states
 * (CPUHP_AP_ONLINE_DYN) replaced CPU notifiers; RHEL 7.5+ backported the
 * state machine.
 */
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>

static int lis_probe_cpuhp_setup_state_cb(unsigned int cpu)
{
	LIS_PROBE_USE(cpu);
	return 0;
}

LIS_PROBE(cpuhp_setup_state)
{
	int st = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "lis:probe",
					   lis_probe_cpuhp_setup_state_cb,
					   lis_probe_cpuhp_setup_state_cb);

	if (st >= 0)
		cpuhp_remove_state(st);
}
