/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NVSP wire formats (the netvsc transport inside the VMBus channel), defined
 * once: the message types, the per-type layouts, the status values and the
 * numbers that travel in them.  Packed, little-endian, size-checked at
 * compile time; tests/unit/test_netvsc.c compares the offsets with the
 * protocol fact sheet (§5.1-§5.5).  RNDIS, carried inside NVSP
 * SEND_RNDIS_PACKET messages, is in lis/wire/rndis.h.
 */
#ifndef LIS_WIRE_NETVSC_H
#define LIS_WIRE_NETVSC_H

#include <lis/port.h>

/* ---- device class (§8) ----------------------------------------------------- */

/* {f8615163-df3e-46c5-913f-f2d2f965ed0e}, wire byte order */
#define LIS_NET_CLASS_BYTES						\
	0x63, 0x51, 0x61, 0xf8, 0x3e, 0xdf, 0xc5, 0x46,			\
	0x91, 0x3f, 0xf2, 0xd2, 0xf9, 0x65, 0xed, 0x0e

/* ---- versions (§5.1) ------------------------------------------------------- */

#define LIS_NVSP_VERSION_1		0x00000002u
#define LIS_NVSP_VERSION_2		0x00030002u
#define LIS_NVSP_VERSION_4		0x00040000u
#define LIS_NVSP_VERSION_5		0x00050000u
#define LIS_NVSP_VERSION_6		0x00060000u
#define LIS_NVSP_VERSION_61		0x00060001u

/* NDIS version announced with SEND_NDIS_VERSION (§5.3) */
#define LIS_NDIS_VERSION_6_1		0x00060001u	/* NVSP <= 4 */
#define LIS_NDIS_VERSION_6_30		0x0006001Eu	/* NVSP >= 5 */

/* ---- message types (§5.3) --------------------------------------------------- */

enum lis_nvsp_msg_type {
	LIS_NVSP_MSG_INIT = 1,
	LIS_NVSP_MSG_INIT_COMPLETE = 2,
	LIS_NVSP_MSG_SEND_NDIS_VERSION = 100,
	LIS_NVSP_MSG_SEND_RECV_BUF = 101,
	LIS_NVSP_MSG_SEND_RECV_BUF_COMPLETE = 102,
	LIS_NVSP_MSG_REVOKE_RECV_BUF = 103,
	LIS_NVSP_MSG_SEND_SEND_BUF = 104,
	LIS_NVSP_MSG_SEND_SEND_BUF_COMPLETE = 105,
	LIS_NVSP_MSG_REVOKE_SEND_BUF = 106,
	LIS_NVSP_MSG_SEND_RNDIS_PKT = 107,
	LIS_NVSP_MSG_SEND_RNDIS_PKT_COMPLETE = 108,
	LIS_NVSP_MSG_SEND_NDIS_CONFIG = 125,
	LIS_NVSP_MSG_SEND_VF_ASSOCIATION = 128,
	LIS_NVSP_MSG_SWITCH_DATA_PATH = 129,
	LIS_NVSP_MSG_SUBCHANNEL = 133,
	LIS_NVSP_MSG_SEND_INDIRECTION_TABLE = 134,
};

/* Status (u32) */
#define LIS_NVSP_STATUS_NONE		0
#define LIS_NVSP_STATUS_SUCCESS		1
#define LIS_NVSP_STATUS_FAILURE		2

/* the receive-buffer id (TransferPageSetId of receive packets) and ours for
 * the send buffer (the host does not care, fact sheet §9 #6) */
#define LIS_NVSP_RECV_BUF_ID		0xCAFE
#define LIS_NVSP_SEND_BUF_ID		0

/* SEND_RNDIS_PACKET ChannelType and "no section" */
#define LIS_NVSP_CHANNEL_DATA		0
#define LIS_NVSP_CHANNEL_CONTROL	1
#define LIS_NVSP_NO_SECTION		0xFFFFFFFFu

/* SEND_NDIS_CONFIG capabilities */
#define LIS_NVSP_CAP_VMQ		(1ull << 0)
#define LIS_NVSP_CAP_CHIMNEY		(1ull << 1)
#define LIS_NVSP_CAP_SRIOV		(1ull << 2)
#define LIS_NVSP_CAP_IEEE8021Q		(1ull << 3)
#define LIS_NVSP_CAP_CORRELATION_ID	(1ull << 4)
#define LIS_NVSP_CAP_TEAMING		(1ull << 5)
#define LIS_NVSP_CAP_VSID		(1ull << 6)
#define LIS_NVSP_CAP_RSC		(1ull << 7)

/* SWITCH_DATA_PATH ActiveDataPath */
#define LIS_NVSP_DATAPATH_SYNTHETIC	0
#define LIS_NVSP_DATAPATH_VF		1

/* SUBCHANNEL Operation */
#define LIS_NVSP_SUBCHANNEL_ALLOCATE	1

/* SEND_INDIRECTION_TABLE: the send table has 16 entries; hosts with NVSP
 * <= 6.0 may put a wrong Offset, the table then follows 4 + 36 bytes in */
#define LIS_NVSP_SEND_TABLE_ENTRIES	16
#define LIS_NVSP_SEND_TABLE_OLD_OFFSET	40

