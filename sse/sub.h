/* sub.h: what a client asked to receive: sets of event types and of cluster ids. */
#ifndef AIOPS_SSE_SUB_H
#define AIOPS_SSE_SUB_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/* At most this many names in one set, each at most SUB_NAME_MAX bytes. */
#define SUB_NAMES_MAX 64
#define SUB_NAME_MAX 128

enum sub_dim { SUB_TYPES, SUB_CLUSTERS, SUB__MAX };

enum sub_mode {
	SUB_ALL, /* every value (the default) */
	SUB_ONLY, /* the values named */
	SUB_EXCEPT /* every value but those named */
};

struct sub_set {
	unsigned char mode;
	unsigned short n;
	char **names; /* malloc'd, each malloc'd */
};

/* A client with no subscription (NULL) takes every event it may see. */
struct sub {
	struct sub_set set[SUB__MAX];
};

/* sub_name_ok says whether s may be a name in a set of dimension dim: a type is letters, digits and
 * _.:- (like CLUSTER_UPDATED); a cluster id is letters, digits and _.:- too (UUIDs, names). */
bool sub_name_ok(enum sub_dim dim, const char *s);

/* sub_change subscribes to (add) or unsubscribes from the n names in dimension dim of *s, making
 * *s when needed and freeing it (NULL) when it is back to everything:
 *   subscribe:   all -> only those; only -> more of them; except -> fewer exceptions
 *   unsubscribe: all -> all except those; only -> fewer of them; except -> more exceptions
 * Returns ERR_INPUT for a name sub_name_ok refuses, ERR_TOOBIG past SUB_NAMES_MAX names; *s is
 * unchanged then. The names are copied. */
enum err sub_change(struct sub **s, enum sub_dim dim, bool add, const char *const *names, size_t n);

/* sub_reset makes *s everything again (NULL). */
void sub_reset(struct sub **s);

/* sub_match says whether an event of type from cluster (either may be "") is wanted. */
bool sub_match(const struct sub *s, const char *type, const char *cluster);

/* sub_nothing makes *s match no event at all (until the client subscribes again). */
void sub_nothing(struct sub **s);

void sub_free(struct sub *s);

#endif
