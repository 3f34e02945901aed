// SPDX-License-Identifier: GPL-2.0
/*
 * The hv_utils core: IC wire layouts against the fact sheet (§6), version
 * negotiation (and refusal), every service's messages, malformed host
 * messages, the daemon endpoints (registration, hand-over, timeouts, a
 * daemon that dies) and the KVP/VSS/fcopy encoding towards the daemons.
 *
 * The end-to-end tests run the core on a real channel against hostsim: a
 * small raw IC host below writes requests byte by byte at the fact sheet's
 * offsets, so our structs are not mirrored by the host side.
 */
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include "port_user.h"
#include "env_hostsim.h"
#include "lis_test.h"
#include "../../drivers/hv_utils/core/internal.h"

#define OFF(type, field)	offsetof(struct type, field)

/* ---- layouts (fact sheet §6.2-§6.5; numbers typed in from it) ---- */

LIS_TEST(ic_header_layout_matches_the_fact_sheet)
{
	EXPECT_EQ(sizeof(struct lis_ic_header), 28);
	EXPECT_EQ(OFF(lis_ic_header, pipe_flags), 0);
	EXPECT_EQ(OFF(lis_ic_header, pipe_msgsize), 4);
	EXPECT_EQ(OFF(lis_ic_header, framework), 8);
	EXPECT_EQ(OFF(lis_ic_header, msgtype), 12);
	EXPECT_EQ(OFF(lis_ic_header, msgversion), 14);
	EXPECT_EQ(OFF(lis_ic_header, data_size), 18);
	EXPECT_EQ(OFF(lis_ic_header, status), 20);
	EXPECT_EQ(OFF(lis_ic_header, trans_id), 24);
	EXPECT_EQ(OFF(lis_ic_header, flags), 25);
	EXPECT_EQ(OFF(lis_ic_negotiate, message_count), 2);
	EXPECT_EQ(OFF(lis_ic_negotiate, versions), 8);
}

LIS_TEST(service_bodies_match_the_fact_sheet)
{
	EXPECT_EQ(OFF(lis_ic_shutdown, timeout_s), 4);
	EXPECT_EQ(OFF(lis_ic_shutdown, flags), 8);
	EXPECT_EQ(OFF(lis_ic_shutdown, message), 12);
	EXPECT_EQ(OFF(lis_ic_timesync, round_trip_time), 16);
	EXPECT_EQ(OFF(lis_ic_timesync, flags), 24);
	EXPECT_EQ(OFF(lis_ic_timesync4, vm_reference_time), 8);
	EXPECT_EQ(OFF(lis_ic_timesync4, flags), 16);
	EXPECT_EQ(OFF(lis_ic_timesync4, stratum), 18);
	EXPECT_EQ(sizeof(struct lis_kvp_value), 2572);
	EXPECT_EQ(OFF(lis_kvp_value, key_size), 4);
	EXPECT_EQ(OFF(lis_kvp_value, value_size), 8);
	EXPECT_EQ(OFF(lis_kvp_value, key), 12);
	EXPECT_EQ(OFF(lis_kvp_value, value), 524);
	EXPECT_EQ(OFF(lis_kvp_ip_msg, info) + OFF(lis_kvp_ip_info, adapter_id), 2);
	EXPECT_EQ(OFF(lis_kvp_ip_msg, info) + OFF(lis_kvp_ip_info, addr_family), 258);
	EXPECT_EQ(OFF(lis_kvp_ip_msg, info) + OFF(lis_kvp_ip_info, dhcp_enabled), 259);
	EXPECT_EQ(OFF(lis_kvp_ip_msg, info) + OFF(lis_kvp_ip_info, ip_addr), 260);
	EXPECT_EQ(OFF(lis_kvp_ip_msg, info) + OFF(lis_kvp_ip_info, sub_net), 2308);
	EXPECT_EQ(OFF(lis_kvp_ip_msg, info) + OFF(lis_kvp_ip_info, gate_way), 4356);
	EXPECT_EQ(OFF(lis_kvp_ip_msg, info) + OFF(lis_kvp_ip_info, dns_addr), 5380);
	EXPECT_EQ(sizeof(struct lis_kvp_ip_msg), 7428);
	EXPECT_EQ(OFF(lis_vss_msg, flags), 8);
	EXPECT_EQ(OFF(lis_fcopy_start, file_name), 36);
	EXPECT_EQ(OFF(lis_fcopy_start, path_name), 556);
	EXPECT_EQ(OFF(lis_fcopy_start, copy_flags), 1076);
	EXPECT_EQ(OFF(lis_fcopy_start, file_size), 1080);
	EXPECT_EQ(sizeof(struct lis_fcopy_start), 1088);
	EXPECT_EQ(OFF(lis_fcopy_write, offset), 40);
	EXPECT_EQ(OFF(lis_fcopy_write, size), 48);
	EXPECT_EQ(OFF(lis_fcopy_write, data), 52);
	EXPECT_EQ(sizeof(struct lis_fcopy_write), 6196);
}

LIS_TEST(daemon_messages_match_the_fact_sheet)
{
	EXPECT_EQ(sizeof(struct lis_kvp_dmsg), 7432);
	EXPECT_EQ(OFF(lis_kvp_dmsg, body), 4);
	EXPECT_EQ(sizeof(struct lis_vss_msg), 12);
	EXPECT_EQ(LIS_KVP_OP_REGISTER1, 100);
	EXPECT_EQ(LIS_VSS_OP_REGISTER1, 129);
	EXPECT_EQ(LIS_FCOPY_VERSION_1, 1);
}

/* ---- text ---- */

LIS_TEST(utf16_to_utf8_is_strict)
{
	/* "aé€😀" then NUL: a, U+00E9, U+20AC, U+1F600 (a surrogate pair) */
	const u8 s[] = { 'a', 0, 0xE9, 0, 0xAC, 0x20, 0x3D, 0xD8, 0x00, 0xDE, 0, 0 };
	const u8 lone_hi[] = { 0x3D, 0xD8, 'a', 0, 0, 0 };
	const u8 lone_lo[] = { 0x00, 0xDE, 0, 0 };
	const u8 no_nul[] = { 'a', 0, 'b', 0 };
	char out[16];

	EXPECT_EQ(lis_utf16_to_utf8(s, 6, true, out, sizeof(out)), 10);
	EXPECT(!strcmp(out, "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"));
	EXPECT_EQ(lis_utf16_to_utf8(lone_hi, 3, true, out, sizeof(out)), -EINVAL);
	EXPECT_EQ(lis_utf16_to_utf8(lone_lo, 2, true, out, sizeof(out)), -EINVAL);
	EXPECT_EQ(lis_utf16_to_utf8(no_nul, 2, true, out, sizeof(out)), -EINVAL);
	EXPECT_EQ(lis_utf16_to_utf8(no_nul, 2, false, out, sizeof(out)), 2);
	/* room for the bytes but not the NUL */
	EXPECT_EQ(lis_utf16_to_utf8(s, 6, true, out, 10), -ENOSPC);
}

LIS_TEST(utf8_to_utf16_is_strict)
{
	u8 out[32];

	EXPECT_EQ(lis_utf8_to_utf16("a\xC3\xA9\xF0\x9F\x98\x80", 16, out, 16), 5);
	EXPECT_EQ(ic_get16(out + 2), 0xE9);
	EXPECT_EQ(ic_get16(out + 4), 0xD83D);
	EXPECT_EQ(ic_get16(out + 6), 0xDE00);
	EXPECT_EQ(ic_get16(out + 8), 0);
	/* overlong "/", a surrogate, a lone continuation, a cut sequence */
	EXPECT_EQ(lis_utf8_to_utf16("\xC0\xAF", 8, out, 16), -EINVAL);
	EXPECT_EQ(lis_utf8_to_utf16("\xED\xA0\x80", 8, out, 16), -EINVAL);
	EXPECT_EQ(lis_utf8_to_utf16("\x80", 8, out, 16), -EINVAL);
	EXPECT_EQ(lis_utf8_to_utf16("\xE2\x82", 8, out, 16), -EINVAL);
	/* no NUL within the field */
	EXPECT_EQ(lis_utf8_to_utf16("abcd", 4, out, 16), -EINVAL);
	EXPECT_EQ(lis_utf8_to_utf16("abcd", 8, out, 4), -ENOSPC);
}

/* ---- negotiation ---- */

static u32 neg_build(u8 *d, const u32 *fw, u32 nfw, const u32 *svc, u32 nsvc)
{
	u32 i, o = 8;

	memset(d, 0, 8);
	ic_put16(d, (u16)nfw);
	ic_put16(d + 2, (u16)nsvc);
	for (i = 0; i < nfw; i++, o += 4) {
		ic_put16(d + o, (u16)(fw[i] >> 16));
		ic_put16(d + o + 2, (u16)fw[i]);
	}
	for (i = 0; i < nsvc; i++, o += 4) {
		ic_put16(d + o, (u16)(svc[i] >> 16));
		ic_put16(d + o + 2, (u16)svc[i]);
	}
	return o;
}

static const u32 fw_ours[] = { 0x30000, 0x10000, 0 };
static const u32 svc_ours[] = { 0x40000, 0x30000, 0x10000, 0 };

