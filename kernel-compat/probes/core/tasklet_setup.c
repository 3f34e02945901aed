/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 5.9: tasklet_setup() with a callback taking struct tasklet_struct *
 * (from_tasklet() recovers the container); tasklet_init() with an unsigned
 * long argument is the older form.
 */
#include <linux/interrupt.h>

static void lis_probe_tasklet_setup_cb(struct tasklet_struct *t)
{
	LIS_PROBE_USE(t);
}

LIS_PROBE(tasklet_setup)
{
	static struct tasklet_struct t;

	tasklet_setup(&t, lis_probe_tasklet_setup_cb);
}
