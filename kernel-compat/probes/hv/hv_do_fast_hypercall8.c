/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 4.14: hv_do_fast_hypercall8(code, input) for register-based hypercalls
 * (HvSignalEvent is issued this way).
 */
#include <asm/mshyperv.h>

LIS_PROBE(hv_do_fast_hypercall8)
{
	u64 status = hv_do_fast_hypercall8(0x5d, 0);

	LIS_PROBE_USE(status);
}
