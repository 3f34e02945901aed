// SPDX-License-Identifier: GPL-2.0
/*
 * VSS, host-initiated backups (IC type 5): FREEZE, THAW and the hot-backup
 * check go to the VSS daemon (which freezes the guest's filesystems); the
 * other operations are answered here (§6.4: direct-mapped-device info with
 * Flags 0, the rest S_OK).  A hot-backup answer says "no auto-recovery".
 * Only VMBus 3.0 and newer hosts get VSS (the glue checks).
 */
#include "internal.h"

/* how long a freeze may take: the daemon syncs and freezes every filesystem */
#define VSS_FREEZE_TIMEOUT_MS	(15u * 60u * 1000u)
#define VSS_TIMEOUT_MS		30000u

static const u32 vss_frameworks[] = { LIS_IC_VERSION(3, 0), 0 };
static const u32 vss_versions[] = { LIS_IC_VERSION(5, 0), 0 };

enum lis_vss_action lis_vss_classify(u8 *data, u32 size, u32 *status, bool *bad)
{
	struct lis_vss_msg *m = (struct lis_vss_msg *)data;

	*bad = false;
	*status = LIS_IC_E_FAIL;
	if (size < sizeof(*m)) {
		*bad = true;
		return LIS_VSS_ANSWER;
	}
	switch (m->hdr.operation) {
	case LIS_VSS_OP_FREEZE:
	case LIS_VSS_OP_THAW:
	case LIS_VSS_OP_HOT_BACKUP:
		return LIS_VSS_TO_DAEMON;
	case LIS_VSS_OP_GET_DM_INFO:
		m->flags = 0;
		*status = LIS_IC_S_OK;
		return LIS_VSS_ANSWER;
	case LIS_VSS_OP_CREATE:
	case LIS_VSS_OP_DELETE:
	case LIS_VSS_OP_BU_COMPLETE:
	case LIS_VSS_OP_AUTO_RECOVER:
		*status = LIS_IC_S_OK;
		return LIS_VSS_ANSWER;
	case LIS_VSS_OP_CLUSTER_INFO:
		/* a 6.0 operation; we speak 5.0 */
		*status = LIS_IC_E_NOT_SUPPORTED;
		return LIS_VSS_ANSWER;
	default:
		*bad = true;
		return LIS_VSS_ANSWER;
	}
}

u32 lis_vss_from_daemon(const struct lis_vss_msg *in, u8 *data, u32 size)
{
	struct lis_vss_msg *m = (struct lis_vss_msg *)data;

	if (m->hdr.operation == LIS_VSS_OP_HOT_BACKUP)
		m->flags = cpu_to_le32(LIS_VSS_HBU_NO_AUTO_RECOVERY);
	return le32_to_cpu(in->error);
}

static enum ic_verdict vss_handle(struct lis_ic *ic, struct ic_req *r, u8 *data, u32 size,
				  u32 *status)
{
	struct lis_vss_msg m;
	bool bad;

	if (lis_vss_classify(data, size, status, &bad) == LIS_VSS_ANSWER) {
		if (bad)
			ic_bad(ic, "VSS request with an unknown operation");
		return IC_ANSWER;
	}
	memcpy(&m, data, sizeof(m));
	return ic_to_daemon(ic, &m, sizeof(m),
			    m.hdr.operation == LIS_VSS_OP_FREEZE ? VSS_FREEZE_TIMEOUT_MS : 0,
			    status);
}

static u32 vss_from_daemon(struct lis_ic *ic, struct ic_req *r, u8 *data, u32 size,
			   const void *reply, u32 len)
{
	if (len != sizeof(struct lis_vss_msg))
		return LIS_IC_E_FAIL;
	return lis_vss_from_daemon(reply, data, size);
}

const struct ic_service lis_ic_vss_service = {
	.name = "vss",
	.type = LIS_IC_TYPE_VSS,
	.frameworks = vss_frameworks,
	.versions = vss_versions,
	.min_size = sizeof(struct lis_vss_msg),
	.default_timeout_ms = VSS_TIMEOUT_MS,
	.handle = vss_handle,
	.from_daemon = vss_from_daemon,
};
