/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lis/os.h: the operating-system services a portable core uses — memory,
 * sleeping locks, completions, time, logging.
 *
 * In the kernel they map to the kernel's own primitives (inline, or small
 * functions exported by hv_vmbus for memory shared with the host); in
 * userspace to tests/port/port_user.c.  Either way a core sees one API.
 * (Spinlocks, atomics and barriers are in lis/port.h: they must be inline.)
 */
#ifndef LIS_OS_H
#define LIS_OS_H

#include <lis/port.h>

#ifdef __KERNEL__

#include <linux/slab.h>
#include <linux/mutex.h>
#include <linux/completion.h>
#include <linux/jiffies.h>
#include <linux/delay.h>
#include <linux/printk.h>
#include <linux/ratelimit.h>
#include <linux/sched.h>
#include <linux/nmi.h>

#define lis_zalloc(size)		kzalloc(size, GFP_KERNEL)
#define lis_zalloc_atomic(size)		kzalloc(size, GFP_ATOMIC)
#define lis_free(p)			kfree(p)

typedef struct mutex lis_mutex_t;
#define lis_mutex_init(m)		mutex_init(m)
#define lis_mutex_lock(m)		mutex_lock(m)
#define lis_mutex_unlock(m)		mutex_unlock(m)

typedef struct completion lis_completion_t;
#define lis_completion_init(c)		init_completion(c)
#define lis_completion_reinit(c)	reinit_completion(c)
#define lis_complete(c)			complete(c)
/* 0 when completed, -ETIMEDOUT otherwise */
static inline int lis_wait(lis_completion_t *c, u32 timeout_ms)
{
	return wait_for_completion_timeout(c, msecs_to_jiffies(timeout_ms)) ?
		0 : -ETIMEDOUT;
}

static inline u64 lis_time_ms(void)
{
	return jiffies_to_msecs(jiffies);
}
#define lis_msleep(ms)			msleep(ms)
#define lis_udelay(us)			udelay(us)
#define lis_cond_resched()		cond_resched()
/* a long busy wait (crash path) is not a lockup */
#define lis_touch_watchdog()		touch_nmi_watchdog()
/* an identity for the running thread of execution */
#define lis_current_task()		((const void *)current)

#define lis_err(fmt, ...)		pr_err(fmt, ##__VA_ARGS__)
#define lis_warn(fmt, ...)		pr_warn(fmt, ##__VA_ARGS__)
#define lis_info(fmt, ...)		pr_info(fmt, ##__VA_ARGS__)
#define lis_dbg(fmt, ...)		pr_debug(fmt, ##__VA_ARGS__)
/* host input problems: a line, but never a flood */
#define lis_err_host(fmt, ...)		pr_err_ratelimited(fmt, ##__VA_ARGS__)

#else /* userspace: tests/port/port_user.c */

#include <stdarg.h>

void *lis_zalloc(size_t size);
#define lis_zalloc_atomic(size)		lis_zalloc(size)
void lis_free(void *p);

typedef pthread_mutex_t lis_mutex_t;
#define lis_mutex_init(m)		pthread_mutex_init(m, NULL)
#define lis_mutex_lock(m)		pthread_mutex_lock(m)
#define lis_mutex_unlock(m)		pthread_mutex_unlock(m)

typedef struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned int done;
} lis_completion_t;
void lis_completion_init(lis_completion_t *c);
void lis_completion_reinit(lis_completion_t *c);
void lis_complete(lis_completion_t *c);
int lis_wait(lis_completion_t *c, u32 timeout_ms);

u64 lis_time_ms(void);
void lis_msleep(unsigned int ms);
void lis_udelay(unsigned int us);
#define lis_cond_resched()		do { } while (0)
#define lis_touch_watchdog()		do { } while (0)
#define lis_current_task()		((const void *)(uintptr_t)pthread_self())

void lis_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define LIS_LOG_ERR	3
#define LIS_LOG_WARN	4
#define LIS_LOG_INFO	6
#define LIS_LOG_DEBUG	7
#define lis_err(fmt, ...)	lis_log(LIS_LOG_ERR, fmt, ##__VA_ARGS__)
#define lis_warn(fmt, ...)	lis_log(LIS_LOG_WARN, fmt, ##__VA_ARGS__)
#define lis_info(fmt, ...)	lis_log(LIS_LOG_INFO, fmt, ##__VA_ARGS__)
#define lis_dbg(fmt, ...)	lis_log(LIS_LOG_DEBUG, fmt, ##__VA_ARGS__)
#define lis_err_host(fmt, ...)	lis_log(LIS_LOG_ERR, fmt, ##__VA_ARGS__)

#endif /* __KERNEL__ */

/*
 * Memory shared with the host (rings, GPADL buffers): zeroed, 4 KiB aligned,
 * virtually contiguous; lis_page_gpa() gives each 4 KiB page's guest-physical
 * address.  Kernel: exported by hv_vmbus; userspace: port_user.c.
 */
void *lis_alloc_pages(u32 npages);
void lis_free_pages(void *va, u32 npages);
u64 lis_page_gpa(const void *va);

#endif /* LIS_OS_H */
