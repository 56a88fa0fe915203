/* res_admin.c: users and the audit log, for admins, as pages and as JSON. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "arena.h"
#include "audit.h"
#include "auth.h"
#include "ident.h"
#include "json.h"
#include "req.h"
#include "res.h"
#include "text.h"
#include "tpl.h"
#include "url.h"
#include "user.h"

static json_t *
user_json(const struct user *u)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:s?, s:s}", "id", u->id, "username",
	    u->username, "display_name", u->display_name, "role", role_name(u->role), "source", u->source,
	    "disabled", u->disabled, "must_change_password", u->must_change_password, "last_login_at",
	    u->last_login_at, "created_at", u->created_at);
}

static int
users_page(struct req *r, int status)
{
	struct tpl *t = r->w->tpl;
	struct user *items;
	int n;
	enum err e = user_list(r->w->db, r->a, &items, &n);

	if (e != ERR_OK)
		return req_fail_err(r, e, "list users");
	for (int i = 0; i < n; i++) {
		struct tpl_node *row = tpl_node(t, arena_printf(r->a, "Users.%d", i));

		tpl_node_set(row, "id", items[i].id);
		tpl_node_set(row, "username", items[i].username);
		tpl_node_set(row, "display_name", items[i].display_name);
		tpl_node_set(row, "role", role_name(items[i].role));
		tpl_node_set(row, "source", items[i].source);
		tpl_node_set(row, "disabled", items[i].disabled ? "1" : "0");
		tpl_node_set(row, "must_change", items[i].must_change_password ? "1" : "0");
		tpl_node_set(row, "last_login_at", items[i].last_login_at);
		tpl_node_set(row, "self", strcmp(items[i].id, r->id->user_id) == 0 ? "1" : "0");
	}
	for (int i = ROLE_VIEWER, k = 0; i < ROLE__MAX; i++, k++)
		tpl_set(t, arena_printf(r->a, "Roles.%d", k), role_name((enum role)i));
	return req_page(r, status, "admin_users", "Users");
}

int
res_admin_users_page(struct req *r)
{
	return users_page(r, 200);
}

/* new_user creates an account with a one-time password (*otp) or the given password. */
static int
new_user(struct req *r, const char *name, const char *display, const char *role_s, const char *pw, char **otp,
    struct user **u)
{
	int role = role_parse(role_s);
	const char *why;
	enum err e;

	*otp = NULL;
	if (name == NULL || (why = user_name_ok(name)) != NULL)
		return req_fail_field(r, "username", name == NULL ? "a user name is needed" : why);
	if (role < 0)
		return req_fail_field(r, "role", "viewer, operator or admin");
	if (display != NULL && strlen(display) > 128)
		return req_fail_field(r, "display_name", "at most 128 characters");
	if (pw != NULL && (why = auth_password_weak(pw, name)) != NULL)
		return req_fail_field(r, "password", why);
	if (pw == NULL) {
		*otp = arena_alloc(r->a, AUTH_SECRET_CHARS + 1);
		auth_random_secret(*otp);
	}
	e = user_create(r->w->db, r->a, name, display != NULL ? display : "", (enum role)role,
	    pw != NULL ? pw : *otp, pw == NULL, "local", u);
	if (e == ERR_CONFLICT)
		return req_fail(r, 409, arena_printf(r->a, "a user named \"%s\" already exists", name));
	if (e == ERR_INPUT)
		return req_fail_field(r, "username", "PostgreSQL refused this user name");
	if (e != ERR_OK)
		return req_fail_err(r, e, "create user");
	ident_audit(r, NULL, "user.create", arena_printf(r->a, "user:%s", name),
	    json_own(r->a, json_pack("{s:s}", "role", role_name((enum role)role))));
	return 0;
}

int
res_admin_users_create_form(struct req *r)
{
	struct user *u;
	char *otp;
	int st = new_user(r, kv_get(&r->form, "username"), kv_get(&r->form, "display_name"),
	    kv_get(&r->form, "role"), NULL, &otp, &u);

	if (st == 422 || st == 409) {
		tpl_set(r->w->tpl, "Errors.user", req_take_failure(r));
		tpl_set(r->w->tpl, "Form.username", kv_get(&r->form, "username"));
		tpl_set(r->w->tpl, "Form.display_name", kv_get(&r->form, "display_name"));
		return users_page(r, st);
	}
	if (st != 0)
		return st;
	tpl_set(r->w->tpl, "Otp.user", u->username);
	tpl_set(r->w->tpl, "Otp.password", otp);
	req_header_out(r, "Cache-Control", "no-store");
	return users_page(r, 201);
}

/* change applies one change to user id: a role, disabled, or a new one-time password (*otp). An
 * admin cannot lock themselves out: no demoting or disabling oneself. */
