// SPDX-License-Identifier: GPL-2.0
/*
 * A kernel module's imported symbol versions and exported symbols, read
 * from its ELF file with libelf.
 *
 * Imports: the __versions section, entries of
 *	struct { unsigned long crc; char name[64 - sizeof(unsigned long)]; }
 * (64 bytes on 32- and 64-bit), plus the extended tables of 6.15+ kernels
 * (__version_ext_crcs: u32 each; __version_ext_names: NUL-separated), plus
 * the undefined symbols of .symtab (an undefined symbol without a version is
 * an import the loader checks by name only).
 *
 * Exports: every export has a `__ksymtab_<sym>` label in a __ksymtab*
 * section (3.10 absolute entries, 4.19+ PREL32 entries, 6.x the same); the
 * section names the export type.  The CRC is the `__crc_<sym>` symbol:
 * absolute (SHN_ABS, value = CRC) on 3.10 and 4.18, a label in __kcrctab*
 * whose 4 bytes hold the CRC on 5.19+ (6.1).  The namespace, where there is
 * one, is the string at `__kstrtabns_<sym>` in __ksymtab_strings (5.4+).
 */
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>

#include "kabi.h"

#define MODVERSION_ENTRY 64

struct symref {
	size_t shndx;
	uint64_t value;
};

struct elfctx {
	const unsigned char *img;
	size_t len;
	bool msb;
	size_t nsec;
	GElf_Shdr *sh;		/* every section header */
	const char **secname;
	const char **ksymtype;	/* export type of a __ksymtab* section, else NULL */
	const char *label;
	struct kerr *e;
};

static uint32_t rd32(const struct elfctx *c, const unsigned char *p)
{
	return c->msb ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
		      : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint64_t rd64(const struct elfctx *c, const unsigned char *p)
{
	uint64_t a = rd32(c, p), b = rd32(c, p + 4);

	return c->msb ? a << 32 | b : b << 32 | a;
}

static int corrupt(struct elfctx *c, const char *what)
{
	return kerr_set(c->e, KABI_EELF, "%s: corrupt kernel module: %s", c->label, what);
}

/* bytes of a section that lies inside the file */
static const unsigned char *sec_bytes(const struct elfctx *c, size_t i, size_t *size)
{
	if (i == 0 || i >= c->nsec || c->sh[i].sh_type == SHT_NOBITS) {
		*size = 0;
		return NULL;
	}
	*size = c->sh[i].sh_size;
	return c->img + c->sh[i].sh_offset;
}

char *kmod_name_from_path(struct arena *a, const char *path)
{
	const char *b = strrchr(path, '/');
	const char *end;
	char *n, *p;

	b = b ? b + 1 : path;
	end = b + strlen(b);
	for (p = strstr(b, ".ko"); p; p = strstr(p + 1, ".ko")) {
		if (p[3] == '\0' || p[3] == '.') {
			end = p;
			break;
		}
	}
	n = arena_strndup(a, b, (size_t)(end - b));
	if (n)
		for (p = n; *p; p++)
			if (*p == '-')
				*p = '_';
	return n;
}

char *kmod_name_from_owner(struct arena *a, const char *owner)
{
	const char *b = strrchr(owner, '/');
	char *n, *p;

	if (strcmp(owner, "vmlinux") == 0 || !*owner)
		return NULL;
	n = arena_strdup(a, b ? b + 1 : owner);
	if (n)
		for (p = n; *p; p++)
			if (*p == '-')
				*p = '_';
	return n;
}

static const char *export_type(const char *sec)
{
	static const struct {
		const char *sec, *type;
	} map[] = {
		{ "__ksymtab", "EXPORT_SYMBOL" },
		{ "__ksymtab_gpl", "EXPORT_SYMBOL_GPL" },
		{ "__ksymtab_gpl_future", "EXPORT_SYMBOL_GPL_FUTURE" },
		{ "__ksymtab_unused", "EXPORT_UNUSED_SYMBOL" },
		{ "__ksymtab_unused_gpl", "EXPORT_UNUSED_SYMBOL_GPL" },
	};
	size_t i, n;

	/* an object not yet linked by the module linker script: ___ksymtab_gpl+sym */
	if (strncmp(sec, "___ksymtab", 10) == 0)
		sec++;
	n = strcspn(sec, "+");
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strlen(map[i].sec) == n && strncmp(sec, map[i].sec, n) == 0)
			return map[i].type;
	return NULL;
}

