// SPDX-License-Identifier: GPL-2.0
/*
 * The uio_hv_generic core: a channel handed to userspace — its regions (in
 * the in-tree map order and names, with the buffers' GPADL handles in their
 * names), the mapping rules (known region, inside it, page-aligned, shared,
 * never executable), the host's signal masking interrupts until userspace
 * enables them, and the kick when it does.  The device is a hostsim generic
 * device that echoes what the "userspace driver" writes into the send ring.
 */
#include <stdio.h>
#include <stdlib.h>
#include "tdev.h"
#include "lis_test.h"
#include "../../drivers/uio_hv_generic/core/uio_core.h"

#define UIO_CLASS	"{0e0b6031-5213-4934-818b-38d90ced39db}"

static struct hs_channel *host_ch;
static unsigned int host_seen;

static void host_ready(struct hs_channel *ch)
{
	struct hs_packet pkt;

	while (hs_channel_recv(ch, &pkt) == 1) {
		__atomic_add_fetch(&host_seen, 1, __ATOMIC_SEQ_CST);
		hs_channel_send(ch, 6, 0, pkt.trans_id, pkt.payload, pkt.payload_len);
	}
}

static void host_opened(struct hs_channel *ch, const uint8_t *ud)
{
	__atomic_store_n(&host_ch, ch, __ATOMIC_SEQ_CST);
}

static const struct hs_device_ops host_ops = { .opened = host_opened, .ready = host_ready };

struct tglue {
	struct tenv *env;
	struct lis_uio *u;
	struct lis_channel *ch;
	u32 buf_bytes;
	int ret;
	bool probed;
	unsigned int notifies;
};

static struct tglue G;

static void t_notify(void *ctx)
{
	__atomic_add_fetch(&G.notifies, 1, __ATOMIC_SEQ_CST);
}

static int t_probe(struct tenv *env, struct lis_channel *ch)
{
	struct lis_uio_config cfg = { 0 };
	struct lis_uio *u = NULL;

	cfg.ch = ch;
	cfg.ring_bytes = 16 * 4096;
	cfg.buf_bytes = G.buf_bytes;
	cfg.notify = t_notify;
	G.ch = ch;
	G.ret = lis_uio_create(&cfg, &u);
	__atomic_store_n(&G.u, u, __ATOMIC_SEQ_CST);
	__atomic_store_n(&G.probed, true, __ATOMIC_SEQ_CST);
	return G.ret;
}

static void t_remove(struct tenv *env, struct lis_channel *ch)
{
	struct lis_uio *u = __atomic_exchange_n(&G.u, NULL, __ATOMIC_SEQ_CST);

	if (u)
		lis_uio_destroy(u);
}

static bool setup(u32 buf_bytes)
{
	/* VMBus 4.0: an interrupt page too */
	static const uint32_t v40[] = { 0x40000, 0 };
	struct tdev d = { .cls = UIO_CLASS, .host_ops = &host_ops, .probe = t_probe,
			  .remove = t_remove, .host_versions = v40 };

	memset(&G, 0, sizeof(G));
	G.buf_bytes = buf_bytes;
	__atomic_store_n(&host_seen, 0, __ATOMIC_SEQ_CST);
	G.env = tdev_boot(&d, &G.probed);
	return G.env != NULL;
}

static void teardown(void)
{
	struct lis_uio *u = __atomic_exchange_n(&G.u, NULL, __ATOMIC_SEQ_CST);

	if (u)
		lis_uio_destroy(u);
	if (G.env)
		tenv_destroy(G.env);
	G.env = NULL;
}

static bool notified(struct tenv *env, void *arg)
{
	return __atomic_load_n(&G.notifies, __ATOMIC_SEQ_CST) >= *(unsigned int *)arg;
}

