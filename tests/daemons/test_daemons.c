// SPDX-License-Identifier: GPL-2.0
/*
 * The daemons' logic without a device: fcopy's path checks against every
 * way out of the requested directory, its atomic writes; VSS thaws on every
 * failure path (the system calls driven through the ops seam); the KVP pool
 * files in the format and with the locks cloud-init uses.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "hvd.h"
#include "fcopy_file.h"
#include "vss_freeze.h"
#include "kvp_pool.h"
#include "kvp_net.h"
#include "lis_test.h"

static char tmpl[] = "/tmp/lis-daemons.XXXXXX";
static const char *top;

static void sh(const char *fmt, const char *arg);

static void remove_top(void)
{
	if (top)
		sh("rm -rf '%s'", top);
}

static void sh(const char *fmt, const char *arg)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), fmt, arg);
	if (system(cmd))
		fprintf(stderr, "    command failed: %s\n", cmd);
}

/* a fresh directory tree for one test: TOP/<name> */
static const char *fresh(const char *name)
{
	static char dir[512];

	if (!top) {
		/* never a path made of a NULL top ("(null)/name" in the cwd) */
		top = mkdtemp(tmpl);
		if (!top) {
			perror("test_daemons: mkdtemp " "/tmp/lis-daemons.XXXXXX");
			exit(2);
		}
		atexit(remove_top);
	}
	snprintf(dir, sizeof(dir), "%s/%s", top, name);
	sh("rm -rf '%s'", dir);
	mkdir(dir, 0755);
	return dir;
}

static bool exists(const char *dir, const char *rel)
{
	char p[1024];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	return lstat(p, &st) == 0;
}

static long file_size(const char *dir, const char *rel)
{
	char p[1024];
	struct stat st;

	snprintf(p, sizeof(p), "%s%s%s", dir, rel[0] ? "/" : "", rel);
	return stat(p, &st) ? -1 : (long)st.st_size;
}

static unsigned int count_entries(const char *dir, const char *rel)
{
	char cmd[1024];
	unsigned int n = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ls -A '%s/%s' | wc -l", dir, rel);
	f = popen(cmd, "r");
	if (f) {
		if (fscanf(f, "%u", &n) != 1)
			n = 0;
		pclose(f);
	}
	return n;
}

/* ---- fcopy ---- */

static uint32_t copy_file(struct fcopy_state *s, const char *path, const char *name,
			  uint32_t flags, const char *data)
{
	uint32_t st = fcopy_start(s, path, name, flags, strlen(data));

	if (st)
		return st;
	st = fcopy_write(s, 0, data, (uint32_t)strlen(data));
	if (st) {
		fcopy_cancel(s);
		return st;
	}
	return fcopy_complete(s);
}

LIS_TEST(fcopy_writes_the_file_atomically_where_asked)
{
	const char *root = fresh("fc1");
	struct fcopy_state s;

	ASSERT(fcopy_init(&s, root) == 0);
	sh("mkdir -p '%s/srv/in'", root);
	EXPECT_EQ(fcopy_start(&s, "/srv/in", "a.txt", 0, 10), LIS_IC_S_OK);
	EXPECT_EQ(fcopy_write(&s, 5, "56789", 5), LIS_IC_S_OK);
	/* nothing under the final name until COMPLETE */
	EXPECT(!exists(root, "srv/in/a.txt"));
	EXPECT_EQ(fcopy_write(&s, 0, "01234", 5), LIS_IC_S_OK);
	EXPECT_EQ(fcopy_complete(&s), LIS_IC_S_OK);
	EXPECT_EQ(file_size(root, "srv/in/a.txt"), 10);
	EXPECT_EQ(count_entries(root, "srv/in"), 1);
	fcopy_fini(&s);
}

