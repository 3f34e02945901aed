// SPDX-License-Identifier: GPL-2.0
/*
 * pci-hyperv: one PCI root bus (its own PCI domain) per Hyper-V vPCI channel,
 * carrying the functions the host passes through — SR-IOV virtual functions
 * (Azure accelerated networking), NVMe disks, GPUs.  The portable core
 * speaks the protocol; this glue maps the config window, gives each
 * function MMIO windows for its BARs, builds the host bridge and its MSI
 * domain (pcihv_msi.c), and adds and removes pci_devs as the host's bus
 * relations and ejects say.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/io.h>
#include <linux/pci.h>
#include <linux/bitmap.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>
#include <lis_compat/bus.h>
#include "pcihv_glue.h"

static unsigned int timeout_ms;
module_param(timeout_ms, uint, 0444);
MODULE_PARM_DESC(timeout_ms, "how long to wait for the host to answer (0: 10000 ms)");

/* PCI domains our buses use (65536 bits); domain 0 is the firmware's */
static DECLARE_BITMAP(pcihv_domains, 65536);
static DEFINE_MUTEX(pcihv_domain_lock);

#define PCIHV_4G	0x100000000ull

static int pcihv_domain_get(u16 want)
{
	unsigned int i, d;
	int ret = -ENOSPC;

	mutex_lock(&pcihv_domain_lock);
	for (i = 0; i < 65536; i++) {
		d = (want + i) & 0xFFFF;
		if (d && !test_bit(d, pcihv_domains)) {
			set_bit(d, pcihv_domains);
			ret = d;
			break;
		}
	}
	mutex_unlock(&pcihv_domain_lock);
	return ret;
}

static void pcihv_domain_put(int d)
{
	mutex_lock(&pcihv_domain_lock);
	clear_bit(d, pcihv_domains);
	mutex_unlock(&pcihv_domain_lock);
}

/* ---- the config window and PCI config ops ---- */

static u32 pcihv_cfg_read(void *ctx, u32 offset, u32 size)
{
	struct pcihv_bus *hb = ctx;

	switch (size) {
	case 1:
		return readb(hb->cfg + offset);
	case 2:
		return readw(hb->cfg + offset);
	default:
		return readl(hb->cfg + offset);
	}
}

static void pcihv_cfg_write(void *ctx, u32 offset, u32 size, u32 value)
{
	struct pcihv_bus *hb = ctx;

	switch (size) {
	case 1:
		writeb(value, hb->cfg + offset);
		break;
	case 2:
		writew(value, hb->cfg + offset);
		break;
	default:
		writel(value, hb->cfg + offset);
		break;
	}
}

static struct pcihv_bus *pcihv_from_bus(struct pci_bus *bus)
{
	return container_of((struct pci_sysdata *)bus->sysdata, struct pcihv_bus, sysdata);
}

static int pcihv_pci_read(struct pci_bus *bus, unsigned int devfn, int where, int size,
			  u32 *val)
{
	int ret = lis_vpci_cfg_read(pcihv_from_bus(bus)->core, (u8)devfn, where, size, val);

	return ret == -ENODEV ? PCIBIOS_DEVICE_NOT_FOUND :
	       ret ? PCIBIOS_BAD_REGISTER_NUMBER : PCIBIOS_SUCCESSFUL;
}

static int pcihv_pci_write(struct pci_bus *bus, unsigned int devfn, int where, int size,
			   u32 val)
{
	int ret = lis_vpci_cfg_write(pcihv_from_bus(bus)->core, (u8)devfn, where, size, val);

	return ret == -ENODEV ? PCIBIOS_DEVICE_NOT_FOUND :
	       ret ? PCIBIOS_BAD_REGISTER_NUMBER : PCIBIOS_SUCCESSFUL;
}

static struct pci_ops pcihv_pci_ops = {
	.read = pcihv_pci_read,
	.write = pcihv_pci_write,
};

/* ---- MMIO windows for BARs ---- */

static void pcihv_window_free(struct pcihv_window *w)
{
	resource_size_t start = w->mmio->start, size = resource_size(w->mmio);

	release_resource(&w->res);
	lis_vmbus_mmio_free(start, size);
	w->mmio = NULL;
	w->owner = NULL;
}

/* a new window for a function's BARs of one kind; 64-bit BARs go above
 * 4 GiB when the host left room there */
