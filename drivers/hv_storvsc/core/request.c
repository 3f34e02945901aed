// SPDX-License-Identifier: GPL-2.0
/*
 * Commands: request slots and their transaction ids, the data's page list,
 * EXECUTE_SRB packets, completions matched back to their slot, timeouts,
 * and giving commands up (reset) or failing them (device gone).
 *
 * The slot table is the single owner of a command: whoever takes a busy slot
 * out of it (a completion, a reset, a kill) is the only one to report it.
 */
#include "internal.h"

/* ---- slots ---- */

int stor_slots_init(struct lis_stor *s, u32 depth)
{
	u32 i;

	s->slots = lis_zalloc(sizeof(*s->slots) * depth);
	if (!s->slots)
		return -ENOMEM;
	s->depth = depth;
	for (i = 0; i < depth; i++) {
		s->slots[i].gen = 1;
		s->slots[i].next_free = i + 1;
	}
	s->free_head = 0;
	return 0;
}

void stor_slots_free(struct lis_stor *s)
{
	lis_free(s->slots);
	s->slots = NULL;
}

void stor_protocol_error(struct lis_stor *s)
{
	unsigned long flags = 0;

	lis_spin_lock(&s->slot_lock, flags);
	s->protocol_errors++;
	lis_spin_unlock(&s->slot_lock, flags);
}

static u64 slot_id(const struct lis_stor *s, const struct stor_slot *sl)
{
	return (u64)sl->gen << 32 | (u64)(sl - s->slots);
}

/* caller holds slot_lock; the slot's id is dead from here on */
static void slot_release(struct lis_stor *s, struct stor_slot *sl)
{
	sl->busy = false;
	sl->cookie = NULL;
	sl->chan = NULL;
	sl->gen = sl->gen >= STOR_GEN_MAX ? 1 : sl->gen + 1;
	sl->next_free = s->free_head;
	s->free_head = (u32)(sl - s->slots);
	s->in_flight--;
}

/* caller holds slot_lock */
static struct stor_slot *slot_lookup(struct lis_stor *s, u64 id)
{
	u32 idx = (u32)id, gen = (u32)(id >> 32);
	struct stor_slot *sl;

	if (id & STOR_CTRL_ID || idx >= s->depth)
		return NULL;
	sl = &s->slots[idx];
	if (!sl->busy || sl->gen != gen)
		return NULL;
	return sl;
}

static void counters(struct lis_stor *s, u32 *in_flight, u64 *errors)
{
	unsigned long flags = 0;

	lis_spin_lock(&s->slot_lock, flags);
	*in_flight = s->in_flight;
	*errors = s->protocol_errors;
	lis_spin_unlock(&s->slot_lock, flags);
}

u32 lis_stor_in_flight(struct lis_stor *s)
{
	u32 n;
	u64 e;

	counters(s, &n, &e);
	return n;
}

u64 lis_stor_protocol_errors(struct lis_stor *s)
{
	u32 n;
	u64 e;

	counters(s, &n, &e);
	return e;
}

/* ---- the data's page list ---- */

void lis_stor_dmap_init(struct lis_stor_dmap *m, u64 *pfns, u32 max_pfns)
{
	memset(m, 0, sizeof(*m));
	m->pfns = pfns;
	m->max_pfns = max_pfns;
}

