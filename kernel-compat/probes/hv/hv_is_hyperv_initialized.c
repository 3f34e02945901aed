/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 4.16: hv_is_hyperv_initialized() tells whether the kernel's own Hyper-V
 * platform setup (guest OS id, hypercall page) ran at boot.
 * lis-export: hv_is_hyperv_initialized
 */
#include <asm/mshyperv.h>

LIS_PROBE(hv_is_hyperv_initialized)
{
	LIS_PROBE_USE(hv_is_hyperv_initialized());
}