static struct pcihv_window *pcihv_window_new(struct pcihv_bus *hb, u64 size, u64 align,
					     bool bar64)
{
	struct pcihv_window *w = NULL;
	struct resource *mmio = NULL;
	unsigned int i;
	int ret = -ENOSPC;

	for (i = 0; i < PCIHV_MAX_WINDOWS && !w; i++) {
		if (!hb->windows[i].mmio)
			w = &hb->windows[i];
	}
	if (!w)
		return NULL;
	if (bar64)
		ret = lis_vmbus_mmio_alloc(&mmio, hb->vdev, PCIHV_4G, (resource_size_t)-1,
					   size, align, false);
	if (ret)
		ret = lis_vmbus_mmio_alloc(&mmio, hb->vdev, 0, PCIHV_4G - 1, size, align, false);
	if (ret)
		return NULL;
	memset(&w->res, 0, sizeof(w->res));
	w->res.name = hb->win_name;
	w->res.flags = IORESOURCE_MEM | (bar64 ? IORESOURCE_MEM_64 : 0);
	w->res.start = mmio->start;
	w->res.end = mmio->start + size - 1;
	if (request_resource(mmio, &w->res)) {
		lis_vmbus_mmio_free(mmio->start, resource_size(mmio));
		return NULL;
	}
	w->mmio = mmio;
	w->bar64 = bar64;
	return w;
}

/* a window the bus already has, free and large enough (a function that
 * came back after an eject: the root bus's windows cannot change) */
static struct pcihv_window *pcihv_window_reuse(struct pcihv_bus *hb, u64 size, u64 align,
					       bool bar64)
{
	unsigned int i;

	for (i = 0; i < PCIHV_MAX_WINDOWS; i++) {
		struct pcihv_window *w = &hb->windows[i];

		if (w->mmio && !w->owner && w->bar64 == bar64 &&
		    resource_size(&w->res) >= size && !(w->res.start & (align - 1)))
			return w;
	}
	return NULL;
}

/* lay the function's BARs out in windows of the bus */
static int pcihv_place_bars(struct pcihv_bus *hb, struct lis_vpci_func *f, bool live)
{
	struct pcihv_window *w;
	u64 size, align;
	int kind, ret = 0;

	mutex_lock(&hb->win_lock);
	for (kind = 0; kind < 2 && !ret; kind++) {
		size = lis_vpci_func_mmio_size(f, kind, &align);
		if (!size)
			continue;
		w = pcihv_window_reuse(hb, size, align, kind);
		if (!w && live) {
			dev_err(&hb->vdev->dev,
				"%02x.%x needs %llu bytes of MMIO the bus has no window for\n",
				f->devfn >> 3, f->devfn & 7, size);
			ret = -ENOSPC;
			break;
		}
		if (!w)
			w = pcihv_window_new(hb, size, align, kind);
		if (!w) {
			dev_err(&hb->vdev->dev, "no MMIO for the BARs of %02x.%x (%llu bytes)\n",
				f->devfn >> 3, f->devfn & 7, size);
			ret = -ENOSPC;
			break;
		}
		ret = lis_vpci_func_place(f, kind, w->res.start);
		if (!ret) {
			w->owner = f;
			if (!live)
				pci_add_resource(&hb->bridge->windows, &w->res);
		}
	}
	mutex_unlock(&hb->win_lock);
	return ret;
}

static void pcihv_release_windows(struct pcihv_bus *hb, struct lis_vpci_func *f)
{
	unsigned int i;

	mutex_lock(&hb->win_lock);
	for (i = 0; i < PCIHV_MAX_WINDOWS; i++) {
		if (hb->windows[i].owner == f)
			hb->windows[i].owner = NULL;
	}
	mutex_unlock(&hb->win_lock);
}

/* ---- functions coming and going (core callbacks) ---- */

static void pcihv_kick(void *ctx)
{
	struct pcihv_bus *hb = ctx;

	if (!READ_ONCE(hb->dying))
		queue_work(hb->wq, &hb->work);
}

static void pcihv_work(struct work_struct *w)
{
	struct pcihv_bus *hb = container_of(w, struct pcihv_bus, work);

	if (hb->core)
		lis_vpci_work(hb->core);
}

/* what the rest of the system sees of a function: its NUMA node, and a
 * slot named by its serial number (netvsc pairs a VF with its synthetic
 * NIC by that name) */
static void pcihv_func_visible(struct pcihv_bus *hb, struct lis_vpci_func *f,
			       struct pcihv_func *pf)
{
	struct pci_dev *pdev = pci_get_slot(hb->bus, f->devfn);
	char name[16];

	if (pdev) {
		if (f->numa_node >= 0 && f->numa_node < nr_node_ids &&
		    node_online(f->numa_node))
			set_dev_node(&pdev->dev, f->numa_node);
		pci_dev_put(pdev);
	}
	if (!pf->slot && !PCI_FUNC(f->devfn)) {
		snprintf(name, sizeof(name), "%u", f->serial);
		pf->slot = pci_create_slot(hb->bus, PCI_SLOT(f->devfn), name, NULL);
		if (IS_ERR(pf->slot)) {
			dev_warn(&hb->vdev->dev, "no slot %s for %02x.%x: %ld\n", name,
				 f->devfn >> 3, f->devfn & 7, PTR_ERR(pf->slot));
			pf->slot = NULL;
		}
	}
}

