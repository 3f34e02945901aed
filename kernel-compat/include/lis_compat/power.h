/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Power shims for hv_utils' shutdown IC: an orderly reboot, and whether the
 * VM can hibernate.  Keyed only on HAVE_* from kernel-compat/probes/power.
 */
#ifndef LIS_COMPAT_POWER_H
#define LIS_COMPAT_POWER_H

#include <linux/reboot.h>
#include <linux/kmod.h>
#ifdef HAVE_HV_IS_HIBERNATION_SUPPORTED
#include <asm/mshyperv.h>
#endif

#ifndef HAVE_ORDERLY_REBOOT
/* 4.1 added orderly_reboot(): /sbin/reboot, else an emergency restart */
static inline void orderly_reboot(void)
{
	static char *argv[] = { "/sbin/reboot", NULL };
	static char *envp[] = { "HOME=/", "PATH=/sbin:/bin:/usr/sbin:/usr/bin", NULL };

	if (call_usermodehelper(argv[0], argv, envp, UMH_WAIT_EXEC)) {
		emergency_sync();
		kernel_restart(NULL);
	}
}
#endif

/* the VM has what hibernation needs (ACPI S4); false where unknown */
static inline bool lis_hibernation_supported(void)
{
#ifdef HAVE_HV_IS_HIBERNATION_SUPPORTED
	return hv_is_hibernation_supported();
#else
	return false;
#endif
}

#endif
