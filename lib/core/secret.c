/* secret.c: the key file and secretbox sealing; the only file that sees credential plaintext. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "arena.h"
#include "secret.h"

struct secret_key {
	unsigned char key[crypto_secretbox_KEYBYTES];
	char id[17];
};

static void
key_set_id(struct secret_key *k)
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, k->key, sizeof(k->key));
	sodium_bin2hex(k->id, sizeof(k->id), h, 8);
}

struct secret_key *
secret_key_new(void)
{
	struct secret_key *k;

	if (sodium_init() < 0)
		die_oom();
	k = sodium_malloc(sizeof(*k));
	if (k == NULL)
		die_oom();
	crypto_secretbox_keygen(k->key);
	key_set_id(k);
	return k;
}

void
secret_key_free(struct secret_key *k)
{
	if (k != NULL)
		sodium_free(k);
}

enum err
secret_key_write(const struct secret_key *k, const char *path, const char **why)
{
	char tmp[4096], hex[2 * crypto_secretbox_KEYBYTES + 2];
	int fd;
	ssize_t w;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.new", path) >= sizeof(tmp)) {
		*why = "key file path too long";
		return ERR_INPUT;
	}
	sodium_bin2hex(hex, sizeof(hex) - 1, k->key, sizeof(k->key));
	strcat(hex, "\n");
	unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
		*why = "cannot create the key file";
		return ERR_IO;
	}
	w = write(fd, hex, strlen(hex));
	sodium_memzero(hex, sizeof(hex));
	if (w < 0 || fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		*why = "cannot write the key file";
		return ERR_IO;
	}
	return ERR_OK;
}

enum err
secret_key_load(const char *path, int create, struct secret_key **out, const char **why)
{
	struct secret_key *k;
	char hex[2 * crypto_secretbox_KEYBYTES + 8];
	struct stat st;
	size_t binlen;
	ssize_t n;
	int fd;

	*out = NULL;
	if (sodium_init() < 0) {
		*why = "libsodium failed to start";
		return ERR_INTERNAL;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno != ENOENT || !create) {
			*why = "cannot open the key file";
			return ERR_IO;
		}
		k = secret_key_new();
		if (secret_key_write(k, path, why) != ERR_OK) {
			secret_key_free(k);
			return ERR_IO;
		}
		*out = k;
		return ERR_OK;
	}
	if (fstat(fd, &st) != 0 || (st.st_mode & 077) != 0) {
		close(fd);
		*why = "the key file must be readable by its owner only (chmod 600)";
		return ERR_INPUT;
	}
	n = read(fd, hex, sizeof(hex) - 1);
	close(fd);
	if (n < 0)
		n = 0;
	hex[n] = '\0';
	k = sodium_malloc(sizeof(*k));
	if (k == NULL)
		die_oom();
	if (sodium_hex2bin(k->key, sizeof(k->key), hex, (size_t)n, " \r\n", &binlen, NULL) != 0 ||
	    binlen != sizeof(k->key)) {
		sodium_memzero(hex, sizeof(hex));
		sodium_free(k);
		*why = "the key file does not hold 64 hex digits";
		return ERR_INPUT;
	}
	sodium_memzero(hex, sizeof(hex));
	key_set_id(k);
	*out = k;
	return ERR_OK;
}

const char *
secret_key_id(const struct secret_key *k)
{
	return k->id;
}

char *
secret_seal(const struct secret_key *k, struct arena *a, const void *plain, size_t n)
{
	size_t boxlen = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + n;
	unsigned char *box = arena_alloc(a, boxlen);
	size_t outlen = sodium_base64_ENCODED_LEN(boxlen, sodium_base64_VARIANT_ORIGINAL);
	char *out = arena_alloc(a, outlen);

	randombytes_buf(box, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, plain, n, box, k->key);
	sodium_bin2base64(out, outlen, box, boxlen, sodium_base64_VARIANT_ORIGINAL);
	return out;
}

enum err
secret_open(const struct secret_key *k, struct arena *a, const char *sealed, char **plain, size_t *n)
{
	size_t len = strlen(sealed), boxlen;
	unsigned char *box = arena_alloc(a, len + 1);
	char *out;

	if (sodium_base642bin(box, len, sealed, len, NULL, &boxlen, NULL, sodium_base64_VARIANT_ORIGINAL) !=
		0 ||
	    boxlen < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
		return ERR_INPUT;
	*n = boxlen - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
	out = arena_alloc(a, *n + 1);
	if (crypto_secretbox_open_easy((unsigned char *)out, box + crypto_secretbox_NONCEBYTES,
		boxlen - crypto_secretbox_NONCEBYTES, box, k->key) != 0)
		return ERR_INPUT;
	out[*n] = '\0';
	*plain = out;
	return ERR_OK;
}
