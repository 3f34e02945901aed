/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The portable storvsc core: one controller (a primary channel and its
 * sub-channels) speaking the storvsc protocol (fact sheet §4) over the
 * channel API of lis/vmbus.h.  It brings the controller up, turns commands
 * into EXECUTE_SRB packets, checks every completion and maps its SRB status,
 * SCSI status and sense data to a neutral result.  The glue (the Linux SCSI
 * host, or a unit test) supplies the ops below and never sees a wire byte.
 *
 * Transaction ids are the core's own (slot index and generation): no pointer
 * ever goes to the host, and a completion whose id is unknown, stale or on
 * the wrong channel is logged and dropped.
 */
#ifndef LIS_STORVSC_CORE_H
#define LIS_STORVSC_CORE_H

#include <lis/vmbus.h>
#include <lis/wire/storvsc.h>

struct lis_stor;

/* what a finished command means to the midlayer */
enum lis_stor_status {
	LIS_STOR_OK = 0,	/* delivered: scsi_status (and sense) say the rest */
	LIS_STOR_ERROR,		/* transport error: retry within the retry budget */
	LIS_STOR_BUSY,		/* the host is busy: retry later */
	LIS_STOR_REQUEUE,	/* retry without counting it (state changed) */
	LIS_STOR_NO_DEVICE,	/* no such LUN/target/path (hot removed) */
	LIS_STOR_ABORTED,	/* the controller is going away */
};

/* what the glue should do besides finishing the command */
enum lis_stor_action {
	LIS_STOR_ACT_NONE = 0,
	LIS_STOR_ACT_RESCAN_LUN,	/* its capacity or parameters changed */
	LIS_STOR_ACT_RESCAN_BUS,	/* LUNs were added or removed */
};

struct lis_stor_result {
	u8 status;		/* enum lis_stor_status */
	u8 action;		/* enum lis_stor_action */
	u8 scsi_status;		/* SAM status byte */
	u8 sense_len;		/* bytes valid in sense[] */
	u8 sense[LIS_STOR_SENSE_SIZE];
	u32 transferred;	/* bytes the host moved */
	u32 residual;		/* requested - transferred */
	u8 srb_status;		/* raw, for logs */
	u32 nt_status;		/* raw, for logs */
};

/* map one completed SRB (already length-checked) to a result; requested is
 * the transfer length that was asked for, opcode the CDB's first byte */
void lis_stor_map_result(const struct lis_stor_srb *srb, u32 nt_status, u32 requested,
			 u8 opcode, struct lis_stor_result *res);

/* ---- data: segments become one GPA-direct range -------------------------- */

/* a piece of the data buffer: `len` bytes at byte `offset` of 4 KiB frame
 * `pfn`; offset may exceed a page and len may span pages */
struct lis_stor_seg {
	u64 pfn;
	u32 offset;
	u32 len;
};

/* the page list of one range, built segment by segment */
struct lis_stor_dmap {
	u64 *pfns;
	u32 max_pfns;
	u32 npfns;
	u32 first_offset;	/* byte offset into pfns[0] */
	u32 len;		/* bytes so far */
	u64 end_gpa;		/* where the last segment ended */
};

void lis_stor_dmap_init(struct lis_stor_dmap *m, u64 *pfns, u32 max_pfns);
/* 0; -EXDEV when the segment cannot continue the range (a hole: the data
 * must be bounced); -E2BIG past max_pfns; -EINVAL for an empty segment or
 * arithmetic overflow */
int lis_stor_dmap_add(struct lis_stor_dmap *m, const struct lis_stor_seg *seg);

/* ---- the controller ------------------------------------------------------- */

struct lis_stor_ops {
	/* a command finished; from the channel's event context (or from
	 * lis_stor_kill's caller) */
	void (*complete)(void *ctx, void *cookie, const struct lis_stor_result *res);
	/* the host will never answer this command (lis_stor_reset gave it up);
	 * the midlayer's error handler owns it.  Optional. */
	void (*abandoned)(void *ctx, void *cookie);
	/* the host reported a change of LUNs (ENUMERATE_BUS, REMOVE_DEVICE);
	 * event context */
	void (*bus_changed)(void *ctx);
	/* the OS CPU a sub-channel's interrupts should go to (index 1..n) */
	unsigned int (*pick_cpu)(void *ctx, unsigned int index);
};

