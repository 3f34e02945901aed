// SPDX-License-Identifier: GPL-2.0
/*
 * The netvsc core against hostsim's netvsp: wire offsets, bring-up (NVSP
 * versions, NDIS, buffers, RNDIS and every query and set), frames of every
 * size between two simulated NICs on one switch, offload and RSS
 * information, link and VF messages, back-pressure both ways, every
 * malformed input hostsim can make and the ones we craft ourselves, and
 * teardown (orders by VMBus version, rescind, re-creation).
 */
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include "port_user.h"
#include "env_hostsim.h"
#include "lis_test.h"
#include "../../drivers/hv_netvsc/core/netvsc_core.h"

#define WAIT_MS		5000
#define MAX_NICS	3
#define RX_KEEP		256		/* frames a NIC keeps for inspection */
#define ETHERTYPE_TEST	0x88B5		/* IEEE local experimental */

static const u8 net_class[16] = { LIS_NET_CLASS_BYTES };

/* ---- the test's "glue": NICs, what they received and were told ---- */

struct rxf {
	u8 *data;
	u32 len, flags, hash, q;
	u16 tci;
};

struct tnic {
	struct hs_netvsp *hs;
	u8 instance[16];
	u8 mac[6];
	struct lis_channel *ch;
	struct lis_net *net;
	int create_ret;
	bool probed, removed;

	pthread_mutex_t lock;
	struct rxf rx[RX_KEEP];
	u32 nrx;
	u64 rx_total, rx_by_q[LIS_NET_MAX_QUEUES];
	/* the every-size test: frames checked as they come */
	bool check_sizes;
	u8 *seen;			/* per length */
	u64 bad_frames;
	const u8 *peer;
	u32 tx_ok, tx_fail, wakes, rx_done_calls;
	u32 link_events, link_up_events, refreshes, vf_events, queues;
	bool vf_allocated;
	u32 vf_serial;
};

struct tctx {
	struct tenv *env;
	struct tnic nic[MAX_NICS];
	unsigned int nnics;
	struct lis_net_config cfg;	/* ops and ctx are filled in per NIC */
};

static struct tctx T;

/* frame payloads: bytes 14.. of a frame of length len are pattern()[len + 14 ..] */
static u8 pat[2 * (LIS_NET_MAX_FRAME + 1)];
static pthread_once_t pat_once = PTHREAD_ONCE_INIT;

static void pattern_fill(void)
{
	u32 k;

	for (k = 0; k < sizeof(pat); k++)
		pat[k] = (u8)(k * 7 + (k >> 8) * 13);
}

static const u8 *pattern(void)
{
	pthread_once(&pat_once, pattern_fill);
	return pat;
}

static struct tnic *nic_of(void *ctx)
{
	return ctx;
}

static void t_rx_frame(void *ctx, u32 q, const struct lis_net_rx_frame *f)
{
	struct tnic *t = nic_of(ctx);
	struct rxf *r;
	bool ok;

	pthread_mutex_lock(&t->lock);
	t->rx_total++;
	if (q < LIS_NET_MAX_QUEUES)
		t->rx_by_q[q]++;
	if (t->check_sizes) {
		/* dst, src, type, then the pattern of this length */
		ok = f->len >= 14 && !memcmp(f->data, t->mac, 6) && !memcmp(f->data + 6, t->peer, 6) &&
		     f->data[12] == (ETHERTYPE_TEST >> 8) && f->data[13] == (ETHERTYPE_TEST & 0xFF);
		ok = ok && !memcmp(f->data + 14, pattern() + f->len + 14, f->len - 14);
		if (ok && !t->seen[f->len])
			t->seen[f->len] = 1;
		else
			t->bad_frames++;
	} else if (t->nrx < RX_KEEP) {
		r = &t->rx[t->nrx++];
		r->data = malloc(f->len);
		memcpy(r->data, f->data, f->len);
		r->len = f->len;
		r->flags = f->flags;
		r->hash = f->hash;
		r->tci = f->vlan_tci;
		r->q = q;
	}
	pthread_mutex_unlock(&t->lock);
}

static void t_rx_done(void *ctx, u32 q)
{
	__atomic_add_fetch(&nic_of(ctx)->rx_done_calls, 1, __ATOMIC_SEQ_CST);
}

static void t_tx_done(void *ctx, u32 q, void *cookie, bool ok)
{
	struct tnic *t = nic_of(ctx);

	free(cookie);
	__atomic_add_fetch(ok ? &t->tx_ok : &t->tx_fail, 1, __ATOMIC_SEQ_CST);
}

static void t_tx_wake(void *ctx, u32 q)
{
	__atomic_add_fetch(&nic_of(ctx)->wakes, 1, __ATOMIC_SEQ_CST);
}

static void t_link(void *ctx, bool up)
{
	struct tnic *t = nic_of(ctx);

	__atomic_add_fetch(&t->link_events, 1, __ATOMIC_SEQ_CST);
	if (up)
		__atomic_add_fetch(&t->link_up_events, 1, __ATOMIC_SEQ_CST);
}

static void t_refresh(void *ctx)
{
	__atomic_add_fetch(&nic_of(ctx)->refreshes, 1, __ATOMIC_SEQ_CST);
}

static void t_vf(void *ctx, bool allocated, u32 serial)
{
	struct tnic *t = nic_of(ctx);

	pthread_mutex_lock(&t->lock);
	t->vf_allocated = allocated;
	t->vf_serial = serial;
	t->vf_events++;
	pthread_mutex_unlock(&t->lock);
}

static void t_queues(void *ctx, u32 n)
{
	__atomic_store_n(&nic_of(ctx)->queues, n, __ATOMIC_SEQ_CST);
}

static unsigned int t_pick_cpu(void *ctx, unsigned int index)
{
	return index % 2;
}

static const struct lis_net_ops t_ops = {
	.rx_frame = t_rx_frame,
	.rx_done = t_rx_done,
	.tx_done = t_tx_done,
	.tx_wake = t_tx_wake,
	.link_changed = t_link,
	.refresh_needed = t_refresh,
	.vf_changed = t_vf,
	.queues_changed = t_queues,
	.pick_cpu = t_pick_cpu,
};

static struct tnic *nic_for(struct lis_channel *ch)
{
	unsigned int i;

	for (i = 0; i < T.nnics; i++)
		if (!memcmp(T.nic[i].instance, lis_channel_instance(ch), 16))
			return &T.nic[i];
	return NULL;
}

static int t_probe(struct tenv *env, struct lis_channel *ch)
{
	struct tnic *t = nic_for(ch);
	struct lis_net_config cfg = T.cfg;
	struct lis_net *n = NULL;
	int ret;

	if (!t)
		return -ENODEV;
	cfg.ops = &t_ops;
	cfg.ctx = t;
	t->ch = ch;
	ret = lis_net_create(ch, &cfg, &n);
	t->create_ret = ret;
	__atomic_store_n(&t->net, n, __ATOMIC_SEQ_CST);
	__atomic_store_n(&t->probed, true, __ATOMIC_SEQ_CST);
	return ret;
}

static void t_remove(struct tenv *env, struct lis_channel *ch)
{
	struct tnic *t = nic_for(ch);
	struct lis_net *n;

	if (!t)
		return;
	n = __atomic_exchange_n(&t->net, NULL, __ATOMIC_SEQ_CST);
	if (n) {
		lis_net_kill(n);
		lis_net_destroy(n);
	}
	lis_net_release(ch);
	__atomic_store_n(&t->removed, true, __ATOMIC_SEQ_CST);
}

static bool nic_removed(struct tenv *env, void *arg)
{
	return __atomic_load_n(&((struct tnic *)arg)->removed, __ATOMIC_SEQ_CST);
}

static bool all_probed(struct tenv *env, void *arg)
{
	unsigned int i;

	for (i = 0; i < T.nnics; i++)
		if (!__atomic_load_n(&T.nic[i].probed, __ATOMIC_SEQ_CST))
			return false;
	return true;
}

struct setup {
	unsigned int nnics;
	struct hs_netvsp_config host;	/* for every NIC (MAC and instance set here) */
	const uint32_t *vmbus_versions;
	unsigned int nr_cpus;
	struct lis_net_config guest;
};

/* a host with NICs on one switch, a guest with our core bound to each */
static bool setup(const struct setup *su)
{
	struct tenv_config ecfg;
	struct hs_netvsp_config hc;
	struct tdriver drv;
	struct hs_vswitch *sw = NULL;
	unsigned int i;

	memset(&T, 0, sizeof(T));
	memset(&ecfg, 0, sizeof(ecfg));
	ecfg.nr_cpus = su->nr_cpus ? su->nr_cpus : 2;
	ecfg.host_versions = su->vmbus_versions;
	T.env = tenv_create(&ecfg);
	if (!T.env)
		return false;
	T.cfg = su->guest;
	if (!T.cfg.ring_bytes)
		T.cfg.ring_bytes = 64 * 1024;
	if (!T.cfg.recv_buf_bytes)
		T.cfg.recv_buf_bytes = 2u << 20;
	if (!T.cfg.timeout_ms)
		T.cfg.timeout_ms = 2000;
	for (i = 0; i < LIS_NDIS_RSS_KEY_SIZE; i++)
		T.cfg.rss_key[i] = (u8)(i * 37 + 11);
	memset(&drv, 0, sizeof(drv));
	memcpy(&drv.class_id, net_class, 16);
	drv.probe = t_probe;
	drv.remove = t_remove;
	tenv_add_driver(T.env, &drv);

	T.nnics = su->nnics ? su->nnics : 1;
	for (i = 0; i < T.nnics; i++) {
		struct tnic *t = &T.nic[i];

		pthread_mutex_init(&t->lock, NULL);
		hc = su->host;
		hc.vswitch = sw;
		hc.mac[0] = 0x00;
		hc.mac[1] = 0x15;
		hc.mac[2] = 0x5d;
		hc.mac[3] = 0x4c;
		hc.mac[4] = 0x49;
		hc.mac[5] = (u8)(0x10 + i);
		memset(hc.instance_guid, 0, 16);
		hc.instance_guid[0] = 0x6e;
		hc.instance_guid[1] = (u8)(0xA0 + i);
		hc.instance_guid[15] = 0x5A;
		memcpy(t->mac, hc.mac, 6);
		memcpy(t->instance, hc.instance_guid, 16);
		t->hs = hs_netvsp_add(tenv_host(T.env), &hc);
		if (!t->hs)
			return false;
		sw = hs_netvsp_vswitch(t->hs);
	}
	if (tenv_boot(T.env))
		return false;
	return tenv_wait(T.env, all_probed, NULL, WAIT_MS);
}

/* destroy what is still bound (as the glue's remove would), then the env */
static void teardown(void)
{
	unsigned int i, j;

	for (i = 0; i < T.nnics; i++) {
		struct tnic *t = &T.nic[i];
		struct lis_net *n = __atomic_exchange_n(&t->net, NULL, __ATOMIC_SEQ_CST);

		if (n)
			lis_net_destroy(n);
		if (t->ch && !__atomic_load_n(&t->removed, __ATOMIC_SEQ_CST))
			lis_net_release(t->ch);
		for (j = 0; j < t->nrx; j++)
			free(t->rx[j].data);
		free(t->seen);
	}
	tenv_destroy(T.env);
	T.env = NULL;
}

