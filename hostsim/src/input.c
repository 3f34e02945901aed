// SPDX-License-Identifier: GPL-2.0
/*
 * The synthetic mouse and keyboard (fact sheet §7.1, §7.2), host side.
 *
 * Mouse: every message is a pipe header {Type 1, Size} and a SynthHID header
 * {Type, Size} before its payload.  The guest asks for the protocol, the
 * host answers, describes the device (attributes, HID descriptor, report
 * descriptor) and, once the guest acknowledged, sends input reports the test
 * makes.  Keyboard: a bare Type u32 before each payload; protocol request
 * and response, then keystroke events; the guest sets the LEDs.
 *
 * One mutex per device guards its state and its queue of packets waiting for
 * ring space; it is held while sending (hostsim's send path takes only the
 * channel's ring lock).  Test threads wait for the handshake on a condition
 * variable outside hostsim's locks.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "model.h"

/* §7.1 mouse: pipe header, then SynthHID header, then payload */
#define PIPE_TYPE	0
#define PIPE_SIZE	4
#define PIPE_DATA	1u
#define HID_TYPE	8
#define HID_SIZE	12
#define HID_PAYLOAD	16
enum { HID_PROTOCOL_REQUEST, HID_PROTOCOL_RESPONSE, HID_DEVICE_INFO, HID_DEVICE_INFO_ACK,
       HID_INPUT_REPORT };
#define RESP_VERSION	0		/* PROTOCOL_RESPONSE payload */
#define RESP_APPROVED	4
#define RESP_SIZE	5
#define ATTR_SIZE_FIELD	0		/* device attributes */
#define ATTR_VENDOR	4
#define ATTR_PRODUCT	6
#define ATTR_VERSION	8
#define ATTR_SIZE	32
#define HIDD_SIZE	9		/* HID class descriptor */
#define HID_DESCRIPTOR_TYPE	0x21
#define REPORT_DESCRIPTOR_TYPE	0x22
#define HID_BCD		0x0101
#define MAX_REPORT	16u
#define MAX_RDESC	4096u
#define MOUSE_VERSION	0x00020000u

/* §7.2 keyboard: Type u32, then payload */
enum { KB_PROTOCOL_REQUEST = 1, KB_PROTOCOL_RESPONSE, KB_EVENT, KB_SET_LED };
#define KB_TYPE		0
#define KB_VERSION	4
#define KB_STATUS	4
#define KB_LEDS		4
#define KB_MAKECODE	4
#define KB_INFO		8
#define KB_EVENT_SIZE	12
#define KB_MAX_MSG	256u
#define KB_ACCEPTED	0x1u
#define KBD_VERSION	0x00010000u

/* §8 class GUIDs, wire order */
static const uint8_t mouse_class[16] = {	/* cfa8b69e-5b4a-4cc0-b98b-8ba1a1f3f95a */
	0x9e, 0xb6, 0xa8, 0xcf, 0x4a, 0x5b, 0xc0, 0x4c,
	0xb9, 0x8b, 0x8b, 0xa1, 0xa1, 0xf3, 0xf9, 0x5a,
};
static const uint8_t kbd_class[16] = {		/* f912ad6d-2b17-48ea-bd65-f927a61c7684 */
	0x6d, 0xad, 0x12, 0xf9, 0x17, 0x2b, 0xea, 0x48,
	0xbd, 0x65, 0xf9, 0x27, 0xa6, 0x1c, 0x76, 0x84,
};

/* A 5-button absolute pointer with a wheel, written from the HID 1.11 item
 * encoding: report = buttons (5 bits + 3 padding), X and Y (16 bits each,
 * 0..32767, absolute), wheel (16 bits, -32767..32767, relative); no report
 * id. */
