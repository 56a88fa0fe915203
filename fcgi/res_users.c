/* res_users.c: user accounts, for admins: the users page and its forms, and /api/v1/users. */
#include "config.h"

#include <string.h>

#include "arena.h"
#include "auth.h"
#include "field.h"
#include "ident.h"
#include "json.h"
#include "jw.h"
#include "req.h"
#include "res.h"
#include "tpl.h"
#include "user.h"

/* The stash entry that carries a one-time password from a form to the page it redirects to. */
#define OTP_STASH "otp"

/* users_page renders the users page with status: every account, the roles to choose from, and a
 * one-time password left by the form that redirected here (shown once). */
static int
users_page(struct req *r, int status)
{
	struct tpl *t = r->w->tpl;
	struct tpl_row *rows;
	struct user *items;
	const char *otp;
	int n;
	enum err e = user_list(r->w->db, r->a, &items, &n);

	if (e != ERR_OK)
		return req_fail_err(r, e, "list users");
	rows = tpl_rows(t, r->a, "Users");
	for (int i = 0; i < n; i++) {
		struct tpl_row *row = tpl_row_add(rows, NULL);

		field_write_row(user_fields, &items[i], FIELD_LIST, row, r->a);
		tpl_row_set(row, "self", strcmp(items[i].id, r->id->user_id) == 0 ? "1" : "0");
	}
	field_write_choices(user_fields, tpl_rows(t, r->a, "Choices"));
	if (tpl_get(t, "Otp.password") == NULL && (otp = ident_stash_take(r, OTP_STASH)) != NULL) {
		const char *nl = strchr(otp, '\n');

		if (nl != NULL) {
			tpl_set(t, "Otp.user", arena_strndup(r->a, otp, (size_t)(nl - otp)));
			tpl_set(t, "Otp.password", nl + 1);
		}
	}
	if (tpl_get(t, "Otp.password") != NULL)
		req_header_out(r, "Cache-Control", "no-store");
	return req_page(r, status, "admin_users", "Users");
}

int
res_users_page(struct req *r)
{
	return users_page(r, 200);
}

/* show_otp answers a form that made a one-time password for username: a redirect to the users
 * page, which shows it once from the session's stash; when there is no stash to keep it in (no
 * session, or Redis refuses), the page itself with status, so the password is never lost. */
static int
show_otp(struct req *r, const char *username, const char *otp, int status)
{
	if (ident_stash_put(r, OTP_STASH, arena_printf(r->a, "%s\n%s", username, otp)) == ERR_OK)
		return req_redirect(r, "/admin/users");
	tpl_set(r->w->tpl, "Otp.user", username);
	tpl_set(r->w->tpl, "Otp.password", otp);
	return users_page(r, status);
}

/* fail_fields answers 422 with every reason in errors, field by field. */
static int
fail_fields(struct req *r, json_t *errors)
{

	return req_fail_fields(r, errors);
}

/* new_user creates the account in (read and not yet checked; errors may hold faults found
 * reading it) with its password, or a one-time password made here (u->one_time_password), and
 * its audit row, in one transaction. */
static int
new_user(struct req *r, struct user_in *in, json_t *errors, struct user **u)
{
	char *otp = NULL;
	const char *why;
	enum err e;
	int st;

	if (field_validate(user_fields, in, errors) != ERR_OK)
		return fail_fields(r, errors);
	if (in->password != NULL && (why = auth_password_weak(in->password, in->username)) != NULL)
		return req_fail_field(r, "password", why);
	if (in->password == NULL) {
		otp = arena_alloc(r->a, AUTH_SECRET_CHARS + 1);
		auth_random_secret(otp);
	}
	if ((st = ident_tx_begin(r)) != 0)
		return st;
	e = user_create(r->w->db, r->a, in->username, in->display_name != NULL ? in->display_name : "",
	    (enum role)role_parse(in->role), in->password != NULL ? in->password : otp, otp != NULL, "local",
	    u);
	if (e == ERR_CONFLICT)
		st = req_fail(r, 409, arena_printf(r->a, "a user named \"%s\" already exists", in->username));
	else if (e == ERR_INPUT)
		st = req_fail_field(r, "username", "PostgreSQL refused this user name");
	else if (e != ERR_OK)
		st = req_fail_err(r, e, "create user");
	else if ((e = ident_audit(r, NULL, "user.create", arena_printf(r->a, "user:%s", in->username),
		      json_own(r->a, json_pack("{s:s}", "role", in->role)))) != ERR_OK)
		st = req_fail_err(r, e, "record the new user in the audit log");
	if ((st = ident_tx_end(r, st)) != 0)
		return st;
	(*u)->one_time_password = otp;
	return 0;
}

