/* check_ident.c: fcgi/ident: the session cookie's name, the roles of the route table, and the
 * CSRF and Origin checks of state changes. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "cfg.h"
#include "ident.h"
#include "identity.h"
#include "kv.h"
#include "req.h"
#include "route.h"

/* Two well-formed secrets (43 base64url characters) that differ only in their last character. */
#define TOK_A "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde"
#define TOK_B "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcdf"

static int
fake_handler(struct req *r)
{
	(void)r;
	return 200;
}

/* ---- cookies ---- */

/* set_secure sets session.secure_cookie through its environment variable, as the programs read it. */
static void
set_secure(int on)
{
	const char *why;

	ck_assert_int_eq(setenv("AIOPS_SECURE_COOKIE", on ? "1" : "0", 1), 0);
	ck_assert_msg(cfg_load(NULL, &why) == ERR_OK, "%s", why ? why : "");
	ck_assert_int_eq(cfg_int("session.secure_cookie"), on);
}

START_TEST(test_session_cookies)
{
	struct arena *a = arena_new();
	struct kvlist l = { 0 };
	const char *hdr = "theme=dark; aiops_session=" TOK_A "; __Host-aiops_session=" TOK_B;

	ck_assert_int_eq(kv_parse_cookies(a, hdr, &l), ERR_OK);
	ck_assert_uint_eq(l.n, 3);
	ck_assert_str_eq(kv_get(&l, "theme"), "dark");
	ck_assert_str_eq(kv_get(&l, "aiops_session"), TOK_A);
	ck_assert_str_eq(kv_get(&l, "__Host-aiops_session"), TOK_B);
	ck_assert_uint_eq(kv_count(&l, "aiops_session"), 1);

	/* The session is read from the cookie its deployment names, never the other one. */
	set_secure(1);
	ck_assert_str_eq(ident_session_cookie(), "__Host-aiops_session");
	ck_assert_str_eq(kv_get(&l, ident_session_cookie()), TOK_B);
	set_secure(0);
	ck_assert_str_eq(ident_session_cookie(), "aiops_session");
	ck_assert_str_eq(kv_get(&l, ident_session_cookie()), TOK_A);

	/* '=' inside a value stays (padded base64, for one); quotes around it go. */
	memset(&l, 0, sizeof(l));
	ck_assert_int_eq(kv_parse_cookies(a, "a=b=c; pad=YWJj==;q=\"x=y\"", &l), ERR_OK);
	ck_assert_str_eq(kv_get(&l, "a"), "b=c");
	ck_assert_str_eq(kv_get(&l, "pad"), "YWJj==");
	ck_assert_str_eq(kv_get(&l, "q"), "x=y");
	ck_assert_ptr_null(kv_get(&l, "b"));
	arena_free(a);
}
END_TEST

/* ---- the route table ---- */

START_TEST(test_route_check_roles)
{
	struct route t[2] = {
		{ "GET", "/ok", fake_handler, ROLE_VIEWER, RF_HTML },
		{ "GET", "/x", fake_handler, (enum role)0, RF_HTML },
	};
	const char *why = NULL;

	ck_assert_int_eq(route_check(t, 2, &why), -1);
	ck_assert_ptr_nonnull(why);
	ck_assert_ptr_nonnull(strstr(why, "row 1"));
	for (int r = ROLE_PUBLIC; r < ROLE__MAX; r++) {
		t[1].role = (enum role)r;
		why = NULL;
		ck_assert_msg(route_check(t, 2, &why) == 0, "role %d: %s", r, why ? why : "");
	}
	t[1].role = ROLE_PUBLIC;
	t[1].flags = RF_JSON;
	ck_assert_int_eq(route_check(t, 2, &why), 0);
}
END_TEST

/* is_public_row says whether method pattern is one of the rows anyone may use. */
static bool
is_public_row(const char *method, const char *pattern)
{
	static const char *const rows[][2] = { { "GET", "/health" }, { "GET", "/ready" },
		{ "GET", "/metrics" }, { "GET", "/login" }, { "POST", "/login" }, { "GET", "/logout" },
		{ "GET", "/auth/check" } };

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (strcmp(rows[i][0], method) == 0 && strcmp(rows[i][1], pattern) == 0)
			return true;
	return false;
}

