// SPDX-License-Identifier: GPL-2.0
/*
 * Shutdown (IC type 3): power off, reboot (3.1) or hibernate (3.2, offered
 * only where the guest can hibernate).  The answer goes out first; the
 * glue acts once it is on the ring.  Unknown flag bits, restart together
 * with hibernate, and a message without its NUL are refused.
 */
#include "internal.h"

#define SD_FLAGS_KNOWN	(LIS_IC_SHUTDOWN_FORCE | LIS_IC_SHUTDOWN_RESTART | \
			 LIS_IC_SHUTDOWN_HIBERNATE)
/* bytes of the host's message text that make it into the log */
#define SD_LOG_TEXT	96

static const u32 sd_frameworks[] = { LIS_IC_VERSION(3, 0), LIS_IC_VERSION(1, 0), 0 };
static const u32 sd_versions[] = {
	LIS_IC_VERSION(3, 2), LIS_IC_VERSION(3, 1), LIS_IC_VERSION(3, 0),
	LIS_IC_VERSION(1, 0), 0
};
static const u32 sd_versions_no_hibernate[] = {
	LIS_IC_VERSION(3, 1), LIS_IC_VERSION(3, 0), LIS_IC_VERSION(1, 0), 0
};

static enum ic_verdict sd_handle(struct lis_ic *ic, struct ic_req *r, u8 *data, u32 size,
				 u32 *status)
{
	u32 reason = ic_get32(data), flags = ic_get32(data + 8);
	u32 text = size - 12, i;
	enum lis_ic_power action;
	char msg[SD_LOG_TEXT + 1];
	int len = 0;

	*status = LIS_IC_E_FAIL;
	if (flags & ~SD_FLAGS_KNOWN) {
		ic_bad(ic, "shutdown flags with unknown bits");
		return IC_ANSWER;
	}
	if ((flags & LIS_IC_SHUTDOWN_RESTART) && (flags & LIS_IC_SHUTDOWN_HIBERNATE)) {
		ic_bad(ic, "shutdown asks to restart and to hibernate");
		return IC_ANSWER;
	}
	if (text > LIS_IC_SHUTDOWN_MESSAGE_SIZE)
		text = LIS_IC_SHUTDOWN_MESSAGE_SIZE;
	if (text) {
		len = ic_strnlen_nul(data + 12, text);
		if (len < 0) {
			ic_bad(ic, "shutdown message without its NUL");
			return IC_ANSWER;
		}
	}
	/* printable ASCII only into the log */
	for (i = 0; i < (u32)len && i < SD_LOG_TEXT; i++)
		msg[i] = data[12 + i] >= 0x20 && data[12 + i] < 0x7f ? (char)data[12 + i] : '?';
	msg[i] = '\0';

	if (flags & LIS_IC_SHUTDOWN_HIBERNATE) {
		if (!ic_config(ic)->hibernate || ic_version(ic) < LIS_IC_VERSION(3, 2)) {
			lis_warn("hv_utils: shutdown: the host asked to hibernate; this guest cannot\n");
			return IC_ANSWER;
		}
		action = LIS_IC_POWER_HIBERNATE;
	} else if (flags & LIS_IC_SHUTDOWN_RESTART) {
		action = LIS_IC_POWER_REBOOT;
	} else {
		action = LIS_IC_POWER_OFF;
	}
	lis_info("hv_utils: shutdown: the host asks to %s (reason %#x%s%s%s)\n",
		 action == LIS_IC_POWER_OFF ? "power off" :
		 action == LIS_IC_POWER_REBOOT ? "reboot" : "hibernate",
		 reason, msg[0] ? ": \"" : "", msg, msg[0] ? "\"" : "");
	ic_power_after_answer(ic, action, flags & LIS_IC_SHUTDOWN_FORCE);
	*status = LIS_IC_S_OK;
	return IC_ANSWER;
}

const struct ic_service lis_ic_shutdown_service = {
	.name = "shutdown",
	.type = LIS_IC_TYPE_SHUTDOWN,
	.frameworks = sd_frameworks,
	.versions = sd_versions,
	.versions_alt = sd_versions_no_hibernate,
	.min_size = 12,
	.handle = sd_handle,
};
