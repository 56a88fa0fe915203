/* ident.c: who is asking (token, trusted proxy, session cookie), and whether they may. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "arena.h"
#include "audit.h"
#include "auth.h"
#include "cfg.h"
#include "db.h"
#include "ident.h"
#include "log.h"
#include "req.h"
#include "res.h"
#include "route_row.h"
#include "tpl.h"
#include "url.h"
#include "version.h"
#include "session.h"
#include "token.h"
#include "user.h"

#define LOGIN_COOKIE_SECURE "__Host-aiops_login"
#define LOGIN_COOKIE_PLAIN "aiops_login"

static bool
secure_cookies(void)
{
	return cfg_int("session.secure_cookie") != 0;
}

const char *
ident_session_cookie(void)
{
	return secure_cookies() ? "__Host-aiops_session" : "aiops_session";
}

static const char *
login_cookie(void)
{
	return secure_cookies() ? LOGIN_COOKIE_SECURE : LOGIN_COOKIE_PLAIN;
}

void
ident_set_cookie(struct req *r, const char *name, const char *value, long max_age)
{
	req_header_out(r, "Set-Cookie",
	    arena_printf(r->a, "%s=%s; Path=/; Max-Age=%ld; HttpOnly; SameSite=Lax%s", name,
		value != NULL ? value : "", value != NULL ? max_age : 0L,
		secure_cookies() ? "; Secure" : ""));
}

int
ident_login(struct req *r, const struct user *u)
{
	char *sid;
	struct identity *id;
	enum err e = session_create(r->w->db, r->w->rds, r->a, u, r->remote_addr, &sid, &id);

	if (e != ERR_OK)
		return req_fail_err(r, e, "starting a session");
	r->id = id;
	ident_set_cookie(r, ident_session_cookie(), sid, cfg_int("session.absolute_seconds"));
	ident_set_cookie(r, login_cookie(), NULL, 0);
	return 0;
}

const char *
ident_login_token(struct req *r)
{
	const char *have = kv_get(&r->cookies, login_cookie());
	char *fresh;

	if (have != NULL && auth_secret_format_ok(have))
		return have;
	fresh = arena_alloc(r->a, AUTH_SECRET_CHARS + 1);
	auth_random_secret(fresh);
	ident_set_cookie(r, login_cookie(), fresh, 3600);
	return fresh;
}

enum err
ident_audit(struct req *r, const char *actor, const char *action, const char *target, void *details)
{
	struct audit_entry e = { 0 };
	enum err err;

	e.actor = r->id != NULL ? r->id->username : actor != NULL ? actor : "anonymous";
	e.actor_id = r->id != NULL ? r->id->user_id : NULL;
	e.role = r->id != NULL ? role_name(r->id->role) : "";
	e.action = action;
	e.target = target != NULL ? target : "";
	e.details = details;
	e.client_addr = r->remote_addr != NULL ? r->remote_addr : "";
	e.request_id = r->request_id;
	if ((err = audit_append(r->w->db, r->a, &e)) != ERR_OK)
		log_error(r->request_id, "audit: could not record %s on %s", action, e.target);
	return err;
}

int
ident_tx_begin(struct req *r)
{
	enum err e = db_tx_begin(r->w->db);

	return e == ERR_OK ? 0 : req_fail_err(r, e, "begin a change");
}

int
ident_tx_end(struct req *r, int st)
{
	enum err e;

	if (st != 0) {
		db_tx_rollback(r->w->db);
		return st;
	}
	if ((e = db_tx_commit(r->w->db)) != ERR_OK)
		return req_fail_err(r, e, "commit a change with its audit row");
	return 0;
}

/* How long a stashed value waits for the page that shows it. */
#define STASH_SECONDS 300

enum err
ident_stash_put(struct req *r, const char *name, const char *value)
{
	if (r->id == NULL || r->id->via != VIA_SESSION || r->id->session_hash == NULL)
		return ERR_INPUT;
	return session_stash_put(r->w->rds, r->a, r->id->session_hash, name, value, STASH_SECONDS);
}

char *
ident_stash_take(struct req *r, const char *name)
{
	if (r->id == NULL || r->id->via != VIA_SESSION || r->id->session_hash == NULL)
		return NULL;
	return session_stash_take(r->w->rds, r->a, r->id->session_hash, name);
}

