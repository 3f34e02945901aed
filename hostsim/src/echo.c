// SPDX-License-Identifier: GPL-2.0
/*
 * A generic device for userspace drivers (uio_hv_generic): one channel of
 * any class; each in-band packet the guest writes comes back as an in-band
 * packet with the same transaction id and the payload XORed with a byte the
 * test chooses.  Nothing but the ring format (§3.2) is involved, which is
 * all a uio user shares with the host.  One mutex guards the model; it is
 * held while reading and sending (ring lock only).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "model.h"

struct hs_echo {
	struct hs_host *h;
	struct hs_device *dev;
	uint8_t xor;
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* CLOCK_MONOTONIC */
	struct hs_channel *ch;
	uint8_t *buf;
	uint32_t cap;
	struct hs_echo_stats st;
};

static void echo_opened(struct hs_channel *ch, const uint8_t *user_data)
{
	struct hs_echo *e = hs_device_priv(hs_channel_device(ch));

	(void)user_data;
	pthread_mutex_lock(&e->lock);
	e->ch = ch;
	e->st.open = true;
	e->st.opens++;
	pthread_cond_broadcast(&e->cond);
	pthread_mutex_unlock(&e->lock);
}

static void echo_closed(struct hs_channel *ch)
{
	struct hs_echo *e = hs_device_priv(hs_channel_device(ch));

	pthread_mutex_lock(&e->lock);
	e->st.open = false;
	pthread_cond_broadcast(&e->cond);
	pthread_mutex_unlock(&e->lock);
}

static void echo_ready(struct hs_channel *ch)
{
	struct hs_echo *e = hs_device_priv(hs_channel_device(ch));
	struct hs_packet p;
	uint32_t i;
	int r;

	pthread_mutex_lock(&e->lock);
	while ((r = hs_channel_recv(ch, &p)) != 0) {
		if (r < 0) {
			/* hostsim counted it and reads this ring no more */
			e->st.protocol_errors++;
			break;
		}
		if (p.type != PKT_INBAND) {
			e->st.protocol_errors++;
			hs_protocol_error(e->h, "echo: packet type %u, not in-band", p.type);
			continue;
		}
		e->st.packets_in++;
		e->st.bytes_in += p.payload_len;
		e->st.last_trans_id = p.trans_id;
		e->st.last_len = p.payload_len;
		memcpy(e->st.last, p.payload,
		       p.payload_len < sizeof(e->st.last) ? p.payload_len : sizeof(e->st.last));
		if (p.payload_len > e->cap) {
			e->cap = p.payload_len;
			e->buf = realloc(e->buf, e->cap);
			if (!e->buf)
				abort();
		}
		for (i = 0; i < p.payload_len; i++)
			e->buf[i] = p.payload[i] ^ e->xor;
		if (hs_channel_send(ch, PKT_INBAND, 0, p.trans_id, e->buf, p.payload_len))
			e->st.echo_full++;
		else
			e->st.packets_out++;
	}
	pthread_cond_broadcast(&e->cond);
	pthread_mutex_unlock(&e->lock);
}

static void echo_release(struct hs_device *dev)
{
	struct hs_echo *e = hs_device_priv(dev);

	pthread_cond_destroy(&e->cond);
	pthread_mutex_destroy(&e->lock);
	free(e->buf);
	free(e);
}

static const struct hs_device_ops echo_ops = {
	.opened = echo_opened, .ready = echo_ready, .closed = echo_closed,
	.release = echo_release,
};

struct hs_echo *hs_echo_add(struct hs_host *h, const struct hs_echo_config *cfg)
{
	static const uint8_t zero[16];
	pthread_condattr_t ca;
	struct hs_echo *e;
	struct hs_offer o;

	if (!h || !cfg)
		return NULL;
	e = hs_zalloc(sizeof(*e));
	e->h = h;
	e->xor = cfg->xor;
	pthread_mutex_init(&e->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&e->cond, &ca);
	pthread_condattr_destroy(&ca);
	memset(&o, 0, sizeof(o));
	memcpy(o.class_guid, cfg->class_guid, 16);
	if (memcmp(cfg->instance_guid, zero, 16))
		memcpy(o.instance_guid, cfg->instance_guid, 16);
	else
		hs_make_guid(o.instance_guid, (uint64_t)(uintptr_t)e ^ 0xec40ull);
	o.monitor_allocated = cfg->monitored;
	e->dev = hs_device_add(h, &o, &echo_ops, e);
	if (!e->dev) {
		pthread_cond_destroy(&e->cond);
		pthread_mutex_destroy(&e->lock);
		free(e);
		return NULL;
	}
	return e;
}

struct hs_device *hs_echo_device(struct hs_echo *e)
{
	return e->dev;
}

int hs_echo_send(struct hs_echo *e, uint64_t trans_id, const void *data, uint32_t len)
{
	int rc = 0;

	pthread_mutex_lock(&e->lock);
	if (!e->st.open)
		rc = -ENOTCONN;
	else if (hs_channel_send(e->ch, PKT_INBAND, 0, trans_id, data, len))
		rc = -EAGAIN;
	else
		e->st.packets_out++;
	pthread_mutex_unlock(&e->lock);
	return rc;
}

int hs_echo_wait_open(struct hs_echo *e, unsigned int timeout_ms)
{
	uint64_t deadline = hs_now_ms() + timeout_ms;
	struct timespec ts;
	int rc;

	ts.tv_sec = (time_t)(deadline / 1000);
	ts.tv_nsec = (long)(deadline % 1000) * 1000000;
	pthread_mutex_lock(&e->lock);
	while (!e->st.open && pthread_cond_timedwait(&e->cond, &e->lock, &ts) != ETIMEDOUT)
		;
	rc = e->st.open ? 0 : -ETIMEDOUT;
	pthread_mutex_unlock(&e->lock);
	return rc;
}

void hs_echo_stats(struct hs_echo *e, struct hs_echo_stats *st)
{
	pthread_mutex_lock(&e->lock);
	*st = e->st;
	pthread_mutex_unlock(&e->lock);
}
