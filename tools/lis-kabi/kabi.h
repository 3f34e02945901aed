/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lis-kabi: the kABI questions of the LIS packages and installer, answered
 * from kernel module ELF files and kernel symvers files.  Shared types.
 *
 * Every function reports failure through a struct kerr (code + sentence) and
 * keeps no global state; the caller owns every object it initialises.
 */
#ifndef LIS_KABI_H
#define LIS_KABI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* exit codes (documented in lis-kabi.8 and docs/lis-kabi.md) */
enum kabi_status {
	KABI_OK = 0,		/* done; for check: compatible */
	KABI_INCOMPATIBLE = 1,	/* check: a module lacks a symbol or a CRC differs */
	KABI_EUSAGE = 2,	/* bad command line */
	KABI_EIO = 3,		/* a file cannot be read (or no symvers for --kernel) */
	KABI_EELF = 4,		/* not an ELF file, truncated or corrupt ELF, not a module */
	KABI_ENOVERS = 5,	/* module built without modversions (no __versions) */
	KABI_ESYMVERS = 6,	/* malformed symvers or kABI list line */
	KABI_ECOMPRESS = 7,	/* compression we cannot read, or corrupt compressed data */
	KABI_ENOMEM = 8,	/* out of memory */
};

struct kerr {
	int code;
	char msg[1024];
};

int kerr_set(struct kerr *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- arena.c: bump allocator; everything a reader builds lives in one ---- */

struct arena_chunk;
struct arena {
	struct arena_chunk *head;
};

void arena_init(struct arena *a);
void arena_free(struct arena *a);
void *arena_alloc(struct arena *a, size_t size);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);

/* ---- hmap.c: string-keyed open-addressing hash map ---- */

struct hent {
	const char *key;
	size_t len;
	uint64_t hash;
	void *val;
};

struct hmap {
	struct hent *tab;
	size_t cap;	/* a power of two, or 0 */
	size_t n;
};

void hmap_init(struct hmap *h);
void hmap_free(struct hmap *h);
/* the value stored under key, or NULL */
void *hmap_get(const struct hmap *h, const char *key, size_t len);
/*
 * Store val under key unless the key is present.  Returns the value that is
 * stored under key afterwards (val, or the earlier one); NULL when out of
 * memory.  key must outlive the map.
 */
void *hmap_put(struct hmap *h, const char *key, size_t len, void *val);

/* ---- load.c: read a whole file, decompressing gzip and xz ---- */

struct blob {
	char *data;	/* malloc'd, one NUL byte after len */
	size_t len;
};

/* the largest file or decompressed image we accept */
#define KABI_MAX_FILE ((size_t)1 << 30)

int blob_load(struct blob *b, const char *path, struct kerr *e);
/* decompress (or copy) a memory image; label names it in messages */
int blob_from_mem(struct blob *b, const void *buf, size_t len, size_t max,
		  const char *label, struct kerr *e);
void blob_free(struct blob *b);

/* ---- module.c: a kernel module's imports and exports ---- */

struct kimport {
	const char *name;
	uint64_t crc;
	bool has_crc;	/* listed in __versions (or the extended tables) */
	bool weak;	/* a weak undefined symbol: may stay unresolved */
};

struct kexport {
	const char *name;
	const char *type;	/* EXPORT_SYMBOL, EXPORT_SYMBOL_GPL, ... */
	const char *ns;		/* namespace, "" for none */
	uint64_t crc;
	bool has_crc;
};

struct kmodule {
	const char *path;
	const char *name;	/* module name: '-' as '_', no extension */
	const char *vermagic;	/* "" when absent */
	bool has_versions;	/* has __versions (modversions) */
	bool is64;
	struct kimport *imports;	/* sorted by name */
	size_t nimports;
	struct kexport *exports;	/* sorted by name */
	size_t nexports;
	struct arena arena;
};

int kmod_load(struct kmodule *m, const char *path, struct kerr *e);
/* parse an uncompressed ELF image; the image is not kept */
int kmod_parse(struct kmodule *m, const char *image, size_t len,
	       const char *label, struct kerr *e);
void kmod_free(struct kmodule *m);
/* module name of a file path: basename, no .ko[.*], '-' -> '_' */
char *kmod_name_from_path(struct arena *a, const char *path);
/* the same normalisation for a symvers owner ("drivers/hv/hv_vmbus") */
char *kmod_name_from_owner(struct arena *a, const char *owner);

