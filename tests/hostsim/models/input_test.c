// SPDX-License-Identifier: GPL-2.0
/*
 * Synthetic mouse and keyboard checks: a raw guest speaks SynthHID (pipe
 * header + SynthHID header, §7.1) and the keyboard protocol (§7.2) at the
 * fact sheet's offsets, parses the report descriptor the host sends with a
 * HID item walker of its own, and checks every message hostsim sends.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "models.h"

static const uint8_t mouse_class[16] = {
	0x9e, 0xb6, 0xa8, 0xcf, 0x4a, 0x5b, 0xc0, 0x4c,
	0xb9, 0x8b, 0x8b, 0xa1, 0xa1, 0xf3, 0xf9, 0x5a,
};
static const uint8_t kbd_class[16] = {
	0x6d, 0xad, 0x12, 0xf9, 0x17, 0x2b, 0xea, 0x48,
	0xbd, 0x65, 0xf9, 0x27, 0xa6, 0x1c, 0x76, 0x84,
};

#define WAIT	5000u
#define QUIET	100u

struct ig {
	struct gchan c;
	uint8_t buf[8192];
	uint32_t off, len;		/* payload of the last packet */
	uint16_t type;
	uint64_t tid;
};

static int ig_open(struct guest *g, struct ig *q, const uint8_t *cls)
{
	uint8_t o[8][240];
	int n, i;

	n = m_connect(g, o, 8);
	REQUIRE_RC(n > 0, "no offers");
	i = m_find_offer(o, n, cls, NULL, 0);
	REQUIRE_RC(i >= 0, "no offer of the input class");
	return m_open(g, &q->c, o[i], 4);
}

static int host(struct guest *g)
{
	static const struct hs_config hc = { .nr_vps = G_VPS };

	return g_setup(g, &hc);
}

/* the next packet; its payload at q->buf + q->off */
static int next(struct guest *g, struct ig *q)
{
	int n = m_recv(g, &q->c, q->buf, sizeof(q->buf), WAIT);

	REQUIRE_RC(n > 0, "no packet from the host");
	q->type = rd16(q->buf);
	q->tid = rd64(q->buf + 8);
	q->off = rd16(q->buf + 2) * 8u;
	q->len = (uint32_t)n - q->off;
	return 0;
}

/* a SynthHID message from the guest: pipe {1, 8 + len + extra}, SynthHID {type, len} */
static int hid_send(struct guest *g, struct ig *q, uint16_t flags, uint32_t type,
		    const void *payload, uint32_t len, uint32_t extra)
{
	uint8_t m[64] = { 0 };

	wr32(m, 1);
	wr32(m + 4, 8 + len + extra);
	wr32(m + 8, type);
	wr32(m + 12, len);
	memcpy(m + 16, payload, len);
	return m_send(g, &q->c, 6, flags, 0x77, NULL, 0, m, 16 + len + extra);
}

/* a SynthHID message from the host of `type`; payload at *p */
static int hid_expect(struct guest *g, struct ig *q, uint32_t type, const uint8_t **p)
{
	const uint8_t *m;

	if (next(g, q))
		return -1;
	m = q->buf + q->off;
	REQUIRE_RC(q->len >= 16 && rd32(m) == 1 && rd32(m + 8) == type &&
		   rd32(m + 4) == 8 + rd32(m + 12) && 16 + rd32(m + 12) <= q->len,
		   "expected SynthHID %u: pipe %u/%u, type %u size %u in %u bytes", type, rd32(m),
		   rd32(m + 4), rd32(m + 8), rd32(m + 12), q->len);
	*p = m + 16;
	return (int)rd32(m + 12);
}

/* input bits of a report descriptor (no report ids), by walking its items */
static int report_bits(const uint8_t *d, uint32_t len)
{
	uint32_t i = 0, size = 0, count = 0, bits = 0, v, n, k;

	while (i < len) {
		uint8_t pfx = d[i];

		if (pfx == 0xfe)
			return -1;		/* long items: not used here */
		n = (pfx & 3) == 3 ? 4 : pfx & 3;
		if (i + 1 + n > len)
			return -1;
		for (v = 0, k = 0; k < n; k++)
			v |= (uint32_t)d[i + 1 + k] << (8 * k);
		switch (pfx & 0xfc) {
		case 0x74:
			size = v;
			break;
		case 0x94:
			count = v;
			break;
		case 0x80:
			bits += size * count;
			break;
		case 0x84:
			return -1;		/* report id */
		}
		i += 1 + n;
	}
	return (int)bits;
}

