// SPDX-License-Identifier: GPL-2.0
/*
 * The functions on the bus: the host's bus relations (the whole list of
 * functions, each time) and ejects are recorded by the channel callback and
 * applied by lis_vpci_work() in process context, in order — a function that
 * left is removed before one that arrived (possibly in the same slot) is
 * added.  Each new function's BAR requirements are asked for before the
 * glue hears of it.
 */
#include "internal.h"

/* ---- recorded in the channel callback ---- */

void vpci_record_relations(struct lis_vpci *v, const u8 *data, u32 len, bool v2)
{
	const struct lis_vpci_bus_relations *hdr = (const void *)data;
	u32 dsize = v2 ? sizeof(struct lis_vpci_func_desc2) : sizeof(struct lis_vpci_func_desc);
	struct vpci_relations *rel, *old;
	unsigned long flags = 0;
	u32 count, i;

	if (len < sizeof(*hdr)) {
		vpci_host_error(v);
		lis_err_host("pci-hyperv: bus relations of %u bytes\n", len);
		return;
	}
	count = le32_to_cpu(hdr->device_count);
	/* no more functions than slots; all of them inside the packet */
	if (count > VPCI_MAX_WSLOTS || (len - sizeof(*hdr)) / dsize < count) {
		vpci_host_error(v);
		lis_err_host("pci-hyperv: bus relations with %u functions in %u bytes\n",
			     count, len);
		return;
	}
	rel = lis_zalloc_atomic(sizeof(*rel) + count * sizeof(rel->desc[0]));
	if (!rel) {
		lis_err("pci-hyperv: no memory for the bus relations; ignored\n");
		return;
	}
	for (i = 0; i < count; i++)
		memcpy(&rel->desc[i], data + sizeof(*hdr) + i * dsize, dsize);
	rel->count = count;

	lis_spin_lock(&v->ev_lock, flags);
	if (v->dying) {
		lis_spin_unlock(&v->ev_lock, flags);
		lis_free(rel);
		return;
	}
	/* only the newest list matters: it is the whole bus */
	old = v->pending_rel;
	v->pending_rel = rel;
	lis_spin_unlock(&v->ev_lock, flags);
	lis_free(old);
	lis_complete(&v->rel_arrived);
	v->cfg.ops->kick(v->cfg.ctx);
}

void vpci_record_eject(struct lis_vpci *v, const u8 *data, u32 len)
{
	const struct lis_vpci_child_msg *m = (const void *)data;
	unsigned long flags = 0;
	u32 wslot;

	if (len < sizeof(*m)) {
		vpci_host_error(v);
		lis_err_host("pci-hyperv: an eject of %u bytes\n", len);
		return;
	}
	wslot = le32_to_cpu(m->wslot);
	if (wslot >= VPCI_MAX_WSLOTS) {
		vpci_host_error(v);
		lis_err_host("pci-hyperv: an eject of slot %#x\n", wslot);
		return;
	}
	lis_spin_lock(&v->ev_lock, flags);
	if (!v->dying)
		lis_set_bit(wslot, v->eject);
	lis_spin_unlock(&v->ev_lock, flags);
	v->cfg.ops->kick(v->cfg.ctx);
}

/* ---- applied in process context ---- */

static struct lis_vpci_func *find_wslot(struct lis_vpci *v, u32 wslot)
{
	struct lis_vpci_func *f;

	for (f = v->funcs; f; f = f->next) {
		if (f->wslot == wslot)
			return f;
	}
	return NULL;
}

static bool same_function(const struct lis_vpci_func *f, const struct lis_vpci_func_desc *d)
{
	return f->wslot == le32_to_cpu(d->wslot) &&
	       f->vendor_id == le16_to_cpu(d->vendor_id) &&
	       f->device_id == le16_to_cpu(d->device_id) &&
	       f->serial == le32_to_cpu(d->serial);
}

static void unlink_func(struct lis_vpci *v, struct lis_vpci_func *f)
{
	struct lis_vpci_func **pp;
	unsigned long flags = 0;

	/* config accesses look functions up under cfg_lock */
	lis_spin_lock(&v->cfg_lock, flags);
	for (pp = &v->funcs; *pp; pp = &(*pp)->next) {
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	}
	lis_spin_unlock(&v->cfg_lock, flags);
}

static void remove_func(struct lis_vpci *v, struct lis_vpci_func *f, bool notify)
{
	if (notify && v->started)
		v->cfg.ops->removed(v->cfg.ctx, f);
	unlink_func(v, f);
	lis_free(f);
}

