// SPDX-License-Identifier: GPL-2.0
/*
 * hv_balloon: Hyper-V dynamic memory.  The portable core speaks the
 * protocol; this glue gives it the guest's memory: counters for the status
 * reports (sent once a second), pages for the balloon (2 MiB at a time when
 * the allocator has them, else 4 KiB pages; never below a floor), and
 * memory hot add.
 *
 * Onlining policy for hot-added memory: each memory block the host grants
 * is added with add_memory() and onlined by the kernel's own policy — the
 * auto-online setting (memhp_default_state=, /sys/devices/system/memory/
 * auto_online_blocks) or, where that is off, userspace (RHEL's udev rule
 * onlines every new block).  The driver waits up to 5 s for each block to
 * come online before adding the next, so adding a lot of memory does not
 * exhaust the memory the new blocks' metadata needs.  Blocks that stay
 * offline are reported to the host as added (they are the guest's) and
 * logged.  We tell the host our hot-add alignment is the memory block size.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/gfp.h>
#include <linux/workqueue.h>
#include <linux/completion.h>
#include <linux/notifier.h>
#include <lis/vmbus_driver.h>
#include <lis_compat/bus.h>
#include <lis_compat/mm.h>
#include "core/dm_core.h"

static bool hot_add = true;
module_param(hot_add, bool, 0444);
MODULE_PARM_DESC(hot_add, "offer memory hot add to the host");

static unsigned int floor_mb;
module_param(floor_mb, uint, 0444);
MODULE_PARM_DESC(floor_mb, "memory the balloon always leaves the guest, MiB (0: 64 MiB + 1/16 of RAM)");

/* guest pages (PAGE_SIZE) <-> the protocol's 4 KiB pages */
#define HV_PER_PAGE	(PAGE_SIZE / LIS_HV_PAGE_SIZE)
#define BALLOON_ORDER	(21 - PAGE_SHIFT)		/* 2 MiB */
#define ONLINE_WAIT_MS	5000

struct hvb {
	struct lis_vmbus_device *vdev;
	struct lis_dm *dm;
	struct workqueue_struct *wq;
	struct work_struct work;
	struct delayed_work status;
	bool dying;

	/* hot add: the block being added, until it is online */
	struct notifier_block mem_nb;
	struct completion online;
	unsigned long ha_start, ha_pages;	/* PAGE_SIZE pfns */
};

/* ---- counters ---- */

static unsigned long hvb_floor(void)
{
	if (floor_mb)
		return (unsigned long)floor_mb << (20 - PAGE_SHIFT);
	return (64ul << (20 - PAGE_SHIFT)) + lis_totalram_pages() / 16;
}

static void hvb_stats(void *ctx, struct lis_dm_stats *st)
{
	st->avail = (u64)lis_mem_available() * HV_PER_PAGE;
	st->committed = (u64)vm_memory_committed() * HV_PER_PAGE;
}

/* ---- the balloon ---- */

static void hvb_give_page(struct page *p, bool to_host)
{
	lis_page_offline(p, to_host);
	adjust_managed_page_count(p, to_host ? -1 : 1);
}

static u32 hvb_balloon_alloc(void *ctx, u64 want, struct lis_dm_run *runs, u32 max_runs)
{
	const gfp_t gfp = GFP_HIGHUSER | __GFP_NORETRY | __GFP_NOWARN | __GFP_NOMEMALLOC;
	unsigned long floor = hvb_floor(), i, n;
	u64 want_pages = want / HV_PER_PAGE;
	unsigned int order;
	struct page *p;
	u32 nruns = 0;

	while (want_pages && nruns < max_runs) {
		order = want_pages >= (1ul << BALLOON_ORDER) ? BALLOON_ORDER : 0;
		n = 1ul << order;
		if (lis_mem_available() < floor + n)
			break;
		p = alloc_pages(gfp, order);
		if (!p && order) {
			order = 0;
			n = 1;
			p = alloc_pages(gfp, 0);
		}
		if (!p)
			break;
		if (order)
			split_page(p, order);
		for (i = 0; i < n; i++)
			hvb_give_page(p + i, true);
		/* one run with the one before when they touch */
		if (nruns && runs[nruns - 1].pfn + runs[nruns - 1].count ==
			     (u64)page_to_pfn(p) * HV_PER_PAGE) {
			runs[nruns - 1].count += n * HV_PER_PAGE;
		} else {
			runs[nruns].pfn = (u64)page_to_pfn(p) * HV_PER_PAGE;
			runs[nruns].count = n * HV_PER_PAGE;
			nruns++;
		}
		want_pages -= n;
		cond_resched();
	}
	return nruns;
}

