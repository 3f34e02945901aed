// SPDX-License-Identifier: GPL-2.0
/*
 * The hv_sock endpoint and the echo device (uio) against a raw guest: the
 * TL_CONNECT_REQUEST, the offer's GUIDs, flags and from-host byte, bytes
 * both ways in pipe packets with checksums, shutdowns, refusal, the host
 * connecting, flow control, close and rescind, malformed guest packets; the
 * echo device's answers.  Offsets from docs/protocol-notes.md "hv_sock" and
 * the fact sheet (§2.4.1 offer, §2.4.7 TL_CONNECT, §3.2 packets).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models.h"

#define WAIT		5000u
#define OFFER_FLAGS	56
#define TL_ENDPOINT	8
#define TL_SERVICE	24
#define TL_STATUS	40
#define HOST_PORT	5000u
#define GUEST_PORT	0x1234u

static void svc(uint32_t port, uint8_t g[16])
{
	static const uint8_t tail[12] = { 0xcb, 0xfa, 0xe6, 0x11, 0xbd, 0x58,
					  0x64, 0x00, 0x6a, 0x79, 0x86, 0xd3 };

	wr32(g, port);
	memcpy(g + 4, tail, 12);
}

static int host(struct guest *g, const struct hs_vsock_config *cfg, struct hs_vsock **v)
{
	static const struct hs_config hc = { .nr_vps = G_VPS };

	if (g_setup(g, &hc))
		return -1;
	*v = hs_vsock_add(g->h, cfg);
	REQUIRE_RC(*v, "hs_vsock_add");
	REQUIRE_RC(!hs_vsock_add(g->h, cfg), "a second endpoint on one host");
	return 0;
}

static int tl_connect(struct guest *g, uint32_t guest_port, uint32_t host_port)
{
	uint8_t m[40] = { 0 };

	wr32(m, M_TL_CONNECT);
	svc(guest_port, m + TL_ENDPOINT);
	svc(host_port, m + TL_SERVICE);
	REQUIRE_RC(g_post(g, g->msg_vp, g->msg_conn, m, sizeof(m)) == 0, "post TL_CONNECT");
	return 0;
}

/* the connection's offer: class `cls_port`, instance `inst_port` */
static int expect_offer(struct guest *g, uint8_t *o, uint32_t cls_port, uint32_t inst_port,
			bool from_host)
{
	uint8_t got[1][240], want[16];

	REQUIRE_RC(m_collect_offers(g, got, 1, 1, WAIT) == 1, "no offer for the connection");
	memcpy(o, got[0], 240);
	svc(cls_port, want);
	REQUIRE_RC(!memcmp(o + OFFER_CLASS, want, 16), "class is not port %#x's service id",
		   cls_port);
	svc(inst_port, want);
	REQUIRE_RC(!memcmp(o + OFFER_INSTANCE, want, 16), "instance is not port %#x's service id",
		   inst_port);
	REQUIRE_RC(rd16(o + OFFER_FLAGS) == 0x2010, "ChannelFlags %#x, want 0x2010",
		   rd16(o + OFFER_FLAGS));
	REQUIRE_RC(o[OFFER_USER + 4] == from_host, "from-host byte %u", o[OFFER_USER + 4]);
	return 0;
}

/* one pipe packet from the guest */
static int pipe_send(struct guest *g, struct gchan *c, uint32_t type, uint32_t size,
		     const void *data, uint32_t len)
{
	uint8_t *b = calloc(1, 8 + len);
	int rc;

	wr32(b, type);
	wr32(b + 4, size);
	if (len)
		memcpy(b + 8, data, len);
	rc = m_send(g, c, 6, 0, 0, NULL, 0, b, 8 + len);
	free(b);
	return rc;
}

/* the same, waiting (5 s) while the ring is full */
static int pipe_send_wait(struct guest *g, struct gchan *c, uint32_t size, const void *data)
{
	uint64_t end = m_now_ms() + WAIT;

	while (pipe_send(g, c, 1, size, data, size)) {
		if (m_now_ms() >= end)
			return -1;
		g_sleep_us(200);
	}
	return 0;
}

/* the host's bytes into buf until its shutdown packet (or `want` bytes with
 * no shutdown expected); total, or -1 */
