// SPDX-License-Identifier: GPL-2.0
/*
 * ethtool: driver information, link, channels (-l/-L), ring sizes (-g/-G:
 * receive and send buffer sections, as in-tree), and statistics (-S): the
 * queues, the VF's share, and what the core counted, host input it
 * rejected included.
 */
#include <linux/kernel.h>
#include <linux/ethtool.h>
#include <linux/rtnetlink.h>
#include <lis_compat/string.h>
#include "netvsc_glue.h"

static void netvsc_get_drvinfo(struct net_device *ndev, struct ethtool_drvinfo *info)
{
	struct netvsc_priv *p = netdev_priv(ndev);

	strscpy(info->driver, NETVSC_DRV_NAME, sizeof(info->driver));
	strscpy(info->version, LIS_VERSION, sizeof(info->version));
	snprintf(info->fw_version, sizeof(info->fw_version), "NVSP %u.%u",
		 p->info.nvsp_version >> 16, p->info.nvsp_version & 0xffff);
	strscpy(info->bus_info, dev_name(lis_vmbus_device_dev(p->vdev)), sizeof(info->bus_info));
}

static void netvsc_link(struct net_device *ndev, struct lis_link_settings *ls)
{
	struct netvsc_priv *p = netdev_priv(ndev);
	struct lis_net *core = netvsc_core_rtnl(p);
	struct lis_net_info info;

	if (!core)
		return;
	lis_net_get_info(core, &info);
	/* the host counts in 100 bit/s */
	if (info.link_speed)
		ls->speed = info.link_speed / 10000;
	ls->duplex = DUPLEX_FULL;
}
LIS_ETHTOOL_GET_LINK(netvsc_link)

static void netvsc_get_channels(struct net_device *ndev, struct ethtool_channels *ch)
{
	struct netvsc_priv *p = netdev_priv(ndev);

	ch->max_combined = p->max_queues;
	ch->combined_count = ndev->real_num_tx_queues;
}

static int netvsc_set_channels(struct net_device *ndev, struct ethtool_channels *ch)
{
	struct netvsc_priv *p = netdev_priv(ndev);
	u32 old = p->want_queues;
	int ret;

	if (ch->rx_count || ch->tx_count || ch->other_count || !ch->combined_count ||
	    ch->combined_count > p->max_queues)
		return -EINVAL;
	if (!netvsc_core_rtnl(p))
		return -ENODEV;
	p->want_queues = ch->combined_count;
	ret = netvsc_reattach(p);
	if (ret) {
		p->want_queues = old;
		if (netvsc_reattach(p))
			netdev_err(ndev, "the NIC did not come back\n");
	}
	return ret;
}

static void netvsc_get_ringparam(LIS_RINGPARAM_ARGS(ndev, ring))
{
	struct netvsc_priv *p = netdev_priv(ndev);

	memset(ring, 0, sizeof(*ring));
	if (!p->info.recv_section_size || !p->info.send_section_size)
		return;
	ring->rx_max_pending = LIS_NVSP_RECV_BUF_MAX / p->info.recv_section_size;
	ring->tx_max_pending = LIS_NVSP_SEND_BUF_MAX / p->info.send_section_size;
	ring->rx_pending = p->info.recv_sections;
	ring->tx_pending = p->info.send_sections;
}

static int netvsc_set_ringparam(LIS_RINGPARAM_ARGS(ndev, ring))
{
	struct netvsc_priv *p = netdev_priv(ndev);
	u32 old_rx = p->recv_buf_bytes, old_tx = p->send_buf_bytes;
	u64 rx, tx;
	int ret;

	if (!netvsc_core_rtnl(p) || !p->info.recv_section_size || !p->info.send_section_size)
		return -ENODEV;
	if (ring->rx_mini_pending || ring->rx_jumbo_pending || !ring->rx_pending ||
	    !ring->tx_pending)
		return -EINVAL;
	rx = (u64)ring->rx_pending * p->info.recv_section_size;
	tx = (u64)ring->tx_pending * p->info.send_section_size;
	if (rx > LIS_NVSP_RECV_BUF_MAX || tx > LIS_NVSP_SEND_BUF_MAX)
		return -EINVAL;
	p->recv_buf_bytes = round_up((u32)rx, LIS_HV_PAGE_SIZE);
	p->send_buf_bytes = round_up((u32)tx, LIS_HV_PAGE_SIZE);
	ret = netvsc_reattach(p);
	if (ret) {
		p->recv_buf_bytes = old_rx;
		p->send_buf_bytes = old_tx;
		if (netvsc_reattach(p))
			netdev_err(ndev, "the NIC did not come back\n");
	}
	return ret;
}

/* ---- statistics ---- */

struct netvsc_stat {
	char name[ETH_GSTRING_LEN];
	size_t off;
};

#define NETVSC_PRIV_STAT(n, f)	{ n, offsetof(struct netvsc_priv, f) }
static const struct netvsc_stat netvsc_priv_stats[] = {
	NETVSC_PRIV_STAT("vf_rx_packets", vf_rx_packets),
	NETVSC_PRIV_STAT("vf_rx_bytes", vf_rx_bytes),
	NETVSC_PRIV_STAT("vf_tx_packets", vf_tx_packets),
	NETVSC_PRIV_STAT("vf_tx_bytes", vf_tx_bytes),
	NETVSC_PRIV_STAT("vf_tx_dropped", vf_tx_dropped),
	NETVSC_PRIV_STAT("tx_timeouts", tx_timeouts),
};

