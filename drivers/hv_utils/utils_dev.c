// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon devices /dev/vmbus/hv_kvp, hv_vss and hv_fcopy: misc character
 * devices named "vmbus/hv_*" (sysfs "vmbus!hv_*", the name RHEL's units bind
 * to) around the core's daemon endpoints.  The endpoint's timer is a
 * delayed work item.  A device whose IC went away (rescind, unload) answers
 * -ENODEV and poll() reports a hang-up, so the daemon exits and systemd's
 * BindsTo= does the rest; the object lives until its last file is closed.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <lis_compat/misc.h>
#include "utils_glue.h"

/* the largest message either way (KVP's) */
#define CDEV_MSG_MAX	sizeof(struct lis_kvp_dmsg)

struct utils_cdev {
	struct kref ref;
	struct miscdevice misc;
	struct lis_icd *icd;
	wait_queue_head_t wq;
	struct delayed_work timer;
	struct mutex io;		/* one read or write at a time */
	bool dead;
	bool registered;
};

static const char *const cdev_names[] = {
	[LIS_ICD_KVP] = LIS_KVP_DEVICE,
	[LIS_ICD_VSS] = LIS_VSS_DEVICE,
	[LIS_ICD_FCOPY] = LIS_FCOPY_DEVICE,
};

/* open() finds its device by minor number here */
static DEFINE_MUTEX(cdev_table_lock);
static struct utils_cdev *cdev_table[ARRAY_SIZE(cdev_names)];

static void cdev_free(struct kref *ref)
{
	struct utils_cdev *c = container_of(ref, struct utils_cdev, ref);

	/* a release after the IC went may have armed the timer again */
	cancel_delayed_work_sync(&c->timer);
	lis_icd_destroy(c->icd);
	kfree(c);
}

static void cdev_wake(void *ctx)
{
	struct utils_cdev *c = ctx;

	wake_up_interruptible(&c->wq);
}

static void cdev_arm_timer(void *ctx, u32 ms)
{
	struct utils_cdev *c = ctx;

	mod_delayed_work(system_wq, &c->timer, msecs_to_jiffies(ms));
}

static void cdev_cancel_timer(void *ctx)
{
	struct utils_cdev *c = ctx;

	cancel_delayed_work(&c->timer);
}

static const struct lis_icd_ops cdev_icd_ops = {
	.wake = cdev_wake,
	.arm_timer = cdev_arm_timer,
	.cancel_timer = cdev_cancel_timer,
};

static void cdev_timeout(struct work_struct *w)
{
	struct utils_cdev *c = container_of(to_delayed_work(w), struct utils_cdev, timer);

	lis_icd_timeout(c->icd);
}

/* ---- file operations ---- */

static int cdev_open(struct inode *inode, struct file *f)
{
	struct utils_cdev *c = NULL;
	unsigned int i;
	int ret;

	mutex_lock(&cdev_table_lock);
	for (i = 0; i < ARRAY_SIZE(cdev_table); i++)
		if (cdev_table[i] && cdev_table[i]->misc.minor == iminor(inode))
			c = cdev_table[i];
	if (c)
		kref_get(&c->ref);
	mutex_unlock(&cdev_table_lock);
	if (!c)
		return -ENODEV;
	ret = lis_icd_open(c->icd);
	if (ret) {
		kref_put(&c->ref, cdev_free);
		return ret;
	}
	f->private_data = c;
	return nonseekable_open(inode, f);
}

static int cdev_release(struct inode *inode, struct file *f)
{
	struct utils_cdev *c = f->private_data;

	lis_icd_release(c->icd);
	kref_put(&c->ref, cdev_free);
	return 0;
}

