// SPDX-License-Identifier: GPL-2.0
/*
 * GPADLs (§2.4.4, §3.6): assembling GPADL_HEADER + GPADL_BODY messages into a
 * range array, validating every range and PFN against guest RAM, teardown;
 * and the range walker shared with GPA-direct packets (§3.2): a list of
 * {ByteCount, ByteOffset, PFN[]} ranges seen as one linear byte buffer.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct hs_gpadl *hs_gpadl_find(struct hs_host *h, uint32_t handle)
{
	struct hs_gpadl *g;

	for (g = h->gpadls; g; g = g->next)
		if (g->handle == handle)
			return g;
	return NULL;
}

static void gpadl_free(struct hs_gpadl *g)
{
	free(g->ranges);
	free(g->pfns);
	free(g->pages);
	free(g);
}

static void gpadl_unlink(struct hs_host *h, struct hs_gpadl *g)
{
	struct hs_gpadl **pp;

	for (pp = &h->gpadls; *pp; pp = &(*pp)->next) {
		if (*pp == g) {
			*pp = g->next;
			break;
		}
	}
	if (g->complete)
		h->st.gpadls--;
	gpadl_free(g);
}

static void created(struct hs_host *h, uint32_t relid, uint32_t handle, uint32_t status)
{
	hs_vmbus_send3(h, CHMSG_GPADL_CREATED, GPADL_CREATED_SIZE, relid, handle, status);
}

static void fail(struct hs_host *h, struct hs_gpadl *g)
{
	uint32_t relid = g->relid, handle = g->handle;

	gpadl_unlink(h, g);
	created(h, relid, handle, HS_STATUS_UNSUCCESSFUL);
}

/* all range bytes are in: parse and map; answer GPADL_CREATED */
static void finish(struct hs_host *h, struct hs_gpadl *g)
{
	uint32_t i, off = 0, n = 0;
	const uint8_t *r = g->ranges;

	/* first pass: structure and page count */
	for (i = 0; i < g->range_count; i++) {
		uint32_t bc, bo, np;

		if (g->range_len - off < RANGE_PFNS)
			goto bad;
		bc = le32(r + off + RANGE_BYTE_COUNT);
		bo = le32(r + off + RANGE_BYTE_OFFSET);
		if (!bc || bo >= HV_PAGE)
			goto bad;
		np = range_pages(bo, bc);
		if ((g->range_len - off - RANGE_PFNS) / 8 < np)
			goto bad;
		off += RANGE_PFNS + np * 8;
		n += np;
		g->bytes += bc;
	}
	if (off != g->range_len)
		goto bad;

	g->npages = n;
	g->pfns = hs_zalloc(n * sizeof(*g->pfns));
	g->pages = hs_zalloc(n * sizeof(*g->pages));
	for (i = 0, off = 0, n = 0; i < g->range_count; i++) {
		uint32_t np = range_pages(le32(r + off + RANGE_BYTE_OFFSET),
					  le32(r + off + RANGE_BYTE_COUNT)), k;

		for (k = 0; k < np; k++, n++) {
			uint64_t pfn = le64(r + off + RANGE_PFNS + k * 8);

			g->pfns[n] = pfn;
			g->pages[n] = pfn >> (64 - HV_PAGE_SHIFT) ? NULL :
				      hs_map(h, pfn << HV_PAGE_SHIFT, HV_PAGE);
			if (!g->pages[n]) {
				hs_protocol_error(h, "GPADL %#x: PFN %#llx is not guest RAM",
						  g->handle, (unsigned long long)pfn);
				fail(h, g);
				return;
			}
		}
		off += RANGE_PFNS + np * 8;
	}
	if (hs_fault_take(h, HS_FAULT_GPADL_FAIL)) {
		fail(h, g);
		return;
	}
	g->complete = true;
	h->st.gpadls++;
	created(h, g->relid, g->handle, 0);
	return;
bad:
	hs_protocol_error(h, "GPADL %#x: malformed range array (%u ranges in %u bytes)",
			  g->handle, g->range_count, g->range_len);
	fail(h, g);
}

static void take(struct hs_host *h, struct hs_gpadl *g, const uint8_t *p, uint32_t n)
{
	if ((n & 7) || n > (uint32_t)(g->range_len - g->received)) {
		hs_protocol_error(h, "GPADL %#x: %u range bytes where %u remain", g->handle, n,
				  g->range_len - g->received);
		fail(h, g);
		return;
	}
	memcpy(g->ranges + g->received, p, n);
	g->received = (uint16_t)(g->received + n);
	if (g->received == g->range_len)
		finish(h, g);
}

