/* SPDX-License-Identifier: GPL-2.0 */
/* Test hooks of the userspace port (tests/port/port_user.c). */
#ifndef LIS_PORT_USER_H
#define LIS_PORT_USER_H

#include <stdbool.h>

/* the next lis_alloc_pages() fails (allocation-failure paths) */
extern bool port_fail_next_alloc_pages;
void port_log_clear(void);
bool port_log_contains(const char *needle);

#endif
