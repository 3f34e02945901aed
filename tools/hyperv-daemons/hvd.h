/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the three Hyper-V daemons (hypervkvpd, hypervvssd, hypervfcopyd)
 * share: options, logging, the device (/dev/vmbus/hv_* — or, for tests, a
 * SOCK_SEQPACKET socket that keeps message boundaries the same way), the
 * registration handshake and the read/answer loop.  The messages are those
 * of drivers/include/lis/wire/ic.h (fact sheet §6.5).
 */
#ifndef HVD_H
#define HVD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <syslog.h>
#include <linux/types.h>
/*
 * lis/port.h gives userspace cores their own __le* typedefs, which clash
 * with the ones <linux/types.h> (pulled in by <sys/stat.h>, <linux/fs.h>)
 * already made: let it name its own, the daemons read fields with
 * hvd_get32()/hvd_get64() anyway.
 */
#define __le16	lis_port_le16
#define __le32	lis_port_le32
#define __le64	lis_port_le64
#include <lis/wire/ic.h>
#undef __le16
#undef __le32
#undef __le64

#define HVD_MSG_MAX	sizeof(struct lis_kvp_dmsg)

struct hvd_opts {
	const char *name;	/* program name for logs */
	const char *device;	/* the character device (or a test socket) */
	const char *root;	/* prefix of every file the daemon touches */
	bool foreground;	/* -n: no fork, log to stderr */
	bool debug;		/* -d: log every request */
};

/* a daemon's own options, each taking one value */
struct hvd_extra_opt {
	const char *name;	/* "--mounts" */
	const char **value;
};

/* the common options and `extra` (NULL-terminated, may be NULL):
 * 0 go on, 1 usage printed (exit 0), 2 a bad argument (message printed) */
int hvd_parse(struct hvd_opts *o, int argc, char **argv, const struct hvd_extra_opt *extra,
	      const char *usage_extra);

void hvd_log_open(const struct hvd_opts *o);
void hvd_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define hvd_err(...)	hvd_log(LOG_ERR, __VA_ARGS__)
#define hvd_warn(...)	hvd_log(LOG_WARNING, __VA_ARGS__)
#define hvd_info(...)	hvd_log(LOG_INFO, __VA_ARGS__)
void hvd_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* fork into the background unless -n */
int hvd_daemonize(const struct hvd_opts *o);

/* open the device; a socket path is connected to (tests); -1 and errno */
int hvd_open_device(const char *path);

/* one whole message each way; read: its length, 0 device gone, -1 error
 * (errno; EINTR when a signal asked us to stop) */
long hvd_read(int fd, void *buf, size_t cap);
int hvd_write(int fd, const void *buf, size_t len);

/* SIGTERM/SIGINT/SIGHUP set this; the loops check it */
extern volatile int hvd_stop;
void hvd_signals(void);

/* wait for the device to be readable; 1 readable, 0 stop asked, -1 error */
int hvd_wait(int fd);

/*
 * The request loop every daemon runs once registered: wait for a request,
 * read it into buf (cap bytes), let answer() build the answer in buf and
 * return its length, write it back.  0 when a stop was asked (or the device
 * was removed), 1 when the device failed.
 */
int hvd_serve(int fd, void *buf, size_t cap,
	      size_t (*answer)(void *ctx, void *buf, size_t n), void *ctx);

/* ROOT + path into buf; -1 if it does not fit */
int hvd_path(const struct hvd_opts *o, const char *path, char *buf, size_t cap);

/* mkdir -p: 0 or -errno */
int hvd_mkdirs(const char *path, unsigned int mode);

/* src into dst[cap], cut to fit, always NUL-terminated */
void hvd_copy(char *dst, size_t cap, const char *src);

/* the length of a NUL-terminated string inside field[cap], or -1 */
long hvd_strnlen(const void *field, size_t cap);

/* little-endian helpers */
static inline uint32_t hvd_get32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static inline void hvd_put32(void *p, uint32_t v)
{
	uint8_t *b = p;

	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
	b[2] = (uint8_t)(v >> 16);
	b[3] = (uint8_t)(v >> 24);
}

static inline uint64_t hvd_get64(const void *p)
{
	return (uint64_t)hvd_get32(p) | (uint64_t)hvd_get32((const uint8_t *)p + 4) << 32;
}

#endif
