// SPDX-License-Identifier: GPL-2.0
/*
 * VMBus channels: offers and rescinds, open and close, sending and
 * receiving packets, sub-channels, target CPUs, and event dispatch.
 */
#include "internal.h"

#define LIS_MAX_PACKET_BYTES	(0xFFFFu * 8u)
#define LIS_DISPATCH_ROUNDS	1000

/* ---- accessors ---- */

const struct lis_guid *lis_channel_class(const struct lis_channel *ch)
{
	return &ch->offer.if_type;
}

const struct lis_guid *lis_channel_instance(const struct lis_channel *ch)
{
	return &ch->offer.if_instance;
}

u32 lis_channel_relid(const struct lis_channel *ch)
{
	return ch->relid;
}

u16 lis_channel_subchannel_index(const struct lis_channel *ch)
{
	return le16_to_cpu(ch->offer.sub_channel_index);
}

u16 lis_channel_mmio_megabytes(const struct lis_channel *ch)
{
	return le16_to_cpu(ch->offer.mmio_megabytes);
}

u8 lis_channel_monitor_id(const struct lis_channel *ch)
{
	return ch->offer.monitor_id;
}

const u8 *lis_channel_user_defined(const struct lis_channel *ch)
{
	return ch->offer.user_defined;
}

struct lis_vmbus *lis_channel_vmbus(const struct lis_channel *ch)
{
	return ch->vmbus;
}

struct lis_channel *lis_channel_primary(struct lis_channel *ch)
{
	return ch->primary ? ch->primary : ch;
}

bool lis_channel_rescinded(const struct lis_channel *ch)
{
	return LIS_READ_ONCE(ch->rescinded);
}

bool lis_channel_is_open(const struct lis_channel *ch)
{
	return ch->state == LIS_CH_OPEN;
}

void lis_channel_set_drvdata(struct lis_channel *ch, void *data)
{
	ch->drvdata = data;
}

void *lis_channel_drvdata(const struct lis_channel *ch)
{
	return ch->drvdata;
}

void lis_channel_set_envdata(struct lis_channel *ch, void *data)
{
	ch->envdata = data;
}

void *lis_channel_envdata(const struct lis_channel *ch)
{
	return ch->envdata;
}

void lis_channel_get_stats(const struct lis_channel *ch, struct lis_channel_stats *st)
{
	st->signals_sent = ch->st_signals;
	st->events = ch->st_events;
	st->packets_sent = ch->st_sent;
	st->packets_received = ch->st_received;
	st->ring_full = ch->st_full;
	st->malformed = ch->st_malformed;
}

int lis_channel_ring_state(const struct lis_channel *ch, bool outbound,
			   struct lis_ring_state *st)
{
	struct lis_channel *c = (struct lis_channel *)ch;

	/* what the in-tree attributes answer for a channel without rings */
	if (ch->state != LIS_CH_OPEN)
		return -EINVAL;
	lis_ring_state(outbound ? &c->out : &c->in, st);
	return 0;
}

unsigned int lis_channel_target_cpu(const struct lis_channel *ch)
{
	return ch->target_cpu;
}

/*
 * Sub-channel handlers run in the offer context.  Clearing one from another
 * context (a driver being unloaded) waits until a handler call already in
 * progress has returned, so that afterwards none runs any more; from the
 * offer context itself (remove called by a rescind) there is nothing to wait
 * for.  A counter, not the offer mutex: the offer context may itself be
 * waiting for a device lock the caller holds.
 */
void lis_channel_set_subchannel_handler(struct lis_channel *primary,
		void (*fn)(struct lis_channel *sub, void *ctx), void *ctx)
{
	struct lis_vmbus *vmbus = primary->vmbus;
	unsigned long flags = 0;

	lis_spin_lock(&primary->cb_lock, flags);
	primary->sub_ctx = ctx;
	primary->sub_handler = fn;
	lis_spin_unlock(&primary->cb_lock, flags);
	if (fn || LIS_READ_ONCE(vmbus->offers_task) == lis_current_task())
		return;
	while (LIS_READ_ONCE(primary->sub_busy))
		lis_msleep(1);
}

