// SPDX-License-Identifier: GPL-2.0
/*
 * hostsim-vm: the VM rung's simulated Hyper-V host, as a host process next
 * to QEMU (test-only, never packaged).
 *
 *   hostsim-vm serve --socket S --ctl C --ram FILE --ram-size BYTES
 *                    [--vps N] [--offer NAME,CLASS,INSTANCE]... [--log FILE]
 *   hostsim-vm ctl C COMMAND [ARGS...]	one control command; prints the answer
 *   hostsim-vm wait C KEY{==,!=,>=,<=,>,<}VALUE TIMEOUT_MS
 *
 * serve: creates the guest's RAM file (QEMU maps it with
 * memory-backend-file,share=on) and maps it too; serves QEMU's
 * ivshmem-doorbell socket itself (the host is peer 0 and never connects as
 * a QEMU; the guest is peer 1); runs hostsim with a guest environment whose
 * map() turns a GPA into a pointer into the RAM file (bounds-checked) and
 * whose interrupt() raises an MSI-X vector of the guest; answers the
 * bridge's mailbox calls (tests/vm/lisvm_proto.h) with hs_guest_*; and takes
 * commands on the control socket (see ctl_command).  hostsim's state lives
 * as long as this process: across guest reboots, kexec and crashes.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "hostsim.h"
#include "lisvm_proto.h"

#define MAX_DEVS	64
#define MAX_EVENTS	4096
#define EVENT_LEN	160
#define GiB		(1024ull * 1024 * 1024)

struct vm_dev {
	char name[32];
	char class_s[40], inst_s[40];
	struct hs_device *hs;
	uint32_t relid;
	bool rescinded;
};

struct vm_event {
	uint64_t seq;
	double t;			/* seconds since start */
	char text[EVENT_LEN];
};

static struct {
	/* configuration */
	const char *sock_path, *ctl_path, *ram_path, *log_path;
	uint64_t ram_size, low_ram;
	uint32_t nr_vps;

	/* resources */
	uint8_t *ram;
	int shm_fd;
	struct lisvm_shared *shm;
	int host_efd[LISVM_MAX_VPS];	/* the guest rings these */
	int guest_efd[LISVM_MAX_VPS];	/* we ring these: MSI-X vector n */
	struct hs_host *h;
	FILE *log;
	struct timespec t0;

	/* state shown to the control socket.  Lock order: lock, then
	 * hostsim's own lock, then ev_lock (hostsim logs with its lock held,
	 * so event() may take nothing but ev_lock) */
	pthread_mutex_t lock, ev_lock;
	struct vm_dev devs[MAX_DEVS];
	unsigned int ndevs;
	struct vm_event ev[MAX_EVENTS];
	uint64_t nev;
	uint64_t hellos;
	struct hs_vmbus_state hello_state;	/* hostsim's state at the last hello */

	atomic_uint_least64_t calls, irqs, bad_maps, bad_irqs, bad_calls;
	atomic_bool stop;
} S;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "hostsim-vm: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(2);
}

static double since_start(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - S.t0.tv_sec) + (double)(now.tv_nsec - S.t0.tv_nsec) / 1e9;
}

/* one line in the event list (shown by `events`) and the log */
static void event(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void event(const char *fmt, ...)
{
	struct vm_event *e;
	va_list ap;

	pthread_mutex_lock(&S.ev_lock);
	e = &S.ev[S.nev % MAX_EVENTS];
	e->seq = ++S.nev;
	e->t = since_start();
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof(e->text), fmt, ap);
	va_end(ap);
	if (S.log) {
		fprintf(S.log, "[%10.6f] #%llu %s\n", e->t, (unsigned long long)e->seq, e->text);
		fflush(S.log);
	}
	pthread_mutex_unlock(&S.ev_lock);
}

/* ---- GUIDs: text <-> the wire layout (first three fields little-endian) ---- */

