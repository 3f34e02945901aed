// SPDX-License-Identifier: GPL-2.0
/*
 * The virtual PCI host (docs/protocol-notes.md, "Virtual PCI"; OpenVMM's
 * vpci device as the reference host): version negotiation, D0 entry with
 * the config window, bus relations (whole bus each time; BUS_RELATIONS2
 * from 1.3), BAR requirements, resource assignment and release, interrupt
 * creation (the message of the negotiated version) and deletion, ejects.
 * Config space is a 4 KiB image per function with a write mask: what the
 * guest may change (command, cache line, latency, BAR address bits,
 * interrupt line) changes, the rest reads as served.
 *
 * One mutex guards the model and is held while sending.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "model.h"
#include "hostsim_video_pci.h"

#define MSG(n)			(0x42490000u + (n))
#define BUS_RELATIONS		MSG(0x00)
#define QUERY_BUS_RELATIONS	MSG(0x01)
#define BUS_D0_ENTRY		MSG(0x07)
#define BUS_D0_EXIT		MSG(0x08)
#define READ_BLOCK		MSG(0x09)
#define WRITE_BLOCK		MSG(0x0A)
#define EJECT			MSG(0x0B)
#define EJECTION_COMPLETE	MSG(0x0F)
#define RESOURCES_ASSIGNED	MSG(0x10)
#define RESOURCES_RELEASED	MSG(0x11)
#define QUERY_REQUIREMENTS	MSG(0x05)
#define QUERY_VERSION		MSG(0x13)
#define CREATE_INTERRUPT	MSG(0x14)
#define DELETE_INTERRUPT	MSG(0x15)
#define RESOURCES_ASSIGNED2	MSG(0x16)
#define CREATE_INTERRUPT2	MSG(0x17)
#define BUS_RELATIONS2		MSG(0x19)
#define CREATE_INTERRUPT3	MSG(0x1B)
#define LAST_MSG		MSG(0x1B)

#define ST_SUCCESS		0x00000000u
#define ST_UNSUCCESSFUL		0xC0000001u
#define ST_REVISION_MISMATCH	0xC0000059u
#define ST_NOT_SUPPORTED	0xC00000BBu
#define ST_BAD_DATA		0xC000090Bu

#define V1_1			HS_VPCI_VERSION(1, 1)
#define V1_2			HS_VPCI_VERSION(1, 2)
#define V1_3			HS_VPCI_VERSION(1, 3)
#define V1_4			HS_VPCI_VERSION(1, 4)

#define DESC1			20u
#define DESC2			28u
#define ASSIGNED1_SIZE		148u
#define ASSIGNED2_SIZE		202u
#define ASSIGNED_MSI_COUNT	128u
#define CREATE1_SIZE		24u
#define CREATE2_SIZE		80u
#define CREATE3_SIZE		84u
#define DELETE_SIZE		24u
#define MAX_VECTORS		32u
#define MAX_FUNCS		16u
#define SLOT_REG		0u
#define CFG_PAGE		0x1000u

/* config space offsets */
#define C_VENDOR	0x00
#define C_COMMAND	0x04
#define C_STATUS	0x06
#define C_REVISION	0x08
#define C_CACHE_LINE	0x0C
#define C_LATENCY	0x0D
#define C_BAR0		0x10
#define C_SUBSYS	0x2C
#define C_CAP_PTR	0x34
#define C_INT_LINE	0x3C
#define C_EXTRA		0x40
#define STATUS_CAP_LIST	0x0010u

static const uint8_t vpci_class[16] = {	/* 44c4f61d-4444-4400-9d52-802e27ede19f */
	0x1d, 0xf6, 0xc4, 0x44, 0x44, 0x44, 0x00, 0x44,
	0x9d, 0x52, 0x80, 0x2e, 0x27, 0xed, 0xe1, 0x9f,
};
static const uint32_t default_versions[] = { V1_4, V1_3, V1_2, V1_1, 0 };

struct hs_vpci_func {
	struct hs_vpci *bus;
	struct hs_vpci_func_config fc;
	uint32_t wslot;
	uint32_t probed[6];
	uint8_t cfg[HS_VPCI_CFG_BYTES];
	uint8_t wmask[HS_VPCI_CFG_BYTES];
	struct hs_vpci_func_state fs;
	struct hs_vpci_func *next;	/* every function ever added */
};

struct hs_vpci {
	struct hs_host *h;
	struct hs_device *dev;
	uint32_t versions[8];
	unsigned int nversions;
	bool in_memory;

