// SPDX-License-Identifier: GPL-2.0
/*
 * The hypervisor half of hostsim: CPUID, the synthetic MSRs, the
 * PostMessage/SignalEvent hypercalls, and SynIC delivery (messages into
 * SIMP slots, event flags into the SIEF page, monitor-page scanning).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

/* ---- CPUID (§1.1, §1.2) ------------------------------------------------------ */
void hs_guest_cpuid(struct hs_host *h, uint32_t leaf, uint32_t regs[4])
{
	unsigned int mode = h->cfg.cpuid_mode;
	uint32_t a = 0, b = 0, c = 0, d = 0;

	if (leaf == 1) {
		if (mode != HS_CPUID_NOT_HYPERVISOR)
			c = 1u << 31;
	} else if (leaf >= CPUID_HV_VENDOR && leaf <= 0x4000FFFFu &&
		   mode != HS_CPUID_NOT_HYPERVISOR) {
		if (mode == HS_CPUID_WRONG_VENDOR) {
			if (leaf == CPUID_HV_VENDOR) {
				/* "KVMKVMKVM\0\0\0" */
				a = CPUID_HV_INTERFACE;
				b = 0x4B4D564Bu;
				c = 0x564B4D56u;
				d = 0x0000004Du;
			}
			goto out;
		}
		switch (leaf) {
		case CPUID_HV_VENDOR:
			/* "Microsoft Hv" */
			a = CPUID_HV_MAX_LEAF;
			b = 0x7263694Du;
			c = 0x666F736Fu;
			d = 0x76482074u;
			break;
		case CPUID_HV_INTERFACE:
			a = HV_SIGNATURE_HV1;
			break;
		case CPUID_HV_VERSION:
			a = 20348;		/* build */
			b = 10u << 16;		/* 10.0 */
			break;
		case CPUID_HV_FEATURES:
			a = HV_PRIV_TIME_REF_COUNT | HV_PRIV_SYNIC | HV_PRIV_HYPERCALL |
			    HV_PRIV_VP_INDEX;
			if (mode == HS_CPUID_NO_SYNIC)
				a &= ~HV_PRIV_SYNIC;
			b = HV_PRIVB_POST_MESSAGES | HV_PRIVB_SIGNAL_EVENTS;
			if (mode == HS_CPUID_NO_POST_MESSAGES)
				b &= ~HV_PRIVB_POST_MESSAGES;
			break;
		case CPUID_HV_RECOMMEND:
			a = h->cfg.deprecate_auto_eoi ? HV_RECOMMEND_NO_AUTOEOI : 0;
			b = 0xFFFFFFFFu;	/* never notify long spin waits */
			break;
		case CPUID_HV_LIMITS:
			a = h->cfg.nr_vps;
			b = h->cfg.nr_vps;
			break;
		case CPUID_HV_ISOLATION:
			b = h->cfg.isolation_type & 0xF;
			break;
		default:
			break;
		}
	}
out:
	regs[0] = a;
	regs[1] = b;
	regs[2] = c;
	regs[3] = d;
}

/* ---- MSRs (§1.3 – §1.6) ------------------------------------------------------ */
static bool synic_msr(uint32_t msr)
{
	return (msr >= MSR_SCONTROL && msr <= MSR_EOM) || (msr >= MSR_SINT0 && msr <= MSR_SINT15);
}

static uint64_t ref_time(struct hs_host *h)
{
	struct timespec now;
	int64_t ns;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ns = (int64_t)(now.tv_sec - h->t0.tv_sec) * 1000000000 + (now.tv_nsec - h->t0.tv_nsec);
	return (uint64_t)ns / 100;
}

uint64_t hs_reference_time(struct hs_host *h)
{
	return ref_time(h);
}

uint64_t hs_guest_rdmsr(struct hs_host *h, uint32_t vp, uint32_t msr)
{
	struct hs_vp *v;
	uint64_t val = 0;

	if (vp >= h->cfg.nr_vps)
		return 0;
	if (synic_msr(msr) && h->cfg.cpuid_mode == HS_CPUID_NO_SYNIC)
		return 0;
	v = &h->vp[vp];
	hs_lock(h);
	switch (msr) {
	case MSR_GUEST_OS_ID:
		val = h->guest_os_id;
		break;
	case MSR_HYPERCALL:
		val = h->hypercall;
		break;
	case MSR_VP_INDEX:
		val = vp;
		break;
	case MSR_TIME_REF_COUNT:
		val = ref_time(h);
		break;
	case MSR_SCONTROL:
		val = v->scontrol;
		break;
	case MSR_SVERSION:
		val = 1;
		break;
	case MSR_SIEFP:
		val = v->siefp;
		break;
	case MSR_SIMP:
		val = v->simp;
		break;
	case MSR_EOM:
		val = 0;
		break;
	default:
		if (msr >= MSR_SINT0 && msr <= MSR_SINT15)
			val = v->sint[msr - MSR_SINT0];
		break;
	}
	hs_unlock(h);
	return val;
}

