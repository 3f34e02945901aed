/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hostsim's own view of the wire: numbers and byte offsets taken from the
 * protocol fact sheet (docs/hyperv-protocol.md in the shared notes), and
 * little-endian accessors.  Nothing here is shared with the guest drivers;
 * every message is read and built byte by byte at the documented offsets.
 */
#ifndef HS_WIRE_H
#define HS_WIRE_H

#include <stdint.h>
#include <string.h>

/* ---- little-endian access to unaligned bytes ---------------------------- */
static inline uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

static inline uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static inline void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

#define HV_PAGE		4096u
#define HV_PAGE_SHIFT	12

/* ---- §1.1 CPUID ------------------------------------------------------------ */
#define CPUID_HV_VENDOR		0x40000000u
#define CPUID_HV_INTERFACE	0x40000001u
#define CPUID_HV_VERSION	0x40000002u
#define CPUID_HV_FEATURES	0x40000003u
#define CPUID_HV_RECOMMEND	0x40000004u
#define CPUID_HV_LIMITS		0x40000005u
#define CPUID_HV_ISOLATION	0x4000000Cu
#define CPUID_HV_MAX_LEAF	CPUID_HV_ISOLATION
#define HV_SIGNATURE_HV1	0x31237648u	/* "Hv#1" */

/* group A (0x40000003 EAX) and group B (EBX) bits, §1.2 */
#define HV_PRIV_TIME_REF_COUNT	(1u << 1)
#define HV_PRIV_SYNIC		(1u << 2)
#define HV_PRIV_HYPERCALL	(1u << 5)
#define HV_PRIV_VP_INDEX	(1u << 6)
#define HV_PRIVB_POST_MESSAGES	(1u << 4)
#define HV_PRIVB_SIGNAL_EVENTS	(1u << 5)
#define HV_RECOMMEND_NO_AUTOEOI	(1u << 9)

/* ---- §1.3 synthetic MSRs ---------------------------------------------------- */
#define MSR_GUEST_OS_ID		0x40000000u
#define MSR_HYPERCALL		0x40000001u
#define MSR_VP_INDEX		0x40000002u
#define MSR_TIME_REF_COUNT	0x40000020u
#define MSR_SCONTROL		0x40000080u
#define MSR_SVERSION		0x40000081u
#define MSR_SIEFP		0x40000082u
#define MSR_SIMP		0x40000083u
#define MSR_EOM			0x40000084u
#define MSR_SINT0		0x40000090u
#define MSR_SINT15		0x4000009Fu

#define HYPERCALL_ENABLE	(1ull << 0)
#define HYPERCALL_LOCKED	(1ull << 1)
#define SYNIC_PAGE_ENABLE	(1ull << 0)
#define SINT_VECTOR_MASK	0xFFull
#define SINT_MASKED		(1ull << 16)
#define SINT_AUTO_EOI		(1ull << 17)
#define SINT_POLLING		(1ull << 18)
#define SINT_WRITABLE		(SINT_VECTOR_MASK | SINT_MASKED | SINT_AUTO_EOI | SINT_POLLING)

/* ---- §1.5 hypercalls -------------------------------------------------------- */
#define HVCALL_POST_MESSAGE	0x005Cu
#define HVCALL_SIGNAL_EVENT	0x005Du
#define HC_FAST			(1ull << 16)
#define HC_VARHDR_SHIFT		17
#define HC_VARHDR_MASK		0x3FFull
#define HC_REP_COUNT_SHIFT	32
#define HC_REP_MASK		0xFFFull
#define HC_REP_START_SHIFT	48
#define HC_RESERVED_BITS	((0x1Full << 27) | (0xFull << 44) | (0xFull << 60))

#define HV_STATUS_SUCCESS			0
#define HV_STATUS_INVALID_HYPERCALL_CODE	2
#define HV_STATUS_INVALID_HYPERCALL_INPUT	3
#define HV_STATUS_INVALID_ALIGNMENT		4
#define HV_STATUS_INVALID_PARAMETER		5
#define HV_STATUS_ACCESS_DENIED			6
#define HV_STATUS_INSUFFICIENT_MEMORY		11
#define HV_STATUS_INVALID_CONNECTION_ID		18
#define HV_STATUS_INSUFFICIENT_BUFFERS		19

