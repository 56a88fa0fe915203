/* cache.h: a worker's cache of rendered responses, each valid for one data version. */
#ifndef AIOPS_CACHE_H
#define AIOPS_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cache;

struct cache_hit {
	const char *body; /* owned by the cache; valid until the next cache_put */
	size_t len;
	const char *etag; /* a quoted strong ETag */
	const char *title; /* what the entry was stored with (a page's title), or NULL */
};

/* cache_new makes a cache; when enabled is false every lookup misses. ttl bounds how long an
 * entry is served even when its version still matches. Caller frees with cache_free. */
struct cache *cache_new(bool enabled, int ttl_seconds);
void cache_free(struct cache *c);

/* cache_get looks key up; it hits when the entry was stored with this version, or, when steady is
 * not NULL, with this steady version (the version without the data sets that may be shown late)
 * and made at or after made_after (cache_now_ms), whatever the rest of its version. */
bool cache_get(struct cache *c, const char *key, const char *version, const char *steady, uint64_t made_after,
    struct cache_hit *out);

/* cache_put stores a copy of body (and of title, which may be NULL) under key, version and steady
 * (NULL: only its version serves it), made at made (cache_now_ms when the data it shows was read),
 * and fills out with the stored entry;
 * when the cache is off, the version unknown or the body too large, nothing is stored, out
 * points at body and out->etag is NULL. */
void cache_put(struct cache *c, const char *key, const char *version, const char *steady, uint64_t made,
    const char *body, size_t len, const char *title, struct cache_hit *out);

/* cache_now_ms is a monotonic clock in milliseconds, for made and made_after. */
uint64_t cache_now_ms(void);

/* cache_etag writes a quoted ETag for len bytes of body into out (at least 24 bytes). */
void cache_etag(const char *body, size_t len, char *out, size_t outlen);

#endif
