/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 2.6.26 (the HID bus): the HID core as a transport driver sees it —
 * allocate a device, add it (the core parses the report descriptor through
 * ll_driver->parse), feed it raw input reports.  Exported only when the
 * kernel has CONFIG_HID (y or m), which hid_hyperv cannot do without.
 * lis-export: hid_allocate_device hid_add_device hid_destroy_device hid_input_report hid_parse_report __hid_register_driver hid_unregister_driver
 */
#include <linux/hid.h>

LIS_PROBE(hid_add_device)
{
	static u8 report[8];
	struct hid_device *hid = hid_allocate_device();

	if (IS_ERR(hid))
		return;
	if (!hid_add_device(hid))
		hid_input_report(hid, HID_INPUT_REPORT, report, sizeof(report), 1);
	LIS_PROBE_USE(hid_parse_report(hid, report, sizeof(report)));
	hid_destroy_device(hid);
}
