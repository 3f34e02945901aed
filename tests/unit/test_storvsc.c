// SPDX-License-Identifier: GPL-2.0
/*
 * The storvsc core against hostsim's storvsp: wire offsets, the handshake
 * (versions, properties, sub-channels) and its refusals, commands with any
 * scatter layout, every completion status and malformed host packet, host
 * events (LUN changes, resize), timeouts, resets, the device going away, and
 * data integrity — random reads and writes of random sizes and alignments,
 * then the whole disk's checksum against the host's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <openssl/sha.h>
#include "port_user.h"
#include "env_hostsim.h"
#include "lis_test.h"
#include "../../drivers/hv_storvsc/core/storvsc_core.h"

#define DISK_BLOCKS	16384		/* 8 MiB of 512-byte blocks */
#define IO_TIMEOUT_MS	5000

static const u8 scsi_class[16] = { LIS_STOR_CLASS_SCSI_BYTES };
static const u8 ide_class[16] = { LIS_STOR_CLASS_IDE_BYTES };

/* ---- the test's "glue": one controller at a time ---- */

struct tctx {
	struct tenv *env;
	struct hs_storvsp *sv;
	struct hs_lun *lun;
	struct lis_stor *s;
	struct lis_stor_config cfg;	/* ops and ctx filled in by probe */
	int create_ret;
	bool probed;
	unsigned int bus_changed;
	unsigned int picks;		/* pick_cpu calls */
	unsigned int pick_index_sum;
};

static struct tctx T;

struct treq {
	lis_completion_t done;
	struct lis_stor_result res;
	unsigned int completed;
	unsigned int abandoned;
};

static void t_complete(void *ctx, void *cookie, const struct lis_stor_result *res)
{
	struct treq *r = cookie;

	r->res = *res;
	__atomic_add_fetch(&r->completed, 1, __ATOMIC_SEQ_CST);
	lis_complete(&r->done);
}

static void t_abandoned(void *ctx, void *cookie)
{
	struct treq *r = cookie;

	__atomic_add_fetch(&r->abandoned, 1, __ATOMIC_SEQ_CST);
}

static void t_bus_changed(void *ctx)
{
	__atomic_add_fetch(&T.bus_changed, 1, __ATOMIC_SEQ_CST);
}

static unsigned int t_pick_cpu(void *ctx, unsigned int index)
{
	__atomic_add_fetch(&T.picks, 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&T.pick_index_sum, index, __ATOMIC_SEQ_CST);
	return index % (T.cfg.nr_cpus ? T.cfg.nr_cpus : 1);
}

static const struct lis_stor_ops t_ops = {
	.complete = t_complete,
	.abandoned = t_abandoned,
	.bus_changed = t_bus_changed,
	.pick_cpu = t_pick_cpu,
};

static int t_probe(struct tenv *env, struct lis_channel *ch)
{
	struct lis_stor_config cfg = T.cfg;
	struct lis_stor *s = NULL;
	int ret;

	cfg.ops = &t_ops;
	cfg.ctx = &T;
	ret = lis_stor_create(ch, &cfg, &s);
	__atomic_store_n(&T.s, s, __ATOMIC_SEQ_CST);
	T.create_ret = ret;
	__atomic_store_n(&T.probed, true, __ATOMIC_SEQ_CST);
	return ret;
}

static bool t_removed;

static void t_remove(struct tenv *env, struct lis_channel *ch)
{
	struct lis_stor *s = __atomic_exchange_n(&T.s, NULL, __ATOMIC_SEQ_CST);

	if (s) {
		lis_stor_kill(s);
		lis_stor_destroy(s);
	}
	__atomic_store_n(&t_removed, true, __ATOMIC_SEQ_CST);
}

static bool probed(struct tenv *env, void *arg)
{
	return __atomic_load_n(&T.probed, __ATOMIC_SEQ_CST);
}

struct setup {
	struct hs_storvsp_config host;
	unsigned int nr_cpus;
	u32 depth;
	u16 max_version;
	bool no_lun;
	/* armed before the guest connects (init-step faults) */
	const struct hs_storvsp_fault *faults;
	unsigned int nfaults;
};

/* a host with one storvsp (and a LUN), a guest with our core bound to it */
static bool setup(const struct setup *su)
{
	struct tenv_config ecfg;
	struct tdriver drv;
	struct hs_lun_config lc;
	unsigned int i;

	memset(&T, 0, sizeof(T));
	t_removed = false;
	memset(&ecfg, 0, sizeof(ecfg));
	ecfg.nr_cpus = su->nr_cpus ? su->nr_cpus : 2;
	T.cfg.nr_cpus = ecfg.nr_cpus;
	T.cfg.ring_bytes = 16 * 4096;
	T.cfg.queue_depth = su->depth ? su->depth : 64;
	T.cfg.timeout_ms = 1000;
	T.cfg.subchannel_timeout_ms = 2000;
	T.cfg.ide = su->host.ide;
	T.cfg.max_version = su->max_version;
	T.env = tenv_create(&ecfg);
	if (!T.env)
		return false;
	memset(&drv, 0, sizeof(drv));
	memcpy(drv.class_id.b, su->host.ide ? ide_class : scsi_class, 16);
	drv.probe = t_probe;
	drv.remove = t_remove;
	tenv_add_driver(T.env, &drv);
	T.sv = hs_storvsp_add(tenv_host(T.env), &su->host);
	if (!T.sv)
		return false;
	if (!su->no_lun) {
		memset(&lc, 0, sizeof(lc));
		lc.target = su->host.ide ? su->host.ide_target : 0;
		lc.blocks = DISK_BLOCKS;
		T.lun = hs_storvsp_lun_add(T.sv, &lc);
		if (!T.lun)
			return false;
	}
	for (i = 0; i < su->nfaults; i++)
		hs_storvsp_inject(T.sv, &su->faults[i]);
	if (tenv_boot(T.env))
		return false;
	return tenv_wait(T.env, probed, NULL, 10000);
}

static void teardown(void)
{
	struct lis_stor *s = __atomic_exchange_n(&T.s, NULL, __ATOMIC_SEQ_CST);

	if (s)
		lis_stor_destroy(s);
	tenv_destroy(T.env);
	T.env = NULL;
}

static struct hs_storvsp_stats sv_stats(void)
{
	struct hs_storvsp_stats st;

	hs_storvsp_stats(T.sv, &st);
	return st;
}

static struct hs_storvsp_fault fault(enum hs_storvsp_fault_kind kind)
{
	struct hs_storvsp_fault f;

	memset(&f, 0, sizeof(f));
	f.kind = kind;
	f.count = 1;
	f.match_cdb = -1;
	return f;
}

/* ---- commands ---- */

struct tsegs {
	const struct lis_stor_seg *seg;
	unsigned int n, i;
};

static int t_next_seg(void *it, struct lis_stor_seg *seg)
{
	struct tsegs *t = it;

	if (t->i >= t->n)
		return 0;
	*seg = t->seg[t->i++];
	return 1;
}

/* one segment per contiguous buffer */
static struct lis_stor_seg seg_of(const void *p, u32 len)
{
	struct lis_stor_seg s;

	s.pfn = (uintptr_t)p >> 12;
	s.offset = (uintptr_t)p & 4095;
	s.len = len;
	return s;
}

static void cmd_init(struct lis_stor_cmd *c, const u8 *cdb, u8 cdb_len, u8 dir,
		     struct tsegs *ts, u32 len, struct treq *r)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->cdb, cdb, cdb_len);
	c->cdb_len = cdb_len;
	c->dir = dir;
	c->data_len = len;
	c->next_seg = t_next_seg;
	c->seg_it = ts;
	c->timeout_s = 60;
	c->cookie = r;
	memset(r, 0, sizeof(*r));
	lis_completion_init(&r->done);
}