LIS_TEST(fcopy_refuses_existing_files_unless_asked_to_overwrite)
{
	const char *root = fresh("fc2");
	struct fcopy_state s;

	ASSERT(fcopy_init(&s, root) == 0);
	sh("mkdir -p '%s/d'", root);
	sh("echo old > '%s/d/f'", root);
	EXPECT_EQ(copy_file(&s, "/d", "f", 0, "new!"), LIS_IC_E_ALREADY_EXISTS);
	EXPECT_EQ(file_size(root, "d/f"), 4);
	EXPECT_EQ(copy_file(&s, "/d", "f", LIS_FCOPY_OVERWRITE, "newer"), LIS_IC_S_OK);
	EXPECT_EQ(file_size(root, "d/f"), 5);
	/* a directory is never replaced */
	sh("mkdir -p '%s/d/sub'", root);
	EXPECT_EQ(copy_file(&s, "/d", "sub", LIS_FCOPY_OVERWRITE, "x"), LIS_IC_E_FAIL);
	EXPECT_EQ(count_entries(root, "d"), 2);
	fcopy_fini(&s);
}

LIS_TEST(fcopy_creates_the_path_only_when_asked)
{
	const char *root = fresh("fc3");
	struct fcopy_state s;

	ASSERT(fcopy_init(&s, root) == 0);
	EXPECT_EQ(copy_file(&s, "/new/deep/dir", "f", 0, "x"), LIS_IC_E_FAIL);
	EXPECT(!exists(root, "new"));
	EXPECT_EQ(copy_file(&s, "/new/deep/dir", "f", LIS_FCOPY_CREATE_PATH, "x"), LIS_IC_S_OK);
	EXPECT(exists(root, "new/deep/dir/f"));
	fcopy_fini(&s);
}

LIS_TEST(fcopy_path_attacks_write_nothing_outside)
{
	const char *root = fresh("fc4");
	char outside[600];
	struct fcopy_state s;

	snprintf(outside, sizeof(outside), "%s/../fc4-outside", root);
	sh("rm -rf '%s'", outside);
	sh("mkdir -p '%s'", outside);
	ASSERT(fcopy_init(&s, root) == 0);
	sh("mkdir -p '%s/in'", root);
	/* a symlink planted as a path component (to a directory outside) */
	{
		char cmd[1400];

		snprintf(cmd, sizeof(cmd), "ln -s '%s' '%s/in/link'", outside, root);
		EXPECT(system(cmd) == 0);
	}
	EXPECT_EQ(copy_file(&s, "/in/link", "f", 0, "x"), LIS_IC_E_FAIL);
	EXPECT_EQ(copy_file(&s, "/in/link/sub", "f", LIS_FCOPY_CREATE_PATH, "x"), LIS_IC_E_FAIL);
	/* climbing out with .. */
	EXPECT_EQ(copy_file(&s, "/in/../..", "f", 0, "x"), LIS_IC_E_FAIL);
	EXPECT_EQ(copy_file(&s, "/..", "f", LIS_FCOPY_CREATE_PATH, "x"), LIS_IC_E_FAIL);
	/* names that are paths, or nothing */
	EXPECT_EQ(copy_file(&s, "/in", "../f", 0, "x"), LIS_IC_E_FAIL);
	EXPECT_EQ(copy_file(&s, "/in", "a/b", 0, "x"), LIS_IC_E_FAIL);
	EXPECT_EQ(copy_file(&s, "/in", "..", 0, "x"), LIS_IC_E_FAIL);
	EXPECT_EQ(copy_file(&s, "/in", "", 0, "x"), LIS_IC_E_FAIL);
	/* a relative path */
	EXPECT_EQ(copy_file(&s, "in", "f", 0, "x"), LIS_IC_E_FAIL);
	/* a file where a directory should be */
	sh("echo x > '%s/in/plain'", root);
	EXPECT_EQ(copy_file(&s, "/in/plain", "f", LIS_FCOPY_CREATE_PATH, "x"), LIS_IC_E_FAIL);
	/* a symlink as the file name itself, overwritten: the link is replaced,
	 * its target untouched */
	{
		char cmd[1400];

		snprintf(cmd, sizeof(cmd), "echo keep > '%s/victim' && ln -s '%s/victim' '%s/in/victim'",
			 outside, outside, root);
		EXPECT(system(cmd) == 0);
	}
	EXPECT_EQ(copy_file(&s, "/in", "victim", 0, "x"), LIS_IC_E_ALREADY_EXISTS);
	EXPECT_EQ(copy_file(&s, "/in", "victim", LIS_FCOPY_OVERWRITE, "replaced"), LIS_IC_S_OK);
	EXPECT_EQ(file_size(outside, "victim"), 5);
	EXPECT_EQ(file_size(root, "in/victim"), 8);
	/* the directory outside holds only what the test put there */
	EXPECT_EQ(count_entries(outside, ""), 1);
	fcopy_fini(&s);
}

