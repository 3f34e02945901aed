/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Integration-component wire formats, defined once (fact sheet §6, §8):
 * the message header every IC shares, version negotiation, the bodies of
 * heartbeat, shutdown, timesync, KVP, VSS and fcopy, and — because the daemons
 * in tools/ and RHEL's hyperv-daemons speak it — the character-device
 * messages between hv_utils and its daemons (§6.5).  Packed, little-endian,
 * size-checked at compile time; tests/unit/test_utils.c compares the offsets
 * with the fact sheet's numbers.
 */
#ifndef LIS_WIRE_IC_H
#define LIS_WIRE_IC_H

#include <lis/port.h>

/* ---- device classes (§8), wire byte order ------------------------------- */

/* {57164f39-9115-4e78-ab55-382f3bd5422d} */
#define LIS_IC_CLASS_HEARTBEAT_BYTES					\
	0x39, 0x4f, 0x16, 0x57, 0x15, 0x91, 0x78, 0x4e,			\
	0xab, 0x55, 0x38, 0x2f, 0x3b, 0xd5, 0x42, 0x2d
/* {0e0b6031-5213-4934-818b-38d90ced39db} */
#define LIS_IC_CLASS_SHUTDOWN_BYTES					\
	0x31, 0x60, 0x0b, 0x0e, 0x13, 0x52, 0x34, 0x49,			\
	0x81, 0x8b, 0x38, 0xd9, 0x0c, 0xed, 0x39, 0xdb
/* {9527e630-d0ae-497b-adce-e80ab0175caf} */
#define LIS_IC_CLASS_TIMESYNC_BYTES					\
	0x30, 0xe6, 0x27, 0x95, 0xae, 0xd0, 0x7b, 0x49,			\
	0xad, 0xce, 0xe8, 0x0a, 0xb0, 0x17, 0x5c, 0xaf
/* {a9a0f4e7-5a45-4d96-b827-8a841e8c03e6} */
#define LIS_IC_CLASS_KVP_BYTES						\
	0xe7, 0xf4, 0xa0, 0xa9, 0x45, 0x5a, 0x96, 0x4d,			\
	0xb8, 0x27, 0x8a, 0x84, 0x1e, 0x8c, 0x03, 0xe6
/* {35fa2e29-ea23-4236-96ae-3a6ebacba440} */
#define LIS_IC_CLASS_VSS_BYTES						\
	0x29, 0x2e, 0xfa, 0x35, 0x23, 0xea, 0x36, 0x42,			\
	0x96, 0xae, 0x3a, 0x6e, 0xba, 0xcb, 0xa4, 0x40
/* {34d14be3-dee4-41c8-9ae7-6b174977c192} */
#define LIS_IC_CLASS_FCOPY_BYTES					\
	0xe3, 0x4b, 0xd1, 0x34, 0xe4, 0xde, 0xc8, 0x41,			\
	0x9a, 0xe7, 0x6b, 0x17, 0x49, 0x77, 0xc1, 0x92

/* ---- the message header (§6.2) ------------------------------------------ */

/* IC message types (§6.3, §6.4) */
enum lis_ic_type {
	LIS_IC_TYPE_NEGOTIATE = 0,
	LIS_IC_TYPE_HEARTBEAT = 1,
	LIS_IC_TYPE_KVP = 2,
	LIS_IC_TYPE_SHUTDOWN = 3,
	LIS_IC_TYPE_TIMESYNC = 4,
	LIS_IC_TYPE_VSS = 5,
	LIS_IC_TYPE_FCOPY = 7,
};

#define LIS_IC_FLAG_TRANSACTION		0x01
#define LIS_IC_FLAG_REQUEST		0x02
#define LIS_IC_FLAG_RESPONSE		0x04

/* HRESULTs in the status field (and from the daemons) */
#define LIS_IC_S_OK			0x00000000u
#define LIS_IC_E_FAIL			0x80004005u
#define LIS_IC_S_CONT			0x80070103u	/* KVP: no more items */
#define LIS_IC_E_NOT_SUPPORTED		0x80070032u
#define LIS_IC_E_MACHINE_LOCKED		0x800704F7u
#define LIS_IC_E_DEVICE_NOT_CONNECTED	0x8007048Fu
#define LIS_IC_E_INVALIDARG		0x80070057u
#define LIS_IC_E_GUID_NOT_FOUND		0x80041002u
#define LIS_IC_E_ALREADY_EXISTS		0x80070050u
#define LIS_IC_E_DISK_FULL		0x80070070u

/* versions travel as {major u16, minor u16}; we hold them as major << 16 | minor */
#define LIS_IC_VERSION(maj, min)	((u32)(maj) << 16 | (u32)(u16)(min))
#define LIS_IC_VERSION_MAJOR(v)		((u16)((v) >> 16))
#define LIS_IC_VERSION_MINOR(v)		((u16)(v))

