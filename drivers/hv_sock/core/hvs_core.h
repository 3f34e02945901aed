/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The portable hv_sock core: one connection's byte stream over its VMBus
 * channel (lis/wire/hvsock.h) — framing outgoing bytes into pipe packets,
 * taking incoming packets apart (every length checked), the shutdown
 * packet both ways, and the service-id form of vsock ports.  The channel is
 * opened notify-only: bytes are read when the socket is read, so the host
 * waits while the reader does (flow control is the ring).
 *
 * Locking: the glue serializes calls on one connection (the socket lock);
 * the notify callback may run at any time, in the VMBus event half.
 */
#ifndef LIS_HVS_CORE_H
#define LIS_HVS_CORE_H

#include <lis/vmbus.h>
#include <lis/wire/hvsock.h>

struct lis_hvs;

/* a vsock port as a service id, and back (false: not one of ours) */
void lis_hvs_port_to_guid(u32 port, struct lis_guid *g);
bool lis_hvs_guid_to_port(const struct lis_guid *g, u32 *port);
/* an offered channel: host-initiated connection? */
bool lis_hvs_from_host(struct lis_channel *ch);

struct lis_hvs_config {
	struct lis_channel *ch;
	/* the host signalled (data arrived, or send space freed); event half */
	void (*notify)(void *ctx);
	void *ctx;
};

int lis_hvs_open(const struct lis_hvs_config *cfg, struct lis_hvs **out);
void lis_hvs_close(struct lis_hvs *h);

/* bytes that fit in the send ring now (several packets' worth, headers
 * taken off); when fewer than `want`, the host is asked to signal once a
 * packet fits */
u32 lis_hvs_send_space(struct lis_hvs *h, u32 want);
/* send up to len bytes: the number queued (0: ring full), -ENODEV, -EPIPE
 * after our shutdown */
int lis_hvs_send(struct lis_hvs *h, const void *buf, u32 len);
/* our side is done sending (once) */
int lis_hvs_shutdown(struct lis_hvs *h);

/* the bytes ready to read, pulling the next packet in when none are: 0 with
 * data and len set (len 0 and eof set: the peer shut down); -EAGAIN nothing
 * yet; -EIO the host sent a malformed packet (the connection is unusable) */
int lis_hvs_peek(struct lis_hvs *h, const void **data, u32 *len, bool *eof);
void lis_hvs_consume(struct lis_hvs *h, u32 n);
/* bytes ready or arriving (an estimate for poll), 0 when none */
u64 lis_hvs_readable(struct lis_hvs *h);
bool lis_hvs_peer_shutdown(const struct lis_hvs *h);
u64 lis_hvs_protocol_errors(const struct lis_hvs *h);

#endif /* LIS_HVS_CORE_H */
