/* kv.h: decoded name/value lists: query strings, url-encoded forms, cookies, path parameters. */
#ifndef AIOPS_KV_H
#define AIOPS_KV_H

#include <stddef.h>

#include "err.h"

struct arena;

struct kv {
	const char *k, *v;
};

struct kvlist {
	struct kv *items; /* arena memory */
	size_t n, cap;
};

#define KV_MAX_PAIRS 256

/* kv_add appends a pair (both arena memory, or static). */
void kv_add(struct arena *a, struct kvlist *l, const char *k, const char *v);

/* kv_get returns the first value of k, or NULL. */
const char *kv_get(const struct kvlist *l, const char *k);

/* kv_count returns how many times k occurs. */
size_t kv_count(const struct kvlist *l, const char *k);

/* kv_parse_urlencoded decodes "a=1&b=x+y%21" (n bytes) into l, names and values in arena memory.
 * ERR_INPUT for a bad %-escape, a NUL byte or text that is not UTF-8; ERR_TOOBIG past
 * KV_MAX_PAIRS pairs. Empty pieces ("a=1&&b") are skipped; "a" alone has the value "". */
enum err kv_parse_urlencoded(struct arena *a, const char *s, size_t n, struct kvlist *l);

/* kv_parse_cookies decodes a Cookie header ("a=1; b=2"): values are taken as they are, with
 * surrounding double quotes removed. ERR_TOOBIG past KV_MAX_PAIRS pairs. */
enum err kv_parse_cookies(struct arena *a, const char *s, struct kvlist *l);

#endif
