/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ACPI resource helpers under one name whatever the kernel's ACPICA calls
 * them.  Keyed only on HAVE_* from kernel-compat/probes/acpi and video.
 */
#ifndef LIS_COMPAT_ACPI_H
#define LIS_COMPAT_ACPI_H

#include <linux/acpi.h>
#include <linux/screen_info.h>

#ifdef HAVE_ACPI_ADDRESS64_ATTRIBUTE
/* a field of an acpi_resource_address64's range */
#define lis_acpi_addr64(a, field)	((a)->address.field)
#else
#define lis_acpi_addr64(a, field)	((a)->field)
#endif

/* the firmware framebuffer's base address (0: none) */
static inline u64 lis_screen_info_lfb_base(void)
{
	u64 base = screen_info.lfb_base;

#ifdef HAVE_SCREEN_INFO_EXT_LFB_BASE
	if (screen_info.capabilities & VIDEO_CAPABILITY_64BIT_BASE)
		base |= (u64)screen_info.ext_lfb_base << 32;
#endif
	return base;
}

#endif
