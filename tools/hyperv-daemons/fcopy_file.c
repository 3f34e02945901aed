// SPDX-License-Identifier: GPL-2.0
/* hypervfcopyd's file side (see fcopy_file.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "hvd.h"
#include "fcopy_file.h"

#define FC_TMP_PREFIX	".hvfcopy-"

int fcopy_init(struct fcopy_state *s, const char *root)
{
	memset(s, 0, sizeof(*s));
	s->dirfd = s->fd = -1;
	s->rootfd = open(root ? root : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return s->rootfd < 0 ? -1 : 0;
}

static void fc_reset(struct fcopy_state *s)
{
	if (s->fd >= 0)
		close(s->fd);
	if (s->dirfd >= 0)
		close(s->dirfd);
	s->fd = s->dirfd = -1;
	s->active = false;
	s->written = 0;
	s->name[0] = s->tmp[0] = '\0';
}

void fcopy_fini(struct fcopy_state *s)
{
	fcopy_cancel(s);
	if (s->rootfd >= 0)
		close(s->rootfd);
	s->rootfd = -1;
}

/* a single directory entry name: not empty, no '/', not "." or ".." */
static bool fc_name_ok(const char *n)
{
	size_t len = strlen(n);

	return len && len <= NAME_MAX && !strchr(n, '/') && strcmp(n, ".") && strcmp(n, "..");
}

/*
 * Open the directory `path` (absolute) below the root, one component at a
 * time, never following a symlink; create missing ones when asked.  The
 * directory fd, or -1 with *status set.
 */
static int fc_open_dir(struct fcopy_state *s, const char *path, bool create, uint32_t *status)
{
	char comp[NAME_MAX + 1];
	const char *p = path, *e;
	int cur, next;
	size_t len;

	*status = LIS_IC_E_FAIL;
	if (path[0] != '/') {
		hvd_err("fcopy: the path \"%s\" is not absolute", path);
		return -1;
	}
	cur = dup(s->rootfd);
	if (cur < 0)
		return -1;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		e = strchr(p, '/');
		len = e ? (size_t)(e - p) : strlen(p);
		if (len > NAME_MAX) {
			hvd_err("fcopy: a component of \"%s\" is too long", path);
			goto fail;
		}
		memcpy(comp, p, len);
		comp[len] = '\0';
		p += len;
		if (!strcmp(comp, "."))
			continue;
		if (!strcmp(comp, "..")) {
			hvd_err("fcopy: the path \"%s\" climbs with \"..\"", path);
			goto fail;
		}
		next = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT && create) {
			if (mkdirat(cur, comp, 0755) && errno != EEXIST) {
				hvd_err("fcopy: cannot create %s in \"%s\": %s", comp, path,
					strerror(errno));
				if (errno == ENOSPC || errno == EDQUOT)
					*status = LIS_IC_E_DISK_FULL;
				goto fail;
			}
			next = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (next < 0) {
			hvd_err("fcopy: \"%s\": %s: %s", path, comp,
				errno == ELOOP || errno == ENOTDIR ?
				"not a directory, or a symlink (never followed)" : strerror(errno));
			goto fail;
		}
		close(cur);
		cur = next;
	}
	return cur;
fail:
	close(cur);
	return -1;
}

uint32_t fcopy_start(struct fcopy_state *s, const char *path, const char *name,
		     uint32_t flags, uint64_t size)
{
	static unsigned int seq;
	uint32_t status;
	struct stat st;
	int i;

	if (s->active) {
		hvd_warn("fcopy: a new copy starts before %s finished; the old one is dropped",
			 s->name);
		fcopy_cancel(s);
	}
	if (flags & ~LIS_FCOPY_FLAGS_KNOWN || !fc_name_ok(name)) {
		hvd_err("fcopy: refused the file name \"%s\" (flags %#x)", name, flags);
		return LIS_IC_E_FAIL;
	}
	s->dirfd = fc_open_dir(s, path, flags & LIS_FCOPY_CREATE_PATH, &status);
	if (s->dirfd < 0)
		return status;
	if (fstatat(s->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!(flags & LIS_FCOPY_OVERWRITE)) {
			hvd_info("fcopy: %s/%s exists", path, name);
			fc_reset(s);
			return LIS_IC_E_ALREADY_EXISTS;
		}
		if (S_ISDIR(st.st_mode)) {
			hvd_err("fcopy: %s/%s is a directory", path, name);
			fc_reset(s);
			return LIS_IC_E_FAIL;
		}
	}
	for (i = 0; i < 100; i++) {
		snprintf(s->tmp, sizeof(s->tmp), FC_TMP_PREFIX "%d-%u-%lx", (int)getpid(), seq++,
			 (unsigned long)time(NULL) ^ (unsigned long)(uintptr_t)&st);
		s->fd = openat(s->dirfd, s->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			       0600);
		if (s->fd >= 0 || errno != EEXIST)
			break;
	}
	if (s->fd < 0) {
		status = errno == ENOSPC || errno == EDQUOT ? LIS_IC_E_DISK_FULL : LIS_IC_E_FAIL;
		hvd_err("fcopy: cannot create a file in %s: %s", path, strerror(errno));
		s->tmp[0] = '\0';
		fc_reset(s);
		return status;
	}
	hvd_copy(s->name, sizeof(s->name), name);
	s->flags = flags;
	s->size = size;
	s->active = true;
	hvd_debug("fcopy: START %s/%s, %llu bytes", path, name, (unsigned long long)size);
	return LIS_IC_S_OK;
}