static int parse_guid(const char *s, uint8_t out[16])
{
	/* text digit pairs in the order they appear, then byte positions */
	static const int pos[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
	unsigned int i = 0, n = 0;

	if (strlen(s) != 36)
		return -1;
	while (n < 16) {
		char pair[3] = { s[i], s[i + 1], 0 };

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i++] != '-')
				return -1;
			continue;
		}
		if (!isxdigit((unsigned char)pair[0]) || !isxdigit((unsigned char)pair[1]))
			return -1;
		out[pos[n++]] = (uint8_t)strtoul(pair, NULL, 16);
		i += 2;
	}
	return 0;
}

/* ---- what hostsim sees of the guest ---- */

/* pc machine: RAM below 4 GiB up to low_ram, the rest from 4 GiB on; the
 * legacy VGA/ROM window 0xA0000-0xFFFFF is not RAM the guest can share */
static void *g_map(void *ctx, uint64_t gpa, size_t len)
{
	(void)ctx;
	if (!len || gpa + len < gpa)
		goto bad;
	if (gpa < 0x100000 && gpa + len > 0xA0000)
		goto bad;
	if (gpa + len <= S.low_ram)
		return S.ram + gpa;
	if (gpa >= 4 * GiB && gpa - 4 * GiB + len <= S.ram_size - S.low_ram)
		return S.ram + S.low_ram + (gpa - 4 * GiB);
bad:
	atomic_fetch_add(&S.bad_maps, 1);
	return NULL;
}

static void g_interrupt(void *ctx, uint32_t vp, uint8_t vector)
{
	uint64_t one = 1;

	(void)ctx;
	if (vp >= S.nr_vps) {
		atomic_fetch_add(&S.bad_irqs, 1);
		return;
	}
	__atomic_fetch_or(&S.shm->pending[vp][vector / 64], 1ull << (vector % 64),
			  __ATOMIC_SEQ_CST);
	if (write(S.guest_efd[vp], &one, sizeof(one)) != sizeof(one))
		atomic_fetch_add(&S.bad_irqs, 1);
	else
		atomic_fetch_add(&S.irqs, 1);
}

static void g_log(void *ctx, const char *line)
{
	(void)ctx;
	event("%s", line);
}

/* ---- the bridge's mailbox ---- */

static const char *vmbus_msg_name(uint32_t type)
{
	static const char *const names[] = {
		[1] = "OFFERCHANNEL", [2] = "RESCIND_CHANNELOFFER", [3] = "REQUESTOFFERS",
		[5] = "OPENCHANNEL", [7] = "CLOSECHANNEL", [8] = "GPADL_HEADER",
		[9] = "GPADL_BODY", [11] = "GPADL_TEARDOWN", [13] = "RELID_RELEASED",
		[14] = "INITIATE_CONTACT", [16] = "UNLOAD", [21] = "TL_CONNECT_REQUEST",
		[22] = "MODIFYCHANNEL",
	};

	if (type < sizeof(names) / sizeof(names[0]) && names[type])
		return names[type];
	return "UNKNOWN";
}

