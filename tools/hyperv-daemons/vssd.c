// SPDX-License-Identifier: GPL-2.0
/*
 * hypervvssd: freezes the guest's filesystems for host backups.  It
 * registers on /dev/vmbus/hv_vss, then answers FREEZE, THAW and the
 * hot-backup check (the only operations the kernel forwards) with a 12-byte
 * message whose first 4 bytes are the status.  Filesystems frozen by us are
 * always thawed: on THAW, on a freeze that fails part-way, on
 * SIGTERM/SIGINT/SIGHUP, and — by the guard process — when the daemon dies
 * or no THAW comes within --thaw-timeout seconds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hvd.h"
#include "vss_freeze.h"

#define VSS_THAW_TIMEOUT_S	600

static int vss_register(int fd)
{
	struct lis_vss_msg m;
	uint8_t buf[16];
	long n;

	memset(&m, 0, sizeof(m));
	m.hdr.operation = LIS_VSS_OP_REGISTER1;
	if (hvd_write(fd, &m, sizeof(m)))
		return -1;
	if (hvd_wait(fd) != 1)
		return -1;
	n = hvd_read(fd, buf, sizeof(buf));
	if (n != 4 || hvd_get32(buf) != LIS_VSS_OP_REGISTER1) {
		hvd_err("vss: the kernel answered the registration with %ld bytes", n);
		errno = EPROTO;
		return -1;
	}
	return 0;
}

/* one request: the status to answer */
static uint32_t vss_handle(struct vss_state *s, const void *msg, long len)
{
	const struct lis_vss_msg *m = msg;
	int ret;

	if (len != sizeof(*m)) {
		hvd_err("vss: a %ld-byte message, not %zu", len, sizeof(*m));
		return LIS_IC_E_FAIL;
	}
	switch (m->hdr.operation) {
	case LIS_VSS_OP_FREEZE:
		hvd_info("vss: freeze requested");
		ret = vss_freeze(s);
		return ret ? LIS_IC_E_FAIL : LIS_IC_S_OK;
	case LIS_VSS_OP_THAW:
		hvd_info("vss: thaw requested");
		ret = vss_thaw(s);
		return ret ? LIS_IC_E_FAIL : LIS_IC_S_OK;
	case LIS_VSS_OP_HOT_BACKUP:
		hvd_debug("vss: hot-backup check");
		return LIS_IC_S_OK;
	default:
		hvd_err("vss: operation %u is not ours", m->hdr.operation);
		return LIS_IC_E_FAIL;
	}
}

/* the answer is the request with its status in the first 4 bytes */
static size_t vss_answer(void *ctx, void *buf, size_t n)
{
	hvd_put32(buf, vss_handle(ctx, buf, (long)n));
	return sizeof(struct lis_vss_msg);
}

int main(int argc, char **argv)
{
	struct hvd_opts o = { .name = "hypervvssd", .device = "/dev/" LIS_VSS_DEVICE };
	const char *mounts = NULL;
	unsigned int thaw_after = VSS_THAW_TIMEOUT_S;
	uint8_t msg[HVD_MSG_MAX];
	struct vss_state s;
	int fd, i, rc = 1;

	const char *timeout = NULL;
	const struct hvd_extra_opt extra[] = {
		{ "--mounts", &mounts }, { "--thaw-timeout", &timeout }, { NULL, NULL },
	};

	i = hvd_parse(&o, argc, argv, extra, " [--mounts FILE] [--thaw-timeout SECONDS]");
	if (i)
		return i == 1 ? 0 : 2;
	if (timeout)
		thaw_after = (unsigned int)strtoul(timeout, NULL, 10);
	hvd_log_open(&o);
	vss_init(&s, &vss_ops_sys, NULL, mounts, thaw_after);
	fd = hvd_open_device(o.device);
	if (fd < 0) {
		hvd_err("cannot open %s: %s", o.device, strerror(errno));
		return 1;
	}
	hvd_signals();
	if (hvd_daemonize(&o) || vss_register(fd)) {
		if (!hvd_stop)
			hvd_err("cannot register with the kernel: %s", strerror(errno));
		goto out;
	}
	hvd_info("registered with the kernel");
	rc = hvd_serve(fd, msg, sizeof(msg), vss_answer, &s);
out:
	if (s.frozen)
		hvd_warn("vss: stopping while frozen: thawing first");
	vss_fini(&s);
	close(fd);
	return rc;
}
