/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 4.5: hv_setup_crash_handler() takes a handler called with the crashing
 * CPU's struct pt_regs (see hv_setup_kexec_handler for the pair).
 * lis-export: hv_setup_crash_handler hv_remove_crash_handler
 */
#include <asm/mshyperv.h>

static void lis_probe_hv_setup_crash_handler_cb(struct pt_regs *regs)
{
	LIS_PROBE_USE(regs);
}

LIS_PROBE(hv_setup_crash_handler)
{
	hv_setup_crash_handler(lis_probe_hv_setup_crash_handler_cb);
	hv_remove_crash_handler();
}
