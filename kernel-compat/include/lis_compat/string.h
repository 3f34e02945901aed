/* SPDX-License-Identifier: GPL-2.0 */
/*
 * String and sysfs helpers missing from older kernels.
 * Keyed only on HAVE_* from kernel-compat/probes/core.
 */
#ifndef LIS_COMPAT_STRING_H
#define LIS_COMPAT_STRING_H

#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#ifndef HAVE_SYSFS_EMIT
/* 5.10 added sysfs_emit(); show() buffers are one page */
static inline __printf(2, 3) int sysfs_emit(char *buf, const char *fmt, ...)
{
	va_list args;
	int len;

	va_start(args, fmt);
	len = vscnprintf(buf, PAGE_SIZE, fmt, args);
	va_end(args);
	return len;
}
#endif

#ifndef HAVE_STRSCPY
/* 4.3 added strscpy(); -E2BIG on truncation, like the real one */
static inline ssize_t strscpy(char *dst, const char *src, size_t size)
{
	size_t len;

	if (!size)
		return -E2BIG;
	len = strnlen(src, size);
	if (len == size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return -E2BIG;
	}
	memcpy(dst, src, len + 1);
	return len;
}
#endif

#endif
