/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 6.0: struct iosys_map (formerly dma_buf_map) in the shadow-plane state and
 * in drm_fb_memcpy(dst, dst_pitch, src, fb, clip); with it the simple
 * display pipe, shmem GEM objects, devm_drm_dev_alloc (5.9) and the generic
 * fbdev emulation hyperv_drm is built on.
 * lis-export: drm_fb_memcpy drm_fb_clip_offset drm_simple_display_pipe_init __devm_drm_dev_alloc drm_fbdev_generic_setup drm_gem_fb_create_with_dirty drm_atomic_helper_damage_merged drm_gem_shmem_prime_import_sg_table
 */
#include <drm/drm_drv.h>
#include <drm/drm_fb_helper.h>
#include <drm/drm_format_helper.h>
#include <drm/drm_gem_atomic_helper.h>
#include <drm/drm_gem_framebuffer_helper.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_damage_helper.h>
#include <drm/drm_simple_kms_helper.h>

static const struct drm_simple_display_pipe_funcs lis_probe_drm_shadow_plane_iosys_map_f = {
	DRM_GEM_SIMPLE_DISPLAY_PIPE_SHADOW_PLANE_FUNCS,
};

LIS_PROBE(drm_shadow_plane_iosys_map)
{
	struct drm_shadow_plane_state *s = to_drm_shadow_plane_state(NULL);
	struct iosys_map dst;
	unsigned int pitch = 0;

	iosys_map_set_vaddr_iomem(&dst, NULL);
	drm_fb_memcpy(&dst, &pitch, &s->data[0], NULL, NULL);
	drm_fbdev_generic_setup(NULL, 32);
	LIS_PROBE_USE(&lis_probe_drm_shadow_plane_iosys_map_f);
	LIS_PROBE_USE(drm_fb_clip_offset(0, NULL, NULL));
}