LIS_TEST(fcopy_refuses_writes_past_the_declared_size_and_without_start)
{
	const char *root = fresh("fc5");
	struct fcopy_state s;

	ASSERT(fcopy_init(&s, root) == 0);
	EXPECT_EQ(fcopy_write(&s, 0, "x", 1), LIS_IC_E_FAIL);
	EXPECT_EQ(fcopy_complete(&s), LIS_IC_E_FAIL);
	EXPECT_EQ(fcopy_start(&s, "/", "f", 0, 4), LIS_IC_S_OK);
	EXPECT_EQ(fcopy_write(&s, 2, "abc", 3), LIS_IC_E_FAIL);
	EXPECT_EQ(fcopy_write(&s, UINT64_MAX - 1, "abc", 3), LIS_IC_E_FAIL);
	EXPECT_EQ(fcopy_write(&s, 0, "abcd", 4), LIS_IC_S_OK);
	/* CANCEL leaves nothing behind */
	EXPECT_EQ(fcopy_cancel(&s), LIS_IC_S_OK);
	EXPECT_EQ(count_entries(root, ""), 0);
	fcopy_fini(&s);
}

LIS_TEST(fcopy_a_new_start_drops_the_unfinished_copy)
{
	const char *root = fresh("fc6");
	struct fcopy_state s;

	ASSERT(fcopy_init(&s, root) == 0);
	EXPECT_EQ(fcopy_start(&s, "/", "a", 0, 4), LIS_IC_S_OK);
	EXPECT_EQ(fcopy_start(&s, "/", "b", 0, 1), LIS_IC_S_OK);
	EXPECT_EQ(fcopy_write(&s, 0, "b", 1), LIS_IC_S_OK);
	EXPECT_EQ(fcopy_complete(&s), LIS_IC_S_OK);
	EXPECT_EQ(count_entries(root, ""), 1);
	EXPECT(exists(root, "b"));
	fcopy_fini(&s);
}

static uint32_t fc_msg(struct fcopy_state *s, const uint8_t *m, size_t len)
{
	return fcopy_handle(s, m, len);
}

LIS_TEST(fcopy_messages_are_checked_before_use)
{
	static uint8_t m[6196];
	const char *root = fresh("fc7");
	struct fcopy_state s;

	ASSERT(fcopy_init(&s, root) == 0);
	memset(m, 0, sizeof(m));
	EXPECT_EQ(fc_msg(&s, m, 35), LIS_IC_E_FAIL);
	/* START with names filling their fields (no NUL) */
	memset(m + 36, 'a', 520);
	memcpy(m + 556, "/", 2);
	EXPECT_EQ(fc_msg(&s, m, 1088), LIS_IC_E_FAIL);
	memset(m + 36, 0, 520);
	memcpy(m + 36, "ok", 3);
	EXPECT_EQ(fc_msg(&s, m, 1087), LIS_IC_E_FAIL);
	hvd_put32(m + 1076, 0x80);	/* an unknown flag */
	EXPECT_EQ(fc_msg(&s, m, 1088), LIS_IC_E_FAIL);
	hvd_put32(m + 1076, 0);
	m[1080] = 3;			/* 3 bytes */
	EXPECT_EQ(fc_msg(&s, m, 1088), LIS_IC_S_OK);
	/* WRITE with Size past its data, or past 6144 */
	memset(m, 0, 64);
	m[0] = LIS_FCOPY_OP_WRITE;
	hvd_put32(m + 48, 6145);
	EXPECT_EQ(fc_msg(&s, m, 6196), LIS_IC_E_FAIL);
	hvd_put32(m + 48, 3);
	EXPECT_EQ(fc_msg(&s, m, 54), LIS_IC_E_FAIL);
	memcpy(m + 52, "xyz", 3);
	EXPECT_EQ(fc_msg(&s, m, 6196), LIS_IC_S_OK);
	m[0] = LIS_FCOPY_OP_COMPLETE;
	EXPECT_EQ(fc_msg(&s, m, 36), LIS_IC_S_OK);
	EXPECT_EQ(file_size(root, "ok"), 3);
	m[0] = 9;
	EXPECT_EQ(fc_msg(&s, m, 36), LIS_IC_E_FAIL);
	fcopy_fini(&s);
}

