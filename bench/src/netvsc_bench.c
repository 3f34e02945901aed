// SPDX-License-Identifier: GPL-2.0
/*
 * netvsc data path throughput: frames per second through the portable core
 * in one thread, as a ratio to memcpy of the same bytes in the same run.
 *
 *  - transmit: lis_net_send() builds the RNDIS packet in a send-buffer
 *    section and puts the NVSP message in the ring; a minimal host reads it
 *    from the ring, reads the frame out of the section and completes it; the
 *    core takes the completions (its event handler);
 *  - receive: the host writes frames as RNDIS packets into receive-buffer
 *    sub-allocations and one transfer-page packet naming them into the ring;
 *    the core's event handler checks and parses them and hands each frame to
 *    a callback that copies it out (what the glue does into an skb), then
 *    completes the packet; the host reads the completion.
 *
 * The baseline is the data movement any such path needs: each frame's bytes
 * copied into a buffer and out again (two memcpy calls).  The channel API
 * under the core is a stand-in over the real ring code (ring.c): no hostsim,
 * no threads, no hypercalls — only the core's and the ring's own cost.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "internal.h"
#include "../../drivers/hv_netvsc/core/netvsc_core.h"

#define RING_BYTES	(64 * 4096)
#define RECV_BYTES	(4u << 20)
#define SUBALLOC	2048
#define SECTION		6144
#define BATCH		64
#define ROUNDS		5
#define CTRL_REPLY_OFF	(RECV_BYTES - 4 * SUBALLOC)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static u64 sink;
static u8 sinkbuf[65536];

static u32 get32(const u8 *p)
{
	u32 v;

	memcpy(&v, p, 4);
	return le32_to_cpu(v);
}

static void put32(u8 *p, u32 v)
{
	v = cpu_to_le32(v);
	memcpy(p, &v, 4);
}

/* ---- a stand-in for the VMBus channel API, over ring.c ---- */

static struct lis_vmbus *fake_vmbus;
static struct lis_channel chan;
static struct lis_ring host_out, host_in;	/* the host's views of the two rings */
static struct { void *buf; u32 size; } gpadls[4];
static u32 ngpadls;

u32 lis_vmbus_version(const struct lis_vmbus *vmbus)
{
	return LIS_VMBUS_VERSION_WIN10_V5_3;
}

struct lis_vmbus *lis_channel_vmbus(const struct lis_channel *ch)
{
	return fake_vmbus;
}

u32 lis_channel_relid(const struct lis_channel *ch)
{
	return 1;
}

u16 lis_channel_subchannel_index(const struct lis_channel *ch)
{
	return 0;
}

bool lis_channel_rescinded(const struct lis_channel *ch)
{
	return false;
}

void lis_channel_set_drvdata(struct lis_channel *ch, void *data)
{
	ch->drvdata = data;
}

void *lis_channel_drvdata(const struct lis_channel *ch)
{
	return ch->drvdata;
}

void lis_channel_set_subchannel_handler(struct lis_channel *primary,
		void (*fn)(struct lis_channel *sub, void *ctx), void *ctx)
{
}

void lis_channel_set_rescind_handler(struct lis_channel *ch,
		void (*fn)(struct lis_channel *ch, void *ctx), void *ctx)
{
}

int lis_channel_set_target_cpu(struct lis_channel *ch, unsigned int cpu)
{
	return 0;
}

static void view(struct lis_ring *v, const struct lis_ring *r)
{
	memset(v, 0, sizeof(*v));
	v->ctl = r->ctl;
	v->data = r->data;
	v->size = r->size;
	lis_spin_init(&v->lock);
}

int lis_channel_open(struct lis_channel *ch, const struct lis_channel_open_args *args)
{
	u32 npages = (args->send_ring_bytes + args->recv_ring_bytes) / LIS_HV_PAGE_SIZE;

	ch->ring_pages = lis_alloc_pages(npages);
	ch->ring_npages = npages;
	lis_ring_init(&ch->out, ch->ring_pages, args->send_ring_bytes);
	lis_ring_init(&ch->in, (u8 *)ch->ring_pages + args->send_ring_bytes, args->recv_ring_bytes);
	view(&host_out, &ch->out);
	view(&host_in, &ch->in);
	ch->on_event = args->on_event;
	ch->cb_ctx = args->ctx;
	ch->state = LIS_CH_OPEN;
	return 0;
}

