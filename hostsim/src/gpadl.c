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

bool hs_range_next(const uint8_t *list, uint32_t len, uint32_t *off, struct hs_range *r)
{
	uint32_t o = *off;

	if (o > len || len - o < RANGE_PFNS)
		return false;
	r->count = le32(list + o + RANGE_BYTE_COUNT);
	r->offset = le32(list + o + RANGE_BYTE_OFFSET);
	if (!r->count || r->offset >= HV_PAGE)
		return false;
	r->pages = range_pages(r->offset, r->count);
	if ((len - o - RANGE_PFNS) / 8 < r->pages)
		return false;
	r->pfns = list + o + RANGE_PFNS;
	*off = o + RANGE_PFNS + r->pages * 8;
	return true;
}

/* host address of a PFN's page, or of `len` bytes at `in` inside it */
static uint8_t *map_pfn(struct hs_host *h, uint64_t pfn, uint32_t in, uint32_t len)
{
	if (pfn >> (64 - HV_PAGE_SHIFT))
		return NULL;
	return hs_map(h, (pfn << HV_PAGE_SHIFT) + in, len);
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
	uint32_t i, k, off = 0, n = 0;
	struct hs_range r;

	/* first pass: structure and page count */
	for (i = 0; i < g->range_count; i++) {
		if (!hs_range_next(g->ranges, g->range_len, &off, &r))
			goto bad;
		n += r.pages;
		g->bytes += r.count;
	}
	if (off != g->range_len)
		goto bad;

	g->npages = n;
	g->pfns = hs_zalloc(n * sizeof(*g->pfns));
	g->pages = hs_zalloc(n * sizeof(*g->pages));
	for (i = 0, off = 0, n = 0; i < g->range_count; i++) {
		hs_range_next(g->ranges, g->range_len, &off, &r);
		for (k = 0; k < r.pages; k++, n++) {
			g->pfns[n] = le64(r.pfns + k * 8);
			g->pages[n] = map_pfn(h, g->pfns[n], 0, HV_PAGE);
			if (!g->pages[n]) {
				hs_protocol_error(h, "GPADL %#x: PFN %#llx is not guest RAM",
						  g->handle, (unsigned long long)g->pfns[n]);
				fail(h, g);
				return;
			}
		}
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

void hs_gpadl_header(struct hs_host *h, const struct hs_msg *msg)
{
	const uint8_t *m = msg->data;
	uint32_t relid, handle;
	struct hs_channel *ch;
	struct hs_gpadl *g;

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
	take(h, g, m + GPADL_HDR_RANGES, msg->len - GPADL_HDR_RANGES);
}

void hs_gpadl_body(struct hs_host *h, const struct hs_msg *msg)
{
	const uint8_t *m = msg->data;
	struct hs_gpadl *g;
	uint32_t handle;

	handle = le32(m + GPADL_BODY_HANDLE);
	g = hs_gpadl_find(h, handle);
	if (!g || g->complete) {
		hs_protocol_error(h, "GPADL_BODY for handle %#x, not being created", handle);
		return;
	}
	take(h, g, m + GPADL_BODY_PFNS, msg->len - GPADL_BODY_PFNS);
}

void hs_gpadl_teardown(struct hs_host *h, const struct hs_msg *msg)
{
	uint32_t relid = le32(msg->data + MSG_F0), handle = le32(msg->data + MSG_F1);
	struct hs_channel *ch;
	struct hs_gpadl *g;

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
int hs_ranges_walk(struct hs_host *h, const uint8_t *list, uint32_t len, uint32_t count,
		   uint32_t offset, uint8_t *buf, uint32_t n, bool to_guest)
{
	uint32_t i, off = 0;
	struct hs_range r;

	for (i = 0; i < count && n; i++) {
		uint32_t pos;

		if (!hs_range_next(list, len, &off, &r))
			return -1;
		if (offset >= r.count) {
			offset -= r.count;
			continue;
		}
		/* copy from byte `offset` of this range */
		for (pos = r.offset + offset; n && offset < r.count;) {
			uint32_t in = pos % HV_PAGE, chunk = HV_PAGE - in;
			uint64_t pfn = le64(r.pfns + (pos / HV_PAGE) * 8);
			uint8_t *p;

			if (chunk > r.count - offset)
				chunk = r.count - offset;
			if (chunk > n)
				chunk = n;
			p = map_pfn(h, pfn, in, chunk);
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
	if (g && g->complete && g->relid == ch->relid && !ch->released &&
	    (uint64_t)offset + len <= g->bytes)
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
	uint32_t i, off = 0, page0 = 0, first, last, k;
	struct hs_range r;
	uint8_t *p = NULL;

	if (!len)
		return NULL;
	hs_lock(h);
	g = hs_gpadl_find(h, handle);
	if (!g || !g->complete || g->relid != ch->relid || ch->released)
		goto out;
	for (i = 0; i < g->range_count && hs_range_next(g->ranges, g->range_len, &off, &r); i++) {
		if (offset >= r.count) {
			offset -= r.count;
			page0 += r.pages;
			continue;
		}
		if (len > r.count - offset)
			break;
		first = page0 + (r.offset + offset) / HV_PAGE;
		last = page0 + (r.offset + offset + len - 1) / HV_PAGE;
		for (k = first + 1; k <= last; k++)
			if (g->pages[k] != g->pages[first] + (size_t)(k - first) * HV_PAGE)
				break;
		if (k > last)
			p = g->pages[first] + (r.offset + offset) % HV_PAGE;
		break;
	}
out:
	hs_unlock(h);
	return p;
}