static const uint8_t default_rdesc[] = {
	0x05, 0x01,		/* usage page: generic desktop */
	0x09, 0x02,		/* usage: mouse */
	0xa1, 0x01,		/* collection: application */
	0x09, 0x01,		/*   usage: pointer */
	0xa1, 0x00,		/*   collection: physical */
	0x05, 0x09,		/*     usage page: button */
	0x19, 0x01,		/*     usage minimum 1 */
	0x29, 0x05,		/*     usage maximum 5 */
	0x15, 0x00,		/*     logical minimum 0 */
	0x25, 0x01,		/*     logical maximum 1 */
	0x95, 0x05,		/*     report count 5 */
	0x75, 0x01,		/*     report size 1 */
	0x81, 0x02,		/*     input: data, variable, absolute */
	0x95, 0x01,		/*     report count 1 */
	0x75, 0x03,		/*     report size 3 */
	0x81, 0x01,		/*     input: constant (padding) */
	0x05, 0x01,		/*     usage page: generic desktop */
	0x09, 0x30,		/*     usage: X */
	0x09, 0x31,		/*     usage: Y */
	0x15, 0x00,		/*     logical minimum 0 */
	0x26, 0xff, 0x7f,	/*     logical maximum 32767 */
	0x75, 0x10,		/*     report size 16 */
	0x95, 0x02,		/*     report count 2 */
	0x81, 0x02,		/*     input: data, variable, absolute */
	0x09, 0x38,		/*     usage: wheel */
	0x16, 0x01, 0x80,	/*     logical minimum -32767 */
	0x26, 0xff, 0x7f,	/*     logical maximum 32767 */
	0x75, 0x10,		/*     report size 16 */
	0x95, 0x01,		/*     report count 1 */
	0x81, 0x06,		/*     input: data, variable, relative */
	0xc0,			/*   end collection */
	0xc0,			/* end collection */
};

/* what the mouse and the keyboard share */
struct input {
	struct hs_host *h;
	struct hs_device *dev;
	bool mouse;
	uint32_t version;		/* accepted */
	bool refuse, as_completion;
	uint16_t vendor, product, version_id;
	uint8_t *rdesc;
	uint32_t rdesc_len;

	pthread_mutex_t lock;
	pthread_cond_t cond;		/* CLOCK_MONOTONIC */
	struct hs_channel *ch;
	bool open;
	struct hs_outq outq;

	bool requested, approved, info_sent, ready;
	uint32_t version_requested;
	uint16_t request_flags;
	uint8_t ack_value;
	uint16_t leds;
	uint64_t requests, acks, sent, led_sets, protocol_errors;
};

struct hs_mouse {
	struct input in;
};

struct hs_kbd {
	struct input in;
};

static void bad(struct input *in, const char *what, uint32_t detail)
{
	in->protocol_errors++;
	hs_protocol_error(in->h, "%s: %s (%#x)", in->mouse ? "mouse" : "keyboard", what, detail);
}

/* in->lock held */
static int in_send(struct input *in, uint16_t type, uint64_t tid, const void *data, uint32_t len)
{
	if (!in->open)
		return -ENOTCONN;
	hs_outq_send(&in->outq, in->ch, type, 0, tid, NULL, 0, data, len);
	return 0;
}

/* a mouse message: pipe and SynthHID headers around `len` payload bytes */
static uint8_t *hid_msg(uint32_t type, uint32_t len)
{
	uint8_t *m = hs_zalloc(HID_PAYLOAD + len);

	put32(m + PIPE_TYPE, PIPE_DATA);
	put32(m + PIPE_SIZE, HID_PAYLOAD - HID_TYPE + len);
	put32(m + HID_TYPE, type);
	put32(m + HID_SIZE, len);
	return m;
}

static void send_device_info(struct input *in)
{
	uint32_t len = ATTR_SIZE + HIDD_SIZE + in->rdesc_len;
	uint8_t *m = hid_msg(HID_DEVICE_INFO, len), *a = m + HID_PAYLOAD, *d = a + ATTR_SIZE;

	put32(a + ATTR_SIZE_FIELD, ATTR_SIZE);
	put16(a + ATTR_VENDOR, in->vendor);
	put16(a + ATTR_PRODUCT, in->product);
	put16(a + ATTR_VERSION, in->version_id);
	d[0] = HIDD_SIZE;			/* bLength */
	d[1] = HID_DESCRIPTOR_TYPE;
	put16(d + 2, HID_BCD);
	d[4] = 0;				/* bCountryCode */
	d[5] = 1;				/* bNumDescriptors */
	d[6] = REPORT_DESCRIPTOR_TYPE;
	put16(d + 7, (uint16_t)in->rdesc_len);
	memcpy(d + HIDD_SIZE, in->rdesc, in->rdesc_len);
	in_send(in, PKT_INBAND, 0, m, HID_PAYLOAD + len);
	free(m);
	in->info_sent = true;
}

/* PROTOCOL_RESPONSE in-band (TransactionId 0) or as the request's completion */
static void respond(struct input *in, const struct hs_packet *p, const void *m, uint32_t len)
{
	if (in->as_completion)
		in_send(in, PKT_COMP, p->trans_id, m, len);
	else
		in_send(in, PKT_INBAND, 0, m, len);
}