/* submit and wait: the submit result, *res the completion */
static int run_segs(const u8 *cdb, u8 cdb_len, u8 dir, const struct lis_stor_seg *segs,
		    unsigned int nseg, u32 len, unsigned int cpu, struct lis_stor_result *res)
{
	struct tsegs ts = { segs, nseg, 0 };
	struct lis_stor_cmd c;
	struct treq r;
	int ret;

	cmd_init(&c, cdb, cdb_len, dir, &ts, len, &r);
	c.cpu = cpu;
	ret = lis_stor_submit(T.s, &c);
	if (ret)
		return ret;
	if (lis_wait(&r.done, IO_TIMEOUT_MS))
		return -ETIMEDOUT;
	*res = r.res;
	return 0;
}

static int run(const u8 *cdb, u8 cdb_len, u8 dir, void *buf, u32 len,
	       struct lis_stor_result *res)
{
	struct lis_stor_seg s = seg_of(buf, len);

	return run_segs(cdb, cdb_len, dir, &s, len ? 1 : 0, len, 0, res);
}

static void cdb_rw16(u8 *cdb, bool write, u64 lba, u32 blocks)
{
	unsigned int i;

	memset(cdb, 0, 16);
	cdb[0] = write ? 0x8A : 0x88;
	for (i = 0; i < 8; i++)
		cdb[2 + i] = (u8)(lba >> (56 - 8 * i));
	for (i = 0; i < 4; i++)
		cdb[10 + i] = (u8)(blocks >> (24 - 8 * i));
}

static const u8 cdb_tur[6] = { 0x00 };

static int tur(struct lis_stor_result *res)
{
	return run(cdb_tur, 6, LIS_STOR_DIR_NONE, NULL, 0, res);
}

/* send a TEST UNIT READY and do not wait: r completes (or is abandoned) */
static int tur_async(struct treq *r)
{
	static struct tsegs none;
	struct lis_stor_cmd c;

	cmd_init(&c, cdb_tur, 6, LIS_STOR_DIR_NONE, &none, 0, r);
	return lis_stor_submit(T.s, &c);
}

static u64 read_capacity_blocks(void)
{
	u8 cdb[16] = { 0x9E, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32 };
	struct lis_stor_result res;
	u8 *buf = aligned_alloc(4096, 4096);
	u64 last = 0;
	int i;

	if (run(cdb, 16, LIS_STOR_DIR_READ, buf, 32, &res) == 0 && res.status == LIS_STOR_OK &&
	    res.scsi_status == 0)
		for (i = 0; i < 8; i++)
			last = last << 8 | buf[i];
	else
		last = (u64)-1;
	free(buf);
	return last + 1;
}

/* ---- wire ---- */

LIS_TEST(wire_offsets_match_the_fact_sheet)
{
	/* §4.3 vstor packet */
	EXPECT_EQ(offsetof(struct lis_stor_packet, operation), 0);
	EXPECT_EQ(offsetof(struct lis_stor_packet, flags), 4);
	EXPECT_EQ(offsetof(struct lis_stor_packet, status), 8);
	EXPECT_EQ(offsetof(struct lis_stor_packet, u), 12);
	EXPECT_EQ(sizeof(struct lis_stor_packet), 64);
	/* §4.5 SRB, at packet offset 12 */
	EXPECT_EQ(offsetof(struct lis_stor_srb, length), 0);
	EXPECT_EQ(offsetof(struct lis_stor_srb, srb_status), 2);
	EXPECT_EQ(offsetof(struct lis_stor_srb, scsi_status), 3);
	EXPECT_EQ(offsetof(struct lis_stor_srb, port_number), 4);
	EXPECT_EQ(offsetof(struct lis_stor_srb, path_id), 5);
	EXPECT_EQ(offsetof(struct lis_stor_srb, target_id), 6);
	EXPECT_EQ(offsetof(struct lis_stor_srb, lun), 7);
	EXPECT_EQ(offsetof(struct lis_stor_srb, cdb_length), 8);
	EXPECT_EQ(offsetof(struct lis_stor_srb, sense_info_length), 9);
	EXPECT_EQ(offsetof(struct lis_stor_srb, data_in), 10);
	EXPECT_EQ(offsetof(struct lis_stor_srb, reserved), 11);
	EXPECT_EQ(offsetof(struct lis_stor_srb, data_transfer_length), 12);
	EXPECT_EQ(offsetof(struct lis_stor_srb, u.cdb), 16);
	EXPECT_EQ(offsetof(struct lis_stor_srb, u.sense), 16);
	EXPECT_EQ(offsetof(struct lis_stor_srb, reserved2), 36);
	EXPECT_EQ(offsetof(struct lis_stor_srb, queue_tag), 38);
	EXPECT_EQ(offsetof(struct lis_stor_srb, queue_action), 39);
	EXPECT_EQ(offsetof(struct lis_stor_srb, srb_flags), 40);
	EXPECT_EQ(offsetof(struct lis_stor_srb, timeout_value), 44);
	EXPECT_EQ(offsetof(struct lis_stor_srb, queue_sort_key), 48);
	EXPECT_EQ(sizeof(struct lis_stor_srb), 0x34);
	/* §4.6 channel properties */
	EXPECT_EQ(offsetof(struct lis_stor_channel_props, max_channel_count), 4);
	EXPECT_EQ(offsetof(struct lis_stor_channel_props, flags), 8);
	EXPECT_EQ(offsetof(struct lis_stor_channel_props, max_transfer_bytes), 12);
	EXPECT_EQ(sizeof(struct lis_stor_channel_props), 24);
	/* protocol version payload: MajorMinor u16, Revision u16 */
	EXPECT_EQ(offsetof(struct lis_stor_protocol_version, revision), 2);
	/* §4.2 versions, §4.4 operations */
	EXPECT_EQ(LIS_STOR_VERSION_WIN10, 0x0602);
	EXPECT_EQ(LIS_STOR_VERSION_WIN8_1, 0x0600);
	EXPECT_EQ(LIS_STOR_VERSION_WIN8, 0x0501);
	EXPECT_EQ(LIS_STOR_OP_EXECUTE_SRB, 3);
	EXPECT_EQ(LIS_STOR_OP_RESET_BUS, 6);
	EXPECT_EQ(LIS_STOR_OP_ENUMERATE_BUS, 11);
	EXPECT_EQ(LIS_STOR_OP_CREATE_SUB_CHANNELS, 13);
	/* §8 class GUIDs in wire order */
	{
		u8 g[16];

		tguid("{ba6163d9-04a1-4d29-b605-72e2ffb1dc7f}", g);
		EXPECT(!memcmp(g, scsi_class, 16));
		tguid("{32412632-86cb-44a2-9b5c-50d1417354f5}", g);
		EXPECT(!memcmp(g, ide_class, 16));
	}
}

/* ---- the data's page list ---- */

LIS_TEST(segments_with_offsets_and_multipage_runs_become_one_range)
{
	struct lis_stor_seg segs[] = {
		{ 100, 3000, 1096 },		/* tail of page 100 */
		{ 200, 0, 3 * 4096 },		/* pages 200-202 */
		{ 203, 0, 10 },			/* starts page 203 ... */
		{ 203, 10, 4086 },		/* ... continues it byte for byte */
		{ 50, 4096 + 0, 4096 },		/* offset past a page: frame 51 */
		{ 60, 0, 7 },			/* head of page 60 */
	};
	u64 pfns[16];
	struct lis_stor_dmap m;
	unsigned int i;
	static const u64 want[] = { 100, 200, 201, 202, 203, 51, 60 };

	lis_stor_dmap_init(&m, pfns, 16);
	for (i = 0; i < ARRAY_SIZE(segs); i++)
		EXPECT_EQ(lis_stor_dmap_add(&m, &segs[i]), 0);
	EXPECT_EQ(m.first_offset, 3000);
	EXPECT_EQ(m.len, 1096 + 3 * 4096 + 4096 + 4096 + 7);
	ASSERT(m.npfns == ARRAY_SIZE(want));
	for (i = 0; i < ARRAY_SIZE(want); i++)
		EXPECT_EQ(pfns[i], want[i]);
	/* the PFN count is what the fact sheet says a range carries */
	EXPECT_EQ(m.npfns, (m.first_offset + m.len + 4095) / 4096);
}

