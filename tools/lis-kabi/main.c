// SPDX-License-Identifier: GPL-2.0
/*
 * lis-kabi: command line.  One subcommand per question:
 *   check     do these modules load on that kernel (symbol by symbol)?
 *   requires  RPM Requires lines for these modules
 *   provides  RPM Provides lines for these modules
 *   greylist  imported kernel symbols outside a kABI stablelist
 *   plan      which of our installed builds fits each installed kernel
 *   dump      what a module imports and exports
 * The output formats are an interface: see lis-kabi.8 / docs/lis-kabi.md.
 */
#include <getopt.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>

#include "kabi.h"

#ifndef LIS_KABI_VERSION
#define LIS_KABI_VERSION "dev"
#endif

static const char usage_text[] =
	"usage: lis-kabi COMMAND [OPTIONS] [MODULE...]\n"
	"\n"
	"  check (--kernel KVER | --symvers FILE) [--root DIR] [--json] MODULE...\n"
	"        compatible or not; per module the symbols missing or with another CRC\n"
	"  requires [--kernel KVER | --symvers FILE] [--root DIR] MODULE...\n"
	"        RPM Requires: kernel(sym) = 0xCRC, ksym(sym) = 0xCRC between our modules\n"
	"  provides MODULE...\n"
	"        RPM Provides: ksym(sym) = 0xCRC for every symbol the modules export\n"
	"  greylist --kabi FILE [--json] MODULE...\n"
	"        imported kernel symbols that are not on the kABI stablelist FILE\n"
	"  plan [--root DIR] [--modules-dir DIR] [--json] [--verbose]\n"
	"        per installed kernel: exact, compatible or none, and which build\n"
	"  dump [--json] MODULE...\n"
	"        a module's imports (with CRCs) and exports\n"
	"\n"
	"Modules may be plain, gzip or xz compressed.  Symvers files: Module.symvers,\n"
	"/boot/symvers-KVER.gz, Red Hat kABI lists.  --kernel KVER looks in --root\n"
	"(default /) for /boot/symvers-KVER.gz, /lib/modules/KVER/symvers.gz,\n"
	"/lib/modules/KVER/build/Module.symvers and /usr/src/kernels/KVER/Module.symvers.\n"
	"\n"
	"Exit: 0 ok/compatible, 1 incompatible, 2 usage, 3 unreadable file or no\n"
	"symvers, 4 not an ELF module (truncated, corrupt), 5 no modversions,\n"
	"6 malformed symvers line, 7 unsupported or corrupt compression, 8 no memory.\n";

struct cli {
	const char *cmd;
	const char *kernel;
	const char *symvers;
	const char *kabi;
	const char *root;
	const char *modules_dir;
	bool json;
	bool verbose;
	char **files;
	size_t nfiles;
};

struct loaded {
	struct kmodule *mods;
	struct kmodule **ptrs;
	size_t n;
	struct modset set;
	bool set_ok;
};

static int fail(const struct kerr *e)
{
	fprintf(stderr, "lis-kabi: %s\n", e->msg);
	return e->code;
}

static int usage_error(const char *msg)
{
	fprintf(stderr, "lis-kabi: %s\n%s", msg, usage_text);
	return KABI_EUSAGE;
}

static void free_loaded(struct loaded *l)
{
	if (l->set_ok)
		modset_free(&l->set);
	for (size_t i = 0; i < l->n; i++)
		kmod_free(&l->mods[i]);
	free(l->mods);
	free(l->ptrs);
}

static int load_modules(const struct cli *c, bool need_versions, struct loaded *l,
			struct kerr *e)
{
	memset(l, 0, sizeof(*l));
	l->mods = calloc(c->nfiles + 1, sizeof(*l->mods));
	l->ptrs = calloc(c->nfiles + 1, sizeof(*l->ptrs));
	if (!l->mods || !l->ptrs)
		return kerr_set(e, KABI_ENOMEM, "out of memory");
	for (size_t i = 0; i < c->nfiles; i++) {
		if (kmod_load(&l->mods[l->n], c->files[i], e))
			return e->code;
		l->ptrs[l->n] = &l->mods[l->n];
		l->n++;
		if (need_versions && !l->mods[i].has_versions)
			return kerr_set(e, KABI_ENOVERS,
					"%s: no modversions: the module has no __versions section "
					"(built without CONFIG_MODVERSIONS?), so its symbol CRCs are unknown",
					c->files[i]);
	}
	if (modset_init(&l->set, l->ptrs, l->n, e))
		return e->code;
	l->set_ok = true;
	return 0;
}

