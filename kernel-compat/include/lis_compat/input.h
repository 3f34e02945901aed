/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Input shims (hid_hyperv, hyperv_keyboard).  Keyed only on HAVE_* from
 * kernel-compat/probes/input.
 */
#ifndef LIS_COMPAT_INPUT_H
#define LIS_COMPAT_INPUT_H

#include <linux/hid.h>

/* 3.15 added hid_ll_driver.raw_request; set it where it exists */
#ifdef HAVE_HID_LL_RAW_REQUEST
#define LIS_HID_LL_RAW_REQUEST(fn)	.raw_request = (fn),
#else
#define LIS_HID_LL_RAW_REQUEST(fn)
#endif

#endif
