/* user.c: accounts in PostgreSQL: making, finding, changing them and checking their passwords. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "auth.h"
#include "db.h"
#include "field.h"
#include "idcache.h"
#include "jw.h"
#include "text.h"
#include "user.h"

/* The columns of user_fields' record fields, in table order, then whether a password is set. */
#define USER_COLS \
	"id::text, username, display_name, role, source, disabled, must_change_password, " \
	"to_char(last_login_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), " \
	"to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), " \
	"password_hash IS NOT NULL"
#define USER_COL_HAS_PASSWORD 9
#define USER_COL_HASH 10

static const char *const user_roles[] = { "viewer", "operator", "admin" };

/* USER_FIELDS are the rows of an account, shared by both tables below. */
#define USER_FIELDS \
	{ FIELD_NAME("id"), FIELD_TEXT, FIELD_JSON | FIELD_LIST, .out = FIELD_AT(struct user, id) }, \
	    { FIELD_NAME("username"), FIELD_TEXT, FIELD_JSON | FIELD_FORM | FIELD_LIST | FIELD_REQUIRED, \
		    .out = FIELD_AT(struct user, username), .in = FIELD_AT(struct user_in, username), \
		    .max = 64, .check = user_name_ok, .missing = "a user name is needed" }, \
	    { FIELD_NAME("display_name"), FIELD_TEXT, FIELD_JSON | FIELD_FORM | FIELD_LIST, \
		    .out = FIELD_AT(struct user, display_name), \
		    .in = FIELD_AT(struct user_in, display_name), .max = 128 }, \
	    { FIELD_NAME("role"), FIELD_ENUM, FIELD_JSON | FIELD_FORM | FIELD_LIST | FIELD_REQUIRED, \
		    .out = FIELD_AT(struct user, role_name), .in = FIELD_AT(struct user_in, role), \
		    .choices = user_roles, .nchoices = 3, .why = "viewer, operator or admin", \
		    .missing = "viewer, operator or admin" }, \
	    { FIELD_NAME("source"), FIELD_TEXT, FIELD_JSON | FIELD_LIST, \
		    .out = FIELD_AT(struct user, source) }, \
	    { FIELD_NAME("disabled"), FIELD_BOOL, FIELD_JSON | FIELD_LIST, \
		    .out = FIELD_AT(struct user, disabled), .in = FIELD_AT(struct user_in, disabled) }, \
	    { FIELD_NAME("must_change_password"), FIELD_BOOL, FIELD_JSON | FIELD_LIST, \
		    .out = FIELD_AT(struct user, must_change_password) }, \
	    { FIELD_NAME("last_login_at"), FIELD_TIME, FIELD_JSON | FIELD_LIST, \
		    .out = FIELD_AT(struct user, last_login_at) }, \
	    { FIELD_NAME("created_at"), FIELD_TIME, FIELD_JSON, .out = FIELD_AT(struct user, created_at) }, \
	    { FIELD_NAME("password"), FIELD_TEXT, FIELD_JSON, .in = FIELD_AT(struct user_in, password), \
		    .max = 1024 }, \
	{ \
		FIELD_NAME("reset_password"), FIELD_BOOL, FIELD_JSON, \
		    .in = FIELD_AT(struct user_in, reset_password) \
	}

const struct field user_fields[] = { USER_FIELDS, { NULL } };
const struct field user_fields_otp[] = { USER_FIELDS,
	{ FIELD_NAME("one_time_password"), FIELD_TEXT, FIELD_JSON,
	    .out = FIELD_AT(struct user, one_time_password) },
	{ NULL } };

static const struct db_stmt st_user_insert = { "user_insert",
	"INSERT INTO users (username, display_name, role, password_hash, must_change_password, source) "
	"VALUES ($1, $2, $3, $4, $5::boolean, $6) RETURNING " USER_COLS,
	6 };
static const struct db_stmt st_user_get = { "user_get", "SELECT " USER_COLS " FROM users WHERE id = $1::uuid",
	1 };
static const struct db_stmt st_user_by_name = { "user_by_name",
	"SELECT " USER_COLS " FROM users WHERE username = $1", 1 };
static const struct db_stmt st_user_list = { "user_list",
	"SELECT " USER_COLS " FROM users ORDER BY username LIMIT 1000", 0 };
static const struct db_stmt st_user_password = { "user_password",
	"UPDATE users SET password_hash = $2, must_change_password = $3::boolean, updated_at = now() "
	"WHERE id = $1::uuid",
	3 };
static const struct db_stmt st_user_role = { "user_role",
	"UPDATE users SET role = $2, updated_at = now() WHERE id = $1::uuid", 2 };
static const struct db_stmt st_user_disabled = { "user_disabled",
	"UPDATE users SET disabled = $2::boolean, updated_at = now() WHERE id = $1::uuid", 2 };
static const struct db_stmt st_user_login_row = { "user_login_row",
	"SELECT " USER_COLS ", password_hash, failed_logins, "
	"extract(epoch FROM now() - coalesce(last_failed_at, 'epoch'))::bigint FROM users WHERE username = "
	"$1",
	1 };