LIS_TEST(negotiation_picks_our_newest_version_the_host_lists)
{
	const u32 fw[] = { 0x10000, 0x30000 }, svc[] = { 0x10000, 0x30000, 0x50000 };
	u8 d[64];
	u16 size = (u16)neg_build(d, fw, 2, svc, 3);
	u32 f, s;

	EXPECT_EQ(lis_ic_negotiate(d, sizeof(d), &size, fw_ours, svc_ours, &f, &s), 0);
	EXPECT_EQ(f, 0x30000);
	EXPECT_EQ(s, 0x30000);
	EXPECT_EQ(size, 16);
	EXPECT_EQ(ic_get16(d), 1);
	EXPECT_EQ(ic_get16(d + 2), 1);
	/* {major, minor} pairs */
	EXPECT_EQ(ic_get16(d + 8), 3);
	EXPECT_EQ(ic_get16(d + 10), 0);
	EXPECT_EQ(ic_get16(d + 12), 3);
	EXPECT_EQ(ic_get16(d + 14), 0);
}

LIS_TEST(negotiation_without_a_common_version_is_refused_with_zero_counts)
{
	const u32 fw[] = { 0x30000 }, svc[] = { 0x50000, 0x20000 };
	u8 d[64];
	u16 size = (u16)neg_build(d, fw, 1, svc, 2);
	u32 f = 1, s = 1;

	EXPECT_EQ(lis_ic_negotiate(d, sizeof(d), &size, fw_ours, svc_ours, &f, &s), 1);
	EXPECT_EQ(ic_get16(d), 0);
	EXPECT_EQ(ic_get16(d + 2), 0);
	EXPECT_EQ(f, 0);
	EXPECT_EQ(s, 0);
}

LIS_TEST(negotiation_with_counts_past_the_data_is_malformed)
{
	const u32 fw[] = { 0x30000 }, svc[] = { 0x30000 };
	u8 d[64];
	u16 size = (u16)neg_build(d, fw, 1, svc, 1);
	u32 f, s;

	ic_put16(d + 2, 200);
	EXPECT_EQ(lis_ic_negotiate(d, sizeof(d), &size, fw_ours, svc_ours, &f, &s), -EINVAL);
	ic_put16(d + 2, 0);
	EXPECT_EQ(lis_ic_negotiate(d, sizeof(d), &size, fw_ours, svc_ours, &f, &s), -EINVAL);
	size = 4;
	EXPECT_EQ(lis_ic_negotiate(d, sizeof(d), &size, fw_ours, svc_ours, &f, &s), -EINVAL);
}

/* ---- KVP towards the daemon and back ---- */

/* UTF-16LE of an ASCII string into p; bytes written with the NUL */
static u32 u16s(u8 *p, const char *s)
{
	u32 n = 0;

	do {
		ic_put16(p + 2 * n, (u8)s[n]);
	} while (s[n++]);
	return 2 * n;
}

/* a host KVP body: hdr {op, pool}, value record at 4 */
static u32 kvp_host(u8 *d, u8 op, u8 pool, const char *key, u32 type, const void *val,
		    u32 vsize)
{
	memset(d, 0, 7428);
	d[0] = op;
	d[1] = pool;
	if (op == LIS_KVP_OP_DELETE) {
		ic_put32(d + 4, u16s(d + 8, key));
		return 4 + 516;
	}
	if (op == LIS_KVP_OP_ENUMERATE) {
		ic_put32(d + 4, *(const u32 *)val);
		return 4 + 2576;
	}
	ic_put32(d + 4, type);
	if (key)
		ic_put32(d + 8, u16s(d + 16, key));
	if (val) {
		memcpy(d + 16 + 512, val, vsize);
		ic_put32(d + 12, vsize);
	}
	return 4 + 2572;
}

LIS_TEST(kvp_set_string_becomes_utf8_for_the_daemon)
{
	static u8 d[7428];
	static struct lis_kvp_dmsg m;
	u8 val[64];
	u32 vs = u16s(val, "v1");
	bool bad;

	kvp_host(d, LIS_KVP_OP_SET, LIS_KVP_POOL_EXTERNAL, "Key", LIS_KVP_REG_SZ, val, vs);
	EXPECT_EQ(lis_kvp_to_daemon(d, 2576, &m, &bad), 0);
	EXPECT(!bad);
	EXPECT_EQ(m.hdr.operation, LIS_KVP_OP_SET);
	EXPECT_EQ(m.hdr.pool, 0);
	EXPECT(!strcmp((char *)m.body.get.key, "Key"));
	EXPECT_EQ(le32_to_cpu(m.body.get.key_size), 4);
	EXPECT(!strcmp((char *)m.body.get.value, "v1"));
	EXPECT_EQ(le32_to_cpu(m.body.get.value_size), 3);
	EXPECT_EQ(le32_to_cpu(m.body.get.value_type), LIS_KVP_REG_SZ);
}

LIS_TEST(kvp_set_numbers_become_decimal_text)
{
	static u8 d[7428];
	static struct lis_kvp_dmsg m;
	u32 v32 = 4294967295u;
	u64 v64 = 18446744073709551615ull;
	bool bad;

	kvp_host(d, LIS_KVP_OP_SET, 0, "n", LIS_KVP_REG_U32, &v32, 4);
	EXPECT_EQ(lis_kvp_to_daemon(d, 2576, &m, &bad), 0);
	EXPECT(!strcmp((char *)m.body.get.value, "4294967295"));
	EXPECT_EQ(le32_to_cpu(m.body.get.value_type), LIS_KVP_REG_SZ);
	kvp_host(d, LIS_KVP_OP_SET, 0, "n", LIS_KVP_REG_QWORD, &v64, 8);
	EXPECT_EQ(lis_kvp_to_daemon(d, 2576, &m, &bad), 0);
	EXPECT(!strcmp((char *)m.body.get.value, "18446744073709551615"));
	kvp_host(d, LIS_KVP_OP_SET, 0, "n", LIS_KVP_REG_U64, &v64, 8);
	EXPECT_EQ(lis_kvp_to_daemon(d, 2576, &m, &bad), 0);
	/* a DWORD of the wrong size, an unknown type */
	kvp_host(d, LIS_KVP_OP_SET, 0, "n", LIS_KVP_REG_U32, &v64, 8);
	EXPECT_EQ(lis_kvp_to_daemon(d, 2576, &m, &bad), LIS_IC_E_FAIL);
	EXPECT(bad);
	kvp_host(d, LIS_KVP_OP_SET, 0, "n", 7, &v32, 4);
	EXPECT_EQ(lis_kvp_to_daemon(d, 2576, &m, &bad), LIS_IC_E_FAIL);
	EXPECT(bad);
}

LIS_TEST(kvp_refuses_bad_operations_pools_sizes_and_strings)
{
	static u8 d[7428];
	static struct lis_kvp_dmsg m;
	bool bad;
	u32 n;

	n = kvp_host(d, 6, 0, "k", LIS_KVP_REG_SZ, NULL, 0);
	EXPECT_EQ(lis_kvp_to_daemon(d, n, &m, &bad), LIS_IC_E_FAIL);
	EXPECT(bad);
	n = kvp_host(d, LIS_KVP_OP_GET, 5, "k", LIS_KVP_REG_SZ, NULL, 0);
	EXPECT_EQ(lis_kvp_to_daemon(d, n, &m, &bad), LIS_IC_E_FAIL);
	EXPECT(bad);
	/* shorter than the operation's body */
	n = kvp_host(d, LIS_KVP_OP_GET, 0, "k", LIS_KVP_REG_SZ, NULL, 0);
	EXPECT_EQ(lis_kvp_to_daemon(d, n - 1, &m, &bad), LIS_IC_E_FAIL);
	EXPECT(bad);
	/* KeySize past its array, odd, zero */
	ic_put32(d + 8, 1024);
	EXPECT_EQ(lis_kvp_to_daemon(d, n, &m, &bad), LIS_IC_E_FAIL);
	EXPECT(bad);
	ic_put32(d + 8, 3);
	EXPECT_EQ(lis_kvp_to_daemon(d, n, &m, &bad), LIS_IC_E_FAIL);
	EXPECT(bad);
	ic_put32(d + 8, 0);
	EXPECT_EQ(lis_kvp_to_daemon(d, n, &m, &bad), LIS_IC_E_FAIL);
	EXPECT(bad);
	/* a key with no NUL within its size */
	memset(d + 16, 'x', 512);
	ic_put32(d + 8, 512);
	EXPECT_EQ(lis_kvp_to_daemon(d, n, &m, &bad), LIS_IC_E_FAIL);
	EXPECT(bad);
	/* a lone surrogate */
	kvp_host(d, LIS_KVP_OP_GET, 0, "ab", LIS_KVP_REG_SZ, NULL, 0);
	ic_put16(d + 16, 0xDC00);
	EXPECT_EQ(lis_kvp_to_daemon(d, n, &m, &bad), LIS_IC_E_FAIL);
	EXPECT(bad);
}

LIS_TEST(kvp_key_too_long_for_utf8_fails_without_blaming_the_host)
{
	static u8 d[7428];
	static struct lis_kvp_dmsg m;
	bool bad;
	u32 i;

	kvp_host(d, LIS_KVP_OP_GET, 0, "k", LIS_KVP_REG_SZ, NULL, 0);
	/* 255 units of U+20AC: 765 bytes of UTF-8 do not fit 512 */
	for (i = 0; i < 255; i++)
		ic_put16(d + 16 + 2 * i, 0x20AC);
	ic_put16(d + 16 + 510, 0);
	ic_put32(d + 8, 512);
	EXPECT_EQ(lis_kvp_to_daemon(d, 2576, &m, &bad), LIS_IC_E_FAIL);
	EXPECT(!bad);
}