/* call the primary's sub-channel handler, if it still has one */
static void call_subchannel_handler(struct lis_channel *primary, struct lis_channel *sub)
{
	void (*fn)(struct lis_channel *sub, void *ctx);
	unsigned long flags = 0;
	void *ctx;

	lis_spin_lock(&primary->cb_lock, flags);
	fn = primary->sub_handler;
	ctx = primary->sub_ctx;
	if (fn)
		primary->sub_busy++;
	lis_spin_unlock(&primary->cb_lock, flags);
	if (!fn)
		return;
	fn(sub, ctx);
	lis_spin_lock(&primary->cb_lock, flags);
	primary->sub_busy--;
	lis_spin_unlock(&primary->cb_lock, flags);
}

void lis_channel_set_rescind_handler(struct lis_channel *ch,
		void (*fn)(struct lis_channel *ch, void *ctx), void *ctx)
{
	ch->rescind_ctx = ctx;
	ch->rescind_handler = fn;
}

/* ---- offers and rescinds (offer context) ---- */

static void post_relid_released(struct lis_vmbus *vmbus, u32 relid)
{
	struct lis_vmbus_msg_relid_released msg;

	memset(&msg, 0, sizeof(msg));
	msg.header.msgtype = cpu_to_le32(LIS_VMBUS_MSG_RELID_RELEASED);
	msg.child_relid = cpu_to_le32(relid);
	if (lis_post_message(vmbus, &msg, sizeof(msg)))
		lis_warn("hv_vmbus: could not release relid %u\n", relid);
}

static struct lis_channel *find_primary(struct lis_vmbus *vmbus,
					const struct lis_vmbus_msg_offer *offer)
{
	struct lis_channel *ch;

	for (ch = vmbus->channels; ch; ch = ch->all_next) {
		if (!ch->primary && !ch->rescinded &&
		    lis_guid_eq(&ch->offer.if_type, &offer->if_type) &&
		    lis_guid_eq(&ch->offer.if_instance, &offer->if_instance))
			return ch;
	}
	return NULL;
}

void lis_channel_offer(struct lis_vmbus *vmbus, const struct lis_vmbus_msg_offer *offer)
{
	u32 relid = le32_to_cpu(offer->child_relid);
	u16 sub = le16_to_cpu(offer->sub_channel_index);
	struct lis_channel *ch, *primary = NULL;
	unsigned long flags = 0;

	if (!relid || relid >= LIS_VMBUS_MAX_RELID) {
		vmbus->protocol_errors++;
		lis_err_host("hv_vmbus: ignored an offer with relid %u (valid: 1..%u)\n",
			     relid, LIS_VMBUS_MAX_RELID - 1);
		return;
	}
	ch = lis_zalloc(sizeof(*ch));
	if (!ch) {
		lis_err("hv_vmbus: no memory for the channel of relid %u\n", relid);
		post_relid_released(vmbus, relid);
		return;
	}
	memcpy(&ch->offer, offer, sizeof(ch->offer));
	ch->vmbus = vmbus;
	ch->relid = relid;
	ch->state = LIS_CH_OFFERED;
	ch->target_cpu = vmbus->cfg.msg_cpu;
	ch->sig_conn_id = le32_to_cpu(offer->connection_id);
	if (!ch->sig_conn_id)
		ch->sig_conn_id = LIS_VMBUS_EVENT_CONNECTION_ID;
	lis_spin_init(&ch->cb_lock);
	lis_mutex_init(&ch->lock);

	lis_spin_lock(&vmbus->map_lock, flags);
	if (vmbus->relid_map[relid]) {
		lis_spin_unlock(&vmbus->map_lock, flags);
		vmbus->protocol_errors++;
		lis_err_host("hv_vmbus: ignored a second offer for relid %u\n", relid);
		lis_free(ch);
		return;
	}
	if (sub) {
		primary = find_primary(vmbus, offer);
		if (!primary) {
			lis_spin_unlock(&vmbus->map_lock, flags);
			vmbus->protocol_errors++;
			lis_err_host("hv_vmbus: sub-channel %u (relid %u) offered without its primary\n",
				     sub, relid);
			lis_free(ch);
			post_relid_released(vmbus, relid);
			return;
		}
		ch->primary = primary;
		ch->sub_next = primary->subs;
		primary->subs = ch;
	}
	ch->all_next = vmbus->channels;
	vmbus->channels = ch;
	LIS_WRITE_ONCE(vmbus->relid_map[relid], ch);
	lis_spin_unlock(&vmbus->map_lock, flags);

	if (!primary) {
		ch->offered_to_env = true;
		vmbus->cfg.env->channel_offered(vmbus->cfg.env_ctx, ch);
	} else {
		call_subchannel_handler(primary, ch);
	}
}

