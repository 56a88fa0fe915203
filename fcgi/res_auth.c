/* res_auth.c: logging in and out, who am I, and the check nginx's auth_request calls. */
#include "config.h"

#include <string.h>
#include <time.h>

#include <jansson.h>

#include "arena.h"
#include "auth.h"
#include "ident.h"
#include "json.h"
#include "log.h"
#include "req.h"
#include "res.h"
#include "tpl.h"
#include "session.h"
#include "user.h"

/* local_next returns where to go after logging in: a path on this site, never another host. */
static const char *
local_next(const char *next)
{
	if (next == NULL || next[0] != '/' || next[1] == '/' || next[1] == '\\' ||
	    strpbrk(next, "\r\n") != NULL || strncmp(next, "/login", 6) == 0)
		return "/";
	return next;
}

static int
login_form(struct req *r, int status, const char *username, const char *error)
{
	struct tpl *t = r->w->tpl;

	tpl_set(t, "Login.csrf", ident_login_token(r));
	tpl_set(t, "Login.next", local_next(kv_get(status == 200 ? &r->query : &r->form, "next")));
	tpl_set(t, "Login.username", username);
	tpl_set(t, "Login.error", error);
	if (kv_get(&r->query, "bye") != NULL)
		tpl_set(t, "Page.Flash", "You are logged out.");
	return req_page(r, status, "login", "Log in");
}

int
res_auth_login_page(struct req *r)
{
	if (r->id != NULL)
		return req_redirect(r, local_next(kv_get(&r->query, "next")));
	return login_form(r, 200, NULL, NULL);
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		;
}

int
res_auth_login(struct req *r)
{
	const char *name = kv_get(&r->form, "username");
	const char *pw = kv_get(&r->form, "password");
	struct user *u;
	int delay = 0, st;
	enum err e;

	if (name == NULL || *name == '\0' || pw == NULL || *pw == '\0')
		return login_form(r, 400, name, "Enter your user name and password.");
	e = user_check_password(r->w->db, r->a, name, pw, &u, &delay);
	if (e == ERR_NOTFOUND) {
		/* The delay grows with this account's recent failures; the right password is never
		 * delayed, so guessing cannot lock the real user out. nginx limits the rate per address. */
		if (delay > 0)
			sleep_ms(delay > 4000 ? 4000 : delay);
		ident_audit(r, user_name_ok(name) == NULL ? name : "anonymous", "login.failed",
		    user_name_ok(name) == NULL ? arena_printf(r->a, "user:%s", name) : "", NULL);
		return login_form(r, 401, name, "The user name or password is wrong.");
	}
	if (e != ERR_OK)
		return req_fail_err(r, e, "checking the password");
	if ((st = ident_login(r, u)) != 0)
		return st;
	ident_audit(r, NULL, "login", arena_printf(r->a, "user:%s", u->username), NULL);
	if (u->must_change_password)
		return req_redirect(r, "/settings?must_change=1");
	return req_redirect(r, local_next(kv_get(&r->form, "next")));
}

int
res_auth_logout_page(struct req *r)
{
	if (r->id == NULL)
		return req_redirect(r, "/login");
	if (r->id->via != VIA_SESSION) {
		tpl_set(r->w->tpl, "Logout.via", r->id->via == VIA_PROXY ? "proxy" : "token");
	}
	return req_page(r, 200, "logout", "Log out");
}

int
res_auth_logout(struct req *r)
{
	enum err e;

	if (r->id->via == VIA_SESSION &&
	    (e = session_destroy(r->w->db, r->w->rds, r->a, r->id->session_hash)) != ERR_OK)
		return req_fail_err(r, e, "ending the session");
	ident_audit(r, NULL, "logout", arena_printf(r->a, "user:%s", r->id->username), NULL);
	ident_set_cookie(r, ident_session_cookie(), NULL, 0);
	return req_redirect(r, "/login?bye=1");
}

int
res_auth_check(struct req *r)
{
	if (r->id == NULL) {
		req_header_out(r, "WWW-Authenticate", "Bearer realm=\"aiops\"");
		return req_fail(r, 401, "not logged in");
	}
	req_header_out(r, "X-Aiops-User-Id", r->id->user_id);
	req_header_out(r, "X-Aiops-User", r->id->username);
	req_header_out(r, "X-Aiops-Role", role_name(r->id->role));
	r->status = 200;
	r->body_set = true;
	return 200;
}

int
res_auth_me(struct req *r)
{
	static const char *const via[] = { "session", "token", "proxy" };

	return req_json(r, 200,
	    json_pack("{s:s, s:s, s:s, s:s, s:b}", "id", r->id->user_id, "username", r->id->username, "role",
		role_name(r->id->role), "via", via[r->id->via], "must_change_password",
		r->id->must_change_password));
}
