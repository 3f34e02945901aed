// SPDX-License-Identifier: GPL-2.0
/*
 * The set of pages the host holds (ballooned): sorted, disjoint runs, merged
 * when they touch.  An unballoon request may only give back pages in it.
 */
#include "internal.h"

/* index of the first run that ends after pfn */
static u32 set_find(const struct dm_set *s, u64 pfn)
{
	u32 lo = 0, hi = s->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->runs[mid].pfn + s->runs[mid].count <= pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int set_reserve(struct dm_set *s, u32 need)
{
	struct lis_dm_run *r;
	u32 cap;

	if (need <= s->cap)
		return 0;
	cap = s->cap ? s->cap * 2 : 64;
	while (cap < need)
		cap *= 2;
	r = lis_zalloc(sizeof(*r) * cap);
	if (!r)
		return -ENOMEM;
	if (s->n)
		memcpy(r, s->runs, sizeof(*r) * s->n);
	lis_free(s->runs);
	s->runs = r;
	s->cap = cap;
	return 0;
}

/* -EEXIST if any page is already in the set, -ENOMEM */
int dm_set_add(struct dm_set *s, u64 pfn, u64 count)
{
	u32 i = set_find(s, pfn);
	bool join_prev, join_next;

	if (!count || pfn + count < pfn)
		return -EINVAL;
	if (i < s->n && s->runs[i].pfn < pfn + count)
		return -EEXIST;
	join_prev = i > 0 && s->runs[i - 1].pfn + s->runs[i - 1].count == pfn;
	join_next = i < s->n && s->runs[i].pfn == pfn + count;
	if (join_prev && join_next) {
		s->runs[i - 1].count += count + s->runs[i].count;
		memmove(&s->runs[i], &s->runs[i + 1], sizeof(s->runs[0]) * (s->n - i - 1));
		s->n--;
	} else if (join_prev) {
		s->runs[i - 1].count += count;
	} else if (join_next) {
		s->runs[i].pfn = pfn;
		s->runs[i].count += count;
	} else {
		if (set_reserve(s, s->n + 1))
			return -ENOMEM;
		memmove(&s->runs[i + 1], &s->runs[i], sizeof(s->runs[0]) * (s->n - i));
		s->runs[i].pfn = pfn;
		s->runs[i].count = count;
		s->n++;
	}
	s->pages += count;
	return 0;
}

/* false (and nothing changed) unless every page is in the set */
bool dm_set_remove(struct dm_set *s, u64 pfn, u64 count)
{
	u32 i = set_find(s, pfn);
	struct lis_dm_run *r;
	u64 end = pfn + count;

	if (!count || end < pfn || i >= s->n)
		return false;
	r = &s->runs[i];
	if (r->pfn > pfn || r->pfn + r->count < end)
		return false;
	if (r->pfn == pfn && r->count == count) {
		memmove(r, r + 1, sizeof(*r) * (s->n - i - 1));
		s->n--;
	} else if (r->pfn == pfn) {
		r->pfn += count;
		r->count -= count;
	} else if (r->pfn + r->count == end) {
		r->count -= count;
	} else {
		/* a hole in the middle: the run splits */
		u64 tail_pfn = end, tail = r->pfn + r->count - end;

		if (set_reserve(s, s->n + 1))
			return false;
		r = &s->runs[i];
		r->count = pfn - r->pfn;
		memmove(&s->runs[i + 2], &s->runs[i + 1], sizeof(*r) * (s->n - i - 1));
		s->runs[i + 1].pfn = tail_pfn;
		s->runs[i + 1].count = tail;
		s->n++;
	}
	s->pages -= count;
	return true;
}

void dm_set_free(struct dm_set *s)
{
	lis_free(s->runs);
	memset(s, 0, sizeof(*s));
}
