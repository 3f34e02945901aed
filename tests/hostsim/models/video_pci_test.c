// SPDX-License-Identifier: GPL-2.0
/*
 * Synthetic video and virtual PCI checks: raw guests whose messages are
 * built and parsed at the offsets of docs/protocol-notes.md ("Synthetic
 * video", "Virtual PCI"), driving hostsim's synthvid and vpci hosts through
 * the good exchanges and the mistakes each host must count.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models.h"
#include "hostsim_video_pci.h"

#define WAIT		5000u
#define OFFER_MMIO_MB	58

static const uint8_t sv_class[16] = {
	0x02, 0x78, 0x0a, 0xda, 0x77, 0xe3, 0xac, 0x4a,
	0x8e, 0x77, 0x05, 0x58, 0xeb, 0x10, 0x73, 0xf8,
};
static const uint8_t vp_class[16] = {
	0x1d, 0xf6, 0xc4, 0x44, 0x44, 0x44, 0x00, 0x44,
	0x9d, 0x52, 0x80, 0x2e, 0x27, 0xed, 0xe1, 0x9f,
};

/* a host of G_VPS processors (the caller adds its model) */
static bool host_up(struct guest *g)
{
	static const struct hs_config hc = { .nr_vps = G_VPS };

	return !g_setup(g, &hc);
}

/* the model hostsim made, or NULL with the check failed */
static void *added(struct guest *g, void *model)
{
	if (!model)
		g_fail(g, "hostsim refused the model's configuration");
	return model;
}

/* open the one offer of class `cls`; the offer is copied to `offer` */
static int open_class(struct guest *g, struct gchan *c, const uint8_t cls[16], uint8_t *offer)
{
	uint8_t o[8][240];
	int n, i;

	n = m_connect(g, o, 8);
	REQUIRE_RC(n > 0, "no offers");
	i = m_find_offer(o, n, cls, NULL, 0);
	REQUIRE_RC(i >= 0, "no offer of the class");
	if (offer)
		memcpy(offer, o[i], 240);
	return m_open(g, c, o[i], 4);
}

/* the next packet's payload (copied to m); its type in *type, tid in *tid */
static int next_payload(struct guest *g, struct gchan *c, uint8_t *m, uint32_t cap,
			uint16_t *type, uint64_t *tid)
{
	uint8_t buf[8192];
	int n = m_recv(g, c, buf, sizeof(buf), WAIT);
	uint32_t off;

	REQUIRE_RC(n > 0, "nothing from the host");
	off = rd16(buf + 2) * 8u;
	REQUIRE_RC(off >= 16 && off <= (uint32_t)n && (uint32_t)n - off <= cap, "packet layout");
	memcpy(m, buf + off, (uint32_t)n - off);
	if (type)
		*type = rd16(buf);
	if (tid)
		*tid = rd64(buf + 8);
	return n - (int)off;
}

/* ==== synthetic video ====================================================== */

/* pipe header + synthvid header + message */
static int sv_send(struct guest *g, struct gchan *c, uint32_t type, const void *msg,
		   uint32_t len)
{
	uint8_t buf[1024];

	wr32(buf, 1);
	wr32(buf + 4, 8 + len);
	wr32(buf + 8, type);
	wr32(buf + 12, 8 + len);
	memcpy(buf + 16, msg, len);
	return m_send(g, c, 6, 0, 0, NULL, 0, buf, 16 + len);
}

/* the next synthvid message: must be of `type`; message length */
static int sv_expect(struct guest *g, struct gchan *c, uint32_t type, uint8_t *msg)
{
	uint8_t m[8192];
	uint16_t pt;
	int n = next_payload(g, c, m, sizeof(m), &pt, NULL);

	if (n < 0)
		return -1;
	REQUIRE_RC(pt == 6 && n >= 16 && rd32(m) == 1 && rd32(m + 4) >= 8 &&
		   rd32(m + 4) <= (uint32_t)n - 8, "pipe framing (packet type %u, %d bytes)", pt, n);
	REQUIRE_RC(rd32(m + 8) == type, "expected synthvid message %u, got %u", type,
		   rd32(m + 8));
	REQUIRE_RC(rd32(m + 12) == rd32(m + 4), "synthvid size %u, pipe size %u", rd32(m + 12),
		   rd32(m + 4));
	memcpy(msg, m + 16, rd32(m + 4) - 8);
	return (int)rd32(m + 4) - 8;
}

static int sv_version(struct guest *g, struct gchan *c, uint32_t version)
{
	uint8_t m[64];

	wr32(m, version);
	REQUIRE_RC(!sv_send(g, c, 1, m, 4), "send");
	REQUIRE_RC(sv_expect(g, c, 2, m) == 6 && rd32(m) == version && m[5] == 1,
		   "VERSION_RESPONSE");
	return m[4];
}

