// SPDX-License-Identifier: GPL-2.0
/*
 * The host's requests, in the order they came, in process context: balloon
 * (take pages and hand them over as page ranges), unballoon (give back only
 * what the host holds), hot add (whole memory blocks), info, and hot
 * remove (refused: we never offer it).  Every request gets its answer, also
 * the ones the guest cannot satisfy.
 */
#include "internal.h"

static void balloon_flush(struct lis_dm *dm, u32 nranges, bool more)
{
	struct lis_dm_balloon_response *r = (void *)dm->tx_buf;
	u32 len = sizeof(*r) + 8 * nranges, i;

	r->reserved = 0;
	r->more_and_count = cpu_to_le32((nranges << 1) | (more ? 1 : 0));
	if (!dm_send(dm, r, LIS_DM_BALLOON_RESPONSE, len))
		return;
	/* the host never heard of these pages: they are the guest's again */
	lis_err("hv_balloon: could not hand %u page ranges to the host; keeping them\n", nranges);
	for (i = 0; i < nranges; i++) {
		u64 range = le64_to_cpu(r->range[i]);
		u64 pfn = LIS_DM_RANGE_PFN(range), n = LIS_DM_RANGE_COUNT(range);

		if (dm_set_remove(&dm->held, pfn, n))
			dm->cfg.ops->balloon_free(dm->cfg.ctx, pfn, n);
	}
}

static void do_balloon(struct lis_dm *dm, const u8 *msg, u32 len)
{
	const struct lis_dm_balloon_request *req = (const void *)msg;
	struct lis_dm_balloon_response *r = (void *)dm->tx_buf;
	u64 want, taken = 0;
	u32 nranges = 0, n, i;

	if (len < sizeof(*req)) {
		dm_host_error(dm);
		lis_err_host("hv_balloon: a balloon request of %u bytes\n", len);
		/* still answered: the host waits for a response */
		want = 0;
	} else {
		want = le32_to_cpu(req->num_pages);
	}
	while (taken < want) {
		n = dm->cfg.ops->balloon_alloc(dm->cfg.ctx, want - taken, dm->runs, DM_ALLOC_RUNS);
		if (!n || n > DM_ALLOC_RUNS)
			break;
		for (i = 0; i < n; i++) {
			u64 pfn = dm->runs[i].pfn, count = dm->runs[i].count;

			if (!count || count > want - taken ||
			    (pfn + count - 1) >> LIS_DM_RANGE_PFN_BITS ||
			    dm_set_add(&dm->held, pfn, count)) {
				/* the glue gave something we cannot hand over */
				lis_err("hv_balloon: a run of %llu pages at %#llx cannot be ballooned\n",
					(unsigned long long)count, (unsigned long long)pfn);
				dm->cfg.ops->balloon_free(dm->cfg.ctx, pfn, count);
				continue;
			}
			taken += count;
			/* one range holds at most 2^24 - 1 pages */
			while (count) {
				u64 piece = count < LIS_DM_RANGE_MAX_PAGES ? count : LIS_DM_RANGE_MAX_PAGES;

				if (nranges == LIS_DM_BALLOON_MAX_RANGES) {
					balloon_flush(dm, nranges, true);
					nranges = 0;
				}
				r->range[nranges++] = cpu_to_le64(LIS_DM_RANGE(pfn, piece));
				pfn += piece;
				count -= piece;
			}
		}
	}
	if (taken < want)
		lis_info("hv_balloon: the host asked for %llu pages; %llu could be spared\n",
			 (unsigned long long)want, (unsigned long long)taken);
	/* the last message says no more follow (no ranges at all: the guest
	 * is at its floor) */
	balloon_flush(dm, nranges, false);
}

static void do_unballoon(struct lis_dm *dm, const u8 *msg, u32 len)
{
	const struct lis_dm_unballoon_request *req = (const void *)msg;
	struct lis_dm_header resp;
	u32 count, i;
	bool more;

	if (len < sizeof(*req)) {
		dm_host_error(dm);
		lis_err_host("hv_balloon: an unballoon request of %u bytes\n", len);
		more = false;
		count = 0;
	} else {
		more = le32_to_cpu(req->more_pages) & 1;
		count = le32_to_cpu(req->range_count);
		if ((len - sizeof(*req)) / 8 < count) {
			dm_host_error(dm);
			lis_err_host("hv_balloon: an unballoon request with %u ranges in %u bytes\n",
				     count, len);
			count = (len - sizeof(*req)) / 8;
		}
	}
	for (i = 0; i < count; i++) {
		__le64 wire;
		u64 range, pfn, n;

		memcpy(&wire, msg + sizeof(*req) + 8 * i, sizeof(wire));
		range = le64_to_cpu(wire);
		pfn = LIS_DM_RANGE_PFN(range);
		n = LIS_DM_RANGE_COUNT(range);
		if (!n || !dm_set_remove(&dm->held, pfn, n)) {
			dm_host_error(dm);
			lis_err_host("hv_balloon: the host gives back %llu pages at %#llx, which it does not hold\n",
				     (unsigned long long)n, (unsigned long long)pfn);
			continue;
		}
		dm->cfg.ops->balloon_free(dm->cfg.ctx, pfn, n);
	}
	if (more)
		return;
	memset(&resp, 0, sizeof(resp));
	dm_send(dm, &resp, LIS_DM_UNBALLOON_RESPONSE, sizeof(resp));
}

