/* cmd_user.c: aiopsctl user add, passwd, disable, enable and list: local accounts from the
 * command line, each change audited in its own transaction. */
#include "config.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "arena.h"
#include "auth.h"
#include "ctl.h"
#include "db.h"
#include "user.h"

/* drop_password wipes and frees a password from new_password; NULL is allowed. */
static void
drop_password(char *pw)
{
	if (pw != NULL) {
		explicit_bzero(pw, strlen(pw));
		free(pw);
	}
}

/* new_password returns the password to give username: with from_stdin the first line of standard
 * input, which must pass auth_password_weak; else a fresh random one-time password. Returns NULL
 * after saying on stderr why there is none. Caller frees with drop_password. */
static char *
new_password(const char *username, bool from_stdin)
{
	char *pw = NULL;
	size_t cap = 0;
	ssize_t n;
	const char *why;

	if (!from_stdin) {
		pw = xmalloc(AUTH_SECRET_CHARS + 1);
		auth_random_secret(pw);
		return pw;
	}
	if ((n = getline(&pw, &cap, stdin)) <= 0) {
		free(pw);
		fprintf(stderr, "aiopsctl: no password on standard input\n");
		return NULL;
	}
	if (pw[n - 1] == '\n')
		pw[--n] = '\0';
	if (n > 0 && pw[n - 1] == '\r')
		pw[--n] = '\0';
	if (strlen(pw) != (size_t)n) {
		explicit_bzero(pw, (size_t)n);
		why = "the password contains a NUL byte";
	} else
		why = auth_password_weak(pw, username);
	if (why != NULL) {
		fprintf(stderr, "aiopsctl: %s\n", why);
		drop_password(pw);
		return NULL;
	}
	return pw;
}

/* utf8_chars counts the characters of UTF-8 text s, as PostgreSQL's length() does. */
static size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

int
cmd_user_add(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "display-name", required_argument, NULL, 'd' },
		{ "password-stdin", no_argument, NULL, 's' },
		{ "if-missing", no_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name, *role_s = NULL, *display = "", *why;
	bool from_stdin = false, if_missing = false;
	struct user *u;
	char *pw;
	enum err e;
	int ch, role;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'r': role_s = optarg; break;
		case 'd': display = optarg; break;
		case 's': from_stdin = true; break;
		case 'm': if_missing = true; break;
		default: ctl_usage(stderr); return 2;
		}
	}
	if (optind != argc - 1 || role_s == NULL) {
		fprintf(stderr, "aiopsctl: user add takes one NAME and --role viewer|operator|admin\n");
		return 2;
	}
	name = argv[optind];
	if ((why = user_name_ok(name)) != NULL) {
		fprintf(stderr, "aiopsctl: cannot add %s: %s\n", name, why);
		return 1;
	}
	if ((role = role_parse(role_s)) < 0) {
		fprintf(stderr, "aiopsctl: --role is viewer, operator or admin\n");
		return 1;
	}
	if (utf8_chars(display) > 128) {
		fprintf(stderr, "aiopsctl: --display-name is at most 128 characters\n");
		return 1;
	}
	/* Asked first, so that a second run neither reads standard input nor complains. */
	if (if_missing) {
		e = user_get_by_name(c->db, c->a, name, &u);
		if (e == ERR_OK)
			return 0;
		if (e != ERR_NOTFOUND) {
			fprintf(stderr, "aiopsctl: cannot look up %s: %s\n", name, ctl_failure(c, e));
			return 1;
		}
	}
	if ((pw = new_password(name, from_stdin)) == NULL)
		return 1;
	if (ctl_begin(c) != 0) {
		drop_password(pw);
		return 1;
	}
	e = user_create(c->db, c->a, name, display, (enum role)role, pw, !from_stdin, "local", &u);
	if (e != ERR_OK) {
		db_tx_rollback(c->db);
		drop_password(pw);
	}
	if (e == ERR_CONFLICT && if_missing)
		return 0;
	if (e == ERR_CONFLICT) {
		fprintf(stderr, "aiopsctl: a user named %s already exists\n", name);
		return 1;
	}
	if (e != ERR_OK) {
		fprintf(stderr, "aiopsctl: cannot add %s: %s\n", name, ctl_failure(c, e));
		return 1;
	}
	if (ctl_commit(c, "user.create", arena_printf(c->a, "user:%s", u->username),
		json_pack("{s:s, s:b}", "role", role_name(u->role), "one_time_password", !from_stdin)) != 0) {
		drop_password(pw);
		return 1;
	}
	if (!from_stdin)
		printf("%s\n", pw);
	drop_password(pw);
	return 0;
}

