// SPDX-License-Identifier: GPL-2.0
/* netvsp checks (to come) */
#include "models.h"

void netvsp_tests(void (*run)(const char *name, void (*fn)(struct guest *g)))
{
	(void)run;
}
