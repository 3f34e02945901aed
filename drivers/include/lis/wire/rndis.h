/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RNDIS wire formats as netvsc uses them inside NVSP (fact sheet §5.6-§5.10):
 * the control and data messages, per-packet information, the OIDs we query
 * and set, and the NDIS structures that travel as their values (RSS,
 * offload capabilities and parameters).  Packed, little-endian,
 * size-checked at compile time; tests/unit/test_netvsc.c compares the
 * offsets with the fact sheet.  Every "...Offset" field of a message is
 * counted from byte 8, the start of the type-specific body.
 */
#ifndef LIS_WIRE_RNDIS_H
#define LIS_WIRE_RNDIS_H

#include <lis/port.h>

/* ---- messages (§5.6) --------------------------------------------------------- */

#define LIS_RNDIS_MSG_PACKET		0x00000001u
#define LIS_RNDIS_MSG_INIT		0x00000002u
#define LIS_RNDIS_MSG_HALT		0x00000003u
#define LIS_RNDIS_MSG_QUERY		0x00000004u
#define LIS_RNDIS_MSG_SET		0x00000005u
#define LIS_RNDIS_MSG_RESET		0x00000006u
#define LIS_RNDIS_MSG_INDICATE		0x00000007u
#define LIS_RNDIS_MSG_KEEPALIVE		0x00000008u
#define LIS_RNDIS_COMPLETION		0x80000000u
#define LIS_RNDIS_MSG_INIT_C		(LIS_RNDIS_MSG_INIT | LIS_RNDIS_COMPLETION)
#define LIS_RNDIS_MSG_QUERY_C		(LIS_RNDIS_MSG_QUERY | LIS_RNDIS_COMPLETION)
#define LIS_RNDIS_MSG_SET_C		(LIS_RNDIS_MSG_SET | LIS_RNDIS_COMPLETION)
#define LIS_RNDIS_MSG_RESET_C		(LIS_RNDIS_MSG_RESET | LIS_RNDIS_COMPLETION)
#define LIS_RNDIS_MSG_KEEPALIVE_C	(LIS_RNDIS_MSG_KEEPALIVE | LIS_RNDIS_COMPLETION)

/* where the body starts: every Offset field counts from here */
#define LIS_RNDIS_BODY			8u

/* status codes */
#define LIS_RNDIS_STATUS_SUCCESS		0x00000000u
#define LIS_RNDIS_STATUS_PENDING		0x00000103u
#define LIS_RNDIS_STATUS_FAILURE		0xC0000001u
#define LIS_RNDIS_STATUS_NOT_SUPPORTED		0xC00000BBu
#define LIS_RNDIS_STATUS_INVALID_DATA		0xC0010015u
#define LIS_RNDIS_STATUS_BUFFER_OVERFLOW	0x80000005u
/* indications (INDICATE_STATUS Status) */
#define LIS_RNDIS_STATUS_MEDIA_CONNECT		0x4001000Bu
#define LIS_RNDIS_STATUS_MEDIA_DISCONNECT	0x4001000Cu
#define LIS_RNDIS_STATUS_LINK_SPEED_CHANGE	0x40010013u
#define LIS_RNDIS_STATUS_NETWORK_CHANGE		0x40010018u
#define LIS_RNDIS_STATUS_TASK_OFFLOAD_CURRENT	0x40020006u

/* INITIALIZE: what we ask for */
#define LIS_RNDIS_MAJOR_VERSION			1
#define LIS_RNDIS_MINOR_VERSION			0
#define LIS_RNDIS_MAX_TRANSFER			0x4000

struct lis_rndis_header {
	__le32 type;
	__le32 len;		/* the whole message */
} __packed;
LIS_ASSERT_SIZE(struct lis_rndis_header, 8);

struct lis_rndis_init {
	struct lis_rndis_header hdr;
	__le32 req_id;
	__le32 major;
	__le32 minor;
	__le32 max_xfer_size;
} __packed;
LIS_ASSERT_SIZE(struct lis_rndis_init, 24);

