// SPDX-License-Identifier: GPL-2.0
/*
 * The host's end of Hyper-V sockets (hv_sock), written from the notes
 * (docs/protocol-notes.md "hv_sock", fact sheet §2.4.1 and §2.4.7): a
 * connection is a pipe-mode channel the host offers, either after the
 * guest's TL_CONNECT_REQUEST for a service the test listens on, or on the
 * test's own hs_vsock_connect.  The offer says who connected: class = the
 * service (the listening side's port), instance = the connecting side's
 * endpoint, user-defined byte 4 non-zero when the host connected.  Bytes
 * travel in in-band packets behind a pipe header {type 1, size}; size 0 is
 * the sender's shutdown.
 *
 * Locking: v->lock guards the model and all its connections.  The
 * TL_CONNECT hook runs with hostsim's host lock held and takes v->lock
 * inside it; so nothing here calls a hostsim function that takes the host
 * lock (hs_device_add, hs_device_rescind) while holding v->lock.  Sending
 * and reading rings (ch->lock only) are done with v->lock held.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "model.h"

#define PIPE_DATA		1u	/* the pipe header's type for data */
#define PIPE_HDR		8u
#define FLAG_NAMED_PIPE		0x0010u
#define FLAG_TLNPI		0x2000u
#define UD_FROM_HOST		4	/* user-defined byte: the host connected */
#define MAX_PORTS		64u
#define DEFAULT_MTU		16384u
#define DEFAULT_RX_CAP		(1u << 20)

/* {00000000-facb-11e6-bd58-64006a7986d3} after Data1, wire order */
static const uint8_t svc_tail[12] = {
	0xcb, 0xfa, 0xe6, 0x11, 0xbd, 0x58, 0x64, 0x00, 0x6a, 0x79, 0x86, 0xd3,
};

struct hs_vsock_conn {
	struct hs_vsock_conn *next;
	struct hs_vsock *v;
	struct hs_device *dev;
	struct hs_channel *ch;
	bool accepted;			/* handed to the test by hs_vsock_accept */
	bool broken;			/* a bad guest packet: read no further */
	bool stalled;			/* rx_cap reached: packets left in the ring */
	bool rescind_asked;
	uint8_t *rx;			/* bytes [rx_off, rx_len) wait for the test */
	uint32_t rx_off, rx_len, rx_size;
	struct hs_sha256 rx_sha, tx_sha;
	struct hs_outq outq;
	struct hs_vsock_conn_stats st;
};

struct hs_vsock {
	struct hs_host *h;
	uint32_t mtu, rx_cap, pipe_mode;
	bool monitored;
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* CLOCK_MONOTONIC */
	uint32_t ports[MAX_PORTS];
	unsigned int nports;
	struct hs_vsock_conn *conns;
	struct hs_vsock_stats st;
};

void hs_vsock_service_id(uint32_t port, uint8_t guid[16])
{
	put32(guid, port);
	memcpy(guid + 4, svc_tail, sizeof(svc_tail));
}

/* a service id's port; false when it is not a vsock port's id */
static bool guid_port(const uint8_t guid[16], uint32_t *port)
{
	if (memcmp(guid + 4, svc_tail, sizeof(svc_tail)))
		return false;
	*port = le32(guid);
	return true;
}

static void conn_bad(struct hs_vsock_conn *c, const char *what, uint64_t detail)
{
	c->broken = true;
	c->st.protocol_errors++;
	c->v->st.protocol_errors++;
	hs_protocol_error(c->v->h, "vsock %u->%u: %s (%#llx)", c->st.guest_port, c->st.host_port,
			  what, (unsigned long long)detail);
}

