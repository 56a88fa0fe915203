/* ident.h: who is asking, and whether they may: the dispatcher's identity, role and CSRF checks. */
#ifndef AIOPS_IDENT_H
#define AIOPS_IDENT_H

#include <stdbool.h>

#include "err.h"

struct req;
struct user;

/* ident_guard establishes r->id from a bearer token, the trusted proxy or the session cookie, then
 * enforces the route's role, the one-time-password rule, the Origin check and the CSRF token for
 * state changes. Returns 0 to run the handler, or the status it has answered (303 to the login
 * page for a person without a session, 401 for a program, 403, 503). */
int ident_guard(struct req *r);

/* What ident_guard returns for a form sent from a browser whose session has ended: the dispatcher
 * answers with the login page that says so and keeps the form (res_auth_session_ended). */
#define IDENT_SESSION_ENDED (-1)

/* ident_error_page gives the error page the shell values of who is logged in (after the page's
 * values were reset), finding out first when the request was answered before anyone asked (404
 * and 405). The failure being shown stays as it is. */
void ident_error_page(struct req *r);

/* ident_csrf runs once the body is parsed: a state change made with a session cookie must come
 * from this site (Origin) and carry the session's CSRF token (csrf_token field or X-CSRF-Token
 * header); a login form carries the pre-login token of its cookie. Returns 0 or 403. */
int ident_csrf(struct req *r);

/* ident_session_cookie names the session cookie: __Host-aiops_session, or aiops_session when the
 * dev stack serves plain HTTP on loopback (session.secure_cookie = 0). */
const char *ident_session_cookie(void);

/* ident_set_cookie adds a Set-Cookie for name=value (value NULL clears it) with the attributes
 * every cookie of ours carries: Path=/, HttpOnly, SameSite=Lax, and Secure outside the dev stack. */
void ident_set_cookie(struct req *r, const char *name, const char *value, long max_age);

/* ident_login starts a session for u: a new id in a new cookie (rotated at every login). */
int ident_login(struct req *r, const struct user *u);

/* ident_login_token returns the pre-login form token, setting its cookie when there is none. */
const char *ident_login_token(struct req *r);

/* ident_audit appends an audit row for r's actor (or actor, when r has no identity yet); target
 * and details may be NULL. Returns the database's answer: inside a change's transaction the caller
 * fails the change with it (a change that cannot be audited does not happen); outside one it is
 * only logged here. */
enum err ident_audit(struct req *r, const char *actor, const char *action, const char *target, void *details);

/* ident_tx_begin opens the transaction that holds a change and its audit rows: 0, or the status
 * answered (503 when the database cannot be reached). */
int ident_tx_begin(struct req *r);

/* ident_tx_end closes it: st 0 commits (returning 0, or 503 when the commit fails, and then
 * nothing of the change was kept), another st rolls back and is returned. */
int ident_tx_end(struct req *r, int st);

/* ident_stash_put keeps value (copied) for the next page of r's session, under name, for a few
 * minutes: what a form shows once after its redirect. ERR_INPUT when r has no session (a token,
 * the proxy), ERR_REDIS when Redis refuses: the caller then shows it at once. */
enum err ident_stash_put(struct req *r, const char *name, const char *value);

/* ident_stash_take returns what the previous page of r's session kept under name (arena memory),
 * once; NULL when nothing was kept. */
char *ident_stash_take(struct req *r, const char *name);

/* ident_stash_peek is ident_stash_take that leaves the value until it expires (a page that may be
 * reloaded); never for a secret. */
char *ident_stash_peek(struct req *r, const char *name);

/* ident_same_site says whether a browser's request came from a page of this site (its Origin, when
 * it sends one, is ours). */
bool ident_same_site(struct req *r);

#endif
