// SPDX-License-Identifier: GPL-2.0
/*
 * Accelerated networking: a PCI NIC (the VF the host passes through) with
 * the synthetic NIC's MAC address becomes its lower device, as the in-tree
 * driver does it — transparent bonding without a bond:
 *  - on NETDEV_REGISTER the VF is taken: our rx handler on it (its frames
 *    come up as ours), linked below us as master, IFF_SLAVE; shortly after,
 *    it gets our MTU and address lists and is opened if we are up;
 *  - while the VF runs and the host has associated a VF (SEND_VF_ASSOCIATION)
 *    the data path is the VF's (SWITCH_DATA_PATH) and we transmit through
 *    it; when it goes down, goes away or the host withdraws it, the data path
 *    comes back to the synthetic NIC;
 *  - our MTU, MAC address, VLAN ids, address lists and up/down follow to it.
 * Everything here runs under RTNL, except the transmit and receive hooks
 * (RCU) and netvsc_vf_changed() (the channel's event half).
 */
#include <linux/kernel.h>
#include <linux/netdevice.h>
#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/if_vlan.h>
#include <linux/pci.h>
#include <linux/rtnetlink.h>
#include "netvsc_glue.h"

/* the VF settles (its own driver finishes probing) before we touch it */
#define NETVSC_VF_SETUP_DELAY	(HZ / 10)

static LIST_HEAD(netvsc_devices);	/* under RTNL */

/* ---- the data path ---- */

/* the path we want: the VF's while it runs and the host has one (RTNL) */
static void netvsc_vf_update_datapath(struct netvsc_priv *p, bool going_down)
{
	struct net_device *vf = rtnl_dereference(p->vf);
	struct lis_net *core = netvsc_core_rtnl(p);
	bool want;
	int ret;

	if (!core)
		return;
	want = vf && !going_down && netif_running(vf) && READ_ONCE(p->vf_allocated);
	if (want == READ_ONCE(p->datapath_vf))
		return;
	if (!want)
		WRITE_ONCE(p->datapath_vf, false);	/* stop transmitting through it now */
	ret = lis_net_switch_datapath(core, want);
	if (ret) {
		netdev_err(p->ndev, "the host did not switch the data path %s the VF (%d)\n",
			   want ? "to" : "from", ret);
		return;
	}
	WRITE_ONCE(p->datapath_vf, want);
	netdev_info(p->ndev, "Data path switched %s VF: %s\n", want ? "to" : "from",
		    vf ? vf->name : "(gone)");
}

static void netvsc_vf_work(struct work_struct *w)
{
	struct netvsc_priv *p = container_of(w, struct netvsc_priv, vf_work);

	rtnl_lock();
	if (!p->removing)
		netvsc_vf_update_datapath(p, false);
	rtnl_unlock();
}

/* SEND_VF_ASSOCIATION (the channel's event half) */
void netvsc_vf_changed(struct netvsc_priv *p, bool allocated, u32 serial)
{
	WRITE_ONCE(p->vf_serial, serial);
	WRITE_ONCE(p->vf_allocated, allocated);
	/* a withdrawn VF took the data path with it */
	if (!allocated)
		WRITE_ONCE(p->datapath_vf, false);
	netdev_info(p->ndev, "VF slot %u %s\n", serial, allocated ? "added" : "removed");
	if (!READ_ONCE(p->removing))
		schedule_work(&p->vf_work);
}

/* ---- frames ---- */

static rx_handler_result_t netvsc_vf_rx(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	struct net_device *ndev = rcu_dereference(skb->dev->rx_handler_data);
	struct netvsc_priv *p = netdev_priv(ndev);

	skb = skb_share_check(skb, GFP_ATOMIC);
	if (!skb)
		return RX_HANDLER_CONSUMED;
	*pskb = skb;
	skb->dev = ndev;
	atomic64_inc(&p->vf_rx_packets);
	atomic64_add(skb->len + ETH_HLEN, &p->vf_rx_bytes);
	return RX_HANDLER_ANOTHER;
}

/* true when the VF took the skb */
bool netvsc_vf_xmit(struct netvsc_priv *p, struct sk_buff *skb)
{
	struct net_device *vf = rcu_dereference_bh(p->vf);
	unsigned int len = skb->len;
	int ret;

	if (!vf || !READ_ONCE(p->datapath_vf) || !netif_running(vf) || !netif_carrier_ok(vf))
		return false;
	skb->dev = vf;
	ret = dev_queue_xmit(skb);
	if (ret == NET_XMIT_SUCCESS || ret == NET_XMIT_CN) {
		atomic64_inc(&p->vf_tx_packets);
		atomic64_add(len, &p->vf_tx_bytes);
	} else {
		atomic64_inc(&p->vf_tx_dropped);
	}
	return true;
}