struct lis_rndis_init_c {
	struct lis_rndis_header hdr;
	__le32 req_id;
	__le32 status;
	__le32 major;
	__le32 minor;
	__le32 device_flags;
	__le32 medium;
	__le32 max_pkts_per_msg;
	__le32 max_xfer_size;
	__le32 pkt_align_factor;	/* log2 */
	__le32 af_list_offset;
	__le32 af_list_size;
} __packed;
LIS_ASSERT_SIZE(struct lis_rndis_init_c, 52);

struct lis_rndis_halt {
	struct lis_rndis_header hdr;
	__le32 req_id;
} __packed;
LIS_ASSERT_SIZE(struct lis_rndis_halt, 12);

/* QUERY and SET: the information buffer follows (offset 20 from the body) */
struct lis_rndis_query {
	struct lis_rndis_header hdr;
	__le32 req_id;
	__le32 oid;
	__le32 info_len;
	__le32 info_offset;
	__le32 vc_handle;
} __packed;
LIS_ASSERT_SIZE(struct lis_rndis_query, 28);
#define LIS_RNDIS_QUERY_INFO_OFFSET	20u	/* right after this header */

struct lis_rndis_query_c {
	struct lis_rndis_header hdr;
	__le32 req_id;
	__le32 status;
	__le32 info_len;
	__le32 info_offset;
} __packed;
LIS_ASSERT_SIZE(struct lis_rndis_query_c, 24);

struct lis_rndis_set_c {
	struct lis_rndis_header hdr;
	__le32 req_id;
	__le32 status;
} __packed;
LIS_ASSERT_SIZE(struct lis_rndis_set_c, 16);

struct lis_rndis_reset_c {
	struct lis_rndis_header hdr;
	__le32 status;
	__le32 addressing_reset;
} __packed;
LIS_ASSERT_SIZE(struct lis_rndis_reset_c, 16);

struct lis_rndis_indicate {
	struct lis_rndis_header hdr;
	__le32 status;
	__le32 buf_len;
	__le32 buf_offset;
} __packed;
LIS_ASSERT_SIZE(struct lis_rndis_indicate, 20);

struct lis_rndis_keepalive {
	struct lis_rndis_header hdr;
	__le32 req_id;
} __packed;
LIS_ASSERT_SIZE(struct lis_rndis_keepalive, 12);

struct lis_rndis_keepalive_c {
	struct lis_rndis_header hdr;
	__le32 req_id;
	__le32 status;
} __packed;
LIS_ASSERT_SIZE(struct lis_rndis_keepalive_c, 16);

/* ---- data packets and per-packet info (§5.7) ------------------------------- */

struct lis_rndis_packet {
	struct lis_rndis_header hdr;
	__le32 data_offset;
	__le32 data_len;
	__le32 oob_offset;
	__le32 oob_len;
	__le32 num_oob;
	__le32 ppi_offset;
	__le32 ppi_len;
	__le32 vc_handle;
	__le32 reserved;
} __packed;
LIS_ASSERT_SIZE(struct lis_rndis_packet, 44);

struct lis_rndis_ppi {
	__le32 size;		/* this PPI, header and data */
	__le32 type;		/* bits 30:0 type, bit 31 internal */
	__le32 ppi_offset;	/* data, from this PPI's start */
} __packed;
LIS_ASSERT_SIZE(struct lis_rndis_ppi, 12);

#define LIS_RNDIS_PPI_INTERNAL		0x80000000u
#define LIS_RNDIS_PPI_TYPE_MASK		0x7FFFFFFFu

