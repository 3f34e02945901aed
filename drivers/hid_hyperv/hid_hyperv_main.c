// SPDX-License-Identifier: GPL-2.0
/*
 * hid_hyperv: the synthetic mouse as a HID device.  The core does the
 * SynthHID handshake and hands over the host's report descriptor and raw
 * input reports; the kernel's HID core parses the descriptor (hid-input
 * makes the input device from it, so whatever layout the host describes
 * works) and decodes the reports.  Named and numbered as the in-tree driver
 * ("Microsoft Vmbus HID-compliant Mouse", BUS_VIRTUAL), so udev and X/
 * libinput treat it the same.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/hid.h>
#include <lis/vmbus_driver.h>
#include <lis_compat/bus.h>
#include <lis_compat/input.h>
#include <lis_compat/string.h>
#include "core/mouse_core.h"

struct mousevsc {
	struct lis_vmbus_device *vdev;
	struct lis_mouse *core;
	struct hid_device *hid;
	struct lis_mouse_info info;
};

static void mousevsc_report(void *ctx, const u8 *report, u32 len)
{
	struct mousevsc *m = ctx;
	u8 buf[LIS_HID_MAX_INPUT_REPORT];

	/* the core checked len against the descriptor's largest report */
	if (WARN_ON_ONCE(len > sizeof(buf)))
		return;
	/* the HID core may write into the report (it pads short ones) */
	memcpy(buf, report, len);
	hid_input_report(m->hid, HID_INPUT_REPORT, buf, len, 1);
}

static const struct lis_mouse_ops mousevsc_core_ops = {
	.input_report = mousevsc_report,
};

/* ---- the HID transport ---- */

static int mousevsc_parse(struct hid_device *hid)
{
	struct mousevsc *m = hid->driver_data;

	return hid_parse_report(hid, (u8 *)m->info.rdesc, m->info.rdesc_len);
}

static int mousevsc_start(struct hid_device *hid)
{
	return 0;
}

static void mousevsc_stop(struct hid_device *hid)
{
}

static int mousevsc_open(struct hid_device *hid)
{
	return 0;
}

static void mousevsc_close(struct hid_device *hid)
{
}

#ifdef HAVE_HID_LL_RAW_REQUEST
/* the host offers no GET/SET_REPORT */
static int mousevsc_raw_request(struct hid_device *hid, unsigned char reportnum, __u8 *buf,
				size_t len, unsigned char rtype, int reqtype)
{
	return -EIO;
}
#endif

static struct hid_ll_driver mousevsc_ll_driver = {
	.parse = mousevsc_parse,
	.start = mousevsc_start,
	.stop = mousevsc_stop,
	.open = mousevsc_open,
	.close = mousevsc_close,
	LIS_HID_LL_RAW_REQUEST(mousevsc_raw_request)
};

/* Hyper-V's own IDs (OpenVMM's emulated device has them too): bound here,
 * with the HID core's default handling, so no hid-generic is needed for
 * them; another vendor's IDs go to hid-generic */
#define MOUSEVSC_VENDOR		0x045E
#define MOUSEVSC_PRODUCT	0x0621

static const struct hid_device_id mousevsc_hid_ids[] = {
	{ HID_DEVICE(BUS_VIRTUAL, HID_GROUP_ANY, MOUSEVSC_VENDOR, MOUSEVSC_PRODUCT) },
	{ }
};
MODULE_DEVICE_TABLE(hid, mousevsc_hid_ids);

static struct hid_driver mousevsc_hid_driver = {
	.name = "hid_hyperv",
	.id_table = mousevsc_hid_ids,
};

static int mousevsc_probe(struct lis_vmbus_device *vdev, const struct hv_vmbus_device_id *id)
{
	struct lis_mouse_config cfg = { .ops = &mousevsc_core_ops };
	struct hid_device *hid;
	struct mousevsc *m;
	int ret;

	if (!vdev->channel)
		return -ENODEV;
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	m->vdev = vdev;
	cfg.ctx = m;
	ret = lis_mouse_open(vdev->channel, &cfg, &m->core);
	if (ret)
		goto free;
	lis_mouse_get_info(m->core, &m->info);

	hid = hid_allocate_device();
	if (IS_ERR(hid)) {
		ret = PTR_ERR(hid);
		goto close;
	}
	hid->ll_driver = &mousevsc_ll_driver;
	hid->driver_data = m;
	hid->dev.parent = lis_vmbus_device_dev(vdev);
	hid->bus = BUS_VIRTUAL;
	hid->vendor = m->info.vendor;
	hid->product = m->info.product;
	hid->version = m->info.version;
	hid->country = m->info.country;
	strscpy(hid->name, "Microsoft Vmbus HID-compliant Mouse", sizeof(hid->name));
	strscpy(hid->phys, dev_name(&vdev->dev), sizeof(hid->phys));
	m->hid = hid;

	ret = hid_add_device(hid);
	if (ret) {
		dev_err(&vdev->dev, "hid_hyperv: the HID core refused the device (%d)\n", ret);
		goto destroy;
	}
	lis_vmbus_set_drvdata(vdev, m);
	lis_mouse_start(m->core);
	dev_info(&vdev->dev, "hid_hyperv: mouse %04x:%04x, %u-byte report descriptor\n",
		 m->info.vendor, m->info.product, m->info.rdesc_len);
	return 0;

destroy:
	hid_destroy_device(hid);
close:
	lis_mouse_close(m->core);
free:
	kfree(m);
	return ret;
}

static void mousevsc_remove(struct lis_vmbus_device *vdev)
{
	struct mousevsc *m = lis_vmbus_get_drvdata(vdev);

	if (!m)
		return;
	/* no report reaches the HID device once the channel is closed */
	lis_mouse_close(m->core);
	hid_destroy_device(m->hid);
	lis_vmbus_set_drvdata(vdev, NULL);
	kfree(m);
}

static const struct hv_vmbus_device_id mousevsc_id_table[] = {
	{ .guid = LIS_VMBUS_CLASS_GUID(LIS_HID_CLASS_MOUSE_BYTES) },
	{ },
};
MODULE_DEVICE_TABLE(vmbus, mousevsc_id_table);

static struct lis_vmbus_driver mousevsc_driver = {
	.name = "hid_hyperv",
	.id_table = mousevsc_id_table,
	.probe = mousevsc_probe,
	.remove = mousevsc_remove,
};

static int __init mousevsc_init(void)
{
	int ret = hid_register_driver(&mousevsc_hid_driver);

	if (ret)
		return ret;
	ret = lis_vmbus_driver_register(&mousevsc_driver);
	if (ret)
		hid_unregister_driver(&mousevsc_hid_driver);
	return ret;
}

static void __exit mousevsc_exit(void)
{
	lis_vmbus_driver_unregister(&mousevsc_driver);
	hid_unregister_driver(&mousevsc_hid_driver);
}

module_init(mousevsc_init);
module_exit(mousevsc_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("LIS synthetic mouse (HID) for Hyper-V");
MODULE_VERSION(LIS_VERSION);
