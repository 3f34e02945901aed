// SPDX-License-Identifier: GPL-2.0
/*
 * hostsim-vm's control commands for dynamic memory, hv_sock and the uio
 * echo device (included by hostsim-vm.c, so it shares its state and event
 * log):
 *   balloon INSTANCE			offer the dynamic-memory device
 *   balloon-ready MS			wait until the guest's capabilities were accepted
 *   balloon-inflate PAGES MS		BALLOON_REQUEST; answers "got N"
 *   balloon-deflate PAGES MS		UNBALLOON_REQUEST(s) for that many held pages
 *   balloon-hot-add START COUNT MS	MEM_HOT_ADD_REQUEST; answers "added N result R"
 *   balloon-stats			hs_balloon_stats as key=value lines
 *   vsock-listen PORT BYTES SEED	accept one guest connection to host PORT;
 *					send BYTES pseudo-random bytes (SEED), shut
 *					down, read the guest's bytes to its end
 *   vsock-connect GPORT HPORT BYTES SEED	the same, the host connecting to
 *					guest port GPORT from HPORT
 *   vsock-result HPORT MS		wait for that exchange; key=value lines
 *   vsock-stats			the endpoint's counters
 *   echo INSTANCE CLASS XOR		offer an echo device (uio_hv_generic)
 *   echo-stats				its counters
 * One balloon, one endpoint, one echo device per host process; each lives
 * until it ends.
 */
#define DS_MAX_JOBS	8

struct ds_job {
	bool used, from_host, done;
	uint32_t guest_port, host_port, bytes, seed;
	pthread_t thread;
	char why[96];			/* empty: the exchange went well */
	struct hs_vsock_conn *c;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct hs_balloon *dm;
	struct hs_vsock *vs;
	struct hs_echo *echo;
	struct ds_job jobs[DS_MAX_JOBS];
} DS = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static uint64_t ds_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void ds_balloon(char **argv, FILE *f)
{
	struct hs_balloon_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	if (parse_guid(argv[1], cfg.instance_guid)) {
		fprintf(f, "error: balloon INSTANCE\n");
		return;
	}
	pthread_mutex_lock(&DS.lock);
	if (!DS.dm)
		DS.dm = hs_balloon_add(S.h, &cfg);
	pthread_mutex_unlock(&DS.lock);
	if (!DS.dm) {
		fprintf(f, "error: hostsim refused the balloon\n");
		return;
	}
	event("balloon instance=%s", argv[1]);
	fprintf(f, "ok\n");
}

static void ds_balloon_op(char **argv, unsigned int argc, FILE *f)
{
	struct hs_page_range r;
	uint32_t n = 0, res = 0;
	unsigned int ms = (unsigned int)strtoul(argv[argc - 1], NULL, 0);
	int rc = -EINVAL;

	if (!DS.dm) {
		fprintf(f, "error: no balloon\n");
		return;
	}
	if (!strcmp(argv[0], "balloon-ready") && argc == 2) {
		rc = hs_balloon_wait_ready(DS.dm, ms);
		if (!rc)
			fprintf(f, "ok\n");
	} else if (!strcmp(argv[0], "balloon-inflate") && argc == 3) {
		rc = hs_balloon_inflate(DS.dm, (uint32_t)strtoul(argv[1], NULL, 0), &n, ms);
		if (!rc)
			fprintf(f, "got %u\n", n);
	} else if (!strcmp(argv[0], "balloon-deflate") && argc == 3) {
		rc = hs_balloon_deflate(DS.dm, (uint32_t)strtoul(argv[1], NULL, 0), ms);
		if (!rc)
			fprintf(f, "ok\n");
	} else if (!strcmp(argv[0], "balloon-hot-add") && argc == 4) {
		r.start = strtoull(argv[1], NULL, 0);
		r.count = strtoull(argv[2], NULL, 0);
		rc = hs_balloon_hot_add(DS.dm, &r, NULL, &n, &res, ms);
		if (!rc)
			fprintf(f, "added %u result %u\n", n, res);
	}
	if (rc)
		fprintf(f, "error: %s: %s\n", argv[0], strerror(-rc));
	else
		event("%s %s", argv[0], argc > 2 ? argv[1] : "");
}

static void ds_balloon_stats(FILE *f)
{
	struct hs_balloon_stats st;

	if (!DS.dm) {
		fprintf(f, "error: no balloon\n");
		return;
	}
	hs_balloon_stats(DS.dm, &st);
	fprintf(f, "open=%d\nversion=%#x\ncaps_accepted=%d\nstatus_reports=%llu\n"
		"num_avail=%llu\nnum_committed=%llu\nballooned=%llu\nhot_added=%llu\n"
		"protocol_errors=%llu\n", st.open, st.version, st.caps_accepted,
		(unsigned long long)st.status_reports, (unsigned long long)st.num_avail,
		(unsigned long long)st.num_committed, (unsigned long long)st.ballooned,
		(unsigned long long)st.hot_added, (unsigned long long)st.protocol_errors);
}

