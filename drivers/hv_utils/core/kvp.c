// SPDX-License-Identifier: GPL-2.0
/*
 * KVP, data exchange (IC type 2): the host's GET, SET, DELETE, ENUMERATE,
 * GET_IP_INFO and SET_IP_INFO go to the KVP daemon.  Towards the daemon
 * keys and values become NUL-terminated UTF-8 and numbers decimal text
 * (value type REG_SZ), as §6.5 says; the daemon's answers come back as
 * UTF-16LE into the host's buffer.  Every size and string is checked both
 * ways: a key or value the daemon message cannot carry fails the request.
 */
#include "internal.h"

/* offsets in the host's data (after the IC header) */
#define KVP_REC			sizeof(struct lis_kvp_hdr)	/* value record */
#define KVP_ENUM_REC		(KVP_REC + 4)			/* after Index */
#define KVP_IP			2				/* no pad (§6.4) */
#define REC_TYPE		0
#define REC_KEY_SIZE		4
#define REC_VALUE_SIZE		8
#define REC_KEY			12
#define REC_VALUE		(12 + LIS_KVP_MAX_KEY_SIZE)

static const u32 kvp_frameworks[] = { LIS_IC_VERSION(3, 0), LIS_IC_VERSION(1, 0), 0 };
static const u32 kvp_versions[] = {
	LIS_IC_VERSION(4, 0), LIS_IC_VERSION(3, 0), LIS_IC_VERSION(1, 0), 0
};

/* the minimum host data for each operation */
static const u32 kvp_op_size[LIS_KVP_OP_COUNT] = {
	[LIS_KVP_OP_GET] = LIS_KVP_HOST_GET_SIZE,
	[LIS_KVP_OP_SET] = LIS_KVP_HOST_SET_SIZE,
	[LIS_KVP_OP_DELETE] = LIS_KVP_HOST_DELETE_SIZE,
	[LIS_KVP_OP_ENUMERATE] = LIS_KVP_HOST_ENUMERATE_SIZE,
	[LIS_KVP_OP_GET_IP_INFO] = sizeof(struct lis_kvp_ip_msg),
	[LIS_KVP_OP_SET_IP_INFO] = sizeof(struct lis_kvp_ip_msg),
};

/* a UTF-16 string of `size` bytes (the NUL included) into dst[cap] */
static u32 kvp_string_in(const u8 *src, u32 size, u32 max, char *dst, u32 cap,
			 u32 *out_size, bool *bad)
{
	int n;

	if (size < 2 || size > max || size % 2) {
		*bad = true;
		return LIS_IC_E_FAIL;
	}
	n = lis_utf16_to_utf8(src, size / 2, true, dst, cap);
	if (n == -ENOSPC)
		return LIS_IC_E_FAIL;	/* valid, but too long for UTF-8 */
	if (n < 0) {
		*bad = true;
		return LIS_IC_E_FAIL;
	}
	*out_size = (u32)n + 1;
	return LIS_IC_S_OK;
}

/* a fixed UTF-16 field of `units` into a UTF-8 field of the same bytes */
static u32 kvp_field_in(const u8 *src, u32 units, u8 *dst, bool *bad)
{
	int n = lis_utf16_to_utf8(src, units, true, (char *)dst, 2 * units);

	if (n == -ENOSPC)
		return LIS_IC_E_FAIL;
	if (n < 0) {
		*bad = true;
		return LIS_IC_E_FAIL;
	}
	return LIS_IC_S_OK;
}

static u32 kvp_value_in(const u8 *rec, struct lis_kvp_value *out, bool *bad)
{
	u32 type = ic_get32(rec + REC_TYPE), size = ic_get32(rec + REC_VALUE_SIZE);
	char *v = (char *)out->value;
	u32 st, len = 0;
	int n;

	out->value_type = cpu_to_le32(LIS_KVP_REG_SZ);
	switch (type) {
	case LIS_KVP_REG_SZ:
	case LIS_KVP_REG_EXPAND_SZ:
		st = kvp_string_in(rec + REC_VALUE, size, LIS_KVP_MAX_VALUE_SIZE, v,
				   LIS_KVP_MAX_VALUE_SIZE, &len, bad);
		out->value_size = cpu_to_le32(len);
		return st;
	case LIS_KVP_REG_U32:
		if (size != 4)
			break;
		n = ic_u64_to_dec(ic_get32(rec + REC_VALUE), v, LIS_KVP_MAX_VALUE_SIZE);
		out->value_size = cpu_to_le32((u32)n + 1);
		return LIS_IC_S_OK;
	case LIS_KVP_REG_U64:
	case LIS_KVP_REG_QWORD:
		if (size != 8)
			break;
		n = ic_u64_to_dec(ic_get64(rec + REC_VALUE), v, LIS_KVP_MAX_VALUE_SIZE);
		out->value_size = cpu_to_le32((u32)n + 1);
		return LIS_IC_S_OK;
	default:
		break;
	}
	*bad = true;
	return LIS_IC_E_FAIL;
}

