// SPDX-License-Identifier: GPL-2.0
/*
 * VMBus ring buffers: one control page and a data area per direction.
 *
 * The indices in the control page are shared with the host, which is not
 * trusted: we keep our own copy of the index we own (the write index of the
 * outbound ring, the read index of the inbound ring) and never read it back,
 * and every index, length and offset the host wrote is checked before use.  A
 * bad one marks the ring broken: it is never touched again.  Packets are
 * copied out of the ring and the copy is what callers parse, so the host
 * cannot change a packet after it was validated.
 *
 * Signalling follows the fact sheet's rules (§3.3, §3.4): the writer kicks
 * the host only when the ring went from empty to non-empty and the host has
 * not masked interrupts; the reader kicks the host only when it freed the
 * space the host said it is waiting for.
 */
#include "internal.h"

#define LIS_PKT_TRAILER		8
#define LIS_PKT_DESC		((u32)sizeof(struct lis_vmbus_packet_desc))

void lis_ring_init(struct lis_ring *r, void *pages, u32 bytes)
{
	r->ctl = pages;
	r->data = (u8 *)pages + LIS_HV_PAGE_SIZE;
	r->size = bytes - LIS_HV_PAGE_SIZE;
	r->priv_index = 0;
	r->published = 0;
	r->batch = false;
	r->broken = false;
	lis_spin_init(&r->lock);
	r->ctl->write_index = 0;
	r->ctl->read_index = 0;
	r->ctl->interrupt_mask = 0;
	r->ctl->pending_send_sz = 0;
	r->ctl->feature_bits = cpu_to_le32(LIS_VMBUS_RING_FEATURE_PENDING_SEND_SZ);
}

static inline u32 ring_used(u32 write, u32 read, u32 size)
{
	return write >= read ? write - read : size - read + write;
}

/* a host-owned index is usable when it is inside the data area and aligned */
static inline bool ring_index_ok(const struct lis_ring *r, u32 idx)
{
	return idx < r->size && !(idx & 7);
}

static void ring_copy_to(struct lis_ring *r, u32 off, const void *src, u32 len)
{
	u32 first = min_t(u32, len, r->size - off);

	memcpy(r->data + off, src, first);
	if (len > first)
		memcpy(r->data, (const u8 *)src + first, len - first);
}

static void ring_zero(struct lis_ring *r, u32 off, u32 len)
{
	u32 first = min_t(u32, len, r->size - off);

	memset(r->data + off, 0, first);
	if (len > first)
		memset(r->data, 0, len - first);
}

static void ring_copy_from(const struct lis_ring *r, u32 off, void *dst, u32 len)
{
	u32 first = min_t(u32, len, r->size - off);

	memcpy(dst, r->data + off, first);
	if (len > first)
		memcpy((u8 *)dst + first, r->data, len - first);
}

static inline u32 ring_advance(const struct lis_ring *r, u32 off, u32 len)
{
	off += len;
	return off >= r->size ? off - r->size : off;
}

static void ring_break(struct lis_ring *r, const char *what, u32 value)
{
	if (!r->broken)
		lis_err_host("hv_vmbus: ring corrupted by the host (%s %u); channel stopped\n",
			     what, value);
	r->broken = true;
}