static struct hs_mouse_stats mstats(struct hs_mouse *m)
{
	struct hs_mouse_stats st;

	hs_mouse_stats(m, &st);
	return st;
}

static struct hs_kbd_stats kstats(struct hs_kbd *k)
{
	struct hs_kbd_stats st;

	hs_kbd_stats(k, &st);
	return st;
}

/* PROTOCOL_REQUEST 2.0 and its in-band answer */
static int mouse_hello(struct guest *g, struct ig *q, uint32_t version, uint8_t *approved)
{
	uint8_t v[4];
	const uint8_t *p;

	wr32(v, version);
	REQUIRE_RC(!hid_send(g, q, 1, 0, v, 4, 0), "PROTOCOL_REQUEST");
	REQUIRE_RC(hid_expect(g, q, 1, &p) == 5 && q->type == 6, "PROTOCOL_RESPONSE size or type %u",
		   q->type);
	REQUIRE_RC(rd32(p) == version, "response for version %#x", rd32(p));
	*approved = p[4];
	return 0;
}

static void input_mouse_handshake_and_reports(struct guest *g)
{
	struct hs_mouse *m;
	struct hs_mouse_stats st;
	struct ig q;
	const uint8_t *p, *def;
	uint32_t deflen;
	uint8_t ok = 0, ack = 1;
	int n;

	REQUIRE(!host(g), "host");
	m = hs_mouse_add(g->h, &(struct hs_mouse_config){ 0 });
	REQUIRE(m && !ig_open(g, &q, mouse_class), "mouse");
	REQUIRE(hs_mouse_wait_ready(m, 20) == -ETIMEDOUT, "ready before the handshake");
	if (mouse_hello(g, &q, 0x00020000, &ok))
		return;
	REQUIRE(ok == 1, "not approved");
	/* INITIAL_DEVICE_INFO: attributes, HID descriptor, report descriptor */
	n = hid_expect(g, &q, 2, &p);
	def = hs_mouse_default_descriptor(&deflen);
	REQUIRE(n == (int)(32 + 9 + deflen), "device info of %d bytes", n);
	REQUIRE(rd32(p) == 32 && rd16(p + 4) == 0x045E && rd16(p + 6) == 0x0621 &&
		rd16(p + 8) == 1, "attributes %u %#x:%#x v%u", rd32(p), rd16(p + 4), rd16(p + 6),
		rd16(p + 8));
	REQUIRE(p[32] == 9 && p[33] == 0x21 && p[37] == 1 && p[38] == 0x22 &&
		rd16(p + 39) == deflen, "HID descriptor %u %#x n%u %#x len %u", p[32], p[33], p[37],
		p[38], rd16(p + 39));
	REQUIRE(!memcmp(p + 41, def, deflen), "report descriptor differs");
	REQUIRE(report_bits(p + 41, deflen) == 56, "default report is %d bits, not 56",
		report_bits(p + 41, deflen));
	REQUIRE(hs_mouse_wait_ready(m, 20) == -ETIMEDOUT, "ready before the ACK");
	REQUIRE(!hid_send(g, &q, 0, 3, &ack, 1, 0), "ACK");
	REQUIRE(hs_mouse_wait_ready(m, WAIT) == 0, "not ready after the ACK");
	REQUIRE(!hs_mouse_report(m, 0x13, 16384, 32767, -2), "report");
	n = hid_expect(g, &q, 4, &p);
	REQUIRE(n == 7 && p[0] == 0x13 && rd16(p + 1) == 16384 && rd16(p + 3) == 32767 &&
		rd16(p + 5) == 0xfffe && q.type == 6 && !rd16(q.buf + 6), "INPUT_REPORT %d bytes",
		n);
	REQUIRE(!hs_mouse_input(m, "\x01\x02\x03", 3) && hid_expect(g, &q, 4, &p) == 3 &&
		!memcmp(p, "\x01\x02\x03", 3), "raw report");
	REQUIRE(hs_mouse_input(m, (uint8_t[17]){ 0 }, 17) == -EINVAL, "17-byte report taken");
	st = mstats(m);
	REQUIRE(st.acked && st.ack_value == 1 && st.request_flags == 1 && st.reports == 2 &&
		st.version_requested == 0x00020000 && st.protocol_errors == 0, "stats");
	/* Linux's padded pipe size is tolerated: a new handshake */
	REQUIRE(!hid_send(g, &q, 1, 0, "\x00\x00\x02\x00", 4, 4), "padded PROTOCOL_REQUEST");
	REQUIRE(hid_expect(g, &q, 1, &p) == 5 && p[4] == 1, "padded request refused");
	REQUIRE(hid_expect(g, &q, 2, &p) > 0 && mstats(m).protocol_errors == 0, "padded request");
}

