/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Character-device shims (the daemon devices of hv_utils).  Keyed only on
 * HAVE_* from kernel-compat/probes/misc.
 */
#ifndef LIS_COMPAT_MISC_H
#define LIS_COMPAT_MISC_H

#include <linux/fs.h>
#include <linux/poll.h>

#ifndef HAVE_POLL_T
/* 4.16 added __poll_t and the EPOLL* constants for poll() */
typedef unsigned int __poll_t;
#define EPOLLIN		POLLIN
#define EPOLLRDNORM	POLLRDNORM
#define EPOLLOUT	POLLOUT
#define EPOLLWRNORM	POLLWRNORM
#define EPOLLERR	POLLERR
#define EPOLLHUP	POLLHUP
#endif

#endif