LIS_TEST(segments_that_leave_a_hole_or_overflow_are_refused)
{
	struct lis_stor_seg a = { 10, 0, 100 }, b = { 20, 0, 100 }, c = { 10, 200, 100 };
	struct lis_stor_seg big = { 30, 0, 5 * 4096 }, empty = { 1, 0, 0 };
	struct lis_stor_seg huge = { ~0ull >> 11, 0, 4096 };
	u64 pfns[4];
	struct lis_stor_dmap m;

	/* ends mid-page, next starts elsewhere */
	lis_stor_dmap_init(&m, pfns, 4);
	EXPECT_EQ(lis_stor_dmap_add(&m, &a), 0);
	EXPECT_EQ(lis_stor_dmap_add(&m, &b), -EXDEV);
	/* same page, but not where the last one ended */
	EXPECT_EQ(lis_stor_dmap_add(&m, &c), -EXDEV);
	/* more pages than the list holds */
	lis_stor_dmap_init(&m, pfns, 4);
	EXPECT_EQ(lis_stor_dmap_add(&m, &big), -E2BIG);
	EXPECT_EQ(lis_stor_dmap_add(&m, &empty), -EINVAL);
	EXPECT_EQ(lis_stor_dmap_add(&m, &huge), -EINVAL);
}

/* ---- result mapping (pure) ---- */

static struct lis_stor_result map(u8 srb_status, u8 scsi_status, const u8 *sense, u8 sense_len,
				  u32 moved, u32 requested, u32 nt)
{
	struct lis_stor_srb srb;
	struct lis_stor_result r;

	memset(&srb, 0, sizeof(srb));
	srb.srb_status = srb_status;
	srb.scsi_status = scsi_status;
	srb.sense_info_length = sense_len;
	if (sense)
		memcpy(srb.u.sense, sense, sense_len < 20 ? sense_len : 20);
	srb.data_transfer_length = moved;
	lis_stor_map_result(&srb, nt, requested, 0x28, &r);
	return r;
}

static void fixed_sense(u8 *s, u8 key, u8 asc, u8 ascq)
{
	memset(s, 0, 20);
	s[0] = 0x70;
	s[2] = key;
	s[7] = 10;
	s[12] = asc;
	s[13] = ascq;
}

LIS_TEST(srb_and_scsi_status_map_to_midlayer_outcomes)
{
	struct lis_stor_result r;
	u8 s[20], d[20];

	r = map(0x01, 0, NULL, 0, 512, 512, 0);
	EXPECT_EQ(r.status, LIS_STOR_OK);
	EXPECT_EQ(r.residual, 0);
	/* short transfer: success with a residual (overrun status or not) */
	r = map(0x12, 0, NULL, 0, 100, 512, 0);
	EXPECT_EQ(r.status, LIS_STOR_OK);
	EXPECT_EQ(r.residual, 412);
	EXPECT_EQ(r.transferred, 100);
	/* the host claims more than was asked: a transport error */
	r = map(0x01, 0, NULL, 0, 1024, 512, 0);
	EXPECT_EQ(r.status, LIS_STOR_ERROR);
	EXPECT_EQ(r.transferred, 0);
	/* check condition with sense: the midlayer decides */
	fixed_sense(s, 0x03, 0x11, 0x00);
	r = map(0x84, 0x02, s, 18, 0, 512, 0);
	EXPECT_EQ(r.status, LIS_STOR_OK);
	EXPECT_EQ(r.scsi_status, 0x02);
	EXPECT_EQ(r.sense_len, 18);
	EXPECT_EQ(r.sense[12], 0x11);
	EXPECT_EQ(r.action, LIS_STOR_ACT_NONE);
	/* sense longer than the SRB can hold is cut to 20 */
	r = map(0x84, 0x02, s, 200, 0, 512, 0);
	EXPECT_EQ(r.sense_len, 20);
	/* check condition without usable sense: a transport error */
	r = map(0x04, 0x02, NULL, 0, 0, 512, 0);
	EXPECT_EQ(r.status, LIS_STOR_ERROR);
	/* SCSI BUSY passes through; SRB BUSY asks for a later retry */
	r = map(0x04, 0x08, NULL, 0, 0, 512, 0);
	EXPECT_EQ(r.status, LIS_STOR_OK);
	EXPECT_EQ(r.scsi_status, 0x08);
	r = map(0x05, 0, NULL, 0, 0, 512, 0);
	EXPECT_EQ(r.status, LIS_STOR_BUSY);
	/* no such LUN / target / path, selection timeout */
	EXPECT_EQ(map(0x20, 0, NULL, 0, 0, 512, 0).status, LIS_STOR_NO_DEVICE);
	EXPECT_EQ(map(0x21, 0, NULL, 0, 0, 512, 0).status, LIS_STOR_NO_DEVICE);
	EXPECT_EQ(map(0x07, 0, NULL, 0, 0, 512, 0).status, LIS_STOR_NO_DEVICE);
	EXPECT_EQ(map(0x08, 0, NULL, 0, 0, 512, 0).status, LIS_STOR_NO_DEVICE);
	EXPECT_EQ(map(0x0A, 0, NULL, 0, 0, 512, 0).status, LIS_STOR_NO_DEVICE);
	/* an invalid request without sense becomes ILLEGAL REQUEST 24/00 */
	r = map(0x06, 0, NULL, 0, 0, 512, 0);
	EXPECT_EQ(r.status, LIS_STOR_OK);
	EXPECT_EQ(r.scsi_status, 0x02);
	EXPECT_EQ(r.sense[2], 0x05);
	EXPECT_EQ(r.sense[12], 0x24);
	/* errors without sense or status: transport errors, retried */
	EXPECT_EQ(map(0x04, 0, NULL, 0, 0, 512, 0).status, LIS_STOR_ERROR);
	EXPECT_EQ(map(0x0E, 0, NULL, 0, 0, 512, 0).status, LIS_STOR_ERROR);
	EXPECT_EQ(map(0x09, 0, NULL, 0, 0, 512, 0).status, LIS_STOR_ERROR);
	EXPECT_EQ(map(0x3F, 0, NULL, 0, 0, 512, 0).status, LIS_STOR_ERROR);
	/* a completion that still says pending */
	EXPECT_EQ(map(0x00, 0, NULL, 0, 0, 512, 0).status, LIS_STOR_ERROR);
	/* queue-frozen flag ignored */
	EXPECT_EQ(map(0x41, 0, NULL, 0, 512, 512, 0).status, LIS_STOR_OK);
	/* NT error with SRB success: trust the error; NT warnings are fine */
	EXPECT_EQ(map(0x01, 0, NULL, 0, 512, 512, 0xC0000001u).status, LIS_STOR_ERROR);
	EXPECT_EQ(map(0x01, 0, NULL, 0, 512, 512, 0x80000005u).status, LIS_STOR_OK);
	/* autosense flag without a length: no sense */
	EXPECT_EQ(map(0x81, 0, NULL, 0, 512, 512, 0).sense_len, 0);
	/* descriptor-format sense is understood too */
	memset(d, 0, sizeof(d));
	d[0] = 0x72;
	d[1] = 0x06;
	d[2] = 0x2A;
	d[3] = 0x09;
	r = map(0x84, 0x02, d, 8, 0, 512, 0);
	EXPECT_EQ(r.status, LIS_STOR_REQUEUE);
	EXPECT_EQ(r.action, LIS_STOR_ACT_RESCAN_LUN);
}

LIS_TEST(unit_attentions_that_are_host_events_ask_for_rescans)
{
	struct lis_stor_result r;
	u8 s[20];

	fixed_sense(s, 0x06, 0x2A, 0x09);	/* capacity data has changed */
	r = map(0x84, 0x02, s, 18, 0, 512, 0);
	EXPECT_EQ(r.status, LIS_STOR_REQUEUE);
	EXPECT_EQ(r.action, LIS_STOR_ACT_RESCAN_LUN);
	EXPECT_EQ(r.sense_len, 0);
	fixed_sense(s, 0x06, 0x3F, 0x0E);	/* reported LUNs data has changed */
	r = map(0x84, 0x02, s, 18, 0, 512, 0);
	EXPECT_EQ(r.action, LIS_STOR_ACT_RESCAN_BUS);
	fixed_sense(s, 0x06, 0x3F, 0x01);	/* operating parameters changed */
	EXPECT_EQ(map(0x84, 0x02, s, 18, 0, 512, 0).action, LIS_STOR_ACT_RESCAN_LUN);
	fixed_sense(s, 0x06, 0x3F, 0x03);	/* inquiry data changed: midlayer's */
	r = map(0x84, 0x02, s, 18, 0, 512, 0);
	EXPECT_EQ(r.action, LIS_STOR_ACT_NONE);
	EXPECT_EQ(r.status, LIS_STOR_OK);
	fixed_sense(s, 0x06, 0x29, 0x00);	/* power on: the midlayer's business */
	EXPECT_EQ(map(0x84, 0x02, s, 18, 0, 512, 0).action, LIS_STOR_ACT_NONE);
}

