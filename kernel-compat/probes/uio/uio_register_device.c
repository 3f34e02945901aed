/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 2.6.23: the UIO framework (uio_register_device, uio_event_notify, custom
 * mmap and irqcontrol in struct uio_info), when the kernel has CONFIG_UIO —
 * uio_hv_generic needs it (3.x made uio_register_device() a macro around
 * __uio_register_device() with the owner module).
 * lis-export: __uio_register_device uio_unregister_device uio_event_notify
 */
#include <linux/uio_driver.h>

LIS_PROBE(uio_register_device)
{
	static struct uio_info info = { .irq = UIO_IRQ_CUSTOM };

	if (!uio_register_device(NULL, &info)) {
		uio_event_notify(&info);
		uio_unregister_device(&info);
	}
}
