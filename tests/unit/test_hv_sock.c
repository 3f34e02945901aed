// SPDX-License-Identifier: GPL-2.0
/*
 * The hv_sock core against an hv_sock host endpoint: service ids, the
 * host-initiated flag, bytes both ways in pipe packets (split at a page),
 * the shutdown packet both ways, a full ring, and malformed host packets.
 * The host is a small one on hostsim's generic device API, written from the
 * notes' byte offsets (docs/protocol-notes.md "hv_sock").
 */
#include <stdio.h>
#include <stdlib.h>
#include "tdev.h"
#include "lis_test.h"
#include "../../drivers/hv_sock/core/hvs_core.h"

struct shost {
	pthread_mutex_t lock;
	struct hs_channel *ch;
	bool stall;			/* leave the guest's packets in the ring */
	unsigned int packets, fins, bad;
	u32 max_packet;
	u8 got[65536];
	u32 got_len;
};

static struct shost H = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void host_ready(struct hs_channel *ch)
{
	struct hs_packet pkt;
	u32 n;

	if (__atomic_load_n(&H.stall, __ATOMIC_SEQ_CST))
		return;
	while (hs_channel_recv(ch, &pkt) == 1) {
		pthread_mutex_lock(&H.lock);
		if (pkt.payload_len < 8 || get32(pkt.payload) != 1 ||
		    get32(pkt.payload + 4) > pkt.payload_len - 8) {
			H.bad++;
		} else {
			n = get32(pkt.payload + 4);
			H.packets++;
			if (!n)
				H.fins++;
			if (n > H.max_packet)
				H.max_packet = n;
			if (H.got_len + n <= sizeof(H.got)) {
				memcpy(H.got + H.got_len, pkt.payload + 8, n);
				H.got_len += n;
			}
		}
		pthread_mutex_unlock(&H.lock);
	}
}

static void host_opened(struct hs_channel *ch, const uint8_t *ud)
{
	__atomic_store_n(&H.ch, ch, __ATOMIC_SEQ_CST);
}

static bool host_open(struct tenv *env, void *arg)
{
	return __atomic_load_n(&H.ch, __ATOMIC_SEQ_CST) != NULL;
}

static const struct hs_device_ops host_ops = { .opened = host_opened, .ready = host_ready };

/* the host sends a pipe packet (type, size as given) with data */
static void host_pipe(u32 type, u32 size, const void *data, u32 len)
{
	u8 b[20000];

	put32(b, type);
	put32(b + 4, size);
	if (len)
		memcpy(b + 8, data, len);
	while (hs_channel_send(H.ch, 6, 0, 0, b, 8 + len))
		lis_msleep(1);
}

/* ---- guest ---- */

struct tglue {
	struct tenv *env;
	struct lis_hvs *h;
	struct lis_channel *ch;
	int open_ret;
	bool probed, from_host;
	unsigned int notifies;
};

static struct tglue G;

static void t_notify(void *ctx)
{
	__atomic_add_fetch(&G.notifies, 1, __ATOMIC_SEQ_CST);
}

static int t_probe(struct tenv *env, struct lis_channel *ch)
{
	struct lis_hvs_config cfg = { 0 };
	struct lis_hvs *h = NULL;

	cfg.ch = ch;
	cfg.notify = t_notify;
	G.ch = ch;
	G.from_host = lis_hvs_from_host(ch);
	G.open_ret = lis_hvs_open(&cfg, &h);
	__atomic_store_n(&G.h, h, __ATOMIC_SEQ_CST);
	__atomic_store_n(&G.probed, true, __ATOMIC_SEQ_CST);
	return G.open_ret;
}

static void t_remove(struct tenv *env, struct lis_channel *ch)
{
	struct lis_hvs *h = __atomic_exchange_n(&G.h, NULL, __ATOMIC_SEQ_CST);

	if (h)
		lis_hvs_close(h);
}

