/* user.c: accounts, sessions and tokens in PostgreSQL, with lookups cached in Redis for a minute. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "arena.h"
#include "auth.h"
#include "cfg.h"
#include "db.h"
#include "log.h"
#include "rds.h"
#include "user.h"
#include "text.h"

/* How long a cached session or token is trusted before PostgreSQL is asked again: the bound on
 * how late a change made while Redis was unreachable takes effect. */
#define CACHE_SECONDS 60

#define USER_COLS \
	"id::text, username, display_name, role, source, " \
	"to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), " \
	"to_char(last_login_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), " \
	"disabled, must_change_password, password_hash IS NOT NULL"
#define TOKEN_COLS \
	"t.id::text, t.user_id::text, u.username, t.name, t.prefix, " \
	"to_char(t.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), " \
	"to_char(t.last_used_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), " \
	"to_char(t.revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), " \
	"to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), t.role"

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

static const struct db_stmt st_sess_insert = { "sess_insert",
	"INSERT INTO sessions (id_hash, user_id, csrf_token, expires_at, client_addr) "
	"VALUES ($1, $2::uuid, $3, now() + make_interval(secs => $4::int), $5) "
	"RETURNING extract(epoch FROM expires_at)::bigint",
	5 };
static const struct db_stmt st_sess_refresh = { "sess_refresh",
	"UPDATE sessions s SET last_seen_at = now() FROM users u "
	"WHERE s.id_hash = $1 AND u.id = s.user_id AND NOT u.disabled AND s.expires_at > now() "
	"AND s.last_seen_at > now() - make_interval(secs => $2::int) "
	"RETURNING u.id::text, u.username, u.role, s.csrf_token, u.must_change_password, "
	"extract(epoch FROM s.expires_at)::bigint",
	2 };
static const struct db_stmt st_sess_delete = { "sess_delete", "DELETE FROM sessions WHERE id_hash = $1", 1 };
static const struct db_stmt st_sess_delete_user = { "sess_delete_user",
	"DELETE FROM sessions WHERE user_id = $1::uuid AND ($2::text IS NULL OR id_hash <> $2) RETURNING "
	"id_hash",
	2 };
static const struct db_stmt st_sess_user_hashes = { "sess_user_hashes",
	"SELECT id_hash FROM sessions WHERE user_id = $1::uuid", 1 };
static const struct db_stmt st_sess_prune = { "sess_prune",
	"DELETE FROM sessions WHERE expires_at < now() OR last_seen_at < now() - make_interval(secs => "
	"$1::int)",
	1 };

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
static const struct db_stmt st_tok_user_hashes = { "tok_user_hashes",
	"SELECT token_hash FROM api_tokens WHERE user_id = $1::uuid", 1 };

static const char *const role_names[ROLE__MAX] = { "unset", "public", "viewer", "operator", "admin" };

const char *
role_name(enum role r)
{
	return r >= 0 && r < ROLE__MAX ? role_names[r] : "unknown";
}

int
role_parse(const char *s)
{
	for (int i = ROLE_VIEWER; s != NULL && i < ROLE__MAX; i++)
		if (strcmp(s, role_names[i]) == 0)
			return i;
	return -1;
}

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

static void
row_user(const struct dbres *r, int row, struct user *u)
{
	int role = role_parse(dbres_get(r, row, 3));

	u->id = dbres_get(r, row, 0);
	u->username = dbres_get(r, row, 1);
	u->display_name = dbres_get(r, row, 2);
	u->role = role < 0 ? ROLE_VIEWER : (enum role)role;
	u->source = dbres_get(r, row, 4);
	u->created_at = dbres_get(r, row, 5);
	u->last_login_at = dbres_get(r, row, 6);
	u->disabled = strcmp(dbres_get(r, row, 7), "t") == 0;
	u->must_change_password = strcmp(dbres_get(r, row, 8), "t") == 0;
	u->has_password = strcmp(dbres_get(r, row, 9), "t") == 0;
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

static void
cache_drop(struct rds *r, const char *prefix, const char *hash)
{
	char key[128];

	snprintf(key, sizeof(key), "%s%s", prefix, hash);
	if (rds_del(r, key) != ERR_OK)
		log_warn(NULL, "cannot drop cached %s entry; it expires within %d s", prefix, CACHE_SECONDS);
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
		cache_drop(r, "aiops:sess:", dbres_get(res, i, 0));
	if (keep != NULL)
		cache_drop(r, "aiops:sess:", keep);
	if ((e = db_exec(db, &st_tok_user_hashes, p1, a, &res)) != ERR_OK)
		return e;
	for (int i = 0; i < dbres_rows(res); i++)
		cache_drop(r, "aiops:tok:", dbres_get(res, i, 0));
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
	hash = dbres_get(res, 0, 10);
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
		if ((e = user_set_role(db, r, a, (*out)->id, role)) == ERR_OK)
			(*out)->role = role;
	}
	return e;
}

