/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The portable synthetic-video core: one synthvid channel (class
 * {da0a7802-e377-4aac-8e77-0558eb1073f8}, lis/wire/synthvid.h) over
 * lis/vmbus.h — version negotiation (3.5, 3.2, 3.0), the resolutions the host
 * offers (3.5), where the VRAM is, the mode (situation updates), dirty
 * rectangles, and the host's feature changes.  Shared by hyperv_fb and
 * hyperv_drm; the glue maps the VRAM and never sees a wire byte.
 */
#ifndef LIS_SVID_CORE_H
#define LIS_SVID_CORE_H

#include <lis/vmbus.h>
#include <lis/wire/synthvid.h>

struct lis_svid;

struct lis_svid_config {
	struct lis_channel *ch;
	u32 max_version;	/* 0: 3.5 */
	u32 timeout_ms;		/* host answers; 0: 5 s */
};

struct lis_svid_info {
	u32 version;
	u32 depth;		/* bits per pixel: 32 (16 on 3.0 hosts) */
	u32 max_width, max_height;
	u32 default_width, default_height;
	bool dirt_needed;	/* the host wants dirty rectangles */
};

int lis_svid_create(const struct lis_svid_config *cfg, struct lis_svid **out);
void lis_svid_destroy(struct lis_svid *v);
void lis_svid_get_info(struct lis_svid *v, struct lis_svid_info *info);
/* is a mode within what the host allows (and fits in vram_bytes)? */
bool lis_svid_mode_ok(struct lis_svid *v, u32 width, u32 height, u64 vram_bytes);

/* tell the host where the VRAM is (a guest-physical address), and wait for
 * its acknowledgement: from then on writes there are the screen */
int lis_svid_set_vram(struct lis_svid *v, u64 gpa);
/* the mode: on (active) with width x height at pitch bytes per line, and
 * wait for the acknowledgement */
int lis_svid_set_mode(struct lis_svid *v, bool active, u32 width, u32 height, u32 pitch);
/* what changed: [x1, x2) x [y1, y2); nothing is sent unless the host asked
 * for dirty rectangles */
int lis_svid_dirty(struct lis_svid *v, u32 x1, u32 y1, u32 x2, u32 y2);
/* hide the host's pointer (a transparent 1x1 shape) */
int lis_svid_hide_pointer(struct lis_svid *v);
u64 lis_svid_protocol_errors(struct lis_svid *v);

#endif /* LIS_SVID_CORE_H */
