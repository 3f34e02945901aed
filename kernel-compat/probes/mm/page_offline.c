/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 4.20: the PG_offline page type (__SetPageOffline/__ClearPageOffline):
 * pages a balloon gave to the hypervisor, which dump tools and /proc/kcore
 * skip.
 */
#include <linux/mm.h>
#include <linux/page-flags.h>

LIS_PROBE(page_offline)
{
	struct page *p = NULL;

	__SetPageOffline(p);
	__ClearPageOffline(p);
}
