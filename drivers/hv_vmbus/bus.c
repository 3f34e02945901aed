// SPDX-License-Identifier: GPL-2.0
/*
 * The `vmbus` bus: one device per offered primary channel, named by its
 * instance GUID, with the in-tree driver's userspace ABI — "vmbus:<class
 * GUID bytes>" modaliases, and the same sysfs attribute names and formats
 * (class_id and device_id as {guid}, id, state, ring indices, ...) that udev
 * rules such as Azure's /dev/disk/azure rules and lsvmbus read.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/device.h>
#include <linux/slab.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/list.h>
#include <linux/string.h>
#include <linux/cpumask.h>
#include <lis_compat/bus.h>
#include <lis_compat/string.h>
#include "vmbus_glue.h"

/* serializes device lifetime against sysfs readers of dev->channel */
static DEFINE_MUTEX(lis_bus_lock);

struct lis_bus_entry {
	struct list_head node;
	struct lis_vmbus_device *dev;
};
static LIST_HEAD(lis_bus_devices);

/* in-tree channel states: offer 0, opening 1, open 2, opened 3 */
static int channel_state_number(struct lis_channel *ch)
{
	return lis_channel_is_open(ch) ? 3 : 0;
}

/* ---- attributes ---- */

#define LIS_DEV_SHOW(name, fmt, expr)					\
static ssize_t name##_show(struct device *d, struct device_attribute *a, char *buf) \
{									\
	struct lis_vmbus_device *dev = to_lis_vmbus_device(d);		\
	struct lis_channel *ch;						\
	ssize_t ret = -ENODEV;						\
									\
	mutex_lock(&lis_bus_lock);					\
	ch = dev->channel;						\
	if (ch)								\
		ret = sysfs_emit(buf, fmt, expr);			\
	mutex_unlock(&lis_bus_lock);					\
	return ret;							\
}									\
static DEVICE_ATTR_RO(name)

LIS_DEV_SHOW(id, "%u\n", lis_channel_relid(ch));
LIS_DEV_SHOW(state, "%d\n", channel_state_number(ch));
LIS_DEV_SHOW(monitor_id, "%d\n", lis_channel_monitor_id(ch));
LIS_DEV_SHOW(class_id, "{%pUl}\n", lis_channel_class(ch));
LIS_DEV_SHOW(device_id, "{%pUl}\n", lis_channel_instance(ch));
LIS_DEV_SHOW(numa_node, "%d\n", dev_to_node(d));

#define LIS_RING_SHOW(name, outbound, field)				\
static ssize_t name##_show(struct device *d, struct device_attribute *a, char *buf) \
{									\
	struct lis_vmbus_device *dev = to_lis_vmbus_device(d);		\
	struct lis_ring_state st;					\
	ssize_t ret = -ENODEV;						\
									\
	mutex_lock(&lis_bus_lock);					\
	if (dev->channel)						\
		ret = lis_channel_ring_state(dev->channel, outbound, &st); \
	if (!ret)							\
		ret = sysfs_emit(buf, "%u\n", st.field);		\
	mutex_unlock(&lis_bus_lock);					\
	return ret;							\
}									\
static DEVICE_ATTR_RO(name)

LIS_RING_SHOW(out_intr_mask, true, interrupt_mask);
LIS_RING_SHOW(out_read_index, true, read_index);
LIS_RING_SHOW(out_write_index, true, write_index);
LIS_RING_SHOW(out_read_bytes_avail, true, bytes_avail_read);
LIS_RING_SHOW(out_write_bytes_avail, true, bytes_avail_write);
LIS_RING_SHOW(in_intr_mask, false, interrupt_mask);
LIS_RING_SHOW(in_read_index, false, read_index);
LIS_RING_SHOW(in_write_index, false, write_index);
LIS_RING_SHOW(in_read_bytes_avail, false, bytes_avail_read);
LIS_RING_SHOW(in_write_bytes_avail, false, bytes_avail_write);

static ssize_t modalias_show(struct device *d, struct device_attribute *a, char *buf)
{
	struct lis_vmbus_device *dev = to_lis_vmbus_device(d);

	return sysfs_emit(buf, "vmbus:%*phN\n", 16, dev->class_id.b);
}
static DEVICE_ATTR_RO(modalias);

/* "relid:cpu" for the primary and every open sub-channel */
static ssize_t channel_vp_mapping_show(struct device *d, struct device_attribute *a,
				       char *buf)
{
	struct lis_vmbus_device *dev = to_lis_vmbus_device(d);
	ssize_t ret = -ENODEV;

	mutex_lock(&lis_bus_lock);
	if (dev->channel)
		ret = sysfs_emit(buf, "%u:%u\n", lis_channel_relid(dev->channel),
				 lis_channel_target_cpu(dev->channel));
	mutex_unlock(&lis_bus_lock);
	return ret;
}
static DEVICE_ATTR_RO(channel_vp_mapping);

