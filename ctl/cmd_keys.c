/* cmd_keys.c: aiopsctl keys init and rotate: the key file that seals cluster credentials. */
#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "arena.h"
#include "cfg.h"
#include "credential.h"
#include "ctl.h"
#include "db.h"
#include "secret.h"

/* Held while keys rotate, so that two rotations cannot interleave their key files. */
static const struct db_stmt st_keys_lock = { "ctl_keys_lock", "SELECT pg_advisory_lock(7461002)", 0 };
static const struct db_stmt st_keys_unlock = { "ctl_keys_unlock", "SELECT pg_advisory_unlock(7461002)", 0 };

int
cmd_keys_init(struct ctl *c, int argc, char **argv)
{
	const char *path = cfg_str("secrets.key_file"), *why;
	struct secret_key *k;

	(void)c;
	(void)argv;
	if (argc != 1) {
		ctl_usage(stderr);
		return 2;
	}
	if (secret_key_load(path, 1, &k, &why) != ERR_OK) {
		fprintf(stderr, "aiopsctl: %s: %s\n", path, why);
		return 1;
	}
	printf("%s\n", secret_key_id(k));
	secret_key_free(k);
	return 0;
}

/* keys_reseal reseals every credential from from to to, with its audit row, in one transaction.
 * Returns the error; db_error says more. */
static enum err
keys_reseal(
    struct ctl *c, const struct secret_key *from, const struct secret_key *to, const char *action, int *count)
{
	enum err e;

	if ((e = db_tx_begin(c->db)) != ERR_OK)
		return e;
	if ((e = credential_rotate(c->db, c->a, from, to, count)) != ERR_OK ||
	    (e = ctl_audit(c, action, arena_printf(c->a, "key:%s", secret_key_id(to)),
		 json_pack("{s:s, s:s, s:i}", "old_key_id", secret_key_id(from), "new_key_id",
		     secret_key_id(to), "credentials", *count))) != ERR_OK) {
		db_tx_rollback(c->db);
		return e;
	}
	return db_tx_commit(c->db);
}

/* keys_sealed_with says which key seals every credential after a commit that failed: 'o' for
 * old, 'n' for fresh, '?' when it cannot tell (the database is unreachable or they are mixed,
 * which one transaction cannot produce). */
static char
keys_sealed_with(struct ctl *c, const struct secret_key *old, const struct secret_key *fresh)
{
	long with_old, other_old, with_new, other_new;

	if (credential_key_count(c->db, c->a, old, &with_old, &other_old) != ERR_OK ||
	    credential_key_count(c->db, c->a, fresh, &with_new, &other_new) != ERR_OK)
		return '?';
	if (other_old == 0)
		return 'o';
	if (other_new == 0)
		return 'n';
	return '?';
}

/* keys_earlier settles a rotation an earlier run left unfinished (FILE.new exists: its commit's
 * outcome could not be learnt). When every credential is sealed with FILE.new's key it finishes
 * that rotation (FILE.new becomes FILE) and returns 1 with *rc 0; when they are all sealed with
 * FILE's key it drops FILE.new and returns 0 (go on); otherwise it says why not and returns 1
 * with *rc 1. */
static int
keys_earlier(struct ctl *c, const char *path, const char *new_path, const struct secret_key *old, int *rc)
{
	struct secret_key *pending;
	const char *why;
	long with, other;

	*rc = 1;
	if (access(new_path, F_OK) != 0)
		return 0;
	if (secret_key_load(new_path, 0, &pending, &why) != ERR_OK) {
		fprintf(stderr, "aiopsctl: %s (left by an unfinished rotation): %s\n", new_path, why);
		return 1;
	}
	if (credential_key_count(c->db, c->a, pending, &with, &other) != ERR_OK) {
		fprintf(stderr, "aiopsctl: %s\n", db_error(c->db));
	} else if (with > 0 && other == 0) {
		if (rename(new_path, path) != 0)
			fprintf(stderr, "aiopsctl: %s: %s\n", path, strerror(errno));
		else {
			printf(
			    "finished an earlier rotation: the credentials are sealed with key id %s, now in "
			    "%s; the old key is in %s.old\n",
			    secret_key_id(pending), path, path);
			*rc = 0;
		}
	} else if (credential_key_count(c->db, c->a, old, &with, &other) == ERR_OK && other == 0) {
		secret_key_free(pending);
		(void)unlink(new_path);
		return 0;
	} else
		fprintf(stderr,
		    "aiopsctl: the credentials are sealed neither all with the key in %s nor all with the "
		    "key in %s; nothing was changed\n",
		    path, new_path);
	secret_key_free(pending);
	return 1;
}

