/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 2.6: the SCSI midlayer's host API (scsi_host_alloc, scsi_add_host,
 * scsi_scan_host), present in every kernel we build for — but only when the
 * kernel was configured with SCSI support, which the export check proves.
 * lis-export: scsi_host_alloc scsi_add_host_with_dma scsi_scan_host scsi_remove_host
 */
#include <scsi/scsi_host.h>

LIS_PROBE(scsi_host_alloc)
{
	static struct scsi_host_template sht;
	struct Scsi_Host *sh = scsi_host_alloc(&sht, 0);

	LIS_PROBE_USE(sh);
}
