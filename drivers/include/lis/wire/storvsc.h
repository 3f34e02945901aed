/* SPDX-License-Identifier: GPL-2.0 */
/*
 * storvsc wire formats (synthetic SCSI controller and accelerated IDE),
 * defined once: the vstor packet, the SRB, the channel properties, and the
 * numbers that travel in them.  Packed, little-endian, size-checked at compile
 * time; tests/unit compares the offsets with the protocol fact sheet (§4).
 *
 * We speak protocol 5.1 and newer only, so every packet is the 64-byte form
 * with the 52-byte SRB (the "Win8 extension" included).
 */
#ifndef LIS_WIRE_STORVSC_H
#define LIS_WIRE_STORVSC_H

#include <lis/port.h>

/* ---- device classes (§8) ------------------------------------------------- */

/* {ba6163d9-04a1-4d29-b605-72e2ffb1dc7f}, wire byte order */
#define LIS_STOR_CLASS_SCSI_BYTES					\
	0xd9, 0x63, 0x61, 0xba, 0xa1, 0x04, 0x29, 0x4d,			\
	0xb6, 0x05, 0x72, 0xe2, 0xff, 0xb1, 0xdc, 0x7f
/* {32412632-86cb-44a2-9b5c-50d1417354f5}, wire byte order */
#define LIS_STOR_CLASS_IDE_BYTES					\
	0x32, 0x26, 0x41, 0x32, 0xcb, 0x86, 0xa2, 0x44,			\
	0x9b, 0x5c, 0x50, 0xd1, 0x41, 0x73, 0x54, 0xf5

/* the IDE target number: instance GUID bytes 4-5, little-endian (§4.1) */
#define LIS_STOR_IDE_TARGET_BYTE_LO		4
#define LIS_STOR_IDE_TARGET_BYTE_HI		5

/* ---- protocol versions (§4.2): major << 8 | minor ------------------------ */

#define LIS_STOR_VERSION(maj, min)		((u16)((maj) << 8 | (min)))
#define LIS_STOR_VERSION_WIN8			LIS_STOR_VERSION(5, 1)
#define LIS_STOR_VERSION_WIN8_1			LIS_STOR_VERSION(6, 0)
#define LIS_STOR_VERSION_WIN10			LIS_STOR_VERSION(6, 2)

/* ---- operations (§4.4) --------------------------------------------------- */

enum lis_stor_operation {
	LIS_STOR_OP_COMPLETE_IO = 1,
	LIS_STOR_OP_REMOVE_DEVICE = 2,
	LIS_STOR_OP_EXECUTE_SRB = 3,
	LIS_STOR_OP_RESET_LUN = 4,
	LIS_STOR_OP_RESET_ADAPTER = 5,
	LIS_STOR_OP_RESET_BUS = 6,
	LIS_STOR_OP_BEGIN_INITIALIZATION = 7,
	LIS_STOR_OP_END_INITIALIZATION = 8,
	LIS_STOR_OP_QUERY_PROTOCOL_VERSION = 9,
	LIS_STOR_OP_QUERY_PROPERTIES = 10,
	LIS_STOR_OP_ENUMERATE_BUS = 11,
	LIS_STOR_OP_FCHBA_DATA = 12,
	LIS_STOR_OP_CREATE_SUB_CHANNELS = 13,
	LIS_STOR_OP_EVENT_NOTIFICATION = 14,
};

/* vstor packet Flags */
#define LIS_STOR_FLAG_REQUEST_COMPLETION	0x1u

/* NTSTATUS values the host puts in Status */
#define LIS_STOR_NT_SUCCESS			0x00000000u
#define LIS_STOR_NT_REVISION_MISMATCH		0xC0000059u

/* ---- the SRB (§4.5) ------------------------------------------------------ */

#define LIS_STOR_SRB_SIZE			0x34	/* >= 5.1 */
#define LIS_STOR_CDB_MAX			16
#define LIS_STOR_SENSE_SIZE			0x14	/* >= 5.1 */

/* DataIn */
#define LIS_STOR_DATA_OUT			0	/* write: to the device */
#define LIS_STOR_DATA_IN			1	/* read */
#define LIS_STOR_DATA_NONE			2

/* SrbFlags */
#define LIS_STOR_SRB_FLAG_QUEUE_ACTION_ENABLE	0x00000002u
#define LIS_STOR_SRB_FLAG_DISABLE_SYNCH_TRANSFER 0x00000008u
#define LIS_STOR_SRB_FLAG_DATA_IN		0x00000040u
#define LIS_STOR_SRB_FLAG_DATA_OUT		0x00000080u
#define LIS_STOR_SRB_FLAG_NO_QUEUE_FREEZE	0x00000100u

#define LIS_STOR_QUEUE_TAG_UNTAGGED		0xFF
#define LIS_STOR_QUEUE_ACTION_SIMPLE		0x20

