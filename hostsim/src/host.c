// SPDX-License-Identifier: GPL-2.0
/*
 * The host object: creation, the two worker threads, deferred call-outs,
 * waiting and fault injection.
 *
 * Everything a guest does reaches hostsim through an hs_guest_* call, which
 * only records it (a posted message, a signal, an EOM) and wakes a thread.
 * The synic thread delivers messages into SIMP slots, sets event flags and
 * raises interrupts; the vmbus thread handles channel messages and runs
 * device callbacks.  Both call out with no hostsim lock held.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

static const uint32_t default_versions[] = {
	VMBUS_VERSION(5, 3), VMBUS_VERSION(5, 2), VMBUS_VERSION(5, 1), VMBUS_VERSION(5, 0),
	VMBUS_VERSION(4, 1), VMBUS_VERSION(4, 0), VMBUS_VERSION(3, 0), VMBUS_VERSION(2, 4), 0,
};

void *hs_zalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (!p) {
		fprintf(stderr, "hostsim: out of memory\n");
		abort();
	}
	return p;
}

void hs_lock(struct hs_host *h)
{
	pthread_mutex_lock(&h->lock);
}

void hs_unlock(struct hs_host *h)
{
	pthread_mutex_unlock(&h->lock);
}

void hs_wake_locked(struct hs_worker *w)
{
	w->work++;
	pthread_cond_signal(&w->cond);
}

void hs_wake(struct hs_worker *w)
{
	hs_lock(w->h);
	hs_wake_locked(w);
	hs_unlock(w->h);
}

void hs_protocol_error(struct hs_host *h, const char *fmt, ...)
{
	char line[256];
	int n;
	va_list ap;

	atomic_fetch_add(&h->protocol_errors, 1);
	n = snprintf(line, sizeof(line), "hostsim: protocol error: ");
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (h->env.log)
		h->env.log(h->env.ctx, line);
	else if (getenv("HOSTSIM_LOG"))
		fprintf(stderr, "%s\n", line);
}

bool hs_fault_take(struct hs_host *h, enum hs_fault f)
{
	if ((unsigned int)f >= HS_FAULT_MAX || !h->fault[f])
		return false;
	h->fault[f]--;
	return true;
}

void hs_inject(struct hs_host *h, enum hs_fault fault, unsigned int count)
{
	if ((unsigned int)fault >= HS_FAULT_MAX || fault == HS_FAULT_NONE)
		return;
	hs_lock(h);
	h->fault[fault] = count;
	hs_unlock(h);
}

uint8_t *hs_map(struct hs_host *h, uint64_t gpa, size_t len)
{
	if (!len || gpa + len < gpa)
		return NULL;
	return h->env.map(h->env.ctx, gpa, len);
}

void hs_msgq_push(struct hs_msgq *q, struct hs_msg *m)
{
	m->next = NULL;
	if (q->tail)
		q->tail->next = m;
	else
		q->head = m;
	q->tail = m;
	q->n++;
}

struct hs_msg *hs_msgq_pop(struct hs_msgq *q)
{
	struct hs_msg *m = q->head;

	if (m) {
		q->head = m->next;
		if (!q->head)
			q->tail = NULL;
		q->n--;
	}
	return m;
}

void hs_msgq_free(struct hs_msgq *q)
{
	struct hs_msg *m;

	while ((m = hs_msgq_pop(q)))
		free(m);
}

/* ---- deferred call-outs (each list owned by its thread) ------------------ */
static struct hs_call *calls_add(struct hs_calls *c)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 32;
		c->v = realloc(c->v, c->cap * sizeof(*c->v));
		if (!c->v) {
			fprintf(stderr, "hostsim: out of memory\n");
			abort();
		}
	}
	return &c->v[c->n++];
}

/* vmbus thread: a device callback */
struct hs_call *hs_defer(struct hs_host *h, enum hs_call_kind kind, struct hs_channel *ch)
{
	struct hs_call *c = calls_add(&h->vmbus.calls);

	c->kind = kind;
	c->ch = ch;
	return c;
}

