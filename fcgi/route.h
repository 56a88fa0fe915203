/* route.h: the one route table: method, path pattern, handler, role needed, flags. */
#ifndef AIOPS_ROUTE_H
#define AIOPS_ROUTE_H

#include <stddef.h>

#include "identity.h"

struct req;

enum route_flag {
	RF_HTML = 1 << 0, /* answers HTML; errors render the error page */
	RF_JSON = 1 << 1, /* answers JSON; errors are {"error":{...}} */
	RF_BODY_FORM = 1 << 2, /* takes an application/x-www-form-urlencoded body */
	RF_BODY_JSON = 1 << 3, /* takes an application/json body */
	RF_TEXT = 1 << 4, /* answers text/plain (metrics) */
	RF_PASSWORD_EXEMPT = 1 << 5, /* usable while the user must still change a one-time password */
	RF_LOGIN_CSRF = 1 << 6, /* no session yet: the form carries the pre-login token instead */
	RF_LIVE = 1 << 7, /* a page that follows the fleet through the push daemon (live.js) */
	/* A webhook: no person or API token, but the ingest token of the cluster the path's {cluster}
	 * names (webhook_guard); no CSRF. The row's role is ROLE_PUBLIC. */
	RF_WEBHOOK = 1 << 8,
};

struct route {
	const char *method;
	const char *pattern; /* "/api/v1/clusters/{id}": a {name} segment matches one segment */
	int (*handler)(struct req *r);
	enum role role; /* ROLE_PUBLIC, or the least role that may use the route */
	unsigned flags;
	/* Data sets the response depends on (DATAVER_BIT masks, dataver.h); not zero makes a GET row
	 * cached: the dispatcher answers from the worker's cache while those sets have not changed
	 * (with ETag and 304 for JSON), and stores a 200 the handler made. A cached handler reads
	 * nothing but its path, query and the viewer's role: the cache key is made of those. */
	unsigned deps;
};

/* route_table returns the table and its length; it never changes while the program runs. */
const struct route *route_table(size_t *n);

/* route_match says whether path matches pattern; with r not NULL the parameters are stored in
 * r->params (arena memory). */
int route_match(const char *pattern, const char *path, struct req *r);

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
