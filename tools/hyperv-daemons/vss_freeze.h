/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hypervvssd's freezing: every mounted, writable, block-device-backed
 * filesystem is frozen with FIFREEZE (each once, children before parents,
 * "/" last) and thawed with FITHAW in the opposite order.  A freeze that
 * fails part-way thaws what it froze.  While frozen, a guard process (forked
 * before the first FIFREEZE, holding the same descriptors) thaws everything
 * if the daemon dies or the thaw does not come within the time limit; the
 * daemon thaws itself on SIGTERM/SIGINT/SIGHUP.
 *
 * The system calls go through struct vss_ops so the failure paths can be
 * driven in the unit tests; the daemon uses vss_ops_sys.
 */
#ifndef VSS_FREEZE_H
#define VSS_FREEZE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct vss_ops {
	/* open a mount point: an fd or -errno */
	int (*open_dir)(void *ctx, const char *path);
	/* the device of an open mount point (dedups bind mounts): 0 or -errno */
	int (*dev_of)(void *ctx, int fd, dev_t *dev);
	/* FIFREEZE / FITHAW: 0 or -errno */
	int (*freeze)(void *ctx, int fd);
	int (*thaw)(void *ctx, int fd);
	void (*close)(void *ctx, int fd);
};
extern const struct vss_ops vss_ops_sys;

struct vss_fs {
	char *dir;
	int fd;
	dev_t dev;
	bool frozen;
};

struct vss_state {
	const struct vss_ops *ops;
	void *ctx;
	const char *mounts;		/* mount table (default /proc/self/mounts) */
	unsigned int thaw_after_s;	/* the guard's time limit; 0: no guard */
	struct vss_fs *fs;		/* in freeze order */
	size_t nfs;
	bool frozen;
	pid_t guard;
	int guard_fd;			/* write end of the guard's pipe */
};

void vss_init(struct vss_state *s, const struct vss_ops *ops, void *ctx, const char *mounts,
	      unsigned int thaw_after_s);
/* the filesystems a freeze would cover, in freeze order (s->fs/nfs):
 * 0 or -errno (the mount table cannot be read) */
int vss_collect(struct vss_state *s);
/* freeze everything: 0, or -errno with everything thawed again */
int vss_freeze(struct vss_state *s);
/* thaw everything frozen: 0, or -errno of the first failure (all are tried) */
int vss_thaw(struct vss_state *s);
void vss_fini(struct vss_state *s);

#endif
