// SPDX-License-Identifier: GPL-2.0
/*
 * String-keyed hash map with open addressing and linear probing, kept at
 * most half full.  Keys are not copied.
 */
#include <stdlib.h>
#include <string.h>

#include "kabi.h"

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a */
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h ^ (h >> 29);
}

void hmap_init(struct hmap *h)
{
	h->tab = NULL;
	h->cap = 0;
	h->n = 0;
}

void hmap_free(struct hmap *h)
{
	free(h->tab);
	hmap_init(h);
}

static struct hent *slot(struct hent *tab, size_t cap, const char *key,
			 size_t len, uint64_t hash)
{
	size_t i = hash & (cap - 1);

	while (tab[i].key) {
		if (tab[i].hash == hash && tab[i].len == len &&
		    memcmp(tab[i].key, key, len) == 0)
			break;
		i = (i + 1) & (cap - 1);
	}
	return &tab[i];
}

void *hmap_get(const struct hmap *h, const char *key, size_t len)
{
	struct hent *e;

	if (!h->cap)
		return NULL;
	e = slot(h->tab, h->cap, key, len, hash_bytes(key, len));
	return e->key ? e->val : NULL;
}

static int grow(struct hmap *h)
{
	size_t ncap = h->cap ? h->cap * 2 : 64, i;
	struct hent *nt = calloc(ncap, sizeof(*nt));

	if (!nt)
		return -1;
	for (i = 0; i < h->cap; i++) {
		struct hent *o = &h->tab[i];

		if (o->key)
			*slot(nt, ncap, o->key, o->len, o->hash) = *o;
	}
	free(h->tab);
	h->tab = nt;
	h->cap = ncap;
	return 0;
}

void *hmap_put(struct hmap *h, const char *key, size_t len, void *val)
{
	uint64_t hash = hash_bytes(key, len);
	struct hent *e;

	if ((h->n + 1) * 2 > h->cap && grow(h))
		return NULL;
	e = slot(h->tab, h->cap, key, len, hash);
	if (e->key)
		return e->val;
	e->key = key;
	e->len = len;
	e->hash = hash;
	e->val = val;
	h->n++;
	return val;
}