static u32 kvp_ip_in(const u8 *data, u8 op, struct lis_kvp_dip_info *out, bool *bad)
{
	const struct lis_kvp_ip_info *in = (const void *)(data + KVP_IP);
	u8 family = data[KVP_IP + offsetof(struct lis_kvp_ip_info, addr_family)];
	u8 dhcp = data[KVP_IP + offsetof(struct lis_kvp_ip_info, dhcp_enabled)];
	u32 st;

	if (family > LIS_KVP_ADDR_FAMILY_BOTH || dhcp > 1) {
		*bad = true;
		return LIS_IC_E_FAIL;
	}
	out->addr_family = family;
	out->dhcp_enabled = dhcp;
	st = kvp_field_in((const u8 *)in->adapter_id, LIS_KVP_ADAPTER_ID_UNITS,
			  out->adapter_id, bad);
	if (st || op == LIS_KVP_OP_GET_IP_INFO)
		return st;
	st = kvp_field_in((const u8 *)in->ip_addr, LIS_KVP_IP_ADDR_UNITS, out->ip_addr, bad);
	if (!st)
		st = kvp_field_in((const u8 *)in->sub_net, LIS_KVP_IP_ADDR_UNITS, out->sub_net, bad);
	if (!st)
		st = kvp_field_in((const u8 *)in->gate_way, LIS_KVP_GATEWAY_UNITS,
				  out->gate_way, bad);
	if (!st)
		st = kvp_field_in((const u8 *)in->dns_addr, LIS_KVP_IP_ADDR_UNITS,
				  out->dns_addr, bad);
	return st;
}

u32 lis_kvp_to_daemon(const u8 *data, u32 size, struct lis_kvp_dmsg *out, bool *bad)
{
	u32 st, len = 0;
	u8 op, pool;

	*bad = false;
	memset(out, 0, sizeof(*out));
	if (size < sizeof(struct lis_kvp_hdr)) {
		*bad = true;
		return LIS_IC_E_FAIL;
	}
	op = data[0];
	pool = data[1];
	if (op >= LIS_KVP_OP_COUNT || pool >= LIS_KVP_POOL_COUNT || size < kvp_op_size[op]) {
		*bad = true;
		return LIS_IC_E_FAIL;
	}
	out->hdr.operation = op;
	out->hdr.pool = pool;
	switch (op) {
	case LIS_KVP_OP_GET:
	case LIS_KVP_OP_SET:
		st = kvp_string_in(data + KVP_REC + REC_KEY, ic_get32(data + KVP_REC + REC_KEY_SIZE),
				   LIS_KVP_MAX_KEY_SIZE, (char *)out->body.get.key,
				   LIS_KVP_MAX_KEY_SIZE, &len, bad);
		out->body.get.key_size = cpu_to_le32(len);
		if (st || op == LIS_KVP_OP_GET)
			return st;
		return kvp_value_in(data + KVP_REC, &out->body.get, bad);
	case LIS_KVP_OP_DELETE:
		st = kvp_string_in(data + KVP_REC + 4, ic_get32(data + KVP_REC),
				   LIS_KVP_MAX_KEY_SIZE, (char *)out->body.del.key,
				   LIS_KVP_MAX_KEY_SIZE, &len, bad);
		out->body.del.key_size = cpu_to_le32(len);
		return st;
	case LIS_KVP_OP_ENUMERATE:
		out->body.enumerate.index = cpu_to_le32(ic_get32(data + KVP_REC));
		return LIS_IC_S_OK;
	default:
		return kvp_ip_in(data, op, &out->body.ip, bad);
	}
}

/* ---- the daemon's answer ---- */

/* a UTF-8 field of the daemon into a UTF-16 field of the host; bytes written */
static int kvp_string_out(const u8 *src, u32 src_cap, u8 *dst, u32 cap_units)
{
	int n = lis_utf8_to_utf16((const char *)src, src_cap, dst, cap_units);

	return n < 0 ? n : 2 * n;
}

