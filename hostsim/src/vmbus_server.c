// SPDX-License-Identifier: GPL-2.0
/*
 * The VMBus server: channel-management messages (§2), handled on the vmbus
 * thread with h->lock held.  Every guest message is length-checked before a
 * field is read; anything malformed or out of order is a protocol error
 * (counted, logged) and, where the guest waits for an answer, answered with
 * a failure status rather than left hanging.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void send_to(struct hs_host *h, uint32_t vp, uint32_t sint, const void *msg,
		    uint32_t len)
{
	if (hs_fault_take(h, HS_FAULT_UNKNOWN_MESSAGE)) {
		uint8_t bogus[VMBUS_MSG_HDR + 8] = { 0 };

		put32(bogus, CHMSG_UNDEFINED);
		put32(bogus + VMBUS_MSG_HDR, 0xDEADBEEFu);
		hs_queue_message(h, vp, sint, bogus, sizeof(bogus));
	}
	hs_queue_message(h, vp, sint, msg, len);
}

int hs_vmbus_send(struct hs_host *h, const void *msg, uint32_t len)
{
	if (len > HV_MSG_PAYLOAD_MAX)
		return -1;
	send_to(h, h->st.target_vp, h->msg_sint, msg, len);
	return 0;
}

int hs_post_raw_message(struct hs_host *h, const void *msg, uint32_t len)
{
	int rc;

	if (len > HV_MSG_PAYLOAD_MAX)
		return -1;
	hs_lock(h);
	rc = hs_queue_message(h, h->st.target_vp, h->msg_sint, msg, len);
	hs_unlock(h);
	return rc;
}

/* a message of the common {header, u32, u32, u32} shape */
void hs_vmbus_send3(struct hs_host *h, uint32_t type, uint32_t len, uint32_t a, uint32_t b,
		    uint32_t c)
{
	uint8_t m[VMBUS_MSG_HDR + 12] = { 0 };

	put32(m, type);
	put32(m + MSG_F0, a);
	put32(m + MSG_F1, b);
	put32(m + MSG_F2, c);
	hs_vmbus_send(h, m, len);
}

static struct hs_channel *channel(struct hs_host *h, uint32_t relid)
{
	return relid && relid < VMBUS_MAX_RELID ? h->relid[relid] : NULL;
}

/* ---- offers --------------------------------------------------------------------- */
static void send_offer(struct hs_host *h, struct hs_channel *ch)
{
	const struct hs_offer *o = &ch->dev->offer;
	uint8_t m[OFFER_SIZE] = { 0 };
	uint32_t len = OFFER_SIZE;

	put32(m, CHMSG_OFFERCHANNEL);
	memcpy(m + OFFER_CLASS, o->class_guid, 16);
	memcpy(m + OFFER_INSTANCE, o->instance_guid, 16);
	put16(m + OFFER_FLAGS, o->flags);
	put16(m + OFFER_MMIO_MB, o->mmio_megabytes);
	memcpy(m + OFFER_USER_DEFINED, o->user_defined, sizeof(o->user_defined));
	put16(m + OFFER_SUBCHANNEL, ch->subidx);
	put32(m + OFFER_RELID, ch->relid);
	if (ch->monitor_id >= 0 && h->monitor2) {
		m[OFFER_MONITOR_ID] = (uint8_t)ch->monitor_id;
		m[OFFER_MONITOR_ALLOC] = 1;
	}
	put16(m + OFFER_DEDICATED_INT, o->dedicated_interrupt ? 1 : 0);
	put32(m + OFFER_CONN_ID, ch->conn_id);
	if (hs_fault_take(h, HS_FAULT_TRUNCATED_OFFER))
		len = OFFER_RELID;
	else if (hs_fault_take(h, HS_FAULT_BAD_RELID_OFFER))
		put32(m + OFFER_RELID, (h->bad_offers++ & 1) ? VMBUS_MAX_RELID : 0);
	ch->offered = true;
	hs_vmbus_send(h, m, len);
}