static uint32_t le32_at(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void serve_hypercall(struct lisvm_slot *s)
{
	uint64_t control = s->in[0], status;
	uint32_t type = 0;
	const uint8_t *p = NULL;

	/* PostMessage: note the VMBus message type (payload offset 16) */
	if ((control & 0xFFFF) == 0x5C)
		p = g_map(NULL, s->in[1], 20);
	if (p)
		type = le32_at(p + 16);
	status = hs_guest_hypercall(S.h, s->vp, control, s->in[1], s->in[2]);
	if (p)
		event("post %s vp=%u status=%llu", vmbus_msg_name(type), s->vp,
		      (unsigned long long)status);
	s->out[0] = status;
}

static void serve_slot(struct lisvm_slot *s, unsigned int cpu)
{
	uint32_t regs[4];
	unsigned int i;

	s->status = 0;
	switch (s->op) {
	case LISVM_OP_HELLO:
		pthread_mutex_lock(&S.lock);
		S.hellos++;
		hs_vmbus_state(S.h, &S.hello_state);
		s->out[0] = S.hellos;
		pthread_mutex_unlock(&S.lock);
		event("hello #%llu cpu=%u nr_cpus=%llu vp_offset=%llu vp=%u",
		      (unsigned long long)s->out[0], cpu, (unsigned long long)s->in[0],
		      (unsigned long long)s->in[1], s->vp);
		break;
	case LISVM_OP_CPUID:
		hs_guest_cpuid(S.h, s->arg, regs);
		for (i = 0; i < 4; i++)
			s->out[i] = regs[i];
		break;
	case LISVM_OP_RDMSR:
		s->out[0] = hs_guest_rdmsr(S.h, s->vp, s->arg);
		break;
	case LISVM_OP_WRMSR:
		s->out[0] = hs_guest_wrmsr(S.h, s->vp, s->arg, s->in[0]) ? 1 : 0;
		break;
	case LISVM_OP_HYPERCALL:
		serve_hypercall(s);
		break;
	case LISVM_OP_HYPERCALL_FAST:
		s->out[0] = hs_guest_hypercall_fast(S.h, s->vp, s->in[0], s->in[1], 0);
		break;
	default:
		atomic_fetch_add(&S.bad_calls, 1);
		s->status = 1;
		break;
	}
	atomic_fetch_add(&S.calls, 1);
}

static void serve_slots(void)
{
	unsigned int i;

	for (i = 0; i < LISVM_MAX_CPUS; i++) {
		struct lisvm_slot *s = &S.shm->slot[i];
		uint32_t seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);

		if (seq == __atomic_load_n(&s->done, __ATOMIC_RELAXED))
			continue;
		serve_slot(s, i);
		__atomic_store_n(&s->done, seq, __ATOMIC_RELEASE);
	}
}

static void *mailbox_thread(void *arg)
{
	struct pollfd pfd[LISVM_MAX_VPS];
	unsigned int i;
	uint64_t v;

	(void)arg;
	for (i = 0; i < S.nr_vps; i++) {
		pfd[i].fd = S.host_efd[i];
		pfd[i].events = POLLIN;
	}
	while (!atomic_load(&S.stop)) {
		/* the doorbell wakes us; the timeout is only a safety net */
		if (poll(pfd, S.nr_vps, 10) > 0)
			for (i = 0; i < S.nr_vps; i++)
				if (pfd[i].revents & POLLIN)
					while (read(pfd[i].fd, &v, sizeof(v)) == sizeof(v))
						;
		serve_slots();
	}
	return NULL;
}

/* ---- the ivshmem server side (QEMU's ivshmem-spec: one 8-byte LE value
 *      per message, at most one fd) ---- */

