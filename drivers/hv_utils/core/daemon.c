// SPDX-License-Identifier: GPL-2.0
/*
 * A daemon endpoint: the logic behind /dev/vmbus/hv_kvp, hv_vss and hv_fcopy
 * (fact sheet §6.5).  One daemon at a time opens the device and registers
 * (KVP: a 7432-byte message with operation 100; VSS: a 12-byte message with
 * operation 129; fcopy: a u32 1 — each answered, the legacy forms 4, 128 and
 * 0 are not).  Then the service hands it one request at a time; the daemon
 * reads it whole and writes one answer of its kind's size.
 *
 * A request waits for a daemon from the moment it is submitted until its
 * deadline: a daemon that registers in time gets it, otherwise the service
 * is told -ETIMEDOUT and answers the host with a failure.  A daemon that
 * closes the device after reading a request fails it at once (-EPIPE); an
 * answer that comes after the deadline is accepted and dropped.
 */
#include "internal.h"

/* the largest message either way: KVP's */
#define ICD_MSG_MAX		sizeof(struct lis_kvp_dmsg)
#define ICD_VERSION_MAX		64

enum icd_req_state {
	ICD_IDLE,
	ICD_QUEUED,	/* waiting for a daemon to read it */
	ICD_SENT,	/* read; waiting for the answer */
};

struct lis_icd {
	enum lis_icd_kind kind;
	const struct lis_icd_ops *ops;
	void *ctx;
	char version[ICD_VERSION_MAX];

	lis_spinlock_t lock;		/* everything below */
	bool open;
	bool registered;
	bool answer_registration;	/* the registration answer is unread */
	bool late_expected;		/* a read request timed out */
	enum icd_req_state state;
	u8 *msg;
	u32 msg_len;
	u64 deadline_ms;
	lis_icd_done_fn done;
	void *done_ctx;
	u64 cookie;
	u32 calling;			/* callbacks running now */
	struct lis_icd_stats st;
};

/* the size of every daemon -> kernel message of this kind */
static u32 icd_reply_size(enum lis_icd_kind kind)
{
	switch (kind) {
	case LIS_ICD_KVP:
		return sizeof(struct lis_kvp_dmsg);
	case LIS_ICD_VSS:
		return sizeof(struct lis_vss_msg);
	default:
		return sizeof(u32);
	}
}

struct lis_icd *lis_icd_create(enum lis_icd_kind kind, const struct lis_icd_ops *ops,
			       void *ctx, const char *version)
{
	struct lis_icd *d = lis_zalloc(sizeof(*d));
	u32 i;

	if (!d)
		return NULL;
	d->msg = lis_zalloc(ICD_MSG_MAX);
	if (!d->msg) {
		lis_free(d);
		return NULL;
	}
	d->kind = kind;
	d->ops = ops;
	d->ctx = ctx;
	for (i = 0; version && version[i] && i < ICD_VERSION_MAX - 1; i++)
		d->version[i] = version[i];
	lis_spin_init(&d->lock);
	return d;
}

void lis_icd_destroy(struct lis_icd *d)
{
	if (!d)
		return;
	lis_free(d->msg);
	lis_free(d);
}

static void icd_wake(struct lis_icd *d)
{
	if (d->ops && d->ops->wake)
		d->ops->wake(d->ctx);
}

/* take the request out (locked); the caller calls finish() unlocked */
static lis_icd_done_fn icd_take(struct lis_icd *d, void **ctx, u64 *cookie)
{
	lis_icd_done_fn done = d->done;

	if (d->state == ICD_SENT)
		d->late_expected = false;
	*ctx = d->done_ctx;
	*cookie = d->cookie;
	d->state = ICD_IDLE;
	d->done = NULL;
	d->done_ctx = NULL;
	d->calling++;
	if (d->ops && d->ops->cancel_timer)
		d->ops->cancel_timer(d->ctx);
	return done;
}

static void icd_finish(struct lis_icd *d, lis_icd_done_fn done, void *ctx, u64 cookie,
		       int err, const void *reply, u32 len)
{
	unsigned long flags = 0;

	if (done)
		done(ctx, cookie, err, reply, len);
	lis_spin_lock(&d->lock, flags);
	d->calling--;
	lis_spin_unlock(&d->lock, flags);
}