/* ---- hv_sock ---- */

static void ds_fill(uint8_t *b, uint32_t n, uint32_t *seed)
{
	uint32_t i, s = *seed ? *seed : 1;

	for (i = 0; i < n; i++) {
		s ^= s << 13;
		s ^= s >> 17;
		s ^= s << 5;
		b[i] = (uint8_t)s;
	}
	*seed = s;
}

static void *ds_exchange(void *arg)
{
	struct ds_job *j = arg;
	static __thread uint8_t buf[65536];
	uint32_t left, n, seed;
	int r;

	if (j->from_host)
		j->c = hs_vsock_connect(DS.vs, j->guest_port, j->host_port, 60000);
	else
		j->c = hs_vsock_accept(DS.vs, j->host_port, 120000);
	if (!j->c) {
		snprintf(j->why, sizeof(j->why), "no connection");
		goto out;
	}
	event("vsock %s guest port %u host port %u", j->from_host ? "connected to" : "accepted",
	      j->guest_port, j->host_port);
	seed = j->seed;
	for (left = j->bytes; left; left -= n) {
		n = left < sizeof(buf) ? left : (uint32_t)sizeof(buf);
		ds_fill(buf, n, &seed);
		if (hs_vsock_send(j->c, buf, n)) {
			snprintf(j->why, sizeof(j->why), "send failed");
			goto out;
		}
	}
	hs_vsock_shutdown(j->c);
	while ((r = hs_vsock_recv(j->c, buf, sizeof(buf), 60000)) > 0)
		;
	if (r < 0)
		snprintf(j->why, sizeof(j->why), "receive ended: %s", strerror(-r));
	else if (hs_vsock_wait_sent(j->c, 60000))
		snprintf(j->why, sizeof(j->why), "the guest did not take all bytes");
out:
	pthread_mutex_lock(&DS.lock);
	j->done = true;
	pthread_cond_broadcast(&DS.cond);
	pthread_mutex_unlock(&DS.lock);
	return NULL;
}

static void ds_vsock_start(char **argv, unsigned int argc, FILE *f)
{
	struct ds_job *j = NULL;
	bool from_host = !strcmp(argv[0], "vsock-connect");
	unsigned int i;

	pthread_mutex_lock(&DS.lock);
	if (!DS.vs)
		DS.vs = hs_vsock_add(S.h, &(struct hs_vsock_config){ 0 });
	for (i = 0; i < DS_MAX_JOBS && !j; i++)
		if (!DS.jobs[i].used)
			j = &DS.jobs[i];
	if (!DS.vs || !j || argc != (from_host ? 5u : 4u)) {
		pthread_mutex_unlock(&DS.lock);
		fprintf(f, "error: vsock-listen PORT BYTES SEED | vsock-connect GPORT HPORT BYTES SEED\n");
		return;
	}
	memset(j, 0, sizeof(*j));
	j->used = true;
	j->from_host = from_host;
	j->guest_port = from_host ? (uint32_t)strtoul(argv[1], NULL, 0) : 0;
	j->host_port = (uint32_t)strtoul(argv[from_host ? 2 : 1], NULL, 0);
	j->bytes = (uint32_t)strtoul(argv[argc - 2], NULL, 0);
	j->seed = (uint32_t)strtoul(argv[argc - 1], NULL, 0);
	if (!from_host)
		hs_vsock_listen(DS.vs, j->host_port);
	if (pthread_create(&j->thread, NULL, ds_exchange, j)) {
		j->used = false;
		pthread_mutex_unlock(&DS.lock);
		fprintf(f, "error: thread\n");
		return;
	}
	pthread_detach(j->thread);
	pthread_mutex_unlock(&DS.lock);
	fprintf(f, "ok\n");
}

