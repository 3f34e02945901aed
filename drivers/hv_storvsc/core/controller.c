// SPDX-License-Identifier: GPL-2.0
/*
 * The controller: the channels (the primary, then sub-channels as the host
 * offers them), the handshake (§4.7), control requests (init steps, bus
 * reset) and the receive side — every packet from the host is length- and
 * operation-checked here before anything else looks at it.
 */
#include "internal.h"

static const u16 stor_versions[] = {
	LIS_STOR_VERSION_WIN10,
	LIS_STOR_VERSION_WIN8_1,
	LIS_STOR_VERSION_WIN8,
};

/* ---- receiving ---- */

static void ctrl_complete(struct lis_stor *s, u64 id, const struct lis_stor_packet *pkt)
{
	unsigned long flags = 0;
	bool ours;

	lis_spin_lock(&s->slot_lock, flags);
	ours = id && id == s->ctrl_id;
	if (ours) {
		memcpy(&s->ctrl_resp, pkt, sizeof(*pkt));
		s->ctrl_answered = true;
		s->ctrl_id = 0;
	} else {
		s->protocol_errors++;
	}
	lis_spin_unlock(&s->slot_lock, flags);
	if (ours)
		lis_complete(&s->ctrl_done);
	else
		lis_err_host("hv_storvsc: dropped a control completion with unknown transaction id %#llx\n",
			     (unsigned long long)id);
}

static void handle_packet(struct stor_chan *c, const struct lis_packet *p)
{
	struct lis_stor *s = c->s;
	struct lis_stor_packet pkt;
	u32 op;

	if (p->len < sizeof(pkt)) {
		stor_protocol_error(s);
		lis_err_host("hv_storvsc: channel %u: dropped a short packet (%u bytes, type %u)\n",
			     lis_channel_relid(c->ch), p->len, p->type);
		return;
	}
	memcpy(&pkt, p->data, sizeof(pkt));
	op = le32_to_cpu(pkt.operation);
	switch (op) {
	case LIS_STOR_OP_COMPLETE_IO:
		if (p->type != LIS_VMBUS_PKT_COMP) {
			stor_protocol_error(s);
			lis_err_host("hv_storvsc: channel %u: dropped a completion in a packet of type %u\n",
				     lis_channel_relid(c->ch), p->type);
		} else if (p->trans_id & STOR_CTRL_ID) {
			ctrl_complete(s, p->trans_id, &pkt);
		} else {
			stor_io_complete(c, p->trans_id, &pkt);
		}
		break;
	case LIS_STOR_OP_ENUMERATE_BUS:
	case LIS_STOR_OP_REMOVE_DEVICE:
		if (s->cfg.ops->bus_changed)
			s->cfg.ops->bus_changed(s->cfg.ctx);
		break;
	case LIS_STOR_OP_FCHBA_DATA:
		/* only Fibre Channel cares; we drive SCSI and IDE */
		break;
	default:
		stor_protocol_error(s);
		lis_err_host("hv_storvsc: channel %u: dropped a packet with unexpected operation %u\n",
			     lis_channel_relid(c->ch), op);
		break;
	}
}

void stor_chan_event(struct lis_channel *ch, void *ctx)
{
	struct stor_chan *c = ctx;
	struct lis_packet p;
	void *big;
	int ret;

	for (;;) {
		ret = lis_channel_recv(ch, c->rxbuf, sizeof(c->rxbuf), &p);
		if (ret == -ENOBUFS) {
			/* no storvsc packet is this long: read it to drop it */
			big = lis_zalloc_atomic(p.raw_len);
			if (!big) {
				lis_err("hv_storvsc: channel %u: no memory to drop a %u-byte packet\n",
					lis_channel_relid(ch), p.raw_len);
				return;
			}
			ret = lis_channel_recv(ch, big, p.raw_len, &p);
			lis_free(big);
			if (ret)
				return;
			stor_protocol_error(c->s);
			lis_err_host("hv_storvsc: channel %u: dropped an oversized packet (%u bytes)\n",
				     lis_channel_relid(ch), p.raw_len);
			continue;
		}
		if (ret)
			return;
		handle_packet(c, &p);
	}
}

/* ---- control requests (primary channel, one at a time) ---- */

/*
 * Send `op` with `payload` and wait for its completion; *status gets the
 * host's NTSTATUS and *resp (if given) the whole answer.  -ETIMEDOUT leaves
 * nothing behind: a late answer finds no pending id and is dropped.
 */