	pthread_mutex_t lock;
	pthread_cond_t cond;		/* CLOCK_MONOTONIC */
	struct hs_channel *ch;
	bool open;
	struct hs_outq outq;
	struct hs_vpci_func *funcs;
	uint32_t selected;		/* the slot register */
	/* memory-backed window: what the host last wrote there */
	uint32_t shown_slot;
	uint8_t shown[HS_VPCI_CFG_BYTES];
	bool shown_valid;
	struct hs_vpci_stats st;
};

static void bad(struct hs_vpci *b, const char *what, uint64_t detail)
{
	b->st.protocol_errors++;
	hs_protocol_error(b->h, "vpci: %s (%#llx)", what, (unsigned long long)detail);
}

/* ---- sending (lock held) -------------------------------------------------------------- */
static void send_msg(struct hs_vpci *b, const void *m, uint32_t len)
{
	if (b->open)
		hs_outq_send(&b->outq, b->ch, PKT_INBAND, 0, 0, NULL, 0, m, len);
}

static void reply(struct hs_vpci *b, const struct hs_packet *p, const void *m, uint32_t len)
{
	if (b->open)
		hs_outq_send(&b->outq, b->ch, PKT_COMP, 0, p->trans_id, NULL, 0, m, len);
}

static void reply_status(struct hs_vpci *b, const struct hs_packet *p, uint32_t status)
{
	uint8_t r[4];

	put32(r, status);
	reply(b, p, r, sizeof(r));
}

static struct hs_vpci_func *find(struct hs_vpci *b, uint32_t wslot)
{
	struct hs_vpci_func *f;

	for (f = b->funcs; f; f = f->next)
		if (f->fs.present && f->wslot == wslot)
			return f;
	return NULL;
}

static struct hs_vpci_func *first_present(struct hs_vpci *b)
{
	struct hs_vpci_func *f;

	for (f = b->funcs; f; f = f->next)
		if (f->fs.present)
			return f;
	return NULL;
}

static void send_relations(struct hs_vpci *b)
{
	bool v2 = b->st.version >= V1_3;
	uint32_t dsz = v2 ? DESC2 : DESC1, n = 0;
	uint8_t m[8 + MAX_FUNCS * DESC2];
	struct hs_vpci_func *f;

	memset(m, 0, sizeof(m));
	for (f = b->funcs; f; f = f->next) {
		uint8_t *d = m + 8 + n * dsz;

		if (!f->fs.present)
			continue;
		memcpy(d, f->cfg + C_VENDOR, 4);		/* vendor, device */
		d[4] = f->fc.revision;
		d[5] = f->fc.prog_if;
		d[6] = f->fc.subclass;
		d[7] = f->fc.base_class;
		memcpy(d + 8, f->cfg + C_SUBSYS, 4);		/* subsystem vendor, id */
		put32(d + 12, f->wslot);
		put32(d + 16, f->fc.serial);
		if (v2 && f->fc.numa_node >= 0) {
			put32(d + 20, 1);
			put16(d + 24, (uint16_t)f->fc.numa_node);
		}
		f->fs.announced = true;
		n++;
	}
	put32(m, v2 ? BUS_RELATIONS2 : BUS_RELATIONS);
	put32(m + 4, n);
	send_msg(b, m, 8 + n * dsz);
	b->st.relations_sent++;
}

/* ---- config space ------------------------------------------------------------------ */
static void build_config(struct hs_vpci_func *f)
{
	const struct hs_vpci_func_config *fc = &f->fc;
	unsigned int i;

	memset(f->cfg, 0, sizeof(f->cfg));
	memset(f->wmask, 0, sizeof(f->wmask));
	put16(f->cfg + C_VENDOR, fc->vendor_id);
	put16(f->cfg + C_VENDOR + 2, fc->device_id);
	f->cfg[C_REVISION] = fc->revision;
	f->cfg[C_REVISION + 1] = fc->prog_if;
	f->cfg[C_REVISION + 2] = fc->subclass;
	f->cfg[C_REVISION + 3] = fc->base_class;
	put16(f->cfg + C_SUBSYS, fc->subsys_vendor_id);
	put16(f->cfg + C_SUBSYS + 2, fc->subsys_id);
	memcpy(f->cfg + C_EXTRA, fc->extra, sizeof(fc->extra));
	if (fc->cap_pointer) {
		f->cfg[C_CAP_PTR] = fc->cap_pointer;
		put16(f->cfg + C_STATUS, STATUS_CAP_LIST);
	}
	/* command bits 0..10, cache line, latency, interrupt line */
	f->wmask[C_COMMAND] = 0xFF;
	f->wmask[C_COMMAND + 1] = 0x07;
	f->wmask[C_CACHE_LINE] = 0xFF;
	f->wmask[C_LATENCY] = 0xFF;
	f->wmask[C_INT_LINE] = 0xFF;
	for (i = 0; i < 6; i++) {
		uint64_t mask;

		if (!fc->bar_size[i])
			continue;
		mask = ~(fc->bar_size[i] - 1);
		f->probed[i] = ((uint32_t)mask & ~0xFu) | (fc->bar_64[i] ? 0x4u : 0) |
			       (fc->bar_prefetch[i] ? 0x8u : 0);
		put32(f->cfg + C_BAR0 + 4 * i, f->probed[i] & 0xFu);
		put32(f->wmask + C_BAR0 + 4 * i, f->probed[i] & ~0xFu);
		if (fc->bar_64[i]) {
			f->probed[i + 1] = (uint32_t)(mask >> 32);
			put32(f->wmask + C_BAR0 + 4 * (i + 1), f->probed[i + 1]);
			i++;
		}
	}
}

