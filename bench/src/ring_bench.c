// SPDX-License-Identifier: GPL-2.0
/*
 * Ring buffer throughput: packets of a given size written into a VMBus ring
 * by the core's producer and read back by its consumer, in one thread, as a
 * ratio to the same bytes moved by memcpy in the same run.  The baseline is
 * the data movement any copying ring needs: each packet's bytes copied into a
 * ring-sized buffer and out again (two memcpy calls per packet).  Also: host
 * signals per 1000 packets when the consumer drains in batches.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "internal.h"

#define RING_BYTES	(64 * 4096)
#define ROUNDS		5

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct lis_ring wr, rd;
static void *mem;

static void ring_view(struct lis_ring *r)
{
	memset(r, 0, sizeof(*r));
	r->ctl = mem;
	r->data = (u8 *)mem + 4096;
	r->size = RING_BYTES - 4096;
	lis_spin_init(&r->lock);
}

static u64 sink;

/* best of ROUNDS: nanoseconds per packet through the ring; the consumer
 * reads `batch` packets between publications of its read index */
static double ring_ns(u32 size, unsigned long n, unsigned int batch)
{
	static u8 src[2048], dst[4096];
	struct lis_vmbus_packet_desc d = { 0 };
	struct lis_ring_chunk c[2] = { { &d, sizeof(d) }, { src, size } };
	double best = 1e9;
	unsigned long i;
	int r;

	d.type = LIS_VMBUS_PKT_DATA_INBAND;
	d.offset8 = 2;
	d.len8 = (u16)((16 + size + 7) / 8);
	for (r = 0; r < ROUNDS; r++) {
		double t = now();
		u32 len;
		bool sig;

		for (i = 0; i < n; i += batch) {
			unsigned int k;

			for (k = 0; k < batch; k++) {
				d.trans_id = i + k;
				if (lis_ring_write(&wr, c, 2, &sig)) {
					fprintf(stderr, "ring write error\n");
					exit(1);
				}
			}
			if (batch > 1)
				lis_ring_batch_begin(&rd);
			for (k = 0; k < batch; k++) {
				if (lis_ring_read(&rd, dst, sizeof(dst), &len, &sig)) {
					fprintf(stderr, "ring read error\n");
					exit(1);
				}
				sink += dst[20];
			}
			if (batch > 1)
				lis_ring_commit(&rd);
		}
		t = (now() - t) * 1e9 / (double)n;
		if (t < best)
			best = t;
	}
	return best;
}

static double memcpy_ns(u32 size, unsigned long n)
{
	static u8 src[2048], dst[4096], ringbuf[RING_BYTES];
	u32 total = (16 + size + 7) / 8 * 8 + 8, off = 0;
	double best = 1e9;
	unsigned long i;
	int r;

	for (r = 0; r < ROUNDS; r++) {
		double t = now();

		for (i = 0; i < n; i++) {
			if (off + total > sizeof(ringbuf))
				off = 0;
			src[0] = (u8)i;
			memcpy(ringbuf + off, src, size);
			__asm__ volatile("" ::: "memory");
			memcpy(dst, ringbuf + off, size);
			__asm__ volatile("" ::: "memory");
			off += total;
			sink += dst[0];
		}
		t = (now() - t) * 1e9 / (double)n;
		if (t < best)
			best = t;
	}
	return best;
}

static unsigned int batched_signals(void)
{
	static u8 src[64], dst[256];
	struct lis_vmbus_packet_desc d = { 0 };
	struct lis_ring_chunk c[2] = { { &d, sizeof(d) }, { src, 48 } };
	unsigned int i, signals = 0;
	u32 len;
	bool sig;

	lis_ring_init(&wr, mem, RING_BYTES);
	ring_view(&rd);
	d.type = LIS_VMBUS_PKT_DATA_INBAND;
	d.offset8 = 2;
	d.len8 = 8;
	for (i = 0; i < 1000; i++) {
		lis_ring_write(&wr, c, 2, &sig);
		signals += sig;
		/* the host drains whenever it is kicked, 100 packets later */
		if (i % 100 == 99)
			while (lis_ring_read(&rd, dst, sizeof(dst), &len, &sig) == 0)
				;
	}
	return signals;
}

int main(void)
{
	static const u32 sizes[] = { 64, 1500 };
	unsigned long n = 2000000;
	unsigned int i;
	int bad = 0;

	mem = lis_alloc_pages(RING_BYTES / 4096);
	lis_ring_init(&wr, mem, RING_BYTES);
	ring_view(&rd);
	printf("ring: one producer and one consumer in one thread, %d KiB ring, best of %d\n",
	       RING_BYTES / 1024, ROUNDS);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		double base = memcpy_ns(sizes[i], n);
		double one = ring_ns(sizes[i], n, 1), batched = ring_ns(sizes[i], n, 32);

		printf("  %4u-byte packets: memcpy baseline %6.1f ns/packet\n", sizes[i], base);
		printf("      one at a time    %6.1f ns/packet, ratio %.2f\n", one, base / one);
		printf("      batches of 32    %6.1f ns/packet, ratio %.2f (target >= 0.70)\n",
		       batched, base / batched);
		bad |= base / batched < 0.7;
	}
	i = batched_signals();
	printf("  host signals per 1000 packets, batched drain: %u (target <= 10)\n", i);
	bad |= i > 10;
	printf("  (checksum %llu)\n", (unsigned long long)sink);
	printf("ring: %s\n", bad ? "BELOW TARGET" : "targets met");
	lis_free_pages(mem, RING_BYTES / 4096);
	return 0;
}
