// SPDX-License-Identifier: GPL-2.0
/*
 * The VMBus ring buffer core against itself and against a host that writes
 * nonsense: round trips with wrap-around, full rings, the signalling rules,
 * and every kind of corruption a host can cause.
 */
#include <stdlib.h>
#include "internal.h"
#include "port_user.h"
#include "lis_test.h"

#define RING_BYTES	(4 * 4096)	/* control page + 3 data pages */

/* a second view of the same ring memory, for the other side */
static void ring_view(struct lis_ring *r, void *pages, u32 bytes)
{
	memset(r, 0, sizeof(*r));
	r->ctl = pages;
	r->data = (u8 *)pages + 4096;
	r->size = bytes - 4096;
	lis_spin_init(&r->lock);
}

struct pair {
	void *mem;
	struct lis_ring w, r;	/* writer and reader views */
};

static void pair_init(struct pair *p, u32 bytes)
{
	p->mem = lis_alloc_pages(bytes / 4096);
	lis_ring_init(&p->w, p->mem, bytes);
	ring_view(&p->r, p->mem, bytes);
}

static int put(struct lis_ring *w, u16 type, u64 id, const void *data, u32 len, bool *sig)
{
	struct lis_vmbus_packet_desc d = { 0 };
	struct lis_ring_chunk c[2] = { { &d, sizeof(d) }, { data, len } };

	d.type = type;
	d.offset8 = 2;
	d.len8 = (u16)((sizeof(d) + len + 7) / 8);
	d.trans_id = id;
	return lis_ring_write(w, c, 2, sig);
}

LIS_TEST(round_trip_with_wrap_around)
{
	static u8 in[3000], out[4096];
	struct pair p;
	bool sig;
	u32 i, len, got;
	int wrote = 0, read = 0;

	pair_init(&p, RING_BYTES);
	srand(7);
	for (i = 0; i < 2000; i++) {
		u32 n = (u32)(rand() % 2000);
		u32 k;

		for (k = 0; k < n; k++)
			in[k] = (u8)(i + k);
		if (put(&p.w, LIS_VMBUS_PKT_DATA_INBAND, i, in, n, &sig) == -EAGAIN) {
			/* drain everything, then it must fit */
			while (lis_ring_read(&p.r, out, sizeof(out), &len, &sig) == 0)
				read++;
			ASSERT(put(&p.w, LIS_VMBUS_PKT_DATA_INBAND, i, in, n, &sig) == 0);
		}
		wrote++;
		ASSERT(lis_ring_read(&p.r, out, sizeof(out), &len, &sig) == 0);
		read++;
		got = len - 16;
		ASSERT(got >= n && got < n + 8);
		EXPECT(((struct lis_vmbus_packet_desc *)out)->trans_id == i);
		EXPECT(memcmp(out + 16, in, n) == 0);
	}
	EXPECT_EQ(wrote, read);
	EXPECT(!lis_ring_has_data(&p.r));
	lis_free_pages(p.mem, RING_BYTES / 4096);
}

LIS_TEST(full_ring_refuses_and_asks_host_for_space)
{
	u8 buf[1024] = { 0 }, out[2048];
	struct pair p;
	u32 len, free_before;
	bool sig;
	int n = 0;

	pair_init(&p, RING_BYTES);
	while (put(&p.w, LIS_VMBUS_PKT_DATA_INBAND, 1, buf, sizeof(buf), &sig) == 0)
		n++;
	/* 12 KiB of data, 1048 bytes per packet: 11 fit, one slot stays free */
	EXPECT_EQ(n, 11);
	EXPECT_EQ(p.w.ctl->pending_send_sz, 1048);
	free_before = lis_ring_free_bytes(&p.w);
	EXPECT(free_before <= 1048);
	ASSERT(lis_ring_read(&p.r, out, sizeof(out), &len, &sig) == 0);
	/* the reader freed what the writer waits for: it must kick the writer */
	EXPECT(sig);
	ASSERT(put(&p.w, LIS_VMBUS_PKT_DATA_INBAND, 2, buf, sizeof(buf), &sig) == 0);
	EXPECT_EQ(p.w.ctl->pending_send_sz, 0);
	lis_free_pages(p.mem, RING_BYTES / 4096);
}

