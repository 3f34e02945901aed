/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hypervfcopyd's file side: one host-to-guest copy at a time, written to a
 * temporary file in the target directory and put in place atomically when
 * the host says COMPLETE.  The target directory is reached one component at
 * a time from the root with O_NOFOLLOW: a symlink planted anywhere in the
 * path, a ".." or a name with a '/' is refused, so nothing is ever written
 * outside the directory the host named.
 */
#ifndef FCOPY_FILE_H
#define FCOPY_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fcopy_state {
	int rootfd;		/* where absolute paths start */
	int dirfd;		/* the transfer's directory */
	int fd;			/* its temporary file */
	bool active;
	uint32_t flags;		/* LIS_FCOPY_OVERWRITE, LIS_FCOPY_CREATE_PATH */
	uint64_t size;		/* declared by START */
	uint64_t written;	/* highest byte written + 1 */
	char name[256];
	char tmp[64];
};

/* root: the directory absolute paths are resolved in ("/" normally) */
int fcopy_init(struct fcopy_state *s, const char *root);
/* cancels a transfer in progress */
void fcopy_fini(struct fcopy_state *s);

/* each returns the HRESULT for the host */
uint32_t fcopy_start(struct fcopy_state *s, const char *path, const char *name,
		     uint32_t flags, uint64_t size);
uint32_t fcopy_write(struct fcopy_state *s, uint64_t offset, const void *data, uint32_t len);
uint32_t fcopy_complete(struct fcopy_state *s);
uint32_t fcopy_cancel(struct fcopy_state *s);

/* one message from the device (§6.5), checked: the status to answer */
uint32_t fcopy_handle(struct fcopy_state *s, const void *msg, size_t len);

#endif