static int sv_vram(struct guest *g, struct gchan *c, uint64_t ctx, uint64_t where)
{
	uint8_t m[64] = { 0 };

	wr64(m, ctx);
	m[8] = 1;
	wr64(m + 9, where);
	REQUIRE_RC(!sv_send(g, c, 3, m, 17), "send");
	REQUIRE_RC(sv_expect(g, c, 4, m) == 8 && rd64(m) == ctx, "VRAM ack context");
	REQUIRE_RC(sv_expect(g, c, 9, m) == 4 && m[0] == 1, "FEATURE_CHANGE after the VRAM");
	return 0;
}

static int sv_mode(struct guest *g, struct gchan *c, uint64_t ctx, uint8_t depth, uint32_t w,
		   uint32_t h, uint32_t pitch)
{
	uint8_t m[64] = { 0 };

	wr64(m, ctx);
	m[8] = 1;
	m[9] = 1;
	wr32(m + 10, 0);
	m[14] = depth;
	wr32(m + 15, w);
	wr32(m + 19, h);
	wr32(m + 23, pitch);
	REQUIRE_RC(!sv_send(g, c, 5, m, 27), "send");
	REQUIRE_RC(sv_expect(g, c, 6, m) == 8 && rd64(m) == ctx, "SITUATION ack context");
	return 0;
}

static int sv_dirt(struct guest *g, struct gchan *c, const int32_t (*r)[4], uint8_t n)
{
	uint8_t m[2 + 16 * 8];
	unsigned int i, k;

	m[0] = 0;
	m[1] = n;
	for (i = 0; i < n; i++)
		for (k = 0; k < 4; k++)
			wr32(m + 2 + 16 * i + 4 * k, (uint32_t)r[i][k]);
	return sv_send(g, c, 10, m, 2 + 16u * n);
}

static struct hs_svid_stats sv_stats(struct hs_svid *v)
{
	struct hs_svid_stats st;

	hs_svid_stats(v, &st);
	return st;
}

static bool sv_dirt_rects(const struct hs_svid_stats *st, void *arg)
{
	return st->dirt_rects >= *(uint64_t *)arg;
}

static bool sv_errors(const struct hs_svid_stats *st, void *arg)
{
	return st->protocol_errors >= *(uint64_t *)arg;
}

static struct hs_svid *sv_host(struct guest *g, const struct hs_svid_config *cfg)
{
	return host_up(g) ? added(g, hs_svid_add(g->h, cfg)) : NULL;
}

/* 3.5, resolutions, VRAM, mode, dirt and the pixels the host sees */
static void svid_negotiate_vram_mode_dirt(struct guest *g)
{
	static const int32_t rects[2][4] = { { 0, 0, 8, 8 }, { 100, 50, 1024, 768 } };
	struct hs_svid *v = sv_host(g, &(struct hs_svid_config){ .vram_mb = 4 });
	struct hs_svid_rect kept[4];
	uint8_t offer[240], m[512], *vram, px[4];
	struct hs_svid_stats st;
	struct gchan c;
	uint64_t want = 2;

	if (!v || open_class(g, &c, sv_class, offer))
		return;
	REQUIRE(rd16(offer + OFFER_MMIO_MB) == 4, "offer MmioMegabytes %u",
		rd16(offer + OFFER_MMIO_MB));
	REQUIRE(sv_version(g, &c, HS_SVID_VERSION(3, 5)) == 1, "3.5 refused");
	m[0] = 64;
	REQUIRE(!sv_send(g, &c, 13, m, 1), "send");
	REQUIRE(sv_expect(g, &c, 14, m) == 128 + 3 + 16 && m[128] == 4 && m[129] == 1 &&
		rd16(m + 131 + 4) == 1152 && rd16(m + 131 + 6) == 864 &&
		rd16(m + 131 + 12) == 1920, "resolutions answer");
	vram = g_alloc(g, 1024);		/* 4 MiB */
	if (sv_vram(g, &c, 0x1234, gpa(vram)) ||
	    sv_mode(g, &c, 77, 32, 1024, 768, 4096))
		return;
	st = sv_stats(v);
	REQUIRE(st.version == HS_SVID_VERSION(3, 5) && st.vram_gpa == gpa(vram) &&
		st.situation_updates == 1 && st.active && st.width == 1024 && st.height == 768 &&
		st.depth == 32 && st.pitch == 4096 && st.vram_bytes == 4u << 20,
		"stats after the mode: version %#x %ux%u", st.version, st.width, st.height);
	REQUIRE(!sv_dirt(g, &c, rects, 2), "send");
	REQUIRE(hs_svid_wait(v, sv_dirt_rects, &want, WAIT) == 0, "dirt not recorded");
	REQUIRE(hs_svid_dirt(v, kept, 4) == 2 && kept[1].left == 100 && kept[1].bottom == 768,
		"rectangles kept");
	st = sv_stats(v);
	REQUIRE(st.dirt_messages == 1 && st.dirt_bounds.left == 0 && st.dirt_bounds.top == 0 &&
		st.dirt_bounds.right == 1024 && st.dirt_bounds.bottom == 768, "bounds");
	wr32(vram + 4096 * 3 + 8, 0x00ff8040);
	REQUIRE(hs_svid_read_vram(v, 4096 * 3 + 8, px, 4) == 0 && rd32(px) == 0x00ff8040,
		"the host does not see the pixel");
	REQUIRE(hs_svid_read_vram(v, (4u << 20) - 2, px, 4) == -EFAULT, "read past the VRAM");
	/* the pointer: position and a 1x1 ARGB shape */
	memset(m, 0, 32);
	m[0] = 1;
	REQUIRE(!sv_send(g, &c, 7, m, 10), "send");
	m[0] = 0xFF;
	m[1] = 1;
	wr32(m + 2, 1);
	wr32(m + 6, 1);
	REQUIRE(!sv_send(g, &c, 8, m, 22), "send");
	want = 0;
	REQUIRE(m_quiet(g, &c, 50), "the pointer messages are not answered");
	st = sv_stats(v);
	REQUIRE(st.pointer_positions == 1 && st.pointer_visible && st.pointer_shapes == 1 &&
		st.pointer_width == 1 && st.protocol_errors == 0, "pointer / errors %llu",
		(unsigned long long)st.protocol_errors);
}