static struct hs_netvsp_stats hstats(struct tnic *t)
{
	struct hs_netvsp_stats st;

	hs_netvsp_stats(t->hs, &st);
	return st;
}

static struct lis_net_info ginfo(struct tnic *t)
{
	struct lis_net_info info;

	lis_net_get_info(t->net, &info);
	return info;
}

static struct lis_net_stats gstats(struct tnic *t)
{
	struct lis_net_stats st;

	lis_net_get_stats(t->net, &st);
	return st;
}

static bool wait_u32(const u32 *p, u32 want)
{
	u64 end = lis_time_ms() + WAIT_MS;

	while (__atomic_load_n(p, __ATOMIC_SEQ_CST) < want && lis_time_ms() < end)
		lis_msleep(1);
	return __atomic_load_n(p, __ATOMIC_SEQ_CST) >= want;
}

static __maybe_unused bool wait_rx(struct tnic *t, u64 want)
{
	u64 end = lis_time_ms() + WAIT_MS, n;

	for (;;) {
		pthread_mutex_lock(&t->lock);
		n = t->rx_total;
		pthread_mutex_unlock(&t->lock);
		if (n >= want || lis_time_ms() >= end)
			return n >= want;
		lis_msleep(1);
	}
}

/* the next frame hostsim delivered to t's VF: its length; 0 if none came
 * within WAIT_MS */
static int vf_capture_wait(struct tnic *t, void *buf, u32 cap)
{
	u64 end = lis_time_ms() + WAIT_MS;
	int n;

	while (!(n = hs_netvsp_vf_capture(t->hs, buf, cap)) && lis_time_ms() < end)
		lis_msleep(1);
	return n;
}

/* ---- frames ---- */

static u8 *make_frame(const u8 *dst, const u8 *src, u32 len)
{
	u8 *f = malloc(len > 14 ? len : 14);

	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = ETHERTYPE_TEST >> 8;
	f[13] = ETHERTYPE_TEST & 0xFF;
	if (len > 14)
		memcpy(f + 14, pattern() + len + 14, len - 14);
	return f;
}

/* send `f` (ownership passes to tx_done) in up to three pieces; waits
 * out -EBUSY.  Returns lis_net_send's final answer. */
static int send_frame(struct tnic *t, u32 q, u8 *f, u32 len, const struct lis_net_tx *meta)
{
	struct lis_net_seg segs[3];
	struct lis_net_tx tx;
	u32 nsegs = 0, cut1, cut2;
	u64 end = lis_time_ms() + WAIT_MS;
	int ret;

	cut1 = len > 300 ? len / 3 : len;
	cut2 = len > 300 ? 2 * len / 3 + 5 : len;
	segs[nsegs++] = (struct lis_net_seg){ f, (u64)(uintptr_t)f, cut1 };
	if (cut2 > cut1)
		segs[nsegs++] = (struct lis_net_seg){ f + cut1, (u64)(uintptr_t)(f + cut1), cut2 - cut1 };
	if (len > cut2)
		segs[nsegs++] = (struct lis_net_seg){ f + cut2, (u64)(uintptr_t)(f + cut2), len - cut2 };
	if (meta)
		tx = *meta;
	else
		memset(&tx, 0, sizeof(tx));
	tx.segs = segs;
	tx.nsegs = nsegs;
	tx.len = len;
	tx.cookie = f;
	for (;;) {
		ret = lis_net_send(t->net, q, &tx);
		if (ret != -EBUSY || lis_time_ms() >= end)
			break;
		lis_msleep(1);
	}
	if (ret)
		free(f);
	return ret;
}

static void start(struct tnic *t)
{
	lis_net_set_filter(t->net, LIS_NDIS_FILTER_DIRECTED | LIS_NDIS_FILTER_BROADCAST |
			   LIS_NDIS_FILTER_ALL_MULTICAST);
}

static __maybe_unused void free_rx(struct tnic *t)
{
	u32 i;

	pthread_mutex_lock(&t->lock);
	for (i = 0; i < t->nrx; i++)
		free(t->rx[i].data);
	t->nrx = 0;
	pthread_mutex_unlock(&t->lock);
}

/* ---- wire layouts against the fact sheet (numbers typed from §5) ---- */

#define OFF(type, field)	offsetof(struct type, field)

LIS_TEST(nvsp_layouts_match_the_fact_sheet)
{
	EXPECT_EQ(sizeof(union lis_nvsp_msg), 40);
	EXPECT_EQ(OFF(lis_nvsp_init, min_version), 4);
	EXPECT_EQ(OFF(lis_nvsp_init, max_version), 8);
	EXPECT_EQ(OFF(lis_nvsp_init_complete, negotiated_version), 4);
	EXPECT_EQ(OFF(lis_nvsp_init_complete, max_mdl_chain_len), 8);
	EXPECT_EQ(OFF(lis_nvsp_init_complete, status), 12);
	EXPECT_EQ(OFF(lis_nvsp_ndis_version, major), 4);
	EXPECT_EQ(OFF(lis_nvsp_ndis_version, minor), 8);
	EXPECT_EQ(OFF(lis_nvsp_send_buf, gpadl), 4);
	EXPECT_EQ(OFF(lis_nvsp_send_buf, id), 8);
	EXPECT_EQ(OFF(lis_nvsp_recv_buf_complete, status), 4);
	EXPECT_EQ(OFF(lis_nvsp_recv_buf_complete, num_sections), 8);
	EXPECT_EQ(OFF(lis_nvsp_recv_buf_complete, section) + OFF(lis_nvsp_recv_section, offset), 12);
	EXPECT_EQ(OFF(lis_nvsp_recv_buf_complete, section) +
		  OFF(lis_nvsp_recv_section, sub_alloc_size), 16);
	EXPECT_EQ(OFF(lis_nvsp_recv_buf_complete, section) +
		  OFF(lis_nvsp_recv_section, num_sub_allocs), 20);
	EXPECT_EQ(OFF(lis_nvsp_recv_buf_complete, section) + OFF(lis_nvsp_recv_section, end_offset),
		  24);
	EXPECT_EQ(OFF(lis_nvsp_revoke_buf, id), 4);
	EXPECT_EQ(OFF(lis_nvsp_send_buf_complete, status), 4);
	EXPECT_EQ(OFF(lis_nvsp_send_buf_complete, section_size), 8);
	EXPECT_EQ(OFF(lis_nvsp_rndis_pkt, channel_type), 4);
	EXPECT_EQ(OFF(lis_nvsp_rndis_pkt, section_index), 8);
	EXPECT_EQ(OFF(lis_nvsp_rndis_pkt, section_size), 12);
	EXPECT_EQ(OFF(lis_nvsp_rndis_pkt_complete, status), 4);
	EXPECT_EQ(OFF(lis_nvsp_ndis_config, mtu), 4);
	EXPECT_EQ(OFF(lis_nvsp_ndis_config, capabilities), 12);
	EXPECT_EQ(OFF(lis_nvsp_vf_association, allocated), 4);
	EXPECT_EQ(OFF(lis_nvsp_vf_association, serial), 8);
	EXPECT_EQ(OFF(lis_nvsp_switch_datapath, active_datapath), 4);
	EXPECT_EQ(OFF(lis_nvsp_subchannel, op_or_status), 4);
	EXPECT_EQ(OFF(lis_nvsp_subchannel, num_subchannels), 8);
	EXPECT_EQ(OFF(lis_nvsp_indirection_table, count), 4);
	EXPECT_EQ(OFF(lis_nvsp_indirection_table, offset), 8);
	EXPECT_EQ(LIS_NVSP_VERSION_1, 0x00000002);
	EXPECT_EQ(LIS_NVSP_VERSION_2, 0x00030002);
	EXPECT_EQ(LIS_NVSP_VERSION_61, 0x00060001);
	EXPECT_EQ(LIS_NDIS_VERSION_6_30, 0x0006001E);
	EXPECT_EQ(LIS_NVSP_RECV_BUF_ID, 0xCAFE);
	EXPECT_EQ(net_class[0], 0x63);
	EXPECT_EQ(net_class[15], 0x0e);
}

LIS_TEST(rndis_layouts_match_the_fact_sheet)
{
	EXPECT_EQ(sizeof(struct lis_rndis_init), 24);
	EXPECT_EQ(OFF(lis_rndis_init, req_id), 8);
	EXPECT_EQ(OFF(lis_rndis_init, max_xfer_size), 20);
	EXPECT_EQ(sizeof(struct lis_rndis_init_c), 52);
	EXPECT_EQ(OFF(lis_rndis_init_c, status), 12);
	EXPECT_EQ(OFF(lis_rndis_init_c, device_flags), 24);
	EXPECT_EQ(OFF(lis_rndis_init_c, medium), 28);
	EXPECT_EQ(OFF(lis_rndis_init_c, max_pkts_per_msg), 32);
	EXPECT_EQ(OFF(lis_rndis_init_c, max_xfer_size), 36);
	EXPECT_EQ(OFF(lis_rndis_init_c, pkt_align_factor), 40);
	EXPECT_EQ(OFF(lis_rndis_init_c, af_list_offset), 44);
	EXPECT_EQ(OFF(lis_rndis_init_c, af_list_size), 48);
	EXPECT_EQ(OFF(lis_rndis_query, oid), 12);
	EXPECT_EQ(OFF(lis_rndis_query, info_len), 16);
	EXPECT_EQ(OFF(lis_rndis_query, info_offset), 20);
	EXPECT_EQ(OFF(lis_rndis_query, vc_handle), 24);
	EXPECT_EQ(LIS_RNDIS_QUERY_INFO_OFFSET, 20);
	EXPECT_EQ(OFF(lis_rndis_query_c, status), 12);
	EXPECT_EQ(OFF(lis_rndis_query_c, info_len), 16);
	EXPECT_EQ(OFF(lis_rndis_query_c, info_offset), 20);
	EXPECT_EQ(OFF(lis_rndis_set_c, status), 12);
	EXPECT_EQ(OFF(lis_rndis_reset_c, addressing_reset), 12);
	EXPECT_EQ(OFF(lis_rndis_indicate, status), 8);
	EXPECT_EQ(OFF(lis_rndis_indicate, buf_len), 12);
	EXPECT_EQ(OFF(lis_rndis_indicate, buf_offset), 16);
	EXPECT_EQ(OFF(lis_rndis_keepalive_c, status), 12);
	EXPECT_EQ(sizeof(struct lis_rndis_packet), 44);
	EXPECT_EQ(OFF(lis_rndis_packet, data_offset), 8);
	EXPECT_EQ(OFF(lis_rndis_packet, data_len), 12);
	EXPECT_EQ(OFF(lis_rndis_packet, oob_offset), 16);
	EXPECT_EQ(OFF(lis_rndis_packet, oob_len), 20);
	EXPECT_EQ(OFF(lis_rndis_packet, num_oob), 24);
	EXPECT_EQ(OFF(lis_rndis_packet, ppi_offset), 28);
	EXPECT_EQ(OFF(lis_rndis_packet, ppi_len), 32);
	EXPECT_EQ(OFF(lis_rndis_packet, vc_handle), 36);
	EXPECT_EQ(OFF(lis_rndis_ppi, type), 4);
	EXPECT_EQ(OFF(lis_rndis_ppi, ppi_offset), 8);
	EXPECT_EQ(sizeof(struct lis_rndis_config_param), 20);
	EXPECT_EQ(OFF(lis_rndis_config_param, value_len), 16);
	EXPECT_EQ(LIS_RNDIS_MSG_INIT_C, 0x80000002u);
	EXPECT_EQ(LIS_RNDIS_STATUS_MEDIA_CONNECT, 0x4001000Bu);
	EXPECT_EQ(LIS_OID_TCP_OFFLOAD_HW_CAPS, 0xFC01020Du);
	EXPECT_EQ(LIS_OID_802_3_PERMANENT_ADDRESS, 0x01010101u);
}

