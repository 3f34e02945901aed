/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory-management helpers (hv_balloon, uio_hv_generic) under one name.
 * Keyed only on HAVE_* from kernel-compat/probes/mm.
 */
#ifndef LIS_COMPAT_MM_H
#define LIS_COMPAT_MM_H

#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/memory_hotplug.h>
#include <linux/memory.h>
#include <linux/vmstat.h>

#if defined(HAVE_ADD_MEMORY_MHP_FLAGS) || defined(HAVE_ADD_MEMORY_3ARGS)
#define LIS_HAVE_HOT_ADD 1
/* add [start, start + size) of guest-physical memory on its node */
static inline int lis_add_memory(u64 start, u64 size)
{
	int nid = memory_add_physaddr_to_nid(start);

#ifdef HAVE_ADD_MEMORY_MHP_FLAGS
	return add_memory(nid, start, size, MHP_NONE);
#else
	return add_memory(nid, start, size);
#endif
}
#endif

/* pages the guest could still use */
static inline unsigned long lis_mem_available(void)
{
#ifdef HAVE_SI_MEM_AVAILABLE
	return si_mem_available();
#else
	return global_page_state(NR_FREE_PAGES);
#endif
}

/* pages of RAM the kernel manages */
static inline unsigned long lis_totalram_pages(void)
{
#ifdef HAVE_TOTALRAM_PAGES_FN
	return totalram_pages();
#else
	return totalram_pages;
#endif
}

/* a page the hypervisor holds (dump tools skip it) */
static inline void lis_page_offline(struct page *p, bool offline)
{
#ifdef HAVE_PAGE_OFFLINE
	if (offline)
		__SetPageOffline(p);
	else
		__ClearPageOffline(p);
#endif
}

/* a mapping that can never become executable (mprotect included) */
static inline void lis_vma_forbid_exec(struct vm_area_struct *vma)
{
#ifdef HAVE_VM_FLAGS_SET
	vm_flags_clear(vma, VM_MAYEXEC);
#else
	vma->vm_flags &= ~VM_MAYEXEC;
#endif
}

#endif
