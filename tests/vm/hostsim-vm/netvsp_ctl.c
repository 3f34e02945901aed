// SPDX-License-Identifier: GPL-2.0
/*
 * hostsim-vm's netvsp control commands (included by hostsim-vm.c, so it
 * shares its state, event log and GUID parser).  All NICs are on one
 * virtual switch.
 *   netvsp NAME INSTANCE MAC QUEUES [MTU]
 *					offer a synthetic NIC (RSS queues; the
 *					largest frame it passes, 1500 if not given)
 *   netvsp-link NAME up|down		cable in or out
 *   netvsp-vf NAME add|remove SERIAL	SEND_VF_ASSOCIATION
 *   netvsp-vfport NAME SOCK PEER	the NIC's VF wire: a unix datagram socket
 *					at SOCK that exchanges frames with PEER
 *					(QEMU's -netdev dgram of the emulated
 *					PCI NIC that plays the VF): frames the
 *					switch sends to the VF go to PEER, frames
 *					from PEER enter the switch at its host port
 *   netvsp-rescind NAME			rescind the NIC (all its channels)
 *   netvsp-stats NAME			hs_netvsp_stats (and the VF wire's
 *					counters) as key=value lines
 * NICs live until the host process ends.
 */
#define MAX_NV		4

static struct {
	char name[32];
	struct hs_netvsp *nic;
	int vf_fd;
	struct sockaddr_un vf_peer;
	atomic_ullong vf_in, vf_out;
} NV[MAX_NV];
static unsigned int nnv;
static struct hs_vswitch *nv_switch;
static pthread_mutex_t nv_lock = PTHREAD_MUTEX_INITIALIZER;

static int nv_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < nnv; i++)
		if (!strcmp(NV[i].name, name))
			return (int)i;
	return -1;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int v[6], i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++) {
		if (v[i] > 0xff)
			return -1;
		mac[i] = (uint8_t)v[i];
	}
	return 0;
}

static void nv_add(char **argv, unsigned int argc, FILE *f)
{
	struct hs_netvsp_config cfg;
	int n;

	memset(&cfg, 0, sizeof(cfg));
	if (strlen(argv[1]) >= sizeof(NV[0].name) || parse_guid(argv[2], cfg.instance_guid) ||
	    parse_mac(argv[3], cfg.mac)) {
		fprintf(f, "error: netvsp NAME INSTANCE MAC QUEUES [MTU]\n");
		return;
	}
	cfg.max_queues = (uint16_t)strtoul(argv[4], NULL, 0);
	if (argc == 6)
		cfg.mtu = (uint32_t)strtoul(argv[5], NULL, 0);
	pthread_mutex_lock(&nv_lock);
	if (nv_find(argv[1]) >= 0 || nnv == MAX_NV) {
		pthread_mutex_unlock(&nv_lock);
		fprintf(f, "error: netvsp %s exists, or too many\n", argv[1]);
		return;
	}
	cfg.vswitch = nv_switch;
	NV[nnv].nic = hs_netvsp_add(S.h, &cfg);
	if (!NV[nnv].nic) {
		pthread_mutex_unlock(&nv_lock);
		fprintf(f, "error: hostsim refused the netvsp\n");
		return;
	}
	nv_switch = hs_netvsp_vswitch(NV[nnv].nic);
	snprintf(NV[nnv].name, sizeof(NV[nnv].name), "%s", argv[1]);
	NV[nnv].vf_fd = -1;
	n = (int)nnv++;
	pthread_mutex_unlock(&nv_lock);
	event("netvsp %s instance=%s mac=%s relid=%u", argv[1], argv[2], argv[3],
	      hs_channel_relid(hs_device_channel(hs_netvsp_device(NV[n].nic), 0)));
	fprintf(f, "relid %u\n", hs_channel_relid(hs_device_channel(hs_netvsp_device(NV[n].nic), 0)));
}

/* the VF wire: frames both ways until the host process stops */
static void *nv_vf_thread(void *arg)
{
	int n = (int)(intptr_t)arg, len, idle;
	const size_t cap = 65536 + 64;
	uint8_t *b = malloc(cap);
	ssize_t got;

	while (b && !atomic_load(&S.stop)) {
		idle = 1;
		got = recv(NV[n].vf_fd, b, cap, MSG_DONTWAIT);
		if (got > 0) {
			idle = 0;
			if (!hs_vswitch_inject(nv_switch, b, (uint32_t)got))
				atomic_fetch_add(&NV[n].vf_in, 1);
		}
		len = hs_netvsp_vf_capture(NV[n].nic, b, (uint32_t)cap);
		if (len > 0) {
			idle = 0;
			if (sendto(NV[n].vf_fd, b, (size_t)len, 0, (struct sockaddr *)&NV[n].vf_peer,
				   sizeof(NV[n].vf_peer)) == len)
				atomic_fetch_add(&NV[n].vf_out, 1);
		}
		if (idle)
			usleep(200);
	}
	free(b);
	return NULL;
}