/* 3.5 refused, 3.2 accepted: 32 bits only, no resolutions message */
static void svid_version_fallback(struct guest *g)
{
	struct hs_svid *v = sv_host(g, &(struct hs_svid_config){
		.versions = (const uint32_t[]){ HS_SVID_VERSION(3, 2), HS_SVID_VERSION(3, 0), 0 },
		.res = { { 800, 600 }, { 1600, 1200 } }, .nres = 2, .default_index = 0 });
	uint8_t m[512], *vram;
	struct hs_svid_stats st;
	struct gchan c;

	if (!v || open_class(g, &c, sv_class, NULL))
		return;
	REQUIRE(sv_version(g, &c, HS_SVID_VERSION(3, 5)) == 0, "3.5 accepted");
	REQUIRE(sv_stats(v).version == 0, "a refused version counts as accepted");
	REQUIRE(sv_version(g, &c, HS_SVID_VERSION(3, 2)) == 1, "3.2 refused");
	vram = g_alloc(g, 2048);
	if (sv_vram(g, &c, 1, gpa(vram)) ||
	    sv_mode(g, &c, 2, 16, 800, 600, 1600) ||		/* 16 bits on 3.2: refused */
	    sv_mode(g, &c, 3, 32, 1601, 600, 6404) ||		/* wider than allowed */
	    sv_mode(g, &c, 4, 32, 800, 600, 3000) ||		/* pitch short */
	    sv_mode(g, &c, 5, 32, 1600, 1200, 6400))
		return;
	st = sv_stats(v);
	REQUIRE(st.situation_updates == 1 && st.width == 1600 && st.protocol_errors == 3,
		"%u updates applied, %llu errors", st.situation_updates,
		(unsigned long long)st.protocol_errors);
	m[0] = 8;
	REQUIRE(!sv_send(g, &c, 13, m, 1), "send");
	REQUIRE(sv_expect(g, &c, 14, m) == 128 + 3 + 8 && m[128] == 2,
		"resolutions answered anyway");
	REQUIRE(sv_stats(v).protocol_errors == 4, "resolutions before 3.5 not counted");
}

/* the host stops wanting rectangles; a guest that sends them is counted */
static void svid_feature_change(struct guest *g)
{
	static const int32_t r[1][4] = { { 1, 1, 2, 2 } };
	struct hs_svid *v = sv_host(g, &(struct hs_svid_config){ 0 });
	uint8_t m[64], *vram;
	struct gchan c;
	uint64_t want = 1;

	if (!v || open_class(g, &c, sv_class, NULL))
		return;
	vram = g_alloc(g, 2048);
	if (sv_version(g, &c, HS_SVID_VERSION(3, 5)) != 1 || sv_vram(g, &c, 9, gpa(vram)) ||
	    sv_mode(g, &c, 10, 32, 640, 480, 2560))
		return;
	REQUIRE(hs_svid_feature_change(v, false) == 0, "feature change");
	REQUIRE(sv_expect(g, &c, 9, m) == 4 && m[0] == 0 && m[1] == 1 && m[3] == 1,
		"FEATURE_CHANGE bytes");
	REQUIRE(!sv_dirt(g, &c, r, 1), "send");
	REQUIRE(hs_svid_wait(v, sv_dirt_rects, &want, WAIT) == 0, "dirt not recorded");
	REQUIRE(sv_stats(v).dirt_while_not_needed == 1 && sv_stats(v).feature_changes == 2,
		"unneeded dirt not counted");
}