START_TEST(test_route_table_roles)
{
	size_t n, npublic = 0;
	const struct route *t = route_table(&n);

	ck_assert_uint_gt(n, 0);
	for (size_t i = 0; i < n; i++) {
		const char *m = t[i].method, *p = t[i].pattern;

		ck_assert_msg(
		    t[i].role > ROLE_UNSET && t[i].role < ROLE__MAX, "%s %s: role %d", m, p, (int)t[i].role);
		if (is_public_row(m, p)) {
			ck_assert_msg(t[i].role == ROLE_PUBLIC, "%s %s should be public", m, p);
			/* Signing in has no session yet: only the login cookie's token protects it. */
			if (strcmp(m, "POST") == 0)
				ck_assert_msg(t[i].flags & RF_LOGIN_CSRF, "%s %s takes no login token", m, p);
			npublic++;
			continue;
		}
		/* A webhook is no one's session: the dispatcher asks for the cluster's ingest token. */
		if (t[i].flags & RF_WEBHOOK) {
			ck_assert_msg(t[i].role == ROLE_PUBLIC && strcmp(m, "POST") == 0,
			    "%s %s: a webhook row is a public POST", m, p);
			continue;
		}
		/* Everything else, every /api/v1/ and /admin row and every change but the login among
		 * them, needs a signed-in user. */
		ck_assert_msg(t[i].role >= ROLE_VIEWER, "%s %s is open to anyone", m, p);
		/* Administration, users, the audit log and credentials belong to admins. */
		if (strncmp(p, "/admin", 6) == 0 || strncmp(p, "/api/v1/users", 13) == 0 ||
		    strncmp(p, "/api/v1/audit", 13) == 0 || strstr(p, "/credentials") != NULL ||
		    strstr(p, "/ingest-token") != NULL)
			ck_assert_msg(t[i].role == ROLE_ADMIN, "%s %s needs admin", m, p);
		/* The login form's token is the only CSRF check that needs no session. */
		ck_assert_msg(!(t[i].flags & RF_LOGIN_CSRF), "%s %s skips the session's CSRF token", m, p);
	}
	ck_assert_uint_eq(npublic, 7);
}
END_TEST

/* ---- CSRF ---- */

#define HOST "HTTP_HOST=example.test"
#define SAME "HTTP_ORIGIN=http://example.test:8080"

struct csrf_case {
	const char *what, *method;
	unsigned flags; /* 0: RF_HTML | RF_BODY_FORM */
	int via; /* 1 + enum identity_via; 0: anonymous */
	const char *session_csrf; /* the session's token; NULL for none */
	const char *form; /* the csrf_token field; NULL for none */
	const char *cookie; /* the Cookie header; NULL for none */
	bool plain_cookies; /* session.secure_cookie = 0 */
	const char *env[5];
	int want;
};

#define SESSION (1 + VIA_SESSION)
#define TOKEN (1 + VIA_TOKEN)
#define PROXY (1 + VIA_PROXY)
#define LOGIN (RF_HTML | RF_BODY_FORM | RF_LOGIN_CSRF)