/* ---- the handshake ---- */

LIS_TEST(negotiates_protocol_6_2_and_reads_the_properties)
{
	struct setup su = { .host = { .max_transfer_bytes = 512 * 1024 } };
	struct lis_stor_info info;

	ASSERT(setup(&su));
	ASSERT(T.create_ret == 0 && T.s);
	lis_stor_get_info(T.s, &info);
	EXPECT_EQ(info.version, 0x0602);
	EXPECT_EQ(sv_stats().version, 0x0602);
	EXPECT(sv_stats().initialized);
	EXPECT_EQ(info.max_transfer, 512 * 1024);
	EXPECT_EQ(info.max_pfns, 129);
	EXPECT_EQ(info.channels_open, 1);
	EXPECT_EQ(info.subchannels_requested, 0);
	teardown();
}

static u16 negotiated_with(const uint16_t *host_versions, u16 guest_max, int *ret)
{
	struct setup su = { .max_version = guest_max };
	struct lis_stor_info info;
	u16 v = 0;

	su.host.versions = host_versions;
	if (!setup(&su)) {
		*ret = -999;
		teardown();
		return 0;
	}
	*ret = T.create_ret;
	if (T.s) {
		lis_stor_get_info(T.s, &info);
		v = info.version;
	}
	teardown();
	return v;
}

LIS_TEST(falls_back_from_6_2_to_6_0_to_5_1)
{
	static const uint16_t h60[] = { 0x0600, 0x0501, 0 }, h51[] = { 0x0501, 0x0402, 0 };
	int ret;

	EXPECT_EQ(negotiated_with(h60, 0, &ret), 0x0600);
	EXPECT_EQ(ret, 0);
	EXPECT_EQ(negotiated_with(h51, 0, &ret), 0x0501);
	EXPECT_EQ(ret, 0);
	/* the guest's own cap */
	EXPECT_EQ(negotiated_with(NULL, 0x0600, &ret), 0x0600);
}

LIS_TEST(refuses_a_host_older_than_5_1)
{
	static const uint16_t old[] = { 0x0402, 0x0200, 0 };
	int ret;

	port_log_clear();
	EXPECT_EQ(negotiated_with(old, 0, &ret), 0);
	EXPECT_EQ(ret, -EPROTONOSUPPORT);
	EXPECT(port_log_contains("none of protocol"));
}

static int create_with_faults(const struct hs_storvsp_fault *f, unsigned int n,
			      u32 max_transfer, u64 *errors)
{
	struct setup su = { .faults = f, .nfaults = n };
	int ret;

	su.host.max_transfer_bytes = max_transfer;
	if (!setup(&su)) {
		teardown();
		return -999;
	}
	ret = T.create_ret;
	if (errors)
		*errors = T.s ? lis_stor_protocol_errors(T.s) : 0;
	teardown();
	return ret;
}

LIS_TEST(a_refused_or_unanswered_init_step_fails_the_controller)
{
	struct hs_storvsp_fault f = fault(HS_SV_NTSTATUS);

	f.match_operation = LIS_STOR_OP_BEGIN_INITIALIZATION;
	port_log_clear();
	EXPECT_EQ(create_with_faults(&f, 1, 0, NULL), -EIO);
	EXPECT(port_log_contains("refused operation 7"));
	f.match_operation = LIS_STOR_OP_QUERY_PROPERTIES;
	EXPECT_EQ(create_with_faults(&f, 1, 0, NULL), -EIO);
	f.match_operation = LIS_STOR_OP_END_INITIALIZATION;
	EXPECT_EQ(create_with_faults(&f, 1, 0, NULL), -EIO);
	/* no answer at all */
	f = fault(HS_SV_DROP);
	f.match_operation = LIS_STOR_OP_QUERY_PROPERTIES;
	port_log_clear();
	EXPECT_EQ(create_with_faults(&f, 1, 0, NULL), -ETIMEDOUT);
	EXPECT(port_log_contains("did not answer"));
	/* a host that cannot move a page */
	EXPECT_EQ(create_with_faults(NULL, 0, 100, NULL), -EPROTO);
}

LIS_TEST(malformed_init_replies_are_dropped_and_the_real_one_used)
{
	struct hs_storvsp_fault f[3];
	u64 errors = 0;

	f[0] = fault(HS_SV_SHORT_REPLY);
	f[0].match_operation = LIS_STOR_OP_BEGIN_INITIALIZATION;
	f[0].then_real = true;
	f[1] = fault(HS_SV_UNKNOWN_TID);
	f[1].match_operation = LIS_STOR_OP_QUERY_PROPERTIES;
	f[1].then_real = true;
	f[2] = fault(HS_SV_WRONG_OPERATION);
	f[2].match_operation = LIS_STOR_OP_END_INITIALIZATION;
	f[2].then_real = true;
	port_log_clear();
	EXPECT_EQ(create_with_faults(f, 3, 0, &errors), 0);
	EXPECT_EQ(errors, 3);
	EXPECT(port_log_contains("short packet"));
	EXPECT(port_log_contains("transaction id"));
	EXPECT(port_log_contains("unexpected operation 3"));
}

LIS_TEST(transfers_larger_than_the_cap_are_limited)
{
	struct setup su = { .host = { .max_transfer_bytes = 0x7FFFF000 } };
	struct lis_stor_info info;

	ASSERT(setup(&su));
	ASSERT(T.s);
	lis_stor_get_info(T.s, &info);
	EXPECT_EQ(info.max_transfer, 8u << 20);
	EXPECT_EQ(info.max_pfns, 2049);
	teardown();
}

/* ---- sub-channels ---- */

static bool channels_open(struct tenv *env, void *arg)
{
	struct lis_stor_info info;

	lis_stor_get_info(T.s, &info);
	return info.channels_open >= *(u32 *)arg;
}

static u32 subchannels_with(unsigned int cpus, u16 host_max, bool multi, bool ide,
			    u32 *open_out)
{
	struct setup su = { .nr_cpus = cpus };
	struct lis_stor_info info;
	u32 n;

	su.host.max_channels = host_max;
	su.host.multi_channel = multi;
	su.host.ide = ide;
	if (!setup(&su) || !T.s) {
		teardown();
		return 999;
	}
	lis_stor_get_info(T.s, &info);
	n = info.subchannels_requested;
	if (open_out) {
		u32 want = n + 1;

		tenv_wait(T.env, channels_open, &want, 5000);
		lis_stor_get_info(T.s, &info);
		*open_out = info.channels_open;
	}
	EXPECT_EQ(sv_stats().subchannels, n);
	teardown();
	return n;
}

LIS_TEST(asks_for_min_of_host_max_and_cpus_minus_one_subchannels)
{
	u32 open = 0;

	EXPECT_EQ(subchannels_with(4, 8, true, false, &open), 3);
	EXPECT_EQ(open, 4);
	EXPECT_EQ(subchannels_with(4, 1, true, false, &open), 1);
	EXPECT_EQ(open, 2);
	/* the host does not do multi-channel, or has none, or one CPU */
	EXPECT_EQ(subchannels_with(4, 8, false, false, NULL), 0);
	EXPECT_EQ(subchannels_with(4, 0, true, false, NULL), 0);
	EXPECT_EQ(subchannels_with(1, 8, true, false, NULL), 0);
	/* IDE: one disk per channel, no sub-channels */
	EXPECT_EQ(subchannels_with(4, 8, true, true, NULL), 0);
}

