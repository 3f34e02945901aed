// SPDX-License-Identifier: GPL-2.0
/*
 * The SCSI host: the midlayer's commands go to the core as lis_stor_cmds and
 * come back as results; timeouts and host resets go to the core's policy;
 * host events become rescans (LUNs added and removed) and per-LUN rescans
 * (capacity changed).
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/scatterlist.h>
#include <linux/smp.h>
#include <linux/io.h>
#include <scsi/scsi.h>
#include <scsi/scsi_eh.h>
#include "storvsc_glue.h"

/* the midlayer's per-command timeout: the host has its own timeouts and
 * retries underneath, so this only catches a host that stopped answering */
#define STOR_CMD_TIMEOUT_S	180
/* SRB TimeOutValue the host is given */
#define STOR_SRB_TIMEOUT_S	60
/* the rescan's TEST UNIT READY of each known LUN */
#define STOR_TUR_TIMEOUT	(10 * HZ)
#define STOR_TUR_RETRIES	3

/* ---- data: the scatter list as segments ---- */

struct stor_sg_iter {
	struct scatterlist *sg;
	unsigned int left;
};

static int stor_next_seg(void *it, struct lis_stor_seg *seg)
{
	struct stor_sg_iter *i = it;
	phys_addr_t pa;

	if (!i->sg || !i->left)
		return 0;
	pa = page_to_phys(sg_page(i->sg)) + i->sg->offset;
	seg->pfn = (u64)pa >> LIS_HV_PAGE_SHIFT;
	seg->offset = (u32)(pa & LIS_HV_PAGE_MASK);
	seg->len = i->sg->length;
	i->sg = sg_next(i->sg);
	i->left--;
	return 1;
}

/* one contiguous buffer (a bounce buffer) as a single segment */
struct stor_buf_iter {
	void *buf;
	u32 len;
	bool done;
};

static int stor_next_buf(void *it, struct lis_stor_seg *seg)
{
	struct stor_buf_iter *b = it;
	phys_addr_t pa = virt_to_phys(b->buf);

	if (b->done)
		return 0;
	seg->pfn = (u64)pa >> LIS_HV_PAGE_SHIFT;
	seg->offset = (u32)(pa & LIS_HV_PAGE_MASK);
	seg->len = b->len;
	b->done = true;
	return 1;
}

/* ---- host events ---- */

static void stor_schedule(struct stor_host *h, struct work_struct *w)
{
	unsigned long flags;

	spin_lock_irqsave(&h->lock, flags);
	if (h->ready && !h->removing)
		schedule_work(w);
	spin_unlock_irqrestore(&h->lock, flags);
}

static void stor_want_resize(struct stor_host *h, struct scsi_device *sdev)
{
	unsigned long flags;

	spin_lock_irqsave(&h->lock, flags);
	if (h->nresize < STOR_RESIZE_SLOTS) {
		h->resize[h->nresize].channel = sdev->channel;
		h->resize[h->nresize].id = sdev->id;
		h->resize[h->nresize].lun = sdev->lun;
		h->nresize++;
	} else {
		h->resize_all = true;
	}
	spin_unlock_irqrestore(&h->lock, flags);
	stor_schedule(h, &h->resize_work);
}

static void stor_bus_changed(void *ctx)
{
	struct stor_host *h = ctx;

	stor_schedule(h, &h->rescan_work);
}

/* capacity (or other parameters) changed: re-read them */
static void stor_resize_work(struct work_struct *w)
{
	struct stor_host *h = container_of(w, struct stor_host, resize_work);
	struct stor_lun_addr todo[STOR_RESIZE_SLOTS];
	struct scsi_device *sdev;
	unsigned int i, n;
	bool all;

	spin_lock_irq(&h->lock);
	n = h->nresize;
	memcpy(todo, h->resize, sizeof(todo[0]) * n);
	all = h->resize_all;
	h->nresize = 0;
	h->resize_all = false;
	spin_unlock_irq(&h->lock);

	if (all) {
		shost_for_each_device(sdev, h->shost)
			lis_scsi_rescan_device(sdev);
		return;
	}
	for (i = 0; i < n; i++) {
		sdev = scsi_device_lookup(h->shost, todo[i].channel, todo[i].id, todo[i].lun);
		if (!sdev)
			continue;
		lis_scsi_rescan_device(sdev);
		scsi_device_put(sdev);
	}
}

/*
 * LUNs changed: a LUN that no longer answers TEST UNIT READY with a device
 * is removed, then the bus is scanned for new ones.  The TEST UNIT READY also
 * collects pending unit attentions (a resize), which the completion turns
 * into a per-LUN rescan.
 */
