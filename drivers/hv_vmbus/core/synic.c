// SPDX-License-Identifier: GPL-2.0
/*
 * The synthetic interrupt controller (§1.6, §1.7): per-CPU message and
 * event-flags pages, the VMBus SINT, the interrupt entry and the deferred
 * event half that finds which channels the host signalled.
 */
#include "internal.h"

#define SIEF_LONGS	(LIS_HV_EVENT_FLAGS_BYTES / sizeof(unsigned long))

static void plat_wrmsr(struct lis_vmbus *vmbus, u32 vp, u32 msr, u64 v)
{
	vmbus->plat->write_msr(vmbus->plat->ctx, vp, msr, v);
}

static u64 plat_rdmsr(struct lis_vmbus *vmbus, u32 vp, u32 msr)
{
	return vmbus->plat->read_msr(vmbus->plat->ctx, vp, msr);
}

int lis_vmbus_cpu_up(struct lis_vmbus *vmbus, unsigned int cpu)
{
	struct lis_cpu *c;
	u64 v;

	if (cpu >= vmbus->cfg.nr_cpus)
		return -EINVAL;
	c = &vmbus->cpus[cpu];
	c->vp = vmbus->cfg.env->cpu_to_vp(vmbus->cfg.env_ctx, cpu);
	if (!c->msg_page) {
		c->msg_page = lis_alloc_pages(1);
		c->event_page = lis_alloc_pages(1);
		if (!c->msg_page || !c->event_page) {
			lis_free_pages(c->msg_page, 1);
			lis_free_pages(c->event_page, 1);
			c->msg_page = NULL;
			c->event_page = NULL;
			return -ENOMEM;
		}
	}
	/* reserved bits 11:1 are preserved: read-modify-write */
	v = plat_rdmsr(vmbus, c->vp, LIS_HV_MSR_SIMP);
	v = (v & 0xFFEull) | lis_page_gpa(c->msg_page) | LIS_HV_SIMP_ENABLE;
	plat_wrmsr(vmbus, c->vp, LIS_HV_MSR_SIMP, v);
	v = plat_rdmsr(vmbus, c->vp, LIS_HV_MSR_SIEFP);
	v = (v & 0xFFEull) | lis_page_gpa(c->event_page) | LIS_HV_SIMP_ENABLE;
	plat_wrmsr(vmbus, c->vp, LIS_HV_MSR_SIEFP, v);

	v = plat_rdmsr(vmbus, c->vp, LIS_HV_MSR_SINT0 + LIS_VMBUS_SINT);
	v &= ~(LIS_HV_SINT_VECTOR_MASK | LIS_HV_SINT_MASKED | LIS_HV_SINT_AUTO_EOI);
	v |= (u64)vmbus->vector;
	if (vmbus->auto_eoi)
		v |= LIS_HV_SINT_AUTO_EOI;
	plat_wrmsr(vmbus, c->vp, LIS_HV_MSR_SINT0 + LIS_VMBUS_SINT, v);

	v = plat_rdmsr(vmbus, c->vp, LIS_HV_MSR_SCONTROL);
	plat_wrmsr(vmbus, c->vp, LIS_HV_MSR_SCONTROL, v | LIS_HV_SCONTROL_ENABLE);
	LIS_WRITE_ONCE(c->up, true);
	return 0;
}