/* ---- VSS ---- */

#define TV_MAX	16

/* the ops seam: mount points by name, failures on demand, a call log */
struct tvss {
	int fail_open, fail_freeze, fail_thaw;	/* 1-based fs number; 0 none */
	int freeze_errno, thaw_errno;
	int unsupported;			/* EOPNOTSUPP on this one */
	dev_t devs[TV_MAX];
	bool frozen[TV_MAX];
	int opens, closes;
	char log[512];
};

static int tv_index(const char *path)
{
	/* mount points are /m<N> (and / is number 0) */
	return strcmp(path, "/") ? atoi(path + 2) : 0;
}

static void tv_note(struct tvss *t, char what, int i)
{
	size_t len = strlen(t->log);

	snprintf(t->log + len, sizeof(t->log) - len, "%c%d ", what, i);
}

static int tv_open(void *ctx, const char *path)
{
	struct tvss *t = ctx;
	int i = tv_index(path);

	if (t->fail_open && i == t->fail_open)
		return -EACCES;
	t->opens++;
	return 100 + i;
}

static int tv_dev_of(void *ctx, int fd, dev_t *dev)
{
	struct tvss *t = ctx;

	*dev = t->devs[fd - 100] ? t->devs[fd - 100] : (dev_t)(fd - 100 + 1);
	return 0;
}

static int tv_freeze(void *ctx, int fd)
{
	struct tvss *t = ctx;
	int i = fd - 100;

	if (t->unsupported == i && i)
		return -EOPNOTSUPP;
	if (t->fail_freeze && i == t->fail_freeze)
		return -(t->freeze_errno ? t->freeze_errno : EBUSY);
	if (t->frozen[i])
		return -EBUSY;
	t->frozen[i] = true;
	tv_note(t, 'F', i);
	return 0;
}

static int tv_thaw(void *ctx, int fd)
{
	struct tvss *t = ctx;
	int i = fd - 100;

	if (t->fail_thaw && i == t->fail_thaw)
		return -(t->thaw_errno ? t->thaw_errno : EIO);
	if (!t->frozen[i])
		return -EINVAL;
	t->frozen[i] = false;
	tv_note(t, 'T', i);
	return 0;
}

static void tv_close(void *ctx, int fd)
{
	struct tvss *t = ctx;

	(void)fd;
	t->closes++;
}

static const struct vss_ops tv_ops = {
	.open_dir = tv_open, .dev_of = tv_dev_of, .freeze = tv_freeze, .thaw = tv_thaw,
	.close = tv_close,
};

/* a mount table: "/" and /m1../m<n>, plus what is not frozen */
static const char *tv_mounts(int n)
{
	static char path[600];
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "%s/mounts", fresh("vss"));
	f = fopen(path, "w");
	if (!f)
		return NULL;
	fprintf(f, "/dev/sda1 / xfs rw,relatime 0 0\n");
	fprintf(f, "proc /proc proc rw 0 0\ntmpfs /run tmpfs rw 0 0\n");
	for (i = 1; i <= n; i++)
		fprintf(f, "/dev/sdb%d /m%d ext4 rw,relatime 0 0\n", i, i);
	fprintf(f, "/dev/sr0 /m9 iso9660 ro 0 0\n/dev/sdc1 /m8 ext4 ro,relatime 0 0\n");
	fclose(f);
	return path;
}