static int send_msg(int sock, int64_t value, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct msghdr msg;
	struct iovec iov;
	uint8_t le[8];
	unsigned int i;

	for (i = 0; i < 8; i++)
		le[i] = (uint8_t)((uint64_t)value >> (8 * i));
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = le;
	iov.iov_len = sizeof(le);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (fd >= 0) {
		struct cmsghdr *c;

		memset(cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == (ssize_t)sizeof(le) ? 0 : -1;
}

/* a QEMU connected: protocol version, its id, the shared memory, the
 * host's vectors (to ring us), then its own vectors (to be rung) */
static int greet_qemu(int sock)
{
	unsigned int i;
	uint64_t v;

	/* counts left over from a previous guest would be stale interrupts */
	for (i = 0; i < S.nr_vps; i++)
		while (read(S.guest_efd[i], &v, sizeof(v)) == sizeof(v))
			;
	if (send_msg(sock, 0, -1) || send_msg(sock, LISVM_GUEST_PEER, -1) ||
	    send_msg(sock, -1, S.shm_fd))
		return -1;
	for (i = 0; i < S.nr_vps; i++)
		if (send_msg(sock, LISVM_HOST_PEER, S.host_efd[i]))
			return -1;
	for (i = 0; i < S.nr_vps; i++)
		if (send_msg(sock, LISVM_GUEST_PEER, S.guest_efd[i]))
			return -1;
	return 0;
}

static int listen_unix(const char *path)
{
	struct sockaddr_un a;
	int fd;

	if (strlen(path) >= sizeof(a.sun_path))
		die("socket path too long: %s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	strcpy(a.sun_path, path);
	unlink(path);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 8))
		die("cannot listen on %s: %s", path, strerror(errno));
	return fd;
}

static int connect_unix(const char *path)
{
	struct sockaddr_un a;
	int fd;

	if (strlen(path) >= sizeof(a.sun_path))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	strcpy(a.sun_path, path);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* ---- control commands ---- */

static const struct hs_device_ops no_ops;

static struct vm_dev *find_dev(const char *name)
{
	unsigned int i;

	for (i = 0; i < S.ndevs; i++)
		if (!strcmp(S.devs[i].name, name))
			return &S.devs[i];
	return NULL;
}

/* add a device to hostsim (offered now, or when the guest asks for offers) */
static int offer(const char *name, const char *class_s, const char *inst_s, char *err, size_t n)
{
	struct hs_offer o;
	struct vm_dev *d;
	int rc = -1;

	memset(&o, 0, sizeof(o));
	if (strlen(name) >= sizeof(d->name) || parse_guid(class_s, o.class_guid) ||
	    parse_guid(inst_s, o.instance_guid)) {
		snprintf(err, n, "bad device name or GUID");
		return -1;
	}
	pthread_mutex_lock(&S.lock);
	d = find_dev(name);
	if (d && !d->rescinded) {
		snprintf(err, n, "device %s is offered already", name);
	} else if (!d && S.ndevs == MAX_DEVS) {
		snprintf(err, n, "too many devices");
	} else {
		if (!d)
			d = &S.devs[S.ndevs++];
		memset(d, 0, sizeof(*d));
		snprintf(d->name, sizeof(d->name), "%s", name);
		snprintf(d->class_s, sizeof(d->class_s), "%s", class_s);
		snprintf(d->inst_s, sizeof(d->inst_s), "%s", inst_s);
		d->hs = hs_device_add(S.h, &o, &no_ops, d);
		if (d->hs) {
			d->relid = hs_channel_relid(hs_device_channel(d->hs, 0));
			rc = 0;
		} else {
			d->rescinded = true;
			snprintf(err, n, "hostsim refused the device");
		}
	}
	pthread_mutex_unlock(&S.lock);
	if (!rc)
		event("offer %s class=%s instance=%s relid=%u", name, class_s, inst_s, d->relid);
	return rc;
}

static void put_state(FILE *f, const struct hs_vmbus_state *st)
{
	fprintf(f, "version=%#x\ntarget_vp=%u\nmsg_conn_id=%u\ncontacts=%u\noffers_requested=%u\n"
		"unloads=%u\nopen_channels=%u\ngpadls=%u\nrelids_released=%u\n"
		"protocol_errors=%u\nsignals=%llu\neoms=%llu\n",
		st->version, st->target_vp, st->msg_conn_id, st->contacts, st->offers_requested,
		st->unloads, st->open_channels, st->gpadls, st->relids_released,
		st->protocol_errors, (unsigned long long)st->signals,
		(unsigned long long)st->eoms);
}

/* storvsp controllers and their LUNs (storvsp, lun, storvsp-stats) */
#include "storvsp_ctl.c"
/* synthetic video and vPCI (svid, vpci, vpci-func, ...) */
#include "vpci_ctl.c"
/* ICs, synthetic mouse and keyboard (ic*, mouse*, kbd*) */
#include "utils_ctl.c"
/* synthetic NICs on one switch (netvsp, netvsp-link, -vf, -vfport, -stats) */
#include "netvsp_ctl.c"
/* dynamic memory, hv_sock and the uio echo device (balloon*, vsock*, echo*) */
#include "dm_sock_ctl.c"

/*
 * One command per connection; the answer is the text sent back.
 *   state		hostsim's hs_vmbus_state and this process's counters
 *   hello-state	hs_vmbus_state as it was when the guest last said hello
 *   offer NAME CLASS INSTANCE	add (hot-add) a device; answers "relid N"
 *   rescind NAME	rescind a device
 *   devices		NAME CLASS INSTANCE relid=N rescinded=0|1, one a line
 *   events		the event list (hello, posted messages, offers, errors)
 *   quit		stop serving
 *   storvsp ..., lun ..., storvsp-stats ...	see storvsp_ctl.c
 *   netvsp ..., netvsp-link/-vf/-vfport/-stats ...	see netvsp_ctl.c
 */
static void ctl_command(char *line, FILE *f)
{
	char *argv[8], *save = NULL, *tok, err[128] = "";
	struct hs_vmbus_state st;
	unsigned int argc = 0, i;

	for (tok = strtok_r(line, " \t\r\n", &save); tok && argc < 8;
	     tok = strtok_r(NULL, " \t\r\n", &save))
		argv[argc++] = tok;
	if (!argc) {
		fprintf(f, "error: empty command\n");
	} else if (!strcmp(argv[0], "state") && argc == 1) {
		hs_vmbus_state(S.h, &st);
		put_state(f, &st);
		pthread_mutex_lock(&S.lock);
		fprintf(f, "hellos=%llu\n", (unsigned long long)S.hellos);
		pthread_mutex_unlock(&S.lock);
		fprintf(f, "calls=%llu\nirqs=%llu\nbad_maps=%llu\nbad_irqs=%llu\nbad_calls=%llu\n",
			(unsigned long long)atomic_load(&S.calls),
			(unsigned long long)atomic_load(&S.irqs),
			(unsigned long long)atomic_load(&S.bad_maps),
			(unsigned long long)atomic_load(&S.bad_irqs),
			(unsigned long long)atomic_load(&S.bad_calls));
	} else if (!strcmp(argv[0], "hello-state") && argc == 1) {
		pthread_mutex_lock(&S.lock);
		st = S.hello_state;
		fprintf(f, "hellos=%llu\n", (unsigned long long)S.hellos);
		pthread_mutex_unlock(&S.lock);
		put_state(f, &st);
	} else if (!strcmp(argv[0], "offer") && argc == 4) {
		if (offer(argv[1], argv[2], argv[3], err, sizeof(err)))
			fprintf(f, "error: %s\n", err);
		else
			fprintf(f, "relid %u\n", find_dev(argv[1])->relid);
	} else if (!strcmp(argv[0], "rescind") && argc == 2) {
		struct vm_dev *d;
		int rc = -1;

		pthread_mutex_lock(&S.lock);
		d = find_dev(argv[1]);
		if (d && !d->rescinded && !hs_device_rescind(d->hs)) {
			d->rescinded = true;
			rc = 0;
		}
		pthread_mutex_unlock(&S.lock);
		if (rc) {
			fprintf(f, "error: no offered device %s\n", argv[1]);
		} else {
			event("rescind %s", argv[1]);
			fprintf(f, "ok\n");
		}
	} else if (!strcmp(argv[0], "devices") && argc == 1) {
		pthread_mutex_lock(&S.lock);
		for (i = 0; i < S.ndevs; i++)
			fprintf(f, "%s %s %s relid=%u rescinded=%d\n", S.devs[i].name,
				S.devs[i].class_s, S.devs[i].inst_s, S.devs[i].relid,
				S.devs[i].rescinded);
		pthread_mutex_unlock(&S.lock);
	} else if (!strcmp(argv[0], "events") && argc == 1) {
		uint64_t first;

		pthread_mutex_lock(&S.ev_lock);
		first = S.nev > MAX_EVENTS ? S.nev - MAX_EVENTS : 0;
		for (; first < S.nev; first++) {
			const struct vm_event *e = &S.ev[first % MAX_EVENTS];

			fprintf(f, "%llu %.6f %s\n", (unsigned long long)e->seq, e->t, e->text);
		}
		pthread_mutex_unlock(&S.ev_lock);
	} else if (!strcmp(argv[0], "quit") && argc == 1) {
		atomic_store(&S.stop, true);
		fprintf(f, "ok\n");
	} else if (storvsp_command(argv, argc, f)) {
		/* answered */
	} else if (vpci_command(argv, argc, f)) {
		/* answered */
	} else if (utils_command(argv, argc, f)) {
		/* answered */
	} else if (netvsp_command(argv, argc, f)) {
		/* answered */
	} else if (dm_sock_command(argv, argc, f)) {
		/* answered */
	} else {
		fprintf(f, "error: unknown command or arguments: %s\n", argv[0]);
	}
}

static void ctl_serve(int lfd)
{
	struct timeval tv = { 2, 0 };
	char line[512];
	size_t used = 0;
	ssize_t n;
	FILE *f;
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	/* a client that never finishes its line must not stall the host */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (used < sizeof(line) - 1 && !memchr(line, '\n', used) &&
	       (n = read(fd, line + used, sizeof(line) - 1 - used)) > 0)
		used += (size_t)n;
	line[used] = 0;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return;
	}
	ctl_command(line, f);
	fclose(f);
}

/* ---- serve ---- */

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&S.stop, true);
}