char *
ident_stash_peek(struct req *r, const char *name)
{
	if (r->id == NULL || r->id->via != VIA_SESSION || r->id->session_hash == NULL)
		return NULL;
	return session_stash_get(r->w->rds, r->a, r->id->session_hash, name);
}

/* csv_next returns the next item of a comma-separated list at *p (leading spaces skipped), its
 * length in *n, and moves *p past it; NULL at the end. */
static const char *
csv_next(const char **p, size_t *n)
{
	const char *item;

	while (**p == ',' || **p == ' ')
		(*p)++;
	if (**p == '\0')
		return NULL;
	item = *p;
	*n = strcspn(item, ",");
	*p += *n;
	return item;
}

/* csv_has says whether the comma-separated list holds the n bytes at item. */
static bool
csv_has(const char *list, const char *item, size_t n)
{
	const char *w;
	size_t m;

	while (list != NULL && (w = csv_next(&list, &m)) != NULL)
		if (m == n && strncmp(w, item, n) == 0)
			return true;
	return false;
}

/* proxy_role maps the proxy's comma-separated groups to the highest role they grant, or -1. */
static int
proxy_role(const char *groups)
{
	static const struct {
		const char *key;
		enum role role;
	} map[] = {
		{ "auth.proxy.admin_groups", ROLE_ADMIN },
		{ "auth.proxy.operator_groups", ROLE_OPERATOR },
		{ "auth.proxy.viewer_groups", ROLE_VIEWER },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		const char *g = groups, *item;
		size_t n;

		while (g != NULL && (item = csv_next(&g, &n)) != NULL)
			if (csv_has(cfg_str(map[i].key), item, n))
				return (int)map[i].role;
	}
	return -1;
}

/* Each worker remembers the identities it looked up for IDENT_CACHE_MS, so that a page or
 * /auth/check costs no round trip at all. An entry is named by the digest of the credential and
 * dropped when any write on this host moves the epoch on (version_ident_changed): a logout,
 * revocation or disabling made here takes effect at once, one made on another host or with
 * aiopsctl within IDENT_CACHE_MS. */
#define IDENT_CACHE_MS 2000
#define IDENT_CACHE_SLOTS 64

struct ident_slot {
	char digest[65];
	uint64_t epoch, until_ms;
	enum role role;
	enum identity_via via;
	bool must_change;
	char user_id[40], username[72], csrf[48], token_id[40];
};

static struct ident_slot ident_cache[IDENT_CACHE_SLOTS];

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct ident_slot *
slot_for(const char *digest)
{
	unsigned h = 0;

	for (const char *p = digest; *p != '\0' && p < digest + 8; p++)
		h = h * 31 + (unsigned char)*p;
	return &ident_cache[h % IDENT_CACHE_SLOTS];
}

/* remembered fills r->id from the cache; false when there is no live entry for digest. */
static bool
remembered(struct req *r, const char *digest)
{
	struct ident_slot *s = slot_for(digest);
	struct identity *id;

	if (strcmp(s->digest, digest) != 0 || s->epoch != version_ident_epoch() || mono_ms() >= s->until_ms)
		return false;
	id = arena_zalloc(r->a, sizeof(*id));
	id->user_id = arena_strdup(r->a, s->user_id);
	id->username = arena_strdup(r->a, s->username);
	id->role = s->role;
	id->via = s->via;
	id->must_change_password = s->must_change;
	if (s->via == VIA_SESSION) {
		id->session_hash = arena_strdup(r->a, digest);
		id->csrf = arena_strdup(r->a, s->csrf);
	} else
		id->token_id = s->token_id[0] != '\0' ? arena_strdup(r->a, s->token_id) : NULL;
	r->id = id;
	return true;
}

