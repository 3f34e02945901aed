/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The portable hv_utils core: the integration-component framework (fact
 * sheet §6) and one service per IC.  An IC is one VMBus channel; the host
 * sends requests, the guest answers each in place (same buffer, same length,
 * same transaction id) after checking every field it reads.  Shutdown,
 * heartbeat and timesync are answered here; KVP, VSS and fcopy go to a
 * userspace daemon through a daemon endpoint (struct lis_icd, the logic of
 * the /dev/vmbus/hv_* character devices of §6.5) and are answered when the
 * daemon replies or its time runs out.
 *
 * The glue (the Linux driver, or a unit test) supplies struct lis_ic_ops
 * and the timers of the daemon endpoints; it never sees a wire byte.
 */
#ifndef LIS_IC_CORE_H
#define LIS_IC_CORE_H

#include <lis/vmbus.h>
#include <lis/wire/ic.h>

struct lis_ic;
struct lis_icd;

enum lis_ic_service {
	LIS_IC_HEARTBEAT,
	LIS_IC_SHUTDOWN,
	LIS_IC_TIMESYNC,
	LIS_IC_KVP,
	LIS_IC_VSS,
	LIS_IC_FCOPY,
	LIS_IC_NR_SERVICES
};

/* the name of a service ("heartbeat", "kvp", ...) */
const char *lis_ic_service_name(enum lis_ic_service svc);

enum lis_ic_power {
	LIS_IC_POWER_OFF,
	LIS_IC_POWER_REBOOT,
	LIS_IC_POWER_HIBERNATE,
};

/* what the environment does for the services (any context: never sleep) */
struct lis_ic_ops {
	/* shutdown: called once the host has the S_OK answer */
	void (*power)(void *ctx, enum lis_ic_power action, bool force);
	/* timesync: the host's clock, 100 ns units since 1601, already moved
	 * forward by the time the message spent on its way when the host gave
	 * the partition reference time; sync: step the clock now (after boot
	 * or resume), else a periodic sample */
	void (*time_sample)(void *ctx, u64 host_time, bool sync);
	/* the partition reference counter (100 ns), 0 when there is none */
	u64 (*reference_time)(void *ctx);
};

struct lis_ic_config {
	enum lis_ic_service service;
	const struct lis_ic_ops *ops;
	void *ctx;
	/* KVP, VSS, fcopy: the daemon endpoint (one per service) */
	struct lis_icd *daemon;
	/* how long the daemon may take; 0: the service's default (30 s,
	 * VSS freeze 15 min) */
	u32 daemon_timeout_ms;
	/* shutdown: offer version 3.2 and act on hibernate requests */
	bool hibernate;
	/* bytes per ring; 0: 3 data pages + control page */
	u32 ring_bytes;
};

/* open the channel; from then on the host's requests are answered */
int lis_ic_open(struct lis_channel *ch, const struct lis_ic_config *cfg, struct lis_ic **out);
/* stop: a request still with the daemon is abandoned, the channel closed */
void lis_ic_close(struct lis_ic *ic);

struct lis_ic_stats {
	u32 framework;		/* negotiated (major << 16 | minor); 0 none */
	u32 version;
	bool refused;		/* nothing in common with the host */
	u64 requests;		/* host requests handled (NEGOTIATE included) */
	u64 answers;		/* answers sent */
	u64 protocol_errors;	/* malformed or unexpected host messages */
	u64 daemon_failures;	/* requests the daemon failed or timed out */
	u64 heartbeat_seq;	/* last sequence number answered */
};
void lis_ic_get_stats(struct lis_ic *ic, struct lis_ic_stats *st);

/* ---- pure helpers (the services use them; unit tests call them) -------- */

/*
 * NEGOTIATE in place: `data` is what follows the IC header, `*data_size` its
 * size (updated).  Picks the newest of `ours` (newest first, 0-terminated)
 * that the host lists, for the framework and the service.  0 and the choice
 * (counts 1/1); 1 refused (counts 0/0); -EINVAL malformed (untouched).
 */
int lis_ic_negotiate(u8 *data, u32 avail, u16 *data_size, const u32 *fw_ours,
		     const u32 *svc_ours, u32 *fw, u32 *svc);

