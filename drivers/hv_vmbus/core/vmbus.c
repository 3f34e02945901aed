// SPDX-License-Identifier: GPL-2.0
/*
 * The VMBus connection object: Hyper-V detection through the platform, and
 * creating and destroying the connection's shared pages and state.
 */
#include "internal.h"

static bool cpuid_has(const u32 regs[4], int reg, u32 bits)
{
	return (regs[reg] & bits) == bits;
}

/* the reason is logged only when `log` (a caller may try other platforms) */
static int detect(const struct lis_platform *plat, bool log)
{
	u32 r[4], max;

	plat->cpuid(plat->ctx, 1, r);
	if (!(r[2] & (1u << 31))) {
		if (log)
			lis_info("hv_vmbus: no hypervisor present; not loading\n");
		return -ENODEV;
	}
	plat->cpuid(plat->ctx, LIS_HV_CPUID_VENDOR, r);
	max = r[0];
	if (r[1] != LIS_HV_VENDOR_EBX || r[2] != LIS_HV_VENDOR_ECX || r[3] != LIS_HV_VENDOR_EDX ||
	    max < LIS_HV_CPUID_LIMITS || max > 0x4000FFFFu) {
		if (log)
			lis_info("hv_vmbus: the hypervisor is not Hyper-V; not loading\n");
		return -ENODEV;
	}
	plat->cpuid(plat->ctx, LIS_HV_CPUID_INTERFACE, r);
	if (r[0] != LIS_HV_SIGNATURE_HV1) {
		if (log)
			lis_info("hv_vmbus: Hyper-V interface signature %#x is not Hv#1; not loading\n",
				 r[0]);
		return -ENODEV;
	}
	plat->cpuid(plat->ctx, LIS_HV_CPUID_FEATURES, r);
	if (!cpuid_has(r, 0, LIS_HV_PRIV_SYNIC_MSRS | LIS_HV_PRIV_HYPERCALL_MSRS |
			  LIS_HV_PRIV_VP_INDEX_MSR) ||
	    !cpuid_has(r, 1, LIS_HV_PRIV_POST_MESSAGES | LIS_HV_PRIV_SIGNAL_EVENTS)) {
		if (log)
			lis_err("hv_vmbus: Hyper-V lacks a privilege VMBus needs (SynIC, hypercall, VP index, PostMessage, SignalEvent: %#x/%#x); not loading\n",
				r[0], r[1]);
		return -ENODEV;
	}
	if (max >= LIS_HV_CPUID_ISOLATION) {
		plat->cpuid(plat->ctx, LIS_HV_CPUID_ISOLATION, r);
		if (r[1] & LIS_HV_ISOLATION_TYPE_MASK) {
			/* refused whatever else is available: always said */
			lis_err("hv_vmbus: this is an isolated (confidential, type %u) guest, which LIS does not support; use the distribution's drivers\n",
				r[1] & LIS_HV_ISOLATION_TYPE_MASK);
			return -EPERM;
		}
	}
	return 0;
}

int lis_vmbus_detect(const struct lis_platform *plat)
{
	return detect(plat, true);
}

int lis_vmbus_detect_quiet(const struct lis_platform *plat)
{
	return detect(plat, false);
}