struct lis_ic_version {
	__le16 major;
	__le16 minor;
} __packed;
LIS_ASSERT_SIZE(struct lis_ic_version, 4);

/* the start of every IC packet payload: pipe header, then the IC header */
struct lis_ic_header {
	__le32 pipe_flags;		/* host: 1 (data) */
	__le32 pipe_msgsize;		/* bytes after the pipe header */
	struct lis_ic_version framework;
	__le16 msgtype;			/* enum lis_ic_type */
	struct lis_ic_version msgversion;
	__le16 data_size;		/* bytes after this header */
	__le32 status;
	u8 trans_id;			/* echoed */
	u8 flags;			/* LIS_IC_FLAG_* */
	u8 reserved[2];
} __packed;
LIS_ASSERT_SIZE(struct lis_ic_header, 28);
LIS_ASSERT_OFFSET(struct lis_ic_header, framework, 8);
LIS_ASSERT_OFFSET(struct lis_ic_header, msgtype, 12);
LIS_ASSERT_OFFSET(struct lis_ic_header, data_size, 18);
LIS_ASSERT_OFFSET(struct lis_ic_header, status, 20);
LIS_ASSERT_OFFSET(struct lis_ic_header, flags, 25);

/* largest IC message we accept (OpenVMM: 13312; our largest is KVP IP info) */
#define LIS_IC_MAX_MESSAGE		16384

/* ---- version negotiation (§6.3) ----------------------------------------- */

struct lis_ic_negotiate {
	__le16 framework_count;
	__le16 message_count;
	__le32 reserved;
	struct lis_ic_version versions[];	/* framework ones, then message ones */
} __packed;
LIS_ASSERT_SIZE(struct lis_ic_negotiate, 8);

/* ---- heartbeat (type 1) -------------------------------------------------- */

/* 8 bytes are ours; Linux hosts send 32 reserved bytes after them, OpenVMM
 * an application state and 4 reserved bytes: both are answered unchanged */
struct lis_ic_heartbeat {
	__le64 seq;
} __packed;
LIS_ASSERT_SIZE(struct lis_ic_heartbeat, 8);

/* ---- shutdown (type 3) --------------------------------------------------- */

#define LIS_IC_SHUTDOWN_FORCE		0x1u
#define LIS_IC_SHUTDOWN_RESTART		0x2u
#define LIS_IC_SHUTDOWN_HIBERNATE	0x4u
#define LIS_IC_SHUTDOWN_MESSAGE_SIZE	2048

struct lis_ic_shutdown {
	__le32 reason;
	__le32 timeout_s;
	__le32 flags;
	u8 message[LIS_IC_SHUTDOWN_MESSAGE_SIZE];	/* text, NUL-terminated */
} __packed;
LIS_ASSERT_SIZE(struct lis_ic_shutdown, 2060);

/* ---- time sync (type 4) -------------------------------------------------- */

#define LIS_IC_TIMESYNC_PROBE		0
#define LIS_IC_TIMESYNC_SYNC		1
#define LIS_IC_TIMESYNC_SAMPLE		2
/* 100 ns units from 1601-01-01 to 1970-01-01 */
#define LIS_IC_TIME_UNIX_EPOCH		116444736000000000ull

/* below 4.0 */
struct lis_ic_timesync {
	__le64 parent_time;
	__le64 child_time;
	__le64 round_trip_time;
	u8 flags;
} __packed;
LIS_ASSERT_SIZE(struct lis_ic_timesync, 25);

/* 4.0; the trailing reserved bytes vary by host (3 Linux, 5 OpenVMM) */
struct lis_ic_timesync4 {
	__le64 parent_time;
	__le64 vm_reference_time;
	u8 flags;
	u8 leap_indicator;
	u8 stratum;
} __packed;
LIS_ASSERT_SIZE(struct lis_ic_timesync4, 19);

/* ---- KVP (type 2) -------------------------------------------------------- */

enum lis_kvp_op {
	LIS_KVP_OP_GET = 0,
	LIS_KVP_OP_SET = 1,
	LIS_KVP_OP_DELETE = 2,
	LIS_KVP_OP_ENUMERATE = 3,
	LIS_KVP_OP_GET_IP_INFO = 4,
	LIS_KVP_OP_SET_IP_INFO = 5,
	LIS_KVP_OP_COUNT
};

enum lis_kvp_pool {
	LIS_KVP_POOL_EXTERNAL = 0,
	LIS_KVP_POOL_GUEST = 1,
	LIS_KVP_POOL_AUTO = 2,
	LIS_KVP_POOL_AUTO_EXTERNAL = 3,
	LIS_KVP_POOL_AUTO_INTERNAL = 4,
	LIS_KVP_POOL_COUNT
};