static void svid_malformed_guest_messages(struct guest *g)
{
	static const int32_t outside[1][4] = { { 0, 0, 641, 10 } };
	static const int32_t empty[1][4] = { { 5, 5, 5, 9 } };
	struct hs_svid *v = sv_host(g, &(struct hs_svid_config){ 0 });
	uint8_t m[64] = { 0 }, *vram;
	struct gchan c;
	uint64_t want = 11;

	if (!v || open_class(g, &c, sv_class, NULL))
		return;
	vram = g_alloc(g, 2048);
	/* before a version: a situation update (1), a VRAM location (2) */
	REQUIRE(sv_mode(g, &c, 1, 32, 640, 480, 2560) == 0, "situation not acknowledged");
	REQUIRE(sv_vram(g, &c, 2, gpa(vram)) == 0, "VRAM not acknowledged");
	REQUIRE(sv_version(g, &c, HS_SVID_VERSION(3, 5)) == 1, "3.5 refused");
	REQUIRE(!sv_dirt(g, &c, outside, 1), "dirt before a mode (3)");
	if (sv_mode(g, &c, 3, 32, 640, 480, 2560))
		return;
	REQUIRE(!sv_dirt(g, &c, outside, 1), "a rectangle outside the screen (4)");
	REQUIRE(!sv_dirt(g, &c, empty, 1), "an empty rectangle (5)");
	m[1] = 3;
	REQUIRE(!sv_send(g, &c, 10, m, 2 + 16), "count past the message (6)");
	REQUIRE(!sv_send(g, &c, 3, m, 9), "short VRAM location (7)");
	REQUIRE(!sv_send(g, &c, 2, m, 6), "a host-only type (8)");
	wr32(m, 2);
	wr32(m + 4, 8);
	REQUIRE(!m_send(g, &c, 6, 0, 0, NULL, 0, m, 16), "pipe type 2 (9)");
	wr32(m, 1);
	wr32(m + 4, 4000);
	REQUIRE(!m_send(g, &c, 6, 0, 0, NULL, 0, m, 16), "pipe size past the packet (10)");
	REQUIRE(!m_send(g, &c, 6, 0, 0, NULL, 0, m, 8), "no synthvid header (11)");
	REQUIRE(hs_svid_wait(v, sv_errors, &want, WAIT) == 0, "%llu errors counted",
		(unsigned long long)sv_stats(v).protocol_errors);
	REQUIRE(m_quiet(g, &c, 50) && sv_stats(v).protocol_errors == 11 &&
		sv_stats(v).dirt_rects == 0, "%llu errors, %llu rectangles",
		(unsigned long long)sv_stats(v).protocol_errors,
		(unsigned long long)sv_stats(v).dirt_rects);
}

/* ==== virtual PCI ========================================================== */
#define VP(n)		(0x42490000u + (n))

static uint64_t vp_tid;

/* a request (completion requested, our own transaction id); with `answer`
 * the completion's payload is copied there and its length returned */
static int vp_ask(struct guest *g, struct gchan *c, const uint8_t *m, uint32_t len,
		  uint8_t *answer)
{
	uint16_t type;
	uint64_t tid, mine = ++vp_tid;
	int n;

	REQUIRE_RC(!m_send(g, c, 6, 1, mine, NULL, 0, m, len), "send");
	if (!answer)
		return 0;
	n = next_payload(g, c, answer, 4096, &type, &tid);
	if (n < 0)
		return -1;
	REQUIRE_RC(type == 0xB && tid == mine, "expected the completion of %#x, got type %u",
		   rd32(m), type);
	return n;
}

/* a message the host sends on its own (relations, eject) */
static int vp_expect(struct guest *g, struct gchan *c, uint32_t type, uint8_t *m)
{
	uint16_t pt;
	int n = next_payload(g, c, m, 4096, &pt, NULL);

	if (n < 0)
		return -1;
	REQUIRE_RC(pt == 6 && n >= 4 && rd32(m) == type, "expected %#x, got %#x (packet %u)",
		   type, rd32(m), pt);
	return n;
}

static uint32_t vp_version(struct guest *g, struct gchan *c, uint32_t version)
{
	uint8_t m[12] = { 0 }, r[4096];

	wr32(m, VP(0x13));
	wr32(m + 4, version);
	if (vp_ask(g, c, m, 12, r) != 8 || rd32(r + 4) != version) {
		g_fail(g, "QUERY_PROTOCOL_VERSION answer");
		return 1;
	}
	return rd32(r);
}

/* D0 entry: the relations come first; their count */
static int vp_d0(struct guest *g, struct gchan *c, uint64_t window, uint32_t rel_type,
		 uint8_t *rel)
{
	uint8_t m[16] = { 0 }, r[4096];

	wr32(m, VP(0x07));
	wr64(m + 8, window);
	if (vp_ask(g, c, m, 16, NULL) || vp_expect(g, c, rel_type, rel) < 8)
		return -1;
	REQUIRE_RC(next_payload(g, c, r, sizeof(r), NULL, NULL) == 8 && rd32(r) == 0,
		   "BUS_D0_ENTRY status");
	return (int)rd32(rel + 4);
}

/* CREATE_INTERRUPT3 for wslot: one vector on one VP, fixed delivery */
static void irq3(uint8_t *m, uint32_t wslot, uint32_t vector, uint16_t vp)
{
	memset(m, 0, 84);
	wr32(m, VP(0x1B));
	wr32(m + 4, wslot);
	wr32(m + 8, vector);
	wr16(m + 14, 1);
	wr16(m + 16, 1);
	wr16(m + 18, vp);
}

