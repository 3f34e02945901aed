// SPDX-License-Identifier: GPL-2.0
/*
 * lis-kabi plan: for every installed kernel of a root, which of our
 * installed builds (/lib/modules/<build>/<modules-dir>/, default extra/lis)
 * fits it, decided as RHEL's weak-modules decides, in one pass in memory.
 *
 * weak-modules (kmod package), for a kernel K that has /boot/symvers-K.gz:
 *  - links every module found under /lib/modules/<B>/extra/ of every other
 *    kernel B into K's weak-updates/ at the same sub-path, B in rpmsort
 *    order, so for one sub-path the newest build wins; K's own extra/ is
 *    not linked;
 *  - runs `depmod -naeE symvers-K K` with weak-updates first in the search
 *    order and removes every weak link depmod reports with "needs unknown
 *    symbol" or "disagrees about version of symbol"; repeats until nothing
 *    is removed (a removed module takes its exports with it and brings the
 *    in-tree module of the same name back);
 *  - it never falls back to an older build for a sub-path whose newest
 *    build was removed.
 * kmod's depmod reads the version of a config line (`external K DIR`) as an
 * extended regular expression matched against the kernel release (kmod 30
 * does; cfg_kernel_matches).  A release that does not match itself as a
 * pattern — "+debug" makes "4+" mean "one or more 4s" — leaves the sandbox
 * out of the search: depmod checks no link and weak-modules keeps them all.
 * The plan reports that (weak_modules.checks) and still judges the build.
 * Here the symvers stands for the kernel's in-tree modules (depmod reads
 * their exports from the module files; the symvers lists the same CRCs),
 * and each build is also judged on its own, so the installer knows when an
 * older build would fit although weak-modules will not use it.
 */
#include <dirent.h>
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kabi.h"

struct build {
	char *kver;
	char *dir;
	size_t n;
	struct kmodule *mods;
	char **keys;		/* weak-updates sub-path of each module */
	struct kmodule **ptrs;
	struct modset set;
	bool set_ok;
	char *error;		/* a module that cannot be read */
};

struct cand {
	size_t build;
	struct kproblems probs;
};

struct kern {
	char *kver;
	char *symvers;
	bool boot_gz;		/* /boot/symvers-K.gz: what weak-modules reads */
	const char *fit;
	long build;		/* index, -1 for none */
	char *reason;
	char *symvers_error;
	struct kproblems exact_probs;
	struct cand *cands;
	size_t ncands;
	/* the weak-modules emulation */
	size_t nlinks;
	struct kmodule **links;
	size_t *link_build;
	bool *kept;
	struct kproblems wm_probs;	/* problems of the links removed */
	bool wm_checks;		/* depmod sees the sandbox (see above) */
	bool wm_covers;
};

struct strv {
	char **v;
	size_t n, cap;
};

static int strv_add(struct strv *s, const char *str)
{
	char **nv, *d = strdup(str);

	if (!d)
		return -1;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		nv = realloc(s->v, s->cap * sizeof(*nv));
		if (!nv) {
			free(d);
			return -1;
		}
		s->v = nv;
	}
	s->v[s->n++] = d;
	return 0;
}

static void strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static char *pathf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *pathf(const char *fmt, ...)
{
	va_list ap;
	char *p = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&p, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : p;
}

static bool is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0;
}

static bool is_module_file(const char *n)
{
	static const char *const ext[] = { ".ko", ".ko.gz", ".ko.xz", ".ko.zst", ".ko.bz2" };
	size_t l = strlen(n), i, el;

	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		el = strlen(ext[i]);
		if (l > el && strcmp(n + l - el, ext[i]) == 0)
			return true;
	}
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_ver(const void *a, const void *b)
{
	return version_cmp(*(char *const *)a, *(char *const *)b);
}

/* names in a directory, sorted; a missing directory is empty */
static int list_dir(const char *dir, struct strv *out)
{
	struct dirent *d;
	DIR *dp = opendir(dir);

	if (!dp)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
	while ((d = readdir(dp))) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		if (strv_add(out, d->d_name)) {
			closedir(dp);
			return -1;
		}
	}
	closedir(dp);
	qsort(out->v, out->n, sizeof(*out->v), cmp_str);
	return 0;
}