int lis_icd_submit(struct lis_icd *d, const void *msg, u32 len, u32 timeout_ms,
		   lis_icd_done_fn done, void *ctx, u64 cookie)
{
	unsigned long flags = 0;
	bool readable;

	if (len > ICD_MSG_MAX || !len)
		return -EMSGSIZE;
	lis_spin_lock(&d->lock, flags);
	if (d->state != ICD_IDLE) {
		lis_spin_unlock(&d->lock, flags);
		return -EBUSY;
	}
	memcpy(d->msg, msg, len);
	d->msg_len = len;
	d->done = done;
	d->done_ctx = ctx;
	d->cookie = cookie;
	d->state = ICD_QUEUED;
	d->deadline_ms = lis_time_ms() + timeout_ms;
	d->st.requests++;
	if (d->ops && d->ops->arm_timer)
		d->ops->arm_timer(d->ctx, timeout_ms);
	readable = d->registered;
	lis_spin_unlock(&d->lock, flags);
	if (readable)
		icd_wake(d);
	return 0;
}

void lis_icd_cancel(struct lis_icd *d, void *ctx)
{
	unsigned long flags = 0;
	bool busy;

	lis_spin_lock(&d->lock, flags);
	if (d->state != ICD_IDLE && d->done_ctx == ctx) {
		/* a daemon still working on it answers into the void */
		if (d->state == ICD_SENT)
			d->late_expected = true;
		d->state = ICD_IDLE;
		d->done = NULL;
		d->done_ctx = NULL;
		if (d->ops && d->ops->cancel_timer)
			d->ops->cancel_timer(d->ctx);
	}
	busy = d->calling != 0;
	lis_spin_unlock(&d->lock, flags);
	while (busy) {
		lis_msleep(1);
		lis_spin_lock(&d->lock, flags);
		busy = d->calling != 0;
		lis_spin_unlock(&d->lock, flags);
	}
}

void lis_icd_timeout(struct lis_icd *d)
{
	lis_icd_done_fn done;
	unsigned long flags = 0;
	void *ctx;
	u64 cookie, now;
	bool sent;

	lis_spin_lock(&d->lock, flags);
	if (d->state == ICD_IDLE) {
		lis_spin_unlock(&d->lock, flags);
		return;
	}
	/* a timer armed for an earlier request may run late */
	now = lis_time_ms();
	if (now < d->deadline_ms) {
		if (d->ops && d->ops->arm_timer)
			d->ops->arm_timer(d->ctx, (u32)(d->deadline_ms - now));
		lis_spin_unlock(&d->lock, flags);
		return;
	}
	sent = d->state == ICD_SENT;
	done = icd_take(d, &ctx, &cookie);
	if (sent)
		d->late_expected = true;
	d->st.timeouts++;
	lis_spin_unlock(&d->lock, flags);
	icd_finish(d, done, ctx, cookie, -ETIMEDOUT, NULL, 0);
}

int lis_icd_open(struct lis_icd *d)
{
	unsigned long flags = 0;
	int ret = 0;

	lis_spin_lock(&d->lock, flags);
	if (d->open) {
		ret = -EBUSY;
	} else {
		d->open = true;
		d->registered = false;
		d->answer_registration = false;
		d->late_expected = false;
	}
	lis_spin_unlock(&d->lock, flags);
	return ret;
}

void lis_icd_release(struct lis_icd *d)
{
	lis_icd_done_fn done = NULL;
	unsigned long flags = 0;
	void *ctx = NULL;
	u64 cookie = 0;
	bool fail;

	lis_spin_lock(&d->lock, flags);
	d->open = false;
	d->registered = false;
	d->answer_registration = false;
	d->late_expected = false;
	/* the daemon read it and is gone: a new daemon would not know it */
	fail = d->state == ICD_SENT;
	if (fail)
		done = icd_take(d, &ctx, &cookie);
	lis_spin_unlock(&d->lock, flags);
	if (fail)
		icd_finish(d, done, ctx, cookie, -EPIPE, NULL, 0);
	icd_wake(d);
}

bool lis_icd_readable(struct lis_icd *d)
{
	unsigned long flags = 0;
	bool r;

	lis_spin_lock(&d->lock, flags);
	r = d->answer_registration || (d->registered && d->state == ICD_QUEUED);
	lis_spin_unlock(&d->lock, flags);
	return r;
}

