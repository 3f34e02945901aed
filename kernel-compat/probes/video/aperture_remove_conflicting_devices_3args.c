/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 6.5: aperture_remove_conflicting_devices(base, size, name) lost its
 * `primary` argument.
 * lis-export: aperture_remove_conflicting_devices
 */
#include <linux/aperture.h>

LIS_PROBE(aperture_remove_conflicting_devices_3args)
{
	LIS_PROBE_USE(aperture_remove_conflicting_devices(0, 0, "lis"));
}
