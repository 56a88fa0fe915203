/* list.c: list parameters read one way for every list (see list.h for the rule). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "list.h"
#include "req.h"

/* one_of returns the index of s (n bytes) among the NULL-terminated or n-long list, or -1. */
static int
one_of(const char *s, size_t len, const char *const *list, int n)
{
	for (int i = 0; (n < 0 || i < n) && list[i] != NULL; i++)
		if (strlen(list[i]) == len && strncmp(s, list[i], len) == 0)
			return i;
	return -1;
}

/* words writes list as "a, b or c" (arena memory). */
static const char *
words(struct arena *a, const char *const *list, int n)
{
	struct buf *b = buf_new(a);
	int count = 0;

	while ((n < 0 || count < n) && list[count] != NULL)
		count++;
	for (int i = 0; i < count; i++)
		buf_printf(b, "%s%s", i == 0 ? "" : i == count - 1 ? " or " : ", ", list[i]);
	return buf_cstr(b);
}

int
list_read(struct req *r, const char *const *sorts, struct list_params *out)
{
	const char *v;

	memset(out, 0, sizeof(*out));
	out->limit = LIST_LIMIT_DEFAULT;
	if ((v = kv_get(&r->query, "limit")) != NULL && *v != '\0') {
		char *end;
		long n = strtol(v, &end, 10);

		if (*end != '\0' || n < 1 || n > LIST_LIMIT_MAX)
			return req_fail(r, 400,
			    arena_printf(r->a, "limit must be a whole number from 1 to %d", LIST_LIMIT_MAX));
		out->limit = (int)n;
	}
	if ((v = kv_get(&r->query, "cursor")) != NULL && *v != '\0')
		out->cursor = v;
	if (sorts == NULL)
		return 0;
	if ((v = kv_get(&r->query, "sort")) != NULL && *v != '\0') {
		if (one_of(v, strlen(v), sorts, -1) < 0)
			return req_fail(
			    r, 400, arena_printf(r->a, "sort must be one of %s", words(r->a, sorts, -1)));
		out->sort = v;
	}
	if ((v = kv_get(&r->query, "dir")) != NULL && *v != '\0') {
		if (strcmp(v, "asc") != 0 && strcmp(v, "desc") != 0)
			return req_fail(r, 400, "dir must be asc or desc");
		out->desc = strcmp(v, "desc") == 0;
	}
	return 0;
}

int
list_choices(struct req *r, const char *name, const char *const *choices, int n, unsigned *mask)
{
	*mask = 0;
	for (size_t i = 0; i < r->query.n; i++) {
		const char *p = r->query.items[i].v;

		if (strcmp(r->query.items[i].k, name) != 0)
			continue;
		while (*p != '\0') {
			size_t len = strcspn(p, ",");
			int k;

			if (len > 0) {
				if ((k = one_of(p, len, choices, n)) < 0)
					return req_fail(r, 400,
					    arena_printf(r->a, "%s must be %s (several may be given)", name,
						words(r->a, choices, n)));
				*mask |= 1u << k;
			}
			p += len;
			if (*p == ',')
				p++;
		}
	}
	return 0;
}

/* list_values returns every value of the query parameter name, each also split at commas, as a
 * NULL-terminated list (arena memory), or NULL when none is given. */
const char **
list_values(struct req *r, const char *name)
{
	const char **out = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < r->query.n; i++) {
		const char *v = r->query.items[i].v;

		if (strcmp(r->query.items[i].k, name) != 0)
			continue;
		while (*v != '\0') {
			size_t len = strcspn(v, ",");

			if (len > 0) {
				if (n + 2 > cap) {
					const char **bigger =
					    arena_alloc(r->a, sizeof(*out) * (cap = cap * 2 + 8));

					if (n > 0)
						memcpy(bigger, out, sizeof(*out) * n);
					out = bigger;
				}
				out[n++] = arena_strndup(r->a, v, len);
				out[n] = NULL;
			}
			v += len + (v[len] == ',');
		}
	}
	return out;
}
