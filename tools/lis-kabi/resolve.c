// SPDX-License-Identifier: GPL-2.0
/*
 * Does a set of our modules load on a kernel?  Each import must be provided
 * by a present module of the set or by the kernel (its symvers), with the
 * CRC the module was built against.  The rules follow the kernel loader
 * and depmod -e -E:
 *  - a versioned import must match the provider's CRC exactly;
 *  - an import without a version (no __versions entry) only has to exist;
 *  - a weak undefined symbol may stay unresolved;
 *  - our module replaces the in-tree module of the same name, so symbols
 *    the symvers lists for that in-tree module are not there to use.
 */
#include <stdlib.h>
#include <string.h>

#include "kabi.h"

int modset_init(struct modset *s, struct kmodule **mods, size_t n, struct kerr *e)
{
	size_t i, j, total = 0, k = 0;

	memset(s, 0, sizeof(*s));
	s->mods = mods;
	s->n = n;
	hmap_init(&s->exports);
	hmap_init(&s->names);
	for (i = 0; i < n; i++)
		total += mods[i]->nexports;
	s->prov = calloc(total + 1, sizeof(*s->prov));
	if (!s->prov)
		return kerr_set(e, KABI_ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		const char *nm = mods[i]->name;

		if (!hmap_put(&s->names, nm, strlen(nm), (void *)(uintptr_t)(i + 1)))
			goto oom;
		for (j = 0; j < mods[i]->nexports; j++) {
			const struct kexport *x = &mods[i]->exports[j];

			s->prov[k].mod = i;
			s->prov[k].exp = x;
			if (!hmap_put(&s->exports, x->name, strlen(x->name), &s->prov[k]))
				goto oom;
			k++;
		}
	}
	return 0;
oom:
	modset_free(s);
	return kerr_set(e, KABI_ENOMEM, "out of memory");
}

void modset_free(struct modset *s)
{
	hmap_free(&s->exports);
	hmap_free(&s->names);
	free(s->prov);
	s->prov = NULL;
}

/* is the in-tree module that owns a symvers symbol replaced by a present module of ours? */
static bool shadowed(const struct modset *s, const bool *active, const char *owner)
{
	const char *b = strrchr(owner, '/');
	char name[256];
	size_t n, i;
	void *v;

	if (!*owner || strcmp(owner, "vmlinux") == 0)
		return false;
	b = b ? b + 1 : owner;
	n = strlen(b);
	if (n >= sizeof(name))
		return false;
	for (i = 0; i < n; i++)
		name[i] = b[i] == '-' ? '_' : b[i];
	name[n] = '\0';
	v = hmap_get(&s->names, name, n);
	return v && (!active || active[(uintptr_t)v - 1]);
}

static int push(struct kproblems *out, const struct kproblem *p)
{
	struct kproblem *nv;

	if (out->n == out->cap) {
		out->cap = out->cap ? out->cap * 2 : 16;
		nv = realloc(out->v, out->cap * sizeof(*nv));
		if (!nv)
			return -1;
		out->v = nv;
	}
	out->v[out->n++] = *p;
	return 0;
}

long modset_resolve(const struct modset *s, size_t i, const bool *active,
		    const struct symvers *sv, struct kproblems *out)
{
	const struct kmodule *m = s->mods[i];
	long found = 0;
	size_t j;

	if (!m->has_versions) {
		struct kproblem p = { i, "", KP_NOVERS, 0, 0, false, "" };

		return push(out, &p) ? -1 : 1;
	}
	for (j = 0; j < m->nimports; j++) {
		const struct kimport *im = &m->imports[j];
		const struct kprovider *pv = hmap_get(&s->exports, im->name, strlen(im->name));
		struct kproblem p = { i, im->name, KP_MISSING, im->crc, 0, false, "" };
		bool have = false;

		if (pv && pv->mod != i && (!active || active[pv->mod])) {
			have = true;
			p.have = pv->exp->crc;
			p.have_crc = pv->exp->has_crc;
			p.provider = s->mods[pv->mod]->name;
		} else if (sv) {
			const struct ksym *k = symvers_find(sv, im->name);

			if (k && !shadowed(s, active, k->owner)) {
				have = true;
				p.have = k->crc;
				p.have_crc = k->has_crc;
				p.provider = k->owner;
			}
		}
		if (!have) {
			if (im->weak)
				continue;
		} else if (!im->has_crc || (p.have_crc && p.have == im->crc)) {
			continue;
		} else if (im->weak) {
			continue;
		} else {
			p.kind = KP_CRC;
		}
		if (push(out, &p))
			return -1;
		found++;
	}
	return found;
}

void kproblems_free(struct kproblems *p)
{
	free(p->v);
	memset(p, 0, sizeof(*p));
}

const char *kproblem_kind_name(enum kproblem_kind k)
{
	switch (k) {
	case KP_MISSING:
		return "missing";
	case KP_CRC:
		return "crc";
	default:
		return "no-modversions";
	}
}
