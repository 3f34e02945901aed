// SPDX-License-Identifier: GPL-2.0
/*
 * hv_storvsc: binds the synthetic SCSI controller and the IDE accelerator
 * classes on the LIS VMBus, brings each controller up through the portable
 * core, and registers a SCSI host shaped by the host's properties, numbered
 * and placed in sysfs as the in-tree driver does (so udev rules such as
 * Azure's /dev/disk/azure ones, and fstab entries, keep working):
 *  - the Scsi_Host is a child of the vmbus device (ATTRS{device_id});
 *  - SCSI controllers: channels 0-7 (SRB PathId), targets 0-1, LUNs 0-254;
 *  - IDE: channel 0, the target from instance GUID bytes 4-5, LUN 0.
 * The emulated IDE controller (ata_piix) keeps the DVD drive.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/cpumask.h>
#include <linux/slab.h>
#include <lis_compat/bus.h>
#include "storvsc_glue.h"

#define STOR_KIND_SCSI		0
#define STOR_KIND_IDE		1

#define STOR_SCSI_MAX_CHANNELS	8
#define STOR_SCSI_MAX_TARGETS	2
#define STOR_SCSI_MAX_LUNS	255
#define STOR_IDE_MAX_LUNS	64
#define STOR_MAX_CMD_PER_LUN	2048
/* room per command in a ring: descriptor, range, ~32 pages, packet */
#define STOR_RING_BYTES_PER_CMD	384
/* the slot table is one allocation: keep it modest on many-CPU guests */
#define STOR_MAX_QUEUE_DEPTH	2048

static int storvsc_ringbuffer_size = 128 * 1024;
module_param(storvsc_ringbuffer_size, int, 0444);
MODULE_PARM_DESC(storvsc_ringbuffer_size, "Ring buffer size per direction (bytes)");

static u32 stor_ring_bytes(void)
{
	int v = storvsc_ringbuffer_size;

	if (v < 4 * (int)LIS_HV_PAGE_SIZE)
		v = 4 * LIS_HV_PAGE_SIZE;
	if (v > (16 << 20))
		v = 16 << 20;
	return round_down((u32)v, LIS_HV_PAGE_SIZE);
}

static int stor_probe(struct lis_vmbus_device *vdev, const struct hv_vmbus_device_id *id)
{
	struct lis_stor_config cfg;
	struct lis_stor_info info;
	struct Scsi_Host *shost;
	struct stor_host *h;
	u32 ring = stor_ring_bytes(), per_chan, chans, max_xfer;
	int ret;

	if (!vdev->channel)
		return -ENODEV;
	shost = stor_host_alloc();
	if (!shost)
		return -ENOMEM;
	h = shost_priv(shost);
	stor_host_init(h, shost);
	h->vdev = vdev;
	h->ide = id->driver_data == STOR_KIND_IDE;
	h->ide_target = vdev->device_id.b[LIS_STOR_IDE_TARGET_BYTE_HI] << 8 |
			vdev->device_id.b[LIS_STOR_IDE_TARGET_BYTE_LO];

	/* commands in flight: what the rings hold, over every channel we
	 * may get (the host may offer fewer: then the submit path pushes back) */
	per_chan = (ring - LIS_HV_PAGE_SIZE) / STOR_RING_BYTES_PER_CMD;
	chans = h->ide ? 1 : num_online_cpus();
	memset(&cfg, 0, sizeof(cfg));
	cfg.ops = &stor_core_ops;
	cfg.ctx = h;
	cfg.ring_bytes = ring;
	cfg.nr_cpus = num_online_cpus();
	cfg.queue_depth = min_t(u32, per_chan * chans, STOR_MAX_QUEUE_DEPTH);
	cfg.ide = h->ide;
	ret = lis_stor_create(vdev->channel, &cfg, &h->core);
	if (ret) {
		dev_err(&vdev->dev, "hv_storvsc: the controller did not come up (%d)\n", ret);
		goto put;
	}
	lis_stor_get_info(h->core, &info);

	/* a bounce buffer (holes in a scatter list) must fit one kmalloc */
	max_xfer = min_t(u32, info.max_transfer, KMALLOC_MAX_SIZE);
	shost->max_sectors = max_xfer >> 9;
	shost->sg_tablesize = max_xfer / LIS_HV_PAGE_SIZE + 1;
	shost->can_queue = info.queue_depth;
	shost->cmd_per_lun = min_t(u32, info.queue_depth, STOR_MAX_CMD_PER_LUN);
	shost->max_cmd_len = LIS_STOR_CDB_MAX;
	if (h->ide) {
		shost->max_channel = 0;
		shost->max_id = max_t(unsigned int, 1, h->ide_target + 1);
		shost->max_lun = STOR_IDE_MAX_LUNS;
	} else {
		shost->max_channel = STOR_SCSI_MAX_CHANNELS - 1;
		shost->max_id = STOR_SCSI_MAX_TARGETS;
		shost->max_lun = STOR_SCSI_MAX_LUNS;
	}

	ret = scsi_add_host(shost, lis_vmbus_device_dev(vdev));
	if (ret)
		goto destroy;
	lis_vmbus_set_drvdata(vdev, h);
	dev_info(&vdev->dev, "hv_storvsc: %s controller, protocol %u.%u, %u KiB per command, %u commands, sub-channels %u\n",
		 h->ide ? "IDE" : "SCSI", info.version >> 8, info.version & 0xff,
		 max_xfer >> 10, info.queue_depth, info.subchannels_requested);

	spin_lock_irq(&h->lock);
	h->ready = true;
	spin_unlock_irq(&h->lock);
	stor_host_scan(h);
	return 0;

destroy:
	lis_stor_destroy(h->core);
put:
	scsi_host_put(shost);
	return ret;
}

static void stor_remove(struct lis_vmbus_device *vdev)
{
	struct stor_host *h = lis_vmbus_get_drvdata(vdev);

	if (!h)
		return;
	stor_host_quiesce(h);
	/* rescinded: nothing will answer, fail what is in flight now so
	 * that removing the LUNs does not wait for the timeouts */
	if (!vdev->channel || lis_channel_rescinded(vdev->channel))
		lis_stor_kill(h->core);
	scsi_remove_host(h->shost);
	lis_stor_destroy(h->core);
	lis_vmbus_set_drvdata(vdev, NULL);
	scsi_host_put(h->shost);
}

static const struct hv_vmbus_device_id stor_id_table[] = {
	{ .guid = LIS_VMBUS_CLASS_GUID(LIS_STOR_CLASS_SCSI_BYTES), .driver_data = STOR_KIND_SCSI },
	{ .guid = LIS_VMBUS_CLASS_GUID(LIS_STOR_CLASS_IDE_BYTES), .driver_data = STOR_KIND_IDE },
	{ },
};
MODULE_DEVICE_TABLE(vmbus, stor_id_table);

static struct lis_vmbus_driver stor_driver = {
	.name = "hv_storvsc",
	.id_table = stor_id_table,
	.probe = stor_probe,
	.remove = stor_remove,
};

static int __init stor_init(void)
{
	return lis_vmbus_driver_register(&stor_driver);
}

static void __exit stor_exit(void)
{
	lis_vmbus_driver_unregister(&stor_driver);
}

module_init(stor_init);
module_exit(stor_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("LIS synthetic SCSI and accelerated IDE storage for Hyper-V");
MODULE_VERSION(LIS_VERSION);