static int read_sections(struct elfctx *c, Elf *elf)
{
	size_t shstrndx, i;
	Elf_Scn *scn;

	if (elf_getshdrnum(elf, &c->nsec) != 0 || elf_getshdrstrndx(elf, &shstrndx) != 0)
		return corrupt(c, elf_errmsg(-1));
	if (c->nsec == 0)
		return corrupt(c, "no sections");
	c->sh = calloc(c->nsec, sizeof(*c->sh));
	c->secname = calloc(c->nsec, sizeof(*c->secname));
	c->ksymtype = calloc(c->nsec, sizeof(*c->ksymtype));
	if (!c->sh || !c->secname || !c->ksymtype)
		return kerr_set(c->e, KABI_ENOMEM, "%s: out of memory", c->label);
	for (i = 1; i < c->nsec; i++) {
		const char *name;

		scn = elf_getscn(elf, i);
		if (!scn || !gelf_getshdr(scn, &c->sh[i]))
			return corrupt(c, elf_errmsg(-1));
		name = elf_strptr(elf, shstrndx, c->sh[i].sh_name);
		if (!name)
			return corrupt(c, "a section name lies outside the section name table");
		c->secname[i] = name;
		if (c->sh[i].sh_type != SHT_NOBITS &&
		    (c->sh[i].sh_offset > c->len || c->sh[i].sh_size > c->len - c->sh[i].sh_offset))
			return kerr_set(c->e, KABI_EELF,
					"%s: truncated: section %s ends at byte %llu, the file has %zu",
					c->label, name,
					(unsigned long long)c->sh[i].sh_offset +
					(unsigned long long)c->sh[i].sh_size, c->len);
		if (strncmp(name, "__ksymtab", 9) == 0 || strncmp(name, "___ksymtab", 10) == 0)
			c->ksymtype[i] = export_type(name);
	}
	return 0;
}

static size_t find_section(const struct elfctx *c, const char *name)
{
	size_t i;

	for (i = 1; i < c->nsec; i++)
		if (strcmp(c->secname[i], name) == 0)
			return i;
	return 0;
}

/* add or find an import; the first entry for a name wins */
static struct kimport *import_add(struct kmodule *m, struct hmap *idx,
				  const char *name, struct kerr *e)
{
	struct kimport *im, *got;

	im = arena_alloc(&m->arena, sizeof(*im));
	if (!im)
		goto oom;
	memset(im, 0, sizeof(*im));
	im->name = arena_strdup(&m->arena, name);
	if (!im->name)
		goto oom;
	got = hmap_put(idx, im->name, strlen(im->name), im);
	if (!got)
		goto oom;
	return got;
oom:
	kerr_set(e, KABI_ENOMEM, "%s: out of memory", m->path);
	return NULL;
}

static int read_versions(struct elfctx *c, struct kmodule *m, struct hmap *idx)
{
	size_t vi = find_section(c, "__versions"), ci, ni, size, csize, nsize, k, off;
	const unsigned char *p, *cp, *np;
	size_t crcw = m->is64 ? 8 : 4;
	struct kimport *im;

	if (vi) {
		m->has_versions = true;
		p = sec_bytes(c, vi, &size);
		if (size % MODVERSION_ENTRY)
			return corrupt(c, "__versions is not a whole number of 64-byte entries");
		for (k = 0; p && k < size / MODVERSION_ENTRY; k++) {
			const unsigned char *ent = p + k * MODVERSION_ENTRY;
			const char *name = (const char *)ent + crcw;

			if (!memchr(name, '\0', MODVERSION_ENTRY - crcw) || !*name)
				return corrupt(c, "a __versions entry has an empty or unterminated name");
			im = import_add(m, idx, name, c->e);
			if (!im)
				return c->e->code;
			if (!im->has_crc) {
				im->crc = crcw == 8 ? rd64(c, ent) : rd32(c, ent);
				im->has_crc = true;
			}
		}
	}
	ci = find_section(c, "__version_ext_crcs");
	ni = find_section(c, "__version_ext_names");
	if (!ci && !ni)
		return 0;
	if (!ci || !ni)
		return corrupt(c, "only one of __version_ext_crcs and __version_ext_names");
	m->has_versions = true;
	cp = sec_bytes(c, ci, &csize);
	np = sec_bytes(c, ni, &nsize);
	if (csize % 4)
		return corrupt(c, "__version_ext_crcs is not a whole number of 4-byte CRCs");
	off = 0;
	for (k = 0; k < csize / 4; k++) {
		const unsigned char *end;

		if (!np || off >= nsize)
			return corrupt(c, "__version_ext_names has fewer names than there are CRCs");
		end = memchr(np + off, '\0', nsize - off);
		if (!end || end == np + off)
			return corrupt(c, "__version_ext_names has an empty or unterminated name");
		im = import_add(m, idx, (const char *)np + off, c->e);
		if (!im)
			return c->e->code;
		if (!im->has_crc) {
			im->crc = rd32(c, cp + 4 * k);
			im->has_crc = true;
		}
		off = (size_t)(end - np) + 1;
	}
	return 0;
}