static bool all_thawed(const struct tvss *t)
{
	int i;

	for (i = 0; i < TV_MAX; i++)
		if (t->frozen[i])
			return false;
	return true;
}

LIS_TEST(vss_freezes_children_first_root_last_and_thaws_in_reverse)
{
	struct tvss t = { 0 };
	struct vss_state s;

	vss_init(&s, &tv_ops, &t, tv_mounts(3), 0);
	EXPECT_EQ(vss_freeze(&s), 0);
	EXPECT(!strcmp(t.log, "F3 F2 F1 F0 "));
	EXPECT_EQ(vss_thaw(&s), 0);
	EXPECT(!strcmp(t.log, "F3 F2 F1 F0 T0 T1 T2 T3 "));
	EXPECT(all_thawed(&t));
	EXPECT_EQ(t.opens, t.closes);
	vss_fini(&s);
}

LIS_TEST(vss_failed_freeze_thaws_what_it_froze)
{
	struct tvss t = { .fail_freeze = 1 };
	struct vss_state s;

	vss_init(&s, &tv_ops, &t, tv_mounts(3), 0);
	EXPECT_EQ(vss_freeze(&s), -EBUSY);
	EXPECT(!strcmp(t.log, "F3 F2 T2 T3 "));
	EXPECT(all_thawed(&t));
	EXPECT(!s.frozen);
	EXPECT_EQ(t.opens, t.closes);
	/* and a THAW afterwards has nothing to do */
	EXPECT_EQ(vss_thaw(&s), 0);
	vss_fini(&s);
}

LIS_TEST(vss_failed_root_freeze_thaws_everything_else)
{
	struct tvss t = { 0 };
	struct vss_state s;

	vss_init(&s, &tv_ops, &t, tv_mounts(2), 0);
	t.frozen[0] = true;	/* someone else froze "/": EBUSY */
	EXPECT_EQ(vss_freeze(&s), -EBUSY);
	EXPECT(!strcmp(t.log, "F2 F1 T1 T2 "));
	t.frozen[0] = false;
	EXPECT(all_thawed(&t));
	vss_fini(&s);
}

LIS_TEST(vss_unopenable_mount_point_freezes_nothing)
{
	struct tvss t = { .fail_open = 2 };
	struct vss_state s;

	vss_init(&s, &tv_ops, &t, tv_mounts(3), 0);
	EXPECT_EQ(vss_freeze(&s), -EACCES);
	EXPECT(!strcmp(t.log, ""));
	EXPECT_EQ(t.opens, t.closes);
	vss_fini(&s);
}

LIS_TEST(vss_unsupported_filesystems_are_skipped_bind_mounts_frozen_once)
{
	struct tvss t = { .unsupported = 2 };
	struct vss_state s;

	t.devs[3] = 2;		/* /m3 is a bind mount of /m1 (device 2) */
	vss_init(&s, &tv_ops, &t, tv_mounts(3), 0);
	EXPECT_EQ(vss_freeze(&s), 0);
	EXPECT(!strcmp(t.log, "F3 F0 "));
	EXPECT_EQ(vss_thaw(&s), 0);
	EXPECT(all_thawed(&t));
	vss_fini(&s);
}

LIS_TEST(vss_thaw_failure_is_reported_and_the_rest_still_thawed)
{
	struct tvss t = { .fail_thaw = 2 };
	struct vss_state s;

	vss_init(&s, &tv_ops, &t, tv_mounts(3), 0);
	EXPECT_EQ(vss_freeze(&s), 0);
	EXPECT_EQ(vss_thaw(&s), -EIO);
	EXPECT(!strcmp(t.log, "F3 F2 F1 F0 T0 T1 T3 "));
	EXPECT(!s.frozen);
	vss_fini(&s);
}