static bool offerable(const struct hs_channel *ch)
{
	return ch && !ch->offered && !ch->released && !ch->rescinded && !ch->dev->rescind_req;
}

/* close the host side of an open channel */
static void close_channel(struct hs_host *h, struct hs_channel *ch)
{
	struct hs_gpadl *g;

	if (!ch->open)
		return;
	hs_channel_detach(ch);
	if (ch->monitored) {
		ch->monitored = false;
		h->monitored_open--;
	}
	g = hs_gpadl_find(h, ch->ring_gpadl);
	if (g)
		g->ring = false;
	ch->open = false;
	h->st.open_channels--;
	hs_defer(h, CALL_CLOSED, ch);
}

/* the relid goes back to the pool; the channel object stays (device models
 * may still hold it) but is dead */
static void release_channel(struct hs_host *h, struct hs_channel *ch)
{
	close_channel(h, ch);
	ch->released = true;
	ch->open_pending = false;
	h->relid[ch->relid] = NULL;
	if (ch->monitor_id >= 0 && h->monitor[ch->monitor_id] == ch)
		h->monitor[ch->monitor_id] = NULL;
	hs_gpadl_drop_relid(h, ch->relid);
}

void hs_vmbus_rescind(struct hs_host *h, struct hs_device *dev)
{
	unsigned int i;

	dev->rescinded = true;
	/* sub-channels first, the primary last */
	for (i = dev->nch; i-- > 0;) {
		struct hs_channel *ch = dev->ch[i];

		if (ch->released || ch->rescinded)
			continue;
		ch->rescinded = true;
		close_channel(h, ch);
		ch->open_pending = false;
		if (ch->offered && h->connected)
			hs_vmbus_send3(h, CHMSG_RESCIND_OFFER, RESCIND_SIZE, ch->relid, 0, 0);
		else
			release_channel(h, ch);
	}
}

/* vmbus thread: hot-added channels and requested rescinds */
void hs_vmbus_send_offers(struct hs_host *h)
{
	struct hs_device *d;
	uint32_t i;

	if (h->rescinds_pending) {
		h->rescinds_pending = false;
		for (d = h->devices; d; d = d->next)
			if (d->rescind_req && !d->rescinded)
				hs_vmbus_rescind(h, d);
	}
	if (h->offers_pending && h->connected && h->offers_requested) {
		h->offers_pending = false;
		for (i = 1; i < VMBUS_MAX_RELID; i++)
			if (offerable(h->relid[i]))
				send_offer(h, h->relid[i]);
	}
}

/* ---- connection ------------------------------------------------------------------ */
static bool version_known(struct hs_host *h, uint32_t v)
{
	const uint32_t *p;

	for (p = h->versions; *p; p++)
		if (*p == v)
			return true;
	return false;
}

/* forget the connection: channels closed, GPADLs gone, rescinded relids
 * free; offered devices stay and are offered again after the next
 * REQUESTOFFERS */
static void reset_connection(struct hs_host *h)
{
	uint32_t i;

	for (i = 1; i < VMBUS_MAX_RELID; i++) {
		struct hs_channel *ch = h->relid[i];

		if (!ch)
			continue;
		close_channel(h, ch);
		ch->open_pending = false;
		if (ch->rescinded)
			release_channel(h, ch);
		else
			ch->offered = false;
	}
	hs_gpadl_drop_all(h);
	h->connected = false;
	h->offers_requested = false;
	h->offers_pending = true;
	h->st.version = 0;
	h->st.msg_conn_id = 0;
	h->int_page = h->monitor1 = h->monitor2 = 0;
	h->msg_sint = VMBUS_SINT;
}

static bool page_ok(struct hs_host *h, uint64_t gpa, const char *what)
{
	if ((gpa & (HV_PAGE - 1)) || !hs_map(h, gpa, HV_PAGE)) {
		hs_protocol_error(h, "INITIATE_CONTACT: %s GPA %#llx is not a guest page", what,
				  (unsigned long long)gpa);
		return false;
	}
	return true;
}

