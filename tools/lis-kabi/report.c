// SPDX-License-Identifier: GPL-2.0
/*
 * Small output helpers: error sentences, JSON strings, CRCs in the RPM
 * dependency format, and the kernel release order weak-modules uses.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "kabi.h"

int kerr_set(struct kerr *e, int code, const char *fmt, ...)
{
	va_list ap;

	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return code;
}

void json_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	for (; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

void json_kv(FILE *f, const char *lead, const char *key, const char *val)
{
	fprintf(f, "%s\"%s\":", lead, key);
	if (val)
		json_str(f, val);
	else
		fputs("null", f);
}

void json_problems(FILE *f, const struct kproblems *pr, struct kmodule *const *mods)
{
	fputc('[', f);
	for (size_t i = 0; i < pr->n; i++) {
		const struct kproblem *x = &pr->v[i];

		json_kv(f, i ? ",{" : "{", "module", mods[x->mod]->name);
		json_kv(f, ",", "kind", kproblem_kind_name(x->kind));
		json_kv(f, ",", "symbol", x->sym);
		fputs(",\"module_crc\":", f);
		json_crc(f, x->want, x->kind != KP_NOVERS);
		json_kv(f, ",", "provider", x->kind == KP_CRC ? x->provider : NULL);
		fputs(",\"provider_crc\":", f);
		json_crc(f, x->have, x->kind == KP_CRC && x->have_crc);
		fputc('}', f);
	}
	fputc(']', f);
}

/*
 * RHEL's kmod dependency generators (find-requires.ksyms,
 * find-provides.ksyms) print CRCs with printf "0x%08x": lower-case hex, at
 * least 8 digits.  Symbol CRCs are 32-bit, so this is 8 digits in practice.
 */
void fmt_crc(char buf[24], uint64_t crc)
{
	snprintf(buf, 24, "0x%08" PRIx64, crc);
}

void json_crc(FILE *f, uint64_t crc, bool has)
{
	char b[24];

	if (!has) {
		fputs("null", f);
		return;
	}
	fmt_crc(b, crc);
	fprintf(f, "\"%s\"", b);
}

/*
 * weak-modules orders kernel releases with `sed 's/-/../g' | sort -n -t.
 * -k1,1 ... -k10,10`: '-' becomes an empty field, the first ten
 * dot-separated fields compare by their leading number (0 when none), and
 * sort's last resort compares the whole (transformed) line byte by byte.
 */
static const char *field(const char *s, int k, long long *num)
{
	/* s is the transformed string; find the k-th field */
	const char *p = s;
	long long v = 0;

	while (k-- > 0) {
		p = strchr(p, '.');
		if (!p) {
			*num = 0;
			return NULL;
		}
		p++;
	}
	while (*p >= '0' && *p <= '9') {
		if (v < 100000000000000LL)
			v = v * 10 + (*p - '0');
		p++;
	}
	*num = v;
	return p;
}

/* the string sort sees: every '-' replaced by ".." */
static char *rpmsort_key(const char *s)
{
	size_t l = strlen(s), i, n = 0;
	char *t = malloc(2 * l + 1);

	if (!t)
		return NULL;
	for (i = 0; i < l; i++) {
		if (s[i] == '-')
			t[n++] = '.';
		t[n++] = s[i] == '-' ? '.' : s[i];
	}
	t[n] = '\0';
	return t;
}

int version_cmp(const char *a, const char *b)
{
	char *ta = rpmsort_key(a), *tb = rpmsort_key(b);
	int k, r = 0;

	if (!ta || !tb) {
		free(ta);
		free(tb);
		return strcmp(a, b);
	}
	for (k = 0; k < 10 && !r; k++) {
		long long x, y;

		field(ta, k, &x);
		field(tb, k, &y);
		r = x < y ? -1 : x > y;
	}
	if (!r)
		r = strcmp(ta, tb);
	free(ta);
	free(tb);
	return r < 0 ? -1 : r > 0;
}
