/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Hyper-V virtual PCI (vPCI) protocol, defined once: the messages a
 * pci-hyperv bus exchanges with the host over its VMBus channel, in-band,
 * little-endian, packed, size-checked.  Sources of every number:
 * docs/protocol-notes.md, "Virtual PCI (pci-hyperv)".
 *
 * A guest request is an in-band packet with completion requested and a
 * non-zero transaction id; the host answers with a completion packet whose
 * payload starts with an NTSTATUS (negative: failure).  The host sends bus
 * relations and ejects as in-band packets without completion.
 */
#ifndef LIS_WIRE_VPCI_H
#define LIS_WIRE_VPCI_H

#include <lis/port.h>

/* class GUID {44c4f61d-4444-4400-9d52-802e27ede19f}, wire layout */
#define LIS_VPCI_CLASS_BYTES \
	0x1d, 0xf6, 0xc4, 0x44, 0x44, 0x44, 0x00, 0x44, \
	0x9d, 0x52, 0x80, 0x2e, 0x27, 0xed, 0xe1, 0x9f

#define LIS_VPCI_VERSION(maj, min)	(((u32)(maj) << 16) | (u32)(min))
#define LIS_VPCI_VERSION_1_1		LIS_VPCI_VERSION(1, 1)	/* Windows 10 */
#define LIS_VPCI_VERSION_1_2		LIS_VPCI_VERSION(1, 2)	/* RS1 */
#define LIS_VPCI_VERSION_1_3		LIS_VPCI_VERSION(1, 3)	/* Vibranium */
#define LIS_VPCI_VERSION_1_4		LIS_VPCI_VERSION(1, 4)	/* Iron */

/* the config window: 2 pages of MMIO the guest chooses (FDO_D0_ENTRY); a
 * 32-bit write of a function's wslot at offset 0 selects it, its config
 * space is the second page */
#define LIS_VPCI_CFG_WINDOW_SIZE	0x2000u
#define LIS_VPCI_CFG_SLOT_OFFSET	0x0u
#define LIS_VPCI_CFG_SPACE_OFFSET	0x1000u
#define LIS_VPCI_CFG_SPACE_SIZE		0x1000u

#define LIS_VPCI_MSG_BASE		0x42490000u
enum lis_vpci_msg_type {
	LIS_VPCI_MSG_BUS_RELATIONS		= LIS_VPCI_MSG_BASE + 0x00,
	LIS_VPCI_MSG_QUERY_BUS_RELATIONS	= LIS_VPCI_MSG_BASE + 0x01,
	LIS_VPCI_MSG_POWER_STATE_CHANGE		= LIS_VPCI_MSG_BASE + 0x04,
	LIS_VPCI_MSG_QUERY_RESOURCE_REQUIREMENTS = LIS_VPCI_MSG_BASE + 0x05,
	LIS_VPCI_MSG_QUERY_RESOURCES		= LIS_VPCI_MSG_BASE + 0x06,
	LIS_VPCI_MSG_BUS_D0_ENTRY		= LIS_VPCI_MSG_BASE + 0x07,
	LIS_VPCI_MSG_BUS_D0_EXIT		= LIS_VPCI_MSG_BASE + 0x08,
	LIS_VPCI_MSG_READ_BLOCK			= LIS_VPCI_MSG_BASE + 0x09,
	LIS_VPCI_MSG_WRITE_BLOCK		= LIS_VPCI_MSG_BASE + 0x0A,
	LIS_VPCI_MSG_EJECT			= LIS_VPCI_MSG_BASE + 0x0B,
	LIS_VPCI_MSG_QUERY_STOP			= LIS_VPCI_MSG_BASE + 0x0C,
	LIS_VPCI_MSG_REENABLE			= LIS_VPCI_MSG_BASE + 0x0D,
	LIS_VPCI_MSG_QUERY_STOP_FAILED		= LIS_VPCI_MSG_BASE + 0x0E,
	LIS_VPCI_MSG_EJECTION_COMPLETE		= LIS_VPCI_MSG_BASE + 0x0F,
	LIS_VPCI_MSG_RESOURCES_ASSIGNED		= LIS_VPCI_MSG_BASE + 0x10,
	LIS_VPCI_MSG_RESOURCES_RELEASED		= LIS_VPCI_MSG_BASE + 0x11,
	LIS_VPCI_MSG_INVALIDATE_BLOCK		= LIS_VPCI_MSG_BASE + 0x12,
	LIS_VPCI_MSG_QUERY_PROTOCOL_VERSION	= LIS_VPCI_MSG_BASE + 0x13,
	LIS_VPCI_MSG_CREATE_INTERRUPT		= LIS_VPCI_MSG_BASE + 0x14,
	LIS_VPCI_MSG_DELETE_INTERRUPT		= LIS_VPCI_MSG_BASE + 0x15,
	LIS_VPCI_MSG_RESOURCES_ASSIGNED2	= LIS_VPCI_MSG_BASE + 0x16,
	LIS_VPCI_MSG_CREATE_INTERRUPT2		= LIS_VPCI_MSG_BASE + 0x17,
	LIS_VPCI_MSG_DELETE_INTERRUPT2		= LIS_VPCI_MSG_BASE + 0x18,
	LIS_VPCI_MSG_BUS_RELATIONS2		= LIS_VPCI_MSG_BASE + 0x19,
	LIS_VPCI_MSG_RESOURCES_ASSIGNED3	= LIS_VPCI_MSG_BASE + 0x1A,
	LIS_VPCI_MSG_CREATE_INTERRUPT3		= LIS_VPCI_MSG_BASE + 0x1B,
};

