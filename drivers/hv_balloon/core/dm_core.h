/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The portable dynamic-memory core: one hv_balloon channel speaking the
 * Hyper-V dynamic memory protocol (lis/wire/balloon.h) over lis/vmbus.h.
 * It negotiates (2.0, 1.0, then 0.3 as the last attempt), reports its
 * capabilities, builds the periodic status reports, and carries out the
 * host's requests in order: balloon (inflate: pages handed to the host as
 * page ranges, several messages when many), unballoon (deflate: only pages
 * it ballooned are given back), hot add (whole memory blocks), info, and a
 * clean refusal of what it cannot do (hot remove, requests while another
 * transaction runs, hot add without support).  The glue (Linux memory
 * management, or a unit test) supplies the ops and never sees a wire byte.
 *
 * Contexts: the channel callback (atomic) copies host requests into a queue
 * and calls ops->kick(); the glue then calls lis_dm_work() in process
 * context, where memory is allocated, freed and added.
 */
#ifndef LIS_DM_CORE_H
#define LIS_DM_CORE_H

#include <lis/vmbus.h>
#include <lis/wire/balloon.h>

struct lis_dm;

/* a run of guest pages (4 KiB PFNs) */
struct lis_dm_run {
	u64 pfn;
	u64 count;
};

/* the status report's numbers, in 4 KiB pages */
struct lis_dm_stats {
	u64 avail;		/* what the guest could still use */
	u64 committed;		/* what it uses (the host's pressure measure) */
};

struct lis_dm_ops {
	void (*stats)(void *ctx, struct lis_dm_stats *st);
	/* take up to `pages` pages from the guest for the host: runs[] (at most
	 * max_runs) get what was taken; returns the number of runs (0: none,
	 * the guest is at its floor) */
	u32 (*balloon_alloc)(void *ctx, u64 pages, struct lis_dm_run *runs, u32 max_runs);
	/* give pages back to the guest (a run the core ballooned, or part of it) */
	void (*balloon_free)(void *ctx, u64 pfn, u64 count);
	/* add one memory block [pfn, pfn + count) and have it onlined per the
	 * glue's policy: 0, -EAGAIN (try later: low on resources), or another
	 * error (never again) */
	int (*hot_add)(void *ctx, u64 pfn, u64 count);
	/* lis_dm_work() has something to do; any context */
	void (*kick)(void *ctx);
};

struct lis_dm_config {
	struct lis_channel *ch;
	const struct lis_dm_ops *ops;
	void *ctx;
	/* the size of a memory block in 4 KiB pages (a power of two, at least
	 * 1 MiB); 0: no hot add */
	u64 hot_add_block_pages;
	u32 max_version;	/* 0: 2.0 */
	u32 timeout_ms;		/* negotiation answers; 0: 10 s */
};

/* open, negotiate, report capabilities (refused: -EPROTO) */
int lis_dm_create(const struct lis_dm_config *cfg, struct lis_dm **out);
/* close the channel; pages still ballooned stay the host's (-> the count) */
u64 lis_dm_destroy(struct lis_dm *dm);
/* carry out queued host requests (process context; serialized) */
void lis_dm_work(struct lis_dm *dm);
/* send a status report now (the glue calls this once a second); -EAGAIN
 * when the ring is full, 0 when the host asked for none */
int lis_dm_report_status(struct lis_dm *dm);

struct lis_dm_info {
	u32 version;
	bool reports_suppressed;
	u64 ballooned;		/* pages the host holds now */
	u64 hot_added;		/* pages added */
	u64 max_page_count;	/* from the host's info message; 0 unknown */
	u64 requests;		/* balloon, unballoon, hot-add requests handled */
	u64 protocol_errors;
};
void lis_dm_get_info(struct lis_dm *dm, struct lis_dm_info *info);

#endif /* LIS_DM_CORE_H */
