/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 6.5: scsi_rescan_device() takes the struct scsi_device (it took its
 * struct device, &sdev->sdev_gendev); 6.6 made it return int.  Debian's
 * 6.1 kernels have both (6.1.y stable took them with the resume fixes).
 */
#include <scsi/scsi_device.h>
#include <scsi/scsi_host.h>

LIS_PROBE(scsi_rescan_device_sdev)
{
	static struct scsi_device *sdev;

	scsi_rescan_device(sdev);
}
