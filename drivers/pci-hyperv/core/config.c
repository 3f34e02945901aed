// SPDX-License-Identifier: GPL-2.0
/*
 * Config space of the functions on the bus.  The host intercepts a 2-page
 * window: a 32-bit write of a function's wslot at offset 0 selects it, and
 * the second page is its config space.  What the host described in the bus
 * relations (IDs, class, subsystem) is answered from that description; the
 * ROM BAR and the legacy interrupt line and pin read as zero (the bus has
 * MSI only); BARs live in a shadow sized from the host's BAR requirements
 * (so BAR sizing needs no round trip, and Hyper-V's inconsistent BAR reads
 * do not matter) and reach the device when memory decoding is switched on.
 * Everything else goes through the window.
 */
#include "internal.h"

#define CFG_VENDOR	0x00
#define CFG_COMMAND	0x04
#define CFG_CLASS	0x08
#define CFG_BAR0	0x10
#define CFG_BAR5	0x24
#define CFG_SUBSYS	0x2C
#define CFG_ROM		0x30
#define CFG_INTLINE	0x3C
#define CMD_MEMORY	0x0002u

/* ---- BARs ---- */

static u32 bar_flags(const struct lis_vpci_func *f, unsigned int i)
{
	if (f->bar_size[i])
		return f->probed_bar[i] & 0xFu;
	return 0;
}

/* the bits of BAR register i that take an address */
static u32 bar_wmask(const struct lis_vpci_func *f, unsigned int i)
{
	if (f->bar_size[i])
		return f->probed_bar[i] & ~0xFu;
	if (i && f->bar_64[i - 1])
		return f->probed_bar[i];		/* the upper half */
	return 0;
}

void vpci_func_set_bars(struct lis_vpci_func *f, const u32 probed[LIS_VPCI_BARS])
{
	struct lis_vpci *v = f->bus;
	unsigned int i;
	u64 mask, size;

	for (i = 0; i < LIS_VPCI_BARS; i++) {
		u32 p = probed[i];

		f->probed_bar[i] = p;
		f->bar_size[i] = 0;
		f->bar_64[i] = false;
		f->shadow_bar[i] = 0;
		if (i && f->bar_64[i - 1])
			continue;		/* the upper half of the one before */
		if (!p)
			continue;
		if (p & 0x1u) {
			lis_warn("pci-hyperv: %02x.%x: BAR %u is an I/O BAR, which vPCI does not map\n",
				 f->devfn >> 3, f->devfn & 7, i);
			continue;
		}
		if (((p >> 1) & 0x3u) == 0x2u) {
			if (i == LIS_VPCI_BARS - 1) {
				vpci_host_error(v);
				lis_err_host("pci-hyperv: %02x.%x: a 64-bit BAR 5\n",
					     f->devfn >> 3, f->devfn & 7);
				continue;
			}
			mask = ((u64)probed[i + 1] << 32) | (p & ~0xFu);
		} else {
			mask = 0xFFFFFFFF00000000ull | (p & ~0xFu);
		}
		size = ~mask + 1;
		/* a BAR is a naturally aligned power of two, 16 bytes at least */
		if (!size || (size & (size - 1)) || size < 16) {
			vpci_host_error(v);
			lis_err_host("pci-hyperv: %02x.%x: BAR %u has an impossible mask %#llx\n",
				     f->devfn >> 3, f->devfn & 7, i, (unsigned long long)mask);
			continue;
		}
		f->bar_size[i] = size;
		f->bar_64[i] = ((p >> 1) & 0x3u) == 0x2u;
	}
}

u64 lis_vpci_func_mmio_size(const struct lis_vpci_func *f, bool bar64, u64 *align)
{
	u64 total = 0, largest = 0;
	unsigned int i;

	for (i = 0; i < LIS_VPCI_BARS; i++) {
		if (!f->bar_size[i] || f->bar_64[i] != bar64)
			continue;
		total += f->bar_size[i];
		if (f->bar_size[i] > largest)
			largest = f->bar_size[i];
	}
	if (align)
		*align = largest < LIS_HV_PAGE_SIZE ? LIS_HV_PAGE_SIZE : largest;
	return total ? LIS_ALIGN_UP(total, (u64)LIS_HV_PAGE_SIZE) : 0;
}

