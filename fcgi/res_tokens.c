/* res_tokens.c: API tokens: the forms of the settings page that make and revoke them, and
 * /api/v1/tokens. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "ident.h"
#include "json.h"
#include "jw.h"
#include "req.h"
#include "res.h"
#include "token.h"
#include "tpl.h"
#include "user.h"

/* owner returns r's account, the owner of the tokens it makes. */
static int
owner(struct req *r, struct user **u)
{
	enum err e = user_get(r->w->db, r->a, r->id->user_id, u);

	if (e != ERR_OK)
		return req_fail_err(r, e, "find your account");
	return 0;
}

/* make_token checks and creates a token for r's user; *secret is shown once. */
static int
make_token(struct req *r, const char *name, const char *role_s, long days, char **secret, struct token **t)
{
	int role = role_s == NULL || *role_s == '\0' ? (int)r->id->role : role_parse(role_s);
	struct user *u;
	enum err e;
	int st;

	if (name == NULL || *name == '\0' || strlen(name) > 64)
		return req_fail_field(r, "name", "a name of 1 to 64 characters, to tell tokens apart");
	if (role < 0)
		return req_fail_field(r, "role", "viewer, operator or admin");
	if (role > (int)r->id->role)
		return req_fail_field(r, "role", "a token cannot have a higher role than yours");
	if (days < 0 || days > 3650)
		return req_fail_field(r, "expires_days", "0 (never) to 3650 days");
	if ((st = owner(r, &u)) != 0)
		return st;
	if ((st = ident_tx_begin(r)) != 0)
		return st;
	e = token_create(r->w->db, r->a, u, name, (enum role)role, (int)days, secret, t);
	if (e == ERR_INPUT)
		st = req_fail_field(r, "name", "a name of 1 to 64 printable characters");
	else if (e != ERR_OK)
		st = req_fail_err(r, e, "create token");
	else if ((e = ident_audit(r, NULL, "token.create", arena_printf(r->a, "token:%s", (*t)->id),
		      json_own(r->a,
			  json_pack("{s:s, s:s, s:i}", "name", name, "role", role_name((enum role)role),
			      "expires_days", (int)days)))) != ERR_OK)
		st = req_fail_err(r, e, "record the new token in the audit log");
	return ident_tx_end(r, st);
}

int
res_tokens_create_form(struct req *r)
{
	const char *exp = kv_get(&r->form, "expires");
	char *secret, *end = NULL;
	long days = exp == NULL || *exp == '\0' ? 0 : strtol(exp, &end, 10);
	struct token *t;
	int st;

	if (end != NULL && *end != '\0')
		days = -1;
	st = make_token(r, kv_get(&r->form, "name"), kv_get(&r->form, "role"), days, &secret, &t);
	if (st == 422) {
		tpl_set(r->w->tpl, "Errors.token", req_take_failure(r));
		return res_settings_render(r, 422);
	}
	if (st != 0)
		return st;
	/* The secret goes to the next page through the session's stash, never in the address; where
	 * there is no stash (no session, Redis refusing) the page shows it at once. */
	if (ident_stash_put(r, RES_TOKENS_STASH, arena_printf(r->a, "%s\n%s", t->name, secret)) == ERR_OK)
		return req_redirect(r, "/settings#tokens");
	tpl_set(r->w->tpl, "Settings.new_token", secret);
	tpl_set(r->w->tpl, "Settings.new_token_name", t->name);
	return res_settings_render(r, 201);
}

/* revoke revokes token id when it is r's own (an admin may revoke anyone's). */
static int
revoke(struct req *r, const char *id, struct token **t)
{
	enum err e;
	int st;

	if ((st = ident_tx_begin(r)) != 0)
		return st;
	e = token_revoke(r->w->db, r->w->rds, r->a, id, r->id->role >= ROLE_ADMIN ? NULL : r->id->user_id, t);
	if (e == ERR_NOTFOUND)
		st = req_fail(r, 404, "no live token of yours has this id");
	else if (e != ERR_OK)
		st = req_fail_err(r, e, "revoke token");
	else if ((e = ident_audit(r, NULL, "token.revoke", arena_printf(r->a, "token:%s", (*t)->id),
		      json_own(r->a,
			  json_pack("{s:s, s:s}", "name", (*t)->name, "owner", (*t)->username)))) != ERR_OK)
		st = req_fail_err(r, e, "record the revocation in the audit log");
	return ident_tx_end(r, st);
}

int
res_tokens_revoke_form(struct req *r)
{
	struct token *t;
	int st;

	if ((st = revoke(r, kv_get(&r->params, "id"), &t)) != 0)
		return st;
	req_flash(r, arena_printf(r->a, "The token %s was revoked.", t->name));
	return req_redirect(r, "/settings#tokens");
}

/* answer_token answers with t as JSON and status, and its secret when it was just made. */
static int
answer_token(struct req *r, int status, const struct token *t, const char *secret)
{
	struct jw w;

	req_jw_begin(r, &w);
	token_write_json(&w, t);
	if (secret != NULL) {
		JW_KEY(&w, "token");
		jw_string(&w, secret);
	}
	jw_end_object(&w);
	return req_jw_done(r, status);
}

int
res_tokens_list(struct req *r)
{
	const char *all = kv_get(&r->query, "all");
	struct token *items;
	struct jw w;
	int n;
	enum err e;

	if (all != NULL && r->id->role < ROLE_ADMIN)
		return req_fail(r, 403, "only admins may list everyone's tokens");
	e = token_list(r->w->db, r->a, all != NULL ? NULL : r->id->user_id, &items, &n);
	if (e != ERR_OK)
		return req_fail_err(r, e, "list tokens");
	req_jw_begin(r, &w);
	jw_object(&w);
	JW_KEY(&w, "items");
	jw_array(&w);
	for (int i = 0; i < n; i++) {
		token_write_json(&w, &items[i]);
		jw_end_object(&w);
	}
	jw_end_array(&w);
	jw_end_object(&w);
	return req_jw_done(r, 200);
}

int
res_tokens_create(struct req *r)
{
	json_t *name = json_object_get(r->json, "name"), *role = json_object_get(r->json, "role");
	json_t *exp = json_object_get(r->json, "expires_days");
	struct token *t;
	char *secret;
	int st;

	if (!json_is_object(r->json))
		return req_fail(
		    r, 400, "send an object: {\"name\": ..., \"role\": ..., \"expires_days\": ...}");
	if (name != NULL && !json_is_string(name))
		return req_fail_field(r, "name", "a string");
	if (role != NULL && !json_is_string(role))
		return req_fail_field(r, "role", "viewer, operator or admin");
	if (exp != NULL && !json_is_integer(exp) && !json_is_null(exp))
		return req_fail_field(r, "expires_days", "a whole number of days, 0 or null for never");
	st = make_token(r, json_string_value(name), json_string_value(role),
	    json_is_integer(exp) ? (long)json_integer_value(exp) : 0, &secret, &t);
	if (st != 0)
		return st;
	req_header_out(r, "Cache-Control", "no-store");
	req_header_out(r, "Location", arena_printf(r->a, "/api/v1/tokens/%s", t->id));
	return answer_token(r, 201, t, secret);
}

int
res_tokens_revoke(struct req *r)
{
	struct token *t;
	int st;

	if ((st = revoke(r, kv_get(&r->params, "id"), &t)) != 0)
		return st;
	return answer_token(r, 200, t, NULL);
}