static void hvb_balloon_free(void *ctx, u64 pfn, u64 count)
{
	unsigned long first = pfn / HV_PER_PAGE, n = count / HV_PER_PAGE, i;

	for (i = 0; i < n; i++) {
		struct page *p = pfn_to_page(first + i);

		hvb_give_page(p, false);
		__free_page(p);
	}
}

/* ---- hot add ---- */

#ifdef LIS_HAVE_HOT_ADD
static int hvb_mem_notify(struct notifier_block *nb, unsigned long action, void *arg)
{
	struct hvb *b = container_of(nb, struct hvb, mem_nb);
	struct memory_notify *mn = arg;

	if (action == MEM_ONLINE && READ_ONCE(b->ha_pages) &&
	    mn->start_pfn < b->ha_start + b->ha_pages && mn->start_pfn + mn->nr_pages > b->ha_start)
		complete(&b->online);
	return NOTIFY_OK;
}

static int hvb_hot_add(void *ctx, u64 pfn, u64 count)
{
	struct hvb *b = ctx;
	u64 start = pfn << LIS_HV_PAGE_SHIFT, size = count << LIS_HV_PAGE_SHIFT;
	int ret;

	reinit_completion(&b->online);
	WRITE_ONCE(b->ha_start, start >> PAGE_SHIFT);
	WRITE_ONCE(b->ha_pages, size >> PAGE_SHIFT);
	ret = lis_add_memory(start, size);
	if (ret == -EEXIST) {
		/* the host granted it before: already the guest's */
		ret = 0;
	} else if (!ret && !wait_for_completion_timeout(&b->online,
							msecs_to_jiffies(ONLINE_WAIT_MS))) {
		dev_warn_ratelimited(&b->vdev->dev,
				     "memory at %#llx (%llu MiB) was added but is not online yet; the kernel's onlining policy (auto_online_blocks or udev) decides\n",
				     start, size >> 20);
	}
	WRITE_ONCE(b->ha_pages, 0);
	if (ret == -ENOMEM)
		ret = -EAGAIN;
	return ret;
}

static u64 hvb_block_pages(void)
{
	return hot_add ? memory_block_size_bytes() >> LIS_HV_PAGE_SHIFT : 0;
}
#else
static u64 hvb_block_pages(void)
{
	return 0;	/* no CONFIG_MEMORY_HOTPLUG */
}
#define hvb_hot_add NULL
#endif

/* ---- work ---- */

static void hvb_kick(void *ctx)
{
	struct hvb *b = ctx;

	if (!READ_ONCE(b->dying))
		queue_work(b->wq, &b->work);
}

static void hvb_work(struct work_struct *w)
{
	struct hvb *b = container_of(w, struct hvb, work);

	if (b->dm)
		lis_dm_work(b->dm);
}

static void hvb_status(struct work_struct *w)
{
	struct hvb *b = container_of(to_delayed_work(w), struct hvb, status);

	lis_dm_report_status(b->dm);
	if (!READ_ONCE(b->dying))
		queue_delayed_work(b->wq, &b->status, HZ);
}

