// SPDX-License-Identifier: GPL-2.0
/*
 * lis-fbtool: what the VM rung needs of fbset (busybox has none).
 *   lis-fbtool DEV get		the variable and fixed screen info (FBIOGET_*)
 *   lis-fbtool DEV set W H	a mode set: FBIOPUT_VSCREENINFO with W x H
 *				(virtual the same, no panning), then `get`
 * Prints key=value lines; exit status 0, 1 when an ioctl failed, 2 usage.
 */
#include <fcntl.h>
#include <linux/fb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int show(int fd)
{
	struct fb_var_screeninfo v;
	struct fb_fix_screeninfo x;

	if (ioctl(fd, FBIOGET_VSCREENINFO, &v) || ioctl(fd, FBIOGET_FSCREENINFO, &x)) {
		perror("FBIOGET");
		return 1;
	}
	printf("id=%.16s\nxres=%u\nyres=%u\nxres_virtual=%u\nyres_virtual=%u\n"
	       "bits_per_pixel=%u\nred=%u/%u\ngreen=%u/%u\nblue=%u/%u\n"
	       "line_length=%u\nsmem_start=%#lx\nsmem_len=%u\nvisual=%u\n",
	       x.id, v.xres, v.yres, v.xres_virtual, v.yres_virtual, v.bits_per_pixel,
	       v.red.offset, v.red.length, v.green.offset, v.green.length, v.blue.offset,
	       v.blue.length, x.line_length, x.smem_start, x.smem_len, x.visual);
	return 0;
}

int main(int argc, char **argv)
{
	struct fb_var_screeninfo v;
	int fd, rc;

	if (argc < 3 || (strcmp(argv[2], "get") && (strcmp(argv[2], "set") || argc != 5))) {
		fprintf(stderr, "usage: lis-fbtool DEV get | DEV set W H\n");
		return 2;
	}
	fd = open(argv[1], O_RDWR);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	if (!strcmp(argv[2], "set")) {
		if (ioctl(fd, FBIOGET_VSCREENINFO, &v)) {
			perror("FBIOGET_VSCREENINFO");
			return 1;
		}
		v.xres = v.xres_virtual = (unsigned int)strtoul(argv[3], NULL, 0);
		v.yres = v.yres_virtual = (unsigned int)strtoul(argv[4], NULL, 0);
		v.xoffset = v.yoffset = 0;
		v.activate = FB_ACTIVATE_NOW;
		if (ioctl(fd, FBIOPUT_VSCREENINFO, &v)) {
			perror("FBIOPUT_VSCREENINFO");
			return 1;
		}
	}
	rc = show(fd);
	close(fd);
	return rc;
}
