/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 5.2: struct scsi_host_template.virt_boundary_mask: the midlayer sets the
 * queues' virtual boundary itself (before, drivers called
 * blk_queue_virt_boundary() per device).
 */
#include <scsi/scsi_host.h>

LIS_PROBE(sht_virt_boundary_mask)
{
	static struct scsi_host_template sht = { .virt_boundary_mask = 4095 };

	LIS_PROBE_USE(&sht);
}