int lis_ring_write(struct lis_ring *r, const struct lis_ring_chunk *chunks,
		   u32 nchunks, bool *signal)
{
	unsigned long flags = 0;
	u32 total = 0, padded, need, read, write, off, i;
	__le64 trailer;

	*signal = false;
	for (i = 0; i < nchunks; i++) {
		if (chunks[i].len > r->size)
			return -EMSGSIZE;
		total += chunks[i].len;
		if (total > r->size)
			return -EMSGSIZE;
	}
	padded = LIS_ALIGN_UP(total, 8u);
	need = padded + LIS_PKT_TRAILER;
	/* keep one slot free so that full never looks empty */
	if (need >= r->size)
		return -EMSGSIZE;

	lis_spin_lock(&r->lock, flags);
	if (r->broken)
		goto broken;
	read = le32_to_cpu(LIS_READ_ONCE(r->ctl->read_index));
	if (!ring_index_ok(r, read)) {
		ring_break(r, "outbound read index", read);
		goto broken;
	}
	write = r->priv_index;
	if (r->size - ring_used(write, read, r->size) <= need) {
		/* ask the host to signal once it has read enough, then look
		 * again: it may have read in between */
		LIS_WRITE_ONCE(r->ctl->pending_send_sz, cpu_to_le32(need));
		lis_mb();
		read = le32_to_cpu(LIS_READ_ONCE(r->ctl->read_index));
		if (!ring_index_ok(r, read)) {
			ring_break(r, "outbound read index", read);
			goto broken;
		}
		if (r->size - ring_used(write, read, r->size) <= need) {
			lis_spin_unlock(&r->lock, flags);
			return -EAGAIN;
		}
	}

	off = write;
	for (i = 0; i < nchunks; i++) {
		if (!chunks[i].len)
			continue;
		ring_copy_to(r, off, chunks[i].buf, chunks[i].len);
		off = ring_advance(r, off, chunks[i].len);
	}
	if (padded > total) {
		ring_zero(r, off, padded - total);
		off = ring_advance(r, off, padded - total);
	}
	trailer = cpu_to_le64((u64)write << 32);
	ring_copy_to(r, off, &trailer, sizeof(trailer));
	off = ring_advance(r, off, sizeof(trailer));

	/* the packet is visible before the index that publishes it */
	LIS_STORE_RELEASE(r->ctl->write_index, cpu_to_le32(off));
	r->priv_index = off;
	if (LIS_READ_ONCE(r->ctl->pending_send_sz))
		LIS_WRITE_ONCE(r->ctl->pending_send_sz, 0);
	/* the index store before the loads that decide on signalling */
	lis_mb();
	/* kick only on empty -> non-empty, and only when not masked */
	if (!LIS_READ_ONCE(r->ctl->interrupt_mask) &&
	    le32_to_cpu(LIS_READ_ONCE(r->ctl->read_index)) == write)
		*signal = true;
	lis_spin_unlock(&r->lock, flags);
	return 0;

broken:
	lis_spin_unlock(&r->lock, flags);
	return -EIO;
}

/*
 * Give the host the space read since the last publication.  Returns true
 * when the host is waiting for space (its PendingSendSize) and this crossed
 * it.  Caller holds the lock.
 */
static bool ring_publish(struct lis_ring *r)
{
	u32 before_idx = r->published, write, pending;

	/* every read of the packets before the index that frees them */
	LIS_STORE_RELEASE(r->ctl->read_index, cpu_to_le32(r->priv_index));
	r->published = r->priv_index;
	/* the index store before the load of the host's PendingSendSize */
	lis_mb();
	pending = le32_to_cpu(LIS_READ_ONCE(r->ctl->pending_send_sz));
	if (!pending)
		return false;
	write = le32_to_cpu(LIS_READ_ONCE(r->ctl->write_index));
	if (!ring_index_ok(r, write))
		return false;
	return r->size - ring_used(write, before_idx, r->size) <= pending &&
	       pending < r->size - ring_used(write, r->priv_index, r->size);
}

static bool pkt_type_ok(u16 type)
{
	switch (type) {
	case LIS_VMBUS_PKT_DATA_INBAND:
	case LIS_VMBUS_PKT_DATA_USING_XFER_PAGES:
	case LIS_VMBUS_PKT_DATA_USING_GPA_DIRECT:
	case LIS_VMBUS_PKT_COMP:
		return true;
	default:
		return false;
	}
}

