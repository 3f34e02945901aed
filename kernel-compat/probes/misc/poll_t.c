/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 4.16: file_operations.poll returns __poll_t (sparse-checked) with the
 * EPOLL* constants; before it returned unsigned int with POLL*.
 */
#include <linux/fs.h>
#include <linux/poll.h>

static __poll_t lis_probe_poll_t_cb(struct file *f, struct poll_table_struct *w)
{
	return EPOLLIN | EPOLLRDNORM;
}

LIS_PROBE(poll_t)
{
	static const struct file_operations fops = {
		.poll = lis_probe_poll_t_cb,
	};

	LIS_PROBE_USE(&fops);
}