/* the service is vsock port 5000, the host's endpoint port 0x80000001 */
static bool setup(bool from_host)
{
	struct tdev d = { .cls = "{00001388-facb-11e6-bd58-64006a7986d3}", .host_ops = &host_ops,
			  .probe = t_probe, .remove = t_remove };
	struct lis_guid ep;

	memset(&G, 0, sizeof(G));
	pthread_mutex_lock(&H.lock);
	__atomic_store_n(&H.ch, NULL, __ATOMIC_SEQ_CST);
	H.stall = false;
	H.packets = H.fins = H.bad = H.max_packet = H.got_len = 0;
	pthread_mutex_unlock(&H.lock);
	lis_hvs_port_to_guid(0x80000001u, &ep);
	memcpy(d.offer.instance_guid, ep.b, 16);
	d.offer.flags = 0x2000 | 0x0010;	/* TLNPI provider, named pipe */
	put32(d.offer.user_defined, 1);		/* PipeMode: message */
	d.offer.user_defined[4] = from_host;
	G.env = tdev_boot(&d, &G.probed);
	return G.env && (G.open_ret || tenv_wait(G.env, host_open, NULL, 5000));
}

static void teardown(void)
{
	struct lis_hvs *h = __atomic_exchange_n(&G.h, NULL, __ATOMIC_SEQ_CST);

	if (h)
		lis_hvs_close(h);
	if (G.env)
		tenv_destroy(G.env);
	G.env = NULL;
}

static bool notified(struct tenv *env, void *arg)
{
	return __atomic_load_n(&G.notifies, __ATOMIC_SEQ_CST) >= *(unsigned int *)arg;
}

static u32 host_got(void)
{
	u32 n;

	pthread_mutex_lock(&H.lock);
	n = H.got_len;
	pthread_mutex_unlock(&H.lock);
	return n;
}

static bool got_all(struct tenv *env, void *arg)
{
	return host_got() >= *(u32 *)arg;
}

/* read everything available into buf; returns bytes, *eof at the end */
static u32 drain(u8 *buf, u32 cap, bool *eof, int *err)
{
	const void *data;
	u32 got = 0, n;
	int ret;

	*eof = false;
	*err = 0;
	for (;;) {
		ret = lis_hvs_peek(G.h, &data, &n, eof);
		if (ret) {
			if (ret != -EAGAIN)
				*err = ret;
			return got;
		}
		if (*eof)
			return got;
		if (n > cap - got)
			n = cap - got;
		memcpy(buf + got, data, n);
		got += n;
		lis_hvs_consume(G.h, n);
	}
}

/* drain until want bytes came, or the end, or an error; 5 s at most */
static u32 drain_wait(u8 *buf, u32 cap, u32 want, bool *eof, int *err)
{
	u64 end = lis_time_ms() + 5000;
	u32 got = 0;

	for (;;) {
		got += drain(buf + got, cap - got, eof, err);
		if (got >= want || *eof || *err || lis_time_ms() >= end)
			return got;
		lis_msleep(1);
	}
}

static bool host_fin_seen(struct tenv *env, void *arg)
{
	unsigned int n;

	pthread_mutex_lock(&H.lock);
	n = H.fins;
	pthread_mutex_unlock(&H.lock);
	return n >= 1;
}

/* ---- tests ---- */

LIS_TEST(ports_are_service_ids)
{
	struct lis_guid g;
	u32 port = 0;

	lis_hvs_port_to_guid(0x1388, &g);
	EXPECT_EQ(g.b[0], 0x88);
	EXPECT_EQ(g.b[1], 0x13);
	EXPECT_EQ(g.b[4], 0xcb);
	EXPECT_EQ(g.b[5], 0xfa);
	EXPECT_EQ(g.b[15], 0xd3);
	EXPECT(lis_hvs_guid_to_port(&g, &port));
	EXPECT_EQ(port, 0x1388);
	g.b[9] ^= 1;
	EXPECT(!lis_hvs_guid_to_port(&g, &port));
	EXPECT_EQ(sizeof(struct lis_hvs_pipe_header), 8);
	EXPECT_EQ(LIS_HVS_SEND_MAX, 4088);
}

LIS_TEST(the_offer_says_who_connected)
{
	ASSERT(setup(true));
	EXPECT(G.from_host);
	EXPECT_EQ(G.open_ret, 0);
	teardown();
	ASSERT(setup(false));
	EXPECT(!G.from_host);
	teardown();
}