LIS_TEST(ndis_structure_layouts_match_the_fact_sheet)
{
	EXPECT_EQ(OFF(lis_ndis_rss_caps, caps_flags), 4);
	EXPECT_EQ(OFF(lis_ndis_rss_caps, num_int_msgs), 8);
	EXPECT_EQ(OFF(lis_ndis_rss_caps, num_recv_queues), 12);
	EXPECT_EQ(OFF(lis_ndis_rss_caps, num_indirection_entries), 16);
	EXPECT_EQ(sizeof(struct lis_ndis_rss_params), 40);
	EXPECT_EQ(OFF(lis_ndis_rss_params, flags), 4);
	EXPECT_EQ(OFF(lis_ndis_rss_params, base_cpu), 6);
	EXPECT_EQ(OFF(lis_ndis_rss_params, hash_info), 8);
	EXPECT_EQ(OFF(lis_ndis_rss_params, table_size), 12);
	EXPECT_EQ(OFF(lis_ndis_rss_params, table_offset), 16);
	EXPECT_EQ(OFF(lis_ndis_rss_params, key_size), 20);
	EXPECT_EQ(OFF(lis_ndis_rss_params, key_offset), 24);
	EXPECT_EQ(OFF(lis_ndis_rss_params, proc_masks_offset), 28);
	EXPECT_EQ(OFF(lis_ndis_rss_params, num_proc_masks), 32);
	EXPECT_EQ(OFF(lis_ndis_rss_params, proc_masks_entry_size), 36);
	EXPECT_EQ(OFF(lis_ndis_offload, csum_ipv4_tx), 4);
	EXPECT_EQ(OFF(lis_ndis_offload, lso_v1), 36);
	EXPECT_EQ(OFF(lis_ndis_offload, ipsec_v1), 52);
	EXPECT_EQ(OFF(lis_ndis_offload, lso_v2_ipv4), 80);
	EXPECT_EQ(OFF(lis_ndis_offload, flags), 108);
	EXPECT_EQ(OFF(lis_ndis_offload, ipsec_v2), 112);
	EXPECT_EQ(OFF(lis_ndis_offload, rsc_ipv4), 144);
	EXPECT_EQ(OFF(lis_ndis_offload, encap), 148);
	EXPECT_EQ(sizeof(struct lis_ndis_offload), 156);
	EXPECT_EQ(OFF(lis_ndis_offload_params, ipv4_csum), 4);
	EXPECT_EQ(OFF(lis_ndis_offload_params, udp6_csum), 8);
	EXPECT_EQ(OFF(lis_ndis_offload_params, lso_v2_ipv4), 11);
	EXPECT_EQ(OFF(lis_ndis_offload_params, tcp_conn_ipv6), 14);
	EXPECT_EQ(OFF(lis_ndis_offload_params, flags), 16);
	EXPECT_EQ(OFF(lis_ndis_offload_params, ipsec_v2), 20);
	EXPECT_EQ(OFF(lis_ndis_offload_params, rsc_ipv4), 22);
	EXPECT_EQ(OFF(lis_ndis_offload_params, encap_types), 25);
	EXPECT_EQ(LIS_OID_GEN_RSS_PARAMETERS, 0x00010204u);
}

/* ---- bring-up ---- */

LIS_TEST(brings_up_nvsp_6_1_with_ndis_6_30_buffers_and_rndis)
{
	struct setup su = { .guest = { .mtu = 1500 } };
	struct hs_netvsp_stats hs;
	struct lis_net_info in;
	struct tnic *t = &T.nic[0];

	ASSERT(setup(&su));
	ASSERT(t->net);
	hs = hstats(t);
	in = ginfo(t);
	EXPECT_EQ(in.nvsp_version, LIS_NVSP_VERSION_61);
	EXPECT_EQ(hs.nvsp_version, HS_NVSP_VERSION_61);
	EXPECT_EQ(hs.ndis_version, 0x0006001E);
	EXPECT_EQ(in.ndis_version, LIS_NDIS_VERSION_6_30);
	EXPECT_EQ(hs.ndis_mtu, 1514);
	EXPECT(hs.ndis_capabilities & LIS_NVSP_CAP_IEEE8021Q);
	EXPECT(hs.ndis_capabilities & LIS_NVSP_CAP_SRIOV);
	EXPECT(hs.ndis_capabilities & LIS_NVSP_CAP_TEAMING);
	EXPECT_EQ(hs.recv_buffer_bytes, 2u << 20);
	EXPECT_EQ(in.recv_buf_bytes, 2u << 20);
	EXPECT_EQ(in.recv_sections, hs.recv_suballocs);
	EXPECT_EQ(in.recv_section_size, 2048);
	EXPECT_EQ(in.send_buf_bytes, 1u << 20);
	EXPECT_EQ(in.send_section_size, 6144);
	EXPECT_EQ(in.send_sections, (1u << 20) / 6144);
	EXPECT_EQ(hs.send_sections, in.send_sections);
	EXPECT(hs.rndis_initialized);
	EXPECT_EQ(in.max_pkts_per_msg, 8);
	EXPECT_EQ(in.pkt_align, 8);
	EXPECT(!memcmp(in.perm_mac, t->mac, 6));
	EXPECT(!memcmp(in.mac, t->mac, 6));
	EXPECT_EQ(in.max_frame, 1500);
	EXPECT(in.link_up);
	EXPECT_EQ(in.link_speed, 100000000);	/* 10 Gbit/s in 100 bit/s */
	EXPECT_EQ(lis_net_protocol_errors(t->net), 0);
	EXPECT_EQ(hs.bad_requests, 0);
	EXPECT_EQ(tenv_host_errors(T.env), 0);
	teardown();
}

static u32 negotiate_with(const uint32_t *host, u32 guest_max, u32 *ndis, u32 *ndis_mtu, int *ret)
{
	struct setup su = { .host = { .versions = host }, .guest = { .max_nvsp_version = guest_max } };
	u32 v = 0;

	*ret = -999;
	if (!setup(&su))
		goto out;
	*ret = T.nic[0].create_ret;
	if (T.nic[0].net) {
		struct hs_netvsp_stats hs = hstats(&T.nic[0]);

		v = ginfo(&T.nic[0]).nvsp_version;
		*ndis = hs.ndis_version;
		*ndis_mtu = hs.ndis_mtu;
		if (hs.nvsp_version != v)
			v = 0xBAD;
	}
out:
	teardown();
	return v;
}

LIS_TEST(negotiates_every_nvsp_version_newest_first)
{
	static const uint32_t h6[] = { HS_NVSP_VERSION_6, 0 }, h5[] = { HS_NVSP_VERSION_5, 0 },
		h4[] = { HS_NVSP_VERSION_4, 0 }, h2[] = { HS_NVSP_VERSION_2, 0 },
		h1[] = { HS_NVSP_VERSION_1, 0 }, all[] = { HS_NVSP_VERSION_61, HS_NVSP_VERSION_5,
							HS_NVSP_VERSION_1, 0 };
	u32 ndis = 0, mtu = 0;
	int ret;

	EXPECT_EQ(negotiate_with(h6, 0, &ndis, &mtu, &ret), LIS_NVSP_VERSION_6);
	EXPECT_EQ(ndis, 0x0006001E);
	EXPECT_EQ(negotiate_with(h5, 0, &ndis, &mtu, &ret), LIS_NVSP_VERSION_5);
	EXPECT_EQ(negotiate_with(h4, 0, &ndis, &mtu, &ret), LIS_NVSP_VERSION_4);
	EXPECT_EQ(ndis, 0x00060001);
	EXPECT_EQ(mtu, 1514);
	EXPECT_EQ(negotiate_with(h2, 0, &ndis, &mtu, &ret), LIS_NVSP_VERSION_2);
	EXPECT_EQ(ndis, 0x00060001);
	EXPECT_EQ(negotiate_with(h1, 0, &ndis, &mtu, &ret), LIS_NVSP_VERSION_1);
	/* no NDIS config below NVSP 2 */
	EXPECT_EQ(mtu, 0);
	EXPECT_EQ(negotiate_with(all, 0, &ndis, &mtu, &ret), LIS_NVSP_VERSION_61);
	EXPECT_EQ(negotiate_with(all, LIS_NVSP_VERSION_6, &ndis, &mtu, &ret), LIS_NVSP_VERSION_5);
}

LIS_TEST(refuses_a_host_with_no_common_nvsp_version)
{
	static const uint32_t odd[] = { 0x00070000, 0 };
	u32 ndis, mtu;
	int ret;

	port_log_clear();
	EXPECT_EQ(negotiate_with(odd, 0, &ndis, &mtu, &ret), 0);
	EXPECT_EQ(ret, -EPROTONOSUPPORT);
	EXPECT(port_log_contains("accepts none of NVSP"));
}


/* ---- the data path ---- */

#define RX_WINDOW	256

/* wait until at most `window` of `sent` frames are still on their way */
static void wait_rx_window(struct tnic *t, u64 sent, u64 window)
{
	u64 end = lis_time_ms() + WAIT_MS, n;

	for (;;) {
		pthread_mutex_lock(&t->lock);
		n = t->rx_total;
		pthread_mutex_unlock(&t->lock);
		if (n + window >= sent || lis_time_ms() >= end)
			return;
		sched_yield();
	}
}

static bool all_sizes_seen(struct tnic *t, u32 lo, u32 hi, u32 *missing)
{
	u64 end = lis_time_ms() + 4 * WAIT_MS;
	u32 i, miss;

	for (;;) {
		miss = 0;
		pthread_mutex_lock(&t->lock);
		for (i = lo; i <= hi; i++)
			miss += !t->seen[i];
		pthread_mutex_unlock(&t->lock);
		if (!miss || lis_time_ms() >= end)
			break;
		lis_msleep(5);
	}
	*missing = miss;
	return !miss;
}

