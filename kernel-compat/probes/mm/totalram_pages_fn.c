/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 5.0: totalram_pages became a function, totalram_pages(), over the atomic
 * _totalram_pages; before it was an unsigned long variable.
 */
#include <linux/mm.h>

LIS_PROBE(totalram_pages_fn)
{
	LIS_PROBE_USE(totalram_pages());
}