int lis_ring_read(struct lis_ring *r, void *buf, u32 buflen, u32 *pktlen,
		  bool *signal)
{
	struct lis_vmbus_packet_desc desc;
	unsigned long flags = 0;
	u32 write, read, avail, len, off8, len8;
	int ret = 0;

	*signal = false;
	*pktlen = 0;
	lis_spin_lock(&r->lock, flags);
	if (r->broken) {
		ret = -EIO;
		goto out;
	}
	write = le32_to_cpu(LIS_READ_ONCE(r->ctl->write_index));
	if (!ring_index_ok(r, write)) {
		ring_break(r, "inbound write index", write);
		ret = -EIO;
		goto out;
	}
	read = r->priv_index;
	avail = ring_used(write, read, r->size);
	if (!avail) {
		ret = -EAGAIN;
		goto out;
	}
	if (avail < LIS_PKT_DESC + LIS_PKT_TRAILER) {
		ring_break(r, "bytes available", avail);
		ret = -EIO;
		goto out;
	}
	/* the index is read before the data it publishes */
	lis_rmb();
	ring_copy_from(r, read, &desc, sizeof(desc));
	off8 = le16_to_cpu(desc.offset8);
	len8 = le16_to_cpu(desc.len8);
	len = len8 * 8;
	if (off8 < 2 || len8 < off8 || len + LIS_PKT_TRAILER > avail) {
		ring_break(r, "packet length", len);
		ret = -EIO;
		goto out;
	}
	if (len > buflen) {
		*pktlen = len;
		ret = -ENOBUFS;
		goto out;
	}
	ring_copy_from(r, read, buf, len);
	/* what callers parse is what we validated, whatever the host does now */
	memcpy(buf, &desc, sizeof(desc));
	*pktlen = len;
	if (!pkt_type_ok(le16_to_cpu(desc.type)))
		ret = -EBADMSG;

	r->priv_index = ring_advance(r, read, len + LIS_PKT_TRAILER);
	/* in a batch the host gets the space back at commit, unless half of
	 * the ring is waiting for it */
	if (!r->batch || ring_used(r->priv_index, r->published, r->size) > r->size / 2)
		*signal = ring_publish(r);
out:
	lis_spin_unlock(&r->lock, flags);
	return ret;
}

void lis_ring_batch_begin(struct lis_ring *r)
{
	r->batch = true;
}

bool lis_ring_commit(struct lis_ring *r)
{
	unsigned long flags = 0;
	bool signal = false;

	lis_spin_lock(&r->lock, flags);
	r->batch = false;
	if (!r->broken && r->published != r->priv_index)
		signal = ring_publish(r);
	lis_spin_unlock(&r->lock, flags);
	return signal;
}

bool lis_ring_has_data(struct lis_ring *r)
{
	return !r->broken &&
		le32_to_cpu(LIS_READ_ONCE(r->ctl->write_index)) != r->priv_index;
}

u32 lis_ring_free_bytes(struct lis_ring *r)
{
	u32 read = le32_to_cpu(LIS_READ_ONCE(r->ctl->read_index));

	if (r->broken || !ring_index_ok(r, read))
		return 0;
	return r->size - ring_used(r->priv_index, read, r->size);
}

void lis_ring_state(struct lis_ring *r, struct lis_ring_state *st)
{
	u32 w = le32_to_cpu(LIS_READ_ONCE(r->ctl->write_index));
	u32 rd = le32_to_cpu(LIS_READ_ONCE(r->ctl->read_index));

	st->write_index = w;
	st->read_index = rd;
	st->interrupt_mask = le32_to_cpu(LIS_READ_ONCE(r->ctl->interrupt_mask));
	if (ring_index_ok(r, w) && ring_index_ok(r, rd)) {
		st->bytes_avail_read = ring_used(w, rd, r->size);
		st->bytes_avail_write = r->size - st->bytes_avail_read;
	} else {
		st->bytes_avail_read = 0;
		st->bytes_avail_write = 0;
	}
}
