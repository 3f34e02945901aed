/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 5.8: add_memory() gained an mhp_t flags argument (MHP_NONE); before it
 * was add_memory(nid, start, size).  Both need CONFIG_MEMORY_HOTPLUG, and
 * memory_add_physaddr_to_nid() is exported for hv_balloon.
 * lis-export: add_memory memory_add_physaddr_to_nid memory_block_size_bytes register_memory_notifier
 */
#include <linux/memory_hotplug.h>
#include <linux/memory.h>

LIS_PROBE(add_memory_mhp_flags)
{
	int nid = memory_add_physaddr_to_nid(0);

	LIS_PROBE_USE(add_memory(nid, 0, memory_block_size_bytes(), MHP_NONE));
}
