// SPDX-License-Identifier: GPL-2.0
/*
 * Timesync's Linux side.  Each host sample is kept as (host time, guest
 * CLOCK_MONOTONIC when it arrived); the host's clock "now" is the sample
 * moved forward by the guest's monotonic time since.  SYNC messages step
 * the wall clock to it (from a work item: it may sleep); a PTP clock named
 * "hyperv" serves it to chrony and to udev's /dev/ptp_hyperv rule, where
 * the kernel has PTP.  The partition reference counter, used to take the
 * message's time in transit off, is read only on Hyper-V itself.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/ktime.h>
#include <asm/processor.h>
#include <asm/msr.h>
#include <lis_compat/ptp.h>
#include <lis_compat/string.h>
#include "utils_glue.h"

static struct {
	spinlock_t lock;		/* the sample */
	bool have;
	s64 host_ns;			/* host UTC, ns since 1970 */
	s64 mono_ns;			/* guest monotonic then */
	bool reference_counter;		/* TIME_REF_COUNT is readable */
	struct work_struct sync_work;
#ifdef HAVE_PTP_CLOCK
	struct ptp_clock_info info;
	struct ptp_clock *ptp;
#endif
} ts = {
	.lock = __SPIN_LOCK_UNLOCKED(ts.lock),
};

/* the host's clock now, as the last sample says; -EAGAIN before one */
static int ts_host_now(s64 *ns)
{
	unsigned long flags;
	int ret = -EAGAIN;

	spin_lock_irqsave(&ts.lock, flags);
	if (ts.have) {
		*ns = ts.host_ns + (ktime_to_ns(ktime_get()) - ts.mono_ns);
		ret = 0;
	}
	spin_unlock_irqrestore(&ts.lock, flags);
	return ret;
}

static void ts_sync(struct work_struct *w)
{
	s64 host, guest;
	int ret;

	if (ts_host_now(&host))
		return;
	guest = ktime_to_ns(ktime_get_real());
	ret = lis_set_wall_clock_ns(host);
	if (ret)
		pr_warn("hv_utils: timesync: cannot set the clock (%d)\n", ret);
	else
		pr_info("hv_utils: timesync: clock set from the host (it was %lld ms off)\n",
			(guest - host) / NSEC_PER_MSEC);
}

static void ts_sample(void *ctx, u64 host_time, bool sync)
{
	unsigned long flags;

	spin_lock_irqsave(&ts.lock, flags);
	ts.host_ns = (s64)(host_time - LIS_IC_TIME_UNIX_EPOCH) * 100;
	ts.mono_ns = ktime_to_ns(ktime_get());
	ts.have = true;
	spin_unlock_irqrestore(&ts.lock, flags);
	if (sync)
		schedule_work(&ts.sync_work);
}

static u64 ts_reference_time(void *ctx)
{
	u32 lo, hi;

	if (!ts.reference_counter || rdmsr_safe(LIS_HV_MSR_TIME_REF_COUNT, &lo, &hi))
		return 0;
	return (u64)hi << 32 | lo;
}

const struct lis_ic_ops utils_time_ops = {
	.time_sample = ts_sample,
	.reference_time = ts_reference_time,
};

/* Hyper-V itself, with the reference-counter privilege (not a test platform) */
static bool ts_on_hyperv(void)
{
	u32 eax, ebx, ecx, edx;

	if (!boot_cpu_has(X86_FEATURE_HYPERVISOR))
		return false;
	cpuid(LIS_HV_CPUID_VENDOR, &eax, &ebx, &ecx, &edx);
	if (ebx != LIS_HV_VENDOR_EBX || ecx != LIS_HV_VENDOR_ECX || edx != LIS_HV_VENDOR_EDX)
		return false;
	return cpuid_eax(LIS_HV_CPUID_FEATURES) & LIS_HV_PRIV_TIME_REF_COUNT;
}

#ifdef HAVE_PTP_CLOCK
LIS_PTP_GETTIME(ts_ptp_gettime)
{
	return ts_host_now(ns);
}

static int ts_ptp_adjtime(struct ptp_clock_info *info, s64 delta)
{
	return -EOPNOTSUPP;
}

static int ts_ptp_enable(struct ptp_clock_info *info, struct ptp_clock_request *rq, int on)
{
	return -EOPNOTSUPP;
}
#endif

int utils_time_start(struct lis_vmbus_device *vdev)
{
	INIT_WORK(&ts.sync_work, ts_sync);
	ts.have = false;
	ts.reference_counter = ts_on_hyperv();
#ifdef HAVE_PTP_CLOCK
	memset(&ts.info, 0, sizeof(ts.info));
	ts.info.owner = THIS_MODULE;
	strscpy(ts.info.name, "hyperv", sizeof(ts.info.name));
	LIS_PTP_SET_GETTIME(&ts.info, ts_ptp_gettime);
	LIS_PTP_REFUSE_SETTIME(&ts.info);
	LIS_PTP_REFUSE_ADJFREQ(&ts.info);
	ts.info.adjtime = ts_ptp_adjtime;
	ts.info.enable = ts_ptp_enable;
	ts.ptp = ptp_clock_register(&ts.info, lis_vmbus_device_dev(vdev));
	if (IS_ERR_OR_NULL(ts.ptp)) {
		dev_info(&vdev->dev, "hv_utils: timesync: no PTP clock (%ld)\n",
			 ts.ptp ? PTR_ERR(ts.ptp) : 0L);
		ts.ptp = NULL;
	}
#endif
	return 0;
}

void utils_time_stop(void)
{
#ifdef HAVE_PTP_CLOCK
	if (ts.ptp)
		ptp_clock_unregister(ts.ptp);
	ts.ptp = NULL;
#endif
	cancel_work_sync(&ts.sync_work);
}