static int pipe_recv_all(struct guest *g, struct gchan *c, uint8_t *buf, uint32_t want,
			 bool until_shutdown, uint32_t *max_packet)
{
	static uint8_t pkt[20000];
	uint32_t got = 0, size, off;
	int n;

	*max_packet = 0;
	while (until_shutdown || got < want) {
		n = m_recv(g, c, pkt, sizeof(pkt), WAIT);
		REQUIRE_RC(n >= 24, "no packet after %u bytes", got);
		REQUIRE_RC(rd16(pkt) == 6, "packet type %u", rd16(pkt));
		off = rd16(pkt + 2) * 8u;
		REQUIRE_RC(rd32(pkt + off) == 1, "pipe type %u", rd32(pkt + off));
		size = rd32(pkt + off + 4);
		REQUIRE_RC(off + 8 + size <= (uint32_t)n && (uint32_t)n - off - 8 - size < 8,
			   "pipe size %u in a %d-byte packet", size, n);
		if (!size)
			break;
		REQUIRE_RC(got + size <= want, "more bytes than sent");
		memcpy(buf + got, pkt + off + 8, size);
		got += size;
		if (size > *max_packet)
			*max_packet = size;
	}
	return (int)got;
}

static void fill(uint8_t *b, uint32_t n, uint32_t seed)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)m_rand(&seed);
}

static struct hs_vsock_conn_stats cstats(struct hs_vsock_conn *c)
{
	struct hs_vsock_conn_stats st;

	hs_vsock_conn_stats(c, &st);
	return st;
}

static struct hs_vsock_stats vstats(struct hs_vsock *v)
{
	struct hs_vsock_stats st;

	hs_vsock_stats(v, &st);
	return st;
}

/* guest connects; host listening: the offer, then the channel opened */
static int guest_conn(struct guest *g, struct hs_vsock *v, struct gchan *c, uint32_t gport,
		      struct hs_vsock_conn **hc)
{
	uint8_t o[240];

	if (tl_connect(g, gport, HOST_PORT) || expect_offer(g, o, HOST_PORT, gport, false) ||
	    m_open(g, c, o, 8))
		return -1;
	*hc = hs_vsock_accept(v, HOST_PORT, WAIT);
	REQUIRE_RC(*hc, "hs_vsock_accept: nothing");
	REQUIRE_RC(cstats(*hc).guest_port == gport && cstats(*hc).host_port == HOST_PORT &&
		   !cstats(*hc).from_host, "ports %#x -> %u", cstats(*hc).guest_port,
		   cstats(*hc).host_port);
	return 0;
}