/* the hypervisor's code in the hypercall page: vmcall; ret */
static void fill_hypercall_page(struct hs_host *h, uint64_t gpa)
{
	static const uint8_t stub[] = { 0x0F, 0x01, 0xC1, 0xC3 };
	uint8_t *p = hs_map(h, gpa, HV_PAGE);

	if (p)
		memcpy(p, stub, sizeof(stub));
	else
		hs_protocol_error(h, "hypercall page GPA %#llx is not guest RAM",
				  (unsigned long long)gpa);
}

static void check_overlay(struct hs_host *h, uint64_t val, const char *what)
{
	if ((val & SYNIC_PAGE_ENABLE) && !hs_map(h, val & ~(uint64_t)(HV_PAGE - 1), HV_PAGE))
		hs_protocol_error(h, "%s page GPA %#llx is not guest RAM", what,
				  (unsigned long long)(val & ~(uint64_t)(HV_PAGE - 1)));
}

int hs_guest_wrmsr(struct hs_host *h, uint32_t vp, uint32_t msr, uint64_t value)
{
	struct hs_vp *v;
	int rc = 0;

	if (vp >= h->cfg.nr_vps)
		return -1;
	if (synic_msr(msr) && h->cfg.cpuid_mode == HS_CPUID_NO_SYNIC)
		return -1;
	if (msr == MSR_EOM) {
		/* the slot may be free now: let the synic thread look */
		atomic_fetch_add(&h->eoms, 1);
		hs_wake(&h->synic);
		return 0;
	}
	v = &h->vp[vp];
	hs_lock(h);
	switch (msr) {
	case MSR_GUEST_OS_ID:
		h->guest_os_id = value;
		if (!value)
			h->hypercall &= ~HYPERCALL_ENABLE;
		break;
	case MSR_HYPERCALL:
		if (h->hypercall & HYPERCALL_LOCKED) {
			rc = -1;
			break;
		}
		/* the page cannot be enabled before the guest says who it is */
		if (!h->guest_os_id)
			value &= ~HYPERCALL_ENABLE;
		if ((value & HYPERCALL_ENABLE) && !(h->hypercall & HYPERCALL_ENABLE &&
		    (h->hypercall >> HV_PAGE_SHIFT) == (value >> HV_PAGE_SHIFT)))
			fill_hypercall_page(h, value & ~(uint64_t)(HV_PAGE - 1));
		h->hypercall = value;
		break;
	case MSR_SCONTROL:
		v->scontrol = value;
		break;
	case MSR_SIEFP:
		check_overlay(h, value, "SIEF");
		v->siefp = value;
		break;
	case MSR_SIMP:
		check_overlay(h, value, "SIMP");
		v->simp = value;
		break;
	default:
		if (msr >= MSR_SINT0 && msr <= MSR_SINT15) {
			if ((value & ~SINT_WRITABLE) ||
			    (!(value & SINT_MASKED) && (value & SINT_VECTOR_MASK) < 16)) {
				rc = -1;
				break;
			}
			v->sint[msr - MSR_SINT0] = value;
			break;
		}
		/* VP_INDEX, SVERSION, TIME_REF_COUNT are read-only; the
		 * rest is not emulated */
		rc = -1;
		break;
	}
	if (!rc)
		hs_wake_locked(&h->synic);	/* delivery may have become possible */
	hs_unlock(h);
	return rc;
}

/* ---- hypercalls (§1.5, §1.8) ------------------------------------------------- */
static bool message_connection(struct hs_host *h, uint32_t conn)
{
	if (conn == VMBUS_CONN_MESSAGE)
		return true;
	return h->has_v5 && (conn == VMBUS_CONN_MESSAGE_V5 || conn == h->v5_conn_id);
}

