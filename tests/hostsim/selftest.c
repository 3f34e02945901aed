// SPDX-License-Identifier: GPL-2.0
/*
 * hostsim self-test: a minimal raw guest (guest.c) drives the simulated host
 * through every flow and checks it behaves as the fact sheet says Hyper-V
 * does.  One `PASS name` / `FAIL name: why` line per check; exit status 1
 * when anything failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guest.h"

#define REQUIRE(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			g_fail(g, __VA_ARGS__);				\
			return;						\
		}							\
	} while (0)
#define OK(expr)	REQUIRE((expr) == 0, "%s failed", #expr)

/* how long to wait for something that must happen: generous, since a
 * loaded machine can stall a thread for most of a second */
#define T_LONG		5000
#define WAIT_FOR(cond)							\
	do {								\
		unsigned int w_;					\
									\
		for (w_ = 0; w_ < T_LONG * 10 && !(cond); w_++)	\
			g_sleep_us(100);				\
	} while (0)

static int failures;

/* netvsc's class GUID in wire order (§2.4.1 example) */
static const uint8_t netvsc_class[16] = {
	0x63, 0x51, 0x61, 0xf8, 0x3e, 0xdf, 0xc5, 0x46,
	0x91, 0x3f, 0xf2, 0xd2, 0xf9, 0x65, 0xed, 0x0e,
};

static uint32_t perrs(struct guest *g)
{
	struct hs_vmbus_state st;

	hs_vmbus_state(g->h, &st);
	return st.protocol_errors;
}

/* protocol errors the host finds in messages it does not answer are
 * counted asynchronously: wait for `n` */
static uint32_t wait_perrs(struct guest *g, uint32_t n)
{
	WAIT_FOR(perrs(g) >= n);
	return perrs(g);
}

static struct hs_vmbus_state state(struct guest *g)
{
	struct hs_vmbus_state st;

	hs_vmbus_state(g->h, &st);
	return st;
}

static bool wait_irqs(struct guest *g, uint32_t vp, unsigned int n, unsigned int ms)
{
	unsigned int i;

	for (i = 0; i < ms * 10 && atomic_load(&g->irqs[vp]) < n; i++)
		g_sleep_us(100);
	return atomic_load(&g->irqs[vp]) >= n;
}

/* ---- a test device model ------------------------------------------------------ */
struct dev {
	atomic_int opened, closed, ready, writable, errors, gpa_ok, gpa_bad;
	atomic_uint packets;
	bool drain;			/* ready() drains and completes */
	uint8_t user_data[120];
	uint16_t last_type;
	uint64_t last_tid;
	uint32_t last_len;
	uint8_t last[256];
	bool stalled;
	uint64_t stall_tid;
	uint32_t stall_len;
	uint8_t stall[256];
};

static void d_opened(struct hs_channel *ch, const uint8_t *ud)
{
	struct dev *d = hs_device_priv(hs_channel_device(ch));

	memcpy(d->user_data, ud, 120);
	atomic_fetch_add(&d->opened, 1);
}

static void d_closed(struct hs_channel *ch)
{
	struct dev *d = hs_device_priv(hs_channel_device(ch));

	atomic_fetch_add(&d->closed, 1);
}

/* GPA-direct: the payload names a byte count; check the guest's pattern,
 * then overwrite the buffer with its complement */
static void d_gpa(struct dev *d, struct hs_host *h, const struct hs_packet *p)
{
	uint32_t n = rd32(p->payload), i;
	uint8_t *buf = malloc(n);

	if (hs_gpa_copy_from_guest(h, p, 0, buf, n)) {
		atomic_fetch_add(&d->gpa_bad, 1);
		free(buf);
		return;
	}
	for (i = 0; i < n; i++)
		if (buf[i] != (uint8_t)(i * 7)) {
			atomic_fetch_add(&d->gpa_bad, 1);
			free(buf);
			return;
		}
	for (i = 0; i < n; i++)
		buf[i] = (uint8_t)~buf[i];
	if (hs_gpa_copy_to_guest(h, p, 0, buf, n) ||
	    !hs_gpa_copy_from_guest(h, p, n, buf, 1))	/* past the end: refused */
		atomic_fetch_add(&d->gpa_bad, 1);
	else
		atomic_fetch_add(&d->gpa_ok, 1);
	free(buf);
}

static struct hs_host *dev_host;	/* the host of the current check */

/* drain the guest's packets; a completion that does not fit is kept until
 * writable() (worker thread only, so no locking) */
static void d_drain(struct hs_channel *ch, struct dev *d)
{
	struct hs_packet p;
	int rc;

	if (d->stalled) {
		if (hs_channel_send(ch, 0xB, 0, d->stall_tid, d->stall, d->stall_len))
			return;
		d->stalled = false;
	}
	while ((rc = hs_channel_recv(ch, &p)) > 0) {
		d->last_type = p.type;
		d->last_tid = p.trans_id;
		d->last_len = p.payload_len;
		memcpy(d->last, p.payload, p.payload_len < 256 ? p.payload_len : 256);
		if (p.type == 9)
			d_gpa(d, dev_host, &p);
		atomic_fetch_add(&d->packets, 1);
		if ((p.flags & 1) &&
		    hs_channel_send(ch, 0xB, 0, p.trans_id, p.payload, p.payload_len)) {
			d->stalled = true;
			d->stall_tid = p.trans_id;
			d->stall_len = p.payload_len < 256 ? p.payload_len : 256;
			memcpy(d->stall, p.payload, d->stall_len);
			return;
		}
	}
	if (rc < 0)
		atomic_fetch_add(&d->errors, 1);
}

static void d_ready(struct hs_channel *ch)
{
	struct dev *d = hs_device_priv(hs_channel_device(ch));

	atomic_fetch_add(&d->ready, 1);
	if (d->drain)
		d_drain(ch, d);
}

static void d_writable(struct hs_channel *ch)
{
	struct dev *d = hs_device_priv(hs_channel_device(ch));

	atomic_fetch_add(&d->writable, 1);
	if (d->drain)
		d_drain(ch, d);
}

static const struct hs_device_ops dev_ops = {
	.opened = d_opened, .ready = d_ready, .closed = d_closed, .writable = d_writable,
};

static struct hs_offer mkoffer(uint8_t tag, bool monitor)
{
	struct hs_offer o;
	unsigned int i;

	memset(&o, 0, sizeof(o));
	memcpy(o.class_guid, netvsc_class, 16);
	for (i = 0; i < 16; i++)
		o.instance_guid[i] = (uint8_t)(tag + i);
	o.flags = 0x0001;
	o.mmio_megabytes = 8;
	for (i = 0; i < 120; i++)
		o.user_defined[i] = (uint8_t)(0xA0 + i);
	o.monitor_allocated = monitor;
	return o;
}

static uint32_t o_relid(const uint8_t *o)
{
	return rd32(o + 184);
}

static uint32_t o_conn(const uint8_t *o)
{
	return rd32(o + 192);
}

static const struct hs_config cfg0 = { .nr_vps = G_VPS };

/* connected guest (5.3) with `n` echo devices offered; offers in `o` */
static int bring_up(struct guest *g, const struct hs_config *cfg, struct dev *d,
		    struct hs_device **hd, int n, uint8_t o[][240])
{
	int i;

	if (g_setup(g, cfg))
		return -1;
	dev_host = g->h;
	for (i = 0; i < n; i++) {
		struct hs_offer off = mkoffer((uint8_t)(0x10 * (i + 1)), false);

		d[i].drain = true;
		hd[i] = hs_device_add(g->h, &off, &dev_ops, &d[i]);
		if (!hd[i])
			return -1;
	}
	if (g_connect(g, V(5, 3)))
		return -1;
	if (g_request_offers(g, o, 16) != n) {
		g_fail(g, "expected %d offers", n);
		return -1;
	}
	return 0;
}

/* ---- checks -------------------------------------------------------------------------- */
static void t_cpuid(struct guest *g)
{
	struct hs_config c = cfg0;
	uint32_t r[4];

	c.isolation_type = 2;
	OK(g_setup_raw(g, &c));
	hs_guest_cpuid(g->h, 1, r);
	REQUIRE(r[2] & 1u << 31, "CPUID.1:ECX[31] clear");
	hs_guest_cpuid(g->h, 0x40000000, r);
	REQUIRE(r[0] >= 0x40000005 && r[0] <= 0x4000FFFF, "max leaf %#x", r[0]);
	REQUIRE(r[1] == 0x7263694D && r[2] == 0x666F736F && r[3] == 0x76482074,
		"vendor is not Microsoft Hv");
	hs_guest_cpuid(g->h, 0x40000001, r);
	REQUIRE(r[0] == 0x31237648, "interface %#x, not Hv#1", r[0]);
	hs_guest_cpuid(g->h, 0x40000003, r);
	REQUIRE((r[0] & 0x64) == 0x64, "group A %#x lacks SynIC/hypercall/VP index", r[0]);
	REQUIRE((r[1] & 0x30) == 0x30, "group B %#x lacks PostMessages/SignalEvents", r[1]);
	hs_guest_cpuid(g->h, 0x40000004, r);
	REQUIRE(!(r[0] & 1u << 9), "AutoEOI deprecated without being asked");
	hs_guest_cpuid(g->h, 0x40000005, r);
	REQUIRE(r[0] == G_VPS, "max VPs %u", r[0]);
	hs_guest_cpuid(g->h, 0x4000000C, r);
	REQUIRE((r[1] & 0xF) == 2, "isolation type %u", r[1] & 0xF);
	g_teardown(g);
	g->h = NULL;

	c = cfg0;
	c.deprecate_auto_eoi = true;
	OK(g_setup_raw(g, &c));
	hs_guest_cpuid(g->h, 0x40000004, r);
	REQUIRE(r[0] & 1u << 9, "AutoEOI deprecation hint missing");
}

static void t_cpuid_modes(struct guest *g)
{
	struct hs_config c = cfg0;
	uint32_t r[4];

	c.cpuid_mode = HS_CPUID_NOT_HYPERVISOR;
	OK(g_setup_raw(g, &c));
	hs_guest_cpuid(g->h, 1, r);
	REQUIRE(!(r[2] & 1u << 31), "NOT_HYPERVISOR: hypervisor bit set");
	hs_guest_cpuid(g->h, 0x40000000, r);
	REQUIRE(!r[0] && !r[1] && !r[2] && !r[3], "NOT_HYPERVISOR: leaf 0x40000000 not empty");
	g_teardown(g);

	c.cpuid_mode = HS_CPUID_WRONG_VENDOR;
	OK(g_setup_raw(g, &c));
	hs_guest_cpuid(g->h, 1, r);
	REQUIRE(r[2] & 1u << 31, "WRONG_VENDOR: hypervisor bit clear");
	hs_guest_cpuid(g->h, 0x40000000, r);
	REQUIRE(!memcmp(&r[1], "KVMKVMKVM\0\0\0", 12), "WRONG_VENDOR: vendor not KVMKVMKVM");
	hs_guest_cpuid(g->h, 0x40000001, r);
	REQUIRE(r[0] != 0x31237648, "WRONG_VENDOR: still Hv#1");
	g_teardown(g);

	c.cpuid_mode = HS_CPUID_NO_SYNIC;
	OK(g_setup_raw(g, &c));
	hs_guest_cpuid(g->h, 0x40000003, r);
	REQUIRE(!(r[0] & 4) && (r[0] & 0x60) == 0x60, "NO_SYNIC: group A %#x", r[0]);
	REQUIRE(hs_guest_wrmsr(g->h, 0, 0x40000083, gpa(g->input) | 1) == -1,
		"NO_SYNIC: SIMP write accepted");
	g_teardown(g);

	c.cpuid_mode = HS_CPUID_NO_POST_MESSAGES;
	OK(g_setup(g, &c));
	hs_guest_cpuid(g->h, 0x40000003, r);
	REQUIRE(!(r[1] & 0x10) && (r[1] & 0x20), "NO_POST_MESSAGES: group B %#x", r[1]);
	{
		uint8_t m[40] = { 0 };

		wr32(m, M_INITIATE_CONTACT);
		wr32(m + 8, V(5, 3));
		REQUIRE(g_post(g, 0, 4, m, 40) == 6, "NO_POST_MESSAGES: PostMessage not denied");
	}
}

