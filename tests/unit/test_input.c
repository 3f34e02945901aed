// SPDX-License-Identifier: GPL-2.0
/*
 * hid_hyperv's and hyperv_keyboard's portable cores: the report-descriptor
 * walker and the keystroke translation on their own, then each core against
 * hostsim's synthetic mouse and keyboard (§7.1, §7.2): the handshake, a
 * refusing host, reports and keystrokes delivered only while started,
 * over-long reports dropped and counted, nothing malformed seen by the host.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tdev.h"
#include "lis_test.h"
#include "../../drivers/hid_hyperv/core/mouse_core.h"
#include "../../drivers/hyperv_keyboard/core/kbd_core.h"

#define MOUSE_CLASS	"cfa8b69e-5b4a-4cc0-b98b-8ba1a1f3f95a"
#define KBD_CLASS	"f912ad6d-2b17-48ea-bd65-f927a61c7684"

/* ---- the descriptor walker and the translation ---- */

LIS_TEST(rdesc_hostsim_default_mouse_is_one_7_byte_report)
{
	struct lis_hid_rdesc_info info;
	uint32_t len;
	const uint8_t *d = hs_mouse_default_descriptor(&len);

	ASSERT(d);
	EXPECT_EQ(lis_hid_rdesc_parse(d, len, &info), 0);
	EXPECT_EQ(info.max_input, 7);
	EXPECT(!info.report_ids);
	EXPECT_EQ(info.collections, 1);
	EXPECT(info.input_reports >= 3);
	/* every truncation of it is refused or still consistent, never read past */
	for (uint32_t n = 0; n < len; n++) {
		int r = lis_hid_rdesc_parse(d, n, &info);

		EXPECT(r == 0 || r == -EINVAL);
	}
}

LIS_TEST(rdesc_malformed_descriptors_are_refused)
{
	/* Usage Page (Generic Desktop), Collection (Application), ... */
	static const u8 unbalanced[] = { 0x05, 0x01, 0xA1, 0x01, 0x75, 0x08, 0x95, 0x01, 0x81, 0x02 };
	static const u8 long_item[] = { 0xFE, 0x02, 0x00, 0x00, 0x00 };
	static const u8 truncated[] = { 0xA1, 0x01, 0x75, 0x08, 0x95, 0x01, 0x81, 0x02, 0xC0, 0x26 };
	static const u8 id_zero[] = { 0xA1, 0x01, 0x85, 0x00, 0x75, 0x08, 0x95, 0x01, 0x81, 0x02, 0xC0 };
	static const u8 no_input[] = { 0xA1, 0x01, 0x75, 0x08, 0x95, 0x01, 0x91, 0x02, 0xC0 };
	static const u8 pop_empty[] = { 0xB4, 0xA1, 0x01, 0x75, 0x08, 0x95, 0x01, 0x81, 0x02, 0xC0 };
	static const u8 ok[] = { 0xA1, 0x01, 0x85, 0x02, 0x75, 0x08, 0x95, 0x03, 0x81, 0x02, 0xC0 };
	struct lis_hid_rdesc_info info;

	EXPECT_EQ(lis_hid_rdesc_parse(unbalanced, sizeof(unbalanced), &info), -EINVAL);
	EXPECT_EQ(lis_hid_rdesc_parse(long_item, sizeof(long_item), &info), -EINVAL);
	EXPECT_EQ(lis_hid_rdesc_parse(truncated, sizeof(truncated), &info), -EINVAL);
	EXPECT_EQ(lis_hid_rdesc_parse(id_zero, sizeof(id_zero), &info), -EINVAL);
	EXPECT_EQ(lis_hid_rdesc_parse(no_input, sizeof(no_input), &info), -EINVAL);
	EXPECT_EQ(lis_hid_rdesc_parse(pop_empty, sizeof(pop_empty), &info), -EINVAL);
	/* a report ID counts in the report's length */
	EXPECT_EQ(lis_hid_rdesc_parse(ok, sizeof(ok), &info), 0);
	EXPECT(info.report_ids);
	EXPECT_EQ(info.max_input, 4);
}

