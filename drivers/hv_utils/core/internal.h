/* SPDX-License-Identifier: GPL-2.0 */
/* What the hv_utils core files share (not for the glue). */
#ifndef LIS_IC_INTERNAL_H
#define LIS_IC_INTERNAL_H

#include "ic_core.h"

/* ---- the daemon endpoint, service side ---- */

/* err 0: the daemon answered `reply` (len bytes, checked for its kind,
 * valid during the call); -ETIMEDOUT: no answer in time; -EPIPE: the daemon
 * closed the device after reading the request */
typedef void (*lis_icd_done_fn)(void *ctx, u64 cookie, int err, const void *reply, u32 len);

/* queue one message for the daemon (copied); -EBUSY while another is out,
 * -EMSGSIZE too big.  `done` runs exactly once unless lis_icd_cancel() */
int lis_icd_submit(struct lis_icd *d, const void *msg, u32 len, u32 timeout_ms,
		   lis_icd_done_fn done, void *ctx, u64 cookie);
/* forget ctx's request without calling back; returns when no callback for
 * ctx runs any more (process context) */
void lis_icd_cancel(struct lis_icd *d, void *ctx);

/* ---- the framework, for the services ---- */

/* a host request being answered: the packet payload, edited in place */
struct ic_req {
	struct ic_req *next;
	u64 trans_id;
	u32 len;
	u8 data[];
};

/* what a service's handler decided */
enum ic_verdict {
	IC_ANSWER,	/* answer now with *status */
	IC_DEFER,	/* the daemon has it: ic_complete() answers later */
	IC_DROP,	/* unanswerable: dropped */
};

struct ic_service {
	const char *name;
	u16 type;			/* enum lis_ic_type */
	const u32 *frameworks;		/* newest first, 0-terminated */
	const u32 *versions;
	const u32 *versions_alt;	/* shutdown without hibernate */
	u32 min_size;			/* data bytes every request needs */
	u32 default_timeout_ms;		/* daemon services */
	enum ic_verdict (*handle)(struct lis_ic *ic, struct ic_req *r, u8 *data, u32 size,
				  u32 *status);
	/* the daemon's answer into r (daemon services) */
	u32 (*from_daemon)(struct lis_ic *ic, struct ic_req *r, u8 *data, u32 size,
			   const void *reply, u32 len);
};

extern const struct ic_service lis_ic_heartbeat_service;
extern const struct ic_service lis_ic_shutdown_service;
extern const struct ic_service lis_ic_timesync_service;
extern const struct ic_service lis_ic_kvp_service;
extern const struct ic_service lis_ic_vss_service;
extern const struct ic_service lis_ic_fcopy_service;

/* framework services for the handlers */
const struct lis_ic_config *ic_config(struct lis_ic *ic);
u32 ic_version(struct lis_ic *ic);
/* a host message broke a rule: counted, one rate-limited line */
void ic_bad(struct lis_ic *ic, const char *what);
/* after the answer went out (shutdown) */
void ic_power_after_answer(struct lis_ic *ic, enum lis_ic_power action, bool force);
void ic_note_heartbeat(struct lis_ic *ic, u64 seq);
/* IC_SCRATCH_BYTES for the handler that runs (one runs at a time) */
#define IC_SCRATCH_BYTES	sizeof(struct lis_kvp_dmsg)
void *ic_scratch(struct lis_ic *ic);
/* hand the request to the daemon: IC_DEFER, or IC_ANSWER with E_FAIL */
enum ic_verdict ic_to_daemon(struct lis_ic *ic, const void *msg, u32 len, u32 timeout_ms,
			     u32 *status);

/* little-endian field access at any alignment */
static inline u16 ic_get16(const u8 *p)
{
	return (u16)(p[0] | p[1] << 8);
}

static inline u32 ic_get32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static inline u64 ic_get64(const u8 *p)
{
	return (u64)ic_get32(p) | (u64)ic_get32(p + 4) << 32;
}

static inline void ic_put16(u8 *p, u16 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
}

static inline void ic_put32(u8 *p, u32 v)
{
	ic_put16(p, (u16)v);
	ic_put16(p + 2, (u16)(v >> 16));
}

static inline void ic_put64(u8 *p, u64 v)
{
	ic_put32(p, (u32)v);
	ic_put32(p + 4, (u32)(v >> 32));
}

/* decimal text of v into buf[cap] with its NUL: the length, or -ENOSPC */
int ic_u64_to_dec(u64 v, char *buf, u32 cap);
/* the length of the NUL-terminated string in p[cap], or -EINVAL */
int ic_strnlen_nul(const u8 *p, u32 cap);

#endif /* LIS_IC_INTERNAL_H */
