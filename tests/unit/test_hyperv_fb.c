// SPDX-License-Identifier: GPL-2.0
/*
 * The synthvid core (hyperv_fb, hyperv_drm) against a synthetic video host:
 * wire offsets, version negotiation and refusal, the resolutions a 3.5 host
 * offers, the VRAM location and mode acknowledgements (matched by their
 * context), dirty rectangles and the host turning them off, and malformed
 * host packets.  The host is a small one on hostsim's generic device API,
 * written from the notes' byte offsets (docs/protocol-notes.md "Synthetic
 * video").
 */
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include "tdev.h"
#include "lis_test.h"
#include "../../drivers/hyperv_fb/core/svid_core.h"
#include "hostsim_video_pci.h"

#define SVID_CLASS	"{da0a7802-e377-4aac-8e77-0558eb1073f8}"

struct vhost {
	pthread_mutex_t lock;
	struct hs_channel *ch;
	u32 accept;			/* the version it accepts */
	bool no_ack;			/* never acknowledge */
	bool wrong_context;		/* acknowledge with another context */
	u32 versions_asked;
	u64 vram;
	u32 width, height, pitch, depth, active;
	unsigned int dirts, pointer_msgs;
	u32 dirt[4];
};

static struct vhost H = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* pipe header, synthvid header (size = header + message), message */
static void host_msg(u32 type, const void *msg, u32 len)
{
	u8 b[512];

	put32(b, 1);
	put32(b + 4, 8 + len);
	put32(b + 8, type);
	put32(b + 12, 8 + len);
	if (len)
		memcpy(b + 16, msg, len);
	while (hs_channel_send(H.ch, 6, 0, 0, b, 16 + len))
		lis_msleep(1);
}

static void host_packet(const struct hs_packet *pkt)
{
	const u8 *m = pkt->payload + 16;
	u8 b[200];

	if (pkt->payload_len < 16 || get32(pkt->payload) != 1)
		return;
	pthread_mutex_lock(&H.lock);
	memset(b, 0, sizeof(b));
	switch (get32(pkt->payload + 8)) {
	case 1:		/* VERSION_REQUEST */
		H.versions_asked++;
		memcpy(b, m, 4);
		b[4] = get32(m) == H.accept ? 1 : 0;
		b[5] = 1;
		host_msg(2, b, 6);
		break;
	case 13:	/* RESOLUTIONS_REQUEST: two, the second the default */
		b[128] = 2;
		b[129] = 1;
		put16(b + 131, 1024);
		put16(b + 133, 768);
		put16(b + 135, 2560);
		put16(b + 137, 1440);
		host_msg(14, b, 131 + 8);
		break;
	case 3:		/* VRAM_LOCATION */
		H.vram = get64(m + 9);
		memcpy(b, m, 8);
		if (H.wrong_context)
			b[0] ^= 0xFF;
		if (!H.no_ack)
			host_msg(4, b, 8);
		break;
	case 5:		/* SITUATION_UPDATE */
		H.active = m[9];
		H.depth = m[14];
		H.width = get32(m + 15);
		H.height = get32(m + 19);
		H.pitch = get32(m + 23);
		memcpy(b, m, 8);
		if (!H.no_ack)
			host_msg(6, b, 8);
		break;
	case 10:	/* DIRT */
		H.dirts++;
		H.dirt[0] = get32(m + 2);
		H.dirt[1] = get32(m + 6);
		H.dirt[2] = get32(m + 10);
		H.dirt[3] = get32(m + 14);
		break;
	case 7:
	case 8:
		H.pointer_msgs++;
		break;
	}
	pthread_mutex_unlock(&H.lock);
}

static void host_ready(struct hs_channel *ch)
{
	struct hs_packet pkt;

	while (hs_channel_recv(ch, &pkt) == 1)
		host_packet(&pkt);
}

static void host_opened(struct hs_channel *ch, const uint8_t *ud)
{
	__atomic_store_n(&H.ch, ch, __ATOMIC_SEQ_CST);
}

