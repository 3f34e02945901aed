// SPDX-License-Identifier: GPL-2.0
/*
 * mkmod SPEC OUT.ko: write a synthetic x86_64 kernel module (ELF64 REL) for
 * the lis-kabi tests and benchmark.  It carries exactly what the kABI
 * readers look at, in the layout of a chosen kernel generation:
 *
 *   layout abs        3.10/4.18: 16-byte absolute __ksymtab entries,
 *                     __crc_<sym> absolute symbols (SHN_ABS)
 *   layout rel        5.19+/6.1: 12-byte PREL32 __ksymtab entries, CRCs in
 *                     __kcrctab*, __kstrtab_/__kstrtabns_ in __ksymtab_strings
 *   vermagic TEXT     .modinfo vermagic=
 *   import CRC NAME   a __versions entry and an undefined symbol
 *   unversioned NAME  an undefined symbol without a __versions entry
 *   weak NAME         a weak undefined symbol without a version
 *   export CRC NAME TYPE [NS]   TYPE is EXPORT_SYMBOL or EXPORT_SYMBOL_GPL
 *   noversions        no __versions section (a module without modversions)
 *
 * `mkmod SPEC` (one argument) writes many modules: each `module PATH` line
 * starts the next one.  Lines starting with '#' and blank lines are ignored.  The ELF is written
 * by hand from <elf.h>, so the reader under test shares no code with it.
 */
#include <elf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct buf {
	unsigned char *p;
	size_t len, cap;
};

static void die(const char *msg)
{
	fprintf(stderr, "mkmod: %s\n", msg);
	exit(1);
}

static void put(struct buf *b, const void *d, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			die("out of memory");
	}
	memcpy(b->p + b->len, d, n);
	b->len += n;
}

static size_t put_str(struct buf *b, const char *s)
{
	size_t off = b->len;

	put(b, s, strlen(s) + 1);
	return off;
}

static void put_u32(struct buf *b, uint32_t v)
{
	put(b, &v, 4);
}

static void put_u64(struct buf *b, uint64_t v)
{
	put(b, &v, 8);
}

enum { S_NULL, S_TEXT, S_VERS, S_KSYM, S_KSYMGPL, S_KCRC, S_KCRCGPL, S_STRS,
       S_MODINFO, S_SYMTAB, S_STRTAB, S_SHSTRTAB, S_NUM };

static const char *const secnames[S_NUM] = {
	"", ".text", "__versions", "__ksymtab", "__ksymtab_gpl", "__kcrctab",
	"__kcrctab_gpl", "__ksymtab_strings", ".modinfo", ".symtab", ".strtab", ".shstrtab",
};

struct exp {
	char name[128], type[32], ns[64];
	uint64_t crc;
};

struct out {
	struct buf sec[S_NUM];
	struct buf locals, globals;	/* Elf64_Sym arrays */
	size_t nlocals, nglobals;
};

static void add_sym(struct out *o, bool global, const char *name, unsigned char info,
		    uint16_t shndx, uint64_t value)
{
	Elf64_Sym s;

	memset(&s, 0, sizeof(s));
	s.st_name = (uint32_t)put_str(&o->sec[S_STRTAB], name);
	s.st_info = info;
	s.st_shndx = shndx;
	s.st_value = value;
	if (global) {
		put(&o->globals, &s, sizeof(s));
		o->nglobals++;
	} else {
		put(&o->locals, &s, sizeof(s));
		o->nlocals++;
	}
}

static void add_export(struct out *o, const struct exp *x, bool rel, size_t idx)
{
	bool gpl = strcmp(x->type, "EXPORT_SYMBOL_GPL") == 0;
	int ks = gpl ? S_KSYMGPL : S_KSYM, kc = gpl ? S_KCRCGPL : S_KCRC;
	size_t entry = o->sec[ks].len;
	size_t name_off = put_str(&o->sec[S_STRS], x->name), ns_off;
	char label[200];

	/* the exported function itself: 16 bytes of .text each */
	add_sym(o, true, x->name, ELF64_ST_INFO(STB_GLOBAL, STT_FUNC), S_TEXT, 16 * idx);
	snprintf(label, sizeof(label), "__kstrtab_%s", x->name);
	add_sym(o, false, label, ELF64_ST_INFO(STB_LOCAL, STT_OBJECT), S_STRS, name_off);
	snprintf(label, sizeof(label), "__ksymtab_%s", x->name);
	add_sym(o, false, label, ELF64_ST_INFO(STB_LOCAL, STT_NOTYPE), (uint16_t)ks, entry);
	snprintf(label, sizeof(label), "__crc_%s", x->name);
	if (rel) {
		ns_off = put_str(&o->sec[S_STRS], x->ns);
		snprintf(label, sizeof(label), "__kstrtabns_%s", x->name);
		add_sym(o, false, label, ELF64_ST_INFO(STB_LOCAL, STT_OBJECT), S_STRS, ns_off);
		snprintf(label, sizeof(label), "__crc_%s", x->name);
		add_sym(o, false, label, ELF64_ST_INFO(STB_LOCAL, STT_NOTYPE), (uint16_t)kc,
			o->sec[kc].len);
		put_u32(&o->sec[kc], (uint32_t)x->crc);
		/* value, name, namespace offsets: filled by relocations in a real module */
		put_u32(&o->sec[ks], 0);
		put_u32(&o->sec[ks], 0);
		put_u32(&o->sec[ks], 0);
	} else {
		add_sym(o, true, label, ELF64_ST_INFO(STB_GLOBAL, STT_NOTYPE), SHN_ABS, x->crc);
		put_u64(&o->sec[ks], 0);
		put_u64(&o->sec[ks], 0);
	}
}

