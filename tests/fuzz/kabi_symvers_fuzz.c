// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: lis-kabi's symvers / kABI list reader, after the
 * decompressor, then a lookup of every symbol it read.
 */
#include <string.h>

#include "kabi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct symvers sv;
	struct blob b;
	struct kerr e;

	if (blob_from_mem(&b, data, size, 1 << 24, "fuzz.symvers", &e))
		return 0;
	if (symvers_parse(&sv, &b, "fuzz.symvers", NULL, &e) == 0) {
		for (size_t i = 0; i < sv.n; i++)
			if (symvers_find(&sv, sv.syms[i].name) == NULL)
				__builtin_trap();	/* every symbol read must be found */
	}
	symvers_free(&sv);
	blob_free(&b);
	return 0;
}