void lis_channel_mark_rescinded(struct lis_vmbus *vmbus, u32 relid)
{
	struct lis_channel *ch;
	unsigned long flags = 0;

	if (!relid || relid >= LIS_VMBUS_MAX_RELID)
		return;
	lis_spin_lock(&vmbus->map_lock, flags);
	ch = vmbus->relid_map[relid];
	if (ch)
		LIS_WRITE_ONCE(ch->rescinded, true);
	lis_spin_unlock(&vmbus->map_lock, flags);
	if (ch)
		lis_request_fail_relid(vmbus, relid, -ENODEV);
}

/* unlink from the lists; the caller holds map_lock */
static void unlink_channel(struct lis_vmbus *vmbus, struct lis_channel *ch)
{
	struct lis_channel **pp;

	for (pp = &vmbus->channels; *pp; pp = &(*pp)->all_next) {
		if (*pp == ch) {
			*pp = ch->all_next;
			break;
		}
	}
	if (ch->primary) {
		for (pp = &ch->primary->subs; *pp; pp = &(*pp)->sub_next) {
			if (*pp == ch) {
				*pp = ch->sub_next;
				break;
			}
		}
	}
}

void lis_channel_rescind(struct lis_vmbus *vmbus, u32 relid)
{
	struct lis_channel *ch, *sub;
	unsigned long flags = 0;

	if (!relid || relid >= LIS_VMBUS_MAX_RELID) {
		vmbus->protocol_errors++;
		lis_err_host("hv_vmbus: ignored a rescind of relid %u\n", relid);
		return;
	}
	lis_spin_lock(&vmbus->map_lock, flags);
	ch = vmbus->relid_map[relid];
	lis_spin_unlock(&vmbus->map_lock, flags);
	if (!ch) {
		vmbus->protocol_errors++;
		lis_err_host("hv_vmbus: ignored a rescind of relid %u, which was never offered\n",
			     relid);
		return;
	}
	LIS_WRITE_ONCE(ch->rescinded, true);

	if (ch->offered_to_env)
		vmbus->cfg.env->channel_rescinded(vmbus->cfg.env_ctx, ch);
	else if (ch->rescind_handler)
		ch->rescind_handler(ch, ch->rescind_ctx);
	/* whatever the driver did, the channel is closed from here on */
	lis_channel_close(ch);

	lis_spin_lock(&vmbus->map_lock, flags);
	LIS_WRITE_ONCE(vmbus->relid_map[relid], NULL);
	unlink_channel(vmbus, ch);
	lis_spin_unlock(&vmbus->map_lock, flags);
	/* no event path may still be looking at it */
	lis_vmbus_grace(vmbus);
	post_relid_released(vmbus, relid);

	/* sub-channels outliving their primary (the host rescinds them on
	 * their own) must not point at freed memory */
	for (sub = ch->subs; sub; sub = sub->sub_next)
		sub->primary = NULL;
	lis_free(ch);
}

/* at teardown: channels still open keep their rings unless the host has
 * released everything (UNLOAD answered, or we never connected) */
void lis_channel_free_all(struct lis_vmbus *vmbus)
{
	bool host_done = vmbus->unloaded || !vmbus->version;
	struct lis_channel *ch;

	while ((ch = vmbus->channels)) {
		vmbus->channels = ch->all_next;
		vmbus->relid_map[ch->relid] = NULL;
		if (ch->ring_pages && !host_done) {
			lis_warn("hv_vmbus: channel %u still open at teardown; its rings are kept\n",
				 ch->relid);
		} else if (ch->ring_pages) {
			lis_free_pages(ch->ring_pages, ch->ring_npages);
		}
		lis_free(ch);
	}
}

/* ---- events ---- */