LIS_TEST(kvp_delete_and_enumerate_reach_the_daemon)
{
	static u8 d[7428];
	static struct lis_kvp_dmsg m;
	u32 idx = 7, n;
	bool bad;

	n = kvp_host(d, LIS_KVP_OP_DELETE, 3, "gone", 0, NULL, 0);
	EXPECT_EQ(lis_kvp_to_daemon(d, n, &m, &bad), 0);
	EXPECT(!strcmp((char *)m.body.del.key, "gone"));
	EXPECT_EQ(le32_to_cpu(m.body.del.key_size), 5);
	EXPECT_EQ(m.hdr.pool, 3);
	n = kvp_host(d, LIS_KVP_OP_ENUMERATE, 2, NULL, 0, &idx, 4);
	EXPECT_EQ(lis_kvp_to_daemon(d, n, &m, &bad), 0);
	EXPECT_EQ(le32_to_cpu(m.body.enumerate.index), 7);
}

LIS_TEST(kvp_get_and_enumerate_answers_come_back_as_utf16)
{
	static u8 d[7428];
	static struct lis_kvp_dmsg m;
	u32 idx = 0, n;

	n = kvp_host(d, LIS_KVP_OP_GET, 0, "k", LIS_KVP_REG_SZ, NULL, 0);
	memset(&m, 0, sizeof(m));
	strcpy((char *)m.body.get.value, "h\xC3\xA9");
	EXPECT_EQ(lis_kvp_from_daemon(&m, d, n), 0);
	EXPECT_EQ(ic_get32(d + 4), LIS_KVP_REG_SZ);
	EXPECT_EQ(ic_get32(d + 12), 6);		/* 2 units and the NUL */
	EXPECT_EQ(ic_get16(d + 16 + 512 + 2), 0xE9);

	n = kvp_host(d, LIS_KVP_OP_ENUMERATE, 1, NULL, 0, &idx, 4);
	strcpy((char *)m.body.enumerate.data.key, "name");
	strcpy((char *)m.body.enumerate.data.value, "value");
	EXPECT_EQ(lis_kvp_from_daemon(&m, d, n), 0);
	EXPECT_EQ(ic_get32(d + 8 + 4), 10);		/* KeySize */
	EXPECT_EQ(ic_get32(d + 8 + 8), 12);		/* ValueSize */
	EXPECT_EQ(ic_get16(d + 8 + 12), 'n');
	EXPECT_EQ(ic_get16(d + 8 + 524 + 6), 'u');

	/* the daemon's status passes through (end of an enumeration) */
	m.error = cpu_to_le32(LIS_IC_S_CONT);
	EXPECT_EQ(lis_kvp_from_daemon(&m, d, n), LIS_IC_S_CONT);
	/* a daemon string without its NUL fails the request */
	m.error = 0;
	memset(m.body.enumerate.data.value, 'x', sizeof(m.body.enumerate.data.value));
	EXPECT_EQ(lis_kvp_from_daemon(&m, d, n), LIS_IC_E_FAIL);
}

LIS_TEST(kvp_ip_info_both_ways)
{
	static u8 d[7428];
	static struct lis_kvp_dmsg m;
	bool bad;

	memset(d, 0, sizeof(d));
	d[0] = LIS_KVP_OP_SET_IP_INFO;
	u16s(d + 2, "00:15:5D:00:01:02");
	d[258] = LIS_KVP_ADDR_FAMILY_IPV4;
	d[259] = 0;
	u16s(d + 260, "10.0.0.5;10.0.0.6");
	u16s(d + 2308, "255.255.255.0;255.255.255.0");
	u16s(d + 4356, "10.0.0.1");
	u16s(d + 5380, "10.0.0.2");
	EXPECT_EQ(lis_kvp_to_daemon(d, sizeof(d), &m, &bad), 0);
	EXPECT(!strcmp((char *)m.body.ip.adapter_id, "00:15:5D:00:01:02"));
	EXPECT(!strcmp((char *)m.body.ip.ip_addr, "10.0.0.5;10.0.0.6"));
	EXPECT(!strcmp((char *)m.body.ip.gate_way, "10.0.0.1"));
	EXPECT(!strcmp((char *)m.body.ip.dns_addr, "10.0.0.2"));
	EXPECT_EQ(m.body.ip.addr_family, 1);
	/* an address family or DHCP flag of no meaning */
	d[258] = 9;
	EXPECT_EQ(lis_kvp_to_daemon(d, sizeof(d), &m, &bad), LIS_IC_E_FAIL);
	EXPECT(bad);
	d[258] = 1;
	d[259] = 2;
	EXPECT_EQ(lis_kvp_to_daemon(d, sizeof(d), &m, &bad), LIS_IC_E_FAIL);
	/* shorter than the IP message */
	d[259] = 0;
	EXPECT_EQ(lis_kvp_to_daemon(d, 7427, &m, &bad), LIS_IC_E_FAIL);

	/* GET_IP_INFO: the daemon's lists come back as UTF-16 */
	d[0] = LIS_KVP_OP_GET_IP_INFO;
	memset(&m, 0, sizeof(m));
	strcpy((char *)m.body.ip.adapter_id, "00:15:5D:00:01:02");
	strcpy((char *)m.body.ip.ip_addr, "192.168.1.9");
	strcpy((char *)m.body.ip.sub_net, "255.255.0.0");
	m.body.ip.addr_family = LIS_KVP_ADDR_FAMILY_IPV4;
	m.body.ip.dhcp_enabled = 1;
	EXPECT_EQ(lis_kvp_from_daemon(&m, d, sizeof(d)), 0);
	EXPECT_EQ(ic_get16(d + 260), '1');
	EXPECT_EQ(ic_get16(d + 260 + 2 * 11), 0);
	EXPECT_EQ(ic_get16(d + 2308 + 2 * 3), '.');
	EXPECT_EQ(d[259], 1);
}

/* ---- VSS and fcopy towards the daemon ---- */

LIS_TEST(vss_freeze_thaw_and_hot_backup_go_to_the_daemon_the_rest_is_answered)
{
	u8 d[12];
	u32 st;
	bool bad;
	u8 op;

	for (op = 0; op < 12; op++) {
		memset(d, 0, sizeof(d));
		d[0] = op;
		ic_put32(d + 8, 0xffffffff);
		switch (lis_vss_classify(d, sizeof(d), &st, &bad)) {
		case LIS_VSS_TO_DAEMON:
			EXPECT(op == 2 || op == 5 || op == 6);
			break;
		case LIS_VSS_ANSWER:
			if (op > 8) {
				EXPECT(bad);
				EXPECT_EQ(st, LIS_IC_E_FAIL);
			} else if (op == 8) {
				EXPECT_EQ(st, LIS_IC_E_NOT_SUPPORTED);
			} else {
				EXPECT_EQ(st, 0);
				EXPECT(op != 2 && op != 5 && op != 6);
			}
			if (op == 3)
				EXPECT_EQ(ic_get32(d + 8), 0);
			break;
		}
	}
	EXPECT_EQ(lis_vss_classify(d, 11, &st, &bad), LIS_VSS_ANSWER);
	EXPECT(bad);
}

LIS_TEST(vss_hot_backup_answer_says_no_auto_recovery)
{
	struct lis_vss_msg reply;
	u8 d[12] = { LIS_VSS_OP_HOT_BACKUP };

	memset(&reply, 0, sizeof(reply));
	EXPECT_EQ(lis_vss_from_daemon(&reply, d, sizeof(d)), 0);
	EXPECT_EQ(ic_get32(d + 8), LIS_VSS_HBU_NO_AUTO_RECOVERY);
	reply.error = cpu_to_le32(LIS_IC_E_FAIL);
	EXPECT_EQ(lis_vss_from_daemon(&reply, d, sizeof(d)), LIS_IC_E_FAIL);
}

static u32 fcopy_start(u8 *d, const char *name, const char *path, u32 flags, u64 size)
{
	memset(d, 0, 1088);
	ic_put32(d, LIS_FCOPY_OP_START);
	u16s(d + 36, name);
	u16s(d + 556, path);
	ic_put32(d + 1076, flags);
	ic_put64(d + 1080, size);
	return 1088;
}

LIS_TEST(fcopy_start_names_become_utf8_and_writes_keep_their_data)
{
	static u8 d[6196], out[LIS_FCOPY_DMSG_MAX];
	u32 len = 0;
	bool bad;

	fcopy_start(d, "f.txt", "/tmp/x", LIS_FCOPY_OVERWRITE, 12345);
	EXPECT_EQ(lis_fcopy_to_daemon(d, 1088, out, &len, &bad), 0);
	EXPECT_EQ(len, 1088);
	EXPECT(!strcmp((char *)out + 36, "f.txt"));
	EXPECT(!strcmp((char *)out + 556, "/tmp/x"));
	EXPECT_EQ(ic_get32(out + 1076), LIS_FCOPY_OVERWRITE);
	EXPECT_EQ(ic_get64(out + 1080), 12345);

	memset(d, 0, sizeof(d));
	ic_put32(d, LIS_FCOPY_OP_WRITE);
	ic_put64(d + 40, 4096);
	ic_put32(d + 48, 3);
	memcpy(d + 52, "abcZZZ", 6);
	EXPECT_EQ(lis_fcopy_to_daemon(d, 60, out, &len, &bad), 0);
	EXPECT_EQ(len, 6196);
	EXPECT(!memcmp(out + 52, "abc", 3));
	EXPECT_EQ(out[55], 0);	/* nothing past Size */
	EXPECT_EQ(ic_get64(out + 40), 4096);

	ic_put32(d, LIS_FCOPY_OP_COMPLETE);
	EXPECT_EQ(lis_fcopy_to_daemon(d, 36, out, &len, &bad), 0);
	EXPECT_EQ(len, 36);
}