/* §1.8 PostMessage input block */
#define PM_CONN_ID		0
#define PM_RESERVED		4
#define PM_MSG_TYPE		8
#define PM_PAYLOAD_SIZE		12
#define PM_PAYLOAD		16
#define PM_SIZE			256
#define HV_MSG_PAYLOAD_MAX	240u

/* ---- §1.7 message and event-flags pages ------------------------------------ */
#define SIMP_SLOT_SIZE		256u
#define SLOT_TYPE		0
#define SLOT_SIZE		4
#define SLOT_FLAGS		5
#define SLOT_SENDER		8
#define SLOT_PAYLOAD		16
#define SLOT_FLAG_PENDING	0x01u
#define HV_MSGTYPE_VMBUS	1u
#define SIEF_AREA_SIZE		256u

/* ---- §1.9 monitor pages ------------------------------------------------------ */
#define MON_TRIGGER_GROUP	0x008u	/* {Pending u32, Armed u32} x 4 */
#define MON_GROUPS		4u
#define MON_IDS			(MON_GROUPS * 32u)

/* ---- §2.1 VMBus constants ---------------------------------------------------- */
#define VMBUS_SINT		2u
#define VMBUS_CONN_MESSAGE	1u
#define VMBUS_CONN_SHARED_EVENT	2u
#define VMBUS_CONN_MESSAGE_V5	4u
#define VMBUS_MAX_RELID		2048u
#define VMBUS_MSG_HDR		8u

#define VMBUS_VERSION(maj, min)	((uint32_t)(maj) << 16 | (uint32_t)(min))
#define VMBUS_V1_1		VMBUS_VERSION(1, 1)
#define VMBUS_V2_4		VMBUS_VERSION(2, 4)
#define VMBUS_V3_0		VMBUS_VERSION(3, 0)
#define VMBUS_V4_0		VMBUS_VERSION(4, 0)
#define VMBUS_V4_1		VMBUS_VERSION(4, 1)
#define VMBUS_V5_0		VMBUS_VERSION(5, 0)
#define VMBUS_V5_3		VMBUS_VERSION(5, 3)
#define VMBUS_V6_0		VMBUS_VERSION(6, 0)

/* §2.3 channel message types */
enum {
	CHMSG_OFFERCHANNEL = 1,
	CHMSG_RESCIND_OFFER = 2,
	CHMSG_REQUESTOFFERS = 3,
	CHMSG_ALLOFFERS_DELIVERED = 4,
	CHMSG_OPENCHANNEL = 5,
	CHMSG_OPENCHANNEL_RESULT = 6,
	CHMSG_CLOSECHANNEL = 7,
	CHMSG_GPADL_HEADER = 8,
	CHMSG_GPADL_BODY = 9,
	CHMSG_GPADL_CREATED = 10,
	CHMSG_GPADL_TEARDOWN = 11,
	CHMSG_GPADL_TORNDOWN = 12,
	CHMSG_RELID_RELEASED = 13,
	CHMSG_INITIATE_CONTACT = 14,
	CHMSG_VERSION_RESPONSE = 15,
	CHMSG_UNLOAD = 16,
	CHMSG_UNLOAD_RESPONSE = 17,
	CHMSG_TL_CONNECT_REQUEST = 21,
	CHMSG_MODIFYCHANNEL = 22,
	CHMSG_TL_CONNECT_RESULT = 23,
	CHMSG_MODIFYCHANNEL_RESPONSE = 24,
};
/* a type no VMBus version defines (fault injection) */
#define CHMSG_UNDEFINED		0x7Fu

/* §2.4.1 OFFERCHANNEL */
#define OFFER_CLASS		8
#define OFFER_INSTANCE		24
#define OFFER_FLAGS		56
#define OFFER_MMIO_MB		58
#define OFFER_USER_DEFINED	60
#define OFFER_SUBCHANNEL	180
#define OFFER_RELID		184
#define OFFER_MONITOR_ID	188
#define OFFER_MONITOR_ALLOC	189
#define OFFER_DEDICATED_INT	190
#define OFFER_CONN_ID		192
#define OFFER_SIZE		196

