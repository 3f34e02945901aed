/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 6.0: aperture_remove_conflicting_devices(base, size, primary, name) in
 * <linux/aperture.h> replaced remove_conflicting_framebuffers() for
 * drivers taking over a firmware framebuffer (6.5 then dropped `primary`).
 * lis-export: aperture_remove_conflicting_devices
 */
#include <linux/aperture.h>

LIS_PROBE(aperture_remove_conflicting_devices)
{
	LIS_PROBE_USE(aperture_remove_conflicting_devices(0, 0, false, "lis"));
}
