/* SPDX-License-Identifier: GPL-2.0 */
/* The storvsc core's private state (see storvsc_core.h for the API). */
#ifndef LIS_STORVSC_INTERNAL_H
#define LIS_STORVSC_INTERNAL_H

#include <lis/os.h>
#include "storvsc_core.h"

#define STOR_DEFAULT_TIMEOUT_MS		5000
#define STOR_DEFAULT_SUB_TIMEOUT_MS	10000
/* pages one command may name: bounds each channel's scratch page list */
#define STOR_MAX_TRANSFER		(8u << 20)
#define STOR_MAX_SUBCHANNELS		64
/* how often a timed-out command may be given more time */
#define STOR_MAX_EXTENSIONS		2
/* receive buffer per channel: a storvsc packet is 16 + 64 bytes */
#define STOR_RXBUF_BYTES		512

/*
 * Transaction ids: I/O = generation << 32 | slot, with generation in
 * 1..0x7FFFFFFF (so never 0, never the control bit); control requests
 * (init, reset) = STOR_CTRL_ID | sequence.  Unsolicited host packets carry 0.
 */
#define STOR_CTRL_ID			(1ull << 63)
#define STOR_GEN_MAX			0x7FFFFFFFu

struct stor_chan;

struct stor_slot {
	void *cookie;
	struct stor_chan *chan;
	u32 gen;
	u32 next_free;
	bool busy;
	u8 opcode;
	u32 requested;
	u32 extensions;
	u64 seen_completions;	/* chan->completions when last (re)armed */
};

struct stor_chan {
	struct lis_stor *s;
	struct lis_channel *ch;
	unsigned int cpu;
	/* the send side: the scratch page list, and dead */
	lis_spinlock_t lock;
	bool dead;		/* rescinded: never send again */
	bool open;		/* ours to close */
	u64 *pfns;		/* s->max_pfns entries */
	u64 completions;	/* under s->slot_lock */
	u8 rxbuf[STOR_RXBUF_BYTES];	/* event context only */
};

struct lis_stor {
	struct lis_stor_config cfg;
	struct lis_channel *primary;

	/* what the handshake found */
	u16 version;
	u16 max_channel_count;
	u32 props_flags;
	u32 max_transfer;
	u32 max_pfns;

	/* channels: chans[0] is the primary; entries are published by
	 * storing nchans (release) and never freed before destroy */
	lis_mutex_t chan_lock;
	struct stor_chan **chans;
	u32 max_chans;
	u32 nchans;
	u32 subs_requested;
	bool dying;

	/* request slots and the pending control request */
	lis_spinlock_t slot_lock;
	struct stor_slot *slots;
	u32 depth;
	u32 free_head;		/* depth: none */
	u32 in_flight;
	bool dead;
	u64 ctrl_id;		/* 0: none pending */
	u32 ctrl_seq;
	bool ctrl_answered;
	struct lis_stor_packet ctrl_resp;
	u64 protocol_errors;

	lis_mutex_t ctrl_mutex;	/* one control request at a time */
	lis_completion_t ctrl_done;
};

/* request.c */
int stor_slots_init(struct lis_stor *s, u32 depth);
void stor_slots_free(struct lis_stor *s);
void stor_io_complete(struct stor_chan *c, u64 id, const struct lis_stor_packet *pkt);
void stor_fail_chan(struct lis_stor *s, struct stor_chan *c, u8 status);
void stor_abandon_all(struct lis_stor *s);
void stor_protocol_error(struct lis_stor *s);

/* controller.c */
void stor_chan_event(struct lis_channel *ch, void *ctx);

#endif /* LIS_STORVSC_INTERNAL_H */
