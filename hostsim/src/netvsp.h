/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What netvsp.c (the NIC), vswitch.c (the switch and its host port) and
 * netframe.c (Ethernet/IP parsing and the offloads a host performs) share.
 * All NIC and switch state is guarded by the switch's lock.
 */
#ifndef HS_NETVSP_H
#define HS_NETVSP_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "hostsim.h"

/* ---- frames ---------------------------------------------------------------------- */
#define ETH_HLEN		14
#define ETH_MAX_FRAME		65535u
#define ETHERTYPE_IPV4		0x0800
#define ETHERTYPE_IPV6		0x86DD
#define ETHERTYPE_VLAN		0x8100
#define IPPROTO_TCP_		6
#define IPPROTO_UDP_		17

struct hs_frame_info {
	bool vlan;
	uint16_t tci;			/* 802.1Q tag control, if vlan */
	uint16_t ethertype;		/* after the tag */
	uint32_t l3;			/* IP header offset */
	uint8_t ipver;			/* 4, 6, or 0: not IP */
	uint32_t l3_end;		/* end of the IP packet by its own length */
	uint8_t proto;			/* TCP, UDP, or 0 */
	bool fragment;			/* IPv4 fragment: no L4 checks */
	uint32_t l4;			/* transport header offset */
	uint32_t l4_hdr;		/* TCP header length */
};
bool hs_frame_parse(const uint8_t *f, uint32_t len, struct hs_frame_info *fi);

/* RX checksum verdict bits (§5.7 PPI type 0, receive side) */
#define CSUM_RX_TCP_FAILED	0x01u
#define CSUM_RX_UDP_FAILED	0x02u
#define CSUM_RX_IP_FAILED	0x04u
#define CSUM_RX_TCP_OK		0x08u
#define CSUM_RX_UDP_OK		0x10u
#define CSUM_RX_IP_OK		0x20u
/* which checks to make (the receiving NIC's RX offloads, hs_netvsp_stats
 * bit numbering: 0 IPv4 header, 1 TCP4, 2 UDP4, 3 TCP6, 4 UDP6) */
uint32_t hs_frame_verify(const uint8_t *f, uint32_t len, const struct hs_frame_info *fi,
			 uint32_t enabled);
/* fill the IPv4 header checksum and/or the TCP/UDP checksum in place */
void hs_frame_fill(uint8_t *f, uint32_t len, const struct hs_frame_info *fi, bool ip, bool l4);
/* TCP segmentation: each segment (headers copied, lengths, ids, sequence
 * numbers, flags and checksums fixed) goes to emit(); -1 if not TCP/IP */
int hs_frame_segment(const uint8_t *f, uint32_t len, uint32_t mss,
		     void (*emit)(void *ctx, uint8_t *seg, uint32_t n), void *ctx);
/* insert an 802.1Q tag after the MAC addresses; out has len + 4 bytes */
void hs_frame_tag(const uint8_t *f, uint32_t len, uint16_t tci, uint8_t *out);
/* RSS: Toeplitz hash over the fields `hash_info` selects (§5.9 bits);
 * false when the frame has none of them */
bool hs_frame_rss(const uint8_t *f, const struct hs_frame_info *fi, uint32_t hash_info,
		  const uint8_t *key, uint32_t key_len, uint32_t *hash);

/* ---- the switch ------------------------------------------------------------------ */
struct hs_qframe {
	struct hs_qframe *next;
	uint32_t len;
	uint8_t data[];
};
struct hs_frameq {
	struct hs_qframe *head, *tail;
	unsigned int n;
};
#define FRAMEQ_MAX	4096u
/* false (and nothing queued) when the queue is full */
bool hs_frameq_push(struct hs_frameq *q, const uint8_t *f, uint32_t len);
int hs_frameq_pop(struct hs_frameq *q, void *buf, uint32_t cap);
void hs_frameq_clear(struct hs_frameq *q);

struct hs_vswitch *hs_vswitch_new(struct hs_host *h);
void hs_vswitch_attach(struct hs_vswitch *sw, struct hs_netvsp *nic);
/* a NIC is being freed; the last one frees the switch */
void hs_vswitch_detach(struct hs_vswitch *sw, struct hs_netvsp *nic);
pthread_mutex_t *hs_vswitch_lock(struct hs_vswitch *sw);
struct hs_host *hs_vswitch_host(struct hs_vswitch *sw);
/* switch a frame from `from` (NULL: the host port); lock held */
void hs_vswitch_forward(struct hs_vswitch *sw, struct hs_netvsp *from, const uint8_t *f,
			uint32_t len);

/* netvsp.c, for the switch (lock held) */
bool hs_netvsp_owns(const struct hs_netvsp *nic, const uint8_t *mac);
void hs_netvsp_receive(struct hs_netvsp *nic, const uint8_t *f, uint32_t len);

#endif /* HS_NETVSP_H */