LIS_TEST(vss_repeated_freeze_and_stray_thaw_are_harmless)
{
	struct tvss t = { 0 };
	struct vss_state s;

	vss_init(&s, &tv_ops, &t, tv_mounts(1), 0);
	EXPECT_EQ(vss_thaw(&s), 0);
	EXPECT_EQ(vss_freeze(&s), 0);
	EXPECT_EQ(vss_freeze(&s), 0);
	EXPECT(!strcmp(t.log, "F1 F0 "));
	vss_fini(&s);		/* fini while frozen thaws */
	EXPECT(all_thawed(&t));
}

LIS_TEST(vss_unreadable_mount_table_fails_cleanly)
{
	struct tvss t = { 0 };
	struct vss_state s;

	vss_init(&s, &tv_ops, &t, "/nonexistent/mounts", 0);
	EXPECT_EQ(vss_freeze(&s), -ENOENT);
	EXPECT(!s.frozen);
	vss_fini(&s);
}

/* ---- KVP pools ---- */

static void pool_path(const char *dir, int n, char *p, size_t cap)
{
	snprintf(p, cap, "%s/.kvp_pool_%d", dir, n);
}

LIS_TEST(kvp_pool_records_are_512_plus_2048_bytes_nul_padded)
{
	const char *dir = fresh("kvp1");
	struct kvp_pool p;
	char path[600], raw[2560];
	int fd;

	ASSERT(kvp_pool_open(&p, dir, 0) == 0);
	EXPECT_EQ(kvp_pool_set(&p, "Key1", "Value1"), 0);
	EXPECT_EQ(kvp_pool_set(&p, "Key2", "Value2"), 0);
	EXPECT_EQ(kvp_pool_set(&p, "Key1", "Changed"), 0);
	pool_path(dir, 0, path, sizeof(path));
	EXPECT_EQ(file_size(path, ""), 2 * 2560);
	fd = open(path, O_RDONLY);
	ASSERT(fd >= 0);
	EXPECT_EQ(pread(fd, raw, sizeof(raw), 0), 2560);
	EXPECT(!strcmp(raw, "Key1"));
	EXPECT_EQ(raw[511], 0);
	EXPECT(!strcmp(raw + 512, "Changed"));
	EXPECT_EQ(raw[2559], 0);
	close(fd);
	kvp_pool_close(&p);
}

LIS_TEST(kvp_pool_sees_records_others_appended_and_deletes_keep_the_rest)
{
	const char *dir = fresh("kvp2");
	struct kvp_record rec;
	struct kvp_pool p;
	char path[600], raw[2560], v[64];
	int fd;

	ASSERT(kvp_pool_open(&p, dir, 1) == 0);
	EXPECT_EQ(kvp_pool_set(&p, "mine", "1"), 0);
	/* cloud-init's way: flock, append a record */
	pool_path(dir, 1, path, sizeof(path));
	fd = open(path, O_WRONLY | O_APPEND);
	ASSERT(fd >= 0);
	EXPECT_EQ(flock(fd, LOCK_EX), 0);
	memset(raw, 0, sizeof(raw));
	strcpy(raw, "CLOUD_INIT|1|start");
	strcpy(raw + 512, "{\"msg\":\"hi\"}");
	EXPECT_EQ(write(fd, raw, sizeof(raw)), 2560);
	flock(fd, LOCK_UN);
	close(fd);
	EXPECT_EQ(kvp_pool_get(&p, "CLOUD_INIT|1|start", v, sizeof(v)), 0);
	EXPECT(!strcmp(v, "{\"msg\":\"hi\"}"));
	EXPECT_EQ(kvp_pool_enumerate(&p, 1, &rec), 0);
	EXPECT(!strcmp(rec.key, "CLOUD_INIT|1|start"));
	EXPECT_EQ(kvp_pool_enumerate(&p, 2, &rec), -ENOENT);
	EXPECT_EQ(kvp_pool_delete(&p, "mine"), 0);
	EXPECT_EQ(kvp_pool_delete(&p, "mine"), -ENOENT);
	EXPECT_EQ(kvp_pool_enumerate(&p, 0, &rec), 0);
	EXPECT(!strcmp(rec.key, "CLOUD_INIT|1|start"));
	EXPECT_EQ(file_size(path, ""), 2560);
	kvp_pool_close(&p);
}