enum lis_rndis_ppi_type {
	LIS_RNDIS_PPI_CHECKSUM = 0,
	LIS_RNDIS_PPI_IPSEC = 1,
	LIS_RNDIS_PPI_LSO = 2,
	LIS_RNDIS_PPI_CLASSIFICATION = 3,
	LIS_RNDIS_PPI_SG_LIST = 5,
	LIS_RNDIS_PPI_VLAN = 6,
	LIS_RNDIS_PPI_ORIGINAL = 7,
	LIS_RNDIS_PPI_HASH_VALUE = 8,
	LIS_RNDIS_PPI_HASH_INFO = 9,
	LIS_RNDIS_PPI_CACHED_NBL = 10,
	LIS_RNDIS_PPI_PADDING = 11,
};
/* with the internal bit: the RSC packet id */
#define LIS_RNDIS_PPI_PACKET_ID		(LIS_RNDIS_PPI_INTERNAL | 1u)

/* checksum PPI, transmit */
#define LIS_RNDIS_TXCSUM_IPV4		(1u << 0)
#define LIS_RNDIS_TXCSUM_IPV6		(1u << 1)
#define LIS_RNDIS_TXCSUM_TCP		(1u << 2)
#define LIS_RNDIS_TXCSUM_UDP		(1u << 3)
#define LIS_RNDIS_TXCSUM_IP_HEADER	(1u << 4)
#define LIS_RNDIS_TXCSUM_TCP_OFF_SHIFT	16
#define LIS_RNDIS_TXCSUM_TCP_OFF_MASK	0x3FFu
/* checksum PPI, receive */
#define LIS_RNDIS_RXCSUM_TCP_FAILED	(1u << 0)
#define LIS_RNDIS_RXCSUM_UDP_FAILED	(1u << 1)
#define LIS_RNDIS_RXCSUM_IP_FAILED	(1u << 2)
#define LIS_RNDIS_RXCSUM_TCP_OK		(1u << 3)
#define LIS_RNDIS_RXCSUM_UDP_OK		(1u << 4)
#define LIS_RNDIS_RXCSUM_IP_OK		(1u << 5)
#define LIS_RNDIS_RXCSUM_LOOPBACK	(1u << 6)
#define LIS_RNDIS_RXCSUM_TCP_INVALID	(1u << 7)
#define LIS_RNDIS_RXCSUM_IP_INVALID	(1u << 8)

/* LSOv2 PPI, transmit */
#define LIS_RNDIS_LSO_MSS_MASK		0xFFFFFu
#define LIS_RNDIS_LSO_TCP_OFF_SHIFT	20
#define LIS_RNDIS_LSO_TCP_OFF_MASK	0x3FFu
#define LIS_RNDIS_LSO_V2		(1u << 30)
#define LIS_RNDIS_LSO_IPV6		(1u << 31)

/* IEEE 802.1Q PPI: NOT the 802.1Q TCI layout */
#define LIS_RNDIS_VLAN_PRIO_MASK	0x7u
#define LIS_RNDIS_VLAN_CFI		(1u << 3)
#define LIS_RNDIS_VLAN_ID_SHIFT		4
#define LIS_RNDIS_VLAN_ID_MASK		0xFFFu

/* RSC packet-id PPI data */
struct lis_rndis_packet_id {
	u8 version;
	u8 flags;
	__le16 id;
} __packed;
LIS_ASSERT_SIZE(struct lis_rndis_packet_id, 4);
#define LIS_RNDIS_PKTID_FIRST		(1u << 1)
#define LIS_RNDIS_PKTID_LAST		(1u << 2)

/* ---- OIDs (§5.8) ------------------------------------------------------------- */

#define LIS_OID_GEN_MAXIMUM_FRAME_SIZE		0x00010106u
#define LIS_OID_GEN_LINK_SPEED			0x00010107u
#define LIS_OID_GEN_CURRENT_PACKET_FILTER	0x0001010Eu
#define LIS_OID_GEN_MEDIA_CONNECT_STATUS	0x00010114u
#define LIS_OID_GEN_RNDIS_CONFIG_PARAMETER	0x0001021Bu
#define LIS_OID_GEN_RSS_CAPABILITIES		0x00010203u
#define LIS_OID_GEN_RSS_PARAMETERS		0x00010204u
#define LIS_OID_802_3_PERMANENT_ADDRESS		0x01010101u
#define LIS_OID_802_3_CURRENT_ADDRESS		0x01010102u
#define LIS_OID_TCP_OFFLOAD_PARAMETERS		0xFC01020Cu
#define LIS_OID_TCP_OFFLOAD_HW_CAPS		0xFC01020Du

