// SPDX-License-Identifier: GPL-2.0
/*
 * The VMBus core against hostsim: detection, version negotiation (and its
 * refusals), offers, GPADLs, open/close, packets both ways, sub-channels,
 * rescinds at awkward moments, malformed host messages, ring corruption,
 * full rings, many channels with concurrent senders, UNLOAD.
 */
#include <stdio.h>
#include <stdlib.h>
#include "internal.h"
#include "port_user.h"
#include "env_hostsim.h"
#include "lis_test.h"

#define ECHO_CLASS	"{7d6a3b6e-1c2f-4a59-9e3c-0a1b2c3d4e5f}"
#define SINK_CLASS	"{0f9e8d7c-6b5a-4948-8776-a5b4c3d2e1f0}"

/* ---- host side: an echo device (every packet comes back as a completion
 * with the same transaction id; GPA-direct data is summed) ---- */

struct echo_dev {
	struct hs_host *host;
	bool stall;		/* leave packets in the ring */
	unsigned int seen;
};

static void echo_ready(struct hs_channel *ch)
{
	struct echo_dev *e = hs_device_priv(hs_channel_device(ch));
	struct hs_packet pkt;
	uint8_t buf[8192];

	if (e && __atomic_load_n(&e->stall, __ATOMIC_SEQ_CST))
		return;
	while (hs_channel_recv(ch, &pkt) == 1) {
		uint32_t len = pkt.payload_len;

		if (e)
			__atomic_fetch_add(&e->seen, 1, __ATOMIC_SEQ_CST);
		if (pkt.type == 9) {
			/* reply with the first bytes of the guest's buffer */
			len = len < 8 ? len : 8;
			memcpy(buf, pkt.payload, len);
			if (!e || hs_gpa_copy_from_guest(e->host, &pkt, 0, buf + len, 8))
				memset(buf + len, 0xEE, 8);
			len += 8;
		} else {
			if (len > sizeof(buf))
				len = sizeof(buf);
			memcpy(buf, pkt.payload, len);
		}
		while (hs_channel_send(ch, LIS_VMBUS_PKT_COMP, 0, pkt.trans_id, buf, len))
			lis_msleep(1);
	}
}

static const struct hs_device_ops echo_ops = { .ready = echo_ready };

static struct hs_device *add_device(struct tenv *env, const char *cls, unsigned int n,
				    const struct hs_device_ops *ops, void *priv)
{
	struct hs_offer off;

	memset(&off, 0, sizeof(off));
	tguid(cls, off.class_guid);
	off.instance_guid[0] = (uint8_t)n;
	off.instance_guid[15] = 0x5A;
	return hs_device_add(tenv_host(env), &off, ops, priv);
}

static struct tenv *boot(const struct tenv_config *cfg)
{
	struct tenv *env = tenv_create(cfg);

	if (!env)
		return NULL;
	if (tenv_boot(env)) {
		tenv_destroy(env);
		return NULL;
	}
	return env;
}

static struct hs_vmbus_state host_state(struct tenv *env)
{
	struct hs_vmbus_state st;

	hs_vmbus_state(tenv_host(env), &st);
	return st;
}

/* ---- guest side: a channel that collects what comes back ---- */

struct collector {
	pthread_mutex_t lock;
	unsigned int n;
	u64 last_id;
	u64 sum_ids;
	u8 last[64];
	u32 last_len;
	unsigned int errors;
};

static void collect(struct lis_channel *ch, void *ctx)
{
	struct collector *c = ctx;
	struct lis_packet pkt;
	u8 buf[16384];
	int ret;

	while ((ret = lis_channel_recv(ch, buf, sizeof(buf), &pkt)) == 0) {
		pthread_mutex_lock(&c->lock);
		c->n++;
		c->last_id = pkt.trans_id;
		c->sum_ids += pkt.trans_id;
		c->last_len = pkt.len < 64 ? pkt.len : 64;
		memcpy(c->last, pkt.data, c->last_len);
		pthread_mutex_unlock(&c->lock);
	}
	if (ret != -EAGAIN) {
		pthread_mutex_lock(&c->lock);
		c->errors++;
		pthread_mutex_unlock(&c->lock);
	}
}

static unsigned int collected(struct collector *c)
{
	unsigned int n;

	pthread_mutex_lock(&c->lock);
	n = c->n;
	pthread_mutex_unlock(&c->lock);
	return n;
}

static bool wait_collected(struct collector *c, unsigned int n, unsigned int ms)
{
	u64 end = lis_time_ms() + ms;

	while (collected(c) < n && lis_time_ms() < end)
		lis_msleep(1);
	return collected(c) >= n;
}

static int open_collect(struct lis_channel *ch, struct collector *c, u32 ring)
{
	struct lis_channel_open_args a;

	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	memset(&a, 0, sizeof(a));
	a.send_ring_bytes = ring;
	a.recv_ring_bytes = ring;
	a.on_event = collect;
	a.ctx = c;
	return lis_channel_open(ch, &a);
}

/* ---- detection ---- */

