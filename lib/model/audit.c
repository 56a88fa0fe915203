/* audit.c: appending to and reading the audit log; there is no call that changes or removes. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "audit.h"
#include "db.h"
#include "jw.h"

static const struct db_stmt st_append = { "audit_append",
	"INSERT INTO audit_log (actor, actor_id, role, action, target, details, client_addr, request_id) "
	"VALUES ($1, $2::uuid, $3, $4, $5, $6::jsonb, $7, $8)",
	8 };
static const struct db_stmt st_list = { "audit_list",
	"SELECT id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), actor, "
	"actor_id::text, role, action, target, details::text, client_addr, request_id FROM audit_log "
	"WHERE ($1::text IS NULL OR actor = $1) AND ($2::text IS NULL OR action LIKE $2 || '%') "
	"AND ($3::text IS NULL OR target = $3) AND ($4::timestamptz IS NULL OR at >= $4::timestamptz) "
	"AND ($5::timestamptz IS NULL OR at < $5::timestamptz) AND ($6::bigint IS NULL OR id < $6::bigint) "
	"ORDER BY id DESC LIMIT $7::int",
	7 };

enum err
audit_append(struct db *db, struct arena *a, const struct audit_entry *e)
{
	const char *p[8];
	char *details = NULL;

	if (e->details != NULL && (details = json_dumps(e->details, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		return ERR_INTERNAL;
	p[0] = e->actor != NULL ? e->actor : "anonymous";
	p[1] = e->actor_id;
	p[2] = e->role != NULL ? e->role : "";
	p[3] = e->action;
	p[4] = e->target != NULL ? e->target : "";
	p[5] = details != NULL ? arena_strdup(a, details) : "{}";
	p[6] = e->client_addr != NULL ? e->client_addr : "";
	p[7] = e->request_id != NULL ? e->request_id : "";
	free(details);
	return db_exec(db, &st_append, p, a, NULL);
}

/* action_ok accepts the dotted lower-case names we write, so a filter cannot smuggle LIKE wildcards. */
static int
action_ok(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || *s == '.' || *s == '_'))
			return 0;
	return 1;
}

enum err
audit_list(struct db *db, struct arena *a, const struct audit_filter *f, struct audit_row **rows, int *n,
    const char **next_cursor)
{
	int limit = f->limit > 0 && f->limit <= 500 ? f->limit : 100;
	const char *p[7];
	struct dbres *r;
	enum err e;
	int got;

	*rows = NULL;
	*n = 0;
	*next_cursor = NULL;
	if (f->action != NULL && !action_ok(f->action))
		return ERR_INPUT;
	if (f->cursor != NULL) {
		char *end;

		if (strtoll(f->cursor, &end, 10) <= 0 || *end != '\0')
			return ERR_INPUT;
	}
	p[0] = f->actor;
	p[1] = f->action;
	p[2] = f->target;
	p[3] = f->since;
	p[4] = f->until;
	p[5] = f->cursor;
	p[6] = arena_printf(a, "%d", limit + 1);
	if ((e = db_exec(db, &st_list, p, a, &r)) != ERR_OK)
		return e;
	got = dbres_rows(r);
	*n = got < limit ? got : limit;
	*rows = arena_zalloc(a, sizeof(**rows) * (size_t)(*n > 0 ? *n : 1));
	for (int i = 0; i < *n; i++) {
		struct audit_row *o = &(*rows)[i];

		o->id = strtoll(dbres_get(r, i, 0), NULL, 10);
		o->at = dbres_get(r, i, 1);
		o->actor = dbres_get(r, i, 2);
		o->actor_id = dbres_get(r, i, 3);
		o->role = dbres_get(r, i, 4);
		o->action = dbres_get(r, i, 5);
		o->target = dbres_get(r, i, 6);
		o->details = dbres_get(r, i, 7) != NULL ? dbres_get(r, i, 7) : "{}";
		o->client_addr = dbres_get(r, i, 8);
		o->request_id = dbres_get(r, i, 9);
	}
	if (got > limit)
		*next_cursor = arena_strdup(a, dbres_get(r, limit - 1, 0));
	return ERR_OK;
}

void
audit_write_json(struct jw *w, const struct audit_row *row)
{
	jw_object(w);
	JW_KEY(w, "id");
	jw_int(w, row->id);
	JW_KEY(w, "at");
	jw_string(w, row->at);
	JW_KEY(w, "actor");
	jw_string(w, row->actor);
	JW_KEY(w, "actor_id");
	jw_string(w, row->actor_id);
	JW_KEY(w, "role");
	jw_string(w, row->role);
	JW_KEY(w, "action");
	jw_string(w, row->action);
	JW_KEY(w, "target");
	jw_string(w, row->target);
	/* PostgreSQL's own rendering of a jsonb column: one valid JSON value. */
	JW_KEY(w, "details");
	jw_raw(w, row->details);
	JW_KEY(w, "client_addr");
	jw_string(w, row->client_addr);
	JW_KEY(w, "request_id");
	jw_string(w, row->request_id);
	jw_end_object(w);
}
