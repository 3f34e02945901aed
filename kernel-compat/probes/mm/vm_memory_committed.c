/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 3.x: vm_memory_committed() exported (the Committed_AS pages), the number
 * the Hyper-V host's memory pressure uses; with it adjust_managed_page_count()
 * (3.11) to show ballooned memory in MemTotal.
 * lis-export: vm_memory_committed adjust_managed_page_count
 */
#include <linux/mman.h>
#include <linux/mm.h>

LIS_PROBE(vm_memory_committed)
{
	adjust_managed_page_count(NULL, 0);
	LIS_PROBE_USE(vm_memory_committed());
}
