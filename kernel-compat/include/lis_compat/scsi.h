/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SCSI midlayer shims: the host-template callbacks and helpers whose form
 * changed between 3.10 (RHEL 7), 4.18 (RHEL 8) and today.  Keyed only on
 * HAVE_* from kernel-compat/probes/scsi.
 */
#ifndef LIS_COMPAT_SCSI_H
#define LIS_COMPAT_SCSI_H

#include <linux/blkdev.h>
#include <linux/blk-mq.h>
#include <scsi/scsi_cmnd.h>
#include <scsi/scsi_device.h>
#include <scsi/scsi_host.h>

/* 5.16: scsi_done() replaced the cmd->scsi_done pointer */
static inline void lis_scsi_done(struct scsi_cmnd *cmd)
{
#ifdef HAVE_SCSI_DONE
	scsi_done(cmd);
#else
	cmd->scsi_done(cmd);
#endif
}

/*
 * .eh_timed_out()'s answer: "give it more time" or "let the error handler
 * have it".  6.2: enum scsi_timeout_action; 4.18: BLK_EH_DONE; before:
 * BLK_EH_NOT_HANDLED.
 */
#if defined(HAVE_SCSI_TIMEOUT_ACTION)
#define LIS_EH_TIMEOUT_RET		enum scsi_timeout_action
#define LIS_EH_RESET_TIMER		SCSI_EH_RESET_TIMER
#define LIS_EH_NOT_HANDLED		SCSI_EH_NOT_HANDLED
#elif defined(HAVE_BLK_EH_DONE)
#define LIS_EH_TIMEOUT_RET		enum blk_eh_timer_return
#define LIS_EH_RESET_TIMER		BLK_EH_RESET_TIMER
#define LIS_EH_NOT_HANDLED		BLK_EH_DONE
#else
#define LIS_EH_TIMEOUT_RET		enum blk_eh_timer_return
#define LIS_EH_RESET_TIMER		BLK_EH_RESET_TIMER
#define LIS_EH_NOT_HANDLED		BLK_EH_NOT_HANDLED
#endif

/*
 * .change_queue_depth (sysfs queue_depth writes).  3.19: the midlayer's
 * scsi_change_queue_depth(); before, the callback had a `reason` argument
 * and drivers called scsi_adjust_queue_depth() themselves.
 */
#ifdef HAVE_SCSI_CHANGE_QUEUE_DEPTH
#define LIS_SHT_CHANGE_QUEUE_DEPTH	.change_queue_depth = scsi_change_queue_depth,
#else
static inline int lis_scsi_change_queue_depth(struct scsi_device *sdev, int depth,
					      int reason)
{
	if (reason != SCSI_QDEPTH_DEFAULT)
		return -EOPNOTSUPP;
	scsi_adjust_queue_depth(sdev, scsi_get_tag_type(sdev), depth);
	return sdev->queue_depth;
}
#define LIS_SHT_CHANGE_QUEUE_DEPTH	.change_queue_depth = lis_scsi_change_queue_depth,
#endif

/*
 * No holes in a request's scatter list (one GPA range per command).  5.2:
 * a host-template field; 4.3: blk_queue_virt_boundary() per device, called
 * from .slave_alloc; older kernels have neither, and the driver bounces the
 * requests that have holes.
 */
#ifdef HAVE_SHT_VIRT_BOUNDARY_MASK
#define LIS_SHT_VIRT_BOUNDARY(mask)	.virt_boundary_mask = (mask),
#else
#define LIS_SHT_VIRT_BOUNDARY(mask)
#endif

static inline void lis_scsi_set_virt_boundary(struct scsi_device *sdev, unsigned long mask)
{
#if !defined(HAVE_SHT_VIRT_BOUNDARY_MASK) && defined(HAVE_BLK_QUEUE_VIRT_BOUNDARY)
	blk_queue_virt_boundary(sdev->request_queue, mask);
#endif
}

/* 6.5: scsi_rescan_device() takes the scsi_device, not its struct device */
static inline void lis_scsi_rescan_device(struct scsi_device *sdev)
{
#ifdef HAVE_SCSI_RESCAN_DEVICE_SDEV
	scsi_rescan_device(sdev);
#else
	scsi_rescan_device(&sdev->sdev_gendev);
#endif
}

#endif /* LIS_COMPAT_SCSI_H */