LIS_TEST(bytes_go_out_in_pipe_packets_of_a_page_at_most)
{
	static u8 data[10000];
	u32 want = sizeof(data), i;
	int n;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (u8)(i * 7);
	ASSERT(setup(false));
	ASSERT(G.h);
	n = lis_hvs_send(G.h, data, sizeof(data));
	EXPECT_EQ(n, (int)sizeof(data));
	ASSERT(tenv_wait(G.env, got_all, &want, 5000));
	EXPECT_EQ(H.packets, 3);
	EXPECT_EQ(H.max_packet, 4088);
	EXPECT(!memcmp(H.got, data, sizeof(data)));
	/* our shutdown: one empty packet, once; no bytes after it */
	EXPECT_EQ(lis_hvs_shutdown(G.h), 0);
	EXPECT_EQ(lis_hvs_shutdown(G.h), 0);
	EXPECT_EQ(lis_hvs_send(G.h, data, 10), -EPIPE);
	EXPECT(tenv_wait(G.env, host_fin_seen, NULL, 5000));
	lis_msleep(50);				/* no second one comes */
	EXPECT_EQ(H.fins, 1);
	teardown();
}

LIS_TEST(bytes_come_in_and_the_host_shutdown_is_the_end)
{
	u8 buf[64];
	unsigned int k;
	bool eof;
	int err;
	u32 n;

	ASSERT(setup(true));
	ASSERT(G.h);
	k = G.notifies + 1;
	host_pipe(1, 5, "hello", 5);
	host_pipe(1, 6, " world", 6);
	ASSERT(tenv_wait(G.env, notified, &k, 5000));
	EXPECT(lis_hvs_readable(G.h) > 0);
	n = drain_wait(buf, sizeof(buf), 11, &eof, &err);
	EXPECT_EQ(n, 11);
	EXPECT(!memcmp(buf, "hello world", 11));
	EXPECT(!eof);
	host_pipe(1, 0, NULL, 0);
	n = drain_wait(buf, sizeof(buf), sizeof(buf), &eof, &err);
	EXPECT_EQ(n, 0);
	EXPECT(eof);
	EXPECT(lis_hvs_peer_shutdown(G.h));
	teardown();
}

LIS_TEST(a_full_ring_takes_what_fits)
{
	static u8 data[200000];
	u32 space;
	int n;

	ASSERT(setup(false));
	ASSERT(G.h);
	__atomic_store_n(&H.stall, true, __ATOMIC_SEQ_CST);
	space = lis_hvs_send_space(G.h, sizeof(data));
	EXPECT(space > 0);
	n = lis_hvs_send(G.h, data, sizeof(data));
	EXPECT(n > 0);
	EXPECT(n < (int)sizeof(data));
	/* a whole packet no longer fits */
	EXPECT_EQ(lis_hvs_send(G.h, data, 4088), 0);
	EXPECT(lis_hvs_send_space(G.h, 1) < 4088);
	teardown();
}

LIS_TEST(malformed_host_packets_break_the_connection)
{
	u8 buf[64];
	bool eof;
	int err;

	ASSERT(setup(true));
	ASSERT(G.h);
	host_pipe(1, 1000, "short", 5);		/* says more than it carries */
	drain_wait(buf, sizeof(buf), sizeof(buf), &eof, &err);
	EXPECT_EQ(err, -EIO);
	EXPECT_EQ(lis_hvs_protocol_errors(G.h), 1);
	teardown();
	ASSERT(setup(true));
	host_pipe(2, 4, "abcd", 4);		/* not a data packet */
	drain_wait(buf, sizeof(buf), sizeof(buf), &eof, &err);
	EXPECT_EQ(err, -EIO);
	teardown();
}

/*
 * The host reads between the core's look at the send ring and what it does
 * next.  test_hv_sock is linked with --wrap=lis_channel_send_space; armed,
 * the wrapper lets the host drain the ring right after the look.
 */
u32 __real_lis_channel_send_space(struct lis_channel *ch);
u32 __wrap_lis_channel_send_space(struct lis_channel *ch);
static bool drain_after_look;

u32 __wrap_lis_channel_send_space(struct lis_channel *ch)
{
	u32 space = __real_lis_channel_send_space(ch);

	if (__atomic_exchange_n(&drain_after_look, false, __ATOMIC_SEQ_CST)) {
		__atomic_store_n(&H.stall, false, __ATOMIC_SEQ_CST);
		host_ready(H.ch);
	}
	return space;
}

/*
 * A full ring, no signal asked for (the last write that filled it cleared
 * the request, as every successful write does), and the host empties the
 * ring just after the writer saw it full: the writer must not go to sleep
 * on a signal that will never come.  Either the space check sees the room
 * or the host signals.
 */
