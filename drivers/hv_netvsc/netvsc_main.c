// SPDX-License-Identifier: GPL-2.0
/*
 * hv_netvsc: binds the synthetic network adapter class on the LIS VMBus,
 * brings each NIC up through the portable core and registers a net_device
 * for it, named and placed as the in-tree driver does (an "eth%d" Ethernet
 * device, a child of the vmbus device), so udev rules, ifcfg files and
 * cloud-init keep finding it.  A PCI NIC with the same MAC address becomes
 * its VF (netvsc_vf.c): accelerated networking as on Azure.
 *
 * The core object is replaced whole when the host must be told something
 * it only hears at bring-up (MTU, number of channels, buffer sizes):
 * netvsc_reattach() under RTNL, as the in-tree driver does.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/cpumask.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include "netvsc_glue.h"

static unsigned int ring_size = 128;
module_param(ring_size, uint, 0444);
MODULE_PARM_DESC(ring_size, "Ring buffer size per direction and channel (# of 4K pages)");

static unsigned int max_queues;
module_param(max_queues, uint, 0444);
MODULE_PARM_DESC(max_queues, "Most channels (queues) per NIC; 0: one per online CPU, up to 64");

static unsigned int recv_buffer_kb = 16 * 1024;
module_param(recv_buffer_kb, uint, 0444);
MODULE_PARM_DESC(recv_buffer_kb, "Receive buffer shared with the host (KiB)");

static unsigned int send_buffer_kb = 1024;
module_param(send_buffer_kb, uint, 0444);
MODULE_PARM_DESC(send_buffer_kb, "Send buffer shared with the host (KiB)");

/* ---- what the core tells us ---- */

static void ops_rx_frame(void *ctx, u32 q, const struct lis_net_rx_frame *f)
{
	netvsc_rx_frame(ctx, q, f);
}

static void ops_rx_done(void *ctx, u32 q)
{
	netvsc_rx_done(ctx, q);
}

static void ops_tx_done(void *ctx, u32 q, void *cookie, bool ok)
{
	netvsc_tx_done(ctx, q, cookie, ok);
}

static void ops_tx_wake(void *ctx, u32 q)
{
	netvsc_tx_wake(ctx, q);
}

static void ops_link_changed(void *ctx, bool up)
{
	struct netvsc_priv *p = ctx;

	if (up)
		netif_carrier_on(p->ndev);
	else
		netif_carrier_off(p->ndev);
}

static void ops_refresh_needed(void *ctx)
{
	struct netvsc_priv *p = ctx;

	/* a network change bounces the link for a moment, as in-tree */
	if (!READ_ONCE(p->removing))
		schedule_delayed_work(&p->link_work, HZ);
}

static void ops_vf_changed(void *ctx, bool allocated, u32 serial)
{
	netvsc_vf_changed(ctx, allocated, serial);
}

static void ops_queues_changed(void *ctx, u32 n)
{
	struct netvsc_priv *p = ctx;

	WRITE_ONCE(p->queues_pending, n);
	if (!READ_ONCE(p->removing))
		schedule_work(&p->queues_work);
}

static unsigned int ops_pick_cpu(void *ctx, unsigned int index)
{
	struct netvsc_priv *p = ctx;

	return lis_vmbus_pick_cpu(p->vdev, index);
}

const struct lis_net_ops netvsc_core_ops = {
	.rx_frame = ops_rx_frame,
	.rx_done = ops_rx_done,
	.tx_done = ops_tx_done,
	.tx_wake = ops_tx_wake,
	.link_changed = ops_link_changed,
	.refresh_needed = ops_refresh_needed,
	.vf_changed = ops_vf_changed,
	.queues_changed = ops_queues_changed,
	.pick_cpu = ops_pick_cpu,
};

/* ---- work ---- */

/* the queues the core has open with RSS over them, as many as we have */
static u32 netvsc_queue_count(struct netvsc_priv *p, struct lis_net *core)
{
	return min_t(u32, lis_net_queues(core), p->max_queues);
}

static void netvsc_queues_work(struct work_struct *w)
{
	struct netvsc_priv *p = container_of(w, struct netvsc_priv, queues_work);
	struct lis_net *core;
	u32 n;

	rtnl_lock();
	core = netvsc_core_rtnl(p);
	if (core && !p->removing) {
		n = netvsc_queue_count(p, core);
		if (n != p->ndev->real_num_tx_queues) {
			netif_set_real_num_tx_queues(p->ndev, n);
			netif_set_real_num_rx_queues(p->ndev, n);
			netdev_info(p->ndev, "%u queues\n", n);
		}
	}
	rtnl_unlock();
}