static const struct hs_device_ops host_ops = { .opened = host_opened, .ready = host_ready };

struct tglue {
	struct tenv *env;
	struct lis_svid *v;
	int ret;
	bool probed;
};

static struct tglue G;

static int t_probe(struct tenv *env, struct lis_channel *ch)
{
	struct lis_svid_config cfg = { 0 };
	struct lis_svid *v = NULL;

	cfg.ch = ch;
	cfg.timeout_ms = 2000;
	G.ret = lis_svid_create(&cfg, &v);
	__atomic_store_n(&G.v, v, __ATOMIC_SEQ_CST);
	__atomic_store_n(&G.probed, true, __ATOMIC_SEQ_CST);
	return G.ret;
}

static void t_remove(struct tenv *env, struct lis_channel *ch)
{
	struct lis_svid *v = __atomic_exchange_n(&G.v, NULL, __ATOMIC_SEQ_CST);

	if (v)
		lis_svid_destroy(v);
}

static bool setup(u32 accept)
{
	struct tdev d = { .cls = SVID_CLASS, .host_ops = &host_ops,
			  .probe = t_probe, .remove = t_remove };

	memset(&G, 0, sizeof(G));
	pthread_mutex_lock(&H.lock);
	memset((u8 *)&H + offsetof(struct vhost, accept), 0,
	       sizeof(H) - offsetof(struct vhost, accept));
	H.accept = accept;
	pthread_mutex_unlock(&H.lock);
	d.offer.mmio_megabytes = 8;
	d.offer.flags = 0x0010;
	G.env = tdev_boot(&d, &G.probed);
	return G.env != NULL;
}

static void teardown(void)
{
	struct lis_svid *v = __atomic_exchange_n(&G.v, NULL, __ATOMIC_SEQ_CST);

	if (v)
		lis_svid_destroy(v);
	if (G.env)
		tenv_destroy(G.env);
	G.env = NULL;
}

#define V35	((5u << 16) | 3)
#define V32	((2u << 16) | 3)
#define V30	3u
#define OFF(type, field)	offsetof(struct type, field)

LIS_TEST(wire_offsets_match_the_notes)
{
	EXPECT_EQ(sizeof(struct lis_svid_vram_location), 17);
	EXPECT_EQ(OFF(lis_svid_vram_location, vram_gpa), 9);
	EXPECT_EQ(sizeof(struct lis_svid_situation_update), 27);
	EXPECT_EQ(OFF(lis_svid_situation_update, active), 9);
	EXPECT_EQ(OFF(lis_svid_situation_update, depth_bits), 14);
	EXPECT_EQ(OFF(lis_svid_situation_update, width), 15);
	EXPECT_EQ(OFF(lis_svid_situation_update, pitch), 23);
	EXPECT_EQ(OFF(lis_svid_dirt, rect), 2);
	EXPECT_EQ(sizeof(struct lis_svid_resolutions_response), 131);
	EXPECT_EQ(sizeof(struct lis_svid_version_response), 6);
	EXPECT_EQ(LIS_SVID_VERSION_WIN10, V35);
}

LIS_TEST(a_3_5_host_gives_its_resolutions)
{
	struct lis_svid_info info;

	ASSERT(setup(V35));
	ASSERT(G.v);
	lis_svid_get_info(G.v, &info);
	EXPECT_EQ(info.version, V35);
	EXPECT_EQ(info.depth, 32);
	EXPECT_EQ(info.max_width, 2560);
	EXPECT_EQ(info.max_height, 1440);
	EXPECT_EQ(info.default_width, 2560);
	EXPECT(lis_svid_mode_ok(G.v, 1920, 1080, 8u << 20));
	EXPECT(!lis_svid_mode_ok(G.v, 2560, 1440, 8u << 20));	/* VRAM too small */
	EXPECT(!lis_svid_mode_ok(G.v, 4000, 100, 64u << 20));
	teardown();
}