LIS_TEST(fcopy_refuses_bad_operations_flags_sizes_and_names)
{
	static u8 d[6196], out[LIS_FCOPY_DMSG_MAX];
	u32 len;
	bool bad;

	fcopy_start(d, "f", "/tmp", 0xEE, 1);
	EXPECT_EQ(lis_fcopy_to_daemon(d, 1088, out, &len, &bad), LIS_IC_E_FAIL);
	EXPECT(bad);
	fcopy_start(d, "f", "/tmp", 0, 1);
	EXPECT_EQ(lis_fcopy_to_daemon(d, 1087, out, &len, &bad), LIS_IC_E_FAIL);
	EXPECT(bad);
	/* a name filling its field without a NUL */
	memset(d + 36, 'a', 520);
	EXPECT_EQ(lis_fcopy_to_daemon(d, 1088, out, &len, &bad), LIS_IC_E_FAIL);
	EXPECT(bad);
	memset(d, 0, sizeof(d));
	ic_put32(d, LIS_FCOPY_OP_WRITE);
	ic_put32(d + 48, 6145);
	EXPECT_EQ(lis_fcopy_to_daemon(d, 6196, out, &len, &bad), LIS_IC_E_FAIL);
	EXPECT(bad);
	/* Size past the packet */
	ic_put32(d + 48, 100);
	EXPECT_EQ(lis_fcopy_to_daemon(d, 100, out, &len, &bad), LIS_IC_E_FAIL);
	EXPECT(bad);
	ic_put32(d, 4);
	EXPECT_EQ(lis_fcopy_to_daemon(d, 6196, out, &len, &bad), LIS_IC_E_FAIL);
	EXPECT(bad);
	EXPECT_EQ(lis_fcopy_to_daemon(d, 35, out, &len, &bad), LIS_IC_E_FAIL);
}

/* ---- daemon endpoints ---- */

struct tdaemon {
	pthread_mutex_t lock;
	unsigned int wakes, arms, cancels;
	int err;
	unsigned int calls;
	u8 reply[8192];
	u32 reply_len;
	u64 cookie;
};

static void td_wake(void *ctx)
{
	struct tdaemon *t = ctx;

	pthread_mutex_lock(&t->lock);
	t->wakes++;
	pthread_mutex_unlock(&t->lock);
}

static void td_arm(void *ctx, u32 ms)
{
	struct tdaemon *t = ctx;

	pthread_mutex_lock(&t->lock);
	t->arms++;
	pthread_mutex_unlock(&t->lock);
}

static void td_cancel(void *ctx)
{
	struct tdaemon *t = ctx;

	pthread_mutex_lock(&t->lock);
	t->cancels++;
	pthread_mutex_unlock(&t->lock);
}

static const struct lis_icd_ops td_ops = {
	.wake = td_wake, .arm_timer = td_arm, .cancel_timer = td_cancel,
};

static void td_done(void *ctx, u64 cookie, int err, const void *reply, u32 len)
{
	struct tdaemon *t = ctx;

	pthread_mutex_lock(&t->lock);
	t->calls++;
	t->err = err;
	t->cookie = cookie;
	t->reply_len = len;
	if (reply && len <= sizeof(t->reply))
		memcpy(t->reply, reply, len);
	pthread_mutex_unlock(&t->lock);
}

static struct lis_icd *td_create(struct tdaemon *t, enum lis_icd_kind kind)
{
	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
	return lis_icd_create(kind, &td_ops, t, "9.9.9");
}

LIS_TEST(daemon_registrations_are_answered_as_the_fact_sheet_says)
{
	static struct lis_kvp_dmsg kvp;
	struct tdaemon t;
	struct lis_icd *d;
	u8 vss[12], buf[8192];
	u32 v;

	d = td_create(&t, LIS_ICD_KVP);
	ASSERT(d);
	EXPECT_EQ(lis_icd_open(d), 0);
	EXPECT_EQ(lis_icd_open(d), -EBUSY);
	memset(&kvp, 0, sizeof(kvp));
	kvp.hdr.operation = LIS_KVP_OP_REGISTER1;
	EXPECT_EQ(lis_icd_write(d, &kvp, 100), -EINVAL);	/* not a whole message */
	EXPECT(!lis_icd_registered(d));
	EXPECT_EQ(lis_icd_write(d, &kvp, sizeof(kvp)), (long)sizeof(kvp));
	EXPECT(lis_icd_registered(d));
	EXPECT(lis_icd_readable(d));
	EXPECT_EQ(lis_icd_read(d, buf, 100), -EINVAL);		/* too small: stays */
	EXPECT_EQ(lis_icd_read(d, buf, sizeof(buf)), 7432);
	EXPECT_EQ(buf[0], LIS_KVP_OP_REGISTER1);
	EXPECT(!strcmp((char *)buf + 4, "9.9.9"));
	EXPECT_EQ(lis_icd_read(d, buf, sizeof(buf)), -EAGAIN);
	lis_icd_release(d);
	/* legacy registration: no answer */
	EXPECT_EQ(lis_icd_open(d), 0);
	kvp.hdr.operation = LIS_KVP_OP_REGISTER;
	EXPECT_EQ(lis_icd_write(d, &kvp, sizeof(kvp)), (long)sizeof(kvp));
	EXPECT(lis_icd_registered(d));
	EXPECT_EQ(lis_icd_read(d, buf, sizeof(buf)), -EAGAIN);
	lis_icd_release(d);
	lis_icd_destroy(d);

	d = td_create(&t, LIS_ICD_VSS);
	EXPECT_EQ(lis_icd_open(d), 0);
	memset(vss, 0, sizeof(vss));
	vss[0] = 5;		/* not a registration */
	EXPECT_EQ(lis_icd_write(d, vss, sizeof(vss)), -EINVAL);
	vss[0] = LIS_VSS_OP_REGISTER1;
	EXPECT_EQ(lis_icd_write(d, vss, sizeof(vss)), 12);
	EXPECT_EQ(lis_icd_read(d, buf, sizeof(buf)), 4);
	EXPECT_EQ(ic_get32(buf), 129);
	lis_icd_release(d);
	lis_icd_destroy(d);

	d = td_create(&t, LIS_ICD_FCOPY);
	EXPECT_EQ(lis_icd_open(d), 0);
	v = 7;
	EXPECT_EQ(lis_icd_write(d, &v, 4), -EINVAL);
	v = 1;
	EXPECT_EQ(lis_icd_write(d, &v, 4), 4);
	EXPECT_EQ(lis_icd_read(d, buf, sizeof(buf)), 4);
	EXPECT_EQ(ic_get32(buf), 1);
	lis_icd_release(d);
	lis_icd_destroy(d);
}

static void td_register_fcopy(struct lis_icd *d)
{
	u32 v = 1;
	u8 buf[8];

	lis_icd_open(d);
	lis_icd_write(d, &v, 4);
	lis_icd_read(d, buf, sizeof(buf));
}

LIS_TEST(daemon_gets_a_request_queued_before_it_registered)
{
	struct tdaemon t;
	struct lis_icd *d = td_create(&t, LIS_ICD_FCOPY);
	u8 msg[36] = { 3 }, buf[8192];
	u32 status = 0x80070050;

	ASSERT(d);
	EXPECT_EQ(lis_icd_submit(d, msg, sizeof(msg), 5000, td_done, &t, 42), 0);
	EXPECT_EQ(lis_icd_submit(d, msg, sizeof(msg), 5000, td_done, &t, 43), -EBUSY);
	EXPECT(!lis_icd_readable(d));
	td_register_fcopy(d);
	EXPECT(lis_icd_readable(d));
	EXPECT_EQ(lis_icd_read(d, buf, sizeof(buf)), 36);
	EXPECT_EQ(buf[0], 3);
	/* a wrong-sized answer is refused; the request stays */
	EXPECT_EQ(lis_icd_write(d, &status, 2), -EINVAL);
	EXPECT_EQ(t.calls, 0);
	EXPECT_EQ(lis_icd_write(d, &status, 4), 4);
	EXPECT_EQ(t.calls, 1);
	EXPECT_EQ(t.err, 0);
	EXPECT_EQ(t.cookie, 42);
	EXPECT_EQ(ic_get32(t.reply), 0x80070050);
	/* nothing asked: an answer is refused */
	EXPECT_EQ(lis_icd_write(d, &status, 4), -EINVAL);
	lis_icd_release(d);
	lis_icd_destroy(d);
}

LIS_TEST(daemon_request_without_a_daemon_times_out_cleanly)
{
	struct tdaemon t;
	struct lis_icd *d = td_create(&t, LIS_ICD_VSS);
	u8 msg[12] = { 5 };

	ASSERT(d);
	/* 300 ms: the early timer below must come before the deadline even
	 * when this thread is held up on a loaded machine */
	EXPECT_EQ(lis_icd_submit(d, msg, sizeof(msg), 300, td_done, &t, 1), 0);
	EXPECT_EQ(t.arms, 1);
	/* an early timer does nothing but re-arm */
	lis_icd_timeout(d);
	EXPECT_EQ(t.calls, 0);
	EXPECT_EQ(t.arms, 2);
	lis_msleep(310);			/* past the deadline (a sleep only lasts longer) */
	lis_icd_timeout(d);
	EXPECT_EQ(t.calls, 1);
	EXPECT_EQ(t.err, -ETIMEDOUT);
	/* the endpoint is free again */
	EXPECT_EQ(lis_icd_submit(d, msg, sizeof(msg), 30, td_done, &t, 2), 0);
	lis_icd_cancel(d, &t);
	EXPECT_EQ(t.calls, 1);
	lis_icd_destroy(d);
}

