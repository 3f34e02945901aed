// SPDX-License-Identifier: GPL-2.0
/* hypervvssd's freezing (see vss_freeze.h). */
#include <errno.h>
#include <fcntl.h>
#include <mntent.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "hvd.h"
#include "vss_freeze.h"

/* ---- the real system calls ---- */

static int sys_open_dir(void *ctx, const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	(void)ctx;
	return fd < 0 ? -errno : fd;
}

static int sys_dev_of(void *ctx, int fd, dev_t *dev)
{
	struct stat st;

	(void)ctx;
	if (fstat(fd, &st))
		return -errno;
	*dev = st.st_dev;
	return 0;
}

static int sys_freeze(void *ctx, int fd)
{
	(void)ctx;
	return ioctl(fd, FIFREEZE, 0) ? -errno : 0;
}

static int sys_thaw(void *ctx, int fd)
{
	(void)ctx;
	return ioctl(fd, FITHAW, 0) ? -errno : 0;
}

static void sys_close(void *ctx, int fd)
{
	(void)ctx;
	close(fd);
}

const struct vss_ops vss_ops_sys = {
	.open_dir = sys_open_dir,
	.dev_of = sys_dev_of,
	.freeze = sys_freeze,
	.thaw = sys_thaw,
	.close = sys_close,
};

void vss_init(struct vss_state *s, const struct vss_ops *ops, void *ctx, const char *mounts,
	      unsigned int thaw_after_s)
{
	memset(s, 0, sizeof(*s));
	s->ops = ops;
	s->ctx = ctx;
	s->mounts = mounts ? mounts : "/proc/self/mounts";
	s->thaw_after_s = thaw_after_s;
	s->guard = -1;
	s->guard_fd = -1;
}

static void vss_forget(struct vss_state *s)
{
	size_t i;

	for (i = 0; i < s->nfs; i++) {
		if (s->fs[i].fd >= 0)
			s->ops->close(s->ctx, s->fs[i].fd);
		free(s->fs[i].dir);
	}
	free(s->fs);
	s->fs = NULL;
	s->nfs = 0;
}

/* a filesystem worth freezing: on a block device, writable, not read-only media */
static bool vss_wanted(const struct mntent *m)
{
	static const char *const ro_types[] = { "iso9660", "udf", "squashfs", "erofs" };
	size_t i;

	if (strncmp(m->mnt_fsname, "/dev/", 5))
		return false;
	if (hasmntopt(m, "ro"))
		return false;
	for (i = 0; i < sizeof(ro_types) / sizeof(ro_types[0]); i++)
		if (!strcmp(m->mnt_type, ro_types[i]))
			return false;
	return true;
}

int vss_collect(struct vss_state *s)
{
	struct vss_fs *fs = NULL, *grown;
	size_t n = 0, cap = 0, i, root = (size_t)-1;
	struct mntent ent, *m;
	char buf[4096];
	FILE *f;
	int err = 0;

	vss_forget(s);
	f = setmntent(s->mounts, "r");
	if (!f)
		return -errno;
	while ((m = getmntent_r(f, &ent, buf, sizeof(buf)))) {
		if (!vss_wanted(m))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			grown = realloc(fs, cap * sizeof(*fs));
			if (!grown) {
				err = -ENOMEM;
				break;
			}
			fs = grown;
		}
		fs[n].dir = strdup(m->mnt_dir);
		fs[n].fd = -1;
		fs[n].frozen = false;
		if (!fs[n].dir) {
			err = -ENOMEM;
			break;
		}
		n++;
	}
	endmntent(f);
	s->fs = fs;
	s->nfs = n;
	if (err) {
		vss_forget(s);
		return err;
	}
	/* later mounts sit on earlier ones: freeze them first; "/" last */
	for (i = 0; i < n / 2; i++) {
		struct vss_fs t = fs[i];

		fs[i] = fs[n - 1 - i];
		fs[n - 1 - i] = t;
	}
	for (i = 0; i < n; i++)
		if (!strcmp(fs[i].dir, "/"))
			root = i;
	if (root != (size_t)-1) {
		struct vss_fs t = fs[root];

		memmove(&fs[root], &fs[root + 1], (n - root - 1) * sizeof(*fs));
		fs[n - 1] = t;
	}
	return 0;
}

/* thaw what is frozen, last frozen first; the first error */
static int vss_thaw_all(struct vss_state *s)
{
	size_t i;
	int ret, first = 0;

	for (i = s->nfs; i-- > 0;) {
		if (!s->fs[i].frozen)
			continue;
		ret = s->ops->thaw(s->ctx, s->fs[i].fd);
		/* EINVAL: not frozen (any more) — the guard or an admin thawed it */
		if (ret && ret != -EINVAL) {
			hvd_err("vss: cannot thaw %s: %s", s->fs[i].dir, strerror(-ret));
			if (!first)
				first = ret;
		}
		s->fs[i].frozen = false;
	}
	return first;
}