static void mouse_packet(struct input *in, const struct hs_packet *p)
{
	const uint8_t *d = p->payload;
	uint32_t n = p->payload_len, pipe, type, size;
	uint8_t *m;

	if (p->type != PKT_INBAND) {
		bad(in, "packet not in-band", p->type);
		return;
	}
	if (n < HID_PAYLOAD || le32(d + PIPE_TYPE) != PIPE_DATA) {
		bad(in, "no pipe data header", n);
		return;
	}
	pipe = le32(d + PIPE_SIZE);
	type = le32(d + HID_TYPE);
	size = le32(d + HID_SIZE);
	/* the pipe size may exceed the SynthHID message (padding), not the packet */
	if (pipe > n - HID_TYPE || size > pipe - (HID_PAYLOAD - HID_TYPE) ||
	    pipe < HID_PAYLOAD - HID_TYPE) {
		bad(in, "pipe or SynthHID size past the packet", pipe);
		return;
	}
	switch (type) {
	case HID_PROTOCOL_REQUEST:
		if (size < 4) {
			bad(in, "PROTOCOL_REQUEST without a version", size);
			return;
		}
		in->requests++;
		in->requested = true;
		in->request_flags = p->flags;
		in->version_requested = le32(d + HID_PAYLOAD);
		in->approved = !in->refuse && in->version_requested == in->version;
		in->info_sent = in->ready = false;
		m = hid_msg(HID_PROTOCOL_RESPONSE, RESP_SIZE);
		put32(m + HID_PAYLOAD + RESP_VERSION, in->version_requested);
		m[HID_PAYLOAD + RESP_APPROVED] = in->approved;
		respond(in, p, m, HID_PAYLOAD + RESP_SIZE);
		free(m);
		if (in->approved)
			send_device_info(in);
		pthread_cond_broadcast(&in->cond);
		break;
	case HID_DEVICE_INFO_ACK:
		if (size < 1 || !in->info_sent) {
			bad(in, size ? "ACK before INITIAL_DEVICE_INFO" : "ACK without its byte", size);
			return;
		}
		in->acks++;
		in->ack_value = d[HID_PAYLOAD];
		in->ready = true;
		pthread_cond_broadcast(&in->cond);
		break;
	default:
		bad(in, "unexpected SynthHID type from the guest", type);
	}
}

static void kbd_packet(struct input *in, const struct hs_packet *p)
{
	const uint8_t *d = p->payload;
	uint32_t n = p->payload_len, type;
	uint8_t m[8] = { 0 };

	if (p->type != PKT_INBAND || n < 4 || n > KB_MAX_MSG) {
		bad(in, "packet not in-band or of a bad size", n);
		return;
	}
	type = le32(d + KB_TYPE);
	switch (type) {
	case KB_PROTOCOL_REQUEST:
		if (n < 8) {
			bad(in, "PROTOCOL_REQUEST without a version", n);
			return;
		}
		in->requests++;
		in->requested = true;
		in->request_flags = p->flags;
		in->version_requested = le32(d + KB_VERSION);
		in->approved = in->ready = !in->refuse && in->version_requested == in->version;
		put32(m + KB_TYPE, KB_PROTOCOL_RESPONSE);
		put32(m + KB_STATUS, in->approved ? KB_ACCEPTED : 0);
		respond(in, p, m, sizeof(m));
		pthread_cond_broadcast(&in->cond);
		break;
	case KB_SET_LED:
		if (n < 8) {
			bad(in, "SET_LED_INDICATORS without flags", n);
			return;
		}
		in->led_sets++;
		in->leds = le16(d + KB_LEDS);
		break;
	default:
		bad(in, "unexpected keyboard message from the guest", type);
	}
}

/* ---- device callbacks -------------------------------------------------------------- */
static void in_opened(struct hs_channel *ch, const uint8_t *user_data)
{
	struct input *in = hs_device_priv(hs_channel_device(ch));

	(void)user_data;
	pthread_mutex_lock(&in->lock);
	hs_outq_clear(&in->outq);
	in->ch = ch;
	in->open = true;
	in->requested = in->approved = in->info_sent = in->ready = false;
	pthread_cond_broadcast(&in->cond);
	pthread_mutex_unlock(&in->lock);
}

static void in_closed(struct hs_channel *ch)
{
	struct input *in = hs_device_priv(hs_channel_device(ch));

	pthread_mutex_lock(&in->lock);
	hs_outq_clear(&in->outq);
	in->open = in->ready = false;
	pthread_cond_broadcast(&in->cond);
	pthread_mutex_unlock(&in->lock);
}