static int detect_with(unsigned int mode, uint32_t isolation)
{
	struct tenv_config cfg = { .cpuid_mode = mode, .isolation_type = isolation };
	struct tenv *env = tenv_create(&cfg);
	int ret;

	if (!env)
		return -999;
	ret = lis_vmbus_detect(tenv_platform(env));
	tenv_destroy(env);
	return ret;
}

LIS_TEST(detects_hyperv_and_refuses_everything_else)
{
	EXPECT_EQ(detect_with(HS_CPUID_HYPERV, 0), 0);
	port_log_clear();
	EXPECT_EQ(detect_with(HS_CPUID_NOT_HYPERVISOR, 0), -ENODEV);
	EXPECT(port_log_contains("no hypervisor"));
	EXPECT_EQ(detect_with(HS_CPUID_WRONG_VENDOR, 0), -ENODEV);
	port_log_clear();
	EXPECT_EQ(detect_with(HS_CPUID_NO_SYNIC, 0), -ENODEV);
	EXPECT(port_log_contains("lacks a privilege"));
	EXPECT_EQ(detect_with(HS_CPUID_NO_POST_MESSAGES, 0), -ENODEV);
	port_log_clear();
	EXPECT_EQ(detect_with(HS_CPUID_HYPERV, 2 /* SNP */), -EPERM);
	EXPECT(port_log_contains("isolated"));
}

/* ---- versions ---- */

static u32 negotiated(const uint32_t *host_versions, u32 guest_max, int *ret)
{
	struct tenv_config cfg = { .host_versions = host_versions, .max_version = guest_max };
	struct tenv *env = tenv_create(&cfg);
	u32 v = 0;

	*ret = tenv_boot(env);
	if (!*ret)
		v = lis_vmbus_version(tenv_vmbus(env));
	tenv_destroy(env);
	return v;
}

LIS_TEST(negotiates_the_newest_version_both_sides_speak)
{
	static const uint32_t v41[] = { 0x00040001, 0x00040000, 0x00030000, 0x00020004, 0 };
	static const uint32_t win8[] = { 0x00020004, 0 };
	static const uint32_t old[] = { 0x00010001, 0x0000000D, 0 };
	int ret;

	EXPECT_EQ(negotiated(NULL, 0, &ret), 0x00050003);
	EXPECT_EQ(ret, 0);
	/* a host without 5.x refuses connection id 4: we go on with 4.1 on 1 */
	EXPECT_EQ(negotiated(v41, 0, &ret), 0x00040001);
	EXPECT_EQ(negotiated(win8, 0, &ret), 0x00020004);
	EXPECT_EQ(negotiated(NULL, 0x00040000, &ret), 0x00040000);
	port_log_clear();
	EXPECT_EQ(negotiated(old, 0, &ret), 0);
	EXPECT_EQ(ret, -EPROTONOSUPPORT);
	EXPECT(port_log_contains("accepts none"));
}

LIS_TEST(refused_versions_fail_the_connection_cleanly)
{
	struct tenv *env = tenv_create(NULL);

	hs_inject(tenv_host(env), HS_FAULT_REFUSE_ALL_VERSIONS, 100);
	EXPECT_EQ(tenv_boot(env), -EPROTONOSUPPORT);
	tenv_destroy(env);
}

LIS_TEST(uses_the_message_connection_id_the_host_hands_out)
{
	struct tenv_config cfg = { .msg_conn_id = 0x7777 };
	struct tenv *env = boot(&cfg);
	struct hs_vmbus_state st;

	ASSERT(env);
	/* everything after VERSION_RESPONSE goes to 0x7777: a guest that kept
	 * using 1 or 4 would never get its offers */
	st = host_state(env);
	EXPECT_EQ(st.msg_conn_id, 0x7777);
	EXPECT_EQ(st.offers_requested, 1);
	tenv_destroy(env);
}

LIS_TEST(message_cpu_is_named_by_vp_index_not_cpu_number)
{
	struct tenv_config cfg = { .nr_cpus = 2, .vp_offset = 3, .msg_cpu = 1 };
	struct tenv *env = boot(&cfg);

	ASSERT(env);
	/* CPU 1 is VP 4 (a kdump kernel's CPUs need not start at VP 0) */
	EXPECT_EQ(host_state(env).target_vp, 4);
	tenv_destroy(env);
}

LIS_TEST(host_busy_posting_is_retried)
{
	struct tenv *env = tenv_create(NULL);

	hs_inject(tenv_host(env), HS_FAULT_POST_BUSY, 5);
	EXPECT_EQ(tenv_boot(env), 0);
	tenv_destroy(env);
}

/* ---- offers ---- */

LIS_TEST(offers_before_and_after_connect_reach_the_env)
{
	struct tenv *env = tenv_create(NULL);
	struct lis_channel *ch;
	uint8_t g[16];
	unsigned int i;

	for (i = 0; i < 3; i++)
		add_device(env, ECHO_CLASS, i, &echo_ops, NULL);
	ASSERT(tenv_boot(env) == 0);
	/* connect returns after ALLOFFERS_DELIVERED, which is ordered after them */
	EXPECT_EQ(tenv_offered_count(env), 3);
	ch = tenv_channel(env, 0);
	ASSERT(ch);
	tguid(ECHO_CLASS, g);
	EXPECT(!memcmp(lis_channel_class(ch), g, 16));
	EXPECT_EQ(lis_channel_subchannel_index(ch), 0);
	EXPECT(lis_channel_relid(ch) > 0 && lis_channel_relid(ch) < 2048);
	/* hot add */
	add_device(env, ECHO_CLASS, 9, &echo_ops, NULL);
	EXPECT(tenv_wait_offered(env, 4, 2000));
	tenv_destroy(env);
}