void lis_channel_close(struct lis_channel *ch)
{
	ch->state = LIS_CH_OFFERED;
	lis_free_pages(ch->ring_pages, ch->ring_npages);
}

int lis_gpadl_create(struct lis_channel *ch, void *buf, u32 size, u32 *gpadl)
{
	gpadls[ngpadls].buf = buf;
	gpadls[ngpadls].size = size;
	*gpadl = ++ngpadls;
	return 0;
}

int lis_gpadl_destroy(struct lis_channel *ch, u32 gpadl)
{
	return 0;
}

u32 lis_channel_send_space(struct lis_channel *ch)
{
	return lis_ring_free_bytes(&ch->out);
}

static void host_pump(void);

static void guest_event(void)
{
	chan.on_event(&chan, chan.cb_ctx);
	lis_ring_commit(&chan.in);
}

static int guest_write(struct lis_channel *ch, const struct lis_ring_chunk *c, u32 n, u64 tid)
{
	bool signal;
	int ret = lis_ring_write(&ch->out, c, n, &signal);

	/* control requests are answered at once (the core waits for them);
	 * data waits for the benchmark loop */
	if (!ret && (tid & (1ull << 63))) {
		host_pump();
		guest_event();
	}
	return ret;
}

int lis_channel_send(struct lis_channel *ch, u16 type, u16 flags, u64 trans_id,
		     const void *data, u32 len)
{
	struct lis_vmbus_packet_desc d;
	struct lis_ring_chunk c[2] = { { &d, sizeof(d) }, { data, len } };

	d.type = type;
	d.offset8 = 2;
	d.len8 = (u16)((sizeof(d) + len + 7) / 8);
	d.flags = flags;
	d.trans_id = trans_id;
	return guest_write(ch, c, 2, trans_id | (type == LIS_VMBUS_PKT_DATA_INBAND && !flags ?
						 1ull << 63 : 0));
}

int lis_channel_send_gpa(struct lis_channel *ch, u16 flags, u64 trans_id,
			 const struct lis_gpa_range *ranges, u32 range_count,
			 const void *data, u32 len)
{
	struct lis_ring_chunk c[2 + 2 * (LIS_NET_MAX_TX_RANGES + 1)];
	struct lis_vmbus_gpa_range r[LIS_NET_MAX_TX_RANGES + 1];
	struct lis_vmbus_gpa_direct_hdr h;
	u32 ext = sizeof(h), i, n = 0;

	for (i = 0; i < range_count; i++)
		ext += sizeof(r[0]) + 8 * ranges[i].pfn_count;
	memset(&h, 0, sizeof(h));
	h.desc.type = LIS_VMBUS_PKT_DATA_USING_GPA_DIRECT;
	h.desc.offset8 = (u16)(ext / 8);
	h.desc.len8 = (u16)((ext + len + 7) / 8);
	h.desc.flags = flags;
	h.desc.trans_id = trans_id;
	h.range_count = range_count;
	c[n++] = (struct lis_ring_chunk){ &h, sizeof(h) };
	for (i = 0; i < range_count; i++) {
		r[i].byte_count = ranges[i].byte_count;
		r[i].byte_offset = ranges[i].byte_offset;
		c[n++] = (struct lis_ring_chunk){ &r[i], sizeof(r[i]) };
		c[n++] = (struct lis_ring_chunk){ ranges[i].pfns, 8 * ranges[i].pfn_count };
	}
	c[n++] = (struct lis_ring_chunk){ data, len };
	return guest_write(ch, c, n, trans_id);
}

int lis_channel_recv(struct lis_channel *ch, void *buf, u32 buflen, struct lis_packet *pkt)
{
	struct lis_vmbus_packet_desc d;
	bool signal;
	u32 len;
	int ret = lis_ring_read(&ch->in, buf, buflen, &len, &signal);

	if (ret == -ENOBUFS)
		pkt->raw_len = len;
	if (ret)
		return ret;
	memcpy(&d, buf, sizeof(d));
	pkt->type = d.type;
	pkt->flags = d.flags;
	pkt->trans_id = d.trans_id;
	pkt->raw = buf;
	pkt->raw_len = len;
	pkt->data = (u8 *)buf + d.offset8 * 8u;
	pkt->len = len - d.offset8 * 8u;
	return 0;
}

/* ---- the minimal host ---- */

static u8 *recv_buf, *send_buf;
static const u8 host_mac[6] = { 0x00, 0x15, 0x5d, 0x42, 0x42, 0x01 };

