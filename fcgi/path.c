/* path.c: matching a request's path against the route table's patterns. */
#include "config.h"

#include <string.h>

#include "arena.h"
#include "kv.h"
#include "path.h"
#include "req.h"
#include "route_row.h"

const char *
path_seg_end(const char *s)
{
	while (*s != '\0' && *s != '/')
		s++;
	return s;
}

int
path_match(const char *pattern, const char *path, struct req *r)
{
	const char *p = pattern, *q = path;

	while (*p != '\0' && *q != '\0') {
		const char *pe, *qe;

		if (*p == '/' || *q == '/') {
			if (*p != *q)
				return 0;
			p++;
			q++;
			continue;
		}
		pe = path_seg_end(p);
		qe = path_seg_end(q);
		if (*p == '{') {
			if (qe == q)
				return 0;
			if (r != NULL)
				kv_add(r->a, &r->params, arena_strndup(r->a, p + 1, (size_t)(pe - p - 2)),
				    arena_strndup(r->a, q, (size_t)(qe - q)));
		} else if (pe - p != qe - q || memcmp(p, q, (size_t)(pe - p)) != 0)
			return 0;
		p = pe;
		q = qe;
	}
	return *p == '\0' && *q == '\0';
}

bool
path_is_form_target(const struct route *t, size_t n, const char *path)
{
	for (const unsigned char *p = (const unsigned char *)path; *p != '\0'; p++)
		if (*p < ' ' || *p == 0x7F)
			return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].method, "POST") == 0 && (t[i].flags & RF_BODY_FORM) &&
		    (t[i].flags & RF_HTML) && !(t[i].flags & RF_LOGIN_CSRF) &&
		    path_match(t[i].pattern, path, NULL))
			return true;
	return false;
}