LIS_TEST(kbd_translate_make_break_prefixes_and_unicode)
{
	u8 b[LIS_KBD_MAX_BYTES];

	EXPECT_EQ(lis_kbd_translate(0x1E, 0, b), 1);
	EXPECT_EQ(b[0], 0x1E);
	EXPECT_EQ(lis_kbd_translate(0x1E, LIS_KBD_INFO_BREAK, b), 1);
	EXPECT_EQ(b[0], 0x9E);
	EXPECT_EQ(lis_kbd_translate(0x48, LIS_KBD_INFO_E0 | LIS_KBD_INFO_BREAK, b), 2);
	EXPECT(b[0] == 0xE0 && b[1] == 0xC8);
	EXPECT_EQ(lis_kbd_translate(0x1D, LIS_KBD_INFO_E1, b), 2);
	EXPECT(b[0] == 0xE1 && b[1] == 0x1D);
	/* 'b': its key down and up; 'B': inside Shift; typed on key-down only */
	EXPECT_EQ(lis_kbd_translate('b', LIS_KBD_INFO_UNICODE, b), 2);
	EXPECT(b[0] == 0x30 && b[1] == 0xB0);
	EXPECT_EQ(lis_kbd_translate('B', LIS_KBD_INFO_UNICODE, b), 4);
	EXPECT(b[0] == 0x2A && b[1] == 0x30 && b[2] == 0xB0 && b[3] == 0xAA);
	EXPECT_EQ(lis_kbd_translate('B', LIS_KBD_INFO_UNICODE | LIS_KBD_INFO_BREAK, b), 0);
	/* refused: E0 with E1, a code past 0x7F, unknown bits, no US key */
	EXPECT_EQ(lis_kbd_translate(0x1E, LIS_KBD_INFO_E0 | LIS_KBD_INFO_E1, b), -EINVAL);
	EXPECT_EQ(lis_kbd_translate(0x80, 0, b), -EINVAL);
	EXPECT_EQ(lis_kbd_translate(0x1E, 0x80000000u, b), -EINVAL);
	EXPECT_EQ(lis_kbd_translate(0x00E9, LIS_KBD_INFO_UNICODE, b), -ENOENT);
	EXPECT_EQ(lis_kbd_translate('a', LIS_KBD_INFO_UNICODE | LIS_KBD_INFO_E0, b), -EINVAL);
}

/* ---- the cores against hostsim's devices ---- */

static struct {
	struct tenv *env;
	struct lis_mouse *m;
	struct lis_kbd *k;
	int ret;
	bool probed;
	pthread_mutex_t lock;
	u8 got[256];
	u32 got_len, calls;
} G = { .lock = PTHREAD_MUTEX_INITIALIZER };

static struct hs_mouse *HM;
static struct hs_kbd *HK;
static bool host_refuses;

static void got_bytes(void *ctx, const u8 *b, u32 n)
{
	pthread_mutex_lock(&G.lock);
	if (G.got_len + n <= sizeof(G.got)) {
		memcpy(G.got + G.got_len, b, n);
		G.got_len += n;
	}
	G.calls++;
	pthread_mutex_unlock(&G.lock);
}

static const struct lis_mouse_ops mouse_ops = { .input_report = got_bytes };
static const struct lis_kbd_ops kbd_ops = { .bytes = got_bytes };

static int mouse_probe(struct tenv *env, struct lis_channel *ch)
{
	struct lis_mouse_config cfg = { .ops = &mouse_ops, .timeout_ms = 2000 };
	struct lis_mouse *m = NULL;

	G.ret = lis_mouse_open(ch, &cfg, &m);
	__atomic_store_n(&G.m, m, __ATOMIC_SEQ_CST);
	__atomic_store_n(&G.probed, true, __ATOMIC_SEQ_CST);
	return G.ret;
}

static int kbd_probe(struct tenv *env, struct lis_channel *ch)
{
	struct lis_kbd_config cfg = { .ops = &kbd_ops, .timeout_ms = 2000 };
	struct lis_kbd *k = NULL;

	G.ret = lis_kbd_open(ch, &cfg, &k);
	__atomic_store_n(&G.k, k, __ATOMIC_SEQ_CST);
	__atomic_store_n(&G.probed, true, __ATOMIC_SEQ_CST);
	return G.ret;
}

static void t_remove(struct tenv *env, struct lis_channel *ch)
{
	struct lis_mouse *m = __atomic_exchange_n(&G.m, NULL, __ATOMIC_SEQ_CST);
	struct lis_kbd *k = __atomic_exchange_n(&G.k, NULL, __ATOMIC_SEQ_CST);

	if (m)
		lis_mouse_close(m);
	if (k)
		lis_kbd_close(k);
}