static void host_send(u16 type, u64 tid, const void *ext, u32 ext_len, const void *data, u32 len)
{
	struct lis_vmbus_packet_desc d;
	struct lis_ring_chunk c[3] = { { &d, sizeof(d) }, { ext, ext_len }, { data, len } };
	bool signal;

	d.type = type;
	d.offset8 = (u16)((sizeof(d) + ext_len) / 8);
	d.len8 = (u16)((sizeof(d) + ext_len + len + 7) / 8);
	d.flags = type == LIS_VMBUS_PKT_DATA_USING_XFER_PAGES;
	d.trans_id = tid;
	if (lis_ring_write(&host_in, c, 3, &signal)) {
		fprintf(stderr, "netvsc_bench: the guest's ring is full\n");
		exit(1);
	}
}

static void host_complete(u64 tid, u32 type, u32 a, u32 b, u32 c)
{
	u32 m[10] = { type, a, b, c };

	host_send(LIS_VMBUS_PKT_COMP, tid, NULL, 0, m, sizeof(m));
}

/* transfer-page packet: `n` ranges (offset, count pairs) */
static void host_xfer(const u32 *ranges, u32 n)
{
	u32 ext[2 + 2 * BATCH], m[10] = { LIS_NVSP_MSG_SEND_RNDIS_PKT, 0, LIS_NVSP_NO_SECTION };
	u32 i;

	ext[0] = LIS_NVSP_RECV_BUF_ID;
	ext[1] = n;
	for (i = 0; i < n; i++) {
		ext[2 + 2 * i] = ranges[2 * i + 1];
		ext[3 + 2 * i] = ranges[2 * i];
	}
	host_send(LIS_VMBUS_PKT_DATA_USING_XFER_PAGES, 0x5151, ext, 8 + 8 * n, m, sizeof(m));
}

static void host_rndis_control(const u8 *msg)
{
	u32 type = get32(msg), id = get32(msg + 8), oid = get32(msg + 12);
	u32 r[16] = { 0 }, len = 16, range[2];

	r[2] = id;
	switch (type) {
	case LIS_RNDIS_MSG_INIT:
		r[0] = LIS_RNDIS_MSG_INIT_C;
		r[6] = 1;		/* max packets per message */
		r[8] = 3;		/* alignment 8 */
		len = 52;
		break;
	case LIS_RNDIS_MSG_QUERY:
		r[0] = LIS_RNDIS_MSG_QUERY_C;
		r[4] = 4;
		r[5] = 16;
		len = 28;
		if (oid == LIS_OID_GEN_MAXIMUM_FRAME_SIZE)
			r[6] = 1500;
		else if (oid == LIS_OID_GEN_MEDIA_CONNECT_STATUS)
			r[6] = LIS_NDIS_MEDIA_CONNECTED;
		else if (oid == LIS_OID_GEN_LINK_SPEED)
			r[6] = 100000000;
		else if (oid == LIS_OID_802_3_PERMANENT_ADDRESS ||
			 oid == LIS_OID_802_3_CURRENT_ADDRESS) {
			r[4] = 6;
			memcpy(&r[6], host_mac, 6);
			len = 32;
		} else {
			r[3] = LIS_RNDIS_STATUS_NOT_SUPPORTED;
			r[4] = r[5] = 0;
			len = 24;
		}
		break;
	case LIS_RNDIS_MSG_SET:
		r[0] = LIS_RNDIS_MSG_SET_C;
		break;
	default:
		return;		/* HALT */
	}
	r[1] = len;
	memcpy(recv_buf + CTRL_REPLY_OFF, r, len);
	range[0] = CTRL_REPLY_OFF;
	range[1] = len;
	host_xfer(range, 1);
}

static u64 host_frames, host_bytes;