int lis_vpci_func_place(struct lis_vpci_func *f, bool bar64, u64 base)
{
	bool placed[LIS_VPCI_BARS] = { false };
	u64 align, size = lis_vpci_func_mmio_size(f, bar64, &align), addr = base;
	unsigned int n, i, best;

	if (!size)
		return 0;
	if (base & (align - 1) || base + size < base || (!bar64 && base + size > (1ull << 32)))
		return -EINVAL;
	/* largest first: each BAR stays aligned to its size */
	for (n = 0; n < LIS_VPCI_BARS; n++) {
		best = LIS_VPCI_BARS;
		for (i = 0; i < LIS_VPCI_BARS; i++) {
			if (!f->bar_size[i] || f->bar_64[i] != bar64 || placed[i])
				continue;
			if (best == LIS_VPCI_BARS || f->bar_size[i] > f->bar_size[best])
				best = i;
		}
		if (best == LIS_VPCI_BARS)
			break;
		placed[best] = true;
		f->shadow_bar[best] = (u32)addr & bar_wmask(f, best);
		if (bar64)
			f->shadow_bar[best + 1] = (u32)(addr >> 32);
		addr += f->bar_size[best];
	}
	return 0;
}

u64 lis_vpci_func_bar_address(const struct lis_vpci_func *f, unsigned int bar)
{
	u64 addr;

	if (bar >= LIS_VPCI_BARS || !f->bar_size[bar])
		return 0;
	addr = f->shadow_bar[bar] & bar_wmask(f, bar);
	if (f->bar_64[bar])
		addr |= (u64)f->shadow_bar[bar + 1] << 32;
	return addr;
}

/* ---- the window ---- */

static void select_func(struct lis_vpci *v, const struct lis_vpci_func *f)
{
	if (v->cfg_slot == f->wslot)
		return;
	v->cfg.ops->cfg_write(v->cfg.ctx, LIS_VPCI_CFG_SLOT_OFFSET, 4, f->wslot);
	/* the host must see the slot before the access */
	lis_mb();
	v->cfg_slot = f->wslot;
}

static u32 window_read(struct lis_vpci *v, const struct lis_vpci_func *f, u32 where, u32 size)
{
	select_func(v, f);
	return v->cfg.ops->cfg_read(v->cfg.ctx, LIS_VPCI_CFG_SPACE_OFFSET + where, size);
}

static void window_write(struct lis_vpci *v, const struct lis_vpci_func *f, u32 where,
			 u32 size, u32 val)
{
	select_func(v, f);
	v->cfg.ops->cfg_write(v->cfg.ctx, LIS_VPCI_CFG_SPACE_OFFSET + where, size, val);
}

static struct lis_vpci_func *find_devfn(struct lis_vpci *v, u8 devfn)
{
	struct lis_vpci_func *f;

	for (f = v->funcs; f; f = f->next) {
		if (f->devfn == devfn)
			return f;
	}
	return NULL;
}

struct lis_vpci_func *lis_vpci_find(struct lis_vpci *v, u8 devfn)
{
	struct lis_vpci_func *f;
	unsigned long flags = 0;

	lis_spin_lock(&v->cfg_lock, flags);
	f = find_devfn(v, devfn);
	lis_spin_unlock(&v->cfg_lock, flags);
	return f;
}

static bool cfg_args_ok(u32 where, u32 size)
{
	return (size == 1 || size == 2 || size == 4) && !(where & (size - 1)) &&
	       where + size <= LIS_VPCI_CFG_SPACE_SIZE;
}