struct mod {
	struct out o;
	bool rel, versions;
	struct exp *exps;
	size_t nexp;
};

static void mod_begin(struct mod *m)
{
	memset(m, 0, sizeof(*m));
	m->versions = true;
	put(&m->o.sec[S_STRTAB], "", 1);
	put(&m->o.locals, &(Elf64_Sym){ 0 }, sizeof(Elf64_Sym));
	m->o.nlocals = 1;
}

static void mod_line(struct mod *m, char *line)
{
	char word[32], a[128], b[128], c[64], d[64];
	struct out *o = &m->o;
	int n;

	a[0] = b[0] = c[0] = d[0] = '\0';
	n = sscanf(line, "%31s %127s %127s %63s %63s", word, a, b, c, d);
	if (n < 1)
		return;
	if (strcmp(word, "layout") == 0) {
		m->rel = strcmp(a, "rel") == 0;
	} else if (strcmp(word, "vermagic") == 0) {
		const char *v = line + strlen("vermagic");

		while (*v == ' ')
			v++;
		put(&o->sec[S_MODINFO], "vermagic=", 9);
		put_str(&o->sec[S_MODINFO], v);
	} else if (strcmp(word, "noversions") == 0) {
		m->versions = false;
	} else if (strcmp(word, "import") == 0 && n == 3) {
		unsigned char ent[64] = { 0 };
		uint64_t crc = strtoull(a, NULL, 16);

		if (strlen(b) >= 56)
			die("import name longer than 55 bytes");
		memcpy(ent, &crc, 8);
		memcpy(ent + 8, b, strlen(b));
		put(&o->sec[S_VERS], ent, 64);
		add_sym(o, true, b, ELF64_ST_INFO(STB_GLOBAL, STT_NOTYPE), SHN_UNDEF, 0);
	} else if (strcmp(word, "unversioned") == 0 && n == 2) {
		add_sym(o, true, a, ELF64_ST_INFO(STB_GLOBAL, STT_NOTYPE), SHN_UNDEF, 0);
	} else if (strcmp(word, "weak") == 0 && n == 2) {
		add_sym(o, true, a, ELF64_ST_INFO(STB_WEAK, STT_NOTYPE), SHN_UNDEF, 0);
	} else if (strcmp(word, "export") == 0 && n >= 4) {
		m->exps = realloc(m->exps, (m->nexp + 1) * sizeof(*m->exps));
		if (!m->exps)
			die("out of memory");
		memset(&m->exps[m->nexp], 0, sizeof(*m->exps));
		m->exps[m->nexp].crc = strtoull(a, NULL, 16);
		snprintf(m->exps[m->nexp].name, sizeof(m->exps[m->nexp].name), "%s", b);
		snprintf(m->exps[m->nexp].type, sizeof(m->exps[m->nexp].type), "%s", c);
		snprintf(m->exps[m->nexp].ns, sizeof(m->exps[m->nexp].ns), "%s", d);
		m->nexp++;
	} else {
		fprintf(stderr, "mkmod: bad spec line: %s\n", line);
		exit(1);
	}
}