void lis_vmbus_signal_host(struct lis_channel *ch)
{
	struct lis_vmbus *vmbus = ch->vmbus;
	struct lis_hv_signal_event_input in;
	u64 val;

	/* the guest->host half of the interrupt page matters before 5.0 */
	if (!(le16_to_cpu(ch->offer.is_dedicated_interrupt) & 1) && vmbus->int_page)
		lis_set_bit(ch->relid, (unsigned long *)((u8 *)vmbus->int_page +
							 LIS_HV_PAGE_SIZE / 2));
	memset(&in, 0, sizeof(in));
	in.connection_id = cpu_to_le32(ch->sig_conn_id);
	memcpy(&val, &in, sizeof(val));
	ch->st_signals++;
	vmbus->plat->hypercall_fast8(vmbus->plat->ctx,
				     vmbus->cpus[ch->target_cpu].vp,
				     LIS_HV_CALL_SIGNAL_EVENT | LIS_HV_HYPERCALL_FAST, val);
}

void lis_channel_dispatch(struct lis_vmbus *vmbus, u32 relid)
{
	void (*fn)(struct lis_channel *ch, void *ctx);
	struct lis_channel *ch;
	unsigned long flags = 0;
	unsigned int rounds;
	void *ctx;

	if (!relid || relid >= LIS_VMBUS_MAX_RELID)
		return;
	ch = LIS_READ_ONCE(vmbus->relid_map[relid]);
	if (!ch)
		return;
	/* the host may write as soon as it has sent OPENCHANNEL_RESULT, before
	 * the opener has seen it: lis_channel_open runs the event again once
	 * the channel is open */
	if (LIS_READ_ONCE(ch->state) == LIS_CH_OPENING)
		return;
	lis_spin_lock(&ch->cb_lock, flags);
	fn = ch->on_event;
	ctx = ch->cb_ctx;
	if (!fn || ch->cb_stop) {
		lis_spin_unlock(&ch->cb_lock, flags);
		return;
	}
	if (ch->cb_busy) {
		/* another CPU is in the callback (the channel was just moved):
		 * it may already have taken its last look at the ring, so it
		 * goes round once more for this event */
		ch->cb_again = true;
		lis_spin_unlock(&ch->cb_lock, flags);
		return;
	}
	ch->cb_busy = true;
	lis_spin_unlock(&ch->cb_lock, flags);

again:
	rounds = 0;
	ch->st_events++;
	if (ch->notify_only) {
		/* the driver (or userspace) reads when it wants */
		fn(ch, ctx);
		goto done;
	}
	do {
		/* batched: the host need not signal while we drain, and gets
		 * the space back once, at the end */
		LIS_WRITE_ONCE(ch->in.ctl->interrupt_mask, cpu_to_le32(1));
		lis_mb();
		lis_ring_batch_begin(&ch->in);
		fn(ch, ctx);
		if (lis_ring_commit(&ch->in))
			lis_vmbus_signal_host(ch);
		LIS_WRITE_ONCE(ch->in.ctl->interrupt_mask, 0);
		lis_mb();
		/* packets that came in after the driver's last look */
	} while (lis_ring_has_data(&ch->in) && !LIS_READ_ONCE(ch->cb_stop) &&
		 ++rounds < LIS_DISPATCH_ROUNDS);
	if (rounds >= LIS_DISPATCH_ROUNDS)
		lis_warn("hv_vmbus: channel %u: driver leaves packets in the ring\n", relid);
done:
	lis_spin_lock(&ch->cb_lock, flags);
	if (ch->cb_again && !ch->cb_stop) {
		ch->cb_again = false;
		lis_spin_unlock(&ch->cb_lock, flags);
		goto again;
	}
	ch->cb_again = false;
	ch->cb_busy = false;
	lis_spin_unlock(&ch->cb_lock, flags);
}

/* ---- open and close ---- */

