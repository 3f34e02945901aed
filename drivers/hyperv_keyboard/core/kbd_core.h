/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The portable synthetic-keyboard core (fact sheet §7.2): the protocol
 * handshake (1.0) over the channel API of lis/vmbus.h, then each keystroke
 * turned into the byte stream a PC keyboard controller in translated mode
 * delivers — set-1 make codes, 0x80 for a break, E0/E1 prefixes — for the
 * glue to feed a serio port (atkbd decodes it).  Unicode keystrokes (the
 * host's "type text") become the US-layout key presses that produce the
 * character, with Shift around them when needed; characters no US key
 * produces are dropped and counted.
 */
#ifndef LIS_KBD_CORE_H
#define LIS_KBD_CORE_H

#include <lis/vmbus.h>
#include <lis/wire/kbd.h>

struct lis_kbd;

/* the most bytes one keystroke becomes: Shift make, prefix, make, break,
 * prefix, Shift break */
#define LIS_KBD_MAX_BYTES	8

/* one keystroke (make_code, info as on the wire) into out[]: the number of
 * bytes (0: nothing to send), or -EINVAL (unknown info bits, E0 with E1, a
 * scan code above 0x7F) / -ENOENT (a character no US key produces) */
int lis_kbd_translate(u16 make_code, u32 info, u8 out[LIS_KBD_MAX_BYTES]);

struct lis_kbd_ops {
	/* bytes for the serio port; event context (never sleeps) */
	void (*bytes)(void *ctx, const u8 *b, u32 n);
};

struct lis_kbd_config {
	const struct lis_kbd_ops *ops;
	void *ctx;
	u32 ring_bytes;		/* per direction; 0: 40 KiB */
	u32 timeout_ms;		/* for the handshake; 0: 5 s */
};

int lis_kbd_open(struct lis_channel *ch, const struct lis_kbd_config *cfg, struct lis_kbd **out);
/* keystrokes go to ops->bytes only between start and stop (else dropped) */
void lis_kbd_start(struct lis_kbd *k);
void lis_kbd_stop(struct lis_kbd *k);
void lis_kbd_close(struct lis_kbd *k);

struct lis_kbd_stats {
	u64 keystrokes;		/* delivered */
	u64 dropped;		/* while stopped, or untranslatable characters */
	u64 protocol_errors;
};
void lis_kbd_get_stats(struct lis_kbd *k, struct lis_kbd_stats *st);

#endif /* LIS_KBD_CORE_H */