void lis_vmbus_cpu_down(struct lis_vmbus *vmbus, unsigned int cpu)
{
	struct lis_cpu *c;
	u64 v;

	if (cpu >= vmbus->cfg.nr_cpus || !vmbus->cpus[cpu].up)
		return;
	c = &vmbus->cpus[cpu];
	LIS_WRITE_ONCE(c->up, false);
	v = plat_rdmsr(vmbus, c->vp, LIS_HV_MSR_SINT0 + LIS_VMBUS_SINT);
	plat_wrmsr(vmbus, c->vp, LIS_HV_MSR_SINT0 + LIS_VMBUS_SINT, v | LIS_HV_SINT_MASKED);
	v = plat_rdmsr(vmbus, c->vp, LIS_HV_MSR_SIMP);
	plat_wrmsr(vmbus, c->vp, LIS_HV_MSR_SIMP, v & 0xFFEull);
	v = plat_rdmsr(vmbus, c->vp, LIS_HV_MSR_SIEFP);
	plat_wrmsr(vmbus, c->vp, LIS_HV_MSR_SIEFP, v & 0xFFEull);
	v = plat_rdmsr(vmbus, c->vp, LIS_HV_MSR_SCONTROL);
	plat_wrmsr(vmbus, c->vp, LIS_HV_MSR_SCONTROL, v & ~LIS_HV_SCONTROL_ENABLE);
}

static unsigned long *sief_area(struct lis_cpu *c)
{
	return (unsigned long *)(c->event_page + LIS_VMBUS_SINT * LIS_HV_EVENT_FLAGS_BYTES);
}

static bool sief_pending(struct lis_cpu *c)
{
	unsigned long *area = sief_area(c);
	unsigned int i;

	for (i = 0; i < SIEF_LONGS; i++)
		if (LIS_READ_ONCE(area[i]))
			return true;
	return false;
}

/* give the slot back to the hypervisor; EOM when it holds more for us */
static void release_slot(struct lis_vmbus *vmbus, struct lis_cpu *c, struct lis_hv_message *slot)
{
	LIS_WRITE_ONCE(slot->message_type, cpu_to_le32(LIS_HV_MESSAGE_TYPE_NONE));
	lis_mb();
	if (LIS_READ_ONCE(slot->message_flags) & LIS_HV_MESSAGE_FLAG_PENDING)
		plat_wrmsr(vmbus, c->vp, LIS_HV_MSR_EOM, 0);
}

void lis_vmbus_isr(struct lis_vmbus *vmbus, unsigned int cpu)
{
	struct lis_hv_message *slot;
	struct lis_cpu *c;
	u32 type;

	if (cpu >= vmbus->cfg.nr_cpus)
		return;
	c = &vmbus->cpus[cpu];
	if (!LIS_READ_ONCE(c->up))
		return;
	slot = &c->msg_page[LIS_VMBUS_SINT];
	type = le32_to_cpu(LIS_READ_ONCE(slot->message_type));
	if (type == LIS_HV_MESSAGE_TYPE_TIMER_EXPIRED) {
		/* legacy stimer0: the kernel's clockevent wants it now */
		if (vmbus->cfg.env->timer_message)
			vmbus->cfg.env->timer_message(vmbus->cfg.env_ctx, cpu);
		release_slot(vmbus, c, slot);
		type = LIS_HV_MESSAGE_TYPE_NONE;
	}
	if (type != LIS_HV_MESSAGE_TYPE_NONE || sief_pending(c))
		vmbus->cfg.env->defer_events(vmbus->cfg.env_ctx, cpu);
}

