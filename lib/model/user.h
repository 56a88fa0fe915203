/* user.h: people and programs: user accounts, browser sessions and API tokens. */
#ifndef AIOPS_USER_H
#define AIOPS_USER_H

#include <stdbool.h>

#include "err.h"
#include "identity.h"

struct arena;
struct db;
struct rds;

/* A stored account; strings are arena memory, last_login_at NULL when never. */
struct user {
	const char *id, *username, *display_name, *source, *created_at, *last_login_at;
	enum role role;
	bool disabled, must_change_password, has_password;
};

/* An API token as listed; the secret itself is shown once, at creation, and never stored. */
struct token {
	const char *id, *user_id, *username, *name, *prefix, *expires_at, *last_used_at, *revoked_at,
	    *created_at;
	enum role role;
};

/* user_name_ok returns NULL for a valid user name, else the reason. */
const char *user_name_ok(const char *s);

/* user_create stores an account. password may be NULL (no password login, e.g. proxy users);
 * it must have passed auth_password_weak. ERR_CONFLICT when the name is taken, ERR_INPUT for a
 * bad name. */
enum err user_create(struct db *db, struct arena *a, const char *username, const char *display_name,
    enum role role, const char *password, bool must_change, const char *source, struct user **out);

enum err user_get(struct db *db, struct arena *a, const char *id, struct user **out);
enum err user_get_by_name(struct db *db, struct arena *a, const char *username, struct user **out);

/* user_list returns every account ordered by name (at most 1000). */
enum err user_list(struct db *db, struct arena *a, struct user **items, int *n);

/* user_set_password stores a new password (already checked) and ends every session of the user
 * except keep_session (a session digest, or NULL to end all). */
enum err user_set_password(struct db *db, struct rds *r, struct arena *a, const char *id,
    const char *password, bool must_change, const char *keep_session);

/* user_set_role and user_set_disabled change the account and drop every cached session and
 * token of it, so the change takes effect on the next request; disabling also ends sessions. */
enum err user_set_role(struct db *db, struct rds *r, struct arena *a, const char *id, enum role role);
enum err user_set_disabled(struct db *db, struct rds *r, struct arena *a, const char *id, bool disabled);

/* user_check_password verifies a login. ERR_OK with *out on success (the failure count is reset);
 * ERR_NOTFOUND for an unknown or disabled user or a wrong password, alike, after the same work.
 * *delay_ms is how long the caller should wait before answering a failure: it grows with the
 * account's recent failures and never applies to a right password, so it slows guessing without
 * locking the real user out. */
enum err user_check_password(struct db *db, struct arena *a, const char *username, const char *password,
    struct user **out, int *delay_ms);

/* user_proxy_sync returns the account of a user vouched for by the trusted proxy, making it (with
 * no password) on first sight and keeping its role in step with the proxy's groups. */
enum err user_proxy_sync(
    struct db *db, struct rds *r, struct arena *a, const char *username, enum role role, struct user **out);

/* session_create starts a session for u: a new random id in *sid (arena memory; it goes in the
 * cookie and nowhere else) and its identity in *id. */
enum err session_create(struct db *db, struct rds *r, struct arena *a, const struct user *u,
    const char *client_addr, char **sid, struct identity **id);

/* session_lookup finds the live session named by sid: from Redis when cached, else from
 * PostgreSQL (which also records that it was used). ERR_NOTFOUND when unknown, idle too long,
 * past its absolute lifetime, or its user is disabled. */
enum err session_lookup(
    struct db *db, struct rds *r, struct arena *a, const char *sid, struct identity **out);

/* session_destroy ends the session with this digest. */
enum err session_destroy(struct db *db, struct rds *r, struct arena *a, const char *session_hash);

/* token_create makes a token for owner with a role no higher than the owner's (ERR_INPUT
 * otherwise, or for a bad name); expires_days 0 means no expiry. *secret (arena memory) is the
 * token to show once. */
enum err token_create(struct db *db, struct arena *a, const struct user *owner, const char *name,
    enum role role, int expires_days, char **secret, struct token **out);

/* token_lookup finds the identity of a live token (not revoked, not expired, user enabled); the
 * role is the lower of the token's and its user's. ERR_NOTFOUND otherwise. */
enum err token_lookup(
    struct db *db, struct rds *r, struct arena *a, const char *secret, struct identity **out);

/* token_list returns the tokens of user_id (NULL: everyone's), newest first. */
enum err token_list(struct db *db, struct arena *a, const char *user_id, struct token **items, int *n);

/* token_revoke revokes token id, when it belongs to user_id (NULL: anyone's). ERR_NOTFOUND when
 * there is no such live token. */
enum err token_revoke(
    struct db *db, struct rds *r, struct arena *a, const char *id, const char *user_id, struct token **out);

#endif