void netvsc_vf_stats(struct netvsc_priv *p, struct rtnl_link_stats64 *st)
{
	st->rx_packets += atomic64_read(&p->vf_rx_packets);
	st->rx_bytes += atomic64_read(&p->vf_rx_bytes);
	st->tx_packets += atomic64_read(&p->vf_tx_packets);
	st->tx_bytes += atomic64_read(&p->vf_tx_bytes);
	st->tx_dropped += atomic64_read(&p->vf_tx_dropped);
}

/* ---- settings that follow us to the VF ---- */

int netvsc_vf_set_mtu(struct netvsc_priv *p, int mtu)
{
	struct net_device *vf = rtnl_dereference(p->vf);

	return vf ? dev_set_mtu(vf, mtu) : 0;
}

int netvsc_vf_set_mac(struct netvsc_priv *p, struct sockaddr *sa)
{
	struct net_device *vf = rtnl_dereference(p->vf);

	return vf ? lis_dev_set_mac_address(vf, sa) : 0;
}

void netvsc_vf_open(struct netvsc_priv *p, bool up)
{
	struct net_device *vf = rtnl_dereference(p->vf);
	int ret;

	if (!vf)
		return;
	if (!up) {
		dev_close(vf);
		return;
	}
	ret = lis_dev_open(vf);
	if (ret)
		netdev_warn(p->ndev, "cannot open VF %s: %d\n", vf->name, ret);
}

/* ndo_set_rx_mode: the address lists (atomic context) */
void netvsc_vf_sync(struct netvsc_priv *p)
{
	struct net_device *vf;

	rcu_read_lock();
	vf = rcu_dereference(p->vf);
	if (vf) {
		dev_uc_sync(vf, p->ndev);
		dev_mc_sync(vf, p->ndev);
	}
	rcu_read_unlock();
}

void netvsc_vf_vlan(struct netvsc_priv *p, __be16 proto, u16 vid, bool add)
{
	struct net_device *vf = rtnl_dereference(p->vf);
	int ret = 0;

	if (!vf)
		return;
	if (add)
		ret = vlan_vid_add(vf, proto, vid);
	else
		vlan_vid_del(vf, proto, vid);
	if (ret)
		netdev_warn(p->ndev, "VF %s did not take VLAN %u: %d\n", vf->name, vid, ret);
}

/* shortly after it joined: our MTU, lists and state */
static void netvsc_vf_setup(struct work_struct *w)
{
	struct netvsc_priv *p = container_of(to_delayed_work(w), struct netvsc_priv, vf_setup);
	struct net_device *vf;
	int ret;

	rtnl_lock();
	vf = rtnl_dereference(p->vf);
	if (!vf || p->removing)
		goto out;
	ret = dev_set_mtu(vf, p->ndev->mtu);
	if (ret)
		netdev_warn(p->ndev, "VF %s did not take MTU %u: %d\n", vf->name, p->ndev->mtu,
			    ret);
	netif_addr_lock_bh(p->ndev);
	dev_uc_sync(vf, p->ndev);
	dev_mc_sync(vf, p->ndev);
	netif_addr_unlock_bh(p->ndev);
	if (netif_running(p->ndev))
		netvsc_vf_open(p, true);
	netvsc_vf_update_datapath(p, false);
out:
	rtnl_unlock();
}

/* ---- joining and leaving ---- */

static bool netvsc_vf_candidate(struct net_device *dev)
{
	struct device *parent = dev->dev.parent;

	return dev->netdev_ops != &netvsc_netdev_ops && dev->type == ARPHRD_ETHER &&
	       dev->addr_len == ETH_ALEN && !is_vlan_dev(dev) &&
	       !(dev->flags & (IFF_MASTER | IFF_SLAVE | IFF_LOOPBACK)) &&
	       !netdev_master_upper_dev_get(dev) && parent && parent->bus == &pci_bus_type;
}

static bool netvsc_vf_matches(struct netvsc_priv *p, struct net_device *dev)
{
	return ether_addr_equal(dev->perm_addr, p->ndev->perm_addr) ||
	       ether_addr_equal(dev->dev_addr, p->ndev->dev_addr);
}