/* ---- Sessions ---- */

static const char *
cache_key(struct arena *a, const char *prefix, const char *hash)
{
	return arena_printf(a, "%s%s", prefix, hash);
}

/* cache_get returns the object cached under key, or NULL when there is none or it does not parse;
 * the caller releases it with json_decref. */
static json_t *
cache_get(struct rds *r, struct arena *a, const char *key)
{
	char *cached = NULL;

	if (rds_get(r, a, key, &cached) != ERR_OK || cached == NULL)
		return NULL;
	return json_loads(cached, 0, NULL);
}

/* cache_field copies j's string member k into arena a, or returns NULL when it is not a string. */
static char *
cache_field(json_t *j, struct arena *a, const char *k)
{
	const char *v = json_string_value(json_object_get(j, k));

	return v != NULL ? arena_strdup(a, v) : NULL;
}

/* cache_put stores j (released here; NULL stores nothing) under key for ttl seconds, at most
 * CACHE_SECONDS; nothing when ttl is not positive. A Redis that is down only costs the cache. */
static void
cache_put(struct rds *r, const char *key, json_t *j, long long ttl)
{
	char *s;

	if (j == NULL)
		return;
	if (ttl > CACHE_SECONDS)
		ttl = CACHE_SECONDS;
	if (ttl > 0 && (s = json_dumps(j, JSON_COMPACT)) != NULL) {
		(void)rds_setex(r, key, s, (int)ttl);
		free(s);
	}
	json_decref(j);
}

enum err
session_create(struct db *db, struct rds *r, struct arena *a, const struct user *u, const char *client_addr,
    char **sid, struct identity **id)
{
	char secret[AUTH_SECRET_CHARS + 1], csrf[AUTH_SECRET_CHARS + 1], hash[65];
	const char *p[5];
	struct identity *ident;
	struct dbres *res;
	enum err e;
	long absolute = cfg_int("session.absolute_seconds"), idle = cfg_int("session.idle_seconds");
	const char *prune[1] = { arena_printf(a, "%ld", idle) };

	auth_random_secret(secret);
	auth_random_secret(csrf);
	auth_digest(secret, hash);
	p[0] = hash;
	p[1] = u->id;
	p[2] = csrf;
	p[3] = arena_printf(a, "%ld", absolute);
	p[4] = client_addr != NULL ? client_addr : "";
	if ((e = db_exec(db, &st_sess_insert, p, a, &res)) != ERR_OK)
		return e;
	/* Logins are rare enough to sweep old sessions away here. */
	(void)db_exec(db, &st_sess_prune, prune, a, NULL);
	ident = arena_zalloc(a, sizeof(*ident));
	ident->user_id = u->id;
	ident->username = u->username;
	ident->role = u->role;
	ident->via = VIA_SESSION;
	ident->session_hash = arena_strdup(a, hash);
	ident->csrf = arena_strdup(a, csrf);
	ident->must_change_password = u->must_change_password;
	*sid = arena_strdup(a, secret);
	*id = ident;
	(void)r;
	return ERR_OK;
}

