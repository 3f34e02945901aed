// SPDX-License-Identifier: GPL-2.0
/*
 * Our VMBus wire structures against the fact sheet's numbers
 * (hyperv-protocol.md §1.7, §1.8, §2.4, §3.1, §3.2).  The numbers below are
 * typed in from the fact sheet, not computed from our headers.
 */
#include <stddef.h>
#include "internal.h"
#include "lis_test.h"

#define OFF(type, field)	offsetof(struct type, field)

LIS_TEST(synic_message_slot_layout)
{
	EXPECT_EQ(sizeof(struct lis_hv_message), 256);
	EXPECT_EQ(OFF(lis_hv_message, message_type), 0);
	EXPECT_EQ(OFF(lis_hv_message, payload_size), 4);
	EXPECT_EQ(OFF(lis_hv_message, message_flags), 5);
	EXPECT_EQ(OFF(lis_hv_message, sender), 8);
	EXPECT_EQ(OFF(lis_hv_message, payload), 16);
}

LIS_TEST(hypercall_inputs_layout)
{
	EXPECT_EQ(OFF(lis_hv_post_message_input, connection_id), 0);
	EXPECT_EQ(OFF(lis_hv_post_message_input, message_type), 8);
	EXPECT_EQ(OFF(lis_hv_post_message_input, payload_size), 12);
	EXPECT_EQ(OFF(lis_hv_post_message_input, payload), 16);
	EXPECT_EQ(sizeof(struct lis_hv_signal_event_input), 8);
	EXPECT_EQ(OFF(lis_hv_signal_event_input, flag_number), 4);
}

LIS_TEST(offer_layout)
{
	EXPECT_EQ(sizeof(struct lis_vmbus_msg_offer), 196);
	EXPECT_EQ(OFF(lis_vmbus_msg_offer, if_type), 8);
	EXPECT_EQ(OFF(lis_vmbus_msg_offer, if_instance), 24);
	EXPECT_EQ(OFF(lis_vmbus_msg_offer, chn_flags), 56);
	EXPECT_EQ(OFF(lis_vmbus_msg_offer, mmio_megabytes), 58);
	EXPECT_EQ(OFF(lis_vmbus_msg_offer, user_defined), 60);
	EXPECT_EQ(OFF(lis_vmbus_msg_offer, sub_channel_index), 180);
	EXPECT_EQ(OFF(lis_vmbus_msg_offer, child_relid), 184);
	EXPECT_EQ(OFF(lis_vmbus_msg_offer, monitor_id), 188);
	EXPECT_EQ(OFF(lis_vmbus_msg_offer, monitor_allocated), 189);
	EXPECT_EQ(OFF(lis_vmbus_msg_offer, is_dedicated_interrupt), 190);
	EXPECT_EQ(OFF(lis_vmbus_msg_offer, connection_id), 192);
}

LIS_TEST(small_messages_layout)
{
	EXPECT_EQ(sizeof(struct lis_vmbus_msg_rescind), 12);
	EXPECT_EQ(sizeof(struct lis_vmbus_msg_open_result), 20);
	EXPECT_EQ(OFF(lis_vmbus_msg_open_result, status), 16);
	EXPECT_EQ(sizeof(struct lis_vmbus_msg_gpadl_created), 20);
	EXPECT_EQ(OFF(lis_vmbus_msg_gpadl_created, gpadl), 12);
	EXPECT_EQ(OFF(lis_vmbus_msg_gpadl_created, creation_status), 16);
	EXPECT_EQ(sizeof(struct lis_vmbus_msg_gpadl_teardown), 16);
	EXPECT_EQ(sizeof(struct lis_vmbus_msg_gpadl_torndown), 12);
	EXPECT_EQ(sizeof(struct lis_vmbus_msg_relid_released), 12);
	EXPECT_EQ(sizeof(struct lis_vmbus_msg_modify_channel), 16);
	EXPECT_EQ(OFF(lis_vmbus_msg_modify_channel, target_vp), 12);
}

LIS_TEST(open_channel_layout)
{
	EXPECT_EQ(sizeof(struct lis_vmbus_msg_open), 148);
	EXPECT_EQ(OFF(lis_vmbus_msg_open, child_relid), 8);
	EXPECT_EQ(OFF(lis_vmbus_msg_open, open_id), 12);
	EXPECT_EQ(OFF(lis_vmbus_msg_open, ring_gpadl), 16);
	EXPECT_EQ(OFF(lis_vmbus_msg_open, target_vp), 20);
	EXPECT_EQ(OFF(lis_vmbus_msg_open, downstream_page_offset), 24);
	EXPECT_EQ(OFF(lis_vmbus_msg_open, user_data), 28);
}