static void nv_vfport(char **argv, FILE *f)
{
	struct sockaddr_un sa;
	pthread_t t;
	int n, fd;

	pthread_mutex_lock(&nv_lock);
	n = nv_find(argv[1]);
	pthread_mutex_unlock(&nv_lock);
	if (n < 0 || NV[n].vf_fd >= 0 || strlen(argv[2]) >= sizeof(sa.sun_path) ||
	    strlen(argv[3]) >= sizeof(sa.sun_path)) {
		fprintf(f, "error: netvsp-vfport NAME SOCK PEER (one wire per NIC)\n");
		return;
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[2]);
	unlink(argv[2]);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		if (fd >= 0)
			close(fd);
		fprintf(f, "error: cannot bind %s: %s\n", argv[2], strerror(errno));
		return;
	}
	memset(&NV[n].vf_peer, 0, sizeof(NV[n].vf_peer));
	NV[n].vf_peer.sun_family = AF_UNIX;
	snprintf(NV[n].vf_peer.sun_path, sizeof(NV[n].vf_peer.sun_path), "%s", argv[3]);
	NV[n].vf_fd = fd;
	if (pthread_create(&t, NULL, nv_vf_thread, (void *)(intptr_t)n)) {
		close(fd);
		NV[n].vf_fd = -1;
		fprintf(f, "error: no thread for the VF wire\n");
		return;
	}
	pthread_detach(t);
	event("netvsp-vfport %s %s", argv[1], argv[3]);
	fprintf(f, "ok\n");
}

static void nv_simple(char **argv, unsigned int argc, FILE *f)
{
	int n, rc = -1;

	pthread_mutex_lock(&nv_lock);
	n = nv_find(argv[1]);
	if (n >= 0 && !strcmp(argv[0], "netvsp-link") && argc == 3)
		rc = hs_netvsp_set_link(NV[n].nic, !strcmp(argv[2], "up"));
	else if (n >= 0 && !strcmp(argv[0], "netvsp-vf") && argc == 4)
		rc = hs_netvsp_vf_associate(NV[n].nic, !strcmp(argv[2], "add"),
					    (uint32_t)strtoul(argv[3], NULL, 0));
	else if (n >= 0 && !strcmp(argv[0], "netvsp-rescind") && argc == 2)
		rc = hs_device_rescind(hs_netvsp_device(NV[n].nic));
	pthread_mutex_unlock(&nv_lock);
	if (rc) {
		fprintf(f, "error: %s %s failed\n", argv[0], argv[1]);
		return;
	}
	event("%s %s %s", argv[0], argv[1], argc > 2 ? argv[2] : "");
	fprintf(f, "ok\n");
}

static void nv_stats_cmd(const char *name, FILE *f)
{
	struct hs_netvsp_stats st;
	int n;

	pthread_mutex_lock(&nv_lock);
	n = nv_find(name);
	if (n >= 0)
		hs_netvsp_stats(NV[n].nic, &st);
	pthread_mutex_unlock(&nv_lock);
	if (n < 0) {
		fprintf(f, "error: no netvsp %s\n", name);
		return;
	}
	fprintf(f, "nvsp_version=%#x\nndis_version=%#x\nndis_mtu=%u\nrndis_initialized=%d\n"
		"link_up=%d\npacket_filter=%#x\nsubchannels=%u\nrss_enabled=%d\n"
		"vf_allocated=%d\ndatapath_vf=%d\ntx_frames=%llu\ntx_dropped=%llu\n"
		"tx_lso_packets=%llu\nrx_frames=%llu\nrx_dropped=%llu\nvf_frames=%llu\n"
		"bad_requests=%llu\nvf_wire_in=%llu\nvf_wire_out=%llu\n"
		"recv_buffer_bytes=%u\nsend_buffer_bytes=%u\n",
		st.nvsp_version, st.ndis_version, st.ndis_mtu, st.rndis_initialized, st.link_up,
		st.packet_filter, st.subchannels, st.rss_enabled, st.vf_allocated, st.datapath_vf,
		(unsigned long long)st.tx_frames, (unsigned long long)st.tx_dropped,
		(unsigned long long)st.tx_lso_packets, (unsigned long long)st.rx_frames,
		(unsigned long long)st.rx_dropped, (unsigned long long)st.vf_frames,
		(unsigned long long)st.bad_requests, (unsigned long long)atomic_load(&NV[n].vf_in),
		(unsigned long long)atomic_load(&NV[n].vf_out), st.recv_buffer_bytes,
		st.send_buffer_bytes);
}

/* 1 when the command was one of ours (answered in f) */
static int netvsp_command(char **argv, unsigned int argc, FILE *f)
{
	if (!strcmp(argv[0], "netvsp") && (argc == 5 || argc == 6))
		nv_add(argv, argc, f);
	else if (!strcmp(argv[0], "netvsp-vfport") && argc == 4)
		nv_vfport(argv, f);
	else if ((!strcmp(argv[0], "netvsp-link") && argc == 3) ||
		 (!strcmp(argv[0], "netvsp-vf") && argc == 4) ||
		 (!strcmp(argv[0], "netvsp-rescind") && argc == 2))
		nv_simple(argv, argc, f);
	else if (!strcmp(argv[0], "netvsp-stats") && argc == 2)
		nv_stats_cmd(argv[1], f);
	else
		return 0;
	return 1;
}
