/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Hyper-V dynamic memory protocol (hv_balloon), defined once: fact sheet
 * §7.3, plus docs/protocol-notes.md "Dynamic memory".  Every message is
 * in-band without completion, starts with the 8-byte header, and its size
 * field counts the whole message.  Little-endian, packed, size-checked.
 */
#ifndef LIS_WIRE_BALLOON_H
#define LIS_WIRE_BALLOON_H

#include <lis/port.h>

/* class GUID {525074dc-8985-46e2-8057-a307dc18a502}, wire layout */
#define LIS_DM_CLASS_BYTES \
	0xdc, 0x74, 0x50, 0x52, 0x85, 0x89, 0xe2, 0x46, \
	0x80, 0x57, 0xa3, 0x07, 0xdc, 0x18, 0xa5, 0x02

#define LIS_DM_VERSION(maj, min)	(((u32)(maj) << 16) | (u32)(min))
#define LIS_DM_VERSION_WIN7		LIS_DM_VERSION(0, 3)
#define LIS_DM_VERSION_WIN8		LIS_DM_VERSION(1, 0)
#define LIS_DM_VERSION_WIN10		LIS_DM_VERSION(2, 0)

enum lis_dm_msg_type {
	LIS_DM_ERROR = 0,
	LIS_DM_VERSION_REQUEST = 1,
	LIS_DM_VERSION_RESPONSE = 2,
	LIS_DM_CAPABILITIES_REPORT = 3,
	LIS_DM_CAPABILITIES_RESPONSE = 4,
	LIS_DM_STATUS_REPORT = 5,
	LIS_DM_BALLOON_REQUEST = 6,
	LIS_DM_BALLOON_RESPONSE = 7,
	LIS_DM_UNBALLOON_REQUEST = 8,
	LIS_DM_UNBALLOON_RESPONSE = 9,
	LIS_DM_HOT_ADD_REQUEST = 10,
	LIS_DM_HOT_ADD_RESPONSE = 11,
	LIS_DM_INFO_MESSAGE = 12,		/* 1.0 */
	LIS_DM_HOT_REMOVE_REQUEST = 13,		/* 2.0 */
	LIS_DM_HOT_REMOVE_RESPONSE = 14,
};

struct lis_dm_header {
	__le16 type;
	__le16 size;			/* the whole message */
	__le32 trans_id;
} __packed;
LIS_ASSERT_SIZE(struct lis_dm_header, 8);

/* a page range: bits 39:0 first 4 KiB PFN, bits 63:40 page count */
#define LIS_DM_RANGE_PFN_BITS		40
#define LIS_DM_RANGE_MAX_PAGES		((1u << 24) - 1)
#define LIS_DM_RANGE(pfn, n)		(((u64)(n) << LIS_DM_RANGE_PFN_BITS) | \
					 ((u64)(pfn) & ((1ull << LIS_DM_RANGE_PFN_BITS) - 1)))
#define LIS_DM_RANGE_PFN(r)		((r) & ((1ull << LIS_DM_RANGE_PFN_BITS) - 1))
#define LIS_DM_RANGE_COUNT(r)		((u32)((r) >> LIS_DM_RANGE_PFN_BITS))

struct lis_dm_version_request {
	struct lis_dm_header hdr;
	__le32 version;
	__le32 flags;			/* bit 0: is last attempt */
} __packed;
LIS_ASSERT_SIZE(struct lis_dm_version_request, 16);
#define LIS_DM_VERSION_LAST_ATTEMPT	0x1u

/* VERSION_RESPONSE and CAPABILITIES_RESPONSE */
struct lis_dm_accept {
	struct lis_dm_header hdr;
	__le64 flags;
} __packed;
LIS_ASSERT_SIZE(struct lis_dm_accept, 16);
#define LIS_DM_ACCEPTED			0x1ull
#define LIS_DM_CAPS_RESP_HOT_REMOVE	0x2ull
#define LIS_DM_CAPS_RESP_NO_REPORTS	0x4ull	/* suppress pressure reports */