static void t_msrs(struct guest *g)
{
	struct hs_host *h;
	uint8_t *hc;
	unsigned int vp;

	OK(g_setup_raw(g, &cfg0));
	h = g->h;
	hc = g_alloc(g, 1);
	/* the hypercall page does not enable before GUEST_OS_ID */
	OK(hs_guest_wrmsr(h, 0, 0x40000001, gpa(hc) | 1));
	REQUIRE(!(hs_guest_rdmsr(h, 0, 0x40000001) & 1), "hypercall enabled without guest OS id");
	REQUIRE(hs_guest_hypercall(h, 0, 0x5C, gpa(g->input), 0) == 2,
		"hypercall accepted while the page is disabled");
	OK(hs_guest_wrmsr(h, 0, 0x40000000, 0x8100ull << 48));
	REQUIRE(hs_guest_rdmsr(h, 1, 0x40000000) == 0x8100ull << 48, "GUEST_OS_ID is partition-wide");
	OK(hs_guest_wrmsr(h, 0, 0x40000001, gpa(hc) | 1));
	REQUIRE((hs_guest_rdmsr(h, 0, 0x40000001) & ~0xFFFull) == gpa(hc) &&
		(hs_guest_rdmsr(h, 0, 0x40000001) & 1), "hypercall page not enabled");
	REQUIRE(hc[0] == 0x0F && hc[1] == 0x01, "no hypercall stub in the page");
	/* VP index: per VP, read-only */
	for (vp = 0; vp < G_VPS; vp++)
		REQUIRE(hs_guest_rdmsr(h, vp, 0x40000002) == vp, "VP_INDEX of VP %u", vp);
	REQUIRE(hs_guest_wrmsr(h, 0, 0x40000002, 5) == -1, "VP_INDEX writable");
	REQUIRE(hs_guest_rdmsr(h, 0, 0x40000081) == 1, "SVERSION is not 1");
	REQUIRE(hs_guest_wrmsr(h, 0, 0x40000081, 2) == -1, "SVERSION writable");
	/* SINTs start masked; vectors below 16 are refused unless masked */
	REQUIRE(hs_guest_rdmsr(h, 0, 0x40000092) & 1u << 16, "SINT2 not masked at start");
	REQUIRE(hs_guest_wrmsr(h, 0, 0x40000092, 0x0F) == -1, "SINT vector 15 accepted");
	OK(hs_guest_wrmsr(h, 0, 0x40000092, 1u << 16 | 0x0F));
	OK(hs_guest_wrmsr(h, 1, 0x40000092, 0xF3 | 1u << 17));
	REQUIRE(hs_guest_rdmsr(h, 1, 0x40000092) == (0xF3 | 1u << 17), "SINT2 of VP1 not kept");
	REQUIRE(hs_guest_rdmsr(h, 0, 0x40000092) == (1u << 16 | 0x0F), "SINT2 is not per VP");
	REQUIRE(hs_guest_wrmsr(h, 0, 0x40000092, 1ull << 40 | 0xF3) == -1,
		"SINT reserved bits accepted");
	/* SIMP/SIEFP/SCONTROL keep what was written, per VP */
	OK(hs_guest_wrmsr(h, 2, 0x40000083, gpa(g->mon1) | 1));
	REQUIRE(hs_guest_rdmsr(h, 2, 0x40000083) == (gpa(g->mon1) | 1), "SIMP not kept");
	REQUIRE(hs_guest_rdmsr(h, 3, 0x40000083) == 0, "SIMP is not per VP");
	OK(hs_guest_wrmsr(h, 2, 0x40000080, 1));
	REQUIRE(hs_guest_rdmsr(h, 2, 0x40000080) == 1, "SCONTROL not kept");
	OK(hs_guest_wrmsr(h, 0, 0x40000084, 0));
	REQUIRE(state(g).eoms == 1, "EOM not counted");
	{
		uint64_t t1 = hs_guest_rdmsr(h, 0, 0x40000020), t2;

		g_sleep_us(2000);
		t2 = hs_guest_rdmsr(h, 0, 0x40000020);
		REQUIRE(t2 > t1 + 10000, "TIME_REF_COUNT does not advance in 100 ns units");
	}
	/* unknown MSRs and VPs */
	REQUIRE(hs_guest_rdmsr(h, 0, 0x40000073) == 0, "unknown MSR reads non-zero");
	REQUIRE(hs_guest_wrmsr(h, 0, 0x40000073, 1) == -1, "unknown MSR write accepted");
	REQUIRE(hs_guest_wrmsr(h, G_VPS, 0x40000080, 1) == -1, "write to VP out of range");
	/* GUEST_OS_ID = 0 disables the hypercall page (kexec hand-over) */
	OK(hs_guest_wrmsr(h, 0, 0x40000000, 0));
	REQUIRE(!(hs_guest_rdmsr(h, 0, 0x40000001) & 1), "hypercall page survives GUEST_OS_ID 0");
	/* the early hypercall is the one protocol error */
	REQUIRE(perrs(g) == 1, "protocol errors: %u", perrs(g));
}

static void t_hypercalls(struct guest *g)
{
	struct hs_host *h;
	uint8_t *pg;

	OK(g_setup(g, &cfg0));
	h = g->h;
	pg = g_alloc(g, 1);
	memset(pg, 0, 4096);
	wr32(pg, 1);
	wr32(pg + 8, 1);
	wr32(pg + 12, 8);
	REQUIRE(hs_guest_hypercall(h, 0, 0x99, gpa(pg), 0) == 2, "unknown call code");
	REQUIRE(hs_guest_hypercall(h, 0, 0x5C | 1ull << 27, gpa(pg), 0) == 3, "reserved bits");
	REQUIRE(hs_guest_hypercall(h, 0, 0x5C | 1ull << 32, gpa(pg), 0) == 3, "rep count");
	REQUIRE(hs_guest_hypercall(h, 0, 0x5C | 1ull << 16, gpa(pg), 0) == 3, "fast PostMessage");
	REQUIRE(hs_guest_hypercall(h, 0, 0x5C, gpa(pg) + 4, 0) == 4, "misaligned input");
	REQUIRE(hs_guest_hypercall(h, 0, 0x5C, gpa(pg) + 4096 - 128, 0) == 4,
		"input crossing a page");
	REQUIRE(hs_guest_hypercall(h, 0, 0x5C, 0x1000, 0) == 5, "input GPA outside RAM");
	wr32(pg + 12, 241);
	REQUIRE(hs_guest_hypercall(h, 0, 0x5C, gpa(pg), 0) == 5, "payload 241 bytes");
	wr32(pg + 12, 8);
	wr32(pg + 8, 0);
	REQUIRE(hs_guest_hypercall(h, 0, 0x5C, gpa(pg), 0) == 5, "message type 0");
	wr32(pg + 8, 0x80000001u);
	REQUIRE(hs_guest_hypercall(h, 0, 0x5C, gpa(pg), 0) == 5, "message type bit 31");
	wr32(pg + 8, 1);
	wr32(pg, 7);
	REQUIRE(hs_guest_hypercall(h, 0, 0x5C, gpa(pg), 0) == 18, "unknown connection");
	/* SignalEvent: fast and memory forms */
	REQUIRE(hs_guest_hypercall_fast(h, 0, 0x5D | 1u << 16, 0x12345, 0) == 18,
		"SignalEvent to no channel");
	wr64(pg + 2048, 0x12345);
	REQUIRE(hs_guest_hypercall(h, 0, 0x5D, gpa(pg) + 2048, 0) == 18,
		"SignalEvent (memory) to no channel");
	REQUIRE(hs_guest_hypercall(h, 0, 0x5D, gpa(pg) + 2044, 0) == 4,
		"SignalEvent misaligned");
	REQUIRE(hs_guest_hypercall(h, G_VPS, 0x5D, gpa(pg), 0) == 5, "VP out of range");
	/* the two bad GPAs are the only protocol errors */
	REQUIRE(perrs(g) == 1, "protocol errors: %u, expected 1", perrs(g));
}

static void post_raw(struct guest *g, uint32_t tag)
{
	uint8_t m[16] = { 0 };

	wr32(m, tag);
	wr32(m + 8, tag * 3);
	hs_post_raw_message(g->h, m, sizeof(m));
}

static bool slot_full(struct guest *g)
{
	const uint32_t *type = (const uint32_t *)(g->simp[0] + 512);

	WAIT_FOR(__atomic_load_n(type, __ATOMIC_ACQUIRE));
	return __atomic_load_n(type, __ATOMIC_ACQUIRE) != 0;
}

static bool pending_flag(const uint8_t *slot)
{
	return __atomic_load_n(slot + 5, __ATOMIC_ACQUIRE) & 1;
}

static bool pending_set(const uint8_t *slot)
{
	WAIT_FOR(pending_flag(slot));
	return pending_flag(slot);
}

static void t_simp(struct guest *g)
{
	uint8_t *slot;
	uint8_t buf[256];
	unsigned int i;

	OK(g_setup(g, &cfg0));
	slot = g->simp[0] + 512;
	for (i = 0; i < 3; i++)
		post_raw(g, 0x100 + i);
	REQUIRE(slot_full(g), "nothing delivered into slot 2");
	REQUIRE(rd32(slot) == 1 && slot[4] == 16 && rd32(slot + 16) == 0x100,
		"slot: type %u size %u payload %#x", rd32(slot), slot[4], rd32(slot + 16));
	REQUIRE(wait_irqs(g, 0, 1, T_LONG), "no interrupt for the message");
	REQUIRE(atomic_load(&g->last_vector[0]) == G_VECTOR, "interrupt vector %#x",
		atomic_load(&g->last_vector[0]));
	/* the host may have delivered before the other two were queued */
	REQUIRE(pending_set(slot), "MessagePending clear with two messages queued");
	g_sleep_ms(20);
	REQUIRE(rd32(slot + 16) == 0x100, "host overwrote a busy slot");
	REQUIRE(atomic_load(&g->irqs[0]) == 1, "interrupts while the slot was busy");
	/* free the slot and write EOM: the next message comes */
	__atomic_store_n((uint32_t *)slot, 0, __ATOMIC_SEQ_CST);
	OK(hs_guest_wrmsr(g->h, 0, 0x40000084, 0));
	REQUIRE(slot_full(g) && rd32(slot + 16) == 0x101, "second message not delivered after EOM");
	REQUIRE(pending_flag(slot), "MessagePending clear with one message queued");
	REQUIRE(wait_irqs(g, 0, 2, T_LONG), "no interrupt for the second message");
	/* free the slot without EOM: the host notices on its own */
	__atomic_store_n((uint32_t *)slot, 0, __ATOMIC_SEQ_CST);
	REQUIRE(slot_full(g) && rd32(slot + 16) == 0x102, "third message not delivered");
	REQUIRE(!pending_flag(slot), "MessagePending set with nothing queued");
	REQUIRE(g_recv(g, 0, buf, 100) == 16, "guest could not take the third message");
	/* a message queued behind a busy slot sets MessagePending on it */
	post_raw(g, 0x200);
	REQUIRE(slot_full(g) && !pending_flag(slot), "0x200 not delivered alone");
	post_raw(g, 0x201);
	REQUIRE(pending_set(slot), "MessagePending not set on a busy slot");
	REQUIRE(g_recv(g, 0, buf, 100) == 16 && rd32(buf) == 0x200, "0x200 lost");
	REQUIRE(g_recv(g, 0, buf, T_LONG) == 16 && rd32(buf) == 0x201, "0x201 lost");
	/* masked SINT: the message lands but no interrupt is raised (the
	 * interrupt for 0x201, the fifth delivery, may still be on its way) */
	REQUIRE(wait_irqs(g, 0, 5, T_LONG), "an interrupt per delivery");
	i = atomic_load(&g->irqs[0]);
	OK(hs_guest_wrmsr(g->h, 0, 0x40000092, 1u << 16 | G_VECTOR));
	post_raw(g, 0x300);
	REQUIRE(g_recv(g, 0, buf, T_LONG) == 16 && rd32(buf) == 0x300, "no message with SINT masked");
	g_sleep_ms(5);
	REQUIRE(atomic_load(&g->irqs[0]) == i, "interrupt raised on a masked SINT");
	REQUIRE(state(g).eoms >= 2, "EOMs not counted");
}

