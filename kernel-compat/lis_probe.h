/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Included first by every generated probe group.  A probe is one function,
 * lis_probe_<name>(), that uses the kernel API it tests; the runner reads the
 * compiler's diagnostics and charges each error to the probe file it came
 * from, so a probe keeps all of its code in its own file.
 */
#ifndef LIS_PROBE_H
#define LIS_PROBE_H

#define LIS_PROBE(name)				\
	void lis_probe_##name(void);		\
	void lis_probe_##name(void)

/* Keeps a value "used" without generating code the compiler can drop. */
#define LIS_PROBE_USE(x)	((void)(x))

#endif