enum err
session_lookup(struct db *db, struct rds *r, struct arena *a, const char *sid, struct identity **out)
{
	char hash[65];
	const char *key, *p[2];
	struct identity *id;
	struct dbres *res;
	json_t *j;
	enum err e;
	long long expires;
	int role;

	if (!auth_secret_format_ok(sid))
		return ERR_NOTFOUND;
	auth_digest(sid, hash);
	key = cache_key(a, "aiops:sess:", hash);
	id = arena_zalloc(a, sizeof(*id));
	id->via = VIA_SESSION;
	id->session_hash = arena_strdup(a, hash);
	if ((j = cache_get(r, a, key)) != NULL) {
		long long x = (long long)json_integer_value(json_object_get(j, "x"));

		role = role_parse(json_string_value(json_object_get(j, "r")));
		id->user_id = cache_field(j, a, "u");
		id->username = cache_field(j, a, "n");
		id->csrf = cache_field(j, a, "c");
		id->must_change_password = json_is_true(json_object_get(j, "m"));
		json_decref(j);
		if (role > 0 && x > (long long)time(NULL) && id->user_id != NULL && id->username != NULL &&
		    id->csrf != NULL) {
			id->role = (enum role)role;
			*out = id;
			return ERR_OK;
		}
	}
	p[0] = hash;
	p[1] = arena_printf(a, "%ld", cfg_int("session.idle_seconds"));
	if ((e = db_exec(db, &st_sess_refresh, p, a, &res)) != ERR_OK)
		return e;
	if (dbres_rows(res) == 0)
		return ERR_NOTFOUND;
	role = role_parse(dbres_get(res, 0, 2));
	if (role < 0)
		return ERR_NOTFOUND;
	id->user_id = dbres_get(res, 0, 0);
	id->username = dbres_get(res, 0, 1);
	id->role = (enum role)role;
	id->csrf = dbres_get(res, 0, 3);
	id->must_change_password = strcmp(dbres_get(res, 0, 4), "t") == 0;
	expires = strtoll(dbres_get(res, 0, 5), NULL, 10);
	cache_put(r, key,
	    json_pack("{s:s, s:s, s:s, s:s, s:b, s:I}", "u", id->user_id, "n", id->username, "r",
		role_name(id->role), "c", id->csrf, "m", id->must_change_password, "x", (json_int_t)expires),
	    expires - (long long)time(NULL));
	*out = id;
	return ERR_OK;
}

enum err
session_destroy(struct db *db, struct rds *r, struct arena *a, const char *session_hash)
{
	const char *p[1] = { session_hash };
	enum err e = db_exec(db, &st_sess_delete, p, a, NULL);

	cache_drop(r, "aiops:sess:", session_hash);
	return e;
}

/* ---- Tokens ---- */

static void
row_token(const struct dbres *r, int row, struct token *t)
{
	int role = role_parse(dbres_get(r, row, 9));

	t->id = dbres_get(r, row, 0);
	t->user_id = dbres_get(r, row, 1);
	t->username = dbres_get(r, row, 2);
	t->name = dbres_get(r, row, 3);
	t->prefix = dbres_get(r, row, 4);
	t->expires_at = dbres_get(r, row, 5);
	t->last_used_at = dbres_get(r, row, 6);
	t->revoked_at = dbres_get(r, row, 7);
	t->created_at = dbres_get(r, row, 8);
	t->role = role < 0 ? ROLE_VIEWER : (enum role)role;
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
	*secret = (char *)tok;
	return ERR_OK;
}

enum err
token_lookup(struct db *db, struct rds *r, struct arena *a, const char *secret, struct identity **out)
{
	char hash[65];
	const char *key, *p[1];
	struct identity *id;
	struct dbres *res;
	json_t *j;
	enum err e;
	int trole, urole;
	long long expires;

	if (!auth_token_format_ok(secret))
		return ERR_NOTFOUND;
	auth_digest(secret, hash);
	key = cache_key(a, "aiops:tok:", hash);
	id = arena_zalloc(a, sizeof(*id));
	id->via = VIA_TOKEN;
	if ((j = cache_get(r, a, key)) != NULL) {
		int role = role_parse(json_string_value(json_object_get(j, "r")));

		id->token_id = cache_field(j, a, "i");
		id->user_id = cache_field(j, a, "u");
		id->username = cache_field(j, a, "n");
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
	cache_put(r, key,
	    json_pack("{s:s, s:s, s:s, s:s}", "i", id->token_id, "u", id->user_id, "n", id->username, "r",
		role_name(id->role)),
	    expires > 0 ? expires - (long long)time(NULL) : CACHE_SECONDS);
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
	cache_drop(r, "aiops:tok:", dbres_get(res, 0, 10));
	return ERR_OK;
}
