// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel symbol version tables: Module.symvers of a build tree, RHEL's
 * /boot/symvers-<kver>.gz, and Red Hat's kABI reference lists, all one
 * export per line, fields separated by tabs:
 *
 *	0xCRC  symbol  module  EXPORT_TYPE             (3.10, 4.18; 3 fields before 2.6.x types)
 *	0xCRC  symbol  namespace  module  EXPORT_TYPE  (5.4 to 5.8)
 *	0xCRC  symbol  module  EXPORT_TYPE  namespace  (5.9 and later: 6.1)
 *
 * The kabi_stablelist_<arch> format ("[rhel8_x86_64_stablelist]" followed
 * by one tab-indented name per line) is read too, as names without CRCs.
 * The text is split in place: every string points into the loaded buffer.
 * Every line is checked; with a `want` set only those symbols are kept (the
 * plan needs a few hundred of a kernel's 25,000).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kabi.h"

static int bad_line(struct kerr *e, const char *label, size_t line, const char *why)
{
	return kerr_set(e, KABI_ESYMVERS, "%s:%zu: malformed line: %s", label, line, why);
}

static int parse_crc(const char *s, uint64_t *crc)
{
	uint64_t v = 0;
	size_t n = 0;

	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return -1;
	for (s += 2; *s; s++, n++) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return -1;
		if (n == 16)
			return -1;
		v = v << 4 | (uint64_t)d;
	}
	if (n == 0)
		return -1;
	*crc = v;
	return 0;
}

static bool has_space(const char *s)
{
	return strpbrk(s, " \t\n\v\f\r") != NULL;
}

static int add_sym(struct symvers *s, const struct ksym *k, struct kerr *e, const char *label)
{
	struct ksym *nv;

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		nv = realloc(s->syms, s->cap * sizeof(*nv));
		if (!nv)
			return kerr_set(e, KABI_ENOMEM, "%s: out of memory", label);
		s->syms = nv;
	}
	s->syms[s->n++] = *k;
	return 0;
}

static int parse_fields(char **f, size_t nf, struct ksym *k, uint64_t *crc,
			const char **why)
{
	if (nf < 3) {
		*why = "fewer than 3 tab-separated fields (0xCRC, symbol, module)";
		return -1;
	}
	if (parse_crc(f[0], crc)) {
		*why = "the first field is not a CRC (0x and 1 to 16 hex digits)";
		return -1;
	}
	if (!*f[1] || has_space(f[1])) {
		*why = "the symbol name is empty or contains a space";
		return -1;
	}
	k->name = f[1];
	k->crc = *crc;
	k->has_crc = true;
	k->ns = "";
	k->type = "";
	if (nf == 3) {
		k->owner = f[2];
	} else if (strncmp(f[3], "EXPORT_", 7) == 0 && nf <= 5) {
		k->owner = f[2];
		k->type = f[3];
		if (nf == 5)
			k->ns = f[4];
	} else if (nf == 5 && strncmp(f[4], "EXPORT_", 7) == 0) {
		k->ns = f[2];
		k->owner = f[3];
		k->type = f[4];
	} else {
		*why = "no EXPORT_* type where the format has one";
		return -1;
	}
	if (!*k->owner) {
		*why = "the module field is empty";
		return -1;
	}
	return 0;
}

