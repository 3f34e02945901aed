/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 2.6.38 .. 5.7: add_memory(nid, start, size), with CONFIG_MEMORY_HOTPLUG
 * (RHEL 7 and 8); 5.8 added a flags argument (add_memory_mhp_flags).
 * lis-export: add_memory memory_add_physaddr_to_nid memory_block_size_bytes register_memory_notifier
 */
#include <linux/memory_hotplug.h>
#include <linux/memory.h>

LIS_PROBE(add_memory_3args)
{
	int nid = memory_add_physaddr_to_nid(0);

	LIS_PROBE_USE(add_memory(nid, 0, memory_block_size_bytes()));
}
