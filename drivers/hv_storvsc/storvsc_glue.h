/* SPDX-License-Identifier: GPL-2.0 */
/* hv_storvsc's Linux glue: what storvsc_main.c and storvsc_scsi.c share. */
#ifndef LIS_STORVSC_GLUE_H
#define LIS_STORVSC_GLUE_H

#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <lis/vmbus_driver.h>
#include <lis_compat/scsi.h>
#include "core/storvsc_core.h"

/* LUNs whose size is re-read at once (more collapse into "all of them") */
#define STOR_RESIZE_SLOTS	8

struct stor_lun_addr {
	unsigned int channel, id;
	u64 lun;
};

/* shost_priv(): one per controller */
struct stor_host {
	struct Scsi_Host *shost;
	struct lis_vmbus_device *vdev;
	struct lis_stor *core;
	bool ide;
	unsigned int ide_target;

	spinlock_t lock;	/* the fields below */
	bool ready;		/* added and scanned: events rescan */
	bool removing;		/* no more work */
	struct work_struct rescan_work;
	struct work_struct resize_work;
	struct stor_lun_addr resize[STOR_RESIZE_SLOTS];
	unsigned int nresize;
	bool resize_all;
};

extern const struct lis_stor_ops stor_core_ops;
struct Scsi_Host *stor_host_alloc(void);
void stor_host_init(struct stor_host *h, struct Scsi_Host *shost);
void stor_host_quiesce(struct stor_host *h);
void stor_host_scan(struct stor_host *h);

#endif /* LIS_STORVSC_GLUE_H */