int lis_stor_dmap_add(struct lis_stor_dmap *m, const struct lis_stor_seg *seg)
{
	u64 pfn = seg->pfn + (seg->offset >> LIS_HV_PAGE_SHIFT);
	u32 off = seg->offset & LIS_HV_PAGE_MASK;
	u64 gpa, end, page, last;

	if (!seg->len || pfn < seg->pfn || pfn >> (64 - LIS_HV_PAGE_SHIFT) ||
	    (u64)m->len + seg->len > 0xFFFFFFFFull)
		return -EINVAL;
	gpa = pfn << LIS_HV_PAGE_SHIFT | off;
	end = gpa + seg->len;
	if (end < gpa)
		return -EINVAL;
	page = pfn;
	if (!m->npfns) {
		m->first_offset = off;
	} else if (gpa == m->end_gpa) {
		/* continues the last segment; its page is listed already
		 * unless that segment ended on a page boundary */
		if (off)
			page++;
	} else if ((m->end_gpa & LIS_HV_PAGE_MASK) || off) {
		/* a hole inside the range: one range cannot say that */
		return -EXDEV;
	}
	last = (end - 1) >> LIS_HV_PAGE_SHIFT;
	if (page <= last && last - page + 1 > (u64)(m->max_pfns - m->npfns))
		return -E2BIG;
	for (; page <= last; page++)
		m->pfns[m->npfns++] = page;
	m->len += seg->len;
	m->end_gpa = end;
	return 0;
}

/* ---- sending ---- */

/* the channel for this CPU: one whose interrupts go there, else spread */
static struct stor_chan *pick_chan(struct lis_stor *s, unsigned int cpu)
{
	u32 n = LIS_READ_ONCE(s->nchans), i;
	struct stor_chan *c;

	lis_rmb();
	for (i = 0; i < n; i++) {
		c = s->chans[i];
		if (c->cpu == cpu && !LIS_READ_ONCE(c->dead))
			return c;
	}
	for (i = 0; i < n; i++) {
		c = s->chans[(cpu + i) % n];
		if (!LIS_READ_ONCE(c->dead))
			return c;
	}
	return NULL;
}

static bool cmd_valid(const struct lis_stor *s, const struct lis_stor_cmd *cmd)
{
	if (!cmd->cdb_len || cmd->cdb_len > LIS_STOR_CDB_MAX || cmd->dir > LIS_STOR_DIR_WRITE)
		return false;
	if ((cmd->dir == LIS_STOR_DIR_NONE) != (cmd->data_len == 0))
		return false;
	if (cmd->data_len && !cmd->next_seg)
		return false;
	return cmd->data_len <= s->max_transfer;
}

static void build_srb(const struct lis_stor_cmd *cmd, struct lis_stor_packet *pkt)
{
	struct lis_stor_srb *srb = &pkt->u.srb;
	u32 flags = LIS_STOR_SRB_FLAG_DISABLE_SYNCH_TRANSFER;

	memset(pkt, 0, sizeof(*pkt));
	pkt->operation = cpu_to_le32(LIS_STOR_OP_EXECUTE_SRB);
	pkt->flags = cpu_to_le32(LIS_STOR_FLAG_REQUEST_COMPLETION);
	srb->length = cpu_to_le16(LIS_STOR_SRB_SIZE);
	srb->port_number = cmd->port;
	srb->path_id = cmd->path;
	srb->target_id = cmd->target;
	srb->lun = cmd->lun;
	srb->cdb_length = cmd->cdb_len;
	srb->sense_info_length = LIS_STOR_SENSE_SIZE;
	srb->data_transfer_length = cpu_to_le32(cmd->data_len);
	memcpy(srb->u.cdb, cmd->cdb, cmd->cdb_len);
	switch (cmd->dir) {
	case LIS_STOR_DIR_READ:
		srb->data_in = LIS_STOR_DATA_IN;
		flags |= LIS_STOR_SRB_FLAG_DATA_IN;
		break;
	case LIS_STOR_DIR_WRITE:
		srb->data_in = LIS_STOR_DATA_OUT;
		flags |= LIS_STOR_SRB_FLAG_DATA_OUT;
		break;
	default:
		srb->data_in = LIS_STOR_DATA_NONE;
		break;
	}
	if (cmd->tagged)
		flags |= LIS_STOR_SRB_FLAG_QUEUE_ACTION_ENABLE | LIS_STOR_SRB_FLAG_NO_QUEUE_FREEZE;
	srb->queue_tag = LIS_STOR_QUEUE_TAG_UNTAGGED;
	srb->queue_action = LIS_STOR_QUEUE_ACTION_SIMPLE;
	srb->srb_flags = cpu_to_le32(flags);
	srb->timeout_value = cpu_to_le32(cmd->timeout_s);
}

