// SPDX-License-Identifier: GPL-2.0
/*
 * The vPCI core (pci-hyperv) against a vPCI host: wire offsets, version
 * negotiation and its refusal, bus relations with BAR requirements, BAR
 * sizing and layout, config space (emulated IDs, the window, BAR shadows
 * reaching the device with memory decoding), MSI creation per version, hot
 * add, eject, bus teardown, and malformed host packets.
 *
 * Until hostsim's own vPCI model lands, the host here is a small one on
 * hostsim's generic device API, written from the byte offsets of
 * docs/protocol-notes.md ("Virtual PCI") — never from lis/wire/vpci.h — and
 * the config window's MMIO traps are its per-function config pages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include "tdev.h"
#include "lis_test.h"
#include "../../drivers/pci-hyperv/core/vpci_core.h"
#include "hostsim_video_pci.h"

#define VPCI_CLASS	"{44c4f61d-4444-4400-9d52-802e27ede19f}"
#define MSG(n)		(0x42490000u + (n))
#define MAX_FUNCS	4

/* ---- the host ---- */

struct hfunc {
	bool present;
	u16 vendor, device;
	u32 wslot, serial;
	u32 probed[6];
	u8 cfg[4096];		/* what the window's second page shows */
};

struct vhost {
	pthread_mutex_t lock;
	struct hs_channel *ch;
	u32 accept[4];		/* versions accepted; 0-terminated */
	u32 version;
	bool relations2;
	struct hfunc f[MAX_FUNCS];
	u32 slot_reg;		/* the window's slot register */
	u64 d0_gpa;
	unsigned int d0_entries, d0_exits, released, ejects_done, assigned;
	unsigned int versions_asked;
	u32 asked[8];
	u32 last_int_type;
	u8 last_int[96];
	u32 deleted;
	u32 reply_status;	/* nonzero: answer every request with it */
	bool short_replies;	/* requirements answered with the status only */
};

static struct vhost H = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void host_send(const void *p, u32 len)
{
	while (hs_channel_send(H.ch, 6, 0, 0, p, len))
		lis_msleep(1);
}

static void host_complete(u64 id, const void *p, u32 len)
{
	while (hs_channel_send(H.ch, 0xB, 0, id, p, len))
		lis_msleep(1);
}

static void host_status(u64 id, u32 status)
{
	u8 b[4];

	put32(b, status);
	host_complete(id, b, 4);
}

/* the whole bus, as BUS_RELATIONS (20-byte) or BUS_RELATIONS2 (28-byte) */
static void host_relations(void)
{
	u8 b[8 + MAX_FUNCS * 28];
	u32 n = 0, dsize = H.relations2 ? 28 : 20, i;

	memset(b, 0, sizeof(b));
	put32(b, H.relations2 ? MSG(0x19) : MSG(0));
	for (i = 0; i < MAX_FUNCS; i++) {
		u8 *d = b + 8 + n * dsize;

		if (!H.f[i].present)
			continue;
		put16(d + 0, H.f[i].vendor);
		put16(d + 2, H.f[i].device);
		d[4] = 1;		/* revision */
		d[7] = 2;		/* base class: network */
		put16(d + 8, 0x1414);
		put16(d + 10, 7);
		put32(d + 12, H.f[i].wslot);
		put32(d + 16, H.f[i].serial);
		if (H.relations2) {
			put32(d + 20, 1);	/* NUMA node valid */
			put16(d + 24, 0);
		}
		n++;
	}
	put32(b + 4, n);
	host_send(b, 8 + n * dsize);
}

static struct hfunc *host_func(u32 wslot)
{
	unsigned int i;

	for (i = 0; i < MAX_FUNCS; i++) {
		if (H.f[i].present && H.f[i].wslot == wslot)
			return &H.f[i];
	}
	return NULL;
}

