/* res_auth.c: logging in and out, who am I, and the check nginx's auth_request calls. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "arena.h"
#include "auth.h"
#include "cfg.h"
#include "ident.h"
#include "jw.h"
#include "req.h"
#include "res.h"
#include "path.h"
#include "route_row.h"
#include "session.h"
#include "tpl.h"
#include "url.h"
#include "user.h"

/* local_next returns where to go after logging in: a path on this site, never another host. */
static const char *
local_next(const char *next)
{
	if (next == NULL || next[0] != '/' || next[1] == '/' || next[1] == '\\' ||
	    strpbrk(next, "\r\n\\") != NULL || strncmp(next, "/login", 6) == 0)
		return "/";
	return next;
}

/* KEEP_PREFIX names the login form's hidden fields that carry a form whose session ended. */
#define KEEP_PREFIX "keep."
#define RESEND_STASH "resend"

/* keep_field says whether a form field may travel through the login page and the session's
 * stash: not the form token, and nothing that may be a secret (passwords, tokens, keys,
 * certificates, credentials), which the person types again. */
static bool
keep_field(const char *k)
{
	static const char *const secret[] = { "password", "passwd", "secret", "token", "key", "cert",
		"credential", "bundle", "auth", "current", "new", "confirm", NULL };

	for (int i = 0; secret[i] != NULL; i++)
		if (strstr(k, secret[i]) != NULL)
			return false;
	return *k != '\0' && strncmp(k, KEEP_PREFIX, strlen(KEEP_PREFIX)) != 0;
}

/* form_route says whether path is where one of our HTML forms posts to. */
static bool
form_route(struct req *r, const char *path)
{
	return path_is_form_target(r->w->routes, r->w->nroutes, path);
}

/* set_kept puts the fields kept from a form into the login page: its target, and each field as a
 * hidden keep.NAME, from the list l (the ended form's fields, or the login form's keep.* ones). */
static void
set_kept(struct req *r, const char *resend_to, const struct kvlist *l, bool from_login)
{
	struct tpl *t = r->w->tpl;
	int n = 0;

	if (resend_to == NULL || !form_route(r, resend_to))
		return;
	for (size_t i = 0; i < l->n; i++) {
		const char *k = l->items[i].k;
		struct tpl_node *row;

		if (from_login) {
			if (strncmp(k, KEEP_PREFIX, strlen(KEEP_PREFIX)) != 0)
				continue;
			k += strlen(KEEP_PREFIX);
		}
		if (!keep_field(k))
			continue;
		row = tpl_node(t, arena_printf(r->a, "Login.keep.%d", n++));
		tpl_node_set(row, "k", k);
		tpl_node_set(row, "v", l->items[i].v);
	}
	if (n > 0)
		tpl_set(t, "Login.resend_to", resend_to);
}

/* login_form renders the login page with status: the pre-login token, where to go after, the
 * name typed and the error, and what a form whose session ended left in the page it posts. */
static int
login_form(struct req *r, int status, const char *username, const char *error)
{
	struct tpl *t = r->w->tpl;

	tpl_set(t, "Login.csrf", ident_login_token(r));
	tpl_set(t, "Login.next", local_next(kv_get(status == 200 ? &r->query : &r->form, "next")));
	tpl_set(t, "Login.username", username);
	tpl_set(t, "Login.error", error);
	if (status == 200 && kv_get(&r->query, "ended") != NULL)
		tpl_set(t, "Login.ended", "1");
	if (strcmp(r->method, "POST") == 0) {
		tpl_set(t, "Login.ended", kv_get(&r->form, "ended"));
		set_kept(r, kv_get(&r->form, "resend_to"), &r->form, true);
	}
	return req_page(r, status, "login", "Log in");
}

int
res_auth_login_page(struct req *r)
{
	if (r->id != NULL)
		return req_redirect(r, local_next(kv_get(&r->query, "next")));
	if (kv_get(&r->query, "limited") != NULL) {
		/* nginx's login limit sends browsers here (as a GET, keeping its 429): say so, and when. */
		time_t at = time(NULL) + 60;
		struct tm tm;
		char when[16];

		gmtime_r(&at, &tm);
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
		req_header_out(r, "Retry-After", "60");
		return login_form(r, 200, NULL,
		    arena_printf(r->a,
			"Too many login attempts from your address. Wait a minute and try again, "
			"after %s UTC.",
			when));
	}
	return login_form(r, 200, NULL, NULL);
}

/* referer_path returns the path and query of the page a request came from when it is a page of
 * this site (the Host the browser asked for, any port), else NULL. Arena memory. */
static const char *
referer_path(struct req *r)
{
	const char *ref = req_param(r, "HTTP_REFERER"), *host = req_param(r, "HTTP_HOST"), *h, *p;
	size_t hn;

	if (ref == NULL || host == NULL)
		return NULL;
	if (strncmp(ref, "https://", 8) == 0)
		h = ref + 8;
	else if (strncmp(ref, "http://", 7) == 0)
		h = ref + 7;
	else
		return NULL;
	hn = strcspn(host, ":");
	if (strncasecmp(h, host, hn) != 0 || (h[hn] != ':' && h[hn] != '/'))
		return NULL;
	if ((p = strchr(h, '/')) == NULL)
		return NULL;
	return arena_strndup(r->a, p, strcspn(p, "#"));
}

