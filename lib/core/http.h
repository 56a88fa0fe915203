/* http.h: outbound HTTP to clusters, Prometheus and Alertmanager, under one policy: http and https
 * only, no redirects followed, link-local and cloud metadata addresses refused (also after DNS),
 * bounded time and size, TLS verified (with the cluster's CA bundle when it has one). */
#ifndef AIOPS_HTTP_H
#define AIOPS_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"

/* Why a request failed, for callers that sort failures into kinds (see error for the words). */
enum http_failure {
	HTTP_FAIL_NONE,
	HTTP_FAIL_TIMEOUT, /* no answer within timeout_ms, or not finished by http_run_until's deadline */
	HTTP_FAIL_TOO_LARGE, /* the answer passed max_bytes */
	HTTP_FAIL_CUT_OFF, /* the answer ended before its announced end */
	HTTP_FAIL_CONNECTION /* anything else: refused, unresolvable, TLS, not HTTP, a refused address */
};

/* One request and, after http_run, its outcome. The caller fills the inputs (strings borrowed
 * until http_run returns) and frees the outputs with http_release. */
struct http_req {
	/* in */
	const char *url;
	const char *method; /* NULL: GET; "POST", "DELETE", ... */
	const char *json; /* a JSON body to send (Content-Type: application/json), or NULL */
	const char *bearer; /* Authorization: Bearer, or NULL */
	const char *basic; /* "user:password" for basic auth, or NULL */
	const char *ca_pem; /* trust only these certificates, or NULL for the system's */
	long timeout_ms;
	size_t max_bytes;
	/* called by http_run as soon as this request has finished (before the others have), or
	 * NULL: the moment to wipe the credentials it borrowed */
	void (*done)(struct http_req *h, void *arg);
	void *done_arg;

	/* out */
	long status; /* HTTP status, 0 when no answer arrived */
	struct buf body; /* at most max_bytes */
	char *location; /* Location of a 3xx, malloc'd, or NULL */
	double seconds; /* total time */
	bool failed; /* no usable answer: see error */
	enum http_failure failure; /* when failed, its kind */
	char error[256]; /* why, for a person, in our words: "no answer within 5.0 s", "the server's
			  * TLS certificate is not trusted by the CA bundle given for this cluster" */
	char detail[256]; /* libcurl's own words for the failure, for logs; "" when error is ours */

	void *easy; /* private */
	void *headers; /* private */
};

/* What http_url_check finds wrong with a URL, before any policy on where it points. */
enum http_url_defect {
	HTTP_URL_OK,
	HTTP_URL_MALFORMED, /* libcurl cannot parse it */
	HTTP_URL_SCHEME, /* not http or https */
	HTTP_URL_NO_HOST,
	HTTP_URL_USERINFO, /* user or password in it */
	HTTP_URL_PORT /* a port outside 1 to 65535 */
};

/* http_url_check parses url with libcurl's parser, as a fetch would, and checks its form. When it
 * is HTTP_URL_OK and host is not NULL, *host is its host as written (an IPv6 literal without its
 * brackets), malloc'd: the caller frees it. */
enum http_url_defect http_url_check(const char *url, char **host);

/* http_url_refused returns NULL when url may be fetched, else the reason: not http or https, not a
 * URL, credentials in it, or a host that is a link-local or metadata address. Names are checked
 * again after resolution, when the connection is made. */
const char *http_url_refused(const char *url);

/* http_url_join appends path to base (which may end with a slash, or carry a path prefix); arena
 * memory. */
const char *http_url_join(struct arena *a, const char *base, const char *path);

/* http_run performs the n requests at most concurrency at a time (curl multi) and returns when
 * all have finished or failed; each request's own timeout bounds it. The copies it makes of a
 * request's credentials (the Authorization header) are wiped when that request finishes. */
void http_run(struct http_req **reqs, int n, int concurrency);

/* http_run_until is http_run with an overall deadline (http_now's clock; 0: none): a request
 * started later is given only the time left, one still running at the deadline is stopped, and one
 * not started by then is not made; those fail with HTTP_FAIL_TIMEOUT. Returns by the deadline. */
void http_run_until(struct http_req **reqs, int n, int concurrency, double deadline);

/* http_shutdown closes the connections the runs of this process kept open for reuse; call it
 * before curl_global_cleanup. A later run opens new ones. */
void http_shutdown(void);

/* http_now returns a monotonic clock in seconds, for http_run_until's deadline. */
double http_now(void);

/* http_release frees what http_run left in h (body, location). */
void http_release(struct http_req *h);

#endif