static void host_packet(const struct hs_packet *pkt)
{
	const u8 *m = pkt->payload;
	u32 type = pkt->payload_len >= 4 ? get32(m) : 0;
	struct hfunc *f;
	u8 b[64];
	unsigned int i;

	if (pkt->type != 6)
		return;
	pthread_mutex_lock(&H.lock);
	if (H.reply_status && (pkt->flags & 1) && type != MSG(0x13)) {
		host_status(pkt->trans_id, H.reply_status);
		pthread_mutex_unlock(&H.lock);
		return;
	}
	switch (type) {
	case MSG(0x13):		/* QUERY_PROTOCOL_VERSION */
		H.asked[H.versions_asked++ % 8] = get32(m + 4);
		put32(b, 0xC0000059);
		put32(b + 4, get32(m + 4));
		for (i = 0; H.accept[i]; i++) {
			if (H.accept[i] == get32(m + 4)) {
				put32(b, 0);
				H.version = get32(m + 4);
			}
		}
		host_complete(pkt->trans_id, b, 8);
		break;
	case MSG(1):		/* QUERY_BUS_RELATIONS */
		host_relations();
		break;
	case MSG(7):		/* BUS_D0_ENTRY */
		H.d0_gpa = get64(m + 8);
		H.d0_entries++;
		host_status(pkt->trans_id, 0);
		break;
	case MSG(8):		/* BUS_D0_EXIT */
		H.d0_exits++;
		host_status(pkt->trans_id, 0);
		break;
	case MSG(5):		/* QUERY_RESOURCE_REQUIREMENTS */
		f = host_func(get32(m + 4));
		memset(b, 0, sizeof(b));
		for (i = 0; f && i < 6; i++)
			put32(b + 4 + 4 * i, f->probed[i]);
		host_complete(pkt->trans_id, b, H.short_replies ? 4 : 28);
		break;
	case MSG(0x10):		/* RESOURCES_ASSIGNED */
	case MSG(0x16):
		H.assigned++;
		host_status(pkt->trans_id, 0);
		break;
	case MSG(0x11):		/* RESOURCES_RELEASED */
		H.released++;
		break;
	case MSG(0xF):		/* EJECTION_COMPLETE */
		H.ejects_done++;
		break;
	case MSG(0x14):		/* CREATE_INTERRUPT(2, 3) */
	case MSG(0x17):
	case MSG(0x1B):
		H.last_int_type = type;
		memcpy(H.last_int, m, pkt->payload_len < 96 ? pkt->payload_len : 96);
		memset(b, 0, sizeof(b));
		put16(b + 10, 1);
		put32(b + 12, 0x4000 | m[8]);		/* data */
		put64(b + 16, 0xFEE01000ull);		/* address */
		host_complete(pkt->trans_id, b, 24);
		break;
	case MSG(0x15):		/* DELETE_INTERRUPT */
		H.deleted++;
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
	H.ch = ch;
}

static const struct hs_device_ops host_ops = { .opened = host_opened, .ready = host_ready };

/* ---- the guest's glue: the window is the host's config pages ---- */

struct tglue {
	struct tenv *env;
	struct lis_vpci *v;
	int create_ret;
	bool probed;
	unsigned int kicks, added, removed;
	u8 added_devfn[8];
	u32 max_version;
};

static struct tglue G;

/* when set, the config window is hostsim's vPCI bus (the oracle test) */
static struct hs_vpci *HB;
#define T_WINDOW	0xFE0000000ull

static u32 t_cfg_read(void *ctx, u32 off, u32 size)
{
	struct hfunc *f;
	u32 v = 0;

	if (HB) {
		v = 0xFFFFFFFFu;
		hs_vpci_mmio(HB, T_WINDOW + off, size, false, &v);
		return v;
	}
	pthread_mutex_lock(&H.lock);
	f = host_func(H.slot_reg);
	if (off >= 0x1000 && f)
		memcpy(&v, f->cfg + off - 0x1000, size);
	else
		v = 0xFFFFFFFFu;
	pthread_mutex_unlock(&H.lock);
	return v;
}

static void t_cfg_write(void *ctx, u32 off, u32 size, u32 val)
{
	struct hfunc *f;

	if (HB) {
		hs_vpci_mmio(HB, T_WINDOW + off, size, true, &val);
		return;
	}
	pthread_mutex_lock(&H.lock);
	if (off == 0 && size == 4) {
		H.slot_reg = val;
	} else if (off >= 0x1000) {
		f = host_func(H.slot_reg);
		if (f)
			memcpy(f->cfg + off - 0x1000, &val, size);
	}
	pthread_mutex_unlock(&H.lock);
}

static void t_kick(void *ctx)
{
	__atomic_add_fetch(&G.kicks, 1, __ATOMIC_SEQ_CST);
}

static int t_added(void *ctx, struct lis_vpci_func *f)
{
	unsigned int n = __atomic_load_n(&G.added, __ATOMIC_SEQ_CST);
	u64 size, align;

	if (n < 8)
		G.added_devfn[n] = f->devfn;
	size = lis_vpci_func_mmio_size(f, false, &align);
	if (size)
		lis_vpci_func_place(f, false, 0xC0000000u);
	size = lis_vpci_func_mmio_size(f, true, &align);
	if (size)
		lis_vpci_func_place(f, true, 0x2000000000ull);
	lis_vpci_func_enable(f);
	__atomic_add_fetch(&G.added, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static void t_removed(void *ctx, struct lis_vpci_func *f)
{
	__atomic_add_fetch(&G.removed, 1, __ATOMIC_SEQ_CST);
}

static const struct lis_vpci_ops t_ops = {
	.cfg_read = t_cfg_read, .cfg_write = t_cfg_write, .kick = t_kick,
	.added = t_added, .removed = t_removed,
};

static int t_probe(struct tenv *env, struct lis_channel *ch)
{
	struct lis_vpci_config cfg = { 0 };
	struct lis_vpci *v = NULL;

	cfg.ch = ch;
	cfg.ops = &t_ops;
	cfg.cfg_window_gpa = T_WINDOW;
	cfg.max_version = G.max_version;
	cfg.timeout_ms = 1000;
	G.create_ret = lis_vpci_create(&cfg, &v);
	__atomic_store_n(&G.v, v, __ATOMIC_SEQ_CST);
	__atomic_store_n(&G.probed, true, __ATOMIC_SEQ_CST);
	return G.create_ret;
}

static void t_remove(struct tenv *env, struct lis_channel *ch)
{
	struct lis_vpci *v = __atomic_exchange_n(&G.v, NULL, __ATOMIC_SEQ_CST);

	if (v)
		lis_vpci_destroy(v, true);
}

/* an empty bus */
static void host_reset(void)
{
	pthread_mutex_lock(&H.lock);
	memset(H.f, 0, sizeof(H.f));
	pthread_mutex_unlock(&H.lock);
}

static void func_init(unsigned int i, u32 wslot, u16 device, u32 serial)
{
	struct hfunc *f = &H.f[i];

	memset(f, 0, sizeof(*f));
	f->present = true;
	f->vendor = 0x15B3;
	f->device = device;
	f->wslot = wslot;
	f->serial = serial;
	f->probed[0] = 0xFFF00004;	/* 1 MiB, 64-bit */
	f->probed[1] = 0xFFFFFFFF;
	f->probed[2] = 0xFFFFC000;	/* 16 KiB, 32-bit */
	f->cfg[0x40] = 0x11;		/* something only the device has */
	f->cfg[0x3E] = 0x22;
}

/* boot with a host accepting `accept` (0-terminated) and functions set up;
 * short: it answers the BAR question with a status only */
static bool setup_ex(const u32 *accept, bool rel2, bool short_replies)
{
	struct tdev d = { .cls = VPCI_CLASS, .host_ops = &host_ops,
			  .probe = t_probe, .remove = t_remove };
	unsigned int i;

	memset(&G, 0, sizeof(G));
	pthread_mutex_lock(&H.lock);
	memset(H.accept, 0, sizeof(H.accept));
	for (i = 0; accept[i] && i < 3; i++)
		H.accept[i] = accept[i];
	H.relations2 = rel2;
	H.version = H.d0_entries = H.d0_exits = H.released = H.ejects_done = 0;
	H.assigned = H.versions_asked = H.deleted = H.last_int_type = H.reply_status = 0;
	H.short_replies = short_replies;
	H.slot_reg = ~0u;
	pthread_mutex_unlock(&H.lock);
	d.offer.instance_guid[4] = 0x34;
	d.offer.instance_guid[5] = 0x12;
	G.env = tdev_boot(&d, &G.probed);
	return G.env != NULL;
}

static bool setup(const u32 *accept, bool rel2)
{
	return setup_ex(accept, rel2, false);
}

static void teardown(void)
{
	struct lis_vpci *v = __atomic_exchange_n(&G.v, NULL, __ATOMIC_SEQ_CST);

	if (v)
		lis_vpci_destroy(v, true);
	if (G.env)
		tenv_destroy(G.env);
	G.env = NULL;
}

static bool host_ejects_done(struct tenv *env, void *arg)
{
	unsigned int n;

	pthread_mutex_lock(&H.lock);
	n = H.ejects_done;
	pthread_mutex_unlock(&H.lock);
	return n >= *(unsigned int *)arg;
}

static bool kicked(struct tenv *env, void *arg)
{
	return __atomic_load_n(&G.kicks, __ATOMIC_SEQ_CST) >= *(unsigned int *)arg;
}

static const u32 all_versions[] = { 0x10004, 0x10003, 0x10002, 0x10001, 0 };

/* ---- tests ---- */

#define OFF(type, field)	offsetof(struct type, field)

LIS_TEST(wire_offsets_match_the_notes)
{
	EXPECT_EQ(sizeof(struct lis_vpci_version_request), 12);
	EXPECT_EQ(sizeof(struct lis_vpci_d0_entry), 16);
	EXPECT_EQ(OFF(lis_vpci_d0_entry, mmio_base), 8);
	EXPECT_EQ(sizeof(struct lis_vpci_func_desc), 20);
	EXPECT_EQ(OFF(lis_vpci_func_desc, subsys_vendor_id), 8);
	EXPECT_EQ(OFF(lis_vpci_func_desc, wslot), 12);
	EXPECT_EQ(OFF(lis_vpci_func_desc, serial), 16);
	EXPECT_EQ(sizeof(struct lis_vpci_func_desc2), 28);
	EXPECT_EQ(OFF(lis_vpci_func_desc2, flags), 20);
	EXPECT_EQ(OFF(lis_vpci_func_desc2, numa_node), 24);
	EXPECT_EQ(sizeof(struct lis_vpci_resource_requirements_reply), 28);
	EXPECT_EQ(sizeof(struct lis_vpci_partial_resource), 20);
	EXPECT_EQ(OFF(lis_vpci_partial_resource, address), 4);
	EXPECT_EQ(OFF(lis_vpci_resources_assigned, msi_count), 128);
	EXPECT_EQ(LIS_VPCI_RESOURCES_ASSIGNED_LEN, 148);
	EXPECT_EQ(LIS_VPCI_RESOURCES_ASSIGNED2_LEN, 202);
	EXPECT_EQ(OFF(lis_vpci_create_interrupt, desc), 8);
	EXPECT_EQ(OFF(lis_vpci_msi_desc, cpu_mask), 8);
	EXPECT_EQ(OFF(lis_vpci_msi_desc2, processor_array), 6);
	EXPECT_EQ(OFF(lis_vpci_msi_desc3, processor_count), 8);
	EXPECT_EQ(OFF(lis_vpci_msi_desc3, processor_array), 10);
	EXPECT_EQ(LIS_VPCI_CREATE_INTERRUPT_LEN, 24);
	EXPECT_EQ(LIS_VPCI_CREATE_INTERRUPT2_LEN, 80);
	EXPECT_EQ(LIS_VPCI_CREATE_INTERRUPT3_LEN, 84);
	EXPECT_EQ(OFF(lis_vpci_create_interrupt_reply, msi), 8);
	EXPECT_EQ(OFF(lis_vpci_msi_remapped, data), 4);
	EXPECT_EQ(OFF(lis_vpci_msi_remapped, address), 8);
	EXPECT_EQ(sizeof(struct lis_vpci_delete_interrupt), 24);
	EXPECT_EQ(sizeof(struct lis_vpci_eject_complete), 12);
	EXPECT_EQ(LIS_VPCI_MSG_QUERY_PROTOCOL_VERSION, 0x42490013);
	EXPECT_EQ(LIS_VPCI_MSG_BUS_RELATIONS2, 0x42490019);
	EXPECT_EQ(LIS_VPCI_MSG_CREATE_INTERRUPT3, 0x4249001B);
	EXPECT_EQ(LIS_VPCI_CFG_WINDOW_SIZE, 0x2000);
}

LIS_TEST(negotiates_the_newest_version_the_host_accepts)
{
	static const u32 only_12[] = { 0x10002, 0 };

	host_reset();
	func_init(0, 0, 0x101A, 7);
	ASSERT(setup(only_12, false));
	EXPECT_EQ(G.create_ret, 0);
	ASSERT(G.v);
	EXPECT_EQ(lis_vpci_version(G.v), 0x10002);
	EXPECT_EQ(H.versions_asked, 3);
	EXPECT_EQ(H.asked[0], 0x10004);
	EXPECT_EQ(H.asked[1], 0x10003);
	EXPECT_EQ(H.d0_entries, 1);
	EXPECT_EQ(H.d0_gpa, 0xFE0000000ull);
	teardown();
}

LIS_TEST(a_host_with_no_common_version_is_refused)
{
	static const u32 none[] = { 0x10009, 0 };

	host_reset();
	func_init(0, 0, 0x101A, 7);
	ASSERT(setup(none, false));
	EXPECT(G.create_ret != 0);
	EXPECT(!G.v);
	EXPECT_EQ(H.versions_asked, 4);
	EXPECT_EQ(H.d0_entries, 0);
	teardown();
}

LIS_TEST(relations_bring_functions_with_their_bars)
{
	struct lis_vpci_func *f;
	u64 align;

	host_reset();
	func_init(0, 0x21, 0x101A, 7);	/* device 1, function 1 */
	ASSERT(setup(all_versions, true));
	ASSERT(G.v);
	f = lis_vpci_find(G.v, (1 << 3) | 1);
	ASSERT(f);
	EXPECT_EQ(f->vendor_id, 0x15B3);
	EXPECT_EQ(f->serial, 7);
	EXPECT_EQ(f->numa_node, 0);
	EXPECT_EQ(f->bar_size[0], 1 << 20);
	EXPECT(f->bar_64[0]);
	EXPECT_EQ(f->bar_size[1], 0);
	EXPECT_EQ(f->bar_size[2], 16384);
	EXPECT_EQ(lis_vpci_func_mmio_size(f, true, &align), 1 << 20);
	EXPECT_EQ(align, 1 << 20);
	EXPECT_EQ(lis_vpci_func_mmio_size(f, false, &align), 16384);
	EXPECT_EQ(lis_vpci_func_place(f, false, 0x1000), -EINVAL);	/* misaligned */
	lis_vpci_start(G.v);
	EXPECT_EQ(G.added, 1);
	EXPECT_EQ(H.assigned, 1);
	EXPECT_EQ(lis_vpci_func_bar_address(f, 0), 0x2000000000ull);
	EXPECT_EQ(lis_vpci_func_bar_address(f, 2), 0xC0000000u);
	teardown();
}

LIS_TEST(config_space_emulates_ids_and_routes_the_rest)
{
	u8 devfn = 0;
	u32 v;

	host_reset();
	func_init(0, 0, 0x101A, 7);
	ASSERT(setup(all_versions, false));
	ASSERT(G.v);
	lis_vpci_start(G.v);
	EXPECT_EQ(lis_vpci_cfg_read(G.v, devfn, 0, 4, &v), 0);
	EXPECT_EQ(v, 0x101A15B3u);
	EXPECT_EQ(lis_vpci_cfg_read(G.v, devfn, 2, 2, &v), 0);
	EXPECT_EQ(v, 0x101A);
	EXPECT_EQ(lis_vpci_cfg_read(G.v, devfn, 0x2C, 4, &v), 0);
	EXPECT_EQ(v, 0x00071414u);
	EXPECT_EQ(lis_vpci_cfg_read(G.v, devfn, 0x40, 1, &v), 0);
	EXPECT_EQ(v, 0x11);
	EXPECT_EQ(H.slot_reg, 0);
	/* interrupt line and pin read as none; the rest of that dword is the device's */
	EXPECT_EQ(lis_vpci_cfg_read(G.v, devfn, 0x3C, 4, &v), 0);
	EXPECT_EQ(v, 0x00220000u);
	/* BAR sizing never reaches the host */
	EXPECT_EQ(lis_vpci_cfg_write(G.v, devfn, 0x18, 4, 0xFFFFFFFF), 0);
	EXPECT_EQ(lis_vpci_cfg_read(G.v, devfn, 0x18, 4, &v), 0);
	EXPECT_EQ(v, 0xFFFFC000u);
	EXPECT_EQ(get32(H.f[0].cfg + 0x18), 0);
	EXPECT_EQ(lis_vpci_cfg_write(G.v, devfn, 0x18, 4, 0xC0000000u), 0);
	/* memory decoding on: the BARs reach the device */
	EXPECT_EQ(lis_vpci_cfg_write(G.v, devfn, 4, 2, 0x0002), 0);
	EXPECT_EQ(get32(H.f[0].cfg + 0x18), 0xC0000000u);
	EXPECT_EQ(get16(H.f[0].cfg + 4), 0x0002);
	/* no function there; bad sizes and alignments */
	EXPECT_EQ(lis_vpci_cfg_read(G.v, 8, 0, 4, &v), -ENODEV);
	EXPECT_EQ(v, 0xFFFFFFFFu);
	EXPECT_EQ(lis_vpci_cfg_read(G.v, devfn, 1, 2, &v), -EINVAL);
	EXPECT_EQ(lis_vpci_cfg_read(G.v, devfn, 4094, 4, &v), -EINVAL);
	EXPECT_EQ(lis_vpci_cfg_write(G.v, devfn, 0, 3, 0), -EINVAL);
	teardown();
}

static void msi_round(u32 version, u32 want_type)
{
	static u32 accept[2];
	struct lis_vpci_msi msi;
	struct lis_vpci_func *f;
	u32 vps[2] = { 3, 70 };

	accept[0] = version;
	host_reset();
	func_init(0, 0, 0x101A, 7);
	ASSERT(setup(accept, false));
	ASSERT(G.v);
	f = lis_vpci_find(G.v, 0);
	ASSERT(f);
	EXPECT_EQ(lis_vpci_msi_create(f, 0x41, 1, vps, 1, false, &msi), 0);
	EXPECT_EQ(H.last_int_type, want_type);
	EXPECT_EQ(msi.address, 0xFEE01000ull);
	EXPECT_EQ(msi.data, 0x4041u);
	if (want_type == MSG(0x14)) {
		EXPECT_EQ(get64(H.last_int + 16), 1ull << 3);
		/* VP 70 has no place in a 1.1 mask */
		EXPECT_EQ(lis_vpci_msi_create(f, 0x41, 1, vps, 2, true, &msi), -ERANGE);
	} else if (want_type == MSG(0x17)) {
		EXPECT_EQ(get16(H.last_int + 12), 1);	/* processor count */
		EXPECT_EQ(get16(H.last_int + 14), 3);
	} else {
		EXPECT_EQ(get32(H.last_int + 8), 0x41);
		EXPECT_EQ(get16(H.last_int + 16), 1);
		EXPECT_EQ(get16(H.last_int + 18), 3);
	}
	lis_vpci_msi_delete(f, &msi);
	teardown();
}

LIS_TEST(msi_uses_the_message_of_the_version)
{
	msi_round(0x10001, MSG(0x14));
	msi_round(0x10003, MSG(0x17));
	msi_round(0x10004, MSG(0x1B));
}

LIS_TEST(hot_add_and_eject_follow_the_host)
{
	unsigned int k = 1;
	u8 b[8];

	host_reset();
	func_init(0, 0, 0x101A, 7);
	ASSERT(setup(all_versions, true));
	ASSERT(G.v);
	lis_vpci_start(G.v);
	EXPECT_EQ(G.added, 1);
	k = G.kicks + 1;
	pthread_mutex_lock(&H.lock);
	func_init(1, 1, 0x1016, 9);
	host_relations();
	pthread_mutex_unlock(&H.lock);
	ASSERT(tenv_wait(G.env, kicked, &k, 5000));
	lis_vpci_work(G.v);
	EXPECT_EQ(G.added, 2);
	EXPECT(lis_vpci_find(G.v, 1 << 3) != NULL);
	/* the host ejects the newcomer */
	k = G.kicks + 1;
	put32(b, MSG(0xB));
	put32(b + 4, 1);
	pthread_mutex_lock(&H.lock);
	host_send(b, 8);
	pthread_mutex_unlock(&H.lock);
	ASSERT(tenv_wait(G.env, kicked, &k, 5000));
	lis_vpci_work(G.v);
	EXPECT_EQ(G.removed, 1);
	EXPECT(lis_vpci_find(G.v, 1 << 3) == NULL);
	k = 1;
	EXPECT(tenv_wait(G.env, host_ejects_done, &k, 5000));
	EXPECT_EQ(H.ejects_done, 1);
	/* the bus goes: resources released, D0 left */
	teardown();
	EXPECT_EQ(H.released, 1);
	EXPECT_EQ(H.d0_exits, 1);
	EXPECT_EQ(G.removed, 2);
}

LIS_TEST(a_function_missing_from_relations_is_removed)
{
	unsigned int k;

	host_reset();
	func_init(0, 0, 0x101A, 7);
	func_init(1, 1, 0x101A, 8);
	ASSERT(setup(all_versions, false));
	ASSERT(G.v);
	lis_vpci_start(G.v);
	EXPECT_EQ(G.added, 2);
	k = G.kicks + 1;
	pthread_mutex_lock(&H.lock);
	H.f[0].present = false;
	host_relations();
	pthread_mutex_unlock(&H.lock);
	ASSERT(tenv_wait(G.env, kicked, &k, 5000));
	lis_vpci_work(G.v);
	EXPECT_EQ(G.removed, 1);
	EXPECT(lis_vpci_find(G.v, 0) == NULL);
	EXPECT(lis_vpci_find(G.v, 8) != NULL);
	teardown();
}

LIS_TEST(malformed_host_packets_are_counted_and_ignored)
{
	u64 errs, end;
	u8 b[64];

	host_reset();
	func_init(0, 0, 0x101A, 7);
	ASSERT(setup(all_versions, true));
	ASSERT(G.v);
	errs = lis_vpci_protocol_errors(G.v);
	memset(b, 0, sizeof(b));
	pthread_mutex_lock(&H.lock);
	put32(b, MSG(0x19));
	put32(b + 4, 200);			/* 200 functions in 8 bytes */
	host_send(b, 16);
	put32(b, MSG(0xB));
	put32(b + 4, 0x300);			/* eject of slot 0x300 */
	host_send(b, 8);
	put32(b, 0x12345678);			/* unknown message */
	host_send(b, 8);
	host_send(b, 2);			/* too short for a type */
	host_status(0x77, 0);			/* a completion nobody waits for */
	pthread_mutex_unlock(&H.lock);
	/* the callback counts some, the work item (after a kick) the others */
	end = lis_time_ms() + 5000;
	do {
		lis_msleep(1);
		lis_vpci_work(G.v);
	} while (lis_vpci_protocol_errors(G.v) - errs < 5 && lis_time_ms() < end);
	EXPECT_EQ(lis_vpci_protocol_errors(G.v) - errs, 5);
	EXPECT(lis_vpci_find(G.v, 0) != NULL);
	teardown();
}

LIS_TEST(short_or_failed_answers_fail_the_request)
{
	static const u32 only_14[] = { 0x10004, 0 };
	struct lis_vpci_msi msi;
	struct lis_vpci_func *f;
	u32 vp = 0;

	host_reset();
	func_init(0, 0, 0x101A, 7);
	ASSERT(setup(only_14, false));
	ASSERT(G.v);
	f = lis_vpci_find(G.v, 0);
	ASSERT(f);
	pthread_mutex_lock(&H.lock);
	H.reply_status = 0xC000090B;
	pthread_mutex_unlock(&H.lock);
	EXPECT_EQ(lis_vpci_msi_create(f, 0x30, 1, &vp, 1, true, &msi), -EIO);
	EXPECT_EQ(lis_vpci_func_enable(f), -EIO);
	pthread_mutex_lock(&H.lock);
	H.reply_status = 0;
	pthread_mutex_unlock(&H.lock);
	EXPECT_EQ(lis_vpci_msi_create(f, 0x30, 33, &vp, 1, true, &msi), -EINVAL);
	teardown();
	/* a host that answers the BAR question without the BARs: the bus
	 * comes up, the function does not */
	func_init(0, 0, 0x101A, 7);
	ASSERT(setup_ex(only_14, false, true));
	ASSERT(G.v);
	EXPECT(lis_vpci_find(G.v, 0) == NULL);
	EXPECT(lis_vpci_protocol_errors(G.v) >= 1);
	teardown();
}

/* ---- against hostsim's vPCI bus: the independent oracle ---- */

static struct hs_vpci_func *HF;

static bool add_vpci(struct hs_host *h)
{
	struct hs_vpci_func_config fc = {
		.device = 1, .function = 1, .vendor_id = 0x15B3, .device_id = 0x101A,
		.base_class = 2, .subsys_vendor_id = 0x1414, .subsys_id = 7, .serial = 7,
		.numa_node = 0, .bar_size = { 1u << 20, 0, 16384 }, .bar_64 = { true },
		.extra = { 0x11 },
	};

	HB = hs_vpci_add(h, &(struct hs_vpci_config){ 0 });
	HF = HB ? hs_vpci_func_add(HB, &fc) : NULL;
	return HF != NULL;
}

static void *eject_it(void *arg)
{
	*(int *)arg = hs_vpci_func_remove(HF, true, 5000);
	return NULL;
}

static bool irqs_gone(struct tenv *env, void *arg)
{
	struct hs_vpci_func_state fs;

	hs_vpci_func_state(HF, &fs);
	return fs.irqs_live == 0;
}

LIS_TEST(hostsim_vpci_bus_agrees)
{
	struct tdev d = { .cls = VPCI_CLASS, .probe = t_probe, .remove = t_remove,
			  .add_host = add_vpci };
	struct hs_vpci_func_state fs;
	struct hs_vpci_stats st;
	struct lis_vpci_func *f;
	struct lis_vpci_msi msi;
	u32 vps[1] = { 1 }, v;
	unsigned int k;
	u8 devfn = (1 << 3) | 1;
	pthread_t t;
	int rc = -1;

	memset(&G, 0, sizeof(G));
	G.env = tdev_boot(&d, &G.probed);
	ASSERT(G.env);
	ASSERT(G.v);
	EXPECT_EQ(lis_vpci_version(G.v), 0x10004);
	f = lis_vpci_find(G.v, devfn);
	ASSERT(f);
	EXPECT_EQ(f->serial, 7);
	EXPECT_EQ(f->numa_node, 0);
	EXPECT_EQ(f->bar_size[0], 1 << 20);
	EXPECT(f->bar_64[0]);
	EXPECT_EQ(f->bar_size[2], 16384);
	lis_vpci_start(G.v);
	EXPECT_EQ(G.added, 1);
	hs_vpci_func_state(HF, &fs);
	EXPECT(fs.announced && fs.resources_assigned);
	EXPECT_EQ(fs.requirement_queries, 1);
	/* config space: the description, then the device through the window */
	EXPECT_EQ(lis_vpci_cfg_read(G.v, devfn, 0, 4, &v), 0);
	EXPECT_EQ(v, 0x101A15B3u);
	EXPECT_EQ(lis_vpci_cfg_read(G.v, devfn, 0x40, 1, &v), 0);
	EXPECT_EQ(v, 0x11);
	EXPECT_EQ(lis_vpci_cfg_read(G.v, devfn, 0x0C, 4, &v), 0);
	EXPECT_EQ(v, 0);				/* header type 0 */
	EXPECT_EQ(lis_vpci_cfg_write(G.v, devfn, 4, 2, 0x0002), 0);
	hs_vpci_func_state(HF, &fs);
	EXPECT_EQ(fs.command, 0x0002);
	EXPECT_EQ(fs.bar_address[0], 0x2000000000ull);
	EXPECT_EQ(fs.bar_address[2], 0xC0000000u);
	/* an interrupt on VP 1, then back */
	EXPECT_EQ(lis_vpci_msi_create(f, 0x41, 1, vps, 1, true, &msi), 0);
	hs_vpci_func_state(HF, &fs);
	EXPECT_EQ(fs.irqs_live, 1);
	EXPECT_EQ(fs.irq[0].vector, 0x41);
	EXPECT_EQ(fs.irq[0].vps[0], 1);
	EXPECT_EQ(msi.address, fs.irq[0].address);
	EXPECT_EQ(msi.data, fs.irq[0].data);
	lis_vpci_msi_delete(f, &msi);
	EXPECT(tenv_wait(G.env, irqs_gone, NULL, 5000));
	/* the host ejects it */
	k = G.kicks + 1;
	ASSERT(!pthread_create(&t, NULL, eject_it, &rc));
	EXPECT(tenv_wait(G.env, kicked, &k, 5000));
	lis_vpci_work(G.v);
	pthread_join(t, NULL);
	EXPECT_EQ(rc, 0);
	EXPECT_EQ(G.removed, 1);
	EXPECT(lis_vpci_find(G.v, devfn) == NULL);
	EXPECT_EQ(lis_vpci_protocol_errors(G.v), 0);
	/* the bus goes (D0 exit answered), then the host's view */
	lis_vpci_destroy(__atomic_exchange_n(&G.v, NULL, __ATOMIC_SEQ_CST), true);
	hs_vpci_stats(HB, &st);
	EXPECT_EQ(st.ejections_completed, 1);
	EXPECT_EQ(st.d0_exits, 1);
	EXPECT_EQ(st.protocol_errors, 0);
	teardown();
	HB = NULL;
	HF = NULL;
}

LIS_TEST_MAIN("pci_hyperv")
