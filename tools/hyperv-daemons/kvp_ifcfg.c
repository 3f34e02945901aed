// SPDX-License-Identifier: GPL-2.0
/*
 * KVP SET_IP_INFO, the host's IP injection (Hyper-V Replica failover): the
 * settings become the interface's network-scripts file,
 * /etc/sysconfig/network-scripts/ifcfg-<interface> — the file RHEL's
 * network service and NetworkManager's ifcfg-rh plugin read.  Every address,
 * mask, prefix, gateway and DNS server must parse; the file is rebuilt from
 * the parsed values (the host's text never reaches it) and replaced
 * atomically.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "hvd.h"
#include "kvp_net.h"
#include "kvp_ifcfg.h"

#define IFCFG_DIR	"/etc/sysconfig/network-scripts"
#define IFCFG_MAX_ITEMS	64

struct ip_item {
	int family;
	char text[INET6_ADDRSTRLEN];
};

/* split a ';'-list of addresses (both families) */
static int parse_addrs(const char *list, struct ip_item *out, int max)
{
	char buf[2 * LIS_KVP_IP_ADDR_UNITS], *save = NULL, *tok;
	unsigned char bin[sizeof(struct in6_addr)];
	int n = 0;

	hvd_copy(buf, sizeof(buf), list);
	for (tok = strtok_r(buf, "; ", &save); tok; tok = strtok_r(NULL, "; ", &save)) {
		if (n >= max)
			return -E2BIG;
		if (inet_pton(AF_INET, tok, bin) == 1)
			out[n].family = AF_INET;
		else if (inet_pton(AF_INET6, tok, bin) == 1)
			out[n].family = AF_INET6;
		else
			return -EINVAL;
		inet_ntop(out[n].family, bin, out[n].text, sizeof(out[n].text));
		n++;
	}
	return n;
}

/* a dotted IPv4 mask with contiguous ones, or a prefix length */
static int v4_prefix(const char *s)
{
	struct in_addr a;
	uint32_t m;
	char *end;
	long p;

	if (inet_pton(AF_INET, s, &a) == 1) {
		m = ntohl(a.s_addr);
		if (m & (~m >> 1))	/* a zero followed by a one */
			return -1;
		return __builtin_popcount(m);
	}
	p = strtol(s, &end, 10);
	return *s && !*end && p >= 0 && p <= 32 ? (int)p : -1;
}

static int v6_prefix(const char *s)
{
	char *end;
	long p = strtol(s, &end, 10);

	return *s && !*end && p >= 0 && p <= 128 ? (int)p : -1;
}

/* the ';'-list of masks/prefixes into words */
static int split(const char *list, char words[][INET6_ADDRSTRLEN], int max)
{
	char buf[2 * LIS_KVP_IP_ADDR_UNITS], *save = NULL, *tok;
	int n = 0;

	hvd_copy(buf, sizeof(buf), list);
	for (tok = strtok_r(buf, "; ", &save); tok; tok = strtok_r(NULL, "; ", &save)) {
		if (n >= max || strlen(tok) >= INET6_ADDRSTRLEN)
			return -E2BIG;
		strcpy(words[n++], tok);
	}
	return n;
}

static bool field_ok(const uint8_t *f, size_t cap)
{
	return hvd_strnlen(f, cap) >= 0;
}

