/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Networking shims: the net_device, NAPI, ethtool, skb and upper/lower
 * device APIs whose form changed between 3.10 (RHEL 7), 4.18 (RHEL 8) and
 * today.  Keyed only on HAVE_* from kernel-compat/probes/net.
 */
#ifndef LIS_COMPAT_NET_H
#define LIS_COMPAT_NET_H

#include <linux/netdevice.h>
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/skbuff.h>
#include <linux/if_vlan.h>
#include <linux/random.h>

/* 6.1: netif_napi_add() lost its weight (5.19: netif_napi_add_weight()) */
static inline void lis_netif_napi_add(struct net_device *dev, struct napi_struct *napi,
				      int (*poll)(struct napi_struct *, int), int weight)
{
#ifdef HAVE_NETIF_NAPI_ADD_WEIGHT
	netif_napi_add_weight(dev, napi, poll, weight);
#else
	netif_napi_add(dev, napi, poll, weight);
#endif
}

/* 6.0: drivers say their largest TSO frame with netif_set_tso_max_size() */
static inline void lis_netif_set_tso_max_size(struct net_device *dev, unsigned int size)
{
#ifdef HAVE_NETIF_SET_TSO_MAX_SIZE
	netif_set_tso_max_size(dev, size);
#else
	netif_set_gso_max_size(dev, size);
#endif
}

/* 4.10: napi_complete_done() says whether the poll may stop; 3.19 added it */
static inline bool lis_napi_complete_done(struct napi_struct *napi, int work)
{
#if defined(HAVE_NAPI_COMPLETE_DONE_BOOL)
	return napi_complete_done(napi, work);
#elif defined(HAVE_NAPI_COMPLETE_DONE)
	napi_complete_done(napi, work);
	return true;
#else
	napi_complete(napi);
	return true;
#endif
}

/* 5.6: .ndo_tx_timeout() is told the queue */
#ifdef HAVE_NDO_TX_TIMEOUT_TXQUEUE
#define LIS_NDO_TX_TIMEOUT_ARGS(dev, q)	struct net_device *dev, unsigned int q
#define LIS_NDO_TX_TIMEOUT_QUEUE(q)	((int)(q))
#else
#define LIS_NDO_TX_TIMEOUT_ARGS(dev, q)	struct net_device *dev
#define LIS_NDO_TX_TIMEOUT_QUEUE(q)	(-1)
#endif

/* 4.11: .ndo_get_stats64() returns void */
#ifdef HAVE_NDO_GET_STATS64_VOID
#define LIS_NDO_STATS64_RET		void
#define LIS_NDO_STATS64_RETURN(st)	do { } while (0)
#else
#define LIS_NDO_STATS64_RET		struct rtnl_link_stats64 *
#define LIS_NDO_STATS64_RETURN(st)	return st
#endif

/*
 * .ndo_select_queue(): 5.2 (dev, skb, sb_dev); 4.19 adds a fallback; 3.14
 * (dev, skb, void *accel_priv, fallback); older (dev, skb).  LIS_SELECT_QUEUE
 * defines the callback `name` around a body that sees dev and skb.
 */
#if defined(HAVE_NDO_SELECT_QUEUE_SB_DEV)
#define LIS_SELECT_QUEUE_ARGS(dev, skb)					\
	struct net_device *dev, struct sk_buff *skb, struct net_device *lis_sb_dev
#elif defined(HAVE_NDO_SELECT_QUEUE_SB_DEV_FALLBACK)
#define LIS_SELECT_QUEUE_ARGS(dev, skb)					\
	struct net_device *dev, struct sk_buff *skb, struct net_device *lis_sb_dev, \
	select_queue_fallback_t lis_fallback
#elif defined(HAVE_NDO_SELECT_QUEUE_ACCEL_FALLBACK)
#define LIS_SELECT_QUEUE_ARGS(dev, skb)					\
	struct net_device *dev, struct sk_buff *skb, void *lis_accel_priv,	\
	select_queue_fallback_t lis_fallback
#else
#define LIS_SELECT_QUEUE_ARGS(dev, skb)	struct net_device *dev, struct sk_buff *skb
#endif

/* 5.17: ethtool ring parameters come with the kernel's own struct and extack */
#ifdef HAVE_ETHTOOL_KERNEL_RINGPARAM
#define LIS_RINGPARAM_ARGS(dev, ring)					\
	struct net_device *dev, struct ethtool_ringparam *ring,			\
	struct kernel_ethtool_ringparam *lis_kring, struct netlink_ext_ack *lis_extack
#else
#define LIS_RINGPARAM_ARGS(dev, ring)	struct net_device *dev, struct ethtool_ringparam *ring
#endif

/*
 * 4.6: .get_link_ksettings() (struct ethtool_link_ksettings) replaced
 * .get_settings() (struct ethtool_cmd).  LIS_ETHTOOL_GET_LINK(fn) names the
 * op; fn(dev, struct lis_link_settings *) fills speed (Mb/s) and duplex.
 */
struct lis_link_settings {
	u32 speed;
	u8 duplex;
	u8 port;
};

