/* kv.c: parsers for the name/value formats HTTP brings in. */
#include "config.h"

#include <string.h>

#include "arena.h"
#include "jsonesc.h"
#include "kv.h"

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

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *
url_decode(struct arena *a, const char *s, size_t n, int plus_space)
{
	char *out = arena_alloc(a, n + 1), *o = out;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '%') {
			int hi, lo;

			if (n - i < 3 || (hi = hexval(s[i + 1])) < 0 || (lo = hexval(s[i + 2])) < 0)
				return NULL;
			c = (char)(hi * 16 + lo);
			i += 2;
		} else if (c == '+' && plus_space)
			c = ' ';
		if (c == '\0')
			return NULL;
		*o++ = c;
	}
	*o = '\0';
	if (!utf8_valid(out, (size_t)(o - out)))
		return NULL;
	return out;
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

char *
url_encode(struct arena *a, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = arena_alloc(a, strlen(s) * 3 + 1), *o = out;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '_' || *p == '.' || *p == '~')
			*o++ = (char)*p;
		else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}