static void t_versions(struct guest *g)
{
	static const uint32_t old[] = { V(4, 1), V(4, 0), V(3, 0), V(2, 4), 0 };
	struct hs_config c = cfg0;
	uint8_t r[256];
	struct hs_vmbus_state st;

	/* default host: 5.3 on connection 4 */
	OK(g_setup(g, &cfg0));
	REQUIRE(g_contact(g, V(7, 0), 4, 0, r) == 0 && r[8] == 0, "version 7.0 not refused");
	REQUIRE(state(g).version == 0, "refused version recorded");
	REQUIRE(g_contact(g, V(5, 0), 1, 0, r) == 0 && r[8] == 0, "5.0 on connection 1 accepted");
	REQUIRE(perrs(g) == 1, "5.0 on connection 1 is not a protocol error");
	REQUIRE(g_contact(g, V(5, 3), 4, 1, r) == 0, "5.3: no answer on VP 1 (%s)", g->why);
	REQUIRE(r[8] == 1 && r[9] == 0 && rd32(r + 12) == 4,
		"5.3: supported %u state %u conn %u", r[8], r[9], rd32(r + 12));
	st = state(g);
	REQUIRE(st.version == V(5, 3) && st.target_vp == 1 && st.msg_conn_id == 4 &&
		st.contacts == 3, "state: version %#x vp %u conn %u contacts %u", st.version,
		st.target_vp, st.msg_conn_id, st.contacts);
	g_teardown(g);

	/* a host without 5.x: connection 4 does not exist */
	c.versions = old;
	OK(g_setup(g, &c));
	{
		uint8_t m[40] = { 0 };

		wr32(m, M_INITIATE_CONTACT);
		wr32(m + 8, V(5, 3));
		m[16] = 2;
		REQUIRE(g_post(g, 0, 4, m, 40) == 18, "INITIATE_CONTACT on connection 4 not refused");
	}
	REQUIRE(state(g).contacts == 0, "refused post reached the server");
	REQUIRE(g_contact(g, V(5, 0), 1, 0, r) == 0 && r[8] == 0, "5.0 accepted by a 4.1 host");
	REQUIRE(g_contact(g, V(4, 1), 1, 0, r) == 0 && r[8] == 1 && rd32(r + 12) == V(4, 1),
		"4.1: supported %u, selected %#x", r[8], rd32(r + 12));
	REQUIRE(state(g).msg_conn_id == 1, "message connection %u", state(g).msg_conn_id);
	g_teardown(g);

	/* a host that hands out another message connection: the guest must switch */
	c = cfg0;
	c.msg_conn_id = 0x800074;
	OK(g_setup(g, &c));
	OK(g_connect(g, V(5, 2)));
	REQUIRE(g->msg_conn == 0x800074, "VERSION_RESPONSE gave connection %#x", g->msg_conn);
	{
		uint8_t m[8] = { 0 };
		uint32_t before = perrs(g);

		wr32(m, M_REQUESTOFFERS);
		REQUIRE(g_post(g, 0, 1, m, 8) == 0, "post on connection 1 failed");
		REQUIRE(g_expect(g, M_ALLOFFERS, r, T_LONG) > 0, "no ALLOFFERS_DELIVERED");
		REQUIRE(perrs(g) == before + 1, "message on the old connection not flagged");
		REQUIRE(g_request_offers(g, NULL, 0) == 0, "REQUESTOFFERS on the new connection");
		REQUIRE(perrs(g) == before + 1, "message on the right connection flagged");
	}
}

static void t_offers(struct guest *g)
{
	struct hs_offer o1 = mkoffer(0x10, true), o2 = mkoffer(0x40, false);
	struct dev d[2];
	uint8_t o[4][240];
	struct hs_device *hd[2];

	memset(d, 0, sizeof(d));
	OK(g_setup(g, &cfg0));
	hd[0] = hs_device_add(g->h, &o1, &dev_ops, &d[0]);
	hd[1] = hs_device_add(g->h, &o2, &dev_ops, &d[1]);
	REQUIRE(hd[0] && hd[1], "hs_device_add failed");
	OK(g_connect(g, V(5, 3)));
	REQUIRE(g_quiet(g, 0, 20), "offers before REQUESTOFFERS");
	REQUIRE(g_request_offers(g, o, 4) == 2, "%s", g->why[0] ? g->why : "not two offers");
	REQUIRE(!memcmp(o[0] + 8, netvsc_class, 16) && !memcmp(o[0] + 24, o1.instance_guid, 16),
		"offer GUIDs");
	REQUIRE(rd16(o[0] + 56) == 1 && rd16(o[0] + 58) == 8 && o[0][60] == 0xA0 &&
		o[0][179] == (uint8_t)(0xA0 + 119), "offer flags/mmio/user-defined");
	REQUIRE(rd16(o[0] + 180) == 0, "primary has SubChannelIndex %u", rd16(o[0] + 180));
	REQUIRE(o_relid(o[0]) == hs_channel_relid(hs_device_channel(hd[0], 0)) &&
		o_relid(o[1]) == hs_channel_relid(hs_device_channel(hd[1], 0)) &&
		o_relid(o[0]) && o_relid(o[0]) != o_relid(o[1]) && o_relid(o[1]) < 2048,
		"relids %u %u", o_relid(o[0]), o_relid(o[1]));
	REQUIRE(o[0][189] == 1 && o[1][189] == 0, "MonitorAllocated %u %u", o[0][189], o[1][189]);
	REQUIRE(o_conn(o[0]) && o_conn(o[0]) != o_conn(o[1]), "connection ids");
	REQUIRE(state(g).offers_requested == 1, "offers_requested");
	REQUIRE(perrs(g) == 0, "protocol errors: %u", perrs(g));
}

static void t_gpadl(struct guest *g)
{
	struct dev d[1];
	struct hs_device *hd[1];
	uint8_t o[1][240], *buf, ranges[8 + 2 * 8 + 8 + 3 * 8], tmp[64];
	struct hs_channel *ch;
	uint32_t st, i, relid;
	const uint8_t *p;

	memset(d, 0, sizeof(d));
	OK(bring_up(g, &cfg0, d, hd, 1, o));
	relid = o_relid(o[0]);
	ch = hs_device_channel(hd[0], 0);
	buf = g_alloc(g, 100);
	for (i = 0; i < 100 * 4096; i++)
		buf[i] = (uint8_t)(i / 4096 + i);
	/* 100 pages: a header with 26 PFNs and bodies of 28, 28, 18 */
	OK(g_gpadl_create(g, relid, 0xE1E10, buf, 100, &st));
	REQUIRE(st == 0, "GPADL_CREATED status %#x", st);
	REQUIRE(state(g).gpadls == 1, "gpadls %u", state(g).gpadls);
	p = hs_gpadl_map(ch, 0xE1E10, 4096 * 50 + 10, 3 * 4096);
	REQUIRE(p == buf + 4096 * 50 + 10, "hs_gpadl_map of a contiguous range");
	REQUIRE(!hs_gpadl_map(ch, 0xE1E10, 4096 * 99, 4097), "hs_gpadl_map past the end");
	OK(hs_gpadl_copy_from_guest(ch, 0xE1E10, 4096 * 99 - 32, tmp, 64));
	REQUIRE(!memcmp(tmp, buf + 4096 * 99 - 32, 64), "hs_gpadl_copy_from_guest");
	memset(tmp, 0x5A, sizeof(tmp));
	OK(hs_gpadl_copy_to_guest(ch, 0xE1E10, 4096 * 7 - 1, tmp, 2));
	REQUIRE(buf[4096 * 7 - 1] == 0x5A && buf[4096 * 7] == 0x5A, "hs_gpadl_copy_to_guest");
	REQUIRE(hs_gpadl_copy_from_guest(ch, 0xE1E10, 100 * 4096 - 1, tmp, 2) == -1,
		"copy past the GPADL");
	REQUIRE(!hs_gpadl_map(ch, 0xBAD, 0, 1), "map of an unknown GPADL");

	/* two ranges with byte offsets: [100, 100+5000) of pages 0-1, then
	 * [10, 10+9000) of pages 10-12 */
	wr32(ranges, 5000);
	wr32(ranges + 4, 100);
	wr64(ranges + 8, gpa(buf) >> 12);
	wr64(ranges + 16, (gpa(buf) >> 12) + 1);
	wr32(ranges + 24, 9000);
	wr32(ranges + 28, 10);
	for (i = 0; i < 3; i++)
		wr64(ranges + 32 + 8 * i, (gpa(buf) >> 12) + 10 + i);
	OK(g_gpadl_ranges(g, relid, 0xE1E11, ranges, sizeof(ranges), 2, &st));
	REQUIRE(st == 0, "two-range GPADL status %#x", st);
	OK(hs_gpadl_copy_from_guest(ch, 0xE1E11, 4990, tmp, 20));
	REQUIRE(!memcmp(tmp, buf + 100 + 4990, 10) && !memcmp(tmp + 10, buf + 40960 + 10, 10),
		"copy across two ranges");
	REQUIRE(hs_gpadl_map(ch, 0xE1E11, 5000, 9000) == buf + 40960 + 10, "map of range 2");
	REQUIRE(!hs_gpadl_map(ch, 0xE1E11, 4990, 20), "map across ranges");

	OK(g_gpadl_teardown(g, relid, 0xE1E10));
	OK(g_gpadl_teardown(g, relid, 0xE1E11));
	REQUIRE(state(g).gpadls == 0, "gpadls %u after teardown", state(g).gpadls);
	REQUIRE(!hs_gpadl_map(ch, 0xE1E10, 0, 1), "map after teardown");
	REQUIRE(perrs(g) == 0, "protocol errors: %u", perrs(g));
}

static void t_gpadl_bad(struct guest *g)
{
	struct dev d[1];
	struct hs_device *hd[1];
	uint8_t o[1][240], ranges[16], m[240] = { 0 }, *buf;
	uint32_t st, relid, e;

	memset(d, 0, sizeof(d));
	OK(bring_up(g, &cfg0, d, hd, 1, o));
	relid = o_relid(o[0]);
	buf = g_alloc(g, 2);
	/* a PFN outside guest RAM */
	wr32(ranges, 4096);
	wr32(ranges + 4, 0);
	wr64(ranges + 8, 0x10);
	e = perrs(g);
	OK(g_gpadl_ranges(g, relid, 1, ranges, 16, 1, &st));
	REQUIRE(st != 0 && perrs(g) == e + 1, "bad PFN: status %#x, errors %u", st, perrs(g) - e);
	/* a range whose byte count needs more PFNs than given */
	wr32(ranges, 4097);
	wr64(ranges + 8, gpa(buf) >> 12);
	OK(g_gpadl_ranges(g, relid, 2, ranges, 16, 1, &st));
	REQUIRE(st != 0, "short PFN list accepted");
	/* RangeBufLen larger than the ranges it announces */
	{
		uint8_t longer[24] = { 0 };

		wr32(longer, 4096);
		wr64(longer + 8, gpa(buf) >> 12);
		OK(g_gpadl_ranges(g, relid, 5, longer, 24, 1, &st));
		REQUIRE(st != 0, "trailing bytes after the last range accepted");
	}
	/* duplicate handle */
	OK(g_gpadl_create(g, relid, 3, buf, 2, &st));
	REQUIRE(st == 0, "good GPADL failed");
	OK(g_gpadl_create(g, relid, 3, buf, 2, &st));
	REQUIRE(st != 0, "duplicate handle accepted");
	/* unknown relid */
	OK(g_gpadl_create(g, 999, 4, buf, 2, &st));
	REQUIRE(st != 0, "GPADL on an unknown relid accepted");
	/* a body for nothing, a teardown of nothing: errors, no answers */
	e = perrs(g);
	wr32(m, M_GPADL_BODY);
	wr32(m + 12, 0x777);
	REQUIRE(g_post(g, 0, g->msg_conn, m, 24) == 0, "post");
	wr32(m, M_GPADL_TEARDOWN);
	wr32(m + 8, relid);
	wr32(m + 12, 0x778);
	REQUIRE(g_post(g, 0, g->msg_conn, m, 16) == 0, "post");
	REQUIRE(g_quiet(g, 0, 30), "answer to a bogus GPADL message");
	REQUIRE(wait_perrs(g, e + 2) == e + 2, "bogus GPADL messages: %u errors", perrs(g) - e);
	REQUIRE(state(g).gpadls == 1, "gpadls %u", state(g).gpadls);
}