static uint32_t cfg32(struct hs_vpci *b, uint64_t win, uint32_t off)
{
	uint32_t v = 0;

	hs_vpci_mmio(b, win + 0x1000 + off, 4, false, &v);
	return v;
}

static void cfg_w(struct hs_vpci *b, uint64_t win, uint32_t off, uint32_t size, uint32_t v)
{
	hs_vpci_mmio(b, win + 0x1000 + off, size, true, &v);
}

static const struct hs_vpci_func_config nic = {
	.device = 2, .function = 0, .vendor_id = 0x15b3, .device_id = 0x101a, .revision = 0x80,
	.prog_if = 0, .subclass = 0x00, .base_class = 0x02, .subsys_vendor_id = 0x15b3,
	.subsys_id = 0x0069, .serial = 7, .numa_node = 1,
	.bar_size = { 1u << 20, 0, 16384 }, .bar_64 = { true }, .bar_prefetch = { true },
	.extra = { 0x09, 0x00, 0x08, 0xaa, 0xbb, 0xcc, 0xdd, 0xee }, .cap_pointer = 0x40,
};

static struct hs_vpci *vp_host(struct guest *g, const struct hs_vpci_config *cfg)
{
	return host_up(g) ? added(g, hs_vpci_add(g->h, cfg)) : NULL;
}

struct ejector {
	struct hs_vpci_func *f;
	int rc;
};

static void *eject_thread(void *arg)
{
	struct ejector *e = arg;

	e->rc = hs_vpci_func_remove(e->f, true, WAIT);
	return NULL;
}

