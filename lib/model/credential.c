/* credential.c: cluster credentials in PostgreSQL, sealed with secret.c; plaintext never leaves. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "arena.h"
#include "credential.h"
#include "db.h"
#include "http.h"
#include "secret.h"
#include "text.h"

static const char *const kind_names[CREDENTIAL__MAX] = { "api_token", "prometheus_token",
	"alertmanager_token", "basic_auth", "ca_bundle" };

static const struct db_stmt st_upsert = { "credential_upsert",
	"INSERT INTO cluster_credentials (cluster_id, kind, sealed, key_id) "
	"SELECT id, $2, $3, $4 FROM clusters WHERE id = $1::uuid "
	"ON CONFLICT (cluster_id, kind) DO UPDATE SET sealed = EXCLUDED.sealed, key_id = EXCLUDED.key_id, "
	"updated_at = now()",
	4 };
static const struct db_stmt st_delete = { "credential_delete",
	"DELETE FROM cluster_credentials WHERE cluster_id = $1::uuid AND kind = $2", 2 };
static const struct db_stmt st_exists = { "credential_cluster_exists",
	"SELECT 1 FROM clusters WHERE id = $1::uuid", 1 };
static const struct db_stmt st_which = { "credential_which",
	"SELECT kind FROM cluster_credentials WHERE cluster_id = $1::uuid", 1 };
static const struct db_stmt st_get = { "credential_get",
	"SELECT kind, sealed FROM cluster_credentials WHERE cluster_id = $1::uuid", 1 };
static const struct db_stmt st_get_many = { "credential_get_many",
	"SELECT cluster_id::text, kind, sealed FROM cluster_credentials WHERE cluster_id = ANY($1::uuid[])",
	1 };
static const struct db_stmt st_all = { "credential_all",
	"SELECT cluster_id::text, kind, sealed FROM cluster_credentials FOR UPDATE", 0 };
static const struct db_stmt st_reseal = { "credential_reseal",
	"UPDATE cluster_credentials SET sealed = $3, key_id = $4 WHERE cluster_id = $1::uuid AND kind = $2",
	4 };

static const struct db_stmt st_key_count = { "credential_key_count",
	"SELECT count(*) FILTER (WHERE key_id = $1), count(*) FILTER (WHERE key_id <> $1) "
	"FROM cluster_credentials",
	1 };

/* kind_of returns the kind whose stored name is s, or CREDENTIAL__MAX. */
static enum credential_kind
kind_of(const char *s)
{
	for (int k = 0; k < CREDENTIAL__MAX; k++)
		if (strcmp(s, kind_names[k]) == 0)
			return (enum credential_kind)k;
	return CREDENTIAL__MAX;
}

/* A plaintext credential in arena memory, wiped when the arena goes if nobody wiped it before. */
struct plain {
	char *p;
	size_t n;
};

static void
plain_wipe(void *arg)
{
	struct plain *w = arg;

	sodium_memzero(w->p, w->n);
}

/* hold_plain registers the wipe of n bytes of plaintext at p for when a is freed or reset. */
static void
hold_plain(struct arena *a, char *p, size_t n)
{
	struct plain *w = arena_alloc(a, sizeof(*w));

	w->p = p;
	w->n = n;
	arena_cleanup(a, plain_wipe, w);
}

void
credential_wipe(char *values[CREDENTIAL__MAX])
{
	for (int k = 0; k < CREDENTIAL__MAX; k++)
		if (values[k] != NULL) {
			sodium_memzero(values[k], strlen(values[k]));
			values[k] = NULL;
		}
}

const char *
credential_kind_name(enum credential_kind k)
{
	return k >= 0 && k < CREDENTIAL__MAX ? kind_names[k] : "unknown";
}