static void setup_memory(void)
{
	unsigned int i;
	int fd;

	/* a fresh file every time: old guest RAM must not leak into a new run */
	unlink(S.ram_path);
	fd = open(S.ram_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)S.ram_size))
		die("cannot create %s: %s", S.ram_path, strerror(errno));
	S.ram = mmap(NULL, S.ram_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (S.ram == MAP_FAILED)
		die("cannot map %s: %s", S.ram_path, strerror(errno));
	close(fd);
	S.low_ram = S.ram_size >= 0xE0000000ull ? 0xC0000000ull : S.ram_size;

	S.shm_fd = memfd_create("lisvm-shm", MFD_CLOEXEC);
	if (S.shm_fd < 0 || ftruncate(S.shm_fd, LISVM_SHM_SIZE))
		die("memfd: %s", strerror(errno));
	S.shm = mmap(NULL, LISVM_SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, S.shm_fd, 0);
	if (S.shm == MAP_FAILED)
		die("cannot map the shared region: %s", strerror(errno));
	S.shm->magic = LISVM_MAGIC;
	S.shm->version = LISVM_PROTO_VERSION;
	S.shm->nr_vps = S.nr_vps;
	S.shm->host_peer = LISVM_HOST_PEER;

	for (i = 0; i < S.nr_vps; i++) {
		S.host_efd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		S.guest_efd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (S.host_efd[i] < 0 || S.guest_efd[i] < 0)
			die("eventfd: %s", strerror(errno));
	}
}