LIS_TEST(the_host_reading_just_after_the_space_check_cannot_strand_the_writer)
{
	static u8 data[LIS_HVS_SEND_MAX];
	unsigned int seen;
	u32 space;

	ASSERT(setup(false));
	ASSERT(G.h);
	__atomic_store_n(&H.stall, true, __ATOMIC_SEQ_CST);
	while ((space = lis_hvs_send_space(G.h, 1)) > 0)
		ASSERT(lis_hvs_send(G.h, data, space < sizeof(data) ? space : sizeof(data)) > 0);
	/* the state the last successful write leaves */
	ASSERT(lis_channel_set_pending_send(G.ch, 0) == 0);
	seen = __atomic_load_n(&G.notifies, __ATOMIC_SEQ_CST);
	__atomic_store_n(&drain_after_look, true, __ATOMIC_SEQ_CST);
	space = lis_hvs_send_space(G.h, 1);
	EXPECT(!__atomic_load_n(&drain_after_look, __ATOMIC_SEQ_CST));
	EXPECT(host_got() > 0);
	if (!space)
		EXPECT(tenv_wait(G.env, notified, &(unsigned int){ seen + 1 }, 2000));
	teardown();
}

/* ---- against hostsim's own endpoint (hostsim/src/vsock.c): the connect
 * request goes through the VMBus core, hostsim offers the channel ---- */

static struct tglue E;

static int e_probe(struct tenv *env, struct lis_channel *ch)
{
	struct lis_hvs_config cfg = { 0 };
	struct lis_hvs *h = NULL;
	int ret;

	cfg.ch = ch;
	cfg.notify = t_notify;
	E.from_host = lis_hvs_from_host(ch);
	ret = lis_hvs_open(&cfg, &h);
	__atomic_store_n(&E.h, h, __ATOMIC_SEQ_CST);
	__atomic_store_n(&E.probed, true, __ATOMIC_SEQ_CST);
	return ret;
}

static void e_remove(struct tenv *env, struct lis_channel *ch)
{
	struct lis_hvs *h = __atomic_exchange_n(&E.h, NULL, __ATOMIC_SEQ_CST);

	if (h)
		lis_hvs_close(h);
}

/*
 * The guest connects from port 0x2222 to the host's port 5000 (the offer's
 * class is the host's service) through hostsim's endpoint, which buffers
 * rx_cap bytes for the test (0: its default).  NULL on failure.
 */
static struct tenv *e_connect(u32 rx_cap, struct hs_vsock_conn **c)
{
	struct tenv_config ecfg = { 0 };
	struct lis_guid ep, svc;
	struct hs_vsock *v;
	struct tdriver drv;
	struct tenv *env;

	memset(&E, 0, sizeof(E));
	ecfg.nr_cpus = 2;
	env = tenv_create(&ecfg);
	if (!env)
		return NULL;
	lis_hvs_port_to_guid(5000, &svc);
	lis_hvs_port_to_guid(0x2222, &ep);
	memset(&drv, 0, sizeof(drv));
	drv.class_id = svc;
	drv.probe = e_probe;
	drv.remove = e_remove;
	tenv_add_driver(env, &drv);
	v = hs_vsock_add(tenv_host(env), &(struct hs_vsock_config){ .rx_cap = rx_cap });
	if (!v || hs_vsock_listen(v, 5000) || tenv_boot(env) ||
	    lis_vmbus_tl_connect(tenv_vmbus(env), &ep, &svc) ||
	    !tenv_wait(env, tdev_flag, &E.probed, 5000) || !E.h ||
	    !(*c = hs_vsock_accept(v, 5000, 5000))) {
		tenv_destroy(env);
		return NULL;
	}
	return env;
}

