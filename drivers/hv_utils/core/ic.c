// SPDX-License-Identifier: GPL-2.0
/*
 * The IC framework (fact sheet §6.1-§6.3): one object per IC channel.
 *
 * Packets are read in the channel's event callback and queued; one request
 * at a time is handled ("the pump"), in whatever context made progress
 * possible — the event callback, the daemon's answer, its timeout.  Every
 * request is answered in place: the same bytes back, with the status and
 * the response flags set, the same length and transaction id, as an in-band
 * packet without flags.  A request with a header we can read but a body
 * that breaks a rule gets E_FAIL; one too short to have a header is dropped.
 * Both are counted as protocol errors and logged (rate-limited).
 *
 * The host serializes its requests; one that comes while the daemon still
 * has the previous one (the host gave up waiting) waits in the queue.  If
 * the host stops reading our answers, the unsent answer stays and the
 * queue is bounded: beyond it requests are dropped and counted.
 */
#include "internal.h"

#define IC_BACKLOG		8
#define IC_RING_BYTES		(4 * LIS_HV_PAGE_SIZE)

enum ic_cur_state {
	IC_WORKING,	/* a handler has it */
	IC_HELD,	/* the daemon has it */
	IC_ANSWERED,	/* ready to send */
};

struct lis_ic {
	struct lis_channel *ch;
	struct lis_ic_config cfg;
	const struct ic_service *svc;
	const u32 *versions;
	u8 *rxbuf;
	void *scratch;

	lis_spinlock_t lock;		/* everything below */
	struct ic_req *head, *tail;
	u32 queued;
	struct ic_req *cur;
	enum ic_cur_state cur_state;
	u64 cur_seq;
	bool pumping, repump, closing;
	bool negotiated;
	bool power_pending, power_force;
	enum lis_ic_power power_action;
	struct lis_ic_stats st;
};

static const struct ic_service *const ic_services[LIS_IC_NR_SERVICES] = {
	[LIS_IC_HEARTBEAT] = &lis_ic_heartbeat_service,
	[LIS_IC_SHUTDOWN] = &lis_ic_shutdown_service,
	[LIS_IC_TIMESYNC] = &lis_ic_timesync_service,
	[LIS_IC_KVP] = &lis_ic_kvp_service,
	[LIS_IC_VSS] = &lis_ic_vss_service,
	[LIS_IC_FCOPY] = &lis_ic_fcopy_service,
};

const char *lis_ic_service_name(enum lis_ic_service svc)
{
	if ((unsigned int)svc >= LIS_IC_NR_SERVICES)
		return "unknown";
	return ic_services[svc]->name;
}

const struct lis_ic_config *ic_config(struct lis_ic *ic)
{
	return &ic->cfg;
}

void *ic_scratch(struct lis_ic *ic)
{
	return ic->scratch;
}

u32 ic_version(struct lis_ic *ic)
{
	return ic->st.version;
}

void ic_bad(struct lis_ic *ic, const char *what)
{
	unsigned long flags = 0;

	lis_spin_lock(&ic->lock, flags);
	ic->st.protocol_errors++;
	lis_spin_unlock(&ic->lock, flags);
	lis_err_host("hv_utils: %s: %s\n", ic->svc->name, what);
}

void ic_power_after_answer(struct lis_ic *ic, enum lis_ic_power action, bool force)
{
	unsigned long flags = 0;

	lis_spin_lock(&ic->lock, flags);
	ic->power_pending = true;
	ic->power_action = action;
	ic->power_force = force;
	lis_spin_unlock(&ic->lock, flags);
}

void ic_note_heartbeat(struct lis_ic *ic, u64 seq)
{
	unsigned long flags = 0;

	lis_spin_lock(&ic->lock, flags);
	ic->st.heartbeat_seq = seq;
	lis_spin_unlock(&ic->lock, flags);
}

/* ---- negotiation (§6.3) ---- */