bool lis_icd_registered(struct lis_icd *d)
{
	unsigned long flags = 0;
	bool r;

	lis_spin_lock(&d->lock, flags);
	r = d->registered;
	lis_spin_unlock(&d->lock, flags);
	return r;
}

/* the registration answer of this kind into buf (locked) */
static long icd_registration_answer(struct lis_icd *d, u8 *buf, u32 len)
{
	struct lis_kvp_dmsg *m;
	u32 i;

	if (d->kind != LIS_ICD_KVP) {
		if (len < sizeof(u32))
			return -EINVAL;
		ic_put32(buf, d->kind == LIS_ICD_VSS ? LIS_VSS_OP_REGISTER1 : LIS_FCOPY_VERSION_1);
		return sizeof(u32);
	}
	if (len < sizeof(*m))
		return -EINVAL;
	m = (struct lis_kvp_dmsg *)buf;
	memset(m, 0, sizeof(*m));
	m->hdr.operation = LIS_KVP_OP_REGISTER1;
	for (i = 0; d->version[i]; i++)
		m->body.version[i] = (u8)d->version[i];
	return sizeof(*m);
}

long lis_icd_read(struct lis_icd *d, void *buf, u32 len)
{
	unsigned long flags = 0;
	long ret = -EAGAIN;

	lis_spin_lock(&d->lock, flags);
	if (d->answer_registration) {
		ret = icd_registration_answer(d, buf, len);
		if (ret > 0)
			d->answer_registration = false;
	} else if (d->registered && d->state == ICD_QUEUED) {
		if (len < d->msg_len) {
			ret = -EINVAL;
		} else {
			memcpy(buf, d->msg, d->msg_len);
			ret = d->msg_len;
			d->state = ICD_SENT;
		}
	}
	lis_spin_unlock(&d->lock, flags);
	return ret;
}

/* the daemon's first message (locked): 0 registered, -EINVAL not one */
static int icd_register(struct lis_icd *d, const u8 *buf, u32 len)
{
	u32 v;

	if (len != icd_reply_size(d->kind))
		return -EINVAL;
	switch (d->kind) {
	case LIS_ICD_KVP:
		v = buf[0];
		if (v != LIS_KVP_OP_REGISTER1 && v != LIS_KVP_OP_REGISTER)
			return -EINVAL;
		d->answer_registration = v == LIS_KVP_OP_REGISTER1;
		break;
	case LIS_ICD_VSS:
		v = buf[0];
		if (v != LIS_VSS_OP_REGISTER1 && v != LIS_VSS_OP_REGISTER)
			return -EINVAL;
		d->answer_registration = v == LIS_VSS_OP_REGISTER1;
		break;
	default:
		v = ic_get32(buf);
		if (v != LIS_FCOPY_VERSION_1 && v != LIS_FCOPY_VERSION_0)
			return -EINVAL;
		d->answer_registration = v == LIS_FCOPY_VERSION_1;
		break;
	}
	d->registered = true;
	d->st.registrations++;
	return 0;
}

long lis_icd_write(struct lis_icd *d, const void *buf, u32 len)
{
	lis_icd_done_fn done = NULL;
	unsigned long flags = 0;
	void *ctx = NULL;
	u64 cookie = 0;
	bool wake = false, answer = false;
	long ret = len;

	lis_spin_lock(&d->lock, flags);
	if (!d->registered) {
		if (icd_register(d, buf, len)) {
			d->st.bad_writes++;
			ret = -EINVAL;
		} else {
			wake = true;
		}
	} else if (len != icd_reply_size(d->kind)) {
		d->st.bad_writes++;
		ret = -EINVAL;
	} else if (d->state == ICD_SENT) {
		done = icd_take(d, &ctx, &cookie);
		d->st.replies++;
		answer = true;
	} else if (d->late_expected) {
		d->late_expected = false;
		d->st.late++;
	} else {
		/* nothing was asked */
		d->st.bad_writes++;
		ret = -EINVAL;
	}
	lis_spin_unlock(&d->lock, flags);
	if (answer)
		icd_finish(d, done, ctx, cookie, 0, buf, len);
	if (wake)
		icd_wake(d);
	return ret;
}

void lis_icd_get_stats(struct lis_icd *d, struct lis_icd_stats *st)
{
	unsigned long flags = 0;

	lis_spin_lock(&d->lock, flags);
	*st = d->st;
	lis_spin_unlock(&d->lock, flags);
}