/* 1.4: D0, relations2, requirements, config space, resources, MSI, eject */
static void vpci_bus_function_life(struct guest *g)
{
	struct hs_vpci *b = vp_host(g, &(struct hs_vpci_config){ 0 });
	struct hs_vpci_func *f;
	struct hs_vpci_func_state fs;
	struct hs_vpci_stats st;
	uint8_t m[256] = { 0 }, r[4096], *win;
	struct ejector e;
	pthread_t t;
	uint64_t w;

	if (!b)
		return;
	f = hs_vpci_func_add(b, &nic);
	REQUIRE(f && !hs_vpci_func_add(b, &nic), "a function added twice");
	{
		struct gchan c;

		if (open_class(g, &c, vp_class, NULL))
			return;
		REQUIRE(vp_version(g, &c, HS_VPCI_VERSION(1, 4)) == 0, "1.4 refused");
		win = g_alloc(g, 2);
		w = gpa(win);
		REQUIRE(vp_d0(g, &c, w, VP(0x19), r) == 1, "relations count");
		REQUIRE(rd16(r + 8) == 0x15b3 && rd16(r + 10) == 0x101a && r[12] == 0x80 &&
			r[15] == 0x02 && rd16(r + 18) == 0x0069 && rd32(r + 20) == 2 &&
			rd32(r + 24) == 7 && rd32(r + 28) == 1 && rd16(r + 32) == 1,
			"BUS_RELATIONS2 description");
		wr32(m, VP(0x05));
		wr32(m + 4, 2);
		REQUIRE(vp_ask(g, &c, m, 8, r) == 32 && rd32(r) == 0 &&
			rd32(r + 4) == 0xFFF0000C && rd32(r + 8) == 0xFFFFFFFF &&
			rd32(r + 12) == 0xFFFFC000 && rd32(r + 16) == 0, "BAR requirements");
		/* config space through the trapped window */
		REQUIRE(hs_vpci_mmio(b, w - 4, 4, false, &(uint32_t){ 0 }) == 0, "outside hit");
		REQUIRE(cfg32(b, w, 0) == 0xFFFFFFFF, "nothing selected reads all ones");
		hs_vpci_mmio(b, w, 4, true, &(uint32_t){ 2 });
		REQUIRE(cfg32(b, w, 0) == 0x101a15b3 && cfg32(b, w, 8) == 0x02000080 &&
			cfg32(b, w, 0x2C) == 0x006915b3 && (cfg32(b, w, 4) >> 16) == 0x0010 &&
			(cfg32(b, w, 0x34) & 0xFF) == 0x40 && cfg32(b, w, 0x40) == 0xaa080009,
			"config space: %08x %08x", cfg32(b, w, 0), cfg32(b, w, 8));
		cfg_w(b, w, 0x10, 4, 0xFFFFFFFF);
		REQUIRE(cfg32(b, w, 0x10) == 0xFFF0000C, "BAR0 sizing %08x", cfg32(b, w, 0x10));
		cfg_w(b, w, 0x10, 4, 0xE0000000);
		cfg_w(b, w, 0x14, 4, 0x00000010);
		cfg_w(b, w, 0x18, 4, 0xC0004000);
		cfg_w(b, w, 0x04, 2, 0xFFFF);
		cfg_w(b, w, 0x00, 4, 0);			/* read-only */
		hs_vpci_func_state(f, &fs);
		REQUIRE(fs.bar_address[0] == 0x10E0000000ull && fs.bar_address[2] == 0xC0004000 &&
			fs.command == 0x07FF && cfg32(b, w, 0) == 0x101a15b3,
			"BARs %llx %llx command %x", (unsigned long long)fs.bar_address[0],
			(unsigned long long)fs.bar_address[2], fs.command);
		/* resources, then an interrupt on VP 1 and its deletion */
		memset(m, 0, sizeof(m));
		wr32(m, VP(0x16));
		wr32(m + 4, 2);
		wr32(m + 128, 1);
		REQUIRE(vp_ask(g, &c, m, 202, r) == 8 && rd32(r) == 0, "RESOURCES_ASSIGNED2");
		memset(m, 0, sizeof(m));
		irq3(m, 2, 0x31, 1);
		m[12] = 1;			/* lowest priority */
		REQUIRE(vp_ask(g, &c, m, 84, r) == 24 && rd32(r) == 0 && rd16(r + 10) == 1 &&
			rd32(r + 12) == 0x131 && rd64(r + 16) == 0xFEE01000ull,
			"CREATE_INTERRUPT3 answer %08x %llx", rd32(r + 12),
			(unsigned long long)rd64(r + 16));
		memset(m, 0, sizeof(m));
		wr32(m, VP(0x15));
		wr32(m + 4, 2);
		memcpy(m + 8, r + 8, 16);
		REQUIRE(!m_send(g, &c, 6, 0, 0, NULL, 0, m, 24), "send");
		/* the host ejects the function */
		e.f = f;
		REQUIRE(!pthread_create(&t, NULL, eject_thread, &e), "thread");
		if (vp_expect(g, &c, VP(0x0B), r) != 8 || rd32(r + 4) != 2) {
			pthread_join(t, NULL);
			g_fail(g, "EJECT");
			return;
		}
		memset(m, 0, sizeof(m));
		wr32(m, VP(0x11));
		wr32(m + 4, 2);
		REQUIRE(!m_send(g, &c, 6, 0, 0, NULL, 0, m, 8), "send");
		wr32(m, VP(0x0F));
		REQUIRE(!m_send(g, &c, 6, 0, 0, NULL, 0, m, 12), "send");
		pthread_join(t, NULL);
		REQUIRE(e.rc == 0, "hs_vpci_func_remove: %d", e.rc);
		REQUIRE(vp_expect(g, &c, VP(0x19), r) == 8 && rd32(r + 4) == 0,
			"relations without the function");
		hs_vpci_func_state(f, &fs);
		REQUIRE(fs.ejected && !fs.present && fs.resources_released && fs.irqs_live == 0 &&
			fs.nirqs == 1 && fs.irq[0].vps[0] == 1 && fs.msi_descriptors == 1,
			"function state after the eject");
		memset(m, 0, sizeof(m));
		wr32(m, VP(0x08));
		REQUIRE(vp_ask(g, &c, m, 4, r) == 8 && rd32(r) == 0, "BUS_D0_EXIT");
		hs_vpci_stats(b, &st);
		REQUIRE(!st.d0 && st.d0_entries == 1 && st.d0_exits == 1 && st.functions == 0 &&
			st.ejects_sent == 1 && st.ejections_completed == 1 &&
			st.relations_sent == 2 && st.protocol_errors == 0,
			"bus stats: %llu errors", (unsigned long long)st.protocol_errors);
	}
}

/* 1.4 and 1.3 refused, 1.2 taken: BUS_RELATIONS, CREATE_INTERRUPT2 only */
static void vpci_version_fallback(struct guest *g)
{
	struct hs_vpci *b = vp_host(g, &(struct hs_vpci_config){
		.versions = (const uint32_t[]){ HS_VPCI_VERSION(1, 2), HS_VPCI_VERSION(1, 1), 0 } });
	uint8_t m[256] = { 0 }, r[4096];
	struct gchan c;

	if (!b || !hs_vpci_func_add(b, &nic) || open_class(g, &c, vp_class, NULL))
		return;
	REQUIRE(vp_version(g, &c, HS_VPCI_VERSION(1, 4)) == 0xC0000059 &&
		vp_version(g, &c, HS_VPCI_VERSION(1, 3)) == 0xC0000059 &&
		vp_version(g, &c, HS_VPCI_VERSION(1, 2)) == 0, "fallback");
	REQUIRE(vp_d0(g, &c, gpa(g_alloc(g, 2)), VP(0x00), r) == 1 && rd32(r + 20) == 2 &&
		rd32(r + 24) == 7, "BUS_RELATIONS (20-byte descriptions)");
	wr32(m, VP(0x10));
	wr32(m + 4, 2);
	REQUIRE(vp_ask(g, &c, m, 148, r) == 8 && rd32(r) == 0, "RESOURCES_ASSIGNED");
	irq3(m, 2, 0x40, 0);
	REQUIRE(vp_ask(g, &c, m, 84, r) == 8 && rd32(r) == 0xC00000BB,
		"CREATE_INTERRUPT3 on 1.2 not refused");
	memset(m, 0, sizeof(m));
	wr32(m, VP(0x17));
	wr32(m + 4, 2);
	m[8] = 0x40;
	m[9] = 1;
	wr16(m + 10, 1);
	wr16(m + 12, 2);
	wr16(m + 14, 3);
	wr16(m + 16, 2);
	REQUIRE(vp_ask(g, &c, m, 80, r) == 24 && rd32(r) == 0 && rd32(r + 12) == 0x140 &&
		rd64(r + 16) == 0xFEE03000ull, "CREATE_INTERRUPT2 answer");
	{
		struct hs_vpci_stats st;

		hs_vpci_stats(b, &st);
		REQUIRE(st.version == HS_VPCI_VERSION(1, 2) && st.version_requests == 3 &&
			st.protocol_errors == 1, "stats: %llu errors",
			(unsigned long long)st.protocol_errors);
	}
}