static bool ic_listed(const u8 *list, u32 count, u32 v)
{
	u32 i;

	for (i = 0; i < count; i++)
		if (ic_get16(list + 4 * i) == LIS_IC_VERSION_MAJOR(v) &&
		    ic_get16(list + 4 * i + 2) == LIS_IC_VERSION_MINOR(v))
			return true;
	return false;
}

static u32 ic_pick(const u8 *list, u32 count, const u32 *ours)
{
	for (; *ours; ours++)
		if (ic_listed(list, count, *ours))
			return *ours;
	return 0;
}

int lis_ic_negotiate(u8 *data, u32 avail, u16 *data_size, const u32 *fw_ours,
		     const u32 *svc_ours, u32 *fw, u32 *svc)
{
	u32 size = *data_size, nfw, nsvc;
	const u8 *list = data + sizeof(struct lis_ic_negotiate);

	if (size > avail || size < sizeof(struct lis_ic_negotiate))
		return -EINVAL;
	nfw = ic_get16(data);
	nsvc = ic_get16(data + 2);
	if (!nfw || !nsvc ||
	    sizeof(struct lis_ic_negotiate) + 4 * (nfw + nsvc) > size)
		return -EINVAL;
	*fw = ic_pick(list, nfw, fw_ours);
	*svc = ic_pick(list + 4 * nfw, nsvc, svc_ours);
	if (!*fw || !*svc) {
		*fw = *svc = 0;
		ic_put16(data, 0);
		ic_put16(data + 2, 0);
		return 1;
	}
	ic_put16(data, 1);
	ic_put16(data + 2, 1);
	ic_put16(data + 8, LIS_IC_VERSION_MAJOR(*fw));
	ic_put16(data + 10, LIS_IC_VERSION_MINOR(*fw));
	ic_put16(data + 12, LIS_IC_VERSION_MAJOR(*svc));
	ic_put16(data + 14, LIS_IC_VERSION_MINOR(*svc));
	*data_size = sizeof(struct lis_ic_negotiate) + 2 * sizeof(struct lis_ic_version);
	return 0;
}

static enum ic_verdict ic_do_negotiate(struct lis_ic *ic, struct lis_ic_header *h, u8 *data,
				       u32 avail, u32 *status)
{
	unsigned long flags = 0;
	u16 size = le16_to_cpu(h->data_size);
	u32 fw = 0, svc = 0;
	int ret;

	ret = lis_ic_negotiate(data, avail, &size, ic->svc->frameworks, ic->versions, &fw, &svc);
	if (ret < 0) {
		ic_bad(ic, "malformed NEGOTIATE");
		*status = LIS_IC_E_FAIL;
		return IC_ANSWER;
	}
	h->data_size = cpu_to_le16(size);
	lis_spin_lock(&ic->lock, flags);
	ic->negotiated = ret == 0;
	ic->st.refused = ret == 1;
	ic->st.framework = fw;
	ic->st.version = svc;
	lis_spin_unlock(&ic->lock, flags);
	if (ret == 1)
		lis_warn("hv_utils: %s: the host offers no version we speak; the service is off\n",
			 ic->svc->name);
	else
		lis_info("hv_utils: %s: IC framework %u.%u, service version %u.%u\n", ic->svc->name,
			 LIS_IC_VERSION_MAJOR(fw), LIS_IC_VERSION_MINOR(fw),
			 LIS_IC_VERSION_MAJOR(svc), LIS_IC_VERSION_MINOR(svc));
	*status = LIS_IC_S_OK;
	return IC_ANSWER;
}

/* ---- one request ---- */

static enum ic_verdict ic_process(struct lis_ic *ic, struct ic_req *r, u32 *status)
{
	struct lis_ic_header *h = (struct lis_ic_header *)r->data;
	u32 avail, dsize;
	bool negotiated;
	unsigned long flags = 0;
	u16 type;

