// SPDX-License-Identifier: GPL-2.0
/*
 * The host's ring-buffer code, written from the layout and rules of §3 of
 * the protocol fact sheet.  The host consumes the guest->host ring and
 * produces into the host->guest ring.  Indices the guest owns are read from
 * guest memory and validated on every use; indices the host owns are kept
 * privately (ring->own) and published, so a guest scribbling on them cannot
 * steer the host.  The data pages need not be contiguous in host memory.
 *
 * Called with ch->lock held and the rings attached.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

uint32_t hs_ring_load(const uint8_t *ctl, uint32_t off)
{
	return __atomic_load_n((const uint32_t *)(ctl + off), __ATOMIC_ACQUIRE);
}

void hs_ring_store(uint8_t *ctl, uint32_t off, uint32_t v)
{
	__atomic_store_n((uint32_t *)(ctl + off), v, __ATOMIC_RELEASE);
}

int hs_ring_attach(struct hs_ring *r, uint8_t **pages, uint32_t npages)
{
	if (npages < 2)
		return -1;
	r->ctl = pages[0];
	r->data = hs_zalloc((npages - 1) * sizeof(*r->data));
	memcpy(r->data, pages + 1, (npages - 1) * sizeof(*r->data));
	r->size = (npages - 1) * HV_PAGE;
	r->own = 0;
	return 0;
}

void hs_ring_detach(struct hs_ring *r)
{
	free(r->data);
	memset(r, 0, sizeof(*r));
}

/* copy between the ring's data area (at `off`, wrapping) and a buffer */
static void ring_copy(const struct hs_ring *r, uint32_t off, uint8_t *buf, uint32_t len,
		      bool to_ring)
{
	while (len) {
		uint32_t page = off / HV_PAGE, in = off % HV_PAGE;
		uint32_t n = HV_PAGE - in;

		if (n > len)
			n = len;
		if (to_ring)
			memcpy(r->data[page] + in, buf, n);
		else
			memcpy(buf, r->data[page] + in, n);
		buf += n;
		len -= n;
		off += n;
		if (off == r->size)
			off = 0;
	}
}

static uint32_t used(const struct hs_ring *r, uint32_t w, uint32_t rd)
{
	return w >= rd ? w - rd : r->size - rd + w;
}

uint32_t hs_ring_free(const struct hs_ring *r, uint32_t peer_read)
{
	return r->size - used(r, r->own, peer_read);
}

static bool index_ok(const struct hs_ring *r, uint32_t idx)
{
	return idx < r->size && !(idx & 7);
}

bool hs_ring_has_data(struct hs_channel *ch)
{
	uint32_t w = hs_ring_load(ch->out.ctl, RING_WRITE_INDEX);

	return w != ch->out.own;
}

/* the GPA-direct extended header: RangeCount and ranges that fit exactly
 * inside the header area; returns false if malformed */
static bool parse_gpa_direct(const uint8_t *p, uint32_t hdr_end, struct hs_packet *pkt)
{
	uint32_t count, i, off = 0;
	struct hs_range r;

	if (hdr_end < PKT_GPA_RANGES)
		return false;
	count = le32(p + PKT_GPA_RANGE_COUNT);
	if (!count)
		return false;
	for (i = 0; i < count; i++)
		if (!hs_range_next(p + PKT_GPA_RANGES, hdr_end - PKT_GPA_RANGES, &off, &r))
			return false;
	pkt->range_count = count;
	pkt->ranges = p + PKT_GPA_RANGES;
	pkt->ranges_len = off;
	return true;
}

static bool guest_type_ok(uint16_t type)
{
	return type == PKT_INBAND || type == PKT_GPA_DIRECT || type == PKT_COMP;
}