/* UTF-16LE (src_units units, stops at a NUL) to NUL-terminated UTF-8 in
 * dst[cap]; the UTF-8 length without the NUL, or -EINVAL (unpaired
 * surrogate, no NUL within src_units when need_nul) / -ENOSPC */
int lis_utf16_to_utf8(const u8 *src, u32 src_units, bool need_nul, char *dst, u32 cap);
/* NUL-terminated UTF-8 (at most src_cap bytes) to UTF-16LE with its NUL in
 * dst[cap_units]; the units written with the NUL, or -EINVAL (bad UTF-8,
 * no NUL) / -ENOSPC */
int lis_utf8_to_utf16(const char *src, u32 src_cap, u8 *dst, u32 cap_units);

/*
 * KVP: host request (the data after the IC header) -> daemon message.
 * 0: forward `out` to the daemon; otherwise the HRESULT to answer the host
 * with at once (and *bad set when the host broke a rule).
 */
u32 lis_kvp_to_daemon(const u8 *data, u32 size, struct lis_kvp_dmsg *out, bool *bad);
/* the daemon's answer `in` -> the host request in place; the status */
u32 lis_kvp_from_daemon(const struct lis_kvp_dmsg *in, u8 *data, u32 size);

/* VSS: the request's operation -> what to do */
enum lis_vss_action {
	LIS_VSS_TO_DAEMON,	/* freeze, thaw, hot backup */
	LIS_VSS_ANSWER,		/* answered here with *status */
};
enum lis_vss_action lis_vss_classify(u8 *data, u32 size, u32 *status, bool *bad);
/* the daemon's answer for `data` (operation already checked) */
u32 lis_vss_from_daemon(const struct lis_vss_msg *in, u8 *data, u32 size);

/* fcopy: host request -> daemon message in out[LIS_FCOPY_DMSG_MAX];
 * 0 and *out_len, or the HRESULT to answer at once */
u32 lis_fcopy_to_daemon(const u8 *data, u32 size, u8 *out, u32 *out_len, bool *bad);

/* ---- daemon endpoints (the character devices' logic) -------------------- */

enum lis_icd_kind {
	LIS_ICD_KVP,
	LIS_ICD_VSS,
	LIS_ICD_FCOPY,
};

struct lis_icd_ops {
	/* a message is ready to read, or the endpoint's state changed
	 * (wake readers and pollers) */
	void (*wake)(void *ctx);
	/* run lis_icd_timeout() in `ms` (replacing an armed timer) / not */
	void (*arm_timer)(void *ctx, u32 ms);
	void (*cancel_timer)(void *ctx);
};

/* version: the driver's version string for the KVP registration answer */
struct lis_icd *lis_icd_create(enum lis_icd_kind kind, const struct lis_icd_ops *ops,
			       void *ctx, const char *version);
/* the endpoint must be idle: no service attached, nobody has it open */
void lis_icd_destroy(struct lis_icd *d);

/* ---- the character device's file operations (process context) ---- */
/* one opener at a time: -EBUSY */
int lis_icd_open(struct lis_icd *d);
void lis_icd_release(struct lis_icd *d);
/* one whole message into buf: its length; -EAGAIN nothing to read;
 * -EINVAL buf too small (the message stays) */
long lis_icd_read(struct lis_icd *d, void *buf, u32 len);
/* one whole message: len; -EINVAL malformed or unexpected */
long lis_icd_write(struct lis_icd *d, const void *buf, u32 len);
/* is there something to read */
bool lis_icd_readable(struct lis_icd *d);
/* the daemon registered (its handshake is done) */
bool lis_icd_registered(struct lis_icd *d);
/* the timer armed through the ops ran out */
void lis_icd_timeout(struct lis_icd *d);

struct lis_icd_stats {
	u64 requests;		/* submitted by the service */
	u64 replies;		/* answered by the daemon */
	u64 timeouts;
	u64 late;		/* replies after the request timed out */
	u64 bad_writes;		/* writes refused */
	u32 registrations;
};
void lis_icd_get_stats(struct lis_icd *d, struct lis_icd_stats *st);

#endif /* LIS_IC_CORE_H */
