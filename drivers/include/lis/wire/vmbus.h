/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMBus wire formats, defined once: SynIC message slots, channel-management
 * messages, the ring control page and packet descriptors.  Every structure is
 * packed, little-endian, and size-checked at compile time; tests/unit compares
 * the field offsets with the numbers of the protocol fact sheet (§1.7, §2, §3).
 */
#ifndef LIS_WIRE_VMBUS_H
#define LIS_WIRE_VMBUS_H

#include <lis/port.h>

/* ---- hypervisor interface (§1) ------------------------------------------ */

#define LIS_HV_CPUID_VENDOR			0x40000000u
#define LIS_HV_CPUID_INTERFACE		0x40000001u
#define LIS_HV_CPUID_VERSION		0x40000002u
#define LIS_HV_CPUID_FEATURES		0x40000003u
#define LIS_HV_CPUID_ENLIGHTENMENTS		0x40000004u
#define LIS_HV_CPUID_LIMITS			0x40000005u
#define LIS_HV_CPUID_ISOLATION		0x4000000Cu

#define LIS_HV_SIGNATURE_HV1		0x31237648u	/* "Hv#1" */
#define LIS_HV_VENDOR_EBX			0x7263694Du	/* "Micr" */
#define LIS_HV_VENDOR_ECX			0x666F736Fu	/* "osof" */
#define LIS_HV_VENDOR_EDX			0x76482074u	/* "t Hv" */

/* CPUID 0x40000003 EAX (partition privileges, group A) */
#define LIS_HV_PRIV_TIME_REF_COUNT	(1u << 1)
#define LIS_HV_PRIV_SYNIC_MSRS		(1u << 2)
#define LIS_HV_PRIV_SYNTIMER_MSRS		(1u << 3)
#define LIS_HV_PRIV_HYPERCALL_MSRS		(1u << 5)
#define LIS_HV_PRIV_VP_INDEX_MSR		(1u << 6)
/* CPUID 0x40000003 EBX (group B) */
#define LIS_HV_PRIV_POST_MESSAGES		(1u << 4)
#define LIS_HV_PRIV_SIGNAL_EVENTS		(1u << 5)
/* CPUID 0x40000004 EAX */
#define LIS_HV_HINT_DEPRECATE_AUTO_EOI	(1u << 9)
/* CPUID 0x4000000C: EAX bit 0 paravisor, EBX bits 3:0 isolation type */
#define LIS_HV_ISOLATION_TYPE_MASK		0xFu

#define LIS_HV_MSR_GUEST_OS_ID		0x40000000u
#define LIS_HV_MSR_HYPERCALL		0x40000001u
#define LIS_HV_MSR_VP_INDEX			0x40000002u
#define LIS_HV_MSR_TIME_REF_COUNT		0x40000020u
#define LIS_HV_MSR_SCONTROL			0x40000080u
#define LIS_HV_MSR_SVERSION			0x40000081u
#define LIS_HV_MSR_SIEFP			0x40000082u
#define LIS_HV_MSR_SIMP			0x40000083u
#define LIS_HV_MSR_EOM			0x40000084u
#define LIS_HV_MSR_SINT0			0x40000090u

#define LIS_HV_MSR_STIMER0_CONFIG	0x400000B0u
#define LIS_HV_MSR_STIMER0_COUNT	0x400000B1u

/* synthetic timer configuration (STIMERn_CONFIG; TLFS "Synthetic Timers") */
#define LIS_HV_STIMER_ENABLE		(1ull << 0)
#define LIS_HV_STIMER_PERIODIC		(1ull << 1)
#define LIS_HV_STIMER_LAZY		(1ull << 2)
#define LIS_HV_STIMER_AUTO_ENABLE	(1ull << 3)
#define LIS_HV_STIMER_DIRECT_MODE	(1ull << 12)
#define LIS_HV_STIMER_SINT_SHIFT	16
#define LIS_HV_STIMER_FREQUENCY		10000000u	/* 100 ns ticks */

#define LIS_HV_SCONTROL_ENABLE		(1ull << 0)
#define LIS_HV_SIMP_ENABLE			(1ull << 0)	/* also SIEFP */
#define LIS_HV_SINT_VECTOR_MASK		0xFFull
#define LIS_HV_SINT_MASKED			(1ull << 16)
#define LIS_HV_SINT_AUTO_EOI		(1ull << 17)

