// SPDX-License-Identifier: GPL-2.0
/*
 * hv_utils: the integration components — heartbeat, shutdown, timesync,
 * KVP, VSS and fcopy — one VMBus device each, answered by the portable core
 * (core/).  KVP, VSS and fcopy get their daemon device when their IC is
 * offered, so systemd starts the daemons the way RHEL's hyperv-daemons
 * units expect.  VSS needs VMBus 3.0 (Windows Server 2012 R2) or newer.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/err.h>
#include <lis_compat/bus.h>
#include "utils_glue.h"

static unsigned int daemon_timeout_ms;
module_param(daemon_timeout_ms, uint, 0644);
MODULE_PARM_DESC(daemon_timeout_ms,
		 "How long the KVP/VSS/fcopy daemons may take per request, ms (0: 30 s; VSS freeze 15 min)");

/* heartbeat and the daemon services need nothing from the environment */
static const struct lis_ic_ops utils_no_ops;

struct utils_dev {
	enum lis_ic_service service;
	struct lis_ic *ic;
	struct utils_cdev *cdev;
};

static int utils_probe(struct lis_vmbus_device *vdev, const struct hv_vmbus_device_id *id)
{
	enum lis_ic_service svc = (enum lis_ic_service)id->driver_data;
	struct lis_ic_config cfg;
	struct utils_dev *u;
	int ret;

	if (!vdev->channel)
		return -ENODEV;
	if (svc == LIS_IC_VSS &&
	    lis_vmbus_version(lis_channel_vmbus(vdev->channel)) < LIS_VMBUS_VERSION_WIN8_1) {
		dev_info(&vdev->dev, "hv_utils: VSS needs VMBus 3.0 or newer; not started\n");
		return -ENODEV;
	}
	u = kzalloc(sizeof(*u), GFP_KERNEL);
	if (!u)
		return -ENOMEM;
	u->service = svc;
	memset(&cfg, 0, sizeof(cfg));
	cfg.service = svc;
	cfg.daemon_timeout_ms = daemon_timeout_ms;

	switch (svc) {
	case LIS_IC_SHUTDOWN:
		cfg.ops = &utils_power_ops;
		cfg.hibernate = utils_power_can_hibernate();
		utils_power_start(vdev);
		break;
	case LIS_IC_TIMESYNC:
		cfg.ops = &utils_time_ops;
		utils_time_start(vdev);
		break;
	case LIS_IC_KVP:
	case LIS_IC_VSS:
	case LIS_IC_FCOPY:
		u->cdev = utils_cdev_create(svc == LIS_IC_KVP ? LIS_ICD_KVP :
					    svc == LIS_IC_VSS ? LIS_ICD_VSS : LIS_ICD_FCOPY);
		if (IS_ERR(u->cdev)) {
			ret = PTR_ERR(u->cdev);
			kfree(u);
			return ret;
		}
		cfg.daemon = utils_cdev_endpoint(u->cdev);
		cfg.ops = &utils_no_ops;
		break;
	default:
		cfg.ops = &utils_no_ops;
		break;
	}

	ret = lis_ic_open(vdev->channel, &cfg, &u->ic);
	if (ret) {
		dev_err(&vdev->dev, "hv_utils: %s: cannot start (%d)\n",
			lis_ic_service_name(svc), ret);
		goto undo;
	}
	lis_vmbus_set_drvdata(vdev, u);
	dev_info(&vdev->dev, "hv_utils: %s IC started\n", lis_ic_service_name(svc));
	return 0;

undo:
	if (u->cdev)
		utils_cdev_destroy(u->cdev);
	if (svc == LIS_IC_TIMESYNC)
		utils_time_stop();
	if (svc == LIS_IC_SHUTDOWN)
		utils_power_stop();
	kfree(u);
	return ret;
}

static void utils_remove(struct lis_vmbus_device *vdev)
{
	struct utils_dev *u = lis_vmbus_get_drvdata(vdev);

	if (!u)
		return;
	lis_ic_close(u->ic);
	if (u->cdev)
		utils_cdev_destroy(u->cdev);
	if (u->service == LIS_IC_TIMESYNC)
		utils_time_stop();
	if (u->service == LIS_IC_SHUTDOWN)
		utils_power_stop();
	lis_vmbus_set_drvdata(vdev, NULL);
	kfree(u);
}

static const struct hv_vmbus_device_id utils_id_table[] = {
	{ .guid = LIS_VMBUS_CLASS_GUID(LIS_IC_CLASS_SHUTDOWN_BYTES), .driver_data = LIS_IC_SHUTDOWN },
	{ .guid = LIS_VMBUS_CLASS_GUID(LIS_IC_CLASS_TIMESYNC_BYTES), .driver_data = LIS_IC_TIMESYNC },
	{ .guid = LIS_VMBUS_CLASS_GUID(LIS_IC_CLASS_HEARTBEAT_BYTES), .driver_data = LIS_IC_HEARTBEAT },
	{ .guid = LIS_VMBUS_CLASS_GUID(LIS_IC_CLASS_KVP_BYTES), .driver_data = LIS_IC_KVP },
	{ .guid = LIS_VMBUS_CLASS_GUID(LIS_IC_CLASS_VSS_BYTES), .driver_data = LIS_IC_VSS },
	{ .guid = LIS_VMBUS_CLASS_GUID(LIS_IC_CLASS_FCOPY_BYTES), .driver_data = LIS_IC_FCOPY },
	{ },
};
MODULE_DEVICE_TABLE(vmbus, utils_id_table);

static struct lis_vmbus_driver utils_driver = {
	.name = "hv_utils",
	.id_table = utils_id_table,
	.probe = utils_probe,
	.remove = utils_remove,
};

static int __init utils_init(void)
{
	return lis_vmbus_driver_register(&utils_driver);
}

static void __exit utils_exit(void)
{
	lis_vmbus_driver_unregister(&utils_driver);
}

module_init(utils_init);
module_exit(utils_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("LIS integration components for Hyper-V: shutdown, timesync, heartbeat, KVP, VSS, fcopy");
MODULE_VERSION(LIS_VERSION);
