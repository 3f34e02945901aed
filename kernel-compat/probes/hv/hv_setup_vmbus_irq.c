/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv_setup_vmbus_irq(): the x86 hook that routes HYPERVISOR_CALLBACK_VECTOR
 * to the VMBus driver, from the 3.x era until 5.12 renamed it
 * hv_setup_vmbus_handler().  RHEL 7.x (3.10) and RHEL 8.x (4.18) carry it.
 * lis-export: hv_setup_vmbus_irq hv_remove_vmbus_irq
 */
#include <asm/mshyperv.h>

static void lis_probe_hv_setup_vmbus_irq_isr(void)
{
}

LIS_PROBE(hv_setup_vmbus_irq)
{
	hv_setup_vmbus_irq(lis_probe_hv_setup_vmbus_irq_isr);
	hv_remove_vmbus_irq();
}