static ssize_t driver_override_show(struct device *d, struct device_attribute *a, char *buf)
{
	struct lis_vmbus_device *dev = to_lis_vmbus_device(d);
	ssize_t ret;

	device_lock(d);
	ret = sysfs_emit(buf, "%s\n", dev->driver_override ? dev->driver_override : "");
	device_unlock(d);
	return ret;
}

static ssize_t driver_override_store(struct device *d, struct device_attribute *a,
				     const char *buf, size_t count)
{
	struct lis_vmbus_device *dev = to_lis_vmbus_device(d);
	char *val = NULL, *old;

	if (count >= PAGE_SIZE)
		return -EINVAL;
	if (count && buf[0] != '\n') {
		val = kstrndup(buf, count, GFP_KERNEL);
		if (!val)
			return -ENOMEM;
		strim(val);
	}
	device_lock(d);
	old = dev->driver_override;
	dev->driver_override = val;
	device_unlock(d);
	kfree(old);
	return count;
}
static DEVICE_ATTR_RW(driver_override);

static struct attribute *lis_dev_attrs[] = {
	&dev_attr_id.attr,
	&dev_attr_state.attr,
	&dev_attr_monitor_id.attr,
	&dev_attr_class_id.attr,
	&dev_attr_device_id.attr,
	&dev_attr_modalias.attr,
	&dev_attr_numa_node.attr,
	&dev_attr_out_intr_mask.attr,
	&dev_attr_out_read_index.attr,
	&dev_attr_out_write_index.attr,
	&dev_attr_out_read_bytes_avail.attr,
	&dev_attr_out_write_bytes_avail.attr,
	&dev_attr_in_intr_mask.attr,
	&dev_attr_in_read_index.attr,
	&dev_attr_in_write_index.attr,
	&dev_attr_in_read_bytes_avail.attr,
	&dev_attr_in_write_bytes_avail.attr,
	&dev_attr_channel_vp_mapping.attr,
	&dev_attr_driver_override.attr,
	NULL,
};
ATTRIBUTE_GROUPS(lis_dev);

/* ---- matching ---- */

static const struct hv_vmbus_device_id *lis_match_id(const struct hv_vmbus_device_id *ids,
						     const struct lis_guid *class)
{
	for (; ids && memchr_inv(&ids->guid, 0, sizeof(ids->guid)); ids++) {
		if (!memcmp(&ids->guid, class, sizeof(*class)))
			return ids;
	}
	return NULL;
}

/* ---- dynamic ids: userspace adds a class to a driver (new_id/remove_id), as
 * DPDK users bind uio_hv_generic ---- */

struct lis_dynid {
	struct list_head node;
	const struct device_driver *drv;
	struct lis_guid class;
};

static LIST_HEAD(lis_dynids);
static DEFINE_SPINLOCK(lis_dynid_lock);

static bool lis_dynid_match(const struct device_driver *drv, const struct lis_guid *class)
{
	struct lis_dynid *id;
	bool found = false;

	spin_lock(&lis_dynid_lock);
	list_for_each_entry(id, &lis_dynids, node) {
		if (id->drv == drv && !memcmp(&id->class, class, sizeof(*class))) {
			found = true;
			break;
		}
	}
	spin_unlock(&lis_dynid_lock);
	return found;
}

/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (braces allowed, then a newline at
 * most) into the wire layout: the first three fields little-endian */