LIS_TEST(older_hosts_get_older_versions)
{
	struct lis_svid_info info;

	ASSERT(setup(V30));
	ASSERT(G.v);
	EXPECT_EQ(H.versions_asked, 3);
	lis_svid_get_info(G.v, &info);
	EXPECT_EQ(info.depth, 16);
	EXPECT_EQ(info.max_width, 1600);
	teardown();
	ASSERT(setup(0x99));
	EXPECT(G.ret != 0);
	teardown();
}

LIS_TEST(vram_and_mode_are_acknowledged)
{
	ASSERT(setup(V32));
	ASSERT(G.v);
	EXPECT_EQ(lis_svid_set_vram(G.v, 0xF8000000ull), 0);
	EXPECT_EQ(H.vram, 0xF8000000ull);
	EXPECT_EQ(lis_svid_set_mode(G.v, true, 1024, 768, 4096), 0);
	EXPECT_EQ(H.width, 1024);
	EXPECT_EQ(H.height, 768);
	EXPECT_EQ(H.pitch, 4096);
	EXPECT_EQ(H.depth, 32);
	EXPECT_EQ(H.active, 1);
	EXPECT_EQ(lis_svid_hide_pointer(G.v), 0);
	pthread_mutex_lock(&H.lock);
	H.wrong_context = true;
	pthread_mutex_unlock(&H.lock);
	EXPECT_EQ(lis_svid_set_vram(G.v, 0xF9000000ull), -ETIMEDOUT);	/* 2 s */
	EXPECT(lis_svid_protocol_errors(G.v) >= 1);
	teardown();
}

static bool host_dirts(struct tenv *env, void *arg)
{
	unsigned int n;

	pthread_mutex_lock(&H.lock);
	n = H.dirts;
	pthread_mutex_unlock(&H.lock);
	return n >= *(unsigned int *)arg;
}

/* the guest has read the host's "no more dirty rectangles" */
static bool dirt_not_needed(struct tenv *env, void *arg)
{
	struct lis_svid_info info;

	lis_svid_get_info(G.v, &info);
	return !info.dirt_needed;
}

static bool guest_errors(struct tenv *env, void *arg)
{
	return lis_svid_protocol_errors(G.v) >= *(u64 *)arg;
}

LIS_TEST(dirty_rectangles_until_the_host_says_no)
{
	u8 fc[4] = { 0, 0, 0, 0 };
	unsigned int one = 1;

	ASSERT(setup(V32));
	ASSERT(G.v);
	EXPECT_EQ(lis_svid_dirty(G.v, 10, 20, 30, 40), 0);
	EXPECT(tenv_wait(G.env, host_dirts, &one, 5000));
	EXPECT_EQ(H.dirts, 1);
	EXPECT_EQ(H.dirt[0], 10);
	EXPECT_EQ(H.dirt[3], 40);
	EXPECT_EQ(lis_svid_dirty(G.v, 5, 5, 5, 9), 0);	/* empty: nothing */
	pthread_mutex_lock(&H.lock);
	host_msg(9, fc, 4);				/* no dirt needed */
	pthread_mutex_unlock(&H.lock);
	EXPECT(tenv_wait(G.env, dirt_not_needed, NULL, 5000));
	EXPECT_EQ(lis_svid_dirty(G.v, 0, 0, 10, 10), 0);
	lis_msleep(50);					/* nothing may come */
	EXPECT_EQ(H.dirts, 1);
	teardown();
}

LIS_TEST(malformed_host_packets_are_counted)
{
	u8 b[32];
	u64 five = 5;

	ASSERT(setup(V32));
	ASSERT(G.v);
	memset(b, 0, sizeof(b));
	pthread_mutex_lock(&H.lock);
	put32(b, 2);				/* not a data pipe packet */
	put32(b + 4, 8);
	while (hs_channel_send(H.ch, 6, 0, 0, b, 16))
		lis_msleep(1);
	put32(b, 1);
	put32(b + 4, 100);			/* says more than it carries */
	while (hs_channel_send(H.ch, 6, 0, 0, b, 16))
		lis_msleep(1);
	host_msg(9, b, 2);			/* a short feature change */
	host_msg(4, b, 8);			/* an acknowledgement nobody waits for */
	host_msg(77, b, 4);			/* unknown */
	pthread_mutex_unlock(&H.lock);
	EXPECT(tenv_wait(G.env, guest_errors, &five, 5000));
	EXPECT_EQ(lis_svid_protocol_errors(G.v), 5);
	teardown();
}

