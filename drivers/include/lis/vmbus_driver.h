/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lis/vmbus_driver.h: the kernel side of the LIS VMBus API — devices on the
 * `vmbus` bus and the drivers that bind to them.  Child drivers use this with
 * the channel API of lis/vmbus.h; everything is exported by hv_vmbus.ko.
 *
 * A device is one offered primary channel.  Drivers match on class GUIDs
 * with the kernel's own struct hv_vmbus_device_id, so MODULE_DEVICE_TABLE(vmbus,
 * ...) produces the same "vmbus:<guid bytes>" aliases as the in-tree drivers.
 */
#ifndef LIS_VMBUS_DRIVER_H
#define LIS_VMBUS_DRIVER_H

#include <linux/device.h>
#include <linux/module.h>
#include <linux/mod_devicetable.h>
#include <lis/vmbus.h>

struct lis_vmbus_device {
	struct device dev;
	/* the primary channel; NULL once the host rescinded the device */
	struct lis_channel *channel;
	struct lis_guid class_id;
	struct lis_guid device_id;
	u32 relid;
	char *driver_override;
};

struct lis_vmbus_driver {
	const char *name;
	const struct hv_vmbus_device_id *id_table;
	int (*probe)(struct lis_vmbus_device *dev, const struct hv_vmbus_device_id *id);
	void (*remove)(struct lis_vmbus_device *dev);
	void (*shutdown)(struct lis_vmbus_device *dev);
	int (*suspend)(struct lis_vmbus_device *dev);
	int (*resume)(struct lis_vmbus_device *dev);
	struct device_driver driver;
};

static inline struct lis_vmbus_device *to_lis_vmbus_device(struct device *d)
{
	return container_of(d, struct lis_vmbus_device, dev);
}

static inline struct lis_vmbus_driver *to_lis_vmbus_driver(struct device_driver *d)
{
	return container_of(d, struct lis_vmbus_driver, driver);
}

static inline void *lis_vmbus_get_drvdata(struct lis_vmbus_device *dev)
{
	return dev_get_drvdata(&dev->dev);
}

static inline void lis_vmbus_set_drvdata(struct lis_vmbus_device *dev, void *data)
{
	dev_set_drvdata(&dev->dev, data);
}

int lis_vmbus_driver_register_module(struct lis_vmbus_driver *drv, struct module *owner,
				const char *mod_name);
#define lis_vmbus_driver_register(drv) \
	lis_vmbus_driver_register_module(drv, THIS_MODULE, KBUILD_MODNAME)
void lis_vmbus_driver_unregister(struct lis_vmbus_driver *drv);

/* the struct device a child driver should parent its own devices to */
static inline struct device *lis_vmbus_device_dev(struct lis_vmbus_device *dev)
{
	return &dev->dev;
}

/* an OS CPU number for a new sub-channel: spreads channels over online CPUs */
unsigned int lis_vmbus_pick_cpu(struct lis_vmbus_device *dev, unsigned int index);

#endif /* LIS_VMBUS_DRIVER_H */