/* NTSTATUS values the host answers with */
#define LIS_VPCI_STATUS_SUCCESS			0x00000000u
#define LIS_VPCI_STATUS_UNSUCCESSFUL		0xC0000001u
#define LIS_VPCI_STATUS_REVISION_MISMATCH	0xC0000059u
#define LIS_VPCI_STATUS_NOT_SUPPORTED		0xC00000BBu
#define LIS_VPCI_STATUS_BAD_DATA		0xC000090Bu

/* "wslot": Windows' slot encoding, bits 4:0 device, 7:5 function */
#define LIS_VPCI_WSLOT_DEVICE(w)	((w) & 0x1Fu)
#define LIS_VPCI_WSLOT_FUNCTION(w)	(((w) >> 5) & 0x7u)
#define LIS_VPCI_WSLOT_RESERVED		0xFFFFFF00u
#define LIS_VPCI_BARS			6

/* ---- guest -> host ---- */

struct lis_vpci_version_request {
	__le32 type;			/* QUERY_PROTOCOL_VERSION */
	__le32 version;
	__le32 reserved;
} __packed;
LIS_ASSERT_SIZE(struct lis_vpci_version_request, 12);

struct lis_vpci_d0_entry {
	__le32 type;			/* BUS_D0_ENTRY */
	__le32 reserved;
	__le64 mmio_base;		/* GPA of the config window */
} __packed;
LIS_ASSERT_SIZE(struct lis_vpci_d0_entry, 16);

/* QUERY_RESOURCE_REQUIREMENTS, RESOURCES_RELEASED, EJECT (host -> guest) */
struct lis_vpci_child_msg {
	__le32 type;
	__le32 wslot;
} __packed;
LIS_ASSERT_SIZE(struct lis_vpci_child_msg, 8);

struct lis_vpci_eject_complete {
	__le32 type;			/* EJECTION_COMPLETE */
	__le32 wslot;
	__le32 status;
} __packed;
LIS_ASSERT_SIZE(struct lis_vpci_eject_complete, 12);

/* a CM_PARTIAL_RESOURCE_DESCRIPTOR; the guest leaves them zero */
struct lis_vpci_partial_resource {
	u8 type;
	u8 share_disposition;
	__le16 flags;
	__le64 address;
	__le32 length;
	__le32 padding;
} __packed;
LIS_ASSERT_SIZE(struct lis_vpci_partial_resource, 20);

/* RESOURCES_ASSIGNED (< 1.2) / RESOURCES_ASSIGNED2 (>= 1.2), no MSI
 * descriptors, followed by zero padding the host expects */
struct lis_vpci_resources_assigned {
	__le32 type;
	__le32 wslot;
	struct lis_vpci_partial_resource mmio[LIS_VPCI_BARS];
	__le32 msi_count;
	__le32 reserved;
} __packed;
LIS_ASSERT_SIZE(struct lis_vpci_resources_assigned, 136);
LIS_ASSERT_OFFSET(struct lis_vpci_resources_assigned, msi_count, 128);
#define LIS_VPCI_RESOURCES_ASSIGNED_LEN		148	/* 136 + 12 zero bytes */
#define LIS_VPCI_RESOURCES_ASSIGNED2_LEN	202	/* 136 + 66 zero bytes */

#define LIS_VPCI_DELIVERY_FIXED		0
#define LIS_VPCI_DELIVERY_LOWEST	1
#define LIS_VPCI_MAX_TARGET_VPS		32
#define LIS_VPCI_MAX_VECTORS		32	/* per CREATE_INTERRUPT */