static int serve(int argc, char **argv)
{
	char *offers[MAX_DEVS];
	unsigned int noffers = 0, i;
	struct hs_guest_env env;
	struct hs_config cfg;
	int sfd, cfd, qemu = -1;
	pthread_t mbox;

	S.nr_vps = 2;
	for (i = 0; i < (unsigned int)argc; i++) {
		const char *a = argv[i], *v = i + 1 < (unsigned int)argc ? argv[i + 1] : NULL;

		if (!v)
			die("option %s needs a value", a);
		if (!strcmp(a, "--socket"))
			S.sock_path = v;
		else if (!strcmp(a, "--ctl"))
			S.ctl_path = v;
		else if (!strcmp(a, "--ram"))
			S.ram_path = v;
		else if (!strcmp(a, "--ram-size"))
			S.ram_size = strtoull(v, NULL, 0);
		else if (!strcmp(a, "--vps"))
			S.nr_vps = (uint32_t)strtoul(v, NULL, 0);
		else if (!strcmp(a, "--log"))
			S.log_path = v;
		else if (!strcmp(a, "--offer") && noffers < MAX_DEVS)
			offers[noffers++] = argv[i + 1];
		else
			die("unknown option %s", a);
		i++;
	}
	if (!S.sock_path || !S.ctl_path || !S.ram_path || !S.ram_size || S.ram_size % 4096)
		die("serve needs --socket, --ctl, --ram and --ram-size (a page multiple)");
	if (!S.nr_vps || S.nr_vps > LISVM_MAX_VPS)
		die("--vps must be 1..%u", LISVM_MAX_VPS);

	clock_gettime(CLOCK_MONOTONIC, &S.t0);
	pthread_mutex_init(&S.lock, NULL);
	pthread_mutex_init(&S.ev_lock, NULL);
	S.log = S.log_path ? fopen(S.log_path, "a") : stderr;
	if (!S.log)
		die("cannot open %s: %s", S.log_path, strerror(errno));
	setup_memory();

	memset(&env, 0, sizeof(env));
	env.map = g_map;
	env.interrupt = g_interrupt;
	env.log = g_log;
	memset(&cfg, 0, sizeof(cfg));
	cfg.nr_vps = S.nr_vps;
	S.h = hs_create(&cfg, &env);
	if (!S.h || hs_start(S.h))
		die("hostsim did not start");
	for (i = 0; i < noffers; i++) {
		char *name = offers[i], *cls = strchr(name, ','), *inst, err[128];

		inst = cls ? strchr(cls + 1, ',') : NULL;
		if (!inst)
			die("--offer wants NAME,CLASS,INSTANCE: %s", name);
		*cls++ = 0;
		*inst++ = 0;
		if (offer(name, cls, inst, err, sizeof(err)))
			die("--offer %s: %s", name, err);
	}
	if (pthread_create(&mbox, NULL, mailbox_thread, NULL))
		die("cannot start the mailbox thread");

	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	/* QEMU's socket first: once the control socket answers, both listen */
	sfd = listen_unix(S.sock_path);
	cfd = listen_unix(S.ctl_path);
	event("serving: %u VPs, %llu MiB of guest RAM", S.nr_vps,
	      (unsigned long long)(S.ram_size >> 20));

	while (!atomic_load(&S.stop)) {
		struct pollfd p[3] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = cfd, .events = POLLIN },
			{ .fd = qemu, .events = POLLIN },
		};
		char buf[64];

		if (poll(p, qemu >= 0 ? 3 : 2, 200) <= 0)
			continue;
		if (p[0].revents & POLLIN) {
			int fd = accept4(sfd, NULL, NULL, SOCK_CLOEXEC);

			if (fd >= 0 && qemu >= 0) {
				event("refused a second QEMU");
				close(fd);
			} else if (fd >= 0) {
				if (greet_qemu(fd)) {
					event("QEMU went away during the greeting");
					close(fd);
				} else {
					qemu = fd;
					event("QEMU connected");
				}
			}
		}
		if (p[1].revents & POLLIN)
			ctl_serve(cfd);
		if (qemu >= 0 && (p[2].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    read(qemu, buf, sizeof(buf)) <= 0) {
			close(qemu);
			qemu = -1;
			event("QEMU disconnected");
		}
	}
	pthread_join(mbox, NULL);
	vpci_ctl_stop();
	unlink(S.sock_path);
	unlink(S.ctl_path);
	hs_destroy(S.h);
	event("stopped");
	return 0;
}

