// SPDX-License-Identifier: GPL-2.0
/*
 * Devices and channels as device models see them: adding and rescinding
 * devices, sub-channels, the ring data path (recv/send), and the threads'
 * hand-off of signals in both directions.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void stat_inc(uint64_t *counter)
{
	__atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

/* a new channel of `dev` with the lowest free relid; h->lock held */
struct hs_channel *hs_channel_new(struct hs_device *dev, uint16_t subidx)
{
	struct hs_host *h = dev->h;
	struct hs_channel *ch;
	uint32_t relid, m;

	for (relid = 1; relid < VMBUS_MAX_RELID && h->relid[relid]; relid++)
		;
	if (relid == VMBUS_MAX_RELID)
		return NULL;
	ch = hs_zalloc(sizeof(*ch));
	ch->h = h;
	ch->dev = dev;
	ch->relid = relid;
	ch->subidx = subidx;
	ch->conn_id = HS_EVENT_CONN_BASE + relid;
	ch->monitor_id = -1;
	if (dev->offer.monitor_allocated) {
		for (m = 0; m < MON_IDS && h->monitor[m]; m++)
			;
		if (m < MON_IDS) {
			ch->monitor_id = (int)m;
			h->monitor[m] = ch;
		}
	}
	pthread_mutex_init(&ch->lock, NULL);
	h->relid[relid] = ch;
	ch->next_all = h->channels;
	h->channels = ch;
	if (dev->nch == dev->cap) {
		dev->cap = dev->cap ? dev->cap * 2 : 4;
		dev->ch = realloc(dev->ch, dev->cap * sizeof(*dev->ch));
		if (!dev->ch)
			abort();
	}
	dev->ch[dev->nch++] = ch;
	h->offers_pending = true;
	return ch;
}

/* h->lock held (also from a channel-message handler: hv_sock's connect) */
struct hs_device *hs_device_add_locked(struct hs_host *h, const struct hs_offer *offer,
				       const struct hs_device_ops *ops, void *priv)
{
	struct hs_device *dev = hs_zalloc(sizeof(*dev));

	dev->h = h;
	dev->offer = *offer;
	dev->ops = ops;
	dev->priv = priv;
	if (!hs_channel_new(dev, 0)) {
		free(dev);
		return NULL;
	}
	dev->next = h->devices;
	h->devices = dev;
	hs_wake_locked(&h->vmbus);
	return dev;
}

struct hs_device *hs_device_add(struct hs_host *h, const struct hs_offer *offer,
				const struct hs_device_ops *ops, void *priv)
{
	struct hs_device *dev;

	hs_lock(h);
	dev = hs_device_add_locked(h, offer, ops, priv);
	hs_unlock(h);
	return dev;
}

int hs_device_add_subchannels(struct hs_device *dev, unsigned int n)
{
	struct hs_host *h = dev->h;
	unsigned int i;

	hs_lock(h);
	for (i = 0; i < n && !dev->rescinded && !dev->rescind_req; i++)
		if (!hs_channel_new(dev, (uint16_t)dev->nch))
			break;
	hs_wake_locked(&h->vmbus);
	hs_unlock(h);
	return (int)i;
}

int hs_device_rescind(struct hs_device *dev)
{
	struct hs_host *h = dev->h;
	int rc = -1;

	hs_lock(h);
	if (!dev->rescinded && !dev->rescind_req) {
		/* the vmbus thread does it, so call-outs stay on it */
		dev->rescind_req = true;
		h->rescinds_pending = true;
		hs_wake_locked(&h->vmbus);
		rc = 0;
	}
	hs_unlock(h);
	return rc;
}

void *hs_device_priv(struct hs_device *dev)
{
	return dev->priv;
}

struct hs_channel *hs_device_channel(struct hs_device *dev, unsigned int subchannel_index)
{
	struct hs_channel *ch = NULL;

	hs_lock(dev->h);
	if (subchannel_index < dev->nch)
		ch = dev->ch[subchannel_index];
	hs_unlock(dev->h);
	return ch;
}

struct hs_device *hs_channel_device(struct hs_channel *ch)
{
	return ch->dev;
}

uint32_t hs_channel_relid(struct hs_channel *ch)
{
	return ch->relid;
}

uint16_t hs_channel_subchannel_index(struct hs_channel *ch)
{
	return ch->subidx;
}

bool hs_channel_is_open(struct hs_channel *ch)
{
	bool open;

	hs_lock(ch->h);
	open = ch->open;
	hs_unlock(ch->h);
	return open;
}

uint32_t hs_channel_target_vp(struct hs_channel *ch)
{
	uint32_t vp;

	hs_lock(ch->h);
	vp = ch->target_vp;
	hs_unlock(ch->h);
	return vp;
}