/* value types (§6.4, §9 #8) */
#define LIS_KVP_REG_SZ			1
#define LIS_KVP_REG_EXPAND_SZ		2
#define LIS_KVP_REG_U32			4
#define LIS_KVP_REG_U64			8	/* Linux */
#define LIS_KVP_REG_QWORD		11	/* Windows, OpenVMM */

#define LIS_KVP_MAX_KEY_SIZE		512	/* bytes: 256 UTF-16 units */
#define LIS_KVP_MAX_VALUE_SIZE		2048	/* bytes: 1024 UTF-16 units */

struct lis_kvp_hdr {
	u8 operation;
	u8 pool;
	__le16 pad;
} __packed;
LIS_ASSERT_SIZE(struct lis_kvp_hdr, 4);

/* the value record: UTF-16LE on the wire, UTF-8 towards the daemon */
struct lis_kvp_value {
	__le32 value_type;
	__le32 key_size;		/* bytes, the NUL included */
	__le32 value_size;
	u8 key[LIS_KVP_MAX_KEY_SIZE];
	u8 value[LIS_KVP_MAX_VALUE_SIZE];
} __packed;
LIS_ASSERT_SIZE(struct lis_kvp_value, 2572);

struct lis_kvp_enumerate {
	__le32 index;
	struct lis_kvp_value data;
} __packed;
LIS_ASSERT_SIZE(struct lis_kvp_enumerate, 2576);

struct lis_kvp_delete {
	__le32 key_size;
	u8 key[LIS_KVP_MAX_KEY_SIZE];
} __packed;
LIS_ASSERT_SIZE(struct lis_kvp_delete, 516);

/* host message bodies after struct lis_kvp_hdr */
#define LIS_KVP_HOST_GET_SIZE		(4 + 2572)
#define LIS_KVP_HOST_SET_SIZE		(4 + 2572)
#define LIS_KVP_HOST_DELETE_SIZE	(4 + 516)
#define LIS_KVP_HOST_ENUMERATE_SIZE	(4 + 2576)

#define LIS_KVP_ADAPTER_ID_UNITS	128
#define LIS_KVP_IP_ADDR_UNITS		1024
#define LIS_KVP_GATEWAY_UNITS		512

#define LIS_KVP_ADDR_FAMILY_NONE	0
#define LIS_KVP_ADDR_FAMILY_IPV4	1
#define LIS_KVP_ADDR_FAMILY_IPV6	2
#define LIS_KVP_ADDR_FAMILY_BOTH	3

/* IP information (ops 4 and 5): UTF-16LE lists, ';'-separated */
struct lis_kvp_ip_info {
	__le16 adapter_id[LIS_KVP_ADAPTER_ID_UNITS];
	u8 addr_family;
	u8 dhcp_enabled;
	__le16 ip_addr[LIS_KVP_IP_ADDR_UNITS];
	__le16 sub_net[LIS_KVP_IP_ADDR_UNITS];
	__le16 gate_way[LIS_KVP_GATEWAY_UNITS];
	__le16 dns_addr[LIS_KVP_IP_ADDR_UNITS];
} __packed;
LIS_ASSERT_SIZE(struct lis_kvp_ip_info, 7426);

/* the host's IP message: no pad after operation and pool */
struct lis_kvp_ip_msg {
	u8 operation;
	u8 pool;
	struct lis_kvp_ip_info info;
} __packed;
LIS_ASSERT_SIZE(struct lis_kvp_ip_msg, 7428);

/* ---- VSS (type 5) -------------------------------------------------------- */

enum lis_vss_op {
	LIS_VSS_OP_CREATE = 0,
	LIS_VSS_OP_DELETE = 1,
	LIS_VSS_OP_HOT_BACKUP = 2,
	LIS_VSS_OP_GET_DM_INFO = 3,
	LIS_VSS_OP_BU_COMPLETE = 4,
	LIS_VSS_OP_FREEZE = 5,
	LIS_VSS_OP_THAW = 6,
	LIS_VSS_OP_AUTO_RECOVER = 7,
	LIS_VSS_OP_CLUSTER_INFO = 8,	/* 6.0, OpenVMM */
	LIS_VSS_OP_COUNT
};

/* hot-backup answer: no auto-recovery */
#define LIS_VSS_HBU_NO_AUTO_RECOVERY	0x00000005u

/* host body and daemon message alike (12 bytes) */
struct lis_vss_msg {
	union {
		struct {
			u8 operation;
			u8 reserved[7];
		} __packed hdr;
		__le32 error;		/* daemon -> kernel: status */
	} __packed;
	__le32 flags;
} __packed;
LIS_ASSERT_SIZE(struct lis_vss_msg, 12);

/* ---- file copy (type 7) -------------------------------------------------- */