LIS_TEST(daemon_that_dies_after_reading_fails_the_request_at_once)
{
	struct tdaemon t;
	struct lis_icd *d = td_create(&t, LIS_ICD_FCOPY);
	u8 msg[36] = { 2 }, buf[64];

	ASSERT(d);
	td_register_fcopy(d);
	EXPECT_EQ(lis_icd_submit(d, msg, sizeof(msg), 5000, td_done, &t, 9), 0);
	EXPECT_EQ(lis_icd_read(d, buf, sizeof(buf)), 36);
	lis_icd_release(d);
	EXPECT_EQ(t.calls, 1);
	EXPECT_EQ(t.err, -EPIPE);
	lis_icd_destroy(d);
}

LIS_TEST(daemon_answer_after_the_timeout_is_taken_and_dropped)
{
	struct tdaemon t;
	struct lis_icd *d = td_create(&t, LIS_ICD_FCOPY);
	struct lis_icd_stats st;
	u8 msg[36] = { 2 }, buf[64];
	u32 status = 0;

	ASSERT(d);
	td_register_fcopy(d);
	EXPECT_EQ(lis_icd_submit(d, msg, sizeof(msg), 1, td_done, &t, 9), 0);
	EXPECT_EQ(lis_icd_read(d, buf, sizeof(buf)), 36);
	lis_msleep(5);
	lis_icd_timeout(d);
	EXPECT_EQ(t.err, -ETIMEDOUT);
	EXPECT_EQ(lis_icd_write(d, &status, 4), 4);
	EXPECT_EQ(t.calls, 1);
	lis_icd_get_stats(d, &st);
	EXPECT_EQ(st.late, 1);
	EXPECT_EQ(st.timeouts, 1);
	lis_icd_release(d);
	lis_icd_destroy(d);
}

/* ---- end to end: the core on a channel, a raw IC host in hostsim ---- */

#define RAW_MAX		16384

struct rawic {
	pthread_mutex_t lock;
	struct hs_channel *ch;
	unsigned int answers;
	u8 ans[RAW_MAX];
	u32 ans_len;
	u64 ans_tid;
	u16 ans_type, ans_flags;
	unsigned int base;	/* answers before the one awaited */
};

static void raw_ready(struct hs_channel *ch)
{
	struct rawic *r = hs_device_priv(hs_channel_device(ch));
	struct hs_packet p;

	while (hs_channel_recv(ch, &p) == 1) {
		pthread_mutex_lock(&r->lock);
		r->ans_len = p.payload_len < RAW_MAX ? p.payload_len : RAW_MAX;
		memcpy(r->ans, p.payload, r->ans_len);
		r->ans_tid = p.trans_id;
		r->ans_type = p.type;
		r->ans_flags = p.flags;
		r->answers++;
		pthread_mutex_unlock(&r->lock);
	}
}

static void raw_opened(struct hs_channel *ch, const uint8_t *ud)
{
	struct rawic *r = hs_device_priv(hs_channel_device(ch));

	pthread_mutex_lock(&r->lock);
	r->ch = ch;
	pthread_mutex_unlock(&r->lock);
}

static const struct hs_device_ops raw_ops = { .opened = raw_opened, .ready = raw_ready };

/* an IC message: header at the fact sheet's offsets, then data; total
 * length padded to 8 */
static u32 raw_msg(u8 *m, u16 type, u32 ver, const void *data, u32 dlen, u16 dsize_field)
{
	u32 len = LIS_ALIGN_UP(28 + dlen, 8u);

	memset(m, 0, len);
	ic_put32(m + 0, 1);
	ic_put32(m + 4, len - 8);
	ic_put16(m + 8, 3);			/* framework 3.0 */
	ic_put16(m + 12, type);
	ic_put16(m + 14, (u16)(ver >> 16));
	ic_put16(m + 16, (u16)ver);
	ic_put16(m + 18, dsize_field);
	m[24] = 0x5A;				/* echoed */
	m[25] = LIS_IC_FLAG_TRANSACTION | LIS_IC_FLAG_REQUEST;
	memcpy(m + 28, data, dlen);
	return len;
}

/* send and wait for the answer; 0 or -ETIMEDOUT */
static int raw_request(struct rawic *r, const u8 *m, u32 len, u64 tid, unsigned int ms)
{
	u64 end = lis_time_ms() + ms;
	unsigned int before;
	struct hs_channel *ch;

	pthread_mutex_lock(&r->lock);
	before = r->answers;
	ch = r->ch;
	pthread_mutex_unlock(&r->lock);
	if (!ch || hs_channel_send(ch, LIS_VMBUS_PKT_DATA_INBAND, 0, tid, m, len))
		return -EIO;
	while (lis_time_ms() < end) {
		pthread_mutex_lock(&r->lock);
		if (r->answers != before) {
			pthread_mutex_unlock(&r->lock);
			return 0;
		}
		pthread_mutex_unlock(&r->lock);
		lis_msleep(1);
	}
	return -ETIMEDOUT;
}

/* the guest: one IC with our ops */
struct tguest {
	struct lis_ic_config cfg;
	struct lis_ic *ic;
	int open_ret;
	/* ops record */
	pthread_mutex_t lock;
	unsigned int power_calls, samples;
	enum lis_ic_power power;
	u64 host_time;
	bool sync;
	u64 ref_now;
};

static struct tguest guest;

static void tg_power(void *ctx, enum lis_ic_power a, bool force)
{
	pthread_mutex_lock(&guest.lock);
	guest.power = a;
	guest.power_calls++;
	pthread_mutex_unlock(&guest.lock);
}

static void tg_sample(void *ctx, u64 t, bool sync)
{
	pthread_mutex_lock(&guest.lock);
	guest.host_time = t;
	guest.sync = sync;
	guest.samples++;
	pthread_mutex_unlock(&guest.lock);
}

static u64 tg_ref(void *ctx)
{
	return guest.ref_now;
}

static const struct lis_ic_ops tg_ops = {
	.power = tg_power, .time_sample = tg_sample, .reference_time = tg_ref,
};

static int tg_probe(struct tenv *env, struct lis_channel *ch)
{
	guest.open_ret = lis_ic_open(ch, &guest.cfg, &guest.ic);
	return guest.open_ret;
}

struct rig {
	struct tenv *env;
	struct rawic raw;
	struct hs_device *dev;
};

static const char *const ic_class[LIS_IC_NR_SERVICES] = {
	[LIS_IC_HEARTBEAT] = "{57164f39-9115-4e78-ab55-382f3bd5422d}",
	[LIS_IC_SHUTDOWN] = "{0e0b6031-5213-4934-818b-38d90ced39db}",
	[LIS_IC_TIMESYNC] = "{9527e630-d0ae-497b-adce-e80ab0175caf}",
	[LIS_IC_KVP] = "{a9a0f4e7-5a45-4d96-b827-8a841e8c03e6}",
	[LIS_IC_VSS] = "{35fa2e29-ea23-4236-96ae-3a6ebacba440}",
	[LIS_IC_FCOPY] = "{34d14be3-dee4-41c8-9ae7-6b174977c192}",
};

static bool raw_open(struct hs_host *h, void *arg)
{
	struct rawic *r = arg;
	bool open;

	pthread_mutex_lock(&r->lock);
	open = r->ch != NULL;
	pthread_mutex_unlock(&r->lock);
	return open;
}

static int rig_up(struct rig *g, enum lis_ic_service svc, struct lis_icd *daemon, bool hibernate)
{
	struct tdriver drv = { .probe = tg_probe };
	struct hs_offer off;

	memset(g, 0, sizeof(*g));
	memset(&guest, 0, sizeof(guest));
	pthread_mutex_init(&guest.lock, NULL);
	pthread_mutex_init(&g->raw.lock, NULL);
	guest.cfg.service = svc;
	guest.cfg.ops = &tg_ops;
	guest.cfg.daemon = daemon;
	guest.cfg.daemon_timeout_ms = 300;
	guest.cfg.hibernate = hibernate;
	g->env = tenv_create(NULL);
	if (!g->env)
		return -1;
	tguid(ic_class[svc], drv.class_id.b);
	tenv_add_driver(g->env, &drv);
	memset(&off, 0, sizeof(off));
	tguid(ic_class[svc], off.class_guid);
	off.instance_guid[0] = 0x11;
	g->dev = hs_device_add(tenv_host(g->env), &off, &raw_ops, &g->raw);
	if (!g->dev || tenv_boot(g->env) || !guest.ic)
		return -1;
	return hs_wait(tenv_host(g->env), raw_open, &g->raw, 2000) ? 0 : -1;
}

static void rig_down(struct rig *g)
{
	lis_ic_close(guest.ic);
	guest.ic = NULL;
	tenv_destroy(g->env);
}