static void rx_append(struct hs_vsock_conn *c, const uint8_t *p, uint32_t n)
{
	if (c->rx_off && c->rx_off == c->rx_len)
		c->rx_off = c->rx_len = 0;
	if (c->rx_len + n > c->rx_size && c->rx_off) {
		memmove(c->rx, c->rx + c->rx_off, c->rx_len - c->rx_off);
		c->rx_len -= c->rx_off;
		c->rx_off = 0;
	}
	if (c->rx_len + n > c->rx_size) {
		c->rx_size = c->rx_len + n > 2 * c->rx_size ? c->rx_len + n : 2 * c->rx_size;
		c->rx = realloc(c->rx, c->rx_size);
		if (!c->rx)
			abort();
	}
	memcpy(c->rx + c->rx_len, p, n);
	c->rx_len += n;
}

/* read the guest's packets while the test has room; v->lock held */
static void pull(struct hs_vsock_conn *c)
{
	struct hs_packet p;
	uint32_t size;
	int r;

	c->stalled = false;
	while (!c->broken && c->ch) {
		if (c->rx_len - c->rx_off >= c->v->rx_cap) {
			c->stalled = true;
			break;
		}
		r = hs_channel_recv(c->ch, &p);
		if (r == 0)
			break;
		if (r < 0) {
			conn_bad(c, "malformed ring packet", 0);
			break;
		}
		if (p.type != PKT_INBAND) {
			conn_bad(c, "packet type is not in-band", p.type);
			break;
		}
		if (p.payload_len < PIPE_HDR || le32(p.payload) != PIPE_DATA) {
			conn_bad(c, "no data pipe header", p.payload_len < 4 ? 0 : le32(p.payload));
			break;
		}
		size = le32(p.payload + 4);
		if (size > p.payload_len - PIPE_HDR) {
			conn_bad(c, "pipe size beyond the packet", size);
			break;
		}
		if (p.payload_len - PIPE_HDR - size >= 8) {
			conn_bad(c, "packet longer than its pipe size plus padding", p.payload_len);
			break;
		}
		if (c->st.guest_shutdown) {
			conn_bad(c, "packet after the guest's shutdown", size);
			break;
		}
		c->st.rx_packets++;
		if (!size) {
			c->st.guest_shutdown = true;
			continue;
		}
		if (size > c->st.max_rx_packet)
			c->st.max_rx_packet = size;
		c->st.rx_bytes += size;
		hs_sha256_update(&c->rx_sha, p.payload + PIPE_HDR, size);
		rx_append(c, p.payload + PIPE_HDR, size);
	}
	pthread_cond_broadcast(&c->v->cond);
}

/* ---- channel callbacks (vmbus thread, no hostsim lock held) --------------------------- */
static void vs_opened(struct hs_channel *ch, const uint8_t *user_data)
{
	struct hs_vsock_conn *c = hs_device_priv(hs_channel_device(ch));

	(void)user_data;
	pthread_mutex_lock(&c->v->lock);
	c->ch = ch;
	c->st.open = true;
	pthread_cond_broadcast(&c->v->cond);
	pthread_mutex_unlock(&c->v->lock);
}

static void vs_ready(struct hs_channel *ch)
{
	struct hs_vsock_conn *c = hs_device_priv(hs_channel_device(ch));

	pthread_mutex_lock(&c->v->lock);
	pull(c);
	pthread_mutex_unlock(&c->v->lock);
}

static void vs_writable(struct hs_channel *ch)
{
	struct hs_vsock_conn *c = hs_device_priv(hs_channel_device(ch));

	pthread_mutex_lock(&c->v->lock);
	if (c->st.open)
		hs_outq_flush(&c->outq, ch);
	pthread_cond_broadcast(&c->v->cond);
	pthread_mutex_unlock(&c->v->lock);
}

/* the guest closed the channel (or the rescind did): the connection is over
 * and the host takes the channel away, as after any closed connection */
