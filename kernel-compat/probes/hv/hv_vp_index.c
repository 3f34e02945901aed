/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 4.14: the kernel records each CPU's Hyper-V VP index at boot in the exported
 * array hv_vp_index[] (before that the VMBus driver read HV_X64_MSR_VP_INDEX).
 * lis-export: hv_vp_index
 */
#include <asm/mshyperv.h>

LIS_PROBE(hv_vp_index)
{
	u32 vp = hv_vp_index[0];

	LIS_PROBE_USE(vp);
}