/* read_ended_form reads the url-encoded body of a form whose session ended into r->form; a body
 * that is not one, or too large, keeps nothing. */
static void
read_ended_form(struct req *r)
{
	const char *ct = req_param(r, "CONTENT_TYPE"), *cl = req_param(r, "CONTENT_LENGTH");
	long n = cl != NULL ? strtol(cl, NULL, 10) : 0;
	char *body;
	size_t len;

	if (ct == NULL || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0 || n <= 0 ||
	    n > cfg_int("server.max_body"))
		return;
	if (req_read_body(r, (size_t)n, &body, &len) != 0 ||
	    kv_parse_urlencoded(r->a, body, len, &r->form) != ERR_OK) {
		memset(&r->form, 0, sizeof(r->form));
		r->error = NULL;
	}
}

int
res_auth_session_ended(struct req *r)
{
	const char *next = referer_path(r);
	struct tpl *t = r->w->tpl;
	bool dropped = false;

	/* Only our own pages' forms are kept: one from another site gets the bare login page. */
	if (!ident_same_site(r))
		return req_redirect(r, "/login");
	/* Logging out of a session that has already ended: done, nothing to send again. */
	if (r->route->handler == res_auth_logout) {
		ident_set_cookie(r, ident_session_cookie(), NULL, 0);
		req_flash(r, "You are logged out.");
		return req_redirect(r, "/login");
	}
	read_ended_form(r);
	for (size_t i = 0; i < r->form.n; i++)
		if (strcmp(r->form.items[i].k, "csrf_token") != 0 && !keep_field(r->form.items[i].k))
			dropped = true;
	tpl_set(t, "Login.csrf", ident_login_token(r));
	tpl_set(t, "Login.next", local_next(next != NULL ? next : r->path));
	tpl_set(t, "Login.ended", dropped ? "secret" : "1");
	if (!dropped)
		set_kept(r, r->path, &r->form, false);
	ident_set_cookie(r, ident_session_cookie(), NULL, 0);
	return req_page(r, 401, "login", "Log in");
}

/* sleep_ms waits ms milliseconds, through signals. */
static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		;
}

/* after_login goes back where the person was. When they came to log in because a form's session
 * had ended, the form's kept fields wait in the new session's stash for /login/resume, which
 * shows them and offers to send them again. */
static int
after_login(struct req *r)
{
	const char *next = local_next(kv_get(&r->form, "next"));
	const char *to = kv_get(&r->form, "resend_to");
	struct buf *b = buf_new(r->a);

	if (to == NULL || !form_route(r, to))
		return req_redirect(r, next);
	for (size_t i = 0; i < r->form.n; i++) {
		const char *k = r->form.items[i].k;

		if (strncmp(k, KEEP_PREFIX, strlen(KEEP_PREFIX)) != 0 || !keep_field(k + strlen(KEEP_PREFIX)))
			continue;
		buf_printf(b, "%s%s=%s", b->len > 0 ? "&" : "", url_encode(r->a, k + strlen(KEEP_PREFIX)),
		    url_encode(r->a, r->form.items[i].v));
	}
	if (b->len == 0 ||
	    ident_stash_put(r, RESEND_STASH, arena_printf(r->a, "%s\n%s\n%s", to, next, buf_cstr(b))) !=
		ERR_OK)
		return req_redirect(r, next);
	return req_redirect(r, "/login/resume");
}

int
res_auth_resume(struct req *r)
{
	struct tpl *t = r->w->tpl;
	char *kept = ident_stash_peek(r, RESEND_STASH), *next, *body;
	struct kvlist l = { 0 };

	if (kept == NULL || (next = strchr(kept, '\n')) == NULL || (body = strchr(next + 1, '\n')) == NULL) {
		req_flash(r, "Nothing is waiting to be sent again.");
		return req_redirect(r, "/");
	}
	*next++ = '\0';
	*body++ = '\0';
	if (!form_route(r, kept) || kv_parse_urlencoded(r->a, body, strlen(body), &l) != ERR_OK)
		return req_redirect(r, "/");
	tpl_set(t, "Resume.action", kept);
	tpl_set(t, "Resume.next", local_next(next));
	for (size_t i = 0; i < l.n; i++) {
		struct tpl_node *row = tpl_node(t, arena_printf(r->a, "Resume.fields.%zu", i));

		tpl_node_set(row, "k", l.items[i].k);
		tpl_node_set(row, "v", l.items[i].v);
	}
	return req_page(r, 200, "login_resume", "Send it again?");
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
	return after_login(r);
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
	req_flash(r, "You are logged out.");
	return req_redirect(r, "/login");
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
	struct jw w;

	req_jw_begin(r, &w);
	jw_object(&w);
	JW_KEY(&w, "id");
	jw_string(&w, r->id->user_id);
	JW_KEY(&w, "username");
	jw_string(&w, r->id->username);
	JW_KEY(&w, "role");
	jw_string(&w, role_name(r->id->role));
	JW_KEY(&w, "via");
	jw_string(&w, via[r->id->via]);
	JW_KEY(&w, "must_change_password");
	jw_bool(&w, r->id->must_change_password);
	jw_end_object(&w);
	return req_jw_done(r, 200);
}
