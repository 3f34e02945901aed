/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 6.16: rdmsrl()/wrmsrl() were renamed rdmsrq()/wrmsrq() (the old names
 * went away in the same cycle).
 */
#include <asm/msr.h>

LIS_PROBE(rdmsrq)
{
	u64 v;

	rdmsrq(0x40000002, v);
	wrmsrq(0x40000084, v);
}
