// SPDX-License-Identifier: GPL-2.0
/*
 * The NIC's life cycle and the requests the glue makes of it: create and
 * destroy, the packet filter, the MAC address, the data path (synthetic or
 * VF), queue choice by the host's send indirection table, and what the
 * core knows and counted.
 */
#include "internal.h"

static void net_free(struct lis_net *n)
{
	u32 i;

	for (i = 0; i < LIS_NET_MAX_QUEUES; i++)
		net_chan_free(n->chans[i]);
	if (n->keep_buffers) {
		lis_err("hv_netvsc: %u bytes of buffers stay with the host\n",
			n->recv_bytes + n->send_bytes);
	} else {
		lis_free_pages(n->recv_buf, n->recv_bytes / LIS_HV_PAGE_SIZE);
		lis_free_pages(n->send_buf, n->send_bytes / LIS_HV_PAGE_SIZE);
	}
	lis_free(n->free_sections);
	lis_free_pages(n->ctrl_page, 1);
	lis_free(n);
}

int lis_net_create(struct lis_channel *primary, const struct lis_net_config *cfg,
		   struct lis_net **out)
{
	struct lis_net *n;
	struct net_chan *c;
	u32 i;
	int ret;

	if (!cfg->ops || !cfg->ops->rx_frame || !cfg->ops->tx_done || !cfg->ops->tx_wake ||
	    !cfg->ops->link_changed || !cfg->ring_bytes || cfg->ring_bytes % LIS_HV_PAGE_SIZE ||
	    cfg->max_queues > LIS_NET_MAX_QUEUES || cfg->tx_slots > NET_MAX_TX_SLOTS ||
	    (cfg->mtu && (cfg->mtu < LIS_NET_MIN_MTU || cfg->mtu > LIS_NET_MAX_MTU)))
		return -EINVAL;
	n = lis_zalloc(sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->cfg = *cfg;
	if (!n->cfg.timeout_ms)
		n->cfg.timeout_ms = NET_DEFAULT_TIMEOUT_MS;
	if (!n->cfg.max_queues)
		n->cfg.max_queues = 1;
	n->mtu = cfg->mtu ? cfg->mtu : NET_DEFAULT_MTU;
	n->nslots = cfg->tx_slots ? cfg->tx_slots : NET_DEFAULT_TX_SLOTS;
	n->primary = primary;
	n->vmbus_version = lis_vmbus_version(lis_channel_vmbus(primary));
	n->nqueues = 1;
	for (i = 0; i < LIS_NET_SEND_TABLE_SIZE; i++)
		n->send_table[i] = i;
	lis_mutex_init(&n->chan_lock);
	lis_mutex_init(&n->ctrl_mutex);
	lis_spin_init(&n->ctrl_lock);
	lis_spin_init(&n->section_lock);
	lis_completion_init(&n->ctrl_done);
	n->subs = net_subs_get(primary);
	n->ctrl_page = lis_alloc_pages(1);
	c = n->ctrl_page && n->subs ? net_chan_alloc(n, primary, 0) : NULL;
	if (!c) {
		net_free(n);
		return -ENOMEM;
	}
	n->chans[0] = c;
	ret = net_chan_open(n, c);
	if (ret) {
		lis_err("hv_netvsc: cannot open channel %u: %d\n", lis_channel_relid(primary), ret);
		net_free(n);
		return ret;
	}
	n->nopen = 1;
	/* the primary opens for one NIC at a time: this one owns it now */
	lis_mutex_lock(&n->subs->lock);
	n->subs->owner = n;
	lis_mutex_unlock(&n->subs->lock);
	ret = net_setup(n);
	if (ret) {
		net_teardown(n);
		net_free(n);
		return ret;
	}
	*out = n;
	return 0;
}

void lis_net_destroy(struct lis_net *n)
{
	if (!n)
		return;
	net_teardown(n);
	net_free(n);
}

void lis_net_kill(struct lis_net *n)
{
	u32 i;

	LIS_WRITE_ONCE(n->dead, true);
	for (i = 0; i < LIS_NET_MAX_QUEUES; i++) {
		if (n->chans[i]) {
			LIS_WRITE_ONCE(n->chans[i]->dead, true);
			net_tx_abort(n, n->chans[i]);
		}
	}
}

/* ---- requests ---- */

int lis_net_set_filter(struct lis_net *n, u32 filter)
{
	__le32 v = cpu_to_le32(filter);
	int ret;

	if (LIS_READ_ONCE(n->dead))
		return -ENODEV;
	ret = net_rndis_set(n, LIS_OID_GEN_CURRENT_PACKET_FILTER, &v, sizeof(v));
	if (!ret)
		n->filter = filter;
	return ret;
}

/* GEN_RNDIS_CONFIG_PARAMETER: UTF-16 name "NetworkAddress", UTF-16 hex MAC */
#define NET_MAC_NAME		"NetworkAddress"
#define NET_MAC_NAME_LEN	(sizeof(NET_MAC_NAME) - 1)

int lis_net_set_mac(struct lis_net *n, const u8 mac[6])
{
	static const char hex[] = "0123456789ABCDEF";
	struct lis_rndis_config_param p;
	u8 buf[sizeof(p) + 2 * NET_MAC_NAME_LEN + 2 * 12], now[6];
	u8 *name = buf + sizeof(p), *val = name + 2 * NET_MAC_NAME_LEN;
	u32 i, len = 0;
	int ret;

	if (LIS_READ_ONCE(n->dead))
		return -ENODEV;
	memset(buf, 0, sizeof(buf));
	p.name_offset = cpu_to_le32(sizeof(p));
	p.name_len = cpu_to_le32(2 * NET_MAC_NAME_LEN);
	p.type = cpu_to_le32(LIS_RNDIS_CONFIG_PARAM_STRING);
	p.value_offset = cpu_to_le32(sizeof(p) + 2 * NET_MAC_NAME_LEN);
	p.value_len = cpu_to_le32(2 * 12);
	memcpy(buf, &p, sizeof(p));
	for (i = 0; i < NET_MAC_NAME_LEN; i++)
		name[2 * i] = (u8)NET_MAC_NAME[i];
	for (i = 0; i < 6; i++) {
		val[4 * i] = (u8)hex[mac[i] >> 4];
		val[4 * i + 2] = (u8)hex[mac[i] & 0xF];
	}
	ret = net_rndis_set(n, LIS_OID_GEN_RNDIS_CONFIG_PARAMETER, buf, sizeof(buf));
	if (ret)
		return ret;
	/* what the host uses now, where it can say */
	if (!net_rndis_query(n, LIS_OID_802_3_CURRENT_ADDRESS, NULL, 0, now, sizeof(now), &len) &&
	    len >= 6 && memcmp(now, mac, 6)) {
		lis_err("hv_netvsc: the host kept its MAC address\n");
		return -EIO;
	}
	memcpy(n->mac, mac, 6);
	return 0;
}

int lis_net_switch_datapath(struct lis_net *n, bool vf)
{
	union lis_nvsp_msg m;
	int ret;

	if (LIS_READ_ONCE(n->dead))
		return -ENODEV;
	if (n->nvsp_version < LIS_NVSP_VERSION_4)
		return -EOPNOTSUPP;
	memset(&m, 0, sizeof(m));
	m.switch_datapath.type = cpu_to_le32(LIS_NVSP_MSG_SWITCH_DATA_PATH);
	m.switch_datapath.active_datapath = cpu_to_le32(vf ? LIS_NVSP_DATAPATH_VF :
							     LIS_NVSP_DATAPATH_SYNTHETIC);
	/* newer hosts complete it; older ones just do it */
	ret = net_nvsp_request(n, &m, 0, NULL);
	if (ret == -ETIMEDOUT) {
		lis_warn("hv_netvsc: no completion for SWITCH_DATA_PATH; assuming it took effect\n");
		ret = 0;
	}
	if (!ret)
		LIS_WRITE_ONCE(n->datapath_vf, vf);
	return ret;
}

u32 lis_net_queues(struct lis_net *n)
{
	return LIS_READ_ONCE(n->nqueues);
}

u32 lis_net_pick_queue(struct lis_net *n, u32 hash)
{
	u32 nq = LIS_READ_ONCE(n->nqueues);

	if (nq <= 1)
		return 0;
	return LIS_READ_ONCE(n->send_table[hash % LIS_NET_SEND_TABLE_SIZE]) % nq;
}

/* ---- what we know ---- */

void lis_net_get_info(struct lis_net *n, struct lis_net_info *info)
{
	u32 i;

	memset(info, 0, sizeof(*info));
	info->nvsp_version = n->nvsp_version;
	info->ndis_version = n->ndis_version;
	info->vmbus_version = n->vmbus_version;
	memcpy(info->perm_mac, n->perm_mac, 6);
	memcpy(info->mac, n->mac, 6);
	info->max_frame = n->max_frame;
	info->mtu = n->mtu;
	info->link_up = LIS_READ_ONCE(n->link_up) != 0;
	info->link_speed = LIS_READ_ONCE(n->link_speed);
	info->recv_buf_bytes = n->recv_bytes;
	info->recv_section_size = n->recv_section_size;
	info->recv_sections = n->recv_sections;
	info->send_buf_bytes = n->send_bytes;
	info->send_section_size = n->send_section_size;
	info->send_sections = n->send_sections;
	info->recv_gpadl = n->recv_gpadl;
	info->send_gpadl = n->send_gpadl;
	info->max_pkts_per_msg = n->max_pkts;
	info->pkt_align = n->pkt_align;
	info->offloads = n->offl;
	info->rss_queues = n->rss_queues;
	lis_mutex_lock(&n->chan_lock);
	info->subchannels_requested = n->subs_requested;
	info->subchannels_allocated = n->subs_allocated;
	for (i = 0; i < LIS_NET_MAX_QUEUES; i++)
		info->channels_open += n->chans[i] && !LIS_READ_ONCE(n->chans[i]->dead);
	info->rss_set = n->rss_set;
	lis_mutex_unlock(&n->chan_lock);
	info->packet_filter = n->filter;
	info->vf_allocated = LIS_READ_ONCE(n->vf_allocated) != 0;
	info->vf_serial = LIS_READ_ONCE(n->vf_serial);
	info->datapath_vf = LIS_READ_ONCE(n->datapath_vf);
	for (i = 0; i < LIS_NET_SEND_TABLE_SIZE; i++)
		info->send_table[i] = LIS_READ_ONCE(n->send_table[i]);
	info->tx_slots = n->nslots;
}

void lis_net_get_stats(struct lis_net *n, struct lis_net_stats *st)
{
	const struct lis_net_stats *s;
	u32 i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < LIS_NET_MAX_QUEUES; i++) {
		if (!n->chans[i])
			continue;
		s = &n->chans[i]->st;
		st->rx_bad_packet += s->rx_bad_packet;
		st->rx_bad_xfer += s->rx_bad_xfer;
		st->rx_bad_rndis += s->rx_bad_rndis;
		st->rx_bad_ppi += s->rx_bad_ppi;
		st->rx_bad_nvsp += s->rx_bad_nvsp;
		st->bad_completions += s->bad_completions;
		st->rx_frames += s->rx_frames;
		st->rx_bytes += s->rx_bytes;
		st->rx_control += s->rx_control;
		st->rx_comp_deferred += s->rx_comp_deferred;
		st->rx_comp_lost += s->rx_comp_lost;
		st->tx_frames += s->tx_frames;
		st->tx_bytes += s->tx_bytes;
		st->tx_copied += s->tx_copied;
		st->tx_direct += s->tx_direct;
		st->tx_busy += s->tx_busy;
		st->tx_failed += s->tx_failed;
		st->tx_aborted += s->tx_aborted;
		st->indications += s->indications;
	}
}

u64 lis_net_protocol_errors(struct lis_net *n)
{
	struct lis_net_stats st;

	lis_net_get_stats(n, &st);
	return st.rx_bad_packet + st.rx_bad_xfer + st.rx_bad_rndis + st.rx_bad_ppi +
	       st.rx_bad_nvsp + st.bad_completions;
}