static void initiate_contact(struct hs_host *h, const struct hs_msg *m)
{
	const uint8_t *p = m->data;
	uint8_t r[VR_SIZE_V6] = { 0 };
	uint32_t ver, tvp, vp = 0, sint = VMBUS_SINT;
	uint64_t ip = 0, mon1, mon2;
	bool ok;

	h->st.contacts++;
	if (h->connected) {
		hs_protocol_error(h, "INITIATE_CONTACT while connected (no UNLOAD)");
		hs_flush_messages(h, h->msg_sint);
		reset_connection(h);
	}
	ver = le32(p + IC_VERSION);
	tvp = le32(p + IC_TARGET_VCPU);
	mon1 = le64(p + IC_MONITOR1);
	mon2 = le64(p + IC_MONITOR2);
	ok = version_known(h, ver);
	if (hs_fault_take(h, HS_FAULT_REFUSE_ALL_VERSIONS))
		ok = false;
	if (ver >= VMBUS_V3_0) {
		if (tvp < h->cfg.nr_vps) {
			vp = tvp;
		} else {
			hs_protocol_error(h, "INITIATE_CONTACT: TargetVcpu %u of %u VPs", tvp,
					  h->cfg.nr_vps);
			ok = false;
		}
	}
	if (ver >= VMBUS_V5_0) {
		if (m->conn_id != VMBUS_CONN_MESSAGE_V5) {
			hs_protocol_error(h, "INITIATE_CONTACT %#x on connection %u, not 4", ver,
					  m->conn_id);
			ok = false;
		}
		sint = p[IC_MSG_SINT];
		if (sint > 15 || p[IC_MSG_VTL]) {
			hs_protocol_error(h, "INITIATE_CONTACT: MsgSint %u / MsgVtl %u",
					  p[IC_MSG_SINT], p[IC_MSG_VTL]);
			ok = false;
			sint = VMBUS_SINT;
		}
	} else {
		if (m->conn_id != VMBUS_CONN_MESSAGE) {
			hs_protocol_error(h, "INITIATE_CONTACT %#x on connection %u, not 1", ver,
					  m->conn_id);
			ok = false;
		}
		ip = le64(p + IC_INT_PAGE);
		if (ip && !page_ok(h, ip, "interrupt page"))
			ok = false;
	}
	if (!mon1 != !mon2) {
		hs_protocol_error(h, "INITIATE_CONTACT: only one monitor page given");
		ok = false;
	} else if (mon1 && (!page_ok(h, mon1, "monitor page 1") ||
			    !page_ok(h, mon2, "monitor page 2"))) {
		ok = false;
	}

	if (ok) {
		h->connected = true;
		h->st.version = ver;
		h->st.target_vp = vp;
		h->st.msg_conn_id = ver >= VMBUS_V5_0 ? h->v5_conn_id : VMBUS_CONN_MESSAGE;
		h->msg_sint = sint;
		h->int_page = ip;
		h->monitor1 = mon1;
		h->monitor2 = mon2;
	}
	put32(r, CHMSG_VERSION_RESPONSE);
	r[VR_SUPPORTED] = ok ? 1 : 0;
	r[VR_STATE] = 0;
	if (ok)
		put32(r + VR_CONN_OR_VERSION, ver >= VMBUS_V5_0 ? h->v5_conn_id : ver);
	/* the answer goes where the guest asked, even when refused */
	send_to(h, vp, sint, r, ver >= VMBUS_V6_0 ? VR_SIZE_V6 : VR_SIZE);
}

static void request_offers(struct hs_host *h, const struct hs_msg *m)
{
	uint8_t r[VMBUS_MSG_HDR] = { 0 };
	uint32_t i;

	(void)m;
	h->st.offers_requested++;
	h->offers_requested = true;
	h->offers_pending = false;
	for (i = 1; i < VMBUS_MAX_RELID; i++) {
		struct hs_channel *ch = h->relid[i];

		if (ch && !ch->released && !ch->rescinded && !ch->dev->rescind_req) {
			ch->offered = false;
			send_offer(h, ch);
		}
	}
	put32(r, CHMSG_ALLOFFERS_DELIVERED);
	hs_vmbus_send(h, r, sizeof(r));
}

