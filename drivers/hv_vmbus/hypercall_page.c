// SPDX-License-Identifier: GPL-2.0
/*
 * Our own hypercall page, for kernels whose platform code does not set one
 * up (the kernels without hv_do_hypercall(): before the hypercall page moved
 * into arch/x86, the in-tree hv_vmbus created it).  Bring-up per the fact
 * sheet §1.5: guest OS id, an executable page, HYPERCALL MSR enable bit read
 * back.  Where the kernel has its own page this file compiles to nothing.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <lis_compat/msr.h>
#include <lis/wire/vmbus.h>
#include "vmbus_glue.h"

#if !defined(HAVE_HV_DO_HYPERCALL) || !defined(HAVE_HV_DO_FAST_HYPERCALL8)
/* RCX control, RDX input (GPA or first 8 bytes), R8 output; RAX status */
u64 lis_raw_hypercall(void *pg, u64 control, u64 input, u64 output)
{
	register u64 r8 asm("r8") = output;
	u64 status;

	if (!pg)
		return U64_MAX;
	asm volatile("call *%[pg]"
		     : "=a" (status), "+c" (control), "+d" (input), "+r" (r8)
		     : [pg] "r" (pg)
		     : "cc", "memory", "r9", "r10", "r11");
	return status;
}
#endif

#ifndef HAVE_HV_DO_HYPERCALL

static void *lis_hypercall_pg;

int lis_own_hypercall_setup(void)
{
	u64 v;

	if (lis_hypercall_pg)
		return 0;
	if (!lis_rdmsr(LIS_HV_MSR_GUEST_OS_ID))
		/* open source (bit 63), OS type Linux (1 << 56) */
		lis_wrmsr(LIS_HV_MSR_GUEST_OS_ID, (1ull << 63) | (1ull << 56));
	lis_hypercall_pg = __vmalloc(PAGE_SIZE, GFP_KERNEL | __GFP_ZERO, PAGE_KERNEL_EXEC);
	if (!lis_hypercall_pg)
		return -ENOMEM;
	v = lis_rdmsr(LIS_HV_MSR_HYPERCALL);
	v = (v & 0xFFCull) | ((u64)vmalloc_to_pfn(lis_hypercall_pg) << PAGE_SHIFT) | 1;
	lis_wrmsr(LIS_HV_MSR_HYPERCALL, v);
	if (!(lis_rdmsr(LIS_HV_MSR_HYPERCALL) & 1)) {
		vfree(lis_hypercall_pg);
		lis_hypercall_pg = NULL;
		return -EIO;
	}
	return 0;
}

void lis_own_hypercall_teardown(void)
{
	if (!lis_hypercall_pg)
		return;
	lis_wrmsr(LIS_HV_MSR_HYPERCALL, lis_rdmsr(LIS_HV_MSR_HYPERCALL) & 0xFFCull);
	vfree(lis_hypercall_pg);
	lis_hypercall_pg = NULL;
}

u64 lis_own_hypercall(u64 control, u64 input, u64 output)
{
	return lis_raw_hypercall(lis_hypercall_pg, control, input, output);
}

#endif /* !HAVE_HV_DO_HYPERCALL */
