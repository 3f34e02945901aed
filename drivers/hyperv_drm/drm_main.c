// SPDX-License-Identifier: GPL-2.0
/*
 * hyperv_drm: a KMS device (one pipe, one connector, XRGB8888) on the
 * Hyper-V synthetic video device, for kernels whose own set has
 * hyperv_drm.  The protocol is hyperv_fb's portable core
 * (../hyperv_fb/core/synthvid.c, built into this module too); here
 * framebuffers live in shmem GEM objects and each commit copies the
 * damaged rectangles into the VRAM and tells the host which they were.
 * The DRM fbdev emulation gives the framebuffer console.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/io.h>
#include <drm/drm_atomic_helper.h>
#include <drm/drm_damage_helper.h>
#include <drm/drm_drv.h>
#include <drm/drm_edid.h>
#include <drm/drm_fb_helper.h>
#include <drm/drm_format_helper.h>
#include <drm/drm_fourcc.h>
#include <drm/drm_framebuffer.h>
#include <drm/drm_gem_atomic_helper.h>
#include <drm/drm_gem_framebuffer_helper.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_probe_helper.h>
#include <drm/drm_simple_kms_helper.h>
#include <lis/vmbus_driver.h>
#include <lis_compat/bus.h>
#include <lis_compat/video.h>
#include "../hyperv_fb/core/svid_core.h"

#define HVDRM_DEFAULT_VRAM_MB	8

struct hvdrm {
	struct drm_device dev;
	struct drm_simple_display_pipe pipe;
	struct drm_connector connector;
	struct lis_vmbus_device *vdev;
	struct lis_svid *core;
	struct lis_svid_info si;
	struct resource *vram;
	u64 vram_bytes;
	void __iomem *screen;
	u32 pitch;
};

static struct hvdrm *to_hvdrm(struct drm_device *dev)
{
	return container_of(dev, struct hvdrm, dev);
}

/* ---- the pipe ---- */

static enum drm_mode_status hvdrm_mode_valid(struct drm_simple_display_pipe *pipe,
					     const struct drm_display_mode *mode)
{
	struct hvdrm *h = to_hvdrm(pipe->crtc.dev);

	return lis_svid_mode_ok(h->core, mode->hdisplay, mode->vdisplay, h->vram_bytes) ?
	       MODE_OK : MODE_BAD;
}

/* copy a rectangle of the framebuffer to the VRAM and tell the host;
 * nothing once the device is unplugged (the VRAM and channel are going) */
static void hvdrm_blit(struct hvdrm *h, struct drm_framebuffer *fb,
		       const struct iosys_map *src, struct drm_rect *r)
{
	struct iosys_map dst;
	int idx;

	if (!drm_dev_enter(&h->dev, &idx))
		return;
	iosys_map_set_vaddr_iomem(&dst, h->screen);
	iosys_map_incr(&dst, drm_fb_clip_offset(h->pitch, fb->format, r));
	drm_fb_memcpy(&dst, &h->pitch, src, fb, r);
	lis_svid_dirty(h->core, r->x1, r->y1, r->x2, r->y2);
	drm_dev_exit(idx);
}

static void hvdrm_enable(struct drm_simple_display_pipe *pipe, struct drm_crtc_state *cs,
			 struct drm_plane_state *ps)
{
	struct hvdrm *h = to_hvdrm(pipe->crtc.dev);
	struct drm_shadow_plane_state *sps = to_drm_shadow_plane_state(ps);
	const struct drm_display_mode *m = &cs->mode;
	struct drm_framebuffer *fb = ps->fb;
	struct drm_rect all = DRM_RECT_INIT(0, 0, min_t(int, fb->width, m->hdisplay),
					    min_t(int, fb->height, m->vdisplay));

	h->pitch = m->hdisplay * 4;
	if (lis_svid_set_mode(h->core, true, m->hdisplay, m->vdisplay, h->pitch))
		drm_warn(&h->dev, "the host did not take mode %ux%u\n", m->hdisplay, m->vdisplay);
	hvdrm_blit(h, fb, &sps->data[0], &all);
}