/* every length from 14 to 65535 bytes, from `a` to `b`: copied through a
 * send section when small, page ranges when large, 1 to 3 pieces each */
static void every_size(struct tnic *a, struct tnic *b)
{
	u32 len, missing = 0, fails = 0;

	pthread_mutex_lock(&b->lock);
	b->check_sizes = true;
	b->peer = a->mac;
	b->seen = calloc(LIS_NET_MAX_FRAME + 1, 1);
	pthread_mutex_unlock(&b->lock);
	for (len = LIS_NET_ETH_HLEN; len <= LIS_NET_MAX_FRAME; len++) {
		int ret = send_frame(a, len % 4, make_frame(b->mac, a->mac, len), len, NULL);

		if (ret && fails++ < 5)
			fprintf(stderr, "    frame of %u bytes: %d\n", len, ret);
		/* a window, as TCP would keep: the host drops what waits too long */
		wait_rx_window(b, len - LIS_NET_ETH_HLEN + 1 - fails, RX_WINDOW);
	}
	EXPECT_EQ(fails, 0);
	EXPECT(all_sizes_seen(b, LIS_NET_ETH_HLEN, LIS_NET_MAX_FRAME, &missing));
	EXPECT_EQ(missing, 0);
	EXPECT_EQ(b->bad_frames, 0);
	EXPECT(wait_u32(&a->tx_ok, LIS_NET_MAX_FRAME - LIS_NET_ETH_HLEN + 1));
	EXPECT_EQ(a->tx_fail, 0);
}

LIS_TEST(frames_of_every_size_round_trip_between_two_nics)
{
	struct setup su = { .nnics = 2, .nr_cpus = 2,
			    .host = { .mtu = LIS_NET_MAX_MTU, .max_queues = 4 },
			    .guest = { .mtu = LIS_NET_MAX_MTU, .max_queues = 4,
				       .recv_buf_bytes = 4u << 20, .ring_bytes = 256 * 1024 } };
	struct tnic *a = &T.nic[0], *b = &T.nic[1];
	struct lis_net_stats sa, sb;

	ASSERT(setup(&su));
	ASSERT(a->net && b->net);
	EXPECT(wait_u32(&a->queues, 4) && wait_u32(&b->queues, 4));
	start(a);
	start(b);
	every_size(a, b);
	every_size(b, a);
	sa = gstats(a);
	sb = gstats(b);
	EXPECT(sa.tx_copied > 0 && sa.tx_direct > 0);
	EXPECT(sb.tx_copied > 0 && sb.tx_direct > 0);
	EXPECT_EQ(sa.rx_frames, LIS_NET_MAX_FRAME - LIS_NET_ETH_HLEN + 1);
	EXPECT_EQ(lis_net_protocol_errors(a->net) + lis_net_protocol_errors(b->net), 0);
	EXPECT_EQ(hstats(a).bad_requests + hstats(b).bad_requests, 0);
	EXPECT_EQ(hstats(a).tx_dropped + hstats(b).rx_dropped, 0);
	teardown();
}

/* ---- IPv4/TCP frames for the offload tests ---- */

#define ETH_HLEN	14
#define IP_HLEN		20
#define TCP_HLEN	20
#define L4_OFF		(ETH_HLEN + IP_HLEN)

static u32 csum_add(u32 sum, const u8 *p, u32 len)
{
	u32 i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (u32)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (u32)p[len - 1] << 8;
	return sum;
}

static u16 csum_fold(u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return (u16)sum;
}

/* an IPv4/TCP frame a->b with `payload` bytes, checksums left to the host
 * (the TCP field holds the pseudo-header sum, as the stack leaves it) */
static u8 *tcp_frame(struct tnic *a, struct tnic *b, u16 sport, u32 payload, u32 *len)
{
	u32 l = L4_OFF + TCP_HLEN + payload, i, ps;
	u8 *f = calloc(1, l), *ip = f + ETH_HLEN, *tcp = f + L4_OFF;

	memcpy(f, b->mac, 6);
	memcpy(f + 6, a->mac, 6);
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[2] = (u8)((l - ETH_HLEN) >> 8);
	ip[3] = (u8)(l - ETH_HLEN);
	ip[8] = 64;
	ip[9] = 6;
	ip[12] = 10, ip[13] = 0, ip[14] = 0, ip[15] = 1;
	ip[16] = 10, ip[17] = 0, ip[18] = 0, ip[19] = 2;
	ps = 0xFFFF - csum_fold(csum_add(0, ip, IP_HLEN));
	ip[10] = (u8)(ps >> 8);
	ip[11] = (u8)ps;
	tcp[0] = (u8)(sport >> 8);
	tcp[1] = (u8)sport;
	tcp[2] = 0x1F;
	tcp[3] = 0x90;
	tcp[7] = 1;			/* seq 1 */
	tcp[12] = 0x50;
	tcp[13] = 0x18;			/* PSH ACK */
	tcp[14] = 0xFF;
	for (i = 0; i < payload; i++)
		tcp[TCP_HLEN + i] = (u8)(i * 3 + sport);
	ps = csum_add(0, ip + 12, 8) + 6 + TCP_HLEN + payload;
	tcp[16] = (u8)(csum_fold(ps) >> 8);
	tcp[17] = (u8)csum_fold(ps);
	*len = l;
	return f;
}

static bool ipv4_csum_ok(const u8 *f)
{
	return csum_fold(csum_add(0, f + ETH_HLEN, IP_HLEN)) == 0xFFFF;
}

static bool tcp_csum_ok(const u8 *f, u32 len)
{
	const u8 *ip = f + ETH_HLEN;
	u32 tl = len - L4_OFF;

	return csum_fold(csum_add(csum_add(0, ip + 12, 8) + 6 + tl, f + L4_OFF, tl)) == 0xFFFF;
}

/* ---- RNDIS exchanges ---- */

LIS_TEST(packet_filter_is_set_and_cleared_at_destroy)
{
	struct setup su = { 0 };
	struct tnic *t = &T.nic[0];
	u64 req;

	ASSERT(setup(&su));
	EXPECT_EQ(hstats(t).packet_filter, 0);
	EXPECT_EQ(lis_net_set_filter(t->net, LIS_NDIS_FILTER_DIRECTED | LIS_NDIS_FILTER_BROADCAST), 0);
	EXPECT_EQ(hstats(t).packet_filter, LIS_NDIS_FILTER_DIRECTED | LIS_NDIS_FILTER_BROADCAST);
	EXPECT_EQ(ginfo(t).packet_filter, LIS_NDIS_FILTER_DIRECTED | LIS_NDIS_FILTER_BROADCAST);
	EXPECT_EQ(lis_net_set_filter(t->net, LIS_NDIS_FILTER_PROMISCUOUS), 0);
	EXPECT_EQ(hstats(t).packet_filter, LIS_NDIS_FILTER_PROMISCUOUS);
	req = hstats(t).rndis_requests;
	/* destroy: filter 0, then HALT (two more RNDIS requests), revoke, close */
	lis_net_destroy(__atomic_exchange_n(&t->net, NULL, __ATOMIC_SEQ_CST));
	EXPECT_EQ(hstats(t).rndis_requests, req + 2);
	EXPECT(!hstats(t).rndis_initialized);
	EXPECT_EQ(hstats(t).bad_requests, 0);
	teardown();
}

LIS_TEST(mac_address_change_goes_to_the_host_and_frames_follow_it)
{
	struct setup su = { .nnics = 2 };
	struct tnic *a = &T.nic[0], *b = &T.nic[1];
	static const u8 new_mac[6] = { 0x02, 0xAB, 0xcd, 0x01, 0x9F, 0x7e };
	u8 now[6];
	u32 len = 100;

	ASSERT(setup(&su));
	start(a);
	start(b);
	EXPECT_EQ(lis_net_set_mac(b->net, new_mac), 0);
	hs_netvsp_mac(b->hs, now);
	EXPECT(!memcmp(now, new_mac, 6));
	EXPECT(!memcmp(ginfo(b).mac, new_mac, 6));
	EXPECT(!memcmp(ginfo(b).perm_mac, b->mac, 6));
	memcpy(b->mac, new_mac, 6);
	EXPECT_EQ(send_frame(a, 0, make_frame(b->mac, a->mac, len), len, NULL), 0);
	EXPECT(wait_rx(b, 1));
	EXPECT_EQ(b->nrx, 1);
	EXPECT(b->nrx && !memcmp(b->rx[0].data, new_mac, 6));
	teardown();
}

LIS_TEST(offload_capabilities_are_read_and_enabled)
{
	struct setup su = { 0 };
	struct tnic *t = &T.nic[0];
	struct lis_net_offloads o;
	struct hs_netvsp_stats hs;

	ASSERT(setup(&su));
	o = ginfo(t).offloads;
	hs = hstats(t);
	EXPECT_EQ(o.tx_csum & (LIS_NET_CSUM_TCP4 | LIS_NET_CSUM_UDP4 | LIS_NET_CSUM_TCP6 |
			       LIS_NET_CSUM_UDP6),
		  LIS_NET_CSUM_TCP4 | LIS_NET_CSUM_UDP4 | LIS_NET_CSUM_TCP6 | LIS_NET_CSUM_UDP6);
	EXPECT_EQ(o.rx_csum & LIS_NET_CSUM_TCP4, LIS_NET_CSUM_TCP4);
	EXPECT_EQ(o.lso4_max, 62780);
	EXPECT_EQ(o.lso6_max, 62780);
	/* what the host was asked to do: TCP/UDP both ways, never the IPv4 header */
	EXPECT_EQ(hs.offload_tx_csum, 0x1E);
	EXPECT_EQ(hs.offload_rx_csum, 0x1E);
	EXPECT(hs.offload_lso4 && hs.offload_lso6);
	teardown();
}

LIS_TEST(a_host_without_offloads_gets_none_asked)
{
	struct setup su = { .host = { .no_offloads = true } };
	struct tnic *t = &T.nic[0];
	struct lis_net_offloads o;

	ASSERT(setup(&su));
	o = ginfo(t).offloads;
	EXPECT_EQ(o.tx_csum | o.rx_csum | o.lso4_max | o.lso6_max, 0);
	EXPECT_EQ(hstats(t).offload_tx_csum, 0);
	EXPECT(!hstats(t).offload_lso4);
	teardown();
}

LIS_TEST(nvsp_4_sends_offload_parameters_without_udp)
{
	static const uint32_t h4[] = { HS_NVSP_VERSION_4, 0 };
	struct setup su = { .host = { .versions = h4 } };
	struct tnic *t = &T.nic[0];

	ASSERT(setup(&su));
	EXPECT_EQ(ginfo(t).nvsp_version, LIS_NVSP_VERSION_4);
	/* TCP both versions; the UDP fields are left alone below NVSP 5 */
	EXPECT_EQ(hstats(t).offload_tx_csum & 0x1E, 0x02 | 0x08);
	EXPECT_EQ(ginfo(t).link_speed, 0);	/* queried from NVSP 5 on */
	EXPECT_EQ(ginfo(t).subchannels_requested, 0);
	teardown();
}