/* an opened channel on a fresh 5.3 connection with one echo device */
struct rig {
	struct dev d[2];
	struct hs_device *hd[2];
	uint8_t o[4][240];
	struct gchan c;
	struct hs_channel *ch;
};

static int rig_open(struct guest *g, struct rig *r, bool drain, uint32_t out_pages,
		    uint32_t in_pages, uint32_t vp)
{
	uint8_t ud[120];
	uint32_t st;
	int i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < 120; i++)
		ud[i] = (uint8_t)(i ^ 0x33);
	if (bring_up(g, &cfg0, r->d, r->hd, 1, r->o))
		return -1;
	r->d[0].drain = drain;
	r->ch = hs_device_channel(r->hd[0], 0);
	if (g_open(g, &r->c, o_relid(r->o[0]), o_conn(r->o[0]), out_pages, in_pages, vp, ud, &st))
		return -1;
	if (st) {
		g_fail(g, "OPENCHANNEL_RESULT status %#x", st);
		return -1;
	}
	WAIT_FOR(atomic_load(&r->d[0].opened));
	if (memcmp(r->d[0].user_data, ud, 120)) {
		g_fail(g, "device did not get the OPENCHANNEL user data");
		return -1;
	}
	return 0;
}

static bool dev_closed(struct hs_host *h, void *arg)
{
	struct dev *d = arg;

	(void)h;
	return atomic_load(&d->closed) > 0;
}

static void t_open_close(struct guest *g)
{
	static struct rig r;
	uint8_t m[148] = { 0 }, resp[256];

	OK(rig_open(g, &r, true, 4, 4, 1));
	REQUIRE(hs_channel_is_open(r.ch) && hs_channel_target_vp(r.ch) == 1, "channel not open on VP 1");
	REQUIRE(state(g).open_channels == 1 && state(g).gpadls == 1, "state after open");
	REQUIRE(hs_channel_ring_control(r.ch, true) == r.c.in.ctl &&
		hs_channel_ring_control(r.ch, false) == r.c.out.ctl, "ring control pages");
	{
		uint32_t size = 0;

		REQUIRE(hs_channel_ring_data(r.ch, true, &size) == r.c.in.data && size == 3 * 4096,
			"inbound ring data area");
	}
	/* a second OPENCHANNEL of an open channel fails */
	wr32(m, M_OPEN);
	wr32(m + 8, r.c.relid);
	wr32(m + 12, 9);
	wr32(m + 16, r.c.gpadl);
	wr32(m + 24, 4);
	REQUIRE(g_post(g, 0, g->msg_conn, m, 148) == 0, "post");
	REQUIRE(g_expect(g, M_OPEN_RESULT, resp, T_LONG) > 0 && rd32(resp + 16) != 0,
		"re-open not refused");
	REQUIRE(perrs(g) == 1, "re-open not counted");
	REQUIRE(!hs_wait(g->h, dev_closed, &r.d[0], 5), "hs_wait true before the close");
	OK(g_close(g, &r.c));
	REQUIRE(hs_wait(g->h, dev_closed, &r.d[0], T_LONG), "closed() not called");
	REQUIRE(!hs_channel_is_open(r.ch) && state(g).open_channels == 0 && state(g).gpadls == 0,
		"state after close");
	REQUIRE(!hs_channel_ring_control(r.ch, true), "ring still attached after close");
	REQUIRE(hs_channel_send(r.ch, 6, 0, 1, "x", 1) == -1, "send on a closed channel");
	/* and it opens again */
	{
		uint32_t st;

		OK(g_open(g, &r.c, r.c.relid, r.c.conn_id, 2, 2, 0, NULL, &st));
		REQUIRE(st == 0 && state(g).open_channels == 1, "re-open after close");
	}
	/* tearing down the rings of an open channel: an error; the host
	 * closes its side and still answers */
	OK(g_gpadl_teardown(g, r.c.relid, r.c.gpadl));
	REQUIRE(perrs(g) == 2, "teardown of open rings: %u protocol errors", perrs(g));
	REQUIRE(!hs_channel_is_open(r.ch) && state(g).open_channels == 0,
		"channel still open without its rings");
}

static int gsend(struct guest *g, struct gchan *c, uint16_t type, uint16_t flags, uint64_t tid,
		 const void *data, uint32_t len, bool kick)
{
	uint8_t pkt[4096];
	bool sig;
	uint32_t n = g_pkt(pkt, type, flags, tid, data, len);

	if (gr_write(&c->out, pkt, n, &sig))
		return -1;
	if (sig && kick && g_signal(g, c->conn_id)) {
		g_fail(g, "SignalEvent failed");
		return -1;
	}
	return sig ? 1 : 0;
}

static void t_ring_roundtrip(struct guest *g)
{
	static struct rig r;
	uint8_t buf[4096];
	struct hs_channel_stats st;
	bool sig;
	int n, i;

	OK(rig_open(g, &r, true, 4, 4, 2));
	/* guest -> host, completion requested; the device echoes */
	n = gsend(g, &r.c, 6, 1, 0xABCDEF0123ull, "hello, host", 11, true);
	REQUIRE(n == 1, "first packet into an empty ring must signal (%d)", n);
	REQUIRE(g_wait_sief(g, 2, r.c.relid, T_LONG), "no SIEF bit for the completion on VP 2");
	REQUIRE(wait_irqs(g, 2, 1, T_LONG), "no interrupt on VP 2");
	REQUIRE(r.d[0].last_type == 6 && r.d[0].last_tid == 0xABCDEF0123ull &&
		r.d[0].last_len == 16 && !memcmp(r.d[0].last, "hello, host", 11),
		"device saw type %u tid %#llx len %u", r.d[0].last_type,
		(unsigned long long)r.d[0].last_tid, r.d[0].last_len);
	n = gr_read(&r.c.in, buf, sizeof(buf), &sig);
	REQUIRE(n == 32, "completion packet of %d bytes", n);
	REQUIRE(rd16(buf) == 0xB && rd16(buf + 2) == 2 && rd16(buf + 6) == 0 &&
		rd64(buf + 8) == 0xABCDEF0123ull && !memcmp(buf + 16, "hello, host", 11),
		"completion: type %#x off8 %u flags %u", rd16(buf), rd16(buf + 2), rd16(buf + 6));
	REQUIRE(gr_read(&r.c.in, buf, sizeof(buf), &sig) == 0, "more than one completion");

	/* several packets: only the first write into an empty ring signals */
	for (i = 0; i < 5; i++)
		REQUIRE(gsend(g, &r.c, 6, 1, (uint64_t)i, &i, 4, false) == (i == 0),
			"guest signalling rule, packet %d", i);
	REQUIRE(g_signal(g, r.c.conn_id) == 0, "SignalEvent failed");
	WAIT_FOR(atomic_load(&r.d[0].packets) >= 6);
	REQUIRE(atomic_load(&r.d[0].packets) == 6, "device got %u packets",
		atomic_load(&r.d[0].packets));
	/* the completions are written, and their signal has been delivered */
	WAIT_FOR((hs_channel_stats(r.ch, &st), st.packets_out == 6));
	REQUIRE(g_wait_sief(g, 2, r.c.relid, T_LONG), "no signal for the completions");
	hs_channel_stats(r.ch, &st);
	REQUIRE(st.packets_in == 6 && st.packets_out == 6, "stats in %llu out %llu",
		(unsigned long long)st.packets_in, (unsigned long long)st.packets_out);
	for (i = 0; i < 5; i++)
		REQUIRE(gr_read(&r.c.in, buf, sizeof(buf), &sig) == 24 && rd64(buf + 8) == (uint64_t)i,
			"completion %d", i);
	/* 6 packets, but the host signalled only when the ring was empty */
	REQUIRE(st.host_signals == 2, "host signalled %llu times for 6 completions",
		(unsigned long long)st.host_signals);
	REQUIRE(st.guest_signals == 2, "guest signals %llu", (unsigned long long)st.guest_signals);
	REQUIRE(perrs(g) == 0 && !atomic_load(&r.d[0].errors), "protocol errors: %u", perrs(g));
}

static void t_host_signal_rules(struct guest *g)
{
	static struct rig r;
	uint8_t buf[4096];
	struct hs_channel_stats st;
	bool sig;
	int i;

	/* the channel interrupts VP 1, where no channel messages go */
	OK(rig_open(g, &r, false, 2, 2, 1));
	/* one at a time, so the worker sees each: only the first signals */
	for (i = 0; i < 3; i++) {
		OK(hs_channel_send(r.ch, 6, 0, (uint64_t)i, "abc", 3));
		if (!i)
			REQUIRE(g_wait_sief(g, 1, r.c.relid, T_LONG), "no SIEF bit");
		g_sleep_ms(5);
	}
	hs_channel_stats(r.ch, &st);
	REQUIRE(st.host_signals == 1 && !g_sief_take(g, 1, r.c.relid),
		"3 packets into an empty ring: %llu signals", (unsigned long long)st.host_signals);
	/* the interrupt is raised by a hostsim thread after the SIEF bit is set */
	REQUIRE(wait_irqs(g, 1, 1, T_LONG) && atomic_load(&g->irqs[1]) == 1, "%u interrupts",
		atomic_load(&g->irqs[1]));
	for (i = 0; i < 3; i++)
		REQUIRE(gr_read(&r.c.in, buf, sizeof(buf), &sig) == 24 && rd16(buf) == 6 &&
			rd16(buf + 4) == 3 && rd64(buf + 8) == (uint64_t)i && !memcmp(buf + 16, "abc", 3),
			"packet %d as the guest reads it", i);
	/* the guest masks interrupts while it drains: no signal */
	gr_store(r.c.in.ctl, 8, 1);
	OK(hs_channel_send(r.ch, 6, 0, 9, "m", 1));
	g_sleep_ms(10);
	hs_channel_stats(r.ch, &st);
	REQUIRE(st.host_signals == 1 && !g_sief_take(g, 1, r.c.relid), "signalled through the mask");
	REQUIRE(gr_read(&r.c.in, buf, sizeof(buf), &sig) == 24, "masked packet missing");
	gr_store(r.c.in.ctl, 8, 0);
	OK(hs_channel_send(r.ch, 6, 0, 10, "n", 1));
	REQUIRE(g_wait_sief(g, 1, r.c.relid, T_LONG), "no signal after unmasking");
	/* hs_channel_signal and extended headers */
	{
		uint8_t ext[12] = { 0xFE, 0xCA, 1, 0, 1, 0, 0, 0, 0x40, 0, 0, 0 };

		REQUIRE(gr_read(&r.c.in, buf, sizeof(buf), &sig) == 24, "packet 10");
		OK(hs_channel_sendv(r.ch, 7, 0, 11, ext, sizeof(ext), "xfer", 4));
		REQUIRE(g_wait_sief(g, 1, r.c.relid, T_LONG), "no signal for sendv");
		REQUIRE(gr_read(&r.c.in, buf, sizeof(buf), &sig) == 40 && rd16(buf) == 7 &&
			rd16(buf + 2) == 4 && rd16(buf + 4) == 5 && !memcmp(buf + 16, ext, 12) &&
			!memcmp(buf + 32, "xfer", 4), "sendv layout: off8 %u len8 %u",
			rd16(buf + 2), rd16(buf + 4));
		hs_channel_signal(r.ch);
		REQUIRE(g_wait_sief(g, 1, r.c.relid, T_LONG), "hs_channel_signal did not signal");
	}
	REQUIRE(perrs(g) == 0, "protocol errors: %u", perrs(g));
}