static const struct lis_dm_ops hvb_ops = {
	.stats = hvb_stats,
	.balloon_alloc = hvb_balloon_alloc,
	.balloon_free = hvb_balloon_free,
	.hot_add = hvb_hot_add,
	.kick = hvb_kick,
};

static int hvb_probe(struct lis_vmbus_device *vdev, const struct hv_vmbus_device_id *id)
{
	struct lis_dm_config cfg = { 0 };
	struct lis_dm_info info;
	struct hvb *b;
	int ret;

	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	b->vdev = vdev;
	INIT_WORK(&b->work, hvb_work);
	INIT_DELAYED_WORK(&b->status, hvb_status);
	init_completion(&b->online);
	b->wq = alloc_ordered_workqueue("hv_balloon", WQ_MEM_RECLAIM);
	if (!b->wq) {
		kfree(b);
		return -ENOMEM;
	}
	cfg.ch = vdev->channel;
	cfg.ops = &hvb_ops;
	cfg.ctx = b;
	cfg.hot_add_block_pages = hvb_block_pages();
#ifdef LIS_HAVE_HOT_ADD
	if (cfg.hot_add_block_pages) {
		b->mem_nb.notifier_call = hvb_mem_notify;
		ret = register_memory_notifier(&b->mem_nb);
		if (ret)
			cfg.hot_add_block_pages = 0;
	}
#endif
	lis_vmbus_set_drvdata(vdev, b);
	ret = lis_dm_create(&cfg, &b->dm);
	if (ret)
		goto fail;
	lis_dm_get_info(b->dm, &info);
	dev_info(&vdev->dev, "dynamic memory %u.%u: balloon%s\n", info.version >> 16,
		 info.version & 0xFFFF, cfg.hot_add_block_pages ? ", hot add" : "");
	/* requests that came while b->dm was being set */
	queue_work(b->wq, &b->work);
	queue_delayed_work(b->wq, &b->status, HZ);
	return 0;
fail:
#ifdef LIS_HAVE_HOT_ADD
	if (b->mem_nb.notifier_call)
		unregister_memory_notifier(&b->mem_nb);
#endif
	destroy_workqueue(b->wq);
	lis_vmbus_set_drvdata(vdev, NULL);
	kfree(b);
	return ret;
}

static void hvb_remove(struct lis_vmbus_device *vdev)
{
	struct hvb *b = lis_vmbus_get_drvdata(vdev);
	u64 held;

	WRITE_ONCE(b->dying, true);
	cancel_delayed_work_sync(&b->status);
	cancel_work_sync(&b->work);
	held = lis_dm_destroy(b->dm);
	/* the host holds them: touching them again is its call, not ours */
	if (held)
		dev_warn(&vdev->dev, "%llu pages stay with the host (ballooned)\n", held);
#ifdef LIS_HAVE_HOT_ADD
	if (b->mem_nb.notifier_call)
		unregister_memory_notifier(&b->mem_nb);
#endif
	destroy_workqueue(b->wq);
	lis_vmbus_set_drvdata(vdev, NULL);
	kfree(b);
}

static const struct hv_vmbus_device_id hvb_id_table[] = {
	{ .guid = LIS_VMBUS_CLASS_GUID(LIS_DM_CLASS_BYTES) },
	{ },
};
MODULE_DEVICE_TABLE(vmbus, hvb_id_table);

static struct lis_vmbus_driver hvb_driver = {
	.name = "hv_balloon",
	.id_table = hvb_id_table,
	.probe = hvb_probe,
	.remove = hvb_remove,
};

static int __init hvb_init(void)
{
	return lis_vmbus_driver_register(&hvb_driver);
}

static void __exit hvb_exit(void)
{
	lis_vmbus_driver_unregister(&hvb_driver);
}

module_init(hvb_init);
module_exit(hvb_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("LIS: Hyper-V dynamic memory (balloon and hot add)");
MODULE_AUTHOR("LIS project");
MODULE_VERSION(LIS_VERSION);
