/* json.h: bounded JSON input (size and nesting checked before jansson sees it) and output. */
#ifndef AIOPS_JSON_H
#define AIOPS_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "err.h"

struct arena;
struct buf;

/* An incremental nesting check, fed the body piece by piece as it arrives. */
struct json_depth {
	int depth, max, limit;
	bool in_string, escaped;
};

/* json_depth_init prepares a check that fails once nesting passes limit. */
void json_depth_init(struct json_depth *d, int limit);

/* json_depth_feed scans n more bytes; ERR_TOOBIG once the nesting passed the limit. */
enum err json_depth_feed(struct json_depth *d, const char *s, size_t n);

/* json_parse parses n bytes (UTF-8 JSON text, nesting at most depth) into *out, released when a is
 * freed. On ERR_INPUT or ERR_TOOBIG, *why (arena memory) says where and what. */
enum err json_parse(struct arena *a, const char *s, size_t n, int depth, json_t **out, const char **why);

/* json_own hands j's reference to arena a; returns j. */
json_t *json_own(struct arena *a, json_t *j);

/* json_append serialises j compactly onto out; ERR_INTERNAL if jansson refuses it. */
enum err json_append(struct buf *out, const json_t *j);

/* json_text returns j serialised compactly as a string in arena a (for a statement parameter, say);
 * NULL if jansson refuses it. */
const char *json_text(struct arena *a, const json_t *j);

/* json_str returns the string member key of object o, or NULL if absent or not a string. */
const char *json_str(const json_t *o, const char *key);

#endif
