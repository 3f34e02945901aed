// SPDX-License-Identifier: GPL-2.0
/*
 * Offloads and RSS (fact sheet §5.9, §5.10): what the host's NDIS_OFFLOAD
 * answer says it can do, the NDIS_OFFLOAD_PARAMETERS that turn it on, and
 * the RECEIVE_SCALE_PARAMETERS that spread receive traffic over channels.
 */
#include "internal.h"

/* a checksum is usable when the host does it and handles the options */
static bool csum_can(u32 flags, u32 what)
{
	if (what == LIS_NDIS_CSUM_TCP)
		return (flags & (LIS_NDIS_CSUM_TCP | LIS_NDIS_CSUM_TCP_OPTIONS)) ==
		       (LIS_NDIS_CSUM_TCP | LIS_NDIS_CSUM_TCP_OPTIONS);
	return (flags & what) != 0;
}

static u32 csum_bits(const struct lis_ndis_csum_caps *v4, const struct lis_ndis_csum_caps *v6)
{
	u32 f4 = le32_to_cpu(v4->flags), f6 = le32_to_cpu(v6->flags), bits = 0;
	bool e4 = le32_to_cpu(v4->encap) & LIS_NDIS_ENCAP_IEEE_802_3;
	bool e6 = le32_to_cpu(v6->encap) & LIS_NDIS_ENCAP_IEEE_802_3;

	if (e4 && csum_can(f4, LIS_NDIS_CSUM_IP))
		bits |= LIS_NET_CSUM_IP4;
	if (e4 && csum_can(f4, LIS_NDIS_CSUM_TCP))
		bits |= LIS_NET_CSUM_TCP4;
	if (e4 && csum_can(f4, LIS_NDIS_CSUM_UDP))
		bits |= LIS_NET_CSUM_UDP4;
	if (e6 && csum_can(f6, LIS_NDIS_CSUM_TCP))
		bits |= LIS_NET_CSUM_TCP6;
	if (e6 && csum_can(f6, LIS_NDIS_CSUM_UDP))
		bits |= LIS_NET_CSUM_UDP6;
	return bits;
}

/* the host's TCP_OFFLOAD_HARDWARE_CAPABILITIES answer (len bytes valid) */
void net_offloads_parse(struct lis_net *n, const u8 *buf, u32 len)
{
	struct lis_ndis_offload o;
	u32 size, v6flags;

	memset(&n->offl, 0, sizeof(n->offl));
	if (len < LIS_NDIS_OFFLOAD_SIZE_REV1) {
		lis_err_host("hv_netvsc: the host's offload capabilities are %u bytes; no offloads\n",
			     len);
		return;
	}
	memset(&o, 0, sizeof(o));
	memcpy(&o, buf, min_t(u32, len, sizeof(o)));
	size = le16_to_cpu(o.hdr.size);
	if (o.hdr.type != LIS_NDIS_OBJECT_OFFLOAD || size < LIS_NDIS_OFFLOAD_SIZE_REV1) {
		lis_err_host("hv_netvsc: offload capabilities with object type %#x size %u; no offloads\n",
			     o.hdr.type, size);
		return;
	}
	n->offl.tx_csum = csum_bits(&o.csum_ipv4_tx, &o.csum_ipv6_tx);
	n->offl.rx_csum = csum_bits(&o.csum_ipv4_rx, &o.csum_ipv6_rx);
	if (le32_to_cpu(o.lso_v2_ipv4.encap) & LIS_NDIS_ENCAP_IEEE_802_3)
		n->offl.lso4_max = le32_to_cpu(o.lso_v2_ipv4.max_size);
	v6flags = le32_to_cpu(o.lso_v2_ipv6_flags);
	if ((le32_to_cpu(o.lso_v2_ipv6.encap) & LIS_NDIS_ENCAP_IEEE_802_3) &&
	    (v6flags & (LIS_NDIS_CSUM_IP_OPTIONS | LIS_NDIS_CSUM_TCP_OPTIONS)) ==
	    (LIS_NDIS_CSUM_IP_OPTIONS | LIS_NDIS_CSUM_TCP_OPTIONS))
		n->offl.lso6_max = le32_to_cpu(o.lso_v2_ipv6.max_size);
	/* segmentation needs the TCP checksum of the same IP version */
	if (!(n->offl.tx_csum & LIS_NET_CSUM_TCP4))
		n->offl.lso4_max = 0;
	if (!(n->offl.tx_csum & LIS_NET_CSUM_TCP6))
		n->offl.lso6_max = 0;
	n->offl.lso4_max = min_t(u32, n->offl.lso4_max, LIS_NET_MAX_FRAME);
	n->offl.lso6_max = min_t(u32, n->offl.lso6_max, LIS_NET_MAX_FRAME);
	n->offl.lso_min_segs = max_t(u32, le32_to_cpu(o.lso_v2_ipv4.min_segs),
				     le32_to_cpu(o.lso_v2_ipv6.min_segs));
}