static int ctrl_request(struct lis_stor *s, u32 op, const void *payload, u32 plen,
			u32 timeout_ms, u32 *status, struct lis_stor_packet *resp)
{
	struct lis_stor_packet pkt;
	unsigned long flags = 0;
	u64 id;
	int ret;

	memset(&pkt, 0, sizeof(pkt));
	pkt.operation = cpu_to_le32(op);
	pkt.flags = cpu_to_le32(LIS_STOR_FLAG_REQUEST_COMPLETION);
	if (plen)
		memcpy(pkt.u.raw, payload, plen);

	lis_mutex_lock(&s->ctrl_mutex);
	lis_completion_reinit(&s->ctrl_done);
	lis_spin_lock(&s->slot_lock, flags);
	s->ctrl_seq++;
	id = STOR_CTRL_ID | s->ctrl_seq;
	s->ctrl_id = id;
	s->ctrl_answered = false;
	lis_spin_unlock(&s->slot_lock, flags);

	ret = lis_channel_send(s->primary, LIS_VMBUS_PKT_DATA_INBAND,
			       LIS_VMBUS_PKT_FLAG_COMPLETION_REQUESTED, id, &pkt, sizeof(pkt));
	if (!ret)
		ret = lis_wait(&s->ctrl_done, timeout_ms);

	lis_spin_lock(&s->slot_lock, flags);
	if (s->ctrl_answered) {
		memcpy(&pkt, &s->ctrl_resp, sizeof(pkt));
		ret = 0;
	} else {
		s->ctrl_id = 0;
		if (!ret)
			ret = -ETIMEDOUT;
	}
	lis_spin_unlock(&s->slot_lock, flags);
	lis_mutex_unlock(&s->ctrl_mutex);

	if (ret) {
		lis_err("hv_storvsc: operation %u: %s\n", op,
			ret == -ETIMEDOUT ? "the host did not answer" : "cannot send");
		return ret;
	}
	*status = le32_to_cpu(pkt.status);
	if (resp)
		memcpy(resp, &pkt, sizeof(pkt));
	return 0;
}

/* a control request that must succeed */
static int ctrl_step(struct lis_stor *s, u32 op, const void *payload, u32 plen,
		     u32 timeout_ms, struct lis_stor_packet *resp)
{
	u32 status;
	int ret;

	ret = ctrl_request(s, op, payload, plen, timeout_ms, &status, resp);
	if (ret)
		return ret;
	if (status) {
		lis_err("hv_storvsc: the host refused operation %u (status %#x)\n", op, status);
		return -EIO;
	}
	return 0;
}

/* ---- the handshake (§4.7) ---- */

static int negotiate_version(struct lis_stor *s)
{
	struct lis_stor_protocol_version v;
	u32 status;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(stor_versions); i++) {
		if (s->cfg.max_version && stor_versions[i] > s->cfg.max_version)
			continue;
		v.major_minor = cpu_to_le16(stor_versions[i]);
		v.revision = 0;
		ret = ctrl_request(s, LIS_STOR_OP_QUERY_PROTOCOL_VERSION, &v, sizeof(v),
				   s->cfg.timeout_ms, &status, NULL);
		if (ret)
			return ret;
		if (!status) {
			s->version = stor_versions[i];
			return 0;
		}
	}
	lis_err("hv_storvsc: the host accepts none of protocol 6.2, 6.0 and 5.1\n");
	return -EPROTONOSUPPORT;
}

static int query_properties(struct lis_stor *s)
{
	struct lis_stor_packet resp;
	u32 max;
	int ret;

	ret = ctrl_step(s, LIS_STOR_OP_QUERY_PROPERTIES, NULL, 0, s->cfg.timeout_ms, &resp);
	if (ret)
		return ret;
	s->max_channel_count = le16_to_cpu(resp.u.props.max_channel_count);
	s->props_flags = le32_to_cpu(resp.u.props.flags);
	max = le32_to_cpu(resp.u.props.max_transfer_bytes);
	if (max < LIS_HV_PAGE_SIZE) {
		lis_err_host("hv_storvsc: the host's largest transfer is %u bytes (less than a page)\n",
			     max);
		return -EPROTO;
	}
	if (max > STOR_MAX_TRANSFER)
		max = STOR_MAX_TRANSFER;
	s->max_transfer = max & ~(u32)LIS_HV_PAGE_MASK;
	/* an unaligned buffer touches one page more */
	s->max_pfns = s->max_transfer / LIS_HV_PAGE_SIZE + 1;
	return 0;
}

static int handshake(struct lis_stor *s)
{
	int ret;

	ret = ctrl_step(s, LIS_STOR_OP_BEGIN_INITIALIZATION, NULL, 0, s->cfg.timeout_ms, NULL);
	if (!ret)
		ret = negotiate_version(s);
	if (!ret)
		ret = query_properties(s);
	if (!ret)
		ret = ctrl_step(s, LIS_STOR_OP_END_INITIALIZATION, NULL, 0,
				s->cfg.timeout_ms, NULL);
	return ret;
}

