/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The serio bus (CONFIG_SERIO): a port registered by a driver, bytes fed to
 * whatever serio driver (atkbd) binds it.  serio_register_port() has been a
 * macro around __serio_register_port() with the owner module since 2.6.
 * hyperv_keyboard cannot do without it.
 * lis-export: __serio_register_port serio_unregister_port serio_interrupt
 */
#include <linux/serio.h>

LIS_PROBE(serio_register_port)
{
	static struct serio port = { .id.type = SERIO_8042_XL };

	serio_register_port(&port);
	serio_interrupt(&port, 0x1e, 0);
	serio_unregister_port(&port);
}