void hs_gpadl_header(struct hs_host *h, const uint8_t *m, uint32_t len)
{
	uint32_t relid, handle;
	struct hs_channel *ch;
	struct hs_gpadl *g;

	if (len < GPADL_HDR_RANGES) {
		hs_protocol_error(h, "GPADL_HEADER of %u bytes", len);
		return;
	}
	relid = le32(m + GPADL_HDR_RELID);
	handle = le32(m + GPADL_HDR_HANDLE);
	ch = relid < VMBUS_MAX_RELID ? h->relid[relid] : NULL;
	if (!ch || !ch->offered || ch->rescinded) {
		hs_protocol_error(h, "GPADL_HEADER %#x for relid %u which is not offered", handle,
				  relid);
		created(h, relid, handle, HS_STATUS_UNSUCCESSFUL);
		return;
	}
	if (hs_gpadl_find(h, handle)) {
		hs_protocol_error(h, "GPADL_HEADER reuses handle %#x", handle);
		created(h, relid, handle, HS_STATUS_UNSUCCESSFUL);
		return;
	}
	g = hs_zalloc(sizeof(*g));
	g->handle = handle;
	g->relid = relid;
	g->range_len = le16(m + GPADL_HDR_RANGE_LEN);
	g->range_count = le16(m + GPADL_HDR_RANGE_COUNT);
	g->ranges = hs_zalloc(g->range_len);
	g->next = h->gpadls;
	h->gpadls = g;
	if (!g->range_count || g->range_len < RANGE_PFNS + 8) {
		hs_protocol_error(h, "GPADL %#x: %u ranges in %u bytes", handle, g->range_count,
				  g->range_len);
		fail(h, g);
		return;
	}
	take(h, g, m + GPADL_HDR_RANGES, len - GPADL_HDR_RANGES);
}

void hs_gpadl_body(struct hs_host *h, const uint8_t *m, uint32_t len)
{
	struct hs_gpadl *g;
	uint32_t handle;

	if (len < GPADL_BODY_PFNS) {
		hs_protocol_error(h, "GPADL_BODY of %u bytes", len);
		return;
	}
	handle = le32(m + GPADL_BODY_HANDLE);
	g = hs_gpadl_find(h, handle);
	if (!g || g->complete) {
		hs_protocol_error(h, "GPADL_BODY for handle %#x which is not being created", handle);
		return;
	}
	take(h, g, m + GPADL_BODY_PFNS, len - GPADL_BODY_PFNS);
}

void hs_gpadl_teardown(struct hs_host *h, const uint8_t *m, uint32_t len)
{
	uint32_t relid, handle;
	struct hs_channel *ch;
	struct hs_gpadl *g;

	if (len < GPADL_TEARDOWN_SIZE) {
		hs_protocol_error(h, "GPADL_TEARDOWN of %u bytes", len);
		return;
	}
	relid = le32(m + MSG_F0);
	handle = le32(m + MSG_F1);
	g = hs_gpadl_find(h, handle);
	if (!g || !g->complete || g->relid != relid) {
		hs_protocol_error(h, "GPADL_TEARDOWN of handle %#x / relid %u: no such GPADL",
				  handle, relid);
		return;
	}
	if (g->ring) {
		ch = h->relid[relid];
		hs_protocol_error(h, "GPADL_TEARDOWN of the rings of open relid %u", relid);
		if (ch)
			hs_vmbus_close_channel(h, ch);
	}
	gpadl_unlink(h, g);
	hs_vmbus_send3(h, CHMSG_GPADL_TORNDOWN, GPADL_TORNDOWN_SIZE, handle, 0, 0);
}

void hs_gpadl_drop_relid(struct hs_host *h, uint32_t relid)
{
	struct hs_gpadl *g, *next;

	for (g = h->gpadls; g; g = next) {
		next = g->next;
		if (g->relid == relid)
			gpadl_unlink(h, g);
	}
}

void hs_gpadl_drop_all(struct hs_host *h)
{
	while (h->gpadls)
		gpadl_unlink(h, h->gpadls);
}

