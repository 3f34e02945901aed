/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 5.16: scsi_done(cmd) finishes a command; the per-command cmd->scsi_done
 * pointer the midlayer used to fill in before queuecommand() was removed.
 */
#include <scsi/scsi_cmnd.h>

LIS_PROBE(scsi_done)
{
	static struct scsi_cmnd cmd;

	scsi_done(&cmd);
}
