/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 4.8(ish): hv_do_hypercall(control, input, output), an inline in
 * asm/mshyperv.h that calls through hv_hypercall_pg with memory-based input.
 */
#include <asm/mshyperv.h>

LIS_PROBE(hv_do_hypercall)
{
	u64 status = hv_do_hypercall(0x5c, NULL, NULL);

	LIS_PROBE_USE(status);
}
