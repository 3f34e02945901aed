// SPDX-License-Identifier: GPL-2.0
/* The guest's network state over rtnetlink (see kvp_net.h). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_addr.h>
#include <sys/socket.h>
#include "hvd.h"
#include "kvp_net.h"

#define NL_BUF		32768

bool kvp_list_add(char *buf, size_t max, const char *item)
{
	size_t len = strlen(buf), add = strlen(item) + (len ? 1 : 0);

	if (len + add > max)
		return false;
	if (len)
		buf[len++] = ';';
	strcpy(buf + len, item);
	return true;
}

int kvp_parse_mac(const char *text, unsigned char mac[6])
{
	unsigned int n = 0, hi = 0;
	bool half = false;
	int v;

	for (; *text; text++) {
		if (*text == ':' || *text == '-' || *text == '.')
			continue;
		if (!isxdigit((unsigned char)*text) || n >= 6)
			return -EINVAL;
		v = isdigit((unsigned char)*text) ? *text - '0' : tolower((unsigned char)*text) - 'a' + 10;
		if (half)
			mac[n++] = (unsigned char)(hi << 4 | (unsigned int)v);
		else
			hi = (unsigned int)v;
		half = !half;
	}
	return n == 6 && !half ? 0 : -EINVAL;
}

/* ---- rtnetlink dumps ---- */

struct nl_req {
	struct nlmsghdr nh;
	union {
		struct ifinfomsg ifi;
		struct ifaddrmsg ifa;
		struct rtmsg rtm;
	};
};

typedef void (*nl_cb)(void *ctx, const struct nlmsghdr *nh);

static int nl_dump(int type, int family, nl_cb cb, void *ctx)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct nl_req req;
	char *buf;
	int fd, ret = 0;
	ssize_t n;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	buf = malloc(NL_BUF);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_type = (unsigned short)type;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = 1;
	if (type == RTM_GETLINK) {
		req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifi));
		req.ifi.ifi_family = AF_UNSPEC;
	} else if (type == RTM_GETADDR) {
		req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifa));
		req.ifa.ifa_family = (unsigned char)family;
	} else {
		req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.rtm));
		req.rtm.rtm_family = (unsigned char)family;
	}
	if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		goto out;
	}
	for (;;) {
		struct nlmsghdr *nh;
		int rem;

		n = recv(fd, buf, NL_BUF, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		rem = (int)n;
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, rem); nh = NLMSG_NEXT(nh, rem)) {
			if (nh->nlmsg_type == NLMSG_DONE)
				goto out;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				ret = -EIO;
				goto out;
			}
			cb(ctx, nh);
		}
		if (n == 0)
			goto out;
	}
out:
	free(buf);
	close(fd);
	return ret;
}

/* ---- interfaces ---- */

struct find_ctx {
	const unsigned char *mac;
	struct kvp_if *out;
	bool found;
};

static void find_link(void *arg, const struct nlmsghdr *nh)
{
	struct find_ctx *c = arg;
	const struct ifinfomsg *ifi = NLMSG_DATA(nh);
	const struct rtattr *a;
	const unsigned char *mac = NULL;
	const char *name = NULL;
	int len;

	if (nh->nlmsg_type != RTM_NEWLINK || nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return;
	len = (int)(nh->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi)));
	for (a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == IFLA_ADDRESS && RTA_PAYLOAD(a) == 6)
			mac = RTA_DATA(a);
		if (a->rta_type == IFLA_IFNAME && RTA_PAYLOAD(a) > 0 &&
		    memchr(RTA_DATA(a), '\0', RTA_PAYLOAD(a)))
			name = RTA_DATA(a);
	}
	/* the first match (a VF shares the synthetic NIC's MAC: that comes first) */
	if (c->found || !mac || !name || memcmp(mac, c->mac, 6))
		return;
	c->found = true;
	c->out->index = ifi->ifi_index;
	hvd_copy(c->out->name, sizeof(c->out->name), name);
	memcpy(c->out->mac, mac, 6);
}

int kvp_net_find(const unsigned char mac[6], struct kvp_if *out)
{
	struct find_ctx c = { .mac = mac, .out = out };
	int ret = nl_dump(RTM_GETLINK, AF_UNSPEC, find_link, &c);

	if (ret)
		return ret;
	return c.found ? 0 : -ENOENT;
}

/* ---- addresses ---- */

struct addr_ctx {
	int ifindex;
	struct kvp_addr_lists *l;
};

static void v4_mask(unsigned int prefix, char *buf, size_t cap)
{
	struct in_addr m;

	m.s_addr = prefix ? htonl(~0u << (32 - prefix)) : 0;
	inet_ntop(AF_INET, &m, buf, (socklen_t)cap);
}