static void in_ready(struct hs_channel *ch)
{
	struct input *in = hs_device_priv(hs_channel_device(ch));
	struct hs_packet p;

	pthread_mutex_lock(&in->lock);
	while (hs_channel_recv(ch, &p) > 0) {
		if (in->mouse)
			mouse_packet(in, &p);
		else
			kbd_packet(in, &p);
	}
	pthread_mutex_unlock(&in->lock);
}

static void in_writable(struct hs_channel *ch)
{
	struct input *in = hs_device_priv(hs_channel_device(ch));

	pthread_mutex_lock(&in->lock);
	hs_outq_flush(&in->outq, ch);
	pthread_mutex_unlock(&in->lock);
}

static void free_input(struct input *in)
{
	hs_outq_clear(&in->outq);
	pthread_cond_destroy(&in->cond);
	pthread_mutex_destroy(&in->lock);
	free(in->rdesc);
	free(in);		/* the first member of hs_mouse / hs_kbd */
}

static void in_release(struct hs_device *dev)
{
	free_input(hs_device_priv(dev));
}

static const struct hs_device_ops in_ops = {
	.opened = in_opened, .ready = in_ready, .closed = in_closed,
	.writable = in_writable, .release = in_release,
};

/* ---- common API ------------------------------------------------------------------- */
static struct input *input_new(size_t size, bool mouse)
{
	struct input *in = hs_zalloc(size);
	pthread_condattr_t ca;

	in->mouse = mouse;
	pthread_mutex_init(&in->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&in->cond, &ca);
	pthread_condattr_destroy(&ca);
	return in;
}

static bool input_offer(struct hs_host *h, struct input *in, const uint8_t *cls,
			const uint8_t *instance, bool monitored)
{
	static const uint8_t zero[16];
	struct hs_offer o;

	memset(&o, 0, sizeof(o));
	memcpy(o.class_guid, cls, 16);
	if (memcmp(instance, zero, 16))
		memcpy(o.instance_guid, instance, 16);
	else
		hs_make_guid(o.instance_guid, (uint64_t)(uintptr_t)in ^ cls[0]);
	o.monitor_allocated = monitored;
	in->h = h;
	in->dev = hs_device_add(h, &o, &in_ops, in);
	if (in->dev)
		return true;
	free_input(in);
	return false;
}

static int wait_ready(struct input *in, unsigned int timeout_ms)
{
	uint64_t deadline = hs_now_ms() + timeout_ms;
	int rc;

	pthread_mutex_lock(&in->lock);
	for (;;) {
		struct timespec ts;

		if (in->ready) {
			rc = 0;
			break;
		}
		if (in->requested && !in->approved) {
			rc = -ECONNREFUSED;
			break;
		}
		if (hs_now_ms() >= deadline) {
			rc = -ETIMEDOUT;
			break;
		}
		ts.tv_sec = (time_t)(deadline / 1000);
		ts.tv_nsec = (long)(deadline % 1000) * 1000000;
		pthread_cond_timedwait(&in->cond, &in->lock, &ts);
	}
	pthread_mutex_unlock(&in->lock);
	return rc;
}

/* ---- mouse -------------------------------------------------------------------------- */
const uint8_t *hs_mouse_default_descriptor(uint32_t *len)
{
	if (len)
		*len = sizeof(default_rdesc);
	return default_rdesc;
}

struct hs_mouse *hs_mouse_add(struct hs_host *h, const struct hs_mouse_config *cfg)
{
	struct hs_mouse *m;
	struct input *in;

	if (!h || !cfg || (cfg->report_descriptor && (!cfg->report_descriptor_len ||
						      cfg->report_descriptor_len > MAX_RDESC)))
		return NULL;
	in = input_new(sizeof(*m), true);
	m = (struct hs_mouse *)in;
	in->version = cfg->version ? cfg->version : MOUSE_VERSION;
	in->refuse = cfg->refuse;
	in->as_completion = cfg->response_as_completion;
	in->vendor = cfg->vendor ? cfg->vendor : 0x045E;
	in->product = cfg->product ? cfg->product : 0x0621;
	in->version_id = cfg->version_id ? cfg->version_id : 0x0001;
	in->rdesc_len = cfg->report_descriptor ? cfg->report_descriptor_len : sizeof(default_rdesc);
	in->rdesc = hs_zalloc(in->rdesc_len);
	memcpy(in->rdesc, cfg->report_descriptor ? cfg->report_descriptor : default_rdesc,
	       in->rdesc_len);
	return input_offer(h, in, mouse_class, cfg->instance_guid, cfg->monitored) ? m : NULL;
}