static void vs_closed(struct hs_channel *ch)
{
	struct hs_vsock_conn *c = hs_device_priv(hs_channel_device(ch));
	bool rescind;

	pthread_mutex_lock(&c->v->lock);
	/* what the guest wrote before closing still counts */
	pull(c);
	c->st.open = false;
	c->st.closed = true;
	hs_outq_clear(&c->outq);
	rescind = !c->rescind_asked;
	c->rescind_asked = true;
	pthread_cond_broadcast(&c->v->cond);
	pthread_mutex_unlock(&c->v->lock);
	if (rescind)
		hs_device_rescind(hs_channel_device(ch));
}

static const struct hs_device_ops vs_ops = {
	.opened = vs_opened, .ready = vs_ready, .closed = vs_closed, .writable = vs_writable,
};

/* a connection and its offer; v->lock held */
static struct hs_vsock_conn *conn_new(struct hs_vsock *v, uint32_t guest_port,
				      uint32_t host_port, bool from_host, struct hs_offer *o)
{
	struct hs_vsock_conn *c = hs_zalloc(sizeof(*c));

	c->v = v;
	c->st.guest_port = guest_port;
	c->st.host_port = host_port;
	c->st.from_host = from_host;
	hs_sha256_init(&c->rx_sha);
	hs_sha256_init(&c->tx_sha);
	c->next = v->conns;
	v->conns = c;
	v->st.connections++;

	memset(o, 0, sizeof(*o));
	/* class: the listening side's port; instance: the connecting side's */
	hs_vsock_service_id(from_host ? guest_port : host_port, o->class_guid);
	hs_vsock_service_id(from_host ? host_port : guest_port, o->instance_guid);
	o->flags = FLAG_TLNPI | FLAG_NAMED_PIPE;
	put32(o->user_defined, v->pipe_mode);
	o->user_defined[UD_FROM_HOST] = from_host;
	o->monitor_allocated = v->monitored;
	return c;
}

static bool listening(const struct hs_vsock *v, uint32_t port)
{
	unsigned int i;

	for (i = 0; i < v->nports; i++)
		if (v->ports[i] == port)
			return true;
	return false;
}

/* TL_CONNECT_REQUEST (hostsim's host lock held) */
static bool vs_tl_connect(void *ctx, const uint8_t endpoint[16], const uint8_t service[16])
{
	struct hs_vsock *v = ctx;
	struct hs_vsock_conn *c;
	uint32_t port, guest_port;
	struct hs_offer o;
	bool ok = false;

	pthread_mutex_lock(&v->lock);
	v->st.connect_requests++;
	if (!guid_port(endpoint, &guest_port)) {
		v->st.protocol_errors++;
		hs_protocol_error(v->h, "vsock: TL_CONNECT_REQUEST endpoint is not a port's service id");
	} else if (guid_port(service, &port) && listening(v, port)) {
		c = conn_new(v, guest_port, port, false, &o);
		c->dev = hs_device_add_locked(v->h, &o, &vs_ops, c);
		ok = c->dev != NULL;
	}
	if (!ok)
		v->st.refused++;
	pthread_mutex_unlock(&v->lock);
	return ok;
}

static void vs_release(void *ctx)
{
	struct hs_vsock *v = ctx;
	struct hs_vsock_conn *c, *n;

	for (c = v->conns; c; c = n) {
		n = c->next;
		hs_outq_clear(&c->outq);
		free(c->rx);
		free(c);
	}
	pthread_cond_destroy(&v->cond);
	pthread_mutex_destroy(&v->lock);
	free(v);
}

/* ---- the test's side ----------------------------------------------------------------- */
static bool wait_until(struct hs_vsock *v, uint64_t deadline)
{
	struct timespec ts;

	if (hs_now_ms() >= deadline)
		return false;
	ts.tv_sec = (time_t)(deadline / 1000);
	ts.tv_nsec = (long)(deadline % 1000) * 1000000;
	pthread_cond_timedwait(&v->cond, &v->lock, &ts);
	return true;
}

struct hs_vsock *hs_vsock_add(struct hs_host *h, const struct hs_vsock_config *cfg)
{
	pthread_condattr_t ca;
	struct hs_vsock *v;

