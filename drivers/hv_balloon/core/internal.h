/* SPDX-License-Identifier: GPL-2.0 */
/* The dynamic-memory core's own structures, shared by its files (portable). */
#ifndef LIS_DM_INTERNAL_H
#define LIS_DM_INTERNAL_H

#include "dm_core.h"

#define DM_RING_BYTES		(5u * LIS_HV_PAGE_SIZE)	/* each direction */
#define DM_RX_BYTES		DM_RING_BYTES
#define DM_DEFAULT_TIMEOUT_MS	10000
#define DM_MAX_QUEUED		256	/* host requests waiting for the work */
#define DM_ALLOC_RUNS		64	/* runs asked of the glue at a time */

/* a host request waiting for lis_dm_work() */
struct dm_queued {
	struct dm_queued *next;
	u32 len;
	u8 data[];
};

/* the pages the host holds: sorted, disjoint, merged runs */
struct dm_set {
	struct lis_dm_run *runs;
	u32 n;
	u32 cap;
	u64 pages;
};

struct lis_dm {
	struct lis_dm_config cfg;
	struct lis_channel *ch;
	u32 timeout_ms;
	bool open;
	u8 *rx_buf;
	u32 next_trans_id;

	/* negotiation: the one answer being waited for */
	lis_spinlock_t lock;		/* everything below up to `work_lock` */
	u16 want_type;
	bool got_answer;
	u64 answer_flags;
	lis_completion_t answered;
	struct dm_queued *q_head, *q_tail;
	u32 queued;
	bool dying;
	u64 protocol_errors;

	lis_mutex_t work_lock;		/* lis_dm_work and what it changes */
	u8 *tx_buf;			/* one outgoing message (process context) */
	struct dm_set held;
	struct lis_dm_run *runs;	/* DM_ALLOC_RUNS */

	u32 version;
	bool reports_suppressed;
	u64 hot_added;
	u64 max_page_count;
	u64 requests;
};

/* protocol.c */
void dm_host_error(struct lis_dm *dm);
int dm_send(struct lis_dm *dm, void *msg, u16 type, u32 len);

/* requests.c */
void dm_handle_request(struct lis_dm *dm, const u8 *msg, u32 len);

/* set.c */
int dm_set_add(struct dm_set *s, u64 pfn, u64 count);
bool dm_set_remove(struct dm_set *s, u64 pfn, u64 count);
void dm_set_free(struct dm_set *s);

#endif /* LIS_DM_INTERNAL_H */