LIS_TEST(subchannels_are_spread_over_cpus_and_carry_io)
{
	struct setup su = { .nr_cpus = 4, .host = { .max_channels = 8, .multi_channel = true } };
	u8 *buf = aligned_alloc(4096, 4096);
	struct lis_stor_result res;
	struct hs_device *dev;
	u32 want = 4, vps = 0;
	unsigned int i, cpu;
	u8 cdb[16];

	ASSERT(setup(&su) && T.s);
	ASSERT(tenv_wait(T.env, channels_open, &want, 5000));
	/* pick_cpu was asked for indexes 1..3 */
	EXPECT_EQ(T.picks, 3);
	EXPECT_EQ(T.pick_index_sum, 1 + 2 + 3);
	dev = hs_storvsp_device(T.sv);
	for (i = 1; i <= 3; i++) {
		struct hs_channel *ch = hs_device_channel(dev, i);

		ASSERT(ch && hs_channel_is_open(ch));
		vps |= 1u << hs_channel_target_vp(ch);
	}
	EXPECT_EQ(vps, 0x2 | 0x4 | 0x8);	/* CPUs 1, 2, 3 */
	/* a command from each CPU goes to that CPU's channel */
	for (cpu = 0; cpu < 4; cpu++) {
		struct lis_stor_seg s = seg_of(buf, 512);

		cdb_rw16(cdb, false, cpu, 1);
		EXPECT_EQ(run_segs(cdb, 16, LIS_STOR_DIR_READ, &s, 1, 512, cpu, &res), 0);
		EXPECT_EQ(res.status, LIS_STOR_OK);
	}
	EXPECT_EQ(sv_stats().srbs_on_subchannels, 3);
	free(buf);
	teardown();
}

/* ---- commands ---- */

LIS_TEST(reads_what_was_written_with_offsets_and_multipage_segments)
{
	struct setup su = { 0 };
	u8 *arena = aligned_alloc(4096, 8 * 4096), *check = malloc(3 * 4096);
	struct lis_stor_result res;
	struct lis_stor_seg segs[3];
	u8 cdb[16];
	unsigned int i;

	ASSERT(setup(&su) && T.s);
	/* 12288 bytes: 1000 at the end of page 5, pages 1-2 whole, 3096 at
	 * the start of page 7 */
	segs[0] = seg_of(arena + 5 * 4096 + 3096, 1000);
	segs[1] = seg_of(arena + 1 * 4096, 2 * 4096);
	segs[2] = seg_of(arena + 7 * 4096, 3096);
	for (i = 0; i < 1000; i++)
		arena[5 * 4096 + 3096 + i] = (u8)(i * 7);
	for (i = 0; i < 8192; i++)
		arena[4096 + i] = (u8)(i * 13 + 1);
	for (i = 0; i < 3096; i++)
		arena[7 * 4096 + i] = (u8)(i * 3 + 2);
	cdb_rw16(cdb, true, 100, 24);
	EXPECT_EQ(run_segs(cdb, 16, LIS_STOR_DIR_WRITE, segs, 3, 12288, 0, &res), 0);
	EXPECT_EQ(res.status, LIS_STOR_OK);
	EXPECT_EQ(res.scsi_status, 0);
	EXPECT_EQ(res.transferred, 12288);
	/* the host got the bytes in order */
	ASSERT(hs_lun_read(T.lun, 100 * 512, check, 12288) == 0);
	EXPECT(!memcmp(check, arena + 5 * 4096 + 3096, 1000));
	EXPECT(!memcmp(check + 1000, arena + 4096, 8192));
	EXPECT(!memcmp(check + 9192, arena + 7 * 4096, 3096));
	/* and gives them back through a different layout */
	memset(arena, 0, 8 * 4096);
	{
		struct lis_stor_seg one = seg_of(arena + 77, 12288);

		cdb_rw16(cdb, false, 100, 24);
		EXPECT_EQ(run_segs(cdb, 16, LIS_STOR_DIR_READ, &one, 1, 12288, 1, &res), 0);
		EXPECT_EQ(res.status, LIS_STOR_OK);
		EXPECT(!memcmp(arena + 77, check, 12288));
	}
	free(arena);
	free(check);
	teardown();
}

LIS_TEST(commands_we_cannot_send_are_refused_before_the_host_sees_them)
{
	struct setup su = { 0 };
	u8 *buf = aligned_alloc(4096, 3 * 4096);
	struct lis_stor_seg gap[2], s;
	struct lis_stor_result res;
	struct lis_stor_info info;
	u64 srbs;
	u8 cdb[17];

	ASSERT(setup(&su) && T.s);
	lis_stor_get_info(T.s, &info);
	srbs = sv_stats().srbs;
	memset(cdb, 0, sizeof(cdb));
	cdb_rw16(cdb, false, 0, 1);
	/* CDB length 0 and 17 */
	EXPECT_EQ(run(cdb, 0, LIS_STOR_DIR_NONE, NULL, 0, &res), -EINVAL);
	EXPECT_EQ(run(cdb, 17, LIS_STOR_DIR_NONE, NULL, 0, &res), -EINVAL);
	/* direction and length disagree */
	EXPECT_EQ(run(cdb, 16, LIS_STOR_DIR_READ, buf, 0, &res), -EINVAL);
	EXPECT_EQ(run(cdb, 16, 9, buf, 512, &res), -EINVAL);
	/* more than the host's largest transfer */
	s = seg_of(buf, 512);
	EXPECT_EQ(run_segs(cdb, 16, LIS_STOR_DIR_READ, &s, 1, info.max_transfer + 512, 0, &res),
		  -EINVAL);
	/* segments that do not add up to the length */
	EXPECT_EQ(run_segs(cdb, 16, LIS_STOR_DIR_READ, &s, 1, 1024, 0, &res), -EINVAL);
	/* a hole: the caller must bounce */
	gap[0] = seg_of(buf, 256);
	gap[1] = seg_of(buf + 2 * 4096, 256);
	EXPECT_EQ(run_segs(cdb, 16, LIS_STOR_DIR_READ, gap, 2, 512, 0, &res), -EXDEV);
	EXPECT_EQ(sv_stats().srbs, srbs);
	EXPECT_EQ(lis_stor_in_flight(T.s), 0);
	/* the slot table is intact: a real command still goes */
	EXPECT_EQ(run_segs(cdb, 16, LIS_STOR_DIR_READ, &s, 1, 512, 0, &res), 0);
	EXPECT_EQ(res.status, LIS_STOR_OK);
	free(buf);
	teardown();
}

LIS_TEST(commands_without_data_go_in_band)
{
	struct setup su = { 0 };
	struct lis_stor_result res;

	ASSERT(setup(&su) && T.s);
	EXPECT_EQ(tur(&res), 0);
	EXPECT_EQ(res.status, LIS_STOR_OK);
	EXPECT_EQ(res.scsi_status, 0);
	EXPECT_EQ(read_capacity_blocks(), DISK_BLOCKS);
	EXPECT_EQ(sv_stats().bad_requests, 0);
	teardown();
}

LIS_TEST(check_condition_busy_and_srb_errors_reach_the_caller)
{
	struct setup su = { 0 };
	struct hs_storvsp_fault f;
	struct lis_stor_result res;

	ASSERT(setup(&su) && T.s);
	f = fault(HS_SV_CHECK_CONDITION);
	f.sense_key = 0x03;
	f.asc = 0x11;
	f.ascq = 0x00;
	hs_storvsp_inject(T.sv, &f);
	EXPECT_EQ(tur(&res), 0);
	EXPECT_EQ(res.status, LIS_STOR_OK);
	EXPECT_EQ(res.scsi_status, 0x02);
	EXPECT(res.sense_len >= 14);
	EXPECT_EQ(res.sense[2] & 0x0F, 0x03);
	EXPECT_EQ(res.sense[12], 0x11);

	hs_storvsp_inject(T.sv, &(struct hs_storvsp_fault){ .kind = HS_SV_BUSY, .count = 1,
							  .match_cdb = -1 });
	EXPECT_EQ(tur(&res), 0);
	EXPECT_EQ(res.status, LIS_STOR_OK);
	EXPECT_EQ(res.scsi_status, 0x08);

	f = fault(HS_SV_SRB_STATUS);
	f.srb_status = 0x05;
	hs_storvsp_inject(T.sv, &f);
	EXPECT_EQ(tur(&res), 0);
	EXPECT_EQ(res.status, LIS_STOR_BUSY);
	f.srb_status = 0x04;
	hs_storvsp_inject(T.sv, &f);
	EXPECT_EQ(tur(&res), 0);
	EXPECT_EQ(res.status, LIS_STOR_ERROR);

	f = fault(HS_SV_NTSTATUS);
	hs_storvsp_inject(T.sv, &f);
	EXPECT_EQ(tur(&res), 0);
	EXPECT_EQ(res.status, LIS_STOR_ERROR);
	EXPECT_EQ(res.nt_status, 0xC0000001u);
	/* and everything still works */
	EXPECT_EQ(tur(&res), 0);
	EXPECT_EQ(res.status, LIS_STOR_OK);
	teardown();
}