/* negotiate framework 3.0 and `ver`; returns the answer's status */
static u32 rig_negotiate(struct rig *g, u32 ver)
{
	const u32 fw[] = { 0x30000, 0x10000 };
	u8 data[64], m[128];
	u32 n = neg_build(data, fw, 2, &ver, 1), len;

	len = raw_msg(m, LIS_IC_TYPE_NEGOTIATE, 0, data, n, (u16)n);
	if (raw_request(&g->raw, m, len, 77, 2000))
		return 0xdead;
	return ic_get32(g->raw.ans + 20);
}

static struct lis_ic_stats ic_stats(void)
{
	struct lis_ic_stats st;

	lis_ic_get_stats(guest.ic, &st);
	return st;
}

LIS_TEST(ic_answers_negotiate_in_place_with_the_chosen_versions)
{
	const u32 fw[] = { 0x10000, 0x30000 }, svc[] = { 0x10000, 0x30000 };
	struct rig g;
	u8 data[64], m[128];
	u32 n, len;

	ASSERT(rig_up(&g, LIS_IC_HEARTBEAT, NULL, false) == 0);
	n = neg_build(data, fw, 2, svc, 2);
	len = raw_msg(m, LIS_IC_TYPE_NEGOTIATE, 0, data, n, (u16)n);
	ASSERT(raw_request(&g.raw, m, len, 0x1234, 2000) == 0);
	EXPECT_EQ(g.raw.ans_len, len);
	EXPECT_EQ(g.raw.ans_tid, 0x1234);
	EXPECT_EQ(g.raw.ans_type, LIS_VMBUS_PKT_DATA_INBAND);
	EXPECT_EQ(g.raw.ans_flags, 0);
	EXPECT_EQ(g.raw.ans[25], LIS_IC_FLAG_TRANSACTION | LIS_IC_FLAG_RESPONSE);
	EXPECT_EQ(g.raw.ans[24], 0x5A);
	EXPECT_EQ(ic_get32(g.raw.ans + 20), 0);
	EXPECT_EQ(ic_get16(g.raw.ans + 18), 16);
	EXPECT_EQ(ic_get16(g.raw.ans + 28), 1);
	EXPECT_EQ(ic_get16(g.raw.ans + 30), 1);
	EXPECT_EQ(ic_get16(g.raw.ans + 36), 3);
	EXPECT_EQ(ic_get16(g.raw.ans + 40), 3);
	/* the pipe header is ours to leave alone */
	EXPECT_EQ(ic_get32(g.raw.ans), 1);
	EXPECT_EQ(ic_stats().version, 0x30000);
	rig_down(&g);
}

LIS_TEST(ic_refused_negotiation_leaves_the_service_off)
{
	struct rig g;
	u8 data[8] = { 0 }, m[64];
	u32 len;

	ASSERT(rig_up(&g, LIS_IC_HEARTBEAT, NULL, false) == 0);
	EXPECT_EQ(rig_negotiate(&g, 0x70000), 0);
	EXPECT_EQ(ic_get16(g.raw.ans + 28), 0);
	EXPECT_EQ(ic_get16(g.raw.ans + 30), 0);
	EXPECT(ic_stats().refused);
	len = raw_msg(m, LIS_IC_TYPE_HEARTBEAT, 0x30000, data, 8, 8);
	ASSERT(raw_request(&g.raw, m, len, 1, 2000) == 0);
	EXPECT_EQ(ic_get32(g.raw.ans + 20), LIS_IC_E_FAIL);
	/* and a later NEGOTIATE can still succeed */
	EXPECT_EQ(rig_negotiate(&g, 0x30000), 0);
	EXPECT(!ic_stats().refused);
	rig_down(&g);
}

LIS_TEST(ic_request_before_negotiation_fails)
{
	struct rig g;
	u8 data[40] = { 0 }, m[128];
	u32 len;

	ASSERT(rig_up(&g, LIS_IC_HEARTBEAT, NULL, false) == 0);
	len = raw_msg(m, LIS_IC_TYPE_HEARTBEAT, 0x30000, data, 40, 40);
	ASSERT(raw_request(&g.raw, m, len, 1, 2000) == 0);
	EXPECT_EQ(ic_get32(g.raw.ans + 20), LIS_IC_E_FAIL);
	EXPECT_EQ(ic_stats().protocol_errors, 1);
	rig_down(&g);
}

LIS_TEST(heartbeat_adds_one_and_keeps_the_rest)
{
	struct rig g;
	u8 data[40], m[128];
	u32 len;

	ASSERT(rig_up(&g, LIS_IC_HEARTBEAT, NULL, false) == 0);
	ASSERT(rig_negotiate(&g, 0x30000) == 0);
	memset(data, 0xA5, sizeof(data));
	ic_put64(data, 41);
	len = raw_msg(m, LIS_IC_TYPE_HEARTBEAT, 0x30000, data, 40, 40);
	ASSERT(raw_request(&g.raw, m, len, 2, 2000) == 0);
	EXPECT_EQ(ic_get64(g.raw.ans + 28), 42);
	EXPECT_EQ(g.raw.ans[28 + 8], 0xA5);
	EXPECT_EQ(g.raw.ans[28 + 39], 0xA5);
	EXPECT_EQ(ic_get32(g.raw.ans + 20), 0);
	/* the OpenVMM size (16) and the minimum (8) work too */
	len = raw_msg(m, LIS_IC_TYPE_HEARTBEAT, 0x30000, data, 8, 8);
	ASSERT(raw_request(&g.raw, m, len, 3, 2000) == 0);
	EXPECT_EQ(ic_get64(g.raw.ans + 28), 42);
	EXPECT_EQ(ic_stats().heartbeat_seq, 42);
	rig_down(&g);
}

LIS_TEST(ic_malformed_messages_are_failed_or_dropped_and_counted)
{
	struct rig g;
	u8 data[64] = { 0 }, m[128];
	unsigned int before;
	u32 len;

	ASSERT(rig_up(&g, LIS_IC_HEARTBEAT, NULL, false) == 0);
	ASSERT(rig_negotiate(&g, 0x30000) == 0);
	port_log_clear();
	/* data size claims more than the packet has */
	len = raw_msg(m, LIS_IC_TYPE_HEARTBEAT, 0x30000, data, 8, 64);
	ASSERT(raw_request(&g.raw, m, len, 4, 2000) == 0);
	EXPECT_EQ(ic_get32(g.raw.ans + 20), LIS_IC_E_FAIL);
	/* another IC's type */
	len = raw_msg(m, 99, 0x30000, data, 8, 8);
	ASSERT(raw_request(&g.raw, m, len, 5, 2000) == 0);
	EXPECT_EQ(ic_get32(g.raw.ans + 20), LIS_IC_E_FAIL);
	/* data shorter than the body */
	len = raw_msg(m, LIS_IC_TYPE_HEARTBEAT, 0x30000, data, 8, 4);
	ASSERT(raw_request(&g.raw, m, len, 6, 2000) == 0);
	EXPECT_EQ(ic_get32(g.raw.ans + 20), LIS_IC_E_FAIL);
	/* too short for a header, and a response instead of a request:
	 * dropped, no answer */
	before = g.raw.answers;
	EXPECT_EQ(raw_request(&g.raw, m, 16, 7, 200), -ETIMEDOUT);
	len = raw_msg(m, LIS_IC_TYPE_HEARTBEAT, 0x30000, data, 8, 8);
	m[25] = LIS_IC_FLAG_TRANSACTION | LIS_IC_FLAG_RESPONSE;
	EXPECT_EQ(raw_request(&g.raw, m, len, 8, 200), -ETIMEDOUT);
	EXPECT_EQ(g.raw.answers, before);
	EXPECT_EQ(ic_stats().protocol_errors, 5);
	EXPECT(port_log_contains("hv_utils: heartbeat:"));
	/* still answering afterwards */
	len = raw_msg(m, LIS_IC_TYPE_HEARTBEAT, 0x30000, data, 8, 8);
	ASSERT(raw_request(&g.raw, m, len, 9, 2000) == 0);
	EXPECT_EQ(ic_get32(g.raw.ans + 20), 0);
	rig_down(&g);
}

static u32 shutdown_req(struct rig *g, u32 flags, const char *text, u32 text_len)
{
	u8 data[2060], m[2200];
	u32 len;

	memset(data, 0, sizeof(data));
	ic_put32(data, 0x80000000);
	ic_put32(data + 8, flags);
	if (text)
		memcpy(data + 12, text, text_len);
	len = raw_msg(m, LIS_IC_TYPE_SHUTDOWN, 0x30002, data, sizeof(data), sizeof(data));
	if (raw_request(&g->raw, m, len, 10, 2000))
		return 0xdead;
	return ic_get32(g->raw.ans + 20);
}

static bool powered(struct tenv *env, void *arg)
{
	bool r;

	pthread_mutex_lock(&guest.lock);
	r = guest.power_calls > 0;
	pthread_mutex_unlock(&guest.lock);
	return r;
}

LIS_TEST(shutdown_answers_then_powers_off_or_reboots)
{
	struct rig g;

	ASSERT(rig_up(&g, LIS_IC_SHUTDOWN, NULL, false) == 0);
	ASSERT(rig_negotiate(&g, 0x30001) == 0);
	EXPECT_EQ(shutdown_req(&g, LIS_IC_SHUTDOWN_FORCE, "Maintenance", 12), 0);
	EXPECT(tenv_wait(g.env, powered, NULL, 2000));
	EXPECT_EQ(guest.power, LIS_IC_POWER_OFF);
	guest.power_calls = 0;
	EXPECT_EQ(shutdown_req(&g, LIS_IC_SHUTDOWN_RESTART, NULL, 0), 0);
	EXPECT(tenv_wait(g.env, powered, NULL, 2000));
	EXPECT_EQ(guest.power, LIS_IC_POWER_REBOOT);
	rig_down(&g);
}

