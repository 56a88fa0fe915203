/* url.h: percent-encoding (RFC 3986 §2.1) of query strings, forms and path pieces: the one
 * decoder and the one encoder of every program. */
#ifndef AIOPS_URL_H
#define AIOPS_URL_H

#include <stddef.h>

struct arena;

/* url_decode_inplace undoes the %XX escapes of the NUL-terminated s in place (the text only
 * shrinks); plus_space makes '+' a space. Returns 0, or -1 for a '%' not followed by two hex
 * digits or an escape that decodes to a NUL byte (s is then partly decoded). The bytes are not
 * checked to be UTF-8: url_decode does that. */
int url_decode_inplace(char *s, int plus_space);

/* url_decode decodes the n bytes at s as url_decode_inplace does, and also refuses a NUL byte
 * among them and a result that is not UTF-8. Returns arena memory, or NULL when refused. */
char *url_decode(struct arena *a, const char *s, size_t n, int plus_space);

/* url_encode percent-encodes s for a query-string value: all but A-Z a-z 0-9 - _ . ~ (a space is
 * %20). Returns arena memory. */
char *url_encode(struct arena *a, const char *s);

#endif