/* synic thread: an interrupt */
void hs_defer_interrupt(struct hs_host *h, uint32_t vp, uint8_t vector)
{
	struct hs_calls *calls = &h->synic.calls;
	unsigned int i;
	struct hs_call *c;

	/* like an IRR bit: one pending interrupt per (VP, vector) */
	for (i = 0; i < calls->n; i++) {
		c = &calls->v[i];
		if (c->vp == vp && c->vector == vector)
			return;
	}
	c = calls_add(calls);
	c->kind = CALL_INTERRUPT;
	c->ch = NULL;
	c->vp = vp;
	c->vector = vector;
}

static void run_calls(struct hs_host *h, struct hs_calls *calls)
{
	unsigned int i;

	for (i = 0; i < calls->n; i++) {
		struct hs_call *c = &calls->v[i];
		const struct hs_device_ops *ops = c->ch ? c->ch->dev->ops : NULL;

		switch (c->kind) {
		case CALL_OPENED:
			if (ops && ops->opened)
				ops->opened(c->ch, c->user_data);
			break;
		case CALL_CLOSED:
			if (ops && ops->closed)
				ops->closed(c->ch);
			break;
		case CALL_READY:
			if (ops && ops->ready) {
				hs_read_budget_begin(c->ch);
				ops->ready(c->ch);
				hs_read_budget_end();
			}
			break;
		case CALL_WRITABLE:
			if (ops && ops->writable) {
				hs_read_budget_begin(c->ch);
				ops->writable(c->ch);
				hs_read_budget_end();
			}
			break;
		case CALL_INTERRUPT:
			h->env.interrupt(h->env.ctx, c->vp, c->vector);
			break;
		}
	}
	calls->n = 0;
}

/* ---- the two threads ------------------------------------------------------------ */
static void synic_pass(struct hs_host *h)
{
	hs_process_host_signals(h);
	hs_deliver_messages(h);
}

/* a slot the guest may free without EOM is rescanned every millisecond */
static bool synic_poll(struct hs_host *h)
{
	return hs_messages_waiting(h);
}

static void vmbus_pass(struct hs_host *h)
{
	struct hs_msg *m;

	while ((m = hs_msgq_pop(&h->inbox))) {
		hs_vmbus_handle(h, m);
		free(m);
	}
	hs_vmbus_send_offers(h);
	hs_poll_monitor(h);
	hs_process_guest_signals(h);
}

/* monitor pages to scan; sends waiting for space from a guest that may not
 * signal it */
static bool vmbus_poll(struct hs_host *h)
{
	return h->monitored_open || atomic_load(&h->nblocked) > 0;
}

static void *worker(void *arg)
{
	struct hs_worker *w = arg;
	struct hs_host *h = w->h;
	unsigned long seen = 0;
	struct timespec ts;

	hs_lock(h);
	while (!h->stopping) {
		if (w->work == seen) {
			if (w->poll(h)) {
				clock_gettime(CLOCK_MONOTONIC, &ts);
				ts.tv_nsec += 1000000;
				if (ts.tv_nsec >= 1000000000) {
					ts.tv_sec++;
					ts.tv_nsec -= 1000000000;
				}
				pthread_cond_timedwait(&w->cond, &h->lock, &ts);
			} else {
				pthread_cond_wait(&w->cond, &h->lock);
			}
			if (h->stopping)
				break;
		}
		seen = w->work;
		w->pass(h);
		if (w->calls.n) {
			hs_unlock(h);
			run_calls(h, &w->calls);
			hs_lock(h);
		}
	}
	hs_unlock(h);
	return NULL;
}

static void worker_init(struct hs_host *h, struct hs_worker *w, void (*pass)(struct hs_host *),
			bool (*poll)(struct hs_host *))
{
	pthread_condattr_t ca;

	w->h = h;
	w->pass = pass;
	w->poll = poll;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &ca);
	pthread_condattr_destroy(&ca);
}

/* ---- lifetime ------------------------------------------------------------------ */
struct hs_host *hs_create(const struct hs_config *cfg, const struct hs_guest_env *env)
{
	struct hs_host *h;
	const uint32_t *v;
	unsigned int i, n = 0;