/*
 * The guard: a child holding the same descriptors.  It thaws everything
 * when its pipe closes without a word (the daemon died) or the time runs
 * out, and exits quietly when the daemon writes to the pipe.  It touches no
 * file, so frozen filesystems cannot block it.
 */
static void vss_guard_main(struct vss_state *s, int rfd)
{
	struct pollfd p = { .fd = rfd, .events = POLLIN };
	char c;
	int n;

	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	do {
		n = poll(&p, 1, (int)s->thaw_after_s * 1000);
	} while (n < 0 && errno == EINTR);
	if (n > 0 && read(rfd, &c, 1) == 1)
		_exit(0);
	if (n == 0)
		hvd_err("vss: no thaw after %u s: thawing now", s->thaw_after_s);
	else
		hvd_err("vss: the daemon went away while frozen: thawing now");
	/* everything it was given may be frozen: FITHAW on a thawed one is harmless */
	for (size_t i = s->nfs; i-- > 0;)
		if (s->fs[i].fd >= 0)
			s->ops->thaw(s->ctx, s->fs[i].fd);
	_exit(1);
}

static int vss_guard_start(struct vss_state *s)
{
	int p[2];
	pid_t pid;

	if (!s->thaw_after_s)
		return 0;
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid == 0) {
		close(p[1]);
		vss_guard_main(s, p[0]);
	}
	close(p[0]);
	s->guard = pid;
	s->guard_fd = p[1];
	return 0;
}

static void vss_guard_stop(struct vss_state *s)
{
	char c = 'T';

	if (s->guard < 0)
		return;
	if (write(s->guard_fd, &c, 1) != 1) {
		if (errno == EPIPE)
			hvd_info("vss: the thaw guard had already thawed everything");
		else
			hvd_warn("vss: cannot tell the thaw guard to stop: %s", strerror(errno));
	}
	close(s->guard_fd);
	while (waitpid(s->guard, NULL, 0) < 0 && errno == EINTR)
		;
	s->guard = -1;
	s->guard_fd = -1;
}

int vss_freeze(struct vss_state *s)
{
	size_t i, j;
	int ret;

	if (s->frozen)
		return 0;
	ret = vss_collect(s);
	if (ret) {
		hvd_err("vss: cannot read %s: %s", s->mounts, strerror(-ret));
		return ret;
	}
	/* open them all first: nothing to open once something is frozen */
	for (i = 0; i < s->nfs; i++) {
		ret = s->ops->open_dir(s->ctx, s->fs[i].dir);
		if (ret < 0) {
			hvd_err("vss: cannot open %s: %s", s->fs[i].dir, strerror(-ret));
			goto fail;
		}
		s->fs[i].fd = ret;
		ret = s->ops->dev_of(s->ctx, ret, &s->fs[i].dev);
		if (ret) {
			hvd_err("vss: cannot stat %s: %s", s->fs[i].dir, strerror(-ret));
			goto fail;
		}
	}
	ret = vss_guard_start(s);
	if (ret) {
		hvd_err("vss: cannot start the thaw guard: %s", strerror(-ret));
		goto fail;
	}
	s->frozen = true;
	for (i = 0; i < s->nfs; i++) {
		/* a bind mount of something already frozen */
		for (j = 0; j < i; j++)
			if (s->fs[j].dev == s->fs[i].dev && s->fs[j].fd >= 0)
				break;
		if (j < i)
			continue;
		ret = s->ops->freeze(s->ctx, s->fs[i].fd);
		if (ret == -EOPNOTSUPP) {
			hvd_info("vss: %s cannot be frozen; left as it is", s->fs[i].dir);
			continue;
		}
		if (ret) {
			hvd_err("vss: cannot freeze %s: %s", s->fs[i].dir, strerror(-ret));
			goto fail;
		}
		s->fs[i].frozen = true;
	}
	hvd_info("vss: froze %zu filesystems", s->nfs);
	return 0;
fail:
	vss_thaw_all(s);
	vss_guard_stop(s);
	s->frozen = false;
	vss_forget(s);
	return ret;
}

int vss_thaw(struct vss_state *s)
{
	int ret;

	if (!s->frozen)
		return 0;
	ret = vss_thaw_all(s);
	vss_guard_stop(s);
	s->frozen = false;
	vss_forget(s);
	hvd_info("vss: thawed");
	return ret;
}

void vss_fini(struct vss_state *s)
{
	vss_thaw(s);
	vss_forget(s);
}