struct hs_device *hs_mouse_device(struct hs_mouse *m)
{
	return m->in.dev;
}

int hs_mouse_wait_ready(struct hs_mouse *m, unsigned int timeout_ms)
{
	return wait_ready(&m->in, timeout_ms);
}

int hs_mouse_input(struct hs_mouse *m, const void *report, uint32_t len)
{
	struct input *in = &m->in;
	uint8_t *msg;
	int rc;

	if (!report || !len || len > MAX_REPORT)
		return -EINVAL;
	msg = hid_msg(HID_INPUT_REPORT, len);
	memcpy(msg + HID_PAYLOAD, report, len);
	pthread_mutex_lock(&in->lock);
	rc = in_send(in, PKT_INBAND, 0, msg, HID_PAYLOAD + len);
	if (!rc)
		in->sent++;
	pthread_mutex_unlock(&in->lock);
	free(msg);
	return rc;
}

int hs_mouse_report(struct hs_mouse *m, uint8_t buttons, uint16_t x, uint16_t y, int16_t wheel)
{
	uint8_t r[7];

	r[0] = buttons & 0x1f;
	put16(r + 1, x);
	put16(r + 3, y);
	put16(r + 5, (uint16_t)wheel);
	return hs_mouse_input(m, r, sizeof(r));
}

void hs_mouse_stats(struct hs_mouse *m, struct hs_mouse_stats *st)
{
	struct input *in = &m->in;

	pthread_mutex_lock(&in->lock);
	memset(st, 0, sizeof(*st));
	st->open = in->open;
	st->requested = in->requested;
	st->version_requested = in->version_requested;
	st->request_flags = in->request_flags;
	st->approved = in->approved;
	st->device_info_sent = in->info_sent;
	st->acked = in->ready;
	st->ack_value = in->ack_value;
	st->requests = in->requests;
	st->acks = in->acks;
	st->reports = in->sent;
	st->protocol_errors = in->protocol_errors;
	pthread_mutex_unlock(&in->lock);
}

/* ---- keyboard ------------------------------------------------------------------------ */
struct hs_kbd *hs_kbd_add(struct hs_host *h, const struct hs_kbd_config *cfg)
{
	struct hs_kbd *k;
	struct input *in;

	if (!h || !cfg)
		return NULL;
	in = input_new(sizeof(*k), false);
	k = (struct hs_kbd *)in;
	in->version = cfg->version ? cfg->version : KBD_VERSION;
	in->refuse = cfg->refuse;
	in->as_completion = cfg->response_as_completion;
	return input_offer(h, in, kbd_class, cfg->instance_guid, cfg->monitored) ? k : NULL;
}

struct hs_device *hs_kbd_device(struct hs_kbd *k)
{
	return k->in.dev;
}

int hs_kbd_wait_ready(struct hs_kbd *k, unsigned int timeout_ms)
{
	return wait_ready(&k->in, timeout_ms);
}

int hs_kbd_key(struct hs_kbd *k, uint16_t makecode, uint32_t flags)
{
	struct input *in = &k->in;
	uint8_t m[KB_EVENT_SIZE] = { 0 };
	int rc;

	if (flags & ~(HS_KBD_UNICODE | HS_KBD_BREAK | HS_KBD_E0 | HS_KBD_E1))
		return -EINVAL;
	put32(m + KB_TYPE, KB_EVENT);
	put16(m + KB_MAKECODE, makecode);
	put32(m + KB_INFO, flags);
	pthread_mutex_lock(&in->lock);
	rc = in_send(in, PKT_INBAND, 0, m, sizeof(m));
	if (!rc)
		in->sent++;
	pthread_mutex_unlock(&in->lock);
	return rc;
}

void hs_kbd_stats(struct hs_kbd *k, struct hs_kbd_stats *st)
{
	struct input *in = &k->in;

	pthread_mutex_lock(&in->lock);
	memset(st, 0, sizeof(*st));
	st->open = in->open;
	st->requested = in->requested;
	st->version_requested = in->version_requested;
	st->request_flags = in->request_flags;
	st->accepted = in->approved;
	st->leds = in->leds;
	st->requests = in->requests;
	st->led_sets = in->led_sets;
	st->events = in->sent;
	st->protocol_errors = in->protocol_errors;
	pthread_mutex_unlock(&in->lock);
}