/* the page list and the send, under the channel's lock (its scratch list) */
static int send_on(struct stor_chan *c, const struct lis_stor_cmd *cmd, u64 id,
		   const struct lis_stor_packet *pkt)
{
	struct lis_stor *s = c->s;
	struct lis_gpa_range range;
	struct lis_stor_dmap m;
	struct lis_stor_seg seg;
	unsigned long flags = 0;
	int ret = 0, more;

	lis_spin_lock(&c->lock, flags);
	if (c->dead) {
		ret = -EAGAIN;
		goto out;
	}
	if (!cmd->data_len) {
		ret = lis_channel_send(c->ch, LIS_VMBUS_PKT_DATA_INBAND,
				       LIS_VMBUS_PKT_FLAG_COMPLETION_REQUESTED, id,
				       pkt, sizeof(*pkt));
		goto out;
	}
	lis_stor_dmap_init(&m, c->pfns, s->max_pfns);
	while ((more = cmd->next_seg(cmd->seg_it, &seg)) > 0) {
		ret = lis_stor_dmap_add(&m, &seg);
		if (ret)
			goto out;
	}
	if (more < 0 || m.len != cmd->data_len) {
		ret = -EINVAL;
		goto out;
	}
	range.byte_offset = m.first_offset;
	range.byte_count = m.len;
	range.pfn_count = m.npfns;
	range.pfns = m.pfns;
	ret = lis_channel_send_gpa(c->ch, LIS_VMBUS_PKT_FLAG_COMPLETION_REQUESTED, id,
				   &range, 1, pkt, sizeof(*pkt));
out:
	lis_spin_unlock(&c->lock, flags);
	return ret;
}

int lis_stor_submit(struct lis_stor *s, const struct lis_stor_cmd *cmd)
{
	struct lis_stor_packet pkt;
	struct stor_slot *sl;
	struct stor_chan *c;
	unsigned long flags = 0;
	bool mine;
	u64 id;
	int ret;

	if (!cmd_valid(s, cmd))
		return -EINVAL;
	c = pick_chan(s, cmd->cpu);
	if (!c)
		return -ENODEV;

	lis_spin_lock(&s->slot_lock, flags);
	if (s->dead) {
		lis_spin_unlock(&s->slot_lock, flags);
		return -ENODEV;
	}
	if (s->free_head >= s->depth) {
		lis_spin_unlock(&s->slot_lock, flags);
		return -EBUSY;
	}
	sl = &s->slots[s->free_head];
	s->free_head = sl->next_free;
	sl->busy = true;
	sl->cookie = cmd->cookie;
	sl->chan = c;
	sl->opcode = cmd->cdb[0];
	sl->requested = cmd->data_len;
	sl->extensions = 0;
	sl->seen_completions = c->completions;
	s->in_flight++;
	id = slot_id(s, sl);
	lis_spin_unlock(&s->slot_lock, flags);

	build_srb(cmd, &pkt);
	ret = send_on(c, cmd, id, &pkt);
	if (!ret)
		return 0;

	/* not sent: give the slot back, unless a reset or a kill took it
	 * meanwhile (then the command was reported already) */
	lis_spin_lock(&s->slot_lock, flags);
	mine = slot_lookup(s, id) == sl;
	if (mine)
		slot_release(s, sl);
	lis_spin_unlock(&s->slot_lock, flags);
	if (!mine)
		return 0;
	switch (ret) {
	case -EAGAIN:
	case -ENOMEM:
		return -EBUSY;
	case -ENODEV:
	case -ENOTCONN:
		/* this channel went away: another may do */
		return s->dead ? -ENODEV : -EBUSY;
	case -EXDEV:
		return -EXDEV;
	default:
		return -EINVAL;
	}
}