	if (!h || !cfg)
		return NULL;
	v = hs_zalloc(sizeof(*v));
	v->h = h;
	v->mtu = cfg->mtu ? cfg->mtu : DEFAULT_MTU;
	v->rx_cap = cfg->rx_cap ? cfg->rx_cap : DEFAULT_RX_CAP;
	v->pipe_mode = cfg->pipe_mode;
	v->monitored = cfg->monitored;
	pthread_mutex_init(&v->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&v->cond, &ca);
	pthread_condattr_destroy(&ca);
	hs_lock(h);
	if (h->tl_connect) {
		hs_unlock(h);
		vs_release(v);
		return NULL;
	}
	h->tl_connect = vs_tl_connect;
	h->tl_release = vs_release;
	h->tl_ctx = v;
	hs_unlock(h);
	return v;
}

int hs_vsock_listen(struct hs_vsock *v, uint32_t port)
{
	int rc = 0;

	pthread_mutex_lock(&v->lock);
	if (!listening(v, port)) {
		if (v->nports < MAX_PORTS)
			v->ports[v->nports++] = port;
		else
			rc = -ENOSPC;
	}
	pthread_mutex_unlock(&v->lock);
	return rc;
}

struct hs_vsock_conn *hs_vsock_accept(struct hs_vsock *v, uint32_t port, unsigned int timeout_ms)
{
	uint64_t deadline = hs_now_ms() + timeout_ms;
	struct hs_vsock_conn *c, *found;

	pthread_mutex_lock(&v->lock);
	do {
		found = NULL;
		/* the list is newest first: the last match is the oldest */
		for (c = v->conns; c; c = c->next)
			if (!c->st.from_host && !c->accepted && c->st.host_port == port &&
			    c->st.open)
				found = c;
		if (found) {
			found->accepted = true;
			break;
		}
	} while (wait_until(v, deadline));
	pthread_mutex_unlock(&v->lock);
	return found;
}

struct hs_vsock_conn *hs_vsock_connect(struct hs_vsock *v, uint32_t guest_port,
				       uint32_t host_port, unsigned int timeout_ms)
{
	uint64_t deadline = hs_now_ms() + timeout_ms;
	struct hs_vsock_conn *c;
	struct hs_device *dev;
	struct hs_offer o;

	pthread_mutex_lock(&v->lock);
	c = conn_new(v, guest_port, host_port, true, &o);
	c->accepted = true;
	pthread_mutex_unlock(&v->lock);
	dev = hs_device_add(v->h, &o, &vs_ops, c);
	pthread_mutex_lock(&v->lock);
	c->dev = dev;
	while (dev && !c->st.open && !c->st.closed && wait_until(v, deadline))
		;
	if (dev && c->st.open) {
		pthread_mutex_unlock(&v->lock);
		return c;
	}
	c->rescind_asked = true;
	pthread_mutex_unlock(&v->lock);
	if (dev)
		hs_device_rescind(dev);
	return NULL;
}

int hs_vsock_send(struct hs_vsock_conn *c, const void *data, uint32_t len)
{
	const uint8_t *p = data;
	uint8_t *buf;
	uint32_t n;
	int rc = 0;

	pthread_mutex_lock(&c->v->lock);
	if (!c->st.open)
		rc = -ENOTCONN;
	else if (c->st.host_shutdown)
		rc = -EPIPE;
	buf = rc ? NULL : malloc(PIPE_HDR + (len < c->v->mtu ? len : c->v->mtu));
	while (!rc && len) {
		if (!buf)
			abort();
		n = len < c->v->mtu ? len : c->v->mtu;
		put32(buf, PIPE_DATA);
		put32(buf + 4, n);
		memcpy(buf + PIPE_HDR, p, n);
		hs_outq_send(&c->outq, c->ch, PKT_INBAND, 0, 0, NULL, 0, buf, PIPE_HDR + n);
		hs_sha256_update(&c->tx_sha, p, n);
		c->st.tx_packets++;
		c->st.tx_bytes += n;
		p += n;
		len -= n;
	}
	free(buf);
	pthread_mutex_unlock(&c->v->lock);
	return rc;
}

