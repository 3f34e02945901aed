/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 3.19: napi_complete_done() tells NAPI how much work the poll did (before:
 * napi_complete() only).
 */
#include <linux/netdevice.h>

LIS_PROBE(napi_complete_done)
{
	static struct napi_struct napi;

	napi_complete_done(&napi, 0);
}