/* module files under dir (relative paths in rel), recursively */
static int find_modules(const char *dir, const char *rel, int depth, struct strv *out)
{
	struct strv names = { 0 };
	int rc = 0;

	if (depth > 8)
		return 0;
	if (list_dir(dir, &names))
		return -1;
	for (size_t i = 0; i < names.n && !rc; i++) {
		char *p = pathf("%s/%s", dir, names.v[i]);
		char *r = pathf("%s%s%s", rel, *rel ? "/" : "", names.v[i]);

		if (!p || !r)
			rc = -1;
		else if (is_dir(p))
			rc = find_modules(p, r, depth + 1, out);
		else if (is_module_file(names.v[i]))
			rc = strv_add(out, r);
		free(p);
		free(r);
	}
	strv_free(&names);
	return rc;
}

static int load_build(struct build *b, const char *root, const char *moddir,
		      const struct strv *files, struct kerr *e)
{
	struct kerr le;
	size_t i;
	const char *sub = strncmp(moddir, "extra/", 6) == 0 ? moddir + 6 : moddir;

	b->mods = calloc(files->n + 1, sizeof(*b->mods));
	b->keys = calloc(files->n + 1, sizeof(*b->keys));
	b->ptrs = calloc(files->n + 1, sizeof(*b->ptrs));
	if (!b->mods || !b->keys || !b->ptrs)
		return kerr_set(e, KABI_ENOMEM, "out of memory");
	for (i = 0; i < files->n; i++) {
		char *p = pathf("%s/lib/modules/%s/%s/%s", root, b->kver, moddir, files->v[i]);

		b->keys[i] = pathf("%s/%s", sub, files->v[i]);
		if (!p || !b->keys[i]) {
			free(p);
			return kerr_set(e, KABI_ENOMEM, "out of memory");
		}
		if (kmod_load(&b->mods[b->n], p, &le)) {
			free(p);
			if (le.code == KABI_ENOMEM)
				return kerr_set(e, KABI_ENOMEM, "%s", le.msg);
			b->error = strdup(le.msg);
			return b->error ? 0 : kerr_set(e, KABI_ENOMEM, "out of memory");
		}
		free(p);
		b->ptrs[b->n] = &b->mods[b->n];
		b->n++;
	}
	if (modset_init(&b->set, b->ptrs, b->n, e))
		return e->code;
	b->set_ok = true;
	return 0;
}

static void free_build(struct build *b)
{
	for (size_t i = 0; i < b->n; i++)
		kmod_free(&b->mods[i]);
	if (b->keys)
		for (size_t i = 0; b->keys[i]; i++)
			free(b->keys[i]);
	if (b->set_ok)
		modset_free(&b->set);
	free(b->mods);
	free(b->keys);
	free(b->ptrs);
	free(b->kver);
	free(b->dir);
	free(b->error);
}

static void free_kern(struct kern *k)
{
	for (size_t i = 0; i < k->ncands; i++)
		kproblems_free(&k->cands[i].probs);
	free(k->cands);
	kproblems_free(&k->exact_probs);
	kproblems_free(&k->wm_probs);
	free(k->links);
	free(k->link_build);
	free(k->kept);
	free(k->kver);
	free(k->symvers);
	free(k->symvers_error);
	free(k->reason);
}

struct plan {
	const struct plan_opts *o;
	const char *root;
	struct arena arena;	/* strings that outlive a kernel's symvers */
	struct hmap want;	/* every symbol a build imports: all the plan reads of a symvers */
	struct build *builds;
	size_t nbuilds;
	struct kern *kerns;
	size_t nkerns;
};

static long find_build(const struct plan *p, const char *kver)
{
	for (size_t i = 0; i < p->nbuilds; i++)
		if (strcmp(p->builds[i].kver, kver) == 0)
			return (long)i;
	return -1;
}