	if (r->len < sizeof(*h)) {
		ic_bad(ic, "dropped a packet too short for an IC header");
		return IC_DROP;
	}
	if (!(h->flags & LIS_IC_FLAG_REQUEST) || (h->flags & LIS_IC_FLAG_RESPONSE)) {
		ic_bad(ic, "dropped a packet that is not a request");
		return IC_DROP;
	}
	*status = LIS_IC_E_FAIL;
	avail = r->len - sizeof(*h);
	dsize = le16_to_cpu(h->data_size);
	type = le16_to_cpu(h->msgtype);
	if (dsize > avail) {
		ic_bad(ic, "data size past the end of the packet");
		return IC_ANSWER;
	}
	if (type == LIS_IC_TYPE_NEGOTIATE)
		return ic_do_negotiate(ic, h, r->data + sizeof(*h), avail, status);
	if (type != ic->svc->type) {
		ic_bad(ic, "a message of another IC type");
		return IC_ANSWER;
	}
	lis_spin_lock(&ic->lock, flags);
	negotiated = ic->negotiated;
	lis_spin_unlock(&ic->lock, flags);
	if (!negotiated) {
		ic_bad(ic, "a request before a successful negotiation");
		return IC_ANSWER;
	}
	if (dsize < ic->svc->min_size) {
		ic_bad(ic, "a request shorter than its body");
		return IC_ANSWER;
	}
	return ic->svc->handle(ic, r, r->data + sizeof(*h), dsize, status);
}

/* status and response flags into the header (locked or owned) */
static void ic_finish(struct ic_req *r, u32 status)
{
	struct lis_ic_header *h = (struct lis_ic_header *)r->data;

	h->status = cpu_to_le32(status);
	h->flags = LIS_IC_FLAG_TRANSACTION | LIS_IC_FLAG_RESPONSE;
}

/*
 * Run requests while possible.  One caller pumps at a time; a caller that
 * finds the pump running leaves a note (repump) and returns.
 */
static void ic_pump(struct lis_ic *ic)
{
	enum lis_ic_power action;
	enum ic_verdict v;
	unsigned long flags = 0;
	struct ic_req *r;
	u32 status;
	bool force;
	int ret;

	lis_spin_lock(&ic->lock, flags);
	if (ic->pumping) {
		ic->repump = true;
		lis_spin_unlock(&ic->lock, flags);
		return;
	}
	ic->pumping = true;
	do {
		ic->repump = false;
		while (!ic->closing) {
			r = ic->cur;
			if (r && ic->cur_state != IC_ANSWERED)
				break;
			if (r) {
				ret = lis_channel_send(ic->ch, LIS_VMBUS_PKT_DATA_INBAND, 0,
						       r->trans_id, r->data, r->len);
				if (ret == -EAGAIN)
					break;	/* the host signals when there is room */
				if (ret)
					lis_err("hv_utils: %s: an answer was lost (%d)\n",
						ic->svc->name, ret);
				else
					ic->st.answers++;
				ic->cur = NULL;
				lis_free(r);
				if (ic->power_pending && !ret) {
					ic->power_pending = false;
					action = ic->power_action;
					force = ic->power_force;
					lis_spin_unlock(&ic->lock, flags);
					ic->cfg.ops->power(ic->cfg.ctx, action, force);
					lis_spin_lock(&ic->lock, flags);
				}
				continue;
			}
			r = ic->head;
			if (!r)
				break;
			ic->head = r->next;
			if (!ic->head)
				ic->tail = NULL;
			ic->queued--;
			ic->cur = r;
			ic->cur_state = IC_WORKING;
			ic->cur_seq++;
			ic->st.requests++;
			ic->power_pending = false;
			lis_spin_unlock(&ic->lock, flags);
			status = LIS_IC_E_FAIL;
			v = ic_process(ic, r, &status);
			lis_spin_lock(&ic->lock, flags);
			if (v == IC_DROP) {
				ic->cur = NULL;
				lis_free(r);
			} else if (ic->cur_state == IC_WORKING) {
				if (v == IC_DEFER) {
					ic->cur_state = IC_HELD;
				} else {
					ic_finish(r, status);
					ic->cur_state = IC_ANSWERED;
				}
			}
		}
	} while (ic->repump && !ic->closing);
	ic->pumping = false;
	lis_spin_unlock(&ic->lock, flags);
}

