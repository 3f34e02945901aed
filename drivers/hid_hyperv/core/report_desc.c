// SPDX-License-Identifier: GPL-2.0
/*
 * A HID report descriptor walker (HID 1.11 §6.2.2): short items are a prefix
 * byte (size 0/1/2/4, type main/global/local, tag) and their data; long
 * items (prefix 0xFE) are reserved and refused here.  We track only what
 * sizes input reports: Report Size, Report Count and Report ID (globals,
 * with Push/Pop), Input main items, and Collection nesting — enough to check
 * that the host's descriptor is well formed and how long each report may
 * be.  The kernel's HID core does the full parse.
 */
#include "mouse_core.h"

#define RD_TYPE_MAIN		0
#define RD_TYPE_GLOBAL		1
#define RD_TYPE_LOCAL		2
#define RD_LONG_ITEM		0xFE

#define RD_MAIN_INPUT		0x8
#define RD_MAIN_OUTPUT		0x9
#define RD_MAIN_COLLECTION	0xA
#define RD_MAIN_FEATURE		0xB
#define RD_MAIN_END_COLLECTION	0xC
#define RD_GLOBAL_REPORT_SIZE	0x7
#define RD_GLOBAL_REPORT_ID	0x8
#define RD_GLOBAL_REPORT_COUNT	0x9
#define RD_GLOBAL_PUSH		0xA
#define RD_GLOBAL_POP		0xB

#define RD_MAX_STACK		8
#define RD_MAX_DEPTH		16
#define RD_MAX_REPORT_SIZE	256	/* bits per field, as the HID core allows */
#define RD_MAX_REPORT_COUNT	4096
#define RD_MAX_REPORT_BYTES	LIS_HID_MAX_INPUT_REPORT

struct rd_globals {
	u32 size, count, id;
};

int lis_hid_rdesc_parse(const u8 *desc, u32 len, struct lis_hid_rdesc_info *info)
{
	static const u8 data_len[4] = { 0, 1, 2, 4 };
	struct rd_globals g = { 0, 0, 0 }, stack[RD_MAX_STACK];
	u32 bits[256], i = 0, sp = 0, depth = 0, n, v, k, max = 0;
	u8 prefix, type, tag;

	memset(info, 0, sizeof(*info));
	memset(bits, 0, sizeof(bits));
	while (i < len) {
		prefix = desc[i++];
		if (prefix == RD_LONG_ITEM)
			return -EINVAL;
		n = data_len[prefix & 3];
		type = (prefix >> 2) & 3;
		tag = prefix >> 4;
		if (n > len - i)
			return -EINVAL;	/* truncated */
		for (v = 0, k = 0; k < n; k++)
			v |= (u32)desc[i + k] << (8 * k);
		i += n;
		switch (type) {
		case RD_TYPE_MAIN:
			switch (tag) {
			case RD_MAIN_INPUT:
				if ((u64)g.size * g.count + bits[g.id] > 8ull * RD_MAX_REPORT_BYTES)
					return -EINVAL;
				bits[g.id] += g.size * g.count;
				info->input_reports++;
				break;
			case RD_MAIN_COLLECTION:
				if (++depth > RD_MAX_DEPTH)
					return -EINVAL;
				if (depth == 1)
					info->collections++;
				break;
			case RD_MAIN_END_COLLECTION:
				if (!depth--)
					return -EINVAL;
				break;
			case RD_MAIN_OUTPUT:
			case RD_MAIN_FEATURE:
				break;
			default:
				return -EINVAL;
			}
			break;
		case RD_TYPE_GLOBAL:
			switch (tag) {
			case RD_GLOBAL_REPORT_SIZE:
				if (v > RD_MAX_REPORT_SIZE)
					return -EINVAL;
				g.size = v;
				break;
			case RD_GLOBAL_REPORT_COUNT:
				if (v > RD_MAX_REPORT_COUNT)
					return -EINVAL;
				g.count = v;
				break;
			case RD_GLOBAL_REPORT_ID:
				if (!v || v > 255)
					return -EINVAL;
				g.id = v;
				info->report_ids = true;
				break;
			case RD_GLOBAL_PUSH:
				if (sp >= RD_MAX_STACK)
					return -EINVAL;
				stack[sp++] = g;
				break;
			case RD_GLOBAL_POP:
				if (!sp)
					return -EINVAL;
				g = stack[--sp];
				break;
			default:
				break;	/* usage page, logical/physical ranges, units */
			}
			break;
		case RD_TYPE_LOCAL:
			break;		/* usages, designators, strings */
		default:
			return -EINVAL;	/* reserved item type */
		}
	}
	if (depth || !info->input_reports)
		return -EINVAL;
	/* reports without an ID item belong to ID 0; with IDs, none may */
	if (info->report_ids && bits[0])
		return -EINVAL;
	for (k = 0; k < 256; k++)
		if ((bits[k] + 7) / 8 > max)
			max = (bits[k] + 7) / 8;
	info->max_input = max + (info->report_ids ? 1 : 0);
	return info->max_input ? 0 : -EINVAL;
}