/* problems name providers inside the symvers, which is freed: copy the names */
static int own_providers(struct plan *p, struct kproblems *pr)
{
	for (size_t i = 0; i < pr->n; i++) {
		const char *c = arena_strdup(&p->arena, pr->v[i].provider);

		if (!c)
			return -1;
		pr->v[i].provider = c;
	}
	return 0;
}

/* all modules of a set against sv; returns the number of problems or -1 */
static long resolve_all(const struct modset *s, const bool *active,
			const struct symvers *sv, struct kproblems *out)
{
	long total = 0, r;

	for (size_t i = 0; i < s->n; i++) {
		if (active && !active[i])
			continue;
		r = modset_resolve(s, i, active, sv, out);
		if (r < 0)
			return -1;
		total += r;
	}
	return total;
}

/* the weak-modules emulation for kernel k (not an exact-build kernel) */
static int emulate_weak_modules(struct plan *p, struct kern *k,
				const struct symvers *sv, struct kerr *e)
{
	struct hmap bykey;
	struct modset set;
	size_t i, j, n = 0;
	bool changed = true;
	int rc = 0;

	hmap_init(&bykey);
	for (i = 0; i < p->nbuilds; i++)
		n += p->builds[i].n;
	k->links = calloc(n + 1, sizeof(*k->links));
	k->link_build = calloc(n + 1, sizeof(*k->link_build));
	k->kept = calloc(n + 1, sizeof(*k->kept));
	if (!k->links || !k->link_build || !k->kept)
		return kerr_set(e, KABI_ENOMEM, "out of memory");
	/* builds are in rpmsort order: a later build replaces a sub-path */
	for (i = 0; i < p->nbuilds; i++) {
		struct build *b = &p->builds[i];

		if (b->error || strcmp(b->kver, k->kver) == 0)
			continue;
		for (j = 0; j < b->n; j++) {
			size_t slotn = k->nlinks;
			void *got = hmap_put(&bykey, b->keys[j], strlen(b->keys[j]),
					     (void *)(uintptr_t)(slotn + 1));

			if (!got) {
				hmap_free(&bykey);
				return kerr_set(e, KABI_ENOMEM, "out of memory");
			}
			if ((uintptr_t)got != slotn + 1)
				slotn = (uintptr_t)got - 1;
			else
				k->nlinks++;
			k->links[slotn] = &b->mods[j];
			k->link_build[slotn] = i;
		}
	}
	hmap_free(&bykey);
	if (modset_init(&set, k->links, k->nlinks, e))
		return e->code;
	for (i = 0; i < k->nlinks; i++)
		k->kept[i] = true;
	while (changed && !rc) {
		size_t before = k->wm_probs.n;

		changed = false;
		for (i = 0; i < k->nlinks; i++) {
			if (!k->kept[i])
				continue;
			/* judged against the links kept at the start of the round */
			if (modset_resolve(&set, i, k->kept, sv, &k->wm_probs) < 0) {
				rc = kerr_set(e, KABI_ENOMEM, "out of memory");
				break;
			}
		}
		for (j = before; j < k->wm_probs.n; j++) {
			if (k->kept[k->wm_probs.v[j].mod]) {
				k->kept[k->wm_probs.v[j].mod] = false;
				changed = true;
			}
		}
	}
	modset_free(&set);
	return rc;
}

