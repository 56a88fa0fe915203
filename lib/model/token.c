/* token.c: API tokens in PostgreSQL (digests only), their lookups cached in Redis. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "auth.h"
#include "buf.h"
#include "db.h"
#include "field.h"
#include "idcache.h"
#include "jw.h"
#include "text.h"
#include "token.h"
#include "user.h"

/* The columns of token_fields' record fields, in table order, then the owner's id. */
#define TOKEN_COLS \
	"t.id::text, t.name, t.prefix, t.role, " \
	"to_char(t.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), " \
	"to_char(t.last_used_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), " \
	"to_char(t.revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), " \
	"to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), u.username, " \
	"t.user_id::text"
#define TOKEN_COL_USER_ID 9
#define TOKEN_COL_HASH 10

static const char *const token_roles[] = { "viewer", "operator", "admin" };

/* TOKEN_FIELDS are the rows of a token, shared by both tables below. */
#define TOKEN_FIELDS \
	{ FIELD_NAME("id"), FIELD_TEXT, FIELD_JSON | FIELD_LIST, .out = FIELD_AT(struct token, id) }, \
	    { FIELD_NAME("name"), FIELD_TEXT, FIELD_JSON | FIELD_FORM | FIELD_LIST | FIELD_REQUIRED, \
		    .out = FIELD_AT(struct token, name), .in = FIELD_AT(struct token_in, name), .max = 64, \
		    .why = "a name of 1 to 64 printable characters", \
		    .missing = "a name of 1 to 64 characters, to tell tokens apart" }, \
	    { FIELD_NAME("prefix"), FIELD_TEXT, FIELD_JSON | FIELD_LIST, \
		    .out = FIELD_AT(struct token, prefix) }, \
	    { FIELD_NAME("role"), FIELD_ENUM, FIELD_JSON | FIELD_FORM | FIELD_LIST, \
		    .out = FIELD_AT(struct token, role_name), .in = FIELD_AT(struct token_in, role), \
		    .choices = token_roles, .nchoices = 3, .why = "viewer, operator or admin" }, \
	    { FIELD_NAME("expires_at"), FIELD_TIME, FIELD_JSON | FIELD_LIST, \
		    .out = FIELD_AT(struct token, expires_at) }, \
	    { FIELD_NAME("last_used_at"), FIELD_TIME, FIELD_JSON | FIELD_LIST, \
		    .out = FIELD_AT(struct token, last_used_at) }, \
	    { FIELD_NAME("revoked_at"), FIELD_TIME, FIELD_JSON | FIELD_LIST, \
		    .out = FIELD_AT(struct token, revoked_at) }, \
	    { FIELD_NAME("created_at"), FIELD_TIME, FIELD_JSON | FIELD_LIST, \
		    .out = FIELD_AT(struct token, created_at) }, \
	    { FIELD_NAME("user"), FIELD_TEXT, FIELD_JSON, .out = FIELD_AT(struct token, username) }, \
	{ \
		FIELD_NAME("expires_days"), FIELD_INT, FIELD_JSON | FIELD_FORM, \
		    .in = FIELD_AT(struct token_in, expires_days), .min = 0, .max = 3650, \
		    .why = "0 (never) to 3650 days" \
	}

const struct field token_fields[] = { TOKEN_FIELDS, { NULL } };
const struct field token_fields_secret[] = { TOKEN_FIELDS,
	{ FIELD_NAME("token"), FIELD_TEXT, FIELD_JSON, .out = FIELD_AT(struct token, secret) }, { NULL } };

static const struct db_stmt st_tok_insert = { "tok_insert",
	"WITH t AS (INSERT INTO api_tokens (user_id, name, token_hash, prefix, role, expires_at) "
	"VALUES ($1::uuid, $2, $3, $4, $5, CASE WHEN $6::int > 0 THEN now() + make_interval(days => $6::int) "
	"END) "
	"RETURNING *) SELECT " TOKEN_COLS " FROM t JOIN users u ON u.id = t.user_id",
	6 };
