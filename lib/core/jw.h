/* jw.h: a streaming JSON writer for hot paths, where building a jansson tree per row costs more
 * than the rest of the request. Every string goes through jsonesc, so output is always valid. */
#ifndef AIOPS_JW_H
#define AIOPS_JW_H

#include <stdbool.h>
#include <stddef.h>

struct buf;

#define JW_MAX_DEPTH 16

struct jw {
	struct buf *b;
	int depth;
	bool first[JW_MAX_DEPTH]; /* nothing written yet at this level */
};

/* jw_init starts writing into b (appending). */
void jw_init(struct jw *w, struct buf *b);

void jw_object(struct jw *w);
void jw_array(struct jw *w);
void jw_end_object(struct jw *w);
void jw_end_array(struct jw *w);

/* jw_key writes a member name inside an object; the value call follows. */
void jw_key(struct jw *w, const char *k);

/* jw_key_plain is jw_key for a name of n bytes that needs no escaping: printable ASCII without
 * '"' or '\\', in practice the literal member names of our own API (see JW_KEY). The caller
 * vouches for the name: it is written as it is. */
void jw_key_plain(struct jw *w, const char *k, size_t n);
#define JW_KEY(w, lit) jw_key_plain((w), "" lit "", sizeof(lit) - 1)

/* jw_string writes s as a string, or null when s is NULL. */
void jw_string(struct jw *w, const char *s);
void jw_bool(struct jw *w, bool v);
void jw_int(struct jw *w, long long v);
void jw_null(struct jw *w);

/* jw_raw writes text that is already one JSON value, such as PostgreSQL's jsonb output. */
void jw_raw(struct jw *w, const char *json);

#endif