/* the host honours the guest's PendingSendSize when it drains */
static void t_pending_send_guest(struct guest *g)
{
	static struct rig r;
	struct hs_packet p;
	struct hs_channel_stats st;
	uint8_t pay[1000];
	int sent = 0, got = 0, rc;
	uint32_t need;

	OK(rig_open(g, &r, false, 2, 2, 1));
	memset(pay, 0x11, sizeof(pay));
	while (gsend(g, &r.c, 6, 0, (uint64_t)sent, pay, sizeof(pay), false) >= 0)
		sent++;
	REQUIRE(sent == 3, "%d packets of 1016 fit a 4 KiB ring", sent);
	/* blocked: free is 1024, then 2048, 3072, 4096 as the host reads.
	 * Asking for 2048 means "signal when more than 2048 are free" (the
	 * writer needs free > size): the second read crosses it, not the
	 * first, which only reaches 2048 */
	need = 2048;
	gr_store(r.c.out.ctl, 12, need);
	while ((rc = hs_channel_recv(r.ch, &p)) > 0) {
		got++;
		hs_channel_stats(r.ch, &st);
		REQUIRE(st.space_signals == (got >= 2 ? 1u : 0u),
			"after %d reads: %llu space signals", got, (unsigned long long)st.space_signals);
		REQUIRE(p.payload_len == 1000 && p.trans_id == (uint64_t)(got - 1), "packet %d", got);
	}
	REQUIRE(rc == 0 && got == 3, "drained %d packets, rc %d", got, rc);
	REQUIRE(g_wait_sief(g, 1, r.c.relid, T_LONG), "no space signal to the guest");
	/* no pending size, no signal */
	gr_store(r.c.out.ctl, 12, 0);
	REQUIRE(gsend(g, &r.c, 6, 0, 99, pay, 10, false) == 1, "write into empty ring");
	REQUIRE(hs_channel_recv(r.ch, &p) == 1, "recv");
	g_sleep_ms(5);
	REQUIRE(!g_sief_take(g, 1, r.c.relid), "signal without PendingSendSize");
	/* and none when the guest did not set FeatureBits */
	gr_store(r.c.out.ctl, 64, 0);
	gr_store(r.c.out.ctl, 12, 8);
	REQUIRE(gsend(g, &r.c, 6, 0, 100, pay, 10, false) == 1, "write");
	REQUIRE(hs_channel_recv(r.ch, &p) == 1, "recv");
	g_sleep_ms(5);
	REQUIRE(!g_sief_take(g, 1, r.c.relid), "space signal without FeatureBits");
	REQUIRE(perrs(g) == 0, "protocol errors: %u", perrs(g));
}

/* a model that counts what each ready() call reads; its first call waits
 * (blocking the vmbus thread) until the guest has posted a message */
struct budget_dev {
	struct hs_host *h;
	atomic_uint calls, packets, most;
	atomic_uint perrs_at_second_call;
	atomic_bool first_done, posted;
};

static void budget_ready(struct hs_channel *ch)
{
	struct budget_dev *d = hs_device_priv(hs_channel_device(ch));
	unsigned int call = atomic_fetch_add(&d->calls, 1), k = 0, w;
	struct hs_vmbus_state st;
	struct hs_packet p;

	if (call == 1) {
		hs_vmbus_state(d->h, &st);
		atomic_store(&d->perrs_at_second_call, st.protocol_errors);
	}
	while (hs_channel_recv(ch, &p) > 0)
		k++;
	atomic_fetch_add(&d->packets, k);
	if (k > atomic_load(&d->most))
		atomic_store(&d->most, k);
	if (call == 0) {
		atomic_store(&d->first_done, true);
		for (w = 0; w < T_LONG && !atomic_load(&d->posted); w++)
			g_sleep_us(1000);
	}
}

static const struct hs_device_ops budget_ops = { .ready = budget_ready };

/* a ring that holds more than one callback's budget: the model reads it in
 * pieces, hostsim comes back by itself (the guest signalled once), and
 * between the pieces the vmbus thread does its other work -- here, a
 * message the guest posted while the first piece was being read */
static void t_read_budget(struct guest *g)
{
	struct hs_offer off = mkoffer(0x70, false);
	struct hs_channel_stats cs;
	static struct budget_dev d;
	struct hs_device *hd;
	uint8_t o[1][240], m[16] = { 0 };
	struct gchan c;
	uint32_t st, i, n = 3 * HS_READ_BUDGET + 40;

	memset(&d, 0, sizeof(d));
	OK(g_setup(g, &cfg0));
	d.h = g->h;
	hd = hs_device_add(g->h, &off, &budget_ops, &d);
	REQUIRE(hd, "add");
	OK(g_connect(g, V(5, 3)));
	REQUIRE(g_request_offers(g, o, 1) == 1, "offer");
	OK(g_open(g, &c, o_relid(o[0]), o_conn(o[0]), 16, 2, 1, NULL, &st));
	REQUIRE(st == 0, "open");
	for (i = 0; i < n; i++)
		REQUIRE(gsend(g, &c, 6, 0, i, &i, 4, false) == (i == 0),
			"guest signalling rule, packet %u", i);
	REQUIRE(g_signal(g, c.conn_id) == 0, "SignalEvent failed");
	WAIT_FOR(atomic_load(&d.first_done));
	REQUIRE(atomic_load(&d.first_done), "ready() not called");
	/* a GPADL teardown naming no GPADL: one protocol error, no answer */
	wr32(m, M_GPADL_TEARDOWN);
	wr32(m + 8, c.relid);
	wr32(m + 12, 0x779);
	REQUIRE(g_post(g, 0, g->msg_conn, m, 16) == 0, "post");
	atomic_store(&d.posted, true);
	WAIT_FOR(atomic_load(&d.packets) >= n);
	hs_channel_stats(hs_device_channel(hd, 0), &cs);
	REQUIRE(atomic_load(&d.packets) == n, "the model read %u of %u packets",
		atomic_load(&d.packets), n);
	REQUIRE(atomic_load(&d.most) == HS_READ_BUDGET, "one call read %u packets, the budget is %u",
		atomic_load(&d.most), HS_READ_BUDGET);
	REQUIRE(atomic_load(&d.calls) >= 4 && cs.read_yields >= 3, "%u ready() calls, %llu cut short",
		atomic_load(&d.calls), (unsigned long long)cs.read_yields);
	REQUIRE(cs.guest_signals == 1, "guest signalled %llu times",
		(unsigned long long)cs.guest_signals);
	REQUIRE(atomic_load(&d.perrs_at_second_call) == 1,
		"the message posted during the first call was not handled before the second (%u)",
		atomic_load(&d.perrs_at_second_call));
	REQUIRE(perrs(g) == 1, "protocol errors: %u", perrs(g));
}

/* the host blocks on a full ring and resumes when the guest frees space */
static void t_pending_send_host(struct guest *g)
{
	static struct rig r;
	uint8_t pay[600], buf[4096];
	struct hs_channel_stats st;
	int sent = 0, i;
	bool sig, signalled = false;

	OK(rig_open(g, &r, false, 2, 2, 0));
	memset(pay, 0x22, sizeof(pay));
	while (hs_channel_send(r.ch, 6, 0, (uint64_t)sent, pay, sizeof(pay)) == 0)
		sent++;
	REQUIRE(sent == 6, "%d packets of 624 fit", sent);
	hs_channel_stats(r.ch, &st);
	REQUIRE(st.send_full == 1, "send_full %llu", (unsigned long long)st.send_full);
	REQUIRE(gr_load(r.c.in.ctl, 12) == 16 + 600 + 8, "host PendingSendSize %u",
		gr_load(r.c.in.ctl, 12));
	/* the guest reads; its rule says when to signal the host */
	for (i = 0; i < sent; i++) {
		REQUIRE(gr_read(&r.c.in, buf, sizeof(buf), &sig) == 616, "read %d", i);
		if (sig) {
			REQUIRE(!signalled, "guest rule fired twice");
			signalled = true;
			REQUIRE(g_signal(g, r.c.conn_id) == 0, "SignalEvent failed");
		}
	}
	REQUIRE(signalled, "the host's PendingSendSize was never crossed");
	WAIT_FOR(atomic_load(&r.d[0].writable));
	REQUIRE(atomic_load(&r.d[0].writable) == 1, "writable() %d", atomic_load(&r.d[0].writable));
	REQUIRE(gr_load(r.c.in.ctl, 12) == 0, "PendingSendSize left set");
	OK(hs_channel_send(r.ch, 6, 0, 77, pay, sizeof(pay)));
	/* a host that cannot ever fit the packet does not block */
	REQUIRE(hs_channel_send(r.ch, 6, 0, 78, buf, 4096) == -1, "oversized packet accepted");
	REQUIRE(perrs(g) == 0, "protocol errors: %u", perrs(g));
}

static void t_gpa_direct(struct guest *g)
{
	static struct rig r;
	uint8_t pkt[256], buf[256], *data;
	uint32_t i, n = 9000, off = 100;
	bool sig;

	OK(rig_open(g, &r, true, 4, 4, 0));
	data = g_alloc(g, 4);
	for (i = 0; i < n; i++)
		data[off + i] = (uint8_t)(i * 7);
	/* type 9: reserved, RangeCount 1, {ByteCount, ByteOffset, 3 PFNs} */
	memset(pkt, 0, sizeof(pkt));
	wr16(pkt, 9);
	wr16(pkt + 2, (16 + 8 + 8 + 24) / 8);
	wr16(pkt + 4, (16 + 8 + 8 + 24 + 8) / 8);
	wr16(pkt + 6, 1);
	wr64(pkt + 8, 42);
	wr32(pkt + 20, 1);
	wr32(pkt + 24, n);
	wr32(pkt + 28, off);
	for (i = 0; i < 3; i++)
		wr64(pkt + 32 + 8 * i, (gpa(data) >> 12) + i);
	wr32(pkt + 56, n);
	OK(gr_write(&r.c.out, pkt, 64, &sig));
	REQUIRE(g_signal(g, r.c.conn_id) == 0, "SignalEvent failed");
	REQUIRE(g_wait_sief(g, 0, r.c.relid, T_LONG), "no completion");
	REQUIRE(atomic_load(&r.d[0].gpa_ok) == 1 && !atomic_load(&r.d[0].gpa_bad),
		"device GPA-direct copy failed");
	for (i = 0; i < n; i++)
		REQUIRE(data[off + i] == (uint8_t)~(i * 7), "byte %u not written back", i);
	REQUIRE(data[off - 1] == 0 && data[off + n] == 0, "wrote outside the range");
	REQUIRE(gr_read(&r.c.in, buf, sizeof(buf), &sig) == 24 && rd64(buf + 8) == 42,
		"completion");
	REQUIRE(perrs(g) == 0, "protocol errors: %u", perrs(g));
}

