// SPDX-License-Identifier: GPL-2.0
/* The KVP pool files (see kvp_pool.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include "hvd.h"
#include "kvp_pool.h"

int kvp_pool_open(struct kvp_pool *p, const char *dir, int index)
{
	char path[PATH_MAX];
	int ret;

	p->fd = -1;
	p->index = index;
	if (index < 0 || index >= KVP_POOL_COUNT)
		return -EINVAL;
	ret = hvd_mkdirs(dir, 0755);
	if (ret)
		return ret;
	if (snprintf(path, sizeof(path), "%s/.kvp_pool_%d", dir, index) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	p->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	return p->fd < 0 ? -errno : 0;
}

void kvp_pool_close(struct kvp_pool *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

/* both kinds of lock on the whole file */
static int kvp_lock(struct kvp_pool *p, bool write)
{
	struct flock fl = { .l_type = write ? F_WRLCK : F_RDLCK, .l_whence = SEEK_SET };

	while (flock(p->fd, write ? LOCK_EX : LOCK_SH))
		if (errno != EINTR)
			return -errno;
	while (fcntl(p->fd, F_SETLKW, &fl))
		if (errno != EINTR) {
			int e = errno;

			flock(p->fd, LOCK_UN);
			return -e;
		}
	return 0;
}

static void kvp_unlock(struct kvp_pool *p)
{
	struct flock fl = { .l_type = F_UNLCK, .l_whence = SEEK_SET };

	fcntl(p->fd, F_SETLK, &fl);
	flock(p->fd, LOCK_UN);
}

/* read every whole record (a torn last one is ignored); locked by the caller */
static int kvp_read_all(struct kvp_pool *p, struct kvp_record **recs, size_t *n)
{
	static char raw[KVP_POOL_RECORD];
	struct kvp_record *r = NULL, *grown;
	size_t cap = 0, count = 0;
	off_t off = 0;
	ssize_t got;

	for (;;) {
		got = pread(p->fd, raw, sizeof(raw), off);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			free(r);
			return -errno;
		}
		if (got < (ssize_t)sizeof(raw))
			break;
		off += got;
		if (count == cap) {
			cap = cap ? 2 * cap : 32;
			grown = realloc(r, cap * sizeof(*r));
			if (!grown) {
				free(r);
				return -ENOMEM;
			}
			r = grown;
		}
		memcpy(r[count].key, raw, KVP_POOL_KEY);
		r[count].key[KVP_POOL_KEY] = '\0';
		memcpy(r[count].value, raw + KVP_POOL_KEY, KVP_POOL_VALUE);
		r[count].value[KVP_POOL_VALUE] = '\0';
		count++;
	}
	*recs = r;
	*n = count;
	return 0;
}

static int kvp_write_all(struct kvp_pool *p, const struct kvp_record *recs, size_t n)
{
	static char raw[KVP_POOL_RECORD];
	size_t i;
	ssize_t put;

	for (i = 0; i < n; i++) {
		memset(raw, 0, sizeof(raw));
		memcpy(raw, recs[i].key, strnlen(recs[i].key, KVP_POOL_KEY));
		memcpy(raw + KVP_POOL_KEY, recs[i].value, strnlen(recs[i].value, KVP_POOL_VALUE));
		do {
			put = pwrite(p->fd, raw, sizeof(raw), (off_t)(i * sizeof(raw)));
		} while (put < 0 && errno == EINTR);
		if (put != (ssize_t)sizeof(raw))
			return put < 0 ? -errno : -EIO;
	}
	if (ftruncate(p->fd, (off_t)(n * sizeof(raw))))
		return -errno;
	return 0;
}

static long kvp_find(const struct kvp_record *r, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(r[i].key, key))
			return (long)i;
	return -1;
}

static bool kvp_fits(const char *key, const char *value)
{
	return key[0] && strlen(key) < KVP_POOL_KEY && (!value || strlen(value) < KVP_POOL_VALUE);
}

int kvp_pool_load(struct kvp_pool *p, struct kvp_record **recs, size_t *n)
{
	int ret = kvp_lock(p, false);

	if (ret)
		return ret;
	ret = kvp_read_all(p, recs, n);
	kvp_unlock(p);
	return ret;
}

int kvp_pool_set(struct kvp_pool *p, const char *key, const char *value)
{
	struct kvp_record *r = NULL, *grown;
	size_t n = 0;
	long i;
	int ret;

	if (!kvp_fits(key, value))
		return -EINVAL;
	ret = kvp_lock(p, true);
	if (ret)
		return ret;
	ret = kvp_read_all(p, &r, &n);
	if (ret)
		goto out;
	i = kvp_find(r, n, key);
	if (i < 0) {
		if (n >= KVP_POOL_MAX_RECORDS) {
			ret = -ENOSPC;
			goto out;
		}
		grown = realloc(r, (n + 1) * sizeof(*r));
		if (!grown) {
			ret = -ENOMEM;
			goto out;
		}
		r = grown;
		i = (long)n++;
		hvd_copy(r[i].key, sizeof(r[i].key), key);
	}
	hvd_copy(r[i].value, sizeof(r[i].value), value);
	ret = kvp_write_all(p, r, n);
out:
	kvp_unlock(p);
	free(r);
	return ret;
}

int kvp_pool_get(struct kvp_pool *p, const char *key, char *value, size_t cap)
{
	struct kvp_record *r = NULL;
	size_t n = 0;
	long i;
	int ret;

	ret = kvp_pool_load(p, &r, &n);
	if (ret)
		return ret;
	i = kvp_find(r, n, key);
	if (i < 0)
		ret = -ENOENT;
	else if (strlen(r[i].value) >= cap)
		ret = -ENOSPC;
	else
		strcpy(value, r[i].value);
	free(r);
	return ret;
}

int kvp_pool_delete(struct kvp_pool *p, const char *key)
{
	struct kvp_record *r = NULL;
	size_t n = 0;
	long i;
	int ret;

	ret = kvp_lock(p, true);
	if (ret)
		return ret;
	ret = kvp_read_all(p, &r, &n);
	if (ret)
		goto out;
	i = kvp_find(r, n, key);
	if (i < 0) {
		ret = -ENOENT;
		goto out;
	}
	memmove(&r[i], &r[i + 1], (n - (size_t)i - 1) * sizeof(*r));
	ret = kvp_write_all(p, r, n - 1);
out:
	kvp_unlock(p);
	free(r);
	return ret;
}

int kvp_pool_enumerate(struct kvp_pool *p, unsigned int index, struct kvp_record *rec)
{
	struct kvp_record *r = NULL;
	size_t n = 0;
	int ret;

	ret = kvp_pool_load(p, &r, &n);
	if (ret)
		return ret;
	if (index >= n)
		ret = -ENOENT;
	else
		*rec = r[index];
	free(r);
	return ret;
}