LIS_TEST(a_connect_through_hostsims_endpoint_carries_bytes_both_ways)
{
	static u8 up[20000], down[50000], got[50000];
	struct hs_vsock_conn_stats st;
	struct hs_vsock_conn *c;
	struct tenv *env;
	u32 off = 0, n, i;
	bool eof = false;
	int r;

	for (i = 0; i < sizeof(up); i++)
		up[i] = (u8)(i * 13 + 1);
	for (i = 0; i < sizeof(down); i++)
		down[i] = (u8)(i * 5 + 2);
	env = e_connect(0, &c);
	ASSERT(env);
	EXPECT(!E.from_host);
	/* guest -> host, then our shutdown */
	while (off < sizeof(up)) {
		r = lis_hvs_send(E.h, up + off, sizeof(up) - off);
		ASSERT(r >= 0);
		off += (u32)r;
		if (!r)
			lis_msleep(1);
	}
	EXPECT_EQ(lis_hvs_shutdown(E.h), 0);
	for (off = 0; (r = hs_vsock_recv(c, got + off, sizeof(got) - off, 5000)) > 0; off += (u32)r)
		;
	EXPECT_EQ(r, 0);
	EXPECT_EQ(off, sizeof(up));
	EXPECT(!memcmp(got, up, sizeof(up)));
	/* host -> guest in packets of up to 16 KiB, then its shutdown */
	EXPECT_EQ(hs_vsock_send(c, down, sizeof(down)), 0);
	EXPECT_EQ(hs_vsock_shutdown(c), 0);
	for (off = 0, i = 0; !eof && i < 5000; i++) {
		const void *data;

		r = lis_hvs_peek(E.h, &data, &n, &eof);
		if (r == -EAGAIN) {
			lis_msleep(1);
			continue;
		}
		ASSERT(r == 0);
		ASSERT(off + n <= sizeof(got));
		memcpy(got + off, data, n);
		off += n;
		lis_hvs_consume(E.h, n);
	}
	EXPECT(eof);
	EXPECT_EQ(off, sizeof(down));
	EXPECT(!memcmp(got, down, sizeof(down)));
	hs_vsock_conn_stats(c, &st);
	EXPECT_EQ(st.guest_port, 0x2222);
	EXPECT_EQ(st.protocol_errors, 0);
	EXPECT_EQ(st.max_rx_packet, 4088);
	EXPECT_EQ(tenv_host_errors(env), 0);
	e_remove(env, NULL);
	tenv_destroy(env);
}

/* the host's reader: takes everything until the guest's shutdown */
struct e_reader {
	struct hs_vsock_conn *c;
	u64 got;
	int last;
};

static void *e_read_all(void *arg)
{
	struct e_reader *r = arg;
	static u8 buf[3000];
	int n;

	while ((n = hs_vsock_recv(r->c, buf, sizeof(buf), 10000)) > 0)
		r->got += (u64)n;
	r->last = n;
	return NULL;
}

/*
 * A writer that sleeps until the core's notify whenever no byte fits (as
 * the socket's sendmsg does) is always woken: the host reads in small
 * steps from another thread, so the ring goes full and frees space again
 * thousands of times while the guest decides to wait.  A space check that
 * asks for the host's signal without looking at the ring again afterwards
 * loses the wakeup now and then; the writer would sleep forever (seen in
 * the VM rung: a guest blocked in send()).
 */
LIS_TEST(a_writer_waiting_for_space_is_always_woken)
{
	static u8 chunk[LIS_HVS_SEND_MAX];
	const u64 total = 32u << 20;
	struct e_reader rd = { 0 };
	struct hs_vsock_conn *c;
	unsigned int seen, waits = 0, i;
	struct tenv *env;
	pthread_t t;
	u64 sent = 0;
	u32 space;
	int r;

	for (i = 0; i < sizeof(chunk); i++)
		chunk[i] = (u8)i;
	env = e_connect(3000, &c);
	ASSERT(env);
	rd.c = c;
	ASSERT(pthread_create(&t, NULL, e_read_all, &rd) == 0);
	while (sent < total) {
		/* like prepare_to_wait: a notify from here on ends the wait */
		seen = __atomic_load_n(&G.notifies, __ATOMIC_SEQ_CST);
		space = lis_hvs_send_space(E.h, 1);
		if (!space) {
			waits++;
			if (!tenv_wait(env, notified, &(unsigned int){ seen + 1 }, 3000))
				break;
			continue;
		}
		if (space > sizeof(chunk))
			space = sizeof(chunk);
		if (space > total - sent)
			space = (u32)(total - sent);
		r = lis_hvs_send(E.h, chunk, space);
		if (r < 0)
			break;
		sent += (u64)r;
	}
	EXPECT_EQ(sent, total);
	printf("    %u waits for space, the host read %llu bytes\n", waits,
	       (unsigned long long)rd.got);
	EXPECT(waits > 100);
	EXPECT_EQ(lis_hvs_shutdown(E.h), 0);
	pthread_join(t, NULL);
	EXPECT_EQ(rd.last, 0);
	EXPECT_EQ(rd.got, sent);
	EXPECT_EQ(tenv_host_errors(env), 0);
	e_remove(env, NULL);
	tenv_destroy(env);
}

LIS_TEST_MAIN("hv_sock")