struct lis_dm_capabilities {
	struct lis_dm_header hdr;
	__le64 caps;
	__le64 min_page_count;
	__le64 max_page_number;
} __packed;
LIS_ASSERT_SIZE(struct lis_dm_capabilities, 32);
#define LIS_DM_CAP_BALLOON		0x1ull
#define LIS_DM_CAP_HOT_ADD		0x2ull
#define LIS_DM_CAP_ALIGN_SHIFT		2	/* 4 bits: hot-add alignment 2^n MiB */
#define LIS_DM_CAP_ALIGN_MASK		(0xFull << LIS_DM_CAP_ALIGN_SHIFT)
#define LIS_DM_CAP_HOT_REMOVE		0x40ull

struct lis_dm_status {
	struct lis_dm_header hdr;
	__le64 num_avail;
	__le64 num_committed;
	__le64 page_file_size;
	__le64 zero_free;
	__le32 page_file_writes;
	__le32 io_diff;
} __packed;
LIS_ASSERT_SIZE(struct lis_dm_status, 48);

struct lis_dm_balloon_request {
	struct lis_dm_header hdr;
	__le32 num_pages;
	__le32 reserved;
} __packed;
LIS_ASSERT_SIZE(struct lis_dm_balloon_request, 16);

/* followed by range_count ranges; the whole message at most 4 KiB */
struct lis_dm_balloon_response {
	struct lis_dm_header hdr;
	__le32 reserved;
	__le32 more_and_count;		/* bit 0: more pages follow; 31:1 range count */
	__le64 range[];
} __packed;
LIS_ASSERT_SIZE(struct lis_dm_balloon_response, 16);
#define LIS_DM_MESSAGE_MAX		4096u
#define LIS_DM_BALLOON_MAX_RANGES	((LIS_DM_MESSAGE_MAX - 16u) / 8u)

struct lis_dm_unballoon_request {
	struct lis_dm_header hdr;
	__le32 more_pages;		/* bit 0 */
	__le32 range_count;
	__le64 range[];
} __packed;
LIS_ASSERT_SIZE(struct lis_dm_unballoon_request, 16);

/* UNBALLOON_RESPONSE is the header alone */

/* followed, from Windows Server 2016 hosts, by the hot-add region */
struct lis_dm_hot_add_request {
	struct lis_dm_header hdr;
	__le64 range;
} __packed;
LIS_ASSERT_SIZE(struct lis_dm_hot_add_request, 16);

struct lis_dm_hot_add_response {
	struct lis_dm_header hdr;
	__le32 page_count;		/* pages added */
	__le32 result;			/* 1 success (0 added: never again), 0 try later */
} __packed;
LIS_ASSERT_SIZE(struct lis_dm_hot_add_response, 16);

/* followed by info_size bytes of {type u32, size u32, data} blobs */
struct lis_dm_info_msg {
	struct lis_dm_header hdr;
	__le32 reserved;
	__le32 info_size;
} __packed;
LIS_ASSERT_SIZE(struct lis_dm_info_msg, 16);

struct lis_dm_info_blob {
	__le32 type;
	__le32 size;
} __packed;
LIS_ASSERT_SIZE(struct lis_dm_info_blob, 8);
#define LIS_DM_INFO_MAX_PAGE_COUNT	0	/* u64 */

struct lis_dm_hot_remove_request {
	struct lis_dm_header hdr;
	__le32 virtual_node;
	__le32 page_count;
	__le32 qos_flags;
	__le32 reserved;
} __packed;
LIS_ASSERT_SIZE(struct lis_dm_hot_remove_request, 24);

struct lis_dm_hot_remove_response {
	struct lis_dm_header hdr;
	__le32 result;
	__le32 range_count;
	__le64 more_pages;		/* bit 0 */
} __packed;
LIS_ASSERT_SIZE(struct lis_dm_hot_remove_response, 24);

#endif /* LIS_WIRE_BALLOON_H */