static void stor_rescan_work(struct work_struct *w)
{
	struct stor_host *h = container_of(w, struct stor_host, rescan_work);
	struct scsi_sense_hdr sshdr;
	struct scsi_device *sdev;
	int res;

	shost_for_each_device(sdev, h->shost) {
		if (sdev->sdev_state != SDEV_RUNNING)
			continue;
		res = scsi_test_unit_ready(sdev, STOR_TUR_TIMEOUT, STOR_TUR_RETRIES, &sshdr);
		if (res > 0 && ((res >> 16) & 0xff) == DID_NO_CONNECT) {
			sdev_printk(KERN_INFO, sdev, "hv_storvsc: the host removed this LUN\n");
			scsi_remove_device(sdev);
		}
	}
	stor_host_scan(h);
}

void stor_host_scan(struct stor_host *h)
{
	if (h->ide)
		/* one disk per IDE channel, at the target its GUID names */
		scsi_add_device(h->shost, 0, h->ide_target, 0);
	else
		scsi_scan_host(h->shost);
}

/* ---- completions ---- */

static int stor_host_byte(u8 status)
{
	switch (status) {
	case LIS_STOR_OK:
		return DID_OK;
	case LIS_STOR_BUSY:
		return DID_BUS_BUSY;
	case LIS_STOR_REQUEUE:
		return DID_REQUEUE;
	case LIS_STOR_NO_DEVICE:
	case LIS_STOR_ABORTED:
		return DID_NO_CONNECT;
	default:
		return DID_ERROR;
	}
}

static void stor_unbounce(struct scsi_cmnd *scmd, u32 copy_back)
{
	void *buf = scmd->host_scribble;

	if (!buf)
		return;
	if (copy_back)
		scsi_sg_copy_from_buffer(scmd, buf, copy_back);
	scmd->host_scribble = NULL;
	kfree(buf);
}

static void stor_complete(void *ctx, void *cookie, const struct lis_stor_result *res)
{
	struct stor_host *h = ctx;
	struct scsi_cmnd *scmd = cookie;
	struct scsi_device *sdev = scmd->device;

	stor_unbounce(scmd, scmd->sc_data_direction == DMA_FROM_DEVICE &&
			    res->status == LIS_STOR_OK ? res->transferred : 0);
	if (res->sense_len)
		memcpy(scmd->sense_buffer, res->sense,
		       min_t(unsigned int, res->sense_len, SCSI_SENSE_BUFFERSIZE));
	scsi_set_resid(scmd, res->residual);
	scmd->result = stor_host_byte(res->status) << 16 | res->scsi_status;

	if (res->action == LIS_STOR_ACT_RESCAN_LUN)
		stor_want_resize(h, sdev);
	else if (res->action == LIS_STOR_ACT_RESCAN_BUS)
		stor_bus_changed(h);
	else if (res->status == LIS_STOR_NO_DEVICE && sdev->sdev_state == SDEV_RUNNING)
		/* a LUN we know went away without an event: rescan */
		stor_bus_changed(h);
	lis_scsi_done(scmd);
}

static void stor_abandoned(void *ctx, void *cookie)
{
	stor_unbounce(cookie, 0);
}

static unsigned int stor_pick_cpu(void *ctx, unsigned int index)
{
	struct stor_host *h = ctx;

	return lis_vmbus_pick_cpu(h->vdev, index);
}

const struct lis_stor_ops stor_core_ops = {
	.complete = stor_complete,
	.abandoned = stor_abandoned,
	.bus_changed = stor_bus_changed,
	.pick_cpu = stor_pick_cpu,
};

/* ---- the host template ---- */