static int
change(struct req *r, const char *id, const char *role_s, int disabled, bool reset, char **otp)
{
	bool self = strcmp(id, r->id->user_id) == 0;
	struct user *u;
	enum err e = user_get(r->w->db, r->a, id, &u);

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
		if (role != (int)u->role) {
			if ((e = user_set_role(r->w->db, r->w->rds, r->a, id, (enum role)role)) != ERR_OK)
				return req_fail_err(r, e, "change role");
			ident_audit(r, NULL, "user.role", arena_printf(r->a, "user:%s", u->username),
			    json_own(r->a,
				json_pack("{s:s, s:s}", "from", role_name(u->role), "to",
				    role_name((enum role)role))));
		}
	}
	if (disabled >= 0 && (bool)disabled != u->disabled) {
		if (self && disabled)
			return req_fail_field(r, "disabled", "you cannot disable your own account");
		if ((e = user_set_disabled(r->w->db, r->w->rds, r->a, id, disabled != 0)) != ERR_OK)
			return req_fail_err(r, e, "change account");
		ident_audit(r, NULL, disabled ? "user.disable" : "user.enable",
		    arena_printf(r->a, "user:%s", u->username), NULL);
	}
	if (reset) {
		if (self)
			return req_fail_field(r, "password", "change your own password in your settings");
		*otp = arena_alloc(r->a, AUTH_SECRET_CHARS + 1);
		auth_random_secret(*otp);
		if ((e = user_set_password(r->w->db, r->w->rds, r->a, id, *otp, true, NULL)) != ERR_OK)
			return req_fail_err(r, e, "reset password");
		ident_audit(r, NULL, "user.password.reset", arena_printf(r->a, "user:%s", u->username), NULL);
	}
	return 0;
}

int
res_admin_users_update_form(struct req *r)
{
	const char *action = kv_get(&r->form, "action");
	const char *id = kv_get(&r->params, "id");
	char *otp;
	int st;

	if (action == NULL)
		return req_fail(r, 400, "the form names no action");
	if (strcmp(action, "role") == 0)
		st = change(r, id, kv_get(&r->form, "role"), -1, false, &otp);
	else if (strcmp(action, "disable") == 0 || strcmp(action, "enable") == 0)
		st = change(r, id, NULL, strcmp(action, "disable") == 0, false, &otp);
	else if (strcmp(action, "reset") == 0)
		st = change(r, id, NULL, -1, true, &otp);
	else
		return req_fail(r, 400, "unknown action: role, disable, enable or reset");
	if (st == 422) {
		tpl_set(r->w->tpl, "Errors.user", req_take_failure(r));
		return users_page(r, 422);
	}
	if (st != 0)
		return st;
	if (otp != NULL) {
		struct user *u;

		if (user_get(r->w->db, r->a, id, &u) == ERR_OK)
			tpl_set(r->w->tpl, "Otp.user", u->username);
		tpl_set(r->w->tpl, "Otp.password", otp);
		req_header_out(r, "Cache-Control", "no-store");
		return users_page(r, 200);
	}
	return req_redirect(r, "/admin/users");
}

int
res_users_list(struct req *r)
{
	struct user *items;
	json_t *arr;
	int n;
	enum err e = user_list(r->w->db, r->a, &items, &n);

	if (e != ERR_OK)
		return req_fail_err(r, e, "list users");
	arr = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(arr, user_json(&items[i]));
	return req_json(r, 200, json_pack("{s:o}", "items", arr));
}

/* str_member returns the string member k of the body, NULL when absent; *bad when not a string. */
static const char *
str_member(struct req *r, const char *k, bool *bad)
{
	json_t *v = json_object_get(r->json, k);

	if (v != NULL && !json_is_string(v) && !json_is_null(v))
		*bad = true;
	return json_string_value(v);
}

int
res_users_create(struct req *r)
{
	bool bad = false;
	const char *name, *display, *role, *pw;
	struct user *u;
	char *otp;
	json_t *j;
	int st;

	if (!json_is_object(r->json))
		return req_fail(r, 400, "send an object: {\"username\": ..., \"role\": ...}");
	name = str_member(r, "username", &bad);
	display = str_member(r, "display_name", &bad);
	role = str_member(r, "role", &bad);
	pw = str_member(r, "password", &bad);
	if (bad)
		return req_fail(r, 422, "username, display_name, role and password are strings");
	if ((st = new_user(r, name, display, role, pw, &otp, &u)) != 0)
		return st;
	j = user_json(u);
	if (otp != NULL)
		json_object_set_new(j, "one_time_password", json_string(otp));
	req_header_out(r, "Cache-Control", "no-store");
	req_header_out(r, "Location", arena_printf(r->a, "/api/v1/users/%s", u->id));
	return req_json(r, 201, j);
}