int lis_channel_open(struct lis_channel *ch, const struct lis_channel_open_args *args)
{
	struct lis_vmbus *vmbus = ch->vmbus;
	struct lis_vmbus_msg_open_result res;
	struct lis_vmbus_msg_open msg;
	struct lis_request req;
	unsigned long flags = 0;
	u32 npages;
	int ret;

	if (args->send_ring_bytes % LIS_HV_PAGE_SIZE ||
	    args->recv_ring_bytes % LIS_HV_PAGE_SIZE ||
	    args->send_ring_bytes < 2 * LIS_HV_PAGE_SIZE ||
	    args->recv_ring_bytes < 2 * LIS_HV_PAGE_SIZE ||
	    args->send_ring_bytes > (64u << 20) || args->recv_ring_bytes > (64u << 20) ||
	    args->user_data_len > LIS_VMBUS_OPEN_USER_DATA_SIZE || !args->on_event)
		return -EINVAL;

	lis_mutex_lock(&ch->lock);
	if (lis_channel_rescinded(ch)) {
		ret = -ENODEV;
		goto out;
	}
	if (ch->state != LIS_CH_OFFERED) {
		ret = -EBUSY;
		goto out;
	}
	npages = (args->send_ring_bytes + args->recv_ring_bytes) / LIS_HV_PAGE_SIZE;
	ch->ring_pages = lis_alloc_pages(npages);
	if (!ch->ring_pages) {
		ret = -ENOMEM;
		goto out;
	}
	ch->ring_npages = npages;
	lis_ring_init(&ch->out, ch->ring_pages, args->send_ring_bytes);
	lis_ring_init(&ch->in, (u8 *)ch->ring_pages + args->send_ring_bytes,
		      args->recv_ring_bytes);
	ch->state = LIS_CH_OPENING;

	ret = lis_gpadl_establish(ch, ch->ring_pages, npages * LIS_HV_PAGE_SIZE,
				  &ch->ring_gpadl);
	if (ret)
		goto free_pages;

	lis_spin_lock(&ch->cb_lock, flags);
	ch->notify_only = args->flags & LIS_CHANNEL_NOTIFY_ONLY;
	ch->on_event = args->on_event;
	ch->cb_ctx = args->ctx;
	ch->cb_again = false;
	ch->cb_stop = false;
	lis_spin_unlock(&ch->cb_lock, flags);

	memset(&msg, 0, sizeof(msg));
	msg.header.msgtype = cpu_to_le32(LIS_VMBUS_MSG_OPENCHANNEL);
	msg.child_relid = cpu_to_le32(ch->relid);
	msg.open_id = cpu_to_le32(ch->relid);
	msg.ring_gpadl = cpu_to_le32(ch->ring_gpadl);
	msg.target_vp = cpu_to_le32(vmbus->cpus[ch->target_cpu].vp);
	msg.downstream_page_offset = cpu_to_le32(args->send_ring_bytes / LIS_HV_PAGE_SIZE);
	if (args->user_data_len)
		memcpy(msg.user_data, args->user_data, args->user_data_len);

	lis_request_init(&req, LIS_VMBUS_MSG_OPENCHANNEL_RESULT, ch->relid, ch->relid);
	lis_request_add(vmbus, &req);
	ret = lis_post_message(vmbus, &msg, sizeof(msg));
	if (ret) {
		lis_request_remove(vmbus, &req);
		goto teardown;
	}
	ret = lis_request_wait(vmbus, &req);
	if (ret == -ETIMEDOUT) {
		/* the host may still use the rings: not reused until UNLOAD */
		lis_err("hv_vmbus: channel %u: no answer to OPENCHANNEL; its rings are abandoned\n",
			ch->relid);
		lis_vmbus_abandon(vmbus, ch->ring_pages, ch->ring_npages);
		ch->ring_pages = NULL;
		goto stop;
	}
	if (ret)
		goto teardown;
	memcpy(&res, req.resp, sizeof(res));
	if (res.status) {
		lis_err("hv_vmbus: the host refused to open channel %u (status %#x)\n",
			ch->relid, le32_to_cpu(res.status));
		ret = -EIO;
		goto teardown;
	}
	LIS_WRITE_ONCE(ch->state, LIS_CH_OPEN);
	lis_mb();
	/* what the host sent while we were opening (see lis_channel_dispatch) */
	if (lis_ring_has_data(&ch->in))
		lis_vmbus_kick_channel(vmbus, ch->relid, ch->target_cpu);
	lis_mutex_unlock(&ch->lock);
	return 0;

teardown:
	if (lis_gpadl_teardown(ch, ch->ring_gpadl) == -ETIMEDOUT) {
		/* still the host's: not reused until UNLOAD */
		lis_vmbus_abandon(vmbus, ch->ring_pages, ch->ring_npages);
		ch->ring_pages = NULL;
	}
stop:
	lis_spin_lock(&ch->cb_lock, flags);
	ch->on_event = NULL;
	lis_spin_unlock(&ch->cb_lock, flags);
free_pages:
	if (ch->ring_pages)
		lis_free_pages(ch->ring_pages, ch->ring_npages);
	ch->ring_pages = NULL;
	ch->state = LIS_CH_OFFERED;
out:
	lis_mutex_unlock(&ch->lock);
	return ret;
}