int symvers_parse(struct symvers *s, struct blob *b, const char *label,
		  const struct hmap *want, struct kerr *e)
{
	char *p, *end, *nl, *f[8];
	size_t line = 0, nf;
	bool first = true;
	struct ksym k;
	uint64_t crc;
	const char *why;
	int rc;

	memset(s, 0, sizeof(*s));
	arena_init(&s->arena);
	hmap_init(&s->idx);
	s->blob = *b;
	b->data = NULL;
	b->len = 0;
	s->path = arena_strdup(&s->arena, label);
	if (!s->path)
		return kerr_set(e, KABI_ENOMEM, "%s: out of memory", label);
	p = s->blob.data;
	end = p + s->blob.len;
	if (memchr(p, '\0', s->blob.len))
		return kerr_set(e, KABI_ESYMVERS, "%s: not a text file (it contains NUL bytes)", label);
	for (; p < end; p = nl + 1) {
		line++;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		*nl = '\0';
		if (nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		if (!*p)
			continue;
		if (first) {
			first = false;
			s->stablelist = *p == '[';
		}
		memset(&k, 0, sizeof(k));
		if (s->stablelist) {
			char *q = p, *t;

			if (*p == '[')
				continue;	/* a section header */
			while (isspace((unsigned char)*q))
				q++;
			t = q + strlen(q);
			while (t > q && isspace((unsigned char)t[-1]))
				*--t = '\0';
			if (!*q)
				continue;
			if (has_space(q))
				return bad_line(e, label, line, "a stablelist line holds more than one name");
			k.name = q;
			k.owner = k.type = k.ns = "";
		} else {
			char *q = p, *t;

			nf = 0;
			for (;;) {
				f[nf++] = q;
				t = memchr(q, '\t', (size_t)(nl - q));
				if (!t)
					break;
				if (nf == 5)
					return bad_line(e, label, line, "more than 5 tab-separated fields");
				*t = '\0';
				q = t + 1;
			}
			if (parse_fields(f, nf, &k, &crc, &why))
				return bad_line(e, label, line, why);
		}
		if (want && !hmap_get(want, k.name, strlen(k.name)))
			continue;
		rc = add_sym(s, &k, e, label);
		if (rc)
			return rc;
	}
	if (first)
		return kerr_set(e, KABI_ESYMVERS, "%s: no symbols in it", label);
	for (size_t i = 0; i < s->n; i++)
		if (!hmap_put(&s->idx, s->syms[i].name, strlen(s->syms[i].name), &s->syms[i]))
			return kerr_set(e, KABI_ENOMEM, "%s: out of memory", label);
	return 0;
}

int symvers_load(struct symvers *s, const char *path, const struct hmap *want,
		 struct kerr *e)
{
	struct blob b;
	int rc;

	memset(s, 0, sizeof(*s));
	rc = blob_load(&b, path, e);
	if (rc)
		return rc;
	rc = symvers_parse(s, &b, path, want, e);
	if (rc)
		symvers_free(s);
	return rc;
}

void symvers_free(struct symvers *s)
{
	blob_free(&s->blob);
	free(s->syms);
	hmap_free(&s->idx);
	arena_free(&s->arena);
	memset(s, 0, sizeof(*s));
}

const struct ksym *symvers_find(const struct symvers *s, const char *name)
{
	return hmap_get(&s->idx, name, strlen(name));
}

static char *joinpath(const char *a, const char *b, const char *c, const char *d)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + strlen(d) + 1;
	char *p = malloc(n);

	if (p)
		snprintf(p, n, "%s%s%s%s", a, b, c, d);
	return p;
}

char *symvers_locate(const char *root, const char *kver)
{
	static const char *const boot[][2] = {
		{ "/boot/symvers-", ".gz" },
		{ "/boot/symvers-", ".xz" },
		{ "/boot/symvers-", "" },
		{ "/lib/modules/", "/symvers.gz" },
		{ "/lib/modules/", "/symvers.xz" },
		{ "/usr/src/kernels/", "/Module.symvers" },
		{ "/usr/src/linux-headers-", "/Module.symvers" },
	};
	char link[4096], *p, *dir;
	size_t i;
	ssize_t n;

	if (strcmp(root, "/") == 0)
		root = "";
	for (i = 0; i < sizeof(boot) / sizeof(boot[0]); i++) {
		p = joinpath(root, boot[i][0], kver, boot[i][1]);
		if (!p)
			return NULL;
		if (access(p, F_OK) == 0)
			return p;
		free(p);
		if (i == 4) {
			/* /lib/modules/K/build, a link that may be absolute inside root */
			dir = joinpath(root, "/lib/modules/", kver, "/build");
			if (!dir)
				return NULL;
			n = readlink(dir, link, sizeof(link) - 1);
			if (n > 0) {
				link[n] = '\0';
				p = link[0] == '/' ? joinpath(root, link, "/Module.symvers", "")
						   : joinpath(dir, "/../", link, "/Module.symvers");
			} else {
				p = joinpath(dir, "/Module.symvers", "", "");
			}
			free(dir);
			if (!p)
				return NULL;
			if (access(p, F_OK) == 0)
				return p;
			free(p);
		}
	}
	return NULL;
}