static void hvdrm_update(struct drm_simple_display_pipe *pipe, struct drm_plane_state *old)
{
	struct hvdrm *h = to_hvdrm(pipe->crtc.dev);
	struct drm_plane_state *ps = pipe->plane.state;
	struct drm_shadow_plane_state *sps = to_drm_shadow_plane_state(ps);
	struct drm_rect r;

	if (!ps->fb || !ps->visible)
		return;
	if (drm_atomic_helper_damage_merged(old, ps, &r))
		hvdrm_blit(h, ps->fb, &sps->data[0], &r);
}

static const struct drm_simple_display_pipe_funcs hvdrm_pipe_funcs = {
	.mode_valid = hvdrm_mode_valid,
	.enable = hvdrm_enable,
	.update = hvdrm_update,
	DRM_GEM_SIMPLE_DISPLAY_PIPE_SHADOW_PLANE_FUNCS,
};

/* ---- the connector ---- */

static int hvdrm_get_modes(struct drm_connector *c)
{
	struct hvdrm *h = to_hvdrm(c->dev);
	int n = drm_add_modes_noedid(c, h->si.max_width, h->si.max_height);

	drm_set_preferred_mode(c, h->si.default_width, h->si.default_height);
	return n;
}

static const struct drm_connector_helper_funcs hvdrm_connector_helpers = {
	.get_modes = hvdrm_get_modes,
};

static const struct drm_connector_funcs hvdrm_connector_funcs = {
	.fill_modes = drm_helper_probe_single_connector_modes,
	.destroy = drm_connector_cleanup,
	.reset = drm_atomic_helper_connector_reset,
	.atomic_duplicate_state = drm_atomic_helper_connector_duplicate_state,
	.atomic_destroy_state = drm_atomic_helper_connector_destroy_state,
};

static const struct drm_mode_config_funcs hvdrm_mode_funcs = {
	.fb_create = drm_gem_fb_create_with_dirty,
	.atomic_check = drm_atomic_helper_check,
	.atomic_commit = drm_atomic_helper_commit,
};

DEFINE_DRM_GEM_FOPS(hvdrm_fops);

static const struct drm_driver hvdrm_driver = {
	.driver_features = DRIVER_MODESET | DRIVER_GEM | DRIVER_ATOMIC,
	.name = "hyperv_drm",
	.desc = "LIS: Hyper-V synthetic video (DRM)",
	.date = "20240101",
	.major = 1,
	.minor = 0,
	.fops = &hvdrm_fops,
	DRM_GEM_SHMEM_DRIVER_OPS,
};

static const u32 hvdrm_formats[] = { DRM_FORMAT_XRGB8888 };

/* ---- the device ---- */

static int hvdrm_kms(struct hvdrm *h)
{
	struct drm_device *dev = &h->dev;
	int ret;

	ret = drmm_mode_config_init(dev);
	if (ret)
		return ret;
	dev->mode_config.min_width = 1;
	dev->mode_config.min_height = 1;
	dev->mode_config.max_width = h->si.max_width;
	dev->mode_config.max_height = h->si.max_height;
	dev->mode_config.preferred_depth = 24;
	dev->mode_config.prefer_shadow = true;
	dev->mode_config.funcs = &hvdrm_mode_funcs;
	ret = drm_connector_init(dev, &h->connector, &hvdrm_connector_funcs,
				 DRM_MODE_CONNECTOR_VIRTUAL);
	if (ret)
		return ret;
	drm_connector_helper_add(&h->connector, &hvdrm_connector_helpers);
	ret = drm_simple_display_pipe_init(dev, &h->pipe, &hvdrm_pipe_funcs, hvdrm_formats,
					   ARRAY_SIZE(hvdrm_formats), NULL, &h->connector);
	if (ret)
		return ret;
	drm_plane_enable_fb_damage_clips(&h->pipe.plane);
	drm_mode_config_reset(dev);
	return 0;
}