static bool config_ok(const struct hs_vpci_func_config *fc)
{
	unsigned int i;

	if (fc->device > 31 || fc->function > 7 || !fc->vendor_id || fc->vendor_id == 0xFFFF)
		return false;
	if (fc->cap_pointer && (fc->cap_pointer < C_EXTRA || (fc->cap_pointer & 3)))
		return false;
	for (i = 0; i < 6; i++) {
		uint64_t s = fc->bar_size[i];

		if (!s)
			continue;
		if (s < 16 || (s & (s - 1)) || (!fc->bar_64[i] && s > (1ull << 31)))
			return false;
		if (fc->bar_64[i] && (i == 5 || fc->bar_size[i + 1]))
			return false;
		if (fc->bar_64[i])
			i++;
	}
	return true;
}

static void update_state(struct hs_vpci_func *f)
{
	unsigned int i;

	f->fs.command = le16(f->cfg + C_COMMAND);
	for (i = 0; i < 6; i++) {
		f->fs.bar_address[i] = 0;
		if (!f->fc.bar_size[i])
			continue;
		f->fs.bar_address[i] = le32(f->cfg + C_BAR0 + 4 * i) & ~0xFu;
		if (f->fc.bar_64[i])
			f->fs.bar_address[i] |= (uint64_t)le32(f->cfg + C_BAR0 + 4 * (i + 1)) << 32;
	}
}

static void cfg_write(struct hs_vpci_func *f, uint32_t off, uint32_t size, uint32_t val)
{
	uint32_t i;

	for (i = 0; i < size; i++) {
		uint8_t m = f->wmask[off + i], byte = (uint8_t)(val >> (8 * i));

		f->cfg[off + i] = (uint8_t)((f->cfg[off + i] & ~m) | (byte & m));
	}
	f->fs.cfg_writes++;
	update_state(f);
}

static uint32_t cfg_read(struct hs_vpci_func *f, uint32_t off, uint32_t size)
{
	uint32_t v = 0, i;

	for (i = 0; i < size; i++)
		v |= (uint32_t)f->cfg[off + i] << (8 * i);
	f->fs.cfg_reads++;
	return v;
}

/* the function the window shows: the selected one, or (memory-backed) the
 * first present when the selection names none */
static struct hs_vpci_func *shown_func(struct hs_vpci *b)
{
	struct hs_vpci_func *f = find(b, b->selected);

	if (!f && b->in_memory)
		f = first_present(b);
	return f;
}

/* memory-backed window: write the slot register and the shown function's
 * config space into guest memory (lock held) */
static void show_window(struct hs_vpci *b)
{
	struct hs_vpci_func *f;
	uint8_t *w;

	if (!b->in_memory || !b->st.d0)
		return;
	w = hs_map(b->h, b->st.window_gpa, HS_VPCI_WINDOW_BYTES);
	if (!w)
		return;
	f = shown_func(b);
	if (f)
		memcpy(b->shown, f->cfg, HS_VPCI_CFG_BYTES);
	else
		memset(b->shown, 0xFF, HS_VPCI_CFG_BYTES);
	b->shown_slot = b->selected;
	put32(w + SLOT_REG, b->selected);
	memcpy(w + CFG_PAGE, b->shown, HS_VPCI_CFG_BYTES);
	b->shown_valid = true;
}

/* ---- requests from the guest (vmbus thread, lock held) ------------------------------ */
static struct hs_vpci_func *func_arg(struct hs_vpci *b, const uint8_t *m, uint32_t len,
				     uint32_t need, const char *what)
{
	struct hs_vpci_func *f;

	if (len < need) {
		bad(b, what, len);
		return NULL;
	}
	f = find(b, le32(m + 4));
	if (!f || !f->fs.announced) {
		bad(b, "request for a wslot not on the bus", le32(m + 4));
		return NULL;
	}
	return f;
}