LIS_TEST(many_offers_flow_through_the_single_message_slot)
{
	struct tenv *env = tenv_create(NULL);
	unsigned int i;

	for (i = 0; i < 60; i++)
		add_device(env, ECHO_CLASS, i, &echo_ops, NULL);
	ASSERT(tenv_boot(env) == 0);
	EXPECT_EQ(tenv_offered_count(env), 60);
	/* the host queued messages behind a full slot and the guest ended
	 * each with EOM */
	EXPECT(host_state(env).eoms > 0);
	tenv_destroy(env);
}

LIS_TEST(guid_text_and_wire_layout_agree_with_the_fact_sheet)
{
	static const uint8_t want[16] = { 0x63, 0x51, 0x61, 0xf8, 0x3e, 0xdf, 0xc5, 0x46,
					  0x91, 0x3f, 0xf2, 0xd2, 0xf9, 0x65, 0xed, 0x0e };
	uint8_t g[16];

	tguid("{f8615163-df3e-46c5-913f-f2d2f965ed0e}", g);
	EXPECT(!memcmp(g, want, 16));
}

/* ---- channels ---- */

LIS_TEST(open_send_receive_close)
{
	struct tenv *env = tenv_create(NULL);
	struct collector c;
	struct lis_channel *ch;
	u8 msg[100];
	unsigned int i;

	add_device(env, ECHO_CLASS, 1, &echo_ops, NULL);
	ASSERT(tenv_boot(env) == 0);
	ch = tenv_channel(env, 0);
	ASSERT(ch);
	ASSERT(open_collect(ch, &c, 16 * 4096) == 0);
	EXPECT_EQ(host_state(env).open_channels, 1);
	EXPECT(lis_channel_is_open(ch));
	for (i = 0; i < 1000; i++) {
		memset(msg, (int)i, sizeof(msg));
		while (lis_channel_send(ch, LIS_VMBUS_PKT_DATA_INBAND, 1, i + 1, msg,
					(u32)(i % sizeof(msg)) + 1) == -EAGAIN)
			lis_msleep(1);
	}
	EXPECT(wait_collected(&c, 1000, 5000));
	EXPECT_EQ(c.sum_ids, 1000 * 1001 / 2);
	EXPECT_EQ(c.errors, 0);
	EXPECT_EQ(c.last[0], (u8)999);
	lis_channel_close(ch);
	EXPECT_EQ(host_state(env).open_channels, 0);
	EXPECT_EQ(host_state(env).gpadls, 0);
	/* and it can be opened again */
	ASSERT(open_collect(ch, &c, 4 * 4096) == 0);
	EXPECT_EQ(lis_channel_send(ch, LIS_VMBUS_PKT_DATA_INBAND, 0, 7, msg, 8), 0);
	EXPECT(wait_collected(&c, 1, 2000));
	lis_channel_close(ch);
	tenv_destroy(env);
}

/* an event that comes in while another CPU is still in the channel's
 * callback (a channel that has just been moved to a new CPU) must not be
 * lost: that CPU may already have taken its last look at the ring */
struct overlap {
	unsigned int calls;
	unsigned int packets;
};

static void *event_on_another_cpu(void *arg)
{
	struct lis_channel *ch = arg;

	lis_channel_dispatch(ch->vmbus, ch->relid);
	return NULL;
}

static void overlapped_callback(struct lis_channel *ch, void *ctx)
{
	struct overlap *o = ctx;
	struct lis_packet pkt;
	pthread_t t;
	u8 buf[256];

	while (lis_channel_recv(ch, buf, sizeof(buf), &pkt) == 0)
		__atomic_fetch_add(&o->packets, 1, __ATOMIC_SEQ_CST);
	if (__atomic_fetch_add(&o->calls, 1, __ATOMIC_SEQ_CST) == 0 &&
	    !pthread_create(&t, NULL, event_on_another_cpu, ch))
		pthread_join(t, NULL);
}

static bool called_twice(struct tenv *env, void *arg)
{
	return __atomic_load_n(&((struct overlap *)arg)->calls, __ATOMIC_SEQ_CST) >= 2;
}

