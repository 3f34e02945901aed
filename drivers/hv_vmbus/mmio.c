// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO space for VMBus devices: the synthetic video device's VRAM and the vPCI
 * config windows and BARs live in guest-physical ranges that Hyper-V keeps
 * free for them and describes in the _CRS of the VMBus ACPI device, or of its
 * nearest ancestor that has one (Generation 2 firmware puts them on the
 * enclosing module device).  lis_vmbus_mmio_alloc() hands out pieces of those
 * ranges and reserves each in iomem_resource under the device's name.  The
 * firmware framebuffer (screen_info) stays reserved for the video driver,
 * which may take it over (fb_overlap_ok).
 *
 * A test platform has no VMBus ACPI device: the module that provides it may
 * export lis_vmbus_test_mmio with ranges of its own (lis/vmbus_driver.h).
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/ioport.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <lis_compat/acpi.h>
#include <lis_compat/string.h>
#include "vmbus_glue.h"

#define LIS_MMIO_MAX_RANGES	8
/* the part of a firmware framebuffer kept back, at least (Hyper-V's default) */
#define LIS_MMIO_FB_MIN		(8u << 20)

static struct resource lis_mmio_root[LIS_MMIO_MAX_RANGES];
static unsigned int lis_mmio_nr;
static struct resource lis_mmio_fb = { .name = "hyperv framebuffer", .flags = IORESOURCE_MEM };
static bool lis_mmio_fb_reserved, lis_mmio_fb_taken;
static DEFINE_MUTEX(lis_mmio_lock);

/* one allocation: its place in our tree and its iomem reservation; or a
 * place in our tree someone else holds in iomem (busy: no iomem, skipped by
 * later allocations) */
struct lis_mmio_alloc {
	struct list_head node;
	struct resource res;		/* in lis_mmio_root[] (not for the fb) */
	struct resource *iomem;		/* the reservation in iomem_resource */
	resource_size_t start, size;
	bool fb, busy;
	char name[48];
};
static LIST_HEAD(lis_mmio_allocs);
/* how often one allocation steps over space owned elsewhere */
#define LIS_MMIO_BUSY_RETRIES	8

static void lis_mmio_add_range(u64 start, u64 size)
{
	struct resource *r;
	unsigned int i;
	u64 end;

	end = start + size - 1;
	if (!size || end < start || (resource_size_t)end != end)
		return;
	for (i = 0; i < lis_mmio_nr; i++) {
		if (start <= lis_mmio_root[i].end && end >= lis_mmio_root[i].start)
			return;		/* the same range seen twice */
	}
	if (lis_mmio_nr == LIS_MMIO_MAX_RANGES) {
		pr_warn("hv_vmbus: more than %u MMIO ranges; ignoring %#llx-%#llx\n",
			LIS_MMIO_MAX_RANGES, start, end);
		return;
	}
	r = &lis_mmio_root[lis_mmio_nr++];
	r->name = "hyperv mmio";
	r->flags = IORESOURCE_MEM;
	r->start = start;
	r->end = end;
	pr_info("hv_vmbus: MMIO for VMBus devices at %pR\n", r);
}

#ifdef HAVE_ACPI_WALK_RESOURCES
static acpi_status lis_mmio_walk(struct acpi_resource *res, void *ctx)
{
	struct acpi_resource_address64 a;

	if (res->type != ACPI_RESOURCE_TYPE_ADDRESS32 &&
	    res->type != ACPI_RESOURCE_TYPE_ADDRESS64)
		return AE_OK;
	if (ACPI_FAILURE(acpi_resource_to_address64(res, &a)) ||
	    a.resource_type != ACPI_MEMORY_RANGE)
		return AE_OK;
	lis_mmio_add_range(lis_acpi_addr64(&a, minimum) + lis_acpi_addr64(&a, translation_offset),
			   lis_acpi_addr64(&a, address_length));
	return AE_OK;
}

static acpi_status lis_mmio_found(acpi_handle h, u32 level, void *ctx, void **ret)
{
	*(acpi_handle *)ctx = h;
	return AE_CTRL_TERMINATE;
}

static void lis_mmio_from_acpi(void)
{
	static const char * const hids[] = { "VMBUS", "VMBus" };
	acpi_handle h = NULL, parent;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(hids) && !h; i++)
		acpi_get_devices(hids[i], lis_mmio_found, &h, NULL);
	while (h && h != ACPI_ROOT_OBJECT && !lis_mmio_nr) {
		acpi_walk_resources(h, METHOD_NAME__CRS, lis_mmio_walk, NULL);
		if (ACPI_FAILURE(acpi_get_parent(h, &parent)))
			break;
		h = parent;
	}
}
#else
static void lis_mmio_from_acpi(void)
{
}
#endif

static void lis_mmio_from_test_platform(void)
{
	const struct lis_vmbus_test_mmio *t = symbol_get(lis_vmbus_test_mmio);
	unsigned int i;

	if (!t)
		return;
	for (i = 0; i < t->count && i < ARRAY_SIZE(t->range); i++)
		lis_mmio_add_range(t->range[i].start, t->range[i].size);
	symbol_put(lis_vmbus_test_mmio);
}

/* keep the firmware framebuffer for the video driver */
static void lis_mmio_reserve_fb(void)
{
	u64 base = lis_screen_info_lfb_base();
	resource_size_t size = max_t(resource_size_t, screen_info.lfb_size, LIS_MMIO_FB_MIN);
	unsigned int i;

	if (!base)
		return;
	for (i = 0; i < lis_mmio_nr; i++) {
		struct resource *root = &lis_mmio_root[i];

		if (base < root->start || base > root->end)
			continue;
		lis_mmio_fb.start = base;
		lis_mmio_fb.end = min_t(resource_size_t, base + size - 1, root->end);
		lis_mmio_fb_reserved = !request_resource(root, &lis_mmio_fb);
		return;
	}
}