static void netvsc_link_work(struct work_struct *w)
{
	struct netvsc_priv *p = container_of(to_delayed_work(w), struct netvsc_priv, link_work);
	struct lis_net *core;

	rtnl_lock();
	core = netvsc_core_rtnl(p);
	if (core && !p->removing && lis_net_refresh_link(core))
		netdev_warn(p->ndev, "cannot read the link state\n");
	rtnl_unlock();
}

static void netvsc_rx_mode_work(struct work_struct *w)
{
	struct netvsc_priv *p = container_of(w, struct netvsc_priv, rx_mode_work);
	struct lis_net *core;

	rtnl_lock();
	core = netvsc_core_rtnl(p);
	if (core && !p->removing && netif_running(p->ndev))
		lis_net_set_filter(core, netvsc_rx_filter(p->ndev));
	rtnl_unlock();
}

/* ---- attaching the core ---- */

/* create the core with the current settings (RTNL held, or not registered) */
int netvsc_attach(struct netvsc_priv *p)
{
	struct lis_net_config cfg;
	struct lis_net *core;
	int ret;

	memset(&cfg, 0, sizeof(cfg));
	cfg.ops = &netvsc_core_ops;
	cfg.ctx = p;
	cfg.ring_bytes = clamp_t(u32, ring_size, 4, 4096) * LIS_HV_PAGE_SIZE;
	cfg.recv_buf_bytes = p->recv_buf_bytes;
	cfg.send_buf_bytes = p->send_buf_bytes;
	cfg.mtu = p->ndev->mtu;
	cfg.max_queues = p->want_queues;
	memcpy(cfg.rss_key, p->rss_key, sizeof(cfg.rss_key));
	ret = lis_net_create(p->primary, &cfg, &core);
	if (ret)
		return ret;
	lis_net_get_info(core, &p->info);
	rcu_assign_pointer(p->core, core);
	netvsc_set_features(p);
	if (p->info.link_up)
		netif_carrier_on(p->ndev);
	else
		netif_carrier_off(p->ndev);
	/*
	 * Sub-channels open in the offer context, during the create or after
	 * it: RSS may be on already, and a queues_changed() that came before
	 * p->core was set found no core.  The count the core has now, and the
	 * work sets it again under RTNL in case it changes in between.
	 */
	netif_set_real_num_tx_queues(p->ndev, netvsc_queue_count(p, core));
	netif_set_real_num_rx_queues(p->ndev, netvsc_queue_count(p, core));
	if (!READ_ONCE(p->removing))
		schedule_work(&p->queues_work);
	return 0;
}

/* the data path must be stopped; RTNL held, or not registered */
void netvsc_detach(struct netvsc_priv *p)
{
	struct lis_net *core = rcu_dereference_protected(p->core, true);

	if (!core)
		return;
	RCU_INIT_POINTER(p->core, NULL);
	/* no transmit may still be looking at it */
	synchronize_net();
	if (lis_channel_rescinded(p->primary))
		lis_net_kill(core);
	lis_net_destroy(core);
	p->datapath_vf = false;
}

/* tell the host new bring-up settings: a new core (RTNL held) */
int netvsc_reattach(struct netvsc_priv *p)
{
	bool up = netif_running(p->ndev);
	int ret;

	if (up)
		netvsc_stop(p);
	netvsc_detach(p);
	ret = netvsc_attach(p);
	if (!ret && up)
		netvsc_start(p);
	/* the VF's data path was the old core's */
	if (!ret)
		schedule_work(&p->vf_work);
	return ret;
}

/* ---- the vmbus driver ---- */

static u32 netvsc_buffer_bytes(unsigned int kb)
{
	return (u32)min_t(u64, (u64)kb * 1024, LIS_NVSP_RECV_BUF_MAX);
}

static void netvsc_cancel_work(struct netvsc_priv *p)
{
	cancel_work_sync(&p->queues_work);
	cancel_delayed_work_sync(&p->link_work);
	cancel_work_sync(&p->rx_mode_work);
}

