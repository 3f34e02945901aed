/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 4.14: hyperv_cleanup() resets the guest OS id, hypercall page and reference
 * TSC page before kexec/crash; the VMBus driver calls it after UNLOAD.
 * lis-export: hyperv_cleanup
 */
#include <asm/mshyperv.h>

LIS_PROBE(hyperv_cleanup)
{
	hyperv_cleanup();
}