LIS_TEST(malformed_completions_are_dropped_and_the_command_still_finishes)
{
	static const enum hs_storvsp_fault_kind kinds[] = {
		HS_SV_SHORT_REPLY, HS_SV_UNKNOWN_TID, HS_SV_WRONG_OPERATION,
	};
	struct setup su = { 0 };
	struct lis_stor_result res;
	struct hs_storvsp_fault f;
	unsigned int i;
	u64 before;

	ASSERT(setup(&su) && T.s);
	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		f = fault(kinds[i]);
		f.then_real = true;
		hs_storvsp_inject(T.sv, &f);
		before = lis_stor_protocol_errors(T.s);
		EXPECT_EQ(tur(&res), 0);
		EXPECT_EQ(res.status, LIS_STOR_OK);
		EXPECT_EQ(lis_stor_protocol_errors(T.s), before + 1);
	}
	/* a stale generation of a live slot is as unknown as any other id */
	f = fault(HS_SV_UNKNOWN_TID);
	f.tid_xor = 1ull << 32;
	f.then_real = true;
	hs_storvsp_inject(T.sv, &f);
	before = lis_stor_protocol_errors(T.s);
	EXPECT_EQ(tur(&res), 0);
	EXPECT_EQ(res.status, LIS_STOR_OK);
	EXPECT_EQ(lis_stor_protocol_errors(T.s), before + 1);
	EXPECT_EQ(lis_stor_in_flight(T.s), 0);
	teardown();
}

/* raw host->guest packets on the primary channel */
static void host_send(u16 type, u64 tid, const void *data, u32 len)
{
	struct hs_channel *ch = hs_device_channel(hs_storvsp_device(T.sv), 0);

	while (hs_channel_send(ch, type, 0, tid, data, len))
		lis_msleep(1);
}

static bool errors_at_least(struct tenv *env, void *arg)
{
	return lis_stor_protocol_errors(T.s) >= *(u64 *)arg;
}

/* the core counts an error before it logs it: wait for the line itself */
static bool log_has(struct tenv *env, void *arg)
{
	return port_log_contains(arg);
}

LIS_TEST(unsolicited_garbage_from_the_host_is_logged_and_dropped)
{
	struct setup su = { 0 };
	struct lis_stor_result res;
	struct lis_stor_packet pkt;
	u8 big[2000];
	u64 want;

	ASSERT(setup(&su) && T.s);
	want = lis_stor_protocol_errors(T.s);
	port_log_clear();
	memset(&pkt, 0, sizeof(pkt));
	/* shorter than a vstor packet */
	host_send(LIS_VMBUS_PKT_COMP, 5, &pkt, 8);
	/* an operation the host never sends */
	pkt.operation = LIS_STOR_OP_EXECUTE_SRB;
	host_send(LIS_VMBUS_PKT_DATA_INBAND, 0, &pkt, sizeof(pkt));
	/* a completion that is not in a completion packet */
	pkt.operation = LIS_STOR_OP_COMPLETE_IO;
	host_send(LIS_VMBUS_PKT_DATA_INBAND, 1ull << 32, &pkt, sizeof(pkt));
	/* completions for ids nobody sent: I/O, control, out-of-range slot */
	host_send(LIS_VMBUS_PKT_COMP, 1ull << 32 | 3, &pkt, sizeof(pkt));
	host_send(LIS_VMBUS_PKT_COMP, 1ull << 63 | 77, &pkt, sizeof(pkt));
	host_send(LIS_VMBUS_PKT_COMP, 1ull << 32 | 0xFFFFF, &pkt, sizeof(pkt));
	/* far longer than any storvsc packet */
	memset(big, 0xAB, sizeof(big));
	host_send(LIS_VMBUS_PKT_COMP, 9, big, sizeof(big));
	want += 7;
	EXPECT(tenv_wait(T.env, errors_at_least, &want, 3000));
	/* the packets are handled in order: the last one's line comes last */
	EXPECT(tenv_wait(T.env, log_has, "oversized packet", 3000));
	EXPECT(port_log_contains("short packet"));
	EXPECT(port_log_contains("unexpected operation 3"));
	EXPECT(port_log_contains("not in a completion packet") ||
	       port_log_contains("in a packet of type 6"));
	EXPECT(port_log_contains("unknown or stale transaction id"));
	EXPECT(port_log_contains("control completion with unknown"));
	EXPECT(port_log_contains("oversized packet"));
	/* the controller is fine */
	EXPECT_EQ(tur(&res), 0);
	EXPECT_EQ(res.status, LIS_STOR_OK);
	teardown();
}

/* ---- host events ---- */

static bool bus_changed_at_least(struct tenv *env, void *arg)
{
	return __atomic_load_n(&T.bus_changed, __ATOMIC_SEQ_CST) >= *(unsigned int *)arg;
}

LIS_TEST(host_lun_changes_ask_the_glue_to_rescan)
{
	struct setup su = { 0 };
	struct lis_stor_result res;
	struct hs_lun_config lc;
	struct hs_lun *l2;
	unsigned int n = 1;
	u8 *buf = aligned_alloc(4096, 4096);
	u8 cdb[16];

	ASSERT(setup(&su) && T.s);
	EXPECT_EQ(hs_storvsp_notify(T.sv, LIS_STOR_OP_ENUMERATE_BUS), 0);
	EXPECT(tenv_wait(T.env, bus_changed_at_least, &n, 3000));
	n = 2;
	EXPECT_EQ(hs_storvsp_notify(T.sv, LIS_STOR_OP_REMOVE_DEVICE), 0);
	EXPECT(tenv_wait(T.env, bus_changed_at_least, &n, 3000));
	/* hot add: an event, and the new LUN answers */
	memset(&lc, 0, sizeof(lc));
	lc.lun = 2;
	lc.blocks = 64;
	l2 = hs_storvsp_lun_add(T.sv, &lc);
	ASSERT(l2);
	n = 3;
	EXPECT(tenv_wait(T.env, bus_changed_at_least, &n, 3000));
	{
		struct lis_stor_seg s = seg_of(buf, 512);
		struct tsegs ts = { &s, 1, 0 };
		struct lis_stor_cmd c;
		struct treq r;

		cdb_rw16(cdb, false, 0, 1);
		cmd_init(&c, cdb, 16, LIS_STOR_DIR_READ, &ts, 512, &r);
		c.lun = 2;
		ASSERT(lis_stor_submit(T.s, &c) == 0);
		ASSERT(lis_wait(&r.done, IO_TIMEOUT_MS) == 0);
		EXPECT_EQ(r.res.status, LIS_STOR_OK);
		/* hot remove: an event, and it answers "no device" */
		EXPECT_EQ(hs_lun_remove(l2), 0);
		n = 4;
		EXPECT(tenv_wait(T.env, bus_changed_at_least, &n, 3000));
		ts.i = 0;
		cmd_init(&c, cdb, 16, LIS_STOR_DIR_READ, &ts, 512, &r);
		c.lun = 2;
		ASSERT(lis_stor_submit(T.s, &c) == 0);
		ASSERT(lis_wait(&r.done, IO_TIMEOUT_MS) == 0);
		EXPECT_EQ(r.res.status, LIS_STOR_NO_DEVICE);
	}
	/* LUN 0 never noticed */
	EXPECT_EQ(tur(&res), 0);
	EXPECT_EQ(res.status, LIS_STOR_OK);
	free(buf);
	teardown();
}