int
res_users_create_form(struct req *r)
{
	json_t *errors = json_own(r->a, json_object());
	struct user_in in;
	struct user *u;
	int st;

	field_in_init(user_fields, &in);
	field_from_form(user_fields, &in, req_form_field, r, r->a, errors);
	st = new_user(r, &in, errors, &u);
	if (st == 422 || st == 409) {
		tpl_set(r->w->tpl, "Errors.user", req_take_failure(r));
		field_write_form_sent(user_fields, req_form_field, r, tpl_rows(r->w->tpl, r->a, "Form"));
		return users_page(r, st);
	}
	if (st != 0)
		return st;
	return show_otp(r, u->username, u->one_time_password, 201);
}

/* change_in_tx applies the changes to user id inside the open transaction, each with its audit
 * row: a role, disabled, or a new one-time password (*otp); *u is the account as it was. An admin
 * cannot lock themselves out: no demoting or disabling oneself. */
static int
change_in_tx(
    struct req *r, const char *id, const char *role_s, int disabled, bool reset, char **otp, struct user **u)
{
	bool self = strcmp(id, r->id->user_id) == 0;
	enum err e = user_get(r->w->db, r->a, id, u);

	*otp = NULL;
	if (e == ERR_NOTFOUND)
		return req_fail(r, 404, "no user has this id");
	if (e != ERR_OK)
		return req_fail_err(r, e, "find user");
	if (role_s != NULL) {
		int role = role_parse(role_s);

		if (role < 0)
			return req_fail_field(r, "role", "viewer, operator or admin");
		if (self && role < (int)ROLE_ADMIN)
			return req_fail_field(r, "role", "you cannot lower your own role; ask another admin");
		if (role != (int)(*u)->role) {
			if ((e = user_set_role(r->w->db, r->w->rds, r->a, id, (enum role)role)) != ERR_OK)
				return req_fail_err(r, e, "change role");
			if ((e = ident_audit(r, NULL, "user.role",
				 arena_printf(r->a, "user:%s", (*u)->username),
				 json_own(r->a,
				     json_pack("{s:s, s:s}", "from", role_name((*u)->role), "to",
					 role_name((enum role)role))))) != ERR_OK)
				return req_fail_err(r, e, "record the role change in the audit log");
		}
	}
	if (disabled >= 0 && (bool)disabled != (*u)->disabled) {
		if (self && disabled)
			return req_fail_field(r, "disabled", "you cannot disable your own account");
		if ((e = user_set_disabled(r->w->db, r->w->rds, r->a, id, disabled != 0)) != ERR_OK)
			return req_fail_err(r, e, "change account");
		if ((e = ident_audit(r, NULL, disabled ? "user.disable" : "user.enable",
			 arena_printf(r->a, "user:%s", (*u)->username), NULL)) != ERR_OK)
			return req_fail_err(r, e, "record the change in the audit log");
	}
	if (reset) {
		if (self)
			return req_fail_field(r, "password", "change your own password in your settings");
		*otp = arena_alloc(r->a, AUTH_SECRET_CHARS + 1);
		auth_random_secret(*otp);
		if ((e = user_set_password(r->w->db, r->w->rds, r->a, id, *otp, true, NULL)) != ERR_OK)
			return req_fail_err(r, e, "reset password");
		if ((e = ident_audit(r, NULL, "user.password.reset",
			 arena_printf(r->a, "user:%s", (*u)->username), NULL)) != ERR_OK)
			return req_fail_err(r, e, "record the reset in the audit log");
	}
	return 0;
}

/* change runs change_in_tx in one transaction: every change with its audit row, or nothing. */
static int
change(
    struct req *r, const char *id, const char *role_s, int disabled, bool reset, char **otp, struct user **u)
{
	int st = ident_tx_begin(r);

	*otp = NULL;
	if (st != 0)
		return st;
	return ident_tx_end(r, change_in_tx(r, id, role_s, disabled, reset, otp, u));
}

