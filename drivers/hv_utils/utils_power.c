// SPDX-License-Identifier: GPL-2.0
/*
 * The shutdown IC's Linux side: power off and reboot through the kernel's
 * orderly paths (they run /sbin/poweroff and /sbin/reboot, so services stop
 * cleanly, and fall back to the kernel's own power-off or restart when that
 * cannot run: the host was told yes), and hibernation as the
 * in-tree driver does it — a change uevent "EVENT=hibernate" on the vmbus
 * device, for a udev rule to run `systemctl hibernate` — offered only where
 * the VM can hibernate.  Everything runs from a work item: the core calls
 * from atomic context.
 */
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/reboot.h>
#include <linux/workqueue.h>
#include <linux/mutex.h>
#include <lis_compat/power.h>
#include "utils_glue.h"

static struct {
	struct work_struct work;
	struct mutex lock;		/* vdev */
	struct lis_vmbus_device *vdev;	/* the shutdown IC's device */
	enum lis_ic_power action;
	bool init;
} pw;

static void pw_run(struct work_struct *w)
{
	char *env[] = { "EVENT=hibernate", NULL };

	switch (READ_ONCE(pw.action)) {
	case LIS_IC_POWER_OFF:
		orderly_poweroff(true);
		break;
	case LIS_IC_POWER_REBOOT:
		orderly_reboot();
		break;
	case LIS_IC_POWER_HIBERNATE:
		mutex_lock(&pw.lock);
		if (pw.vdev)
			kobject_uevent_env(&pw.vdev->dev.kobj, KOBJ_CHANGE, env);
		mutex_unlock(&pw.lock);
		pr_info("hv_utils: shutdown: sent the hibernation uevent\n");
		break;
	}
}

static void pw_power(void *ctx, enum lis_ic_power action, bool force)
{
	WRITE_ONCE(pw.action, action);
	schedule_work(&pw.work);
}

const struct lis_ic_ops utils_power_ops = {
	.power = pw_power,
};

bool utils_power_can_hibernate(void)
{
	return lis_hibernation_supported();
}

void utils_power_start(struct lis_vmbus_device *vdev)
{
	if (!pw.init) {
		INIT_WORK(&pw.work, pw_run);
		mutex_init(&pw.lock);
		pw.init = true;
	}
	mutex_lock(&pw.lock);
	pw.vdev = vdev;
	mutex_unlock(&pw.lock);
}

void utils_power_stop(void)
{
	mutex_lock(&pw.lock);
	pw.vdev = NULL;
	mutex_unlock(&pw.lock);
	/* a power-off already asked for still happens */
	flush_work(&pw.work);
}