static void query_version(struct hs_vpci *b, const struct hs_packet *p, const uint8_t *m,
			  uint32_t len)
{
	uint8_t r[8];
	uint32_t v;
	unsigned int i;
	bool ok = false;

	if (len < 8) {
		bad(b, "QUERY_PROTOCOL_VERSION too short", len);
		reply_status(b, p, ST_BAD_DATA);
		return;
	}
	v = le32(m + 4);
	for (i = 0; i < b->nversions; i++)
		ok |= b->versions[i] == v;
	b->st.version_requests++;
	b->st.version = ok ? v : 0;
	put32(r, ok ? ST_SUCCESS : ST_REVISION_MISMATCH);
	put32(r + 4, v);
	reply(b, p, r, sizeof(r));
}

static void d0_entry(struct hs_vpci *b, const struct hs_packet *p, const uint8_t *m,
		     uint32_t len)
{
	uint64_t gpa;

	if (len < 16) {
		bad(b, "BUS_D0_ENTRY too short", len);
		reply_status(b, p, ST_BAD_DATA);
		return;
	}
	if (!b->st.version) {
		bad(b, "BUS_D0_ENTRY before a version was accepted", 0);
		reply_status(b, p, ST_UNSUCCESSFUL);
		return;
	}
	gpa = le64(m + 8);
	if (!gpa || (gpa & (HV_PAGE - 1))) {
		bad(b, "BUS_D0_ENTRY config window not page aligned", gpa);
		reply_status(b, p, ST_BAD_DATA);
		return;
	}
	if (b->in_memory && !hs_map(b->h, gpa, HS_VPCI_WINDOW_BYTES))
		bad(b, "BUS_D0_ENTRY memory-backed config window not in guest memory", gpa);
	b->st.d0 = true;
	b->st.window_gpa = gpa;
	b->st.d0_entries++;
	b->selected = 0;
	show_window(b);
	/* the relations come before the answer, as OpenVMM's host sends them */
	send_relations(b);
	reply_status(b, p, ST_SUCCESS);
}

static void requirements(struct hs_vpci *b, const struct hs_packet *p, const uint8_t *m,
			 uint32_t len)
{
	struct hs_vpci_func *f = func_arg(b, m, len, 8, "QUERY_RESOURCE_REQUIREMENTS too short");
	uint8_t r[28] = { 0 };
	unsigned int i;

	if (!f) {
		reply_status(b, p, ST_BAD_DATA);
		return;
	}
	f->fs.requirement_queries++;
	for (i = 0; i < 6; i++)
		put32(r + 4 + 4 * i, f->probed[i]);
	reply(b, p, r, sizeof(r));
}

static void assigned(struct hs_vpci *b, const struct hs_packet *p, const uint8_t *m,
		     uint32_t len, bool v2)
{
	struct hs_vpci_func *f = func_arg(b, m, len, v2 ? ASSIGNED2_SIZE : ASSIGNED1_SIZE,
					  "RESOURCES_ASSIGNED shorter than its version's size");

	if (!f) {
		reply_status(b, p, ST_BAD_DATA);
		return;
	}
	if (v2 && b->st.version < V1_2)
		bad(b, "RESOURCES_ASSIGNED2 on version 1.1", b->st.version);
	f->fs.resources_assigned = true;
	f->fs.resources_released = false;
	f->fs.msi_descriptors = le32(m + ASSIGNED_MSI_COUNT);
	reply_status(b, p, ST_SUCCESS);
}

static void released(struct hs_vpci *b, const uint8_t *m, uint32_t len)
{
	struct hs_vpci_func *f = func_arg(b, m, len, 8, "RESOURCES_RELEASED too short");

	if (!f)
		return;
	if (!f->fs.resources_assigned)
		bad(b, "RESOURCES_RELEASED without RESOURCES_ASSIGNED", f->wslot);
	f->fs.resources_assigned = false;
	f->fs.resources_released = true;
}

static bool check_vps(struct hs_vpci *b, const uint32_t *vps, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (vps[i] >= b->h->cfg.nr_vps)
			return false;
	return true;
}