static void
remember(const char *digest, const struct identity *id, uint64_t epoch)
{
	struct ident_slot *s = slot_for(digest);

	if (id->user_id == NULL || id->username == NULL || strlen(id->user_id) >= sizeof(s->user_id) ||
	    strlen(id->username) >= sizeof(s->username) ||
	    (id->csrf != NULL && strlen(id->csrf) >= sizeof(s->csrf)) ||
	    (id->token_id != NULL && strlen(id->token_id) >= sizeof(s->token_id)))
		return;
	memset(s, 0, sizeof(*s));
	snprintf(s->digest, sizeof(s->digest), "%s", digest);
	s->epoch = epoch;
	s->until_ms = mono_ms() + IDENT_CACHE_MS;
	s->role = id->role;
	s->via = id->via;
	s->must_change = id->must_change_password;
	snprintf(s->user_id, sizeof(s->user_id), "%s", id->user_id);
	snprintf(s->username, sizeof(s->username), "%s", id->username);
	if (id->csrf != NULL)
		snprintf(s->csrf, sizeof(s->csrf), "%s", id->csrf);
	if (id->token_id != NULL)
		snprintf(s->token_id, sizeof(s->token_id), "%s", id->token_id);
}

/* basic_password returns the password of HTTP Basic credentials b64 (base64 of "user:password"),
 * arena memory, or NULL when they are not that. */