static void input_mouse_refusal_and_completion_mode(struct guest *g)
{
	struct hs_mouse *m;
	struct ig q;
	const uint8_t *p;
	uint8_t ok = 1;

	REQUIRE(!host(g), "host");
	m = hs_mouse_add(g->h, &(struct hs_mouse_config){ .refuse = true });
	REQUIRE(m && !ig_open(g, &q, mouse_class), "mouse");
	if (mouse_hello(g, &q, 0x00020000, &ok))
		return;
	REQUIRE(ok == 0 && m_quiet(g, &q.c, QUIET), "refused, then quiet");
	REQUIRE(hs_mouse_wait_ready(m, WAIT) == -ECONNREFUSED, "refusal not reported");
	g_teardown(g);

	/* an unknown version is refused too */
	REQUIRE(!host(g), "host");
	m = hs_mouse_add(g->h, &(struct hs_mouse_config){ 0 });
	REQUIRE(m && !ig_open(g, &q, mouse_class), "mouse");
	if (mouse_hello(g, &q, 0x00010000, &ok))
		return;
	REQUIRE(ok == 0 && m_quiet(g, &q.c, QUIET), "version 1.0 approved");
	g_teardown(g);

	/* the response as the request's completion */
	REQUIRE(!host(g), "host");
	m = hs_mouse_add(g->h, &(struct hs_mouse_config){ .response_as_completion = true });
	REQUIRE(m && !ig_open(g, &q, mouse_class), "mouse");
	REQUIRE(!hid_send(g, &q, 1, 0, "\x00\x00\x02\x00", 4, 0), "PROTOCOL_REQUEST");
	REQUIRE(hid_expect(g, &q, 1, &p) == 5 && p[4] == 1, "response");
	REQUIRE(q.type == 0xB && q.tid == 0x77, "response packet type %#x tid %#llx", q.type,
		(unsigned long long)q.tid);
	REQUIRE(hid_expect(g, &q, 2, &p) > 0 && q.type == 6, "device info in-band");
}

static void input_mouse_custom_descriptor(struct guest *g)
{
	/* a relative 3-button mouse: buttons(3)+pad(5), X, Y as 8-bit relative */
	static const uint8_t rd[] = {
		0x05, 0x01, 0x09, 0x02, 0xa1, 0x01, 0x05, 0x09, 0x19, 0x01, 0x29, 0x03,
		0x15, 0x00, 0x25, 0x01, 0x95, 0x03, 0x75, 0x01, 0x81, 0x02, 0x95, 0x01,
		0x75, 0x05, 0x81, 0x01, 0x05, 0x01, 0x09, 0x30, 0x09, 0x31, 0x15, 0x81,
		0x25, 0x7f, 0x75, 0x08, 0x95, 0x02, 0x81, 0x06, 0xc0,
	};
	struct hs_mouse *m;
	struct ig q;
	const uint8_t *p;
	uint8_t ok = 0, ack = 0;
	int n;

	REQUIRE(!host(g), "host");
	m = hs_mouse_add(g->h, &(struct hs_mouse_config){
		.report_descriptor = rd, .report_descriptor_len = sizeof(rd),
		.vendor = 0x1234, .product = 0x5678, .version_id = 9 });
	REQUIRE(m && !ig_open(g, &q, mouse_class), "mouse");
	if (mouse_hello(g, &q, 0x00020000, &ok))
		return;
	n = hid_expect(g, &q, 2, &p);
	REQUIRE(n == (int)(41 + sizeof(rd)) && rd16(p + 4) == 0x1234 && rd16(p + 6) == 0x5678 &&
		rd16(p + 8) == 9 && rd16(p + 39) == sizeof(rd) && !memcmp(p + 41, rd, sizeof(rd)),
		"custom device info (%d bytes)", n);
	REQUIRE(report_bits(p + 41, sizeof(rd)) == 24, "custom report %d bits",
		report_bits(p + 41, sizeof(rd)));
	REQUIRE(!hid_send(g, &q, 0, 3, &ack, 1, 0) && hs_mouse_wait_ready(m, WAIT) == 0, "ACK");
	REQUIRE(mstats(m).ack_value == 0, "ack value");
	REQUIRE(!hs_mouse_input(m, "\x01\x05\xfb", 3) && hid_expect(g, &q, 4, &p) == 3 &&
		!memcmp(p, "\x01\x05\xfb", 3), "3-byte report");
	REQUIRE(!hs_mouse_add(g->h, &(struct hs_mouse_config){ .report_descriptor = rd }),
		"a descriptor of length 0 taken");
}