/* ---- completions ---- */

void stor_io_complete(struct stor_chan *c, u64 id, const struct lis_stor_packet *pkt)
{
	struct lis_stor *s = c->s;
	struct lis_stor_result res;
	struct stor_slot *sl;
	unsigned long flags = 0;
	u32 requested;
	void *cookie;
	u8 opcode;

	lis_spin_lock(&s->slot_lock, flags);
	sl = slot_lookup(s, id);
	if (!sl || sl->chan != c) {
		s->protocol_errors++;
		lis_spin_unlock(&s->slot_lock, flags);
		lis_err_host("hv_storvsc: channel %u: dropped a completion for unknown or stale transaction id %#llx\n",
			     lis_channel_relid(c->ch), (unsigned long long)id);
		return;
	}
	cookie = sl->cookie;
	requested = sl->requested;
	opcode = sl->opcode;
	slot_release(s, sl);
	c->completions++;
	lis_spin_unlock(&s->slot_lock, flags);

	lis_stor_map_result(&pkt->u.srb, le32_to_cpu(pkt->status), requested, opcode, &res);
	s->cfg.ops->complete(s->cfg.ctx, cookie, &res);
}

/* ---- timeouts, resets, the device going away ---- */

bool lis_stor_timed_out(struct lis_stor *s, void *cookie)
{
	unsigned long flags = 0;
	bool wait = false;
	u32 i;

	lis_spin_lock(&s->slot_lock, flags);
	for (i = 0; i < s->depth; i++) {
		struct stor_slot *sl = &s->slots[i];
		struct stor_chan *c = sl->chan;

		if (!sl->busy || sl->cookie != cookie)
			continue;
		/* the host is alive on this channel: it completed others
		 * since this one was sent (or last given more time) */
		if (!s->dead && !LIS_READ_ONCE(c->dead) &&
		    c->completions != sl->seen_completions &&
		    sl->extensions < STOR_MAX_EXTENSIONS) {
			sl->extensions++;
			sl->seen_completions = c->completions;
			wait = true;
		}
		break;
	}
	lis_spin_unlock(&s->slot_lock, flags);
	return wait;
}

/*
 * Take busy slots out one at a time (on `c` only, or all when c is NULL) and
 * report each with the lock dropped: abandoned() when status is 0xFF,
 * complete() with `status` otherwise.
 */
static void sweep(struct lis_stor *s, struct stor_chan *c, u8 status)
{
	struct lis_stor_result res;
	unsigned long flags = 0;
	u32 i;

	for (i = 0; i < s->depth; i++) {
		struct stor_slot *sl = &s->slots[i];
		void *cookie;
		u32 requested;

		lis_spin_lock(&s->slot_lock, flags);
		if (!sl->busy || (c && sl->chan != c)) {
			lis_spin_unlock(&s->slot_lock, flags);
			continue;
		}
		cookie = sl->cookie;
		requested = sl->requested;
		slot_release(s, sl);
		lis_spin_unlock(&s->slot_lock, flags);

		if (status == 0xFF) {
			if (s->cfg.ops->abandoned)
				s->cfg.ops->abandoned(s->cfg.ctx, cookie);
			continue;
		}
		memset(&res, 0, sizeof(res));
		res.status = status;
		res.residual = requested;
		s->cfg.ops->complete(s->cfg.ctx, cookie, &res);
	}
}

void stor_fail_chan(struct lis_stor *s, struct stor_chan *c, u8 status)
{
	sweep(s, c, status);
}

void stor_abandon_all(struct lis_stor *s)
{
	sweep(s, NULL, 0xFF);
}

void lis_stor_kill(struct lis_stor *s)
{
	unsigned long flags = 0;

	lis_spin_lock(&s->slot_lock, flags);
	s->dead = true;
	lis_spin_unlock(&s->slot_lock, flags);
	sweep(s, NULL, LIS_STOR_ABORTED);
}
