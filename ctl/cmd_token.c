/* cmd_token.c: aiopsctl token create: an API token for an account, audited with it. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "arena.h"
#include "auth.h"
#include "ctl.h"
#include "db.h"
#include "token.h"
#include "user.h"

/* token_name_ok says whether s may name a token: 1 to 64 bytes, no control characters. */
static int
token_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < ' ' || s[i] == 0x7F)
			return 0;
	return 1;
}

int
cmd_token_create(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "user", required_argument, NULL, 'u' },
		{ "name", required_argument, NULL, 'n' },
		{ "role", required_argument, NULL, 'r' },
		{ "expires", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	const char *owner = NULL, *label = NULL, *role_s = NULL, *expires = "0";
	struct token *t;
	struct user *u;
	char *secret, *end;
	long days;
	enum err e;
	int ch, role;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'u': owner = optarg; break;
		case 'n': label = optarg; break;
		case 'r': role_s = optarg; break;
		case 'e': expires = optarg; break;
		default: ctl_usage(stderr); return 2;
		}
	}
	if (optind != argc || owner == NULL || label == NULL) {
		fprintf(stderr, "aiopsctl: token create takes --user NAME and --name LABEL\n");
		return 2;
	}
	days = strtol(expires, &end, 10);
	if (*expires == '\0' || *end != '\0' || days < 0 || days > 3650) {
		fprintf(stderr, "aiopsctl: --expires is a whole number of days, 0 (never) to 3650\n");
		return 1;
	}
	if (!token_name_ok(label)) {
		fprintf(stderr, "aiopsctl: --name is 1 to 64 printable characters\n");
		return 1;
	}
	if (ctl_find_user(c, owner, &u) != 0)
		return 1;
	if (u->disabled) {
		fprintf(stderr, "aiopsctl: %s is disabled; its tokens would not work (user enable %s)\n",
		    u->username, u->username);
		return 1;
	}
	role = role_s != NULL ? role_parse(role_s) : (int)u->role;
	if (role < 0) {
		fprintf(stderr, "aiopsctl: --role is viewer, operator or admin\n");
		return 1;
	}
	if (role > (int)u->role) {
		fprintf(stderr,
		    "aiopsctl: a token cannot have a higher role than its owner: %s is %s, not %s\n",
		    u->username, role_name(u->role), role_name((enum role)role));
		return 1;
	}
	if (ctl_begin(c) != 0)
		return 1;
	e = token_create(c->db, c->a, u, label, (enum role)role, (int)days, &secret, &t);
	if (e != ERR_OK) {
		db_tx_rollback(c->db);
		fprintf(stderr, "aiopsctl: cannot create the token: %s\n", ctl_failure(c, e));
		return 1;
	}
	if (ctl_commit(c, "token.create", arena_printf(c->a, "token:%s", t->id),
		json_pack("{s:s, s:s, s:s, s:i}", "user", u->username, "name", label, "role",
		    role_name((enum role)role), "expires_days", (int)days)) != 0)
		return 1;
	printf("%s\n", secret);
	return 0;
}
