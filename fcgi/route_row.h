/* route_row.h: what a row of the route table is (fcgi/route.c holds the table): its flags and
 * fields, for the code that reads a request's row without needing the table itself. */
#ifndef AIOPS_ROUTE_ROW_H
#define AIOPS_ROUTE_ROW_H

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
	/* Alertmanager's API (res_amapi.c): an error is a bare JSON string, as its clients expect. */
	RF_AMAPI = 1 << 9,
	/* Prometheus's API (res_prom.c): an error is {"status":"error","errorType","error"}. */
	RF_PROM = 1 << 10,
	/* A POST that only reads (a query too long for a URL, as Prometheus's clients send it): it
	 * moves no identity epoch on (version_ident_changed) as a change would. */
	RF_READ = 1 << 11,
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

#endif
