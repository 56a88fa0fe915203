/* secret.h: sealing secrets with libsodium secretbox under a key kept in a file, never in the
 * database. */
#ifndef AIOPS_SECRET_H
#define AIOPS_SECRET_H

#include <stddef.h>

#include "err.h"

struct arena;
struct secret_key;

/* secret_key_load reads the 32-byte key (64 hex digits) at path. With create, a missing file is
 * made with a new random key, mode 0600. Refuses a file readable by others. On failure *why
 * (static memory) says what is wrong. Caller frees with secret_key_free (which wipes it). */
enum err secret_key_load(const char *path, int create, struct secret_key **out, const char **why);
void secret_key_free(struct secret_key *k);

/* secret_key_new makes a fresh random key in memory. */
struct secret_key *secret_key_new(void);

/* secret_key_write stores k at path atomically (a new file renamed into place), mode 0600. */
enum err secret_key_write(const struct secret_key *k, const char *path, const char **why);

/* secret_key_id is a short public name of the key (hex of a digest), for telling keys apart. */
const char *secret_key_id(const struct secret_key *k);

/* secret_seal encrypts n bytes of plain and returns base64 of nonce and box; arena memory. */
char *secret_seal(const struct secret_key *k, struct arena *a, const void *plain, size_t n);

/* secret_open reverses secret_seal; *plain is arena memory, NUL-terminated, and *n its length.
 * ERR_INPUT when the text is not ours or the key is not the one it was sealed with. */
enum err secret_open(
    const struct secret_key *k, struct arena *a, const char *sealed, char **plain, size_t *n);

#endif
