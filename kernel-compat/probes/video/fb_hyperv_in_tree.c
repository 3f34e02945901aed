/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 3.9/3.10 (proposed February 2013): the in-tree hyperv_fb
 * (CONFIG_FB_HYPERV); whether the kernel's own set has it.  Ours is
 * built wherever the framebuffer layer is, but announces its device table
 * (udev loads it for the synthetic video device) only where the kernel's
 * own hyperv_fb would have been loaded: on a kernel that ships hyperv_drm
 * instead (5.14 and later distributions) the two would race for the one
 * device, and the kernel's choice is hyperv_drm.
 */
#include <linux/kconfig.h>

#if !IS_ENABLED(CONFIG_FB_HYPERV)
#error "this kernel has no hyperv_fb of its own"
#endif

LIS_PROBE(fb_hyperv_in_tree)
{
}
