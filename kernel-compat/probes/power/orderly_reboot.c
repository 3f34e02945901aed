/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 4.1: orderly_reboot() runs /sbin/reboot like orderly_poweroff() runs
 * /sbin/poweroff (falling back to an emergency restart).  RHEL 7 has only
 * orderly_poweroff().
 * lis-export: orderly_reboot
 */
#include <linux/reboot.h>

LIS_PROBE(orderly_reboot)
{
	orderly_reboot();
}