static void unload(struct hs_host *h, const struct hs_msg *m)
{
	uint8_t r[VMBUS_MSG_HDR] = { 0 };
	uint32_t vp = h->st.target_vp, sint = h->msg_sint;

	(void)m;
	h->st.unloads++;
	reset_connection(h);
	put32(r, CHMSG_UNLOAD_RESPONSE);
	/* answered where the connection's messages went */
	if (!hs_fault_take(h, HS_FAULT_NO_UNLOAD_RESPONSE))
		send_to(h, vp, sint, r, sizeof(r));
	h->st.target_vp = 0;
}

/* ---- channels ---------------------------------------------------------------------- */
static bool ring_indices_ok(const struct hs_ring *r)
{
	uint32_t w = hs_ring_load(r->ctl, RING_WRITE_INDEX);
	uint32_t rd = hs_ring_load(r->ctl, RING_READ_INDEX);

	return w < r->size && rd < r->size && !(w & 7) && !(rd & 7);
}

/* attach the rings of GPADL g at downstream page offset `down`; 0 or -1 */
static int attach_rings(struct hs_channel *ch, struct hs_gpadl *g, uint32_t down)
{
	int rc = -1;

	pthread_mutex_lock(&ch->lock);
	if (!hs_ring_attach(&ch->out, g->pages, down) &&
	    !hs_ring_attach(&ch->in, g->pages + down, g->npages - down)) {
		if (ring_indices_ok(&ch->out) && ring_indices_ok(&ch->in)) {
			ch->out.own = hs_ring_load(ch->out.ctl, RING_READ_INDEX);
			ch->in.own = hs_ring_load(ch->in.ctl, RING_WRITE_INDEX);
			ch->attached = true;
			ch->broken = false;
			rc = 0;
		}
	}
	if (rc) {
		hs_ring_detach(&ch->out);
		hs_ring_detach(&ch->in);
	}
	pthread_mutex_unlock(&ch->lock);
	return rc;
}

static void open_channel(struct hs_host *h, const struct hs_msg *m)
{
	const uint8_t *p = m->data;
	uint32_t relid, open_id, handle, tvp, down;
	struct hs_channel *ch;
	struct hs_gpadl *g;
	struct hs_call *c;

	relid = le32(p + OPEN_RELID);
	open_id = le32(p + OPEN_ID);
	handle = le32(p + OPEN_GPADL);
	tvp = le32(p + OPEN_TARGET_VP);
	down = le32(p + OPEN_DOWNSTREAM);
	ch = channel(h, relid);
	if (!ch || !ch->offered) {
		hs_protocol_error(h, "OPENCHANNEL for unknown relid %u", relid);
		return;
	}
	if (ch->rescinded) {
		hs_protocol_error(h, "OPENCHANNEL for rescinded relid %u", relid);
		goto fail;
	}
	if (ch->open || ch->open_pending) {
		hs_protocol_error(h, "OPENCHANNEL for relid %u which is already open", relid);
		goto fail;
	}
	if (hs_fault_take(h, HS_FAULT_RESCIND_ON_OPEN)) {
		hs_vmbus_rescind(h, ch->dev);
		return;
	}
	if (hs_fault_take(h, HS_FAULT_DROP_OPEN_RESULT)) {
		ch->open_pending = true;
		return;
	}
	if (hs_fault_take(h, HS_FAULT_OPEN_FAIL))
		goto fail;
	g = hs_gpadl_find(h, handle);
	if (!g || !g->complete || g->relid != relid || g->ring) {
		hs_protocol_error(h, "OPENCHANNEL relid %u: GPADL %#x is no idle GPADL of it",
				  relid, handle);
		goto fail;
	}
	if (g->range_count != 1 || le32(g->ranges + RANGE_BYTE_OFFSET) ||
	    g->bytes != (uint64_t)g->npages * HV_PAGE || down < 2 || down > g->npages ||
	    g->npages - down < 2) {
		hs_protocol_error(h, "OPENCHANNEL relid %u: %u pages cannot be rings split at %u",
				  relid, g->npages, down);
		goto fail;
	}
	if (h->st.version < VMBUS_V2_4)
		tvp = 0;
	if (tvp >= h->cfg.nr_vps && tvp != 0xFFFFFFFFu) {
		hs_protocol_error(h, "OPENCHANNEL relid %u: TargetVp %u of %u VPs", relid, tvp,
				  h->cfg.nr_vps);
		goto fail;
	}
	if (attach_rings(ch, g, down)) {
		hs_protocol_error(h, "OPENCHANNEL relid %u: ring indices out of range", relid);
		goto fail;
	}
	g->ring = true;
	ch->open = true;
	ch->target_vp = tvp;
	ch->open_id = open_id;
	ch->ring_gpadl = handle;
	if (ch->monitor_id >= 0 && h->monitor2) {
		ch->monitored = true;
		h->monitored_open++;
	}
	h->st.open_channels++;
	hs_vmbus_send3(h, CHMSG_OPENCHANNEL_RESULT, OPEN_RESULT_SIZE, relid, open_id, 0);
	c = hs_defer(h, CALL_OPENED, ch);
	memcpy(c->user_data, p + OPEN_USER_DATA, OPEN_USER_DATA_LEN);
	return;
fail:
	hs_vmbus_send3(h, CHMSG_OPENCHANNEL_RESULT, OPEN_RESULT_SIZE, relid, open_id,
		       HS_STATUS_UNSUCCESSFUL);
}

