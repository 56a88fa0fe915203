/* route.h: the one route table: method, path pattern, handler, role needed, flags. */
#ifndef AIOPS_ROUTE_H
#define AIOPS_ROUTE_H

#include <stddef.h>

#include "route_row.h"

struct req;

/* route_table returns the table and its length; it never changes while the program runs. */
const struct route *route_table(size_t *n);

/* route_check verifies a table: no two rows with the same method and the same pattern shape,
 * every pattern absolute, every row with a handler and a known role. Returns 0, or -1 with *why
 * set (static memory). */
int route_check(const struct route *t, size_t n, const char **why);

/* route_cache_key returns the key a cached row's response is kept under for r (arena memory):
 * the row, the viewer's role for pages, the path and the query string. */
const char *route_cache_key(struct req *r);

/* route_dispatch finds the row for r, reads and checks its body, runs the handler and leaves the
 * response in r (404, 405 with Allow, 400, 413, 415 are answered here). Returns the status. */
int route_dispatch(struct req *r);

/* route_index returns the row number of rt in the table, for metrics; -1 for none. */
int route_index(const struct route *rt);

#endif
