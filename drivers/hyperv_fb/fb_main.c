// SPDX-License-Identifier: GPL-2.0
/*
 * hyperv_fb: a framebuffer (and with it the framebuffer console) on the
 * Hyper-V synthetic video device.  The VRAM is MMIO from hv_vmbus (on
 * Generation 2 VMs the firmware framebuffer, taken over); the portable core
 * tells the host where it is and what the mode is, and the glue sends the
 * rectangles that changed, 20 times a second, while the host wants them.
 * While userspace has the framebuffer open (it may write through mmap),
 * every update covers the whole screen.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/io.h>
#include <linux/fb.h>
#include <linux/workqueue.h>
#include <lis/vmbus_driver.h>
#include <lis_compat/bus.h>
#include <lis_compat/video.h>
#include "core/svid_core.h"

#define HVFB_UPDATE_DELAY	(HZ / 20)
#define HVFB_DEFAULT_VRAM_MB	8

static unsigned int width, height;
module_param(width, uint, 0444);
MODULE_PARM_DESC(width, "screen width in pixels (0: the host's default)");
module_param(height, uint, 0444);
MODULE_PARM_DESC(height, "screen height in pixels (0: the host's default)");

struct hvfb {
	struct lis_vmbus_device *vdev;
	struct fb_info *info;
	struct lis_svid *core;
	struct lis_svid_info si;
	struct resource *vram;
	u32 pseudo_palette[16];

	spinlock_t dirty_lock;		/* the rectangle below */
	u32 x1, y1, x2, y2;		/* x1 >= x2: nothing */
	int user_opens;
	struct delayed_work update;
	bool dying;
};

static void hvfb_mark(struct hvfb *p, u32 x, u32 y, u32 w, u32 h)
{
	unsigned long flags;

	spin_lock_irqsave(&p->dirty_lock, flags);
	if (p->x1 >= p->x2) {
		p->x1 = x;
		p->y1 = y;
		p->x2 = x + w;
		p->y2 = y + h;
	} else {
		p->x1 = min(p->x1, x);
		p->y1 = min(p->y1, y);
		p->x2 = max(p->x2, x + w);
		p->y2 = max(p->y2, y + h);
	}
	spin_unlock_irqrestore(&p->dirty_lock, flags);
}

static void hvfb_update_work(struct work_struct *w)
{
	struct hvfb *p = container_of(to_delayed_work(w), struct hvfb, update);
	struct fb_var_screeninfo *var = &p->info->var;
	u32 x1, y1, x2, y2;
	unsigned long flags;

	spin_lock_irqsave(&p->dirty_lock, flags);
	if (p->user_opens) {
		x1 = y1 = 0;
		x2 = var->xres;
		y2 = var->yres;
	} else {
		x1 = p->x1;
		y1 = p->y1;
		x2 = min(p->x2, var->xres);
		y2 = min(p->y2, var->yres);
	}
	p->x1 = p->x2 = 0;
	spin_unlock_irqrestore(&p->dirty_lock, flags);
	if (x1 < x2 && y1 < y2)
		lis_svid_dirty(p->core, x1, y1, x2, y2);
	if (!READ_ONCE(p->dying))
		schedule_delayed_work(&p->update, HVFB_UPDATE_DELAY);
}

/* ---- fb_ops ---- */

static void hvfb_fillrect(struct fb_info *info, const struct fb_fillrect *r)
{
	cfb_fillrect(info, r);
	hvfb_mark(info->par, r->dx, r->dy, r->width, r->height);
}

static void hvfb_copyarea(struct fb_info *info, const struct fb_copyarea *a)
{
	cfb_copyarea(info, a);
	hvfb_mark(info->par, a->dx, a->dy, a->width, a->height);
}

static void hvfb_imageblit(struct fb_info *info, const struct fb_image *img)
{
	cfb_imageblit(info, img);
	hvfb_mark(info->par, img->dx, img->dy, img->width, img->height);
}

static void hvfb_set_format(struct fb_var_screeninfo *var, u32 depth)
{
	var->bits_per_pixel = depth;
	memset(&var->transp, 0, sizeof(var->transp));
	if (depth == 16) {
		var->red = (struct fb_bitfield){ .offset = 11, .length = 5 };
		var->green = (struct fb_bitfield){ .offset = 5, .length = 6 };
		var->blue = (struct fb_bitfield){ .offset = 0, .length = 5 };
	} else {
		var->red = (struct fb_bitfield){ .offset = 16, .length = 8 };
		var->green = (struct fb_bitfield){ .offset = 8, .length = 8 };
		var->blue = (struct fb_bitfield){ .offset = 0, .length = 8 };
		var->transp = (struct fb_bitfield){ .offset = 24, .length = 8 };
	}
}

