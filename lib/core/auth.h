/* auth.h: passwords, random secrets and their digests: what identity needs from libsodium. */
#ifndef AIOPS_AUTH_H
#define AIOPS_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define AUTH_PASSWORD_MIN 8
#define AUTH_PASSWORD_MAX 1024
#define AUTH_HASH_MAX 128 /* room for an argon2id string */
#define AUTH_TOKEN_PREFIX "aiops_"
#define AUTH_SECRET_CHARS 43 /* 32 random bytes in unpadded base64url */
#define AUTH_TOKEN_LEN (sizeof(AUTH_TOKEN_PREFIX) - 1 + AUTH_SECRET_CHARS)

/* auth_init initialises libsodium and loads the list of common passwords at path (one a line;
 * NULL or a missing file leaves the list empty, which is logged). Call once per process. */
enum err auth_init(const char *common_passwords_path);

/* auth_common_count says how many common passwords are loaded. */
size_t auth_common_count(void);

/* auth_password_weak returns NULL when pw may be used by username, else a reason a person can act
 * on: shorter than 8 characters, longer than 1024 bytes, not UTF-8, the user name, one character
 * repeated, or on the common list. No composition rules. */
const char *auth_password_weak(const char *pw, const char *username);

/* auth_password_hash writes the argon2id string for pw into out (AUTH_HASH_MAX bytes). */
enum err auth_password_hash(const char *pw, char *out);

/* auth_password_verify says whether pw matches the argon2id string hash (false for NULL). */
bool auth_password_verify(const char *hash, const char *pw);

/* auth_random_secret writes AUTH_SECRET_CHARS characters of base64url from 32 random bytes, and a
 * NUL, into out (at least AUTH_SECRET_CHARS + 1 bytes). */
void auth_random_secret(char *out);

/* auth_digest writes the SHA-256 of s as 64 lower-case hex digits and a NUL into out (65 bytes):
 * how sessions and tokens are found without storing them. */
void auth_digest(const char *s, char *out);

/* auth_token_format_ok says whether s has the shape of one of our API tokens. */
bool auth_token_format_ok(const char *s);

/* auth_secret_format_ok says whether s has the shape of a session id or CSRF token. */
bool auth_secret_format_ok(const char *s);

/* auth_equal compares two strings in time that does not depend on where they differ. */
bool auth_equal(const char *a, const char *b);

#endif