#define NETVSC_CORE_STAT(n, f)	{ n, offsetof(struct lis_net_stats, f) }
static const struct netvsc_stat netvsc_core_stats[] = {
	NETVSC_CORE_STAT("tx_copied", tx_copied),
	NETVSC_CORE_STAT("tx_scattered", tx_direct),
	NETVSC_CORE_STAT("tx_send_full", tx_busy),
	NETVSC_CORE_STAT("tx_host_failed", tx_failed),
	NETVSC_CORE_STAT("tx_aborted", tx_aborted),
	NETVSC_CORE_STAT("rx_comp_deferred", rx_comp_deferred),
	NETVSC_CORE_STAT("rx_comp_lost", rx_comp_lost),
	NETVSC_CORE_STAT("rx_control", rx_control),
	NETVSC_CORE_STAT("indications", indications),
	NETVSC_CORE_STAT("host_bad_packet", rx_bad_packet),
	NETVSC_CORE_STAT("host_bad_range", rx_bad_xfer),
	NETVSC_CORE_STAT("host_bad_rndis", rx_bad_rndis),
	NETVSC_CORE_STAT("host_bad_ppi", rx_bad_ppi),
	NETVSC_CORE_STAT("host_bad_nvsp", rx_bad_nvsp),
	NETVSC_CORE_STAT("host_bad_completion", bad_completions),
};

#define NETVSC_QUEUE_STATS	9
/* "<dir>_queue_<n>_<what>", in the order netvsc_get_ethtool_stats fills them */
static const char * const netvsc_queue_stat_names[NETVSC_QUEUE_STATS][2] = {
	{ "tx", "packets" }, { "tx", "bytes" }, { "tx", "dropped" }, { "tx", "busy" },
	{ "tx", "linearized" }, { "rx", "packets" }, { "rx", "bytes" }, { "rx", "dropped" },
	{ "rx", "csum_ok" },
};

static int netvsc_get_sset_count(struct net_device *ndev, int sset)
{
	struct netvsc_priv *p = netdev_priv(ndev);

	if (sset != ETH_SS_STATS)
		return -EOPNOTSUPP;
	return ARRAY_SIZE(netvsc_priv_stats) + ARRAY_SIZE(netvsc_core_stats) +
	       NETVSC_QUEUE_STATS * p->max_queues;
}

static void netvsc_get_strings(struct net_device *ndev, u32 sset, u8 *data)
{
	struct netvsc_priv *p = netdev_priv(ndev);
	u32 i, k;

	if (sset != ETH_SS_STATS)
		return;
	for (i = 0; i < ARRAY_SIZE(netvsc_priv_stats); i++, data += ETH_GSTRING_LEN)
		memcpy(data, netvsc_priv_stats[i].name, ETH_GSTRING_LEN);
	for (i = 0; i < ARRAY_SIZE(netvsc_core_stats); i++, data += ETH_GSTRING_LEN)
		memcpy(data, netvsc_core_stats[i].name, ETH_GSTRING_LEN);
	for (i = 0; i < p->max_queues; i++)
		for (k = 0; k < NETVSC_QUEUE_STATS; k++, data += ETH_GSTRING_LEN)
			snprintf(data, ETH_GSTRING_LEN, "%s_queue_%u_%s",
				 netvsc_queue_stat_names[k][0], i, netvsc_queue_stat_names[k][1]);
}

static void netvsc_get_ethtool_stats(struct net_device *ndev, struct ethtool_stats *es,
				     u64 *data)
{
	struct netvsc_priv *p = netdev_priv(ndev);
	struct lis_net *core = netvsc_core_rtnl(p);
	struct lis_net_stats cs;
	unsigned int start;
	u32 i;

	for (i = 0; i < ARRAY_SIZE(netvsc_priv_stats); i++)
		*data++ = atomic64_read((atomic64_t *)((u8 *)p + netvsc_priv_stats[i].off));
	memset(&cs, 0, sizeof(cs));
	if (core)
		lis_net_get_stats(core, &cs);
	for (i = 0; i < ARRAY_SIZE(netvsc_core_stats); i++)
		*data++ = *(u64 *)((u8 *)&cs + netvsc_core_stats[i].off);
	for (i = 0; i < p->max_queues; i++) {
		struct netvsc_queue *nq = &p->queues[i];

		do {
			start = u64_stats_fetch_begin(&nq->tx_sync);
			data[0] = nq->tx_packets;
			data[1] = nq->tx_bytes;
		} while (u64_stats_fetch_retry(&nq->tx_sync, start));
		data[2] = atomic64_read(&nq->tx_dropped);
		data[3] = atomic64_read(&nq->tx_busy);
		data[4] = atomic64_read(&nq->tx_linearized);
		do {
			start = u64_stats_fetch_begin(&nq->rx_sync);
			data[5] = nq->rx_packets;
			data[6] = nq->rx_bytes;
		} while (u64_stats_fetch_retry(&nq->rx_sync, start));
		data[7] = atomic64_read(&nq->rx_dropped);
		data[8] = atomic64_read(&nq->rx_csum_ok);
		data += NETVSC_QUEUE_STATS;
	}
}

const struct ethtool_ops netvsc_ethtool_ops = {
	.get_drvinfo = netvsc_get_drvinfo,
	.get_link = ethtool_op_get_link,
	LIS_ETHTOOL_LINK_OP(netvsc_link)
	.get_channels = netvsc_get_channels,
	.set_channels = netvsc_set_channels,
	.get_ringparam = netvsc_get_ringparam,
	.set_ringparam = netvsc_set_ringparam,
	.get_sset_count = netvsc_get_sset_count,
	.get_strings = netvsc_get_strings,
	.get_ethtool_stats = netvsc_get_ethtool_stats,
};