LIS_TEST(online_resize_asks_for_a_lun_rescan_and_shows_the_new_size)
{
	struct setup su = { 0 };
	struct lis_stor_result res;
	unsigned int n = 1;

	ASSERT(setup(&su) && T.s);
	EXPECT_EQ(read_capacity_blocks(), DISK_BLOCKS);
	EXPECT_EQ(hs_lun_resize(T.lun, 2 * DISK_BLOCKS), 0);
	EXPECT(tenv_wait(T.env, bus_changed_at_least, &n, 3000));
	/* the next command carries the unit attention */
	EXPECT_EQ(tur(&res), 0);
	EXPECT_EQ(res.status, LIS_STOR_REQUEUE);
	EXPECT_EQ(res.action, LIS_STOR_ACT_RESCAN_LUN);
	/* the retry, and the rescan, see the new size */
	EXPECT_EQ(tur(&res), 0);
	EXPECT_EQ(res.status, LIS_STOR_OK);
	EXPECT_EQ(res.action, LIS_STOR_ACT_NONE);
	EXPECT_EQ(read_capacity_blocks(), 2 * DISK_BLOCKS);
	teardown();
}

/* ---- timeouts, resets, slots, the device going away ---- */

/* a default controller with one TEST UNIT READY the host will never answer */
static bool setup_with_lost_command(struct treq *lost)
{
	struct setup su = { 0 };
	struct hs_storvsp_fault f = fault(HS_SV_DROP);

	if (!setup(&su) || !T.s)
		return false;
	hs_storvsp_inject(T.sv, &f);
	return tur_async(lost) == 0;
}

LIS_TEST(a_slow_command_gets_more_time_while_the_host_completes_others)
{
	struct setup su = { 0 };
	struct hs_storvsp_fault f = fault(HS_SV_DELAY);
	struct lis_stor_result res;
	struct treq slow;

	ASSERT(setup(&su) && T.s);
	f.delay_ms = 800;
	hs_storvsp_inject(T.sv, &f);
	ASSERT(tur_async(&slow) == 0);
	/* nothing else completed since: hand it to the error handler */
	EXPECT(!lis_stor_timed_out(T.s, &slow));
	/* another command overtakes it: the host is alive, wait */
	EXPECT_EQ(tur(&res), 0);
	EXPECT(lis_stor_timed_out(T.s, &slow));
	/* ... but not again without new progress */
	EXPECT(!lis_stor_timed_out(T.s, &slow));
	EXPECT_EQ(lis_wait(&slow.done, IO_TIMEOUT_MS), 0);
	EXPECT_EQ(slow.res.status, LIS_STOR_OK);
	/* a finished command is not ours to extend */
	EXPECT(!lis_stor_timed_out(T.s, &slow));
	teardown();
}

LIS_TEST(patience_with_a_timed_out_command_is_bounded)
{
	struct lis_stor_result res;
	struct treq lost;
	unsigned int i, extended = 0;

	ASSERT(setup_with_lost_command(&lost));
	for (i = 0; i < 5; i++) {
		EXPECT_EQ(tur(&res), 0);
		extended += lis_stor_timed_out(T.s, &lost);
	}
	EXPECT_EQ(extended, 2);
	EXPECT_EQ(lis_stor_reset(T.s), 0);
	teardown();
}

LIS_TEST(reset_gives_up_a_lost_command_and_io_goes_on)
{
	struct lis_stor_result res;
	struct treq lost;

	ASSERT(setup_with_lost_command(&lost));
	lis_msleep(100);
	EXPECT_EQ(lis_stor_in_flight(T.s), 1);
	EXPECT(!lis_stor_timed_out(T.s, &lost));
	EXPECT_EQ(lis_stor_reset(T.s), 0);
	EXPECT_EQ(sv_stats().resets, 1);
	EXPECT_EQ(lost.abandoned, 1);
	EXPECT_EQ(lost.completed, 0);
	EXPECT_EQ(lis_stor_in_flight(T.s), 0);
	EXPECT_EQ(tur(&res), 0);
	EXPECT_EQ(res.status, LIS_STOR_OK);
	teardown();
}

LIS_TEST(a_refused_reset_fails_but_still_releases_the_commands)
{
	struct hs_storvsp_fault r = fault(HS_SV_NTSTATUS);
	struct treq lost;

	ASSERT(setup_with_lost_command(&lost));
	r.match_operation = LIS_STOR_OP_RESET_BUS;
	hs_storvsp_inject(T.sv, &r);
	port_log_clear();
	EXPECT_EQ(lis_stor_reset(T.s), -EIO);
	EXPECT(port_log_contains("refused operation 6"));
	EXPECT_EQ(lost.abandoned, 1);
	EXPECT_EQ(lis_stor_in_flight(T.s), 0);
	teardown();
}

LIS_TEST(slots_run_out_and_the_caller_is_told_to_retry)
{
	struct setup su = { .depth = 2 };
	struct hs_storvsp_fault f = fault(HS_SV_DELAY);
	struct treq r[3];

	ASSERT(setup(&su) && T.s);
	f.count = 2;
	f.delay_ms = 300;
	hs_storvsp_inject(T.sv, &f);
	EXPECT_EQ(tur_async(&r[0]), 0);
	EXPECT_EQ(tur_async(&r[1]), 0);
	EXPECT_EQ(tur_async(&r[2]), -EBUSY);
	EXPECT_EQ(lis_wait(&r[0].done, IO_TIMEOUT_MS), 0);
	EXPECT_EQ(lis_wait(&r[1].done, IO_TIMEOUT_MS), 0);
	EXPECT_EQ(tur_async(&r[2]), 0);
	EXPECT_EQ(lis_wait(&r[2].done, IO_TIMEOUT_MS), 0);
	EXPECT_EQ(r[2].res.status, LIS_STOR_OK);
	teardown();
}

LIS_TEST(kill_fails_what_is_in_flight_and_refuses_new_commands)
{
	struct lis_stor_result res;
	struct treq lost;

	ASSERT(setup_with_lost_command(&lost));
	lis_stor_kill(T.s);
	EXPECT_EQ(lost.completed, 1);
	EXPECT_EQ(lost.res.status, LIS_STOR_ABORTED);
	EXPECT_EQ(tur(&res), -ENODEV);
	teardown();
}

static bool removed(struct tenv *env, void *arg)
{
	return __atomic_load_n(&t_removed, __ATOMIC_SEQ_CST);
}

LIS_TEST(device_rescind_during_io_fails_commands_and_frees_the_controller)
{
	struct setup su = { .nr_cpus = 2, .host = { .max_channels = 2, .multi_channel = true } };
	struct hs_storvsp_fault f = fault(HS_SV_DROP);
	struct treq lost;
	u32 want = 2;

	ASSERT(setup(&su) && T.s);
	EXPECT(tenv_wait(T.env, channels_open, &want, 5000));
	hs_storvsp_inject(T.sv, &f);
	ASSERT(tur_async(&lost) == 0);
	EXPECT_EQ(hs_device_rescind(hs_storvsp_device(T.sv)), 0);
	EXPECT(tenv_wait(T.env, removed, NULL, 5000));
	EXPECT_EQ(lost.completed, 1);
	EXPECT_EQ(lost.res.status, LIS_STOR_ABORTED);
	teardown();
}

/* ---- data integrity ---- */

struct worker_arg {
	unsigned int id, ops, cpu;
	u64 first_lba, blocks;		/* this worker's region */
	u8 *shadow;			/* the whole disk as it should be */
	u8 *arena;			/* guest pages for its buffers */
	u32 max_bytes;
	unsigned int seed;
	unsigned int failures;
	unsigned int reads, writes;
};

#define ARENA_PAGES	160

static u32 rnd(unsigned int *seed, u32 n)
{
	return n ? (u32)(rand_r(seed) % n) : 0;
}

/*
 * A random gap-free layout of `len` bytes over the arena's pages: the first
 * segment starts at a random offset, the rest start on pages (shuffled), and
 * contiguous runs are cut at random bytes into several segments.
 */
