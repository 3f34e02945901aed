/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 4.3: blk_queue_virt_boundary() keeps gaps out of a request's segments
 * (every segment but the first starts, and all but the last end, on the
 * boundary).  Without it a scatter list can have holes that one GPA range
 * cannot describe, and storvsc bounces such requests.
 */
#include <linux/blkdev.h>

LIS_PROBE(blk_queue_virt_boundary)
{
	static struct request_queue *q;

	blk_queue_virt_boundary(q, 4095);
}
