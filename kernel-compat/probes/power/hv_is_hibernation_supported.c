/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 5.8: hv_is_hibernation_supported() says whether the VM has the ACPI S4
 * state that hibernation needs (host-initiated hibernation came with it).
 * Without it we do not offer shutdown IC version 3.2.
 * lis-export: hv_is_hibernation_supported
 */
#include <asm/mshyperv.h>

LIS_PROBE(hv_is_hibernation_supported)
{
	LIS_PROBE_USE(hv_is_hibernation_supported());
}