static bool relations_at_least(const struct hs_vpci_stats *st, void *arg)
{
	return st->relations_sent >= *(uint32_t *)arg;
}

/* functions arriving and leaving while in D0; the memory-backed window */
static void vpci_hot_add_and_memory_window(struct guest *g)
{
	struct hs_vpci *b = vp_host(g, &(struct hs_vpci_config){ .window_in_memory = true });
	struct hs_vpci_func_config second = nic;
	struct hs_vpci_func *f1, *f2;
	struct hs_vpci_func_state fs;
	uint8_t r[4096], *win;
	struct gchan c;
	uint32_t want = 2;

	if (!b || open_class(g, &c, vp_class, NULL))
		return;
	REQUIRE(vp_version(g, &c, HS_VPCI_VERSION(1, 3)) == 0, "1.3 refused");
	win = g_alloc(g, 2);
	memset(win, 0x5A, 8192);
	REQUIRE(vp_d0(g, &c, gpa(win), VP(0x19), r) == 0, "an empty bus");
	REQUIRE(rd32(win + 0x1000) == 0xFFFFFFFF, "an empty bus's window");
	f1 = hs_vpci_func_add(b, &nic);
	REQUIRE(f1 && vp_expect(g, &c, VP(0x19), r) == 40 && rd32(r + 4) == 1,
		"relations after the first arrival");
	/* the only function is shown before the guest selects it */
	REQUIRE(rd32(win + 0x1000) == 0x101a15b3 && rd32(win + 0x1008) == 0x02000080,
		"window page %08x", rd32(win + 0x1000));
	second.device = 3;
	second.serial = 8;
	second.device_id = 0x1016;
	f2 = hs_vpci_func_add(b, &second);
	REQUIRE(f2 && vp_expect(g, &c, VP(0x19), r) == 8 + 2 * 28 && rd32(r + 4) == 2,
		"relations after the second arrival");
	/* select the second, write its command register and BAR0 */
	wr32(win, 3);
	REQUIRE(hs_vpci_window_sync(b) == 0 && rd32(win + 0x1000) == 0x101615b3,
		"the window does not follow the selection");
	wr16(win + 0x1004, 0x0006);
	wr32(win + 0x1010, 0xFFFFFFFF);
	wr32(win + 0x1000, 0);				/* read-only: restored */
	REQUIRE(hs_vpci_window_sync(b) == 0 && rd32(win + 0x1010) == 0xFFF0000C &&
		rd32(win + 0x1000) == 0x101615b3, "writes through the window");
	hs_vpci_func_state(f2, &fs);
	REQUIRE(fs.command == 6 && fs.cfg_writes > 0, "command %x", fs.command);
	hs_vpci_func_state(f1, &fs);
	REQUIRE(fs.command == 0, "the first function changed");
	/* surprise removal: relations without it, the window shows the other */
	REQUIRE(hs_vpci_func_remove(f2, false, WAIT) == 0 &&
		vp_expect(g, &c, VP(0x19), r) == 40 && rd32(r + 20) == 2,
		"relations after the removal");
	REQUIRE(rd32(win + 0x1000) == 0x101a15b3, "window after the removal");
	want = 4;
	REQUIRE(hs_vpci_wait(b, relations_at_least, &want, WAIT) == 0, "relations count");
	REQUIRE(hs_vpci_func_remove(f2, false, WAIT) == -ENOENT, "removed twice");
}

static bool vp_errors(const struct hs_vpci_stats *st, void *arg)
{
	return st->protocol_errors >= *(uint64_t *)arg;
}

