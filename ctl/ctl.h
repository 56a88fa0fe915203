/* ctl.h: what aiopsctl's command files share: the handles a command runs with, the helpers that
 * report and record its changes, and the commands the table in main.c dispatches to. */
#ifndef AIOPS_CTL_H
#define AIOPS_CTL_H

#include <stdio.h>

#include <jansson.h>

#include "err.h"

struct arena;
struct cluster_in;
struct db;
struct rds;
struct user;

/* What every command runs with; main.c makes them and frees them after the command. */
struct ctl {
	struct db *db;
	struct rds *rds;
	struct arena *a;
};

/* ctl_usage prints the command summary to f. */
void ctl_usage(FILE *f);

/* ctl_read_file returns the whole file at path, NUL-terminated, or NULL when it cannot be read.
 * Caller frees. */
char *ctl_read_file(const char *path);

/* ctl_print_errors prints a validation error object (field: message) on stderr. */
void ctl_print_errors(json_t *errors);

/* ctl_failure says why a library call failed with e: the database's words when it was the
 * database, else the error's name. Memory of the handle or static. */
const char *ctl_failure(const struct ctl *c, enum err e);

/* A change and its audit row go in one transaction: a change that cannot be audited does not
 * happen. A command opens it with ctl_begin, makes its change, and ends with ctl_commit (or
 * db_tx_rollback when the change failed); it reports and announces only after ctl_commit. */

/* ctl_begin opens the transaction of a change. Returns 0, or 1 after saying why on stderr. */
int ctl_begin(struct ctl *c);

/* ctl_audit appends the audit row of a change inside the open transaction, acting as aiopsctl with
 * the admin role. details may be NULL and is released here; it never holds a secret. */
enum err ctl_audit(struct ctl *c, const char *action, const char *target, json_t *details);

/* ctl_commit appends the audit row of the change made since ctl_begin (as ctl_audit does) and
 * commits both. Returns 0, or 1 after rolling back and saying on stderr that the change was not made,
 * or that the commit's outcome is unknown. */
int ctl_commit(struct ctl *c, const char *action, const char *target, json_t *details);

/* ctl_find_user sets *out (arena memory) to the account called name. Returns 0, or 1 after saying
 * on stderr why there is none. */
int ctl_find_user(struct ctl *c, const char *name, struct user **out);

/* cmd_cluster_store validates in and stores it with its audit row, then announces it. With
 * quiet_if_exists a cluster of that name already there is success. Returns an exit status. */
int cmd_cluster_store(struct ctl *c, struct cluster_in *in, int quiet_if_exists);

/* The commands: each gets the arguments from its last word on and returns an exit status. */
int cmd_migrate(struct ctl *c, int argc, char **argv);
int cmd_cluster_add(struct ctl *c, int argc, char **argv);
int cmd_cluster_list(struct ctl *c, int argc, char **argv);
int cmd_cluster_rm(struct ctl *c, int argc, char **argv);
int cmd_cluster_ingest_token(struct ctl *c, int argc, char **argv);
int cmd_demo(struct ctl *c, int argc, char **argv);
int cmd_user_add(struct ctl *c, int argc, char **argv);
int cmd_user_passwd(struct ctl *c, int argc, char **argv);
int cmd_user_disable(struct ctl *c, int argc, char **argv);
int cmd_user_enable(struct ctl *c, int argc, char **argv);
int cmd_user_list(struct ctl *c, int argc, char **argv);
int cmd_token_create(struct ctl *c, int argc, char **argv);
int cmd_keys_init(struct ctl *c, int argc, char **argv);
int cmd_keys_rotate(struct ctl *c, int argc, char **argv);

#endif