/* ---- the daemon's answer ---- */

static void ic_daemon_done(void *ctx, u64 cookie, int err, const void *reply, u32 len)
{
	struct lis_ic *ic = ctx;
	struct lis_ic_header *h;
	unsigned long flags = 0;
	struct ic_req *r;
	u32 status;

	lis_spin_lock(&ic->lock, flags);
	r = ic->cur;
	if (!r || ic->cur_seq != cookie || ic->cur_state == IC_ANSWERED || ic->closing) {
		lis_spin_unlock(&ic->lock, flags);
		return;
	}
	h = (struct lis_ic_header *)r->data;
	if (err) {
		status = LIS_IC_E_FAIL;
		ic->st.daemon_failures++;
	} else {
		status = ic->svc->from_daemon(ic, r, r->data + sizeof(*h),
					      le16_to_cpu(h->data_size), reply, len);
	}
	ic_finish(r, status);
	ic->cur_state = IC_ANSWERED;
	lis_spin_unlock(&ic->lock, flags);
	if (err)
		lis_warn("hv_utils: %s: the daemon %s; the host gets a failure\n", ic->svc->name,
			 err == -ETIMEDOUT ? "did not answer in time" : "went away");
	ic_pump(ic);
}

enum ic_verdict ic_to_daemon(struct lis_ic *ic, const void *msg, u32 len, u32 timeout_ms,
			     u32 *status)
{
	unsigned long flags = 0;
	u64 seq;
	int ret;

	*status = LIS_IC_E_FAIL;
	if (!ic->cfg.daemon)
		return IC_ANSWER;
	if (!timeout_ms)
		timeout_ms = ic->cfg.daemon_timeout_ms ? ic->cfg.daemon_timeout_ms :
			     ic->svc->default_timeout_ms;
	lis_spin_lock(&ic->lock, flags);
	seq = ic->cur_seq;
	lis_spin_unlock(&ic->lock, flags);
	ret = lis_icd_submit(ic->cfg.daemon, msg, len, timeout_ms, ic_daemon_done, ic, seq);
	if (ret) {
		lis_err("hv_utils: %s: cannot hand a request to the daemon (%d)\n",
			ic->svc->name, ret);
		return IC_ANSWER;
	}
	return IC_DEFER;
}

/* ---- the channel ---- */

static void ic_drop_oversized(struct lis_ic *ic, struct lis_channel *ch, u32 raw_len)
{
	struct lis_packet p;
	void *big = lis_zalloc_atomic(raw_len);

	if (!big) {
		lis_err("hv_utils: %s: no memory to drop a %u-byte packet\n", ic->svc->name,
			raw_len);
		return;
	}
	if (!lis_channel_recv(ch, big, raw_len, &p))
		ic_bad(ic, "dropped a packet larger than any IC message");
	lis_free(big);
}

