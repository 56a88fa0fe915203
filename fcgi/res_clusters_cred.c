/* res_clusters_cred.c: a cluster's credentials: which are set, and changing them (JSON and form),
 * sealed under the worker's key and audited by kind in the same transaction as the change. */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include "arena.h"
#include "cfg.h"
#include "db.h"
#include "json.h"
#include "jw.h"
#include "log.h"
#include "req.h"
#include "res.h"
#include "res_clusters.h"
#include "secret.h"
#include "tpl.h"

/* What the pages call each kind, in enum credential_kind order. */
static const char *const kind_labels[CREDENTIAL__MAX] = { "API server bearer token",
	"Prometheus bearer token", "Alertmanager bearer token", "Basic auth (user:password)",
	"CA bundle (PEM)" };

void
res_clusters_cred_rows(struct req *r, const bool *set)
{
	struct tpl_row *rows = tpl_rows(r->w->tpl, r->a, "Creds");

	for (int k = 0; k < CREDENTIAL__MAX; k++) {
		struct tpl_row *row = tpl_row_add(rows, NULL);

		tpl_row_set(row, "kind", credential_kind_name((enum credential_kind)k));
		tpl_row_set(row, "label", kind_labels[k]);
		if (set != NULL)
			tpl_row_set(row, "set", set[k] ? "1" : "0");
	}
}

const char *
res_clusters_cred_check(const struct cred_change *ch, const char **why)
{
	for (int k = 0; k < CREDENTIAL__MAX; k++)
		if (ch->touch[k] && ch->want[k] != NULL &&
		    (*why = credential_value_ok((enum credential_kind)k, ch->want[k])) != NULL)
			return credential_kind_name((enum credential_kind)k);
	return NULL;
}

enum err
res_clusters_cred_store(struct req *r, const struct cluster *c, const struct cred_change *ch)
{
	json_t *changed = json_own(r->a, json_array());
	struct secret_key *key = NULL;
	enum err e;

	for (int k = 0; k < CREDENTIAL__MAX; k++) {
		if (!ch->touch[k])
			continue;
		if (key == NULL && (key = res_clusters_key(r)) == NULL)
			return ERR_IO;
		if ((e = credential_set(r->w->db, r->a, key, c->id, (enum credential_kind)k, ch->want[k])) !=
		    ERR_OK)
			return e;
		json_array_append_new(changed,
		    json_pack("{s:s, s:s}", "kind", credential_kind_name((enum credential_kind)k), "change",
			ch->want[k] != NULL ? "set" : "removed"));
	}
	if (json_array_size(changed) == 0)
		return ERR_OK;
	return res_clusters_audit(r, "cluster.credentials", c,
	    json_own(r->a, json_pack("{s:s, s:O}", "id", c->id, "changes", changed)));
}

void
res_clusters_cred_from_form(struct req *r, struct cred_change *ch)
{
	memset(ch, 0, sizeof(*ch));
	for (int k = 0; k < CREDENTIAL__MAX; k++) {
		const char *name = credential_kind_name((enum credential_kind)k);
		const char *val = kv_get(&r->form, name);

		if (kv_get(&r->form, arena_printf(r->a, "remove_%s", name)) != NULL) {
			ch->touch[k] = true;
			ch->want[k] = NULL;
		} else if (val != NULL && *val != '\0') {
			ch->touch[k] = true;
			ch->want[k] = val;
		}
	}
}

/* answer_which writes which credentials c has: {"api_token": true, ...}; never a value. */
static int
answer_which(struct req *r, const struct cluster *c)
{
	bool set[CREDENTIAL__MAX];
	struct jw w;
	enum err e;

	if ((e = credential_which(r->w->db, r->a, c->id, set)) != ERR_OK)
		return req_fail_err(r, e, "list credentials");
	req_jw_begin(r, &w);
	jw_object(&w);
	for (int k = 0; k < CREDENTIAL__MAX; k++) {
		jw_key(&w, credential_kind_name((enum credential_kind)k));
		jw_bool(&w, set[k]);
	}
	jw_end_object(&w);
	return req_jw_done(r, 200);
}

int
res_clusters_credentials_get(struct req *r)
{
	struct cluster *c;
	int st;

	if ((st = res_clusters_load(r, &c)) != 0)
		return st;
	return answer_which(r, c);
}

/* apply checks ch, then stores it for c with its audit row in one transaction. Returns 0, or the
 * status answered (422 naming the refused kind, 503). */
static int
apply(struct req *r, const struct cluster *c, const struct cred_change *ch)
{
	const char *kind, *why;
	enum err e;

	if ((kind = res_clusters_cred_check(ch, &why)) != NULL)
		return req_fail_field(r, kind, why);
	if ((e = db_tx_begin(r->w->db)) != ERR_OK)
		return req_fail_err(r, e, "store credentials");
	if ((e = res_clusters_cred_store(r, c, ch)) != ERR_OK)
		db_tx_rollback(r->w->db);
	else if ((e = db_tx_commit(r->w->db)) != ERR_OK)
		log_error(r->request_id, "store credentials: not committed: %s", db_error(r->w->db));
	if (e == ERR_IO)
		return req_fail(
		    r, 503, "credentials cannot be stored: the key file could not be read (see the log)");
	if (e != ERR_OK)
		return req_fail_err(r, e, "store credentials");
	return 0;
}

const char *
res_clusters_cred_from_json(json_t *j, struct cred_change *ch, const char **why)
{
	const char *k;
	json_t *v;

	memset(ch, 0, sizeof(*ch));
	if (!json_is_object(j)) {
		*why = "send an object of credential kinds to values (null removes one)";
		return "credentials";
	}
	json_object_foreach (j, k, v) {
		int kind = -1;

		for (int i = 0; i < CREDENTIAL__MAX; i++)
			if (strcmp(k, credential_kind_name((enum credential_kind)i)) == 0)
				kind = i;
		if (kind < 0) {
			*why = "not a credential kind: api_token, prometheus_token, alertmanager_token, "
			       "basic_auth "
			       "or ca_bundle";
			return k;
		}
		if (!json_is_string(v) && !json_is_null(v)) {
			*why = "a string, or null to remove it";
			return k;
		}
		ch->touch[kind] = true;
		ch->want[kind] = json_string_value(v);
	}
	return NULL;
}

int
res_clusters_credentials_put(struct req *r)
{
	struct cred_change ch;
	const char *bad, *why;
	struct cluster *c;
	int st;

	if (!json_is_object(r->json))
		return req_fail(r, 400, "send an object of credential kinds to values (null removes one)");
	if ((bad = res_clusters_cred_from_json(r->json, &ch, &why)) != NULL)
		return req_fail_field(r, bad, why);
	if ((st = res_clusters_load(r, &c)) != 0)
		return st;
	if ((st = apply(r, c, &ch)) != 0)
		return st;
	return answer_which(r, c);
}

int
res_clusters_credentials_form(struct req *r)
{
	struct cred_change ch;
	struct cluster *c;
	int st;

	if ((st = res_clusters_load(r, &c)) != 0)
		return st;
	res_clusters_cred_from_form(r, &ch);
	if ((st = apply(r, c, &ch)) != 0) {
		if (st != 422)
			return st;
		return req_fail(r, 422,
		    "a credential was refused: tokens are one line, basic auth is user:password, and a CA "
		    "bundle is PEM certificates; nothing was changed");
	}
	req_flash(r, "Credentials saved.");
	return req_redirect(r, arena_printf(r->a, "/clusters/%s/edit", c->id));
}