static void t_ring_malformed(struct guest *g)
{
	static struct rig r;
	struct hs_packet p;
	uint8_t pkt[64];
	bool sig;
	uint32_t e;

	OK(rig_open(g, &r, false, 2, 2, 0));
	/* len8 < offset8 */
	memset(pkt, 0, sizeof(pkt));
	wr16(pkt, 6);
	wr16(pkt + 2, 3);
	wr16(pkt + 4, 2);
	OK(gr_write(&r.c.out, pkt, 24, &sig));
	e = perrs(g);
	REQUIRE(hs_channel_recv(r.ch, &p) == -1, "bad descriptor accepted");
	REQUIRE(perrs(g) == e + 1, "not counted");
	REQUIRE(hs_channel_recv(r.ch, &p) == -1 && perrs(g) == e + 1, "counted twice");
	g_teardown(g);
	g->h = NULL;

	/* a wrong trailer, a type the guest may not send, a bad write index,
	 * a GPA-direct packet without ranges: each one on a fresh channel */
	{
		static const int cases = 4;
		int k;

		for (k = 0; k < cases; k++) {
			OK(rig_open(g, &r, false, 2, 2, 0));
			g_pkt(pkt, k == 1 ? 7 : (k == 3 ? 9 : 6), 0, 1, "abcdefgh", 8);
			OK(gr_write(&r.c.out, pkt, 24, &sig));
			if (k == 0)
				wr32(r.c.out.data + 24 + 4, 8);
			if (k == 2)
				gr_store(r.c.out.ctl, 0, 5);
			e = perrs(g);
			REQUIRE(hs_channel_recv(r.ch, &p) == -1 && perrs(g) == e + 1,
				"malformed case %d accepted", k);
			g_teardown(g);
			g->h = NULL;
		}
	}
}

static void t_raw_hooks(struct guest *g)
{
	static struct rig r;
	uint8_t pkt[32], buf[256];
	bool sig;

	OK(rig_open(g, &r, false, 2, 2, 0));
	memset(pkt, 0, sizeof(pkt));
	wr16(pkt, 6);
	wr16(pkt + 2, 2);
	wr16(pkt + 4, 99);		/* claims more than the ring holds */
	OK(hs_channel_send_raw(r.ch, pkt, 16));
	REQUIRE(g_wait_sief(g, 0, r.c.relid, T_LONG), "raw packet not signalled");
	REQUIRE(gr_read(&r.c.in, buf, sizeof(buf), &sig) == -1, "guest accepted a lying descriptor");
	REQUIRE(rd32(r.c.in.data + 16 + 4) == 0, "raw packet trailer");
	REQUIRE(hs_channel_send_raw(r.ch, pkt, 12) == -1, "raw packet of 12 bytes accepted");
	/* the host's consumer-side interrupt mask */
	hs_channel_set_interrupt_mask(r.ch, true);
	REQUIRE(gr_load(r.c.out.ctl, 8) == 1, "InterruptMask not set");
	g_pkt(pkt, 6, 0, 5, "q", 1);
	OK(gr_write(&r.c.out, pkt, 24, &sig));
	REQUIRE(!sig, "guest would signal through the host's mask");
	hs_channel_set_interrupt_mask(r.ch, false);
	{
		WAIT_FOR(atomic_load(&r.d[0].ready));
		REQUIRE(atomic_load(&r.d[0].ready) == 1, "unmasking did not re-check the ring");
	}
}

static void t_rescind(struct guest *g)
{
	static struct rig r;
	uint8_t m[12] = { 0 }, resp[256];
	struct hs_offer o = mkoffer(0x70, false);
	struct hs_device *nd;

	OK(rig_open(g, &r, true, 2, 2, 0));
	OK(hs_device_rescind(r.hd[0]));
	REQUIRE(hs_device_rescind(r.hd[0]) == -1, "second rescind accepted");
	REQUIRE(g_expect(g, M_RESCIND, resp, T_LONG) == 12 && rd32(resp + 8) == r.c.relid,
		"RESCIND for relid %u", rd32(resp + 8));
	WAIT_FOR(atomic_load(&r.d[0].closed));
	REQUIRE(atomic_load(&r.d[0].closed) == 1 && !hs_channel_is_open(r.ch),
		"rescind did not close the host side");
	/* the guest closes (no error: the host already did), then releases */
	wr32(m, M_CLOSE);
	wr32(m + 8, r.c.relid);
	REQUIRE(g_post(g, 0, g->msg_conn, m, 12) == 0, "post close");
	OK(g_gpadl_teardown(g, r.c.relid, r.c.gpadl));
	REQUIRE(g_signal(g, r.c.conn_id) == 0, "signal to a rescinded channel refused early");
	wr32(m, M_RELID_RELEASED);
	REQUIRE(g_post(g, 0, g->msg_conn, m, 12) == 0, "post release");
	WAIT_FOR(state(g).relids_released >= 1);
	REQUIRE(state(g).relids_released == 1, "relids_released %u", state(g).relids_released);
	REQUIRE(g_signal(g, r.c.conn_id) == 18, "released connection still signals");
	/* the relid is free for the next device */
	nd = hs_device_add(g->h, &o, &dev_ops, &r.d[1]);
	REQUIRE(nd && hs_channel_relid(hs_device_channel(nd, 0)) == r.c.relid,
		"released relid not reused");
	REQUIRE(g_expect(g, M_OFFER, resp, T_LONG) > 0 && o_relid(resp) == r.c.relid,
		"hot-added offer");
	REQUIRE(perrs(g) == 0, "protocol errors: %u", perrs(g));
}

static void t_unload(struct guest *g)
{
	static struct rig r;
	uint8_t m[8] = { 0 }, resp[256], o[2][240];

	OK(rig_open(g, &r, true, 2, 2, 0));
	wr32(m, M_UNLOAD);
	REQUIRE(g_post(g, 0, g->msg_conn, m, 8) == 0, "post");
	REQUIRE(g_expect(g, M_UNLOAD_RESPONSE, resp, T_LONG) == 8, "no UNLOAD_RESPONSE");
	WAIT_FOR(atomic_load(&r.d[0].closed));
	REQUIRE(state(g).version == 0 && state(g).open_channels == 0 && state(g).gpadls == 0 &&
		state(g).unloads == 1, "state after UNLOAD");
	REQUIRE(atomic_load(&r.d[0].closed) == 1, "UNLOAD did not close the channel");
	/* a new kernel connects again and sees the same device */
	OK(g_connect(g, V(4, 0)));
	REQUIRE(g_request_offers(g, o, 2) == 1 && o_relid(o[0]) == r.c.relid, "re-offer");
	REQUIRE(perrs(g) == 0, "protocol errors: %u", perrs(g));

	/* a crash kernel that cannot UNLOAD: it brings up its own SynIC page
	 * (where what the host still had queued lands: the kernel ignores
	 * it) and contacts the host again, which is an error that resets the
	 * connection */
	{
		struct hs_offer off = mkoffer(0x77, false);

		OK(hs_guest_wrmsr(g->h, 0, 0x40000083, 0));
		REQUIRE(hs_device_add(g->h, &off, &dev_ops, &r.d[1]), "add");
		g_sleep_ms(5);
		g->simp[0] = g_alloc(g, 1);
		OK(hs_guest_wrmsr(g->h, 0, 0x40000083, gpa(g->simp[0]) | 1));
		memset(resp, 0, 40);
		wr32(resp, M_INITIATE_CONTACT);
		wr32(resp + 8, V(5, 3));
		resp[16] = 2;
		REQUIRE(g_post(g, 0, 4, resp, 40) == 0, "post");
		do
			REQUIRE(g_recv(g, 0, resp, T_LONG) >= 16, "no VERSION_RESPONSE");
		while (rd32(resp) != M_VERSION_RESPONSE);
		REQUIRE(resp[8] == 1, "refused");
		g->msg_conn = rd32(resp + 12);
		REQUIRE(wait_perrs(g, 1) == 1, "contact without UNLOAD: %u errors", perrs(g));
		REQUIRE(g_request_offers(g, o, 2) == 2, "offers after the reset: %s", g->why);
	}
}

static void t_hot_add(struct guest *g)
{
	static struct rig r;
	struct hs_offer o = mkoffer(0x90, false);
	uint8_t resp[256], sub[2][240];
	struct hs_device *nd;
	struct gchan c;
	uint32_t st;
	int i;

	OK(rig_open(g, &r, true, 2, 2, 0));
	nd = hs_device_add(g->h, &o, &dev_ops, &r.d[1]);
	REQUIRE(nd, "hs_device_add");
	REQUIRE(g_expect(g, M_OFFER, resp, T_LONG) == 196 && !memcmp(resp + 24, o.instance_guid, 16),
		"hot-added offer");
	REQUIRE(hs_device_add_subchannels(r.hd[0], 2) == 2, "sub-channels not added");
	for (i = 0; i < 2; i++) {
		REQUIRE(g_expect(g, M_OFFER, sub[i], T_LONG) == 196, "sub-channel offer %d", i);
		REQUIRE(rd16(sub[i] + 180) == i + 1 && !memcmp(sub[i] + 24, r.o[0] + 24, 16),
			"sub-channel %d: index %u", i, rd16(sub[i] + 180));
		REQUIRE(o_relid(sub[i]) == hs_channel_relid(hs_device_channel(r.hd[0], (unsigned)i + 1)),
			"sub-channel relid");
	}
	REQUIRE(!hs_device_channel(r.hd[0], 3), "sub-channel 3 exists");
	OK(g_open(g, &c, o_relid(sub[1]), o_conn(sub[1]), 2, 2, 3, NULL, &st));
	REQUIRE(st == 0 && hs_channel_subchannel_index(hs_device_channel(r.hd[0], 2)) == 2,
		"sub-channel open");
	REQUIRE(gsend(g, &c, 6, 1, 5, "sub", 3, true) == 1, "send on sub-channel");
	REQUIRE(g_wait_sief(g, 3, c.relid, T_LONG), "sub-channel completion");
	REQUIRE(atomic_load(&r.d[0].opened) == 2, "opened() for the sub-channel");
	REQUIRE(perrs(g) == 0, "protocol errors: %u", perrs(g));
}

static void t_modify(struct guest *g)
{
	static struct rig r;
	uint8_t m[16] = { 0 }, resp[256];

	OK(rig_open(g, &r, true, 2, 2, 0));
	wr32(m, M_MODIFY);
	wr32(m + 8, r.c.relid);
	wr32(m + 12, 3);
	REQUIRE(g_post(g, 0, g->msg_conn, m, 16) == 0, "post");
	REQUIRE(g_expect(g, M_MODIFY_RESPONSE, resp, T_LONG) == 16 && rd32(resp + 8) == r.c.relid &&
		rd32(resp + 12) == 0, "MODIFYCHANNEL_RESPONSE");
	REQUIRE(hs_channel_target_vp(r.ch) == 3, "target VP %u", hs_channel_target_vp(r.ch));
	OK(hs_channel_send(r.ch, 6, 0, 1, "v", 1));
	REQUIRE(g_wait_sief(g, 3, r.c.relid, T_LONG) && wait_irqs(g, 3, 1, T_LONG),
		"event not on VP 3");
	wr32(m + 12, 77);
	REQUIRE(g_post(g, 0, g->msg_conn, m, 16) == 0, "post");
	REQUIRE(g_expect(g, M_MODIFY_RESPONSE, resp, T_LONG) == 16 && rd32(resp + 12) != 0,
		"bad VP not refused");
	REQUIRE(perrs(g) == 1, "protocol errors: %u", perrs(g));
}