void hs_channel_stats(struct hs_channel *ch, struct hs_channel_stats *st)
{
	st->guest_signals = __atomic_load_n(&ch->stats.guest_signals, __ATOMIC_RELAXED);
	st->host_signals = __atomic_load_n(&ch->stats.host_signals, __ATOMIC_RELAXED);
	st->packets_in = __atomic_load_n(&ch->stats.packets_in, __ATOMIC_RELAXED);
	st->packets_out = __atomic_load_n(&ch->stats.packets_out, __ATOMIC_RELAXED);
	st->send_full = __atomic_load_n(&ch->stats.send_full, __ATOMIC_RELAXED);
	st->space_signals = __atomic_load_n(&ch->stats.space_signals, __ATOMIC_RELAXED);
}

/* ---- the data path ------------------------------------------------------------ */
static void want_host_signal(struct hs_channel *ch)
{
	atomic_store(&ch->host_signal, true);
	atomic_store(&ch->h->host_signals, true);
	hs_wake(&ch->h->synic);
}

void hs_channel_signal(struct hs_channel *ch)
{
	want_host_signal(ch);
}

/*
 * A ready() or writable() call reads at most HS_READ_BUDGET packets; then
 * hs_channel_recv() answers "nothing more" and hostsim calls ready() again
 * after its next pass.  Without the budget a guest that writes as fast as
 * the model reads keeps one callback going for ever, and the vmbus thread
 * never gets back to the other devices or to the channel messages (a
 * rescind waited behind such a loop).  Per thread: only the worker that
 * runs the callback is limited.
 */
static __thread struct hs_channel *budget_ch;
static __thread unsigned int budget_left;

void hs_read_budget_begin(struct hs_channel *ch)
{
	budget_ch = ch;
	budget_left = HS_READ_BUDGET;
}

void hs_read_budget_end(void)
{
	budget_ch = NULL;
}

/* the budget ran out: look at this ring again on the next pass */
static void read_again_later(struct hs_channel *ch)
{
	stat_inc(&ch->stats.read_yields);
	atomic_store(&ch->recheck, true);
	atomic_store(&ch->h->guest_signals, true);
	hs_wake(&ch->h->vmbus);
}

int hs_channel_recv(struct hs_channel *ch, struct hs_packet *pkt)
{
	bool space = false;
	int rc = 0;

	if (ch == budget_ch) {
		if (!budget_left) {
			read_again_later(ch);
			return 0;
		}
		budget_left--;
	}
	pthread_mutex_lock(&ch->lock);
	if (ch->attached && !ch->broken) {
		rc = hs_ring_read(ch, pkt, &space);
		if (rc < 0)
			ch->broken = true;	/* counted once; the ring is not trusted again */
		else if (rc > 0)
			stat_inc(&ch->stats.packets_in);
	} else if (ch->attached) {
		rc = -1;
	}
	pthread_mutex_unlock(&ch->lock);
	if (space) {
		stat_inc(&ch->stats.space_signals);
		want_host_signal(ch);
	}
	return rc;
}

static int send_hdr(struct hs_channel *ch, const uint8_t *hdr, uint32_t hdr_len,
		    const void *data, uint32_t len)
{
	bool sig = false;
	int rc = -1;

	pthread_mutex_lock(&ch->lock);
	if (ch->attached)
		rc = hs_ring_write(ch, hdr, hdr_len, data, len, &sig);
	pthread_mutex_unlock(&ch->lock);
	if (sig)
		want_host_signal(ch);
	return rc;
}

int hs_channel_sendv(struct hs_channel *ch, uint16_t type, uint16_t flags,
		     uint64_t trans_id, const void *ext, uint32_t ext_len,
		     const void *data, uint32_t len)
{
	uint32_t ext_pad = (ext_len + 7) & ~7u, hdr_len = PKT_DESC_SIZE + ext_pad;
	uint32_t pkt_len = hdr_len + ((len + 7) & ~7u);
	uint8_t small[64], *hdr = small;
	int rc;

	if (ext_len > 0xFFF0u || len > (1u << 30) || pkt_len / 8 > 0xFFFF)
		return -1;
	if (hdr_len > sizeof(small))
		hdr = hs_zalloc(hdr_len);
	memset(hdr, 0, hdr_len);
	put16(hdr + PKT_TYPE, type);
	put16(hdr + PKT_OFFSET8, (uint16_t)(hdr_len / 8));
	put16(hdr + PKT_LEN8, (uint16_t)(pkt_len / 8));
	put16(hdr + PKT_FLAGS, flags);
	put64(hdr + PKT_TRANS_ID, trans_id);
	if (ext_len)
		memcpy(hdr + PKT_DESC_SIZE, ext, ext_len);
	rc = send_hdr(ch, hdr, hdr_len, data, len);
	if (hdr != small)
		free(hdr);
	return rc;
}

int hs_channel_send(struct hs_channel *ch, uint16_t type, uint16_t flags,
		    uint64_t trans_id, const void *data, uint32_t len)
{
	return hs_channel_sendv(ch, type, flags, trans_id, NULL, 0, data, len);
}

