// SPDX-License-Identifier: GPL-2.0
/*
 * A bump allocator: readers allocate names and tables from one arena and
 * free them all at once.  Chunks grow so that a symvers of 30,000 lines
 * costs a handful of malloc calls.
 */
#include <stdlib.h>
#include <string.h>

#include "kabi.h"

struct arena_chunk {
	struct arena_chunk *next;
	size_t size, used;
	max_align_t data[];
};

void arena_init(struct arena *a)
{
	a->head = NULL;
}

void arena_free(struct arena *a)
{
	struct arena_chunk *c = a->head, *n;

	while (c) {
		n = c->next;
		free(c);
		c = n;
	}
	a->head = NULL;
}

void *arena_alloc(struct arena *a, size_t size)
{
	const size_t align = sizeof(max_align_t);
	struct arena_chunk *c = a->head;
	size_t want, csize;
	char *p;

	if (size > ((size_t)1 << 40))
		return NULL;
	want = (size + align - 1) & ~(align - 1);
	if (want == 0)
		want = align;
	if (!c || c->size - c->used < want) {
		csize = c ? c->size * 2 : 16384;
		if (csize > ((size_t)1 << 24))
			csize = (size_t)1 << 24;
		if (csize < want)
			csize = want;
		c = malloc(sizeof(*c) + csize);
		if (!c)
			return NULL;
		c->size = csize;
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	p = (char *)c->data + c->used;
	c->used += want;
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}