void hs_vmbus_close_channel(struct hs_host *h, struct hs_channel *ch)
{
	close_channel(h, ch);
}

static void close_msg(struct hs_host *h, const struct hs_msg *m)
{
	struct hs_channel *ch;
	uint32_t relid;

	relid = le32(m->data + MSG_F0);
	ch = channel(h, relid);
	if (ch && ch->open_pending) {
		ch->open_pending = false;	/* gave up waiting for the result */
		return;
	}
	if (!ch || !ch->open) {
		/* after a rescind the host has closed already: not an error */
		if (!ch || !ch->rescinded)
			hs_protocol_error(h, "CLOSECHANNEL for relid %u which is not open", relid);
		return;
	}
	close_channel(h, ch);
}

static void relid_released(struct hs_host *h, const struct hs_msg *m)
{
	struct hs_channel *ch;
	uint32_t relid;

	relid = le32(m->data + MSG_F0);
	ch = channel(h, relid);
	if (!ch || !ch->offered) {
		hs_protocol_error(h, "RELID_RELEASED for unknown relid %u", relid);
		return;
	}
	h->st.relids_released++;
	if (ch->rescinded) {
		release_channel(h, ch);
		return;
	}
	/* the guest refused the offer: it keeps the relid until the next
	 * connection; it must not be using the channel */
	if (ch->open) {
		hs_protocol_error(h, "RELID_RELEASED for relid %u which is open", relid);
		close_channel(h, ch);
	}
}

static void modify_channel(struct hs_host *h, const struct hs_msg *m)
{
	struct hs_channel *ch;
	uint32_t relid, tvp, status = 0;

	relid = le32(m->data + MSG_F0);
	tvp = le32(m->data + MSG_F1);
	ch = channel(h, relid);
	if (!ch || !ch->open) {
		hs_protocol_error(h, "MODIFYCHANNEL for relid %u which is not open", relid);
		status = HS_STATUS_UNSUCCESSFUL;
	} else if (tvp >= h->cfg.nr_vps) {
		hs_protocol_error(h, "MODIFYCHANNEL relid %u: TargetVp %u of %u VPs", relid, tvp,
				  h->cfg.nr_vps);
		status = HS_STATUS_UNSUCCESSFUL;
	} else {
		ch->target_vp = tvp;
	}
	if (h->st.version >= VMBUS_V5_3)
		hs_vmbus_send3(h, CHMSG_MODIFYCHANNEL_RESPONSE, MODIFY_RESPONSE_SIZE, relid,
			       status, 0);
}