int hs_ring_read(struct hs_channel *ch, struct hs_packet *pkt, bool *space_signal)
{
	struct hs_ring *r = &ch->out;
	struct hs_host *h = ch->h;
	uint32_t w, rd = r->own, avail, plen, next, pend, w2, free_before, free_after;
	uint8_t desc[PKT_DESC_SIZE], trailer[PKT_TRAILER_SIZE];
	uint16_t type, off8, len8, flags;

	*space_signal = false;
	w = hs_ring_load(r->ctl, RING_WRITE_INDEX);
	if (!index_ok(r, w)) {
		hs_protocol_error(h, "relid %u: guest WriteIndex %u invalid (ring %u bytes)",
				  ch->relid, w, r->size);
		return -1;
	}
	avail = used(r, w, rd);
	if (!avail)
		return 0;
	if (avail < PKT_DESC_SIZE + PKT_TRAILER_SIZE) {
		hs_protocol_error(h, "relid %u: %u bytes in ring, less than a packet",
				  ch->relid, avail);
		return -1;
	}
	ring_copy(r, rd, desc, sizeof(desc), false);
	type = le16(desc + PKT_TYPE);
	off8 = le16(desc + PKT_OFFSET8);
	len8 = le16(desc + PKT_LEN8);
	flags = le16(desc + PKT_FLAGS);
	plen = (uint32_t)len8 * 8;
	if (off8 < 2 || len8 < off8 || plen + PKT_TRAILER_SIZE > avail) {
		hs_protocol_error(h, "relid %u: bad descriptor (offset8 %u, len8 %u, %u in ring)",
				  ch->relid, off8, len8, avail);
		return -1;
	}
	if (!guest_type_ok(type) || (flags & ~PKT_FLAG_COMPLETION)) {
		hs_protocol_error(h, "relid %u: packet type %#x flags %#x not allowed from a guest",
				  ch->relid, type, flags);
		return -1;
	}
	ring_copy(r, (rd + plen) % r->size, trailer, sizeof(trailer), false);
	if (le32(trailer + 4) != rd) {
		hs_protocol_error(h, "relid %u: trailer says the packet started at %u, not %u",
				  ch->relid, le32(trailer + 4), rd);
		return -1;
	}
	if (ch->pkt_cap < plen) {
		free(ch->pkt);
		ch->pkt = hs_zalloc(plen);
		ch->pkt_cap = plen;
	}
	ring_copy(r, rd, ch->pkt, plen, false);

	memset(pkt, 0, sizeof(*pkt));
	pkt->type = type;
	pkt->flags = flags;
	pkt->trans_id = le64(ch->pkt + PKT_TRANS_ID);
	pkt->payload = ch->pkt + off8 * 8;
	pkt->payload_len = plen - off8 * 8u;
	if (type == PKT_GPA_DIRECT && !parse_gpa_direct(ch->pkt, off8 * 8u, pkt)) {
		hs_protocol_error(h, "relid %u: malformed GPA-direct range list", ch->relid);
		return -1;
	}

	/* consume: publish the new read index, then apply the guest's
	 * pending-send-size rule (signal once when the threshold is crossed) */
	next = (rd + plen + PKT_TRAILER_SIZE) % r->size;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	hs_ring_store(r->ctl, RING_READ_INDEX, next);
	r->own = next;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (hs_ring_load(r->ctl, RING_FEATURE_BITS) & RING_FEAT_PENDING_SEND) {
		pend = hs_ring_load(r->ctl, RING_PENDING_SEND);
		w2 = hs_ring_load(r->ctl, RING_WRITE_INDEX);
		if (pend && index_ok(r, w2)) {
			free_before = r->size - used(r, w2, rd);
			free_after = r->size - used(r, w2, next);
			if (free_before <= pend && pend < free_after)
				*space_signal = true;
		}
	}
	return 1;
}

int hs_ring_write(struct hs_channel *ch, const void *hdr, uint32_t hdr_len,
		  const void *data, uint32_t len, bool *signal)
{
	static const uint8_t zeros[8];
	struct hs_ring *r = &ch->in;
	struct hs_host *h = ch->h;
	uint32_t rd, w = r->own, pad = (8 - (len & 7)) & 7, total, off;
	uint8_t trailer[PKT_TRAILER_SIZE];

	*signal = false;
	total = hdr_len + len + pad + PKT_TRAILER_SIZE;
	if ((uint64_t)hdr_len + len + pad + PKT_TRAILER_SIZE >= r->size)
		return -1;		/* can never fit */
	rd = hs_ring_load(r->ctl, RING_READ_INDEX);
	if (!index_ok(r, rd)) {
		hs_protocol_error(h, "relid %u: guest ReadIndex %u invalid (ring %u bytes)",
				  ch->relid, rd, r->size);
		return -1;
	}
	if (r->size - used(r, w, rd) <= total) {
		/* full: ask the guest to signal when it has freed enough
		 * (only if it promised to honour PendingSendSize), then look
		 * once more in case it read in the meantime */
		if (hs_ring_load(r->ctl, RING_FEATURE_BITS) & RING_FEAT_PENDING_SEND)
			hs_ring_store(r->ctl, RING_PENDING_SEND, total);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		rd = hs_ring_load(r->ctl, RING_READ_INDEX);
		if (!index_ok(r, rd) || r->size - used(r, w, rd) <= total) {
			if (!ch->blocked)
				atomic_fetch_add(&h->nblocked, 1);
			ch->blocked = total;
			__atomic_fetch_add(&ch->stats.send_full, 1, __ATOMIC_RELAXED);
			return -1;
		}
	}
	if (ch->blocked) {
		ch->blocked = 0;
		atomic_fetch_sub(&h->nblocked, 1);
	}
	if (hs_ring_load(r->ctl, RING_PENDING_SEND))
		hs_ring_store(r->ctl, RING_PENDING_SEND, 0);

	off = w;
	ring_copy(r, off, (uint8_t *)hdr, hdr_len, true);
	off = (off + hdr_len) % r->size;
	if (len) {
		ring_copy(r, off, (uint8_t *)data, len, true);
		off = (off + len) % r->size;
	}
	if (pad) {
		ring_copy(r, off, (uint8_t *)zeros, pad, true);
		off = (off + pad) % r->size;
	}
	put32(trailer, 0);
	put32(trailer + 4, w);
	ring_copy(r, off, trailer, sizeof(trailer), true);
	off = (off + PKT_TRAILER_SIZE) % r->size;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	hs_ring_store(r->ctl, RING_WRITE_INDEX, off);
	r->own = off;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	/* signal only when the ring went from empty to non-empty and the
	 * guest is not draining it with interrupts masked */
	if (!hs_ring_load(r->ctl, RING_INTERRUPT_MASK) &&
	    hs_ring_load(r->ctl, RING_READ_INDEX) == w)
		*signal = true;
	__atomic_fetch_add(&ch->stats.packets_out, 1, __ATOMIC_RELAXED);
	return 0;
}