int hs_vsock_recv(struct hs_vsock_conn *c, void *buf, uint32_t cap, unsigned int timeout_ms)
{
	uint64_t deadline = hs_now_ms() + timeout_ms;
	uint32_t n;
	int rc;

	pthread_mutex_lock(&c->v->lock);
	while (c->rx_len == c->rx_off && !c->st.guest_shutdown && !c->st.closed &&
	       !c->broken && wait_until(c->v, deadline))
		;
	n = c->rx_len - c->rx_off;
	if (n) {
		if (n > cap)
			n = cap;
		memcpy(buf, c->rx + c->rx_off, n);
		c->rx_off += n;
		if (c->stalled)
			pull(c);
		rc = (int)n;
	} else if (c->st.guest_shutdown) {
		rc = 0;
	} else if (c->st.closed || c->broken) {
		rc = -ENOTCONN;
	} else {
		rc = -ETIMEDOUT;
	}
	pthread_mutex_unlock(&c->v->lock);
	return rc;
}

int hs_vsock_shutdown(struct hs_vsock_conn *c)
{
	uint8_t hdr[PIPE_HDR];
	int rc = 0;

	pthread_mutex_lock(&c->v->lock);
	if (!c->st.open) {
		rc = -ENOTCONN;
	} else if (!c->st.host_shutdown) {
		put32(hdr, PIPE_DATA);
		put32(hdr + 4, 0);
		hs_outq_send(&c->outq, c->ch, PKT_INBAND, 0, 0, NULL, 0, hdr, PIPE_HDR);
		c->st.host_shutdown = true;
		c->st.tx_packets++;
	}
	pthread_mutex_unlock(&c->v->lock);
	return rc;
}

int hs_vsock_close(struct hs_vsock_conn *c)
{
	bool rescind;

	hs_vsock_shutdown(c);
	pthread_mutex_lock(&c->v->lock);
	rescind = !c->rescind_asked && c->dev;
	c->rescind_asked = true;
	pthread_mutex_unlock(&c->v->lock);
	return rescind ? hs_device_rescind(c->dev) : 0;
}

int hs_vsock_wait_closed(struct hs_vsock_conn *c, unsigned int timeout_ms)
{
	uint64_t deadline = hs_now_ms() + timeout_ms;
	int rc;

	pthread_mutex_lock(&c->v->lock);
	while (!c->st.closed && wait_until(c->v, deadline))
		;
	rc = c->st.closed ? 0 : -ETIMEDOUT;
	pthread_mutex_unlock(&c->v->lock);
	return rc;
}

int hs_vsock_wait_sent(struct hs_vsock_conn *c, unsigned int timeout_ms)
{
	uint64_t deadline = hs_now_ms() + timeout_ms;
	int rc;

	pthread_mutex_lock(&c->v->lock);
	while (c->outq.n && !c->st.closed && wait_until(c->v, deadline))
		;
	rc = c->outq.n ? -ETIMEDOUT : 0;
	pthread_mutex_unlock(&c->v->lock);
	return rc;
}

void hs_vsock_conn_stats(struct hs_vsock_conn *c, struct hs_vsock_conn_stats *st)
{
	struct hs_sha256 s;

	pthread_mutex_lock(&c->v->lock);
	*st = c->st;
	s = c->rx_sha;
	hs_sha256_final(&s, st->rx_sha256);
	s = c->tx_sha;
	hs_sha256_final(&s, st->tx_sha256);
	pthread_mutex_unlock(&c->v->lock);
}

void hs_vsock_stats(struct hs_vsock *v, struct hs_vsock_stats *st)
{
	pthread_mutex_lock(&v->lock);
	*st = v->st;
	pthread_mutex_unlock(&v->lock);
}