/* hv_sock: the endpoint model (vsock.c) offers the connection's channel;
 * without one, or when nothing listens on the service, the request is
 * refused (TL_CONNECT_RESULT exists from 4.1; older hosts stay silent) */
static void tl_connect(struct hs_host *h, const struct hs_msg *m)
{
	uint8_t r[TL_RESULT_SIZE] = { 0 };

	if (h->tl_connect && h->tl_connect(h->tl_ctx, m->data + 8, m->data + 24))
		return;
	if (h->st.version < VMBUS_V4_1)
		return;
	put32(r, CHMSG_TL_CONNECT_RESULT);
	memcpy(r + 8, m->data + 8, 32);
	put32(r + TL_RESULT_STATUS, STATUS_CONNECTION_REFUSED);
	hs_vmbus_send(h, r, sizeof(r));
}

/* what a guest may send: the smallest valid size, the first version that
 * has it, and its handler */
struct handler {
	const char *name;
	uint32_t min_len;
	uint32_t min_version;
	void (*fn)(struct hs_host *h, const struct hs_msg *m);
};

static const struct handler handlers[] = {
	[CHMSG_REQUESTOFFERS] = { "REQUESTOFFERS", VMBUS_MSG_HDR, 0, request_offers },
	[CHMSG_OPENCHANNEL] = { "OPENCHANNEL", OPEN_SIZE, 0, open_channel },
	[CHMSG_CLOSECHANNEL] = { "CLOSECHANNEL", CLOSE_SIZE, 0, close_msg },
	[CHMSG_GPADL_HEADER] = { "GPADL_HEADER", GPADL_HDR_RANGES, 0, hs_gpadl_header },
	[CHMSG_GPADL_BODY] = { "GPADL_BODY", GPADL_BODY_PFNS, 0, hs_gpadl_body },
	[CHMSG_GPADL_TEARDOWN] = { "GPADL_TEARDOWN", GPADL_TEARDOWN_SIZE, 0, hs_gpadl_teardown },
	[CHMSG_RELID_RELEASED] = { "RELID_RELEASED", RELID_RELEASED_SIZE, 0, relid_released },
	[CHMSG_INITIATE_CONTACT] = { "INITIATE_CONTACT", IC_SIZE, 0, initiate_contact },
	[CHMSG_UNLOAD] = { "UNLOAD", VMBUS_MSG_HDR, 0, unload },
	[CHMSG_TL_CONNECT_REQUEST] = { "TL_CONNECT_REQUEST", TL_REQUEST_SIZE, VMBUS_V4_0,
				       tl_connect },
	[CHMSG_MODIFYCHANNEL] = { "MODIFYCHANNEL", MODIFY_SIZE, VMBUS_V4_1, modify_channel },
};

void hs_vmbus_handle(struct hs_host *h, struct hs_msg *m)
{
	const struct handler *hd;
	uint32_t type;

	if (m->len < VMBUS_MSG_HDR) {
		hs_protocol_error(h, "channel message of %u bytes", m->len);
		return;
	}
	type = le32(m->data);
	hd = type < sizeof(handlers) / sizeof(handlers[0]) ? &handlers[type] : NULL;
	if (!hd || !hd->fn) {
		hs_protocol_error(h, "channel message type %u is not one a guest sends", type);
		return;
	}
	if (m->len < hd->min_len) {
		hs_protocol_error(h, "%s of %u bytes", hd->name, m->len);
		return;
	}
	if (type != CHMSG_INITIATE_CONTACT && type != CHMSG_UNLOAD && !h->connected) {
		hs_protocol_error(h, "%s before a version was agreed", hd->name);
		return;
	}
	if (h->connected && h->st.version < hd->min_version) {
		hs_protocol_error(h, "%s on VMBus %#x", hd->name, h->st.version);
		return;
	}
	if (type != CHMSG_INITIATE_CONTACT && h->connected && m->conn_id != h->st.msg_conn_id)
		hs_protocol_error(h, "%s on connection %u, not %u", hd->name, m->conn_id,
				  h->st.msg_conn_id);
	hd->fn(h, m);
}