static int ref_put(struct kmodule *m, struct hmap *h, const char *name,
		   const GElf_Sym *s, struct kerr *e)
{
	struct symref *r = arena_alloc(&m->arena, sizeof(*r));

	if (!r)
		return kerr_set(e, KABI_ENOMEM, "%s: out of memory", m->path);
	r->shndx = s->st_shndx;
	r->value = s->st_value;
	if (!hmap_put(h, name, strlen(name), r))
		return kerr_set(e, KABI_ENOMEM, "%s: out of memory", m->path);
	return 0;
}

struct symscan {
	struct hmap imports, crcs, nss, exports;
	struct kexport **ev;
	size_t en, ecap;
};

static int add_export(struct elfctx *c, struct kmodule *m, struct symscan *s,
		      const char *name, const char *type)
{
	struct kexport *x, **nv;

	if (!*name || hmap_get(&s->exports, name, strlen(name)))
		return 0;
	x = arena_alloc(&m->arena, sizeof(*x));
	if (!x)
		return kerr_set(c->e, KABI_ENOMEM, "%s: out of memory", c->label);
	memset(x, 0, sizeof(*x));
	x->name = arena_strdup(&m->arena, name);
	x->type = type;
	x->ns = "";
	if (!x->name || !hmap_put(&s->exports, x->name, strlen(x->name), x))
		return kerr_set(c->e, KABI_ENOMEM, "%s: out of memory", c->label);
	if (s->en == s->ecap) {
		s->ecap = s->ecap ? s->ecap * 2 : 16;
		nv = realloc(s->ev, s->ecap * sizeof(*nv));
		if (!nv)
			return kerr_set(c->e, KABI_ENOMEM, "%s: out of memory", c->label);
		s->ev = nv;
	}
	s->ev[s->en++] = x;
	return 0;
}

static int scan_symtab(struct elfctx *c, Elf *elf, struct kmodule *m, struct symscan *s)
{
	size_t i, si = 0, nsyms;
	Elf_Data *d;
	GElf_Sym sym;

	for (i = 1; i < c->nsec; i++)
		if (c->sh[i].sh_type == SHT_SYMTAB) {
			si = i;
			break;
		}
	if (!si)
		return 0;	/* nothing imported or exported by name */
	if (c->sh[si].sh_entsize == 0 || c->sh[si].sh_link >= c->nsec)
		return corrupt(c, ".symtab has no entry size or no string table");
	d = elf_getdata(elf_getscn(elf, si), NULL);
	if (!d)
		return corrupt(c, elf_errmsg(-1));
	nsyms = c->sh[si].sh_size / c->sh[si].sh_entsize;
	for (i = 1; i < nsyms; i++) {
		const char *name;
		int bind;

		if (!gelf_getsym(d, (int)i, &sym))
			return corrupt(c, "unreadable symbol table entry");
		if (sym.st_name == 0 || GELF_ST_TYPE(sym.st_info) == STT_SECTION)
			continue;
		name = elf_strptr(elf, c->sh[si].sh_link, sym.st_name);
		if (!name)
			return corrupt(c, "a symbol name lies outside the string table");
		if (sym.st_shndx == SHN_UNDEF) {
			struct kimport *im;

			bind = GELF_ST_BIND(sym.st_info);
			if ((bind != STB_GLOBAL && bind != STB_WEAK) || !*name ||
			    strcmp(name, "_GLOBAL_OFFSET_TABLE_") == 0 || strcmp(name, ".TOC.") == 0)
				continue;
			im = import_add(m, &s->imports, name, c->e);
			if (!im)
				return c->e->code;
			if (bind == STB_WEAK)
				im->weak = true;
		} else if (strncmp(name, "__ksymtab_", 10) == 0) {
			if (sym.st_shndx < c->nsec && c->ksymtype[sym.st_shndx] &&
			    add_export(c, m, s, name + 10, c->ksymtype[sym.st_shndx]))
				return c->e->code;
		} else if (strncmp(name, "__crc_", 6) == 0) {
			if (ref_put(m, &s->crcs, name + 6, &sym, c->e))
				return c->e->code;
		} else if (strncmp(name, "__kstrtabns_", 12) == 0) {
			if (ref_put(m, &s->nss, name + 12, &sym, c->e))
				return c->e->code;
		}
	}
	return 0;
}

