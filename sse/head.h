/* head.h: an HTTP/1.x request head, parsed in place: only the fields the push daemon acts on. */
#ifndef AIOPS_SSE_HEAD_H
#define AIOPS_SSE_HEAD_H

#include <stddef.h>

/* The longest request head read; a longer one is answered 431. */
#define HEAD_MAX 8192

struct head {
	const char *method, *path;
	char *query; /* after '?', still encoded; NULL when there is none */
	/* Header values (NULL when absent), leading and trailing blanks removed. */
	const char *user_id; /* X-Aiops-User-Id, set by nginx from /auth/check */
	const char *request_id; /* X-Request-ID */
	const char *last_event_id; /* Last-Event-ID */
	const char *host, *origin, *upgrade, *connection, *ws_key, *ws_version;
};

/* head_length returns the length of the request head at the start of the n bytes at s (through
 * the blank line that ends it, CRLF or bare LF), or 0 when it has not ended yet. */
size_t head_length(const char *s, size_t n);

/* head_parse parses the request head s: n bytes up to and including the blank line that ends it.
 * s is modified (lines are cut with NULs; s[n] must be writable) and r's strings point into it.
 * Returns 0, or the HTTP status to answer: 400 for a malformed head or a repeated header that
 * must be single, 505 for a version other than HTTP/1.0 or 1.1. */
int head_parse(char *s, size_t n, struct head *r);

/* head_query_next takes the next "key=value" pair from *q (advanced; the pairs are decoded in place,
 * %XX and '+'). Returns 1 with *key and *value set, 0 when no pair is left, -1 when a pair has a bad
 * escape or decodes to a NUL byte. */
int head_query_next(char **q, char **key, char **value);

/* head_token_has says whether the comma-separated list v holds token t, ignoring case (for
 * "Connection: keep-alive, Upgrade"). */
int head_token_has(const char *v, const char *t);

#endif