int
cmd_user_passwd(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "password-stdin", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	bool from_stdin = false;
	struct user *u;
	char *pw;
	enum err e;
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 's': from_stdin = true; break;
		default: ctl_usage(stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "aiopsctl: user passwd takes one NAME\n");
		return 2;
	}
	if (ctl_find_user(c, argv[optind], &u) != 0)
		return 1;
	if ((pw = new_password(u->username, from_stdin)) == NULL)
		return 1;
	if (ctl_begin(c) != 0) {
		drop_password(pw);
		return 1;
	}
	/* A Redis that is down only delays the end of cached sessions (the library logs it). */
	e = user_set_password(c->db, c->rds, c->a, u->id, pw, !from_stdin, NULL);
	if (e != ERR_OK) {
		db_tx_rollback(c->db);
		drop_password(pw);
		fprintf(stderr, "aiopsctl: cannot set the password of %s: %s; run the command again\n",
		    u->username, ctl_failure(c, e));
		return 1;
	}
	if (ctl_commit(c, "user.password", arena_printf(c->a, "user:%s", u->username),
		json_pack("{s:b}", "one_time_password", !from_stdin)) != 0) {
		drop_password(pw);
		return 1;
	}
	if (!from_stdin)
		printf("%s\n", pw);
	drop_password(pw);
	return 0;
}

/* set_disabled is user disable (disabled) and user enable; an account already so is left alone. */
static int
set_disabled(struct ctl *c, int argc, char **argv, bool disabled)
{
	const char *verb = disabled ? "disable" : "enable";
	struct user *u;
	enum err e;

	if (argc != 2) {
		fprintf(stderr, "aiopsctl: user %s takes one NAME\n", verb);
		return 2;
	}
	if (ctl_find_user(c, argv[1], &u) != 0)
		return 1;
	if (u->disabled == disabled) {
		printf("%s is already %sd\n", u->username, verb);
		return 0;
	}
	if (ctl_begin(c) != 0)
		return 1;
	if ((e = user_set_disabled(c->db, c->rds, c->a, u->id, disabled)) != ERR_OK) {
		db_tx_rollback(c->db);
		fprintf(stderr, "aiopsctl: cannot %s %s: %s\n", verb, u->username, ctl_failure(c, e));
		return 1;
	}
	if (ctl_commit(c, disabled ? "user.disable" : "user.enable",
		arena_printf(c->a, "user:%s", u->username), NULL) != 0)
		return 1;
	printf("%sd %s\n", verb, u->username);
	return 0;
}

int
cmd_user_disable(struct ctl *c, int argc, char **argv)
{
	return set_disabled(c, argc, argv, true);
}

int
cmd_user_enable(struct ctl *c, int argc, char **argv)
{
	return set_disabled(c, argc, argv, false);
}

/* user_json is the account as user list --json shows it; caller owns the reference. */
static json_t *
user_json(const struct user *u)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:b, s:s?, s:s}", "id", u->id, "username",
	    u->username, "display_name", u->display_name, "role", role_name(u->role), "source", u->source,
	    "disabled", u->disabled, "must_change_password", u->must_change_password, "has_password",
	    u->has_password, "last_login_at", u->last_login_at, "created_at", u->created_at);
}

int
cmd_user_list(struct ctl *c, int argc, char **argv)
{
	int as_json = argc == 2 && strcmp(argv[1], "--json") == 0;
	struct user *items;
	enum err e;
	int n;

	if (argc != 1 && !as_json) {
		ctl_usage(stderr);
		return 2;
	}
	if ((e = user_list(c->db, c->a, &items, &n)) != ERR_OK) {
		fprintf(stderr, "aiopsctl: cannot list users: %s\n", ctl_failure(c, e));
		return 1;
	}
	if (as_json) {
		json_t *all = json_array();
		char *s;

		for (int i = 0; i < n; i++)
			json_array_append_new(all, user_json(&items[i]));
		s = json_dumps(all, JSON_INDENT(2));
		printf("%s\n", s);
		free(s);
		json_decref(all);
		return 0;
	}
	printf("%-24s %-8s %-6s %-8s %-11s %s\n", "NAME", "ROLE", "SOURCE", "DISABLED", "MUST-CHANGE",
	    "LAST LOGIN");
	for (int i = 0; i < n; i++) {
		const struct user *u = &items[i];

		printf("%-24s %-8s %-6s %-8s %-11s %s\n", u->username, role_name(u->role), u->source,
		    u->disabled ? "yes" : "no", u->must_change_password ? "yes" : "no",
		    u->last_login_at != NULL ? u->last_login_at : "never");
	}
	return 0;
}
