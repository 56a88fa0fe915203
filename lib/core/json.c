/* json.c: wraps jansson with the limits that outside input needs. */
#include "config.h"

#include <string.h>

#include "arena.h"
#include "buf.h"
#include "json.h"

void
json_depth_init(struct json_depth *d, int limit)
{
	memset(d, 0, sizeof(*d));
	d->limit = limit;
}

enum err
json_depth_feed(struct json_depth *d, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (d->in_string) {
			if (d->escaped)
				d->escaped = false;
			else if (c == '\\')
				d->escaped = true;
			else if (c == '"')
				d->in_string = false;
			continue;
		}
		if (c == '"')
			d->in_string = true;
		else if (c == '[' || c == '{') {
			if (++d->depth > d->max)
				d->max = d->depth;
			if (d->depth > d->limit)
				return ERR_TOOBIG;
		} else if ((c == ']' || c == '}') && d->depth > 0)
			d->depth--;
	}
	return ERR_OK;
}

static void
json_release(void *arg)
{
	json_decref(arg);
}

json_t *
json_own(struct arena *a, json_t *j)
{
	if (j != NULL)
		arena_cleanup(a, json_release, j);
	return j;
}

enum err
json_parse(struct arena *a, const char *s, size_t n, int depth, json_t **out, const char **why)
{
	struct json_depth d;
	json_error_t jerr;
	json_t *j;

	*out = NULL;
	*why = NULL;
	json_depth_init(&d, depth);
	if (json_depth_feed(&d, s, n) != ERR_OK) {
		*why = arena_printf(a, "JSON nested deeper than %d levels", depth);
		return ERR_TOOBIG;
	}
	j = json_loadb(s, n, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL) {
		*why = arena_printf(
		    a, "invalid JSON at line %d column %d: %s", jerr.line, jerr.column, jerr.text);
		return ERR_INPUT;
	}
	*out = json_own(a, j);
	return ERR_OK;
}

static int
json_dump_cb(const char *s, size_t n, void *data)
{
	buf_add(data, s, n);
	return 0;
}

enum err
json_append(struct buf *out, const json_t *j)
{
	return json_dump_callback(j, json_dump_cb, out, JSON_COMPACT | JSON_ENCODE_ANY) == 0 ? ERR_OK
											     : ERR_INTERNAL;
}

const char *
json_text(struct arena *a, const json_t *j)
{
	struct buf *b = buf_new(a);

	return json_append(b, j) == ERR_OK ? buf_cstr(b) : NULL;
}

const char *
json_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}
