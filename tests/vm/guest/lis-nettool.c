// SPDX-License-Identifier: GPL-2.0
/*
 * lis-nettool: the few ethtool requests the VM rung's netvsc checks make
 * (tests/vm/netvsc.sh), through SIOCETHTOOL; the guest has busybox, which
 * has no ethtool.  Static, built by tests/vm/build.sh.
 *   lis-nettool IFACE info		driver, version, firmware, bus
 *   lis-nettool IFACE channels [N]	combined channels (set N)
 *   lis-nettool IFACE rings [RX TX]	ring sizes (set them)
 *   lis-nettool IFACE stats		every statistic as name=value
 * Exit 0, 1 on a failed request (errno printed), 2 on a usage error.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <net/if.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>

static int sock;
static const char *ifname;

static int request(void *cmd, const char *what)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = cmd;
	if (ioctl(sock, SIOCETHTOOL, &ifr) == 0)
		return 0;
	fprintf(stderr, "lis-nettool: %s on %s: %s\n", what, ifname, strerror(errno));
	return -1;
}

static int info(void)
{
	struct ethtool_drvinfo d;

	memset(&d, 0, sizeof(d));
	d.cmd = ETHTOOL_GDRVINFO;
	if (request(&d, "ETHTOOL_GDRVINFO"))
		return 1;
	printf("driver=%.32s\nversion=%.32s\nfirmware=%.32s\nbus=%.32s\n", d.driver, d.version,
	       d.fw_version, d.bus_info);
	return 0;
}

static int channels(int argc, char **argv)
{
	struct ethtool_channels c;

	memset(&c, 0, sizeof(c));
	c.cmd = ETHTOOL_GCHANNELS;
	if (request(&c, "ETHTOOL_GCHANNELS"))
		return 1;
	if (argc == 1) {
		c.cmd = ETHTOOL_SCHANNELS;
		c.combined_count = (uint32_t)strtoul(argv[0], NULL, 0);
		if (request(&c, "ETHTOOL_SCHANNELS"))
			return 1;
		c.cmd = ETHTOOL_GCHANNELS;
		if (request(&c, "ETHTOOL_GCHANNELS"))
			return 1;
	}
	printf("combined=%u\nmax_combined=%u\nrx=%u\ntx=%u\nother=%u\n", c.combined_count,
	       c.max_combined, c.rx_count, c.tx_count, c.other_count);
	return 0;
}

static int rings(int argc, char **argv)
{
	struct ethtool_ringparam r;

	memset(&r, 0, sizeof(r));
	r.cmd = ETHTOOL_GRINGPARAM;
	if (request(&r, "ETHTOOL_GRINGPARAM"))
		return 1;
	if (argc == 2) {
		r.cmd = ETHTOOL_SRINGPARAM;
		r.rx_pending = (uint32_t)strtoul(argv[0], NULL, 0);
		r.tx_pending = (uint32_t)strtoul(argv[1], NULL, 0);
		if (request(&r, "ETHTOOL_SRINGPARAM"))
			return 1;
		r.cmd = ETHTOOL_GRINGPARAM;
		if (request(&r, "ETHTOOL_GRINGPARAM"))
			return 1;
	}
	printf("rx=%u\nrx_max=%u\ntx=%u\ntx_max=%u\n", r.rx_pending, r.rx_max_pending,
	       r.tx_pending, r.tx_max_pending);
	return 0;
}

static int stats(void)
{
	struct {
		struct ethtool_sset_info hdr;
		uint32_t data[1];
	} ss;
	struct ethtool_gstrings *names;
	struct ethtool_stats *vals;
	uint32_t n, i;

	memset(&ss, 0, sizeof(ss));
	ss.hdr.cmd = ETHTOOL_GSSET_INFO;
	ss.hdr.sset_mask = 1ULL << ETH_SS_STATS;
	if (request(&ss, "ETHTOOL_GSSET_INFO"))
		return 1;
	n = ss.hdr.sset_mask ? ss.data[0] : 0;
	names = calloc(1, sizeof(*names) + (size_t)n * ETH_GSTRING_LEN);
	vals = calloc(1, sizeof(*vals) + (size_t)n * sizeof(uint64_t));
	if (!names || !vals) {
		fprintf(stderr, "lis-nettool: no memory for %u statistics\n", n);
		return 1;
	}
	names->cmd = ETHTOOL_GSTRINGS;
	names->string_set = ETH_SS_STATS;
	names->len = n;
	vals->cmd = ETHTOOL_GSTATS;
	vals->n_stats = n;
	if (request(names, "ETHTOOL_GSTRINGS") || request(vals, "ETHTOOL_GSTATS"))
		return 1;
	for (i = 0; i < n && i < names->len && i < vals->n_stats; i++)
		printf("%.*s=%llu\n", ETH_GSTRING_LEN, (const char *)names->data + i * ETH_GSTRING_LEN,
		       (unsigned long long)vals->data[i]);
	free(names);
	free(vals);
	return 0;
}

int main(int argc, char **argv)
{
	const char *op;

	if (argc < 3) {
		fprintf(stderr, "usage: lis-nettool IFACE info|channels [N]|rings [RX TX]|stats\n");
		return 2;
	}
	ifname = argv[1];
	op = argv[2];
	sock = socket(AF_INET, SOCK_DGRAM, 0);
	if (sock < 0) {
		perror("lis-nettool: socket");
		return 1;
	}
	if (!strcmp(op, "info") && argc == 3)
		return info();
	if (!strcmp(op, "channels") && argc <= 4)
		return channels(argc - 3, argv + 3);
	if (!strcmp(op, "rings") && (argc == 3 || argc == 5))
		return rings(argc - 3, argv + 3);
	if (!strcmp(op, "stats") && argc == 3)
		return stats();
	fprintf(stderr, "usage: lis-nettool IFACE info|channels [N]|rings [RX TX]|stats\n");
	return 2;
}
