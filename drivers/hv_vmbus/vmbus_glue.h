/* SPDX-License-Identifier: GPL-2.0 */
/* hv_vmbus glue: what the glue files share (kernel only). */
#ifndef LIS_VMBUS_GLUE_H
#define LIS_VMBUS_GLUE_H

#include <lis/vmbus_driver.h>

/* platform_hyperv.c */
extern const struct lis_platform lis_hyperv_platform;
bool lis_hyperv_platform_usable(void);

/* hypercall_page.c (kernels without hv_do_hypercall) */
int lis_own_hypercall_setup(void);
void lis_own_hypercall_teardown(void);
u64 lis_own_hypercall(u64 control, u64 input, u64 output);
u64 lis_raw_hypercall(void *pg, u64 control, u64 input, u64 output);

/* bus.c */
extern struct bus_type lis_vmbus_bus;
int lis_bus_add_channel(struct lis_channel *ch);
void lis_bus_remove_channel(struct lis_channel *ch);
void lis_bus_remove_all(void);

/* mmio.c: the MMIO ranges, from ACPI on Hyper-V, else from a test platform */
void lis_mmio_init(bool hyperv);
void lis_mmio_exit(void);

/* timer.c */
int lis_timer_init(const struct lis_platform *plat);
void lis_timer_cpu_online(unsigned int cpu, u32 vp);
void lis_timer_cpu_offline(unsigned int cpu);
void lis_timer_message(unsigned int cpu);
void lis_timer_stop_all(void);
void lis_timer_exit(void);

/* vmbus_drv.c */
extern struct lis_vmbus *lis_vmbus_conn;

#endif