LIS_TEST(checksum_offload_is_asked_on_send_and_reported_on_receive)
{
	struct setup su = { .nnics = 2 };
	struct tnic *a = &T.nic[0], *b = &T.nic[1];
	struct lis_net_tx meta = { .flags = LIS_NET_TX_CSUM_TCP | LIS_NET_TX_IPV4,
				   .l4_offset = L4_OFF };
	u32 len;
	u8 *f;

	ASSERT(setup(&su));
	start(a);
	start(b);
	f = tcp_frame(a, b, 4000, 333, &len);
	EXPECT_EQ(send_frame(a, 0, f, len, &meta), 0);
	EXPECT(wait_rx(b, 1));
	ASSERT(b->nrx == 1);
	EXPECT_EQ(b->rx[0].len, len);
	EXPECT(ipv4_csum_ok(b->rx[0].data));
	EXPECT(tcp_csum_ok(b->rx[0].data, b->rx[0].len));
	EXPECT(b->rx[0].flags & LIS_NET_RX_CSUM_L4_OK);
	EXPECT(!(b->rx[0].flags & LIS_NET_RX_CSUM_BAD));
	EXPECT(hstats(a).tx_csum_offloaded >= 1);
	teardown();
}

LIS_TEST(large_send_is_cut_by_the_host_into_mss_segments)
{
	struct setup su = { .nnics = 2 };
	struct tnic *a = &T.nic[0], *b = &T.nic[1];
	struct lis_net_tx meta = { .flags = LIS_NET_TX_LSO | LIS_NET_TX_IPV4, .l4_offset = L4_OFF,
				   .mss = 1000 };
	u32 len, i, payload = 0;
	u8 *f;

	ASSERT(setup(&su));
	start(a);
	start(b);
	f = tcp_frame(a, b, 4001, 9500, &len);
	/* as the glue sends it (NDIS LSOv2): no IP length or header checksum,
	 * the pseudo-header sum without the length */
	f[ETH_HLEN + 2] = f[ETH_HLEN + 3] = 0;
	f[ETH_HLEN + 10] = f[ETH_HLEN + 11] = 0;
	i = csum_fold(csum_add(0, f + ETH_HLEN + 12, 8) + 6);
	f[L4_OFF + 16] = (u8)(i >> 8);
	f[L4_OFF + 17] = (u8)i;
	EXPECT_EQ(send_frame(a, 0, f, len, &meta), 0);
	EXPECT(wait_rx(b, 10));
	EXPECT_EQ(b->nrx, 10);
	for (i = 0; i < b->nrx; i++) {
		EXPECT(b->rx[i].len <= L4_OFF + TCP_HLEN + 1000);
		EXPECT(ipv4_csum_ok(b->rx[i].data));
		EXPECT(tcp_csum_ok(b->rx[i].data, b->rx[i].len));
		payload += b->rx[i].len - L4_OFF - TCP_HLEN;
	}
	EXPECT_EQ(payload, 9500);
	EXPECT_EQ(hstats(a).tx_lso_packets, 1);
	EXPECT_EQ(hstats(a).tx_lso_segments, 10);
	teardown();
}

LIS_TEST(vlan_tag_travels_as_per_packet_info_both_ways)
{
	struct setup su = { .nnics = 2 };
	struct tnic *a = &T.nic[0], *b = &T.nic[1];
	/* priority 5, DEI, VLAN 0x9A7 */
	struct lis_net_tx meta = { .flags = LIS_NET_TX_VLAN, .vlan_tci = 0xB9A7 };
	u32 len = 200;

	ASSERT(setup(&su));
	start(a);
	start(b);
	EXPECT_EQ(send_frame(a, 0, make_frame(b->mac, a->mac, len), len, &meta), 0);
	EXPECT(wait_rx(b, 1));
	ASSERT(b->nrx == 1);
	EXPECT(b->rx[0].flags & LIS_NET_RX_VLAN);
	EXPECT_EQ(b->rx[0].tci, 0xB9A7);
	EXPECT_EQ(b->rx[0].len, len);
	EXPECT(!memcmp(b->rx[0].data + 14, pattern() + len + 14, len - 14));
	teardown();
}

LIS_TEST(rss_spreads_flows_over_subchannels_with_hash_info)
{
	struct setup su = { .nnics = 2, .nr_cpus = 4, .host = { .max_queues = 4 },
			    .guest = { .max_queues = 8 } };
	struct tnic *a = &T.nic[0], *b = &T.nic[1];
	struct lis_net_info in;
	struct hs_netvsp_stats hs;
	u32 len, i, used = 0, hashed = 0;

	ASSERT(setup(&su));
	EXPECT(wait_u32(&b->queues, 4));
	in = ginfo(b);
	EXPECT_EQ(in.rss_queues, 4);
	EXPECT_EQ(in.subchannels_requested, 3);
	EXPECT_EQ(in.subchannels_allocated, 3);
	EXPECT_EQ(in.channels_open, 4);
	EXPECT(in.rss_set);
	EXPECT_EQ(lis_net_queues(b->net), 4);
	hs = hstats(b);
	EXPECT_EQ(hs.subchannels, 3);
	EXPECT(hs.rss_enabled);
	EXPECT_EQ(hs.rss_hash_info & 0xFFFF, LIS_NDIS_HASH_FUNC_TOEPLITZ | LIS_NDIS_HASH_IPV4 |
		  LIS_NDIS_HASH_TCP_IPV4 | LIS_NDIS_HASH_IPV6 | LIS_NDIS_HASH_TCP_IPV6);
	/* the host's default send table: i % 4 */
	for (i = 0; i < LIS_NET_SEND_TABLE_SIZE; i++)
		EXPECT_EQ(in.send_table[i], i % 4);
	start(a);
	start(b);
	for (i = 0; i < 64; i++) {
		u8 *f = tcp_frame(a, b, (u16)(5000 + i * 17), 64, &len);

		EXPECT_EQ(send_frame(a, i % 4, f, len, NULL), 0);
	}
	EXPECT(wait_rx(b, 64));
	for (i = 0; i < 4; i++)
		used += b->rx_by_q[i] != 0;
	for (i = 0; i < b->nrx; i++)
		hashed += !!(b->rx[i].flags & LIS_NET_RX_HASH);
	EXPECT(used >= 2);
	EXPECT_EQ(hashed, 64);
	hs = hstats(b);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(hs.rx_by_channel[i], b->rx_by_q[i]);
	/* sends on every queue went out on that queue's channel */
	EXPECT_EQ(gstats(a).tx_frames, 64);
	teardown();
}

LIS_TEST(send_indirection_table_from_the_host_picks_the_queue)
{
	struct setup su = { .nr_cpus = 4, .host = { .max_queues = 4 }, .guest = { .max_queues = 4 } };
	struct tnic *t = &T.nic[0];
	uint32_t table[16];
	u32 i;

	ASSERT(setup(&su));
	EXPECT(wait_u32(&t->queues, 4));
	for (i = 0; i < 16; i++)
		table[i] = (i * 5 + 3) % 4;
	EXPECT_EQ(hs_netvsp_send_indirection_table(t->hs, table, 16), 0);
	for (i = 0; i < 500 && ginfo(t).send_table[15] != table[15]; i++)
		lis_msleep(2);
	for (i = 0; i < 16; i++)
		EXPECT_EQ(ginfo(t).send_table[i], table[i]);
	for (i = 0; i < 64; i++)
		EXPECT_EQ(lis_net_pick_queue(t->net, i * 7919), table[(i * 7919) % 16]);
	teardown();
}

LIS_TEST(single_queue_when_the_guest_wants_one)
{
	struct setup su = { .host = { .max_queues = 8 }, .guest = { .max_queues = 1 } };
	struct tnic *t = &T.nic[0];

	ASSERT(setup(&su));
	EXPECT_EQ(ginfo(t).subchannels_requested, 0);
	EXPECT_EQ(hstats(t).subchannels, 0);
	EXPECT_EQ(lis_net_queues(t->net), 1);
	EXPECT_EQ(lis_net_pick_queue(t->net, 12345), 0);
	teardown();
}

/* ---- what the host says on its own ---- */

LIS_TEST(link_down_and_up_indications_reach_the_glue)
{
	struct setup su = { .nnics = 2 };
	struct tnic *a = &T.nic[0], *b = &T.nic[1];
	u32 len = 60;

	ASSERT(setup(&su));
	start(a);
	start(b);
	EXPECT(ginfo(b).link_up);
	EXPECT_EQ(hs_netvsp_set_link(b->hs, false), 0);
	EXPECT(wait_u32(&b->link_events, 1));
	EXPECT(!ginfo(b).link_up);
	EXPECT_EQ(b->link_up_events, 0);
	EXPECT_EQ(hs_netvsp_set_link(b->hs, true), 0);
	EXPECT(wait_u32(&b->link_up_events, 1));
	EXPECT(ginfo(b).link_up);
	EXPECT_EQ(send_frame(a, 0, make_frame(b->mac, a->mac, len), len, NULL), 0);
	EXPECT(wait_rx(b, 1));
	EXPECT_EQ(gstats(b).indications, 2);
	teardown();
}

LIS_TEST(nic_starting_with_the_link_down_says_so)
{
	struct setup su = { .host = { .link_down = true } };

	ASSERT(setup(&su));
	EXPECT(!ginfo(&T.nic[0]).link_up);
	EXPECT_EQ(lis_net_refresh_link(T.nic[0].net), 0);
	EXPECT_EQ(T.nic[0].link_events, 0);
	teardown();
}

LIS_TEST(network_change_bounces_the_link_and_asks_for_a_refresh)
{
	struct setup su = { 0 };
	struct tnic *t = &T.nic[0];

	ASSERT(setup(&su));
	EXPECT_EQ(hs_netvsp_indicate(t->hs, LIS_RNDIS_STATUS_NETWORK_CHANGE, NULL, 0), 0);
	EXPECT(wait_u32(&t->refreshes, 1));
	EXPECT_EQ(t->link_events, 1);
	EXPECT(!ginfo(t).link_up);
	EXPECT_EQ(lis_net_refresh_link(t->net), 0);
	EXPECT_EQ(t->link_up_events, 1);
	EXPECT(ginfo(t).link_up);
	teardown();
}

LIS_TEST(link_speed_change_indication_updates_the_speed)
{
	struct setup su = { 0 };
	struct tnic *t = &T.nic[0];
	__le32 speed = cpu_to_le32(400000000);	/* 40 Gbit/s */

	ASSERT(setup(&su));
	EXPECT_EQ(hs_netvsp_indicate(t->hs, LIS_RNDIS_STATUS_LINK_SPEED_CHANGE, &speed, 4), 0);
	EXPECT(wait_u32(&t->refreshes, 1));
	EXPECT_EQ(ginfo(t).link_speed, 400000000);
	teardown();
}