LIS_TEST(shutdown_without_hibernation_neither_offers_3_2_nor_hibernates)
{
	struct rig g;

	ASSERT(rig_up(&g, LIS_IC_SHUTDOWN, NULL, false) == 0);
	/* 3.2 only: refused */
	EXPECT_EQ(rig_negotiate(&g, 0x30002), 0);
	EXPECT(ic_stats().refused);
	ASSERT(rig_negotiate(&g, 0x30001) == 0);
	EXPECT_EQ(shutdown_req(&g, LIS_IC_SHUTDOWN_HIBERNATE, NULL, 0), LIS_IC_E_FAIL);
	lis_msleep(50);
	EXPECT_EQ(guest.power_calls, 0);
	rig_down(&g);
}

LIS_TEST(shutdown_hibernates_where_it_can)
{
	struct rig g;

	ASSERT(rig_up(&g, LIS_IC_SHUTDOWN, NULL, true) == 0);
	ASSERT(rig_negotiate(&g, 0x30002) == 0);
	EXPECT_EQ(shutdown_req(&g, LIS_IC_SHUTDOWN_HIBERNATE, NULL, 0), 0);
	EXPECT(tenv_wait(g.env, powered, NULL, 2000));
	EXPECT_EQ(guest.power, LIS_IC_POWER_HIBERNATE);
	rig_down(&g);
}

LIS_TEST(shutdown_refuses_unknown_flags_and_unterminated_text)
{
	static char text[2048];
	struct rig g;

	ASSERT(rig_up(&g, LIS_IC_SHUTDOWN, NULL, true) == 0);
	ASSERT(rig_negotiate(&g, 0x30002) == 0);
	EXPECT_EQ(shutdown_req(&g, 0xEE, NULL, 0), LIS_IC_E_FAIL);
	EXPECT_EQ(shutdown_req(&g, LIS_IC_SHUTDOWN_RESTART | LIS_IC_SHUTDOWN_HIBERNATE, NULL, 0),
		  LIS_IC_E_FAIL);
	memset(text, 'x', sizeof(text));
	EXPECT_EQ(shutdown_req(&g, 0, text, sizeof(text)), LIS_IC_E_FAIL);
	lis_msleep(50);
	EXPECT_EQ(guest.power_calls, 0);
	EXPECT_EQ(ic_stats().protocol_errors, 3);
	rig_down(&g);
}

static u32 timesync_req(struct rig *g, u32 ver, u64 parent, u64 ref, u8 flags)
{
	u8 data[32], m[96];
	u32 len, n;

	memset(data, 0, sizeof(data));
	ic_put64(data, parent);
	if (ver >= 0x40000) {
		ic_put64(data + 8, ref);
		data[16] = flags;
		n = 22;
	} else {
		data[24] = flags;
		n = 25;
	}
	len = raw_msg(m, LIS_IC_TYPE_TIMESYNC, ver, data, n, (u16)n);
	if (raw_request(&g->raw, m, len, 11, 2000))
		return 0xdead;
	/* the data comes back unchanged */
	if (memcmp(g->raw.ans + 28, data, n))
		return 0xbad;
	return ic_get32(g->raw.ans + 20);
}

LIS_TEST(timesync_v4_corrects_for_the_time_in_transit)
{
	const u64 t = LIS_IC_TIME_UNIX_EPOCH + 17000000000000000ull;
	struct rig g;

	ASSERT(rig_up(&g, LIS_IC_TIMESYNC, NULL, false) == 0);
	ASSERT(rig_negotiate(&g, 0x40000) == 0);
	guest.ref_now = 5000 + 1234;
	EXPECT_EQ(timesync_req(&g, 0x40000, t, 5000, LIS_IC_TIMESYNC_SYNC), 0);
	EXPECT_EQ(guest.samples, 1);
	EXPECT_EQ(guest.host_time, t + 1234);
	EXPECT(guest.sync);
	/* a reference time from the future, or none: no correction */
	guest.ref_now = 10;
	EXPECT_EQ(timesync_req(&g, 0x40000, t, 5000, LIS_IC_TIMESYNC_SAMPLE), 0);
	EXPECT_EQ(guest.host_time, t);
	EXPECT(!guest.sync);
	/* a probe changes nothing */
	EXPECT_EQ(timesync_req(&g, 0x40000, t, 0, LIS_IC_TIMESYNC_PROBE), 0);
	EXPECT_EQ(guest.samples, 2);
	rig_down(&g);
}

LIS_TEST(timesync_old_layout_and_bad_messages)
{
	const u64 t = LIS_IC_TIME_UNIX_EPOCH + 1;
	struct rig g;

	ASSERT(rig_up(&g, LIS_IC_TIMESYNC, NULL, false) == 0);
	ASSERT(rig_negotiate(&g, 0x30000) == 0);
	EXPECT_EQ(timesync_req(&g, 0x30000, t, 0, LIS_IC_TIMESYNC_SYNC), 0);
	EXPECT_EQ(guest.host_time, t);
	EXPECT_EQ(timesync_req(&g, 0x30000, t, 0, 9), LIS_IC_E_FAIL);
	EXPECT_EQ(timesync_req(&g, 0x30000, 5, 0, LIS_IC_TIMESYNC_SYNC), LIS_IC_E_FAIL);
	EXPECT_EQ(guest.samples, 1);
	EXPECT_EQ(ic_stats().protocol_errors, 2);
	rig_down(&g);
}

/* a daemon thread on an endpoint: answers `answers` requests with `status`
 * (and, for KVP GET, the value "hv") */
struct tdthread {
	struct lis_icd *d;
	enum lis_icd_kind kind;
	u32 status;
	unsigned int answers;
	pthread_t th;
	u8 last[8192];
	long last_len;
	bool stop;
};

static void *tdthread_main(void *arg)
{
	static struct lis_kvp_dmsg km;
	struct tdthread *t = arg;
	u8 reg[7432];
	unsigned int done = 0;
	long n;

	memset(reg, 0, sizeof(reg));
	if (t->kind == LIS_ICD_KVP) {
		reg[0] = LIS_KVP_OP_REGISTER1;
		lis_icd_write(t->d, reg, 7432);
	} else if (t->kind == LIS_ICD_VSS) {
		reg[0] = LIS_VSS_OP_REGISTER1;
		lis_icd_write(t->d, reg, 12);
	} else {
		reg[0] = 1;
		lis_icd_write(t->d, reg, 4);
	}
	lis_icd_read(t->d, reg, sizeof(reg));
	while (done < t->answers && !__atomic_load_n(&t->stop, __ATOMIC_SEQ_CST)) {
		n = lis_icd_read(t->d, t->last, sizeof(t->last));
		if (n == -EAGAIN) {
			lis_msleep(1);
			continue;
		}
		t->last_len = n;
		if (t->kind == LIS_ICD_KVP) {
			memcpy(&km, t->last, sizeof(km));
			km.error = cpu_to_le32(t->status);
			strcpy((char *)km.body.get.value, "hv");
			lis_icd_write(t->d, &km, sizeof(km));
		} else if (t->kind == LIS_ICD_VSS) {
			memcpy(reg, t->last, 12);
			ic_put32(reg, t->status);
			lis_icd_write(t->d, reg, 12);
		} else {
			ic_put32(reg, t->status);
			lis_icd_write(t->d, reg, 4);
		}
		done++;
	}
	return NULL;
}

static void tdthread_start(struct tdthread *t, struct lis_icd *d, enum lis_icd_kind kind,
			   u32 status, unsigned int answers)
{
	memset(t, 0, sizeof(*t));
	t->d = d;
	t->kind = kind;
	t->status = status;
	t->answers = answers;
	lis_icd_open(d);
	pthread_create(&t->th, NULL, tdthread_main, t);
}

static void tdthread_stop(struct tdthread *t)
{
	__atomic_store_n(&t->stop, true, __ATOMIC_SEQ_CST);
	pthread_join(t->th, NULL);
	lis_icd_release(t->d);
}

LIS_TEST(kvp_get_goes_through_the_daemon_and_back_to_the_host)
{
	static u8 data[7428], m[7600];
	struct tdaemon td;
	struct tdthread dt;
	struct lis_icd *d = td_create(&td, LIS_ICD_KVP);
	struct rig g;
	u32 n, len;

	ASSERT(d);
	ASSERT(rig_up(&g, LIS_IC_KVP, d, false) == 0);
	ASSERT(rig_negotiate(&g, 0x40000) == 0);
	tdthread_start(&dt, d, LIS_ICD_KVP, 0, 1);
	n = kvp_host(data, LIS_KVP_OP_GET, 0, "Name", LIS_KVP_REG_SZ, NULL, 0);
	len = raw_msg(m, LIS_IC_TYPE_KVP, 0x40000, data, n, (u16)n);
	ASSERT(raw_request(&g.raw, m, len, 12, 3000) == 0);
	EXPECT_EQ(ic_get32(g.raw.ans + 20), 0);
	EXPECT_EQ(g.raw.ans_len, len);
	EXPECT_EQ(ic_get32(g.raw.ans + 28 + 12), 6);		/* "hv" + NUL */
	EXPECT_EQ(ic_get16(g.raw.ans + 28 + 16 + 512), 'h');
	tdthread_stop(&dt);
	EXPECT(!strcmp((char *)dt.last + 4 + 12, "Name"));
	rig_down(&g);
	lis_icd_destroy(d);
}