static u32 kvp_record_out(const struct lis_kvp_value *in, u8 *rec, bool with_key)
{
	int n;

	if (with_key) {
		n = kvp_string_out(in->key, LIS_KVP_MAX_KEY_SIZE, rec + REC_KEY,
				   LIS_KVP_MAX_KEY_SIZE / 2);
		if (n < 0)
			return LIS_IC_E_FAIL;
		ic_put32(rec + REC_KEY_SIZE, (u32)n);
	}
	n = kvp_string_out(in->value, LIS_KVP_MAX_VALUE_SIZE, rec + REC_VALUE,
			   LIS_KVP_MAX_VALUE_SIZE / 2);
	if (n < 0)
		return LIS_IC_E_FAIL;
	ic_put32(rec + REC_VALUE_SIZE, (u32)n);
	ic_put32(rec + REC_TYPE, LIS_KVP_REG_SZ);
	return LIS_IC_S_OK;
}

static u32 kvp_ip_out(const struct lis_kvp_dip_info *in, u8 *data)
{
	struct lis_kvp_ip_info *out = (void *)(data + KVP_IP);
	static const struct {
		u32 src, dst, units;
	} f[] = {
		{ offsetof(struct lis_kvp_dip_info, adapter_id),
		  offsetof(struct lis_kvp_ip_info, adapter_id), LIS_KVP_ADAPTER_ID_UNITS },
		{ offsetof(struct lis_kvp_dip_info, ip_addr),
		  offsetof(struct lis_kvp_ip_info, ip_addr), LIS_KVP_IP_ADDR_UNITS },
		{ offsetof(struct lis_kvp_dip_info, sub_net),
		  offsetof(struct lis_kvp_ip_info, sub_net), LIS_KVP_IP_ADDR_UNITS },
		{ offsetof(struct lis_kvp_dip_info, gate_way),
		  offsetof(struct lis_kvp_ip_info, gate_way), LIS_KVP_GATEWAY_UNITS },
		{ offsetof(struct lis_kvp_dip_info, dns_addr),
		  offsetof(struct lis_kvp_ip_info, dns_addr), LIS_KVP_IP_ADDR_UNITS },
	};
	u32 i;

	if (in->addr_family > LIS_KVP_ADDR_FAMILY_BOTH || in->dhcp_enabled > 1)
		return LIS_IC_E_FAIL;
	for (i = 0; i < ARRAY_SIZE(f); i++)
		if (kvp_string_out((const u8 *)in + f[i].src, 2 * f[i].units,
				   (u8 *)out + f[i].dst, f[i].units) < 0)
			return LIS_IC_E_FAIL;
	out->addr_family = in->addr_family;
	out->dhcp_enabled = in->dhcp_enabled;
	return LIS_IC_S_OK;
}

u32 lis_kvp_from_daemon(const struct lis_kvp_dmsg *in, u8 *data, u32 size)
{
	u32 status = le32_to_cpu(in->error);
	u8 op = data[0];

	if (status != LIS_IC_S_OK)
		return status;
	switch (op) {
	case LIS_KVP_OP_GET:
		return kvp_record_out(&in->body.get, data + KVP_REC, false);
	case LIS_KVP_OP_ENUMERATE:
		return kvp_record_out(&in->body.enumerate.data, data + KVP_ENUM_REC, true);
	case LIS_KVP_OP_GET_IP_INFO:
		return kvp_ip_out(&in->body.ip, data);
	default:
		return LIS_IC_S_OK;
	}
}

/* ---- the service ---- */

static enum ic_verdict kvp_handle(struct lis_ic *ic, struct ic_req *r, u8 *data, u32 size,
				  u32 *status)
{
	struct lis_kvp_dmsg *m = ic_scratch(ic);
	bool bad;

	*status = lis_kvp_to_daemon(data, size, m, &bad);
	if (bad)
		ic_bad(ic, "malformed KVP request");
	if (*status != LIS_IC_S_OK)
		return IC_ANSWER;
	return ic_to_daemon(ic, m, sizeof(*m), 0, status);
}

static u32 kvp_from_daemon(struct lis_ic *ic, struct ic_req *r, u8 *data, u32 size,
			   const void *reply, u32 len)
{
	if (len != sizeof(struct lis_kvp_dmsg))
		return LIS_IC_E_FAIL;
	return lis_kvp_from_daemon(reply, data, size);
}

const struct ic_service lis_ic_kvp_service = {
	.name = "kvp",
	.type = LIS_IC_TYPE_KVP,
	.frameworks = kvp_frameworks,
	.versions = kvp_versions,
	.min_size = sizeof(struct lis_kvp_hdr),
	.default_timeout_ms = 30000,
	.handle = kvp_handle,
	.from_daemon = kvp_from_daemon,
};