LIS_TEST(vf_association_and_data_path_switch)
{
	struct setup su = { .nnics = 1 };
	struct tnic *t = &T.nic[0];
	u8 buf[2048];
	u32 len = 80;
	u8 *f;

	ASSERT(setup(&su));
	start(t);
	/* no VF yet: the host refuses the switch; we do not ask */
	EXPECT(!ginfo(t).vf_allocated);
	EXPECT_EQ(hs_netvsp_vf_associate(t->hs, true, 0x1234), 0);
	EXPECT(wait_u32(&t->vf_events, 1));
	EXPECT(t->vf_allocated);
	EXPECT_EQ(t->vf_serial, 0x1234);
	EXPECT(ginfo(t).vf_allocated);
	EXPECT_EQ(ginfo(t).vf_serial, 0x1234);
	EXPECT_EQ(lis_net_switch_datapath(t->net, true), 0);
	EXPECT(hstats(t).datapath_vf);
	EXPECT(ginfo(t).datapath_vf);
	/* frames for us now go to the VF */
	f = make_frame(t->mac, (const u8 *)"\x02\0\0\0\0\x01", len);
	EXPECT_EQ(hs_vswitch_inject(hs_netvsp_vswitch(t->hs), f, len), 0);
	EXPECT_EQ(vf_capture_wait(t, buf, sizeof(buf)), (int)len);
	EXPECT_EQ(t->rx_total, 0);
	/* and back */
	EXPECT_EQ(lis_net_switch_datapath(t->net, false), 0);
	EXPECT(!hstats(t).datapath_vf);
	EXPECT_EQ(hs_vswitch_inject(hs_netvsp_vswitch(t->hs), f, len), 0);
	EXPECT(wait_rx(t, 1));
	/* the VF goes away while the data path is on it: back to synthetic */
	EXPECT_EQ(lis_net_switch_datapath(t->net, true), 0);
	EXPECT_EQ(hs_netvsp_vf_associate(t->hs, false, 0x1234), 0);
	EXPECT(wait_u32(&t->vf_events, 2));
	EXPECT(!t->vf_allocated);
	EXPECT(!ginfo(t).datapath_vf);
	EXPECT(!hstats(t).datapath_vf);
	EXPECT_EQ(hstats(t).bad_requests, 0);
	free(f);
	teardown();
}

/* ---- back-pressure ---- */

/* send small frames a->b without waiting until the core says -EBUSY */
static u32 fill_until_busy(struct tnic *a, struct tnic *b, u32 len, u32 max)
{
	struct lis_net_seg seg;
	struct lis_net_tx tx;
	u32 n;
	u8 *f;

	for (n = 0; n < max; n++) {
		f = make_frame(b->mac, a->mac, len);
		seg = (struct lis_net_seg){ f, (u64)(uintptr_t)f, len };
		memset(&tx, 0, sizeof(tx));
		tx.segs = &seg;
		tx.nsegs = 1;
		tx.len = len;
		tx.cookie = f;
		if (lis_net_send(a->net, 0, &tx)) {
			free(f);
			break;
		}
	}
	return n;
}

LIS_TEST(queue_stops_when_sends_are_not_completed_and_wakes_after)
{
	struct setup su = { .nnics = 2, .guest = { .tx_slots = 16 } };
	struct tnic *a = &T.nic[0], *b = &T.nic[1];
	u32 sent;

	ASSERT(setup(&su));
	start(a);
	start(b);
	hs_netvsp_pause_tx(a->hs, true);
	sent = fill_until_busy(a, b, 100, 1000);
	EXPECT_EQ(sent, 16);
	EXPECT_EQ(lis_net_tx_pending(a->net, 0), 16);
	EXPECT_EQ(gstats(a).tx_busy, 1);
	EXPECT_EQ(a->wakes, 0);
	hs_netvsp_pause_tx(a->hs, false);
	EXPECT(wait_u32(&a->wakes, 1));
	EXPECT(wait_u32(&a->tx_ok, sent));
	EXPECT(wait_rx(b, sent));
	EXPECT_EQ(lis_net_tx_pending(a->net, 0), 0);
	teardown();
}

LIS_TEST(queue_stops_when_the_ring_is_full_and_wakes_on_the_space_signal)
{
	struct setup su = { .nnics = 2, .guest = { .ring_bytes = 3 * 4096, .tx_slots = 4096 } };
	struct tnic *a = &T.nic[0], *b = &T.nic[1];
	struct hs_channel_stats cs;
	u32 sent;

	ASSERT(setup(&su));
	start(a);
	start(b);
	hs_netvsp_pause_tx(a->hs, true);
	/* 64 bytes per send in an 8 KiB ring */
	sent = fill_until_busy(a, b, 100, 4096);
	EXPECT(sent > 16 && sent < 200);
	EXPECT_EQ(gstats(a).tx_busy, 1);
	hs_netvsp_pause_tx(a->hs, false);
	EXPECT(wait_u32(&a->wakes, 1));
	EXPECT(wait_u32(&a->tx_ok, sent));
	EXPECT(wait_rx(b, sent));
	hs_channel_stats(hs_device_channel(hs_netvsp_device(a->hs), 0), &cs);
	EXPECT(cs.space_signals >= 1);
	/* and it goes on */
	EXPECT_EQ(fill_until_busy(a, b, 100, 10), 10);
	EXPECT(wait_rx(b, sent + 10));
	teardown();
}

LIS_TEST(receive_completions_wait_for_ring_space_and_are_not_lost)
{
	struct setup su = { .nnics = 2, .guest = { .ring_bytes = 3 * 4096 } };
	struct tnic *a = &T.nic[0], *b = &T.nic[1];
	u32 i, n = 400;
	u64 end;

	ASSERT(setup(&su));
	start(a);
	start(b);
	/* the host stops reading b's ring: b's receive completions pile up */
	hs_netvsp_pause_tx(b->hs, true);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(send_frame(a, 0, make_frame(b->mac, a->mac, 60), 60, NULL), 0);
		if (i % 4 == 0)
			lis_msleep(1);
	}
	end = lis_time_ms() + WAIT_MS;
	while (!gstats(b).rx_comp_deferred && lis_time_ms() < end)
		lis_msleep(1);
	EXPECT(gstats(b).rx_comp_deferred > 0);
	hs_netvsp_pause_tx(b->hs, false);
	EXPECT(wait_rx(b, n));
	EXPECT_EQ(b->rx_total, n);
	EXPECT_EQ(gstats(b).rx_comp_lost, 0);
	EXPECT_EQ(hstats(b).rx_dropped, 0);
	EXPECT_EQ(lis_net_protocol_errors(b->net), 0);
	teardown();
}

/* ---- malformed host input: hostsim's faults ---- */

/* one frame a->b under fault `kind` on b, then one good one */
static struct lis_net_stats rx_fault(enum hs_netvsp_fault_kind kind)
{
	struct setup su = { .nnics = 2 };
	struct tnic *a = &T.nic[0], *b = &T.nic[1];
	struct hs_netvsp_fault f = { .kind = kind, .count = 1 };
	struct lis_net_stats st;

	memset(&st, 0, sizeof(st));
	if (!setup(&su)) {
		lis_test_failed = 1;
		teardown();
		return st;
	}
	start(a);
	start(b);
	EXPECT_EQ(hs_netvsp_inject(b->hs, &f), 0);
	EXPECT_EQ(send_frame(a, 0, make_frame(b->mac, a->mac, 300), 300, NULL), 0);
	lis_msleep(50);
	EXPECT_EQ(send_frame(a, 0, make_frame(b->mac, a->mac, 301), 301, NULL), 0);
	EXPECT(wait_rx(b, 1));
	lis_msleep(50);
	EXPECT_EQ(b->rx_total, 1);
	EXPECT(b->nrx == 1 && b->rx[0].len == 301);
	st = gstats(b);
	teardown();
	return st;
}

/* one behaviour each: the fault, and the counter it must move by one */
#define RX_FAULT_TEST(name, kind, counter)				\
	LIS_TEST(name)							\
	{								\
		EXPECT_EQ(rx_fault(kind).counter, 1);			\
	}

RX_FAULT_TEST(range_past_the_receive_buffer_is_dropped, HS_NV_RX_RANGE_OUT_OF_BUFFER, rx_bad_xfer)
RX_FAULT_TEST(range_count_beyond_the_ranges_present_is_dropped, HS_NV_RX_RANGE_COUNT, rx_bad_xfer)
RX_FAULT_TEST(transfer_page_set_other_than_the_receive_buffer_is_dropped, HS_NV_RX_BAD_SET_ID,
	      rx_bad_xfer)
RX_FAULT_TEST(rndis_length_past_the_range_is_dropped, HS_NV_RX_RNDIS_LENGTH, rx_bad_rndis)
RX_FAULT_TEST(rndis_packet_shorter_than_its_header_is_dropped, HS_NV_RX_RNDIS_SHORT, rx_bad_rndis)
RX_FAULT_TEST(frame_past_the_rndis_message_is_dropped, HS_NV_RX_DATA_OFFSET, rx_bad_rndis)
RX_FAULT_TEST(per_packet_info_past_the_message_is_dropped, HS_NV_RX_PPI, rx_bad_rndis)

/* a's send completion came: good, failed, or with an id it does not know */
static bool tx_completion_seen(struct tenv *env, void *arg)
{
	struct tnic *a = arg;

	return __atomic_load_n(&a->tx_ok, __ATOMIC_SEQ_CST) +
	       __atomic_load_n(&a->tx_fail, __ATOMIC_SEQ_CST) + gstats(a).bad_completions > 0;
}

static void tx_fault(enum hs_netvsp_fault_kind kind, u64 value, u32 *ok, u32 *failed,
		     u32 *pending, struct lis_net_stats *st)
{
	struct setup su = { .nnics = 2 };
	struct tnic *a = &T.nic[0], *b = &T.nic[1];
	struct hs_netvsp_fault f = { .kind = kind, .count = 1, .value = value };

	if (!setup(&su)) {
		lis_test_failed = 1;
		teardown();
		return;
	}
	start(a);
	start(b);
	EXPECT_EQ(hs_netvsp_inject(a->hs, &f), 0);
	EXPECT_EQ(send_frame(a, 0, make_frame(b->mac, a->mac, 100), 100, NULL), 0);
	EXPECT(wait_rx(b, 1));
	if (kind == HS_NV_DROP_COMPLETION)
		lis_msleep(100);	/* none comes: give it the time to show it does not */
	else
		EXPECT(tenv_wait(T.env, tx_completion_seen, a, WAIT_MS));
	*ok = a->tx_ok;
	*failed = a->tx_fail;
	*pending = lis_net_tx_pending(a->net, 0);
	*st = gstats(a);
	/* what the host never completed is given up at destroy */
	lis_net_destroy(__atomic_exchange_n(&a->net, NULL, __ATOMIC_SEQ_CST));
	*failed = a->tx_fail;
	teardown();
}

LIS_TEST(a_send_the_host_never_completes_is_given_up_at_destroy)
{
	struct lis_net_stats st;
	u32 ok = 9, failed = 9, pending = 9;

	tx_fault(HS_NV_DROP_COMPLETION, 0, &ok, &failed, &pending, &st);
	EXPECT_EQ(ok, 0);
	EXPECT_EQ(pending, 1);
	EXPECT_EQ(failed, 1);
	EXPECT_EQ(st.bad_completions, 0);
}

