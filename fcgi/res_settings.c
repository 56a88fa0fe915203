/* res_settings.c: one's own settings page: the password form, and the API tokens (res_tokens.c). */
#include "config.h"

#include <string.h>

#include "arena.h"
#include "auth.h"
#include "field.h"
#include "ident.h"
#include "req.h"
#include "res.h"
#include "token.h"
#include "tpl.h"
#include "user.h"

int
res_settings_render(struct req *r, int status)
{
	struct tpl *t = r->w->tpl;
	struct token *items;
	struct tpl_row *rows;
	const char *made;
	int n;
	enum err e;

	if (r->id->must_change_password)
		tpl_set(t, "Settings.must_change", "1");
	for (int i = ROLE_VIEWER, k = 0; i <= (int)r->id->role; i++, k++)
		tpl_set(t, arena_printf(r->a, "Settings.roles.%d", k), role_name((enum role)i));
	if ((e = token_list(r->w->db, r->a, r->id->user_id, &items, &n)) != ERR_OK)
		return req_fail_err(r, e, "list tokens");
	rows = tpl_rows(t, r->a, "Tokens");
	for (int i = 0; i < n; i++)
		field_write_row(token_fields, &items[i], FIELD_LIST, tpl_row_add(rows, NULL), r->a);
	/* A token made by the form that redirected here: its secret, shown this once. */
	if (tpl_get(t, "Settings.new_token") == NULL &&
	    (made = ident_stash_take(r, RES_TOKENS_STASH)) != NULL) {
		const char *nl = strchr(made, '\n');

		if (nl != NULL) {
			tpl_set(t, "Settings.new_token_name", arena_strndup(r->a, made, (size_t)(nl - made)));
			tpl_set(t, "Settings.new_token", nl + 1);
		}
	}
	if (tpl_get(t, "Settings.new_token") != NULL)
		req_header_out(r, "Cache-Control", "no-store");
	return req_page(r, status, "settings", "Settings");
}

int
res_settings_page(struct req *r)
{
	return res_settings_render(r, 200);
}

int
res_settings_password(struct req *r)
{
	const char *cur = kv_get(&r->form, "current"), *nw = kv_get(&r->form, "new");
	const char *confirm = kv_get(&r->form, "confirm"), *why;
	struct user *u;
	int delay = 0, st;
	enum err e;

	if (cur == NULL || nw == NULL || confirm == NULL || *cur == '\0') {
		tpl_set(r->w->tpl, "Errors.password", "Fill in your current password and the new one twice.");
		return res_settings_render(r, 422);
	}
	e = user_check_password(r->w->db, r->a, r->id->username, cur, &u, &delay);
	if (e == ERR_NOTFOUND) {
		ident_audit(
		    r, NULL, "user.password.failed", arena_printf(r->a, "user:%s", r->id->username), NULL);
		tpl_set(r->w->tpl, "Errors.password", "The current password is wrong.");
		return res_settings_render(r, 422);
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
		return res_settings_render(r, 422);
	}
	if ((st = ident_tx_begin(r)) != 0)
		return st;
	e = user_set_password(r->w->db, r->w->rds, r->a, r->id->user_id, nw, false, r->id->session_hash);
	if (e != ERR_OK)
		st = req_fail_err(r, e, "change password");
	else if ((e = ident_audit(r, NULL, "user.password", arena_printf(r->a, "user:%s", r->id->username),
		      NULL)) != ERR_OK)
		st = req_fail_err(r, e, "record the change in the audit log");
	if ((st = ident_tx_end(r, st)) != 0)
		return st;
	req_flash(r, "Your password was changed. Your other sessions were logged out.");
	return req_redirect(r, "/settings");
}

int
res_settings_form_target(struct req *r)
{
	const char *p = r->path;

	return req_redirect(r, strncmp(p, "/settings/tokens", 16) == 0 ? "/settings#tokens" : "/settings");
}