static void t_monitor(struct guest *g)
{
	struct hs_offer off = mkoffer(0x20, true);
	struct dev d;
	struct hs_device *hd;
	uint8_t o[1][240], pkt[64];
	struct gchan c;
	uint32_t st, id;
	bool sig;

	memset(&d, 0, sizeof(d));
	d.drain = true;
	OK(g_setup(g, &cfg0));
	dev_host = g->h;
	hd = hs_device_add(g->h, &off, &dev_ops, &d);
	REQUIRE(hd, "add");
	OK(g_connect(g, V(5, 3)));
	REQUIRE(g_request_offers(g, o, 1) == 1 && o[0][189] == 1, "monitored offer");
	id = o[0][188];
	OK(g_open(g, &c, o_relid(o[0]), o_conn(o[0]), 2, 2, 0, NULL, &st));
	REQUIRE(st == 0, "open");
	g_pkt(pkt, 6, 1, 3, "mon", 3);
	OK(gr_write(&c.out, pkt, 24, &sig));
	__atomic_fetch_or((uint32_t *)(g->mon2 + 8 + (id / 32) * 8), 1u << (id % 32),
			  __ATOMIC_SEQ_CST);
	WAIT_FOR(atomic_load(&d.packets));
	REQUIRE(atomic_load(&d.packets) == 1, "monitor trigger not seen");
	REQUIRE(rd32(g->mon2 + 8 + (id / 32) * 8) == 0, "trigger bit not cleared by the host");
	REQUIRE(g_wait_sief(g, 0, c.relid, T_LONG), "no completion");
}

/* VMBus 1.1: events through the interrupt page and SIEF bit 0 */
static void t_legacy_int_page(struct guest *g)
{
	static const uint32_t v11[] = { V(1, 1), 0 };
	struct hs_config c = cfg0;
	struct hs_offer off = mkoffer(0x50, false);
	struct dev d;
	struct hs_device *hd;
	uint8_t m[40] = { 0 }, r[256], o[1][240], *ip;
	struct gchan ch;
	uint32_t st;
	bool sig;

	memset(&d, 0, sizeof(d));
	d.drain = true;
	c.versions = v11;
	OK(g_setup(g, &c));
	dev_host = g->h;
	hd = hs_device_add(g->h, &off, &dev_ops, &d);
	REQUIRE(hd, "add");
	ip = g_alloc(g, 1);
	wr32(m, M_INITIATE_CONTACT);
	wr32(m + 8, V(1, 1));
	wr32(m + 12, 2);		/* TargetVcpu: not honoured before 3.0 */
	wr64(m + 16, gpa(ip));
	REQUIRE(g_post(g, 0, 1, m, 40) == 0, "post");
	REQUIRE(g_expect(g, M_VERSION_RESPONSE, r, T_LONG) > 0 && r[8] == 1, "1.1 refused");
	REQUIRE(g_request_offers(g, o, 1) == 1, "offers");
	OK(g_open(g, &ch, o_relid(o[0]), o_conn(o[0]), 2, 2, 3, NULL, &st));
	REQUIRE(st == 0 && hs_channel_target_vp(hs_device_channel(hd, 0)) == 0,
		"TargetVp honoured before 2.4");
	/* guest -> host: interrupt-page bit + shared event connection 2 */
	g_pkt(m, 6, 1, 8, "old", 3);
	OK(gr_write(&ch.out, m, 24, &sig));
	__atomic_fetch_or((uint32_t *)(ip + 2048) + ch.relid / 32, 1u << (ch.relid % 32),
			  __ATOMIC_SEQ_CST);
	REQUIRE(g_signal(g, 2) == 0, "shared event connection refused");
	WAIT_FOR(atomic_load(&d.packets));
	REQUIRE(atomic_load(&d.packets) == 1, "interrupt-page signal not seen");
	/* host -> guest: SIEF bit 0 and the interrupt page's first half */
	REQUIRE(g_wait_sief(g, 0, 0, T_LONG), "SIEF bit 0 not set");
	REQUIRE(rd32(ip + (ch.relid / 32) * 4) & 1u << (ch.relid % 32),
		"interrupt-page bit not set");
	REQUIRE(!g_sief_take(g, 0, ch.relid), "per-relid SIEF bit used before 2.4");
	REQUIRE(perrs(g) == 0, "protocol errors: %u", perrs(g));
}

static void t_faults(struct guest *g)
{
	struct dev d[2];
	struct hs_device *hd[2];
	uint8_t o[2][240], r[256], m[148] = { 0 }, *buf;
	struct gchan c;
	uint32_t st, relid;
	int len;

	memset(d, 0, sizeof(d));
	OK(g_setup(g, &cfg0));
	dev_host = g->h;
	{
		struct hs_offer off = mkoffer(0x30, false);

		hd[0] = hs_device_add(g->h, &off, &dev_ops, &d[0]);
	}
	/* REFUSE_ALL_VERSIONS, twice */
	hs_inject(g->h, HS_FAULT_REFUSE_ALL_VERSIONS, 2);
	REQUIRE(g_contact(g, V(5, 3), 4, 0, r) == 0 && !r[8], "REFUSE_ALL_VERSIONS: 5.3 accepted");
	REQUIRE(g_contact(g, V(4, 1), 1, 0, r) == 0 && !r[8], "REFUSE_ALL_VERSIONS: 4.1 accepted");
	OK(g_connect(g, V(5, 3)));
	/* POST_BUSY: INSUFFICIENT_BUFFERS, then success on retry */
	hs_inject(g->h, HS_FAULT_POST_BUSY, 1);
	wr32(m, M_REQUESTOFFERS);
	REQUIRE(g_post(g, 0, g->msg_conn, m, 8) == 19, "POST_BUSY: not INSUFFICIENT_BUFFERS");
	/* TRUNCATED_OFFER */
	hs_inject(g->h, HS_FAULT_TRUNCATED_OFFER, 1);
	REQUIRE(g_post(g, 0, g->msg_conn, m, 8) == 0, "retry");
	len = g_expect(g, M_OFFER, r, T_LONG);
	REQUIRE(len > 0 && len < 196, "TRUNCATED_OFFER: offer of %d bytes", len);
	REQUIRE(g_expect(g, M_ALLOFFERS, r, T_LONG) > 0, "ALLOFFERS after a truncated offer");
	/* BAD_RELID_OFFER: relid 0, then 2048 */
	hs_inject(g->h, HS_FAULT_BAD_RELID_OFFER, 2);
	REQUIRE(g_request_offers(g, o, 2) == 1 && o_relid(o[0]) == 0, "BAD_RELID_OFFER: relid 0");
	REQUIRE(g_request_offers(g, o, 2) == 1 && o_relid(o[0]) >= 2048, "BAD_RELID_OFFER: 2048");
	/* UNKNOWN_MESSAGE: an undefined type arrives first */
	hs_inject(g->h, HS_FAULT_UNKNOWN_MESSAGE, 1);
	wr32(m, M_REQUESTOFFERS);
	REQUIRE(g_post(g, 0, g->msg_conn, m, 8) == 0, "post");
	REQUIRE(g_recv(g, 0, r, T_LONG) >= 8 && rd32(r) > 29, "UNKNOWN_MESSAGE: got type %u", rd32(r));
	REQUIRE(g_expect(g, M_OFFER, o[0], T_LONG) == 196 && g_expect(g, M_ALLOFFERS, r, T_LONG) > 0,
		"offer after the unknown message");
	relid = o_relid(o[0]);
	/* GPADL_FAIL */
	buf = g_alloc(g, 4);
	hs_inject(g->h, HS_FAULT_GPADL_FAIL, 1);
	OK(g_gpadl_create(g, relid, 0x100, buf, 4, &st));
	REQUIRE(st != 0 && state(g).gpadls == 0, "GPADL_FAIL: status %#x", st);
	/* OPEN_FAIL */
	hs_inject(g->h, HS_FAULT_OPEN_FAIL, 1);
	OK(g_open(g, &c, relid, o_conn(o[0]), 2, 2, 0, NULL, &st));
	REQUIRE(st != 0 && !hs_channel_is_open(hs_device_channel(hd[0], 0)), "OPEN_FAIL");
	OK(g_gpadl_teardown(g, relid, c.gpadl));
	/* DROP_OPEN_RESULT: nothing comes; the guest gives up with a close */
	hs_inject(g->h, HS_FAULT_DROP_OPEN_RESULT, 1);
	OK(g_gpadl_create(g, relid, 0x200, buf, 4, &st));
	wr32(m, M_OPEN);
	wr32(m + 8, relid);
	wr32(m + 16, 0x200);
	wr32(m + 24, 2);
	REQUIRE(g_post(g, 0, g->msg_conn, m, 148) == 0, "post");
	REQUIRE(g_quiet(g, 0, 50), "DROP_OPEN_RESULT: answered");
	wr32(m, M_CLOSE);
	REQUIRE(g_post(g, 0, g->msg_conn, m, 12) == 0, "post");
	OK(g_gpadl_teardown(g, relid, 0x200));
	OK(g_open(g, &c, relid, o_conn(o[0]), 2, 2, 0, NULL, &st));
	REQUIRE(st == 0, "open after a dropped result");
	OK(g_close(g, &c));
	/* RESCIND_ON_OPEN */
	hs_inject(g->h, HS_FAULT_RESCIND_ON_OPEN, 1);
	OK(g_gpadl_create(g, relid, 0x300, buf, 4, &st));
	wr32(m, M_OPEN);
	wr32(m + 16, 0x300);
	REQUIRE(g_post(g, 0, g->msg_conn, m, 148) == 0, "post");
	REQUIRE(g_expect(g, M_RESCIND, r, T_LONG) == 12 && rd32(r + 8) == relid,
		"RESCIND_ON_OPEN: no rescind");
	OK(g_gpadl_teardown(g, relid, 0x300));
	wr32(m, M_RELID_RELEASED);
	REQUIRE(g_post(g, 0, g->msg_conn, m, 12) == 0, "post");
	/* NO_UNLOAD_RESPONSE */
	hs_inject(g->h, HS_FAULT_NO_UNLOAD_RESPONSE, 1);
	wr32(m, M_UNLOAD);
	REQUIRE(g_post(g, 0, g->msg_conn, m, 8) == 0, "post");
	REQUIRE(g_quiet(g, 0, 50), "NO_UNLOAD_RESPONSE: answered");
	OK(g_connect(g, V(5, 3)));
	REQUIRE(state(g).relids_released == 1 && state(g).unloads == 1, "state");
	REQUIRE(perrs(g) == 0, "protocol errors: %u", perrs(g));
}

static void t_bad_messages(struct guest *g)
{
	struct dev d[1];
	struct hs_device *hd[1];
	uint8_t o[1][240], m[240], r[256];
	uint32_t e;
	static const uint32_t short_types[] = { 5, 7, 8, 9, 11, 13, 14, 22, 21 };
	unsigned int i;

	memset(d, 0, sizeof(d));
	OK(g_setup(g, &cfg0));
	/* before contact: refused quietly */
	memset(m, 0, sizeof(m));
	wr32(m, M_REQUESTOFFERS);
	REQUIRE(g_post(g, 0, 1, m, 8) == 0 && g_quiet(g, 0, 20), "REQUESTOFFERS before contact");
	REQUIRE(wait_perrs(g, 1) == 1, "not counted");
	g_teardown(g);
	OK(bring_up(g, &cfg0, d, hd, 1, o));
	e = perrs(g);
	/* every message a guest sends, too short */
	for (i = 0; i < sizeof(short_types) / sizeof(short_types[0]); i++) {
		memset(m, 0, sizeof(m));
		wr32(m, short_types[i]);
		REQUIRE(g_post(g, 0, g->msg_conn, m, 8) == 0, "post");
	}
	/* host-only and undefined types, a 4-byte message */
	wr32(m, M_OFFER);
	REQUIRE(g_post(g, 0, g->msg_conn, m, 196) == 0, "post");
	wr32(m, 200);
	REQUIRE(g_post(g, 0, g->msg_conn, m, 8) == 0, "post");
	REQUIRE(g_post(g, 0, g->msg_conn, m, 4) == 0, "post");
	/* OPENCHANNEL of an unknown relid and with an unknown GPADL */
	memset(m, 0, sizeof(m));
	wr32(m, M_OPEN);
	wr32(m + 8, 1999);
	REQUIRE(g_post(g, 0, g->msg_conn, m, 148) == 0, "post");
	wr32(m + 8, o_relid(o[0]));
	wr32(m + 16, 0xBAD);
	wr32(m + 24, 2);
	REQUIRE(g_post(g, 0, g->msg_conn, m, 148) == 0, "post");
	REQUIRE(g_expect(g, M_OPEN_RESULT, r, T_LONG) == 20 && rd32(r + 16) != 0,
		"open with a bad GPADL not refused");
	REQUIRE(g_quiet(g, 0, 20), "answer to a malformed message");
	REQUIRE(perrs(g) == e + 9 + 3 + 2, "%u protocol errors, expected %u", perrs(g) - e, 14);
	/* the host still works */
	REQUIRE(g_request_offers(g, o, 1) == 1, "host broken by bad messages: %s", g->why);
}

