// SPDX-License-Identifier: GPL-2.0
/*
 * The VM rung's guest helper for hv_sock and uio_hv_generic (static, in the
 * initramfs as /bin/lis-dmsock; busybox has neither):
 *
 *   lis-dmsock connect PORT	connect to the host (CID 2) on PORT
 *   lis-dmsock listen PORT	accept one connection on PORT
 *	then both: send stdin, shut the sending side down, copy what the
 *	host sends to stdout until it shuts down; exit 0 when all went well
 *   lis-dmsock uio DEV TID BYTES
 *	map /dev/DEV's txrx_rings (map 0: send ring, then receive ring), write
 *	one in-band packet (transaction TID, BYTES bytes of a known pattern)
 *	into the send ring as the ring rules say (fact sheet §3.1-3.3), kick
 *	the host through the device file, wait for its interrupt and print the
 *	answer: "tid=N len=N xor=0xNN" (xor: the one byte that turns every
 *	sent byte into the answer's, or "none")
 *   lis-dmsock uio-refused DEV
 *	mappings the driver must refuse: past map 0's end, MAP_PRIVATE,
 *	PROT_EXEC, a map that does not exist, mprotect adding PROT_EXEC to a
 *	good one; prints "refused=N of 5" and each one that was allowed
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

static int die(const char *what)
{
	fprintf(stderr, "lis-dmsock: %s: %s\n", what, strerror(errno));
	return 1;
}

static int write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int stream(int s)
{
	static char buf[65536];
	ssize_t n;

	while ((n = read(0, buf, sizeof(buf))) > 0)
		if (write_all(s, buf, (size_t)n))
			return die("send");
	if (n < 0)
		return die("read stdin");
	if (shutdown(s, SHUT_WR))
		return die("shutdown");
	while ((n = read(s, buf, sizeof(buf))) > 0)
		if (write_all(1, buf, (size_t)n))
			return die("write stdout");
	if (n < 0)
		return die("recv");
	close(s);
	return 0;
}

/* a stuck transfer fails (EAGAIN) instead of blocking the agent forever */
static int timeouts(int s, const struct timeval *tv)
{
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, tv, sizeof(*tv));
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, tv, sizeof(*tv));
	return s;
}

static int vsock(const char *mode, unsigned int port)
{
	struct sockaddr_vm a;
	struct timeval tv = { .tv_sec = 20 };
	int s = socket(AF_VSOCK, SOCK_STREAM, 0), c;

	if (s < 0)
		return die("socket");
	memset(&a, 0, sizeof(a));
	a.svm_family = AF_VSOCK;
	a.svm_port = port;
	if (!strcmp(mode, "connect")) {
		a.svm_cid = VMADDR_CID_HOST;
		if (connect(s, (struct sockaddr *)&a, sizeof(a)))
			return die("connect");
		return stream(timeouts(s, &tv));
	}
	a.svm_cid = VMADDR_CID_ANY;
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 1))
		return die("bind/listen");
	/* the rung waits for this line before it asks the host to connect */
	fprintf(stderr, "listening\n");
	c = accept(s, NULL, NULL);
	if (c < 0)
		return die("accept");
	close(s);
	return stream(timeouts(c, &tv));
}

/* ---- a ring as §3.1 describes it ---- */
#define CTL		4096u
#define WRITE_INDEX	0
#define READ_INDEX	4
#define INT_MASK	8

static volatile uint32_t *field(uint8_t *ring, unsigned int off)
{
	return (volatile uint32_t *)(void *)(ring + off);
}

static void ring_copy_in(uint8_t *ring, uint32_t size, uint32_t at, const uint8_t *p, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		ring[CTL + (at + i) % size] = p[i];
}

static void ring_copy_out(const uint8_t *ring, uint32_t size, uint32_t at, uint8_t *p, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		p[i] = ring[CTL + (at + i) % size];
}