/* packet filter */
#define LIS_NDIS_FILTER_DIRECTED	0x00000001u
#define LIS_NDIS_FILTER_MULTICAST	0x00000002u
#define LIS_NDIS_FILTER_ALL_MULTICAST	0x00000004u
#define LIS_NDIS_FILTER_BROADCAST	0x00000008u
#define LIS_NDIS_FILTER_PROMISCUOUS	0x00000020u

/* GEN_MEDIA_CONNECT_STATUS */
#define LIS_NDIS_MEDIA_CONNECTED	0
#define LIS_NDIS_MEDIA_DISCONNECTED	1

/* GEN_RNDIS_CONFIG_PARAMETER: this block, then the UTF-16 name and value */
struct lis_rndis_config_param {
	__le32 name_offset;	/* from the start of this block */
	__le32 name_len;	/* bytes */
	__le32 type;
	__le32 value_offset;
	__le32 value_len;
} __packed;
LIS_ASSERT_SIZE(struct lis_rndis_config_param, 20);
#define LIS_RNDIS_CONFIG_PARAM_STRING	2

/* ---- NDIS structures (§5.8-§5.10) -------------------------------------------- */

struct lis_ndis_object_header {
	u8 type;
	u8 revision;
	__le16 size;
} __packed;
LIS_ASSERT_SIZE(struct lis_ndis_object_header, 4);

#define LIS_NDIS_OBJECT_DEFAULT		0x80
#define LIS_NDIS_OBJECT_RSS_CAPS	0x88
#define LIS_NDIS_OBJECT_RSS_PARAMS	0x89
#define LIS_NDIS_OBJECT_OFFLOAD		0xA7

/* RECEIVE_SCALE_CAPABILITIES, revision 2: 18 bytes are meaningful */
struct lis_ndis_rss_caps {
	struct lis_ndis_object_header hdr;
	__le32 caps_flags;
	__le32 num_int_msgs;
	__le32 num_recv_queues;
	__le16 num_indirection_entries;
} __packed;
LIS_ASSERT_SIZE(struct lis_ndis_rss_caps, 18);
#define LIS_NDIS_RSS_CAPS_REVISION	2

/* RECEIVE_SCALE_PARAMETERS, revision 2 (natural alignment: the wire
 * layout has explicit pads) */
struct lis_ndis_rss_params {
	struct lis_ndis_object_header hdr;
	__le16 flags;
	__le16 base_cpu;
	__le32 hash_info;
	__le16 table_size;	/* bytes */
	__le16 pad1;
	__le32 table_offset;	/* from this structure's start */
	__le16 key_size;
	__le16 pad2;
	__le32 key_offset;
	__le32 proc_masks_offset;
	__le32 num_proc_masks;
	__le32 proc_masks_entry_size;
} __packed;
LIS_ASSERT_SIZE(struct lis_ndis_rss_params, 40);
#define LIS_NDIS_RSS_PARAMS_REVISION	2
#define LIS_NDIS_RSS_FLAG_DISABLE	0x0010u
#define LIS_NDIS_HASH_FUNC_TOEPLITZ	0x00000001u
#define LIS_NDIS_HASH_IPV4		0x00000100u
#define LIS_NDIS_HASH_TCP_IPV4		0x00000200u
#define LIS_NDIS_HASH_IPV6		0x00000400u
#define LIS_NDIS_HASH_TCP_IPV6		0x00001000u
#define LIS_NDIS_RSS_TABLE_ENTRIES	128
#define LIS_NDIS_RSS_KEY_SIZE		40