static int hvdrm_probe(struct lis_vmbus_device *vdev, const struct hv_vmbus_device_id *id)
{
	struct lis_svid_config cfg = { 0 };
	struct hvdrm *h;
	int ret;

	h = devm_drm_dev_alloc(&vdev->dev, &hvdrm_driver, struct hvdrm, dev);
	if (IS_ERR(h))
		return PTR_ERR(h);
	h->vdev = vdev;
	lis_vmbus_set_drvdata(vdev, h);
	cfg.ch = vdev->channel;
	ret = lis_svid_create(&cfg, &h->core);
	if (ret)
		return ret;
	lis_svid_get_info(h->core, &h->si);
	if (h->si.depth != 32) {
		/* 3.0 hosts scan out 16 bits per pixel only: hyperv_fb's job */
		ret = -ENODEV;
		goto destroy;
	}
	h->vram_bytes = (u64)(lis_channel_mmio_megabytes(vdev->channel) ?:
			      HVDRM_DEFAULT_VRAM_MB) << 20;
	ret = lis_vmbus_mmio_alloc(&h->vram, vdev, 0, (resource_size_t)-1, h->vram_bytes,
				   1 << 20, true);
	if (ret)
		goto destroy;
	h->screen = ioremap_wc(h->vram->start, h->vram_bytes);
	if (!h->screen) {
		ret = -ENOMEM;
		goto free_vram;
	}
	ret = lis_svid_set_vram(h->core, h->vram->start);
	if (!ret)
		ret = lis_svid_hide_pointer(h->core);
	if (!ret)
		ret = hvdrm_kms(h);
	if (ret)
		goto unmap;
	lis_fb_remove_conflicts(h->vram->start, h->vram_bytes, "hyperv_drm");
	ret = drm_dev_register(&h->dev, 0);
	if (ret)
		goto unmap;
	drm_fbdev_generic_setup(&h->dev, 32);
	drm_info(&h->dev, "%llu MiB VRAM at %pa, up to %ux%u, synthvid %u.%u\n",
		 h->vram_bytes >> 20, &h->vram->start, h->si.max_width, h->si.max_height,
		 LIS_SVID_MAJOR(h->si.version), LIS_SVID_MINOR(h->si.version));
	return 0;
unmap:
	iounmap(h->screen);
free_vram:
	lis_vmbus_mmio_free(h->vram->start, h->vram_bytes);
destroy:
	lis_svid_destroy(h->core);
	lis_vmbus_set_drvdata(vdev, NULL);
	return ret;
}

static void hvdrm_remove(struct lis_vmbus_device *vdev)
{
	struct hvdrm *h = lis_vmbus_get_drvdata(vdev);

	drm_dev_unplug(&h->dev);
	drm_atomic_helper_shutdown(&h->dev);
	lis_svid_destroy(h->core);
	iounmap(h->screen);
	lis_vmbus_mmio_free(h->vram->start, h->vram_bytes);
	lis_vmbus_set_drvdata(vdev, NULL);
	/* the drm_device itself goes with the device (devm) */
}

static const struct hv_vmbus_device_id hvdrm_id_table[] = {
	{ .guid = LIS_VMBUS_CLASS_GUID(LIS_SVID_CLASS_BYTES) },
	{ },
};
MODULE_DEVICE_TABLE(vmbus, hvdrm_id_table);

static struct lis_vmbus_driver hvdrm_vmbus_driver = {
	.name = "hyperv_drm",
	.id_table = hvdrm_id_table,
	.probe = hvdrm_probe,
	.remove = hvdrm_remove,
};

static int __init hvdrm_init(void)
{
	return lis_vmbus_driver_register(&hvdrm_vmbus_driver);
}

static void __exit hvdrm_exit(void)
{
	lis_vmbus_driver_unregister(&hvdrm_vmbus_driver);
}

module_init(hvdrm_init);
module_exit(hvdrm_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("LIS: Hyper-V synthetic video (DRM/KMS)");
MODULE_AUTHOR("LIS project");
MODULE_VERSION(LIS_VERSION);