#define LIS_HV_CALL_POST_MESSAGE		0x005Cu
#define LIS_HV_CALL_SIGNAL_EVENT		0x005Du
#define LIS_HV_HYPERCALL_FAST		(1ull << 16)

#define LIS_HV_STATUS_SUCCESS		0
#define LIS_HV_STATUS_INVALID_HYPERCALL_CODE 2
#define LIS_HV_STATUS_INVALID_HYPERCALL_INPUT 3
#define LIS_HV_STATUS_INVALID_ALIGNMENT	4
#define LIS_HV_STATUS_INVALID_PARAMETER	5
#define LIS_HV_STATUS_ACCESS_DENIED		6
#define LIS_HV_STATUS_INSUFFICIENT_MEMORY	11
#define LIS_HV_STATUS_INVALID_PORT_ID	17
#define LIS_HV_STATUS_INVALID_CONNECTION_ID	18
#define LIS_HV_STATUS_INSUFFICIENT_BUFFERS	19
#define LIS_HV_STATUS_MASK			0xFFFFull

/* SynIC message page: 16 slots of 256 bytes; VMBus uses SINT 2 */
#define LIS_HV_SYNIC_SINT_COUNT		16
#define LIS_HV_MESSAGE_SIZE			256
#define LIS_HV_MESSAGE_PAYLOAD_SIZE		240
#define LIS_HV_MESSAGE_TYPE_NONE		0u
#define LIS_HV_MESSAGE_TYPE_VMBUS		1u
#define LIS_HV_MESSAGE_TYPE_TIMER_EXPIRED	0x80000010u
#define LIS_HV_MESSAGE_FLAG_PENDING		0x1u
#define LIS_HV_EVENT_FLAGS_BYTES		256	/* per SINT: 2048 bits */

/*
 * Shared with the host and accessed atomically: naturally aligned (its
 * natural layout is the wire layout; the asserts keep it so), not packed.
 */
struct lis_hv_message {
	__le32 message_type;
	u8 payload_size;
	u8 message_flags;
	__le16 reserved;
	__le64 sender;
	u8 payload[LIS_HV_MESSAGE_PAYLOAD_SIZE];
};
LIS_ASSERT_SIZE(struct lis_hv_message, 256);
LIS_ASSERT_OFFSET(struct lis_hv_message, sender, 8);
LIS_ASSERT_OFFSET(struct lis_hv_message, payload, 16);

/* HvCallPostMessage input (memory based) */
struct lis_hv_post_message_input {
	__le32 connection_id;
	__le32 reserved;
	__le32 message_type;
	__le32 payload_size;
	u8 payload[LIS_HV_MESSAGE_PAYLOAD_SIZE];
} __packed;
LIS_ASSERT_SIZE(struct lis_hv_post_message_input, 256);

/* HvCallSignalEvent input (fast call: the 8 bytes travel in RDX) */
struct lis_hv_signal_event_input {
	__le32 connection_id;
	__le16 flag_number;
	__le16 reserved;
} __packed;
LIS_ASSERT_SIZE(struct lis_hv_signal_event_input, 8);

/* ---- channel management (§2) --------------------------------------------- */

#define LIS_VMBUS_SINT				2
#define LIS_VMBUS_MESSAGE_CONNECTION_ID		1
#define LIS_VMBUS_MESSAGE_CONNECTION_ID_4		4
#define LIS_VMBUS_EVENT_CONNECTION_ID		2
#define LIS_VMBUS_MONITOR_CONNECTION_ID		3
#define LIS_VMBUS_MAX_RELID				2048	/* bits in one SIEF area */

#define LIS_VMBUS_VERSION(maj, min)		(((u32)(maj) << 16) | (u32)(min))
#define LIS_VMBUS_VERSION_WIN8		LIS_VMBUS_VERSION(2, 4)
#define LIS_VMBUS_VERSION_WIN8_1		LIS_VMBUS_VERSION(3, 0)
#define LIS_VMBUS_VERSION_WIN10		LIS_VMBUS_VERSION(4, 0)
#define LIS_VMBUS_VERSION_WIN10_V4_1	LIS_VMBUS_VERSION(4, 1)
#define LIS_VMBUS_VERSION_WIN10_V5		LIS_VMBUS_VERSION(5, 0)
#define LIS_VMBUS_VERSION_WIN10_V5_1	LIS_VMBUS_VERSION(5, 1)
#define LIS_VMBUS_VERSION_WIN10_V5_2	LIS_VMBUS_VERSION(5, 2)
#define LIS_VMBUS_VERSION_WIN10_V5_3	LIS_VMBUS_VERSION(5, 3)