/* the symvers named by --symvers or --kernel; *have = false when neither */
static int load_kernel_symvers(const struct cli *c, struct symvers *sv, bool *have,
			       const char **label, struct kerr *e)
{
	char *path;
	int rc;

	*have = false;
	if (c->symvers) {
		*label = c->symvers;
		rc = symvers_load(sv, c->symvers, NULL, e);
	} else if (c->kernel) {
		path = symvers_locate(c->root, c->kernel);
		if (!path)
			return kerr_set(e, KABI_EIO,
					"no symvers for kernel %s under %s (no /boot/symvers-%s.gz, "
					"/lib/modules/%s/symvers.gz or Module.symvers of its build tree)",
					c->kernel, c->root, c->kernel, c->kernel);
		*label = c->kernel;
		rc = symvers_load(sv, path, NULL, e);
		free(path);
	} else {
		return 0;
	}
	if (rc)
		return rc;
	*have = true;
	return 0;
}

static void print_check_problem(FILE *f, const struct kproblem *p)
{
	char a[24], b[24];

	fmt_crc(a, p->want);
	fmt_crc(b, p->have);
	if (p->kind == KP_MISSING)
		fprintf(f, "  missing %s %s\n", p->sym, a);
	else if (p->kind == KP_CRC)
		fprintf(f, "  crc %s %s %s %s\n", p->sym, a, p->provider, p->have_crc ? b : "none");
}

static int cmd_check(const struct cli *c, struct kerr *e)
{
	struct loaded l;
	struct symvers sv;
	struct kproblems pr = { 0 };
	const char *label = "";
	size_t bad = 0, i, j, start;
	bool have;
	int rc;

	if (!c->kernel == !c->symvers)
		return usage_error("check needs one of --kernel KVER or --symvers FILE");
	memset(&sv, 0, sizeof(sv));
	rc = load_modules(c, true, &l, e);
	if (!rc)
		rc = load_kernel_symvers(c, &sv, &have, &label, e);
	if (rc) {
		free_loaded(&l);
		return fail(e);
	}
	if (c->json) {
		json_kv(stdout, "{", "symvers", sv.path);
		json_kv(stdout, ",", "kernel", c->kernel);
		fputs(",\"modules\":[", stdout);
	}
	for (i = 0; i < l.n; i++) {
		const struct kmodule *m = l.ptrs[i];
		long r;

		start = pr.n;
		r = modset_resolve(&l.set, i, NULL, &sv, &pr);
		if (r < 0) {
			rc = kerr_set(e, KABI_ENOMEM, "out of memory");
			break;
		}
		bad += r > 0;
		if (c->json) {
			struct kproblems mine = { pr.v + start, pr.n - start, 0 };

			json_kv(stdout, i ? ",{" : "{", "module", m->name);
			json_kv(stdout, ",", "file", m->path);
			fprintf(stdout, ",\"compatible\":%s,\"imports\":%zu,\"problems\":",
				r ? "false" : "true", m->nimports);
			json_problems(stdout, &mine, l.ptrs);
			fputc('}', stdout);
		} else {
			if (r)
				printf("%s: incompatible (%ld problem%s)\n", m->path, r, r == 1 ? "" : "s");
			else
				printf("%s: ok (%zu imports)\n", m->path, m->nimports);
			for (j = start; j < pr.n; j++)
				print_check_problem(stdout, &pr.v[j]);
		}
	}
	if (!rc) {
		if (c->json)
			printf("],\"compatible\":%s}\n", bad ? "false" : "true");
		else if (bad)
			printf("incompatible with %s: %zu of %zu modules\n", label, bad, l.n);
		else
			printf("compatible with %s\n", label);
	}
	kproblems_free(&pr);
	symvers_free(&sv);
	free_loaded(&l);
	if (rc)
		return fail(e);
	return bad ? KABI_INCOMPATIBLE : KABI_OK;
}

struct dep {
	const char *kind;	/* "kernel" or "ksym" */
	const char *name;
	uint64_t crc;
};

static int cmp_dep(const void *a, const void *b)
{
	const struct dep *x = a, *y = b;
	int r = strcmp(x->kind, y->kind);

	if (!r)
		r = strcmp(x->name, y->name);
	if (!r)
		r = x->crc < y->crc ? -1 : x->crc > y->crc;
	return r;
}