const char *
credential_value_ok(enum credential_kind k, const char *v)
{
	size_t n = strlen(v);

	if (n == 0)
		return "empty; to remove a credential, remove it";
	if (k == CREDENTIAL_CA_BUNDLE) {
		if (n > 65536)
			return "a CA bundle is at most 64 KiB";
		const char *b = strstr(v, "-----BEGIN CERTIFICATE-----");
		const char *e = b != NULL ? strstr(b, "-----END CERTIFICATE-----") : NULL;

		if (b == NULL || e == NULL)
			return "a CA bundle is one or more PEM certificates (-----BEGIN CERTIFICATE-----)";
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)v[i] < 0x20 && v[i] != '\n' && v[i] != '\r' && v[i] != '\t')
				return "a CA bundle is PEM text: no control characters";
		return NULL;
	}
	if (n > 8192)
		return "at most 8192 bytes";
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7F)
			return "control characters and line breaks are not allowed";
	if (k == CREDENTIAL_BASIC_AUTH && (strchr(v, ':') == NULL || v[0] == ':' || v[n - 1] == ':'))
		return "basic auth is written user:password";
	return NULL;
}

enum err
credential_set(struct db *db, struct arena *a, const struct secret_key *key, const char *cluster_id,
    enum credential_kind k, const char *value)
{
	struct dbres *r;
	enum err e;

	if (!text_uuid_ok(cluster_id))
		return ERR_NOTFOUND;
	if (value == NULL) {
		const char *p1[1] = { cluster_id }, *p2[2] = { cluster_id, kind_names[k] };

		if ((e = db_exec(db, &st_exists, p1, a, &r)) != ERR_OK)
			return e;
		if (dbres_rows(r) == 0)
			return ERR_NOTFOUND;
		return db_exec(db, &st_delete, p2, a, NULL);
	}
	{
		const char *p[4] = { cluster_id, kind_names[k], secret_seal(key, a, value, strlen(value)),
			secret_key_id(key) };

		if ((e = db_exec(db, &st_upsert, p, a, &r)) != ERR_OK)
			return e;
		return dbres_affected(r) > 0 ? ERR_OK : ERR_NOTFOUND;
	}
}

enum err
credential_which(struct db *db, struct arena *a, const char *cluster_id, bool set[CREDENTIAL__MAX])
{
	const char *p[1] = { cluster_id };
	struct dbres *r;
	enum err e;

	memset(set, 0, sizeof(bool) * CREDENTIAL__MAX);
	if (!text_uuid_ok(cluster_id))
		return ERR_NOTFOUND;
	if ((e = db_exec(db, &st_which, p, a, &r)) != ERR_OK)
		return e;
	for (int i = 0; i < dbres_rows(r); i++) {
		enum credential_kind k = kind_of(dbres_get(r, i, 0));

		if (k != CREDENTIAL__MAX)
			set[k] = true;
	}
	return ERR_OK;
}

/* open_row opens one stored credential (its kind's name and sealed value) into values and
 * unopened; a kind we do not know is skipped. */
static void
open_row(struct arena *a, const struct secret_key *key, const char *kind, const char *sealed,
    char *values[CREDENTIAL__MAX], bool unopened[CREDENTIAL__MAX])
{
	enum credential_kind k = kind_of(kind);
	size_t n;

	if (k == CREDENTIAL__MAX)
		return;
	if (key == NULL || secret_open(key, a, sealed, &values[k], &n) != ERR_OK) {
		values[k] = NULL;
		unopened[k] = true;
	} else
		hold_plain(a, values[k], n);
}

enum err
credential_open_all(struct db *db, struct arena *a, const struct secret_key *key, const char *cluster_id,
    char *values[CREDENTIAL__MAX], bool unopened[CREDENTIAL__MAX])
{
	const char *p[1] = { cluster_id };
	struct dbres *r;
	enum err e;

	memset(values, 0, sizeof(char *) * CREDENTIAL__MAX);
	memset(unopened, 0, sizeof(bool) * CREDENTIAL__MAX);
	if (!text_uuid_ok(cluster_id))
		return ERR_NOTFOUND;
	if ((e = db_exec(db, &st_get, p, a, &r)) != ERR_OK)
		return e;
	for (int i = 0; i < dbres_rows(r); i++)
		open_row(a, key, dbres_get(r, i, 0), dbres_get(r, i, 1), values, unopened);
	return ERR_OK;
}

/* An id and where it stands in the caller's list. */
struct id_at {
	const char *id;
	int i;
};

static int
by_id(const void *x, const void *y)
{
	return strcmp(((const struct id_at *)x)->id, ((const struct id_at *)y)->id);
}