static const struct csrf_case csrf_cases[] = {
	{ "GET needs no token", "GET", 0, SESSION, TOK_A, NULL, NULL, false, { HOST, SAME }, 0 },
	{ "HEAD needs no token", "HEAD", 0, SESSION, TOK_A, NULL, NULL, false, { HOST }, 0 },
	{ "GET from another site is not a change", "GET", 0, SESSION, TOK_A, NULL, NULL, false,
	    { HOST, "HTTP_ORIGIN=http://evil.test" }, 0 },
	{ "POST with the form token", "POST", 0, SESSION, TOK_A, TOK_A, NULL, false, { HOST, SAME }, 0 },
	{ "POST with the header", "POST", 0, SESSION, TOK_A, NULL, NULL, false,
	    { HOST, SAME, "HTTP_X_CSRF_TOKEN=" TOK_A }, 0 },
	{ "an empty header falls back to the form", "POST", 0, SESSION, TOK_A, TOK_A, NULL, false,
	    { HOST, SAME, "HTTP_X_CSRF_TOKEN=" }, 0 },
	{ "POST without a token", "POST", 0, SESSION, TOK_A, NULL, NULL, false, { HOST, SAME }, 403 },
	{ "POST with another token", "POST", 0, SESSION, TOK_A, TOK_B, NULL, false, { HOST, SAME }, 403 },
	{ "POST with a wrong header", "POST", 0, SESSION, TOK_A, NULL, NULL, false,
	    { HOST, SAME, "HTTP_X_CSRF_TOKEN=" TOK_B }, 403 },
	{ "POST with a prefix of the token", "POST", 0, SESSION, TOK_A, "AbCdEfGhIjKlMnOpQrSt", NULL, false,
	    { HOST, SAME }, 403 },
	{ "POST with an empty token", "POST", 0, SESSION, TOK_A, "", NULL, false, { HOST, SAME }, 403 },
	{ "a session without a token", "POST", 0, SESSION, NULL, TOK_A, NULL, false, { HOST, SAME }, 403 },
	{ "PUT without a token", "PUT", RF_JSON | RF_BODY_JSON, SESSION, TOK_A, NULL, NULL, false, { HOST },
	    403 },
	{ "DELETE without a token", "DELETE", RF_JSON, SESSION, TOK_A, NULL, NULL, false, { HOST }, 403 },
	{ "DELETE with the header", "DELETE", RF_JSON, SESSION, TOK_A, NULL, NULL, false,
	    { HOST, "HTTP_X_CSRF_TOKEN=" TOK_A }, 0 },
	/* The Origin rule: same host name, port ignored; https always allowed, http only without TLS. */
	{ "no Origin: the token decides", "POST", 0, SESSION, TOK_A, TOK_A, NULL, false, { HOST }, 0 },
	{ "Origin of another host", "POST", 0, SESSION, TOK_A, TOK_A, NULL, false,
	    { HOST, "HTTP_ORIGIN=http://evil.test" }, 403 },
	{ "Origin that extends the host", "POST", 0, SESSION, TOK_A, TOK_A, NULL, false,
	    { HOST, "HTTP_ORIGIN=http://example.test.evil.test" }, 403 },
	{ "Origin with the host as user", "POST", 0, SESSION, TOK_A, TOK_A, NULL, false,
	    { HOST, "HTTP_ORIGIN=http://example.test@evil.test" }, 403 },
	{ "Origin one letter longer", "POST", 0, SESSION, TOK_A, TOK_A, NULL, false,
	    { HOST, "HTTP_ORIGIN=http://example.testx" }, 403 },
	{ "Origin one letter shorter", "POST", 0, SESSION, TOK_A, TOK_A, NULL, false,
	    { HOST, "HTTP_ORIGIN=http://example.tes" }, 403 },
	{ "Origin null", "POST", 0, SESSION, TOK_A, TOK_A, NULL, false, { HOST, "HTTP_ORIGIN=null" }, 403 },
	{ "Origin without a host", "POST", 0, SESSION, TOK_A, TOK_A, NULL, false,
	    { HOST, "HTTP_ORIGIN=http://" }, 403 },
	{ "Origin with a path", "POST", 0, SESSION, TOK_A, TOK_A, NULL, false,
	    { HOST, "HTTP_ORIGIN=http://example.test/evil" }, 403 },
	{ "empty Origin host and empty Host", "POST", 0, SESSION, TOK_A, TOK_A, NULL, false,
	    { "HTTP_HOST=", "HTTP_ORIGIN=http://" }, 403 },
	{ "Origin of another scheme", "POST", 0, SESSION, TOK_A, TOK_A, NULL, false,
	    { HOST, "HTTP_ORIGIN=ftp://example.test" }, 403 },
	{ "Origin but no Host", "POST", 0, SESSION, TOK_A, TOK_A, NULL, false, { SAME }, 403 },
	{ "Origin in another case", "POST", 0, SESSION, TOK_A, TOK_A, NULL, false,
	    { HOST, "HTTP_ORIGIN=http://EXAMPLE.Test" }, 0 },
	{ "Origin without a port", "POST", 0, SESSION, TOK_A, TOK_A, NULL, false,
	    { "HTTP_HOST=example.test:8443", "HTTP_ORIGIN=http://example.test" }, 0 },
	{ "https Origin without TLS, same host", "POST", 0, SESSION, TOK_A, TOK_A, NULL, false,
	    { HOST, "HTTP_ORIGIN=https://example.test" }, 0 },
	{ "https Origin without TLS, other host", "POST", 0, SESSION, TOK_A, TOK_A, NULL, false,
	    { HOST, "HTTP_ORIGIN=https://evil.test" }, 403 },
	{ "https Origin with TLS", "POST", 0, SESSION, TOK_A, TOK_A, NULL, false,
	    { HOST, "HTTPS=on", "HTTP_ORIGIN=https://example.test" }, 0 },
	{ "http Origin with TLS", "POST", 0, SESSION, TOK_A, TOK_A, NULL, false,
	    { HOST, "HTTPS=on", "HTTP_ORIGIN=http://example.test" }, 403 },
	{ "the Origin is checked before the token", "POST", 0, SESSION, TOK_A, NULL, NULL, false,
	    { HOST, "HTTP_ORIGIN=http://evil.test", "HTTP_X_CSRF_TOKEN=" TOK_A }, 403 },
	/* A token is not sent by a browser on its own: no CSRF token, but a foreign Origin still fails. */
	{ "token identity without a CSRF token", "POST", RF_JSON | RF_BODY_JSON, TOKEN, NULL, NULL, NULL,
	    false, { HOST }, 0 },
	{ "token identity from another site", "POST", RF_JSON | RF_BODY_JSON, TOKEN, NULL, NULL, NULL, false,
	    { HOST, "HTTP_ORIGIN=http://evil.test" }, 403 },
	{ "anonymous: the role check refuses it elsewhere", "POST", 0, 0, NULL, NULL, NULL, false, { HOST },
	    0 },
	/* The login form: its token against the login cookie that this deployment names. */
	{ "login, plain cookie", "POST", LOGIN, 0, NULL, TOK_A, "aiops_login=" TOK_A, true, { HOST, SAME },
	    0 },
	{ "login, plain cookie, header", "POST", LOGIN, 0, NULL, NULL, "aiops_login=" TOK_A, true,
	    { HOST, SAME, "HTTP_X_CSRF_TOKEN=" TOK_A }, 0 },
	{ "login, secure cookie", "POST", LOGIN, 0, NULL, TOK_A, "x=1; __Host-aiops_login=" TOK_A, false,
	    { HOST, SAME }, 0 },
	{ "login, secure cookie wanted, plain sent", "POST", LOGIN, 0, NULL, TOK_A, "aiops_login=" TOK_A,
	    false, { HOST, SAME }, 403 },
	{ "login, plain cookie wanted, secure sent", "POST", LOGIN, 0, NULL, TOK_A,
	    "__Host-aiops_login=" TOK_A, true, { HOST, SAME }, 403 },
	{ "login without a cookie", "POST", LOGIN, 0, NULL, TOK_A, NULL, false, { HOST, SAME }, 403 },
	{ "login without a form token", "POST", LOGIN, 0, NULL, NULL, "__Host-aiops_login=" TOK_A, false,
	    { HOST, SAME }, 403 },
	{ "login with another token", "POST", LOGIN, 0, NULL, TOK_B, "__Host-aiops_login=" TOK_A, false,
	    { HOST, SAME }, 403 },
	{ "login from another site", "POST", LOGIN, 0, NULL, TOK_A, "__Host-aiops_login=" TOK_A, false,
	    { HOST, "HTTP_ORIGIN=http://evil.test" }, 403 },
	{ "login with a session: still the login token", "POST", LOGIN, SESSION, TOK_B, TOK_B,
	    "__Host-aiops_login=" TOK_A, false, { HOST, SAME }, 403 },
	{ "login page GET", "GET", LOGIN, 0, NULL, NULL, NULL, false, { HOST }, 0 },
	{ "login with an empty cookie and an empty token", "POST", LOGIN, 0, NULL, "", "aiops_login=", true,
	    { HOST, SAME }, 403 },
	{ "a session whose token is empty", "POST", 0, SESSION, "", "", NULL, false, { HOST, SAME }, 403 },
	/* Behind the trusted proxy the browser's own cookie rides along: a change must name its Origin. */
	{ "proxy identity from this site", "POST", 0, PROXY, NULL, NULL, NULL, false, { HOST, SAME }, 0 },
	{ "proxy identity without Origin", "POST", 0, PROXY, NULL, NULL, NULL, false, { HOST }, 403 },
	{ "proxy identity from another site", "POST", 0, PROXY, NULL, NULL, NULL, false,
	    { HOST, "HTTP_ORIGIN=http://evil.test" }, 403 },
	{ "proxy identity reading", "GET", 0, PROXY, NULL, NULL, NULL, false, { HOST }, 0 },
};