int lis_vmbus_create(const struct lis_vmbus_config *cfg, struct lis_vmbus **out)
{
	struct lis_vmbus *vmbus;
	u32 r[4];
	int ret = -ENOMEM;

	*out = NULL;
	if (!cfg->plat || !cfg->env || !cfg->nr_cpus || cfg->nr_cpus > LIS_MAX_CPUS ||
	    cfg->msg_cpu >= cfg->nr_cpus)
		return -EINVAL;
	ret = lis_vmbus_detect(cfg->plat);
	if (ret)
		return ret;
	ret = -ENOMEM;
	vmbus = lis_zalloc(sizeof(*vmbus));
	if (!vmbus)
		return -ENOMEM;
	vmbus->cfg = *cfg;
	vmbus->plat = cfg->plat;
	vmbus->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : LIS_DEFAULT_TIMEOUT_MS;
	vmbus->msg_conn_id = LIS_VMBUS_MESSAGE_CONNECTION_ID;
	vmbus->next_gpadl = LIS_GPADL_FIRST_HANDLE;
	lis_spin_init(&vmbus->post_lock);
	lis_spin_init(&vmbus->map_lock);
	lis_spin_init(&vmbus->req_lock);
	lis_spin_init(&vmbus->msgq_lock);
	lis_spin_init(&vmbus->gpadl_lock);
	lis_mutex_init(&vmbus->offers_mutex);
	lis_completion_init(&vmbus->all_offers);

	cfg->plat->cpuid(cfg->plat->ctx, LIS_HV_CPUID_ENLIGHTENMENTS, r);
	vmbus->auto_eoi = !(r[0] & LIS_HV_HINT_DEPRECATE_AUTO_EOI);

	vmbus->cpus = lis_zalloc(sizeof(*vmbus->cpus) * cfg->nr_cpus);
	vmbus->post_page = lis_alloc_pages(1);
	vmbus->crash_page = lis_alloc_pages(1);
	vmbus->int_page = lis_alloc_pages(1);
	vmbus->monitor_pages = lis_alloc_pages(2);
	if (!vmbus->cpus || !vmbus->post_page || !vmbus->crash_page ||
	    !vmbus->int_page || !vmbus->monitor_pages)
		goto fail;

	ret = cfg->plat->set_handler(cfg->plat->ctx, vmbus);
	if (ret < 0)
		goto fail;
	if (ret < 16 || ret > 255) {
		lis_err("hv_vmbus: platform gave vector %d\n", ret);
		cfg->plat->clear_handler(cfg->plat->ctx);
		ret = -EINVAL;
		goto fail;
	}
	vmbus->vector = ret;
	*out = vmbus;
	return 0;

fail:
	lis_vmbus_destroy(vmbus);
	return ret;
}

void lis_vmbus_abandon(struct lis_vmbus *vmbus, void *pages, u32 npages)
{
	struct lis_abandoned *a = lis_zalloc(sizeof(*a));
	unsigned long flags = 0;

	if (!a)
		return;		/* not even the bookkeeping: leak the pages */
	a->pages = pages;
	a->npages = npages;
	lis_spin_lock(&vmbus->map_lock, flags);
	a->next = vmbus->abandoned;
	vmbus->abandoned = a;
	lis_spin_unlock(&vmbus->map_lock, flags);
}

void lis_vmbus_destroy(struct lis_vmbus *vmbus)
{
	struct lis_abandoned *a;
	struct lis_msg *m;
	unsigned int cpu;

	if (!vmbus)
		return;
	if (vmbus->vector)
		vmbus->plat->clear_handler(vmbus->plat->ctx);
	lis_channel_free_all(vmbus);
	while ((a = vmbus->abandoned)) {
		vmbus->abandoned = a->next;
		if (vmbus->unloaded || !vmbus->version)
			lis_free_pages(a->pages, a->npages);
		lis_free(a);
	}
	while ((m = vmbus->msgq_head)) {
		vmbus->msgq_head = m->next;
		lis_free(m);
	}
	while ((m = vmbus->offq_head)) {
		vmbus->offq_head = m->next;
		lis_free(m);
	}
	if (vmbus->cpus) {
		for (cpu = 0; cpu < vmbus->cfg.nr_cpus; cpu++) {
			/* a page the host may still write must not be reused */
			if (vmbus->cpus[cpu].up)
				continue;
			lis_free_pages(vmbus->cpus[cpu].msg_page, 1);
			lis_free_pages(vmbus->cpus[cpu].event_page, 1);
		}
		lis_free(vmbus->cpus);
	}
	lis_free_pages(vmbus->post_page, 1);
	lis_free_pages(vmbus->crash_page, 1);
	lis_free_pages(vmbus->int_page, 1);
	lis_free_pages(vmbus->monitor_pages, 2);
	lis_free(vmbus);
}
