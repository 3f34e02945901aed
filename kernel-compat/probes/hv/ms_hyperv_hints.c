/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 4.14: struct ms_hyperv_info gained .hints (CPUID 0x40000004 EAX), filled by
 * the kernel at boot.  We read CPUID ourselves; the probe tells whether the
 * kernel's copy can be trusted to exist.
 * lis-export: ms_hyperv
 */
#include <asm/mshyperv.h>

LIS_PROBE(ms_hyperv_hints)
{
	LIS_PROBE_USE(ms_hyperv.hints);
}