/* ---- symvers.c: Module.symvers, /boot/symvers-*.gz, kABI lists ---- */

struct ksym {
	const char *name;
	const char *owner;	/* "vmlinux" or the module path, "" in stablelists */
	const char *type;
	const char *ns;
	uint64_t crc;
	bool has_crc;
};

struct symvers {
	const char *path;
	struct blob blob;	/* the text, split in place */
	struct ksym *syms;
	size_t n, cap;
	struct hmap idx;	/* name -> struct ksym * (first line wins) */
	struct arena arena;
	bool stablelist;	/* kabi_stablelist format: names only */
};

/* want: keep only these names (NULL: all); the whole text is checked */
int symvers_load(struct symvers *s, const char *path, const struct hmap *want,
		 struct kerr *e);
/* parse text; takes ownership of b; on error call symvers_free too */
int symvers_parse(struct symvers *s, struct blob *b, const char *label,
		  const struct hmap *want, struct kerr *e);
void symvers_free(struct symvers *s);
const struct ksym *symvers_find(const struct symvers *s, const char *name);
/*
 * The symvers of kernel release kver under root ("" or "/" for the running
 * system): the first of /boot/symvers-K.gz, /boot/symvers-K.xz,
 * /boot/symvers-K, /lib/modules/K/symvers.{gz,xz}, /lib/modules/K/build/
 * Module.symvers, /usr/src/kernels/K/Module.symvers,
 * /usr/src/linux-headers-K/Module.symvers that exists.  Returns a malloc'd
 * path or NULL.
 */
char *symvers_locate(const char *root, const char *kver);

/* ---- resolve.c: a module set against a kernel ---- */

enum kproblem_kind {
	KP_MISSING,	/* nobody provides the symbol */
	KP_CRC,		/* the provider's CRC differs from the module's */
	KP_NOVERS,	/* the module has no modversions: nothing can be checked */
};

struct kproblem {
	size_t mod;		/* index in the set */
	const char *sym;
	enum kproblem_kind kind;
	uint64_t want;		/* the module's CRC */
	uint64_t have;		/* the provider's CRC */
	bool have_crc;
	const char *provider;	/* "vmlinux", a module path, or one of ours */
};

struct kproblems {
	struct kproblem *v;
	size_t n, cap;
};

struct kprovider {
	size_t mod;
	const struct kexport *exp;
};

struct modset {
	struct kmodule **mods;
	size_t n;
	struct hmap exports;	/* name -> struct kprovider * (first wins) */
	struct hmap names;	/* module name -> (void *)(index + 1) */
	struct kprovider *prov;
};

int modset_init(struct modset *s, struct kmodule **mods, size_t n, struct kerr *e);
void modset_free(struct modset *s);
/*
 * Resolve module i of the set against sv (NULL: only the set itself).
 * active[] (NULL: all) says which modules of the set are present: an
 * absent module provides nothing and shadows nothing.  A symvers symbol
 * owned by an in-tree module that a present module of ours replaces (same
 * name) does not count.  Appends problems; returns how many it found, or -1
 * when out of memory.
 */
long modset_resolve(const struct modset *s, size_t i, const bool *active,
		    const struct symvers *sv, struct kproblems *out);
void kproblems_free(struct kproblems *p);
const char *kproblem_kind_name(enum kproblem_kind k);

/* ---- plan.c ---- */

struct plan_opts {
	const char *root;	/* "" for / */
	const char *modules_dir;	/* under /lib/modules/<kver>/, default extra/lis */
	bool json;
	bool verbose;
};

int plan_run(const struct plan_opts *o, FILE *out, struct kerr *e);

/* ---- report.c: output helpers ---- */

void json_str(FILE *f, const char *s);
void json_crc(FILE *f, uint64_t crc, bool has);
/* lead (e.g. "," or "{"), then "key": and the string, or null for NULL */
void json_kv(FILE *f, const char *lead, const char *key, const char *val);
/* a JSON array of problems; mods names the modules of their indices */
void json_problems(FILE *f, const struct kproblems *pr, struct kmodule *const *mods);
/* the RPM dependency format of a CRC: 0x and at least 8 lower-case digits */
void fmt_crc(char buf[24], uint64_t crc);
int version_cmp(const char *a, const char *b);

#endif
