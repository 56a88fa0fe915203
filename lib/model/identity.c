/* identity.c: the names of roles, as stored, shown and sent. */
#include "config.h"

#include <string.h>

#include "identity.h"

static const char *const role_names[ROLE__MAX] = { "unset", "public", "viewer", "operator", "admin" };

const char *
role_name(enum role r)
{
	return r >= 0 && r < ROLE__MAX ? role_names[r] : "unknown";
}

int
role_parse(const char *s)
{
	for (int i = ROLE_VIEWER; s != NULL && i < ROLE__MAX; i++)
		if (strcmp(s, role_names[i]) == 0)
			return i;
	return -1;
}
