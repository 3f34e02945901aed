/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 4.18: BLK_EH_NOT_HANDLED was renamed BLK_EH_DONE (and BLK_EH_HANDLED
 * removed); a timeout handler returning it hands the command to the error
 * handler.  RHEL 8's 4.18 has it; RHEL 7's 3.10 has BLK_EH_NOT_HANDLED.
 */
#include <linux/blkdev.h>
#include <linux/blk-mq.h>

LIS_PROBE(blk_eh_done)
{
	enum blk_eh_timer_return r = BLK_EH_DONE;

	LIS_PROBE_USE(r);
}
