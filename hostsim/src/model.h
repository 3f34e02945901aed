/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the device models (storvsp.c, netvsp.c) share (model.c, sha256.c): a
 * queue of packets waiting for room in a host->guest ring, made-up GUIDs, a
 * SHA-256 for disk checksums, and big-endian (SCSI, network) accessors.  Models use only the public hostsim API
 * plus hs_protocol_error() to report guest mistakes.
 */
#ifndef HS_MODEL_H
#define HS_MODEL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hostsim.h"

/* ---- packets waiting for ring space ------------------------------------------ */
struct hs_outpkt;
struct hs_outq {
	struct hs_outpkt *head, *tail;
	unsigned int n;
};

/* Send a packet now, or queue it behind earlier ones when the ring is full
 * (the caller retries with hs_outq_flush from its writable() callback).
 * Returns 0 sent, 1 queued.  The caller serializes calls per queue. */
int hs_outq_send(struct hs_outq *q, struct hs_channel *ch, uint16_t type, uint16_t flags,
		 uint64_t tid, const void *ext, uint32_t ext_len, const void *data, uint32_t len);
/* send what is queued, in order, until the ring is full; true when empty */
bool hs_outq_flush(struct hs_outq *q, struct hs_channel *ch);
void hs_outq_clear(struct hs_outq *q);

/* ---- a model's view of its channels, by SubChannelIndex ----------------------- */
struct hs_mchan {
	struct hs_channel *ch;
	bool open;
	unsigned int gen;		/* bumped on open and close */
	struct hs_outq outq;
};
/* the slot of `ch` in *v (grown as needed); the caller serializes */
struct hs_mchan *hs_mchan_get(struct hs_mchan **v, unsigned int *n, struct hs_channel *ch);
void hs_mchan_free(struct hs_mchan *v, unsigned int n);
/* the bytes a GPA-direct packet's ranges describe */
uint64_t hs_gpa_bytes(const struct hs_packet *p);

/* the ready() and writable() of a model with one lock: every packet the
 * guest wrote goes to fn(model, packet) under `lock`; packets that waited
 * for ring space in `q` are sent under it */
void hs_model_ready(struct hs_channel *ch, pthread_mutex_t *lock,
		    void (*fn)(void *model, const struct hs_packet *p), void *model);
void hs_model_writable(struct hs_channel *ch, pthread_mutex_t *lock, struct hs_outq *q);
/* a model's lock and condition variable (CLOCK_MONOTONIC, for timed waits) */
void hs_model_sync_init(pthread_mutex_t *lock, pthread_cond_t *cond);
/* an offer of class `cls`: instance `inst`, or one made up from `seed` when
 * `inst` is all zero */
void hs_model_offer(struct hs_offer *o, const uint8_t cls[16], const uint8_t inst[16],
		    uint64_t seed);

/* ---- SHA-256 (FIPS 180-4) ------------------------------------------------------- */
struct hs_sha256 {
	uint32_t h[8];
	uint64_t bytes;
	uint8_t buf[64];
	unsigned int fill;
};
void hs_sha256_init(struct hs_sha256 *s);
void hs_sha256_update(struct hs_sha256 *s, const void *data, size_t len);
void hs_sha256_final(struct hs_sha256 *s, uint8_t digest[32]);
void hs_hex(const uint8_t *bytes, size_t n, char *out);	/* 2n chars + NUL */

/* ---- big-endian (SCSI) --------------------------------------------------------- */
static inline uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static inline void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put_be32(uint8_t *p, uint32_t v)
{
	put_be16(p, (uint16_t)(v >> 16));
	put_be16(p + 2, (uint16_t)v);
}

static inline void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

/* a monotonic clock in milliseconds */
uint64_t hs_now_ms(void);
/* a random-looking version-4 GUID (wire order) derived from `seed` */
void hs_make_guid(uint8_t g[16], uint64_t seed);

#endif /* HS_MODEL_H */