static uint64_t post_message(struct hs_host *h, uint32_t vp, uint64_t control, uint64_t gpa)
{
	uint8_t in[PM_SIZE];
	const uint8_t *p;
	uint32_t conn, type, size;
	struct hs_msg *m;

	if (control & HC_FAST)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	if (gpa & 7)
		return HV_STATUS_INVALID_ALIGNMENT;
	if ((gpa & (HV_PAGE - 1)) + PM_SIZE > HV_PAGE)
		return HV_STATUS_INVALID_ALIGNMENT;
	p = hs_map(h, gpa, PM_SIZE);
	if (!p) {
		hs_protocol_error(h, "PostMessage input GPA %#llx is not guest RAM",
				  (unsigned long long)gpa);
		return HV_STATUS_INVALID_PARAMETER;
	}
	memcpy(in, p, sizeof(in));
	conn = le32(in + PM_CONN_ID) & 0xFFFFFFu;
	type = le32(in + PM_MSG_TYPE);
	size = le32(in + PM_PAYLOAD_SIZE);
	if (le32(in + PM_RESERVED) || !type || (type & 0x80000000u) || size > HV_MSG_PAYLOAD_MAX)
		return HV_STATUS_INVALID_PARAMETER;

	hs_lock(h);
	if (!message_connection(h, conn)) {
		hs_unlock(h);
		return HV_STATUS_INVALID_CONNECTION_ID;
	}
	if (hs_fault_take(h, HS_FAULT_POST_BUSY) || h->inbox.n >= HS_INBOX_MAX) {
		hs_unlock(h);
		return HV_STATUS_INSUFFICIENT_BUFFERS;
	}
	if (type != HV_MSGTYPE_VMBUS) {
		/* delivered to the VMBus port, which only knows type 1 */
		hs_unlock(h);
		hs_protocol_error(h, "message type %u posted to the VMBus connection", type);
		return HV_STATUS_SUCCESS;
	}
	m = hs_zalloc(sizeof(*m));
	m->vp = vp;
	m->conn_id = conn;
	m->len = size;
	memcpy(m->data, in + PM_PAYLOAD, size);
	hs_msgq_push(&h->inbox, m);
	hs_wake_locked(&h->vmbus);
	hs_unlock(h);
	return HV_STATUS_SUCCESS;
}

static void guest_signalled(struct hs_host *h, struct hs_channel *ch)
{
	__atomic_fetch_add(&ch->stats.guest_signals, 1, __ATOMIC_RELAXED);
	atomic_store(&ch->guest_signal, true);
	atomic_store(&h->guest_signals, true);
}

/* 0.13 / 1.1 guests signal the shared event connection after setting bit
 * `relid` in the guest->host half of the interrupt page (§2.6) */
static void shared_event(struct hs_host *h)
{
	uint8_t *ip = h->int_page ? hs_map(h, h->int_page, HV_PAGE) : NULL;
	uint32_t *half, w;

	atomic_fetch_add(&h->signals, 1);
	if (!ip)
		return;
	half = (uint32_t *)(ip + HV_PAGE / 2);
	for (w = 0; w < VMBUS_MAX_RELID / 32; w++) {
		uint32_t bits = __atomic_load_n(&half[w], __ATOMIC_RELAXED);

		if (!bits)
			continue;
		bits = __atomic_exchange_n(&half[w], 0, __ATOMIC_SEQ_CST);
		while (bits) {
			struct hs_channel *ch = h->relid[w * 32 + (uint32_t)__builtin_ctz(bits)];

			bits &= bits - 1;
			if (ch && !ch->released)
				guest_signalled(h, ch);
		}
	}
	hs_wake_locked(&h->vmbus);
}

static uint64_t signal_event(struct hs_host *h, uint64_t control, uint64_t input)
{
	const uint8_t *p;
	uint64_t v = input;
	uint32_t conn, relid;
	struct hs_channel *ch;

	if (!(control & HC_FAST)) {
		if (input & 7)
			return HV_STATUS_INVALID_ALIGNMENT;
		p = hs_map(h, input, 8);
		if (!p) {
			hs_protocol_error(h, "SignalEvent input GPA %#llx is not guest RAM",
					  (unsigned long long)input);
			return HV_STATUS_INVALID_PARAMETER;
		}
		v = le64(p);
	}
	conn = (uint32_t)v;
	if ((v >> 32) & 0xFFFF)		/* FlagNumber: VMBus ports have one flag */
		return HV_STATUS_INVALID_PARAMETER;
	if (v >> 48)
		return HV_STATUS_INVALID_PARAMETER;

	hs_lock(h);
	if (conn == VMBUS_CONN_SHARED_EVENT && h->connected && h->st.version < VMBUS_V2_4) {
		shared_event(h);
		hs_unlock(h);
		return HV_STATUS_SUCCESS;
	}
	relid = conn - HS_EVENT_CONN_BASE;
	ch = conn > HS_EVENT_CONN_BASE && relid < VMBUS_MAX_RELID ? h->relid[relid] : NULL;
	if (!ch || ch->released) {
		hs_unlock(h);
		return HV_STATUS_INVALID_CONNECTION_ID;
	}
	atomic_fetch_add(&h->signals, 1);
	guest_signalled(h, ch);
	hs_wake_locked(&h->vmbus);
	hs_unlock(h);
	return HV_STATUS_SUCCESS;
}