/* CREATE_INTERRUPT (1.1): target VPs as a mask, so VP < 64 */
struct lis_vpci_msi_desc {
	u8 vector;
	u8 delivery_mode;
	__le16 vector_count;
	__le32 reserved;
	__le64 cpu_mask;
} __packed;
LIS_ASSERT_SIZE(struct lis_vpci_msi_desc, 16);

/* CREATE_INTERRUPT2 (1.2, 1.3): a list of target VPs */
struct lis_vpci_msi_desc2 {
	u8 vector;
	u8 delivery_mode;
	__le16 vector_count;
	__le16 processor_count;
	__le16 processor_array[LIS_VPCI_MAX_TARGET_VPS];
	__le16 reserved;
} __packed;
LIS_ASSERT_SIZE(struct lis_vpci_msi_desc2, 72);

/* CREATE_INTERRUPT3 (1.4): a 32-bit vector */
struct lis_vpci_msi_desc3 {
	__le32 vector;
	u8 delivery_mode;
	u8 reserved;
	__le16 vector_count;
	__le16 processor_count;
	__le16 processor_array[LIS_VPCI_MAX_TARGET_VPS];
	__le16 reserved2;
} __packed;
LIS_ASSERT_SIZE(struct lis_vpci_msi_desc3, 76);

struct lis_vpci_create_interrupt {
	__le32 type;
	__le32 wslot;
	union {
		struct lis_vpci_msi_desc v1;
		struct lis_vpci_msi_desc2 v2;
		struct lis_vpci_msi_desc3 v3;
	} __packed desc;
} __packed;
LIS_ASSERT_OFFSET(struct lis_vpci_create_interrupt, desc, 8);
#define LIS_VPCI_CREATE_INTERRUPT_LEN	24
#define LIS_VPCI_CREATE_INTERRUPT2_LEN	80
#define LIS_VPCI_CREATE_INTERRUPT3_LEN	84

/* the interrupt as the host remapped it: what the device must be
 * programmed with (MSI address and data) */
struct lis_vpci_msi_remapped {
	__le16 reserved;
	__le16 vector_count;
	__le32 data;
	__le64 address;
} __packed;
LIS_ASSERT_SIZE(struct lis_vpci_msi_remapped, 16);

struct lis_vpci_delete_interrupt {
	__le32 type;			/* DELETE_INTERRUPT */
	__le32 wslot;
	struct lis_vpci_msi_remapped msi;
} __packed;
LIS_ASSERT_SIZE(struct lis_vpci_delete_interrupt, 24);

/* ---- host -> guest ---- */

/* completion payloads */
struct lis_vpci_status_reply {
	__le32 status;
} __packed;
LIS_ASSERT_SIZE(struct lis_vpci_status_reply, 4);

struct lis_vpci_resource_requirements_reply {
	__le32 status;
	__le32 probed_bar[LIS_VPCI_BARS];	/* what all-ones written to each BAR reads back */
} __packed;
LIS_ASSERT_SIZE(struct lis_vpci_resource_requirements_reply, 28);

struct lis_vpci_create_interrupt_reply {
	__le32 status;
	__le32 reserved;
	struct lis_vpci_msi_remapped msi;
} __packed;
LIS_ASSERT_SIZE(struct lis_vpci_create_interrupt_reply, 24);

/* one function in BUS_RELATIONS */
struct lis_vpci_func_desc {
	__le16 vendor_id;
	__le16 device_id;
	u8 revision;
	u8 prog_if;
	u8 subclass;
	u8 base_class;
	__le16 subsys_vendor_id;
	__le16 subsys_id;
	__le32 wslot;
	__le32 serial;
} __packed;
LIS_ASSERT_SIZE(struct lis_vpci_func_desc, 20);

/* one function in BUS_RELATIONS2 (>= 1.3) */
#define LIS_VPCI_FUNC_FLAG_NUMA_VALID	0x1u
struct lis_vpci_func_desc2 {
	struct lis_vpci_func_desc d;
	__le32 flags;
	__le16 numa_node;
	__le16 reserved;
} __packed;
LIS_ASSERT_SIZE(struct lis_vpci_func_desc2, 28);

/* BUS_RELATIONS / BUS_RELATIONS2: followed by device_count descriptors */
struct lis_vpci_bus_relations {
	__le32 type;
	__le32 device_count;
} __packed;
LIS_ASSERT_SIZE(struct lis_vpci_bus_relations, 8);

#endif /* LIS_WIRE_VPCI_H */