static const char *
basic_password(struct req *r, const char *b64)
{
	size_t len = strlen(b64), n;
	char *bin = arena_alloc(r->a, len + 1), *colon;

	if (len > 1024 ||
	    sodium_base642bin(
		(unsigned char *)bin, len, b64, len, NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
		return NULL;
	bin[n] = '\0';
	if (strlen(bin) != n || (colon = strchr(bin, ':')) == NULL)
		return NULL;
	return colon + 1;
}

/* resolve sets r->id when the request proves who it is. Returns 0 (identified or anonymous), or a
 * status already answered: 401 for a token that is malformed or not live, 503 when the servers
 * that know cannot be reached. */
static int
resolve(struct req *r)
{
	const char *authz = req_param(r, "HTTP_AUTHORIZATION");
	const char *sid;
	char digest[65];
	uint64_t epoch;
	enum err e;

	if (authz != NULL && *authz != '\0') {
		const char *tok;

		/* Prometheus's API also takes the token as the password of Basic credentials: clients
		 * such as Debian's promtool (2.42) can send nothing else (a URL's user:password). */
		if (strncasecmp(authz, "Basic ", 6) == 0 && r->route != NULL && (r->route->flags & RF_PROM)) {
			if ((tok = basic_password(r, authz + 6)) == NULL)
				return req_fail(r, 401,
				    "Basic credentials must be user:aiops_... (an API token as the "
				    "password)");
		} else if (strncasecmp(authz, "Bearer ", 7) != 0) {
			return req_fail(r, 401, "the Authorization header must be 'Bearer aiops_...'");
		} else {
			tok = authz + 7;
			while (*tok == ' ')
				tok++;
		}
		if (!auth_token_format_ok(tok))
			return req_fail(r, 401, "the bearer token is not an AIOps token");
		auth_digest(tok, digest);
		if (remembered(r, digest))
			return 0;
		epoch = version_ident_epoch();
		e = token_lookup(r->w->db, r->w->rds, r->a, tok, &r->id);
		if (e == ERR_NOTFOUND)
			return req_fail(r, 401, "the token is unknown, revoked or expired");
		if (e != ERR_OK)
			return req_fail_err(r, e, "checking the token");
		remember(digest, r->id, epoch);
		return 0;
	}
	if (cfg_int("auth.proxy.enabled") != 0) {
		/* nginx sets these only for requests from the trusted proxy, and drops client copies. */
		const char *name = req_param(r, "AIOPS_PROXY_USER");

		if (name != NULL && *name != '\0') {
			int role = proxy_role(req_param(r, "AIOPS_PROXY_GROUPS"));
			struct user *u;

			if (role < 0)
				return req_fail(r, 403, "the proxy's groups grant no role here");
			e = user_proxy_sync(r->w->db, r->w->rds, r->a, name, (enum role)role, &u);
			if (e == ERR_INPUT)
				return req_fail(r, 403, "the proxy's user name is not a valid user name");
			if (e == ERR_NOTFOUND)
				return req_fail(r, 403, "this account is disabled");
			if (e != ERR_OK)
				return req_fail_err(r, e, "checking the proxy's user");
			r->id = arena_zalloc(r->a, sizeof(*r->id));
			r->id->user_id = u->id;
			r->id->username = u->username;
			r->id->role = u->role;
			r->id->via = VIA_PROXY;
			return 0;
		}
	}
	sid = kv_get(&r->cookies, ident_session_cookie());
	if (sid != NULL && *sid != '\0') {
		if (auth_secret_format_ok(sid)) {
			auth_digest(sid, digest);
			if (remembered(r, digest))
				return 0;
		}
		epoch = version_ident_epoch();
		e = session_lookup(r->w->db, r->w->rds, r->a, sid, &r->id);
		if (e == ERR_OK && auth_secret_format_ok(sid))
			remember(digest, r->id, epoch);
		if (e == ERR_NOTFOUND) {
			r->id = NULL;
			ident_set_cookie(r, ident_session_cookie(), NULL, 0); /* ended: forget it */
		} else if (e != ERR_OK) {
			r->id = NULL;
			return req_fail_err(r, e, "checking the session");
		}
	}
	return 0;
}

/* origin_ok says whether a browser's Origin (when it sends one) is this site: the same scheme
 * (https when we are served over TLS) and the same host name. The port is not compared: nginx
 * passes the Host without it (Debian's fastcgi_params sets HTTP_HOST to $host), and cookies do not
 * tell ports apart either. */
static bool
origin_ok(struct req *r)
{
	const char *origin = req_param(r, "HTTP_ORIGIN");
	const char *host = req_param(r, "HTTP_HOST");
	const char *https = req_param(r, "HTTPS");
	bool tls = https != NULL && strcmp(https, "on") == 0;
	const char *o;
	size_t on, hn;

	if (origin == NULL)
		return true; /* not a browser's cross-site request: the CSRF token still has to match */
	if (host == NULL)
		return false;
	if (strncmp(origin, "https://", 8) == 0)
		o = origin + 8;
	else if (!tls && strncmp(origin, "http://", 7) == 0)
		o = origin + 7;
	else
		return false;
	on = strcspn(o, ":/");
	hn = strcspn(host, ":");
	return on == hn && on > 0 && strncasecmp(o, host, on) == 0 && (o[on] == '\0' || o[on] == ':');
}

bool
ident_same_site(struct req *r)
{
	return origin_ok(r);
}

/* csrf_sent returns the token a browser request carries: the X-CSRF-Token header for fetch, or
 * the csrf_token form field. The body is read later, so the form is parsed here on demand by the
 * dispatcher: this only looks at what is there. */
static const char *
csrf_sent(const struct req *r)
{
	const char *h = req_param(r, "HTTP_X_CSRF_TOKEN");

	if (h != NULL && *h != '\0')
		return h;
	return kv_get(&r->form, "csrf_token");
}

/* page_values gives the page shell who is logged in: the user box, the logout form's token and
 * the menus of the role. */
static void
page_values(struct req *r)
{
	struct tpl *t = r->w->tpl;

	tpl_set(t, "Session.user", r->id->username);
	tpl_set(t, "Session.role", role_name(r->id->role));
	tpl_set(t, "Session.via",
	    r->id->via == VIA_SESSION	  ? "session"
		: r->id->via == VIA_PROXY ? "proxy"
					  : "token");
	if (r->id->csrf != NULL)
		tpl_set(t, "Session.csrf", r->id->csrf);
	if (r->id->role >= ROLE_OPERATOR)
		tpl_set(t, "Session.can_operate", "1");
	if (r->id->role >= ROLE_ADMIN)
		tpl_set(t, "Session.is_admin", "1");
}

void
ident_error_page(struct req *r)
{
	const char *cookie, *error = r->error;
	json_t *fields = r->error_fields;
	int status = r->status;

	/* The dispatcher answers 404 and 405 before it asks who is there (nothing to protect): ask
	 * now, quietly, so the page still shows who is logged in. A failure changes nothing. */
	if (r->id == NULL && r->cookies.n == 0 && (status == 404 || status == 405) &&
	    (cookie = req_param(r, "HTTP_COOKIE")) != NULL &&
	    kv_parse_cookies(r->a, cookie, &r->cookies) == ERR_OK) {
		if (resolve(r) != 0)
			r->id = NULL;
		r->status = status;
		r->error = error;
		r->error_fields = fields;
	}
	if (r->id != NULL)
		page_values(r);
}

int
ident_guard(struct req *r)
{
	const struct route *rt = r->route;
	int st;

	if (rt->role == ROLE_PUBLIC && !(rt->flags & RF_HTML) && strcmp(rt->pattern, "/auth/check") != 0)
		return 0; /* health, readiness, metrics: nobody's business who asks */
	if ((st = resolve(r)) != 0) {
		if (st == 401)
			req_header_out(r, "WWW-Authenticate", "Bearer realm=\"aiops\"");
		return st;
	}
	if (r->id != NULL && (rt->flags & RF_HTML))
		page_values(r);
	if (rt->role == ROLE_PUBLIC)
		return 0;
	if (r->id == NULL) {
		if (rt->flags & RF_HTML) {
			const char *next = r->path;

			/* A form sent after the session ended: the login page says why and keeps it. */
			if ((rt->flags & RF_BODY_FORM) && strcmp(r->method, "POST") == 0)
				return IDENT_SESSION_ENDED;
			/* A session cookie that named no live session: it ended (timed out, logged out
			 * elsewhere), and the login page says so. */
			const char *ended =
			    kv_get(&r->cookies, ident_session_cookie()) != NULL ? "ended=1&" : "";

			if (strcmp(r->method, "GET") != 0 || strcmp(next, "/") == 0)
				return req_redirect(r, *ended != '\0' ? "/login?ended=1" : "/login");
			if (r->query_string != NULL && *r->query_string != '\0')
				next = arena_printf(r->a, "%s?%s", next, r->query_string);
			return req_redirect(
			    r, arena_printf(r->a, "/login?%snext=%s", ended, url_encode(r->a, next)));
		}
		req_header_out(r, "WWW-Authenticate", "Bearer realm=\"aiops\"");
		return req_fail(r, 401, "log in, or send an API token as 'Authorization: Bearer aiops_...'");
	}
	if (r->id->must_change_password && !(rt->flags & RF_PASSWORD_EXEMPT)) {
		if ((rt->flags & RF_HTML) && strcmp(r->method, "GET") == 0)
			return req_redirect(r, "/settings?must_change=1");
		return req_fail(r, 403, "change your one-time password first");
	}
	if (r->id->role < rt->role)
		return req_fail(r, 403,
		    arena_printf(r->a, "this needs the %s role; you are %s", role_name(rt->role),
			role_name(r->id->role)));
	return 0;
}

/* ident_csrf is run by the dispatcher once the body is parsed: a state change made with a session
 * cookie must come from our own pages; one through the trusted proxy must carry a same-site Origin.
 * A bearer token is never sent by a browser on its own, so it needs neither. Returns 0 or 403. */
int
ident_csrf(struct req *r)
{
	const char *sent;

	if (!req_changes_state(r))
		return 0;
	if (!origin_ok(r))
		return req_fail(r, 403, "the request came from another site (Origin does not match)");
	sent = csrf_sent(r);
	if (r->route->flags & RF_LOGIN_CSRF) {
		const char *want = kv_get(&r->cookies, login_cookie());

		if (want == NULL || sent == NULL || !auth_secret_format_ok(want) || !auth_equal(sent, want))
			return req_fail(r, 403, "the login form has expired; reload the page and try again");
		return 0;
	}
	/* Behind the trusted proxy the browser's own cookie (the proxy's) goes with any request, as a
	 * session cookie would, and there is no session token: such a state change must say where it
	 * comes from, and it must be here. Browsers send Origin with every POST, PUT, PATCH, DELETE. */
	if (r->id != NULL && r->id->via == VIA_PROXY) {
		if (req_param(r, "HTTP_ORIGIN") == NULL)
			return req_fail(
			    r, 403, "a change through the login proxy must carry an Origin header");
		return 0;
	}
	if (r->id == NULL || r->id->via != VIA_SESSION)
		return 0;
	if (sent == NULL || r->id->csrf == NULL || !auth_secret_format_ok(r->id->csrf) ||
	    !auth_equal(sent, r->id->csrf))
		return req_fail(
		    r, 403, "the form has expired or did not come from this site; reload and try again");
	return 0;
}
