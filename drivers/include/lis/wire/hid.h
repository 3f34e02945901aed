/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Synthetic mouse (SynthHID) wire formats, defined once (fact sheet §7.1):
 * every message is a pipe header, then a SynthHID header, then the payload.
 * The device describes itself with a HID class descriptor and a HID report
 * descriptor that the guest parses; input reports are raw HID reports.
 * Packed, little-endian, size-checked; tests/unit/test_input.c compares the
 * offsets with the fact sheet's numbers.
 */
#ifndef LIS_WIRE_HID_H
#define LIS_WIRE_HID_H

#include <lis/port.h>

/* {cfa8b69e-5b4a-4cc0-b98b-8ba1a1f3f95a}, wire byte order */
#define LIS_HID_CLASS_MOUSE_BYTES					\
	0x9e, 0xb6, 0xa8, 0xcf, 0x4a, 0x5b, 0xc0, 0x4c,			\
	0xb9, 0x8b, 0x8b, 0xa1, 0xa1, 0xf3, 0xf9, 0x5a

#define LIS_HID_PIPE_DATA		1	/* pipe header type */

#define LIS_HID_VERSION(maj, min)	((u32)(maj) << 16 | (u32)(min))
#define LIS_HID_VERSION_2_0		LIS_HID_VERSION(2, 0)

enum lis_hid_msg_type {
	LIS_HID_PROTOCOL_REQUEST = 0,
	LIS_HID_PROTOCOL_RESPONSE = 1,
	LIS_HID_INITIAL_DEVICE_INFO = 2,
	LIS_HID_INITIAL_DEVICE_INFO_ACK = 3,
	LIS_HID_INPUT_REPORT = 4,
};

struct lis_hid_pipe_hdr {
	__le32 type;			/* LIS_HID_PIPE_DATA */
	__le32 size;			/* bytes that follow */
} __packed;
LIS_ASSERT_SIZE(struct lis_hid_pipe_hdr, 8);

struct lis_hid_msg_hdr {
	__le32 type;			/* enum lis_hid_msg_type */
	__le32 size;			/* payload bytes after this header */
} __packed;
LIS_ASSERT_SIZE(struct lis_hid_msg_hdr, 8);

/* both headers: the payload starts at byte 16 of the packet */
struct lis_hid_header {
	struct lis_hid_pipe_hdr pipe;
	struct lis_hid_msg_hdr hid;
} __packed;
LIS_ASSERT_SIZE(struct lis_hid_header, 16);

struct lis_hid_protocol_request {
	struct lis_hid_header hdr;
	__le32 version;
} __packed;
LIS_ASSERT_SIZE(struct lis_hid_protocol_request, 20);

struct lis_hid_protocol_response {
	__le32 version_requested;
	u8 approved;
} __packed;
LIS_ASSERT_SIZE(struct lis_hid_protocol_response, 5);

struct lis_hid_device_attributes {
	__le32 size;
	__le16 vendor_id;
	__le16 product_id;
	__le16 version_id;
	__le16 reserved[11];
} __packed;
LIS_ASSERT_SIZE(struct lis_hid_device_attributes, 32);

#define LIS_HID_DT_HID			0x21	/* USB HID class descriptor */
#define LIS_HID_DT_REPORT		0x22

/* the HID class descriptor with its first (report) descriptor entry */
struct lis_hid_class_descriptor {
	u8 bLength;
	u8 bDescriptorType;		/* LIS_HID_DT_HID */
	__le16 bcdHID;
	u8 bCountryCode;
	u8 bNumDescriptors;
	u8 bReportType;			/* LIS_HID_DT_REPORT */
	__le16 wReportLength;
} __packed;
LIS_ASSERT_SIZE(struct lis_hid_class_descriptor, 9);

/* INITIAL_DEVICE_INFO payload: attributes, class descriptor, report descriptor */
struct lis_hid_device_info {
	struct lis_hid_device_attributes attrs;
	struct lis_hid_class_descriptor desc;
	u8 report_descriptor[];
} __packed;
LIS_ASSERT_SIZE(struct lis_hid_device_info, 41);

struct lis_hid_device_info_ack {
	struct lis_hid_header hdr;
	u8 reserved;
} __packed;
LIS_ASSERT_SIZE(struct lis_hid_device_info_ack, 17);

/* limits we accept from the host */
#define LIS_HID_MAX_REPORT_DESC		4096
#define LIS_HID_MAX_INPUT_REPORT	256

#endif /* LIS_WIRE_HID_H */