static void vsock_guest_connect_data_both_ways(struct guest *g)
{
	static uint8_t out[30000], in[30000], back[30000];
	struct hs_vsock_conn_stats st;
	struct hs_vsock_conn *hc;
	struct hs_vsock *v;
	struct gchan c;
	uint32_t off, n, maxp;
	uint8_t o[8][240];
	int r;

	if (host(g, &(struct hs_vsock_config){ .pipe_mode = 4 }, &v))
		return;
	REQUIRE(m_connect(g, o, 8) == 0, "offers before any connection");
	REQUIRE(hs_vsock_listen(v, HOST_PORT) == 0, "listen");
	if (guest_conn(g, v, &c, GUEST_PORT, &hc))
		return;
	/* guest -> host: 30000 bytes in packets of at most 4088 */
	fill(out, sizeof(out), 7);
	for (off = 0; off < sizeof(out); off += n) {
		n = sizeof(out) - off < 4088 ? sizeof(out) - off : 4088;
		REQUIRE(!pipe_send_wait(g, &c, n, out + off), "guest send at %u", off);
	}
	REQUIRE(!pipe_send(g, &c, 1, 0, NULL, 0), "guest shutdown");
	for (off = 0; (r = hs_vsock_recv(hc, in + off, sizeof(in) - off, WAIT)) > 0; off += (uint32_t)r)
		;
	REQUIRE(r == 0, "hs_vsock_recv ended with %d, not end of stream", r);
	REQUIRE(off == sizeof(out) && !memcmp(in, out, sizeof(out)), "host got %u bytes, or others",
		off);
	st = cstats(hc);
	REQUIRE(st.guest_shutdown && st.rx_bytes == sizeof(out) && st.rx_packets == 9 &&
		st.max_rx_packet == 4088, "rx stats: shutdown %d, %llu bytes, %llu packets, max %u",
		st.guest_shutdown, (unsigned long long)st.rx_bytes,
		(unsigned long long)st.rx_packets, st.max_rx_packet);
	/* host -> guest: the same bytes back, packets of at most 16 KiB, then
	 * its shutdown; the two checksums agree */
	REQUIRE(hs_vsock_send(hc, in, sizeof(in)) == 0, "hs_vsock_send");
	REQUIRE(hs_vsock_shutdown(hc) == 0, "hs_vsock_shutdown");
	REQUIRE(hs_vsock_send(hc, in, 1) == -EPIPE, "send after shutdown accepted");
	r = pipe_recv_all(g, &c, back, sizeof(back), true, &maxp);
	REQUIRE(r == (int)sizeof(out) && !memcmp(back, out, sizeof(out)), "guest got %d bytes, or others", r);
	REQUIRE(maxp == 16384, "largest host packet %u bytes, want 16384", maxp);
	REQUIRE(hs_vsock_wait_sent(hc, WAIT) == 0, "host queue not drained");
	st = cstats(hc);
	REQUIRE(st.tx_bytes == sizeof(out) && st.host_shutdown &&
		!memcmp(st.tx_sha256, st.rx_sha256, 32), "tx stats or checksums");
	REQUIRE(vstats(v).connect_requests == 1 && vstats(v).connections == 1 &&
		!vstats(v).refused && !vstats(v).protocol_errors, "endpoint stats");
}

static void vsock_refused_without_listener(struct guest *g)
{
	uint8_t o[8][240], m[256], want[16];
	struct hs_vsock *v;
	int n;

	if (host(g, &(struct hs_vsock_config){ 0 }, &v))
		return;
	REQUIRE(m_connect(g, o, 8) == 0, "offers");
	REQUIRE(hs_vsock_listen(v, HOST_PORT) == 0, "listen");
	if (tl_connect(g, GUEST_PORT, 6000))
		return;
	n = g_expect(g, M_TL_RESULT, m, WAIT);
	REQUIRE(n >= 44, "no TL_CONNECT_RESULT (%d): %s", n, g->why);
	svc(GUEST_PORT, want);
	REQUIRE(!memcmp(m + TL_ENDPOINT, want, 16), "result's endpoint");
	svc(6000, want);
	REQUIRE(!memcmp(m + TL_SERVICE, want, 16), "result's service");
	REQUIRE(rd32(m + TL_STATUS) == 0xC0000236u, "status %#x", rd32(m + TL_STATUS));
	REQUIRE(g_quiet(g, g->msg_vp, 200), "an offer after a refusal");
	REQUIRE(vstats(v).refused == 1 && vstats(v).connections == 0, "stats");
	/* an endpoint that is not a port's service id is the guest's mistake */
	wr32(m, M_TL_CONNECT);
	memset(m + TL_ENDPOINT, 0x11, 16);
	svc(HOST_PORT, m + TL_SERVICE);
	REQUIRE(g_post(g, g->msg_vp, g->msg_conn, m, 40) == 0, "post");
	REQUIRE(g_expect(g, M_TL_RESULT, m, WAIT) >= 44, "no refusal for a bad endpoint");
	REQUIRE(vstats(v).protocol_errors == 1, "bad endpoint not counted");
}

static const uint8_t hello_sha[32] = {
	0x2c, 0xf2, 0x4d, 0xba, 0x5f, 0xb0, 0xa3, 0x0e, 0x26, 0xe8, 0x3b, 0x2a, 0xc5, 0xb9, 0xe2, 0x9e,
	0x1b, 0x16, 0x1e, 0x5c, 0x1f, 0xa7, 0x42, 0x5e, 0x73, 0x04, 0x33, 0x62, 0x93, 0x8b, 0x98, 0x24,
};

struct connector {
	struct hs_vsock *v;
	struct hs_vsock_conn *c;
};