/* ---- range lists as linear buffers ------------------------------------------- */
int hs_ranges_walk(struct hs_host *h, const uint8_t *r, uint32_t len, uint32_t count,
		   uint32_t offset, uint8_t *buf, uint32_t n, bool to_guest)
{
	uint32_t i, off = 0;

	for (i = 0; i < count && n; i++) {
		uint32_t bc, bo, np, pos;

		if (len - off < RANGE_PFNS)
			return -1;
		bc = le32(r + off + RANGE_BYTE_COUNT);
		bo = le32(r + off + RANGE_BYTE_OFFSET);
		np = range_pages(bo, bc);
		if (bo >= HV_PAGE || (len - off - RANGE_PFNS) / 8 < np)
			return -1;
		if (offset >= bc) {
			offset -= bc;
			off += RANGE_PFNS + np * 8;
			continue;
		}
		/* copy from byte `offset` of this range */
		pos = bo + offset;
		while (n && offset < bc) {
			uint32_t k = pos / HV_PAGE, in = pos % HV_PAGE, chunk = HV_PAGE - in;
			uint64_t pfn = le64(r + off + RANGE_PFNS + k * 8);
			uint8_t *p;

			if (chunk > bc - offset)
				chunk = bc - offset;
			if (chunk > n)
				chunk = n;
			p = pfn >> (64 - HV_PAGE_SHIFT) ? NULL :
			    hs_map(h, (pfn << HV_PAGE_SHIFT) + in, chunk);
			if (!p) {
				hs_protocol_error(h, "range PFN %#llx is not guest RAM",
						  (unsigned long long)pfn);
				return -1;
			}
			if (to_guest)
				memcpy(p, buf, chunk);
			else
				memcpy(buf, p, chunk);
			buf += chunk;
			n -= chunk;
			offset += chunk;
			pos += chunk;
		}
		offset = 0;
		off += RANGE_PFNS + np * 8;
	}
	return n ? -1 : 0;
}

int hs_gpa_copy_from_guest(struct hs_host *h, const struct hs_packet *pkt,
			   uint32_t offset, void *dst, uint32_t len)
{
	if (!pkt || pkt->type != PKT_GPA_DIRECT || !pkt->ranges)
		return -1;
	return hs_ranges_walk(h, pkt->ranges, pkt->ranges_len, pkt->range_count, offset, dst,
			      len, false);
}

int hs_gpa_copy_to_guest(struct hs_host *h, const struct hs_packet *pkt,
			 uint32_t offset, const void *src, uint32_t len)
{
	if (!pkt || pkt->type != PKT_GPA_DIRECT || !pkt->ranges)
		return -1;
	return hs_ranges_walk(h, pkt->ranges, pkt->ranges_len, pkt->range_count, offset,
			      (uint8_t *)src, len, true);
}

/* ---- GPADLs for device models ------------------------------------------------- */
static int gpadl_copy(struct hs_channel *ch, uint32_t handle, uint32_t offset, uint8_t *buf,
		      uint32_t len, bool to_guest)
{
	struct hs_host *h = ch->h;
	struct hs_gpadl *g;
	int rc = -1;

	hs_lock(h);
	g = hs_gpadl_find(h, handle);
	if (g && g->complete && g->relid == ch->relid && (uint64_t)offset + len <= g->bytes)
		rc = hs_ranges_walk(h, g->ranges, g->range_len, g->range_count, offset, buf, len,
				    to_guest);
	hs_unlock(h);
	return rc;
}

int hs_gpadl_copy_from_guest(struct hs_channel *ch, uint32_t gpadl, uint32_t offset,
			     void *dst, uint32_t len)
{
	return gpadl_copy(ch, gpadl, offset, dst, len, false);
}

int hs_gpadl_copy_to_guest(struct hs_channel *ch, uint32_t gpadl, uint32_t offset,
			   const void *src, uint32_t len)
{
	return gpadl_copy(ch, gpadl, offset, (uint8_t *)src, len, true);
}

/* a host pointer to [offset, offset + len) of the GPADL, when those bytes
 * lie in one range and are contiguous in host memory */
void *hs_gpadl_map(struct hs_channel *ch, uint32_t handle, uint32_t offset, uint32_t len)
{
	struct hs_host *h = ch->h;
	struct hs_gpadl *g;
	uint32_t i, off = 0, page0 = 0;
	uint8_t *p = NULL;

	if (!len)
		return NULL;
	hs_lock(h);
	g = hs_gpadl_find(h, handle);
	if (!g || !g->complete || g->relid != ch->relid)
		goto out;
	for (i = 0; i < g->range_count; i++) {
		uint32_t bc = le32(g->ranges + off + RANGE_BYTE_COUNT);
		uint32_t bo = le32(g->ranges + off + RANGE_BYTE_OFFSET);
		uint32_t np = range_pages(bo, bc), first, last, k;

		if (offset < bc) {
			if (len > bc - offset)
				break;
			first = (bo + offset) / HV_PAGE;
			last = (bo + offset + len - 1) / HV_PAGE;
			for (k = first + 1; k <= last; k++)
				if (g->pages[page0 + k] != g->pages[page0 + first] +
				    (size_t)(k - first) * HV_PAGE)
					break;
			if (k > last)
				p = g->pages[page0 + first] + (bo + offset) % HV_PAGE;
			break;
		}
		offset -= bc;
		page0 += np;
		off += RANGE_PFNS + np * 8;
	}
out:
	hs_unlock(h);
	return p;
}
