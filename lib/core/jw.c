/* jw.c: the streaming JSON writer: commas and nesting kept here, escaping in jsonesc.c. */
#include "config.h"

#include <string.h>

#include "buf.h"
#include "jsonesc.h"
#include "jw.h"

void
jw_init(struct jw *w, struct buf *b)
{
	w->b = b;
	w->depth = 0;
	w->first[0] = true;
}

/* sep writes the comma before a value, unless it follows a key or opens its level. */
static void
sep(struct jw *w)
{
	if (!w->first[w->depth])
		buf_addc(w->b, ',');
	w->first[w->depth] = false;
}

static void
open(struct jw *w, char c)
{
	sep(w);
	buf_addc(w->b, c);
	if (w->depth < JW_MAX_DEPTH - 1)
		w->depth++;
	w->first[w->depth] = true;
}

static void
close(struct jw *w, char c)
{
	buf_addc(w->b, c);
	if (w->depth > 0)
		w->depth--;
}

void
jw_object(struct jw *w)
{
	open(w, '{');
}

void
jw_array(struct jw *w)
{
	open(w, '[');
}

void
jw_end_object(struct jw *w)
{
	close(w, '}');
}

void
jw_end_array(struct jw *w)
{
	close(w, ']');
}

void
jw_key(struct jw *w, const char *k)
{
	sep(w);
	jsonesc_string(w->b, k);
	buf_addc(w->b, ':');
	/* The value that follows needs no comma of its own. */
	w->first[w->depth] = true;
}

void
jw_key_plain(struct jw *w, const char *k, size_t n)
{
	char *o;

	sep(w);
	o = buf_extend(w->b, n + 3);
	o[0] = '"';
	memcpy(o + 1, k, n);
	o[n + 1] = '"';
	o[n + 2] = ':';
	w->first[w->depth] = true;
}

void
jw_string(struct jw *w, const char *s)
{
	sep(w);
	if (s == NULL)
		buf_adds(w->b, "null");
	else
		jsonesc_string(w->b, s);
}

void
jw_bool(struct jw *w, bool v)
{
	sep(w);
	buf_adds(w->b, v ? "true" : "false");
}

void
jw_int(struct jw *w, long long v)
{
	sep(w);
	buf_printf(w->b, "%lld", v);
}

void
jw_null(struct jw *w)
{
	sep(w);
	buf_adds(w->b, "null");
}

void
jw_raw(struct jw *w, const char *json)
{
	sep(w);
	buf_adds(w->b, json);
}
