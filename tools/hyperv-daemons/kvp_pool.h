/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The KVP pools as cloud-init, the Azure agent and Linux's hv_kvp_daemon
 * keep them: /var/lib/hyperv/.kvp_pool_<n> (n = 0..4), a plain array of
 * 2560-byte records — the key in 512 bytes, the value in 2048, both UTF-8
 * and NUL-padded — with no header.  Writers rewrite the file in place or
 * append to it.  Two kinds of lock are in use on these files and they do not
 * see each other: cloud-init takes flock(LOCK_EX), hv_kvp_daemon fcntl()
 * record locks over the whole file.  We take both, flock first: shared for
 * reading, exclusive for writing.  The file is read again for every request,
 * so what others wrote is always seen.
 */
#ifndef KVP_POOL_H
#define KVP_POOL_H

#include <stdbool.h>
#include <stddef.h>

#define KVP_POOL_KEY		512
#define KVP_POOL_VALUE		2048
#define KVP_POOL_RECORD		(KVP_POOL_KEY + KVP_POOL_VALUE)
#define KVP_POOL_COUNT		5
/* a pool stops growing here (the host cannot fill the disk) */
#define KVP_POOL_MAX_RECORDS	8192

struct kvp_record {
	char key[KVP_POOL_KEY + 1];	/* NUL-terminated (a full field loses nothing) */
	char value[KVP_POOL_VALUE + 1];
};

struct kvp_pool {
	int fd;
	int index;
};

/* dir: the pool directory (created 0755); the file is created 0644 */
int kvp_pool_open(struct kvp_pool *p, const char *dir, int index);
void kvp_pool_close(struct kvp_pool *p);

/* 0, or -ENOENT (no such key), -ENOSPC (pool full), -EINVAL, -errno */
int kvp_pool_set(struct kvp_pool *p, const char *key, const char *value);
int kvp_pool_get(struct kvp_pool *p, const char *key, char *value, size_t cap);
int kvp_pool_delete(struct kvp_pool *p, const char *key);
/* the record at index; -ENOENT past the end */
int kvp_pool_enumerate(struct kvp_pool *p, unsigned int index, struct kvp_record *rec);
/* the records, locked for reading (caller frees *recs) */
int kvp_pool_load(struct kvp_pool *p, struct kvp_record **recs, size_t *n);

#endif