	if (!cfg || !env || !env->map || !env->interrupt)
		return NULL;
	if (cfg->nr_vps < 1 || cfg->nr_vps > HS_MAX_VPS)
		return NULL;
	h = hs_zalloc(sizeof(*h));
	h->cfg = *cfg;
	h->env = *env;
	for (v = cfg->versions ? cfg->versions : default_versions; *v; v++) {
		if (n == HS_MAX_VERSIONS) {
			free(h);
			return NULL;
		}
		h->versions[n++] = *v;
		if (*v >= VMBUS_V5_0)
			h->has_v5 = true;
	}
	h->cfg.versions = h->versions;
	h->v5_conn_id = cfg->msg_conn_id ? cfg->msg_conn_id : VMBUS_CONN_MESSAGE_V5;
	h->msg_sint = VMBUS_SINT;
	for (i = 0; i < HS_MAX_VPS; i++) {
		unsigned int s;

		for (s = 0; s < 16; s++)
			h->vp[i].sint[s] = SINT_MASKED;
	}
	clock_gettime(CLOCK_MONOTONIC, &h->t0);
	pthread_mutex_init(&h->lock, NULL);
	worker_init(h, &h->synic, synic_pass, synic_poll);
	worker_init(h, &h->vmbus, vmbus_pass, vmbus_poll);
	return h;
}

int hs_start(struct hs_host *h)
{
	int rc = 0;

	hs_lock(h);
	if (!h->running) {
		h->stopping = false;
		if (pthread_create(&h->synic.thread, NULL, worker, &h->synic)) {
			rc = -1;
		} else if (pthread_create(&h->vmbus.thread, NULL, worker, &h->vmbus)) {
			h->stopping = true;
			pthread_cond_broadcast(&h->synic.cond);
			hs_unlock(h);
			pthread_join(h->synic.thread, NULL);
			hs_lock(h);
			h->stopping = false;
			rc = -1;
		}
		h->running = rc == 0;
	}
	hs_unlock(h);
	return rc;
}

void hs_stop(struct hs_host *h)
{
	bool join;

	hs_lock(h);
	join = h->running;
	h->stopping = true;
	pthread_cond_broadcast(&h->synic.cond);
	pthread_cond_broadcast(&h->vmbus.cond);
	hs_unlock(h);
	if (join) {
		pthread_join(h->vmbus.thread, NULL);
		pthread_join(h->synic.thread, NULL);
	}
	hs_lock(h);
	h->running = false;
	h->stopping = false;
	hs_unlock(h);
}

void hs_destroy(struct hs_host *h)
{
	struct hs_channel *ch, *nch;
	struct hs_device *d, *nd;
	unsigned int i, s;

	if (!h)
		return;
	hs_stop(h);
	for (d = h->devices; d; d = d->next)
		if (d->ops && d->ops->release)
			d->ops->release(d);
	if (h->tl_release)
		h->tl_release(h->tl_ctx);
	hs_gpadl_drop_all(h);
	for (ch = h->channels; ch; ch = nch) {
		nch = ch->next_all;
		hs_channel_detach(ch);
		pthread_mutex_destroy(&ch->lock);
		free(ch->pkt);
		free(ch);
	}
	for (d = h->devices; d; d = nd) {
		nd = d->next;
		free(d->ch);
		free(d);
	}
	hs_msgq_free(&h->inbox);
	for (i = 0; i < HS_MAX_VPS; i++)
		for (s = 0; s < 16; s++)
			hs_msgq_free(&h->vp[i].out[s]);
	free(h->synic.calls.v);
	free(h->vmbus.calls.v);
	pthread_cond_destroy(&h->synic.cond);
	pthread_cond_destroy(&h->vmbus.cond);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

/* ---- observation ---------------------------------------------------------------- */
void hs_vmbus_state(struct hs_host *h, struct hs_vmbus_state *st)
{
	hs_lock(h);
	*st = h->st;
	hs_unlock(h);
	st->protocol_errors = atomic_load(&h->protocol_errors);
	st->signals = atomic_load(&h->signals);
	st->eoms = atomic_load(&h->eoms);
}

bool hs_wait(struct hs_host *h, bool (*fn)(struct hs_host *h, void *arg), void *arg,
	     unsigned int timeout_ms)
{
	struct timespec now, end, nap = { 0, 200000 };
	bool ok;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += timeout_ms / 1000;
	end.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (end.tv_nsec >= 1000000000) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000;
	}
	for (;;) {
		ok = fn(h, arg);
		if (ok)
			return true;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec ||
		    (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))
			return fn(h, arg);
		while (nanosleep(&nap, &nap) && errno == EINTR)
			;
		nap.tv_nsec = 200000;
	}
}