#ifdef HAVE_ETHTOOL_LINK_KSETTINGS
#define LIS_ETHTOOL_GET_LINK(fn)					static int fn##_ks(struct net_device *dev, struct ethtool_link_ksettings *ks)	{										struct lis_link_settings ls = { SPEED_UNKNOWN, DUPLEX_UNKNOWN, PORT_OTHER }; 										fn(dev, &ls);								ethtool_link_ksettings_zero_link_mode(ks, supported);			ethtool_link_ksettings_zero_link_mode(ks, advertising);		ks->base.speed = ls.speed;						ks->base.duplex = ls.duplex;						ks->base.port = ls.port;						ks->base.autoneg = AUTONEG_DISABLE;					return 0;							}
#define LIS_ETHTOOL_LINK_OP(fn)		.get_link_ksettings = fn##_ks,
#else
#define LIS_ETHTOOL_GET_LINK(fn)					static int fn##_cmd(struct net_device *dev, struct ethtool_cmd *cmd)	{										struct lis_link_settings ls = { SPEED_UNKNOWN, DUPLEX_UNKNOWN, PORT_OTHER }; 										fn(dev, &ls);								memset(cmd, 0, sizeof(*cmd));						ethtool_cmd_speed_set(cmd, ls.speed);					cmd->duplex = ls.duplex;						cmd->port = ls.port;							cmd->autoneg = AUTONEG_DISABLE;						return 0;							}
#define LIS_ETHTOOL_LINK_OP(fn)		.get_settings = fn##_cmd,
#endif

/* 4.10: the core checks MTU changes against min_mtu/max_mtu */
static inline void lis_netdev_set_mtu_range(struct net_device *dev, unsigned int min,
					    unsigned int max)
{
#ifdef HAVE_NET_DEVICE_MAX_MTU
	dev->min_mtu = min;
	dev->max_mtu = max;
#endif
}

/* 5.15: eth_hw_addr_set(); 5.17 made dev_addr const */
static inline void lis_eth_hw_addr_set(struct net_device *dev, const u8 *addr)
{
#ifdef HAVE_ETH_HW_ADDR_SET
	eth_hw_addr_set(dev, addr);
#else
	memcpy(dev->dev_addr, addr, ETH_ALEN);
#endif
}

/* 3.11: notifier data is a netdev_notifier_info */
static inline struct net_device *lis_netdev_notifier_dev(void *ptr)
{
#ifdef HAVE_NETDEV_NOTIFIER_INFO_TO_DEV
	return netdev_notifier_info_to_dev(ptr);
#else
	return ptr;
#endif
}

/* 4.5 / 4.15: upper_priv, upper_info, then extack */
static inline int lis_netdev_master_upper_dev_link(struct net_device *dev,
						   struct net_device *upper)
{
#if defined(HAVE_NETDEV_MASTER_UPPER_DEV_LINK_EXTACK)
	return netdev_master_upper_dev_link(dev, upper, NULL, NULL, NULL);
#elif defined(HAVE_NETDEV_MASTER_UPPER_DEV_LINK_PRIV)
	return netdev_master_upper_dev_link(dev, upper, NULL, NULL);
#else
	return netdev_master_upper_dev_link(dev, upper);
#endif
}

/* 5.0: dev_open() and dev_set_mac_address() take an extack */
static inline int lis_dev_open(struct net_device *dev)
{
#ifdef HAVE_DEV_OPEN_EXTACK
	return dev_open(dev, NULL);
#else
	return dev_open(dev);
#endif
}

static inline int lis_dev_set_mac_address(struct net_device *dev, struct sockaddr *sa)
{
#ifdef HAVE_DEV_SET_MAC_ADDRESS_EXTACK
	return dev_set_mac_address(dev, sa, NULL);
#else
	return dev_set_mac_address(dev, sa);
#endif
}

/* 5.4: skb_frag_off() (5.5 made the fragment a bio_vec) */
static inline unsigned int lis_skb_frag_off(const skb_frag_t *frag)
{
#ifdef HAVE_SKB_FRAG_OFF
	return skb_frag_off(frag);
#else
	return frag->page_offset;
#endif
}

/* 4.0: skb_vlan_tag_*() (vlan_tx_tag_*() before) */
static inline bool lis_skb_vlan_tag_present(const struct sk_buff *skb)
{
#ifdef HAVE_SKB_VLAN_TAG_PRESENT
	return skb_vlan_tag_present(skb);
#else
	return vlan_tx_tag_present(skb);
#endif
}

static inline u16 lis_skb_vlan_tag_get(const struct sk_buff *skb)
{
#ifdef HAVE_SKB_VLAN_TAG_PRESENT
	return skb_vlan_tag_get(skb);
#else
	return vlan_tx_tag_get(skb);
#endif
}

/* 3.14: skb_get_hash()/skb_set_hash() (skb_get_rxhash()/skb->rxhash before) */
static inline u32 lis_skb_get_hash(struct sk_buff *skb)
{
#ifdef HAVE_SKB_SET_HASH
	return skb_get_hash(skb);
#else
	return skb_get_rxhash(skb);
#endif
}

static inline void lis_skb_set_l4_hash(struct sk_buff *skb, u32 hash)
{
#ifdef HAVE_SKB_SET_HASH
	skb_set_hash(skb, hash, PKT_HASH_TYPE_L4);
#else
	skb->rxhash = hash;
	skb->l4_rxhash = 1;
#endif
}

/* 3.14: dev_consume_skb_any() frees without counting a drop */
static inline void lis_dev_consume_skb_any(struct sk_buff *skb)
{
#ifdef HAVE_DEV_CONSUME_SKB_ANY
	dev_consume_skb_any(skb);
#else
	dev_kfree_skb_any(skb);
#endif
}

/* 3.19: the host-wide RSS key */
static inline void lis_netdev_rss_key_fill(void *key, size_t len)
{
#ifdef HAVE_NETDEV_RSS_KEY_FILL
	netdev_rss_key_fill(key, len);
#else
	get_random_bytes(key, len);
#endif
}

#endif /* LIS_COMPAT_NET_H */
