// SPDX-License-Identifier: GPL-2.0
/*
 * Keystrokes into a translated PC keyboard byte stream (fact sheet §7.2):
 * the make code (set 1), 0x80 ORed in for a break, 0xE0 or 0xE1 first when
 * the host flags the prefix.  Unicode keystrokes are typed on a US layout:
 * the key's make and break, inside Shift make/break when the character
 * needs it — sent once, on the character's key-down.
 */
#include "kbd_core.h"

#define SC_PREFIX_E0	0xE0
#define SC_PREFIX_E1	0xE1
#define SC_BREAK	0x80
#define SC_LSHIFT	0x2A
#define SC_SHIFTED	0x100	/* in the table: needs Shift */

/* US layout, ASCII 0x20..0x7E: set-1 make code, | SC_SHIFTED when shifted */
static const u16 us_keys[0x7F - 0x20] = {
	/* space ! " # $ % & ' */
	0x39, 0x102, 0x128, 0x104, 0x105, 0x106, 0x108, 0x28,
	/* ( ) * + , - . / */
	0x10A, 0x10B, 0x109, 0x10D, 0x33, 0x0C, 0x34, 0x35,
	/* 0 1 2 3 4 5 6 7 */
	0x0B, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	/* 8 9 : ; < = > ? */
	0x09, 0x0A, 0x127, 0x27, 0x133, 0x0D, 0x134, 0x135,
	/* @ A B C D E F G */
	0x103, 0x11E, 0x130, 0x12E, 0x120, 0x112, 0x121, 0x122,
	/* H I J K L M N O */
	0x123, 0x117, 0x124, 0x125, 0x126, 0x132, 0x131, 0x118,
	/* P Q R S T U V W */
	0x119, 0x110, 0x113, 0x11F, 0x114, 0x116, 0x12F, 0x111,
	/* X Y Z [ \ ] ^ _ */
	0x12D, 0x115, 0x12C, 0x1A, 0x2B, 0x1B, 0x107, 0x10C,
	/* ` a b c d e f g */
	0x29, 0x1E, 0x30, 0x2E, 0x20, 0x12, 0x21, 0x22,
	/* h i j k l m n o */
	0x23, 0x17, 0x24, 0x25, 0x26, 0x32, 0x31, 0x18,
	/* p q r s t u v w */
	0x19, 0x10, 0x13, 0x1F, 0x14, 0x16, 0x2F, 0x11,
	/* x y z { | } ~ */
	0x2D, 0x15, 0x2C, 0x11A, 0x12B, 0x11B, 0x129,
};

/* the key that types ch (US layout), 0 if none */
static u16 us_key(u16 ch)
{
	switch (ch) {
	case '\b':
		return 0x0E;
	case '\t':
		return 0x0F;
	case '\n':
	case '\r':
		return 0x1C;
	default:
		break;
	}
	if (ch >= 0x20 && ch < 0x7F)
		return us_keys[ch - 0x20];
	return 0;
}

int lis_kbd_translate(u16 make_code, u32 info, u8 out[LIS_KBD_MAX_BYTES])
{
	bool brk = info & LIS_KBD_INFO_BREAK;
	int n = 0;
	u16 key;

	if (info & ~LIS_KBD_INFO_KNOWN)
		return -EINVAL;
	if (info & LIS_KBD_INFO_UNICODE) {
		if (info & (LIS_KBD_INFO_E0 | LIS_KBD_INFO_E1))
			return -EINVAL;
		key = us_key(make_code);
		if (!key)
			return -ENOENT;
		if (brk)
			return 0;	/* typed on key-down */
		if (key & SC_SHIFTED)
			out[n++] = SC_LSHIFT;
		out[n++] = (u8)key;
		out[n++] = (u8)key | SC_BREAK;
		if (key & SC_SHIFTED)
			out[n++] = SC_LSHIFT | SC_BREAK;
		return n;
	}
	if ((info & LIS_KBD_INFO_E0) && (info & LIS_KBD_INFO_E1))
		return -EINVAL;
	if (make_code > 0x7F)
		return -EINVAL;
	if (info & LIS_KBD_INFO_E0)
		out[n++] = SC_PREFIX_E0;
	if (info & LIS_KBD_INFO_E1)
		out[n++] = SC_PREFIX_E1;
	out[n++] = (u8)make_code | (brk ? SC_BREAK : 0);
	return n;
}