uint32_t kvp_ifcfg_write(const struct hvd_opts *o, const struct kvp_if *ifc,
			 const struct lis_kvp_dip_info *ip)
{
	static struct ip_item addrs[IFCFG_MAX_ITEMS], gws[IFCFG_MAX_ITEMS], dns[IFCFG_MAX_ITEMS];
	static char masks[IFCFG_MAX_ITEMS][INET6_ADDRSTRLEN];
	char dir[PATH_MAX], path[PATH_MAX], tmp[PATH_MAX], v6sec[1024] = "";
	int na, nm, ng, nd, i, n4 = 0, n6 = 0, g4 = 0, p, fd;
	bool dhcp = ip->dhcp_enabled;
	FILE *f;

	if (!field_ok(ip->ip_addr, sizeof(ip->ip_addr)) || !field_ok(ip->sub_net, sizeof(ip->sub_net)) ||
	    !field_ok(ip->gate_way, sizeof(ip->gate_way)) ||
	    !field_ok(ip->dns_addr, sizeof(ip->dns_addr)) || ip->dhcp_enabled > 1)
		return LIS_IC_E_FAIL;
	na = parse_addrs((const char *)ip->ip_addr, addrs, IFCFG_MAX_ITEMS);
	nm = split((const char *)ip->sub_net, masks, IFCFG_MAX_ITEMS);
	ng = parse_addrs((const char *)ip->gate_way, gws, IFCFG_MAX_ITEMS);
	nd = parse_addrs((const char *)ip->dns_addr, dns, IFCFG_MAX_ITEMS);
	if (na < 0 || nm < 0 || ng < 0 || nd < 0 || (!dhcp && nm < na)) {
		hvd_err("kvp: the host's IP settings for %s do not parse", ifc->name);
		return LIS_IC_E_INVALIDARG;
	}
	if (hvd_path(o, IFCFG_DIR, dir, sizeof(dir)) ||
	    snprintf(path, sizeof(path), "%s/ifcfg-%s", dir, ifc->name) >= (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s/.ifcfg-%s.hvkvp", dir, ifc->name) >= (int)sizeof(tmp))
		return LIS_IC_E_FAIL;
	hvd_mkdirs(dir, 0755);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f) {
		hvd_err("kvp: cannot write %s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		return LIS_IC_E_FAIL;
	}
	fprintf(f, "# Written by hypervkvpd: the Hyper-V host's IP settings for this interface\n");
	fprintf(f, "DEVICE=%s\nHWADDR=%02x:%02x:%02x:%02x:%02x:%02x\nTYPE=Ethernet\nONBOOT=yes\n",
		ifc->name, ifc->mac[0], ifc->mac[1], ifc->mac[2], ifc->mac[3], ifc->mac[4],
		ifc->mac[5]);
	fprintf(f, "BOOTPROTO=%s\n", dhcp ? "dhcp" : "none");
	for (i = 0; i < na; i++) {
		if (addrs[i].family == AF_INET) {
			if (dhcp)
				continue;
			p = v4_prefix(masks[i]);
			if (p < 0)
				goto bad;
			if (n4)
				fprintf(f, "IPADDR%d=%s\nPREFIX%d=%d\n", n4, addrs[i].text, n4, p);
			else
				fprintf(f, "IPADDR=%s\nPREFIX=%d\n", addrs[i].text, p);
			n4++;
		} else {
			p = v6_prefix(i < nm ? masks[i] : "64");
			if (p < 0)
				goto bad;
			if (!n6++) {
				fprintf(f, "IPV6INIT=yes\nIPV6ADDR=%s/%d\n", addrs[i].text, p);
			} else {
				char item[INET6_ADDRSTRLEN + 16];

				snprintf(item, sizeof(item), "%s/%d", addrs[i].text, p);
				if (v6sec[0])
					strncat(v6sec, " ", sizeof(v6sec) - strlen(v6sec) - 1);
				strncat(v6sec, item, sizeof(v6sec) - strlen(v6sec) - 1);
			}
		}
	}
	if (v6sec[0])
		fprintf(f, "IPV6ADDR_SECONDARIES=\"%s\"\n", v6sec);
	for (i = 0; i < ng; i++) {
		if (gws[i].family == AF_INET6) {
			fprintf(f, "IPV6_DEFAULTGW=%s\n", gws[i].text);
		} else if (!dhcp) {
			if (g4)
				fprintf(f, "GATEWAY%d=%s\n", g4, gws[i].text);
			else
				fprintf(f, "GATEWAY=%s\n", gws[i].text);
			g4++;
		}
	}
	for (i = 0; i < nd; i++)
		fprintf(f, "DNS%d=%s\n", i + 1, dns[i].text);
	if (fflush(f) || fsync(fileno(f))) {
		fclose(f);
		unlink(tmp);
		return LIS_IC_E_FAIL;
	}
	fclose(f);
	if (rename(tmp, path)) {
		hvd_err("kvp: cannot put %s in place: %s", path, strerror(errno));
		unlink(tmp);
		return LIS_IC_E_FAIL;
	}
	hvd_info("kvp: wrote the host's IP settings for %s to %s", ifc->name, path);
	return LIS_IC_S_OK;
bad:
	fclose(f);
	unlink(tmp);
	hvd_err("kvp: a netmask or prefix of the host's IP settings for %s does not parse",
		ifc->name);
	return LIS_IC_E_INVALIDARG;
}