/* ---- the client side (the rung script) ---- */

/* send one command, copy the answer to `out` (or stdout); 0 unless the
 * answer is an error or the host is not there */
static int ctl_request(const char *path, const char *cmd, char *out, size_t outlen)
{
	char buf[4096];
	size_t used = 0;
	ssize_t n;
	int fd = connect_unix(path), rc = 0;

	if (fd < 0)
		return -1;
	if (write(fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd) || write(fd, "\n", 1) != 1) {
		close(fd);
		return -1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (!used && !strncmp(buf, "error:", 6))
			rc = 1;
		if (out) {
			size_t k = (size_t)n < outlen - used - 1 ? (size_t)n : outlen - used - 1;

			memcpy(out + used, buf, k);
			used += k;
			out[used] = 0;
		} else {
			fwrite(buf, 1, (size_t)n, stdout);
			used += (size_t)n;
		}
	}
	close(fd);
	return rc;
}

static int ctl(int argc, char **argv)
{
	char cmd[512] = "";
	int i, rc;

	if (argc < 2)
		die("usage: hostsim-vm ctl SOCKET COMMAND [ARGS...]");
	for (i = 1; i < argc; i++) {
		if (strlen(cmd) + strlen(argv[i]) + 2 > sizeof(cmd))
			die("command too long");
		if (i > 1)
			strcat(cmd, " ");
		strcat(cmd, argv[i]);
	}
	rc = ctl_request(argv[0], cmd, NULL, 0);
	if (rc < 0)
		fprintf(stderr, "hostsim-vm: no host at %s\n", argv[0]);
	return rc ? 1 : 0;
}

