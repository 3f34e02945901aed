/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 3.3: alloc_ordered_workqueue() (one work item at a time, in order).
 */
#include <linux/workqueue.h>

LIS_PROBE(alloc_ordered_workqueue)
{
	struct workqueue_struct *wq = alloc_ordered_workqueue("lis_probe", 0);

	if (wq)
		destroy_workqueue(wq);
}