static void netvsc_vf_join(struct netvsc_priv *p, struct net_device *vf)
{
	int ret;

	ret = netdev_rx_handler_register(vf, netvsc_vf_rx, p->ndev);
	if (ret) {
		netdev_warn(p->ndev, "cannot take VF %s: it has a receive handler (%d)\n",
			    vf->name, ret);
		return;
	}
	ret = lis_netdev_master_upper_dev_link(vf, p->ndev);
	if (ret) {
		netdev_warn(p->ndev, "cannot take VF %s: %d\n", vf->name, ret);
		netdev_rx_handler_unregister(vf);
		return;
	}
	vf->flags |= IFF_SLAVE;
	dev_hold(vf);
	rcu_assign_pointer(p->vf, vf);
	netdev_info(p->ndev, "VF registering: %s\n", vf->name);
	schedule_delayed_work(&p->vf_setup, NETVSC_VF_SETUP_DELAY);
}

static void netvsc_vf_leave(struct netvsc_priv *p)
{
	struct net_device *vf = rtnl_dereference(p->vf);

	if (!vf)
		return;
	netvsc_vf_update_datapath(p, true);
	netdev_info(p->ndev, "VF unregistering: %s\n", vf->name);
	netdev_rx_handler_unregister(vf);
	netdev_upper_dev_unlink(vf, p->ndev);
	vf->flags &= ~IFF_SLAVE;
	RCU_INIT_POINTER(p->vf, NULL);
	/* no transmit still holds it */
	synchronize_net();
	dev_put(vf);
}

static struct netvsc_priv *netvsc_vf_owner(struct net_device *vf)
{
	struct netvsc_priv *p;

	list_for_each_entry(p, &netvsc_devices, node)
		if (rtnl_dereference(p->vf) == vf)
			return p;
	return NULL;
}

static int netvsc_netdev_event(struct notifier_block *nb, unsigned long event, void *ptr)
{
	struct net_device *dev = lis_netdev_notifier_dev(ptr);
	struct netvsc_priv *p;

	if (dev->netdev_ops == &netvsc_netdev_ops)
		return NOTIFY_DONE;
	switch (event) {
	case NETDEV_REGISTER:
		if (!netvsc_vf_candidate(dev))
			break;
		list_for_each_entry(p, &netvsc_devices, node) {
			if (!rtnl_dereference(p->vf) && !p->removing && netvsc_vf_matches(p, dev)) {
				netvsc_vf_join(p, dev);
				break;
			}
		}
		break;
	case NETDEV_UNREGISTER:
		p = netvsc_vf_owner(dev);
		if (p)
			netvsc_vf_leave(p);
		break;
	case NETDEV_UP:
	case NETDEV_DOWN:
	case NETDEV_CHANGE:
	case NETDEV_GOING_DOWN:
		p = netvsc_vf_owner(dev);
		if (p)
			netvsc_vf_update_datapath(p, event == NETDEV_GOING_DOWN);
		break;
	default:
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block netvsc_netdev_notifier = {
	.notifier_call = netvsc_netdev_event,
};

/* before the core can tell us about VFs */
void netvsc_vf_prepare(struct netvsc_priv *p)
{
	INIT_DELAYED_WORK(&p->vf_setup, netvsc_vf_setup);
	INIT_WORK(&p->vf_work, netvsc_vf_work);
}

/* a new synthetic NIC: it may find its VF already there */
void netvsc_vf_register_device(struct netvsc_priv *p)
{
	struct net_device *dev;

	rtnl_lock();
	list_add_tail(&p->node, &netvsc_devices);
	for_each_netdev(&init_net, dev) {
		if (netvsc_vf_candidate(dev) && netvsc_vf_matches(p, dev)) {
			netvsc_vf_join(p, dev);
			break;
		}
	}
	rtnl_unlock();
}

void netvsc_vf_unregister_device(struct netvsc_priv *p)
{
	rtnl_lock();
	netvsc_vf_leave(p);
	if (!list_empty(&p->node))
		list_del_init(&p->node);
	rtnl_unlock();
	cancel_delayed_work_sync(&p->vf_setup);
	cancel_work_sync(&p->vf_work);
}

int netvsc_vf_init(void)
{
	return register_netdevice_notifier(&netvsc_netdev_notifier);
}

void netvsc_vf_exit(void)
{
	unregister_netdevice_notifier(&netvsc_netdev_notifier);
}
