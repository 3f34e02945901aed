/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MSR access under one name (6.16 renamed rdmsrl/wrmsrl to rdmsrq/wrmsrq).
 * Keyed only on HAVE_* from kernel-compat/probes/x86.
 */
#ifndef LIS_COMPAT_MSR_H
#define LIS_COMPAT_MSR_H

#include <asm/msr.h>

static inline u64 lis_rdmsr(u32 msr)
{
	u64 v;

#ifdef HAVE_RDMSRQ
	rdmsrq(msr, v);
#else
	rdmsrl(msr, v);
#endif
	return v;
}

static inline void lis_wrmsr(u32 msr, u64 v)
{
#ifdef HAVE_RDMSRQ
	wrmsrq(msr, v);
#else
	wrmsrl(msr, v);
#endif
}

#endif