static int pcihv_added(void *ctx, struct lis_vpci_func *f)
{
	struct pcihv_bus *hb = ctx;
	bool live = hb->bus != NULL;
	struct pcihv_func *pf;
	int ret;

	pf = kzalloc(sizeof(*pf), GFP_KERNEL);
	if (!pf)
		return -ENOMEM;
	f->priv = pf;
	ret = pcihv_place_bars(hb, f, live);
	if (!ret)
		ret = lis_vpci_func_enable(f);
	if (ret) {
		pcihv_release_windows(hb, f);
		f->priv = NULL;
		kfree(pf);
		return ret;
	}
	if (!live)
		return 0;	/* the first scan finds it */
	pci_lock_rescan_remove();
	if (pci_scan_single_device(hb->bus, f->devfn)) {
		pci_bus_assign_resources(hb->bus);
		pcihv_func_visible(hb, f, pf);
		pci_bus_add_devices(hb->bus);
	}
	pci_unlock_rescan_remove();
	return 0;
}

static void pcihv_removed(void *ctx, struct lis_vpci_func *f)
{
	struct pcihv_bus *hb = ctx;
	struct pcihv_func *pf = f->priv;
	struct pci_dev *pdev;

	if (hb->bus) {
		pci_lock_rescan_remove();
		pdev = pci_get_slot(hb->bus, f->devfn);
		if (pdev) {
			pci_stop_and_remove_bus_device(pdev);
			pci_dev_put(pdev);
		}
		if (pf && pf->slot)
			pci_destroy_slot(pf->slot);
		pci_unlock_rescan_remove();
	}
	pcihv_release_windows(hb, f);
	f->priv = NULL;
	kfree(pf);
}

static const struct lis_vpci_ops pcihv_core_ops = {
	.cfg_read = pcihv_cfg_read,
	.cfg_write = pcihv_cfg_write,
	.kick = pcihv_kick,
	.added = pcihv_added,
	.removed = pcihv_removed,
};

/* ---- the bus ---- */

static void pcihv_free_windows(struct pcihv_bus *hb)
{
	unsigned int i;

	for (i = 0; i < PCIHV_MAX_WINDOWS; i++) {
		if (hb->windows[i].mmio)
			pcihv_window_free(&hb->windows[i]);
	}
}

/* the root bus, with every function the host showed at probe */
static int pcihv_scan(struct pcihv_bus *hb)
{
	struct lis_vpci_func *f;
	unsigned int devfn;
	int ret;

	hb->bridge->dev.parent = &hb->vdev->dev;
	hb->bridge->sysdata = &hb->sysdata;
	hb->bridge->busnr = 0;
	hb->bridge->ops = &pcihv_pci_ops;
	pci_lock_rescan_remove();
	ret = pci_scan_root_bus_bridge(hb->bridge);
	if (!ret) {
		hb->bus = hb->bridge->bus;
		pci_bus_assign_resources(hb->bus);
		for (devfn = 0; devfn < 256; devfn++) {
			f = lis_vpci_find(hb->core, devfn);
			if (f && f->priv)
				pcihv_func_visible(hb, f, f->priv);
		}
		pci_bus_add_devices(hb->bus);
	}
	pci_unlock_rescan_remove();
	return ret;
}

