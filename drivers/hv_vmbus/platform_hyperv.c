// SPDX-License-Identifier: GPL-2.0
/*
 * The "hyperv" platform: the real instructions and the kernel's own Hyper-V
 * hooks.  The kernel sets up the hypercall page at boot (hv_hypercall_pg) and
 * owns the HYPERVISOR_CALLBACK_VECTOR entry; we register our handler with it.
 * MSRs are per CPU: the core calls rdmsr/wrmsr on the CPU concerned, so the
 * `vp` argument is not needed here.
 */
#include <linux/kernel.h>
#include <linux/smp.h>
#include <asm/processor.h>
#include <asm/irq_vectors.h>
#include <lis_compat/hv.h>
#include <lis_compat/msr.h>
#include "vmbus_glue.h"

static void hyperv_cpuid(void *ctx, u32 leaf, u32 regs[4])
{
	cpuid(leaf, &regs[0], &regs[1], &regs[2], &regs[3]);
}

static u64 hyperv_rdmsr(void *ctx, u32 vp, u32 msr)
{
	return lis_rdmsr(msr);
}

static void hyperv_wrmsr(void *ctx, u32 vp, u32 msr, u64 value)
{
	lis_wrmsr(msr, value);
}

static u64 hyperv_hypercall(void *ctx, u32 vp, u64 control, void *input,
			    u64 input_gpa, void *output, u64 output_gpa)
{
#ifdef HAVE_HV_DO_HYPERCALL
	return hv_do_hypercall(control, input, output);
#else
	return lis_own_hypercall(control, input_gpa, output_gpa);
#endif
}

static u64 hyperv_hypercall_fast8(void *ctx, u32 vp, u64 control, u64 input)
{
#if defined(HAVE_HV_DO_FAST_HYPERCALL8)
	return hv_do_fast_hypercall8((u16)control, input);
#elif defined(HAVE_HV_DO_HYPERCALL)
	/* the kernel's page, without its fast-call helper */
	return lis_raw_hypercall(hv_hypercall_pg, control | LIS_HV_HYPERCALL_FAST, input, 0);
#else
	return lis_own_hypercall(control | LIS_HV_HYPERCALL_FAST, input, 0);
#endif
}

static struct lis_vmbus *hyperv_vmbus;

static void lis_hyperv_isr(void)
{
	struct lis_vmbus *vmbus = READ_ONCE(hyperv_vmbus);

	if (vmbus)
		lis_vmbus_isr(vmbus, smp_processor_id());
}

static int hyperv_set_handler(void *ctx, struct lis_vmbus *vmbus)
{
	WRITE_ONCE(hyperv_vmbus, vmbus);
	lis_hv_set_vector_handler(lis_hyperv_isr);
	return HYPERVISOR_CALLBACK_VECTOR;
}

static void hyperv_clear_handler(void *ctx)
{
	lis_hv_clear_vector_handler();
	WRITE_ONCE(hyperv_vmbus, NULL);
}

const struct lis_platform lis_hyperv_platform = {
	.name = "hyperv",
	.cpuid = hyperv_cpuid,
	.read_msr = hyperv_rdmsr,
	.write_msr = hyperv_wrmsr,
	.hypercall = hyperv_hypercall,
	.hypercall_fast8 = hyperv_hypercall_fast8,
	.set_handler = hyperv_set_handler,
	.clear_handler = hyperv_clear_handler,
};

/* a hypercall page exists: the kernel's, or ours on kernels without one */
bool lis_hyperv_platform_usable(void)
{
#if defined(HAVE_HV_DO_HYPERCALL) && defined(HAVE_HV_HYPERCALL_PG)
	return hv_hypercall_pg != NULL;
#elif !defined(HAVE_HV_DO_HYPERCALL)
	return lis_own_hypercall_setup() == 0;
#else
	return true;
#endif
}
