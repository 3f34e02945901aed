/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 6.2: .eh_timed_out() returns enum scsi_timeout_action (SCSI_EH_DONE,
 * SCSI_EH_RESET_TIMER, SCSI_EH_NOT_HANDLED) instead of the block layer's
 * enum blk_eh_timer_return.
 */
#include <scsi/scsi_host.h>

static enum scsi_timeout_action lis_probe_sta_cb(struct scsi_cmnd *cmd)
{
	return cmd ? SCSI_EH_RESET_TIMER : SCSI_EH_NOT_HANDLED;
}

LIS_PROBE(scsi_timeout_action)
{
	static struct scsi_host_template sht = { .eh_timed_out = lis_probe_sta_cb };

	LIS_PROBE_USE(&sht);
}