/* SrbStatus: the low 6 bits, plus two flags */
#define LIS_STOR_SRB_STATUS_MASK		0x3F
#define LIS_STOR_SRB_QUEUE_FROZEN		0x40
#define LIS_STOR_SRB_AUTOSENSE_VALID		0x80

enum lis_stor_srb_status {
	LIS_STOR_SRB_PENDING = 0x00,
	LIS_STOR_SRB_SUCCESS = 0x01,
	LIS_STOR_SRB_ABORTED = 0x02,
	LIS_STOR_SRB_ABORT_FAILED = 0x03,
	LIS_STOR_SRB_ERROR = 0x04,
	LIS_STOR_SRB_BUSY = 0x05,
	LIS_STOR_SRB_INVALID_REQUEST = 0x06,
	LIS_STOR_SRB_INVALID_PATH_ID = 0x07,
	LIS_STOR_SRB_NO_DEVICE = 0x08,
	LIS_STOR_SRB_TIMEOUT = 0x09,
	LIS_STOR_SRB_SELECTION_TIMEOUT = 0x0A,
	LIS_STOR_SRB_COMMAND_TIMEOUT = 0x0B,
	LIS_STOR_SRB_MESSAGE_REJECTED = 0x0D,
	LIS_STOR_SRB_BUS_RESET = 0x0E,
	LIS_STOR_SRB_PARITY_ERROR = 0x0F,
	LIS_STOR_SRB_REQUEST_SENSE_FAILED = 0x10,
	LIS_STOR_SRB_NO_HBA = 0x11,
	LIS_STOR_SRB_DATA_OVERRUN = 0x12,
	LIS_STOR_SRB_UNEXPECTED_BUS_FREE = 0x13,
	LIS_STOR_SRB_PHASE_SEQUENCE_FAILURE = 0x14,
	LIS_STOR_SRB_BAD_SRB_BLOCK_LENGTH = 0x15,
	LIS_STOR_SRB_REQUEST_FLUSHED = 0x16,
	LIS_STOR_SRB_INVALID_LUN = 0x20,
	LIS_STOR_SRB_INVALID_TARGET_ID = 0x21,
	LIS_STOR_SRB_BAD_FUNCTION = 0x22,
	LIS_STOR_SRB_ERROR_RECOVERY = 0x23,
	LIS_STOR_SRB_NOT_POWERED = 0x24,
	LIS_STOR_SRB_LINK_DOWN = 0x25,
};

struct lis_stor_srb {
	__le16 length;
	u8 srb_status;
	u8 scsi_status;
	u8 port_number;
	u8 path_id;
	u8 target_id;
	u8 lun;
	u8 cdb_length;
	u8 sense_info_length;
	u8 data_in;
	u8 reserved;
	__le32 data_transfer_length;
	union {
		u8 cdb[LIS_STOR_CDB_MAX];	/* request */
		u8 sense[LIS_STOR_SENSE_SIZE];	/* completion */
	} __packed u;
	/* the Win8 extension (>= 5.1) */
	__le16 reserved2;
	u8 queue_tag;
	u8 queue_action;
	__le32 srb_flags;
	__le32 timeout_value;		/* seconds */
	__le32 queue_sort_key;
} __packed;
LIS_ASSERT_SIZE(struct lis_stor_srb, LIS_STOR_SRB_SIZE);

/* ---- channel properties (§4.6): QUERY_PROPERTIES' answer, and the zeroed
 *      block storvsc passes as OPENCHANNEL user data (§4.1) ---------------- */

#define LIS_STOR_PROP_MULTI_CHANNEL		0x1u

struct lis_stor_channel_props {
	__le32 reserved1;
	__le16 max_channel_count;
	__le16 reserved2;
	__le32 flags;
	__le32 max_transfer_bytes;
	__le64 reserved3;
} __packed;
LIS_ASSERT_SIZE(struct lis_stor_channel_props, 24);

struct lis_stor_protocol_version {
	__le16 major_minor;
	__le16 revision;		/* 0 */
} __packed;
LIS_ASSERT_SIZE(struct lis_stor_protocol_version, 4);

/* ---- the vstor packet (§4.3): every storvsc message ---------------------- */

#define LIS_STOR_PACKET_SIZE			64	/* >= 5.1 */

struct lis_stor_packet {
	__le32 operation;
	__le32 flags;
	__le32 status;			/* NTSTATUS, host -> guest */
	union {
		struct lis_stor_srb srb;
		struct lis_stor_channel_props props;
		struct lis_stor_protocol_version version;
		__le16 sub_channel_count;
		u8 raw[LIS_STOR_SRB_SIZE];
	} __packed u;
} __packed;
LIS_ASSERT_SIZE(struct lis_stor_packet, LIS_STOR_PACKET_SIZE);

#endif /* LIS_WIRE_STORVSC_H */