static u8 csum_param(u32 tx, u32 rx, u32 bit)
{
	bool t = tx & bit, r = rx & bit;

	if (t && r)
		return LIS_NDIS_CSUM_TX_RX_ENABLED;
	if (t)
		return LIS_NDIS_CSUM_TX_ENABLED;
	if (r)
		return LIS_NDIS_CSUM_RX_ENABLED;
	return LIS_NDIS_CSUM_TX_RX_DISABLED;
}

/* NDIS_OFFLOAD_PARAMETERS for what the host can do; returns its size */
u32 net_offload_params(const struct lis_net *n, struct lis_ndis_offload_params *p)
{
	const struct lis_net_offloads *o = &n->offl;
	bool v5 = n->nvsp_version >= LIS_NVSP_VERSION_5;
	u32 size = v5 ? LIS_NDIS_OFFLOAD_PARAMS_REV3_SIZE : LIS_NDIS_OFFLOAD_PARAMS_REV2_SIZE;

	memset(p, 0, sizeof(*p));
	p->hdr.type = LIS_NDIS_OBJECT_DEFAULT;
	p->hdr.revision = v5 ? 3 : 2;
	p->hdr.size = cpu_to_le16(size);
	/* the stack always computes the IPv4 header checksum itself */
	p->ipv4_csum = LIS_NDIS_CSUM_TX_RX_DISABLED;
	p->tcp4_csum = csum_param(o->tx_csum, o->rx_csum, LIS_NET_CSUM_TCP4);
	p->tcp6_csum = csum_param(o->tx_csum, o->rx_csum, LIS_NET_CSUM_TCP6);
	/* hosts before NVSP 5 get no say about UDP checksums */
	if (v5) {
		p->udp4_csum = csum_param(o->tx_csum, o->rx_csum, LIS_NET_CSUM_UDP4);
		p->udp6_csum = csum_param(o->tx_csum, o->rx_csum, LIS_NET_CSUM_UDP6);
	}
	p->lso_v2_ipv4 = o->lso4_max ? LIS_NDIS_OFFLOAD_ENABLED : LIS_NDIS_OFFLOAD_DISABLED;
	p->lso_v2_ipv6 = o->lso6_max ? LIS_NDIS_OFFLOAD_ENABLED : LIS_NDIS_OFFLOAD_DISABLED;
	return size;
}

/* RECEIVE_SCALE_PARAMETERS over nqueues channels, into buf; its size */
u32 net_rss_params(const struct lis_net *n, u32 nqueues, u8 *buf, u32 cap)
{
	struct lis_ndis_rss_params p;
	const u32 table = LIS_NDIS_RSS_TABLE_ENTRIES * 4;
	const u32 size = sizeof(p) + table + LIS_NDIS_RSS_KEY_SIZE;
	u32 i;

	if (cap < size || !nqueues)
		return 0;
	memset(&p, 0, sizeof(p));
	p.hdr.type = LIS_NDIS_OBJECT_RSS_PARAMS;
	p.hdr.revision = LIS_NDIS_RSS_PARAMS_REVISION;
	p.hdr.size = cpu_to_le16(sizeof(p));
	p.hash_info = cpu_to_le32(LIS_NDIS_HASH_FUNC_TOEPLITZ | LIS_NDIS_HASH_IPV4 |
				  LIS_NDIS_HASH_TCP_IPV4 | LIS_NDIS_HASH_IPV6 |
				  LIS_NDIS_HASH_TCP_IPV6);
	p.table_size = cpu_to_le16(table);
	p.table_offset = cpu_to_le32(sizeof(p));
	p.key_size = cpu_to_le16(LIS_NDIS_RSS_KEY_SIZE);
	p.key_offset = cpu_to_le32(sizeof(p) + table);
	memcpy(buf, &p, sizeof(p));
	/* entries are channel indices, not CPUs */
	for (i = 0; i < LIS_NDIS_RSS_TABLE_ENTRIES; i++)
		net_put_le32(buf + sizeof(p) + 4 * i, i % nqueues);
	memcpy(buf + sizeof(p) + table, n->cfg.rss_key, LIS_NDIS_RSS_KEY_SIZE);
	return size;
}