static int lis_dynid_parse(const char *buf, size_t count, struct lis_guid *g)
{
	static const u8 pos[16] = { 6, 4, 2, 0, 11, 9, 16, 14, 19, 21, 24, 26, 28, 30, 32, 34 };
	size_t len = count;
	int i, hi, lo;

	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\0'))
		len--;
	if (len == 38 && buf[0] == '{' && buf[37] == '}') {
		buf++;
		len -= 2;
	}
	if (len != 36 || buf[8] != '-' || buf[13] != '-' || buf[18] != '-' || buf[23] != '-')
		return -EINVAL;
	for (i = 0; i < 16; i++) {
		hi = hex_to_bin(buf[pos[i]]);
		lo = hex_to_bin(buf[pos[i] + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		g->b[i] = (u8)(hi << 4 | lo);
	}
	return 0;
}

static ssize_t new_id_store(struct device_driver *drv, const char *buf, size_t count)
{
	const struct lis_vmbus_driver *ldrv =
		container_of(drv, const struct lis_vmbus_driver, driver);
	struct lis_dynid *id;
	struct lis_guid class;
	int ret;

	ret = lis_dynid_parse(buf, count, &class);
	if (ret)
		return ret;
	if (lis_match_id(ldrv->id_table, &class) || lis_dynid_match(drv, &class))
		return -EEXIST;
	id = kzalloc(sizeof(*id), GFP_KERNEL);
	if (!id)
		return -ENOMEM;
	id->drv = drv;
	id->class = class;
	spin_lock(&lis_dynid_lock);
	list_add_tail(&id->node, &lis_dynids);
	spin_unlock(&lis_dynid_lock);
	ret = driver_attach(drv);
	return ret ? ret : (ssize_t)count;
}

static ssize_t remove_id_store(struct device_driver *drv, const char *buf, size_t count)
{
	struct lis_dynid *id, *found = NULL;
	struct lis_guid class;
	int ret;

	ret = lis_dynid_parse(buf, count, &class);
	if (ret)
		return ret;
	spin_lock(&lis_dynid_lock);
	list_for_each_entry(id, &lis_dynids, node) {
		if (id->drv == drv && !memcmp(&id->class, &class, sizeof(class))) {
			list_del(&id->node);
			found = id;
			break;
		}
	}
	spin_unlock(&lis_dynid_lock);
	kfree(found);
	return found ? (ssize_t)count : -ENODEV;
}

static struct driver_attribute lis_drv_attr_new_id = __ATTR(new_id, 0200, NULL, new_id_store);
static struct driver_attribute lis_drv_attr_remove_id =
	__ATTR(remove_id, 0200, NULL, remove_id_store);

static void lis_dynid_free(const struct device_driver *drv)
{
	struct lis_dynid *id, *n;

	spin_lock(&lis_dynid_lock);
	list_for_each_entry_safe(id, n, &lis_dynids, node) {
		if (id->drv == drv) {
			list_del(&id->node);
			kfree(id);
		}
	}
	spin_unlock(&lis_dynid_lock);
}

static int lis_bus_match(struct device *d, LIS_MATCH_DRIVER *drv)
{
	struct lis_vmbus_device *dev = to_lis_vmbus_device(d);
	const struct lis_vmbus_driver *ldrv =
		container_of(drv, const struct lis_vmbus_driver, driver);

	if (dev->driver_override)
		return !strcmp(dev->driver_override, drv->name);
	if (dev->hvsock || ldrv->hvsock)
		return dev->hvsock && ldrv->hvsock;
	return lis_match_id(ldrv->id_table, &dev->class_id) != NULL ||
	       lis_dynid_match(drv, &dev->class_id);
}

static int lis_bus_uevent(LIS_UEVENT_DEVICE *d, struct kobj_uevent_env *env)
{
	const struct lis_vmbus_device *dev =
		container_of(d, const struct lis_vmbus_device, dev);

	return add_uevent_var(env, "MODALIAS=vmbus:%*phN", 16, dev->class_id.b);
}

static int lis_bus_probe(struct device *d)
{
	struct lis_vmbus_device *dev = to_lis_vmbus_device(d);
	struct lis_vmbus_driver *drv = to_lis_vmbus_driver(d->driver);
	const struct hv_vmbus_device_id *id;
	static const struct hv_vmbus_device_id none;

	if (!drv->probe)
		return -ENODEV;
	id = lis_match_id(drv->id_table, &dev->class_id);
	/* bound through driver_override or new_id: no table entry */
	return drv->probe(dev, id ? id : &none);
}

static LIS_BUS_REMOVE_TYPE lis_bus_remove(struct device *d)
{
	struct lis_vmbus_device *dev = to_lis_vmbus_device(d);
	struct lis_vmbus_driver *drv = to_lis_vmbus_driver(d->driver);

	if (drv->remove)
		drv->remove(dev);
	LIS_BUS_REMOVE_DONE(0);
}

static void lis_bus_shutdown(struct device *d)
{
	struct lis_vmbus_device *dev = to_lis_vmbus_device(d);
	struct lis_vmbus_driver *drv;

	if (!d->driver)
		return;
	drv = to_lis_vmbus_driver(d->driver);
	if (drv->shutdown)
		drv->shutdown(dev);
}

struct bus_type lis_vmbus_bus = {
	.name = "vmbus",
	.match = lis_bus_match,
	.uevent = lis_bus_uevent,
	.probe = lis_bus_probe,
	.remove = lis_bus_remove,
	.shutdown = lis_bus_shutdown,
	.dev_groups = lis_dev_groups,
};

/* ---- drivers ---- */

int lis_vmbus_driver_register_module(struct lis_vmbus_driver *drv, struct module *owner,
				const char *mod_name)
{
	int ret;

	drv->driver.name = drv->name;
	drv->driver.owner = owner;
	drv->driver.mod_name = mod_name;
	drv->driver.bus = &lis_vmbus_bus;
	ret = driver_register(&drv->driver);
	if (ret)
		return ret;
	ret = driver_create_file(&drv->driver, &lis_drv_attr_new_id);
	if (!ret)
		ret = driver_create_file(&drv->driver, &lis_drv_attr_remove_id);
	if (ret) {
		driver_remove_file(&drv->driver, &lis_drv_attr_new_id);
		driver_unregister(&drv->driver);
	}
	return ret;
}
EXPORT_SYMBOL_GPL(lis_vmbus_driver_register_module);

void lis_vmbus_driver_unregister(struct lis_vmbus_driver *drv)
{
	driver_remove_file(&drv->driver, &lis_drv_attr_remove_id);
	driver_remove_file(&drv->driver, &lis_drv_attr_new_id);
	driver_unregister(&drv->driver);
	lis_dynid_free(&drv->driver);
}
EXPORT_SYMBOL_GPL(lis_vmbus_driver_unregister);

int lis_vmbus_hvsock_connect(const struct lis_guid *endpoint, const struct lis_guid *service)
{
	struct lis_vmbus *vmbus = READ_ONCE(lis_vmbus_conn);

	return vmbus ? lis_vmbus_tl_connect(vmbus, endpoint, service) : -ENODEV;
}
EXPORT_SYMBOL_GPL(lis_vmbus_hvsock_connect);

unsigned int lis_vmbus_pick_cpu(struct lis_vmbus_device *dev, unsigned int index)
{
	unsigned int n = num_online_cpus(), cpu, i = 0;

	index %= n ? n : 1;
	for_each_online_cpu(cpu) {
		if (i++ == index)
			return cpu;
	}
	return cpumask_first(cpu_online_mask);
}
EXPORT_SYMBOL_GPL(lis_vmbus_pick_cpu);

/* ---- devices (called from the offer context) ---- */

static void lis_dev_release(struct device *d)
{
	struct lis_vmbus_device *dev = to_lis_vmbus_device(d);

	kfree(dev->driver_override);
	kfree(dev);
}

int lis_bus_add_channel(struct lis_channel *ch)
{
	struct lis_vmbus_device *dev;
	struct lis_bus_entry *e;
	int ret;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!dev || !e) {
		kfree(dev);
		kfree(e);
		return -ENOMEM;
	}
	dev->channel = ch;
	dev->relid = lis_channel_relid(ch);
	dev->hvsock = lis_channel_offer_flags(ch) & LIS_VMBUS_OFFER_FLAG_TLNPI_PROVIDER;
	memcpy(&dev->class_id, lis_channel_class(ch), sizeof(dev->class_id));
	memcpy(&dev->device_id, lis_channel_instance(ch), sizeof(dev->device_id));
	dev->dev.bus = &lis_vmbus_bus;
	dev->dev.release = lis_dev_release;
	dev_set_name(&dev->dev, "%pUl", dev->device_id.b);
	lis_channel_set_envdata(ch, dev);
	e->dev = dev;

	mutex_lock(&lis_bus_lock);
	list_add_tail(&e->node, &lis_bus_devices);
	mutex_unlock(&lis_bus_lock);

	ret = device_register(&dev->dev);
	if (ret) {
		pr_err("hv_vmbus: cannot register the device of channel %u: %d\n",
		       dev->relid, ret);
		mutex_lock(&lis_bus_lock);
		list_del(&e->node);
		dev->channel = NULL;
		mutex_unlock(&lis_bus_lock);
		lis_channel_set_envdata(ch, NULL);
		kfree(e);
		put_device(&dev->dev);
	}
	return ret;
}

static void lis_bus_drop(struct lis_bus_entry *e)
{
	struct lis_vmbus_device *dev = e->dev;

	/* unbinds the driver, which closes its channels */
	device_unregister(&dev->dev);
	mutex_lock(&lis_bus_lock);
	if (dev->channel)
		lis_channel_set_envdata(dev->channel, NULL);
	dev->channel = NULL;
	mutex_unlock(&lis_bus_lock);
	kfree(e);
}

void lis_bus_remove_channel(struct lis_channel *ch)
{
	struct lis_bus_entry *e, *found = NULL;

	mutex_lock(&lis_bus_lock);
	list_for_each_entry(e, &lis_bus_devices, node) {
		if (e->dev->channel == ch) {
			found = e;
			list_del(&e->node);
			break;
		}
	}
	mutex_unlock(&lis_bus_lock);
	if (found)
		lis_bus_drop(found);
}

void lis_bus_remove_all(void)
{
	struct lis_bus_entry *e;

	for (;;) {
		mutex_lock(&lis_bus_lock);
		e = list_first_entry_or_null(&lis_bus_devices, struct lis_bus_entry, node);
		if (e)
			list_del(&e->node);
		mutex_unlock(&lis_bus_lock);
		if (!e)
			return;
		lis_bus_drop(e);
	}
}
