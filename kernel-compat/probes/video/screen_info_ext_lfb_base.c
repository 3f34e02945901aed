/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 4.0 (EFI on systems with framebuffers above 4 GiB): struct screen_info
 * gained ext_lfb_base, the upper 32 bits of lfb_base, valid when
 * capabilities has VIDEO_CAPABILITY_64BIT_BASE.  hv_vmbus keeps the firmware
 * framebuffer out of the MMIO it hands to other devices.
 */
#include <linux/screen_info.h>

LIS_PROBE(screen_info_ext_lfb_base)
{
	u64 base = ((u64)screen_info.ext_lfb_base << 32) | screen_info.lfb_base;

	LIS_PROBE_USE(base + (screen_info.capabilities & VIDEO_CAPABILITY_64BIT_BASE));
}
