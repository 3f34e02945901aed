// SPDX-License-Identifier: GPL-2.0
/*
 * Time sync (IC type 4): the host's UTC clock in 100 ns units since 1601.
 * SYNC steps the guest clock (after boot, resume, restore); SAMPLE is the
 * periodic hint the PTP clock and chrony follow; PROBE needs nothing.  With
 * 4.0 the host also sends the partition reference time at which it read its
 * clock, so the time the message spent on its way can be added back.  The
 * buffer goes back unchanged.
 */
#include "internal.h"

/* a reference-time delta beyond this is not latency: ignore it */
#define TS_MAX_LATENCY_100NS	(10ull * 10000000ull)

static const u32 ts_frameworks[] = { LIS_IC_VERSION(3, 0), LIS_IC_VERSION(1, 0), 0 };
static const u32 ts_versions[] = {
	LIS_IC_VERSION(4, 0), LIS_IC_VERSION(3, 0), LIS_IC_VERSION(1, 0), 0
};

static enum ic_verdict ts_handle(struct lis_ic *ic, struct ic_req *r, u8 *data, u32 size,
				 u32 *status)
{
	const struct lis_ic_config *cfg = ic_config(ic);
	bool v4 = ic_version(ic) >= LIS_IC_VERSION(4, 0);
	u64 parent = ic_get64(data), vm_ref = 0, now;
	u8 flags;

	*status = LIS_IC_E_FAIL;
	if (v4) {
		if (size < sizeof(struct lis_ic_timesync4)) {
			ic_bad(ic, "timesync 4.0 message too short");
			return IC_ANSWER;
		}
		vm_ref = ic_get64(data + 8);
		flags = data[16];
	} else {
		if (size < sizeof(struct lis_ic_timesync)) {
			ic_bad(ic, "timesync message too short");
			return IC_ANSWER;
		}
		flags = data[24];
	}
	if (flags > LIS_IC_TIMESYNC_SAMPLE) {
		ic_bad(ic, "timesync flags of unknown meaning");
		return IC_ANSWER;
	}
	if (parent < LIS_IC_TIME_UNIX_EPOCH) {
		ic_bad(ic, "timesync time before 1970");
		return IC_ANSWER;
	}
	if (flags != LIS_IC_TIMESYNC_PROBE) {
		if (v4 && vm_ref && cfg->ops->reference_time) {
			now = cfg->ops->reference_time(cfg->ctx);
			if (now >= vm_ref && now - vm_ref < TS_MAX_LATENCY_100NS)
				parent += now - vm_ref;
		}
		if (cfg->ops->time_sample)
			cfg->ops->time_sample(cfg->ctx, parent, flags == LIS_IC_TIMESYNC_SYNC);
	}
	*status = LIS_IC_S_OK;
	return IC_ANSWER;
}

const struct ic_service lis_ic_timesync_service = {
	.name = "timesync",
	.type = LIS_IC_TYPE_TIMESYNC,
	.frameworks = ts_frameworks,
	.versions = ts_versions,
	.min_size = sizeof(struct lis_ic_timesync4),
	.handle = ts_handle,
};