enum lis_vmbus_msg_type {
	LIS_VMBUS_MSG_INVALID = 0,
	LIS_VMBUS_MSG_OFFERCHANNEL = 1,
	LIS_VMBUS_MSG_RESCIND_CHANNELOFFER = 2,
	LIS_VMBUS_MSG_REQUESTOFFERS = 3,
	LIS_VMBUS_MSG_ALLOFFERS_DELIVERED = 4,
	LIS_VMBUS_MSG_OPENCHANNEL = 5,
	LIS_VMBUS_MSG_OPENCHANNEL_RESULT = 6,
	LIS_VMBUS_MSG_CLOSECHANNEL = 7,
	LIS_VMBUS_MSG_GPADL_HEADER = 8,
	LIS_VMBUS_MSG_GPADL_BODY = 9,
	LIS_VMBUS_MSG_GPADL_CREATED = 10,
	LIS_VMBUS_MSG_GPADL_TEARDOWN = 11,
	LIS_VMBUS_MSG_GPADL_TORNDOWN = 12,
	LIS_VMBUS_MSG_RELID_RELEASED = 13,
	LIS_VMBUS_MSG_INITIATE_CONTACT = 14,
	LIS_VMBUS_MSG_VERSION_RESPONSE = 15,
	LIS_VMBUS_MSG_UNLOAD = 16,
	LIS_VMBUS_MSG_UNLOAD_RESPONSE = 17,
	LIS_VMBUS_MSG_TL_CONNECT_REQUEST = 21,
	LIS_VMBUS_MSG_MODIFYCHANNEL = 22,
	LIS_VMBUS_MSG_TL_CONNECT_RESULT = 23,
	LIS_VMBUS_MSG_MODIFYCHANNEL_RESPONSE = 24,
	LIS_VMBUS_MSG_COUNT
};

struct lis_vmbus_msg_header {
	__le32 msgtype;
	__le32 padding;
} __packed;
LIS_ASSERT_SIZE(struct lis_vmbus_msg_header, 8);

/* a GUID in Microsoft's binary layout: data1..data3 little-endian */
struct lis_guid {
	u8 b[16];
} __packed;
LIS_ASSERT_SIZE(struct lis_guid, 16);

#define LIS_VMBUS_OFFER_FLAG_ENUMERATE_DEVICE_INTERFACE	0x0001
#define LIS_VMBUS_OFFER_FLAG_NAMED_PIPE_MODE		0x0010
#define LIS_VMBUS_OFFER_FLAG_TLNPI_PROVIDER			0x2000
#define LIS_VMBUS_OFFER_USER_DEFINED_SIZE			120

struct lis_vmbus_msg_offer {
	struct lis_vmbus_msg_header header;
	struct lis_guid if_type;
	struct lis_guid if_instance;
	__le64 reserved1;
	__le64 reserved2;
	__le16 chn_flags;
	__le16 mmio_megabytes;
	u8 user_defined[LIS_VMBUS_OFFER_USER_DEFINED_SIZE];
	__le16 sub_channel_index;
	__le16 reserved3;
	__le32 child_relid;
	u8 monitor_id;
	u8 monitor_allocated;		/* bit 0 */
	__le16 is_dedicated_interrupt;	/* bit 0 */
	__le32 connection_id;
} __packed;
LIS_ASSERT_SIZE(struct lis_vmbus_msg_offer, 196);

struct lis_vmbus_msg_rescind {
	struct lis_vmbus_msg_header header;
	__le32 child_relid;
} __packed;
LIS_ASSERT_SIZE(struct lis_vmbus_msg_rescind, 12);

#define LIS_VMBUS_OPEN_USER_DATA_SIZE	120

