/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The portable core of uio_hv_generic: a VMBus device's channel handed to a
 * userspace driver (DPDK's netvsc PMD, the fcopy daemon).  It opens the
 * channel notify-only (userspace reads and writes the rings), sets up the
 * receive and send buffers a network device needs, describes what may be
 * mapped — the rings, the interrupt page, the guest-to-host monitor page,
 * the buffers, in the in-tree map order — and checks every mapping request
 * against it: known region, inside it, page-aligned, shared, never
 * executable.
 */
#ifndef LIS_UIO_CORE_H
#define LIS_UIO_CORE_H

#include <lis/vmbus.h>

/* the in-tree uio_hv_generic's map numbers (userspace looks them up so) */
enum lis_uio_map {
	LIS_UIO_RINGS = 0,		/* "txrx_rings": send ring, then receive ring */
	LIS_UIO_INT_PAGE = 1,		/* "int_page" */
	LIS_UIO_MON_PAGE = 2,		/* "monitor_page" */
	LIS_UIO_RECV_BUF = 3,		/* "recv:<gpadl>" */
	LIS_UIO_SEND_BUF = 4,		/* "send:<gpadl>" */
	LIS_UIO_MAPS
};

struct lis_uio_region {
	char name[24];
	void *va;			/* page-aligned; NULL: not there */
	u64 bytes;			/* a page multiple */
};

struct lis_uio;

struct lis_uio_config {
	struct lis_channel *ch;
	u32 ring_bytes;			/* each direction, control page included */
	u32 buf_bytes;			/* receive and send buffers; 0: none */
	/* the host signalled; the host's interrupts stay masked until
	 * userspace enables them (lis_uio_irq_control); event half */
	void (*notify)(void *ctx);
	void *ctx;
};

int lis_uio_create(const struct lis_uio_config *cfg, struct lis_uio **out);
void lis_uio_destroy(struct lis_uio *u);
const struct lis_uio_region *lis_uio_region(const struct lis_uio *u, unsigned int map);
/* may userspace map len bytes at byte offset off of a region?  0 and *va
 * (the kernel address of the first byte), -EINVAL (no such region, outside
 * it, not page-aligned, not a shared mapping), -EPERM (executable) */
int lis_uio_check_map(const struct lis_uio *u, unsigned int map, u64 off, u64 len, bool shared,
		      bool exec, void **va);
/* userspace writes to the device file: 1 enables the host's interrupts and
 * kicks the host (it wrote to the send ring), 0 masks them */
void lis_uio_irq_control(struct lis_uio *u, bool enable);

#endif /* LIS_UIO_CORE_H */
