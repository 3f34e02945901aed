// SPDX-License-Identifier: GPL-2.0
/*
 * What the device models share.  Host->guest packets that did not fit in
 * the ring: a model that keeps answering while the guest is slow to drain
 * its inbound ring queues the packets here, in order, and sends them from
 * its writable() callback, so the guest sees back-pressure, never a lost or
 * reordered completion.  And made-up GUIDs and a millisecond clock.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "model.h"

struct hs_outpkt {
	struct hs_outpkt *next;
	uint16_t type, flags;
	uint64_t tid;
	uint32_t ext_len, len;
	uint8_t buf[];			/* ext_len bytes of extended header, then data */
};

static int try_send(struct hs_channel *ch, const struct hs_outpkt *p)
{
	return hs_channel_sendv(ch, p->type, p->flags, p->tid, p->ext_len ? p->buf : NULL,
				p->ext_len, p->buf + p->ext_len, p->len);
}

int hs_outq_send(struct hs_outq *q, struct hs_channel *ch, uint16_t type, uint16_t flags,
		 uint64_t tid, const void *ext, uint32_t ext_len, const void *data, uint32_t len)
{
	struct hs_outpkt *p;

	if (!q->head && hs_channel_sendv(ch, type, flags, tid, ext, ext_len, data, len) == 0)
		return 0;
	p = hs_zalloc(sizeof(*p) + ext_len + len);
	p->type = type;
	p->flags = flags;
	p->tid = tid;
	p->ext_len = ext_len;
	p->len = len;
	if (ext_len)
		memcpy(p->buf, ext, ext_len);
	if (len)
		memcpy(p->buf + ext_len, data, len);
	if (q->tail)
		q->tail->next = p;
	else
		q->head = p;
	q->tail = p;
	q->n++;
	return 1;
}

bool hs_outq_flush(struct hs_outq *q, struct hs_channel *ch)
{
	struct hs_outpkt *p;

	while ((p = q->head) && try_send(ch, p) == 0) {
		q->head = p->next;
		if (!q->head)
			q->tail = NULL;
		q->n--;
		free(p);
	}
	return !q->head;
}

void hs_outq_clear(struct hs_outq *q)
{
	struct hs_outpkt *p;

	while ((p = q->head)) {
		q->head = p->next;
		free(p);
	}
	q->tail = NULL;
	q->n = 0;
}

uint64_t hs_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t mix64(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ull;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

void hs_make_guid(uint8_t g[16], uint64_t seed)
{
	put64(g, mix64(seed));
	put64(g + 8, mix64(seed ^ 0x5bd1e995ull));
	g[7] = (uint8_t)((g[7] & 0x0f) | 0x40);	/* version 4 */
	g[8] = (uint8_t)((g[8] & 0x3f) | 0x80);	/* RFC 4122 variant */
}

struct hs_mchan *hs_mchan_get(struct hs_mchan **v, unsigned int *n, struct hs_channel *ch)
{
	unsigned int idx = hs_channel_subchannel_index(ch);

	if (idx >= *n) {
		*v = realloc(*v, (idx + 1) * sizeof(**v));
		if (!*v)
			abort();
		memset(*v + *n, 0, (idx + 1 - *n) * sizeof(**v));
		*n = idx + 1;
	}
	(*v)[idx].ch = ch;
	return &(*v)[idx];
}

void hs_mchan_free(struct hs_mchan *v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		hs_outq_clear(&v[i].outq);
	free(v);
}

uint64_t hs_gpa_bytes(const struct hs_packet *p)
{
	uint64_t total = 0;
	uint32_t i, off = 0;

	if (p->type != PKT_GPA_DIRECT)
		return 0;
	for (i = 0; i < p->range_count && off + 8 <= p->ranges_len; i++) {
		uint32_t count = le32(p->ranges + off), first = le32(p->ranges + off + 4);

		total += count;
		off += 8 + 8 * ((first + count + HV_PAGE - 1) / HV_PAGE);
	}
	return total;
}

void hs_model_ready(struct hs_channel *ch, pthread_mutex_t *lock,
		    void (*fn)(void *model, const struct hs_packet *p), void *model)
{
	struct hs_packet p;

	pthread_mutex_lock(lock);
	while (hs_channel_recv(ch, &p) > 0)
		fn(model, &p);
	pthread_mutex_unlock(lock);
}

void hs_model_writable(struct hs_channel *ch, pthread_mutex_t *lock, struct hs_outq *q)
{
	pthread_mutex_lock(lock);
	hs_outq_flush(q, ch);
	pthread_mutex_unlock(lock);
}

void hs_model_sync_init(pthread_mutex_t *lock, pthread_cond_t *cond)
{
	pthread_condattr_t ca;

	pthread_mutex_init(lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(cond, &ca);
	pthread_condattr_destroy(&ca);
}

void hs_model_offer(struct hs_offer *o, const uint8_t cls[16], const uint8_t inst[16],
		    uint64_t seed)
{
	static const uint8_t zero[16];

	memset(o, 0, sizeof(*o));
	memcpy(o->class_guid, cls, 16);
	if (memcmp(inst, zero, 16))
		memcpy(o->instance_guid, inst, 16);
	else
		hs_make_guid(o->instance_guid, seed);
}