static void input_mouse_malformed_guest_messages(struct guest *g)
{
	struct hs_mouse *m;
	struct ig q;
	uint8_t raw[32] = { 0 }, ack = 1;

	REQUIRE(!host(g), "host");
	m = hs_mouse_add(g->h, &(struct hs_mouse_config){ 0 });
	REQUIRE(m && !ig_open(g, &q, mouse_class), "mouse");
	/* ACK before the device info */
	REQUIRE(!hid_send(g, &q, 0, 3, &ack, 1, 0), "send");
	/* pipe type 2 */
	wr32(raw, 2);
	wr32(raw + 4, 12);
	REQUIRE(!m_send(g, &q.c, 6, 0, 1, NULL, 0, raw, 20), "send");
	/* SynthHID size past the pipe */
	wr32(raw, 1);
	wr32(raw + 4, 12);
	wr32(raw + 12, 9);
	REQUIRE(!m_send(g, &q.c, 6, 0, 1, NULL, 0, raw, 24), "send");
	/* pipe size past the packet */
	wr32(raw + 4, 100);
	REQUIRE(!m_send(g, &q.c, 6, 0, 1, NULL, 0, raw, 24), "send");
	/* a host-only type from the guest */
	REQUIRE(!hid_send(g, &q, 0, 4, "\x01", 1, 0), "send");
	/* a completion packet */
	REQUIRE(!m_send(g, &q.c, 0xB, 0, 1, NULL, 0, raw, 24), "send");
	for (int i = 0; i < (int)WAIT && mstats(m).protocol_errors < 6; i++)
		g_sleep_ms(1);
	REQUIRE(mstats(m).protocol_errors == 6 && !mstats(m).acked, "%llu protocol errors",
		(unsigned long long)mstats(m).protocol_errors);
	REQUIRE(m_quiet(g, &q.c, QUIET), "the host answered garbage");
}

/* the keyboard: handshake, keystrokes with every flag, LEDs */
static void input_kbd_handshake_events_leds(struct guest *g)
{
	static const struct {
		uint16_t code;
		uint32_t flags;
	} keys[] = {
		{ 0x1e, 0 }, { 0x1e, HS_KBD_BREAK }, { 0x48, HS_KBD_E0 },
		{ 0x48, HS_KBD_E0 | HS_KBD_BREAK }, { 0x1d, HS_KBD_E1 }, { 0x20ac, HS_KBD_UNICODE },
	};
	struct hs_kbd *k;
	struct hs_kbd_stats st;
	struct ig q;
	uint8_t m[8];
	const uint8_t *p;
	unsigned int i;

	REQUIRE(!host(g), "host");
	k = hs_kbd_add(g->h, &(struct hs_kbd_config){ 0 });
	REQUIRE(k && !ig_open(g, &q, kbd_class), "keyboard");
	wr32(m, 1);
	wr32(m + 4, 0x00010000);
	REQUIRE(!m_send(g, &q.c, 6, 1, 5, NULL, 0, m, 8), "PROTOCOL_REQUEST");
	REQUIRE(!next(g, &q) && q.type == 6 && q.len == 8, "response of %u bytes", q.len);
	p = q.buf + q.off;
	REQUIRE(rd32(p) == 2 && (rd32(p + 4) & 1), "response type %u status %#x", rd32(p),
		rd32(p + 4));
	REQUIRE(hs_kbd_wait_ready(k, WAIT) == 0, "not ready");
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		REQUIRE(!hs_kbd_key(k, keys[i].code, keys[i].flags), "key");
		REQUIRE(!next(g, &q) && q.len == 16, "event of %u bytes", q.len);
		p = q.buf + q.off;
		REQUIRE(rd32(p) == 3 && rd16(p + 4) == keys[i].code && rd16(p + 6) == 0 &&
			rd32(p + 8) == keys[i].flags, "event %u: type %u code %#x info %#x", i,
			rd32(p), rd16(p + 4), rd32(p + 8));
	}
	REQUIRE(hs_kbd_key(k, 1, 0x10) == -EINVAL, "flag 0x10 taken");
	wr32(m, 4);
	wr32(m + 4, 0x5);		/* scroll lock + caps lock */
	REQUIRE(!m_send(g, &q.c, 6, 0, 0, NULL, 0, m, 8), "SET_LED_INDICATORS");
	for (i = 0; i < WAIT && !kstats(k).led_sets; i++)
		g_sleep_ms(1);
	st = kstats(k);
	REQUIRE(st.led_sets == 1 && st.leds == 5 && st.events == 6 && st.accepted &&
		st.request_flags == 1 && st.protocol_errors == 0, "leds %#x sets %llu", st.leds,
		(unsigned long long)st.led_sets);
}

