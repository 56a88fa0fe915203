/* common.c: what the collectors share: URLs under a cluster's base URLs, its opened credentials. */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "arena.h"
#include "cluster.h"
#include "collect.h"
#include "credential.h"
#include "log.h"

void
collect_secrets(struct collect *co, const struct cluster *c, char **secrets)
{
	bool unopened[CREDENTIAL__MAX];

	if (credential_open_all(co->db, co->a, co->key, c->id, secrets, unopened) != ERR_OK)
		return;
	for (int k = 0; k < CREDENTIAL__MAX; k++) {
		if (!unopened[k])
			continue;
		if (co->key == NULL)
			log_warn(NULL, "cluster %s has a %s but the key file could not be read", c->name,
			    credential_kind_name((enum credential_kind)k));
		else
			log_warn(NULL, "cluster %s: its %s does not open with the key file", c->name,
			    credential_kind_name((enum credential_kind)k));
	}
}