void lis_mmio_init(bool hyperv)
{
	mutex_lock(&lis_mmio_lock);
	if (hyperv)
		lis_mmio_from_acpi();
	else
		lis_mmio_from_test_platform();
	if (!lis_mmio_nr)
		pr_info("hv_vmbus: no MMIO ranges for VMBus devices\n");
	lis_mmio_reserve_fb();
	mutex_unlock(&lis_mmio_lock);
}

void lis_mmio_exit(void)
{
	struct lis_mmio_alloc *a, *n;

	mutex_lock(&lis_mmio_lock);
	list_for_each_entry_safe(a, n, &lis_mmio_allocs, node) {
		if (!a->busy) {
			pr_warn("hv_vmbus: %s still holds MMIO at %pa\n", a->name, &a->start);
			release_mem_region(a->start, a->size);
		}
		if (!a->fb)
			release_resource(&a->res);
		list_del(&a->node);
		kfree(a);
	}
	if (lis_mmio_fb_reserved)
		release_resource(&lis_mmio_fb);
	lis_mmio_fb_reserved = false;
	lis_mmio_nr = 0;
	mutex_unlock(&lis_mmio_lock);
}

/* the framebuffer itself, when it fits the request */
static bool lis_mmio_try_fb(resource_size_t min, resource_size_t max,
			    resource_size_t size, resource_size_t align)
{
	if (!lis_mmio_fb_reserved || lis_mmio_fb_taken || size > resource_size(&lis_mmio_fb))
		return false;
	if (lis_mmio_fb.start < min || lis_mmio_fb.start + size - 1 > max)
		return false;
	return !(align && (lis_mmio_fb.start & (align - 1)));
}

/* a piece of one of our ranges, reserved in iomem; -ENOSPC when none is free */
static int lis_mmio_from_root(struct resource *root, struct lis_mmio_alloc *a,
			      resource_size_t min, resource_size_t max,
			      resource_size_t size, resource_size_t align)
{
	struct lis_mmio_alloc *busy;
	unsigned int tries;

	for (tries = 0; tries < LIS_MMIO_BUSY_RETRIES; tries++) {
		memset(&a->res, 0, sizeof(a->res));
		a->res.name = a->name;
		a->res.flags = IORESOURCE_MEM;
		if (allocate_resource(root, &a->res, size, max_t(resource_size_t, min, root->start),
				      min_t(resource_size_t, max, root->end), align, NULL, NULL))
			return -ENOSPC;
		a->iomem = request_mem_region(a->res.start, size, a->name);
		if (a->iomem)
			return 0;
		/* someone else (firmware, a PCI BAR) owns it: keep it out of our way */
		busy = kzalloc(sizeof(*busy), GFP_KERNEL);
		if (!busy) {
			release_resource(&a->res);
			return -ENOMEM;
		}
		pr_warn("hv_vmbus: MMIO %pR is in use elsewhere; skipping it\n", &a->res);
		busy->busy = true;
		strscpy(busy->name, "in use elsewhere", sizeof(busy->name));
		busy->res = a->res;
		busy->res.name = busy->name;
		release_resource(&a->res);
		if (request_resource(root, &busy->res)) {
			kfree(busy);
			return -ENOSPC;
		}
		list_add(&busy->node, &lis_mmio_allocs);
	}
	return -ENOSPC;
}

int lis_vmbus_mmio_alloc(struct resource **res, struct lis_vmbus_device *dev,
			 resource_size_t min, resource_size_t max, resource_size_t size,
			 resource_size_t align, bool fb_overlap_ok)
{
	struct lis_mmio_alloc *a;
	unsigned int i;
	int ret = -ENOSPC;

	if (!size || min > max || (align & (align - 1)))
		return -EINVAL;
	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	strscpy(a->name, dev_name(&dev->dev), sizeof(a->name));

	mutex_lock(&lis_mmio_lock);
	if (fb_overlap_ok && lis_mmio_try_fb(min, max, size, align))
		a->iomem = request_mem_region(lis_mmio_fb.start, size, a->name);
	if (a->iomem) {
		a->fb = true;
		a->start = lis_mmio_fb.start;
		lis_mmio_fb_taken = true;
		ret = 0;
	}
	for (i = 0; ret && i < lis_mmio_nr; i++) {
		struct resource *root = &lis_mmio_root[i];

		if (root->end < min || root->start > max)
			continue;
		ret = lis_mmio_from_root(root, a, min, max, size, align ? align : 1);
		if (!ret)
			a->start = a->res.start;
		else if (ret != -ENOSPC)
			break;
	}
	if (!ret) {
		a->size = size;
		list_add(&a->node, &lis_mmio_allocs);
		*res = a->iomem;
	}
	mutex_unlock(&lis_mmio_lock);
	if (ret)
		kfree(a);
	return ret;
}
EXPORT_SYMBOL_GPL(lis_vmbus_mmio_alloc);

void lis_vmbus_mmio_free(resource_size_t start, resource_size_t size)
{
	struct lis_mmio_alloc *a;

	mutex_lock(&lis_mmio_lock);
	list_for_each_entry(a, &lis_mmio_allocs, node) {
		if (a->busy || a->start != start || a->size != size)
			continue;
		list_del(&a->node);
		release_mem_region(a->start, a->size);
		if (a->fb)
			lis_mmio_fb_taken = false;
		else
			release_resource(&a->res);
		kfree(a);
		break;
	}
	mutex_unlock(&lis_mmio_lock);
}
EXPORT_SYMBOL_GPL(lis_vmbus_mmio_free);