static int pcihv_probe(struct lis_vmbus_device *vdev, const struct hv_vmbus_device_id *id)
{
	const u8 *inst = vdev->device_id.b;
	struct lis_vpci_config cfg = { 0 };
	struct pcihv_bus *hb;
	int ret;

	hb = kzalloc(sizeof(*hb), GFP_KERNEL);
	if (!hb)
		return -ENOMEM;
	hb->vdev = vdev;
	hb->vmbus = lis_channel_vmbus(vdev->channel);
	mutex_init(&hb->win_lock);
	INIT_WORK(&hb->work, pcihv_work);
	/* the domain Linux guests use for this bus: bytes 4 and 5 of the
	 * instance GUID, or the next free one */
	hb->domain = pcihv_domain_get((u16)(inst[5] << 8 | inst[4]));
	if (hb->domain < 0) {
		ret = hb->domain;
		goto free;
	}
	if (hb->domain != (inst[5] << 8 | inst[4]))
		dev_info(&vdev->dev, "PCI domain %04x is taken; using %04x\n",
			 inst[5] << 8 | inst[4], hb->domain);
	hb->sysdata.domain = hb->domain;
	hb->sysdata.node = NUMA_NO_NODE;
	snprintf(hb->win_name, sizeof(hb->win_name), "PCI Bus %04x:00", hb->domain);

	ret = -ENOMEM;
	hb->wq = alloc_ordered_workqueue("pcihv_%04x", 0, hb->domain);
	hb->bridge = pci_alloc_host_bridge(0);
	if (!hb->wq || !hb->bridge)
		goto free_domain;

	ret = lis_vmbus_mmio_alloc(&hb->cfg_mmio, vdev, 0, (resource_size_t)-1,
				   LIS_VPCI_CFG_WINDOW_SIZE, PAGE_SIZE, false);
	if (ret) {
		dev_err(&vdev->dev, "no MMIO for the config window: %d\n", ret);
		goto free_domain;
	}
	hb->cfg = ioremap(hb->cfg_mmio->start, LIS_VPCI_CFG_WINDOW_SIZE);
	if (!hb->cfg) {
		ret = -ENOMEM;
		goto free_cfg;
	}
	lis_vmbus_set_drvdata(vdev, hb);

	cfg.ch = vdev->channel;
	cfg.ops = &pcihv_core_ops;
	cfg.ctx = hb;
	cfg.cfg_window_gpa = hb->cfg_mmio->start;
	cfg.timeout_ms = timeout_ms;
	ret = lis_vpci_create(&cfg, &hb->core);
	if (ret)
		goto unmap;
	/* relations that came while hb->core was being set */
	queue_work(hb->wq, &hb->work);

	ret = pcihv_msi_init(hb);
	if (ret)
		goto destroy;
	lis_vpci_start(hb->core);
	ret = pcihv_scan(hb);
	if (ret)
		goto destroy;
	dev_info(&vdev->dev, "PCI domain %04x on vPCI %u.%u\n", hb->domain,
		 lis_vpci_version(hb->core) >> 16, lis_vpci_version(hb->core) & 0xFFFF);
	return 0;

destroy:
	WRITE_ONCE(hb->dying, true);
	cancel_work_sync(&hb->work);
	lis_vpci_destroy(hb->core, true);
	hb->core = NULL;
	pcihv_msi_exit(hb);
	pcihv_free_windows(hb);
unmap:
	iounmap(hb->cfg);
free_cfg:
	lis_vmbus_mmio_free(hb->cfg_mmio->start, LIS_VPCI_CFG_WINDOW_SIZE);
free_domain:
	if (hb->bridge)
		pci_free_host_bridge(hb->bridge);
	if (hb->wq)
		destroy_workqueue(hb->wq);
	pcihv_domain_put(hb->domain);
free:
	lis_vmbus_set_drvdata(vdev, NULL);
	kfree(hb);
	return ret;
}

static void pcihv_remove(struct lis_vmbus_device *vdev)
{
	struct pcihv_bus *hb = lis_vmbus_get_drvdata(vdev);

	WRITE_ONCE(hb->dying, true);
	cancel_work_sync(&hb->work);
	if (hb->bus) {
		/* every pci_dev goes, and with it its interrupts */
		pci_lock_rescan_remove();
		pci_stop_root_bus(hb->bus);
		pci_remove_root_bus(hb->bus);
		pci_unlock_rescan_remove();
		hb->bus = NULL;
	}
	/* RESOURCES_RELEASED, D0 exit, close; frees each function's slot */
	lis_vpci_destroy(hb->core, true);
	pcihv_msi_exit(hb);
	pcihv_free_windows(hb);
	iounmap(hb->cfg);
	lis_vmbus_mmio_free(hb->cfg_mmio->start, LIS_VPCI_CFG_WINDOW_SIZE);
	destroy_workqueue(hb->wq);
	pcihv_domain_put(hb->domain);
	lis_vmbus_set_drvdata(vdev, NULL);
	kfree(hb);
}

static const struct hv_vmbus_device_id pcihv_id_table[] = {
	{ .guid = LIS_VMBUS_CLASS_GUID(LIS_VPCI_CLASS_BYTES) },
	{ },
};
MODULE_DEVICE_TABLE(vmbus, pcihv_id_table);

static struct lis_vmbus_driver pcihv_driver = {
	.name = "hv_pci",
	.id_table = pcihv_id_table,
	.probe = pcihv_probe,
	.remove = pcihv_remove,
};

static int __init pcihv_init(void)
{
	return lis_vmbus_driver_register(&pcihv_driver);
}

static void __exit pcihv_exit(void)
{
	lis_vmbus_driver_unregister(&pcihv_driver);
}

module_init(pcihv_init);
module_exit(pcihv_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("LIS: Hyper-V PCI pass-through bus (vPCI)");
MODULE_AUTHOR("LIS project");
MODULE_VERSION(LIS_VERSION);