/* export entries without a single __ksymtab_<sym> label: stripped too far */
static int check_labels(struct elfctx *c, const struct symscan *s)
{
	for (size_t i = 1; i < c->nsec; i++)
		if (c->ksymtype[i] && c->sh[i].sh_type != SHT_NOBITS && c->sh[i].sh_size && !s->en)
			return kerr_set(c->e, KABI_EELF,
					"%s: %s has entries but no __ksymtab_<symbol> label names them "
					"(stripped with --strip-unneeded?): its exports cannot be read",
					c->label, c->secname[i]);
	return 0;
}

static void attach_crc_ns(struct elfctx *c, struct symscan *s)
{
	size_t i, size;

	for (i = 0; i < s->en; i++) {
		struct kexport *x = s->ev[i];
		const struct symref *r = hmap_get(&s->crcs, x->name, strlen(x->name));
		const unsigned char *p;

		if (r && r->shndx == SHN_ABS) {
			x->crc = r->value;
			x->has_crc = true;
		} else if (r && r->shndx < c->nsec) {
			p = sec_bytes(c, r->shndx, &size);
			if (p && size >= 4 && r->value <= size - 4) {
				x->crc = rd32(c, p + r->value);
				x->has_crc = true;
			}
		}
		r = hmap_get(&s->nss, x->name, strlen(x->name));
		if (r && r->shndx < c->nsec &&
		    strcmp(c->secname[r->shndx] ? c->secname[r->shndx] : "", "__ksymtab_strings") == 0) {
			p = sec_bytes(c, r->shndx, &size);
			if (p && r->value < size && memchr(p + r->value, '\0', size - r->value))
				x->ns = (const char *)p + r->value;
		}
	}
}

static void read_modinfo(struct elfctx *c, struct kmodule *m)
{
	size_t i = find_section(c, ".modinfo"), size, off = 0;
	const unsigned char *p = sec_bytes(c, i, &size), *end;

	while (p && off < size) {
		end = memchr(p + off, '\0', size - off);
		if (!end)
			break;
		if (strncmp((const char *)p + off, "vermagic=", 9) == 0)
			m->vermagic = arena_strdup(&m->arena, (const char *)p + off + 9);
		off = (size_t)(end - p) + 1;
	}
	if (!m->vermagic)
		m->vermagic = "";
}

static int cmp_import(const void *a, const void *b)
{
	return strcmp(((const struct kimport *)a)->name, ((const struct kimport *)b)->name);
}

static int cmp_export(const void *a, const void *b)
{
	return strcmp(((const struct kexport *)a)->name, ((const struct kexport *)b)->name);
}

static int collect(struct elfctx *c, struct kmodule *m, struct symscan *s)
{
	size_t i, k = 0;

	m->nimports = s->imports.n;
	m->imports = arena_alloc(&m->arena, (m->nimports + 1) * sizeof(*m->imports));
	m->nexports = s->en;
	m->exports = arena_alloc(&m->arena, (m->nexports + 1) * sizeof(*m->exports));
	if (!m->imports || !m->exports)
		return kerr_set(c->e, KABI_ENOMEM, "%s: out of memory", c->label);
	for (i = 0; i < s->imports.cap; i++)
		if (s->imports.tab[i].key)
			m->imports[k++] = *(struct kimport *)s->imports.tab[i].val;
	for (i = 0; i < s->en; i++)
		m->exports[i] = *s->ev[i];
	qsort(m->imports, m->nimports, sizeof(*m->imports), cmp_import);
	qsort(m->exports, m->nexports, sizeof(*m->exports), cmp_export);
	return 0;
}