static int hvfb_check_var(struct fb_var_screeninfo *var, struct fb_info *info)
{
	struct hvfb *p = info->par;

	if (!lis_svid_mode_ok(p->core, var->xres, var->yres, info->fix.smem_len))
		return -EINVAL;
	var->xres_virtual = var->xres;
	var->yres_virtual = var->yres;
	var->xoffset = var->yoffset = 0;
	hvfb_set_format(var, p->si.depth);
	return 0;
}

static int hvfb_set_par(struct fb_info *info)
{
	struct hvfb *p = info->par;

	info->fix.line_length = info->var.xres * (p->si.depth / 8);
	return lis_svid_set_mode(p->core, true, info->var.xres, info->var.yres,
				 info->fix.line_length);
}

static int hvfb_setcolreg(unsigned int regno, unsigned int red, unsigned int green,
			  unsigned int blue, unsigned int transp, struct fb_info *info)
{
	u32 *pal = info->pseudo_palette;
	struct fb_var_screeninfo *v = &info->var;

	if (regno >= 16)
		return -EINVAL;
	pal[regno] = (red >> (16 - v->red.length)) << v->red.offset |
		     (green >> (16 - v->green.length)) << v->green.offset |
		     (blue >> (16 - v->blue.length)) << v->blue.offset;
	return 0;
}

static int hvfb_open(struct fb_info *info, int user)
{
	struct hvfb *p = info->par;
	unsigned long flags;

	if (user) {
		spin_lock_irqsave(&p->dirty_lock, flags);
		p->user_opens++;
		spin_unlock_irqrestore(&p->dirty_lock, flags);
	}
	return 0;
}

static int hvfb_release(struct fb_info *info, int user)
{
	struct hvfb *p = info->par;
	unsigned long flags;

	if (user) {
		spin_lock_irqsave(&p->dirty_lock, flags);
		if (p->user_opens)
			p->user_opens--;
		spin_unlock_irqrestore(&p->dirty_lock, flags);
	}
	return 0;
}

static int hvfb_blank(int blank, struct fb_info *info)
{
	/* the host has no blanking; a console blank is drawn as black */
	return 1;
}

static const struct fb_ops hvfb_ops = {
	.owner = THIS_MODULE,
	.fb_open = hvfb_open,
	.fb_release = hvfb_release,
	.fb_check_var = hvfb_check_var,
	.fb_set_par = hvfb_set_par,
	.fb_setcolreg = hvfb_setcolreg,
	.fb_fillrect = hvfb_fillrect,
	.fb_copyarea = hvfb_copyarea,
	.fb_imageblit = hvfb_imageblit,
	.fb_blank = hvfb_blank,
};

/* ---- the device ---- */

static void hvfb_pick_mode(struct hvfb *p, u64 vram, u32 *w, u32 *h)
{
	*w = width ? width : p->si.default_width;
	*h = height ? height : p->si.default_height;
	if (!lis_svid_mode_ok(p->core, *w, *h, vram)) {
		dev_warn(&p->vdev->dev, "mode %ux%u is not possible; using 1024x768\n", *w, *h);
		*w = 1024;
		*h = 768;
	}
}

