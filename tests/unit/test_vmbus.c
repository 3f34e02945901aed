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

LIS_TEST_MAIN("vmbus")
