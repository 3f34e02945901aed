/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Display helpers under one name whatever the kernel calls them.  Keyed only
 * on HAVE_* from kernel-compat/probes/video.
 */
#ifndef LIS_COMPAT_VIDEO_H
#define LIS_COMPAT_VIDEO_H

#include <linux/fb.h>
#include <linux/slab.h>
#if defined(HAVE_APERTURE_REMOVE_CONFLICTING_DEVICES) || \
	defined(HAVE_APERTURE_REMOVE_CONFLICTING_DEVICES_3ARGS)
#include <linux/aperture.h>
#endif

/* a firmware framebuffer (efifb, simplefb, vesafb) on [base, base + size)
 * is removed before ours takes the memory over */
static inline void lis_fb_remove_conflicts(resource_size_t base, resource_size_t size,
					   const char *name)
{
#if defined(HAVE_APERTURE_REMOVE_CONFLICTING_DEVICES_3ARGS)
	aperture_remove_conflicting_devices(base, size, name);
#elif defined(HAVE_APERTURE_REMOVE_CONFLICTING_DEVICES)
	aperture_remove_conflicting_devices(base, size, false, name);
#elif defined(HAVE_REMOVE_CONFLICTING_FRAMEBUFFERS)
	struct apertures_struct *a = alloc_apertures(1);

	if (!a)
		return;
	a->ranges[0].base = base;
	a->ranges[0].size = size;
	remove_conflicting_framebuffers(a, name, false);
	kfree(a);
#endif
}

#endif
