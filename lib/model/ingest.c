/* ingest.c: clusters' ingest tokens, kept as digests in cluster_ingest_tokens. */
#include "config.h"

#include <string.h>

#include "arena.h"
#include "auth.h"
#include "db.h"
#include "ingest.h"
#include "text.h"

static const struct db_stmt st_set = { "ingest_token_set",
	"INSERT INTO cluster_ingest_tokens (cluster_id, digest, created_by) VALUES ($1::uuid, $2, $3) "
	"ON CONFLICT (cluster_id) DO UPDATE SET digest = EXCLUDED.digest, created_at = now(), "
	"created_by = EXCLUDED.created_by",
	3 };

static const struct db_stmt st_by_name = { "ingest_token_by_name",
	"SELECT c.id, c.name, t.digest FROM clusters c LEFT JOIN cluster_ingest_tokens t ON "
	"t.cluster_id = c.id WHERE c.name = $1",
	1 };

static const struct db_stmt st_by_id = { "ingest_token_by_id",
	"SELECT c.id, c.name, t.digest FROM clusters c LEFT JOIN cluster_ingest_tokens t ON "
	"t.cluster_id = c.id WHERE c.id = $1::uuid",
	1 };

bool
ingest_token_format_ok(const char *s)
{
	size_t n = sizeof(INGEST_TOKEN_PREFIX) - 1;

	if (s == NULL || strncmp(s, INGEST_TOKEN_PREFIX, n) != 0 || strlen(s + n) != AUTH_SECRET_CHARS)
		return false;
	for (s += n; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
			*s == '-' || *s == '_'))
			return false;
	return true;
}

enum err
ingest_token_new(struct db *db, struct arena *a, const char *cluster_id, const char *by, char **token)
{
	char secret[AUTH_SECRET_CHARS + 1], digest[65];
	const char *p[3];
	char *t;
	enum err e;

	auth_random_secret(secret);
	t = arena_printf(a, INGEST_TOKEN_PREFIX "%s", secret);
	auth_digest(t, digest);
	p[0] = cluster_id;
	p[1] = digest;
	p[2] = by != NULL ? by : "";
	e = db_exec(db, &st_set, p, a, NULL);
	*token = e == ERR_OK ? t : NULL;
	return e;
}

enum err
ingest_token_check(struct db *db, struct arena *a, const char *ref, const char *token,
    const char **cluster_id, const char **cluster_name)
{
	char digest[65];
	struct dbres *res;
	enum err e;

	*cluster_id = *cluster_name = NULL;
	e = db_exec(db, text_uuid_ok(ref) ? &st_by_id : &st_by_name, &ref, a, &res);
	if (e != ERR_OK)
		return e;
	if (dbres_rows(res) == 0)
		return ERR_NOTFOUND;
	*cluster_id = dbres_get(res, 0, 0);
	*cluster_name = dbres_get(res, 0, 1);
	if (dbres_isnull(res, 0, 2) || !ingest_token_format_ok(token))
		return ERR_INPUT;
	auth_digest(token, digest);
	return auth_equal(digest, dbres_get(res, 0, 2)) ? ERR_OK : ERR_INPUT;
}
