// SPDX-License-Identifier: GPL-2.0
/*
 * Heartbeat (IC type 1): the host polls; the guest adds one to the sequence
 * number and sends the rest back unchanged (Linux hosts send 32 reserved
 * bytes after it, OpenVMM an application state).
 */
#include "internal.h"

static const u32 hb_frameworks[] = { LIS_IC_VERSION(3, 0), LIS_IC_VERSION(1, 0), 0 };
static const u32 hb_versions[] = { LIS_IC_VERSION(3, 0), LIS_IC_VERSION(1, 0), 0 };

static enum ic_verdict hb_handle(struct lis_ic *ic, struct ic_req *r, u8 *data, u32 size,
				 u32 *status)
{
	u64 seq = ic_get64(data) + 1;

	ic_put64(data, seq);
	ic_note_heartbeat(ic, seq);
	*status = LIS_IC_S_OK;
	return IC_ANSWER;
}

const struct ic_service lis_ic_heartbeat_service = {
	.name = "heartbeat",
	.type = LIS_IC_TYPE_HEARTBEAT,
	.frameworks = hb_frameworks,
	.versions = hb_versions,
	.min_size = sizeof(struct lis_ic_heartbeat),
	.handle = hb_handle,
};