struct lis_vmbus_msg_open {
	struct lis_vmbus_msg_header header;
	__le32 child_relid;
	__le32 open_id;
	__le32 ring_gpadl;
	__le32 target_vp;
	__le32 downstream_page_offset;
	u8 user_data[LIS_VMBUS_OPEN_USER_DATA_SIZE];
} __packed;
LIS_ASSERT_SIZE(struct lis_vmbus_msg_open, 148);

struct lis_vmbus_msg_open_result {
	struct lis_vmbus_msg_header header;
	__le32 child_relid;
	__le32 open_id;
	__le32 status;
} __packed;
LIS_ASSERT_SIZE(struct lis_vmbus_msg_open_result, 20);

struct lis_vmbus_msg_close {
	struct lis_vmbus_msg_header header;
	__le32 child_relid;
} __packed;
LIS_ASSERT_SIZE(struct lis_vmbus_msg_close, 12);

#define LIS_VMBUS_GPADL_HEADER_MAX_PFNS	26
#define LIS_VMBUS_GPADL_BODY_MAX_PFNS	28

struct lis_vmbus_msg_gpadl_header {
	struct lis_vmbus_msg_header header;
	__le32 child_relid;
	__le32 gpadl;
	__le16 range_buflen;
	__le16 range_count;
	__le32 byte_count;		/* range[0] */
	__le32 byte_offset;
	__le64 pfn[LIS_VMBUS_GPADL_HEADER_MAX_PFNS];
} __packed;
LIS_ASSERT_SIZE(struct lis_vmbus_msg_gpadl_header, 28 + 8 * 26);

struct lis_vmbus_msg_gpadl_body {
	struct lis_vmbus_msg_header header;
	__le32 msgnumber;
	__le32 gpadl;
	__le64 pfn[LIS_VMBUS_GPADL_BODY_MAX_PFNS];
} __packed;
LIS_ASSERT_SIZE(struct lis_vmbus_msg_gpadl_body, 16 + 8 * 28);

struct lis_vmbus_msg_gpadl_created {
	struct lis_vmbus_msg_header header;
	__le32 child_relid;
	__le32 gpadl;
	__le32 creation_status;
} __packed;
LIS_ASSERT_SIZE(struct lis_vmbus_msg_gpadl_created, 20);

struct lis_vmbus_msg_gpadl_teardown {
	struct lis_vmbus_msg_header header;
	__le32 child_relid;
	__le32 gpadl;
} __packed;
LIS_ASSERT_SIZE(struct lis_vmbus_msg_gpadl_teardown, 16);

struct lis_vmbus_msg_gpadl_torndown {
	struct lis_vmbus_msg_header header;
	__le32 gpadl;
} __packed;
LIS_ASSERT_SIZE(struct lis_vmbus_msg_gpadl_torndown, 12);

struct lis_vmbus_msg_relid_released {
	struct lis_vmbus_msg_header header;
	__le32 child_relid;
} __packed;
LIS_ASSERT_SIZE(struct lis_vmbus_msg_relid_released, 12);

struct lis_vmbus_msg_initiate_contact {
	struct lis_vmbus_msg_header header;
	__le32 version_requested;
	__le32 target_vcpu;
	union {
		__le64 interrupt_page;	/* < 5.0 */
		struct {		/* >= 5.0 */
			u8 msg_sint;
			u8 msg_vtl;
			u8 reserved[2];
			__le32 feature_flags;
		} __packed v5;
	} __packed u;
	__le64 monitor_page1;
	__le64 monitor_page2;
} __packed;
LIS_ASSERT_SIZE(struct lis_vmbus_msg_initiate_contact, 40);

struct lis_vmbus_msg_version_response {
	struct lis_vmbus_msg_header header;
	u8 version_supported;
	u8 connection_state;
	__le16 padding;
	__le32 msg_conn_id;		/* >= 5.0: connection id for all later messages */
} __packed;
LIS_ASSERT_SIZE(struct lis_vmbus_msg_version_response, 16);

struct lis_vmbus_msg_modify_channel {
	struct lis_vmbus_msg_header header;
	__le32 child_relid;
	__le32 target_vp;
} __packed;
LIS_ASSERT_SIZE(struct lis_vmbus_msg_modify_channel, 16);

struct lis_vmbus_msg_modify_channel_response {
	struct lis_vmbus_msg_header header;
	__le32 child_relid;
	__le32 status;
} __packed;
LIS_ASSERT_SIZE(struct lis_vmbus_msg_modify_channel_response, 16);

