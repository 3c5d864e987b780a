/* The id map and the expansion heap of the crawl (crawl_internal.h). */
#include <stdint.h>
#include <stdlib.h>

#include "crawl_internal.h"

static size_t map_slot(const struct i64map *m, int64_t key)
{
	uint64_t x = (uint64_t)key * 0x9E3779B97F4A7C15ull;
	size_t i = (size_t)(x >> 17) & (m->cap - 1);
	while (m->keys[i] != 0 && m->keys[i] != key)
		i = (i + 1) & (m->cap - 1);
	return i;
}

int idmap_get(const struct i64map *m, int64_t key)
{
	if (!m->cap)
		return 0;
	size_t i = map_slot(m, key);
	return m->keys[i] == key ? m->vals[i] : 0;
}

int idmap_set(struct i64map *m, int64_t key, int val)
{
	if ((m->n + 1) * 2 > m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 1024;
		struct i64map nm = {calloc(ncap, sizeof(int64_t)), calloc(ncap, 1), ncap, 0};
		if (!nm.keys || !nm.vals) {
			free(nm.keys);
			free(nm.vals);
			return FETCH_ENOMEM;
		}
		for (size_t i = 0; i < m->cap; i++) {
			if (m->keys[i]) {
				size_t j = map_slot(&nm, m->keys[i]);
				nm.keys[j] = m->keys[i];
				nm.vals[j] = m->vals[i];
				nm.n++;
			}
		}
		free(m->keys);
		free(m->vals);
		*m = nm;
	}
	size_t i = map_slot(m, key);
	if (m->keys[i] != key) {
		m->keys[i] = key;
		m->n++;
	}
	m->vals[i] = (unsigned char)val;
	return 0;
}

void idmap_free(struct i64map *m)
{
	free(m->keys);
	free(m->vals);
}

static bool heap_less(const struct expand *a, const struct expand *b)
{
	return a->hop != b->hop ? a->hop < b->hop : a->seq < b->seq;
}

int expand_heap_push(struct expand_heap *h, struct expand e)
{
	if (h->n == h->cap) {
		size_t ncap = h->cap ? h->cap * 2 : 256;
		struct expand *nh =
		    ncap > SIZE_MAX / sizeof *nh ? NULL : realloc(h->v, ncap * sizeof *nh);
		if (!nh)
			return FETCH_ENOMEM;
		h->v = nh;
		h->cap = ncap;
	}
	e.seq = h->seq++;
	size_t i = h->n++;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!heap_less(&e, &h->v[p]))
			break;
		h->v[i] = h->v[p];
		i = p;
	}
	h->v[i] = e;
	return 0;
}

struct expand expand_heap_pop(struct expand_heap *h)
{
	struct expand top = h->v[0];
	struct expand last = h->v[--h->n];
	size_t i = 0, n = h->n;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		const struct expand *best = &last;
		if (l < n && heap_less(&h->v[l], best)) {
			m = l;
			best = &h->v[l];
		}
		if (r < n && heap_less(&h->v[r], best))
			m = r;
		if (m == i)
			break;
		h->v[i] = h->v[m];
		i = m;
	}
	if (n)
		h->v[i] = last;
	return top;
}
