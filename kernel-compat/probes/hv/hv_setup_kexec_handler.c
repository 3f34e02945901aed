/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 4.5: hv_setup_kexec_handler()/hv_setup_crash_handler() let the VMBus driver
 * send UNLOAD before kexec and on crash (backported to RHEL 7.3).
 * lis-export: hv_setup_kexec_handler hv_remove_kexec_handler
 */
#include <asm/mshyperv.h>

static void lis_probe_hv_setup_kexec_handler_cb(void)
{
}

LIS_PROBE(hv_setup_kexec_handler)
{
	hv_setup_kexec_handler(lis_probe_hv_setup_kexec_handler_cb);
	hv_remove_kexec_handler();
}
