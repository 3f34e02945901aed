/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 6.3: vma->vm_flags became read-only to drivers; vm_flags_set() and
 * vm_flags_clear() change them.
 */
#include <linux/mm.h>

LIS_PROBE(vm_flags_set)
{
	vm_flags_clear(NULL, VM_MAYEXEC);
}