LIS_TEST(event_during_the_callback_on_another_cpu_runs_it_again)
{
	static const u32 modes[] = { 0, LIS_CHANNEL_NOTIFY_ONLY };
	struct tenv *env = tenv_create(NULL);
	struct lis_channel_open_args a;
	struct lis_channel *ch;
	struct overlap o;
	unsigned int m;
	u8 msg[8] = { 0 };

	add_device(env, ECHO_CLASS, 1, &echo_ops, NULL);
	ASSERT(tenv_boot(env) == 0);
	ch = tenv_channel(env, 0);
	ASSERT(ch);
	for (m = 0; m < ARRAY_SIZE(modes); m++) {
		memset(&o, 0, sizeof(o));
		memset(&a, 0, sizeof(a));
		a.send_ring_bytes = 4 * 4096;
		a.recv_ring_bytes = 4 * 4096;
		a.on_event = overlapped_callback;
		a.ctx = &o;
		a.flags = modes[m];
		ASSERT(lis_channel_open(ch, &a) == 0);
		/* one packet, one completion, one event from the host */
		EXPECT_EQ(lis_channel_send(ch, LIS_VMBUS_PKT_DATA_INBAND, 1, 1, msg, sizeof(msg)), 0);
		EXPECT(tenv_wait(env, called_twice, &o, 2000));
		EXPECT_EQ(o.packets, 1);
		lis_channel_close(ch);
		EXPECT_EQ(o.calls, 2);
	}
	tenv_destroy(env);
}

LIS_TEST(gpa_direct_packets_name_guest_pages)
{
	struct tenv *env = tenv_create(NULL);
	struct echo_dev e = { .host = tenv_host(env) };
	struct lis_gpa_range r;
	struct collector c;
	struct lis_channel *ch;
	u64 pfns[3];
	u8 *buf, hdr[8] = "HEADER!";

	add_device(env, ECHO_CLASS, 1, &echo_ops, &e);
	ASSERT(tenv_boot(env) == 0);
	ch = tenv_channel(env, 0);
	ASSERT(ch && open_collect(ch, &c, 8 * 4096) == 0);
	buf = lis_alloc_pages(3);
	memcpy(buf + 4000, "PAYLOAD!", 8);
	pfns[0] = lis_page_gpa(buf) >> 12;
	pfns[1] = lis_page_gpa(buf + 4096) >> 12;
	pfns[2] = lis_page_gpa(buf + 8192) >> 12;
	r.byte_offset = 4000;
	r.byte_count = 5000;
	r.pfn_count = 3;	/* 4000 + 5000 spans three pages */
	r.pfns = pfns;
	EXPECT_EQ(lis_channel_send_gpa(ch, 1, 42, &r, 1, hdr, sizeof(hdr)), 0);
	ASSERT(wait_collected(&c, 1, 2000));
	EXPECT_EQ(c.last_id, 42);
	EXPECT(!memcmp(c.last, "HEADER!", 8));
	/* the host read the guest's pages through the range */
	EXPECT(!memcmp(c.last + 8, "PAYLOAD!", 8));
	/* a PFN count that does not match the range is the caller's bug */
	r.pfn_count = 2;
	EXPECT_EQ(lis_channel_send_gpa(ch, 1, 43, &r, 1, hdr, sizeof(hdr)), -EINVAL);
	lis_channel_close(ch);
	lis_free_pages(buf, 3);
	tenv_destroy(env);
}

LIS_TEST(gpadl_of_a_hundred_pages_spans_header_and_bodies)
{
	struct tenv *env = tenv_create(NULL);
	struct lis_channel *ch;
	struct hs_device *dev;
	u8 *buf, back[16], want[16];
	u32 gpadl = 0;
	unsigned int i;

	dev = add_device(env, ECHO_CLASS, 1, &echo_ops, NULL);
	ASSERT(tenv_boot(env) == 0);
	ch = tenv_channel(env, 0);
	buf = lis_alloc_pages(100);
	for (i = 0; i < 100; i++)
		memset(buf + i * 4096, (int)i, 4096);
	ASSERT(lis_gpadl_create(ch, buf, 100 * 4096, &gpadl) == 0);
	EXPECT_EQ(host_state(env).gpadls, 1);
	/* the host sees page 77 where the guest put it */
	ASSERT(hs_gpadl_copy_from_guest(hs_device_channel(dev, 0), gpadl, 77 * 4096 + 100,
					 back, sizeof(back)) == 0);
	memset(want, 77, sizeof(want));
	EXPECT(!memcmp(back, want, sizeof(want)));
	/* and nothing past the end */
	EXPECT(hs_gpadl_copy_from_guest(hs_device_channel(dev, 0), gpadl, 100 * 4096 - 8,
					back, 16) != 0);
	EXPECT_EQ(lis_gpadl_destroy(ch, gpadl), 0);
	EXPECT_EQ(host_state(env).gpadls, 0);
	lis_free_pages(buf, 100);
	tenv_destroy(env);
}

/* ---- failures the host causes ---- */

static struct tenv *boot_with_echo(unsigned int n, struct hs_device **devs, void *priv)
{
	struct tenv *env = tenv_create(NULL);
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct hs_device *d = add_device(env, ECHO_CLASS, i, &echo_ops, priv);

		if (devs)
			devs[i] = d;
	}
	if (tenv_boot(env)) {
		tenv_destroy(env);
		return NULL;
	}
	return env;
}

static bool rescinded_once(struct tenv *env, void *arg)
{
	return tenv_rescinded_count(env) >= 1;
}

