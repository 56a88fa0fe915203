/* res_tokens.c: API tokens: the forms of the settings page that make and revoke them, and
 * /api/v1/tokens. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "field.h"
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

/* make_token checks in (errors may hold faults found reading it) and creates a token for r's user
 * with its audit row, in one transaction; (*t)->secret is shown once. The role defaults to r's. */
static int
make_token(struct req *r, struct token_in *in, json_t *errors, struct token **t)
{
	int role, days, st;
	struct user *u;
	char *secret;
	enum err e;

	if (in->role == NULL || *in->role == '\0')
		in->role = role_name(r->id->role);
	if (field_validate(token_fields, in, errors) != ERR_OK) {

		return req_fail_fields(r, errors);
	}
	role = role_parse(in->role);
	days = in->expires_days == FIELD_INT_UNSET ? 0 : in->expires_days;
	if (role > (int)r->id->role)
		return req_fail_field(r, "role", "a token cannot have a higher role than yours");
	if ((st = owner(r, &u)) != 0)
		return st;
	if ((st = ident_tx_begin(r)) != 0)
		return st;
	e = token_create(r->w->db, r->a, u, in->name, (enum role)role, days, &secret, t);
	if (e == ERR_INPUT)
		st = req_fail_field(r, "name", "a name of 1 to 64 printable characters");
	else if (e != ERR_OK)
		st = req_fail_err(r, e, "create token");
	else if ((e = ident_audit(r, NULL, "token.create", arena_printf(r->a, "token:%s", (*t)->id),
		      json_own(r->a,
			  json_pack("{s:s, s:s, s:i}", "name", in->name, "role", in->role, "expires_days",
			      days)))) != ERR_OK)
		st = req_fail_err(r, e, "record the new token in the audit log");
	return ident_tx_end(r, st);
}

int
res_tokens_create_form(struct req *r)
{
	json_t *errors = json_own(r->a, json_object());
	struct token_in in;
	struct token *t;
	int st;

	field_in_init(token_fields, &in);
	field_from_form(token_fields, &in, req_form_field, r, r->a, errors);
	st = make_token(r, &in, errors, &t);
	if (st == 422) {
		tpl_set(r->w->tpl, "Errors.token", req_take_failure(r));
		field_write_form_sent(token_fields, req_form_field, r, tpl_rows(r->w->tpl, r->a, "Form"));
		return res_settings_render(r, 422);
	}
	if (st != 0)
		return st;
	/* The secret goes to the next page through the session's stash, never in the address; where
	 * there is no stash (no session, Redis refusing) the page shows it at once. */
	if (ident_stash_put(r, RES_TOKENS_STASH, arena_printf(r->a, "%s\n%s", t->name, t->secret)) == ERR_OK)
		return req_redirect(r, "/settings#tokens");
	tpl_set(r->w->tpl, "Settings.new_token", t->secret);
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

/* answer_token answers with t as JSON and status; one with its secret is never stored. */
static int
answer_token(struct req *r, int status, const struct token *t)
{
	struct jw w;

	if (t->secret != NULL)
		req_header_out(r, "Cache-Control", "no-store");
	req_jw_begin(r, &w);
	token_write_json(&w, t);
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
	for (int i = 0; i < n; i++)
		token_write_json(&w, &items[i]);
	jw_end_array(&w);
	jw_end_object(&w);
	return req_jw_done(r, 200);
}

int
res_tokens_create(struct req *r)
{
	json_t *errors = json_own(r->a, json_object());
	struct token_in in;
	struct token *t;
	int st;

	if (!json_is_object(r->json))
		return req_fail(
		    r, 400, "send an object: {\"name\": ..., \"role\": ..., \"expires_days\": ...}");
	field_in_init(token_fields, &in);
	field_from_json(token_fields, &in, r->json, errors);
	if ((st = make_token(r, &in, errors, &t)) != 0)
		return st;
	req_header_out(r, "Location", arena_printf(r->a, "/api/v1/tokens/%s", t->id));
	return answer_token(r, 201, t);
}

int
res_tokens_revoke(struct req *r)
{
	struct token *t;
	int st;

	if ((st = revoke(r, kv_get(&r->params, "id"), &t)) != 0)
		return st;
	return answer_token(r, 200, t);
}