static void take_message(struct lis_vmbus *vmbus, struct lis_cpu *c)
{
	struct lis_hv_message *slot = &c->msg_page[LIS_VMBUS_SINT];
	unsigned long flags = 0;
	struct lis_msg *m;
	u32 type, size;

	type = le32_to_cpu(LIS_READ_ONCE(slot->message_type));
	if (type == LIS_HV_MESSAGE_TYPE_NONE)
		return;
	lis_rmb();
	if (type == LIS_HV_MESSAGE_TYPE_TIMER_EXPIRED) {
		if (vmbus->cfg.env->timer_message)
			vmbus->cfg.env->timer_message(vmbus->cfg.env_ctx,
						      (unsigned int)(c - vmbus->cpus));
		release_slot(vmbus, c, slot);
		return;
	}
	size = LIS_READ_ONCE(slot->payload_size);
	if (size > LIS_HV_MESSAGE_PAYLOAD_SIZE) {
		vmbus->protocol_errors++;
		lis_err_host("hv_vmbus: dropped a message with payload size %u\n", size);
		release_slot(vmbus, c, slot);
		return;
	}
	m = lis_zalloc_atomic(sizeof(*m));
	if (!m) {
		/* keep it in the slot; the message worker comes back for it */
		lis_err_host("hv_vmbus: no memory for a host message; retrying\n");
		vmbus->cfg.env->defer_messages(vmbus->cfg.env_ctx);
		return;
	}
	m->len = size;
	memcpy(m->data, slot->payload, size);
	release_slot(vmbus, c, slot);
	if (type != LIS_HV_MESSAGE_TYPE_VMBUS) {
		vmbus->protocol_errors++;
		lis_err_host("hv_vmbus: dropped a message of hypervisor type %#x\n", type);
		lis_free(m);
		return;
	}

	lis_spin_lock(&vmbus->msgq_lock, flags);
	if (vmbus->msgq_tail)
		vmbus->msgq_tail->next = m;
	else
		vmbus->msgq_head = m;
	vmbus->msgq_tail = m;
	lis_spin_unlock(&vmbus->msgq_lock, flags);
	vmbus->cfg.env->defer_messages(vmbus->cfg.env_ctx);
}

void lis_vmbus_kick_channel(struct lis_vmbus *vmbus, u32 relid, unsigned int cpu)
{
	if (cpu >= vmbus->cfg.nr_cpus || !relid || relid >= LIS_VMBUS_MAX_RELID)
		return;
	lis_set_bit(relid, sief_area(&vmbus->cpus[cpu]));
	vmbus->cfg.env->defer_events(vmbus->cfg.env_ctx, cpu);
}

void lis_vmbus_run_events(struct lis_vmbus *vmbus, unsigned int cpu)
{
	unsigned long *area, word;
	struct lis_cpu *c;
	unsigned int i, bit;

	if (cpu >= vmbus->cfg.nr_cpus)
		return;
	c = &vmbus->cpus[cpu];
	if (!LIS_READ_ONCE(c->up))
		return;
	/* odd while we may hold a channel pointer from the relid map */
	LIS_WRITE_ONCE(c->seq, c->seq + 1);
	lis_mb();

	/* event flags before the message slot, as Windows does (§2.6) */
	area = sief_area(c);
	for (i = 0; i < SIEF_LONGS; i++) {
		word = LIS_READ_ONCE(area[i]);
		if (!word)
			continue;
		for (bit = 0; bit < LIS_BITS_PER_ULONG; bit++) {
			u32 relid = i * LIS_BITS_PER_ULONG + bit;

			if (!(word & (1UL << bit)))
				continue;
			if (!lis_test_and_clear_bit(relid, area))
				continue;
			lis_channel_dispatch(vmbus, relid);
		}
	}
	take_message(vmbus, c);

	lis_mb();
	LIS_WRITE_ONCE(c->seq, c->seq + 1);
}

/*
 * Wait until no CPU can still be using a channel pointer it read from the
 * relid map before the caller removed it: every CPU that was inside
 * lis_vmbus_run_events has left it once.
 */
void lis_vmbus_grace(struct lis_vmbus *vmbus)
{
	unsigned int cpu;

	for (cpu = 0; cpu < vmbus->cfg.nr_cpus; cpu++) {
		struct lis_cpu *c = &vmbus->cpus[cpu];
		u32 seq = LIS_READ_ONCE(c->seq);

		if (!(seq & 1))
			continue;
		while (LIS_READ_ONCE(c->seq) == seq)
			lis_msleep(1);
	}
}

u32 lis_vmbus_cpu_vp(const struct lis_vmbus *vmbus, unsigned int cpu)
{
	if (cpu >= vmbus->cfg.nr_cpus || !LIS_READ_ONCE(vmbus->cpus[cpu].up))
		return LIS_VMBUS_VP_INVALID;
	return vmbus->cpus[cpu].vp;
}