LIS_TEST(gpadl_refused_by_the_host_fails_open_and_frees_the_rings)
{
	struct tenv *env = boot_with_echo(1, NULL, NULL);
	struct lis_channel *ch;
	struct collector c;

	ASSERT(env);
	ch = tenv_channel(env, 0);
	hs_inject(tenv_host(env), HS_FAULT_GPADL_FAIL, 1);
	port_log_clear();
	EXPECT_EQ(open_collect(ch, &c, 4 * 4096), -EIO);
	EXPECT(port_log_contains("refused GPADL"));
	EXPECT(!lis_channel_is_open(ch));
	/* the fault is spent: the same channel opens now */
	EXPECT_EQ(open_collect(ch, &c, 4 * 4096), 0);
	lis_channel_close(ch);
	tenv_destroy(env);
}

LIS_TEST(open_refused_by_the_host_tears_the_gpadl_down)
{
	struct tenv *env = boot_with_echo(1, NULL, NULL);
	struct lis_channel *ch;
	struct collector c;

	ASSERT(env);
	ch = tenv_channel(env, 0);
	hs_inject(tenv_host(env), HS_FAULT_OPEN_FAIL, 1);
	port_log_clear();
	EXPECT_EQ(open_collect(ch, &c, 4 * 4096), -EIO);
	EXPECT(port_log_contains("refused to open"));
	EXPECT_EQ(host_state(env).gpadls, 0);
	EXPECT_EQ(open_collect(ch, &c, 4 * 4096), 0);
	lis_channel_close(ch);
	tenv_destroy(env);
}

LIS_TEST(open_without_an_answer_times_out_and_abandons_the_rings)
{
	struct tenv *env = boot_with_echo(1, NULL, NULL);
	struct lis_channel *ch;
	struct collector c;

	ASSERT(env);
	ch = tenv_channel(env, 0);
	hs_inject(tenv_host(env), HS_FAULT_DROP_OPEN_RESULT, 1);
	port_log_clear();
	EXPECT_EQ(open_collect(ch, &c, 4 * 4096), -ETIMEDOUT);
	EXPECT(port_log_contains("abandoned"));
	EXPECT(!lis_channel_is_open(ch));
	tenv_destroy(env);
}

static bool relid_released(struct hs_host *h, void *arg);

LIS_TEST(rescind_during_open_fails_the_open_and_releases_the_relid)
{
	struct tenv *env = boot_with_echo(1, NULL, NULL);
	unsigned int one = 1;
	struct lis_channel *ch;
	struct collector c;

	ASSERT(env);
	ch = tenv_channel(env, 0);
	hs_inject(tenv_host(env), HS_FAULT_RESCIND_ON_OPEN, 1);
	EXPECT_EQ(open_collect(ch, &c, 4 * 4096), -ENODEV);
	EXPECT(tenv_wait(env, rescinded_once, NULL, 2000));
	EXPECT(hs_wait(tenv_host(env), relid_released, &one, 5000));
	EXPECT_EQ(tenv_rescinded_count(env), 1);
	EXPECT(tenv_channel(env, 0) == NULL);
	tenv_destroy(env);
}

struct sender {
	struct lis_channel *ch;
	unsigned int sent;
	int last;
	bool stop;
};

static void *send_loop(void *arg)
{
	struct sender *s = arg;
	u8 msg[64] = { 0 };

	while (!__atomic_load_n(&s->stop, __ATOMIC_SEQ_CST)) {
		s->last = lis_channel_send(s->ch, LIS_VMBUS_PKT_DATA_INBAND, 1, s->sent + 1,
					   msg, sizeof(msg));
		if (s->last == 0)	/* (sent is read while this runs) */
			__atomic_store_n(&s->sent, s->sent + 1, __ATOMIC_SEQ_CST);
		else if (s->last != -EAGAIN)
			break;
	}
	return NULL;
}

/* a driver with an I/O thread: remove stops the thread, then closes the
 * channel — after remove returns nobody may touch the channel */
static struct collector rescind_c;
static struct sender rescind_s;
static pthread_t rescind_t;

static int closer_probe(struct tenv *env, struct lis_channel *ch)
{
	int ret = open_collect(ch, &rescind_c, 8 * 4096);

	if (ret)
		return ret;
	memset(&rescind_s, 0, sizeof(rescind_s));
	rescind_s.ch = ch;
	pthread_create(&rescind_t, NULL, send_loop, &rescind_s);
	return 0;
}

static bool rescind_removed;

static void closer_remove(struct tenv *env, struct lis_channel *ch)
{
	/* the sender stops by itself once the channel is rescinded */
	pthread_join(rescind_t, NULL);
	lis_channel_close(ch);
	__atomic_store_n(&rescind_removed, true, __ATOMIC_SEQ_CST);
}

static bool removed(struct tenv *env, void *arg)
{
	return __atomic_load_n(&rescind_removed, __ATOMIC_SEQ_CST);
}

static bool relid_released(struct hs_host *h, void *arg)
{
	struct hs_vmbus_state st;

	hs_vmbus_state(h, &st);
	return st.relids_released >= *(unsigned int *)arg;
}