/* stop calling the driver back, and wait for a callback in progress */
static void stop_callbacks(struct lis_channel *ch)
{
	unsigned long flags = 0;
	bool busy;

	for (;;) {
		lis_spin_lock(&ch->cb_lock, flags);
		ch->cb_stop = true;
		busy = ch->cb_busy;
		if (!busy)
			ch->on_event = NULL;
		lis_spin_unlock(&ch->cb_lock, flags);
		if (!busy)
			return;
		lis_msleep(1);
	}
}

void lis_channel_close(struct lis_channel *ch)
{
	struct lis_vmbus_msg_close msg;
	int ret = 0;

	lis_mutex_lock(&ch->lock);
	if (ch->state != LIS_CH_OPEN) {
		lis_mutex_unlock(&ch->lock);
		return;
	}
	ch->state = LIS_CH_CLOSING;
	stop_callbacks(ch);
	if (!lis_channel_rescinded(ch)) {
		memset(&msg, 0, sizeof(msg));
		msg.header.msgtype = cpu_to_le32(LIS_VMBUS_MSG_CLOSECHANNEL);
		msg.child_relid = cpu_to_le32(ch->relid);
		ret = lis_post_message(ch->vmbus, &msg, sizeof(msg));
		if (!ret)
			ret = lis_gpadl_teardown(ch, ch->ring_gpadl);
	}
	if (ret) {
		lis_err("hv_vmbus: channel %u did not close cleanly (%d); its rings are abandoned\n",
			ch->relid, ret);
		lis_vmbus_abandon(ch->vmbus, ch->ring_pages, ch->ring_npages);
	} else {
		lis_free_pages(ch->ring_pages, ch->ring_npages);
	}
	ch->ring_pages = NULL;
	ch->state = LIS_CH_OFFERED;
	lis_mutex_unlock(&ch->lock);
}

int lis_channel_set_target_cpu(struct lis_channel *ch, unsigned int cpu)
{
	struct lis_vmbus *vmbus = ch->vmbus;
	struct lis_vmbus_msg_modify_channel_response resp;
	struct lis_vmbus_msg_modify_channel msg;
	struct lis_request req;
	int ret = 0;

	if (cpu >= vmbus->cfg.nr_cpus || !vmbus->cpus[cpu].up)
		return -EINVAL;
	lis_mutex_lock(&ch->lock);
	if (ch->state == LIS_CH_OFFERED) {
		ch->target_cpu = cpu;
		goto out;
	}
	if (ch->state != LIS_CH_OPEN) {
		ret = -EBUSY;
		goto out;
	}
	if (vmbus->version < LIS_VMBUS_VERSION_WIN10_V4_1) {
		ret = -EOPNOTSUPP;
		goto out;
	}
	memset(&msg, 0, sizeof(msg));
	msg.header.msgtype = cpu_to_le32(LIS_VMBUS_MSG_MODIFYCHANNEL);
	msg.child_relid = cpu_to_le32(ch->relid);
	msg.target_vp = cpu_to_le32(vmbus->cpus[cpu].vp);
	if (vmbus->version < LIS_VMBUS_VERSION_WIN10_V5_3) {
		/* no acknowledgement before 5.3 */
		ret = lis_post_message(vmbus, &msg, sizeof(msg));
		if (!ret)
			ch->target_cpu = cpu;
		goto out;
	}
	lis_request_init(&req, LIS_VMBUS_MSG_MODIFYCHANNEL_RESPONSE, ch->relid, ch->relid);
	lis_request_add(vmbus, &req);
	ret = lis_post_message(vmbus, &msg, sizeof(msg));
	if (ret) {
		lis_request_remove(vmbus, &req);
		goto out;
	}
	ret = lis_request_wait(vmbus, &req);
	if (ret)
		goto out;
	memcpy(&resp, req.resp, sizeof(resp));
	if (resp.status) {
		lis_warn("hv_vmbus: the host would not move channel %u to CPU %u (status %#x)\n",
			 ch->relid, cpu, le32_to_cpu(resp.status));
		ret = -EIO;
		goto out;
	}
	ch->target_cpu = cpu;
out:
	lis_mutex_unlock(&ch->lock);
	return ret;
}

