/* user.h: user accounts: making, finding and changing them, and checking their passwords. */
#ifndef AIOPS_USER_H
#define AIOPS_USER_H

#include <stdbool.h>

#include "err.h"
#include "field.h"
#include "identity.h"

struct arena;
struct db;
struct jw;
struct rds;

/* A stored account; strings are arena memory, last_login_at NULL when never. */
struct user {
	const char *id, *username, *display_name, *role_name, *source, *last_login_at, *created_at;
	bool disabled, must_change_password, has_password;
	enum role role; /* role_name, parsed */
	const char *one_time_password; /* only in the answer that made it, shown once */
};

/* What a person or program sets on an account: NULL, or -1 for a bool, when not given. */
struct user_in {
	const char *username, *display_name, *role, *password;
	int disabled, reset_password;
};

/* user_fields declares an account's fields once, for field.h's walkers: its JSON, the add form,
 * the rows of the users page, and validation; user_fields_otp adds one_time_password, for the
 * answer that made one. */
extern const struct field user_fields[];
extern const struct field user_fields_otp[];

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

/* user_write_json writes u as the API shows it, one whole object (with its one-time password
 * when u carries one). */
void user_write_json(struct jw *w, const struct user *u);

#endif