/* cmd_keys_rotate reseals every credential under a new key; the old key is kept as FILE.old and
 * the new one becomes FILE. The new key is on disk (FILE.new) before the database depends on it,
 * and FILE changes only once the database has committed, so no credential is ever sealed with a
 * key that is only in memory: interrupted anywhere, every credential opens with FILE's key, or
 * (when the commit's outcome cannot be learnt) the command says which file holds which key. */
int
cmd_keys_rotate(struct ctl *c, int argc, char **argv)
{
	const char *path = cfg_str("secrets.key_file"), *old_path, *new_path, *dir, *why;
	struct secret_key *old = NULL, *fresh = NULL;
	int count = 0, back, rc = 1;
	enum err e;

	(void)argv;
	if (argc != 1) {
		ctl_usage(stderr);
		return 2;
	}
	if (secret_key_load(path, 0, &old, &why) != ERR_OK) {
		fprintf(stderr, "aiopsctl: %s: %s\n", path, why);
		return 1;
	}
	dir = dirname(arena_strdup(c->a, path));
	if (access(dir, W_OK) != 0) {
		fprintf(stderr, "aiopsctl: cannot write in %s, where the new key goes; nothing was changed\n",
		    dir);
		goto cleanup;
	}
	if (db_exec(c->db, &st_keys_lock, NULL, c->a, NULL) != ERR_OK) {
		fprintf(stderr, "aiopsctl: %s\n", db_error(c->db));
		goto cleanup;
	}
	old_path = arena_printf(c->a, "%s.old", path);
	new_path = arena_printf(c->a, "%s.new", path);
	if (keys_earlier(c, path, new_path, old, &rc) != 0)
		goto unlock;
	fresh = secret_key_new();
	if (secret_key_write(fresh, new_path, &why) != ERR_OK ||
	    secret_key_write(old, old_path, &why) != ERR_OK) {
		fprintf(stderr, "aiopsctl: cannot save the keys: %s; nothing was changed\n", why);
		(void)unlink(new_path);
		goto unlock;
	}
	if ((e = keys_reseal(c, old, fresh, "keys.rotate", &count)) != ERR_OK) {
		char state = e == ERR_DB ? keys_sealed_with(c, old, fresh) : 'o';

		if (e == ERR_INPUT)
			fprintf(stderr,
			    "aiopsctl: a credential does not open with the key in %s (key id %s); nothing "
			    "was changed\n",
			    path, secret_key_id(old));
		else if (state == 'o')
			fprintf(stderr, "aiopsctl: cannot reseal the credentials: %s; nothing was changed\n",
			    ctl_failure(c, e));
		if (state == 'o') {
			(void)unlink(new_path);
			goto unlock;
		}
		if (state == '?') {
			fprintf(stderr,
			    "aiopsctl: cannot tell whether the credentials were resealed (%s): they open "
			    "either with the key in %s (key id %s) or with the key in %s (key id %s); %s is "
			    "unchanged. Run keys rotate again once PostgreSQL answers: it finishes or undoes "
			    "this one\n",
			    ctl_failure(c, e), path, secret_key_id(old), new_path, secret_key_id(fresh),
			    path);
			goto unlock;
		}
		/* 'n': the commit went through although its answer was lost. */
	}
	if (rename(new_path, path) != 0) {
		fprintf(stderr, "aiopsctl: %s: %s\n", path, strerror(errno));
		if ((e = keys_reseal(c, fresh, old, "keys.rotate.undo", &back)) == ERR_OK) {
			fprintf(stderr,
			    "aiopsctl: the credentials are sealed with the old key again; %s is unchanged\n",
			    path);
			(void)unlink(new_path);
		} else
			fprintf(stderr,
			    "aiopsctl: the credentials could not be sealed back (%s): they open with the key "
			    "in %s (key id %s)\n",
			    ctl_failure(c, e), new_path, secret_key_id(fresh));
		goto unlock;
	}
	printf(
	    "%d credential%s resealed; new key id %s\n", count, count == 1 ? "" : "s", secret_key_id(fresh));
	rc = 0;
unlock:
	db_exec(c->db, &st_keys_unlock, NULL, c->a, NULL);
cleanup:
	secret_key_free(old);
	secret_key_free(fresh);
	return rc;
}
