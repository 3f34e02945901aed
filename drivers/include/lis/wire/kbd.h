/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Synthetic keyboard wire formats, defined once (fact sheet §7.2): no pipe
 * header, each in-band packet is a message type and its payload.  Keystrokes
 * carry PC/XT set-1 make codes (with E0/E1 prefix and break flags) or a
 * UTF-16 character.  Packed, little-endian, size-checked;
 * tests/unit/test_input.c compares the offsets with the fact sheet.
 */
#ifndef LIS_WIRE_KBD_H
#define LIS_WIRE_KBD_H

#include <lis/port.h>

/* {f912ad6d-2b17-48ea-bd65-f927a61c7684}, wire byte order */
#define LIS_KBD_CLASS_BYTES						\
	0x6d, 0xad, 0x12, 0xf9, 0x17, 0x2b, 0xea, 0x48,			\
	0xbd, 0x65, 0xf9, 0x27, 0xa6, 0x1c, 0x76, 0x84

#define LIS_KBD_VERSION(maj, min)	((u32)(maj) << 16 | (u32)(min))
#define LIS_KBD_VERSION_WIN8		LIS_KBD_VERSION(1, 0)

enum lis_kbd_msg_type {
	LIS_KBD_PROTOCOL_REQUEST = 1,
	LIS_KBD_PROTOCOL_RESPONSE = 2,
	LIS_KBD_EVENT = 3,
	LIS_KBD_SET_LED_INDICATORS = 4,
};

#define LIS_KBD_PROTOCOL_ACCEPTED	0x1u

#define LIS_KBD_INFO_UNICODE		0x1u
#define LIS_KBD_INFO_BREAK		0x2u
#define LIS_KBD_INFO_E0			0x4u
#define LIS_KBD_INFO_E1			0x8u
#define LIS_KBD_INFO_KNOWN		0xFu

/* largest message the host sends */
#define LIS_KBD_MAX_MESSAGE		256

struct lis_kbd_msg_hdr {
	__le32 type;
} __packed;
LIS_ASSERT_SIZE(struct lis_kbd_msg_hdr, 4);

struct lis_kbd_protocol_request {
	struct lis_kbd_msg_hdr hdr;
	__le32 version;
} __packed;
LIS_ASSERT_SIZE(struct lis_kbd_protocol_request, 8);

struct lis_kbd_protocol_response {
	struct lis_kbd_msg_hdr hdr;
	__le32 status;
} __packed;
LIS_ASSERT_SIZE(struct lis_kbd_protocol_response, 8);

struct lis_kbd_keystroke {
	struct lis_kbd_msg_hdr hdr;
	__le16 make_code;		/* set-1 scan code, or a UTF-16 unit */
	__le16 reserved;
	__le32 info;			/* LIS_KBD_INFO_* */
} __packed;
LIS_ASSERT_SIZE(struct lis_kbd_keystroke, 12);

struct lis_kbd_led_indicators {
	struct lis_kbd_msg_hdr hdr;
	__le16 led_flags;
	__le16 pad;
} __packed;
LIS_ASSERT_SIZE(struct lis_kbd_led_indicators, 8);

#endif /* LIS_WIRE_KBD_H */
