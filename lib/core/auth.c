/* auth.c: argon2id passwords, the common-password list, random secrets, digests. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "arena.h"
#include "auth.h"
#include "log.h"
#include "utf8.h"

static char **common; /* sorted, lower-case; process lifetime */
static size_t ncommon;

static int
cmp_lower(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

enum err
auth_init(const char *path)
{
	size_t cap = 0;
	char line[512];
	FILE *f;

	if (sodium_init() < 0)
		return ERR_INTERNAL;
	if (common != NULL || path == NULL || *path == '\0')
		return ERR_OK;
	if ((f = fopen(path, "r")) == NULL) {
		log_warn(NULL,
		    "common password list %s cannot be read: only length and repetition "
		    "are checked",
		    path);
		return ERR_OK;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t n = strcspn(line, "\r\n");

		line[n] = '\0';
		/* John the Ripper's list starts with "#!comment:" lines. */
		if (n == 0 || strncmp(line, "#!comment:", 10) == 0)
			continue;
		if (ncommon == cap) {
			cap = cap ? cap * 2 : 4096;
			common = xrealloc(common, cap * sizeof(*common));
		}
		lower(line);
		common[ncommon++] = xstrdup(line);
	}
	fclose(f);
	qsort(common, ncommon, sizeof(*common), cmp_lower);
	return ERR_OK;
}

size_t
auth_common_count(void)
{
	return ncommon;
}

const char *
auth_password_weak(const char *pw, const char *username)
{
	size_t n = strlen(pw), chars = 0;
	char *low;
	bool same = true, found;
	size_t first;

	if (n > AUTH_PASSWORD_MAX)
		return "a password is at most 1024 bytes";
	if (!utf8_valid(pw, n))
		return "the password is not valid UTF-8";
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)pw[i] & 0xC0) != 0x80)
			chars++;
	if (chars < AUTH_PASSWORD_MIN)
		return "use at least 8 characters; a few words make a long password easy to remember";
	/* One character repeated: the whole string is its first character's bytes over and over
	 * (a character, not a byte: "ééééééééé" counts too). */
	first = 1;
	while (first < n && ((unsigned char)pw[first] & 0xC0) == 0x80)
		first++;
	for (size_t i = first; i < n; i++)
		if (pw[i] != pw[i % first])
			same = false;
	if (n % first != 0)
		same = false;
	if (same)
		return "a password of one repeated character is too easy to guess";
	if (username != NULL && strcasecmp(pw, username) == 0)
		return "the password cannot be the user name";
	low = xstrdup(pw);
	lower(low);
	found = ncommon > 0 && bsearch(&low, common, ncommon, sizeof(*common), cmp_lower) != NULL;
	free(low);
	if (found)
		return "this password is on the list of commonly used passwords; choose another";
	return NULL;
}

enum err
auth_password_hash(const char *pw, char *out)
{
	if (crypto_pwhash_str(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
		crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return ERR_INTERNAL;
	return ERR_OK;
}

bool
auth_password_verify(const char *hash, const char *pw)
{
	if (hash == NULL || pw == NULL || strlen(pw) > AUTH_PASSWORD_MAX)
		return false;
	return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
}

void
auth_random_secret(char *out)
{
	unsigned char raw[32];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(
	    out, AUTH_SECRET_CHARS + 1, raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

void
auth_digest(const char *s, char *out)
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)s, strlen(s));
	sodium_bin2hex(out, 65, h, sizeof(h));
}

static bool
b64url_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
			(s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_'))
			return false;
	return s[n] == '\0';
}

bool
auth_token_format_ok(const char *s)
{
	size_t p = sizeof(AUTH_TOKEN_PREFIX) - 1;

	return s != NULL && strncmp(s, AUTH_TOKEN_PREFIX, p) == 0 && strlen(s) == AUTH_TOKEN_LEN &&
	    b64url_ok(s + p, AUTH_SECRET_CHARS);
}

bool
auth_secret_format_ok(const char *s)
{
	return s != NULL && strlen(s) == AUTH_SECRET_CHARS && b64url_ok(s, AUTH_SECRET_CHARS);
}

bool
auth_equal(const char *a, const char *b)
{
	size_t n = strlen(a);

	if (n != strlen(b))
		return false;
	return sodium_memcmp(a, b, n) == 0;
}