static int hvfb_probe(struct lis_vmbus_device *vdev, const struct hv_vmbus_device_id *id)
{
	struct lis_svid_config cfg = { 0 };
	struct fb_info *info;
	struct hvfb *p;
	u64 vram_bytes;
	u32 w, h;
	int ret;

	info = framebuffer_alloc(sizeof(*p), &vdev->dev);
	if (!info)
		return -ENOMEM;
	p = info->par;
	p->info = info;
	p->vdev = vdev;
	spin_lock_init(&p->dirty_lock);
	INIT_DELAYED_WORK(&p->update, hvfb_update_work);
	lis_vmbus_set_drvdata(vdev, p);

	cfg.ch = vdev->channel;
	ret = lis_svid_create(&cfg, &p->core);
	if (ret)
		goto free;
	lis_svid_get_info(p->core, &p->si);

	/* the VRAM the host asked for in its offer */
	vram_bytes = (u64)(lis_channel_mmio_megabytes(vdev->channel) ?: HVFB_DEFAULT_VRAM_MB) << 20;
	ret = lis_vmbus_mmio_alloc(&p->vram, vdev, 0, (resource_size_t)-1, vram_bytes, 1 << 20,
				   true);
	if (ret) {
		dev_err(&vdev->dev, "no MMIO for %llu MiB of VRAM: %d\n", vram_bytes >> 20, ret);
		goto destroy;
	}
	info->screen_base = ioremap_wc(p->vram->start, vram_bytes);
	if (!info->screen_base) {
		ret = -ENOMEM;
		goto free_vram;
	}
	ret = lis_svid_set_vram(p->core, p->vram->start);
	if (ret)
		goto unmap;

	hvfb_pick_mode(p, vram_bytes, &w, &h);
	strscpy(info->fix.id, "hyperv_fb", sizeof(info->fix.id));
	info->fix.type = FB_TYPE_PACKED_PIXELS;
	info->fix.visual = FB_VISUAL_TRUECOLOR;
	info->fix.smem_start = p->vram->start;
	info->fix.smem_len = vram_bytes;
	info->fix.accel = FB_ACCEL_NONE;
	info->var.xres = w;
	info->var.yres = h;
	info->var.activate = FB_ACTIVATE_NOW;
	info->var.height = info->var.width = -1;
	info->var.vmode = FB_VMODE_NONINTERLACED;
	hvfb_check_var(&info->var, info);
	info->fbops = &hvfb_ops;
	info->pseudo_palette = p->pseudo_palette;
	ret = hvfb_set_par(info);
	if (ret)
		goto unmap;
	lis_svid_hide_pointer(p->core);

	/* a firmware framebuffer on the same memory (efifb, simplefb) goes */
	lis_fb_remove_conflicts(p->vram->start, vram_bytes, "hyperv_fb");
	ret = register_framebuffer(info);
	if (ret)
		goto unmap;
	schedule_delayed_work(&p->update, HVFB_UPDATE_DELAY);
	dev_info(&vdev->dev, "fb%d: %ux%u, %u bpp, %llu MiB VRAM at %pa, synthvid %u.%u\n",
		 info->node, w, h, p->si.depth, vram_bytes >> 20, &p->vram->start,
		 LIS_SVID_MAJOR(p->si.version), LIS_SVID_MINOR(p->si.version));
	return 0;

unmap:
	iounmap(info->screen_base);
free_vram:
	lis_vmbus_mmio_free(p->vram->start, vram_bytes);
destroy:
	lis_svid_destroy(p->core);
free:
	lis_vmbus_set_drvdata(vdev, NULL);
	framebuffer_release(info);
	return ret;
}

static void hvfb_remove(struct lis_vmbus_device *vdev)
{
	struct hvfb *p = lis_vmbus_get_drvdata(vdev);
	struct fb_info *info = p->info;
	resource_size_t start = p->vram->start, size = info->fix.smem_len;

	WRITE_ONCE(p->dying, true);
	cancel_delayed_work_sync(&p->update);
	unregister_framebuffer(info);
	lis_svid_destroy(p->core);
	iounmap(info->screen_base);
	lis_vmbus_mmio_free(start, size);
	lis_vmbus_set_drvdata(vdev, NULL);
	framebuffer_release(info);
}

static const struct hv_vmbus_device_id hvfb_id_table[] = {
	{ .guid = LIS_VMBUS_CLASS_GUID(LIS_SVID_CLASS_BYTES) },
	{ },
};
/*
 * udev loads us for the device only where the kernel's own set has
 * hyperv_fb; where it has just hyperv_drm (ours is built there too) we are
 * loaded by hand, and never race hyperv_drm for the device.
 */
#ifdef HAVE_FB_HYPERV_IN_TREE
MODULE_DEVICE_TABLE(vmbus, hvfb_id_table);
#endif

static struct lis_vmbus_driver hvfb_driver = {
	.name = "hyperv_fb",
	.id_table = hvfb_id_table,
	.probe = hvfb_probe,
	.remove = hvfb_remove,
};

static int __init hvfb_init(void)
{
	return lis_vmbus_driver_register(&hvfb_driver);
}

static void __exit hvfb_exit(void)
{
	lis_vmbus_driver_unregister(&hvfb_driver);
}

module_init(hvfb_init);
module_exit(hvfb_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("LIS: Hyper-V synthetic video framebuffer");
MODULE_AUTHOR("LIS project");
MODULE_VERSION(LIS_VERSION);