bool lis_vmbus_cpu_busy(struct lis_vmbus *vmbus, unsigned int cpu)
{
	struct lis_channel *ch;
	unsigned long flags = 0;
	bool busy = false;

	lis_spin_lock(&vmbus->map_lock, flags);
	for (ch = vmbus->channels; ch; ch = ch->all_next) {
		if (ch->state != LIS_CH_OFFERED && ch->target_cpu == cpu)
			busy = true;
	}
	lis_spin_unlock(&vmbus->map_lock, flags);
	return busy;
}

/* ---- sending and receiving ---- */

static int channel_usable(struct lis_channel *ch)
{
	if (lis_channel_rescinded(ch))
		return -ENODEV;
	if (ch->state != LIS_CH_OPEN)
		return -ENOTCONN;
	return 0;
}

static int channel_write(struct lis_channel *ch, const struct lis_ring_chunk *chunks,
			 u32 n)
{
	bool signal;
	int ret;

	ret = lis_ring_write(&ch->out, chunks, n, &signal);
	if (ret == -EAGAIN)
		ch->st_full++;
	if (ret == -EIO)
		return -ENODEV;
	if (ret)
		return ret;
	ch->st_sent++;
	if (signal)
		lis_vmbus_signal_host(ch);
	return 0;
}

int lis_channel_send(struct lis_channel *ch, u16 type, u16 flags, u64 trans_id,
		     const void *data, u32 len)
{
	struct lis_vmbus_packet_desc desc;
	struct lis_ring_chunk chunks[2];
	u32 total;
	int ret;

	if (type != LIS_VMBUS_PKT_DATA_INBAND && type != LIS_VMBUS_PKT_COMP)
		return -EINVAL;
	if (len > LIS_MAX_PACKET_BYTES - sizeof(desc))
		return -EMSGSIZE;
	ret = channel_usable(ch);
	if (ret)
		return ret;
	total = LIS_ALIGN_UP((u32)sizeof(desc) + len, 8u);
	desc.type = cpu_to_le16(type);
	desc.offset8 = cpu_to_le16(sizeof(desc) / 8);
	desc.len8 = cpu_to_le16(total / 8);
	desc.flags = cpu_to_le16(flags);
	desc.trans_id = cpu_to_le64(trans_id);
	chunks[0].buf = &desc;
	chunks[0].len = sizeof(desc);
	chunks[1].buf = data;
	chunks[1].len = len;
	return channel_write(ch, chunks, 2);
}

#define LIS_GPA_INLINE_RANGES	16