/* ---- against hostsim's synthetic video host: the independent oracle ---- */

static struct hs_svid *SV;

static bool add_svid(struct hs_host *h)
{
	SV = hs_svid_add(h, &(struct hs_svid_config){ .vram_mb = 8 });
	return SV != NULL;
}

static bool svid_dirt_seen(struct tenv *env, void *arg)
{
	struct hs_svid_stats st;

	hs_svid_stats(SV, &st);
	return st.dirt_rects >= *(u64 *)arg;
}

LIS_TEST(hostsim_synthvid_host_agrees)
{
	struct tdev d = { .cls = SVID_CLASS, .probe = t_probe, .remove = t_remove,
			  .add_host = add_svid };
	struct hs_svid_stats st;
	struct hs_svid_rect r[2];
	struct lis_svid_info info;
	u64 want = 1;

	memset(&G, 0, sizeof(G));
	G.env = tdev_boot(&d, &G.probed);
	ASSERT(G.env);
	ASSERT(G.v);
	lis_svid_get_info(G.v, &info);
	EXPECT_EQ(info.version, V35);
	EXPECT_EQ(info.max_width, 1920);	/* hostsim's list: up to 1920x1080 */
	EXPECT_EQ(info.max_height, 1080);
	EXPECT_EQ(info.default_width, 1152);
	EXPECT_EQ(info.default_height, 864);
	EXPECT_EQ(lis_svid_set_vram(G.v, 0xF8000000ull), 0);
	EXPECT_EQ(lis_svid_set_mode(G.v, true, 1152, 864, 1152 * 4), 0);
	EXPECT_EQ(lis_svid_hide_pointer(G.v), 0);
	EXPECT_EQ(lis_svid_dirty(G.v, 10, 20, 30, 40), 0);
	EXPECT(tenv_wait(G.env, svid_dirt_seen, &want, 5000));
	hs_svid_stats(SV, &st);
	EXPECT_EQ(st.version, V35);
	EXPECT_EQ(st.vram_gpa, 0xF8000000ull);
	EXPECT_EQ(st.situation_updates, 1);
	EXPECT_EQ(st.width, 1152);
	EXPECT_EQ(st.height, 864);
	EXPECT_EQ(st.pitch, 1152 * 4);
	EXPECT_EQ(st.depth, 32);
	EXPECT_EQ(st.pointer_shapes, 1);
	EXPECT_EQ(st.pointer_width, 1);
	EXPECT_EQ(hs_svid_dirt(SV, r, 2), 1);
	EXPECT_EQ(r[0].left, 10);
	EXPECT_EQ(r[0].bottom, 40);
	/* a mode the host does not list is refused by the core, not sent */
	EXPECT(!lis_svid_mode_ok(G.v, 2560, 1440, 64u << 20));
	/* the host stops wanting rectangles: none is sent after it said so */
	EXPECT_EQ(hs_svid_feature_change(SV, false), 0);
	EXPECT(tenv_wait(G.env, dirt_not_needed, NULL, 5000));
	EXPECT_EQ(lis_svid_dirty(G.v, 0, 0, 8, 8), 0);
	lis_msleep(50);					/* nothing may come */
	hs_svid_stats(SV, &st);
	EXPECT_EQ(st.dirt_rects, 1);
	EXPECT_EQ(st.protocol_errors, 0);
	EXPECT_EQ(lis_svid_protocol_errors(G.v), 0);
	teardown();
	SV = NULL;
}

LIS_TEST_MAIN("hyperv_fb")