LIS_TEST(gpadl_messages_layout)
{
	EXPECT_EQ(OFF(lis_vmbus_msg_gpadl_header, child_relid), 8);
	EXPECT_EQ(OFF(lis_vmbus_msg_gpadl_header, gpadl), 12);
	EXPECT_EQ(OFF(lis_vmbus_msg_gpadl_header, range_buflen), 16);
	EXPECT_EQ(OFF(lis_vmbus_msg_gpadl_header, range_count), 18);
	EXPECT_EQ(OFF(lis_vmbus_msg_gpadl_header, byte_count), 20);
	EXPECT_EQ(OFF(lis_vmbus_msg_gpadl_header, byte_offset), 24);
	EXPECT_EQ(OFF(lis_vmbus_msg_gpadl_header, pfn), 28);
	EXPECT_EQ(LIS_VMBUS_GPADL_HEADER_MAX_PFNS, 26);
	EXPECT_EQ(OFF(lis_vmbus_msg_gpadl_body, msgnumber), 8);
	EXPECT_EQ(OFF(lis_vmbus_msg_gpadl_body, gpadl), 12);
	EXPECT_EQ(OFF(lis_vmbus_msg_gpadl_body, pfn), 16);
	EXPECT_EQ(LIS_VMBUS_GPADL_BODY_MAX_PFNS, 28);
	/* both fit a 240-byte message payload */
	EXPECT(sizeof(struct lis_vmbus_msg_gpadl_header) <= 240);
	EXPECT(sizeof(struct lis_vmbus_msg_gpadl_body) <= 240);
}

LIS_TEST(contact_messages_layout)
{
	struct lis_vmbus_msg_initiate_contact ic;

	EXPECT_EQ(sizeof(ic), 40);
	EXPECT_EQ(OFF(lis_vmbus_msg_initiate_contact, version_requested), 8);
	EXPECT_EQ(OFF(lis_vmbus_msg_initiate_contact, target_vcpu), 12);
	EXPECT_EQ(OFF(lis_vmbus_msg_initiate_contact, u), 16);
	EXPECT_EQ((char *)&ic.u.v5.msg_sint - (char *)&ic, 16);
	EXPECT_EQ((char *)&ic.u.v5.msg_vtl - (char *)&ic, 17);
	EXPECT_EQ((char *)&ic.u.v5.feature_flags - (char *)&ic, 20);
	EXPECT_EQ(OFF(lis_vmbus_msg_initiate_contact, monitor_page1), 24);
	EXPECT_EQ(OFF(lis_vmbus_msg_initiate_contact, monitor_page2), 32);
	EXPECT_EQ(sizeof(struct lis_vmbus_msg_version_response), 16);
	EXPECT_EQ(OFF(lis_vmbus_msg_version_response, version_supported), 8);
	EXPECT_EQ(OFF(lis_vmbus_msg_version_response, connection_state), 9);
	EXPECT_EQ(OFF(lis_vmbus_msg_version_response, msg_conn_id), 12);
}

LIS_TEST(ring_and_packet_layout)
{
	EXPECT_EQ(sizeof(struct lis_vmbus_ring_control), 4096);
	EXPECT_EQ(OFF(lis_vmbus_ring_control, write_index), 0);
	EXPECT_EQ(OFF(lis_vmbus_ring_control, read_index), 4);
	EXPECT_EQ(OFF(lis_vmbus_ring_control, interrupt_mask), 8);
	EXPECT_EQ(OFF(lis_vmbus_ring_control, pending_send_sz), 12);
	EXPECT_EQ(OFF(lis_vmbus_ring_control, feature_bits), 64);
	EXPECT_EQ(sizeof(struct lis_vmbus_packet_desc), 16);
	EXPECT_EQ(OFF(lis_vmbus_packet_desc, offset8), 2);
	EXPECT_EQ(OFF(lis_vmbus_packet_desc, len8), 4);
	EXPECT_EQ(OFF(lis_vmbus_packet_desc, flags), 6);
	EXPECT_EQ(OFF(lis_vmbus_packet_desc, trans_id), 8);
	EXPECT_EQ(OFF(lis_vmbus_gpa_direct_hdr, range_count), 20);
	EXPECT_EQ(sizeof(struct lis_vmbus_gpa_direct_hdr), 24);
	EXPECT_EQ(OFF(lis_vmbus_xfer_page_hdr, xfer_pageset_id), 16);
	EXPECT_EQ(OFF(lis_vmbus_xfer_page_hdr, sender_owns_set), 18);
	EXPECT_EQ(OFF(lis_vmbus_xfer_page_hdr, range_count), 20);
}

LIS_TEST(constants_match_the_fact_sheet)
{
	EXPECT_EQ(LIS_HV_MSR_SIMP, 0x40000083);
	EXPECT_EQ(LIS_HV_MSR_SIEFP, 0x40000082);
	EXPECT_EQ(LIS_HV_MSR_EOM, 0x40000084);
	EXPECT_EQ(LIS_HV_MSR_SINT0 + LIS_VMBUS_SINT, 0x40000092);
	EXPECT_EQ(LIS_HV_MSR_SCONTROL, 0x40000080);
	EXPECT_EQ(LIS_HV_CALL_POST_MESSAGE, 0x5C);
	EXPECT_EQ(LIS_HV_CALL_SIGNAL_EVENT, 0x5D);
	EXPECT_EQ(LIS_HV_MESSAGE_TYPE_TIMER_EXPIRED, 0x80000010u);
	EXPECT_EQ(LIS_VMBUS_VERSION_WIN8, 0x00020004);
	EXPECT_EQ(LIS_VMBUS_VERSION_WIN10_V5_3, 0x00050003);
	EXPECT_EQ(LIS_VMBUS_MSG_INITIATE_CONTACT, 14);
	EXPECT_EQ(LIS_VMBUS_MSG_MODIFYCHANNEL_RESPONSE, 24);
}

LIS_TEST_MAIN("wire")