int hs_channel_send_raw(struct hs_channel *ch, const void *pkt, uint32_t len)
{
	if (len < PKT_DESC_SIZE || (len & 7))
		return -1;
	return send_hdr(ch, pkt, len, NULL, 0);
}

void hs_channel_set_interrupt_mask(struct hs_channel *ch, bool masked)
{
	pthread_mutex_lock(&ch->lock);
	if (ch->attached)
		hs_ring_store(ch->out.ctl, RING_INTERRUPT_MASK, masked ? 1 : 0);
	pthread_mutex_unlock(&ch->lock);
	if (!masked) {
		/* the guest may have written without signalling meanwhile */
		atomic_store(&ch->recheck, true);
		atomic_store(&ch->h->guest_signals, true);
		hs_wake(&ch->h->vmbus);
	}
}

void *hs_channel_ring_control(struct hs_channel *ch, bool host_to_guest)
{
	void *p = NULL;

	pthread_mutex_lock(&ch->lock);
	if (ch->attached)
		p = host_to_guest ? ch->in.ctl : ch->out.ctl;
	pthread_mutex_unlock(&ch->lock);
	return p;
}

void *hs_channel_ring_data(struct hs_channel *ch, bool host_to_guest, uint32_t *size)
{
	struct hs_ring *r;
	void *p = NULL;
	uint32_t i;

	pthread_mutex_lock(&ch->lock);
	if (ch->attached) {
		r = host_to_guest ? &ch->in : &ch->out;
		if (size)
			*size = r->size;
		/* one pointer only makes sense if the pages are contiguous */
		for (i = 1; i < r->size / HV_PAGE; i++)
			if (r->data[i] != r->data[0] + (size_t)i * HV_PAGE)
				break;
		if (i == r->size / HV_PAGE)
			p = r->data[0];
	}
	pthread_mutex_unlock(&ch->lock);
	return p;
}

/* detach the rings (close, rescind, unload, destroy) */
void hs_channel_detach(struct hs_channel *ch)
{
	pthread_mutex_lock(&ch->lock);
	if (ch->attached) {
		hs_ring_detach(&ch->out);
		hs_ring_detach(&ch->in);
		ch->attached = false;
	}
	if (ch->blocked) {
		ch->blocked = 0;
		atomic_fetch_sub(&ch->h->nblocked, 1);
	}
	pthread_mutex_unlock(&ch->lock);
}

/* can a host send that was refused for lack of space go now? */
static bool unblocked(struct hs_channel *ch)
{
	uint32_t rd;
	bool ok = false;

	pthread_mutex_lock(&ch->lock);
	if (ch->attached && ch->blocked) {
		rd = hs_ring_load(ch->in.ctl, RING_READ_INDEX);
		if (rd < ch->in.size && !(rd & 7) && hs_ring_free(&ch->in, rd) > ch->blocked) {
			ch->blocked = 0;
			atomic_fetch_sub(&ch->h->nblocked, 1);
			hs_ring_store(ch->in.ctl, RING_PENDING_SEND, 0);
			ok = true;
		}
	}
	pthread_mutex_unlock(&ch->lock);
	return ok;
}

static bool ring_has_data(struct hs_channel *ch)
{
	bool data = false;

	pthread_mutex_lock(&ch->lock);
	if (ch->attached)
		data = hs_ring_has_data(ch);
	pthread_mutex_unlock(&ch->lock);
	return data;
}

/* synic thread, h->lock held: host -> guest signals become SIEF bits and
 * interrupts */
void hs_process_host_signals(struct hs_host *h)
{
	uint32_t i;

	if (!atomic_exchange(&h->host_signals, false))
		return;
	for (i = 1; i < VMBUS_MAX_RELID; i++) {
		struct hs_channel *ch = h->relid[i];

		if (ch && atomic_exchange(&ch->host_signal, false) && ch->open)
			hs_signal_guest(h, ch);
	}
}

/* vmbus thread, h->lock held: guest -> host signals (and space the guest
 * freed for a blocked send) become device callbacks */
void hs_process_guest_signals(struct hs_host *h)
{
	bool any = atomic_exchange(&h->guest_signals, false);
	bool blocked = atomic_load(&h->nblocked) > 0;
	uint32_t i;

	if (!any && !blocked)
		return;
	for (i = 1; i < VMBUS_MAX_RELID; i++) {
		struct hs_channel *ch = h->relid[i];
		bool guest, again;

		if (!ch)
			continue;
		if (any) {
			guest = atomic_exchange(&ch->guest_signal, false);
			again = atomic_exchange(&ch->recheck, false);
			if (ch->open && (guest || (again && ring_has_data(ch))))
				hs_defer(h, CALL_READY, ch);
		}
		if (blocked && unblocked(ch))
			hs_defer(h, CALL_WRITABLE, ch);
	}
}