static void add_addr(void *arg, const struct nlmsghdr *nh)
{
	struct addr_ctx *c = arg;
	const struct ifaddrmsg *ifa = NLMSG_DATA(nh);
	const struct rtattr *a;
	const void *addr = NULL, *local = NULL;
	unsigned int flags;
	char text[INET6_ADDRSTRLEN], num[16];
	int len;

	if (nh->nlmsg_type != RTM_NEWADDR || nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)))
		return;
	if (c->ifindex && (int)ifa->ifa_index != c->ifindex)
		return;
	if (!c->ifindex && ifa->ifa_scope == RT_SCOPE_HOST)
		return;		/* loopback */
	flags = ifa->ifa_flags;
	len = (int)(nh->nlmsg_len - NLMSG_LENGTH(sizeof(*ifa)));
	for (a = IFA_RTA(ifa); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == IFA_ADDRESS)
			addr = RTA_DATA(a);
		if (a->rta_type == IFA_LOCAL)
			local = RTA_DATA(a);
		if (a->rta_type == IFA_FLAGS && RTA_PAYLOAD(a) >= 4)
			memcpy(&flags, RTA_DATA(a), 4);
	}
	if (local)
		addr = local;	/* point-to-point: IFA_ADDRESS is the peer */
	if (!addr)
		return;
	if (ifa->ifa_family == AF_INET && ifa->ifa_prefixlen <= 32) {
		inet_ntop(AF_INET, addr, text, sizeof(text));
		v4_mask(ifa->ifa_prefixlen, num, sizeof(num));
		if (kvp_list_add(c->l->v4, KVP_NET_LIST_MAX, text))
			kvp_list_add(c->l->v4_masks, KVP_NET_LIST_MAX, num);
		if (!(flags & IFA_F_PERMANENT))
			c->l->dynamic = true;
	} else if (ifa->ifa_family == AF_INET6 && ifa->ifa_prefixlen <= 128) {
		inet_ntop(AF_INET6, addr, text, sizeof(text));
		snprintf(num, sizeof(num), "%u", ifa->ifa_prefixlen);
		if (kvp_list_add(c->l->v6, KVP_NET_LIST_MAX, text))
			kvp_list_add(c->l->v6_prefixes, KVP_NET_LIST_MAX, num);
	}
}

static void add_gateway(void *arg, const struct nlmsghdr *nh)
{
	struct addr_ctx *c = arg;
	const struct rtmsg *rt = NLMSG_DATA(nh);
	const struct rtattr *a;
	const void *gw = NULL;
	char text[INET6_ADDRSTRLEN];
	int len, oif = 0;

	if (nh->nlmsg_type != RTM_NEWROUTE || nh->nlmsg_len < NLMSG_LENGTH(sizeof(*rt)))
		return;
	if (rt->rtm_dst_len != 0 || rt->rtm_table != RT_TABLE_MAIN)
		return;
	len = (int)(nh->nlmsg_len - NLMSG_LENGTH(sizeof(*rt)));
	for (a = RTM_RTA(rt); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == RTA_GATEWAY)
			gw = RTA_DATA(a);
		if (a->rta_type == RTA_OIF && RTA_PAYLOAD(a) >= 4)
			memcpy(&oif, RTA_DATA(a), 4);
	}
	if (!gw || oif != c->ifindex)
		return;
	if (inet_ntop(rt->rtm_family, gw, text, sizeof(text)))
		kvp_list_add(c->l->gateways, KVP_NET_GW_MAX, text);
}

int kvp_net_addresses(int ifindex, struct kvp_addr_lists *l)
{
	struct addr_ctx c = { .ifindex = ifindex, .l = l };
	int ret;

	memset(l, 0, sizeof(*l));
	ret = nl_dump(RTM_GETADDR, AF_UNSPEC, add_addr, &c);
	if (ret || !ifindex)
		return ret;
	ret = nl_dump(RTM_GETROUTE, AF_INET, add_gateway, &c);
	if (!ret)
		ret = nl_dump(RTM_GETROUTE, AF_INET6, add_gateway, &c);
	return ret;
}

int kvp_dns_servers(const char *path, char *buf, size_t cap)
{
	unsigned char bin[sizeof(struct in6_addr)];
	char line[512], addr[INET6_ADDRSTRLEN + 1];
	FILE *f;

	buf[0] = '\0';
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " nameserver %46s", addr) != 1)
			continue;
		/* only what parses as an address goes to the host */
		if (inet_pton(AF_INET, addr, bin) != 1 && inet_pton(AF_INET6, addr, bin) != 1)
			continue;
		kvp_list_add(buf, cap - 1, addr);
	}
	fclose(f);
	return 0;
}