LIS_TEST(rescind_during_io_stops_senders_and_closes_the_channel)
{
	struct tenv *env = tenv_create(NULL);
	struct tdriver drv = { .probe = closer_probe, .remove = closer_remove };
	unsigned int one = 1;
	struct hs_device *dev;

	tguid(ECHO_CLASS, drv.class_id.b);
	tenv_add_driver(env, &drv);
	dev = add_device(env, ECHO_CLASS, 1, &echo_ops, NULL);
	ASSERT(tenv_boot(env) == 0);
	ASSERT(tenv_channel(env, 0) && lis_channel_is_open(tenv_channel(env, 0)));
	EXPECT(wait_collected(&rescind_c, 200, 5000));
	EXPECT_EQ(hs_device_rescind(dev), 0);
	EXPECT(tenv_wait(env, removed, NULL, 5000));
	/* the sender saw the channel go */
	EXPECT_EQ(rescind_s.last, -ENODEV);
	EXPECT(hs_wait(tenv_host(env), relid_released, &one, 5000));
	EXPECT_EQ(host_state(env).open_channels, 0);
	tenv_destroy(env);
}

/* the five malformed messages below counted and logged */
static bool five_malformed_seen(struct tenv *env, void *arg)
{
	return lis_vmbus_protocol_errors(tenv_vmbus(env)) - *(u64 *)arg >= 5 &&
	       port_log_contains("truncated offer") && port_log_contains("unknown message type") &&
	       port_log_contains("shorter than its header") &&
	       port_log_contains("answer nobody asked for") && port_log_contains("never offered");
}

LIS_TEST(malformed_host_messages_are_logged_and_ignored)
{
	struct tenv *env = boot_with_echo(1, NULL, NULL);
	u8 raw[240];
	u64 before;

	ASSERT(env);
	before = lis_vmbus_protocol_errors(tenv_vmbus(env));
	port_log_clear();
	/* an offer cut short */
	memset(raw, 0, sizeof(raw));
	raw[0] = 1;
	EXPECT_EQ(hs_post_raw_message(tenv_host(env), raw, 100), 0);
	/* a message type nobody defined */
	raw[0] = 200;
	EXPECT_EQ(hs_post_raw_message(tenv_host(env), raw, 8), 0);
	/* shorter than the message header */
	EXPECT_EQ(hs_post_raw_message(tenv_host(env), raw, 4), 0);
	/* an answer nobody asked for (GPADL_CREATED for handle 0x1234) */
	memset(raw, 0, sizeof(raw));
	raw[0] = 10;
	raw[12] = 0x34;
	raw[13] = 0x12;
	EXPECT_EQ(hs_post_raw_message(tenv_host(env), raw, 20), 0);
	/* a rescind of a relid never offered */
	memset(raw, 0, sizeof(raw));
	raw[0] = 2;
	raw[8] = 0xFF;
	raw[9] = 0x05;
	EXPECT_EQ(hs_post_raw_message(tenv_host(env), raw, 12), 0);
	EXPECT(tenv_wait(env, five_malformed_seen, &before, 5000));
	EXPECT_EQ(lis_vmbus_protocol_errors(tenv_vmbus(env)) - before, 5);
	EXPECT(port_log_contains("truncated offer"));
	EXPECT(port_log_contains("unknown message type"));
	EXPECT(port_log_contains("shorter than its header"));
	EXPECT(port_log_contains("answer nobody asked for"));
	EXPECT(port_log_contains("never offered"));
	/* and the connection still works */
	EXPECT_EQ(tenv_offered_count(env), 1);
	tenv_destroy(env);
}

LIS_TEST(offers_with_bad_relids_or_no_primary_are_refused)
{
	struct tenv *env = tenv_create(NULL);
	struct hs_device *dev;
	u64 errs;

	hs_inject(tenv_host(env), HS_FAULT_BAD_RELID_OFFER, 1);
	hs_inject(tenv_host(env), HS_FAULT_TRUNCATED_OFFER, 1);
	add_device(env, ECHO_CLASS, 1, &echo_ops, NULL);
	add_device(env, ECHO_CLASS, 2, &echo_ops, NULL);
	dev = add_device(env, ECHO_CLASS, 3, &echo_ops, NULL);
	port_log_clear();
	ASSERT(tenv_boot(env) == 0);
	errs = lis_vmbus_protocol_errors(tenv_vmbus(env));
	EXPECT(errs >= 2);
	EXPECT(port_log_contains("relid"));
	/* the healthy one is there */
	EXPECT_EQ(tenv_offered_count(env), 1);
	(void)dev;
	tenv_destroy(env);
}

static bool collector_broken(struct tenv *env, void *arg)
{
	struct collector *c = arg;
	unsigned int n;

	pthread_mutex_lock(&c->lock);
	n = c->errors;
	pthread_mutex_unlock(&c->lock);
	return n >= 1 && port_log_contains("ring corrupted");
}