static void vpci_malformed_requests(struct guest *g)
{
	struct hs_vpci *b = vp_host(g, &(struct hs_vpci_config){ 0 });
	uint8_t m[256] = { 0 }, r[4096];
	struct hs_vpci_stats st;
	struct gchan c;
	uint64_t want = 12;
	uint64_t w;

	if (!b || !hs_vpci_func_add(b, &nic) || open_class(g, &c, vp_class, NULL))
		return;
	wr32(m, VP(0x07));
	wr64(m + 8, 0x100000);
	REQUIRE(vp_ask(g, &c, m, 16, r) == 8 && rd32(r) == 0xC0000001,
		"D0 before a version (1)");
	REQUIRE(vp_version(g, &c, HS_VPCI_VERSION(1, 4)) == 0, "1.4 refused");
	wr64(m + 8, 0x100010);
	REQUIRE(vp_ask(g, &c, m, 16, r) == 8 && rd32(r) == 0xC000090B,
		"window not page aligned (2)");
	w = gpa(g_alloc(g, 2));
	if (vp_d0(g, &c, w, VP(0x19), r) != 1)
		return;
	memset(m, 0, sizeof(m));
	wr32(m, VP(0x05));
	wr32(m + 4, 9);
	REQUIRE(vp_ask(g, &c, m, 8, r) == 8 && rd32(r) == 0xC000090B, "unknown wslot (3)");
	wr32(m + 4, 2);
	wr32(m, VP(0x1B));
	REQUIRE(vp_ask(g, &c, m, 76, r) == 8 && rd32(r) == 0xC000090B,
		"short CREATE_INTERRUPT3 (4; the ring pads to 8 bytes, so 76 reads as 80)");
	wr32(m, VP(0x05));
	REQUIRE(!m_send(g, &c, 6, 0, 0, NULL, 0, m, 8), "no completion requested (5)");
	REQUIRE(next_payload(g, &c, r, sizeof(r), NULL, NULL) == 32, "answered anyway");
	irq3(m, 2, 0x40, 0);
	REQUIRE(vp_ask(g, &c, m, 84, r) == 8 && rd32(r) == 0xC0000001,
		"interrupt before resources (6)");
	memset(m, 0, sizeof(m));
	wr32(m, VP(0x16));
	wr32(m + 4, 2);
	REQUIRE(vp_ask(g, &c, m, 150, r) == 8 && rd32(r) == 0xC000090B,
		"short RESOURCES_ASSIGNED2 (7)");
	REQUIRE(vp_ask(g, &c, m, 202, r) == 8 && rd32(r) == 0, "RESOURCES_ASSIGNED2");
	irq3(m, 2, 0x40, 0);
	wr16(m + 18, G_VPS + 5);
	REQUIRE(vp_ask(g, &c, m, 84, r) == 8 && rd32(r) == 0xC000090B, "a VP out of range (8)");
	wr16(m + 18, 0);
	wr32(m + 8, 0x05);
	REQUIRE(vp_ask(g, &c, m, 84, r) == 8 && rd32(r) == 0xC000090B, "vector 5 (9)");
	memset(m, 0, sizeof(m));
	wr32(m, VP(0x15));
	wr32(m + 4, 2);
	wr64(m + 16, 0xFEE00000);
	REQUIRE(!m_send(g, &c, 6, 0, 0, NULL, 0, m, 24), "unknown interrupt deleted (10)");
	wr32(m, VP(0x0F));
	REQUIRE(!m_send(g, &c, 6, 0, 0, NULL, 0, m, 12), "ejection complete, no eject (11)");
	wr32(m, 0x12345678);
	REQUIRE(vp_ask(g, &c, m, 8, r) == 8 && rd32(r) == 0xC00000BB, "unknown type (12)");
	wr32(m, VP(0x09));
	REQUIRE(vp_ask(g, &c, m, 16, r) == 8 && rd32(r) == 0xC00000BB, "READ_BLOCK unsupported");
	REQUIRE(hs_vpci_wait(b, vp_errors, &want, WAIT) == 0 && m_quiet(g, &c, 50),
		"errors counted");
	/* a config access of 3 bytes, and one not aligned (13, 14) */
	REQUIRE(hs_vpci_mmio(b, w + 0x1000, 3, false, &(uint32_t){ 0 }) == 1 &&
		hs_vpci_mmio(b, w + 0x1002, 4, false, &(uint32_t){ 0 }) == 1, "window hits");
	hs_vpci_stats(b, &st);
	REQUIRE(st.protocol_errors == 14 && st.cfg_bad_accesses == 2 && st.unsupported == 1,
		"%llu errors, %llu bad accesses", (unsigned long long)st.protocol_errors,
		(unsigned long long)st.cfg_bad_accesses);
}

void video_pci_tests(void (*run)(const char *name, void (*fn)(struct guest *g)))
{
	run("svid_negotiate_vram_mode_dirt", svid_negotiate_vram_mode_dirt);
	run("svid_version_fallback", svid_version_fallback);
	run("svid_feature_change", svid_feature_change);
	run("svid_malformed_guest_messages", svid_malformed_guest_messages);
	run("vpci_bus_function_life", vpci_bus_function_life);
	run("vpci_version_fallback", vpci_version_fallback);
	run("vpci_hot_add_and_memory_window", vpci_hot_add_and_memory_window);
	run("vpci_malformed_requests", vpci_malformed_requests);
}
