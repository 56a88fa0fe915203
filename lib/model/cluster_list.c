/* cluster_list.c: the register as lists: filtered, sorted pages with keyset cursors, the clusters
 * that need attention, and the counts of the fleet summary. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "arena.h"
#include "buf.h"
#include "cluster.h"
#include "cluster_db.h"
#include "db.h"

const char *const cluster_sorts[] = { "name", "environment", "type", "status", "region", "last_seen",
	"updated_at", NULL };

/* The list: one statement per direction, the sort key chosen by $7 so that keyset pagination
 * works for every sortable column. Text keys compare in the C collation in both places. A status
 * sorts by how bad it is, worst first: the order cluster_statuses lists them in. */
#define SORTKEY \
	"(CASE $7::text WHEN 'environment' THEN environment WHEN 'type' THEN cluster_type " \
	"WHEN 'status' THEN (CASE status WHEN 'unreachable' THEN '0' WHEN 'degraded' THEN '1' " \
	"WHEN 'unknown' THEN '2' ELSE '3' END) " \
	"WHEN 'region' THEN region " \
	"WHEN 'last_seen' THEN coalesce(to_char(last_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), " \
	"'') " \
	"WHEN 'updated_at' THEN to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') " \
	"ELSE name END) COLLATE \"C\""
#define LIST_SQL(cols, op, dir) \
	"SELECT " cols ", " SORTKEY " FROM clusters " \
	"WHERE ($1::text[] IS NULL OR environment = ANY($1::text[])) " \
	"AND ($2::text[] IS NULL OR cluster_type = ANY($2::text[])) " \
	"AND ($3::text[] IS NULL OR status = ANY($3::text[])) AND ($4::boolean IS NULL OR has_gpu = $4) " \
	"AND ($5::jsonb IS NULL OR labels @> $5::jsonb) " \
	"AND ($6::text IS NULL OR name ILIKE $6 OR display_name ILIKE $6 OR region ILIKE $6) " \
	"AND ($8::text IS NULL OR (" SORTKEY ", name COLLATE \"C\") " op " ($8::text, $9::text)) " \
	"ORDER BY " SORTKEY " " dir ", name COLLATE \"C\" " dir " LIMIT $10::int"
/* The whole register by name, the default of the page and of the API: with no filter to test,
 * PostgreSQL walks clusters_name_c_idx (0004) in order and sorts nothing, where the general
 * statement's plan scans and sorts every row (a fifth of its time). $1 is the cursor's name (for
 * this sort it is the key too), $2 the limit; the same sort key column ends the row. */
#define NAME_SQL(cols, op, dir) \
	"SELECT " cols ", name COLLATE \"C\" FROM clusters " \
	"WHERE ($1::text IS NULL OR name COLLATE \"C\" " op " $1::text) " \
	"ORDER BY name COLLATE \"C\" " dir " LIMIT $2::int"

/* The list statements by [only by name, unfiltered][list fields only][desc]. */
static const struct db_stmt st_lists[2][2][2] = {
	{
	    { { "cluster_list_asc", LIST_SQL(CLUSTER_COLS, ">", "ASC"), 10 },
		{ "cluster_list_desc", LIST_SQL(CLUSTER_COLS, "<", "DESC"), 10 } },
	    { { "cluster_list_brief_asc", LIST_SQL(CLUSTER_COLS_LIST, ">", "ASC"), 10 },
		{ "cluster_list_brief_desc", LIST_SQL(CLUSTER_COLS_LIST, "<", "DESC"), 10 } },
	},
	{
	    { { "cluster_names_asc", NAME_SQL(CLUSTER_COLS, ">", "ASC"), 2 },
		{ "cluster_names_desc", NAME_SQL(CLUSTER_COLS, "<", "DESC"), 2 } },
	    { { "cluster_names_brief_asc", NAME_SQL(CLUSTER_COLS_LIST, ">", "ASC"), 2 },
		{ "cluster_names_brief_desc", NAME_SQL(CLUSTER_COLS_LIST, "<", "DESC"), 2 } },
	},
};