static int stor_queuecommand(struct Scsi_Host *shost, struct scsi_cmnd *scmd)
{
	struct stor_host *h = shost_priv(shost);
	struct scsi_device *sdev = scmd->device;
	struct stor_sg_iter sgi = { scsi_sglist(scmd), scsi_sg_count(scmd) };
	struct stor_buf_iter bi = { NULL, 0, false };
	struct lis_stor_cmd cmd;
	int ret;

	scmd->host_scribble = NULL;
	if (!scmd->cmd_len || scmd->cmd_len > LIS_STOR_CDB_MAX) {
		/* the SRB holds 16 CDB bytes */
		scmd->result = DID_ERROR << 16;
		lis_scsi_done(scmd);
		return 0;
	}
	memset(&cmd, 0, sizeof(cmd));
	cmd.cdb_len = scmd->cmd_len;
	memcpy(cmd.cdb, scmd->cmnd, cmd.cdb_len);
	switch (scmd->sc_data_direction) {
	case DMA_TO_DEVICE:
		cmd.dir = LIS_STOR_DIR_WRITE;
		break;
	case DMA_FROM_DEVICE:
		cmd.dir = LIS_STOR_DIR_READ;
		break;
	case DMA_NONE:
		cmd.dir = LIS_STOR_DIR_NONE;
		break;
	default:
		/* bidirectional commands have no SRB form */
		scmd->result = DID_ERROR << 16;
		lis_scsi_done(scmd);
		return 0;
	}
	cmd.data_len = scsi_bufflen(scmd);
	if (!cmd.data_len)
		cmd.dir = LIS_STOR_DIR_NONE;
	cmd.port = shost->host_no;
	cmd.path = sdev->channel;
	cmd.target = sdev->id;
	cmd.lun = sdev->lun;
	cmd.tagged = sdev->tagged_supported;
	cmd.timeout_s = STOR_SRB_TIMEOUT_S;
	cmd.next_seg = stor_next_seg;
	cmd.seg_it = &sgi;
	cmd.cookie = scmd;
	cmd.cpu = raw_smp_processor_id();

	ret = lis_stor_submit(h->core, &cmd);
	if (ret == -EXDEV) {
		/* a hole in the scatter list: one contiguous copy instead */
		bi.len = cmd.data_len;
		bi.buf = kmalloc(bi.len, GFP_ATOMIC | __GFP_NOWARN);
		if (!bi.buf)
			return SCSI_MLQUEUE_HOST_BUSY;
		if (cmd.dir == LIS_STOR_DIR_WRITE)
			scsi_sg_copy_to_buffer(scmd, bi.buf, bi.len);
		scmd->host_scribble = bi.buf;
		cmd.next_seg = stor_next_buf;
		cmd.seg_it = &bi;
		ret = lis_stor_submit(h->core, &cmd);
		if (ret) {
			scmd->host_scribble = NULL;
			kfree(bi.buf);
		}
	}
	switch (ret) {
	case 0:
		return 0;
	case -EBUSY:
		return SCSI_MLQUEUE_HOST_BUSY;
	case -ENODEV:
		scmd->result = DID_NO_CONNECT << 16;
		break;
	default:
		scmd->result = DID_ERROR << 16;
		break;
	}
	lis_scsi_done(scmd);
	return 0;
}

static LIS_EH_TIMEOUT_RET stor_eh_timed_out(struct scsi_cmnd *scmd)
{
	struct stor_host *h = shost_priv(scmd->device->host);

	return lis_stor_timed_out(h->core, scmd) ? LIS_EH_RESET_TIMER : LIS_EH_NOT_HANDLED;
}

static int stor_eh_host_reset(struct scsi_cmnd *scmd)
{
	struct stor_host *h = shost_priv(scmd->device->host);
	int ret;

	shost_printk(KERN_WARNING, h->shost, "hv_storvsc: resetting the bus\n");
	ret = lis_stor_reset(h->core);
	return ret ? FAILED : SUCCESS;
}

static int stor_slave_alloc(struct scsi_device *sdev)
{
	lis_scsi_set_virt_boundary(sdev, LIS_HV_PAGE_SIZE - 1);
	return 0;
}

static int stor_slave_configure(struct scsi_device *sdev)
{
	blk_queue_rq_timeout(sdev->request_queue, STOR_CMD_TIMEOUT_S * HZ);
	return 0;
}

/* names as the in-tree driver's: /sys/class/scsi_host/hostN/proc_name */
static struct scsi_host_template stor_template = {
	.module = THIS_MODULE,
	.name = "storvsc_host_t",
	.proc_name = "storvsc_host",
	.queuecommand = stor_queuecommand,
	.eh_timed_out = stor_eh_timed_out,
	.eh_host_reset_handler = stor_eh_host_reset,
	.slave_alloc = stor_slave_alloc,
	.slave_configure = stor_slave_configure,
	LIS_SHT_CHANGE_QUEUE_DEPTH
	LIS_SHT_VIRT_BOUNDARY(LIS_HV_PAGE_SIZE - 1)
	.this_id = -1,
	.can_queue = 1,		/* per host, from the queried properties */
	.cmd_per_lun = 1,
	.sg_tablesize = 1,
	.max_sectors = 8,
};

struct Scsi_Host *stor_host_alloc(void)
{
	return scsi_host_alloc(&stor_template, sizeof(struct stor_host));
}

void stor_host_init(struct stor_host *h, struct Scsi_Host *shost)
{
	h->shost = shost;
	spin_lock_init(&h->lock);
	INIT_WORK(&h->rescan_work, stor_rescan_work);
	INIT_WORK(&h->resize_work, stor_resize_work);
}

/* no work runs or starts after this */
void stor_host_quiesce(struct stor_host *h)
{
	spin_lock_irq(&h->lock);
	h->removing = true;
	spin_unlock_irq(&h->lock);
	cancel_work_sync(&h->rescan_work);
	cancel_work_sync(&h->resize_work);
}
