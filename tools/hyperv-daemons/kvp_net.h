/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's network state for KVP, read with rtnetlink (no scripts):
 * interfaces by MAC address, their IPv4/IPv6 addresses with netmasks or
 * prefix lengths, default gateways, whether an address came from DHCP; and
 * the DNS servers of resolv.conf.  Lists are ';'-separated, as the host
 * expects, and never longer than their KVP field can carry.
 */
#ifndef KVP_NET_H
#define KVP_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>

struct kvp_if {
	int index;
	char name[IF_NAMESIZE];
	unsigned char mac[6];
};

/* the MAC in any of 00:15:5D:0A:0B:0C, 00-15-5d-0a-0b-0c, 00155D0A0B0C */
int kvp_parse_mac(const char *text, unsigned char mac[6]);
/* the interface with that MAC: 0, -ENOENT, -errno */
int kvp_net_find(const unsigned char mac[6], struct kvp_if *out);

struct kvp_addr_lists {
	char v4[1024];		/* "10.0.0.4;10.0.0.5" */
	char v4_masks[1024];	/* "255.255.255.0;255.255.255.0" */
	char v6[1024];		/* "fe80::1;2001:db8::5" */
	char v6_prefixes[1024];	/* "64;64" */
	char gateways[512];	/* default routes through the interface */
	bool dynamic;		/* an IPv4 address with a lease (DHCP) */
};

/* cap of each list: the KVP field's UTF-16 units less the NUL */
#define KVP_NET_LIST_MAX	1023
#define KVP_NET_GW_MAX		511

/* ifindex 0: every interface but loopback (no gateways then) */
int kvp_net_addresses(int ifindex, struct kvp_addr_lists *l);
/* "nameserver" lines of the resolv.conf at path */
int kvp_dns_servers(const char *path, char *buf, size_t cap);

/* append item to a ';'-list in buf if the result stays within max chars;
 * false if it did not fit */
bool kvp_list_add(char *buf, size_t max, const char *item);

#endif