LIS_TEST(regions_follow_the_in_tree_maps)
{
	const struct lis_uio_region *r;

	ASSERT(setup(64 * 4096));
	ASSERT(G.u);
	r = lis_uio_region(G.u, LIS_UIO_RINGS);
	ASSERT(r);
	EXPECT(!strcmp(r->name, "txrx_rings"));
	EXPECT_EQ(r->bytes, 32 * 4096);
	r = lis_uio_region(G.u, LIS_UIO_INT_PAGE);
	ASSERT(r);
	EXPECT(!strcmp(r->name, "int_page"));
	EXPECT_EQ(r->bytes, 4096);
	r = lis_uio_region(G.u, LIS_UIO_MON_PAGE);
	ASSERT(r);
	EXPECT(!strcmp(r->name, "monitor_page"));
	r = lis_uio_region(G.u, LIS_UIO_RECV_BUF);
	ASSERT(r);
	EXPECT(!strncmp(r->name, "recv:", 5));
	EXPECT(atoi(r->name + 5) > 0);
	EXPECT_EQ(r->bytes, 64 * 4096);
	r = lis_uio_region(G.u, LIS_UIO_SEND_BUF);
	ASSERT(r);
	EXPECT(!strncmp(r->name, "send:", 5));
	EXPECT(lis_uio_region(G.u, 5) == NULL);
	teardown();
	/* without buffers: three maps */
	ASSERT(setup(0));
	EXPECT(lis_uio_region(G.u, LIS_UIO_RINGS) != NULL);
	EXPECT(lis_uio_region(G.u, LIS_UIO_RECV_BUF) == NULL);
	teardown();
}

LIS_TEST(only_shared_in_bounds_page_aligned_mappings)
{
	void *va;

	ASSERT(setup(0));
	ASSERT(G.u);
	EXPECT_EQ(lis_uio_check_map(G.u, LIS_UIO_RINGS, 0, 32 * 4096, true, false, &va), 0);
	EXPECT_EQ(lis_uio_check_map(G.u, LIS_UIO_RINGS, 4096, 4096, true, false, &va), 0);
	EXPECT_EQ(lis_uio_check_map(G.u, LIS_UIO_RINGS, 0, 33 * 4096, true, false, &va), -EINVAL);
	EXPECT_EQ(lis_uio_check_map(G.u, LIS_UIO_RINGS, 32 * 4096, 4096, true, false, &va), -EINVAL);
	EXPECT_EQ(lis_uio_check_map(G.u, LIS_UIO_RINGS, 100, 4096, true, false, &va), -EINVAL);
	EXPECT_EQ(lis_uio_check_map(G.u, LIS_UIO_RINGS, 0, 4000, true, false, &va), -EINVAL);
	EXPECT_EQ(lis_uio_check_map(G.u, LIS_UIO_RINGS, 0, 4096, false, false, &va), -EINVAL);
	EXPECT_EQ(lis_uio_check_map(G.u, LIS_UIO_RINGS, 0, 4096, true, true, &va), -EPERM);
	EXPECT_EQ(lis_uio_check_map(G.u, LIS_UIO_INT_PAGE, 0, 8192, true, false, &va), -EINVAL);
	EXPECT_EQ(lis_uio_check_map(G.u, LIS_UIO_RECV_BUF, 0, 4096, true, false, &va), -EINVAL);
	EXPECT_EQ(lis_uio_check_map(G.u, 7, 0, 4096, true, false, &va), -EINVAL);
	EXPECT_EQ(lis_uio_check_map(G.u, LIS_UIO_RINGS, ~0ull & ~4095ull, 4096, true, false, &va),
		  -EINVAL);
	teardown();
}

/* what a userspace driver does: write a packet into the mapped send ring
 * (by the ring rules), then write 1 to the device file */
