/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Hyper-V synthetic video protocol (synthvid), defined once.  A
 * pipe-mode channel: every in-band packet is a pipe header {type 1, bytes
 * that follow}, then a synthvid header {type, size}, then the message.
 * Packed, little-endian, size-checked.  Sources: docs/protocol-notes.md
 * "Synthetic video".
 */
#ifndef LIS_WIRE_SYNTHVID_H
#define LIS_WIRE_SYNTHVID_H

#include <lis/port.h>

/* class GUID {da0a7802-e377-4aac-8e77-0558eb1073f8}, wire layout */
#define LIS_SVID_CLASS_BYTES \
	0x02, 0x78, 0x0a, 0xda, 0x77, 0xe3, 0xac, 0x4a, \
	0x8e, 0x77, 0x05, 0x58, 0xeb, 0x10, 0x73, 0xf8

/* a version is minor << 16 | major (the other way round from VMBus) */
#define LIS_SVID_VERSION(maj, min)	(((u32)(min) << 16) | (u32)(maj))
#define LIS_SVID_VERSION_WIN7		LIS_SVID_VERSION(3, 0)
#define LIS_SVID_VERSION_WIN8		LIS_SVID_VERSION(3, 2)
#define LIS_SVID_VERSION_WIN10		LIS_SVID_VERSION(3, 5)
#define LIS_SVID_MAJOR(v)		((v) & 0xFFFFu)
#define LIS_SVID_MINOR(v)		((v) >> 16)

enum lis_svid_msg_type {
	LIS_SVID_VERSION_REQUEST = 1,
	LIS_SVID_VERSION_RESPONSE = 2,
	LIS_SVID_VRAM_LOCATION = 3,
	LIS_SVID_VRAM_LOCATION_ACK = 4,
	LIS_SVID_SITUATION_UPDATE = 5,
	LIS_SVID_SITUATION_UPDATE_ACK = 6,
	LIS_SVID_POINTER_POSITION = 7,
	LIS_SVID_POINTER_SHAPE = 8,
	LIS_SVID_FEATURE_CHANGE = 9,
	LIS_SVID_DIRT = 10,
	LIS_SVID_BIOS_INFO_REQUEST = 11,
	LIS_SVID_BIOS_INFO_RESPONSE = 12,
	LIS_SVID_RESOLUTIONS_REQUEST = 13,
	LIS_SVID_RESOLUTIONS_RESPONSE = 14,
	LIS_SVID_CAPABILITY_REQUEST = 15,
	LIS_SVID_CAPABILITY_RESPONSE = 16,
};

#define LIS_SVID_PIPE_DATA		1u

struct lis_svid_pipe_header {
	__le32 type;			/* LIS_SVID_PIPE_DATA */
	__le32 size;			/* bytes that follow */
} __packed;
LIS_ASSERT_SIZE(struct lis_svid_pipe_header, 8);

struct lis_svid_header {
	__le32 type;
	__le32 size;			/* we send header + message (see notes) */
} __packed;
LIS_ASSERT_SIZE(struct lis_svid_header, 8);

struct lis_svid_version_request {
	__le32 version;
} __packed;
LIS_ASSERT_SIZE(struct lis_svid_version_request, 4);

struct lis_svid_version_response {
	__le32 version;
	u8 is_accepted;			/* non-zero: accepted */
	u8 max_video_outputs;
} __packed;
LIS_ASSERT_SIZE(struct lis_svid_version_response, 6);

struct lis_svid_vram_location {
	__le64 user_context;		/* echoed in the ACK */
	u8 is_vram_gpa_specified;
	__le64 vram_gpa;
} __packed;
LIS_ASSERT_SIZE(struct lis_svid_vram_location, 17);

/* VRAM_LOCATION_ACK and SITUATION_UPDATE_ACK */
struct lis_svid_ack {
	__le64 user_context;
} __packed;
LIS_ASSERT_SIZE(struct lis_svid_ack, 8);

struct lis_svid_situation_update {
	__le64 user_context;
	u8 video_output_count;		/* 1 */
	u8 active;
	__le32 vram_offset;		/* 0 */
	u8 depth_bits;
	__le32 width;
	__le32 height;
	__le32 pitch;
} __packed;
LIS_ASSERT_SIZE(struct lis_svid_situation_update, 27);

struct lis_svid_pointer_position {
	u8 is_visible;
	u8 video_output;
	__le32 x;
	__le32 y;
} __packed;
LIS_ASSERT_SIZE(struct lis_svid_pointer_position, 10);

#define LIS_SVID_CURSOR_COMPLETE	0xFF
struct lis_svid_pointer_shape {
	u8 partial_index;		/* 0xFF: the whole shape */
	u8 cursor_flags;		/* 1: 32-bit ARGB */
	__le32 width;
	__le32 height;
	__le32 hot_x;
	__le32 hot_y;
	u8 data[4];			/* one transparent pixel */
} __packed;
LIS_ASSERT_SIZE(struct lis_svid_pointer_shape, 22);

struct lis_svid_feature_change {
	u8 is_dirt_needed;
	u8 is_ptr_pos_needed;
	u8 is_ptr_shape_needed;
	u8 is_situation_needed;
} __packed;
LIS_ASSERT_SIZE(struct lis_svid_feature_change, 4);

struct lis_svid_rect {
	__le32 left;
	__le32 top;
	__le32 right;
	__le32 bottom;
} __packed;
LIS_ASSERT_SIZE(struct lis_svid_rect, 16);

struct lis_svid_dirt {
	u8 video_output;
	u8 dirt_count;
	struct lis_svid_rect rect;	/* we send one */
} __packed;
LIS_ASSERT_SIZE(struct lis_svid_dirt, 18);

#define LIS_SVID_MAX_RESOLUTIONS	64
#define LIS_SVID_EDID_SIZE		128
struct lis_svid_resolutions_request {
	u8 maximum_count;
} __packed;
LIS_ASSERT_SIZE(struct lis_svid_resolutions_request, 1);

/* followed by resolution_count {width u16, height u16} */
struct lis_svid_resolutions_response {
	u8 edid[LIS_SVID_EDID_SIZE];
	u8 resolution_count;
	u8 default_index;
	u8 is_standard;
} __packed;
LIS_ASSERT_SIZE(struct lis_svid_resolutions_response, 131);

#endif /* LIS_WIRE_SYNTHVID_H */