/* ---- channels ---- */

static struct stor_chan *chan_alloc(struct lis_stor *s, struct lis_channel *ch)
{
	struct stor_chan *c = lis_zalloc(sizeof(*c));

	if (!c)
		return NULL;
	c->s = s;
	c->ch = ch;
	lis_spin_init(&c->lock);
	return c;
}

/* the scratch page list, once the handshake told how long it must be */
static int chan_alloc_pfns(struct lis_stor *s, struct stor_chan *c)
{
	c->pfns = lis_zalloc(sizeof(u64) * s->max_pfns);
	return c->pfns ? 0 : -ENOMEM;
}

static void chan_free(struct stor_chan *c)
{
	if (!c)
		return;
	lis_free(c->pfns);
	lis_free(c);
}

static int chan_open(struct lis_stor *s, struct stor_chan *c)
{
	struct lis_stor_channel_props user;
	struct lis_channel_open_args a;
	int ret;

	/* OPENCHANNEL user data: a zeroed channel-properties block */
	memset(&user, 0, sizeof(user));
	memset(&a, 0, sizeof(a));
	a.send_ring_bytes = s->cfg.ring_bytes;
	a.recv_ring_bytes = s->cfg.ring_bytes;
	a.user_data = &user;
	a.user_data_len = sizeof(user);
	a.on_event = stor_chan_event;
	a.ctx = c;
	ret = lis_channel_open(c->ch, &a);
	if (!ret) {
		c->open = true;
		c->cpu = lis_channel_target_cpu(c->ch);
	}
	return ret;
}

/* publish a channel to the submit path (caller holds chan_lock) */
static void chan_publish(struct lis_stor *s, struct stor_chan *c)
{
	s->chans[s->nchans] = c;
	LIS_STORE_RELEASE(s->nchans, s->nchans + 1);
}

static void sub_rescinded(struct lis_channel *ch, void *ctx)
{
	struct stor_chan *c = ctx;
	unsigned long flags = 0;

	lis_spin_lock(&c->lock, flags);
	LIS_WRITE_ONCE(c->dead, true);
	c->open = false;	/* the VMBus core closes it */
	lis_spin_unlock(&c->lock, flags);
	lis_warn("hv_storvsc: sub-channel %u was rescinded; its commands are retried elsewhere\n",
		 lis_channel_relid(ch));
	/* the host will not answer them here: a transport error retries them */
	stor_fail_chan(c->s, c, LIS_STOR_ERROR);
}

static void sub_offered(struct lis_channel *sub, void *ctx)
{
	struct lis_stor *s = ctx;
	u16 idx = lis_channel_subchannel_index(sub);
	struct stor_chan *c;
	int ret;

	lis_mutex_lock(&s->chan_lock);
	if (s->dying || s->nchans >= s->max_chans || !idx || idx > s->subs_requested) {
		lis_mutex_unlock(&s->chan_lock);
		lis_err_host("hv_storvsc: ignored sub-channel %u (index %u; asked for %u)\n",
			     lis_channel_relid(sub), idx, s->subs_requested);
		return;
	}
	c = chan_alloc(s, sub);
	if (c && chan_alloc_pfns(s, c)) {
		chan_free(c);
		c = NULL;
	}
	if (!c) {
		lis_mutex_unlock(&s->chan_lock);
		lis_err("hv_storvsc: no memory for sub-channel %u\n", lis_channel_relid(sub));
		return;
	}
	if (s->cfg.ops->pick_cpu)
		lis_channel_set_target_cpu(sub, s->cfg.ops->pick_cpu(s->cfg.ctx, idx));
	lis_channel_set_rescind_handler(sub, sub_rescinded, c);
	ret = chan_open(s, c);
	if (ret) {
		lis_channel_set_rescind_handler(sub, NULL, NULL);
		lis_mutex_unlock(&s->chan_lock);
		lis_err("hv_storvsc: cannot open sub-channel %u: %d\n", lis_channel_relid(sub), ret);
		chan_free(c);
		return;
	}
	chan_publish(s, c);
	lis_mutex_unlock(&s->chan_lock);
}

static void request_subchannels(struct lis_stor *s)
{
	u32 n, status;
	__le16 count;
	int ret;

	if (s->cfg.ide || !(s->props_flags & LIS_STOR_PROP_MULTI_CHANNEL) ||
	    !s->max_channel_count || s->cfg.nr_cpus < 2)
		return;
	n = min_t(u32, s->max_channel_count, s->cfg.nr_cpus - 1);
	n = min_t(u32, n, s->max_chans - 1);
	lis_mutex_lock(&s->chan_lock);
	s->subs_requested = n;
	lis_mutex_unlock(&s->chan_lock);
	lis_channel_set_subchannel_handler(s->primary, sub_offered, s);

	count = cpu_to_le16((u16)n);
	ret = ctrl_request(s, LIS_STOR_OP_CREATE_SUB_CHANNELS, &count, sizeof(count),
			   s->cfg.subchannel_timeout_ms, &status, NULL);
	if (ret || status)
		lis_warn("hv_storvsc: no sub-channels (%d, status %#x); all I/O uses the primary\n",
			 ret, ret ? 0 : status);
}