static void ic_on_event(struct lis_channel *ch, void *ctx)
{
	struct lis_ic *ic = ctx;
	unsigned long flags = 0;
	struct lis_packet p;
	struct ic_req *r;
	int ret;

	for (;;) {
		ret = lis_channel_recv(ch, ic->rxbuf, LIS_IC_MAX_MESSAGE, &p);
		if (ret == -ENOBUFS) {
			ic_drop_oversized(ic, ch, p.raw_len);
			continue;
		}
		if (ret)
			break;
		if (p.type != LIS_VMBUS_PKT_DATA_INBAND) {
			ic_bad(ic, "dropped a packet that is not in-band");
			continue;
		}
		r = lis_zalloc_atomic(sizeof(*r) + p.len);
		if (!r) {
			lis_err("hv_utils: %s: no memory for a request; dropped\n", ic->svc->name);
			continue;
		}
		r->trans_id = p.trans_id;
		r->len = p.len;
		memcpy(r->data, p.data, p.len);
		lis_spin_lock(&ic->lock, flags);
		if (ic->queued >= IC_BACKLOG) {
			lis_spin_unlock(&ic->lock, flags);
			lis_free(r);
			ic_bad(ic, "dropped a request: too many waiting");
			continue;
		}
		if (ic->tail)
			ic->tail->next = r;
		else
			ic->head = r;
		ic->tail = r;
		ic->queued++;
		lis_spin_unlock(&ic->lock, flags);
	}
	ic_pump(ic);
}

int lis_ic_open(struct lis_channel *ch, const struct lis_ic_config *cfg, struct lis_ic **out)
{
	struct lis_channel_open_args args;
	struct lis_ic *ic;
	u32 ring;
	int ret;

	if ((unsigned int)cfg->service >= LIS_IC_NR_SERVICES || !cfg->ops)
		return -EINVAL;
	ic = lis_zalloc(sizeof(*ic));
	if (!ic)
		return -ENOMEM;
	ic->rxbuf = lis_zalloc(LIS_IC_MAX_MESSAGE);
	ic->scratch = lis_zalloc(IC_SCRATCH_BYTES);
	if (!ic->rxbuf || !ic->scratch) {
		ret = -ENOMEM;
		goto fail;
	}
	ic->ch = ch;
	ic->cfg = *cfg;
	ic->svc = ic_services[cfg->service];
	ic->versions = ic->svc->versions;
	if (ic->svc->versions_alt && !cfg->hibernate)
		ic->versions = ic->svc->versions_alt;
	lis_spin_init(&ic->lock);

	ring = cfg->ring_bytes ? cfg->ring_bytes : IC_RING_BYTES;
	memset(&args, 0, sizeof(args));
	args.send_ring_bytes = ring;
	args.recv_ring_bytes = ring;
	args.on_event = ic_on_event;
	args.ctx = ic;
	ret = lis_channel_open(ch, &args);
	if (ret) {
		lis_err("hv_utils: %s: cannot open the channel (%d)\n", ic->svc->name, ret);
		goto fail;
	}
	*out = ic;
	return 0;

fail:
	lis_free(ic->scratch);
	lis_free(ic->rxbuf);
	lis_free(ic);
	return ret;
}

void lis_ic_close(struct lis_ic *ic)
{
	unsigned long flags = 0;
	struct ic_req *r;

	if (!ic)
		return;
	lis_spin_lock(&ic->lock, flags);
	ic->closing = true;
	lis_spin_unlock(&ic->lock, flags);
	/* no event callback after this, then no daemon callback */
	lis_channel_close(ic->ch);
	if (ic->cfg.daemon)
		lis_icd_cancel(ic->cfg.daemon, ic);
	for (;;) {
		lis_spin_lock(&ic->lock, flags);
		if (!ic->pumping)
			break;
		lis_spin_unlock(&ic->lock, flags);
		lis_msleep(1);
	}
	while ((r = ic->head)) {
		ic->head = r->next;
		lis_free(r);
	}
	lis_free(ic->cur);
	ic->cur = NULL;
	lis_spin_unlock(&ic->lock, flags);
	lis_free(ic->scratch);
	lis_free(ic->rxbuf);
	lis_free(ic);
}

void lis_ic_get_stats(struct lis_ic *ic, struct lis_ic_stats *st)
{
	unsigned long flags = 0;

	lis_spin_lock(&ic->lock, flags);
	*st = ic->st;
	lis_spin_unlock(&ic->lock, flags);
}
