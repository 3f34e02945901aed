/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Driver-core shims: the bus_type callback signatures that changed.
 * Keyed only on HAVE_* from kernel-compat/probes/core.
 */
#ifndef LIS_COMPAT_BUS_H
#define LIS_COMPAT_BUS_H

#include <linux/device.h>

/* 5.15: bus_type.remove returns void */
#ifdef HAVE_BUS_REMOVE_VOID
#define LIS_BUS_REMOVE_TYPE		void
#define LIS_BUS_REMOVE_DONE(ret)	do { (void)(ret); return; } while (0)
#else
#define LIS_BUS_REMOVE_TYPE		int
#define LIS_BUS_REMOVE_DONE(ret)	return (ret)
/* 3.11: DEVICE_ATTR_RO/RW and ATTRIBUTE_GROUPS (defined as macros) */
#ifndef DEVICE_ATTR_RO
#define DEVICE_ATTR_RO(_name) \
	struct device_attribute dev_attr_##_name = __ATTR_RO(_name)
#endif
#ifndef DEVICE_ATTR_RW
#define DEVICE_ATTR_RW(_name) \
	struct device_attribute dev_attr_##_name = \
		__ATTR(_name, 0644, _name##_show, _name##_store)
#endif
#ifndef ATTRIBUTE_GROUPS
#define ATTRIBUTE_GROUPS(_name)						\
	static const struct attribute_group _name##_group = {		\
		.attrs = _name##_attrs,					\
	};								\
	static const struct attribute_group *_name##_groups[] = {	\
		&_name##_group,						\
		NULL,							\
	}
#endif

#endif

/* 6.3: bus_type.uevent takes a const struct device * */
#ifdef HAVE_BUS_UEVENT_CONST
#define LIS_UEVENT_DEVICE		const struct device
#else
#define LIS_UEVENT_DEVICE		struct device
/* 3.11: DEVICE_ATTR_RO/RW and ATTRIBUTE_GROUPS (defined as macros) */
#ifndef DEVICE_ATTR_RO
#define DEVICE_ATTR_RO(_name) \
	struct device_attribute dev_attr_##_name = __ATTR_RO(_name)
#endif
#ifndef DEVICE_ATTR_RW
#define DEVICE_ATTR_RW(_name) \
	struct device_attribute dev_attr_##_name = \
		__ATTR(_name, 0644, _name##_show, _name##_store)
#endif
#ifndef ATTRIBUTE_GROUPS
#define ATTRIBUTE_GROUPS(_name)						\
	static const struct attribute_group _name##_group = {		\
		.attrs = _name##_attrs,					\
	};								\
	static const struct attribute_group *_name##_groups[] = {	\
		&_name##_group,						\
		NULL,							\
	}
#endif

#endif

/* 6.11: bus_type.match takes a const struct device_driver * */
#ifdef HAVE_BUS_MATCH_CONST_DRV
#define LIS_MATCH_DRIVER		const struct device_driver
#else
#define LIS_MATCH_DRIVER		struct device_driver
/* 3.11: DEVICE_ATTR_RO/RW and ATTRIBUTE_GROUPS (defined as macros) */
#ifndef DEVICE_ATTR_RO
#define DEVICE_ATTR_RO(_name) \
	struct device_attribute dev_attr_##_name = __ATTR_RO(_name)
#endif
#ifndef DEVICE_ATTR_RW
#define DEVICE_ATTR_RW(_name) \
	struct device_attribute dev_attr_##_name = \
		__ATTR(_name, 0644, _name##_show, _name##_store)
#endif
#ifndef ATTRIBUTE_GROUPS
#define ATTRIBUTE_GROUPS(_name)						\
	static const struct attribute_group _name##_group = {		\
		.attrs = _name##_attrs,					\
	};								\
	static const struct attribute_group *_name##_groups[] = {	\
		&_name##_group,						\
		NULL,							\
	}
#endif

#endif

/* 3.11: DEVICE_ATTR_RO/RW and ATTRIBUTE_GROUPS (defined as macros) */
#ifndef DEVICE_ATTR_RO
#define DEVICE_ATTR_RO(_name) \
	struct device_attribute dev_attr_##_name = __ATTR_RO(_name)
#endif
#ifndef DEVICE_ATTR_RW
#define DEVICE_ATTR_RW(_name) \
	struct device_attribute dev_attr_##_name = \
		__ATTR(_name, 0644, _name##_show, _name##_store)
#endif
#ifndef ATTRIBUTE_GROUPS
#define ATTRIBUTE_GROUPS(_name)						\
	static const struct attribute_group _name##_group = {		\
		.attrs = _name##_attrs,					\
	};								\
	static const struct attribute_group *_name##_groups[] = {	\
		&_name##_group,						\
		NULL,							\
	}
#endif

/*
 * A vmbus device-id table entry's class GUID, from its 16 wire bytes.  4.13
 * made hv_vmbus_device_id.guid a guid_t (.b[16]); before it was uuid_le
 * (also .b[16]) or, in the oldest kernels, a bare byte array.
 */
#ifdef HAVE_VMBUS_DEVICE_ID_GUID
#define LIS_VMBUS_CLASS_GUID(...)	{ .b = { __VA_ARGS__ } }
#else
#define LIS_VMBUS_CLASS_GUID(...)	{ __VA_ARGS__ }
#endif

#endif
