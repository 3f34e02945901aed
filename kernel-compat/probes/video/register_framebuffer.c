/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 2.6: the fbdev layer — framebuffer_alloc(), register_framebuffer() and
 * the cfb_* drawing helpers for framebuffers in I/O memory — present when
 * the kernel has CONFIG_FB (and its CFB helpers); hyperv_fb needs them.
 * lis-export: framebuffer_alloc register_framebuffer unregister_framebuffer cfb_fillrect cfb_copyarea cfb_imageblit
 */
#include <linux/fb.h>

LIS_PROBE(register_framebuffer)
{
	struct fb_info *info = framebuffer_alloc(0, NULL);

	cfb_fillrect(info, NULL);
	cfb_copyarea(info, NULL);
	cfb_imageblit(info, NULL);
	if (!register_framebuffer(info))
		unregister_framebuffer(info);
}