/* the dword at an emulated offset, or false when the device answers */
static bool emulated_dword(const struct lis_vpci_func *f, u32 dw, u32 *val)
{
	unsigned int i;

	switch (dw) {
	case CFG_VENDOR:
		*val = f->vendor_id | (u32)f->device_id << 16;
		return true;
	case CFG_CLASS:
		*val = f->revision | (u32)f->prog_if << 8 | (u32)f->subclass << 16 |
		       (u32)f->base_class << 24;
		return true;
	case CFG_SUBSYS:
		*val = f->subsys_vendor_id | (u32)f->subsys_id << 16;
		return true;
	case CFG_ROM:
		*val = 0;
		return true;
	}
	if (dw >= CFG_BAR0 && dw <= CFG_BAR5) {
		i = (dw - CFG_BAR0) / 4;
		*val = (f->shadow_bar[i] & bar_wmask(f, i)) | bar_flags(f, i);
		return true;
	}
	return false;
}

int lis_vpci_cfg_read(struct lis_vpci *v, u8 devfn, u32 where, u32 size, u32 *val)
{
	u32 mask = size == 4 ? ~0u : (1u << (8 * size)) - 1, shift = 8 * (where & 3);
	u32 dw = where & ~3u, d;
	struct lis_vpci_func *f;
	unsigned long flags = 0;

	if (!cfg_args_ok(where, size)) {
		*val = ~0u;
		return -EINVAL;
	}
	lis_spin_lock(&v->cfg_lock, flags);
	f = find_devfn(v, devfn);
	if (!f) {
		lis_spin_unlock(&v->cfg_lock, flags);
		*val = mask;
		return -ENODEV;
	}
	if (emulated_dword(f, dw, &d)) {
		*val = (d >> shift) & mask;
	} else if (dw == CFG_INTLINE) {
		/* interrupt line and pin: none (MSI only) */
		d = window_read(v, f, dw, 4) & 0xFFFF0000u;
		*val = (d >> shift) & mask;
	} else {
		*val = window_read(v, f, where, size) & mask;
		/* memory decoding as we set it (the host does not always
		 * reflect it) */
		if (where == CFG_COMMAND)
			*val = (*val & ~CMD_MEMORY) | (f->shadow_cmd & CMD_MEMORY);
	}
	lis_spin_unlock(&v->cfg_lock, flags);
	return 0;
}

int lis_vpci_cfg_write(struct lis_vpci *v, u8 devfn, u32 where, u32 size, u32 val)
{
	u32 mask = size == 4 ? ~0u : (1u << (8 * size)) - 1, shift = 8 * (where & 3);
	u32 dw = where & ~3u, d;
	struct lis_vpci_func *f;
	unsigned long flags = 0;
	unsigned int i;

	if (!cfg_args_ok(where, size))
		return -EINVAL;
	lis_spin_lock(&v->cfg_lock, flags);
	f = find_devfn(v, devfn);
	if (!f) {
		lis_spin_unlock(&v->cfg_lock, flags);
		return -ENODEV;
	}
	if (dw >= CFG_BAR0 && dw <= CFG_BAR5) {
		/* into the shadow; the device gets it with memory decoding */
		i = (dw - CFG_BAR0) / 4;
		d = f->shadow_bar[i];
		d = (d & ~(mask << shift)) | ((val & mask) << shift);
		f->shadow_bar[i] = d & bar_wmask(f, i);
	} else if (emulated_dword(f, dw, &d) || dw == CFG_INTLINE) {
		/* read-only here */
	} else {
		if (where == CFG_COMMAND) {
			bool on = val & CMD_MEMORY, was = f->shadow_cmd & CMD_MEMORY;

			if (on && !was) {
				for (i = 0; i < LIS_VPCI_BARS; i++) {
					if (bar_wmask(f, i))
						window_write(v, f, CFG_BAR0 + 4 * i, 4,
							     f->shadow_bar[i]);
				}
			}
			f->shadow_cmd = (f->shadow_cmd & ~CMD_MEMORY) | (on ? CMD_MEMORY : 0);
		}
		window_write(v, f, where, size, val & mask);
	}
	lis_spin_unlock(&v->cfg_lock, flags);
	return 0;
}