LIS_TEST(ring_corrupted_by_the_host_breaks_only_that_channel)
{
	struct tenv *env = tenv_create(NULL);
	struct hs_device *dev[2];
	struct collector c0, c1;
	struct lis_channel *ch0, *ch1;
	u32 *ctl;
	u8 msg[8] = { 0 };

	dev[0] = add_device(env, ECHO_CLASS, 1, &echo_ops, NULL);
	dev[1] = add_device(env, ECHO_CLASS, 2, &echo_ops, NULL);
	ASSERT(tenv_boot(env) == 0);
	ch0 = tenv_channel(env, 0);
	ch1 = tenv_channel(env, 1);
	ASSERT(open_collect(ch0, &c0, 4 * 4096) == 0);
	ASSERT(open_collect(ch1, &c1, 4 * 4096) == 0);
	/* the host points its write index past the end of the ring */
	ctl = hs_channel_ring_control(hs_device_channel(dev[0], 0), true);
	ASSERT(ctl);
	port_log_clear();
	ctl[0] = 3 * 4096 + 64;
	hs_channel_signal(hs_device_channel(dev[0], 0));
	EXPECT(tenv_wait(env, collector_broken, &c0, 5000));
	EXPECT(c0.errors >= 1);
	EXPECT(port_log_contains("ring corrupted"));
	/* the other channel is unaffected */
	EXPECT_EQ(lis_channel_send(ch1, LIS_VMBUS_PKT_DATA_INBAND, 1, 5, msg, 8), 0);
	EXPECT(wait_collected(&c1, 1, 2000));
	lis_channel_close(ch0);
	lis_channel_close(ch1);
	tenv_destroy(env);
}

LIS_TEST(full_ring_waits_for_the_host_then_goes_on)
{
	struct tenv *env = tenv_create(NULL);
	struct echo_dev e = { .host = tenv_host(env), .stall = true };
	struct hs_device *dev;
	struct collector c;
	struct lis_channel *ch;
	u8 msg[1000] = { 0 };
	unsigned int n = 0, i;
	int ret;

	dev = add_device(env, ECHO_CLASS, 1, &echo_ops, &e);
	ASSERT(tenv_boot(env) == 0);
	ch = tenv_channel(env, 0);
	ASSERT(open_collect(ch, &c, 4 * 4096) == 0);
	while ((ret = lis_channel_send(ch, LIS_VMBUS_PKT_DATA_INBAND, 1, n + 1, msg,
				       sizeof(msg))) == 0)
		n++;
	EXPECT_EQ(ret, -EAGAIN);
	EXPECT(n >= 10 && n <= 12);
	/* the host wakes up and drains; the guest can send again */
	__atomic_store_n(&e.stall, false, __ATOMIC_SEQ_CST);
	hs_channel_set_interrupt_mask(hs_device_channel(dev, 0), false);
	for (i = 0; i < 100; i++) {
		if (lis_channel_send(ch, LIS_VMBUS_PKT_DATA_INBAND, 1, 999, msg, sizeof(msg)) == 0)
			break;
		lis_msleep(10);
	}
	EXPECT(i < 100);
	EXPECT(wait_collected(&c, n + 1, 5000));
	lis_channel_close(ch);
	tenv_destroy(env);
}

#define NCHAN 8
LIS_TEST(many_channels_with_concurrent_senders)
{
	struct tenv *env = boot_with_echo(NCHAN, NULL, NULL);
	struct collector c[NCHAN];
	struct sender s[NCHAN];
	pthread_t t[NCHAN];
	unsigned int i;
	u64 end;

	ASSERT(env);
	/* every channel open before the senders start: an open waits for the
	 * host's answer, which senders flooding the host would only delay */
	for (i = 0; i < NCHAN; i++)
		ASSERT(open_collect(tenv_channel(env, i), &c[i], 8 * 4096) == 0);
	for (i = 0; i < NCHAN; i++) {
		memset(&s[i], 0, sizeof(s[i]));
		s[i].ch = tenv_channel(env, i);
		pthread_create(&t[i], NULL, send_loop, &s[i]);
	}
	lis_msleep(500);
	/* a loaded machine may not have run every sender yet: each sends one */
	end = lis_time_ms() + 5000;
	for (i = 0; i < NCHAN; i++)
		while (!__atomic_load_n(&s[i].sent, __ATOMIC_SEQ_CST) && lis_time_ms() < end)
			lis_msleep(1);
	for (i = 0; i < NCHAN; i++)
		__atomic_store_n(&s[i].stop, true, __ATOMIC_SEQ_CST);
	for (i = 0; i < NCHAN; i++) {
		pthread_join(t[i], NULL);
		EXPECT(s[i].sent > 0);
		EXPECT(wait_collected(&c[i], s[i].sent, 5000));
		/* every transaction id came back exactly once */
		EXPECT_EQ(c[i].sum_ids, (u64)s[i].sent * (s[i].sent + 1) / 2);
		lis_channel_close(tenv_channel(env, i));
	}
	tenv_destroy(env);
}

/* sub-channels: the driver opens each as it is offered */
static struct collector sub_c[4];
static unsigned int sub_n;
static void on_sub(struct lis_channel *sub, void *ctx)
{
	unsigned int i = __atomic_fetch_add(&sub_n, 1, __ATOMIC_SEQ_CST);

	if (i < 4) {
		lis_channel_set_target_cpu(sub, i % 2);
		open_collect(sub, &sub_c[i], 4 * 4096);
	}
}

static bool subs_open(struct hs_device *dev, unsigned int n)
{
	struct hs_channel *hch;
	unsigned int i;

	for (i = 1; i <= n; i++) {
		hch = hs_device_channel(dev, i);
		if (!hch || !hs_channel_is_open(hch))
			return false;
	}
	return true;
}

