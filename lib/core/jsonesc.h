/* jsonesc.h: a JSON string writer for bytes of any origin, for logs and metrics labels. */
#ifndef AIOPS_JSONESC_H
#define AIOPS_JSONESC_H

#include <stddef.h>

struct buf;

/* jsonesc_string appends s as a quoted JSON string. Control characters, quotes and backslashes are
 * escaped; bytes that are not valid UTF-8 are written as \u00XX so the output is always valid. */
void jsonesc_string(struct buf *b, const char *s);
void jsonesc_stringn(struct buf *b, const char *s, size_t n);

#endif