/* NDIS_OFFLOAD: the host's answer to TCP_OFFLOAD_HARDWARE_CAPABILITIES */
struct lis_ndis_csum_caps {
	__le32 encap;
	__le32 flags;
} __packed;
LIS_ASSERT_SIZE(struct lis_ndis_csum_caps, 8);

struct lis_ndis_lso_v2_caps {
	__le32 encap;
	__le32 max_size;
	__le32 min_segs;
} __packed;
LIS_ASSERT_SIZE(struct lis_ndis_lso_v2_caps, 12);

struct lis_ndis_offload {
	struct lis_ndis_object_header hdr;
	struct lis_ndis_csum_caps csum_ipv4_tx;
	struct lis_ndis_csum_caps csum_ipv4_rx;
	struct lis_ndis_csum_caps csum_ipv6_tx;
	struct lis_ndis_csum_caps csum_ipv6_rx;
	__le32 lso_v1[4];
	__le32 ipsec_v1[7];
	struct lis_ndis_lso_v2_caps lso_v2_ipv4;
	struct lis_ndis_lso_v2_caps lso_v2_ipv6;
	__le32 lso_v2_ipv6_flags;
	__le32 flags;
	__le32 ipsec_v2[8];		/* revision 2 */
	u8 rsc_ipv4;			/* revision 3 from here */
	u8 rsc_ipv6;
	__le16 rsc_pad;
	__le32 encap[2];
} __packed;
LIS_ASSERT_SIZE(struct lis_ndis_offload, 156);
#define LIS_NDIS_OFFLOAD_SIZE_REV1	112
#define LIS_NDIS_OFFLOAD_SIZE_REV2	144
#define LIS_NDIS_OFFLOAD_SIZE_REV3	156

#define LIS_NDIS_ENCAP_IEEE_802_3	0x2u
/* checksum flags: IPv4 and IPv6 */
#define LIS_NDIS_CSUM_IP_OPTIONS	0x001u	/* IPv4; IPv6: extension headers */
#define LIS_NDIS_CSUM_TCP_OPTIONS	0x004u
#define LIS_NDIS_CSUM_TCP		0x010u
#define LIS_NDIS_CSUM_UDP		0x040u
#define LIS_NDIS_CSUM_IP		0x100u	/* IPv4 only */

/* NDIS_OFFLOAD_PARAMETERS: what we ask the host to do */
struct lis_ndis_offload_params {
	struct lis_ndis_object_header hdr;
	u8 ipv4_csum;
	u8 tcp4_csum;
	u8 udp4_csum;
	u8 tcp6_csum;
	u8 udp6_csum;
	u8 lso_v1;
	u8 ipsec_v1;
	u8 lso_v2_ipv4;
	u8 lso_v2_ipv6;
	u8 tcp_conn_ipv4;
	u8 tcp_conn_ipv6;
	u8 pad;
	__le32 flags;
	u8 ipsec_v2;			/* revision 2 */
	u8 ipsec_v2_ipv4;
	u8 rsc_ipv4;			/* revision 3 */
	u8 rsc_ipv6;
	u8 encap_task;
	u8 encap_types;
	u8 reserved[2];
} __packed;
LIS_ASSERT_SIZE(struct lis_ndis_offload_params, 28);
#define LIS_NDIS_OFFLOAD_PARAMS_REV2_SIZE	22
#define LIS_NDIS_OFFLOAD_PARAMS_REV3_SIZE	28

/* checksum parameter values */
#define LIS_NDIS_CSUM_NO_CHANGE		0
#define LIS_NDIS_CSUM_TX_RX_DISABLED	1
#define LIS_NDIS_CSUM_TX_ENABLED	2
#define LIS_NDIS_CSUM_RX_ENABLED	3
#define LIS_NDIS_CSUM_TX_RX_ENABLED	4
/* LSO and RSC parameter values */
#define LIS_NDIS_OFFLOAD_NO_CHANGE	0
#define LIS_NDIS_OFFLOAD_DISABLED	1
#define LIS_NDIS_OFFLOAD_ENABLED	2

#endif /* LIS_WIRE_RNDIS_H */
