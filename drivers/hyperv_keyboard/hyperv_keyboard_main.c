// SPDX-License-Identifier: GPL-2.0
/*
 * hyperv_keyboard: the synthetic keyboard as a serio port of type
 * SERIO_8042_XL — what a PC keyboard controller in translated mode looks
 * like — so atkbd binds it and decodes the set-1 byte stream the core makes
 * of each keystroke (key-down/up, E0/E1 prefixes, Unicode typed on a US
 * layout).  The port has no write(): atkbd then neither probes nor sets LEDs
 * (the host keeps the lock-key state), as with the in-tree driver.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/serio.h>
#include <linux/spinlock.h>
#include <lis/vmbus_driver.h>
#include <lis_compat/bus.h>
#include <lis_compat/string.h>
#include "core/kbd_core.h"

struct kbdvsc {
	struct lis_vmbus_device *vdev;
	struct lis_kbd *core;
	struct serio *port;
	spinlock_t lock;	/* port_open, and the port while it is set */
	bool port_open;
};

static void kbdvsc_bytes(void *ctx, const u8 *b, u32 n)
{
	struct kbdvsc *k = ctx;
	unsigned long flags;
	u32 i;

	spin_lock_irqsave(&k->lock, flags);
	if (k->port_open)
		for (i = 0; i < n; i++)
			serio_interrupt(k->port, b[i], 0);
	spin_unlock_irqrestore(&k->lock, flags);
}

static const struct lis_kbd_ops kbdvsc_core_ops = {
	.bytes = kbdvsc_bytes,
};

/* the serio core starts the port once it is registered and stops it before
 * it goes away: keystrokes reach it only meanwhile */
static void kbdvsc_port_set(struct serio *port, bool open)
{
	struct kbdvsc *k = port->port_data;
	unsigned long flags;

	spin_lock_irqsave(&k->lock, flags);
	k->port_open = open;
	spin_unlock_irqrestore(&k->lock, flags);
}

static int kbdvsc_port_start(struct serio *port)
{
	kbdvsc_port_set(port, true);
	return 0;
}

static void kbdvsc_port_stop(struct serio *port)
{
	kbdvsc_port_set(port, false);
}

static int kbdvsc_probe(struct lis_vmbus_device *vdev, const struct hv_vmbus_device_id *id)
{
	struct lis_kbd_config cfg = { .ops = &kbdvsc_core_ops };
	struct serio *port;
	struct kbdvsc *k;
	int ret;

	if (!vdev->channel)
		return -ENODEV;
	k = kzalloc(sizeof(*k), GFP_KERNEL);
	port = kzalloc(sizeof(*port), GFP_KERNEL);
	if (!k || !port) {
		ret = -ENOMEM;
		goto free;
	}
	k->vdev = vdev;
	k->port = port;
	spin_lock_init(&k->lock);
	cfg.ctx = k;
	ret = lis_kbd_open(vdev->channel, &cfg, &k->core);
	if (ret)
		goto free;

	port->id.type = SERIO_8042_XL;
	port->port_data = k;
	port->start = kbdvsc_port_start;
	port->stop = kbdvsc_port_stop;
	port->dev.parent = lis_vmbus_device_dev(vdev);
	strscpy(port->name, "hv_keyboard", sizeof(port->name));
	strscpy(port->phys, dev_name(&vdev->dev), sizeof(port->phys));
	lis_vmbus_set_drvdata(vdev, k);
	lis_kbd_start(k->core);
	/* the serio core owns (and frees) the port from here */
	serio_register_port(port);
	dev_info(&vdev->dev, "hyperv_keyboard: keyboard ready\n");
	return 0;

free:
	kfree(port);
	kfree(k);
	return ret;
}

static void kbdvsc_remove(struct lis_vmbus_device *vdev)
{
	struct kbdvsc *k = lis_vmbus_get_drvdata(vdev);

	if (!k)
		return;
	/* the port is stopped (nothing more reaches it) before it is freed */
	serio_unregister_port(k->port);
	lis_kbd_close(k->core);
	lis_vmbus_set_drvdata(vdev, NULL);
	kfree(k);
}

static const struct hv_vmbus_device_id kbdvsc_id_table[] = {
	{ .guid = LIS_VMBUS_CLASS_GUID(LIS_KBD_CLASS_BYTES) },
	{ },
};
MODULE_DEVICE_TABLE(vmbus, kbdvsc_id_table);

static struct lis_vmbus_driver kbdvsc_driver = {
	.name = "hyperv_keyboard",
	.id_table = kbdvsc_id_table,
	.probe = kbdvsc_probe,
	.remove = kbdvsc_remove,
};

static int __init kbdvsc_init(void)
{
	return lis_vmbus_driver_register(&kbdvsc_driver);
}

static void __exit kbdvsc_exit(void)
{
	lis_vmbus_driver_unregister(&kbdvsc_driver);
}

module_init(kbdvsc_init);
module_exit(kbdvsc_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("LIS synthetic keyboard for Hyper-V");
MODULE_VERSION(LIS_VERSION);