static long map_size(const char *dev)
{
	char path[128], buf[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/class/uio/%s/maps/map0/size", dev);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return strtol(buf, NULL, 0);
}

static int uio(const char *dev, uint64_t tid, uint32_t bytes)
{
	uint8_t pkt[4096 + 32], ans[4096 + 32], *tx, *rx, *m;
	uint32_t size, w, r, len, total, one = 1, count, i, off;
	uint64_t trailer;
	char path[64];
	struct pollfd p;
	long msz;
	int fd, x;

	if (bytes > 4096)
		return 2;
	msz = map_size(dev);
	if (msz <= 2 * (long)CTL || msz % 8192)
		return die("map0 size");
	snprintf(path, sizeof(path), "/dev/%s", dev);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return die("open the uio device");
	/* map N is at offset N pages */
	m = mmap(NULL, (size_t)msz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return die("mmap txrx_rings");
	tx = m;
	rx = m + msz / 2;
	size = (uint32_t)(msz / 2) - CTL;

	/* descriptor: in-band, payload at 16, length in 8-byte units */
	len = 16 + ((bytes + 7) & ~7u);
	memset(pkt, 0, len);
	pkt[0] = 6;
	pkt[2] = 2;
	pkt[4] = (uint8_t)(len / 8);
	pkt[5] = (uint8_t)(len / 8 >> 8);
	memcpy(pkt + 8, &tid, 8);
	for (i = 0; i < bytes; i++)
		pkt[16 + i] = (uint8_t)(i * 7 + 3);
	w = *field(tx, WRITE_INDEX);
	r = *field(tx, READ_INDEX);
	if (w >= size || r >= size || (w - r + size) % size + len + 8 >= size)
		return die("send ring state");
	ring_copy_in(tx, size, w, pkt, len);
	trailer = (uint64_t)w << 32;
	ring_copy_in(tx, size, (w + len) % size, (uint8_t *)&trailer, 8);
	__sync_synchronize();
	*field(tx, WRITE_INDEX) = (w + len + 8) % size;
	__sync_synchronize();
	/* unmask the host's interrupts and kick it (the driver signals) */
	if (write(fd, &one, 4) != 4)
		return die("write 1 to the device");
	p.fd = fd;
	p.events = POLLIN;
	if (poll(&p, 1, 10000) != 1)
		return die("no interrupt from the host within 10 s");
	if (read(fd, &count, 4) != 4)
		return die("read the interrupt count");
	/* the answer in the receive ring */
	w = *field(rx, WRITE_INDEX);
	r = *field(rx, READ_INDEX);
	__sync_synchronize();
	if (w >= size || r >= size || (w - r + size) % size < 16)
		return die("nothing in the receive ring");
	ring_copy_out(rx, size, r, ans, 16);
	off = (ans[2] | ans[3] << 8) * 8u;
	total = (ans[4] | ans[5] << 8) * 8u;
	if (ans[0] != 6 || off < 16 || total < off || total > sizeof(ans) ||
	    total > (w - r + size) % size)
		return die("bad answer descriptor");
	ring_copy_out(rx, size, r, ans, total);
	__sync_synchronize();
	*field(rx, READ_INDEX) = (r + total + 8) % size;
	memcpy(&tid, ans + 8, 8);
	x = total - off >= 1 ? ans[off] ^ pkt[16] : -1;
	for (i = 0; x >= 0 && i < total - off; i++)
		if ((ans[off + i] ^ pkt[16 + i]) != x)
			x = -1;
	if (x >= 0)
		printf("tid=%llu len=%u xor=0x%02x interrupts=%u\n", (unsigned long long)tid,
		       total - off, x, count);
	else
		printf("tid=%llu len=%u xor=none interrupts=%u\n", (unsigned long long)tid,
		       total - off, count);
	munmap(m, (size_t)msz);
	close(fd);
	return 0;
}

static int uio_refused(const char *dev)
{
	static const struct {
		const char *what;
		int prot, flags;
		long len_extra, map;
	} t[] = {
		{ "past the end of map 0", PROT_READ, MAP_SHARED, 4096, 0 },
		{ "MAP_PRIVATE", PROT_READ, MAP_PRIVATE, 0, 0 },
		{ "PROT_EXEC", PROT_READ | PROT_EXEC, MAP_SHARED, 0, 0 },
		{ "map 7", PROT_READ, MAP_SHARED, 0, 7 },
	};
	unsigned int i, refused = 0, n = sizeof(t) / sizeof(t[0]) + 1;
	long msz = map_size(dev);
	char path[64];
	void *m;
	int fd;

	snprintf(path, sizeof(path), "/dev/%s", dev);
	fd = open(path, O_RDWR);
	if (fd < 0 || msz <= 4096)
		return die("open the uio device");
	/* map N is at offset N pages */
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		m = mmap(NULL, (size_t)(msz + t[i].len_extra), t[i].prot, t[i].flags, fd,
			 t[i].map * 4096);
		if (m == MAP_FAILED) {
			refused++;
		} else {
			printf("allowed: %s\n", t[i].what);
			munmap(m, (size_t)(msz + t[i].len_extra));
		}
	}
	/* a good mapping may not become executable later */
	m = mmap(NULL, (size_t)msz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return die("mmap txrx_rings");
	if (mprotect(m, (size_t)msz, PROT_READ | PROT_EXEC))
		refused++;
	else
		printf("allowed: mprotect PROT_EXEC\n");
	munmap(m, (size_t)msz);
	printf("refused=%u of %u\n", refused, n);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && (!strcmp(argv[1], "connect") || !strcmp(argv[1], "listen")))
		return vsock(argv[1], (unsigned int)strtoul(argv[2], NULL, 0));
	if (argc == 3 && !strcmp(argv[1], "uio-refused"))
		return uio_refused(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "uio"))
		return uio(argv[2], strtoull(argv[3], NULL, 0),
			   (uint32_t)strtoul(argv[4], NULL, 0));
	fprintf(stderr, "usage: lis-dmsock connect|listen PORT | uio DEV TID BYTES | uio-refused DEV\n");
	return 2;
}
