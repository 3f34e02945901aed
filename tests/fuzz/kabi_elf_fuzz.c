// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: lis-kabi's module reader.  The input goes through the
 * decompressor (gzip, xz, or as is) and then the ELF reader, and whatever is
 * read is resolved against a small symvers, as `lis-kabi check` does.
 */
#include <libelf.h>
#include <string.h>

#include "kabi.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	elf_version(EV_CURRENT);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char text[] = "0x27e1a049\tprintk\tvmlinux\tEXPORT_SYMBOL\n"
				   "0x037a0cba\tkfree\tdrivers/hv/hv_vmbus\tEXPORT_SYMBOL_GPL\t\n";
	struct kmodule m, *mods[1] = { &m };
	struct kproblems pr = { 0 };
	struct symvers sv;
	struct modset set;
	struct blob b, t;
	struct kerr e;

	memset(&sv, 0, sizeof(sv));
	memset(&t, 0, sizeof(t));
	if (blob_from_mem(&b, data, size, 1 << 24, "fuzz.ko", &e))
		return 0;
	if (kmod_parse(&m, b.data, b.len, "fuzz.ko", &e) == 0) {
		if (blob_from_mem(&t, text, sizeof(text) - 1, 1 << 20, "symvers", &e) == 0 &&
		    symvers_parse(&sv, &t, "symvers", NULL, &e) == 0 &&
		    modset_init(&set, mods, 1, &e) == 0) {
			modset_resolve(&set, 0, NULL, &sv, &pr);
			modset_free(&set);
		}
		symvers_free(&sv);
		blob_free(&t);
		kproblems_free(&pr);
		kmod_free(&m);
	}
	blob_free(&b);
	return 0;
}