static void create_interrupt(struct hs_vpci *b, const struct hs_packet *p, const uint8_t *m,
			     uint32_t len, uint32_t type)
{
	static const uint32_t need[3] = { CREATE1_SIZE, CREATE2_SIZE, CREATE3_SIZE };
	unsigned int kind = type == CREATE_INTERRUPT ? 0 : type == CREATE_INTERRUPT2 ? 1 : 2;
	struct hs_vpci_func *f = func_arg(b, m, len, need[kind], "CREATE_INTERRUPT too short");
	struct hs_vpci_irq q = { 0 };
	uint8_t r[24] = { 0 };
	uint32_t i, slot;
	bool ok_version;

	if (!f) {
		reply_status(b, p, ST_BAD_DATA);
		return;
	}
	ok_version = kind == 0 ? b->st.version == V1_1 :
		     kind == 1 ? (b->st.version == V1_2 || b->st.version == V1_3) :
				 b->st.version >= V1_4;
	if (!ok_version) {
		bad(b, "CREATE_INTERRUPT message not of the negotiated version", type);
		reply_status(b, p, ST_NOT_SUPPORTED);
		return;
	}
	if (kind == 0) {
		uint64_t mask = le64(m + 16);

		q.vector = m[8];
		q.delivery_mode = m[9];
		q.count = le16(m + 10);
		for (i = 0; i < 64; i++)
			if (mask >> i & 1 && q.nvps < 32)
				q.vps[q.nvps++] = i;
		if (mask >> 32 && q.nvps == 32)
			q.nvps = 33;	/* more than can be named: refused below */
	} else {
		uint32_t at = kind == 1 ? 14 : 18;

		q.vector = kind == 1 ? m[8] : le32(m + 8);
		q.delivery_mode = kind == 1 ? m[9] : m[12];
		q.count = le16(m + (kind == 1 ? 10 : 14));
		q.nvps = le16(m + (kind == 1 ? 12 : 16));
		for (i = 0; i < q.nvps && i < 32; i++)
			q.vps[i] = le16(m + at + 2 * i);
	}
	if (!f->fs.resources_assigned) {
		bad(b, "CREATE_INTERRUPT before RESOURCES_ASSIGNED", f->wslot);
		reply_status(b, p, ST_UNSUCCESSFUL);
		return;
	}
	if (q.vector < 0x20 || q.vector > 0xFF || q.delivery_mode > 1 || !q.count ||
	    q.count > MAX_VECTORS || !q.nvps || q.nvps > 32 || !check_vps(b, q.vps, q.nvps)) {
		bad(b, "CREATE_INTERRUPT vector, mode, count or processors out of range",
		    (uint64_t)q.vector << 32 | q.count << 16 | q.nvps);
		reply_status(b, p, ST_BAD_DATA);
		return;
	}
	for (slot = 0; slot < HS_VPCI_MAX_IRQS && f->fs.irq[slot].live; slot++)
		;
	if (slot == HS_VPCI_MAX_IRQS) {
		reply_status(b, p, ST_UNSUCCESSFUL);	/* the host ran out: not a guest error */
		return;
	}
	/* an x86 MSI: the first VP's APIC in the address, vector and mode in the data */
	q.address = 0xFEE00000ull | (uint64_t)(q.vps[0] & 0xFF) << 12;
	q.data = q.vector | (uint32_t)q.delivery_mode << 8;
	q.live = true;
	f->fs.irq[slot] = q;
	if (slot >= f->fs.nirqs)
		f->fs.nirqs = slot + 1;
	f->fs.irqs_live++;
	put32(r, ST_SUCCESS);
	put16(r + 10, (uint16_t)q.count);
	put32(r + 12, q.data);
	put64(r + 16, q.address);
	reply(b, p, r, sizeof(r));
}

static void delete_interrupt(struct hs_vpci *b, const uint8_t *m, uint32_t len)
{
	struct hs_vpci_func *f = func_arg(b, m, len, DELETE_SIZE, "DELETE_INTERRUPT too short");
	uint32_t data, i;
	uint64_t addr;

	if (!f)
		return;
	data = le32(m + 12);
	addr = le64(m + 16);
	for (i = 0; i < f->fs.nirqs; i++) {
		struct hs_vpci_irq *q = &f->fs.irq[i];

		if (q->live && q->data == data && q->address == addr) {
			q->live = false;
			f->fs.irqs_live--;
			return;
		}
	}
	bad(b, "DELETE_INTERRUPT of an interrupt the host did not create", addr);
}

static void ejection_complete(struct hs_vpci *b, const uint8_t *m, uint32_t len)
{
	struct hs_vpci_func *f = func_arg(b, m, len, 8, "EJECTION_COMPLETE too short");

	if (!f)
		return;
	if (!f->fs.ejecting) {
		bad(b, "EJECTION_COMPLETE for a function not ejected", f->wslot);
		return;
	}
	f->fs.ejecting = false;
	f->fs.ejected = true;
	f->fs.present = false;
	b->st.functions--;
	b->st.ejections_completed++;
	send_relations(b);
	show_window(b);
}