LIS_TEST(kvp_pool_waits_for_a_writer_holding_either_lock)
{
	const char *dir = fresh("kvp3");
	struct kvp_pool p;
	char path[600], v[16];
	int fd, st;
	pid_t pid;

	ASSERT(kvp_pool_open(&p, dir, 3) == 0);
	pool_path(dir, 3, path, sizeof(path));
	for (int kind = 0; kind < 2; kind++) {
		pid = fork();
		ASSERT(pid >= 0);
		if (pid == 0) {
			/* another process holds the lock 300 ms, then writes */
			struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
			char raw[2560] = "late";
			int f = open(path, O_RDWR);

			if (kind ? fcntl(f, F_SETLKW, &fl) : flock(f, LOCK_EX))
				_exit(2);
			usleep(300000);
			memcpy(raw + 512, "yes", 4);
			if (pwrite(f, raw, sizeof(raw), 0) != (ssize_t)sizeof(raw) ||
			    ftruncate(f, sizeof(raw)))
				_exit(3);
			_exit(0);
		}
		usleep(100000);
		/* blocks until the writer is done, then sees its record */
		EXPECT_EQ(kvp_pool_get(&p, "late", v, sizeof(v)), 0);
		EXPECT(!strcmp(v, "yes"));
		waitpid(pid, &st, 0);
		EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		fd = open(path, O_RDWR | O_TRUNC);
		close(fd);
	}
	kvp_pool_close(&p);
}

LIS_TEST(kvp_pool_refuses_oversized_keys_and_values)
{
	const char *dir = fresh("kvp4");
	static char big[3000];
	struct kvp_pool p;

	ASSERT(kvp_pool_open(&p, dir, 0) == 0);
	memset(big, 'k', 512);
	EXPECT_EQ(kvp_pool_set(&p, big, "v"), -EINVAL);
	memset(big, 'v', 2048);
	EXPECT_EQ(kvp_pool_set(&p, "k", big), -EINVAL);
	EXPECT_EQ(kvp_pool_set(&p, "", "v"), -EINVAL);
	big[2047] = '\0';
	EXPECT_EQ(kvp_pool_set(&p, "k", big), 0);
	kvp_pool_close(&p);
}

LIS_TEST(kvp_macs_parse_in_every_spelling_the_host_uses)
{
	unsigned char m[6];

	EXPECT_EQ(kvp_parse_mac("00:15:5D:0A:0B:0C", m), 0);
	EXPECT_EQ(m[2], 0x5d);
	EXPECT_EQ(kvp_parse_mac("00-15-5d-0a-0b-0c", m), 0);
	EXPECT_EQ(m[5], 0x0c);
	EXPECT_EQ(kvp_parse_mac("00155D0A0B0C", m), 0);
	EXPECT_EQ(kvp_parse_mac("00:15:5D:0A:0B", m), -EINVAL);
	EXPECT_EQ(kvp_parse_mac("00:15:5D:0A:0B:0C:0D", m), -EINVAL);
	EXPECT_EQ(kvp_parse_mac("zz:15:5D:0A:0B:0C", m), -EINVAL);
}

LIS_TEST(kvp_lists_never_outgrow_their_field)
{
	char buf[32] = "";

	EXPECT(kvp_list_add(buf, 20, "10.0.0.1"));
	EXPECT(kvp_list_add(buf, 20, "10.0.0.2"));
	EXPECT(!kvp_list_add(buf, 20, "10.0.0.3"));
	EXPECT(!strcmp(buf, "10.0.0.1;10.0.0.2"));
}

LIS_TEST_MAIN("daemons")