/* does kmod's depmod apply `external K DIR` to kernel K? */
static bool depmod_matches_itself(const char *kver)
{
	regex_t re;
	int st;

	if (regcomp(&re, kver, REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	st = regexec(&re, kver, 0, NULL, 0);
	regfree(&re);
	return st == 0;
}

static void set_reason(struct kern *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_reason(struct kern *k, const char *fmt, ...)
{
	va_list ap;

	free(k->reason);
	k->reason = NULL;
	va_start(ap, fmt);
	if (vasprintf(&k->reason, fmt, ap) < 0)
		k->reason = NULL;
	va_end(ap);
}

/* "a, b, c" of up to 3 symbol names of a problem list, for reasons */
static void some_symbols(const struct kproblems *pr, char *buf, size_t len)
{
	size_t i, n = 0, used = 0;

	buf[0] = '\0';
	for (i = 0; i < pr->n && n < 3; i++) {
		const char *s = pr->v[i].kind == KP_NOVERS ? "(no modversions)" : pr->v[i].sym;
		int w = snprintf(buf + used, len - used, "%s%s", n ? ", " : "", s);

		if (w < 0 || (size_t)w >= len - used)
			break;
		used += (size_t)w;
		n++;
	}
	if (i < pr->n && used + 5 < len)
		strcat(buf, ", ...");
}

static void decide(struct plan *p, struct kern *k)
{
	size_t i, kept = 0;
	long single = -1;
	bool mixed = false;
	char syms[256];

	for (i = 0; i < k->nlinks; i++) {
		if (!k->kept[i])
			continue;
		kept++;
		if (single < 0)
			single = (long)k->link_build[i];
		else if (single != (long)k->link_build[i])
			mixed = true;
	}
	k->wm_checks = depmod_matches_itself(k->kver);
	if (k->wm_checks)
		k->wm_covers = k->nlinks > 0 && kept == k->nlinks && !mixed && k->boot_gz;
	else
		k->wm_covers = k->nlinks > 0 && k->boot_gz;	/* links all, unchecked */
	if (k->nlinks > 0 && kept == k->nlinks && !mixed) {
		k->fit = "compatible";
		k->build = single;
		if (!k->boot_gz)
			set_reason(k, "weak-modules will not link it: no /boot/symvers-%s.gz", k->kver);
		return;
	}
	k->fit = "none";
	k->build = -1;
	if (k->nlinks == 0) {
		set_reason(k, p->nbuilds ? "no usable build of ours for another kernel"
				       : "no build of ours is installed");
		return;
	}
	if (mixed && kept == k->nlinks) {
		set_reason(k, "weak-modules would mix modules of several builds");
		return;
	}
	/* name an older build that fits, which weak-modules will not use */
	for (i = k->ncands; i-- > 0;) {
		if (k->cands[i].probs.n == 0) {
			some_symbols(&k->wm_probs, syms, sizeof(syms));
			set_reason(k, "build %s fits, but weak-modules links the newest build, which does not (%s)",
				   p->builds[k->cands[i].build].kver, syms);
			return;
		}
	}
	some_symbols(&k->wm_probs, syms, sizeof(syms));
	if (!k->wm_checks)
		set_reason(k, "incompatible (%s), and weak-modules will link it unchecked: "
			   "depmod does not match this release against itself as a pattern", syms);
	else if (kept)
		set_reason(k, "partial: weak-modules keeps %zu of %zu modules, the rest do not match (%s)",
			   kept, k->nlinks, syms);
	else
		set_reason(k, "incompatible: %zu symbol problem%s (%s)", k->wm_probs.n,
			   k->wm_probs.n == 1 ? "" : "s", syms);
}

static int plan_kernel(struct plan *p, struct kern *k, struct kerr *e)
{
	struct symvers sv;
	struct kerr le;
	long x = find_build(p, k->kver);
	size_t i;
	int rc = 0;
	char syms[256];

	k->build = -1;
	k->fit = "none";
	if (x >= 0 && p->builds[x].error) {
		set_reason(k, "our build for this kernel is unreadable: %s", p->builds[x].error);
		return 0;
	}
	if (!k->symvers) {
		if (x >= 0) {
			k->fit = "exact";
			k->build = x;
			set_reason(k, "not verified: no symvers");
		} else {
			set_reason(k, "no symvers for this kernel");
		}
		return 0;
	}
	if (symvers_load(&sv, k->symvers, &p->want, &le)) {
		if (le.code == KABI_ENOMEM)
			return kerr_set(e, KABI_ENOMEM, "%s", le.msg);
		k->symvers_error = strdup(le.msg);
		if (x >= 0) {
			k->fit = "exact";
			k->build = x;
		}
		set_reason(k, "%s: %s", x >= 0 ? "not verified" : "unusable symvers", le.msg);
		return 0;
	}
	if (x >= 0) {
		k->fit = "exact";
		k->build = x;
		if (resolve_all(&p->builds[x].set, NULL, &sv, &k->exact_probs) < 0 ||
		    own_providers(p, &k->exact_probs)) {
			rc = kerr_set(e, KABI_ENOMEM, "out of memory");
		} else if (k->exact_probs.n) {
			some_symbols(&k->exact_probs, syms, sizeof(syms));
			set_reason(k, "our build for this kernel does not match its symvers (%s)", syms);
		}
		symvers_free(&sv);
		return rc;
	}
	k->cands = calloc(p->nbuilds + 1, sizeof(*k->cands));
	if (!k->cands) {
		symvers_free(&sv);
		return kerr_set(e, KABI_ENOMEM, "out of memory");
	}
	for (i = 0; i < p->nbuilds && !rc; i++) {
		struct cand *c = &k->cands[k->ncands];

		if (p->builds[i].error)
			continue;
		c->build = i;
		k->ncands++;
		if (resolve_all(&p->builds[i].set, NULL, &sv, &c->probs) < 0)
			rc = kerr_set(e, KABI_ENOMEM, "out of memory");
	}
	if (!rc)
		rc = emulate_weak_modules(p, k, &sv, e);
	for (i = 0; !rc && i < k->ncands; i++)
		if (own_providers(p, &k->cands[i].probs))
			rc = kerr_set(e, KABI_ENOMEM, "out of memory");
	if (!rc && own_providers(p, &k->wm_probs))
		rc = kerr_set(e, KABI_ENOMEM, "out of memory");
	if (!rc)
		decide(p, k);
	symvers_free(&sv);
	return rc;
}

static int add_kernel(struct strv *seen, const char *kver)
{
	for (size_t i = 0; i < seen->n; i++)
		if (strcmp(seen->v[i], kver) == 0)
			return 0;
	return strv_add(seen, kver);
}

/* the kernels and builds of the root */
static int discover(struct plan *p, struct kerr *e)
{
	struct strv mods = { 0 }, boot = { 0 }, kv = { 0 };
	char *dir = pathf("%s/lib/modules", p->root), *bdir = pathf("%s/boot", p->root);
	int rc = 0;
	size_t i;

	if (!dir || !bdir)
		rc = kerr_set(e, KABI_ENOMEM, "out of memory");
	else if (list_dir(dir, &mods) || list_dir(bdir, &boot))
		rc = kerr_set(e, KABI_EIO, "%s: cannot list %s or %s: %s", p->root[0] ? p->root : "/",
			      dir, bdir, strerror(errno));
	for (i = 0; !rc && i < mods.n; i++) {
		char *d = pathf("%s/%s", dir, mods.v[i]);

		if (!d)
			rc = kerr_set(e, KABI_ENOMEM, "out of memory");
		else if (is_dir(d) && add_kernel(&kv, mods.v[i]))
			rc = kerr_set(e, KABI_ENOMEM, "out of memory");
		free(d);
	}
	for (i = 0; !rc && i < boot.n; i++) {
		char *n = boot.v[i], *s;

		if (strncmp(n, "symvers-", 8) != 0 || !n[8])
			continue;
		n += 8;
		s = n + strlen(n);
		if (s - n > 3 && (strcmp(s - 3, ".gz") == 0 || strcmp(s - 3, ".xz") == 0))
			s[-3] = '\0';
		if (add_kernel(&kv, n))
			rc = kerr_set(e, KABI_ENOMEM, "out of memory");
	}
	qsort(kv.v, kv.n, sizeof(*kv.v), cmp_ver);
	p->builds = calloc(kv.n + 1, sizeof(*p->builds));
	p->kerns = calloc(kv.n + 1, sizeof(*p->kerns));
	if (!rc && (!p->builds || !p->kerns))
		rc = kerr_set(e, KABI_ENOMEM, "out of memory");
	for (i = 0; !rc && i < kv.n; i++) {
		const char *K = kv.v[i];
		char *md = pathf("%s/%s/%s", dir, K, p->o->modules_dir);
		char *kd = pathf("%s/%s/kernel", dir, K), *vz = pathf("%s/vmlinuz-%s", bdir, K);
		char *vz2 = pathf("%s/%s/vmlinuz", dir, K), *gz = pathf("%s/symvers-%s.gz", bdir, K);
		struct strv files = { 0 };
		struct kern *k;

		if (!md || !kd || !vz || !vz2 || !gz) {
			rc = kerr_set(e, KABI_ENOMEM, "out of memory");
		} else if (find_modules(md, "", 0, &files)) {
			rc = kerr_set(e, KABI_EIO, "%s: cannot list: %s", md, strerror(errno));
		} else if (files.n) {
			struct build *b = &p->builds[p->nbuilds++];

			b->kver = strdup(K);
			b->dir = md;
			md = NULL;
			if (!b->kver)
				rc = kerr_set(e, KABI_ENOMEM, "out of memory");
			else
				rc = load_build(b, p->root, p->o->modules_dir, &files, e);
		}
		if (!rc) {
			k = &p->kerns[p->nkerns];
			k->symvers = symvers_locate(p->root[0] ? p->root : "/", K);
			/* a directory with only our build in it is not an installed kernel */
			if (k->symvers || is_dir(kd) || exists(vz) || exists(vz2)) {
				k->kver = strdup(K);
				k->boot_gz = exists(gz);
				p->nkerns++;
				if (!k->kver)
					rc = kerr_set(e, KABI_ENOMEM, "out of memory");
			} else {
				free(k->symvers);
				k->symvers = NULL;
			}
		}
		strv_free(&files);
		free(md);
		free(kd);
		free(vz);
		free(vz2);
		free(gz);
	}
	strv_free(&mods);
	strv_free(&boot);
	strv_free(&kv);
	free(dir);
	free(bdir);
	return rc;
}

static void print_problem(FILE *f, const struct kproblem *pr,
			  const struct kmodule *m, const char *build)
{
	char a[24], b[24];

	fmt_crc(a, pr->want);
	fmt_crc(b, pr->have);
	fprintf(f, "    %s: %s: ", build, m->name);
	if (pr->kind == KP_NOVERS)
		fprintf(f, "no modversions (no __versions section)\n");
	else if (pr->kind == KP_MISSING)
		fprintf(f, "missing %s (%s)\n", pr->sym, a);
	else
		fprintf(f, "crc %s: module %s, %s %s\n", pr->sym, a, pr->provider,
			pr->have_crc ? b : "none");
}

static void print_human(const struct plan *p, FILE *f)
{
	for (size_t i = 0; i < p->nkerns; i++) {
		const struct kern *k = &p->kerns[i];

		fprintf(f, "%s %s %s%s%s\n", k->kver, k->fit,
			k->build >= 0 ? p->builds[k->build].kver : "-",
			k->reason ? " " : "", k->reason ? k->reason : "");
		if (!p->o->verbose)
			continue;
		for (size_t j = 0; j < k->exact_probs.n; j++)
			print_problem(f, &k->exact_probs.v[j],
				      p->builds[k->build].mods + k->exact_probs.v[j].mod,
				      p->builds[k->build].kver);
		for (size_t j = 0; j < k->ncands; j++) {
			const struct cand *c = &k->cands[j];
			const struct build *b = &p->builds[c->build];

			fprintf(f, "  build %s: %s\n", b->kver,
				c->probs.n ? "incompatible" : "compatible");
			for (size_t q = 0; q < c->probs.n; q++)
				print_problem(f, &c->probs.v[q], &b->mods[c->probs.v[q].mod], b->kver);
		}
		if (k->nlinks) {
			fprintf(f, "  weak-modules:");
			for (size_t j = 0; j < k->nlinks; j++)
				fprintf(f, " %s%s/%s", k->kept[j] || !k->wm_checks ? "" : "-",
					p->builds[k->link_build[j]].kver, k->links[j]->name);
			fprintf(f, "%s%s\n", k->wm_checks ? "" : " (unchecked)",
				k->wm_covers ? " (covers this kernel)" : "");
		}
	}
}

static void print_json(const struct plan *p, FILE *f)
{
	size_t i, j;

	json_kv(f, "{", "root", p->root[0] ? p->root : "/");
	json_kv(f, ",", "modules_dir", p->o->modules_dir);
	fputs(",\"builds\":[", f);
	for (i = 0; i < p->nbuilds; i++) {
		const struct build *b = &p->builds[i];

		json_kv(f, i ? ",{" : "{", "kernel", b->kver);
		json_kv(f, ",", "dir", b->dir);
		json_kv(f, ",", "error", b->error);
		fputs(",\"modules\":[", f);
		for (j = 0; j < b->n; j++) {
			fputs(j ? "," : "", f);
			json_str(f, b->keys[j]);
		}
		fputs("]}", f);
	}
	fputs("],\"kernels\":[", f);
	for (i = 0; i < p->nkerns; i++) {
		const struct kern *k = &p->kerns[i];

		json_kv(f, i ? ",{" : "{", "kernel", k->kver);
		json_kv(f, ",", "symvers", k->symvers);
		json_kv(f, ",", "fit", k->fit);
		json_kv(f, ",", "build", k->build >= 0 ? p->builds[k->build].kver : NULL);
		json_kv(f, ",", "reason", k->reason ? k->reason : "");
		fputs(",\"problems\":", f);
		json_problems(f, &k->exact_probs, k->build >= 0 ? p->builds[k->build].ptrs : NULL);
		fputs(",\"candidates\":[", f);
		for (j = 0; j < k->ncands; j++) {
			const struct cand *c = &k->cands[j];

			json_kv(f, j ? ",{" : "{", "build", p->builds[c->build].kver);
			fprintf(f, ",\"compatible\":%s,\"problems\":", c->probs.n ? "false" : "true");
			json_problems(f, &c->probs, p->builds[c->build].ptrs);
			fputc('}', f);
		}
		fprintf(f, "],\"weak_modules\":{\"checks\":%s,\"covers\":%s,\"links\":[",
			k->wm_checks ? "true" : "false", k->wm_covers ? "true" : "false");
		for (j = 0; j < k->nlinks; j++) {
			const struct build *b = &p->builds[k->link_build[j]];

			json_kv(f, j ? ",{" : "{", "build", b->kver);
			json_kv(f, ",", "module", k->links[j]->name);
			fprintf(f, ",\"kept\":%s}", k->kept[j] || !k->wm_checks ? "true" : "false");
		}
		fputs("],\"problems\":", f);
		json_problems(f, &k->wm_probs, k->links);
		fputs("}}", f);
	}
	fputs("]}\n", f);
}

int plan_run(const struct plan_opts *o, FILE *out, struct kerr *e)
{
	struct plan p;
	int rc;

	memset(&p, 0, sizeof(p));
	arena_init(&p.arena);
	p.o = o;
	p.root = strcmp(o->root, "/") == 0 ? "" : o->root;
	hmap_init(&p.want);
	rc = discover(&p, e);
	for (size_t i = 0; !rc && i < p.nbuilds; i++)
		for (size_t j = 0; !rc && j < p.builds[i].n; j++)
			for (size_t q = 0; q < p.builds[i].mods[j].nimports; q++) {
				const char *nm = p.builds[i].mods[j].imports[q].name;

				if (!hmap_put(&p.want, nm, strlen(nm), (void *)nm)) {
					rc = kerr_set(e, KABI_ENOMEM, "out of memory");
					break;
				}
			}
	for (size_t i = 0; !rc && i < p.nbuilds; i++)
		if (p.builds[i].error)
			fprintf(stderr, "lis-kabi: warning: build %s is not used: %s\n",
				p.builds[i].kver, p.builds[i].error);
	for (size_t i = 0; !rc && i < p.nkerns; i++)
		rc = plan_kernel(&p, &p.kerns[i], e);
	if (!rc) {
		if (o->json)
			print_json(&p, out);
		else
			print_human(&p, out);
	}
	for (size_t i = 0; i < p.nkerns; i++)
		free_kern(&p.kerns[i]);
	for (size_t i = 0; i < p.nbuilds; i++)
		free_build(&p.builds[i]);
	free(p.kerns);
	free(p.builds);
	arena_free(&p.arena);
	hmap_free(&p.want);
	return rc;
}
