/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 4.8(ish): the hypercall page moved from hv_vmbus into the x86 platform code
 * (arch/x86/hyperv/hv_init.c) and is exported as hv_hypercall_pg; the kernel
 * sets it up at boot on Hyper-V, so a VMBus module must not set up another.
 * lis-export: hv_hypercall_pg
 */
#include <asm/mshyperv.h>

LIS_PROBE(hv_hypercall_pg)
{
	LIS_PROBE_USE(hv_hypercall_pg != NULL);
}
