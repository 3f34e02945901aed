/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hyper-V sockets (hv_sock) over VMBus, defined once: a connection is a
 * pipe-mode channel the host offers (ChannelFlags TLNPI provider and named
 * pipe), after a TL_CONNECT_REQUEST from the guest (fact sheet §2.4.7) or on
 * its own when the host connects.  Each in-band packet carries a pipe
 * header and the bytes; a packet with no bytes says the sender shut its
 * side down.  Sources: docs/protocol-notes.md "hv_sock".
 */
#ifndef LIS_WIRE_HVSOCK_H
#define LIS_WIRE_HVSOCK_H

#include <lis/port.h>

/* a vsock port as a service id: data1 = the port, the rest this template
 * {00000000-facb-11e6-bd58-64006a7986d3} (wire layout) */
#define LIS_HVS_TEMPLATE_BYTES \
	0x00, 0x00, 0x00, 0x00, 0xcb, 0xfa, 0xe6, 0x11, \
	0xbd, 0x58, 0x64, 0x00, 0x6a, 0x79, 0x86, 0xd3

/* byte of the offer's user-defined area: non-zero when the host connected */
#define LIS_HVS_OFFER_FROM_HOST_BYTE	4

#define LIS_HVS_PIPE_DATA		1u	/* the one packet type used */

struct lis_hvs_pipe_header {
	__le32 type;
	__le32 size;			/* bytes that follow */
} __packed;
LIS_ASSERT_SIZE(struct lis_hvs_pipe_header, 8);

/* ring sizes, control page included: hosts up to VMBus 4.0 want exactly six
 * 4 KiB pages each way; newer ones take up to 64 */
#define LIS_HVS_RING_BYTES_OLD		(6u * 4096u)
#define LIS_HVS_RING_BYTES_MAX		(64u * 4096u)
/* the host sends at most this many bytes in one packet */
#define LIS_HVS_MTU			(16u * 1024u)
/* we send at most a page per packet (header included) */
#define LIS_HVS_SEND_MAX		(4096u - 8u)

#endif /* LIS_WIRE_HVSOCK_H */