/* a device that blocks in ready() until the guest makes room: the guest
 * still gets the interrupts it needs to do so */
static void blocking_ready(struct hs_channel *ch)
{
	struct dev *d = hs_device_priv(hs_channel_device(ch));
	struct hs_packet p;
	int tries;

	while (hs_channel_recv(ch, &p) > 0) {
		for (tries = 0; hs_channel_send(ch, 0xB, 0, p.trans_id, p.payload, p.payload_len);
		     tries++) {
			if (tries == 20000) {
				atomic_fetch_add(&d->errors, 1);
				return;
			}
			g_sleep_us(1000);
		}
		atomic_fetch_add(&d->packets, 1);
	}
}

static const struct hs_device_ops blocking_ops = { .ready = blocking_ready };

static void t_blocking_device(struct guest *g)
{
	struct hs_offer off = mkoffer(0x60, false);
	struct dev d;
	uint8_t o[1][240], pay[200], buf[4096];
	struct gchan c;
	uint32_t st;
	int i, got = 0, n;
	bool sig;

	memset(&d, 0, sizeof(d));
	memset(pay, 0x44, sizeof(pay));
	OK(g_setup(g, &cfg0));
	REQUIRE(hs_device_add(g->h, &off, &blocking_ops, &d), "add");
	OK(g_connect(g, V(5, 3)));
	REQUIRE(g_request_offers(g, o, 1) == 1, "offer");
	OK(g_open(g, &c, o_relid(o[0]), o_conn(o[0]), 8, 2, 1, NULL, &st));
	REQUIRE(st == 0, "open");
	for (i = 0; i < 100; i++)
		REQUIRE(gsend(g, &c, 6, 1, (uint64_t)i, pay, sizeof(pay), true) >= 0, "send %d", i);
	/* read only when told to, as an interrupt-driven guest does */
	for (i = 0; i < 20000 && got < 100; i++) {
		if (!g_sief_take(g, 1, c.relid)) {
			g_sleep_us(1000);
			continue;
		}
		while ((n = gr_read(&c.in, buf, sizeof(buf), &sig)) > 0) {
			REQUIRE(rd64(buf + 8) == (uint64_t)got, "completion %d out of order", got);
			got++;
			if (sig)
				g_signal(g, c.conn_id);
		}
	}
	REQUIRE(got == 100 && !atomic_load(&d.errors), "%d of 100 completions; device gave up %d times",
		got, atomic_load(&d.errors));
}

/* a small deterministic generator for the random checks */
static uint64_t rnd_state = 0x9E3779B97F4A7C15ull;

static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (uint32_t)(rnd_state >> 16);
}

/* wait until the host has handled everything posted so far, dropping what
 * it answered: hv_sock connect requests are refused with the endpoint
 * echoed, which makes a unique marker */
static int sync_host(struct guest *g)
{
	uint8_t m[40] = { 0 }, r[256];
	uint32_t tag = rnd();

	wr32(m, M_TL_CONNECT);
	memcpy(m + 8, "hostsim-sync", 12);
	wr32(m + 20, tag);
	if (g_post(g, 0, g->msg_conn, m, sizeof(m)))
		return -1;
	do
		if (g_recv(g, 0, r, T_LONG) < 0)
			return -1;
	while (rd32(r) != M_TL_RESULT || memcmp(r + 8, m + 8, 16));
	return 0;
}

/* random guest messages and ring bytes: counted, never a crash, and the
 * host still answers afterwards */
static void t_random_input(struct guest *g)
{
	static const uint32_t types[] = { 3, 5, 7, 8, 9, 11, 13, 14, 16, 21, 22, 0, 1, 99 };
	static struct rig r;
	uint8_t m[240], buf[256], *mem;
	struct hs_packet p;
	uint32_t i, k, len;
	bool sig;

	OK(rig_open(g, &r, false, 2, 2, 0));
	mem = g_alloc(g, 4);
	for (i = 0; i < 3000; i++) {
		for (k = 0; k < sizeof(m); k += 4)
			wr32(m + k, rnd());
		wr32(m, types[rnd() % (sizeof(types) / sizeof(types[0]))]);
		wr32(m + 4, 0);
		if (rnd() % 2)		/* a relid that exists */
			wr32(m + 8, r.c.relid + rnd() % 2);
		if (rnd() % 4 == 0)	/* a PFN that is guest RAM */
			wr64(m + 28, (gpa(mem) >> 12) + rnd() % 4);
		if (rd32(m) == M_INITIATE_CONTACT || rd32(m) == M_UNLOAD)
			wr32(m, M_REQUESTOFFERS);	/* keep the connection */
		len = rnd() % 241;
		while (g_post(g, 0, g->msg_conn, m, len) == 19)
			g_sleep_us(200);
		while (g_recv(g, 0, buf, 0) >= 0)
			;
	}
	/* random bytes in the guest->host ring, and random indices */
	for (i = 0; i < 200; i++) {
		for (k = 0; k < r.c.out.size; k += 4)
			wr32(r.c.out.data + k, rnd() % 3 ? rnd() : 0x00020006u);
		gr_store(r.c.out.ctl, 0, (rnd() % 3 ? rnd() % r.c.out.size : rnd()) & ~7u);
		while (hs_channel_recv(r.ch, &p) > 0)
			;
		if (i % 20 == 0) {	/* reopen, so the ring is read again */
			uint32_t st;

			OK(sync_host(g));
			OK(g_close(g, &r.c));
			OK(g_open(g, &r.c, r.c.relid, r.c.conn_id, 2, 2, 0, NULL, &st));
			REQUIRE(st == 0, "reopen after garbage: status %#x", st);
		}
	}
	REQUIRE(perrs(g) > 100, "only %u protocol errors for random input", perrs(g));
	/* still a working host */
	OK(g_close(g, &r.c));
	{
		uint32_t st;

		OK(g_open(g, &r.c, r.c.relid, r.c.conn_id, 2, 2, 0, NULL, &st));
		REQUIRE(st == 0, "final reopen");
		g_pkt(m, 6, 0, 7, "alive", 5);
		OK(gr_write(&r.c.out, m, 24, &sig));
		REQUIRE(hs_channel_recv(r.ch, &p) == 1 && p.trans_id == 7, "ring after garbage");
	}
}

/* many threads at once: signals, MSR reads and ring traffic */
struct hammer {
	struct guest *g;
	struct gchan *c;
	atomic_int *stop;
	uint32_t vp;
};

static void *hammer_fn(void *arg)
{
	struct hammer *hm = arg;
	uint64_t n = 0;

	while (!atomic_load(hm->stop)) {
		hs_guest_rdmsr(hm->g->h, hm->vp, 0x40000002);
		hs_guest_hypercall_fast(hm->g->h, hm->vp, 0x5D | 1u << 16, hm->c->conn_id, 0);
		if (++n % 64 == 0)
			g_sleep_us(50);
	}
	return NULL;
}

/* read every completion, signalling the host when its PendingSendSize is crossed */
static int drain_in(struct guest *g, struct gchan *c)
{
	uint8_t buf[4096];
	bool sig;
	int n = 0;

	while (gr_read(&c->in, buf, sizeof(buf), &sig) > 0) {
		n++;
		if (sig)
			g_signal(g, c->conn_id);
	}
	return n;
}

static void t_threads(struct guest *g)
{
	static struct rig r;
	pthread_t t[3];
	struct hammer hm[3];
	atomic_int stop = 0;
	int i, got = 0;

	OK(rig_open(g, &r, true, 8, 8, 0));
	for (i = 0; i < 3; i++) {
		hm[i] = (struct hammer){ g, &r.c, &stop, (uint32_t)i + 1 };
		pthread_create(&t[i], NULL, hammer_fn, &hm[i]);
	}
	for (i = 0; i < 2000; i++) {
		while (gsend(g, &r.c, 6, 1, (uint64_t)i, &i, 4, true) < 0) {
			got += drain_in(g, &r.c);
			g_sleep_us(10);
		}
		got += drain_in(g, &r.c);
	}
	for (i = 0; i < 20000 && got < 2000; i++) {
		got += drain_in(g, &r.c);
		g_sleep_us(500);
	}
	atomic_store(&stop, 1);
	for (i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	{
		struct hs_channel_stats cs;

		hs_channel_stats(r.ch, &cs);
		REQUIRE(got == 2000,
			"%d of 2000 completions (device %u, in %llu out %llu full %llu, errors %u/%d)",
			got, atomic_load(&r.d[0].packets), (unsigned long long)cs.packets_in,
			(unsigned long long)cs.packets_out, (unsigned long long)cs.send_full, perrs(g),
			atomic_load(&r.d[0].errors));
	}
	REQUIRE(perrs(g) == 0 && !atomic_load(&r.d[0].errors), "protocol errors: %u", perrs(g));
}

/* ---- runner -------------------------------------------------------------------------- */
static struct guest G;

static void run(const char *name, void (*fn)(struct guest *g))
{
	struct guest *g = &G;

	memset(g, 0, sizeof(*g));
	fn(g);
	if (!g->why[0] && atomic_load(&g->bad_irqs))
		g_fail(g, "%u interrupts raised on the guest's own thread",
		       atomic_load(&g->bad_irqs));
	if (g->why[0]) {
		printf("FAIL hostsim:%s: %s\n", name, g->why);
		failures++;
	} else {
		printf("PASS hostsim:%s\n", name);
	}
	fflush(stdout);
	if (g->h)
		g_teardown(g);
}

int main(void)
{
	alarm(120);
	run("cpuid_signature", t_cpuid);
	run("cpuid_refusal_modes", t_cpuid_modes);
	run("msr_semantics", t_msrs);
	run("hypercall_status_codes", t_hypercalls);
	run("simp_slot_pending_eom", t_simp);
	run("version_negotiation", t_versions);
	run("offers_alloffers_delivered", t_offers);
	run("gpadl_header_body_teardown", t_gpadl);
	run("gpadl_malformed", t_gpadl_bad);
	run("open_close", t_open_close);
	run("ring_round_trip", t_ring_roundtrip);
	run("ring_host_signalling_rules", t_host_signal_rules);
	run("ring_guest_pending_send_size", t_pending_send_guest);
	run("ring_host_pending_send_size", t_pending_send_host);
	run("ring_read_budget_per_callback", t_read_budget);
	run("gpa_direct_copy", t_gpa_direct);
	run("ring_malformed_packets", t_ring_malformed);
	run("ring_raw_hooks", t_raw_hooks);
	run("rescind_relid_released", t_rescind);
	run("unload_and_reconnect", t_unload);
	run("hot_add_and_subchannels", t_hot_add);
	run("modifychannel", t_modify);
	run("monitor_page_signal", t_monitor);
	run("legacy_interrupt_page", t_legacy_int_page);
	run("fault_injection", t_faults);
	run("malformed_channel_messages", t_bad_messages);
	run("random_guest_input", t_random_input);
	run("device_blocking_in_its_callback", t_blocking_device);
	run("concurrent_guest_calls", t_threads);
	return failures ? 1 : 0;
}