static void mod_write(struct mod *m, const char *path)
{
	struct out *o = &m->o;
	Elf64_Shdr sh[S_NUM];
	Elf64_Ehdr eh;
	size_t i, off;
	FILE *f;

	for (i = 0; i < m->nexp; i++)
		add_export(o, &m->exps[i], m->rel, i);
	free(m->exps);
	for (i = 0; i < 16 * (m->nexp ? m->nexp : 1); i++)
		put(&o->sec[S_TEXT], "\xc3", 1);
	put(&o->sec[S_MODINFO], "name=", 5);
	{
		const char *base = strrchr(path, '/');
		char name[256];

		snprintf(name, sizeof(name), "%s", base ? base + 1 : path);
		name[strcspn(name, ".")] = '\0';
		put_str(&o->sec[S_MODINFO], name);
	}
	put(&o->sec[S_SYMTAB], o->locals.p, o->locals.len);
	put(&o->sec[S_SYMTAB], o->globals.p, o->globals.len);
	put(&o->sec[S_SHSTRTAB], "", 1);

	memset(sh, 0, sizeof(sh));
	off = sizeof(eh);
	for (i = 1; i < S_NUM; i++) {
		if (i == S_VERS && !m->versions)
			continue;
		sh[i].sh_name = (uint32_t)put_str(&o->sec[S_SHSTRTAB], secnames[i]);
	}
	for (i = 1; i < S_NUM; i++) {
		sh[i].sh_type = i == S_SYMTAB ? SHT_SYMTAB :
				(i == S_STRTAB || i == S_SHSTRTAB) ? SHT_STRTAB : SHT_PROGBITS;
		sh[i].sh_flags = i == S_TEXT ? SHF_ALLOC | SHF_EXECINSTR :
				 i < S_SYMTAB ? SHF_ALLOC : 0;
		if (i == S_STRS)
			sh[i].sh_flags |= SHF_MERGE | SHF_STRINGS;
		sh[i].sh_addralign = i == S_SYMTAB ? 8 : (i == S_VERS ? 32 : 4);
		if (i == S_STRS || i == S_MODINFO || i == S_STRTAB || i == S_SHSTRTAB)
			sh[i].sh_addralign = 1;
		off = (off + sh[i].sh_addralign - 1) & ~(sh[i].sh_addralign - 1);
		sh[i].sh_offset = off;
		sh[i].sh_size = (i == S_VERS && !m->versions) ? 0 : o->sec[i].len;
		off += sh[i].sh_size;
	}
	if (!m->versions) {
		/* no __versions: leave an empty, nameless placeholder section */
		sh[S_VERS].sh_type = SHT_NULL;
		sh[S_VERS].sh_flags = 0;
	}
	sh[S_SYMTAB].sh_link = S_STRTAB;
	sh[S_SYMTAB].sh_info = (uint32_t)o->nlocals;
	sh[S_SYMTAB].sh_entsize = sizeof(Elf64_Sym);
	sh[S_STRS].sh_entsize = 1;
	off = (off + 7) & ~(size_t)7;

	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_REL;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_shoff = off;
	eh.e_ehsize = sizeof(eh);
	eh.e_shentsize = sizeof(Elf64_Shdr);
	eh.e_shnum = S_NUM;
	eh.e_shstrndx = S_SHSTRTAB;

	f = fopen(path, "wb");
	if (!f)
		die("cannot create the output");
	fwrite(&eh, sizeof(eh), 1, f);
	for (i = 1; i < S_NUM; i++) {
		while ((size_t)ftell(f) < sh[i].sh_offset)
			fputc(0, f);
		if (sh[i].sh_size)
			fwrite(o->sec[i].p, sh[i].sh_size, 1, f);
	}
	while ((size_t)ftell(f) < off)
		fputc(0, f);
	fwrite(sh, sizeof(sh), 1, f);
	if (fclose(f))
		die("cannot write the output");
	for (i = 0; i < S_NUM; i++)
		free(o->sec[i].p);
	free(o->locals.p);
	free(o->globals.p);
}

int main(int argc, char **argv)
{
	static struct mod m;
	char line[1024], path[4096] = "";
	bool open_mod = false;
	FILE *in;

	if (argc != 2 && argc != 3)
		die("usage: mkmod SPEC OUT.ko | mkmod SPEC (with `module PATH` lines)");
	in = strcmp(argv[1], "-") == 0 ? stdin : fopen(argv[1], "r");
	if (!in)
		die("cannot open the spec");
	if (argc == 3) {
		snprintf(path, sizeof(path), "%s", argv[2]);
		mod_begin(&m);
		open_mod = true;
	}
	while (fgets(line, sizeof(line), in)) {
		line[strcspn(line, "\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		if (argc == 2 && strncmp(line, "module ", 7) == 0) {
			if (open_mod)
				mod_write(&m, path);
			snprintf(path, sizeof(path), "%s", line + 7);
			mod_begin(&m);
			open_mod = true;
			continue;
		}
		if (!open_mod)
			die("a spec line before the first `module PATH` line");
		mod_line(&m, line);
	}
	if (in != stdin)
		fclose(in);
	if (open_mod)
		mod_write(&m, path);
	return 0;
}
