// SPDX-License-Identifier: GPL-2.0
/*
 * hypervfcopyd: the host-to-guest file copy daemon (Copy-VMFile).  It
 * registers on /dev/vmbus/hv_fcopy, then answers each START, WRITE, COMPLETE
 * and CANCEL with a 4-byte status; the files themselves are fcopy_file.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hvd.h"
#include "fcopy_file.h"

static int fc_register(int fd)
{
	uint8_t buf[16];
	long n;

	hvd_put32(buf, LIS_FCOPY_VERSION_1);
	if (hvd_write(fd, buf, 4))
		return -1;
	if (hvd_wait(fd) != 1)
		return -1;
	n = hvd_read(fd, buf, sizeof(buf));
	if (n != 4 || hvd_get32(buf) != LIS_FCOPY_VERSION_1) {
		hvd_err("fcopy: the kernel answered the registration with %ld bytes", n);
		errno = EPROTO;
		return -1;
	}
	return 0;
}

/* the answer to a request is its 4-byte status */
static size_t fc_answer(void *ctx, void *buf, size_t n)
{
	hvd_put32(buf, fcopy_handle(ctx, buf, n));
	return 4;
}

int main(int argc, char **argv)
{
	struct hvd_opts o = { .name = "hypervfcopyd", .device = "/dev/" LIS_FCOPY_DEVICE };
	static uint8_t msg[HVD_MSG_MAX];
	struct fcopy_state s;
	int fd, i, rc = 1;

	i = hvd_parse(&o, argc, argv, NULL, NULL);
	if (i)
		return i == 1 ? 0 : 2;
	hvd_log_open(&o);
	if (fcopy_init(&s, o.root)) {
		hvd_err("cannot open the root %s: %s", o.root ? o.root : "/", strerror(errno));
		return 1;
	}
	fd = hvd_open_device(o.device);
	if (fd < 0) {
		hvd_err("cannot open %s: %s", o.device, strerror(errno));
		fcopy_fini(&s);
		return 1;
	}
	hvd_signals();
	if (hvd_daemonize(&o) || fc_register(fd)) {
		if (!hvd_stop)
			hvd_err("cannot register with the kernel: %s", strerror(errno));
		goto out;
	}
	hvd_info("registered with the kernel");
	rc = hvd_serve(fd, msg, sizeof(msg), fc_answer, &s);
out:
	fcopy_fini(&s);
	close(fd);
	return rc;
}