static void print_deps(struct dep *d, size_t n)
{
	char b[24];

	qsort(d, n, sizeof(*d), cmp_dep);
	for (size_t i = 0; i < n; i++) {
		if (i && cmp_dep(&d[i - 1], &d[i]) == 0)
			continue;
		if (i && strcmp(d[i - 1].name, d[i].name) == 0 && strcmp(d[i - 1].kind, d[i].kind) == 0)
			fprintf(stderr, "lis-kabi: warning: %s is imported with two CRCs: the modules were built against different kernels\n",
				d[i].name);
		fmt_crc(b, d[i].crc);
		printf("%s(%s) = %s\n", d[i].kind, d[i].name, b);
	}
}

static int cmd_requires(const struct cli *c, struct kerr *e)
{
	struct loaded l;
	struct symvers sv;
	struct dep *d = NULL;
	const char *label = "";
	size_t n = 0, total = 0, i, j;
	bool have;
	int rc;

	if (c->kernel && c->symvers)
		return usage_error("requires takes --kernel or --symvers, not both");
	memset(&sv, 0, sizeof(sv));
	rc = load_modules(c, true, &l, e);
	if (!rc)
		rc = load_kernel_symvers(c, &sv, &have, &label, e);
	for (i = 0; !rc && i < l.n; i++)
		total += l.ptrs[i]->nimports;
	if (!rc && !(d = calloc(total + 1, sizeof(*d))))
		rc = kerr_set(e, KABI_ENOMEM, "out of memory");
	for (i = 0; !rc && i < l.n; i++) {
		const struct kmodule *m = l.ptrs[i];

		for (j = 0; j < m->nimports; j++) {
			const struct kimport *im = &m->imports[j];
			const struct kprovider *pv = hmap_get(&l.set.exports, im->name, strlen(im->name));

			if (!im->has_crc)
				continue;	/* only __versions entries make dependencies */
			d[n].name = im->name;
			d[n].crc = im->crc;
			d[n].kind = "kernel";
			if (pv && pv->mod != i) {
				d[n].kind = "ksym";
			} else if (have) {
				const struct ksym *k = symvers_find(&sv, im->name);

				/* as RHEL's generator: what the kernel exports with this CRC is kernel() */
				if (!k || !k->has_crc || k->crc != im->crc) {
					d[n].kind = "ksym";
					fprintf(stderr, "lis-kabi: warning: %s: %s is not exported by %s with this CRC\n",
						m->path, im->name, label);
				}
			}
			n++;
		}
	}
	if (!rc)
		print_deps(d, n);
	free(d);
	symvers_free(&sv);
	free_loaded(&l);
	return rc ? fail(e) : KABI_OK;
}

static int cmd_provides(const struct cli *c, struct kerr *e)
{
	struct loaded l;
	struct dep *d = NULL;
	size_t n = 0, total = 0, i, j;
	int rc;

	if (c->kernel || c->symvers)
		return usage_error("provides takes no --kernel or --symvers");
	rc = load_modules(c, false, &l, e);
	for (i = 0; !rc && i < l.n; i++)
		total += l.ptrs[i]->nexports;
	if (!rc && !(d = calloc(total + 1, sizeof(*d))))
		rc = kerr_set(e, KABI_ENOMEM, "out of memory");
	for (i = 0; !rc && i < l.n; i++) {
		const struct kmodule *m = l.ptrs[i];

		for (j = 0; j < m->nexports; j++) {
			if (!m->exports[j].has_crc) {
				fprintf(stderr, "lis-kabi: warning: %s: %s is exported without a CRC (no modversions)\n",
					m->path, m->exports[j].name);
				continue;
			}
			d[n].kind = "ksym";
			d[n].name = m->exports[j].name;
			d[n].crc = m->exports[j].crc;
			n++;
		}
	}
	if (!rc)
		print_deps(d, n);
	free(d);
	free_loaded(&l);
	return rc ? fail(e) : KABI_OK;
}

struct grey {
	const char *name;
	uint64_t crc;
	const struct ksym *listed;	/* NULL: not on the list */
	const char *mods;
};

static int cmp_grey(const void *a, const void *b)
{
	const struct grey *x = a, *y = b;
	int r = strcmp(x->name, y->name);

	return r ? r : (x->crc < y->crc ? -1 : x->crc > y->crc);
}

