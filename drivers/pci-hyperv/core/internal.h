/* SPDX-License-Identifier: GPL-2.0 */
/* The vPCI core's own structures, shared by its files (portable). */
#ifndef LIS_VPCI_INTERNAL_H
#define LIS_VPCI_INTERNAL_H

#include "vpci_core.h"

#define VPCI_RING_BYTES		(16u * 1024u)	/* each direction, control page included */
#define VPCI_RX_BYTES		VPCI_RING_BYTES	/* no packet is larger than the ring */
#define VPCI_MAX_WSLOTS		256		/* wslot: 8 bits used */
#define VPCI_REQ_SLOTS		16
#define VPCI_RESP_BYTES		32		/* the largest completion we parse */
#define VPCI_DEFAULT_TIMEOUT_MS	10000
#define VPCI_POLL_US		10

/* a request waiting for the host's completion */
struct vpci_req {
	u64 id;				/* 0: slot free */
	bool done;
	u32 resp_len;
	u8 resp[VPCI_RESP_BYTES];
	lis_completion_t completion;
};

/* relations the host sent, kept until lis_vpci_work() applies them */
struct vpci_relations {
	u32 count;
	struct lis_vpci_func_desc2 desc[];	/* v1 descriptions widened */
};

struct lis_vpci {
	struct lis_vpci_config cfg;
	struct lis_channel *ch;
	u32 version;
	u32 timeout_ms;
	bool open;

	lis_spinlock_t rx_lock;		/* one consumer of the ring at a time */
	u8 *rx_buf;

	lis_spinlock_t req_lock;
	struct vpci_req req[VPCI_REQ_SLOTS];
	u32 req_gen;

	/* recorded by the channel callback, taken by lis_vpci_work() */
	lis_spinlock_t ev_lock;
	struct vpci_relations *pending_rel;
	unsigned long eject[VPCI_MAX_WSLOTS / LIS_BITS_PER_ULONG];
	bool dying;
	lis_completion_t rel_arrived;

	lis_mutex_t work_lock;		/* lis_vpci_work, start, destroy */
	struct lis_vpci_func *funcs;	/* changes under work_lock and cfg_lock */
	unsigned int relations_applied;
	bool started;

	lis_spinlock_t cfg_lock;	/* the config window's slot register */
	u32 cfg_slot;			/* selected wslot; ~0: none */

	u64 protocol_errors;
};

/* a little-endian u32 at any alignment */
static inline u32 vpci_le32(const void *p)
{
	__le32 v;

	memcpy(&v, p, sizeof(v));
	return le32_to_cpu(v);
}

/* protocol.c */
int vpci_request(struct lis_vpci *v, const void *msg, u32 len, void *resp, u32 resp_size,
		 u32 *resp_len, bool may_sleep);
/* a successful answer shorter than its kind must be */
int vpci_short_answer(struct lis_vpci *v, u32 type, u32 len, u32 need);
int vpci_send(struct lis_vpci *v, const void *msg, u32 len);
void vpci_host_error(struct lis_vpci *v);
static inline bool vpci_status_ok(u32 status)
{
	return !(status & 0x80000000u);	/* NTSTATUS: negative is failure */
}

/* bus.c */
void vpci_record_relations(struct lis_vpci *v, const u8 *data, u32 len, bool v2);
void vpci_record_eject(struct lis_vpci *v, const u8 *data, u32 len);
void vpci_free_funcs(struct lis_vpci *v, bool notify);

/* config.c */
void vpci_func_set_bars(struct lis_vpci_func *f, const u32 probed[LIS_VPCI_BARS]);

#endif /* LIS_VPCI_INTERNAL_H */