static const struct db_stmt st_user_login_ok = { "user_login_ok",
	"UPDATE users SET failed_logins = 0, last_login_at = now() WHERE id = $1::uuid", 1 };
static const struct db_stmt st_user_login_fail = { "user_login_fail",
	"UPDATE users SET failed_logins = CASE WHEN last_failed_at > now() - interval '15 minutes' "
	"THEN failed_logins + 1 ELSE 1 END, last_failed_at = now() WHERE id = $1::uuid RETURNING "
	"failed_logins",
	1 };

static const struct db_stmt st_sess_delete_user = { "sess_delete_user",
	"DELETE FROM sessions WHERE user_id = $1::uuid AND ($2::text IS NULL OR id_hash <> $2) RETURNING "
	"id_hash",
	2 };
static const struct db_stmt st_sess_user_hashes = { "sess_user_hashes",
	"SELECT id_hash FROM sessions WHERE user_id = $1::uuid", 1 };
static const struct db_stmt st_tok_user_hashes = { "tok_user_hashes",
	"SELECT token_hash FROM api_tokens WHERE user_id = $1::uuid", 1 };

const char *
user_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return "a user name is 1 to 64 characters";
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return "a user name starts with a lower-case letter or digit";
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || strchr("._@-", s[i])))
			return "a user name has lower-case letters, digits, '.', '_', '@' and '-' only";
	return NULL;
}

/* A row of a result, for field_load. */
struct user_cursor {
	const struct dbres *r;
	int row;
};

/* user_col reads column i of the row the cursor names. */
static const char *
user_col(void *ctx, int i)
{
	struct user_cursor *c = ctx;

	return dbres_get(c->r, c->row, i);
}

static void
row_user(const struct dbres *r, int row, struct user *u)
{
	struct user_cursor c = { r, row };
	int role;

	field_load(user_fields, u, user_col, &c);
	role = role_parse(u->role_name);
	u->role = role < 0 ? ROLE_VIEWER : (enum role)role;
	u->has_password = strcmp(dbres_get(r, row, USER_COL_HAS_PASSWORD), "t") == 0;
}

static enum err
one_user(const struct dbres *r, struct arena *a, struct user **out)
{
	if (dbres_rows(r) == 0)
		return ERR_NOTFOUND;
	*out = arena_zalloc(a, sizeof(**out));
	row_user(r, 0, *out);
	return ERR_OK;
}

enum err
user_create(struct db *db, struct arena *a, const char *username, const char *display_name, enum role role,
    const char *password, bool must_change, const char *source, struct user **out)
{
	char hash[AUTH_HASH_MAX];
	const char *p[6];
	struct dbres *r;
	enum err e;

	if (user_name_ok(username) != NULL || role <= ROLE_PUBLIC || role >= ROLE__MAX)
		return ERR_INPUT;
	if (password != NULL && auth_password_hash(password, hash) != ERR_OK)
		return ERR_INTERNAL;
	p[0] = username;
	p[1] = display_name != NULL ? display_name : "";
	p[2] = role_name(role);
	p[3] = password != NULL ? hash : NULL;
	p[4] = must_change ? "true" : "false";
	p[5] = source != NULL ? source : "local";
	if ((e = db_exec(db, &st_user_insert, p, a, &r)) != ERR_OK)
		return e;
	return one_user(r, a, out);
}

enum err
user_get(struct db *db, struct arena *a, const char *id, struct user **out)
{
	const char *p[1] = { id };
	struct dbres *r;
	enum err e;

	if (!text_uuid_ok(id))
		return ERR_NOTFOUND;
	if ((e = db_exec(db, &st_user_get, p, a, &r)) != ERR_OK)
		return e;
	return one_user(r, a, out);
}

enum err
user_get_by_name(struct db *db, struct arena *a, const char *username, struct user **out)
{
	const char *p[1] = { username };
	struct dbres *r;
	enum err e;

	if ((e = db_exec(db, &st_user_by_name, p, a, &r)) != ERR_OK)
		return e;
	return one_user(r, a, out);
}

enum err
user_list(struct db *db, struct arena *a, struct user **items, int *n)
{
	struct dbres *r;
	enum err e;

	if ((e = db_exec(db, &st_user_list, NULL, a, &r)) != ERR_OK)
		return e;
	*n = dbres_rows(r);
	*items = arena_zalloc(a, sizeof(**items) * (size_t)(*n ? *n : 1));
	for (int i = 0; i < *n; i++)
		row_user(r, i, &(*items)[i]);
	return ERR_OK;
}

/* forget_user drops every cached session and token of user id, so its next request asks
 * PostgreSQL; when end_sessions, the sessions (but keep) are deleted too. */
static enum err
forget_user(
    struct db *db, struct rds *r, struct arena *a, const char *id, bool end_sessions, const char *keep)
{
	const char *p2[2] = { id, keep }, *p1[1] = { id };
	struct dbres *res;
	enum err e;

