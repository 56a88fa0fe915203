/* session.c: browser sessions in PostgreSQL, cached in Redis, and what one page of a session
 * leaves for the next (the stash). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "auth.h"
#include "buf.h"
#include "cfg.h"
#include "db.h"
#include "idcache.h"
#include "jw.h"
#include "rds.h"
#include "session.h"
#include "user.h"

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
static const struct db_stmt st_sess_prune = { "sess_prune",
	"DELETE FROM sessions WHERE expires_at < now() OR last_seen_at < now() - make_interval(secs => "
	"$1::int)",
	1 };

/* session_cache_json is what the cache keeps of a session (arena memory): the user, role, form
 * token, whether the password must change, and the absolute expiry, so a cached entry never
 * outlives the session. */
static const char *
session_cache_json(struct arena *a, const struct identity *id, long long expires)
{
	struct buf *b = buf_new(a);
	struct jw w;

	jw_init(&w, b);
	jw_object(&w);
	JW_KEY(&w, "u");
	jw_string(&w, id->user_id);
	JW_KEY(&w, "n");
	jw_string(&w, id->username);
	JW_KEY(&w, "r");
	jw_string(&w, role_name(id->role));
	JW_KEY(&w, "c");
	jw_string(&w, id->csrf);
	JW_KEY(&w, "m");
	jw_bool(&w, id->must_change_password);
	JW_KEY(&w, "x");
	jw_int(&w, expires);
	jw_end_object(&w);
	return buf_cstr(b);
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
	const char *p[2];
	struct identity *id;
	struct dbres *res;
	json_t *j;
	enum err e;
	long long expires;
	int role;

	if (!auth_secret_format_ok(sid))
		return ERR_NOTFOUND;
	auth_digest(sid, hash);
	id = arena_zalloc(a, sizeof(*id));
	id->via = VIA_SESSION;
	id->session_hash = arena_strdup(a, hash);
	if ((j = idcache_get(r, a, IDCACHE_SESSION, hash)) != NULL) {
		long long x = (long long)json_integer_value(json_object_get(j, "x"));

		role = role_parse(json_string_value(json_object_get(j, "r")));
		id->user_id = idcache_field(j, a, "u");
		id->username = idcache_field(j, a, "n");
		id->csrf = idcache_field(j, a, "c");
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
	idcache_put(
	    r, a, IDCACHE_SESSION, hash, session_cache_json(a, id, expires), expires - (long long)time(NULL));
	*out = id;
	return ERR_OK;
}

enum err
session_destroy(struct db *db, struct rds *r, struct arena *a, const char *session_hash)
{
	const char *p[1] = { session_hash };
	enum err e = db_exec(db, &st_sess_delete, p, a, NULL);

	idcache_drop(r, IDCACHE_SESSION, session_hash);
	return e;
}

/* The stash key of a session: what one page leaves for the next, read once. */
static const char *
stash_key(struct arena *a, const char *session_hash, const char *name)
{
	return arena_printf(a, "aiops:stash:%s:%s", session_hash, name);
}

enum err
session_stash_put(
    struct rds *r, struct arena *a, const char *session_hash, const char *name, const char *value, int ttl)
{
	if (session_hash == NULL)
		return ERR_INPUT;
	return rds_setex(r, stash_key(a, session_hash, name), value, ttl);
}

char *
session_stash_get(struct rds *r, struct arena *a, const char *session_hash, const char *name)
{
	char *v = NULL;

	if (session_hash == NULL || rds_get(r, a, stash_key(a, session_hash, name), &v) != ERR_OK)
		return NULL;
	return v;
}

char *
session_stash_take(struct rds *r, struct arena *a, const char *session_hash, const char *name)
{
	const char *key;
	char *v = NULL;

	if (session_hash == NULL)
		return NULL;
	key = stash_key(a, session_hash, name);
	if (rds_get(r, a, key, &v) != ERR_OK || v == NULL)
		return NULL;
	/* Shown once: a value that cannot be removed is not shown, so a secret never shows twice. */
	if (rds_del(r, key) != ERR_OK)
		return NULL;
	return v;
}
