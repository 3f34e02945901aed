// SPDX-License-Identifier: GPL-2.0
/*
 * File copy, "guest services" (IC type 7): START_FILE_COPY, WRITE_TO_FILE,
 * COMPLETE_FCOPY and CANCEL_FCOPY go to the fcopy daemon.  START's names
 * become UTF-8 in the same fields (§6.5); WRITE goes as the whole 6196-byte
 * message with only its Size bytes of data; COMPLETE and CANCEL as their
 * 36-byte header.  The daemon answers each with a 4-byte status.
 */
#include "internal.h"

#define FC_START_FILE		offsetof(struct lis_fcopy_start, file_name)
#define FC_START_PATH		offsetof(struct lis_fcopy_start, path_name)
#define FC_START_FLAGS		offsetof(struct lis_fcopy_start, copy_flags)
#define FC_WRITE_SIZE		offsetof(struct lis_fcopy_write, size)
#define FC_WRITE_DATA		offsetof(struct lis_fcopy_write, data)

static const u32 fc_frameworks[] = { LIS_IC_VERSION(3, 0), 0 };
static const u32 fc_versions[] = { LIS_IC_VERSION(1, 1), 0 };

static u32 fc_name_in(const u8 *src, u8 *dst, bool *bad)
{
	int n = lis_utf16_to_utf8(src, LIS_FCOPY_PATH_UNITS, true, (char *)dst,
				  2 * LIS_FCOPY_PATH_UNITS);

	if (n == -ENOSPC)
		return LIS_IC_E_FAIL;
	if (n < 0) {
		*bad = true;
		return LIS_IC_E_FAIL;
	}
	return LIS_IC_S_OK;
}

u32 lis_fcopy_to_daemon(const u8 *data, u32 size, u8 *out, u32 *out_len, bool *bad)
{
	u32 op, flags, len, st;

	*bad = false;
	if (size < sizeof(struct lis_fcopy_hdr)) {
		*bad = true;
		return LIS_IC_E_FAIL;
	}
	op = ic_get32(data);
	switch (op) {
	case LIS_FCOPY_OP_START:
		if (size < sizeof(struct lis_fcopy_start))
			break;
		flags = ic_get32(data + FC_START_FLAGS);
		if (flags & ~LIS_FCOPY_FLAGS_KNOWN)
			break;
		memset(out, 0, sizeof(struct lis_fcopy_start));
		memcpy(out, data, FC_START_FILE);
		st = fc_name_in(data + FC_START_FILE, out + FC_START_FILE, bad);
		if (!st)
			st = fc_name_in(data + FC_START_PATH, out + FC_START_PATH, bad);
		if (st)
			return st;
		memcpy(out + FC_START_FLAGS, data + FC_START_FLAGS, 12);
		*out_len = sizeof(struct lis_fcopy_start);
		return LIS_IC_S_OK;
	case LIS_FCOPY_OP_WRITE:
		if (size < FC_WRITE_DATA)
			break;
		len = ic_get32(data + FC_WRITE_SIZE);
		if (len > LIS_FCOPY_DATA_SIZE || FC_WRITE_DATA + len > size)
			break;
		memset(out, 0, sizeof(struct lis_fcopy_write));
		memcpy(out, data, FC_WRITE_DATA + len);
		*out_len = sizeof(struct lis_fcopy_write);
		return LIS_IC_S_OK;
	case LIS_FCOPY_OP_COMPLETE:
	case LIS_FCOPY_OP_CANCEL:
		memcpy(out, data, sizeof(struct lis_fcopy_hdr));
		*out_len = sizeof(struct lis_fcopy_hdr);
		return LIS_IC_S_OK;
	default:
		break;
	}
	*bad = true;
	return LIS_IC_E_FAIL;
}

static enum ic_verdict fc_handle(struct lis_ic *ic, struct ic_req *r, u8 *data, u32 size,
				 u32 *status)
{
	u8 *m = ic_scratch(ic);
	u32 len = 0;
	bool bad;

	*status = lis_fcopy_to_daemon(data, size, m, &len, &bad);
	if (bad)
		ic_bad(ic, "malformed fcopy request");
	if (*status != LIS_IC_S_OK)
		return IC_ANSWER;
	return ic_to_daemon(ic, m, len, 0, status);
}

static u32 fc_from_daemon(struct lis_ic *ic, struct ic_req *r, u8 *data, u32 size,
			  const void *reply, u32 len)
{
	if (len != sizeof(u32))
		return LIS_IC_E_FAIL;
	return ic_get32(reply);
}

const struct ic_service lis_ic_fcopy_service = {
	.name = "fcopy",
	.type = LIS_IC_TYPE_FCOPY,
	.frameworks = fc_frameworks,
	.versions = fc_versions,
	.min_size = sizeof(struct lis_fcopy_hdr),
	.default_timeout_ms = 30000,
	.handle = fc_handle,
	.from_daemon = fc_from_daemon,
};