static void *connector(void *arg)
{
	struct connector *k = arg;

	k->c = hs_vsock_connect(k->v, 7000, 0x40000001u, WAIT);
	return NULL;
}

static void vsock_host_connects(struct guest *g)
{
	struct connector k = { 0 };
	uint8_t o[8][240], one[240], buf[64];
	struct hs_vsock *v;
	struct gchan c;
	pthread_t t;
	int r;

	if (host(g, &(struct hs_vsock_config){ 0 }, &v))
		return;
	REQUIRE(m_connect(g, o, 8) == 0, "offers");
	k.v = v;
	REQUIRE(!pthread_create(&t, NULL, connector, &k), "thread");
	r = expect_offer(g, one, 7000, 0x40000001u, true);
	if (!r)
		r = m_open(g, &c, one, 6);
	pthread_join(t, NULL);
	if (r)
		return;
	REQUIRE(k.c && cstats(k.c).from_host && cstats(k.c).open, "hs_vsock_connect: %p", (void *)k.c);
	REQUIRE(!pipe_send(g, &c, 1, 5, "hello", 5), "guest send");
	r = hs_vsock_recv(k.c, buf, sizeof(buf), WAIT);
	REQUIRE(r == 5 && !memcmp(buf, "hello", 5), "host got %d bytes", r);
	REQUIRE(hs_vsock_recv(k.c, buf, sizeof(buf), 100) == -ETIMEDOUT, "more than was sent");
	/* SHA-256("hello"), a known answer */
	REQUIRE(!memcmp(cstats(k.c).rx_sha256, hello_sha, 32), "rx_sha256 of \"hello\"");
}

static void vsock_host_connect_times_out(struct guest *g)
{
	uint8_t o[8][240], m[256];
	struct hs_vsock *v;
	int n;

	if (host(g, &(struct hs_vsock_config){ 0 }, &v))
		return;
	REQUIRE(m_connect(g, o, 8) == 0, "offers");
	REQUIRE(!hs_vsock_connect(v, 7000, 0x40000002u, 300), "connected without an open");
	/* the offer, then its rescind */
	REQUIRE(g_expect(g, M_OFFER, m, WAIT) > 0, "no offer");
	n = g_expect(g, M_RESCIND, m, WAIT);
	REQUIRE(n >= 12, "no rescind after the timeout: %s", g->why);
}

static void vsock_guest_close_rescinds(struct guest *g)
{
	struct hs_vsock_conn *hc;
	struct hs_vsock *v;
	uint8_t o[8][240], m[256], buf[16];
	struct gchan c;
	int n;

	if (host(g, &(struct hs_vsock_config){ 0 }, &v))
		return;
	REQUIRE(m_connect(g, o, 8) == 0, "offers");
	REQUIRE(hs_vsock_listen(v, HOST_PORT) == 0, "listen");
	if (guest_conn(g, v, &c, GUEST_PORT, &hc))
		return;
	REQUIRE(!pipe_send(g, &c, 1, 3, "abc", 3), "send");
	REQUIRE(hs_vsock_recv(hc, buf, 2, WAIT) == 2, "bytes lost");
	/* CLOSECHANNEL (the ring's GPADL stays until the rescind) */
	memset(m, 0, 12);
	wr32(m, M_CLOSE);
	wr32(m + 8, c.relid);
	REQUIRE(g_post(g, g->msg_vp, g->msg_conn, m, 12) == 0, "post CLOSECHANNEL");
	REQUIRE(hs_vsock_wait_closed(hc, WAIT) == 0, "host did not see the close");
	n = g_expect(g, M_RESCIND, m, WAIT);
	REQUIRE(n >= 12 && rd32(m + 8) == c.relid, "no rescind of relid %u: %s", c.relid, g->why);
	memset(m, 0, 12);
	wr32(m, M_RELID_RELEASED);
	wr32(m + 8, c.relid);
	REQUIRE(g_post(g, g->msg_vp, g->msg_conn, m, 12) == 0, "post RELID_RELEASED");
	/* what the test did not read yet is still there, then the connection is over */
	REQUIRE(hs_vsock_recv(hc, buf, sizeof(buf), WAIT) == 1, "the last byte lost");
	REQUIRE(hs_vsock_recv(hc, buf, sizeof(buf), 100) == -ENOTCONN, "not closed");
	REQUIRE(hs_vsock_send(hc, "x", 1) == -ENOTCONN, "send on a closed connection");
	/* a second connection from the same guest port works */
	if (guest_conn(g, v, &c, GUEST_PORT, &hc))
		return;
	REQUIRE(vstats(v).connections == 2, "%llu connections",
		(unsigned long long)vstats(v).connections);
}