/* §2.4.2 small messages: the first field after the header is at 8 */
#define MSG_F0			8
#define MSG_F1			12
#define MSG_F2			16
#define RESCIND_SIZE		12
#define OPEN_RESULT_SIZE	20
#define CLOSE_SIZE		12
#define GPADL_CREATED_SIZE	20
#define GPADL_TEARDOWN_SIZE	16
#define GPADL_TORNDOWN_SIZE	12
#define RELID_RELEASED_SIZE	12
#define MODIFY_SIZE		16
#define MODIFY_RESPONSE_SIZE	16

/* §2.4.3 OPENCHANNEL */
#define OPEN_RELID		8
#define OPEN_ID			12
#define OPEN_GPADL		16
#define OPEN_TARGET_VP		20
#define OPEN_DOWNSTREAM		24
#define OPEN_USER_DATA		28
#define OPEN_USER_DATA_LEN	120
#define OPEN_SIZE		148

/* §2.4.4 GPADL_HEADER / GPADL_BODY */
#define GPADL_HDR_RELID		8
#define GPADL_HDR_HANDLE	12
#define GPADL_HDR_RANGE_LEN	16
#define GPADL_HDR_RANGE_COUNT	18
#define GPADL_HDR_RANGES	20
#define GPADL_BODY_MSGNUM	8
#define GPADL_BODY_HANDLE	12
#define GPADL_BODY_PFNS		16

/* §2.4.5 INITIATE_CONTACT / §2.4.6 VERSION_RESPONSE */
#define IC_VERSION		8
#define IC_TARGET_VCPU		12
#define IC_INT_PAGE		16
#define IC_MSG_SINT		16
#define IC_MSG_VTL		17
#define IC_FEATURES		20
#define IC_MONITOR1		24
#define IC_MONITOR2		32
#define IC_SIZE			40
#define VR_SUPPORTED		8
#define VR_STATE		9
#define VR_CONN_OR_VERSION	12
#define VR_FEATURES		16
#define VR_SIZE			16
#define VR_SIZE_V6		20

/* §2.4.7 TL_CONNECT */
#define TL_REQUEST_SIZE		40
#define TL_RESULT_STATUS	40
#define TL_RESULT_SIZE		44
#define STATUS_CONNECTION_REFUSED 0xC0000236u

/* failure status the host puts in GPADL_CREATED / OPENCHANNEL_RESULT /
 * MODIFYCHANNEL_RESPONSE (any non-zero value means failure) */
#define HS_STATUS_UNSUCCESSFUL	0xC0000001u

/* ---- §3.1 / §3.2 rings and packets --------------------------------------- */
#define RING_WRITE_INDEX	0
#define RING_READ_INDEX		4
#define RING_INTERRUPT_MASK	8
#define RING_PENDING_SEND	12
#define RING_FEATURE_BITS	64
#define RING_FEAT_PENDING_SEND	0x1u

#define PKT_TYPE		0
#define PKT_OFFSET8		2
#define PKT_LEN8		4
#define PKT_FLAGS		6
#define PKT_TRANS_ID		8
#define PKT_DESC_SIZE		16
#define PKT_TRAILER_SIZE	8
#define PKT_FLAG_COMPLETION	0x1u

#define PKT_INBAND		0x6u
#define PKT_XFER_PAGES		0x7u
#define PKT_GPA_DIRECT		0x9u
#define PKT_COMP		0xBu

/* GPA-direct extended header: reserved u32 at 16, RangeCount u32 at 20 */
#define PKT_GPA_RANGE_COUNT	20
#define PKT_GPA_RANGES		24

/* a range: ByteCount u32, ByteOffset u32, PFN u64[] */
#define RANGE_BYTE_COUNT	0
#define RANGE_BYTE_OFFSET	4
#define RANGE_PFNS		8

static inline uint32_t range_pages(uint32_t byte_offset, uint32_t byte_count)
{
	return (uint32_t)(((uint64_t)byte_offset + byte_count + HV_PAGE - 1) / HV_PAGE);
}

#endif /* HS_WIRE_H */