static ssize_t cdev_read(struct file *f, char __user *ubuf, size_t len, loff_t *ppos)
{
	struct utils_cdev *c = f->private_data;
	u32 cap = min_t(size_t, len, CDEV_MSG_MAX);
	void *buf;
	long n;

	buf = kzalloc(CDEV_MSG_MAX, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	mutex_lock(&c->io);
	for (;;) {
		n = READ_ONCE(c->dead) ? -ENODEV : lis_icd_read(c->icd, buf, cap);
		if (n != -EAGAIN || (f->f_flags & O_NONBLOCK))
			break;
		mutex_unlock(&c->io);
		if (wait_event_interruptible(c->wq, READ_ONCE(c->dead) ||
					     lis_icd_readable(c->icd))) {
			kfree(buf);
			return -ERESTARTSYS;
		}
		mutex_lock(&c->io);
	}
	mutex_unlock(&c->io);
	if (n > 0 && copy_to_user(ubuf, buf, n))
		n = -EFAULT;
	kfree(buf);
	return n;
}

static ssize_t cdev_write(struct file *f, const char __user *ubuf, size_t len, loff_t *ppos)
{
	struct utils_cdev *c = f->private_data;
	void *buf;
	long n;

	if (len > CDEV_MSG_MAX || !len)
		return -EINVAL;
	buf = memdup_user(ubuf, len);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	mutex_lock(&c->io);
	n = READ_ONCE(c->dead) ? -ENODEV : lis_icd_write(c->icd, buf, len);
	mutex_unlock(&c->io);
	kfree(buf);
	return n;
}

static __poll_t cdev_poll(struct file *f, struct poll_table_struct *wait)
{
	struct utils_cdev *c = f->private_data;
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(f, &c->wq, wait);
	if (READ_ONCE(c->dead))
		return EPOLLERR | EPOLLHUP;
	if (lis_icd_readable(c->icd))
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}

static const struct file_operations cdev_fops = {
	.owner = THIS_MODULE,
	.open = cdev_open,
	.release = cdev_release,
	.read = cdev_read,
	.write = cdev_write,
	.poll = cdev_poll,
	.llseek = noop_llseek,
};

/* ---- life cycle (the IC's probe and remove) ---- */

struct utils_cdev *utils_cdev_create(enum lis_icd_kind kind)
{
	struct utils_cdev *c;
	int ret;

	if ((unsigned int)kind >= ARRAY_SIZE(cdev_names))
		return ERR_PTR(-EINVAL);
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return ERR_PTR(-ENOMEM);
	kref_init(&c->ref);
	init_waitqueue_head(&c->wq);
	mutex_init(&c->io);
	INIT_DELAYED_WORK(&c->timer, cdev_timeout);
	c->icd = lis_icd_create(kind, &cdev_icd_ops, c, LIS_VERSION);
	if (!c->icd) {
		kfree(c);
		return ERR_PTR(-ENOMEM);
	}
	c->misc.minor = MISC_DYNAMIC_MINOR;
	c->misc.name = cdev_names[kind];
	c->misc.fops = &cdev_fops;

	mutex_lock(&cdev_table_lock);
	if (cdev_table[kind]) {
		ret = -EBUSY;
	} else {
		ret = misc_register(&c->misc);
		if (!ret)
			cdev_table[kind] = c;
	}
	mutex_unlock(&cdev_table_lock);
	if (ret) {
		pr_err("hv_utils: cannot create /dev/%s (%d)\n", cdev_names[kind], ret);
		kref_put(&c->ref, cdev_free);
		return ERR_PTR(ret);
	}
	c->registered = true;
	return c;
}

struct lis_icd *utils_cdev_endpoint(struct utils_cdev *c)
{
	return c->icd;
}

/* the IC is closed (no service uses the endpoint any more) */
void utils_cdev_destroy(struct utils_cdev *c)
{
	unsigned int i;

	mutex_lock(&cdev_table_lock);
	for (i = 0; i < ARRAY_SIZE(cdev_table); i++)
		if (cdev_table[i] == c)
			cdev_table[i] = NULL;
	mutex_unlock(&cdev_table_lock);
	if (c->registered)
		misc_deregister(&c->misc);
	WRITE_ONCE(c->dead, true);
	wake_up_interruptible_all(&c->wq);
	cancel_delayed_work_sync(&c->timer);
	kref_put(&c->ref, cdev_free);
}