static void vsock_flow_control(struct guest *g)
{
	static uint8_t out[40000], in[40000];
	struct hs_vsock_conn *hc;
	struct hs_vsock *v;
	uint8_t o[8][240];
	struct gchan c;
	uint32_t sent = 0, got = 0;
	int r;

	if (host(g, &(struct hs_vsock_config){ .rx_cap = 4096 }, &v))
		return;
	REQUIRE(m_connect(g, o, 8) == 0, "offers");
	REQUIRE(hs_vsock_listen(v, HOST_PORT) == 0, "listen");
	if (guest_conn(g, v, &c, GUEST_PORT, &hc))
		return;
	fill(out, sizeof(out), 3);
	/* the host stops reading at 4 KiB: the 28 KiB ring fills */
	while (sent < sizeof(out) && !pipe_send(g, &c, 1, 2000, out + sent, 2000))
		sent += 2000;
	REQUIRE(sent < sizeof(out), "the ring never filled: the host read past rx_cap");
	g_sleep_ms(50);
	REQUIRE(cstats(hc).rx_bytes <= 4096 + 2000, "host read %llu bytes past its cap",
		(unsigned long long)cstats(hc).rx_bytes);
	/* the test reads: the host reads the ring again and the guest sends the rest */
	while (got < sizeof(out)) {
		r = hs_vsock_recv(hc, in + got, sizeof(in) - got, 50);
		if (r > 0)
			got += (uint32_t)r;
		else
			REQUIRE(r == -ETIMEDOUT, "recv %d", r);
		while (sent < sizeof(out) && !pipe_send(g, &c, 1, 2000, out + sent, 2000))
			sent += 2000;
		REQUIRE(r > 0 || got < sent, "stalled at %u of %u", got, sent);
	}
	REQUIRE(!memcmp(in, out, sizeof(out)), "bytes differ");
}

static void vsock_malformed_guest_packets(struct guest *g)
{
	static const struct {
		const char *what;
		uint32_t type, size, len;
	} bad[] = {
		{ "pipe type 2", 2, 4, 4 },
		{ "size past the packet", 1, 100, 8 },
		{ "packet longer than size + padding", 1, 4, 16 },
	};
	struct hs_vsock_conn *hc;
	struct hs_vsock *v;
	uint8_t o[8][240], buf[32] = { 0 };
	struct gchan c;
	unsigned int i;

	if (host(g, &(struct hs_vsock_config){ 0 }, &v))
		return;
	REQUIRE(m_connect(g, o, 8) == 0, "offers");
	REQUIRE(hs_vsock_listen(v, HOST_PORT) == 0, "listen");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (guest_conn(g, v, &c, GUEST_PORT + i, &hc))
			return;
		REQUIRE(!pipe_send(g, &c, bad[i].type, bad[i].size, buf, bad[i].len), "send");
		REQUIRE(hs_vsock_recv(hc, buf, sizeof(buf), WAIT) == -ENOTCONN,
			"%s: the connection still reads", bad[i].what);
		REQUIRE(cstats(hc).protocol_errors == 1, "%s: not counted", bad[i].what);
	}
	/* data after the guest's own shutdown */
	if (guest_conn(g, v, &c, GUEST_PORT + 10, &hc))
		return;
	REQUIRE(!pipe_send(g, &c, 1, 0, NULL, 0) && !pipe_send(g, &c, 1, 2, "hi", 2), "send");
	for (i = 0; i < WAIT && !cstats(hc).protocol_errors; i++)
		g_sleep_ms(1);
	REQUIRE(cstats(hc).protocol_errors == 1, "data after shutdown not counted");
	/* not in-band */
	if (guest_conn(g, v, &c, GUEST_PORT + 11, &hc))
		return;
	REQUIRE(!m_send(g, &c, 11, 0, 0, NULL, 0, buf, 16), "send");
	for (i = 0; i < WAIT && !cstats(hc).protocol_errors; i++)
		g_sleep_ms(1);
	REQUIRE(cstats(hc).protocol_errors == 1, "a completion packet not counted");
	REQUIRE(vstats(v).protocol_errors == 5, "%llu errors in all",
		(unsigned long long)vstats(v).protocol_errors);
}