enum err
credential_open_many(struct db *db, struct arena *a, const struct secret_key *key, const char *const *ids,
    int n, char *(*values)[CREDENTIAL__MAX], bool (*unopened)[CREDENTIAL__MAX])
{
	struct id_at *idx = arena_alloc(a, sizeof(*idx) * (size_t)(n + 1));
	const char **list = arena_alloc(a, sizeof(*list) * (size_t)(n + 1)), *p[1];
	struct dbres *r;
	enum err e;

	for (int i = 0; i < n; i++) {
		memset(values[i], 0, sizeof(values[i]));
		memset(unopened[i], 0, sizeof(unopened[i]));
		if (!text_uuid_ok(ids[i]))
			return ERR_NOTFOUND;
		idx[i] = (struct id_at){ ids[i], i };
		list[i] = ids[i];
	}
	list[n] = NULL;
	if (n == 0)
		return ERR_OK;
	qsort(idx, (size_t)n, sizeof(*idx), by_id);
	p[0] = db_text_array(a, list);
	if ((e = db_exec(db, &st_get_many, p, a, &r)) != ERR_OK)
		return e;
	for (int row = 0; row < dbres_rows(r); row++) {
		struct id_at want = { dbres_get(r, row, 0), 0 };
		const struct id_at *at = bsearch(&want, idx, (size_t)n, sizeof(*idx), by_id);

		if (at != NULL)
			open_row(a, key, dbres_get(r, row, 1), dbres_get(r, row, 2), values[at->i],
			    unopened[at->i]);
	}
	return ERR_OK;
}

enum err
credential_rotate(struct db *db, struct arena *a, const struct secret_key *old_key,
    const struct secret_key *new_key, int *count)
{
	struct dbres *r;
	enum err e;

	*count = 0;
	if ((e = db_tx_begin(db)) != ERR_OK)
		return e;
	if ((e = db_exec(db, &st_all, NULL, a, &r)) != ERR_OK)
		goto fail;
	for (int i = 0; i < dbres_rows(r); i++) {
		char *plain;
		size_t n;
		const char *p[4];

		if ((e = secret_open(old_key, a, dbres_get(r, i, 2), &plain, &n)) != ERR_OK)
			goto fail;
		hold_plain(a, plain, n);
		p[0] = dbres_get(r, i, 0);
		p[1] = dbres_get(r, i, 1);
		p[2] = secret_seal(new_key, a, plain, n);
		sodium_memzero(plain, n);
		p[3] = secret_key_id(new_key);
		if ((e = db_exec(db, &st_reseal, p, a, NULL)) != ERR_OK)
			goto fail;
		(*count)++;
	}
	if ((e = db_tx_commit(db)) != ERR_OK)
		*count = 0;
	return e;
fail:
	db_tx_rollback(db);
	*count = 0;
	return e;
}

enum err
credential_key_count(struct db *db, struct arena *a, const struct secret_key *key, long *with, long *other)
{
	const char *p[1] = { secret_key_id(key) };
	struct dbres *r;
	enum err e;

	*with = *other = 0;
	if ((e = db_exec(db, &st_key_count, p, a, &r)) != ERR_OK)
		return e;
	*with = strtol(dbres_get(r, 0, 0), NULL, 10);
	*other = strtol(dbres_get(r, 0, 1), NULL, 10);
	return ERR_OK;
}

void
credential_prometheus(struct http_req *h, char *const secrets[CREDENTIAL__MAX])
{
	h->bearer = secrets[CREDENTIAL_PROMETHEUS_TOKEN];
	h->basic = h->bearer == NULL ? secrets[CREDENTIAL_BASIC_AUTH] : NULL;
	h->ca_pem = secrets[CREDENTIAL_CA_BUNDLE];
}

void
credential_alertmanager(struct http_req *h, char *const secrets[CREDENTIAL__MAX])
{
	h->bearer = secrets[CREDENTIAL_ALERTMANAGER_TOKEN];
	h->basic = h->bearer == NULL ? secrets[CREDENTIAL_BASIC_AUTH] : NULL;
	h->ca_pem = secrets[CREDENTIAL_CA_BUNDLE];
}