static int check_header(struct elfctx *c)
{
	const unsigned char *p = c->img;
	size_t ehsize;

	if (c->len < 4 || memcmp(p, ELFMAG, SELFMAG) != 0)
		return kerr_set(c->e, KABI_EELF, "%s: not an ELF file%s", c->label,
				c->len == 0 ? " (it is empty)" : "");
	if (c->len < EI_NIDENT)
		return kerr_set(c->e, KABI_EELF, "%s: truncated: the ELF header is cut short", c->label);
	if (p[EI_CLASS] != ELFCLASS32 && p[EI_CLASS] != ELFCLASS64)
		return corrupt(c, "unknown ELF class");
	if (p[EI_DATA] != ELFDATA2LSB && p[EI_DATA] != ELFDATA2MSB)
		return corrupt(c, "unknown ELF byte order");
	ehsize = p[EI_CLASS] == ELFCLASS64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	if (c->len < ehsize)
		return kerr_set(c->e, KABI_EELF, "%s: truncated: the ELF header is cut short", c->label);
	c->msb = p[EI_DATA] == ELFDATA2MSB;
	return 0;
}

int kmod_parse(struct kmodule *m, const char *image, size_t len,
	       const char *label, struct kerr *e)
{
	struct elfctx c = { (const unsigned char *)image, len, false, 0, NULL, NULL, NULL, label, e };
	struct symscan s;
	GElf_Ehdr eh;
	Elf *elf = NULL;
	int rc;

	memset(m, 0, sizeof(*m));
	memset(&s, 0, sizeof(s));
	arena_init(&m->arena);
	hmap_init(&s.imports);
	hmap_init(&s.crcs);
	hmap_init(&s.nss);
	hmap_init(&s.exports);
	m->path = arena_strdup(&m->arena, label);
	m->name = kmod_name_from_path(&m->arena, label);
	m->vermagic = "";
	if (!m->path || !m->name) {
		rc = kerr_set(e, KABI_ENOMEM, "%s: out of memory", label);
		goto out;
	}
	rc = check_header(&c);
	if (rc)
		goto out;
	m->is64 = image[EI_CLASS] == ELFCLASS64;
	elf = elf_memory((char *)image, len);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh)) {
		rc = corrupt(&c, elf_errmsg(-1));
		goto out;
	}
	if (eh.e_type != ET_REL) {
		rc = kerr_set(e, KABI_EELF,
			      "%s: not a kernel module: ELF type %u, modules are relocatable objects (ET_REL)",
			      label, (unsigned)eh.e_type);
		goto out;
	}
	if (eh.e_shoff > len || (uint64_t)eh.e_shnum * eh.e_shentsize > len - eh.e_shoff) {
		rc = kerr_set(e, KABI_EELF, "%s: truncated: the section header table lies beyond the end of the file",
			      label);
		goto out;
	}
	rc = read_sections(&c, elf);
	if (!rc)
		rc = read_versions(&c, m, &s.imports);
	if (!rc)
		rc = scan_symtab(&c, elf, m, &s);
	if (!rc)
		rc = check_labels(&c, &s);
	if (!rc) {
		attach_crc_ns(&c, &s);
		read_modinfo(&c, m);
		/* names live in the image, which the caller frees: copy them */
		for (size_t i = 0; i < s.en; i++) {
			s.ev[i]->ns = arena_strdup(&m->arena, s.ev[i]->ns);
			if (!s.ev[i]->ns) {
				rc = kerr_set(e, KABI_ENOMEM, "%s: out of memory", label);
				break;
			}
		}
	}
	if (!rc)
		rc = collect(&c, m, &s);
out:
	if (elf)
		elf_end(elf);
	free(c.sh);
	free(c.secname);
	free(c.ksymtype);
	free(s.ev);
	hmap_free(&s.imports);
	hmap_free(&s.crcs);
	hmap_free(&s.nss);
	hmap_free(&s.exports);
	if (rc)
		kmod_free(m);
	return rc;
}

int kmod_load(struct kmodule *m, const char *path, struct kerr *e)
{
	struct blob b;
	int rc;

	memset(m, 0, sizeof(*m));
	rc = blob_load(&b, path, e);
	if (rc)
		return rc;
	rc = kmod_parse(m, b.data, b.len, path, e);
	blob_free(&b);
	return rc;
}

void kmod_free(struct kmodule *m)
{
	arena_free(&m->arena);
	memset(m, 0, sizeof(*m));
}
