// SPDX-License-Identifier: GPL-2.0
/*
 * lis_compat_selftest: uses every kernel-compat shim once, so that the Kbuild
 * matrix proves each shim compiles (with W=1, and under sparse) on every
 * kernel tree, whichever way its probes came out.  Loading it logs the
 * probe-dependent answers and unloads cleanly; it is never packaged.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <lis_compat/bus.h>
#include <lis_compat/string.h>
#include <lis_compat/timer.h>
#include <lis_compat/hv.h>

struct lis_selftest {
	struct timer_list timer;
	struct tasklet_struct tasklet;
	int fired;
};

static struct lis_selftest *selftest;

static void lis_selftest_timer(struct timer_list *t)
{
	struct lis_selftest *st = from_timer(st, t, timer);

	st->fired++;
}

static void lis_selftest_tasklet(struct tasklet_struct *t)
{
	struct lis_selftest *st = from_tasklet(st, t, tasklet);

	st->fired++;
}

static int lis_selftest_match(struct device *dev, LIS_MATCH_DRIVER *drv)
{
	return dev && drv;
}

static int lis_selftest_uevent(LIS_UEVENT_DEVICE *dev, struct kobj_uevent_env *env)
{
	return dev && env ? 0 : -EINVAL;
}

static LIS_BUS_REMOVE_TYPE lis_selftest_remove(struct device *dev)
{
	LIS_BUS_REMOVE_DONE(dev ? 0 : -ENODEV);
}

static struct bus_type lis_selftest_bus __maybe_unused = {
	.name = "lis_selftest",
	.match = lis_selftest_match,
	.uevent = lis_selftest_uevent,
	.remove = lis_selftest_remove,
};

static int __init lis_selftest_init(void)
{
	char buf[16];

	selftest = kzalloc(sizeof(*selftest), GFP_KERNEL);
	if (!selftest)
		return -ENOMEM;
	timer_setup(&selftest->timer, lis_selftest_timer, 0);
	tasklet_setup(&selftest->tasklet, lis_selftest_tasklet);
	if (strscpy(buf, "lis-compat", sizeof(buf)) < 0)
		pr_warn("lis_compat_selftest: strscpy truncated\n");
	pr_info("lis_compat_selftest: %s loaded (family %s)\n", buf, LIS_FAMILY);
	return 0;
}

static void __exit lis_selftest_exit(void)
{
	timer_delete_sync(&selftest->timer);
	tasklet_kill(&selftest->tasklet);
	kfree(selftest);
}

module_init(lis_selftest_init);
module_exit(lis_selftest_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("LIS kernel-compat self-test (not shipped)");
MODULE_VERSION(LIS_VERSION);
