/* SPDX-License-Identifier: GPL-2.0 */
/* hv_utils' Linux glue: what utils_main.c, utils_dev.c, utils_time.c and
 * utils_power.c share. */
#ifndef LIS_UTILS_GLUE_H
#define LIS_UTILS_GLUE_H

#include <lis/vmbus_driver.h>
#include "core/ic_core.h"

/* the daemon character devices (/dev/vmbus/hv_kvp, hv_vss, hv_fcopy) */
struct utils_cdev;
struct utils_cdev *utils_cdev_create(enum lis_icd_kind kind);
void utils_cdev_destroy(struct utils_cdev *c);
struct lis_icd *utils_cdev_endpoint(struct utils_cdev *c);

/* timesync: the PTP clock "hyperv" and the wall clock */
int utils_time_start(struct lis_vmbus_device *vdev);
void utils_time_stop(void);
extern const struct lis_ic_ops utils_time_ops;

/* shutdown: power off, reboot, hibernate (a uevent for userspace) */
bool utils_power_can_hibernate(void);
void utils_power_start(struct lis_vmbus_device *vdev);
void utils_power_stop(void);
extern const struct lis_ic_ops utils_power_ops;

#endif /* LIS_UTILS_GLUE_H */