/* run_csrf builds the request of c by hand and checks ident_csrf's answer and the recorded status. */
static void
run_csrf(const struct csrf_case *c)
{
	struct arena *a = arena_new();
	struct worker w;
	struct req r;
	struct route rt = { c->method, "/x", fake_handler, ROLE_VIEWER,
		c->flags != 0 ? c->flags : RF_HTML | RF_BODY_FORM };
	struct identity id = { .user_id = "0bd2c5b8-0000-4000-8000-000000000001",
		.username = "alice",
		.role = ROLE_ADMIN,
		.session_hash = "ab12",
		.csrf = c->session_csrf };
	char *env[8];
	size_t n;
	int got;

	set_secure(!c->plain_cookies);
	memset(&w, 0, sizeof(w));
	memset(&r, 0, sizeof(r));
	r.a = a;
	r.w = &w;
	r.method = c->method;
	r.path = "/x";
	r.route = &rt;
	if (c->via != 0) {
		id.via = (enum identity_via)(c->via - 1);
		if (id.via == VIA_TOKEN)
			id.token_id = "0bd2c5b8-0000-4000-8000-000000000002";
		r.id = &id;
	}
	kv_add(a, &r.form, "name", "x");
	if (c->form != NULL)
		kv_add(a, &r.form, "csrf_token", c->form);
	if (c->cookie != NULL)
		ck_assert_int_eq(kv_parse_cookies(a, c->cookie, &r.cookies), ERR_OK);
	for (n = 0; n < 5 && c->env[n] != NULL; n++)
		env[n] = arena_strdup(a, c->env[n]);
	env[n] = NULL;
	r.env = env;

	got = ident_csrf(&r);
	ck_assert_msg(got == c->want, "%s: got %d, want %d", c->what, got, c->want);
	if (c->want == 403) {
		ck_assert_msg(r.status == 403, "%s: status %d", c->what, r.status);
		ck_assert_msg(r.error != NULL && *r.error != '\0', "%s: no message", c->what);
	} else {
		ck_assert_msg(r.status == 0, "%s: status %d", c->what, r.status);
		ck_assert_msg(r.error == NULL, "%s: %s", c->what, r.error);
	}
	arena_free(a);
}

START_TEST(test_csrf_table)
{
	for (size_t i = 0; i < sizeof(csrf_cases) / sizeof(csrf_cases[0]); i++)
		run_csrf(&csrf_cases[i]);
}
END_TEST

static Suite *
ident_suite(void)
{
	Suite *s = suite_create("ident");
	TCase *core = tcase_create("core"), *access_ = tcase_create("access");

	tcase_add_test(core, test_session_cookies);
	tcase_add_test(access_, test_route_check_roles);
	tcase_add_test(access_, test_route_table_roles);
	tcase_add_test(access_, test_csrf_table);
	suite_add_tcase(s, core);
	suite_add_tcase(s, access_);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(ident_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	unsetenv("AIOPS_SECURE_COOKIE");
	return failed == 0 ? 0 : 1;
}