static void input_kbd_refusal_completion_and_malformed(struct guest *g)
{
	struct hs_kbd *k;
	struct ig q;
	uint8_t m[300] = { 0 };
	const uint8_t *p;
	int i;

	REQUIRE(!host(g), "host");
	k = hs_kbd_add(g->h, &(struct hs_kbd_config){ .refuse = true });
	REQUIRE(k && !ig_open(g, &q, kbd_class), "keyboard");
	wr32(m, 1);
	wr32(m + 4, 0x00010000);
	REQUIRE(!m_send(g, &q.c, 6, 1, 5, NULL, 0, m, 8), "PROTOCOL_REQUEST");
	REQUIRE(!next(g, &q) && rd32(q.buf + q.off) == 2 && !(rd32(q.buf + q.off + 4) & 1),
		"refusal");
	REQUIRE(hs_kbd_wait_ready(k, WAIT) == -ECONNREFUSED, "refusal not reported");
	g_teardown(g);

	REQUIRE(!host(g), "host");
	k = hs_kbd_add(g->h, &(struct hs_kbd_config){ .response_as_completion = true });
	REQUIRE(k && !ig_open(g, &q, kbd_class), "keyboard");
	REQUIRE(!m_send(g, &q.c, 6, 1, 0x99, NULL, 0, m, 8), "PROTOCOL_REQUEST");
	REQUIRE(!next(g, &q) && q.type == 0xB && q.tid == 0x99, "completion type %#x", q.type);
	p = q.buf + q.off;
	REQUIRE(rd32(p) == 2 && (rd32(p + 4) & 1), "accepted");
	/* an unknown type, a message past 256 bytes, a completion packet (the
	 * ring pads to 8 bytes, so no message of the protocol can be short) */
	wr32(m, 9);
	REQUIRE(!m_send(g, &q.c, 6, 0, 0, NULL, 0, m, 8), "send");
	wr32(m, 4);
	REQUIRE(!m_send(g, &q.c, 6, 0, 0, NULL, 0, m, 264), "send");
	REQUIRE(!m_send(g, &q.c, 0xB, 0, 0, NULL, 0, m, 8), "send");
	for (i = 0; i < (int)WAIT && kstats(k).protocol_errors < 3; i++)
		g_sleep_ms(1);
	REQUIRE(kstats(k).protocol_errors == 3 && kstats(k).led_sets == 0, "%llu errors",
		(unsigned long long)kstats(k).protocol_errors);
}

void input_tests(void (*run)(const char *name, void (*fn)(struct guest *g)))
{
	run("input_mouse_handshake_and_reports", input_mouse_handshake_and_reports);
	run("input_mouse_refusal_and_completion_mode", input_mouse_refusal_and_completion_mode);
	run("input_mouse_custom_descriptor", input_mouse_custom_descriptor);
	run("input_mouse_malformed_guest_messages", input_mouse_malformed_guest_messages);
	run("input_kbd_handshake_events_leds", input_kbd_handshake_events_leds);
	run("input_kbd_refusal_completion_and_malformed",
	    input_kbd_refusal_completion_and_malformed);
}
