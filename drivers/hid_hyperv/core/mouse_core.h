/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The portable synthetic-mouse core (fact sheet §7.1): the SynthHID
 * handshake over the channel API of lis/vmbus.h — PROTOCOL_REQUEST 2.0,
 * PROTOCOL_RESPONSE, INITIAL_DEVICE_INFO (checked, its HID report descriptor
 * walked), the ACK — then raw HID input reports, each checked against the
 * sizes the descriptor declares, handed to the glue (the kernel's HID core,
 * or a unit test).  Nothing here assumes a report layout.
 */
#ifndef LIS_MOUSE_CORE_H
#define LIS_MOUSE_CORE_H

#include <lis/vmbus.h>
#include <lis/wire/hid.h>

struct lis_mouse;

/* what a report descriptor declares about input reports */
struct lis_hid_rdesc_info {
	bool report_ids;	/* reports start with a report ID byte */
	u32 max_input;		/* bytes of the longest input report, ID included */
	u32 input_reports;	/* Input main items */
	u32 collections;	/* top-level collections */
};

/* walk a HID report descriptor: 0 and *info, or -EINVAL (a truncated or
 * long item where none may be, unbalanced collections or push/pop, a report
 * ID of 0, sizes beyond the HID limits, no Input item at all) */
int lis_hid_rdesc_parse(const u8 *desc, u32 len, struct lis_hid_rdesc_info *info);

struct lis_mouse_ops {
	/* one checked input report; event context (never sleeps) */
	void (*input_report)(void *ctx, const u8 *report, u32 len);
};

struct lis_mouse_config {
	const struct lis_mouse_ops *ops;
	void *ctx;
	u32 ring_bytes;		/* per direction; 0: 40 KiB */
	u32 timeout_ms;		/* for the handshake; 0: 5 s */
};

struct lis_mouse_info {
	u16 vendor, product, version;
	u16 bcd_hid;
	u8 country;
	const u8 *rdesc;	/* the report descriptor (lives with the mouse) */
	u32 rdesc_len;
	struct lis_hid_rdesc_info layout;
};

/* open, handshake, device info, ACK; the reports wait for lis_mouse_start */
int lis_mouse_open(struct lis_channel *ch, const struct lis_mouse_config *cfg,
		   struct lis_mouse **out);
void lis_mouse_get_info(struct lis_mouse *m, struct lis_mouse_info *info);
/* from now on input reports go to ops->input_report (before: dropped) */
void lis_mouse_start(struct lis_mouse *m);
void lis_mouse_stop(struct lis_mouse *m);
void lis_mouse_close(struct lis_mouse *m);

struct lis_mouse_stats {
	u64 reports;		/* handed to the glue */
	u64 dropped;		/* before start, or with no room */
	u64 protocol_errors;	/* malformed or unexpected host messages */
};
void lis_mouse_get_stats(struct lis_mouse *m, struct lis_mouse_stats *st);

#endif /* LIS_MOUSE_CORE_H */