static const struct db_stmt st_tok_use = { "tok_use",
	"UPDATE api_tokens t SET last_used_at = now() FROM users u "
	"WHERE t.token_hash = $1 AND u.id = t.user_id AND NOT u.disabled AND t.revoked_at IS NULL "
	"AND (t.expires_at IS NULL OR t.expires_at > now()) "
	"RETURNING t.id::text, u.id::text, u.username, t.role, u.role, "
	"coalesce(extract(epoch FROM t.expires_at)::bigint, 0)",
	1 };
static const struct db_stmt st_tok_list = { "tok_list",
	"SELECT " TOKEN_COLS " FROM api_tokens t JOIN users u ON u.id = t.user_id "
	"WHERE $1::uuid IS NULL OR t.user_id = $1::uuid ORDER BY t.created_at DESC, t.id LIMIT 1000",
	1 };
static const struct db_stmt st_tok_revoke = { "tok_revoke",
	"WITH t AS (UPDATE api_tokens SET revoked_at = now() WHERE id = $1::uuid "
	"AND ($2::uuid IS NULL OR user_id = $2::uuid) AND revoked_at IS NULL RETURNING *) "
	"SELECT " TOKEN_COLS ", t.token_hash FROM t JOIN users u ON u.id = t.user_id",
	2 };

/* token_cache_json is what the cache keeps of a live token (arena memory): its id, user and the
 * role it acts with. */
static const char *
token_cache_json(struct arena *a, const struct identity *id)
{
	struct buf *b = buf_new(a);
	struct jw w;

	jw_init(&w, b);
	jw_object(&w);
	JW_KEY(&w, "i");
	jw_string(&w, id->token_id);
	JW_KEY(&w, "u");
	jw_string(&w, id->user_id);
	JW_KEY(&w, "n");
	jw_string(&w, id->username);
	JW_KEY(&w, "r");
	jw_string(&w, role_name(id->role));
	jw_end_object(&w);
	return buf_cstr(b);
}

struct token_cursor {
	const struct dbres *r;
	int row;
};

/* token_col reads column i of the row the cursor names, for field_load. */
static const char *
token_col(void *ctx, int i)
{
	struct token_cursor *c = ctx;

	return dbres_get(c->r, c->row, i);
}

static void
row_token(const struct dbres *r, int row, struct token *t)
{
	struct token_cursor c = { r, row };
	int role;

	field_load(token_fields, t, token_col, &c);
	role = role_parse(t->role_name);
	t->role = role < 0 ? ROLE_VIEWER : (enum role)role;
	t->user_id = dbres_get(r, row, TOKEN_COL_USER_ID);
}

enum err
token_create(struct db *db, struct arena *a, const struct user *owner, const char *name, enum role role,
    int expires_days, char **secret, struct token **out)
{
	char raw[AUTH_SECRET_CHARS + 1], hash[65];
	const char *p[6], *tok;
	struct dbres *res;
	enum err e;
	size_t n = name != NULL ? strlen(name) : 0;

	if (n == 0 || n > 64 || role <= ROLE_PUBLIC || role > owner->role || expires_days < 0 ||
	    expires_days > 3650)
		return ERR_INPUT;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < ' ' || name[i] == 0x7F)
			return ERR_INPUT;
	auth_random_secret(raw);
	tok = arena_printf(a, "%s%s", AUTH_TOKEN_PREFIX, raw);
	auth_digest(tok, hash);
	p[0] = owner->id;
	p[1] = name;
	p[2] = hash;
	p[3] = arena_printf(a, "%.10s", tok);
	p[4] = role_name(role);
	p[5] = arena_printf(a, "%d", expires_days);
	if ((e = db_exec(db, &st_tok_insert, p, a, &res)) != ERR_OK)
		return e;
	if (dbres_rows(res) == 0)
		return ERR_INTERNAL;
	*out = arena_zalloc(a, sizeof(**out));
	row_token(res, 0, *out);
	(*out)->secret = tok;
	*secret = (char *)tok;
	return ERR_OK;
}