static void hot_add_answer(struct lis_dm *dm, u64 pages, bool ok)
{
	struct lis_dm_hot_add_response r;

	memset(&r, 0, sizeof(r));
	r.page_count = cpu_to_le32((u32)(pages > 0xFFFFFFFFu ? 0xFFFFFFFFu : pages));
	r.result = cpu_to_le32(ok ? 1 : 0);
	dm_send(dm, &r, LIS_DM_HOT_ADD_RESPONSE, sizeof(r));
}

static void do_hot_add(struct lis_dm *dm, const u8 *msg, u32 len)
{
	const struct lis_dm_hot_add_request *req = (const void *)msg;
	u64 block = dm->cfg.hot_add_block_pages, range, pfn, n, first, end, added = 0, b;
	int ret = 0;

	if (len < sizeof(*req)) {
		dm_host_error(dm);
		lis_err_host("hv_balloon: a hot-add request of %u bytes\n", len);
		hot_add_answer(dm, 0, false);
		return;
	}
	if (!block) {
		/* we said we cannot: success with nothing added means "never
		 * again" */
		lis_err_host("hv_balloon: a hot-add request, though hot add was not offered\n");
		hot_add_answer(dm, 0, true);
		return;
	}
	range = le64_to_cpu(req->range);
	pfn = LIS_DM_RANGE_PFN(range);
	n = LIS_DM_RANGE_COUNT(range);
	/* whole blocks inside the range (we asked for block alignment) */
	first = LIS_ALIGN_UP(pfn, block);
	end = (pfn + n) & ~(block - 1);
	if (!n || first >= end) {
		lis_err_host("hv_balloon: hot add of %llu pages at %#llx covers no whole block of %llu pages\n",
			     (unsigned long long)n, (unsigned long long)pfn,
			     (unsigned long long)block);
		hot_add_answer(dm, 0, false);
		return;
	}
	for (b = first; b < end; b += block) {
		ret = dm->cfg.ops->hot_add(dm->cfg.ctx, b, block);
		if (ret)
			break;
		added += block;
	}
	dm->hot_added += added;
	if (ret)
		lis_warn("hv_balloon: hot add stopped after %llu of %llu pages: %d\n",
			 (unsigned long long)added, (unsigned long long)(end - first), ret);
	/* -EAGAIN with nothing added: the host may try again later; else say
	 * what was added (fewer than asked: the host stops asking) */
	hot_add_answer(dm, added, !(ret == -EAGAIN && !added));
}

static void do_info(struct lis_dm *dm, const u8 *msg, u32 len)
{
	const struct lis_dm_info_msg *info = (const void *)msg;
	struct lis_dm_info_blob blob;
	u32 off, size, bsize;

	if (len < sizeof(*info)) {
		dm_host_error(dm);
		lis_err_host("hv_balloon: an info message of %u bytes\n", len);
		return;
	}
	size = le32_to_cpu(info->info_size);
	if (size > len - sizeof(*info)) {
		dm_host_error(dm);
		lis_err_host("hv_balloon: an info message with %u bytes of info in %u\n", size, len);
		return;
	}
	for (off = 0; off + sizeof(blob) <= size; off += sizeof(blob) + bsize) {
		memcpy(&blob, msg + sizeof(*info) + off, sizeof(blob));
		bsize = le32_to_cpu(blob.size);
		if (bsize > size - off - sizeof(blob)) {
			dm_host_error(dm);
			lis_err_host("hv_balloon: an info blob of %u bytes past the message\n", bsize);
			return;
		}
		if (le32_to_cpu(blob.type) == LIS_DM_INFO_MAX_PAGE_COUNT && bsize >= 8) {
			__le64 v;

			memcpy(&v, msg + sizeof(*info) + off + sizeof(blob), sizeof(v));
			dm->max_page_count = le64_to_cpu(v);
		}
	}
}

static void do_hot_remove(struct lis_dm *dm, const u8 *msg, u32 len)
{
	struct lis_dm_hot_remove_response r;

	/* never offered: refuse, nothing removed */
	lis_err_host("hv_balloon: a hot-remove request, which we did not offer; refused\n");
	memset(&r, 0, sizeof(r));
	r.result = 0;
	dm_send(dm, &r, LIS_DM_HOT_REMOVE_RESPONSE, sizeof(r));
}

void dm_handle_request(struct lis_dm *dm, const u8 *msg, u32 len)
{
	u16 type = (u16)(msg[0] | msg[1] << 8);

	dm->requests++;
	switch (type) {
	case LIS_DM_BALLOON_REQUEST:
		do_balloon(dm, msg, len);
		break;
	case LIS_DM_UNBALLOON_REQUEST:
		do_unballoon(dm, msg, len);
		break;
	case LIS_DM_HOT_ADD_REQUEST:
		do_hot_add(dm, msg, len);
		break;
	case LIS_DM_INFO_MESSAGE:
		do_info(dm, msg, len);
		break;
	case LIS_DM_HOT_REMOVE_REQUEST:
		do_hot_remove(dm, msg, len);
		break;
	}
}
