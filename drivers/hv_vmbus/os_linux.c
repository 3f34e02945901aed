// SPDX-License-Identifier: GPL-2.0
/*
 * Memory shared with the host, for the portable cores (lis/os.h): zeroed,
 * 4 KiB aligned, virtually contiguous.  Small buffers come from the page
 * allocator (physically contiguous, in the linear map, so hypercall input
 * pages work with the kernel's hypercall helpers); large ones from vmalloc.
 */
#include <linux/mm.h>
#include <linux/gfp.h>
#include <linux/vmalloc.h>
#include <linux/slab.h>
#include <asm/io.h>
#include <lis/os.h>

/* up to 64 KiB from the page allocator; more from vmalloc */
#define LIS_LINEAR_MAX_ORDER	4

void *lis_alloc_pages(u32 npages)
{
	size_t bytes = (size_t)npages * LIS_HV_PAGE_SIZE;

	if (!npages)
		return NULL;
	if (get_order(bytes) <= LIS_LINEAR_MAX_ORDER)
		return alloc_pages_exact(bytes, GFP_KERNEL | __GFP_ZERO);
	return vzalloc(bytes);
}

void lis_free_pages(void *va, u32 npages)
{
	if (!va)
		return;
	if (is_vmalloc_addr(va))
		vfree(va);
	else
		free_pages_exact(va, (size_t)npages * LIS_HV_PAGE_SIZE);
}

u64 lis_page_gpa(const void *va)
{
	unsigned long off = (unsigned long)va & ~PAGE_MASK;

	if (is_vmalloc_addr(va))
		return ((u64)vmalloc_to_pfn(va) << PAGE_SHIFT) + off;
	return (u64)virt_to_phys((void *)va);
}
