/* token.h: API tokens: made with a secret shown once, stored as digests, listed, revoked. */
#ifndef AIOPS_TOKEN_H
#define AIOPS_TOKEN_H

#include "err.h"
#include "field.h"
#include "identity.h"

struct arena;
struct db;
struct jw;
struct rds;
struct user;

/* An API token as listed; strings are arena memory. The secret is shown once, at creation, and
 * never stored: secret is set only in the answer that made it. */
struct token {
	const char *id, *name, *prefix, *role_name, *expires_at, *last_used_at, *revoked_at, *created_at,
	    *username, *user_id;
	enum role role; /* role_name, parsed */
	const char *secret;
};

/* What a person or program sets on a new token: NULL or FIELD_INT_UNSET when not given. */
struct token_in {
	const char *name, *role;
	int expires_days;
};

/* token_fields declares a token's fields once, for field.h's walkers: its JSON, the settings
 * page's form and rows, and validation; token_fields_secret adds the secret ("token"), for the
 * answer that made it. */
extern const struct field token_fields[];
extern const struct field token_fields_secret[];

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

/* token_write_json writes t as the API shows it, one whole object: with the secret only in the
 * answer that made it (it is not stored). */
void token_write_json(struct jw *w, const struct token *t);

#endif