/* ---- the echo device ---- */
static const uint8_t echo_class[16] = { 0x44, 0x33, 0x22, 0x11, 0x66, 0x55, 0x88, 0x77,
					0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01 };

static void echo_answers_xored(struct guest *g)
{
	static const struct hs_config hc = { .nr_vps = G_VPS };
	struct hs_echo_config cfg = { .xor = 0x5a };
	uint8_t o[8][240], pkt[512], data[100];
	struct hs_echo_stats st;
	struct hs_echo *e;
	struct gchan c;
	uint32_t off, i;
	int n;

	if (g_setup(g, &hc))
		return;
	memcpy(cfg.class_guid, echo_class, 16);
	e = hs_echo_add(g->h, &cfg);
	REQUIRE(e, "hs_echo_add");
	n = m_connect(g, o, 8);
	REQUIRE(n == 1 && m_find_offer(o, n, echo_class, NULL, 0) == 0, "the echo offer");
	REQUIRE(hs_echo_send(e, 1, "x", 1) == -ENOTCONN, "send before open");
	REQUIRE(!m_open(g, &c, o[0], 4), "open");
	REQUIRE(hs_echo_wait_open(e, WAIT) == 0, "host did not see the open");
	fill(data, sizeof(data), 5);
	REQUIRE(!m_send(g, &c, 6, 0, 77, NULL, 0, data, sizeof(data)), "send");
	n = m_recv(g, &c, pkt, sizeof(pkt), WAIT);
	REQUIRE(n == 16 + 104, "answer of %d bytes", n);	/* padded to 8 */
	off = rd16(pkt + 2) * 8u;
	REQUIRE(rd16(pkt) == 6 && rd64(pkt + 8) == 77 && off == 16, "answer type %u tid %llu",
		rd16(pkt), (unsigned long long)rd64(pkt + 8));
	for (i = 0; i < sizeof(data); i++)
		REQUIRE(pkt[off + i] == (data[i] ^ 0x5a), "byte %u", i);
	/* the host's own packet */
	REQUIRE(hs_echo_send(e, 9, "host", 4) == 0, "hs_echo_send");
	n = m_recv(g, &c, pkt, sizeof(pkt), WAIT);
	REQUIRE(n == 24 && rd64(pkt + 8) == 9 && !memcmp(pkt + 16, "host", 4), "host packet");
	/* not in-band: an error, no answer */
	REQUIRE(!m_send(g, &c, 11, 0, 5, NULL, 0, data, 8), "send completion");
	for (i = 0; i < WAIT; i++) {
		hs_echo_stats(e, &st);
		if (st.protocol_errors)
			break;
		g_sleep_ms(1);
	}
	REQUIRE(st.protocol_errors == 1 && st.packets_in == 1 && st.packets_out == 2 &&
		st.last_trans_id == 77 && st.last_len == 104 && !memcmp(st.last, data, 100),
		"stats: %llu errors, %llu in, %llu out", (unsigned long long)st.protocol_errors,
		(unsigned long long)st.packets_in, (unsigned long long)st.packets_out);
	REQUIRE(m_quiet(g, &c, 100), "an answer to a completion packet");
}

void vsock_tests(void (*run)(const char *name, void (*fn)(struct guest *g)))
{
	run("vsock_guest_connect_data_both_ways", vsock_guest_connect_data_both_ways);
	run("vsock_refused_without_listener", vsock_refused_without_listener);
	run("vsock_host_connects", vsock_host_connects);
	run("vsock_host_connect_times_out", vsock_host_connect_times_out);
	run("vsock_guest_close_rescinds", vsock_guest_close_rescinds);
	run("vsock_flow_control", vsock_flow_control);
	run("vsock_malformed_guest_packets", vsock_malformed_guest_packets);
	run("echo_answers_xored", echo_answers_xored);
}
