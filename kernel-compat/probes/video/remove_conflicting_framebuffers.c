/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 4.x .. 5.x: remove_conflicting_framebuffers(apertures, name, primary)
 * with alloc_apertures(); 6.0 replaced it with the aperture helpers.
 * lis-export: remove_conflicting_framebuffers
 */
#include <linux/fb.h>
#include <linux/slab.h>

LIS_PROBE(remove_conflicting_framebuffers)
{
	struct apertures_struct *a = alloc_apertures(1);

	LIS_PROBE_USE(remove_conflicting_framebuffers(a, "lis", false));
	kfree(a);
}
