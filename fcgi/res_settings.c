/* res_settings.c: one's own password and API tokens, as a page and as JSON. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "arena.h"
#include "auth.h"
#include "ident.h"
#include "json.h"
#include "req.h"
#include "res.h"
#include "tpl.h"
#include "user.h"

static json_t *
token_json(const struct token *t)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s, s:s}", "id", t->id, "name", t->name,
	    "prefix", t->prefix, "role", role_name(t->role), "expires_at", t->expires_at, "last_used_at",
	    t->last_used_at, "revoked_at", t->revoked_at, "created_at", t->created_at, "user", t->username);
}

/* settings_page renders the page with status; the token list is the user's own. */
static int
settings_page(struct req *r, int status)
{
	struct tpl *t = r->w->tpl;
	struct token *items;
	int n;
	enum err e;

	if (r->id->must_change_password)
		tpl_set(t, "Settings.must_change", "1");
	for (int i = ROLE_VIEWER, k = 0; i <= (int)r->id->role; i++, k++)
		tpl_set(t, arena_printf(r->a, "Settings.roles.%d", k), role_name((enum role)i));
	if ((e = token_list(r->w->db, r->a, r->id->user_id, &items, &n)) != ERR_OK)
		return req_fail_err(r, e, "list tokens");
	for (int i = 0; i < n; i++) {
		struct tpl_node *row = tpl_node(t, arena_printf(r->a, "Tokens.%d", i));

		tpl_node_set(row, "id", items[i].id);
		tpl_node_set(row, "name", items[i].name);
		tpl_node_set(row, "prefix", items[i].prefix);
		tpl_node_set(row, "role", role_name(items[i].role));
		tpl_node_set(row, "created_at", items[i].created_at);
		tpl_node_set(row, "expires_at", items[i].expires_at);
		tpl_node_set(row, "last_used_at", items[i].last_used_at);
		tpl_node_set(row, "revoked_at", items[i].revoked_at);
	}
	if (kv_get(&r->query, "changed") != NULL)
		tpl_set(t, "Page.Flash", "Your password was changed. Your other sessions were logged out.");
	if (kv_get(&r->query, "revoked") != NULL)
		tpl_set(t, "Page.Flash", "The token was revoked.");
	return req_page(r, status, "settings", "Settings");
}

int
res_settings_page(struct req *r)
{
	return settings_page(r, 200);
}

int
res_settings_password(struct req *r)
{
	const char *cur = kv_get(&r->form, "current"), *nw = kv_get(&r->form, "new");
	const char *confirm = kv_get(&r->form, "confirm"), *why;
	struct user *u;
	int delay = 0;
	enum err e;

	if (cur == NULL || nw == NULL || confirm == NULL || *cur == '\0') {
		tpl_set(r->w->tpl, "Errors.password", "Fill in your current password and the new one twice.");
		return settings_page(r, 422);
	}
	e = user_check_password(r->w->db, r->a, r->id->username, cur, &u, &delay);
	if (e == ERR_NOTFOUND) {
		ident_audit(
		    r, NULL, "user.password.failed", arena_printf(r->a, "user:%s", r->id->username), NULL);
		tpl_set(r->w->tpl, "Errors.password", "The current password is wrong.");
		return settings_page(r, 422);
	}
	if (e != ERR_OK)
		return req_fail_err(r, e, "checking the password");
	if (strcmp(nw, confirm) != 0)
		why = "The two new passwords differ.";
	else if (strcmp(nw, cur) == 0)
		why = "The new password must differ from the current one.";
	else
		why = auth_password_weak(nw, r->id->username);
	if (why != NULL) {
		tpl_set(r->w->tpl, "Errors.password", why);
		return settings_page(r, 422);
	}
	e = user_set_password(r->w->db, r->w->rds, r->a, r->id->user_id, nw, false, r->id->session_hash);
	if (e != ERR_OK)
		return req_fail_err(r, e, "change password");
	ident_audit(r, NULL, "user.password", arena_printf(r->a, "user:%s", r->id->username), NULL);
	return req_redirect(r, "/settings?changed=1");
}

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
	e = token_create(r->w->db, r->a, u, name, (enum role)role, (int)days, secret, t);
	if (e == ERR_INPUT)
		return req_fail_field(r, "name", "a name of 1 to 64 printable characters");
	if (e != ERR_OK)
		return req_fail_err(r, e, "create token");
	ident_audit(r, NULL, "token.create", arena_printf(r->a, "token:%s", (*t)->id),
	    json_own(r->a,
		json_pack("{s:s, s:s, s:i}", "name", name, "role", role_name((enum role)role), "expires_days",
		    (int)days)));
	return 0;
}

int
res_settings_token_create(struct req *r)
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
		return settings_page(r, 422);
	}
	if (st != 0)
		return st;
	tpl_set(r->w->tpl, "Settings.new_token", secret);
	tpl_set(r->w->tpl, "Settings.new_token_name", t->name);
	req_header_out(r, "Cache-Control", "no-store");
	return settings_page(r, 201);
}

/* revoke revokes token id when it is r's own (an admin may revoke anyone's). */
static int
revoke(struct req *r, const char *id, struct token **t)
{
	enum err e =
	    token_revoke(r->w->db, r->w->rds, r->a, id, r->id->role >= ROLE_ADMIN ? NULL : r->id->user_id, t);

	if (e == ERR_NOTFOUND)
		return req_fail(r, 404, "no live token of yours has this id");
	if (e != ERR_OK)
		return req_fail_err(r, e, "revoke token");
	ident_audit(r, NULL, "token.revoke", arena_printf(r->a, "token:%s", (*t)->id),
	    json_own(r->a, json_pack("{s:s, s:s}", "name", (*t)->name, "owner", (*t)->username)));
	return 0;
}

int
res_settings_token_revoke(struct req *r)
{
	struct token *t;
	int st;

	if ((st = revoke(r, kv_get(&r->params, "id"), &t)) != 0)
		return st;
	return req_redirect(r, "/settings?revoked=1#tokens");
}

int
res_tokens_list(struct req *r)
{
	const char *all = kv_get(&r->query, "all");
	struct token *items;
	json_t *arr = json_array();
	int n;
	enum err e;

	if (all != NULL && r->id->role < ROLE_ADMIN) {
		json_decref(arr);
		return req_fail(r, 403, "only admins may list everyone's tokens");
	}
	e = token_list(r->w->db, r->a, all != NULL ? NULL : r->id->user_id, &items, &n);
	if (e != ERR_OK) {
		json_decref(arr);
		return req_fail_err(r, e, "list tokens");
	}
	for (int i = 0; i < n; i++)
		json_array_append_new(arr, token_json(&items[i]));
	return req_json(r, 200, json_pack("{s:o}", "items", arr));
}

int
res_tokens_create(struct req *r)
{
	json_t *name = json_object_get(r->json, "name"), *role = json_object_get(r->json, "role");
	json_t *exp = json_object_get(r->json, "expires_days");
	struct token *t;
	char *secret;
	json_t *j;
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
	j = token_json(t);
	json_object_set_new(j, "token", json_string(secret));
	req_header_out(r, "Cache-Control", "no-store");
	req_header_out(r, "Location", arena_printf(r->a, "/api/v1/tokens/%s", t->id));
	return req_json(r, 201, j);
}

int
res_tokens_revoke(struct req *r)
{
	struct token *t;
	int st;

	if ((st = revoke(r, kv_get(&r->params, "id"), &t)) != 0)
		return st;
	return req_json(r, 200, token_json(t));
}