static uint64_t hypercall(struct hs_host *h, uint32_t vp, uint64_t control, uint64_t in,
			  uint64_t out)
{
	uint32_t code = (uint32_t)(control & 0xFFFF);
	bool enabled;

	(void)out;
	if (vp >= h->cfg.nr_vps)
		return HV_STATUS_INVALID_PARAMETER;
	hs_lock(h);
	enabled = h->guest_os_id && (h->hypercall & HYPERCALL_ENABLE);
	hs_unlock(h);
	if (!enabled) {
		hs_protocol_error(h, "hypercall %#x before the hypercall page is enabled", code);
		return HV_STATUS_INVALID_HYPERCALL_CODE;
	}
	if (control & HC_RESERVED_BITS)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	switch (code) {
	case HVCALL_POST_MESSAGE:
	case HVCALL_SIGNAL_EVENT:
		/* simple calls: no reps, no variable header */
		if ((control >> HC_REP_COUNT_SHIFT & HC_REP_MASK) ||
		    (control >> HC_REP_START_SHIFT & HC_REP_MASK) ||
		    (control >> HC_VARHDR_SHIFT & HC_VARHDR_MASK))
			return HV_STATUS_INVALID_HYPERCALL_INPUT;
		if (code == HVCALL_POST_MESSAGE) {
			if (h->cfg.cpuid_mode == HS_CPUID_NO_POST_MESSAGES)
				return HV_STATUS_ACCESS_DENIED;
			return post_message(h, vp, control, in);
		}
		return signal_event(h, control, in);
	default:
		return HV_STATUS_INVALID_HYPERCALL_CODE;
	}
}

uint64_t hs_guest_hypercall(struct hs_host *h, uint32_t vp, uint64_t control,
			    uint64_t input_gpa, uint64_t output_gpa)
{
	return hypercall(h, vp, control, input_gpa, output_gpa);
}

uint64_t hs_guest_hypercall_fast(struct hs_host *h, uint32_t vp, uint64_t control,
				 uint64_t input1, uint64_t input2)
{
	/* the fast bit in the control word says how RDX/R8 are read */
	return hypercall(h, vp, control, input1, input2);
}

/* ---- SynIC delivery (§1.7, §2.6); h->lock held ------------------------------- */
int hs_queue_message(struct hs_host *h, uint32_t vp, uint32_t sint, const void *msg, uint32_t len)
{
	struct hs_msg *m;

	if (vp >= h->cfg.nr_vps || sint > 15 || len > HV_MSG_PAYLOAD_MAX)
		return -1;
	m = hs_zalloc(sizeof(*m));
	m->vp = vp;
	m->sint = sint;
	m->len = len;
	memcpy(m->data, msg, len);
	hs_msgq_push(&h->vp[vp].out[sint], m);
	hs_wake_locked(&h->synic);
	return 0;
}

/* drop what is queued for SINT `sint` (a new guest kernel must not see the
 * old connection's messages) */
void hs_flush_messages(struct hs_host *h, uint32_t sint)
{
	unsigned int i;

	for (i = 0; i < h->cfg.nr_vps; i++)
		hs_msgq_free(&h->vp[i].out[sint]);
}

bool hs_messages_waiting(struct hs_host *h)
{
	unsigned int i, s;

	for (i = 0; i < h->cfg.nr_vps; i++)
		for (s = 0; s < 16; s++)
			if (h->vp[i].out[s].head)
				return true;
	return false;
}

static void raise_sint(struct hs_host *h, uint32_t vp, uint32_t sint)
{
	uint64_t r = h->vp[vp].sint[sint];

	if (!(r & SINT_MASKED) && (h->vp[vp].scontrol & 1))
		hs_defer_interrupt(h, vp, (uint8_t)(r & SINT_VECTOR_MASK));
}

/* Hyper-V's rule: a message goes into slot n only while its MessageType is
 * 0; otherwise MessagePending is set and the message waits until the guest
 * frees the slot (and writes EOM, or the synic thread notices on its next
 * scan). */