LIS_TEST(writer_signals_only_on_empty_to_non_empty_and_unmasked)
{
	u8 buf[64] = { 0 }, out[256];
	struct pair p;
	u32 len;
	bool sig;

	pair_init(&p, RING_BYTES);
	ASSERT(put(&p.w, LIS_VMBUS_PKT_DATA_INBAND, 1, buf, 8, &sig) == 0);
	EXPECT(sig);
	ASSERT(put(&p.w, LIS_VMBUS_PKT_DATA_INBAND, 2, buf, 8, &sig) == 0);
	EXPECT(!sig);
	while (lis_ring_read(&p.r, out, sizeof(out), &len, &sig) == 0)
		;
	p.w.ctl->interrupt_mask = 1;	/* the reader is draining */
	ASSERT(put(&p.w, LIS_VMBUS_PKT_DATA_INBAND, 3, buf, 8, &sig) == 0);
	EXPECT(!sig);
	lis_free_pages(p.mem, RING_BYTES / 4096);
}

LIS_TEST(batched_thousand_packets_cost_few_signals)
{
	u8 buf[64] = { 0 }, out[256];
	struct pair p;
	unsigned int i, signals = 0;
	u32 len;
	bool sig;

	pair_init(&p, 64 * 4096);
	for (i = 0; i < 1000; i++) {
		ASSERT(put(&p.w, LIS_VMBUS_PKT_DATA_INBAND, i, buf, 48, &sig) == 0);
		signals += sig;
		/* the host drains in batches of 100 */
		if (i % 100 == 99)
			while (lis_ring_read(&p.r, out, sizeof(out), &len, &sig) == 0)
				;
	}
	EXPECT(signals <= 10);
	lis_free_pages(p.mem, 64);
}

LIS_TEST(too_small_buffer_consumes_nothing)
{
	u8 buf[200] = { 1 }, out[512];
	struct pair p;
	u32 len;
	bool sig;

	pair_init(&p, RING_BYTES);
	ASSERT(put(&p.w, LIS_VMBUS_PKT_DATA_INBAND, 9, buf, sizeof(buf), &sig) == 0);
	EXPECT_EQ(lis_ring_read(&p.r, out, 64, &len, &sig), -ENOBUFS);
	EXPECT_EQ(len, 216);
	EXPECT_EQ(lis_ring_read(&p.r, out, sizeof(out), &len, &sig), 0);
	EXPECT_EQ(len, 216);
	lis_free_pages(p.mem, RING_BYTES / 4096);
}

LIS_TEST(oversized_packet_is_refused_before_touching_the_ring)
{
	static u8 big[RING_BYTES];
	struct pair p;
	bool sig;

	pair_init(&p, RING_BYTES);
	/* data area 12288: packet + trailer must stay below it */
	EXPECT_EQ(put(&p.w, LIS_VMBUS_PKT_DATA_INBAND, 1, big, 12288 - 16 - 8, &sig), -EMSGSIZE);
	EXPECT_EQ(put(&p.w, LIS_VMBUS_PKT_DATA_INBAND, 1, big, 12288 - 16 - 16, &sig), 0);
	lis_free_pages(p.mem, RING_BYTES / 4096);
}

/* the host (writer side) corrupts something; the reader must refuse */
static void corrupt_case(void (*poke)(struct pair *p), const char *what)
{
	u8 buf[64] = { 0 }, out[16384];
	struct pair p;
	u32 len;
	bool sig;

	pair_init(&p, RING_BYTES);
	ASSERT(put(&p.w, LIS_VMBUS_PKT_DATA_INBAND, 1, buf, 40, &sig) == 0);
	poke(&p);
	port_log_clear();
	EXPECT_EQ(lis_ring_read(&p.r, out, sizeof(out), &len, &sig), -EIO);
	EXPECT(p.r.broken);
	EXPECT(port_log_contains("ring corrupted"));
	/* broken stays broken, whatever the host does next */
	p.r.ctl->write_index = 0;
	EXPECT_EQ(lis_ring_read(&p.r, out, sizeof(out), &len, &sig), -EIO);
	if (lis_test_failed)
		fprintf(stderr, "    (case: %s)\n", what);
	lis_free_pages(p.mem, RING_BYTES / 4096);
}

static void write_index_past_end(struct pair *p) { p->w.ctl->write_index = 12288 + 8; }
static void write_index_unaligned(struct pair *p) { p->w.ctl->write_index = 4; }
static void len_beyond_ring(struct pair *p) { ((struct lis_vmbus_packet_desc *)p->w.data)->len8 = 0xFFFF; }
static void len_beyond_written(struct pair *p) { ((struct lis_vmbus_packet_desc *)p->w.data)->len8 = 20; }
static void zero_length(struct pair *p) { ((struct lis_vmbus_packet_desc *)p->w.data)->len8 = 0; }
static void offset_inside_header(struct pair *p) { ((struct lis_vmbus_packet_desc *)p->w.data)->offset8 = 1; }
static void offset_past_length(struct pair *p) { ((struct lis_vmbus_packet_desc *)p->w.data)->offset8 = 8; }
static void partial_packet(struct pair *p) { p->w.ctl->write_index = 16; }