LIS_TEST(the_host_signal_masks_until_userspace_enables)
{
	const struct lis_uio_region *r;
	struct lis_vmbus_ring_control *out, *in;
	u8 *data;
	unsigned int k;
	u32 w;

	ASSERT(setup(0));
	ASSERT(G.u);
	r = lis_uio_region(G.u, LIS_UIO_RINGS);
	out = r->va;
	in = (void *)((u8 *)r->va + 16 * 4096);
	data = (u8 *)r->va + 4096;
	/* one in-band packet: descriptor (16), 8 bytes, trailer (8) */
	w = le32_to_cpu(out->write_index);
	memset(data + w, 0, 32);
	data[w] = 6;
	data[w + 2] = 2;
	data[w + 4] = 3;
	memcpy(data + w + 16, "uio-test", 8);
	data[w + 28] = (u8)w;
	lis_mb();
	out->write_index = cpu_to_le32(w + 32);
	k = 1;
	lis_uio_irq_control(G.u, true);		/* write(fd, 1): enable and kick */
	ASSERT(tenv_wait(G.env, notified, &k, 5000));
	EXPECT_EQ(__atomic_load_n(&host_seen, __ATOMIC_SEQ_CST), 1);
	/* the echo arrived: the host's further signals are masked */
	EXPECT_EQ(le32_to_cpu(in->interrupt_mask), 1);
	EXPECT(le32_to_cpu(in->write_index) > 0);
	lis_uio_irq_control(G.u, false);
	EXPECT_EQ(le32_to_cpu(in->interrupt_mask), 1);
	lis_uio_irq_control(G.u, true);
	EXPECT_EQ(le32_to_cpu(in->interrupt_mask), 0);
	teardown();
}

/* ---- the same against hostsim's own echo device (hostsim/src/echo.c) ---- */

static struct hs_echo *echo;

static bool add_echo(struct hs_host *h)
{
	struct hs_echo_config cfg = { .xor = 0xa5 };

	tguid(UIO_CLASS, cfg.class_guid);
	echo = hs_echo_add(h, &cfg);
	return echo != NULL;
}

LIS_TEST(hostsims_echo_device_answers_through_the_mapped_rings)
{
	static const uint32_t v40[] = { 0x40000, 0 };
	struct tdev d = { .cls = UIO_CLASS, .probe = t_probe, .remove = t_remove,
			  .host_versions = v40, .add_host = add_echo };
	const struct lis_uio_region *r;
	struct lis_vmbus_ring_control *out, *in;
	struct hs_echo_stats st;
	u8 *data, *rdata;
	unsigned int k, i;
	u32 w;

	memset(&G, 0, sizeof(G));
	G.env = tdev_boot(&d, &G.probed);
	ASSERT(G.env);
	ASSERT(G.u);
	ASSERT(hs_echo_wait_open(echo, 5000) == 0);
	r = lis_uio_region(G.u, LIS_UIO_RINGS);
	out = r->va;
	in = (void *)((u8 *)r->va + 16 * 4096);
	data = (u8 *)r->va + 4096;
	rdata = (u8 *)r->va + 17 * 4096;
	/* transaction 77, 16 bytes */
	w = le32_to_cpu(out->write_index);
	memset(data + w, 0, 40);
	data[w] = 6;
	data[w + 2] = 2;
	data[w + 4] = 4;
	data[w + 8] = 77;
	for (i = 0; i < 16; i++)
		data[w + 16 + i] = (u8)(i * 3);
	data[w + 36] = (u8)w;
	lis_mb();
	out->write_index = cpu_to_le32(w + 40);
	k = 1;
	lis_uio_irq_control(G.u, true);
	ASSERT(tenv_wait(G.env, notified, &k, 5000));
	/* the answer: same transaction, every byte XORed with 0xa5 */
	EXPECT_EQ(le32_to_cpu(in->write_index), 40);
	EXPECT_EQ(rdata[0], 6);
	EXPECT_EQ(rdata[4], 4);
	EXPECT_EQ(rdata[8], 77);
	for (i = 0; i < 16; i++)
		EXPECT_EQ(rdata[16 + i], (u8)(i * 3) ^ 0xa5);
	hs_echo_stats(echo, &st);
	EXPECT_EQ(st.packets_in, 1);
	EXPECT_EQ(st.packets_out, 1);
	EXPECT_EQ(st.protocol_errors, 0);
	EXPECT_EQ(tenv_host_errors(G.env), 0);
	/* the device goes: hostsim sees the channel close */
	lis_uio_destroy(__atomic_exchange_n(&G.u, NULL, __ATOMIC_SEQ_CST));
	for (i = 0; i < 5000; i++) {
		hs_echo_stats(echo, &st);
		if (!st.open)
			break;
		lis_msleep(1);
	}
	EXPECT(!st.open);
	teardown();
}

LIS_TEST_MAIN("uio_hv_generic")