void vpci_free_funcs(struct lis_vpci *v, bool notify)
{
	while (v->funcs)
		remove_func(v, v->funcs, notify);
}

static int query_requirements(struct lis_vpci *v, struct lis_vpci_func *f)
{
	struct lis_vpci_resource_requirements_reply r;
	struct lis_vpci_child_msg msg;
	u32 probed[LIS_VPCI_BARS], len;
	unsigned int i;
	int ret;

	memset(&msg, 0, sizeof(msg));
	msg.type = cpu_to_le32(LIS_VPCI_MSG_QUERY_RESOURCE_REQUIREMENTS);
	msg.wslot = cpu_to_le32(f->wslot);
	ret = vpci_request(v, &msg, sizeof(msg), &r, sizeof(r), &len, true);
	if (ret)
		return ret;
	if (!vpci_status_ok(le32_to_cpu(r.status))) {
		lis_err("pci-hyperv: %02x.%x: the host will not say what BARs it has (status %#x)\n",
			f->devfn >> 3, f->devfn & 7, le32_to_cpu(r.status));
		return -EIO;
	}
	if (len < sizeof(r))
		return vpci_short_answer(v, LIS_VPCI_MSG_QUERY_RESOURCE_REQUIREMENTS, len,
					 sizeof(r));
	for (i = 0; i < LIS_VPCI_BARS; i++)
		probed[i] = le32_to_cpu(r.probed_bar[i]);
	vpci_func_set_bars(f, probed);
	return 0;
}

static struct lis_vpci_func *new_func(struct lis_vpci *v, const struct lis_vpci_func_desc2 *d2)
{
	const struct lis_vpci_func_desc *d = &d2->d;
	struct lis_vpci_func *f;
	unsigned long flags = 0;

	f = lis_zalloc(sizeof(*f));
	if (!f)
		return NULL;
	f->bus = v;
	f->wslot = le32_to_cpu(d->wslot);
	f->devfn = (u8)(LIS_VPCI_WSLOT_DEVICE(f->wslot) << 3 | LIS_VPCI_WSLOT_FUNCTION(f->wslot));
	f->vendor_id = le16_to_cpu(d->vendor_id);
	f->device_id = le16_to_cpu(d->device_id);
	f->revision = d->revision;
	f->prog_if = d->prog_if;
	f->subclass = d->subclass;
	f->base_class = d->base_class;
	f->subsys_vendor_id = le16_to_cpu(d->subsys_vendor_id);
	f->subsys_id = le16_to_cpu(d->subsys_id);
	f->serial = le32_to_cpu(d->serial);
	f->numa_node = (le32_to_cpu(d2->flags) & LIS_VPCI_FUNC_FLAG_NUMA_VALID) ?
		       le16_to_cpu(d2->numa_node) : -1;
	if (query_requirements(v, f)) {
		lis_free(f);
		return NULL;
	}
	lis_spin_lock(&v->cfg_lock, flags);
	f->next = v->funcs;
	v->funcs = f;
	lis_spin_unlock(&v->cfg_lock, flags);
	return f;
}

static void bring_up(struct lis_vpci *v, struct lis_vpci_func *f)
{
	int ret = v->cfg.ops->added(v->cfg.ctx, f);

	if (ret)
		lis_err("pci-hyperv: %02x.%x (%04x:%04x) could not be added: %d\n",
			f->devfn >> 3, f->devfn & 7, f->vendor_id, f->device_id, ret);
}