static int netvsc_probe(struct lis_vmbus_device *vdev, const struct hv_vmbus_device_id *id)
{
	struct net_device *ndev;
	struct netvsc_priv *p;
	u32 nq;
	int ret;

	if (!vdev->channel)
		return -ENODEV;
	nq = min_t(u32, num_online_cpus(), LIS_NET_MAX_QUEUES);
	if (max_queues)
		nq = clamp_t(u32, max_queues, 1, LIS_NET_MAX_QUEUES);
	ndev = alloc_etherdev_mq(sizeof(*p), nq);
	if (!ndev)
		return -ENOMEM;
	SET_NETDEV_DEV(ndev, lis_vmbus_device_dev(vdev));
	p = netdev_priv(ndev);
	p->ndev = ndev;
	p->vdev = vdev;
	p->primary = vdev->channel;
	p->max_queues = nq;
	p->want_queues = nq;
	p->recv_buf_bytes = netvsc_buffer_bytes(recv_buffer_kb);
	p->send_buf_bytes = netvsc_buffer_bytes(send_buffer_kb);
	INIT_WORK(&p->queues_work, netvsc_queues_work);
	INIT_DELAYED_WORK(&p->link_work, netvsc_link_work);
	INIT_WORK(&p->rx_mode_work, netvsc_rx_mode_work);
	INIT_LIST_HEAD(&p->node);
	netvsc_vf_prepare(p);
	lis_netdev_rss_key_fill(p->rss_key, sizeof(p->rss_key));
	p->queues = kcalloc(nq, sizeof(*p->queues), GFP_KERNEL);
	if (!p->queues) {
		ret = -ENOMEM;
		goto free;
	}
	ndev->netdev_ops = &netvsc_netdev_ops;
	ndev->ethtool_ops = &netvsc_ethtool_ops;
	netvsc_queues_init(p);

	ret = netvsc_attach(p);
	if (ret) {
		dev_err(&vdev->dev, "hv_netvsc: the NIC did not come up (%d)\n", ret);
		goto fini;
	}
	/* the host's frame size may be below the Ethernet default */
	if (p->info.max_frame >= LIS_NET_MIN_MTU && p->info.max_frame < ndev->mtu)
		ndev->mtu = p->info.max_frame;
	lis_netdev_set_mtu_range(ndev, LIS_NET_MIN_MTU,
				 p->info.nvsp_version >= LIS_NVSP_VERSION_2 ? LIS_NET_MAX_MTU :
									      ETH_DATA_LEN);
	lis_eth_hw_addr_set(ndev, p->info.mac);
	memcpy(ndev->perm_addr, p->info.perm_mac, ETH_ALEN);
	lis_vmbus_set_drvdata(vdev, p);

	ret = register_netdev(ndev);
	if (ret) {
		dev_err(&vdev->dev, "hv_netvsc: cannot register the net device (%d)\n", ret);
		goto detach;
	}
	netdev_info(ndev, "NVSP %u.%u, NDIS %u.%u, %pM, link %s, %u queues at most\n",
		    p->info.nvsp_version >> 16, p->info.nvsp_version & 0xffff,
		    p->info.ndis_version >> 16, p->info.ndis_version & 0xffff, ndev->dev_addr,
		    p->info.link_up ? "up" : "down", nq);
	netvsc_vf_register_device(p);
	return 0;

detach:
	lis_vmbus_set_drvdata(vdev, NULL);
	WRITE_ONCE(p->removing, true);
	netvsc_detach(p);
	netvsc_vf_unregister_device(p);
	netvsc_cancel_work(p);
fini:
	netvsc_queues_fini(p);
	kfree(p->queues);
free:
	lis_net_release(vdev->channel);
	free_netdev(ndev);
	return ret;
}

static void netvsc_remove(struct lis_vmbus_device *vdev)
{
	struct netvsc_priv *p = lis_vmbus_get_drvdata(vdev);
	struct net_device *ndev;

	if (!p)
		return;
	ndev = p->ndev;
	WRITE_ONCE(p->removing, true);
	/* the VF goes back to being a NIC of its own */
	netvsc_vf_unregister_device(p);
	netvsc_cancel_work(p);
	unregister_netdev(ndev);
	netvsc_cancel_work(p);
	rtnl_lock();
	netvsc_detach(p);
	rtnl_unlock();
	lis_net_release(p->primary);
	lis_vmbus_set_drvdata(vdev, NULL);
	netvsc_queues_fini(p);
	kfree(p->queues);
	free_netdev(ndev);
}

static const struct hv_vmbus_device_id netvsc_id_table[] = {
	{ .guid.b = { LIS_NET_CLASS_BYTES } },
	{ },
};
MODULE_DEVICE_TABLE(vmbus, netvsc_id_table);

static struct lis_vmbus_driver netvsc_driver = {
	.name = NETVSC_DRV_NAME,
	.id_table = netvsc_id_table,
	.probe = netvsc_probe,
	.remove = netvsc_remove,
};

static int __init netvsc_init(void)
{
	int ret;

	ret = netvsc_vf_init();
	if (ret)
		return ret;
	ret = lis_vmbus_driver_register(&netvsc_driver);
	if (ret)
		netvsc_vf_exit();
	return ret;
}

static void __exit netvsc_exit(void)
{
	lis_vmbus_driver_unregister(&netvsc_driver);
	netvsc_vf_exit();
}

module_init(netvsc_init);
module_exit(netvsc_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("LIS synthetic network adapter for Hyper-V");
MODULE_VERSION(LIS_VERSION);