static const struct db_stmt st_summary = { "cluster_summary",
	"SELECT 'status', status, count(*) FROM clusters GROUP BY status "
	"UNION ALL SELECT 'environment', environment, count(*) FROM clusters GROUP BY environment "
	"UNION ALL SELECT 'type', cluster_type, count(*) FROM clusters GROUP BY cluster_type "
	"UNION ALL SELECT 'gpu', 'gpu', count(*) FROM clusters WHERE has_gpu "
	"UNION ALL SELECT 'total', 'total', count(*) FROM clusters",
	0 };

static const struct db_stmt st_attention = { "cluster_attention",
	"SELECT " CLUSTER_COLS " FROM clusters WHERE status <> 'ready' ORDER BY CASE status WHEN "
	"'unreachable' THEN 0 WHEN 'degraded' THEN 1 ELSE 2 END, name LIMIT $1::int",
	1 };

/* Cursors are base64url of the JSON array [sort, dir, key, name]: opaque to clients, checked on
 * the way back in. */
static const char *
cursor_make(struct arena *a, const char *sort, bool desc, const char *key, const char *name)
{
	json_t *j = json_pack("[s,s,s,s]", sort, desc ? "desc" : "asc", key, name);
	char *raw = json_dumps(j, JSON_COMPACT);
	size_t n = strlen(raw),
	       outlen = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = arena_alloc(a, outlen);

	sodium_bin2base64(
	    out, outlen, (const unsigned char *)raw, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	free(raw);
	json_decref(j);
	return out;
}

static enum err
cursor_read(
    struct arena *a, const char *cursor, const char *sort, bool desc, const char **key, const char **name)
{
	size_t n = strlen(cursor), binlen;
	const char *s0, *s1;
	unsigned char *bin;
	json_t *j;
	enum err e = ERR_INPUT;

	if (n == 0 || n > 2048)
		return ERR_INPUT;
	bin = arena_alloc(a, n);
	if (sodium_base642bin(
		bin, n, cursor, n, NULL, &binlen, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return ERR_INPUT;
	j = json_loadb((const char *)bin, binlen, 0, NULL);
	s0 = json_string_value(json_array_get(j, 0));
	s1 = json_string_value(json_array_get(j, 1));
	if (json_array_size(j) == 4 && json_is_string(json_array_get(j, 2)) &&
	    json_is_string(json_array_get(j, 3)) && s0 != NULL && strcmp(s0, sort) == 0 && s1 != NULL &&
	    strcmp(s1, desc ? "desc" : "asc") == 0) {
		*key = arena_strdup(a, json_string_value(json_array_get(j, 2)));
		*name = arena_strdup(a, json_string_value(json_array_get(j, 3)));
		e = ERR_OK;
	}
	json_decref(j);
	return e;
}

/* like_pattern makes %q% for ILIKE with q's own wildcards escaped. */
static const char *
like_pattern(struct arena *a, const char *q)
{
	char *out = arena_alloc(a, strlen(q) * 2 + 3), *o = out;

	*o++ = '%';
	for (; *q; q++) {
		if (*q == '%' || *q == '_' || *q == '\\')
			*o++ = '\\';
		*o++ = *q;
	}
	*o++ = '%';
	*o = '\0';
	return out;
}

/* choice_array writes the choices whose bits are set in mask as a PostgreSQL array literal, or
 * NULL for no mask. Choices are our own words: nothing to quote. Arena memory. */
static const char *
choice_array(struct arena *a, unsigned mask, const char *const *choices, int n)
{
	struct buf *b;

	if (mask == 0)
		return NULL;
	b = buf_new(a);
	buf_addc(b, '{');
	for (int i = 0; i < n; i++)
		if (mask & (1u << i)) {
			if (b->len > 1)
				buf_addc(b, ',');
			buf_adds(b, choices[i]);
		}
	buf_addc(b, '}');
	return buf_cstr(b);
}

enum err
cluster_list(struct db *db, struct arena *a, const struct cluster_filter *f, struct cluster_page *out)
{
	const char *p[10] = { 0 };
	const char *sort = f->sort != NULL ? f->sort : "name";
	int limit = f->limit > 0 && f->limit <= CLUSTER_LIST_MAX ? f->limit : CLUSTER_LIST_DEFAULT;
	const struct db_stmt *st;
	struct dbres *res;
	enum err e;
	int rows, i, known = 0, by_name;

	memset(out, 0, sizeof(*out));
	for (i = 0; cluster_sorts[i] != NULL; i++)
		if (strcmp(cluster_sorts[i], sort) == 0)
			known = 1;
	if (!known)
		return ERR_INPUT;
	p[0] = choice_array(a, f->environments, cluster_environments, CLUSTER_ENV__N);
	p[1] = choice_array(a, f->types, cluster_types, CLUSTER_TYPE__N);
	p[2] = choice_array(a, f->statuses, cluster_statuses, CLUSTER_STATUS__N);
	p[3] = f->has_gpu < 0 ? NULL : f->has_gpu ? "true" : "false";
	if (f->labels != NULL && json_object_size(f->labels) > 0) {
		char *s = json_dumps(f->labels, JSON_COMPACT);

		p[4] = arena_strdup(a, s);
		free(s);
	}
	p[5] = f->q != NULL && f->q[0] != '\0' ? like_pattern(a, f->q) : NULL;
	p[6] = sort;
	if (f->cursor != NULL && f->cursor[0] != '\0' &&
	    cursor_read(a, f->cursor, sort, f->desc, &p[7], &p[8]) != ERR_OK)
		return ERR_INPUT;
	p[9] = arena_printf(a, "%d", limit + 1);
	by_name = strcmp(sort, "name") == 0 && p[0] == NULL && p[1] == NULL && p[2] == NULL && p[3] == NULL &&
	    p[4] == NULL && p[5] == NULL;
	st = &st_lists[by_name][f->fields == FIELD_LIST][f->desc];
	if (by_name) {
		/* NAME_SQL's $1 and $2: the cursor's name and the limit. */
		p[0] = p[8];
		p[1] = p[9];
	}
	if ((e = db_exec(db, st, p, a, &res)) != ERR_OK)
		return e;
	rows = dbres_rows(res);
	out->n = rows > limit ? limit : rows;
	out->items = cluster_rows(res, out->n, a);
	if (rows > limit)
		out->next_cursor = cursor_make(
		    a, sort, f->desc, dbres_get(res, limit - 1, CLUSTER_NCOLS), out->items[limit - 1].name);
	return ERR_OK;
}

enum err
cluster_attention(struct db *db, struct arena *a, int limit, struct cluster_page *out)
{
	const char *p[1] = { arena_printf(a, "%d", limit) };
	struct dbres *res;
	enum err e;

	memset(out, 0, sizeof(*out));
	if ((e = db_exec(db, &st_attention, p, a, &res)) != ERR_OK)
		return e;
	out->n = dbres_rows(res);
	out->items = cluster_rows(res, out->n, a);
	return ERR_OK;
}

/* count_at adds n to counts[i] for the choice called key. */
static void
count_at(long *counts, const char *const *choices, int nchoices, const char *key, long n)
{
	for (int i = 0; i < nchoices; i++)
		if (strcmp(choices[i], key) == 0)
			counts[i] = n;
}

enum err
cluster_summary(struct db *db, struct arena *a, struct cluster_summary *out)
{
	struct dbres *res;
	enum err e;

	memset(out, 0, sizeof(*out));
	if ((e = db_exec(db, &st_summary, NULL, a, &res)) != ERR_OK)
		return e;
	for (int i = 0; i < dbres_rows(res); i++) {
		const char *dim = dbres_get(res, i, 0), *key = dbres_get(res, i, 1);
		long n = strtol(dbres_get(res, i, 2), NULL, 10);

		if (strcmp(dim, "status") == 0)
			count_at(out->by_status, cluster_statuses, CLUSTER_STATUS__N, key, n);
		else if (strcmp(dim, "environment") == 0)
			count_at(out->by_environment, cluster_environments, CLUSTER_ENV__N, key, n);
		else if (strcmp(dim, "type") == 0)
			count_at(out->by_type, cluster_types, CLUSTER_TYPE__N, key, n);
		else if (strcmp(dim, "gpu") == 0)
			out->gpu_clusters = n;
		else
			out->total = n;
	}
	return ERR_OK;
}