static void apply_relations(struct lis_vpci *v, const struct vpci_relations *rel)
{
	struct lis_vpci_func *f, *next;
	bool seen[VPCI_MAX_WSLOTS];
	u32 i, wslot;

	memset(seen, 0, sizeof(seen));
	for (f = v->funcs; f; f = f->next)
		f->missing = true;
	for (i = 0; i < rel->count; i++) {
		wslot = le32_to_cpu(rel->desc[i].d.wslot);
		f = find_wslot(v, wslot);
		if (f && same_function(f, &rel->desc[i].d))
			f->missing = false;
	}
	/* the functions that left first: a newcomer may take their slot */
	for (f = v->funcs; f; f = next) {
		next = f->next;
		if (f->missing) {
			lis_info("pci-hyperv: %02x.%x (%04x:%04x) left the bus\n",
				 f->devfn >> 3, f->devfn & 7, f->vendor_id, f->device_id);
			remove_func(v, f, true);
		}
	}
	for (i = 0; i < rel->count; i++) {
		const struct lis_vpci_func_desc *d = &rel->desc[i].d;

		wslot = le32_to_cpu(d->wslot);
		if (wslot >= VPCI_MAX_WSLOTS || seen[wslot]) {
			vpci_host_error(v);
			lis_err_host("pci-hyperv: bus relations name slot %#x %s\n", wslot,
				     wslot >= VPCI_MAX_WSLOTS ? "(out of range)" : "twice");
			continue;
		}
		seen[wslot] = true;
		if (find_wslot(v, wslot))
			continue;
		f = new_func(v, &rel->desc[i]);
		if (!f)
			continue;
		lis_info("pci-hyperv: %02x.%x (%04x:%04x) arrived\n", f->devfn >> 3, f->devfn & 7,
			 f->vendor_id, f->device_id);
		if (v->started)
			bring_up(v, f);
	}
	LIS_WRITE_ONCE(v->relations_applied, v->relations_applied + 1);
}

static void eject(struct lis_vpci *v, u32 wslot)
{
	struct lis_vpci_eject_complete msg;
	struct lis_vpci_func *f = find_wslot(v, wslot);

	if (!f) {
		vpci_host_error(v);
		lis_err_host("pci-hyperv: eject of slot %#x, where no function is\n", wslot);
		return;
	}
	lis_info("pci-hyperv: %02x.%x (%04x:%04x) ejected by the host\n", f->devfn >> 3,
		 f->devfn & 7, f->vendor_id, f->device_id);
	remove_func(v, f, true);
	memset(&msg, 0, sizeof(msg));
	msg.type = cpu_to_le32(LIS_VPCI_MSG_EJECTION_COMPLETE);
	msg.wslot = cpu_to_le32(wslot);
	vpci_send(v, &msg, sizeof(msg));
}

void lis_vpci_work(struct lis_vpci *v)
{
	unsigned long ej[VPCI_MAX_WSLOTS / LIS_BITS_PER_ULONG];
	struct vpci_relations *rel;
	unsigned long flags = 0;
	unsigned int i;

	lis_mutex_lock(&v->work_lock);
	lis_spin_lock(&v->ev_lock, flags);
	rel = v->dying ? NULL : v->pending_rel;
	if (rel)
		v->pending_rel = NULL;
	memcpy(ej, v->eject, sizeof(ej));
	memset(v->eject, 0, sizeof(v->eject));
	if (v->dying)
		memset(ej, 0, sizeof(ej));
	lis_spin_unlock(&v->ev_lock, flags);

	if (rel) {
		apply_relations(v, rel);
		lis_free(rel);
	}
	for (i = 0; i < VPCI_MAX_WSLOTS; i++) {
		if (lis_test_and_clear_bit(i, ej))
			eject(v, i);
	}
	lis_mutex_unlock(&v->work_lock);
}

void lis_vpci_start(struct lis_vpci *v)
{
	struct lis_vpci_func *f;

	lis_mutex_lock(&v->work_lock);
	v->started = true;
	for (f = v->funcs; f; f = f->next)
		bring_up(v, f);
	lis_mutex_unlock(&v->work_lock);
}

int lis_vpci_func_enable(struct lis_vpci_func *f)
{
	struct lis_vpci *v = f->bus;
	u8 buf[LIS_VPCI_RESOURCES_ASSIGNED2_LEN];
	struct lis_vpci_resources_assigned *msg = (void *)buf;
	struct lis_vpci_status_reply st;
	bool v2 = v->version >= LIS_VPCI_VERSION_1_2;
	int ret;

	memset(buf, 0, sizeof(buf));
	msg->type = cpu_to_le32(v2 ? LIS_VPCI_MSG_RESOURCES_ASSIGNED2 :
				     LIS_VPCI_MSG_RESOURCES_ASSIGNED);
	msg->wslot = cpu_to_le32(f->wslot);
	ret = vpci_request(v, buf, v2 ? LIS_VPCI_RESOURCES_ASSIGNED2_LEN :
				       LIS_VPCI_RESOURCES_ASSIGNED_LEN,
			   &st, sizeof(st), NULL, true);
	if (!ret && !vpci_status_ok(le32_to_cpu(st.status))) {
		lis_err("pci-hyperv: %02x.%x: the host refused its resources (status %#x)\n",
			f->devfn >> 3, f->devfn & 7, le32_to_cpu(st.status));
		ret = -EIO;
	}
	return ret;
}