uint32_t fcopy_write(struct fcopy_state *s, uint64_t offset, const void *data, uint32_t len)
{
	const char *p = data;
	ssize_t n;

	if (!s->active) {
		hvd_err("fcopy: data without a START");
		return LIS_IC_E_FAIL;
	}
	if (offset > s->size || len > s->size - offset || offset > (uint64_t)INT64_MAX) {
		hvd_err("fcopy: data at %llu+%u past the declared size %llu",
			(unsigned long long)offset, len, (unsigned long long)s->size);
		return LIS_IC_E_FAIL;
	}
	while (len) {
		n = pwrite(s->fd, p, len, (off_t)offset);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			hvd_err("fcopy: writing %s: %s", s->name, strerror(errno));
			return errno == ENOSPC || errno == EDQUOT ? LIS_IC_E_DISK_FULL :
			       LIS_IC_E_FAIL;
		}
		p += n;
		len -= (uint32_t)n;
		offset += (uint64_t)n;
	}
	if (offset > s->written)
		s->written = offset;
	return LIS_IC_S_OK;
}

uint32_t fcopy_complete(struct fcopy_state *s)
{
	uint32_t status = LIS_IC_S_OK;

	if (!s->active) {
		hvd_err("fcopy: COMPLETE without a START");
		return LIS_IC_E_FAIL;
	}
	if (fsync(s->fd) || fchmod(s->fd, 0644)) {
		hvd_err("fcopy: cannot finish %s: %s", s->name, strerror(errno));
		status = errno == ENOSPC || errno == EDQUOT ? LIS_IC_E_DISK_FULL : LIS_IC_E_FAIL;
	} else if (s->flags & LIS_FCOPY_OVERWRITE) {
		/* replaces whatever has the name (a symlink itself, never its target) */
		if (renameat(s->dirfd, s->tmp, s->dirfd, s->name)) {
			hvd_err("fcopy: cannot put %s in place: %s", s->name, strerror(errno));
			status = LIS_IC_E_FAIL;
		} else {
			s->tmp[0] = '\0';
		}
	} else if (linkat(s->dirfd, s->tmp, s->dirfd, s->name, 0)) {
		status = errno == EEXIST ? LIS_IC_E_ALREADY_EXISTS : LIS_IC_E_FAIL;
		hvd_err("fcopy: cannot put %s in place: %s", s->name, strerror(errno));
	}
	if (s->tmp[0])
		unlinkat(s->dirfd, s->tmp, 0);
	if (status == LIS_IC_S_OK) {
		fsync(s->dirfd);
		hvd_info("fcopy: copied %s (%llu bytes)", s->name, (unsigned long long)s->written);
	}
	fc_reset(s);
	return status;
}

uint32_t fcopy_cancel(struct fcopy_state *s)
{
	if (s->active && s->tmp[0])
		unlinkat(s->dirfd, s->tmp, 0);
	if (s->active)
		hvd_info("fcopy: the host cancelled the copy of %s", s->name);
	fc_reset(s);
	return LIS_IC_S_OK;
}

uint32_t fcopy_handle(struct fcopy_state *s, const void *msg, size_t len)
{
	const uint8_t *m = msg;
	uint32_t op, size;
	char name[2 * LIS_FCOPY_PATH_UNITS], path[2 * LIS_FCOPY_PATH_UNITS];

	if (len < sizeof(struct lis_fcopy_hdr)) {
		hvd_err("fcopy: a %zu-byte message is too short", len);
		return LIS_IC_E_FAIL;
	}
	op = hvd_get32(m);
	switch (op) {
	case LIS_FCOPY_OP_START:
		if (len < sizeof(struct lis_fcopy_start) ||
		    hvd_strnlen(m + offsetof(struct lis_fcopy_start, file_name), sizeof(name)) < 0 ||
		    hvd_strnlen(m + offsetof(struct lis_fcopy_start, path_name), sizeof(path)) < 0) {
			hvd_err("fcopy: a malformed START");
			return LIS_IC_E_FAIL;
		}
		memcpy(name, m + offsetof(struct lis_fcopy_start, file_name), sizeof(name));
		memcpy(path, m + offsetof(struct lis_fcopy_start, path_name), sizeof(path));
		return fcopy_start(s, path, name,
				   hvd_get32(m + offsetof(struct lis_fcopy_start, copy_flags)),
				   hvd_get64(m + offsetof(struct lis_fcopy_start, file_size)));
	case LIS_FCOPY_OP_WRITE:
		if (len < offsetof(struct lis_fcopy_write, data))
			break;
		size = hvd_get32(m + offsetof(struct lis_fcopy_write, size));
		if (size > LIS_FCOPY_DATA_SIZE || offsetof(struct lis_fcopy_write, data) + size > len)
			break;
		return fcopy_write(s, hvd_get64(m + offsetof(struct lis_fcopy_write, offset)),
				   m + offsetof(struct lis_fcopy_write, data), size);
	case LIS_FCOPY_OP_COMPLETE:
		return fcopy_complete(s);
	case LIS_FCOPY_OP_CANCEL:
		return fcopy_cancel(s);
	default:
		break;
	}
	hvd_err("fcopy: a malformed message (operation %u, %zu bytes)", op, len);
	return LIS_IC_E_FAIL;
}
