/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 4.13: irq_data_get_effective_affinity_mask() — the CPUs an interrupt is
 * really delivered to (x86 picks one of the affinity mask); before, only
 * irq_data_get_affinity_mask().
 */
#include <linux/irq.h>

LIS_PROBE(irq_data_effective_affinity)
{
	const struct cpumask *m = irq_data_get_effective_affinity_mask(NULL);

	LIS_PROBE_USE(m);
}
