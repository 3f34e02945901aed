/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 5.14 added the in-tree hyperv_drm (CONFIG_DRM_HYPERV); distributions build
 * it or hyperv_fb or both.  Ours is built where the kernel's own set has it,
 * so that the set we ship replaces the kernel's module for module.
 */
#include <linux/kconfig.h>

#if !IS_ENABLED(CONFIG_DRM_HYPERV)
#error "this kernel has no hyperv_drm of its own"
#endif

LIS_PROBE(drm_hyperv_in_tree)
{
}
