/* req.h: one HTTP request as the handlers see it, and the calls that build its response. */
#ifndef AIOPS_REQ_H
#define AIOPS_REQ_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "buf.h"
#include "err.h"
#include "identity.h"
#include "kv.h"

struct arena;
struct cache;
struct db;
struct jw;
struct rds;
struct route;
struct secret_key;
struct tpl;

/* What a worker keeps for its whole life; handlers reach the servers only through these. */
struct worker {
	struct db *db;
	struct rds *rds;
	struct tpl *tpl;
	struct cache *cache;
	struct cache *shells; /* rendered page shells, apart so that storing one never evicts a body in use */
	struct secret_key *key; /* seals cluster credentials; read when first needed (res_clusters.c) */
	unsigned long long key_stamp; /* the key file's inode and change time when key was read */
	const struct route *routes; /* the route table (route_row.h), for code below the dispatcher */
	size_t nroutes;
};

struct req {
	struct arena *a;
	struct worker *w;
	const struct route *route;
	char **env; /* FastCGI parameters, owned by libfcgi */
	void *fcgx; /* the FCGX_Request, for the body reader and the writer */
	double t0; /* when the request started, seconds */

	const char *method, *path, *query_string, *request_id, *remote_addr;
	struct kvlist query; /* decoded query string */
	struct kvlist form; /* decoded url-encoded body (RF_BODY_FORM routes) */
	struct kvlist cookies;
	struct kvlist params; /* path parameters, as named in the route pattern */
	json_t *json; /* parsed body (RF_BODY_JSON routes), arena-owned */
	struct identity *id; /* who asks; NULL for anonymous */
	const char *cluster_id, *cluster_name; /* RF_WEBHOOK: whose ingest token came with it */

	/* The response. */
	int status;
	const char *ctype;
	struct kvlist headers; /* extra response headers */
	struct buf body;
	bool body_set; /* the handler produced the body itself */
	const char *page_body, *page_title; /* the last req_page_body's fragment and title */
	size_t page_body_len;
	const char *error; /* message a person can act on, for 4xx */
	json_t *error_fields; /* {"field": "reason"} for 422, arena-owned */
};

/* req_param returns the FastCGI parameter name (for example "HTTP_IF_NONE_MATCH"), or NULL. */
const char *req_param(const struct req *r, const char *name);

/* req_header_out adds a response header; name and value are copied into the arena. */
void req_header_out(struct req *r, const char *name, const char *value);

/* req_fail records msg (copied) for the error page or JSON error and returns status. */
int req_fail(struct req *r, int status, const char *msg);

/* req_fail_field adds field: reason to the 422 details; returns 422. */
int req_fail_field(struct req *r, const char *field, const char *reason);

/* req_take_failure returns the message of the failure recorded so far, for a page that shows it
 * beside its own form instead of the error page: the message of req_fail, or the 422 fields as
 * "field: reason; ..." (arena memory; NULL when nothing failed). The failure is cleared. */
const char *req_take_failure(struct req *r);

/* req_fail_fields records every {"field": "reason"} of errors (a field table's faults) for the 422
 * details; returns 422. */
int req_fail_fields(struct req *r, json_t *errors);

/* req_form_field reads the posted form field name of the request ctx: the getter a field table
 * reads a form through (field_from_form). */
const char *req_form_field(void *ctx, const char *name);

/* req_fail_err maps a library error to its status, logging server-side failures; returns it. */
int req_fail_err(struct req *r, enum err e, const char *what);

/* req_jw_begin empties the body and starts w writing into it; the handler writes one JSON value
 * and answers with req_jw_done, which ends the body and returns status. */
void req_jw_begin(struct req *r, struct jw *w);
int req_jw_done(struct req *r, int status);

/* req_page renders template tpl into the page shell with title; returns status. The handler has
 * set the template's data with tpl_set before. */
int req_page(struct req *r, int status, const char *tpl, const char *title);

/* req_page_body wraps an already rendered body fragment (trusted: our own rendering) in the shell. */
int req_page_body(struct req *r, int status, const char *body, size_t len, const char *title);

/* req_flash keeps msg (our own words; shown escaped) for the next page this browser is shown, after
 * a redirect: in a short-lived cookie that req_page_body reads and clears. */
void req_flash(struct req *r, const char *msg);

/* req_redirect answers 303 See Other to a local path; returns 303. */
int req_redirect(struct req *r, const char *path);

/* req_etag answers 304 when the request's If-None-Match carries etag; else sets the ETag header
 * and returns 0. */
int req_etag(struct req *r, const char *etag);

/* req_read_body reads the n-byte body into arena memory (NUL-terminated); returns 0, or 400 when
 * the client sent less than it announced. */
int req_read_body(struct req *r, size_t n, char **out, size_t *outlen);

/* req_begin fills r from the FastCGI parameters; the arena and worker are set by the caller. */
void req_begin(struct req *r, char **env);

/* req_finish renders an error body when the status is 400 or more and no body was made, adds
 * the security and request headers, and writes the whole response. Returns 0, or -1 when the
 * client went away. */
int req_finish(struct req *r);

/* req_changes_state says whether r may change something: any method but GET and HEAD. */
bool req_changes_state(const struct req *r);

/* req_wants_json says whether the route answers JSON (without a route: an /api/ or /prometheus/ path). */
bool req_wants_json(const struct req *r);

#endif