LIS_TEST(corrupt_write_index_past_end) { corrupt_case(write_index_past_end, "past end"); }
LIS_TEST(corrupt_write_index_unaligned) { corrupt_case(write_index_unaligned, "unaligned"); }
LIS_TEST(corrupt_packet_length_beyond_ring) { corrupt_case(len_beyond_ring, "len beyond ring"); }
LIS_TEST(corrupt_packet_length_beyond_written_bytes) { corrupt_case(len_beyond_written, "len beyond data"); }
LIS_TEST(corrupt_zero_length_packet) { corrupt_case(zero_length, "zero length"); }
LIS_TEST(corrupt_data_offset_inside_descriptor) { corrupt_case(offset_inside_header, "offset < 2"); }
LIS_TEST(corrupt_data_offset_past_packet) { corrupt_case(offset_past_length, "offset > len"); }
LIS_TEST(corrupt_less_than_a_packet_published) { corrupt_case(partial_packet, "partial"); }

LIS_TEST(unknown_packet_type_is_dropped_and_reading_goes_on)
{
	u8 buf[32] = { 0 }, out[256];
	struct pair p;
	u32 len;
	bool sig;

	pair_init(&p, RING_BYTES);
	ASSERT(put(&p.w, 0x4 /* establish GPADL in-ring: never sent */, 1, buf, 8, &sig) == 0);
	ASSERT(put(&p.w, LIS_VMBUS_PKT_COMP, 2, buf, 8, &sig) == 0);
	EXPECT_EQ(lis_ring_read(&p.r, out, sizeof(out), &len, &sig), -EBADMSG);
	EXPECT_EQ(lis_ring_read(&p.r, out, sizeof(out), &len, &sig), 0);
	EXPECT(((struct lis_vmbus_packet_desc *)out)->trans_id == 2);
	EXPECT(!p.r.broken);
	lis_free_pages(p.mem, RING_BYTES / 4096);
}

LIS_TEST(writer_refuses_a_host_read_index_out_of_range)
{
	u8 buf[32] = { 0 };
	struct pair p;
	bool sig;

	pair_init(&p, RING_BYTES);
	p.w.ctl->read_index = 99999;
	port_log_clear();
	EXPECT_EQ(put(&p.w, LIS_VMBUS_PKT_DATA_INBAND, 1, buf, 8, &sig), -EIO);
	EXPECT(port_log_contains("ring corrupted"));
	EXPECT_EQ(put(&p.w, LIS_VMBUS_PKT_DATA_INBAND, 1, buf, 8, &sig), -EIO);
	lis_free_pages(p.mem, RING_BYTES / 4096);
}

LIS_TEST(trailer_holds_the_packet_start)
{
	u8 buf[24] = { 0 };
	struct pair p;
	u64 trailer;
	bool sig;

	pair_init(&p, RING_BYTES);
	ASSERT(put(&p.w, LIS_VMBUS_PKT_DATA_INBAND, 1, buf, 24, &sig) == 0);
	ASSERT(put(&p.w, LIS_VMBUS_PKT_DATA_INBAND, 2, buf, 24, &sig) == 0);
	/* second packet starts at 48 (16 + 24 + 8); its trailer at 88 */
	memcpy(&trailer, p.w.data + 48 + 40, 8);
	EXPECT(trailer == (u64)48 << 32);
	EXPECT_EQ(p.w.ctl->feature_bits, 1);
	lis_free_pages(p.mem, RING_BYTES / 4096);
}

LIS_TEST(reader_signals_only_when_crossing_the_pending_size)
{
	u8 buf[1024] = { 0 }, out[2048];
	struct pair p;
	unsigned int signals = 0;
	u32 len;
	bool sig;

	pair_init(&p, RING_BYTES);
	while (put(&p.w, LIS_VMBUS_PKT_DATA_INBAND, 1, buf, sizeof(buf), &sig) == 0)
		;
	/* the writer wants 3000 bytes: 760 free now, +1048 per read */
	p.w.ctl->pending_send_sz = 3000;
	while (lis_ring_read(&p.r, out, sizeof(out), &len, &sig) == 0)
		signals += sig;
	/* 760 -> 1808 -> 2856 -> 3904 crosses once; later reads do not signal */
	EXPECT_EQ(signals, 1);
	lis_free_pages(p.mem, RING_BYTES / 4096);
}

LIS_TEST_MAIN("ring")
