/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 4.3: strscpy(), the bounded copy that always terminates.
 */
#include <linux/string.h>

LIS_PROBE(strscpy)
{
	char buf[8];

	LIS_PROBE_USE(strscpy(buf, "lis", sizeof(buf)));
}
