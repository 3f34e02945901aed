/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The portable vPCI core: one Hyper-V virtual PCI bus (a VMBus channel of
 * class {44c4f61d-4444-4400-9d52-802e27ede19f}) speaking the vPCI protocol
 * (lis/wire/vpci.h) over the channel API of lis/vmbus.h.  It negotiates the
 * version, follows the host's bus relations and ejects, queries each
 * function's BARs, answers config space accesses (emulating what the host
 * does not serve, routing the rest through the config window the host
 * intercepts), lays out BARs in MMIO windows, and asks the host for MSI
 * interrupts.  The glue (the Linux PCI host bridge and MSI domain, or a unit
 * test) supplies the ops below and never sees a wire byte.
 *
 * Contexts: the channel callback runs in the VMBus event half (atomic); it
 * answers requests and records relations and ejects, then calls
 * ops->kick(), after which the glue calls lis_vpci_work() in process
 * context — where functions are added and removed.  Config accesses and
 * lis_vpci_msi_create(may_sleep = false) work from atomic context.
 */
#ifndef LIS_VPCI_CORE_H
#define LIS_VPCI_CORE_H

#include <lis/vmbus.h>
#include <lis/wire/vpci.h>

struct lis_vpci;

/* one PCI function on the bus, as the host described it */
struct lis_vpci_func {
	/* read-only for the glue */
	struct lis_vpci *bus;
	u32 wslot;
	u8 devfn;			/* device << 3 | function */
	u16 vendor_id;
	u16 device_id;
	u8 revision;
	u8 prog_if;
	u8 subclass;
	u8 base_class;
	u16 subsys_vendor_id;
	u16 subsys_id;
	u32 serial;
	int numa_node;			/* -1: the host did not say */
	u32 probed_bar[LIS_VPCI_BARS];	/* the host's answer, raw */
	u64 bar_size[LIS_VPCI_BARS];	/* 0: none (or the upper half of a 64-bit BAR) */
	bool bar_64[LIS_VPCI_BARS];
	void *priv;			/* the glue's */

	/* the core's */
	struct lis_vpci_func *next;
	bool missing;
	u32 shadow_bar[LIS_VPCI_BARS];
	u16 shadow_cmd;
};

struct lis_vpci_ops {
	/* the config window (LIS_VPCI_CFG_WINDOW_SIZE bytes of MMIO the host
	 * intercepts): `size` (1, 2, 4) bytes at `offset`; any context */
	u32 (*cfg_read)(void *ctx, u32 offset, u32 size);
	void (*cfg_write)(void *ctx, u32 offset, u32 size, u32 value);
	/* the host sent something lis_vpci_work() must handle; any context */
	void (*kick)(void *ctx);
	/* from lis_vpci_work() or lis_vpci_start(), process context: a
	 * function to bring up (lay out its BARs with lis_vpci_func_place(),
	 * then lis_vpci_func_enable(), then scan it), or one that is going
	 * (remove it; the core forgets it when this returns) */
	int (*added)(void *ctx, struct lis_vpci_func *f);
	void (*removed)(void *ctx, struct lis_vpci_func *f);
};

struct lis_vpci_config {
	struct lis_channel *ch;
	const struct lis_vpci_ops *ops;
	void *ctx;
	u64 cfg_window_gpa;		/* where the config window is mapped */
	u32 max_version;		/* 0: newest we speak */
	u32 timeout_ms;			/* host answers; 0: 10 s */
};

/* open the channel, negotiate, wait for the first bus relations (and each
 * function's BARs), enter D0 with the config window */
int lis_vpci_create(const struct lis_vpci_config *cfg, struct lis_vpci **out);
/* the glue's bus is ready: added() for every function present, and for
 * every later arrival */
void lis_vpci_start(struct lis_vpci *v);
/* handle recorded relations and ejects (process context; serialized) */
void lis_vpci_work(struct lis_vpci *v);
/* stop: no more added(), removed() for every function still present (when
 * `notify`), tell the host the resources are released, leave D0, close */
void lis_vpci_destroy(struct lis_vpci *v, bool notify);

u32 lis_vpci_version(const struct lis_vpci *v);
/* malformed or unexpected host packets seen */
u64 lis_vpci_protocol_errors(const struct lis_vpci *v);
/* drain the channel (the channel callback; also usable while polling) */
void lis_vpci_poll(struct lis_vpci *v);

/* ---- BARs: one MMIO window per function and kind (32/64-bit) ---- */

/* bytes and alignment the function's 32-bit (bar64 false) or 64-bit BARs
 * need in one window; 0 when it has none */
u64 lis_vpci_func_mmio_size(const struct lis_vpci_func *f, bool bar64, u64 *align);
/* place those BARs at `base` (aligned as lis_vpci_func_mmio_size said);
 * 64-bit BARs may be placed in a window below 4 GiB */
int lis_vpci_func_place(struct lis_vpci_func *f, bool bar64, u64 base);
/* the address a BAR was placed at (0: none) */
u64 lis_vpci_func_bar_address(const struct lis_vpci_func *f, unsigned int bar);
/* tell the host the resources are assigned (RESOURCES_ASSIGNED) */
int lis_vpci_func_enable(struct lis_vpci_func *f);

/* the function at devfn, NULL if none; valid until removed() for it returns */
struct lis_vpci_func *lis_vpci_find(struct lis_vpci *v, u8 devfn);

/* ---- config space (any context) ---- */

/* the function at devfn: 1, 2 or 4 bytes, naturally aligned, below 4096.
 * 0; -ENODEV when no function is there (reads give all ones); -EINVAL */
int lis_vpci_cfg_read(struct lis_vpci *v, u8 devfn, u32 where, u32 size, u32 *val);
int lis_vpci_cfg_write(struct lis_vpci *v, u8 devfn, u32 where, u32 size, u32 val);

/* ---- interrupts ---- */

struct lis_vpci_msi {
	u64 address;			/* what to program into the device */
	u32 data;
};

/* ask the host for `count` vectors from `vector` on the VPs given (1..32);
 * lowest-priority delivery when several.  may_sleep false: polls the
 * channel (MSI composition runs with interrupts off) */
int lis_vpci_msi_create(struct lis_vpci_func *f, u32 vector, u32 count, const u32 *vps,
			u32 nvps, bool may_sleep, struct lis_vpci_msi *out);
/* give one back (no answer expected; any context) */
void lis_vpci_msi_delete(struct lis_vpci_func *f, const struct lis_vpci_msi *msi);

#endif /* LIS_VPCI_CORE_H */