enum lis_fcopy_op {
	LIS_FCOPY_OP_START = 0,
	LIS_FCOPY_OP_WRITE = 1,
	LIS_FCOPY_OP_COMPLETE = 2,
	LIS_FCOPY_OP_CANCEL = 3,
	LIS_FCOPY_OP_COUNT
};

#define LIS_FCOPY_OVERWRITE		0x1u
#define LIS_FCOPY_CREATE_PATH		0x2u
#define LIS_FCOPY_FLAGS_KNOWN		(LIS_FCOPY_OVERWRITE | LIS_FCOPY_CREATE_PATH)
#define LIS_FCOPY_PATH_UNITS		260	/* UTF-16 units, NUL included */
#define LIS_FCOPY_DATA_SIZE		6144

struct lis_fcopy_hdr {
	__le32 operation;
	u8 service_id0[16];
	u8 service_id1[16];
} __packed;
LIS_ASSERT_SIZE(struct lis_fcopy_hdr, 36);

/* on the wire names are UTF-16LE; towards the daemon the same bytes hold
 * UTF-8, NUL-terminated */
struct lis_fcopy_start {
	struct lis_fcopy_hdr hdr;
	u8 file_name[2 * LIS_FCOPY_PATH_UNITS];
	u8 path_name[2 * LIS_FCOPY_PATH_UNITS];
	__le32 copy_flags;
	__le64 file_size;
} __packed;
LIS_ASSERT_SIZE(struct lis_fcopy_start, 1088);

struct lis_fcopy_write {
	struct lis_fcopy_hdr hdr;
	__le32 pad;
	__le64 offset;
	__le32 size;
	u8 data[LIS_FCOPY_DATA_SIZE];
} __packed;
LIS_ASSERT_SIZE(struct lis_fcopy_write, 6196);

/* ---- the daemon character devices (§6.5) --------------------------------
 *
 * /dev/vmbus/hv_kvp, hv_vss, hv_fcopy.  read() returns one whole message
 * (EINVAL when the buffer is smaller), write() takes one whole message.  The
 * daemon speaks first: a registration, which the kernel answers (except the
 * legacy forms).
 */
#define LIS_KVP_DEVICE			"vmbus/hv_kvp"
#define LIS_VSS_DEVICE			"vmbus/hv_vss"
#define LIS_FCOPY_DEVICE		"vmbus/hv_fcopy"

#define LIS_KVP_OP_REGISTER		4	/* legacy: no answer */
#define LIS_KVP_OP_REGISTER1		100
#define LIS_VSS_OP_REGISTER		128	/* legacy: no answer */
#define LIS_VSS_OP_REGISTER1		129
#define LIS_FCOPY_VERSION_0		0	/* legacy: no answer */
#define LIS_FCOPY_VERSION_1		1

/* KVP IP information as the daemon sees it: the same byte ranges as
 * struct lis_kvp_ip_info, holding NUL-terminated UTF-8 */
struct lis_kvp_dip_info {
	u8 adapter_id[2 * LIS_KVP_ADAPTER_ID_UNITS];
	u8 addr_family;
	u8 dhcp_enabled;
	u8 ip_addr[2 * LIS_KVP_IP_ADDR_UNITS];
	u8 sub_net[2 * LIS_KVP_IP_ADDR_UNITS];
	u8 gate_way[2 * LIS_KVP_GATEWAY_UNITS];
	u8 dns_addr[2 * LIS_KVP_IP_ADDR_UNITS];
} __packed;
LIS_ASSERT_SIZE(struct lis_kvp_dip_info, 7426);

#define LIS_KVP_DMSG_BODY_SIZE		7428

/* one KVP message between kernel and daemon, both directions: 7432 bytes.
 * Strings are UTF-8 and NUL-terminated; sizes count the NUL; numbers were
 * turned into decimal strings (value_type REG_SZ). */
struct lis_kvp_dmsg {
	union {
		struct lis_kvp_hdr hdr;		/* kernel -> daemon */
		__le32 error;			/* daemon -> kernel: status */
	} __packed;
	union {
		struct lis_kvp_value get;	/* GET, SET */
		struct lis_kvp_delete del;
		struct lis_kvp_enumerate enumerate;
		struct lis_kvp_dip_info ip;
		u8 version[LIS_KVP_MAX_KEY_SIZE];	/* REGISTER1 answer */
		u8 raw[LIS_KVP_DMSG_BODY_SIZE];
	} __packed body;
} __packed;
LIS_ASSERT_SIZE(struct lis_kvp_dmsg, 7432);

/* fcopy: the daemon answers every message with a 4-byte status */
#define LIS_FCOPY_DMSG_MAX		sizeof(struct lis_fcopy_write)

#endif /* LIS_WIRE_IC_H */