static void message(void *model, const struct hs_packet *p)
{
	struct hs_vpci *b = model;
	const uint8_t *m = p->payload;
	uint32_t len = p->payload_len, type;
	bool answered;

	if (p->type != PKT_INBAND) {
		bad(b, "not an in-band packet", p->type);
		return;
	}
	if (len < 4) {
		bad(b, "message shorter than its type", len);
		return;
	}
	type = le32(m);
	/* which messages are requests (a completion with a status is the answer) */
	answered = type == QUERY_VERSION || type == BUS_D0_ENTRY || type == BUS_D0_EXIT ||
		   type == QUERY_REQUIREMENTS || type == RESOURCES_ASSIGNED ||
		   type == RESOURCES_ASSIGNED2 || type == CREATE_INTERRUPT ||
		   type == CREATE_INTERRUPT2 || type == CREATE_INTERRUPT3;
	if (answered && (!(p->flags & PKT_FLAG_COMPLETION) || !p->trans_id))
		bad(b, "request without completion requested or with transaction id 0", type);
	switch (type) {
	case QUERY_VERSION:
		query_version(b, p, m, len);
		break;
	case BUS_D0_ENTRY:
		d0_entry(b, p, m, len);
		break;
	case BUS_D0_EXIT:
		if (!b->st.d0)
			bad(b, "BUS_D0_EXIT while not in D0", 0);
		b->st.d0 = false;
		b->st.window_gpa = 0;
		b->st.d0_exits++;
		b->shown_valid = false;
		reply_status(b, p, ST_SUCCESS);
		break;
	case QUERY_BUS_RELATIONS:
		if (!b->st.version)
			bad(b, "QUERY_BUS_RELATIONS before a version was accepted", 0);
		b->st.relations_queries++;
		send_relations(b);
		break;
	case QUERY_REQUIREMENTS:
		requirements(b, p, m, len);
		break;
	case RESOURCES_ASSIGNED:
	case RESOURCES_ASSIGNED2:
		assigned(b, p, m, len, type == RESOURCES_ASSIGNED2);
		break;
	case RESOURCES_RELEASED:
		released(b, m, len);
		break;
	case CREATE_INTERRUPT:
	case CREATE_INTERRUPT2:
	case CREATE_INTERRUPT3:
		create_interrupt(b, p, m, len, type);
		break;
	case DELETE_INTERRUPT:
		delete_interrupt(b, m, len);
		break;
	case EJECTION_COMPLETE:
		ejection_complete(b, m, len);
		break;
	default:
		if (type >= MSG(0) && type <= LAST_MSG && type != BUS_RELATIONS &&
		    type != BUS_RELATIONS2 && type != EJECT) {
			/* a known message this host does not serve (blocks, power, ...) */
			b->st.unsupported++;
		} else {
			bad(b, "unknown or host-only message type from the guest", type);
		}
		if (p->flags & PKT_FLAG_COMPLETION)
			reply_status(b, p, ST_NOT_SUPPORTED);
	}
	pthread_cond_broadcast(&b->cond);
}

/* ---- device callbacks ------------------------------------------------------------ */
static void forget_guest(struct hs_vpci *b)
{
	struct hs_vpci_func *f;

	b->st.version = 0;
	b->st.d0 = false;
	b->st.window_gpa = 0;
	b->shown_valid = false;
	for (f = b->funcs; f; f = f->next) {
		f->fs.announced = false;
		f->fs.resources_assigned = false;
		f->fs.irqs_live = 0;
		memset(f->fs.irq, 0, sizeof(f->fs.irq));
		f->fs.nirqs = 0;
	}
}

static void vp_opened(struct hs_channel *ch, const uint8_t *user_data)
{
	struct hs_vpci *b = hs_device_priv(hs_channel_device(ch));

	(void)user_data;
	pthread_mutex_lock(&b->lock);
	hs_outq_clear(&b->outq);
	b->ch = ch;
	b->open = b->st.open = true;
	b->st.opens++;
	forget_guest(b);
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
}

static void vp_closed(struct hs_channel *ch)
{
	struct hs_vpci *b = hs_device_priv(hs_channel_device(ch));

	pthread_mutex_lock(&b->lock);
	hs_outq_clear(&b->outq);
	b->open = b->st.open = false;
	forget_guest(b);
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
}

