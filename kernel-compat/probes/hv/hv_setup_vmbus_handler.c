/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 5.12: hv_setup_vmbus_irq() was renamed hv_setup_vmbus_handler() when the
 * VMBus interrupt plumbing was made architecture neutral (ARM64 support).
 * The kernel's HYPERVISOR_CALLBACK_VECTOR entry calls the registered handler.
 * lis-export: hv_setup_vmbus_handler hv_remove_vmbus_handler
 */
#include <asm/mshyperv.h>

static void lis_probe_hv_setup_vmbus_handler_isr(void)
{
}

LIS_PROBE(hv_setup_vmbus_handler)
{
	hv_setup_vmbus_handler(lis_probe_hv_setup_vmbus_handler_isr);
	hv_remove_vmbus_handler();
}