/* the value of `key=` in a state answer, or -1 */
static long long state_value(const char *state, const char *key)
{
	size_t k = strlen(key);
	const char *p = state;

	while (p && *p) {
		if (!strncmp(p, key, k) && p[k] == '=')
			return strtoll(p + k + 1, NULL, 0);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

static int wait_for(int argc, char **argv)
{
	static const char *const ops[] = { "==", "!=", ">=", "<=", ">", "<" };
	char key[64], state[4096];
	const char *expr, *op = NULL;
	long long want, have = -1;
	struct timespec nap = { 0, 20 * 1000 * 1000 };
	double end;
	size_t klen = 0;
	unsigned int i;

	if (argc != 3)
		die("usage: hostsim-vm wait SOCKET KEY<op>VALUE TIMEOUT_MS");
	expr = argv[1];
	for (klen = 0; expr[klen] && !strchr("=!<>", expr[klen]); klen++)
		;
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]) && !op; i++)
		if (!strncmp(expr + klen, ops[i], strlen(ops[i])))
			op = ops[i];
	if (!klen || klen >= sizeof(key) || !op)
		die("bad condition %s", expr);
	memcpy(key, expr, klen);
	key[klen] = 0;
	want = strtoll(expr + klen + strlen(op), NULL, 0);
	clock_gettime(CLOCK_MONOTONIC, &S.t0);
	end = strtod(argv[2], NULL) / 1000.0;
	for (;;) {
		bool ok;

		if (ctl_request(argv[0], "state", state, sizeof(state)) == 0) {
			have = state_value(state, key);
			ok = (!strcmp(op, "==") && have == want) || (!strcmp(op, "!=") && have != want) ||
			     (!strcmp(op, ">=") && have >= want) || (!strcmp(op, "<=") && have <= want) ||
			     (!strcmp(op, ">") && have > want) || (!strcmp(op, "<") && have < want);
			if (have >= 0 && ok) {
				printf("%s=%lld\n", key, have);
				return 0;
			}
		}
		if (since_start() > end)
			break;
		nanosleep(&nap, NULL);
	}
	printf("%s=%lld (waited for %s)\n", key, have, expr);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "serve"))
		return serve(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "ctl"))
		return ctl(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "wait"))
		return wait_for(argc - 2, argv + 2);
	fprintf(stderr, "usage: hostsim-vm serve|ctl|wait ... (see the source's header)\n");
	return 2;
}