static void vp_ready(struct hs_channel *ch)
{
	struct hs_vpci *b = hs_device_priv(hs_channel_device(ch));

	hs_model_ready(ch, &b->lock, message, b);
}

static void vp_writable(struct hs_channel *ch)
{
	struct hs_vpci *b = hs_device_priv(hs_channel_device(ch));

	hs_model_writable(ch, &b->lock, &b->outq);
}

static void free_vpci(struct hs_vpci *b)
{
	struct hs_vpci_func *f, *n;

	for (f = b->funcs; f; f = n) {
		n = f->next;
		free(f);
	}
	hs_outq_clear(&b->outq);
	pthread_cond_destroy(&b->cond);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

static void vp_release(struct hs_device *dev)
{
	free_vpci(hs_device_priv(dev));
}

static const struct hs_device_ops vp_ops = {
	.opened = vp_opened, .ready = vp_ready, .closed = vp_closed,
	.writable = vp_writable, .release = vp_release,
};

/* ---- the test's and the platform's side ---------------------------------------------- */
static int wait_locked(struct hs_vpci *b, bool (*fn)(struct hs_vpci *b, void *arg), void *arg,
		       unsigned int timeout_ms)
{
	uint64_t end = hs_now_ms() + timeout_ms;
	struct timespec ts;

	ts.tv_sec = (time_t)(end / 1000);
	ts.tv_nsec = (long)(end % 1000) * 1000000;
	while (!fn(b, arg))
		if (pthread_cond_timedwait(&b->cond, &b->lock, &ts) == ETIMEDOUT)
			return fn(b, arg) ? 0 : -ETIMEDOUT;
	return 0;
}

struct hs_vpci_func *hs_vpci_func_add(struct hs_vpci *b, const struct hs_vpci_func_config *fc)
{
	struct hs_vpci_func *f, **tail;
	uint32_t wslot;

	if (!b || !fc || !config_ok(fc))
		return NULL;
	wslot = fc->device | (uint32_t)fc->function << 5;
	pthread_mutex_lock(&b->lock);
	if (find(b, wslot) || b->st.functions == MAX_FUNCS) {
		pthread_mutex_unlock(&b->lock);
		return NULL;
	}
	f = hs_zalloc(sizeof(*f));
	f->bus = b;
	f->fc = *fc;
	f->wslot = wslot;
	build_config(f);
	update_state(f);
	f->fs.present = true;
	for (tail = &b->funcs; *tail; tail = &(*tail)->next)
		;
	*tail = f;
	b->st.functions++;
	if (b->st.d0) {
		show_window(b);
		send_relations(b);
	}
	pthread_mutex_unlock(&b->lock);
	return f;
}

static bool ejected(struct hs_vpci *b, void *arg)
{
	struct hs_vpci_func *f = arg;

	return f->fs.ejected || !b->open;
}

int hs_vpci_func_remove(struct hs_vpci_func *f, bool eject, unsigned int timeout_ms)
{
	struct hs_vpci *b = f->bus;
	uint8_t m[8];
	int rc = 0;

	pthread_mutex_lock(&b->lock);
	if (!f->fs.present) {
		pthread_mutex_unlock(&b->lock);
		return -ENOENT;
	}
	if (!eject || !b->open || !f->fs.announced) {
		f->fs.present = false;
		b->st.functions--;
		if (b->open && b->st.version)
			send_relations(b);
		show_window(b);
		pthread_mutex_unlock(&b->lock);
		return 0;
	}
	f->fs.ejecting = true;
	put32(m, EJECT);
	put32(m + 4, f->wslot);
	send_msg(b, m, sizeof(m));
	b->st.ejects_sent++;
	rc = wait_locked(b, ejected, f, timeout_ms);
	if (!rc && !f->fs.ejected)
		rc = -ENOTCONN;
	pthread_mutex_unlock(&b->lock);
	return rc;
}

int hs_vpci_send_relations(struct hs_vpci *b)
{
	int rc = -ENOTCONN;

	pthread_mutex_lock(&b->lock);
	if (b->open) {
		send_relations(b);
		rc = 0;
	}
	pthread_mutex_unlock(&b->lock);
	return rc;
}

int hs_vpci_mmio(struct hs_vpci *b, uint64_t gpa, uint32_t size, bool write, uint32_t *val)
{
	struct hs_vpci_func *f;
	uint64_t off;

	pthread_mutex_lock(&b->lock);
	if (!b->st.d0 || gpa < b->st.window_gpa ||
	    gpa - b->st.window_gpa >= HS_VPCI_WINDOW_BYTES) {
		pthread_mutex_unlock(&b->lock);
		return 0;
	}
	off = gpa - b->st.window_gpa;
	b->st.cfg_accesses++;
	if ((size != 1 && size != 2 && size != 4) || (off & (size - 1))) {
		b->st.cfg_bad_accesses++;
		bad(b, "config window access not 1, 2 or 4 naturally aligned bytes", off);
		if (!write)
			*val = 0xFFFFFFFFu;
	} else if (off < CFG_PAGE) {
		if (off == SLOT_REG && size == 4) {
			if (write)
				b->selected = *val;
			else
				*val = b->selected;
		} else if (!write) {
			*val = 0;
		}
	} else {
		f = find(b, b->selected);
		if (!f) {
			if (!write)
				*val = size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
		} else if (write) {
			cfg_write(f, (uint32_t)(off - CFG_PAGE), size, *val);
		} else {
			*val = cfg_read(f, (uint32_t)(off - CFG_PAGE), size);
		}
	}
	pthread_mutex_unlock(&b->lock);
	return 1;
}

int hs_vpci_window_sync(struct hs_vpci *b)
{
	struct hs_vpci_func *f;
	uint32_t slot, o;
	uint8_t *w;

	pthread_mutex_lock(&b->lock);
	if (!b->in_memory || !b->st.d0 || !b->shown_valid ||
	    !(w = hs_map(b->h, b->st.window_gpa, HS_VPCI_WINDOW_BYTES))) {
		pthread_mutex_unlock(&b->lock);
		return -ENODEV;
	}
	/* the guest's writes to the page shown, byte by byte */
	f = shown_func(b);
	for (o = 0; f && o < HS_VPCI_CFG_BYTES; o++) {
		if (w[CFG_PAGE + o] != b->shown[o]) {
			cfg_write(f, o, 1, w[CFG_PAGE + o]);
			b->st.cfg_accesses++;
		}
	}
	slot = le32(w + SLOT_REG);
	if (slot != b->shown_slot)
		b->selected = slot;
	show_window(b);
	pthread_mutex_unlock(&b->lock);
	return 0;
}

int hs_vpci_func_config_space(struct hs_vpci_func *f, uint8_t out[HS_VPCI_CFG_BYTES])
{
	pthread_mutex_lock(&f->bus->lock);
	memcpy(out, f->cfg, HS_VPCI_CFG_BYTES);
	pthread_mutex_unlock(&f->bus->lock);
	return 0;
}

int hs_vpci_func_state(struct hs_vpci_func *f, struct hs_vpci_func_state *fs)
{
	pthread_mutex_lock(&f->bus->lock);
	*fs = f->fs;
	pthread_mutex_unlock(&f->bus->lock);
	return 0;
}

void hs_vpci_stats(struct hs_vpci *b, struct hs_vpci_stats *st)
{
	pthread_mutex_lock(&b->lock);
	*st = b->st;
	pthread_mutex_unlock(&b->lock);
}

struct stats_pred {
	bool (*fn)(const struct hs_vpci_stats *st, void *arg);
	void *arg;
};

static bool stats_holds(struct hs_vpci *b, void *arg)
{
	struct stats_pred *sp = arg;

	return sp->fn(&b->st, sp->arg);
}

int hs_vpci_wait(struct hs_vpci *b, bool (*fn)(const struct hs_vpci_stats *st, void *arg),
		 void *arg, unsigned int timeout_ms)
{
	struct stats_pred sp = { fn, arg };
	int rc;

	pthread_mutex_lock(&b->lock);
	rc = wait_locked(b, stats_holds, &sp, timeout_ms);
	pthread_mutex_unlock(&b->lock);
	return rc;
}

struct hs_device *hs_vpci_device(struct hs_vpci *b)
{
	return b->dev;
}

struct hs_vpci *hs_vpci_add(struct hs_host *h, const struct hs_vpci_config *cfg)
{
	const uint32_t *v;
	struct hs_vpci *b;
	struct hs_offer o;

	if (!h || !cfg)
		return NULL;
	b = hs_zalloc(sizeof(*b));
	b->h = h;
	for (v = cfg->versions ? cfg->versions : default_versions; *v && b->nversions < 8; v++)
		b->versions[b->nversions++] = *v;
	b->in_memory = cfg->window_in_memory;
	hs_model_sync_init(&b->lock, &b->cond);
	hs_model_offer(&o, vpci_class, cfg->instance_guid, (uint64_t)(uintptr_t)b ^ 0x5043ull);
	o.monitor_allocated = cfg->monitored;
	b->dev = hs_device_add(h, &o, &vp_ops, b);
	if (!b->dev) {
		free_vpci(b);
		return NULL;
	}
	return b;
}