int
res_users_update_form(struct req *r)
{
	const char *action = kv_get(&r->form, "action");
	const char *id = kv_get(&r->params, "id");
	const char *done;
	struct user *u;
	char *otp;
	int st;

	if (action == NULL)
		return req_fail(r, 400, "the form names no action");
	if (strcmp(action, "role") == 0)
		st = change(r, id, kv_get(&r->form, "role"), -1, false, &otp, &u);
	else if (strcmp(action, "disable") == 0 || strcmp(action, "enable") == 0)
		st = change(r, id, NULL, strcmp(action, "disable") == 0, false, &otp, &u);
	else if (strcmp(action, "reset") == 0)
		st = change(r, id, NULL, -1, true, &otp, &u);
	else
		return req_fail(r, 400, "unknown action: role, disable, enable or reset");
	if (st == 422) {
		tpl_set(r->w->tpl, "Errors.user", req_take_failure(r));
		return users_page(r, 422);
	}
	if (st != 0)
		return st;
	if (otp != NULL)
		return show_otp(r, u->username, otp, 200);
	if (strcmp(action, "disable") == 0)
		done = u->disabled ? "was already disabled."
				   : "is disabled: their sessions ended and their tokens stopped working.";
	else if (strcmp(action, "enable") == 0)
		done = u->disabled ? "is enabled again: they can log in." : "was already enabled.";
	else
		done = arena_printf(
		    r->a, "now has the %s role.", role_name((enum role)role_parse(kv_get(&r->form, "role"))));
	req_flash(r, arena_printf(r->a, "%s %s", u->username, done));
	return req_redirect(r, "/admin/users");
}

/* users_form_target answers a GET of the address a users form posts to (a reload, a bookmark):
 * the users page. */
int
res_users_form_target(struct req *r)
{
	return req_redirect(r, "/admin/users");
}

int
res_users_list(struct req *r)
{
	struct user *items;
	struct jw w;
	int n;
	enum err e = user_list(r->w->db, r->a, &items, &n);

	if (e != ERR_OK)
		return req_fail_err(r, e, "list users");
	req_jw_begin(r, &w);
	jw_object(&w);
	JW_KEY(&w, "items");
	jw_array(&w);
	for (int i = 0; i < n; i++)
		user_write_json(&w, &items[i]);
	jw_end_array(&w);
	jw_end_object(&w);
	return req_jw_done(r, 200);
}

/* answer_user answers with u as JSON and status; one with a one-time password is never stored. */
static int
answer_user(struct req *r, int status, const struct user *u)
{
	struct jw w;

	if (u->one_time_password != NULL)
		req_header_out(r, "Cache-Control", "no-store");
	req_jw_begin(r, &w);
	user_write_json(&w, u);
	return req_jw_done(r, status);
}

int
res_users_create(struct req *r)
{
	json_t *errors = json_own(r->a, json_object());
	struct user_in in;
	struct user *u;
	int st;

	if (!json_is_object(r->json))
		return req_fail(r, 400, "send an object: {\"username\": ..., \"role\": ...}");
	field_in_init(user_fields, &in);
	field_from_json(user_fields, &in, r->json, errors);
	if ((st = new_user(r, &in, errors, &u)) != 0)
		return st;
	req_header_out(r, "Location", arena_printf(r->a, "/api/v1/users/%s", u->id));
	return answer_user(r, 201, u);
}

int
res_users_patch(struct req *r)
{
	const char *id = kv_get(&r->params, "id");
	json_t *errors = json_own(r->a, json_object());
	struct user_in in;
	struct user *u;
	char *otp;
	enum err e;
	int st;

	if (!json_is_object(r->json))
		return req_fail(
		    r, 400, "send an object: {\"role\": ..., \"disabled\": ..., \"reset_password\": true}");
	if ((e = user_get(r->w->db, r->a, id, &u)) == ERR_NOTFOUND)
		return req_fail(r, 404, "no user has this id");
	if (e != ERR_OK)
		return req_fail_err(r, e, "find user");
	/* The account as it is, with the members sent laid over it. */
	field_from_record(user_fields, &in, u, r->a);
	field_from_json(user_fields, &in, r->json, errors);
	if (field_validate(user_fields, &in, errors) != ERR_OK)
		return fail_fields(r, errors);
	if (strcmp(in.username, u->username) != 0)
		return req_fail_field(r, "username", "a user name stays as it was made");
	if (in.display_name != NULL && strcmp(in.display_name, u->display_name) != 0)
		return req_fail_field(r, "display_name", "the display name stays as it was made");
	if (in.password != NULL)
		return req_fail_field(
		    r, "password", "only its owner sets a password; reset_password gives a one-time one");
	st = change(r, id, strcmp(in.role, u->role_name) != 0 ? in.role : NULL,
	    in.disabled != (int)u->disabled ? in.disabled : -1, in.reset_password == 1, &otp, &u);
	if (st != 0)
		return st;
	if ((e = user_get(r->w->db, r->a, id, &u)) != ERR_OK)
		return req_fail_err(r, e, "find user");
	u->one_time_password = otp;
	return answer_user(r, 200, u);
}
