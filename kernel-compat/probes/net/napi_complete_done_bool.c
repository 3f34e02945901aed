/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 4.10: napi_complete_done() returns false when the poll must go on (busy
 * polling owns the context); 3.19 added it returning void.
 */
#include <linux/netdevice.h>

LIS_PROBE(napi_complete_done_bool)
{
	static struct napi_struct napi;
	bool done = napi_complete_done(&napi, 0);

	LIS_PROBE_USE(done);
}
