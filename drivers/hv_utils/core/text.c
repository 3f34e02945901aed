// SPDX-License-Identifier: GPL-2.0
/*
 * Text between the host and the daemons: the host writes UTF-16LE, the
 * daemons read and write UTF-8 (§6.5).  Both directions are strict — an
 * unpaired surrogate, an overlong or truncated UTF-8 sequence, a missing NUL
 * or a string that does not fit is refused, never guessed at — because
 * both sides are outside the kernel's control.
 */
#include "internal.h"

static int utf8_put(u32 cp, char *dst, u32 *o, u32 cap)
{
	u32 n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
	u8 *d;

	/* room for the sequence and the final NUL */
	if (*o + n + 1 > cap)
		return -ENOSPC;
	d = (u8 *)dst + *o;
	switch (n) {
	case 1:
		d[0] = (u8)cp;
		break;
	case 2:
		d[0] = (u8)(0xC0 | cp >> 6);
		d[1] = (u8)(0x80 | (cp & 0x3F));
		break;
	case 3:
		d[0] = (u8)(0xE0 | cp >> 12);
		d[1] = (u8)(0x80 | ((cp >> 6) & 0x3F));
		d[2] = (u8)(0x80 | (cp & 0x3F));
		break;
	default:
		d[0] = (u8)(0xF0 | cp >> 18);
		d[1] = (u8)(0x80 | ((cp >> 12) & 0x3F));
		d[2] = (u8)(0x80 | ((cp >> 6) & 0x3F));
		d[3] = (u8)(0x80 | (cp & 0x3F));
		break;
	}
	*o += n;
	return 0;
}

int lis_utf16_to_utf8(const u8 *src, u32 src_units, bool need_nul, char *dst, u32 cap)
{
	u32 i, o = 0, cp, lo;
	int ret;

	if (need_nul) {
		/* a string without its end is malformed, whatever else it is */
		for (i = 0; i < src_units && ic_get16(src + 2 * i); i++)
			;
		if (i == src_units)
			return -EINVAL;
	}
	if (!cap)
		return -ENOSPC;
	for (i = 0; i < src_units; i++) {
		cp = ic_get16(src + 2 * i);
		if (!cp) {
			dst[o] = '\0';
			return (int)o;
		}
		if (cp >= 0xDC00 && cp <= 0xDFFF)
			return -EINVAL;
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			if (i + 1 >= src_units)
				return -EINVAL;
			lo = ic_get16(src + 2 * (i + 1));
			if (lo < 0xDC00 || lo > 0xDFFF)
				return -EINVAL;
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			i++;
		}
		ret = utf8_put(cp, dst, &o, cap);
		if (ret)
			return ret;
	}
	if (need_nul)
		return -EINVAL;
	dst[o] = '\0';
	return (int)o;
}

/* one code point from s[0..n); its length, or 0 when malformed */
static u32 utf8_get(const u8 *s, u32 n, u32 *cp)
{
	u32 len, min, c, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xE0) == 0xC0) {
		len = 2;
		min = 0x80;
		c = s[0] & 0x1F;
	} else if ((s[0] & 0xF0) == 0xE0) {
		len = 3;
		min = 0x800;
		c = s[0] & 0x0F;
	} else if ((s[0] & 0xF8) == 0xF0) {
		len = 4;
		min = 0x10000;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

int lis_utf8_to_utf16(const char *src, u32 src_cap, u8 *dst, u32 cap_units)
{
	const u8 *s = (const u8 *)src;
	u32 i = 0, o = 0, cp, n;
	int len = ic_strnlen_nul(s, src_cap);

	if (len < 0)
		return -EINVAL;
	while (i < (u32)len) {
		n = utf8_get(s + i, (u32)len - i, &cp);
		if (!n)
			return -EINVAL;
		i += n;
		if (cp >= 0x10000) {
			if (o + 3 > cap_units)
				return -ENOSPC;
			cp -= 0x10000;
			ic_put16(dst + 2 * o++, (u16)(0xD800 | cp >> 10));
			ic_put16(dst + 2 * o++, (u16)(0xDC00 | (cp & 0x3FF)));
		} else {
			if (o + 2 > cap_units)
				return -ENOSPC;
			ic_put16(dst + 2 * o++, (u16)cp);
		}
	}
	if (o + 1 > cap_units)
		return -ENOSPC;
	ic_put16(dst + 2 * o++, 0);
	return (int)o;
}

int ic_strnlen_nul(const u8 *p, u32 cap)
{
	u32 i;

	for (i = 0; i < cap; i++)
		if (!p[i])
			return (int)i;
	return -EINVAL;
}

int ic_u64_to_dec(u64 v, char *buf, u32 cap)
{
	char tmp[20];
	u32 n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (n + 1 > cap)
		return -ENOSPC;
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return (int)n;
}
