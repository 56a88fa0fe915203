/* res_audit.c: the audit log, for admins: the audit page and /api/v1/audit. */
#include "config.h"

#include <string.h>

#include <jansson.h>

#include "arena.h"
#include "audit.h"
#include "json.h"
#include "jw.h"
#include "list.h"
#include "req.h"
#include "res.h"
#include "text.h"
#include "tpl.h"
#include "url.h"

/* blank_null returns s, or NULL when it is empty: an empty filter field filters nothing. */
static const char *
blank_null(const char *s)
{
	return s != NULL && *s != '\0' ? s : NULL;
}

/* audit_query reads the filters shared by the page and the API; limit and cursor by the rule of
 * every list (list.h). Returns 0, or 400 answered. */
static int
audit_query(struct req *r, struct audit_filter *f)
{
	struct list_params lp;
	int st;

	memset(f, 0, sizeof(*f));
	if ((st = list_read(r, NULL, &lp)) != 0)
		return st;
	f->actor = blank_null(kv_get(&r->query, "actor"));
	f->action = blank_null(kv_get(&r->query, "action"));
	f->target = blank_null(kv_get(&r->query, "target"));
	f->since = blank_null(kv_get(&r->query, "since"));
	f->until = blank_null(kv_get(&r->query, "until"));
	f->cursor = lp.cursor;
	f->limit = lp.limit;
	return 0;
}

int
res_audit_list(struct req *r)
{
	struct audit_filter f;
	struct audit_row *rows;
	const char *next;
	struct jw w;
	enum err e;
	int n, st;

	if ((st = audit_query(r, &f)) != 0)
		return st;
	e = audit_list(r->w->db, r->a, &f, &rows, &n, &next);
	if (e == ERR_INPUT)
		return req_fail(r, 400,
		    "a filter is malformed: action is dotted lower-case, since and until "
		    "are RFC 3339 times, cursor is a next_cursor");
	if (e != ERR_OK)
		return req_fail_err(r, e, "list audit log");
	req_jw_begin(r, &w);
	jw_object(&w);
	JW_KEY(&w, "items");
	jw_array(&w);
	for (int i = 0; i < n; i++)
		audit_write_json(&w, &rows[i]);
	jw_end_array(&w);
	JW_KEY(&w, "next_cursor");
	jw_string(&w, next);
	jw_end_object(&w);
	return req_jw_done(r, 200);
}

/* set_details shows an entry's details as rows of k and v under row's "details": a string as it
 * is, anything else (a number, a list of labels) in compact JSON. */
static void
set_details(struct req *r, struct tpl_node *row, const char *details)
{
	json_t *d = json_loads(details, 0, NULL);
	const char *k;
	json_t *v;
	int i = 0;

	if (d == NULL)
		return;
	json_own(r->a, d);
	json_object_foreach (d, k, v) {
		struct tpl_node *kv = tpl_node_child(row, arena_printf(r->a, "details.%d", i++));
		char *text = json_is_string(v) ? NULL : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

		tpl_node_set(kv, "k", k);
		tpl_node_set(kv, "v", json_is_string(v) ? json_string_value(v) : text);
		free(text);
	}
}

/* target_link returns the page of an entry's target (arena memory), or NULL: a cluster's own page
 * (its id is in the details), a user's row on the users page, else the log filtered by it. */
static const char *
target_link(struct req *r, const struct audit_row *e)
{
	if (strncmp(e->target, "cluster:", 8) == 0) {
		json_t *d = json_loads(e->details, 0, NULL);
		const char *id = json_string_value(json_object_get(d, "id"));
		const char *link = NULL;

		if (id != NULL && text_uuid_ok(id) && strcmp(e->action, "cluster.delete") != 0)
			link = arena_printf(r->a, "/clusters/%s", id);
		json_decref(d);
		if (link != NULL)
			return link;
		return arena_printf(r->a, "/clusters?q=%s", url_encode(r->a, e->target + 8));
	}
	if (strncmp(e->target, "user:", 5) == 0)
		return arena_printf(r->a, "/admin/users#user-%s", url_encode(r->a, e->target + 5));
	if (*e->target != '\0')
		return arena_printf(r->a, "/admin/audit?target=%s", url_encode(r->a, e->target));
	return NULL;
}

int
res_audit_page(struct req *r)
{
	struct tpl *t = r->w->tpl;
	struct audit_filter f;
	struct audit_row *rows;
	const char *next;
	enum err e;
	int n, st;

	if ((st = audit_query(r, &f)) != 0)
		return st;
	e = audit_list(r->w->db, r->a, &f, &rows, &n, &next);
	if (e == ERR_INPUT)
		return req_fail(r, 400,
		    "a filter is malformed: action is dotted lower-case, since and until "
		    "are RFC 3339 times such as 2026-01-31T08:00:00Z");
	if (e != ERR_OK)
		return req_fail_err(r, e, "list audit log");
	tpl_set(t, "Filter.actor", f.actor);
	tpl_set(t, "Filter.action", f.action);
	tpl_set(t, "Filter.target", f.target);
	tpl_set(t, "Filter.since", f.since);
	tpl_set(t, "Filter.until", f.until);
	for (int i = 0; i < n; i++) {
		struct tpl_node *row = tpl_node(t, arena_printf(r->a, "Audit.%d", i));

		tpl_node_set(row, "at", rows[i].at);
		tpl_node_set(row, "actor", rows[i].actor);
		tpl_node_set(row, "role", rows[i].role);
		tpl_node_set(row, "action", rows[i].action);
		tpl_node_set(row, "target", rows[i].target);
		tpl_node_set(row, "target_link", target_link(r, &rows[i]));
		tpl_node_set(row, "client", rows[i].client_addr);
		tpl_node_set(row, "request_id", rows[i].request_id);
		tpl_node_set(row, "failed", strstr(rows[i].action, "failed") != NULL ? "1" : "0");
		set_details(r, row, rows[i].details);
	}
	if (next != NULL) {
		struct buf *u = buf_new(r->a);
		const char *const keys[] = { "actor", "action", "target", "since", "until" };
		const char *vals[] = { f.actor, f.action, f.target, f.since, f.until };

		buf_printf(u, "/admin/audit?cursor=%s", next);
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (vals[k] != NULL)
				buf_printf(u, "&%s=%s", keys[k], url_encode(r->a, vals[k]));
		tpl_set(t, "Audit_next", buf_cstr(u));
	}
	return req_page(r, 200, "admin_audit", "Audit log");
}