LIS_TEST(completion_with_an_unknown_transaction_id_is_dropped)
{
	struct lis_net_stats st;
	u32 ok = 9, failed = 9, pending = 9;

	tx_fault(HS_NV_COMPLETION_TID, 0, &ok, &failed, &pending, &st);
	EXPECT_EQ(st.bad_completions, 1);
	EXPECT_EQ(ok, 0);
	EXPECT_EQ(pending, 1);
	/* a neighbouring id (another generation of the slot) is as foreign */
	tx_fault(HS_NV_COMPLETION_TID, 1ull << 32, &ok, &failed, &pending, &st);
	EXPECT_EQ(st.bad_completions, 1);
	EXPECT_EQ(pending, 1);
}

LIS_TEST(completion_with_a_failure_status_fails_the_send)
{
	struct lis_net_stats st;
	u32 ok = 9, failed = 9, pending = 9;

	tx_fault(HS_NV_COMPLETION_STATUS, 0, &ok, &failed, &pending, &st);
	EXPECT_EQ(ok, 0);
	EXPECT_EQ(failed, 1);
	EXPECT_EQ(pending, 0);
	EXPECT_EQ(st.tx_failed, 1);
	EXPECT_EQ(st.bad_completions, 0);
}

/* ---- malformed host input we craft ourselves ---- */

static struct hs_channel *primary_of(struct tnic *t)
{
	return hs_device_channel(hs_netvsp_device(t->hs), 0);
}

static void put32(u8 *p, u32 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
	p[2] = (u8)(v >> 16);
	p[3] = (u8)(v >> 24);
}

/* a transfer-page packet whose ranges name `msgs` written at the end of
 * the receive buffer; nvsp_type/len are its NVSP part */
static int xfer(struct tnic *t, u32 set_id, const u32 *offs, const u32 *lens, u32 nranges,
		u32 claimed_ranges, u32 nvsp_type, u32 nvsp_len)
{
	u8 ext[8 + 8 * 8], nvsp[40];
	u32 i;

	memset(ext, 0, sizeof(ext));
	ext[0] = (u8)set_id;
	ext[1] = (u8)(set_id >> 8);
	put32(ext + 4, claimed_ranges);
	for (i = 0; i < nranges; i++) {
		put32(ext + 8 + 8 * i, lens[i]);
		put32(ext + 12 + 8 * i, offs[i]);
	}
	memset(nvsp, 0, sizeof(nvsp));
	put32(nvsp, nvsp_type);
	return hs_channel_sendv(primary_of(t), LIS_VMBUS_PKT_DATA_USING_XFER_PAGES,
				LIS_VMBUS_PKT_FLAG_COMPLETION_REQUESTED, 0x77, ext, 8 + 8 * nranges,
				nvsp, nvsp_len);
}

/* write an RNDIS message into the guest's receive buffer at `off` */
static u32 place(struct tnic *t, u32 off, const void *msg, u32 len)
{
	EXPECT_EQ(hs_gpadl_copy_to_guest(primary_of(t), ginfo(t).recv_gpadl, off, msg, len), 0);
	return off;
}

/* an RNDIS PACKET with a 60-byte frame, PPIs `ppi` (ppi_len bytes) */
static u32 rndis_pkt(u8 *m, u32 doff, u32 dlen, const u8 *ppi, u32 ppi_len, const u8 *dst)
{
	u32 len = 44 + ppi_len + 60, i;

	memset(m, 0, len);
	put32(m, LIS_RNDIS_MSG_PACKET);
	put32(m + 4, len);
	put32(m + 8, doff);
	put32(m + 12, dlen);
	if (ppi_len) {
		put32(m + 28, 36);
		put32(m + 32, ppi_len);
		memcpy(m + 44, ppi, ppi_len);
	}
	memcpy(m + 44 + ppi_len, dst, 6);
	for (i = 6; i < 60; i++)
		m[44 + ppi_len + i] = (u8)i;
	return len;
}

struct craft {
	struct tnic *t;
	u32 base;
};

/* the stats once the guest has read everything the host sent on t's
 * primary channel: a batch publishes its read index only after the
 * driver's callback (which counts) has returned, so an empty ring means
 * counted */
static struct lis_net_stats settle(struct tnic *t)
{
	struct hs_channel *ch = primary_of(t);
	u64 end = lis_time_ms() + 5000;
	const u32 *ctl;

	while (lis_time_ms() < end) {
		ctl = hs_channel_ring_control(ch, true);
		if (!ctl || __atomic_load_n(&ctl[0], __ATOMIC_SEQ_CST) ==
			    __atomic_load_n(&ctl[1], __ATOMIC_SEQ_CST))
			break;
		lis_msleep(1);
	}
	return gstats(t);
}

/* one RNDIS message in one range; returns the stats after it */
static struct lis_net_stats one_msg(struct craft *c, const u8 *m, u32 len)
{
	u32 off = place(c->t, c->base, m, len);

	EXPECT_EQ(xfer(c->t, LIS_NVSP_RECV_BUF_ID, &off, &len, 1, 1, 107, 40), 0);
	return settle(c->t);
}

LIS_TEST(crafted_transfer_page_packets_are_checked_before_use)
{
	struct setup su = { 0 };
	struct tnic *t = &T.nic[0];
	struct lis_net_stats st0, st;
	struct craft c;
	u8 m[512];
	u32 len, offs[2], lens[2], rb;

	ASSERT(setup(&su));
	start(t);
	rb = ginfo(t).recv_buf_bytes;
	c.t = t;
	c.base = rb - 65536;
	len = rndis_pkt(m, 36, 60, NULL, 0, t->mac);

	/* the good one arrives */
	st0 = one_msg(&c, m, len);
	EXPECT_EQ(st0.rx_frames, 1);
	EXPECT_EQ(t->rx_total, 1);

	/* NVSP part that is not SEND_RNDIS_PACKET, or too short */
	offs[0] = c.base;
	lens[0] = len;
	EXPECT_EQ(xfer(t, LIS_NVSP_RECV_BUF_ID, offs, lens, 1, 1, 108, 40), 0);
	st = settle(t);
	EXPECT_EQ(st.rx_bad_nvsp, 1);
	EXPECT_EQ(xfer(t, LIS_NVSP_RECV_BUF_ID, offs, lens, 1, 1, 107, 8), 0);
	st = settle(t);
	EXPECT_EQ(st.rx_bad_nvsp, 2);
	/* no room for the ranges it claims; no extended header at all */
	EXPECT_EQ(xfer(t, LIS_NVSP_RECV_BUF_ID, offs, lens, 1, 2, 107, 40), 0);
	EXPECT_EQ(hs_channel_send(primary_of(t), LIS_VMBUS_PKT_DATA_USING_XFER_PAGES, 1, 5, m, 40),
		  0);
	st = settle(t);
	EXPECT_EQ(st.rx_bad_xfer, 2);
	/* ranges that wrap around or end past the buffer */
	offs[0] = 0xFFFFFFF0u;
	lens[0] = 0x20;
	offs[1] = rb - 8;
	lens[1] = 16;
	EXPECT_EQ(xfer(t, LIS_NVSP_RECV_BUF_ID, offs, lens, 2, 2, 107, 40), 0);
	st = settle(t);
	EXPECT_EQ(st.rx_bad_xfer, 4);
	/* one bad range does not take the good one with it */
	offs[0] = rb;
	lens[0] = 1;
	offs[1] = place(t, c.base, m, len);
	lens[1] = len;
	EXPECT_EQ(xfer(t, LIS_NVSP_RECV_BUF_ID, offs, lens, 2, 2, 107, 40), 0);
	st = settle(t);
	EXPECT_EQ(st.rx_bad_xfer, 5);
	EXPECT_EQ(st.rx_frames, 2);
	EXPECT_EQ(st.rx_bad_rndis + st.rx_bad_ppi, 0);
	EXPECT_EQ(t->rx_total, 2);
	teardown();
}

LIS_TEST(crafted_rndis_messages_are_checked_before_use)
{
	struct setup su = { 0 };
	struct tnic *t = &T.nic[0];
	struct lis_net_stats st;
	struct craft c;
	u8 m[512], ppi[64];
	u32 len;

	ASSERT(setup(&su));
	start(t);
	c.t = t;
	c.base = ginfo(t).recv_buf_bytes - 65536;

	/* shorter than a header; a type nobody defined */
	len = rndis_pkt(m, 36, 60, NULL, 0, t->mac);
	st = one_msg(&c, m, 4);
	EXPECT_EQ(st.rx_bad_rndis, 1);
	put32(m, 0x1234);
	st = one_msg(&c, m, len);
	EXPECT_EQ(st.rx_bad_rndis, 2);
	/* data overlapping the header; a frame shorter than an Ethernet header */
	len = rndis_pkt(m, 20, 60, NULL, 0, t->mac);
	st = one_msg(&c, m, len);
	EXPECT_EQ(st.rx_bad_rndis, 3);
	len = rndis_pkt(m, 36, 13, NULL, 0, t->mac);
	st = one_msg(&c, m, len);
	EXPECT_EQ(st.rx_bad_rndis, 4);
	/* a data offset that wraps */
	len = rndis_pkt(m, 0xFFFFFFF0u, 60, NULL, 0, t->mac);
	st = one_msg(&c, m, len);
	EXPECT_EQ(st.rx_bad_rndis, 5);

	/* PPIs: size below the PPI header, offset past the PPI, a checksum
	 * with two bytes of data, bytes left over, an RSC fragment */
	memset(ppi, 0, sizeof(ppi));
	put32(ppi, 8);
	len = rndis_pkt(m, 36 + 16, 60, ppi, 16, t->mac);
	st = one_msg(&c, m, len);
	EXPECT_EQ(st.rx_bad_ppi, 1);
	put32(ppi, 16);
	put32(ppi + 8, 20);
	len = rndis_pkt(m, 36 + 16, 60, ppi, 16, t->mac);
	st = one_msg(&c, m, len);
	EXPECT_EQ(st.rx_bad_ppi, 2);
	put32(ppi, 14);
	put32(ppi + 4, LIS_RNDIS_PPI_CHECKSUM);
	put32(ppi + 8, 12);
	len = rndis_pkt(m, 36 + 16, 60, ppi, 16, t->mac);
	st = one_msg(&c, m, len);
	EXPECT_EQ(st.rx_bad_ppi, 3);
	put32(ppi, 16);
	put32(ppi + 4, LIS_RNDIS_PPI_HASH_VALUE);
	put32(ppi + 8, 12);
	len = rndis_pkt(m, 36 + 24, 60, ppi, 24, t->mac);
	st = one_msg(&c, m, len);
	EXPECT_EQ(st.rx_bad_ppi, 4);
	put32(ppi, 16);
	put32(ppi + 4, LIS_RNDIS_PPI_PACKET_ID);
	put32(ppi + 8, 12);
	put32(ppi + 12, 1 | LIS_RNDIS_PKTID_FIRST << 8);
	len = rndis_pkt(m, 36 + 16, 60, ppi, 16, t->mac);
	st = one_msg(&c, m, len);
	EXPECT_EQ(st.rx_bad_ppi, 5);
	/* well-formed PPIs, an unknown type among them, are taken */
	put32(ppi, 16);
	put32(ppi + 4, LIS_RNDIS_PPI_VLAN);
	put32(ppi + 8, 12);
	put32(ppi + 12, 3 | 0x64 << 4);
	put32(ppi + 16, 13);
	put32(ppi + 20, 55);
	put32(ppi + 24, 12);
	len = rndis_pkt(m, 36 + 29, 60, ppi, 29, t->mac);
	st = one_msg(&c, m, len);
	EXPECT_EQ(st.rx_bad_ppi, 5);
	EXPECT_EQ(st.rx_frames, 1);
	EXPECT(t->nrx == 1 && (t->rx[0].flags & LIS_NET_RX_VLAN) && t->rx[0].tci == (3 << 13 | 0x64));

	/* an indication whose buffer lies outside it; a reply nobody asked for */
	memset(m, 0, 64);
	put32(m, LIS_RNDIS_MSG_INDICATE);
	put32(m + 4, 24);
	put32(m + 8, LIS_RNDIS_STATUS_LINK_SPEED_CHANGE);
	put32(m + 12, 4);
	put32(m + 16, 100);
	st = one_msg(&c, m, 24);
	EXPECT_EQ(st.rx_bad_rndis, 6);
	memset(m, 0, 64);
	put32(m, LIS_RNDIS_MSG_QUERY_C);
	put32(m + 4, 28);
	put32(m + 8, 0xABCDEF);
	st = one_msg(&c, m, 28);
	EXPECT_EQ(st.bad_completions, 1);
	EXPECT_EQ(t->refreshes, 0);
	/* still working */
	EXPECT_EQ(lis_net_set_filter(t->net, LIS_NDIS_FILTER_PROMISCUOUS), 0);
	teardown();
}

