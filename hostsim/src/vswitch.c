// SPDX-License-Identifier: GPL-2.0
/*
 * The virtual switch the simulated NICs plug into, and its host port.
 *
 * Forwarding: a group-addressed frame (broadcast, multicast) goes to every
 * other NIC and to the host port; a unicast frame goes to the NIC that has
 * that address (and to promiscuous NICs); a unicast frame for an address no
 * NIC has, or for the host port's address, goes to the host port.  With
 * mirroring on, the host port also sees every frame.  Each NIC applies its
 * own packet filter, link state and data path when it receives.
 *
 * The switch's mutex guards the switch and every NIC on it; NICs use it as
 * their own lock, so a frame crosses from one NIC to another under one lock.
 * The switch lives as long as one of its NICs does.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "model.h"
#include "netvsp.h"

struct hs_vswitch {
	struct hs_host *h;
	pthread_mutex_t lock;
	struct hs_netvsp **nics;
	unsigned int n, cap;
	unsigned int refs;
	uint8_t host_mac[6];
	bool mirror;
	struct hs_frameq capture;
	uint64_t capture_dropped;
};

bool hs_frameq_push(struct hs_frameq *q, const uint8_t *f, uint32_t len)
{
	struct hs_qframe *e;

	if (q->n >= FRAMEQ_MAX)
		return false;
	e = hs_zalloc(sizeof(*e) + len);
	e->len = len;
	memcpy(e->data, f, len);
	if (q->tail)
		q->tail->next = e;
	else
		q->head = e;
	q->tail = e;
	q->n++;
	return true;
}

int hs_frameq_pop(struct hs_frameq *q, void *buf, uint32_t cap)
{
	struct hs_qframe *e = q->head;
	int len;

	if (!e)
		return 0;
	q->head = e->next;
	if (!q->head)
		q->tail = NULL;
	q->n--;
	memcpy(buf, e->data, e->len < cap ? e->len : cap);
	len = (int)e->len;
	free(e);
	return len;
}

void hs_frameq_clear(struct hs_frameq *q)
{
	struct hs_qframe *e;

	while ((e = q->head)) {
		q->head = e->next;
		free(e);
	}
	q->tail = NULL;
	q->n = 0;
}

struct hs_vswitch *hs_vswitch_new(struct hs_host *h)
{
	struct hs_vswitch *sw = hs_zalloc(sizeof(*sw));
	static const uint8_t host_mac[6] = { 0x00, 0x15, 0x5d, 0xff, 0xff, 0xfe };

	sw->h = h;
	memcpy(sw->host_mac, host_mac, 6);
	pthread_mutex_init(&sw->lock, NULL);
	return sw;
}

void hs_vswitch_attach(struct hs_vswitch *sw, struct hs_netvsp *nic)
{
	pthread_mutex_lock(&sw->lock);
	if (sw->n == sw->cap) {
		sw->cap = sw->cap ? 2 * sw->cap : 4;
		sw->nics = realloc(sw->nics, sw->cap * sizeof(*sw->nics));
		if (!sw->nics)
			abort();
	}
	sw->nics[sw->n++] = nic;
	sw->refs++;
	pthread_mutex_unlock(&sw->lock);
}

void hs_vswitch_detach(struct hs_vswitch *sw, struct hs_netvsp *nic)
{
	unsigned int i;
	bool last;

	pthread_mutex_lock(&sw->lock);
	for (i = 0; i < sw->n; i++)
		if (sw->nics[i] == nic)
			sw->nics[i] = sw->nics[--sw->n];
	last = --sw->refs == 0;
	pthread_mutex_unlock(&sw->lock);
	if (!last)
		return;
	hs_frameq_clear(&sw->capture);
	free(sw->nics);
	pthread_mutex_destroy(&sw->lock);
	free(sw);
}

pthread_mutex_t *hs_vswitch_lock(struct hs_vswitch *sw)
{
	return &sw->lock;
}

struct hs_host *hs_vswitch_host(struct hs_vswitch *sw)
{
	return sw->h;
}

void hs_vswitch_forward(struct hs_vswitch *sw, struct hs_netvsp *from, const uint8_t *f,
			uint32_t len)
{
	bool group = f[0] & 1, owned = false;
	unsigned int i;

	for (i = 0; i < sw->n; i++) {
		if (sw->nics[i] == from)
			continue;
		if (!group && hs_netvsp_owns(sw->nics[i], f))
			owned = true;
		hs_netvsp_receive(sw->nics[i], f, len);
	}
	if (!from)
		return;
	if (sw->mirror || group || !owned || !memcmp(f, sw->host_mac, 6))
		if (!hs_frameq_push(&sw->capture, f, len))
			sw->capture_dropped++;
}

/* ---- the host port, public API ----------------------------------------------------- */
void hs_vswitch_set_host_mac(struct hs_vswitch *sw, const uint8_t mac[6])
{
	pthread_mutex_lock(&sw->lock);
	memcpy(sw->host_mac, mac, 6);
	pthread_mutex_unlock(&sw->lock);
}

int hs_vswitch_inject(struct hs_vswitch *sw, const void *frame, uint32_t len)
{
	if (!frame || len < ETH_HLEN || len > ETH_MAX_FRAME)
		return -1;
	pthread_mutex_lock(&sw->lock);
	hs_vswitch_forward(sw, NULL, frame, len);
	pthread_mutex_unlock(&sw->lock);
	return 0;
}

int hs_vswitch_capture(struct hs_vswitch *sw, void *buf, uint32_t cap)
{
	int n;

	pthread_mutex_lock(&sw->lock);
	n = hs_frameq_pop(&sw->capture, buf, cap);
	pthread_mutex_unlock(&sw->lock);
	return n;
}

void hs_vswitch_mirror(struct hs_vswitch *sw, bool all)
{
	pthread_mutex_lock(&sw->lock);
	sw->mirror = all;
	pthread_mutex_unlock(&sw->lock);
}

uint64_t hs_vswitch_captured_dropped(struct hs_vswitch *sw)
{
	uint64_t n;

	pthread_mutex_lock(&sw->lock);
	n = sw->capture_dropped;
	pthread_mutex_unlock(&sw->lock);
	return n;
}