int lis_channel_send_gpa(struct lis_channel *ch, u16 flags, u64 trans_id,
			 const struct lis_gpa_range *ranges, u32 range_count,
			 const void *data, u32 len)
{
	struct lis_ring_chunk inline_chunks[2 + 2 * LIS_GPA_INLINE_RANGES];
	struct lis_vmbus_gpa_range inline_hdrs[LIS_GPA_INLINE_RANGES];
	struct lis_ring_chunk *chunks = inline_chunks;
	struct lis_vmbus_gpa_range *hdrs = inline_hdrs;
	struct lis_vmbus_gpa_direct_hdr hdr;
	u64 ext = sizeof(hdr), total;
	u32 i, n = 0;
	int ret;

	if (!range_count || range_count > 0xFFFF)
		return -EINVAL;
	for (i = 0; i < range_count; i++) {
		const struct lis_gpa_range *r = &ranges[i];
		u64 pages;

		if (r->byte_offset >= LIS_HV_PAGE_SIZE || !r->byte_count)
			return -EINVAL;
		pages = ((u64)r->byte_offset + r->byte_count + LIS_HV_PAGE_SIZE - 1) >>
			LIS_HV_PAGE_SHIFT;
		if (pages != r->pfn_count)
			return -EINVAL;
		ext += sizeof(struct lis_vmbus_gpa_range) + 8ull * r->pfn_count;
	}
	total = LIS_ALIGN_UP(ext + len, 8ull);
	if (total > LIS_MAX_PACKET_BYTES || ext > LIS_MAX_PACKET_BYTES)
		return -EMSGSIZE;
	ret = channel_usable(ch);
	if (ret)
		return ret;
	if (range_count > LIS_GPA_INLINE_RANGES) {
		chunks = lis_zalloc_atomic(sizeof(*chunks) * (2 + 2 * range_count) +
					   sizeof(*hdrs) * range_count);
		if (!chunks)
			return -ENOMEM;
		hdrs = (struct lis_vmbus_gpa_range *)(chunks + 2 + 2 * range_count);
	}

	memset(&hdr, 0, sizeof(hdr));
	hdr.desc.type = cpu_to_le16(LIS_VMBUS_PKT_DATA_USING_GPA_DIRECT);
	hdr.desc.offset8 = cpu_to_le16((u16)(ext / 8));
	hdr.desc.len8 = cpu_to_le16((u16)(total / 8));
	hdr.desc.flags = cpu_to_le16(flags);
	hdr.desc.trans_id = cpu_to_le64(trans_id);
	hdr.range_count = cpu_to_le32(range_count);
	chunks[n].buf = &hdr;
	chunks[n++].len = sizeof(hdr);
	for (i = 0; i < range_count; i++) {
		hdrs[i].byte_count = cpu_to_le32(ranges[i].byte_count);
		hdrs[i].byte_offset = cpu_to_le32(ranges[i].byte_offset);
		chunks[n].buf = &hdrs[i];
		chunks[n++].len = sizeof(hdrs[i]);
		chunks[n].buf = ranges[i].pfns;
		chunks[n++].len = 8 * ranges[i].pfn_count;
	}
	chunks[n].buf = data;
	chunks[n++].len = len;
	ret = channel_write(ch, chunks, n);
	if (chunks != inline_chunks)
		lis_free(chunks);
	return ret;
}

u32 lis_channel_send_space(struct lis_channel *ch)
{
	if (channel_usable(ch))
		return 0;
	return lis_ring_free_bytes(&ch->out);
}

int lis_channel_recv(struct lis_channel *ch, void *buf, u32 buflen,
		     struct lis_packet *pkt)
{
	struct lis_vmbus_packet_desc desc;
	bool signal;
	u32 len, off;
	int ret;

	if (ch->state != LIS_CH_OPEN && ch->state != LIS_CH_CLOSING)
		return -ENOTCONN;
	for (;;) {
		ret = lis_ring_read(&ch->in, buf, buflen, &len, &signal);
		if (signal)
			lis_vmbus_signal_host(ch);
		if (ret == -ENOBUFS)
			pkt->raw_len = len;
		if (ret == -EIO)
			ch->st_malformed++;
		if (ret != -EBADMSG)
			break;
		ch->st_malformed++;
		memcpy(&desc, buf, sizeof(desc));
		lis_err_host("hv_vmbus: channel %u: dropped a packet of unknown type %u from the host\n",
			     ch->relid, le16_to_cpu(desc.type));
	}
	if (ret)
		return ret;
	memcpy(&desc, buf, sizeof(desc));
	off = le16_to_cpu(desc.offset8) * 8u;
	pkt->type = le16_to_cpu(desc.type);
	pkt->flags = le16_to_cpu(desc.flags);
	pkt->trans_id = le64_to_cpu(desc.trans_id);
	pkt->raw = buf;
	pkt->raw_len = len;
	pkt->data = (const u8 *)buf + off;
	pkt->len = len - off;
	ch->st_received++;
	return 0;
}

/* ---- GPADLs for drivers ---- */

int lis_gpadl_create(struct lis_channel *ch, void *buf, u32 size, u32 *gpadl)
{
	if (lis_channel_rescinded(ch))
		return -ENODEV;
	return lis_gpadl_establish(ch, buf, size, gpadl);
}

int lis_gpadl_destroy(struct lis_channel *ch, u32 gpadl)
{
	return lis_gpadl_teardown(ch, gpadl);
}