int
res_users_patch(struct req *r)
{
	const char *id = kv_get(&r->params, "id");
	json_t *dis = json_object_get(r->json, "disabled"),
	       *reset = json_object_get(r->json, "reset_password");
	bool bad = false;
	const char *role;
	struct user *u;
	char *otp;
	json_t *j;
	enum err e;
	int st;

	if (!json_is_object(r->json))
		return req_fail(
		    r, 400, "send an object: {\"role\": ..., \"disabled\": ..., \"reset_password\": true}");
	role = str_member(r, "role", &bad);
	if (bad)
		return req_fail_field(r, "role", "viewer, operator or admin");
	if (dis != NULL && !json_is_boolean(dis))
		return req_fail_field(r, "disabled", "true or false");
	if (reset != NULL && !json_is_boolean(reset))
		return req_fail_field(r, "reset_password", "true or false");
	if (!text_uuid_ok(id))
		return req_fail(r, 404, "no user has this id");
	st = change(r, id, role, dis != NULL ? json_is_true(dis) : -1, json_is_true(reset), &otp);
	if (st != 0)
		return st;
	if ((e = user_get(r->w->db, r->a, id, &u)) != ERR_OK)
		return req_fail_err(r, e, "find user");
	j = user_json(u);
	if (otp != NULL) {
		json_object_set_new(j, "one_time_password", json_string(otp));
		req_header_out(r, "Cache-Control", "no-store");
	}
	return req_json(r, 200, j);
}

/* audit_query reads the filters shared by the page and the API. */
static void
audit_query(struct req *r, struct audit_filter *f)
{
	const char *lim = kv_get(&r->query, "limit");

	memset(f, 0, sizeof(*f));
	f->actor = kv_get(&r->query, "actor");
	f->action = kv_get(&r->query, "action");
	f->target = kv_get(&r->query, "target");
	f->since = kv_get(&r->query, "since");
	f->until = kv_get(&r->query, "until");
	f->cursor = kv_get(&r->query, "cursor");
	f->limit = lim != NULL ? atoi(lim) : 100;
	if (f->actor != NULL && *f->actor == '\0')
		f->actor = NULL;
	if (f->action != NULL && *f->action == '\0')
		f->action = NULL;
	if (f->target != NULL && *f->target == '\0')
		f->target = NULL;
	if (f->since != NULL && *f->since == '\0')
		f->since = NULL;
	if (f->until != NULL && *f->until == '\0')
		f->until = NULL;
	if (f->cursor != NULL && *f->cursor == '\0')
		f->cursor = NULL;
}

int
res_audit_list(struct req *r)
{
	struct audit_filter f;
	const char *next;
	json_t *items;
	enum err e;

	audit_query(r, &f);
	if (kv_get(&r->query, "limit") != NULL && (f.limit < 1 || f.limit > 500))
		return req_fail_field(r, "limit", "1 to 500");
	e = audit_list(r->w->db, r->a, &f, &items, &next);
	if (e == ERR_INPUT)
		return req_fail(r, 400,
		    "a filter is malformed: action is dotted lower-case, since and until "
		    "are RFC 3339 times, cursor is a next_cursor");
	if (e != ERR_OK)
		return req_fail_err(r, e, "list audit log");
	return req_json(r, 200, json_pack("{s:o, s:s?}", "items", items, "next_cursor", next));
}

int
res_admin_audit_page(struct req *r)
{
	struct tpl *t = r->w->tpl;
	struct audit_filter f;
	const char *next;
	json_t *items, *v;
	size_t i;
	enum err e;

	audit_query(r, &f);
	e = audit_list(r->w->db, r->a, &f, &items, &next);
	if (e == ERR_INPUT)
		return req_fail(r, 400,
		    "a filter is malformed: action is dotted lower-case, since and until "
		    "are RFC 3339 times");
	if (e != ERR_OK)
		return req_fail_err(r, e, "list audit log");
	json_own(r->a, items);
	tpl_set(t, "Filter.actor", f.actor);
	tpl_set(t, "Filter.action", f.action);
	tpl_set(t, "Filter.target", f.target);
	json_array_foreach (items, i, v) {
		struct tpl_node *row = tpl_node(t, arena_printf(r->a, "Audit.%zu", i));
		char *d = json_dumps(json_object_get(v, "details"), JSON_COMPACT | JSON_SORT_KEYS);

		tpl_node_set(row, "at", json_string_value(json_object_get(v, "at")));
		tpl_node_set(row, "actor", json_string_value(json_object_get(v, "actor")));
		tpl_node_set(row, "role", json_string_value(json_object_get(v, "role")));
		tpl_node_set(row, "action", json_string_value(json_object_get(v, "action")));
		tpl_node_set(row, "target", json_string_value(json_object_get(v, "target")));
		tpl_node_set(row, "client", json_string_value(json_object_get(v, "client_addr")));
		tpl_node_set(row, "request_id", json_string_value(json_object_get(v, "request_id")));
		tpl_node_set(row, "details", d != NULL && strcmp(d, "{}") != 0 ? d : NULL);
		tpl_node_set(row, "failed",
		    strstr(json_string_value(json_object_get(v, "action")), "failed") != NULL ? "1" : "0");
		free(d);
	}
	if (next != NULL) {
		struct buf *u = buf_new(r->a);

		buf_printf(u, "/admin/audit?cursor=%s", next);
		if (f.actor != NULL)
			buf_printf(u, "&actor=%s", url_encode(r->a, f.actor));
		if (f.action != NULL)
			buf_printf(u, "&action=%s", url_encode(r->a, f.action));
		if (f.target != NULL)
			buf_printf(u, "&target=%s", url_encode(r->a, f.target));
		tpl_set(t, "Audit_next", buf_cstr(u));
	}
	return req_page(r, 200, "admin_audit", "Audit log");
}