static int cmd_greylist(const struct cli *c, struct kerr *e)
{
	struct loaded l;
	struct symvers kabi;
	struct grey *g = NULL;
	struct hmap seen;
	struct arena a;
	size_t n = 0, total = 0, kernel_syms = 0, greyed = 0, i, j;
	int rc;

	if (!c->kabi)
		return usage_error("greylist needs --kabi FILE");
	memset(&kabi, 0, sizeof(kabi));
	hmap_init(&seen);
	arena_init(&a);
	rc = load_modules(c, true, &l, e);
	if (!rc)
		rc = symvers_load(&kabi, c->kabi, NULL, e);
	for (i = 0; !rc && i < l.n; i++)
		total += l.ptrs[i]->nimports;
	if (!rc && !(g = calloc(total + 1, sizeof(*g))))
		rc = kerr_set(e, KABI_ENOMEM, "out of memory");
	/* one entry per (symbol, CRC) imported from the kernel, with its modules */
	for (i = 0; !rc && i < l.n; i++) {
		const struct kmodule *m = l.ptrs[i];

		for (j = 0; !rc && j < m->nimports; j++) {
			const struct kimport *im = &m->imports[j];
			const struct kprovider *pv = hmap_get(&l.set.exports, im->name, strlen(im->name));
			char *key;
			struct grey *x;

			if (pv && pv->mod != i)
				continue;	/* ours */
			key = arena_alloc(&a, strlen(im->name) + 20);
			if (!key) {
				rc = kerr_set(e, KABI_ENOMEM, "out of memory");
				break;
			}
			sprintf(key, "%s:%llx", im->name, (unsigned long long)im->crc);
			x = hmap_get(&seen, key, strlen(key));
			if (x) {
				char *mods = arena_alloc(&a, strlen(x->mods) + strlen(m->name) + 2);

				if (!mods) {
					rc = kerr_set(e, KABI_ENOMEM, "out of memory");
					break;
				}
				sprintf(mods, "%s,%s", x->mods, m->name);
				x->mods = mods;
				continue;
			}
			x = &g[n++];
			x->name = im->name;
			x->crc = im->crc;
			x->mods = m->name;
			x->listed = symvers_find(&kabi, im->name);
			if (!hmap_put(&seen, key, strlen(key), x))
				rc = kerr_set(e, KABI_ENOMEM, "out of memory");
		}
	}
	if (!rc) {
		char b1[24], b2[24];

		qsort(g, n, sizeof(*g), cmp_grey);
		if (c->json) {
			json_kv(stdout, "{", "kabi", c->kabi);
			fputs(",\"symbols\":[", stdout);
		}
		for (i = 0, j = 0; i < n; i++) {
			const struct grey *x = &g[i];
			bool differs = x->listed && x->listed->has_crc && x->listed->crc != x->crc;

			kernel_syms++;
			if (!x->listed)
				greyed++;
			if (x->listed && !differs)
				continue;
			fmt_crc(b1, x->crc);
			if (c->json) {
				json_kv(stdout, j++ ? ",{" : "{", "symbol", x->name);
				fprintf(stdout, ",\"crc\":\"%s\",\"status\":\"%s\",\"kabi_crc\":", b1,
					differs ? "crc-differs" : "greylist");
				json_crc(stdout, differs ? x->listed->crc : 0, differs);
				json_kv(stdout, ",", "modules", x->mods);
				fputc('}', stdout);
			} else if (differs) {
				fmt_crc(b2, x->listed->crc);
				printf("%s\t%s\tcrc %s kabi %s\n", x->name, x->mods, b1, b2);
			} else {
				printf("%s\t%s\n", x->name, x->mods);
			}
		}
		if (c->json)
			printf("],\"kernel_symbols\":%zu,\"greylisted\":%zu}\n", kernel_syms, greyed);
		else
			fprintf(stderr, "lis-kabi: %zu of %zu imported kernel symbols are not on the kABI stablelist %s\n",
				greyed, kernel_syms, c->kabi);
	}
	free(g);
	hmap_free(&seen);
	arena_free(&a);
	symvers_free(&kabi);
	free_loaded(&l);
	return rc ? fail(e) : KABI_OK;
}