/* read everything the guest wrote and answer it */
static void host_pump(void)
{
	static u8 buf[8192];
	struct lis_vmbus_packet_desc d;
	const u8 *p;
	bool signal;
	u32 len, type, i;

	while (lis_ring_read(&host_out, buf, sizeof(buf), &len, &signal) == 0) {
		memcpy(&d, buf, sizeof(d));
		p = buf + d.offset8 * 8u;
		type = get32(p);
		if (d.type == LIS_VMBUS_PKT_COMP)
			continue;	/* a receive completion: sub-allocations are free */
		if (d.type == LIS_VMBUS_PKT_DATA_USING_GPA_DIRECT) {
			const u8 *r = buf + sizeof(struct lis_vmbus_gpa_direct_hdr);
			u64 gpa = *(const u64 *)(r + 8) * LIS_HV_PAGE_SIZE +
				  get32(r + 4);

			if (get32(p + 4) == LIS_NVSP_CHANNEL_CONTROL)
				host_rndis_control((const u8 *)(uintptr_t)gpa);
			host_complete(d.trans_id, LIS_NVSP_MSG_SEND_RNDIS_PKT_COMPLETE,
				      LIS_NVSP_STATUS_SUCCESS, 0, 0);
			continue;
		}
		switch (type) {
		case LIS_NVSP_MSG_INIT:
			host_complete(d.trans_id, LIS_NVSP_MSG_INIT_COMPLETE, 0, 0,
				      LIS_NVSP_STATUS_SUCCESS);
			break;
		case LIS_NVSP_MSG_SEND_RECV_BUF: {
			u32 m[10] = { LIS_NVSP_MSG_SEND_RECV_BUF_COMPLETE, LIS_NVSP_STATUS_SUCCESS, 1,
				      0, SUBALLOC, RECV_BYTES / SUBALLOC, RECV_BYTES };

			recv_buf = gpadls[get32(p + 4) - 1].buf;
			host_send(LIS_VMBUS_PKT_COMP, d.trans_id, NULL, 0, m, sizeof(m));
			break;
		}
		case LIS_NVSP_MSG_SEND_SEND_BUF:
			send_buf = gpadls[get32(p + 4) - 1].buf;
			host_complete(d.trans_id, LIS_NVSP_MSG_SEND_SEND_BUF_COMPLETE,
				      LIS_NVSP_STATUS_SUCCESS, SECTION, 0);
			break;
		case LIS_NVSP_MSG_SEND_RNDIS_PKT: {
			/* a frame in a section: the host reads it out */
			const u8 *m = send_buf + (size_t)get32(p + 8) * SECTION;
			u32 doff = get32(m + 8), dlen = get32(m + 12);

			memcpy(sinkbuf, m + 8 + doff, dlen);
			host_frames++;
			host_bytes += dlen;
			for (i = 0; i < 1; i++)
				host_complete(d.trans_id, LIS_NVSP_MSG_SEND_RNDIS_PKT_COMPLETE,
					      LIS_NVSP_STATUS_SUCCESS, 0, 0);
			break;
		}
		default:
			break;	/* NDIS version/config, revokes */
		}
	}
	lis_ring_commit(&host_out);
}

/* ---- the core's ops ---- */

static u64 rx_frames, tx_done;

static void b_rx_frame(void *ctx, u32 q, const struct lis_net_rx_frame *f)
{
	memcpy(sinkbuf, f->data, f->len);	/* the glue's copy into an skb */
	sink += sinkbuf[f->len - 1];
	rx_frames++;
}

static void b_tx_done(void *ctx, u32 q, void *cookie, bool ok)
{
	tx_done++;
}

static void b_nop_q(void *ctx, u32 q)
{
}

static void b_link(void *ctx, bool up)
{
}

static const struct lis_net_ops b_ops = {
	.rx_frame = b_rx_frame,
	.rx_done = b_nop_q,
	.tx_done = b_tx_done,
	.tx_wake = b_nop_q,
	.link_changed = b_link,
};

/* ---- the measurements (best of ROUNDS, ns per frame) ---- */

static u8 frame[2048];
static struct lis_net *net;
static u64 copied;

/* BATCH frames of `size` bytes out: sends, the host answers, completions */
static void tx_batch(u32 size)
{
	struct lis_net_seg seg = { frame, (u64)(uintptr_t)frame, size };
	struct lis_net_tx tx = { .segs = &seg, .nsegs = 1, .len = size };
	unsigned int k;

	for (k = 0; k < BATCH; k++) {
		frame[20] = (u8)k;
		if (lis_net_send(net, 0, &tx)) {
			fprintf(stderr, "netvsc_bench: send failed\n");
			exit(1);
		}
	}
	host_pump();
	guest_event();
}

