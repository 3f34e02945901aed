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
#include <linux/ioport.h>
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
	bool hvsock;		/* an hv_sock connection (TLNPI provider offer) */
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
	/* binds hv_sock connections (their class GUID is a service id) and
	 * nothing else */
	bool hvsock;
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

/* hv_sock: ask the host for a connection from our endpoint to its service
 * (TL_CONNECT_REQUEST); the host offers the channel when it accepts */
int lis_vmbus_hvsock_connect(const struct lis_guid *endpoint, const struct lis_guid *service);

/* an OS CPU number for a new sub-channel: spreads channels over online CPUs */
unsigned int lis_vmbus_pick_cpu(struct lis_vmbus_device *dev, unsigned int index);

/*
 * MMIO space for a device (synthetic video VRAM, vPCI config windows and
 * BARs): `size` bytes aligned to `align` (a power of two, 0 for none) inside
 * [min, max], from the ranges Hyper-V reserves for VMBus devices (the _CRS of
 * the VMBus ACPI device or its ancestor), reserved in iomem_resource under
 * the device's name.  The firmware framebuffer is handed out only with
 * fb_overlap_ok (the video driver taking it over).  0 and *res (the iomem
 * reservation, owned by hv_vmbus; children may be inserted under it),
 * -ENOSPC when nothing fits, -EINVAL for a bad request.
 */
int lis_vmbus_mmio_alloc(struct resource **res, struct lis_vmbus_device *dev,
			 resource_size_t min, resource_size_t max, resource_size_t size,
			 resource_size_t align, bool fb_overlap_ok);
/* give back what lis_vmbus_mmio_alloc reserved (its start and size) */
void lis_vmbus_mmio_free(resource_size_t start, resource_size_t size);

/* A test platform (lis/vmbus.h) has no VMBus ACPI device; the module that
 * provides it may also export this, with the guest-physical ranges that
 * stand in for the ACPI ones.  hv_vmbus takes it with symbol_get(). */
struct lis_vmbus_test_mmio {
	unsigned int count;
	struct {
		u64 start;
		u64 size;
	} range[4];
};
extern const struct lis_vmbus_test_mmio lis_vmbus_test_mmio;

#endif /* LIS_VMBUS_DRIVER_H */