struct lis_vmbus_msg_tl_connect_request {
	struct lis_vmbus_msg_header header;
	struct lis_guid guest_endpoint_id;
	struct lis_guid host_service_id;
} __packed;
LIS_ASSERT_SIZE(struct lis_vmbus_msg_tl_connect_request, 40);

/* >= 5.2: the same with a silo id (zero: none) */
struct lis_vmbus_msg_tl_connect_request_v2 {
	struct lis_vmbus_msg_header header;
	struct lis_guid guest_endpoint_id;
	struct lis_guid host_service_id;
	struct lis_guid silo_id;
} __packed;
LIS_ASSERT_SIZE(struct lis_vmbus_msg_tl_connect_request_v2, 56);

/* >= 4.1, host -> guest, only when the connection failed */
struct lis_vmbus_msg_tl_connect_result {
	struct lis_vmbus_msg_header header;
	struct lis_guid endpoint_id;
	struct lis_guid service_id;
	__le32 status;
} __packed;
LIS_ASSERT_SIZE(struct lis_vmbus_msg_tl_connect_result, 44);

/* ---- rings and packets (§3) ---------------------------------------------- */

#define LIS_VMBUS_RING_FEATURE_PENDING_SEND_SZ	0x1u

/* shared and accessed atomically: natural layout == wire layout, not packed */
struct lis_vmbus_ring_control {
	__le32 write_index;
	__le32 read_index;
	__le32 interrupt_mask;
	__le32 pending_send_sz;
	__le32 reserved1[12];
	__le32 feature_bits;
	u8 reserved2[4028];
};
LIS_ASSERT_SIZE(struct lis_vmbus_ring_control, 4096);
LIS_ASSERT_OFFSET(struct lis_vmbus_ring_control, feature_bits, 64);

enum lis_vmbus_packet_type {
	LIS_VMBUS_PKT_INVALID = 0x0,
	LIS_VMBUS_PKT_SYNCH = 0x1,
	LIS_VMBUS_PKT_DATA_INBAND = 0x6,
	LIS_VMBUS_PKT_DATA_USING_XFER_PAGES = 0x7,
	LIS_VMBUS_PKT_DATA_USING_GPADL = 0x8,
	LIS_VMBUS_PKT_DATA_USING_GPA_DIRECT = 0x9,
	LIS_VMBUS_PKT_CANCEL_REQUEST = 0xA,
	LIS_VMBUS_PKT_COMP = 0xB,
};

#define LIS_VMBUS_PKT_FLAG_COMPLETION_REQUESTED	0x1u

struct lis_vmbus_packet_desc {
	__le16 type;
	__le16 offset8;		/* payload offset, 8-byte units */
	__le16 len8;		/* packet length without trailer, 8-byte units */
	__le16 flags;
	__le64 trans_id;
} __packed;
LIS_ASSERT_SIZE(struct lis_vmbus_packet_desc, 16);

/* GPA-direct extended header, followed by ranges */
struct lis_vmbus_gpa_direct_hdr {
	struct lis_vmbus_packet_desc desc;
	__le32 reserved;
	__le32 range_count;
} __packed;
LIS_ASSERT_SIZE(struct lis_vmbus_gpa_direct_hdr, 24);

/* one GPA range header; followed by ceil((offset+count)/4096) PFNs (u64) */
struct lis_vmbus_gpa_range {
	__le32 byte_count;
	__le32 byte_offset;
} __packed;
LIS_ASSERT_SIZE(struct lis_vmbus_gpa_range, 8);

/* transfer-page (type 7) extended header, followed by ranges */
struct lis_vmbus_xfer_page_hdr {
	struct lis_vmbus_packet_desc desc;
	__le16 xfer_pageset_id;
	u8 sender_owns_set;
	u8 reserved;
	__le32 range_count;
} __packed;
LIS_ASSERT_SIZE(struct lis_vmbus_xfer_page_hdr, 24);

struct lis_vmbus_xfer_page_range {
	__le32 byte_count;
	__le32 byte_offset;
} __packed;
LIS_ASSERT_SIZE(struct lis_vmbus_xfer_page_range, 8);

#endif /* LIS_WIRE_VMBUS_H */
