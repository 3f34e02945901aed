/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Clock shims for hv_utils' timesync: the PTP clock callbacks and setting
 * the wall clock.  Keyed only on HAVE_* from kernel-compat/probes/ptp.
 */
#ifndef LIS_COMPAT_PTP_H
#define LIS_COMPAT_PTP_H

#include <linux/time.h>
#include <linux/ktime.h>	/* and timekeeping.h where it exists */
#ifdef HAVE_PTP_CLOCK
#include <linux/ptp_clock_kernel.h>
#endif

/* set CLOCK_REALTIME to ns since the Unix epoch */
static inline int lis_set_wall_clock_ns(s64 ns)
{
#ifdef HAVE_DO_SETTIMEOFDAY64
	struct timespec64 ts = ns_to_timespec64(ns);

	return do_settimeofday64(&ts);
#else
	struct timespec ts = ns_to_timespec(ns);

	return do_settimeofday(&ts);
#endif
}

#ifdef HAVE_PTP_CLOCK
/*
 * A clock's read and (refused) write callbacks under one name:
 *   LIS_PTP_GETTIME(name) { ...; *ns = ...; return 0; }
 * defines the kernel's gettime callback around a body that fills `s64 *ns`.
 */
#ifdef HAVE_PTP_CLOCK_GETTIME64
#define LIS_PTP_GETTIME(name)						\
	static int name##_ns(struct ptp_clock_info *info, s64 *ns);	\
	static int name(struct ptp_clock_info *info, struct timespec64 *ts) \
	{								\
		s64 ns;							\
		int ret = name##_ns(info, &ns);				\
									\
		if (!ret)						\
			*ts = ns_to_timespec64(ns);			\
		return ret;						\
	}								\
	static int name##_ns(struct ptp_clock_info *info, s64 *ns)
#define LIS_PTP_SET_GETTIME(info, fn)	((info)->gettime64 = (fn))
#define LIS_PTP_REFUSE_SETTIME(info)	((info)->settime64 = lis_ptp_settime_refused)
static inline int lis_ptp_settime_refused(struct ptp_clock_info *info,
					  const struct timespec64 *ts)
{
	return -EOPNOTSUPP;
}
#else
#define LIS_PTP_GETTIME(name)						\
	static int name##_ns(struct ptp_clock_info *info, s64 *ns);	\
	static int name(struct ptp_clock_info *info, struct timespec *ts) \
	{								\
		s64 ns;							\
		int ret = name##_ns(info, &ns);				\
									\
		if (!ret)						\
			*ts = ns_to_timespec(ns);			\
		return ret;						\
	}								\
	static int name##_ns(struct ptp_clock_info *info, s64 *ns)
#define LIS_PTP_SET_GETTIME(info, fn)	((info)->gettime = (fn))
#define LIS_PTP_REFUSE_SETTIME(info)	((info)->settime = lis_ptp_settime_refused)
static inline int lis_ptp_settime_refused(struct ptp_clock_info *info,
					  const struct timespec *ts)
{
	return -EOPNOTSUPP;
}
#endif

/* frequency steering, refused (the PTP core calls it unchecked) */
#ifdef HAVE_PTP_CLOCK_ADJFINE
static inline int lis_ptp_adjfine_refused(struct ptp_clock_info *info, long scaled_ppm)
{
	return -EOPNOTSUPP;
}
#define LIS_PTP_REFUSE_ADJFREQ(info)	((info)->adjfine = lis_ptp_adjfine_refused)
#else
static inline int lis_ptp_adjfreq_refused(struct ptp_clock_info *info, s32 ppb)
{
	return -EOPNOTSUPP;
}
#define LIS_PTP_REFUSE_ADJFREQ(info)	((info)->adjfreq = lis_ptp_adjfreq_refused)
#endif
#endif /* HAVE_PTP_CLOCK */

#endif