	if (end_sessions)
		e = db_exec(db, &st_sess_delete_user, p2, a, &res);
	else
		e = db_exec(db, &st_sess_user_hashes, p1, a, &res);
	if (e != ERR_OK)
		return e;
	for (int i = 0; i < dbres_rows(res); i++)
		idcache_drop(r, IDCACHE_SESSION, dbres_get(res, i, 0));
	if (keep != NULL)
		idcache_drop(r, IDCACHE_SESSION, keep);
	if ((e = db_exec(db, &st_tok_user_hashes, p1, a, &res)) != ERR_OK)
		return e;
	for (int i = 0; i < dbres_rows(res); i++)
		idcache_drop(r, IDCACHE_TOKEN, dbres_get(res, i, 0));
	return ERR_OK;
}

static enum err
update_one(struct db *db, struct arena *a, const struct db_stmt *st, const char *const *p)
{
	struct dbres *res;
	enum err e;

	if (!text_uuid_ok(p[0]))
		return ERR_NOTFOUND;
	if ((e = db_exec(db, st, p, a, &res)) != ERR_OK)
		return e;
	return dbres_affected(res) > 0 ? ERR_OK : ERR_NOTFOUND;
}

enum err
user_set_password(struct db *db, struct rds *r, struct arena *a, const char *id, const char *password,
    bool must_change, const char *keep_session)
{
	char hash[AUTH_HASH_MAX];
	const char *p[3] = { id, hash, must_change ? "true" : "false" };
	enum err e;

	if (auth_password_hash(password, hash) != ERR_OK)
		return ERR_INTERNAL;
	if ((e = update_one(db, a, &st_user_password, p)) != ERR_OK)
		return e;
	return forget_user(db, r, a, id, true, keep_session);
}

enum err
user_set_role(struct db *db, struct rds *r, struct arena *a, const char *id, enum role role)
{
	const char *p[2] = { id, role_name(role) };
	enum err e;

	if (role <= ROLE_PUBLIC || role >= ROLE__MAX)
		return ERR_INPUT;
	if ((e = update_one(db, a, &st_user_role, p)) != ERR_OK)
		return e;
	return forget_user(db, r, a, id, false, NULL);
}

enum err
user_set_disabled(struct db *db, struct rds *r, struct arena *a, const char *id, bool disabled)
{
	const char *p[2] = { id, disabled ? "true" : "false" };
	enum err e;

	if ((e = update_one(db, a, &st_user_disabled, p)) != ERR_OK)
		return e;
	return forget_user(db, r, a, id, disabled, NULL);
}

/* A hash to verify against when the user does not exist, so that both cases cost the same. */
static const char *
dummy_hash(void)
{
	static char hash[AUTH_HASH_MAX];

	if (hash[0] == '\0' && auth_password_hash("no such user: not a password", hash) != ERR_OK)
		hash[0] = '\0';
	return hash;
}

enum err
user_check_password(struct db *db, struct arena *a, const char *username, const char *password,
    struct user **out, int *delay_ms)
{
	const char *p[1] = { username };
	struct dbres *res;
	struct user *u;
	const char *hash;
	enum err e;

	*delay_ms = 0;
	if ((e = db_exec(db, &st_user_login_row, p, a, &res)) != ERR_OK)
		return e;
	if (dbres_rows(res) == 0) {
		(void)auth_password_verify(dummy_hash(), password);
		return ERR_NOTFOUND;
	}
	u = arena_zalloc(a, sizeof(*u));
	row_user(res, 0, u);
	hash = dbres_get(res, 0, USER_COL_HASH);
	if (auth_password_verify(hash != NULL ? hash : dummy_hash(), password) && hash != NULL &&
	    !u->disabled) {
		const char *q[1] = { u->id };

		if ((e = db_exec(db, &st_user_login_ok, q, a, NULL)) != ERR_OK)
			return e;
		*out = u;
		return ERR_OK;
	}
	if (!u->disabled) {
		const char *q[1] = { u->id };
		long failures;

		if ((e = db_exec(db, &st_user_login_fail, q, a, &res)) != ERR_OK)
			return e;
		failures = strtol(dbres_get(res, 0, 0), NULL, 10);
		/* Free tries first, then a wait doubling from 250 ms to at most 4 s. */
		if (failures > 3)
			*delay_ms = failures - 4 >= 4 ? 4000 : 250 << (failures - 4);
	}
	return ERR_NOTFOUND;
}

enum err
user_proxy_sync(
    struct db *db, struct rds *r, struct arena *a, const char *username, enum role role, struct user **out)
{
	enum err e = user_get_by_name(db, a, username, out);

	if (e == ERR_NOTFOUND) {
		e = user_create(db, a, username, "", role, NULL, false, "proxy", out);
		if (e == ERR_CONFLICT)
			e = user_get_by_name(db, a, username, out);
		return e;
	}
	if (e == ERR_OK && (*out)->role != role && strcmp((*out)->source, "proxy") == 0) {
		if ((e = user_set_role(db, r, a, (*out)->id, role)) == ERR_OK) {
			(*out)->role = role;
			(*out)->role_name = role_name(role);
		}
	}
	return e;
}

void
user_write_json(struct jw *w, const struct user *u)
{
	field_write_json(u->one_time_password != NULL ? user_fields_otp : user_fields, u, w);
}