static bool raw_answered(struct hs_host *h, void *arg)
{
	struct rawic *r = arg;
	bool got;

	pthread_mutex_lock(&r->lock);
	got = r->answers > r->base;
	pthread_mutex_unlock(&r->lock);
	return got;
}

LIS_TEST(kvp_without_a_daemon_times_out_and_the_host_gets_a_failure)
{
	static u8 data[7428], m[7600];
	struct tdaemon td;
	struct lis_icd *d = td_create(&td, LIS_ICD_KVP);
	struct rig g;
	u32 n, len;
	u64 t0;

	ASSERT(d);
	ASSERT(rig_up(&g, LIS_IC_KVP, d, false) == 0);
	ASSERT(rig_negotiate(&g, 0x40000) == 0);
	n = kvp_host(data, LIS_KVP_OP_GET, 0, "Name", LIS_KVP_REG_SZ, NULL, 0);
	len = raw_msg(m, LIS_IC_TYPE_KVP, 0x40000, data, n, (u16)n);
	t0 = lis_time_ms();
	g.raw.base = g.raw.answers;
	ASSERT(hs_channel_send(g.raw.ch, LIS_VMBUS_PKT_DATA_INBAND, 0, 13, m, len) == 0);
	/* this test's endpoint has no timer of its own: fire it by hand */
	lis_msleep(guest.cfg.daemon_timeout_ms + 20);
	EXPECT_EQ(g.raw.answers, g.raw.base);
	lis_icd_timeout(d);
	EXPECT(hs_wait(tenv_host(g.env), raw_answered, &g.raw, 2000));
	EXPECT_EQ(ic_get32(g.raw.ans + 20), LIS_IC_E_FAIL);
	EXPECT(lis_time_ms() - t0 >= guest.cfg.daemon_timeout_ms);
	EXPECT_EQ(ic_stats().daemon_failures, 1);
	/* the next request goes through once a daemon is there */
	{
		struct tdthread dt;

		tdthread_start(&dt, d, LIS_ICD_KVP, LIS_IC_S_CONT, 1);
		ASSERT(raw_request(&g.raw, m, len, 14, 3000) == 0);
		EXPECT_EQ(ic_get32(g.raw.ans + 20), LIS_IC_S_CONT);
		tdthread_stop(&dt);
	}
	rig_down(&g);
	lis_icd_destroy(d);
}

LIS_TEST(vss_freeze_goes_to_the_daemon_dm_info_does_not)
{
	struct tdaemon td;
	struct tdthread dt;
	struct lis_icd *d = td_create(&td, LIS_ICD_VSS);
	u8 data[12], m[64];
	struct rig g;
	u32 len;

	ASSERT(d);
	ASSERT(rig_up(&g, LIS_IC_VSS, d, false) == 0);
	ASSERT(rig_negotiate(&g, 0x50000) == 0);
	tdthread_start(&dt, d, LIS_ICD_VSS, 0, 1);
	memset(data, 0, sizeof(data));
	data[0] = LIS_VSS_OP_FREEZE;
	len = raw_msg(m, LIS_IC_TYPE_VSS, 0x50000, data, 12, 12);
	ASSERT(raw_request(&g.raw, m, len, 15, 3000) == 0);
	EXPECT_EQ(ic_get32(g.raw.ans + 20), 0);
	tdthread_stop(&dt);
	EXPECT_EQ(dt.last_len, 12);
	EXPECT_EQ(dt.last[0], LIS_VSS_OP_FREEZE);
	data[0] = LIS_VSS_OP_GET_DM_INFO;
	ic_put32(data + 8, 7);
	len = raw_msg(m, LIS_IC_TYPE_VSS, 0x50000, data, 12, 12);
	ASSERT(raw_request(&g.raw, m, len, 16, 3000) == 0);
	EXPECT_EQ(ic_get32(g.raw.ans + 20), 0);
	EXPECT_EQ(ic_get32(g.raw.ans + 28 + 8), 0);
	rig_down(&g);
	lis_icd_destroy(d);
}

LIS_TEST(fcopy_start_reaches_the_daemon_with_utf8_names)
{
	static u8 data[1088], m[1200];
	struct tdaemon td;
	struct tdthread dt;
	struct lis_icd *d = td_create(&td, LIS_ICD_FCOPY);
	struct rig g;
	u32 len;

	ASSERT(d);
	ASSERT(rig_up(&g, LIS_IC_FCOPY, d, false) == 0);
	ASSERT(rig_negotiate(&g, 0x10001) == 0);
	tdthread_start(&dt, d, LIS_ICD_FCOPY, LIS_IC_E_ALREADY_EXISTS, 1);
	fcopy_start(data, "a.bin", "/srv", 0, 10);
	len = raw_msg(m, LIS_IC_TYPE_FCOPY, 0x10001, data, 1088, 1088);
	ASSERT(raw_request(&g.raw, m, len, 17, 3000) == 0);
	EXPECT_EQ(ic_get32(g.raw.ans + 20), LIS_IC_E_ALREADY_EXISTS);
	tdthread_stop(&dt);
	EXPECT_EQ(dt.last_len, 1088);
	EXPECT(!strcmp((char *)dt.last + 36, "a.bin"));
	rig_down(&g);
	lis_icd_destroy(d);
}

/* ---- against hostsim's own IC models (hs_ic_*): the host side written
 *      from the fact sheet, not by us for these tests ---- */

static struct hs_ic *hsic_up(struct rig *g, enum lis_ic_service svc, enum hs_ic_service hsvc)
{
	struct tdriver drv = { .probe = tg_probe };
	struct hs_ic_config cfg;
	struct hs_ic *ic;

	memset(g, 0, sizeof(*g));
	memset(&guest, 0, sizeof(guest));
	pthread_mutex_init(&guest.lock, NULL);
	guest.cfg.service = svc;
	guest.cfg.ops = &tg_ops;
	guest.cfg.daemon_timeout_ms = 300;
	g->env = tenv_create(NULL);
	if (!g->env)
		return NULL;
	tguid(ic_class[svc], drv.class_id.b);
	tenv_add_driver(g->env, &drv);
	memset(&cfg, 0, sizeof(cfg));
	cfg.service = hsvc;
	ic = hs_ic_add(tenv_host(g->env), &cfg);
	if (!ic || tenv_boot(g->env) || !guest.ic)
		return NULL;
	{
		int r = hs_ic_wait_negotiated(ic, 5000);
		struct hs_ic_stats st;
		struct hs_ic_response resp;

		hs_ic_stats(ic, &st);
		if (r) {
			memset(&resp, 0, sizeof(resp));
			hs_ic_last_response(ic, &resp, NULL, 0);
			fprintf(stderr, "    service %d: negotiation %d (open %d negotiated %d refused %d answers %llu errors %llu; last: viol %#x len %u status %#x)\n",
				svc, r, st.open, st.negotiated, st.refused, (unsigned long long)st.answers,
				(unsigned long long)st.protocol_errors, resp.violations, resp.len, resp.status);
		}
		return r == 0 ? ic : NULL;
	}
}

LIS_TEST(hostsim_ic_models_get_answers_from_every_service)
{
	struct hs_ic_time t = { .unix_sec = 1700000000, .flags = HS_TIMESYNC_SYNC };
	struct hs_ic_stats st;
	struct rig g;
	struct hs_ic *ic;
	uint64_t seq = 0;
	uint32_t status = 1, flags = 0;

	ic = hsic_up(&g, LIS_IC_HEARTBEAT, HS_IC_HEARTBEAT);
	ASSERT(ic);
	EXPECT_EQ(hs_ic_heartbeat(ic, 7, &seq, &status, 3000), 0);
	EXPECT_EQ(seq, 8);
	rig_down(&g);

	ic = hsic_up(&g, LIS_IC_TIMESYNC, HS_IC_TIMESYNC);
	ASSERT(ic);
	status = 1;
	EXPECT_EQ(hs_ic_timesync(ic, &t, &status, 3000), 0);
	EXPECT_EQ(status, 0);
	EXPECT_EQ(guest.samples, 1);
	hs_ic_stats(ic, &st);
	EXPECT_EQ(st.protocol_errors, 0);
	rig_down(&g);

	ic = hsic_up(&g, LIS_IC_SHUTDOWN, HS_IC_SHUTDOWN);
	ASSERT(ic);
	status = 1;
	EXPECT_EQ(hs_ic_shutdown(ic, 0, 0, 0, "bye", &status, 3000), 0);
	EXPECT_EQ(status, 0);
	rig_down(&g);

	/* no daemon: answered E_FAIL once the daemon deadline (300 ms) passes */
	ic = hsic_up(&g, LIS_IC_VSS, HS_IC_VSS);
	ASSERT(ic);
	status = 0;
	EXPECT_EQ(hs_ic_vss(ic, HS_VSS_FREEZE, 0, &status, &flags, 3000), 0);
	EXPECT_EQ(status, HS_IC_E_FAIL);
	rig_down(&g);

	ic = hsic_up(&g, LIS_IC_FCOPY, HS_IC_FCOPY);
	ASSERT(ic);
	status = 0;
	EXPECT_EQ(hs_ic_fcopy_start(ic, "a", "/tmp", 0, 1, &status, 3000), 0);
	EXPECT_EQ(status, HS_IC_E_FAIL);
	rig_down(&g);
}

LIS_TEST_MAIN("utils")
