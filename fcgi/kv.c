/* kv.c: parsers for the name/value formats HTTP brings in. */
#include "config.h"

#include <string.h>

#include "arena.h"
#include "kv.h"
#include "url.h"

void
kv_add(struct arena *a, struct kvlist *l, const char *k, const char *v)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct kv *items = arena_alloc(a, cap * sizeof(*items));

		if (l->n > 0)
			memcpy(items, l->items, l->n * sizeof(*items));
		l->items = items;
		l->cap = cap;
	}
	l->items[l->n].k = k;
	l->items[l->n].v = v;
	l->n++;
}

const char *
kv_get(const struct kvlist *l, const char *k)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i].k, k) == 0)
			return l->items[i].v;
	return NULL;
}

size_t
kv_count(const struct kvlist *l, const char *k)
{
	size_t c = 0;

	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i].k, k) == 0)
			c++;
	return c;
}

enum err
kv_parse_urlencoded(struct arena *a, const char *s, size_t n, struct kvlist *l)
{
	size_t i = 0;

	while (i < n) {
		size_t end = i, eq;
		char *k, *v;

		while (end < n && s[end] != '&')
			end++;
		if (end > i) {
			if (l->n >= KV_MAX_PAIRS)
				return ERR_TOOBIG;
			for (eq = i; eq < end && s[eq] != '='; eq++)
				;
			k = url_decode(a, s + i, eq - i, 1);
			v = eq < end ? url_decode(a, s + eq + 1, end - eq - 1, 1) : arena_strdup(a, "");
			if (k == NULL || v == NULL)
				return ERR_INPUT;
			kv_add(a, l, k, v);
		}
		i = end + 1;
	}
	return ERR_OK;
}

enum err
kv_parse_cookies(struct arena *a, const char *s, struct kvlist *l)
{
	while (*s != '\0') {
		const char *end, *eq, *ks, *ke, *vs, *ve;

		while (*s == ' ' || *s == ';' || *s == '\t')
			s++;
		if (*s == '\0')
			break;
		end = strchr(s, ';');
		if (end == NULL)
			end = s + strlen(s);
		eq = memchr(s, '=', (size_t)(end - s));
		if (eq != NULL) {
			if (l->n >= KV_MAX_PAIRS)
				return ERR_TOOBIG;
			ks = s;
			ke = eq;
			while (ke > ks && (ke[-1] == ' ' || ke[-1] == '\t'))
				ke--;
			vs = eq + 1;
			ve = end;
			while (vs < ve && (*vs == ' ' || *vs == '\t'))
				vs++;
			while (ve > vs && (ve[-1] == ' ' || ve[-1] == '\t'))
				ve--;
			if (ve - vs >= 2 && *vs == '"' && ve[-1] == '"') {
				vs++;
				ve--;
			}
			if (ke > ks)
				kv_add(a, l, arena_strndup(a, ks, (size_t)(ke - ks)),
				    arena_strndup(a, vs, (size_t)(ve - vs)));
		}
		s = end;
	}
	return ERR_OK;
}
