/* webhook.c: the dispatcher's check for webhook rows: a cluster's ingest token, nothing else. */
#include "config.h"

#include <strings.h>

#include "ingest.h"
#include "kv.h"
#include "req.h"
#include "webhook.h"

int
webhook_guard(struct req *r)
{
	const char *authz = req_param(r, "HTTP_AUTHORIZATION"), *ref = kv_get(&r->params, "cluster");
	const char *token = authz != NULL && strncasecmp(authz, "Bearer ", 7) == 0 ? authz + 7 : NULL;
	enum err e;

	e = ingest_token_check(
	    r->w->db, r->a, ref, token != NULL ? token : "", &r->cluster_id, &r->cluster_name);
	if (e == ERR_NOTFOUND)
		return req_fail(r, 404, "no cluster has this name or id");
	if (e == ERR_INPUT) {
		req_header_out(r, "WWW-Authenticate", "Bearer realm=\"aiops-ingest\"");
		return req_fail(r, 401,
		    token == NULL
			? "send the cluster's ingest token as 'Authorization: Bearer aiops_ingest_...'"
			: "this is not the cluster's ingest token (a new one replaces the old)");
	}
	if (e != ERR_OK)
		return req_fail_err(r, e, "check ingest token");
	return 0;
}
