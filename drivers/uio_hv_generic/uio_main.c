// SPDX-License-Identifier: GPL-2.0
/*
 * uio_hv_generic: a VMBus device given to a userspace driver through UIO.
 * Nothing binds by default: userspace picks the device
 * (/sys/bus/vmbus/devices/<id>/driver_override = uio_hv_generic, then
 * bind).  The maps follow the in-tree driver's numbering and names; every
 * mmap is checked by the core (known region, inside it, page-aligned,
 * MAP_SHARED, never executable) and only those pages are inserted.
 * Reading the device file waits for the host's signal; writing 1 enables
 * the host's interrupts again and kicks the host, 0 masks them.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <linux/uio_driver.h>
#include <lis/vmbus_driver.h>
#include <lis_compat/mm.h>
#include "core/uio_core.h"

static unsigned int ring_size = 512;
module_param(ring_size, uint, 0444);
MODULE_PARM_DESC(ring_size, "ring size in 4 KiB pages, each direction (control page included)");

/* the netvsc class: DPDK's PMD wants receive and send buffers */
static const struct lis_guid hv_uio_nic = { .b = {
	0x63, 0x51, 0x61, 0xf8, 0x3e, 0xdf, 0xc5, 0x46,
	0x91, 0x3f, 0xf2, 0xd2, 0xf9, 0x65, 0xed, 0x0e } };
#define HV_UIO_BUF_BYTES	(16u << 20)

struct hv_uio {
	struct uio_info info;
	struct lis_uio *core;
};

static void hv_uio_notify(void *ctx)
{
	struct hv_uio *h = ctx;

	uio_event_notify(&h->info);
}

static int hv_uio_irqcontrol(struct uio_info *info, s32 on)
{
	struct hv_uio *h = info->priv;

	lis_uio_irq_control(h->core, on != 0);
	return 0;
}

static int hv_uio_mmap(struct uio_info *info, struct vm_area_struct *vma)
{
	struct hv_uio *h = info->priv;
	unsigned long len = vma->vm_end - vma->vm_start, off;
	void *va;
	int ret;

	/* vm_pgoff is the map number; every map starts at its first byte */
	ret = lis_uio_check_map(h->core, vma->vm_pgoff, 0, len, vma->vm_flags & VM_SHARED,
				vma->vm_flags & VM_EXEC, &va);
	if (ret)
		return ret;
	lis_vma_forbid_exec(vma);
	for (off = 0; off < len; off += PAGE_SIZE) {
		void *p = (u8 *)va + off;
		struct page *page = is_vmalloc_addr(p) ? vmalloc_to_page(p) : virt_to_page(p);

		ret = vm_insert_page(vma, vma->vm_start + off, page);
		if (ret)
			return ret;
	}
	return 0;
}

static int hv_uio_probe(struct lis_vmbus_device *vdev, const struct hv_vmbus_device_id *id)
{
	struct lis_uio_config cfg = { 0 };
	const struct lis_uio_region *r;
	struct hv_uio *h;
	unsigned int i;
	int ret;

	if (!ring_size || ring_size > 16384)
		return -EINVAL;
	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	cfg.ch = vdev->channel;
	cfg.ring_bytes = ring_size * LIS_HV_PAGE_SIZE;
	if (!memcmp(&vdev->class_id, &hv_uio_nic, sizeof(hv_uio_nic)))
		cfg.buf_bytes = HV_UIO_BUF_BYTES;
	cfg.notify = hv_uio_notify;
	cfg.ctx = h;
	ret = lis_uio_create(&cfg, &h->core);
	if (ret)
		goto free;
	h->info.name = "uio_hv_generic";
	h->info.version = LIS_VERSION;
	h->info.irq = UIO_IRQ_CUSTOM;
	h->info.irqcontrol = hv_uio_irqcontrol;
	h->info.mmap = hv_uio_mmap;
	h->info.priv = h;
	for (i = 0; i < LIS_UIO_MAPS && i < MAX_UIO_MAPS; i++) {
		r = lis_uio_region(h->core, i);
		if (!r)
			continue;
		h->info.mem[i].name = r->name;
		h->info.mem[i].addr = (phys_addr_t)(uintptr_t)r->va;
		h->info.mem[i].size = r->bytes;
		h->info.mem[i].memtype = UIO_MEM_VIRTUAL;
	}
	lis_vmbus_set_drvdata(vdev, h);
	ret = uio_register_device(&vdev->dev, &h->info);
	if (ret) {
		dev_err(&vdev->dev, "cannot register the uio device: %d\n", ret);
		goto destroy;
	}
	return 0;
destroy:
	lis_vmbus_set_drvdata(vdev, NULL);
	lis_uio_destroy(h->core);
free:
	kfree(h);
	return ret;
}

static void hv_uio_remove(struct lis_vmbus_device *vdev)
{
	struct hv_uio *h = lis_vmbus_get_drvdata(vdev);

	uio_unregister_device(&h->info);
	lis_uio_destroy(h->core);
	lis_vmbus_set_drvdata(vdev, NULL);
	kfree(h);
}

/* nothing by default: userspace chooses the device (driver_override) */
static const struct hv_vmbus_device_id hv_uio_id_table[] = {
	{ },
};

static struct lis_vmbus_driver hv_uio_driver = {
	.name = "uio_hv_generic",
	.id_table = hv_uio_id_table,
	.probe = hv_uio_probe,
	.remove = hv_uio_remove,
};

static int __init hv_uio_init(void)
{
	return lis_vmbus_driver_register(&hv_uio_driver);
}

static void __exit hv_uio_exit(void)
{
	lis_vmbus_driver_unregister(&hv_uio_driver);
}

module_init(hv_uio_init);
module_exit(hv_uio_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("LIS: generic UIO driver for VMBus devices");
MODULE_AUTHOR("LIS project");
MODULE_VERSION(LIS_VERSION);
