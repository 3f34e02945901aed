// SPDX-License-Identifier: GPL-2.0
/* The daemons' shared plumbing (see hvd.h). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include "hvd.h"

volatile int hvd_stop;
static const struct hvd_opts *log_opts;

static void hvd_usage(const struct hvd_opts *o, const char *extra)
{
	printf("usage: %s [-n] [-d] [--device PATH] [--root DIR]%s\n"
	       "  -n, --no-daemon      stay in the foreground and log to stderr\n"
	       "  -d, --debug-enabled  log every request\n"
	       "  --device PATH        the device (default %s)\n"
	       "  --root DIR           prefix every file the daemon reads or writes with DIR\n",
	       o->name, extra ? extra : "", o->device);
}

int hvd_parse(struct hvd_opts *o, int argc, char **argv, const struct hvd_extra_opt *extra,
	      const char *usage_extra)
{
	const struct hvd_extra_opt *x;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-n") || !strcmp(a, "--no-daemon")) {
			o->foreground = true;
			continue;
		}
		if (!strcmp(a, "-d") || !strcmp(a, "--debug-enabled")) {
			o->debug = true;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			hvd_usage(o, usage_extra);
			return 1;
		}
		if (i + 1 < argc && !strcmp(a, "--device")) {
			o->device = argv[++i];
			continue;
		}
		if (i + 1 < argc && !strcmp(a, "--root")) {
			o->root = argv[++i];
			continue;
		}
		for (x = extra; x && x->name; x++)
			if (i + 1 < argc && !strcmp(a, x->name))
				break;
		if (x && x->name) {
			*x->value = argv[++i];
			continue;
		}
		fprintf(stderr, "%s: unknown argument %s (try --help)\n", o->name, a);
		return 2;
	}
	return 0;
}

void hvd_log_open(const struct hvd_opts *o)
{
	log_opts = o;
	if (!o->foreground)
		openlog(o->name, LOG_PID, LOG_DAEMON);
}

static void hvd_vlog(int prio, const char *fmt, va_list ap)
{
	if (log_opts && !log_opts->foreground) {
		vsyslog(prio, fmt, ap);
		return;
	}
	fprintf(stderr, "%s: ", log_opts ? log_opts->name : "hvd");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void hvd_log(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hvd_vlog(prio, fmt, ap);
	va_end(ap);
}

void hvd_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_opts || !log_opts->debug)
		return;
	va_start(ap, fmt);
	hvd_vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

int hvd_daemonize(const struct hvd_opts *o)
{
	if (o->foreground)
		return 0;
	if (daemon(0, 0)) {
		hvd_err("cannot go to the background: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int hvd_open_device(const char *path)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd;

	if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
		if (strlen(path) >= sizeof(sa.sun_path)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -1;
		memset(&sa, 0, sizeof(sa));
		sa.sun_family = AF_UNIX;
		strcpy(sa.sun_path, path);
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
			int e = errno;

			close(fd);
			errno = e;
			return -1;
		}
		return fd;
	}
	return open(path, O_RDWR | O_CLOEXEC);
}

long hvd_read(int fd, void *buf, size_t cap)
{
	ssize_t n;

	for (;;) {
		n = read(fd, buf, cap);
		if (n >= 0)
			return n;
		if (errno == EINTR && !hvd_stop)
			continue;
		if (errno == ENODEV)
			return 0;
		return -1;
	}
}

int hvd_write(int fd, const void *buf, size_t len)
{
	ssize_t n;

	do {
		n = write(fd, buf, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if ((size_t)n != len) {
		errno = EIO;
		return -1;
	}
	return 0;
}

static void hvd_on_signal(int sig)
{
	hvd_stop = sig;
}

void hvd_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = hvd_on_signal;
	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: a blocked read or poll returns EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int hvd_wait(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n;

	for (;;) {
		if (hvd_stop)
			return 0;
		n = poll(&p, 1, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (p.revents & (POLLERR | POLLHUP | POLLNVAL))
			return p.revents & POLLIN ? 1 : -1;
		if (p.revents & POLLIN)
			return 1;
	}
}

int hvd_path(const struct hvd_opts *o, const char *path, char *buf, size_t cap)
{
	const char *root = o->root && strcmp(o->root, "/") ? o->root : "";
	int n = snprintf(buf, cap, "%s%s", root, path);

	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

long hvd_strnlen(const void *field, size_t cap)
{
	const char *p = memchr(field, '\0', cap);

	return p ? p - (const char *)field : -1;
}

void hvd_copy(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

int hvd_mkdirs(const char *path, unsigned int mode)
{
	char buf[4096], *p;

	if (strlen(path) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

int hvd_serve(int fd, void *buf, size_t cap,
	      size_t (*answer)(void *ctx, void *buf, size_t n), void *ctx)
{
	size_t len;
	long n;
	int i;

	for (;;) {
		i = hvd_wait(fd);
		if (i == 0)
			return 0;
		n = i < 0 ? -1 : hvd_read(fd, buf, cap);
		if (n <= 0) {
			if (hvd_stop)
				return 0;
			hvd_err("the device went away: %s", n ? strerror(errno) : "end of file");
			return 1;
		}
		len = answer(ctx, buf, (size_t)n);
		if (hvd_write(fd, buf, len)) {
			hvd_err("cannot answer the kernel: %s", strerror(errno));
			return 1;
		}
	}
}