void hs_deliver_messages(struct hs_host *h)
{
	unsigned int i, s;

	for (i = 0; i < h->cfg.nr_vps; i++) {
		struct hs_vp *v = &h->vp[i];
		uint8_t *page = NULL;

		for (s = 0; s < 16; s++) {
			struct hs_msgq *q = &v->out[s];
			uint8_t *slot;
			struct hs_msg *m;

			if (!q->head)
				continue;
			if (!(v->scontrol & 1) || !(v->simp & SYNIC_PAGE_ENABLE))
				break;
			if (!page)
				page = hs_map(h, v->simp & ~(uint64_t)(HV_PAGE - 1), HV_PAGE);
			if (!page)
				break;
			slot = page + s * SIMP_SLOT_SIZE;
			if (__atomic_load_n((uint32_t *)(slot + SLOT_TYPE), __ATOMIC_ACQUIRE)) {
				__atomic_fetch_or(slot + SLOT_FLAGS, SLOT_FLAG_PENDING,
						  __ATOMIC_SEQ_CST);
				continue;
			}
			m = hs_msgq_pop(q);
			memcpy(slot + SLOT_PAYLOAD, m->data, m->len);
			memset(slot + SLOT_PAYLOAD + m->len, 0, HV_MSG_PAYLOAD_MAX - m->len);
			slot[SLOT_SIZE] = (uint8_t)m->len;
			/* the guest may still be looking at the old flags */
			__atomic_store_n(slot + SLOT_FLAGS, q->head ? SLOT_FLAG_PENDING : 0,
					 __ATOMIC_RELAXED);
			slot[6] = slot[7] = 0;
			put64(slot + SLOT_SENDER, 0);
			__atomic_store_n((uint32_t *)(slot + SLOT_TYPE), HV_MSGTYPE_VMBUS,
					 __ATOMIC_RELEASE);
			free(m);
			raise_sint(h, i, s);
		}
	}
}

/* host -> guest event for a channel: SIEF bit = relid in the VMBus SINT's
 * area (>= 2.4), or bit 0 plus the interrupt page (0.13 / 1.1). */
void hs_signal_guest(struct hs_host *h, struct hs_channel *ch)
{
	uint32_t vp = ch->target_vp, sint = h->msg_sint, bit = ch->relid;
	struct hs_vp *v;
	uint8_t *page, *area;

	if (vp >= h->cfg.nr_vps)
		return;			/* 0xFFFFFFFF: interrupts disabled */
	v = &h->vp[vp];
	if (!(v->scontrol & 1) || !(v->siefp & SYNIC_PAGE_ENABLE))
		return;
	page = hs_map(h, v->siefp & ~(uint64_t)(HV_PAGE - 1), HV_PAGE);
	if (!page)
		return;
	area = page + sint * SIEF_AREA_SIZE;
	if (h->st.version && h->st.version < VMBUS_V2_4) {
		uint8_t *ip = h->int_page ? hs_map(h, h->int_page, HV_PAGE) : NULL;

		if (ip)
			__atomic_fetch_or((uint32_t *)ip + bit / 32, 1u << (bit % 32),
					  __ATOMIC_SEQ_CST);
		bit = 0;
	}
	/* counted first: a guest that sees the bit sees the count */
	__atomic_fetch_add(&ch->stats.host_signals, 1, __ATOMIC_SEQ_CST);
	__atomic_fetch_or((uint32_t *)area + bit / 32, 1u << (bit % 32), __ATOMIC_SEQ_CST);
	raise_sint(h, vp, sint);
}

/* monitored channels signal by setting their bit in page 2's trigger groups
 * (§1.9); Hyper-V polls them, and so does the vmbus thread, every pass */
void hs_poll_monitor(struct hs_host *h)
{
	uint8_t *page;
	unsigned int g;

	if (!h->connected || !h->monitor2 || !h->monitored_open)
		return;
	page = hs_map(h, h->monitor2, HV_PAGE);
	if (!page)
		return;
	for (g = 0; g < MON_GROUPS; g++) {
		uint32_t *pending = (uint32_t *)(page + MON_TRIGGER_GROUP + g * 8);
		uint32_t bits;

		if (!__atomic_load_n(pending, __ATOMIC_RELAXED))
			continue;
		bits = __atomic_exchange_n(pending, 0, __ATOMIC_SEQ_CST);
		while (bits) {
			unsigned int b = (unsigned int)__builtin_ctz(bits);
			struct hs_channel *ch = h->monitor[g * 32 + b];

			bits &= bits - 1;
			if (ch && !ch->released)
				guest_signalled(h, ch);
		}
	}
}
