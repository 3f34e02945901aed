/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Timer and tasklet shims.  Keyed only on HAVE_* from kernel-compat/probes/core.
 */
#ifndef LIS_COMPAT_TIMER_H
#define LIS_COMPAT_TIMER_H

#include <linux/kernel.h>
#include <linux/timer.h>
#include <linux/interrupt.h>

#ifndef HAVE_TIMER_DELETE_SYNC
/* 6.2 renamed del_timer_sync() to timer_delete_sync() */
#define timer_delete_sync(t)	del_timer_sync(t)
#endif

/*
 * The callbacks of timer_setup() and tasklet_setup() take the timer or
 * tasklet itself; the older APIs pass an unsigned long that we set to the
 * same pointer.  Both are one register on x86-64, and kernels this old have
 * no control-flow integrity checks, so the callback is called as is (the
 * cast goes through void (*)(void), which -Wcast-function-type accepts).
 */
#ifndef HAVE_TIMER_SETUP
#define timer_setup(t, cb, flags)					\
	setup_timer((t), (void (*)(unsigned long))(void (*)(void))(cb),	\
		    (unsigned long)(t))
#define from_timer(var, t, field)	container_of(t, typeof(*var), field)
#endif

#ifndef HAVE_TASKLET_SETUP
#define tasklet_setup(t, cb)						\
	tasklet_init((t), (void (*)(unsigned long))(void (*)(void))(cb),	\
		     (unsigned long)(t))
#define from_tasklet(var, t, field)	container_of(t, typeof(*var), field)
#endif

#endif