/* receive and send buffer limits (§5.4) */
#define LIS_NVSP_RECV_BUF_MAX_V1	(15u << 20)	/* NVSP <= 2 */
#define LIS_NVSP_RECV_BUF_MAX		(31u << 20)
#define LIS_NVSP_SEND_BUF_MAX		(15u << 20)

/* every message is sent as 40 bytes (>= 32 is required, fact sheet §9 #5) */
#define LIS_NVSP_MSG_SIZE		40

/* ---- layouts ----------------------------------------------------------------- */

struct lis_nvsp_init {
	__le32 type;
	__le32 min_version;
	__le32 max_version;
} __packed;
LIS_ASSERT_SIZE(struct lis_nvsp_init, 12);

struct lis_nvsp_init_complete {
	__le32 type;
	__le32 negotiated_version;
	__le32 max_mdl_chain_len;
	__le32 status;
} __packed;
LIS_ASSERT_SIZE(struct lis_nvsp_init_complete, 16);

struct lis_nvsp_ndis_version {
	__le32 type;
	__le32 major;
	__le32 minor;
} __packed;
LIS_ASSERT_SIZE(struct lis_nvsp_ndis_version, 12);

/* SEND_RECEIVE_BUFFER and SEND_SEND_BUFFER */
struct lis_nvsp_send_buf {
	__le32 type;
	__le32 gpadl;
	__le16 id;
	__le16 reserved;
} __packed;
LIS_ASSERT_SIZE(struct lis_nvsp_send_buf, 12);

struct lis_nvsp_recv_section {
	__le32 offset;
	__le32 sub_alloc_size;
	__le32 num_sub_allocs;
	__le32 end_offset;
} __packed;
LIS_ASSERT_SIZE(struct lis_nvsp_recv_section, 16);

struct lis_nvsp_recv_buf_complete {
	__le32 type;
	__le32 status;
	__le32 num_sections;
	struct lis_nvsp_recv_section section;
} __packed;
LIS_ASSERT_SIZE(struct lis_nvsp_recv_buf_complete, 28);

/* REVOKE_RECEIVE_BUFFER and REVOKE_SEND_BUFFER */
struct lis_nvsp_revoke_buf {
	__le32 type;
	__le16 id;
} __packed;
LIS_ASSERT_SIZE(struct lis_nvsp_revoke_buf, 6);

struct lis_nvsp_send_buf_complete {
	__le32 type;
	__le32 status;
	__le32 section_size;
} __packed;
LIS_ASSERT_SIZE(struct lis_nvsp_send_buf_complete, 12);

struct lis_nvsp_rndis_pkt {
	__le32 type;
	__le32 channel_type;
	__le32 section_index;
	__le32 section_size;
} __packed;
LIS_ASSERT_SIZE(struct lis_nvsp_rndis_pkt, 16);

struct lis_nvsp_rndis_pkt_complete {
	__le32 type;
	__le32 status;
} __packed;
LIS_ASSERT_SIZE(struct lis_nvsp_rndis_pkt_complete, 8);

struct lis_nvsp_ndis_config {
	__le32 type;
	__le32 mtu;
	__le32 reserved;
	__le64 capabilities;
} __packed;
LIS_ASSERT_SIZE(struct lis_nvsp_ndis_config, 20);

struct lis_nvsp_vf_association {
	__le32 type;
	__le32 allocated;
	__le32 serial;
} __packed;
LIS_ASSERT_SIZE(struct lis_nvsp_vf_association, 12);

struct lis_nvsp_switch_datapath {
	__le32 type;
	__le32 active_datapath;
} __packed;
LIS_ASSERT_SIZE(struct lis_nvsp_switch_datapath, 8);

/* request: op, count; completion: status, count allocated */
struct lis_nvsp_subchannel {
	__le32 type;
	__le32 op_or_status;
	__le32 num_subchannels;
} __packed;
LIS_ASSERT_SIZE(struct lis_nvsp_subchannel, 12);

struct lis_nvsp_indirection_table {
	__le32 type;
	__le32 count;
	__le32 offset;		/* of the u32 table, from the message start */
} __packed;
LIS_ASSERT_SIZE(struct lis_nvsp_indirection_table, 12);

/* what we put on the wire: any message, padded to 40 bytes */
union lis_nvsp_msg {
	__le32 type;
	struct lis_nvsp_init init;
	struct lis_nvsp_init_complete init_complete;
	struct lis_nvsp_ndis_version ndis_version;
	struct lis_nvsp_send_buf send_buf;
	struct lis_nvsp_recv_buf_complete recv_buf_complete;
	struct lis_nvsp_revoke_buf revoke_buf;
	struct lis_nvsp_send_buf_complete send_buf_complete;
	struct lis_nvsp_rndis_pkt rndis_pkt;
	struct lis_nvsp_rndis_pkt_complete rndis_pkt_complete;
	struct lis_nvsp_ndis_config ndis_config;
	struct lis_nvsp_vf_association vf_association;
	struct lis_nvsp_switch_datapath switch_datapath;
	struct lis_nvsp_subchannel subchannel;
	struct lis_nvsp_indirection_table indirection_table;
	u8 raw[LIS_NVSP_MSG_SIZE];
} __packed;
LIS_ASSERT_SIZE(union lis_nvsp_msg, LIS_NVSP_MSG_SIZE);

#endif /* LIS_WIRE_NETVSC_H */