/* ---- life cycle ---- */

static void close_all(struct lis_stor *s)
{
	u32 i;

	lis_mutex_lock(&s->chan_lock);
	s->dying = true;
	lis_mutex_unlock(&s->chan_lock);
	lis_channel_set_subchannel_handler(s->primary, NULL, NULL);
	/* sub-channels first, the primary last */
	for (i = s->nchans; i-- > 0;) {
		struct stor_chan *c = s->chans[i];

		/* a rescinded sub-channel is the VMBus core's (and freed) */
		if (c->open) {
			if (i)
				lis_channel_set_rescind_handler(c->ch, NULL, NULL);
			lis_channel_close(c->ch);
		}
		c->open = false;
		LIS_WRITE_ONCE(c->dead, true);
	}
}

static void free_all(struct lis_stor *s)
{
	u32 i;

	for (i = 0; s->chans && i < s->nchans; i++)
		chan_free(s->chans[i]);
	lis_free(s->chans);
	stor_slots_free(s);
	lis_free(s);
}

int lis_stor_create(struct lis_channel *primary, const struct lis_stor_config *cfg,
		    struct lis_stor **out)
{
	struct lis_stor *s;
	struct stor_chan *c;
	int ret;

	if (!cfg->ops || !cfg->ops->complete || !cfg->queue_depth ||
	    cfg->queue_depth > 0x10000 || !cfg->ring_bytes)
		return -EINVAL;
	s = lis_zalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->cfg = *cfg;
	if (!s->cfg.timeout_ms)
		s->cfg.timeout_ms = STOR_DEFAULT_TIMEOUT_MS;
	if (!s->cfg.subchannel_timeout_ms)
		s->cfg.subchannel_timeout_ms = STOR_DEFAULT_SUB_TIMEOUT_MS;
	s->primary = primary;
	lis_mutex_init(&s->chan_lock);
	lis_mutex_init(&s->ctrl_mutex);
	lis_spin_init(&s->slot_lock);
	lis_completion_init(&s->ctrl_done);
	s->max_chans = 1 + (cfg->ide ? 0 : min_t(u32, cfg->nr_cpus ? cfg->nr_cpus - 1 : 0,
						 STOR_MAX_SUBCHANNELS));
	s->chans = lis_zalloc(sizeof(*s->chans) * s->max_chans);
	ret = s->chans ? stor_slots_init(s, cfg->queue_depth) : -ENOMEM;
	c = ret ? NULL : chan_alloc(s, primary);
	if (!c) {
		free_all(s);
		return -ENOMEM;
	}
	ret = chan_open(s, c);
	if (ret) {
		chan_free(c);
		free_all(s);
		return ret;
	}
	lis_mutex_lock(&s->chan_lock);
	chan_publish(s, c);
	lis_mutex_unlock(&s->chan_lock);

	ret = handshake(s);
	if (!ret)
		ret = chan_alloc_pfns(s, c);
	if (ret) {
		close_all(s);
		free_all(s);
		return ret;
	}
	request_subchannels(s);
	*out = s;
	return 0;
}

void lis_stor_destroy(struct lis_stor *s)
{
	if (!s)
		return;
	close_all(s);
	/* nothing can answer what is still in flight now */
	lis_stor_kill(s);
	free_all(s);
}

int lis_stor_reset(struct lis_stor *s)
{
	int ret;

	ret = ctrl_step(s, LIS_STOR_OP_RESET_BUS, NULL, 0, s->cfg.timeout_ms, NULL);
	/* the host is done with these (or will never answer them): either
	 * way the error handler owns them now, and late answers are stale */
	stor_abandon_all(s);
	return ret;
}

void lis_stor_get_info(struct lis_stor *s, struct lis_stor_info *info)
{
	u32 i;

	memset(info, 0, sizeof(*info));
	info->version = s->version;
	info->max_channel_count = s->max_channel_count;
	info->props_flags = s->props_flags;
	info->max_transfer = s->max_transfer;
	info->max_pfns = s->max_pfns;
	lis_mutex_lock(&s->chan_lock);
	info->subchannels_requested = s->subs_requested;
	for (i = 0; i < s->nchans; i++)
		info->channels_open += !LIS_READ_ONCE(s->chans[i]->dead);
	lis_mutex_unlock(&s->chan_lock);
	info->queue_depth = s->depth;
}
