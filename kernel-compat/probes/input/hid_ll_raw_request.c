/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 3.15: struct hid_ll_driver gained raw_request (GET/SET_REPORT for hidraw
 * and drivers); newer kernels refuse a transport driver without it.
 */
#include <linux/hid.h>

static int lis_probe_hid_raw_request_cb(struct hid_device *hdev, unsigned char reportnum,
					__u8 *buf, size_t len, unsigned char rtype, int reqtype)
{
	return -EIO;
}

LIS_PROBE(hid_ll_raw_request)
{
	static struct hid_ll_driver ll = {
		.raw_request = lis_probe_hid_raw_request_cb,
	};

	LIS_PROBE_USE(&ll);
}