static bool add_mouse(struct hs_host *h)
{
	struct hs_mouse_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.refuse = host_refuses;
	HM = hs_mouse_add(h, &cfg);
	return HM != NULL;
}

static bool add_kbd(struct hs_host *h)
{
	struct hs_kbd_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.refuse = host_refuses;
	HK = hs_kbd_add(h, &cfg);
	return HK != NULL;
}

static bool boot(bool mouse, bool refuse)
{
	struct tdev d = { .cls = mouse ? MOUSE_CLASS : KBD_CLASS,
			  .probe = mouse ? mouse_probe : kbd_probe, .remove = t_remove,
			  .add_host = mouse ? add_mouse : add_kbd };

	G.env = NULL;
	G.m = NULL;
	G.k = NULL;
	G.ret = 0;
	G.probed = false;
	G.got_len = G.calls = 0;
	host_refuses = refuse;
	G.env = tdev_boot(&d, &G.probed);
	return G.env != NULL;
}

static void teardown(void)
{
	t_remove(NULL, NULL);
	if (G.env)
		tenv_destroy(G.env);
	G.env = NULL;
	HM = NULL;
	HK = NULL;
}

static bool got_at_least(struct tenv *env, void *arg)
{
	u32 n;

	pthread_mutex_lock(&G.lock);
	n = G.got_len;
	pthread_mutex_unlock(&G.lock);
	return n >= *(u32 *)arg;
}

static bool host_acked(struct tenv *env, void *arg)
{
	struct hs_mouse_stats st;

	hs_mouse_stats(HM, &st);
	return st.acked;
}

/* the core has counted *arg dropped reports (mouse) or keystrokes (kbd) */
static bool mouse_dropped(struct tenv *env, void *arg)
{
	struct lis_mouse_stats st;

	lis_mouse_get_stats(G.m, &st);
	return st.dropped >= *(u64 *)arg;
}

static bool mouse_errors(struct tenv *env, void *arg)
{
	struct lis_mouse_stats st;

	lis_mouse_get_stats(G.m, &st);
	return st.protocol_errors >= *(u64 *)arg;
}

static bool kbd_dropped(struct tenv *env, void *arg)
{
	struct lis_kbd_stats st;

	lis_kbd_get_stats(G.k, &st);
	return st.dropped >= *(u64 *)arg;
}

LIS_TEST(mouse_handshake_info_and_reports_only_while_started)
{
	struct lis_mouse_info info;
	struct lis_mouse_stats ms;
	struct hs_mouse_stats hs;
	uint32_t dlen;
	const uint8_t *desc = hs_mouse_default_descriptor(&dlen);
	static const u8 big[16] = { 1 };
	u32 want = 7;
	u64 n = 1;

	ASSERT(boot(true, false));
	ASSERT(G.ret == 0);
	ASSERT(G.m);
	lis_mouse_get_info(G.m, &info);
	EXPECT_EQ(info.vendor, 0x045E);
	EXPECT_EQ(info.product, 0x0621);
	EXPECT_EQ(info.rdesc_len, dlen);
	EXPECT(info.rdesc && !memcmp(info.rdesc, desc, dlen));
	EXPECT_EQ(info.layout.max_input, 7);
	EXPECT(tenv_wait(G.env, host_acked, NULL, 5000));
	hs_mouse_stats(HM, &hs);
	EXPECT_EQ(hs.version_requested, 0x00020000);
	/* before start: dropped */
	EXPECT_EQ(hs_mouse_report(HM, 0, 1, 2, 0), 0);
	EXPECT(tenv_wait(G.env, mouse_dropped, &n, 5000));	/* read before the start */
	lis_msleep(100);
	EXPECT_EQ(G.got_len, 0);
	lis_mouse_start(G.m);
	EXPECT_EQ(hs_mouse_report(HM, 0x01, 0x1234, 0x0456, -1), 0);
	EXPECT(tenv_wait(G.env, got_at_least, &want, 5000));
	EXPECT_EQ(G.got_len, 7);
	EXPECT(G.got[0] == 0x01 && get16(G.got + 1) == 0x1234 && get16(G.got + 3) == 0x0456 &&
	       get16(G.got + 5) == 0xFFFF);
	/* longer than the descriptor's longest report: dropped, the host's error */
	EXPECT_EQ(hs_mouse_input(HM, big, sizeof(big)), 0);
	EXPECT(tenv_wait(G.env, mouse_errors, &n, 5000));
	lis_msleep(100);
	EXPECT_EQ(G.got_len, 7);
	lis_mouse_get_stats(G.m, &ms);
	EXPECT_EQ(ms.reports, 1);
	EXPECT_EQ(ms.protocol_errors, 1);
	EXPECT(ms.dropped >= 1);
	/* after stop: dropped again */
	lis_mouse_stop(G.m);
	EXPECT_EQ(hs_mouse_report(HM, 0, 5, 5, 0), 0);
	n = ms.dropped + 1;
	EXPECT(tenv_wait(G.env, mouse_dropped, &n, 5000));
	lis_msleep(100);
	EXPECT_EQ(G.got_len, 7);
	hs_mouse_stats(HM, &hs);
	EXPECT_EQ(hs.protocol_errors, 0);
	teardown();
}

