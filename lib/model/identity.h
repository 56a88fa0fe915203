/* identity.h: roles and who is asking: the person or program behind a request. */
#ifndef AIOPS_IDENTITY_H
#define AIOPS_IDENTITY_H

#include <stdbool.h>

/* Roles in increasing power. ROLE_UNSET is zero so that a route row that forgets its role is
 * refused (deny by default); ROLE_PUBLIC marks routes anyone may use. */
enum role { ROLE_UNSET, ROLE_PUBLIC, ROLE_VIEWER, ROLE_OPERATOR, ROLE_ADMIN, ROLE__MAX };

enum identity_via { VIA_SESSION, VIA_TOKEN, VIA_PROXY };

/* Who made a request. Strings are arena memory of the request. */
struct identity {
	const char *user_id, *username;
	enum role role;
	enum identity_via via;
	const char *session_hash; /* VIA_SESSION: the digest that names the session */
	const char *csrf; /* VIA_SESSION: the form token */
	const char *token_id; /* VIA_TOKEN */
	bool must_change_password;
};

/* role_name returns "viewer", "operator", "admin" (or "public"). */
const char *role_name(enum role r);

/* role_parse maps a role name to its value; -1 for anything else (public is not a user's role). */
int role_parse(const char *s);

#endif