struct lis_stor_config {
	const struct lis_stor_ops *ops;
	void *ctx;
	u32 ring_bytes;		/* per direction, page multiple */
	unsigned int nr_cpus;	/* online CPUs: sub-channels = min(host max, CPUs - 1) */
	u32 queue_depth;	/* commands in flight per controller */
	u32 timeout_ms;		/* each init step; 0: 5000 */
	u32 subchannel_timeout_ms; /* CREATE_SUB_CHANNELS; 0: 10000 */
	bool ide;		/* the IDE accelerator: no sub-channels */
	u16 max_version;	/* 0: newest we speak */
};

/* open the primary, run the handshake (begin, versions 6.2 -> 6.0 -> 5.1,
 * properties, end) and ask for sub-channels; they open as they are offered */
int lis_stor_create(struct lis_channel *primary, const struct lis_stor_config *cfg,
		    struct lis_stor **out);
/* close every channel and free; no callback runs after it returns */
void lis_stor_destroy(struct lis_stor *s);

struct lis_stor_info {
	u16 version;		/* negotiated protocol version */
	u16 max_channel_count;	/* host's MaxChannelCount */
	u32 props_flags;
	u32 max_transfer;	/* usable bytes per command (page multiple) */
	u32 max_pfns;		/* pages one command's range may name */
	u32 subchannels_requested;
	u32 channels_open;	/* primary + open sub-channels */
	u32 queue_depth;
};
void lis_stor_get_info(struct lis_stor *s, struct lis_stor_info *info);

/* ---- commands -------------------------------------------------------------- */

enum lis_stor_dir {
	LIS_STOR_DIR_NONE = 0,
	LIS_STOR_DIR_READ,	/* from the device */
	LIS_STOR_DIR_WRITE,	/* to the device */
};

struct lis_stor_cmd {
	u8 cdb[LIS_STOR_CDB_MAX];
	u8 cdb_len;
	u8 dir;			/* enum lis_stor_dir */
	u8 port, path, target, lun;
	bool tagged;		/* the device does tagged queueing */
	u32 timeout_s;		/* SRB TimeOutValue */
	u32 data_len;
	/* the data segments, in order: 1 and *seg filled, 0 at the end */
	int (*next_seg)(void *it, struct lis_stor_seg *seg);
	void *seg_it;
	void *cookie;		/* handed back in complete()/abandoned() */
	unsigned int cpu;	/* submitting CPU: chooses the channel */
};

/* 0: sent (complete() will run, or abandoned()); -EBUSY: no slot or the
 * ring is full, try later; -EXDEV: the segments leave a hole, bounce the
 * data through one contiguous buffer; -EINVAL: a command we cannot send;
 * -ENODEV: the controller is gone */
int lis_stor_submit(struct lis_stor *s, const struct lis_stor_cmd *cmd);

/* the midlayer's timer expired for `cookie`: true to give the host more
 * time (it is still completing other commands and this one has not been
 * extended too often), false to hand it to the error handler */
bool lis_stor_timed_out(struct lis_stor *s, void *cookie);

/* RESET_BUS on the primary and wait for it; then every command still in
 * flight is given up (abandoned(); a late completion is dropped) */
int lis_stor_reset(struct lis_stor *s);

/* the device is gone (rescinded): fail everything in flight with
 * LIS_STOR_ABORTED and refuse new commands with -ENODEV */
void lis_stor_kill(struct lis_stor *s);

/* commands in flight, and host input the core rejected (tests, debugfs) */
u32 lis_stor_in_flight(struct lis_stor *s);
u64 lis_stor_protocol_errors(struct lis_stor *s);

#endif /* LIS_STORVSC_CORE_H */