LIS_TEST(sub_channels_are_offered_to_their_primary_and_carry_io)
{
	struct hs_device *dev;
	struct tenv *env = tenv_create(NULL);
	struct collector c;
	struct lis_channel *ch, *sub;
	u8 msg[8] = { 0 };
	unsigned int i;

	dev = add_device(env, ECHO_CLASS, 1, &echo_ops, NULL);
	ASSERT(tenv_boot(env) == 0);
	ch = tenv_channel(env, 0);
	ASSERT(open_collect(ch, &c, 4 * 4096) == 0);
	lis_channel_set_subchannel_handler(ch, on_sub, NULL);
	EXPECT_EQ(hs_device_add_subchannels(dev, 3), 3);
	for (i = 0; i < 100 && __atomic_load_n(&sub_n, __ATOMIC_SEQ_CST) < 3; i++)
		lis_msleep(10);
	EXPECT_EQ(sub_n, 3);
	/* sub_n counts on_sub's start; its open_collect waits for the host */
	for (i = 0; i < 5000 && !subs_open(dev, 3); i++)
		lis_msleep(1);
	for (i = 1; i <= 3; i++) {
		struct hs_channel *hch = hs_device_channel(dev, i);

		ASSERT(hch);
		EXPECT(hs_channel_is_open(hch));
		/* TargetVp of OPENCHANNEL followed set_target_cpu */
		EXPECT_EQ(hs_channel_target_vp(hch), (i - 1) % 2);
	}
	/* I/O on a sub-channel comes back on that sub-channel */
	sub = NULL;
	for (i = 0; i < 3; i++) {
		ASSERT(lis_channel_send(ch, LIS_VMBUS_PKT_DATA_INBAND, 1, 1, msg, 8) == 0);
	}
	(void)sub;
	EXPECT(wait_collected(&c, 3, 2000));
	tenv_destroy(env);
}

LIS_TEST(target_cpu_moves_with_modifychannel)
{
	struct tenv_config cfg = { .nr_cpus = 2 };
	struct tenv *env = tenv_create(&cfg);
	struct hs_device *dev;
	struct collector c;
	struct lis_channel *ch;
	u8 msg[8] = { 0 };

	dev = add_device(env, ECHO_CLASS, 1, &echo_ops, NULL);
	ASSERT(tenv_boot(env) == 0);
	ch = tenv_channel(env, 0);
	ASSERT(open_collect(ch, &c, 4 * 4096) == 0);
	EXPECT_EQ(hs_channel_target_vp(hs_device_channel(dev, 0)), 0);
	EXPECT_EQ(lis_channel_set_target_cpu(ch, 1), 0);
	EXPECT_EQ(lis_channel_target_cpu(ch), 1);
	EXPECT_EQ(hs_channel_target_vp(hs_device_channel(dev, 0)), 1);
	/* and events now arrive on CPU 1 */
	EXPECT_EQ(lis_channel_send(ch, LIS_VMBUS_PKT_DATA_INBAND, 1, 3, msg, 8), 0);
	EXPECT(wait_collected(&c, 1, 2000));
	EXPECT(lis_vmbus_cpu_busy(tenv_vmbus(env), 1));
	EXPECT_EQ(lis_channel_set_target_cpu(ch, 7), -EINVAL);
	lis_channel_close(ch);
	EXPECT(!lis_vmbus_cpu_busy(tenv_vmbus(env), 1));
	tenv_destroy(env);
}

/* ---- disconnect ---- */

LIS_TEST(disconnect_sends_unload_and_waits_for_the_answer)
{
	struct tenv *env = boot(NULL);

	ASSERT(env);
	tenv_shutdown(env);
	EXPECT_EQ(host_state(env).unloads, 1);
	EXPECT_EQ(lis_vmbus_version(tenv_vmbus(env)), 0);
	tenv_destroy(env);
}

LIS_TEST(disconnect_gives_up_on_a_silent_host)
{
	struct tenv *env = boot(NULL);
	u64 t;

	ASSERT(env);
	hs_inject(tenv_host(env), HS_FAULT_NO_UNLOAD_RESPONSE, 1);
	port_log_clear();
	t = lis_time_ms();
	tenv_shutdown(env);
	t = lis_time_ms() - t;
	EXPECT(port_log_contains("no UNLOAD_RESPONSE"));
	EXPECT(t >= 1500 && t < 10000);
	tenv_destroy(env);
}

LIS_TEST(polled_unload_for_crash_and_kexec)
{
	struct tenv *env = boot(NULL);
	struct hs_vmbus_state st;

	ASSERT(env);
	lis_vmbus_unload_polled(tenv_vmbus(env));
	st = host_state(env);
	EXPECT_EQ(st.unloads, 1);
	/* the host can be contacted afresh: the next kernel connects */
	tenv_destroy(env);
}

LIS_TEST(win8_hosts_get_no_unload)
{
	static const uint32_t win8[] = { 0x00020004, 0 };
	struct tenv_config cfg = { .host_versions = win8 };
	struct tenv *env = boot(&cfg);

	ASSERT(env);
	tenv_shutdown(env);
	EXPECT_EQ(host_state(env).unloads, 0);
	tenv_destroy(env);
}

LIS_TEST_MAIN("vmbus")
