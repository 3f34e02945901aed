/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 3.19: scsi_change_queue_depth(sdev, depth) and the two-argument
 * .change_queue_depth() (the `reason` argument and scsi_adjust_queue_depth()
 * went away).  RHEL 7's 3.10 has the three-argument form.
 */
#include <scsi/scsi_host.h>
#include <scsi/scsi_device.h>

LIS_PROBE(scsi_change_queue_depth)
{
	static struct scsi_host_template sht = {
		.change_queue_depth = scsi_change_queue_depth,
	};

	LIS_PROBE_USE(&sht);
}