/* an RNDIS PACKET with a hash PPI, as a host with RSS sends them */
static u32 host_frame_at(u32 off, u32 size)
{
	u8 *m = recv_buf + off;
	u32 len = 44 + 16 + size;

	memset(m, 0, 60);
	put32(m, LIS_RNDIS_MSG_PACKET);
	put32(m + 4, len);
	put32(m + 8, 36 + 16);
	put32(m + 12, size);
	put32(m + 28, 36);
	put32(m + 32, 16);
	put32(m + 44, 16);
	put32(m + 48, LIS_RNDIS_PPI_HASH_VALUE);
	put32(m + 52, 12);
	put32(m + 56, off * 2654435761u);
	memcpy(m + 60, frame, size);
	return len;
}

/* BATCH frames in: one transfer-page packet, parsed, completed */
static void rx_batch(u32 size)
{
	u32 ranges[2 * BATCH];
	unsigned int k;

	for (k = 0; k < BATCH; k++) {
		ranges[2 * k] = k * SUBALLOC;
		ranges[2 * k + 1] = host_frame_at(k * SUBALLOC, size);
	}
	host_xfer(ranges, BATCH);
	guest_event();
	host_pump();
}

/* the baseline: BATCH frames copied into a buffer and out again */
static void memcpy_batch(u32 size)
{
	static u8 buf[BATCH * SUBALLOC];
	unsigned int k;

	for (k = 0; k < BATCH; k++) {
		u8 *slot = buf + k * SUBALLOC;

		frame[20] = (u8)k;
		memcpy(slot, frame, size);
		__asm__ volatile("" ::: "memory");
		memcpy(sinkbuf, slot, size);
		__asm__ volatile("" ::: "memory");
		sink += sinkbuf[size - 1];
		copied++;
	}
}

/* best of ROUNDS of `count` frames in batches; *done must count them all */
static double best_ns(void (*batch)(u32 size), const u64 *done, u32 size, unsigned long count,
		      const char *what)
{
	double best = 1e9, t;
	unsigned long i;
	unsigned int r;
	u64 done0;

	for (r = 0; r < ROUNDS; r++) {
		done0 = *done;
		t = now();
		for (i = 0; i < count; i += BATCH)
			batch(size);
		t = (now() - t) * 1e9 / (double)count;
		if (*done - done0 != count) {
			fprintf(stderr, "netvsc_bench: %s: %llu of %lu frames\n", what,
				(unsigned long long)(*done - done0), count);
			exit(1);
		}
		if (t < best)
			best = t;
	}
	return best;
}

int main(void)
{
	static const u32 sizes[] = { 64, 1500 };
	struct lis_net_config cfg;
	unsigned long count = 640000;
	unsigned int i;
	int ret;

	fake_vmbus = calloc(1, sizeof(*fake_vmbus));
	memset(&cfg, 0, sizeof(cfg));
	cfg.ops = &b_ops;
	cfg.ring_bytes = RING_BYTES;
	cfg.recv_buf_bytes = RECV_BYTES;
	cfg.send_buf_bytes = 1u << 20;
	cfg.max_queues = 1;
	cfg.timeout_ms = 1000;
	ret = lis_net_create(&chan, &cfg, &net);
	if (ret) {
		fprintf(stderr, "netvsc_bench: bring-up failed (%d)\n", ret);
		return 1;
	}
	memcpy(frame, host_mac, 6);
	for (i = 6; i < sizeof(frame); i++)
		frame[i] = (u8)(i * 7);
	printf("netvsc: the core's data path in one thread, %d-frame batches, best of %d\n",
	       BATCH, ROUNDS);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		double base = best_ns(memcpy_batch, &copied, sizes[i], count, "memcpy");
		double tx = best_ns(tx_batch, &tx_done, sizes[i], count, "transmit");
		double rx = best_ns(rx_batch, &rx_frames, sizes[i], count, "receive");

		printf("  %4u-byte frames: memcpy baseline (in and out) %6.1f ns/frame\n",
		       sizes[i], base);
		printf("      transmit %6.1f ns/frame, %5.2f Mpps, ratio %.2f\n", tx, 1e3 / tx,
		       base / tx);
		printf("      receive  %6.1f ns/frame, %5.2f Mpps, ratio %.2f\n", rx, 1e3 / rx,
		       base / rx);
	}
	printf("  (host saw %llu frames, %llu bytes; checksum %llu)\n",
	       (unsigned long long)host_frames, (unsigned long long)host_bytes,
	       (unsigned long long)sink);
	if (lis_net_protocol_errors(net)) {
		fprintf(stderr, "netvsc_bench: the core rejected host input\n");
		return 1;
	}
	lis_net_destroy(net);
	lis_net_release(&chan);
	free(fake_vmbus);
	return 0;
}
