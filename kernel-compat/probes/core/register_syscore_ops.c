/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 3.0: syscore_ops.shutdown runs after every device was shut down, on one
 * CPU with interrupts off — where hv_vmbus sends UNLOAD at shutdown.
 */
#include <linux/syscore_ops.h>

static void lis_probe_register_syscore_ops_cb(void)
{
}

LIS_PROBE(register_syscore_ops)
{
	static struct syscore_ops ops = { .shutdown = lis_probe_register_syscore_ops_cb };

	register_syscore_ops(&ops);
	unregister_syscore_ops(&ops);
}