LIS_TEST(crafted_nvsp_messages_and_completions_are_checked_before_use)
{
	struct setup su = { 0 };
	struct tnic *t = &T.nic[0];
	struct hs_channel *ch;
	struct lis_net_stats st;
	u8 m[128], raw[64];
	u32 i;

	ASSERT(setup(&su));
	ch = primary_of(t);
	memset(m, 0, sizeof(m));
	port_log_clear();
	/* unknown type, too short, a VF association without its fields */
	put32(m, 999);
	EXPECT_EQ(hs_channel_send(ch, LIS_VMBUS_PKT_DATA_INBAND, 0, 0, m, 40), 0);
	EXPECT_EQ(hs_channel_send(ch, LIS_VMBUS_PKT_DATA_INBAND, 0, 0, m, 2), 0);
	put32(m, LIS_NVSP_MSG_SEND_VF_ASSOCIATION);
	EXPECT_EQ(hs_channel_send(ch, LIS_VMBUS_PKT_DATA_INBAND, 0, 0, m, 8), 0);
	st = settle(t);
	EXPECT_EQ(st.rx_bad_nvsp, 3);
	EXPECT_EQ(t->vf_events, 0);
	/* each one counted and logged (rate-limited in the kernel), naming the
	 * channel and what was wrong */
	EXPECT(port_log_contains("hv_netvsc: channel "));
	EXPECT(port_log_contains("dropped NVSP message 999 of 40 bytes"));
	/* (VMBus packets are whole 8-byte units: the short one arrives as 8) */
	EXPECT(port_log_contains("dropped NVSP message 999 of 8 bytes"));
	EXPECT(port_log_contains("dropped a 8-byte VF association"));
	/* send tables: 8 entries, a channel number past 63, past the message */
	put32(m, LIS_NVSP_MSG_SEND_INDIRECTION_TABLE);
	put32(m + 4, 8);
	put32(m + 8, 12);
	EXPECT_EQ(hs_channel_send(ch, LIS_VMBUS_PKT_DATA_INBAND, 0, 0, m, 12 + 64), 0);
	put32(m + 4, 16);
	for (i = 0; i < 16; i++)
		put32(m + 12 + 4 * i, i == 9 ? 70 : 1);
	EXPECT_EQ(hs_channel_send(ch, LIS_VMBUS_PKT_DATA_INBAND, 0, 0, m, 12 + 64), 0);
	put32(m + 8, 40);
	EXPECT_EQ(hs_channel_send(ch, LIS_VMBUS_PKT_DATA_INBAND, 0, 0, m, 12 + 64), 0);
	st = settle(t);
	EXPECT_EQ(st.rx_bad_nvsp, 6);
	for (i = 0; i < 16; i++)
		EXPECT_EQ(ginfo(t).send_table[i], i);
	/* completions: a control id nobody waits for, a send slot never
	 * used, a payload too short to say anything */
	put32(m, LIS_NVSP_MSG_SEND_RNDIS_PKT_COMPLETE);
	put32(m + 4, 1);
	EXPECT_EQ(hs_channel_send(ch, LIS_VMBUS_PKT_COMP, 0, (1ull << 63) | 12345, m, 40), 0);
	EXPECT_EQ(hs_channel_send(ch, LIS_VMBUS_PKT_COMP, 0, 1ull << 32 | 7, m, 40), 0);
	EXPECT_EQ(hs_channel_send(ch, LIS_VMBUS_PKT_COMP, 0, 1ull << 32, m, 4), 0);
	st = settle(t);
	EXPECT_EQ(st.bad_completions, 3);
	EXPECT(port_log_contains("dropped a send completion with unknown transaction id"));
	/* a GPA-direct packet is never for us */
	memset(raw, 0, sizeof(raw));
	raw[0] = LIS_VMBUS_PKT_DATA_USING_GPA_DIRECT;
	raw[2] = 3;		/* offset8 */
	raw[4] = 6;		/* len8 */
	EXPECT_EQ(hs_channel_send_raw(ch, raw, 48), 0);
	st = settle(t);
	EXPECT_EQ(st.rx_bad_packet, 1);
	EXPECT(port_log_contains("dropped a packet of type"));
	EXPECT_EQ(lis_net_protocol_errors(t->net), 10);
	/* still working */
	EXPECT_EQ(lis_net_set_filter(t->net, LIS_NDIS_FILTER_DIRECTED), 0);
	teardown();
}

/* ---- teardown ---- */

static void destroy_clean(const uint32_t *vmbus_versions)
{
	struct setup su = { .vmbus_versions = vmbus_versions, .nr_cpus = 2,
			    .host = { .max_queues = 2 }, .guest = { .max_queues = 2 } };
	struct tnic *t = &T.nic[0];
	struct hs_vmbus_state vs;

	ASSERT(setup(&su));
	EXPECT(wait_u32(&t->queues, 2));
	start(t);
	lis_net_destroy(__atomic_exchange_n(&t->net, NULL, __ATOMIC_SEQ_CST));
	hs_vmbus_state(tenv_host(T.env), &vs);
	EXPECT_EQ(vs.open_channels, 0);
	EXPECT_EQ(vs.gpadls, 0);
	EXPECT_EQ(vs.protocol_errors, 0);
	EXPECT(!hstats(t).rndis_initialized);
	EXPECT_EQ(hstats(t).bad_requests, 0);
	EXPECT_EQ(tenv_host_errors(T.env), 0);
	teardown();
}

LIS_TEST(teardown_closes_first_then_tears_buffers_down_from_vmbus_4_0)
{
	static const uint32_t v53[] = { 0x00050003, 0 };

	destroy_clean(v53);
}

LIS_TEST(teardown_tears_buffers_down_before_closing_below_vmbus_4_0)
{
	static const uint32_t v30[] = { 0x00030000, 0 };

	destroy_clean(v30);
}

static bool relid_released(struct hs_host *h, void *arg)
{
	struct hs_vmbus_state vs;

	hs_vmbus_state(h, &vs);
	return vs.relids_released >= 1;
}

LIS_TEST(rescind_fails_sends_in_flight_and_removes_cleanly)
{
	struct setup su = { .nnics = 2 };
	struct tnic *a = &T.nic[0], *b = &T.nic[1];
	struct hs_vmbus_state vs;
	u32 sent;

	ASSERT(setup(&su));
	start(a);
	start(b);
	hs_netvsp_pause_tx(a->hs, true);
	sent = fill_until_busy(a, b, 100, 20);
	EXPECT_EQ(sent, 20);
	EXPECT_EQ(hs_device_rescind(hs_netvsp_device(a->hs)), 0);
	EXPECT(tenv_wait(T.env, nic_removed, a, WAIT_MS));
	EXPECT_EQ(a->tx_fail + a->tx_ok, sent);
	EXPECT_EQ(a->tx_fail, sent);
	EXPECT(hs_wait(tenv_host(T.env), relid_released, NULL, WAIT_MS));
	hs_vmbus_state(tenv_host(T.env), &vs);
	EXPECT(vs.relids_released >= 1);
	EXPECT_EQ(vs.protocol_errors, 0);
	teardown();
}

LIS_TEST(nic_is_created_again_with_a_new_mtu_and_its_subchannels)
{
	struct setup su = { .nnics = 2, .nr_cpus = 4, .host = { .max_queues = 4, .mtu = 9000 },
			    .guest = { .max_queues = 4 } };
	struct tnic *a = &T.nic[0], *b = &T.nic[1];
	struct lis_net_config cfg = T.cfg;
	struct lis_net *n = NULL;
	u32 len = 8000;

	ASSERT(setup(&su));
	EXPECT(wait_u32(&b->queues, 4));
	EXPECT_EQ(hstats(b).ndis_mtu, 1514);
	/* as the glue does for an MTU change: destroy, create again */
	lis_net_destroy(__atomic_exchange_n(&b->net, NULL, __ATOMIC_SEQ_CST));
	__atomic_store_n(&b->queues, 0, __ATOMIC_SEQ_CST);
	cfg = T.cfg;
	cfg.ops = &t_ops;
	cfg.ctx = b;
	cfg.mtu = 9000;
	EXPECT_EQ(lis_net_create(b->ch, &cfg, &n), 0);
	ASSERT(n);
	__atomic_store_n(&b->net, n, __ATOMIC_SEQ_CST);
	EXPECT_EQ(hstats(b).ndis_mtu, 9014);
	/* the host kept its sub-channels: they open again */
	EXPECT(wait_u32(&b->queues, 4));
	EXPECT_EQ(ginfo(b).channels_open, 4);
	EXPECT_EQ(hstats(b).subchannels, 3);
	start(a);
	start(b);
	EXPECT_EQ(send_frame(a, 1, make_frame(b->mac, a->mac, len), len, NULL), 0);
	EXPECT(wait_rx(b, 1));
	EXPECT_EQ(lis_net_protocol_errors(b->net), 0);
	EXPECT_EQ(hstats(b).bad_requests, 0);
	teardown();
}

LIS_TEST_MAIN("netvsc")
