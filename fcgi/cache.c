/* cache.c: a small fixed-size map from request key to rendered bytes, tagged with a data version. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "cache.h"

#define CACHE_SLOTS 256
#define CACHE_MAX_BYTES (8u << 20) /* per worker */

struct entry {
	char *key, *version, *steady, *body, *title;
	size_t len;
	char etag[24];
	time_t stored;
	uint64_t made; /* cache_now_ms when the data it shows was read */
};

struct cache {
	bool enabled;
	int ttl;
	size_t bytes;
	struct entry slots[CACHE_SLOTS];
};

static uint64_t
fnv1a(const char *s, size_t n)
{
	uint64_t h = 14695981039346656037ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

struct cache *
cache_new(bool enabled, int ttl_seconds)
{
	struct cache *c = xcalloc(1, sizeof(*c));

	c->enabled = enabled;
	c->ttl = ttl_seconds > 0 ? ttl_seconds : 30;
	return c;
}

static void
entry_clear(struct cache *c, struct entry *e)
{
	c->bytes -= e->len;
	free(e->key);
	free(e->version);
	free(e->steady);
	free(e->body);
	free(e->title);
	memset(e, 0, sizeof(*e));
}

void
cache_free(struct cache *c)
{
	if (c == NULL)
		return;
	for (int i = 0; i < CACHE_SLOTS; i++)
		if (c->slots[i].key != NULL)
			entry_clear(c, &c->slots[i]);
	free(c);
}

static struct entry *
slot(struct cache *c, const char *key)
{
	return &c->slots[fnv1a(key, strlen(key)) % CACHE_SLOTS];
}

uint64_t
cache_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

bool
cache_get(struct cache *c, const char *key, const char *version, const char *steady, uint64_t made_after,
    struct cache_hit *out)
{
	struct entry *e;

	if (!c->enabled || version == NULL)
		return false;
	e = slot(c, key);
	if (e->key == NULL || strcmp(e->key, key) != 0 || time(NULL) - e->stored >= c->ttl)
		return false;
	if (strcmp(e->version, version) != 0 &&
	    (steady == NULL || e->steady == NULL || strcmp(e->steady, steady) != 0 || e->made < made_after))
		return false;
	out->body = e->body;
	out->len = e->len;
	out->etag = e->etag;
	out->title = e->title;
	return true;
}

/* body_hash mixes eight bytes a step in four independent lanes. Not for security, only to tell
 * versions of our own output apart. */
static uint64_t
body_hash(const char *s, size_t n)
{
	const uint64_t k = 0x9E3779B97F4A7C15ULL;
	uint64_t h[4] = { 14695981039346656037ULL ^ n, 0x243F6A8885A308D3ULL, 0x13198A2E03707344ULL,
		0xA4093822299F31D0ULL };
	uint64_t w;
	size_t i = 0;

	for (; i + 32 <= n; i += 32)
		for (int l = 0; l < 4; l++) {
			memcpy(&w, s + i + 8 * (size_t)l, 8);
			h[l] = (h[l] ^ w) * k;
			h[l] ^= h[l] >> 29;
		}
	for (; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		h[0] = (h[0] ^ w) * k;
		h[0] ^= h[0] >> 29;
	}
	for (; i < n; i++)
		h[0] = (h[0] ^ (unsigned char)s[i]) * 1099511628211ULL;
	for (int l = 1; l < 4; l++) {
		h[0] = (h[0] ^ h[l]) * k;
		h[0] ^= h[0] >> 29;
	}
	return h[0];
}

void
cache_etag(const char *body, size_t len, char *out, size_t outlen)
{
	snprintf(out, outlen, "\"%016llx\"", (unsigned long long)body_hash(body, len));
}

void
cache_put(struct cache *c, const char *key, const char *version, const char *steady, uint64_t made,
    const char *body, size_t len, const char *title, struct cache_hit *out)
{
	struct entry *e = slot(c, key);

	if (!c->enabled || version == NULL || len > CACHE_MAX_BYTES / 4) {
		/* Not kept, and no ETag made: a caller that wants one makes it with cache_etag. */
		out->body = body;
		out->len = len;
		out->etag = NULL;
		out->title = title;
		return;
	}
	if (e->key != NULL)
		entry_clear(c, e);
	/* Past the byte budget, start over: entries are cheap to rebuild. */
	if (c->bytes + len > CACHE_MAX_BYTES)
		for (int i = 0; i < CACHE_SLOTS; i++)
			if (c->slots[i].key != NULL)
				entry_clear(c, &c->slots[i]);
	e->key = xstrdup(key);
	e->version = xstrdup(version);
	e->steady = steady != NULL ? xstrdup(steady) : NULL;
	e->made = made;
	e->body = xmalloc(len + 1);
	memcpy(e->body, body, len);
	e->body[len] = '\0';
	e->len = len;
	e->title = title != NULL ? xstrdup(title) : NULL;
	e->stored = time(NULL);
	cache_etag(body, len, e->etag, sizeof(e->etag));
	c->bytes += len;
	out->body = e->body;
	out->len = e->len;
	out->etag = e->etag;
	out->title = e->title;
}