static void ds_vsock_result(char **argv, FILE *f)
{
	uint32_t port = (uint32_t)strtoul(argv[1], NULL, 0);
	uint64_t deadline = ds_now_ms() + strtoul(argv[2], NULL, 0);
	struct hs_vsock_conn_stats st;
	struct ds_job *j = NULL;
	char rx[65], tx[65];
	unsigned int i;

	pthread_mutex_lock(&DS.lock);
	for (i = 0; i < DS_MAX_JOBS; i++)
		if (DS.jobs[i].used && DS.jobs[i].host_port == port)
			j = &DS.jobs[i];
	while (j && !j->done && ds_now_ms() < deadline) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 50 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&DS.cond, &DS.lock, &ts);
	}
	if (!j || !j->done) {
		pthread_mutex_unlock(&DS.lock);
		fprintf(f, "error: no finished exchange on host port %u\n", port);
		return;
	}
	if (j->c) {
		hs_vsock_conn_stats(j->c, &st);
		for (i = 0; i < 32; i++) {
			snprintf(rx + 2 * i, 3, "%02x", st.rx_sha256[i]);
			snprintf(tx + 2 * i, 3, "%02x", st.tx_sha256[i]);
		}
		fprintf(f, "guest_port=%u\nhost_port=%u\nfrom_host=%d\nrx_bytes=%llu\n"
			"rx_packets=%llu\nmax_rx_packet=%u\nrx_sha256=%s\ntx_bytes=%llu\n"
			"tx_packets=%llu\ntx_sha256=%s\nguest_shutdown=%d\nclosed=%d\n"
			"protocol_errors=%llu\n", st.guest_port, st.host_port, st.from_host,
			(unsigned long long)st.rx_bytes, (unsigned long long)st.rx_packets,
			st.max_rx_packet, rx, (unsigned long long)st.tx_bytes,
			(unsigned long long)st.tx_packets, tx, st.guest_shutdown, st.closed,
			(unsigned long long)st.protocol_errors);
	}
	fprintf(f, "why=%s\n", j->why);
	pthread_mutex_unlock(&DS.lock);
}

static void ds_vsock_stats(FILE *f)
{
	struct hs_vsock_stats st;

	if (!DS.vs) {
		fprintf(f, "error: no endpoint\n");
		return;
	}
	hs_vsock_stats(DS.vs, &st);
	fprintf(f, "connect_requests=%llu\nrefused=%llu\nconnections=%llu\nprotocol_errors=%llu\n",
		(unsigned long long)st.connect_requests, (unsigned long long)st.refused,
		(unsigned long long)st.connections, (unsigned long long)st.protocol_errors);
}

/* ---- the echo device ---- */

static void ds_echo(char **argv, FILE *f)
{
	struct hs_echo_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	if (parse_guid(argv[1], cfg.instance_guid) || parse_guid(argv[2], cfg.class_guid)) {
		fprintf(f, "error: echo INSTANCE CLASS XOR\n");
		return;
	}
	cfg.xor = (uint8_t)strtoul(argv[3], NULL, 0);
	pthread_mutex_lock(&DS.lock);
	if (!DS.echo)
		DS.echo = hs_echo_add(S.h, &cfg);
	pthread_mutex_unlock(&DS.lock);
	if (!DS.echo) {
		fprintf(f, "error: hostsim refused the echo device\n");
		return;
	}
	event("echo instance=%s class=%s", argv[1], argv[2]);
	fprintf(f, "ok\n");
}

static void ds_echo_stats(FILE *f)
{
	struct hs_echo_stats st;

	if (!DS.echo) {
		fprintf(f, "error: no echo device\n");
		return;
	}
	hs_echo_stats(DS.echo, &st);
	fprintf(f, "open=%d\nopens=%u\npackets_in=%llu\nbytes_in=%llu\npackets_out=%llu\n"
		"echo_full=%llu\nlast_trans_id=%llu\nlast_len=%u\nprotocol_errors=%llu\n",
		st.open, st.opens, (unsigned long long)st.packets_in,
		(unsigned long long)st.bytes_in, (unsigned long long)st.packets_out,
		(unsigned long long)st.echo_full, (unsigned long long)st.last_trans_id,
		st.last_len, (unsigned long long)st.protocol_errors);
}

static int dm_sock_command(char **argv, unsigned int argc, FILE *f)
{
	if (!strcmp(argv[0], "balloon") && argc == 2)
		ds_balloon(argv, f);
	else if (!strncmp(argv[0], "balloon-", 8) && strcmp(argv[0], "balloon-stats"))
		ds_balloon_op(argv, argc, f);
	else if (!strcmp(argv[0], "balloon-stats") && argc == 1)
		ds_balloon_stats(f);
	else if (!strcmp(argv[0], "vsock-listen") || !strcmp(argv[0], "vsock-connect"))
		ds_vsock_start(argv, argc, f);
	else if (!strcmp(argv[0], "vsock-result") && argc == 3)
		ds_vsock_result(argv, f);
	else if (!strcmp(argv[0], "vsock-stats") && argc == 1)
		ds_vsock_stats(f);
	else if (!strcmp(argv[0], "echo") && argc == 4)
		ds_echo(argv, f);
	else if (!strcmp(argv[0], "echo-stats") && argc == 1)
		ds_echo_stats(f);
	else
		return 0;
	return 1;
}