static unsigned int random_layout(unsigned int *seed, u8 *arena, u32 len,
				  struct lis_stor_seg *segs, u8 **where, unsigned int max)
{
	unsigned int pages[ARENA_PAGES], i, n = 0, p = 0;
	u32 off = rnd(seed, 4096), left = len;

	for (i = 0; i < ARENA_PAGES; i++)
		pages[i] = i;
	for (i = ARENA_PAGES - 1; i > 0; i--) {
		unsigned int j = rnd(seed, i + 1), t = pages[i];

		pages[i] = pages[j];
		pages[j] = t;
	}
	while (left && n < max) {
		/* a run of consecutive arena pages starting at pages[p] */
		unsigned int first = pages[p++], run = 1 + rnd(seed, 3);
		u32 room, take;

		if (first + run > ARENA_PAGES)
			run = ARENA_PAGES - first;
		/* runs must not overlap pages used before */
		for (i = 1; i < run; i++) {
			unsigned int k;

			for (k = 0; k < p; k++)
				if (pages[k] == first + i)
					break;
			if (k < p)
				break;
		}
		run = i;
		for (i = 1; i < run; i++) {
			unsigned int k;

			for (k = p; k < ARENA_PAGES; k++)
				if (pages[k] == first + i) {
					pages[k] = pages[p];
					pages[p++] = first + i;
					break;
				}
		}
		room = run * 4096 - off;
		take = left < room ? left : room;
		/* cut the run into pieces that continue each other */
		while (take && n < max) {
			u32 piece = take;

			if (rnd(seed, 3) == 0 && take > 1)
				piece = 1 + rnd(seed, take - 1);
			where[n] = arena + (size_t)first * 4096 + off;
			segs[n] = seg_of(where[n], piece);
			n++;
			off += piece;
			take -= piece;
			left -= piece;
		}
		off = 0;
	}
	return left ? 0 : n;
}

static void *io_worker(void *argp)
{
	struct worker_arg *a = argp;
	struct lis_stor_seg segs[96];
	u8 *where[96], *data = malloc(a->max_bytes);
	struct lis_stor_result res;
	unsigned int op, n, i;
	u8 cdb[16];

	for (op = 0; op < a->ops; op++) {
		u32 nblk = 1 + rnd(&a->seed, a->max_bytes / 512);
		u64 lba = a->first_lba + rnd(&a->seed, (u32)(a->blocks - nblk + 1));
		u32 len = nblk * 512, done = 0;
		bool write = rnd(&a->seed, 10) < 6;

		n = random_layout(&a->seed, a->arena, len, segs, where, 96);
		if (!n) {
			a->failures++;
			continue;
		}
		if (write) {
			for (i = 0; i < len; i++)
				data[i] = (u8)rand_r(&a->seed);
			for (i = 0; i < n; i++) {
				memcpy(where[i], data + done, segs[i].len);
				done += segs[i].len;
			}
		}
		cdb_rw16(cdb, write, lba, nblk);
		if (run_segs(cdb, 16, write ? LIS_STOR_DIR_WRITE : LIS_STOR_DIR_READ, segs, n, len,
			     a->cpu, &res) || res.status != LIS_STOR_OK || res.scsi_status ||
		    res.transferred != len) {
			a->failures++;
			continue;
		}
		if (write) {
			memcpy(a->shadow + lba * 512, data, len);
			a->writes++;
		} else {
			for (i = 0; i < n; i++) {
				if (memcmp(where[i], a->shadow + lba * 512 + done, segs[i].len))
					a->failures++;
				done += segs[i].len;
			}
			a->reads++;
		}
	}
	free(data);
	return NULL;
}

LIS_TEST(random_io_of_random_sizes_and_alignments_keeps_every_byte)
{
	struct setup su = { .nr_cpus = 4, .depth = 32,
			    .host = { .max_channels = 4, .multi_channel = true,
				      .max_transfer_bytes = 256 * 1024 } };
	u8 *shadow = calloc(DISK_BLOCKS, 512), *disk = malloc((size_t)DISK_BLOCKS * 512);
	u8 guest_sum[32], host_sum[32], shadow_sum[32];
	struct worker_arg a[4];
	pthread_t th[4];
	struct lis_stor_result res;
	unsigned int i, failures = 0, reads = 0, writes = 0;
	u32 want = 4;
	u8 cdb[16];

	ASSERT(setup(&su) && T.s);
	EXPECT(tenv_wait(T.env, channels_open, &want, 5000));
	for (i = 0; i < 4; i++) {
		memset(&a[i], 0, sizeof(a[i]));
		a[i].id = i;
		a[i].ops = 150;
		a[i].cpu = i;
		a[i].blocks = DISK_BLOCKS / 4;
		a[i].first_lba = i * a[i].blocks;
		a[i].shadow = shadow;
		a[i].arena = aligned_alloc(4096, ARENA_PAGES * 4096);
		a[i].max_bytes = 128 * 1024;
		a[i].seed = 0x5EED + i;
		pthread_create(&th[i], NULL, io_worker, &a[i]);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		failures += a[i].failures;
		reads += a[i].reads;
		writes += a[i].writes;
		free(a[i].arena);
	}
	EXPECT_EQ(failures, 0);
	EXPECT(reads > 100 && writes > 200);
	EXPECT(sv_stats().srbs_on_subchannels > 0);
	EXPECT_EQ(sv_stats().bad_requests, 0);

	/* the whole disk read back through the guest, 256 KiB at a time */
	for (i = 0; i < DISK_BLOCKS; i += 512) {
		struct lis_stor_seg s = seg_of(disk + (size_t)i * 512, 512 * 512);

		cdb_rw16(cdb, false, i, 512);
		EXPECT_EQ(run_segs(cdb, 16, LIS_STOR_DIR_READ, &s, 1, 512 * 512, i % 4, &res), 0);
		EXPECT_EQ(res.status, LIS_STOR_OK);
	}
	SHA256(disk, (size_t)DISK_BLOCKS * 512, guest_sum);
	SHA256(shadow, (size_t)DISK_BLOCKS * 512, shadow_sum);
	ASSERT(hs_lun_checksum(T.lun, host_sum, NULL) == 0);
	EXPECT(!memcmp(guest_sum, host_sum, 32));
	EXPECT(!memcmp(shadow_sum, host_sum, 32));
	EXPECT_EQ(lis_stor_in_flight(T.s), 0);
	free(shadow);
	free(disk);
	teardown();
}

/* ---- IDE ---- */

LIS_TEST(ide_controller_comes_up_and_reads_its_disk)
{
	struct setup su = { .nr_cpus = 4, .host = { .ide = true, .ide_target = 1,
						    .max_channels = 4, .multi_channel = true } };
	u8 *buf = aligned_alloc(4096, 4096);
	struct lis_stor_result res;
	struct lis_stor_info info;
	struct lis_stor_seg s = seg_of(buf, 4096);
	struct tsegs ts = { &s, 1, 0 };
	struct lis_stor_cmd c;
	struct treq r;
	u8 cdb[16];

	ASSERT(setup(&su) && T.s);
	lis_stor_get_info(T.s, &info);
	EXPECT_EQ(info.subchannels_requested, 0);
	/* the target number is in instance GUID bytes 4-5 */
	{
		struct lis_channel *ch = tenv_channel(T.env, 0);

		ASSERT(ch);
		EXPECT_EQ(lis_channel_instance(ch)->b[4] | lis_channel_instance(ch)->b[5] << 8, 1);
	}
	cdb_rw16(cdb, false, 0, 8);
	cmd_init(&c, cdb, 16, LIS_STOR_DIR_READ, &ts, 4096, &r);
	c.target = 1;
	ASSERT(lis_stor_submit(T.s, &c) == 0);
	ASSERT(lis_wait(&r.done, IO_TIMEOUT_MS) == 0);
	EXPECT_EQ(r.res.status, LIS_STOR_OK);
	EXPECT_EQ(tur(&res), 0);	/* target 0: nobody there */
	EXPECT_EQ(res.status, LIS_STOR_NO_DEVICE);
	free(buf);
	teardown();
}

LIS_TEST_MAIN("storvsc")