static int cmd_dump(const struct cli *c, struct kerr *e)
{
	struct loaded l;
	char b[24];
	int rc;

	if (c->kernel || c->symvers)
		return usage_error("dump takes no --kernel or --symvers");
	rc = load_modules(c, false, &l, e);
	if (rc) {
		free_loaded(&l);
		return fail(e);
	}
	if (c->json)
		fputc('[', stdout);
	for (size_t i = 0; i < l.n; i++) {
		const struct kmodule *m = l.ptrs[i];

		if (c->json) {
			json_kv(stdout, i ? ",{" : "{", "module", m->name);
			json_kv(stdout, ",", "file", m->path);
			json_kv(stdout, ",", "vermagic", m->vermagic);
			fprintf(stdout, ",\"modversions\":%s,\"imports\":[", m->has_versions ? "true" : "false");
			for (size_t j = 0; j < m->nimports; j++) {
				json_kv(stdout, j ? ",{" : "{", "symbol", m->imports[j].name);
				fputs(",\"crc\":", stdout);
				json_crc(stdout, m->imports[j].crc, m->imports[j].has_crc);
				fprintf(stdout, ",\"weak\":%s}", m->imports[j].weak ? "true" : "false");
			}
			fputs("],\"exports\":[", stdout);
			for (size_t j = 0; j < m->nexports; j++) {
				json_kv(stdout, j ? ",{" : "{", "symbol", m->exports[j].name);
				fputs(",\"crc\":", stdout);
				json_crc(stdout, m->exports[j].crc, m->exports[j].has_crc);
				json_kv(stdout, ",", "type", m->exports[j].type);
				json_kv(stdout, ",", "namespace", m->exports[j].ns);
				fputc('}', stdout);
			}
			fputs("]}", stdout);
			continue;
		}
		printf("module %s %s\n", m->name, m->path);
		printf("vermagic %s\n", m->vermagic);
		printf("modversions %s\n", m->has_versions ? "yes" : "no");
		for (size_t j = 0; j < m->nimports; j++) {
			fmt_crc(b, m->imports[j].crc);
			printf("import %s %s%s\n", m->imports[j].has_crc ? b : "-",
			       m->imports[j].name, m->imports[j].weak ? " weak" : "");
		}
		for (size_t j = 0; j < m->nexports; j++) {
			fmt_crc(b, m->exports[j].crc);
			printf("export %s %s %s%s%s\n", m->exports[j].has_crc ? b : "-",
			       m->exports[j].name, m->exports[j].type,
			       *m->exports[j].ns ? " " : "", m->exports[j].ns);
		}
	}
	if (c->json)
		fputs("]\n", stdout);
	free_loaded(&l);
	return KABI_OK;
}

static int cmd_plan(const struct cli *c, struct kerr *e)
{
	struct plan_opts o = { c->root, c->modules_dir, c->json, c->verbose };

	if (c->nfiles)
		return usage_error("plan takes no module arguments");
	if (c->kernel || c->symvers || c->kabi)
		return usage_error("plan takes no --kernel, --symvers or --kabi");
	if (!*o.modules_dir || o.modules_dir[0] == '/' || strstr(o.modules_dir, ".."))
		return usage_error("--modules-dir is a relative path under /lib/modules/KVER/");
	return plan_run(&o, stdout, e) ? fail(e) : KABI_OK;
}

static int parse_args(int argc, char **argv, struct cli *c)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "symvers", required_argument, NULL, 's' },
		{ "kabi", required_argument, NULL, 'K' },
		{ "root", required_argument, NULL, 'r' },
		{ "modules-dir", required_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int o;

	optind = 1;
	while ((o = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (o) {
		case 'k':
			c->kernel = optarg;
			break;
		case 's':
			c->symvers = optarg;
			break;
		case 'K':
			c->kabi = optarg;
			break;
		case 'r':
			c->root = optarg;
			break;
		case 'm':
			c->modules_dir = optarg;
			break;
		case 'j':
			c->json = true;
			break;
		case 'v':
			c->verbose = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(KABI_OK);
		default:
			return usage_error("bad option");
		}
	}
	c->files = argv + optind;
	c->nfiles = (size_t)(argc - optind);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(const struct cli *, struct kerr *);
		bool needs_modules;
	} cmds[] = {
		{ "check", cmd_check, true },
		{ "requires", cmd_requires, true },
		{ "provides", cmd_provides, true },
		{ "greylist", cmd_greylist, true },
		{ "dump", cmd_dump, true },
		{ "plan", cmd_plan, false },
	};
	struct cli c = { 0 };
	struct kerr e = { 0, "" };
	size_t i;

	if (argc < 2)
		return usage_error("no command");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(usage_text, stdout);
		return KABI_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("lis-kabi %s\n", LIS_KABI_VERSION);
		return KABI_OK;
	}
	c.cmd = argv[1];
	c.root = "/";
	c.modules_dir = "extra/lis";
	if (parse_args(argc - 1, argv + 1, &c))
		return KABI_EUSAGE;
	if (elf_version(EV_CURRENT) == EV_NONE) {
		fprintf(stderr, "lis-kabi: libelf is out of date\n");
		return KABI_EELF;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(c.cmd, cmds[i].name) != 0)
			continue;
		if (cmds[i].needs_modules && c.nfiles == 0)
			return usage_error("no MODULE given");
		return cmds[i].fn(&c, &e);
	}
	return usage_error("unknown command");
}