LIS_TEST(mouse_refused_by_the_host_fails_the_probe)
{
	ASSERT(boot(true, true));
	EXPECT(G.ret != 0);
	EXPECT(!G.m);
	teardown();
}

LIS_TEST(kbd_keystrokes_become_set1_bytes_while_started)
{
	struct lis_kbd_stats ks;
	struct hs_kbd_stats hs;
	static const u8 want_bytes[] = { 0x1E, 0x9E, 0xE0, 0x48, 0xE0, 0xC8, 0x2A, 0x30, 0xB0, 0xAA };
	u32 want = sizeof(want_bytes);
	u64 n = 1;

	ASSERT(boot(false, false));
	ASSERT(G.ret == 0);
	ASSERT(G.k);
	hs_kbd_stats(HK, &hs);
	EXPECT(hs.accepted);
	EXPECT_EQ(hs.version_requested, 0x00010000);
	EXPECT_EQ(hs_kbd_key(HK, 0x10, 0), 0);		/* before start: dropped */
	EXPECT(tenv_wait(G.env, kbd_dropped, &n, 5000));	/* read before the start */
	lis_msleep(100);
	EXPECT_EQ(G.got_len, 0);
	lis_kbd_start(G.k);
	EXPECT_EQ(hs_kbd_key(HK, 0x1E, 0), 0);
	EXPECT_EQ(hs_kbd_key(HK, 0x1E, HS_KBD_BREAK), 0);
	EXPECT_EQ(hs_kbd_key(HK, 0x48, HS_KBD_E0), 0);
	EXPECT_EQ(hs_kbd_key(HK, 0x48, HS_KBD_E0 | HS_KBD_BREAK), 0);
	EXPECT_EQ(hs_kbd_key(HK, 'B', HS_KBD_UNICODE), 0);
	EXPECT_EQ(hs_kbd_key(HK, 'B', HS_KBD_UNICODE | HS_KBD_BREAK), 0);
	EXPECT_EQ(hs_kbd_key(HK, 0x00E9, HS_KBD_UNICODE), 0);	/* no US key: dropped */
	EXPECT(tenv_wait(G.env, got_at_least, &want, 5000));
	n = 2;						/* and the U+00E9 after them */
	EXPECT(tenv_wait(G.env, kbd_dropped, &n, 5000));
	lis_msleep(100);
	EXPECT_EQ(G.got_len, sizeof(want_bytes));
	EXPECT(!memcmp(G.got, want_bytes, sizeof(want_bytes)));
	lis_kbd_get_stats(G.k, &ks);
	EXPECT(ks.dropped >= 2);
	EXPECT_EQ(ks.protocol_errors, 0);
	lis_kbd_stop(G.k);
	EXPECT_EQ(hs_kbd_key(HK, 0x1F, 0), 0);
	n = ks.dropped + 1;
	EXPECT(tenv_wait(G.env, kbd_dropped, &n, 5000));
	lis_msleep(100);
	EXPECT_EQ(G.got_len, sizeof(want_bytes));
	hs_kbd_stats(HK, &hs);
	EXPECT_EQ(hs.protocol_errors, 0);
	teardown();
}

LIS_TEST(kbd_refused_by_the_host_fails_the_probe)
{
	ASSERT(boot(false, true));
	EXPECT(G.ret != 0);
	EXPECT(!G.k);
	teardown();
}

LIS_TEST_MAIN("input")