enum err
token_lookup(struct db *db, struct rds *r, struct arena *a, const char *secret, struct identity **out)
{
	char hash[65];
	const char *p[1];
	struct identity *id;
	struct dbres *res;
	json_t *j;
	enum err e;
	int trole, urole;
	long long expires;

	if (!auth_token_format_ok(secret))
		return ERR_NOTFOUND;
	auth_digest(secret, hash);
	id = arena_zalloc(a, sizeof(*id));
	id->via = VIA_TOKEN;
	if ((j = idcache_get(r, a, IDCACHE_TOKEN, hash)) != NULL) {
		int role = role_parse(json_string_value(json_object_get(j, "r")));

		id->token_id = idcache_field(j, a, "i");
		id->user_id = idcache_field(j, a, "u");
		id->username = idcache_field(j, a, "n");
		json_decref(j);
		if (role > 0 && id->token_id != NULL && id->user_id != NULL && id->username != NULL) {
			id->role = (enum role)role;
			*out = id;
			return ERR_OK;
		}
	}
	p[0] = hash;
	if ((e = db_exec(db, &st_tok_use, p, a, &res)) != ERR_OK)
		return e;
	if (dbres_rows(res) == 0)
		return ERR_NOTFOUND;
	trole = role_parse(dbres_get(res, 0, 3));
	urole = role_parse(dbres_get(res, 0, 4));
	if (trole < 0 || urole < 0)
		return ERR_NOTFOUND;
	id->token_id = dbres_get(res, 0, 0);
	id->user_id = dbres_get(res, 0, 1);
	id->username = dbres_get(res, 0, 2);
	id->role = (enum role)(trole < urole ? trole : urole);
	expires = strtoll(dbres_get(res, 0, 5), NULL, 10);
	idcache_put(r, a, IDCACHE_TOKEN, hash, token_cache_json(a, id),
	    expires > 0 ? expires - (long long)time(NULL) : IDCACHE_SECONDS);
	*out = id;
	return ERR_OK;
}

enum err
token_list(struct db *db, struct arena *a, const char *user_id, struct token **items, int *n)
{
	const char *p[1] = { user_id };
	struct dbres *res;
	enum err e;

	if (user_id != NULL && !text_uuid_ok(user_id))
		return ERR_NOTFOUND;
	if ((e = db_exec(db, &st_tok_list, p, a, &res)) != ERR_OK)
		return e;
	*n = dbres_rows(res);
	*items = arena_zalloc(a, sizeof(**items) * (size_t)(*n ? *n : 1));
	for (int i = 0; i < *n; i++)
		row_token(res, i, &(*items)[i]);
	return ERR_OK;
}

enum err
token_revoke(
    struct db *db, struct rds *r, struct arena *a, const char *id, const char *user_id, struct token **out)
{
	const char *p[2] = { id, user_id };
	struct dbres *res;
	enum err e;

	if (!text_uuid_ok(id) || (user_id != NULL && !text_uuid_ok(user_id)))
		return ERR_NOTFOUND;
	if ((e = db_exec(db, &st_tok_revoke, p, a, &res)) != ERR_OK)
		return e;
	if (dbres_rows(res) == 0)
		return ERR_NOTFOUND;
	*out = arena_zalloc(a, sizeof(**out));
	row_token(res, 0, *out);
	idcache_drop(r, IDCACHE_TOKEN, dbres_get(res, 0, TOKEN_COL_HASH));
	return ERR_OK;
}

void
token_write_json(struct jw *w, const struct token *t)
{
	field_write_json(t->secret != NULL ? token_fields_secret : token_fields, t, w);
}
