/* fake_cluster.c: what a fake cluster does (its settings, set through the control API) and the
 * table of the clusters configured or asked something. */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "arena.h"
#include "fake_kube.h"

static const char *const fail_names[FAIL__MAX] = { "none", "reset", "hang", "500" };

void
settings_default(struct settings *s)
{
	memset(s, 0, sizeof(*s));
	s->ready = true;
	strcpy(s->failing_check, "etcd");
	strcpy(s->version, DEFAULT_VERSION);
	s->fail = FAIL_NONE;
	s->nodes = 3;
	s->gpu_nodes = 2;
	s->gpus_per_node = 4;
}

void
settings_copy(struct settings *dst, const struct settings *src)
{
	*dst = *src;
	dst->token = src->token != NULL ? xstrdup(src->token) : NULL;
	dst->redirect = src->redirect != NULL ? xstrdup(src->redirect) : NULL;
}

void
settings_free(struct settings *s)
{
	free(s->token);
	free(s->redirect);
	s->token = s->redirect = NULL;
}

/* Each setter checks one key's JSON value and stores it; on error it writes why and returns -1. */
typedef int (*setting_fn)(struct settings *s, const char *key, const json_t *v, char *why, size_t n);

static int
set_int(int *dst, const char *key, const json_t *v, int max, char *why, size_t n)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max) {
		snprintf(why, n, "%s must be an integer from 0 to %d", key, max);
		return -1;
	}
	*dst = (int)json_integer_value(v);
	return 0;
}

static int
set_bool(bool *dst, const char *key, const json_t *v, char *why, size_t n)
{
	if (!json_is_boolean(v)) {
		snprintf(why, n, "%s must be true or false", key);
		return -1;
	}
	*dst = json_is_true(v);
	return 0;
}

/* set_optional_string stores a copy of v, or NULL for null or ""; v must be visible ASCII. */
static int
set_optional_string(char **dst, const char *key, const json_t *v, size_t max, char *why, size_t n)
{
	const char *s;

	if (json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0)) {
		free(*dst);
		*dst = NULL;
		return 0;
	}
	s = json_string_value(v);
	if (s == NULL || json_string_length(v) > max || strlen(s) != json_string_length(v) ||
	    !visible_ascii(s)) {
		snprintf(
		    why, n, "%s must be null or printable ASCII without spaces, at most %zu bytes", key, max);
		return -1;
	}
	free(*dst);
	*dst = xstrdup(s);
	return 0;
}

static int
set_latency(struct settings *s, const char *key, const json_t *v, char *why, size_t n)
{
	return set_int(&s->latency_ms, key, v, LATENCY_MAX_MS, why, n);
}

static int
set_ready(struct settings *s, const char *key, const json_t *v, char *why, size_t n)
{
	return set_bool(&s->ready, key, v, why, n);
}

static int
set_expire_continue(struct settings *s, const char *key, const json_t *v, char *why, size_t n)
{
	return set_bool(&s->expire_continue, key, v, why, n);
}

static int
set_failing_check(struct settings *s, const char *key, const json_t *v, char *why, size_t n)
{
	const char *c = json_string_value(v);
	size_t len = json_is_string(v) ? json_string_length(v) : 0;

	for (size_t i = 0; i < len && c != NULL; i++)
		if (!(islower((unsigned char)c[i]) || isdigit((unsigned char)c[i]) ||
			strchr("-./", c[i]) != NULL))
			c = NULL;
	if (c == NULL || len == 0 || len > NAME_MAX_LEN) {
		snprintf(why, n, "%s must be a health check name, [a-z0-9./-]{1,%d}", key, NAME_MAX_LEN);
		return -1;
	}
	memcpy(s->failing_check, c, len + 1);
	return 0;
}

static int
set_version(struct settings *s, const char *key, const json_t *v, char *why, size_t n)
{
	const char *c = json_string_value(v);
	unsigned major, minor;
	char dot;

	if (c == NULL || json_string_length(v) > VERSION_MAX || strlen(c) != json_string_length(v) ||
	    !visible_ascii(c) || sscanf(c, "v%u%c%u", &major, &dot, &minor) != 3 || dot != '.') {
		snprintf(why, n, "%s must be a gitVersion such as \"%s\", at most %d bytes", key,
		    DEFAULT_VERSION, VERSION_MAX);
		return -1;
	}
	memcpy(s->version, c, json_string_length(v) + 1);
	return 0;
}

static int
set_token(struct settings *s, const char *key, const json_t *v, char *why, size_t n)
{
	return set_optional_string(&s->token, key, v, TOKEN_MAX, why, n);
}

static int
set_redirect(struct settings *s, const char *key, const json_t *v, char *why, size_t n)
{
	return set_optional_string(&s->redirect, key, v, REDIRECT_MAX, why, n);
}

static int
set_fail(struct settings *s, const char *key, const json_t *v, char *why, size_t n)
{
	const char *c = json_string_value(v);

	for (int i = 0; c != NULL && i < FAIL__MAX; i++)
		if (strcmp(c, fail_names[i]) == 0) {
			s->fail = (enum fail_mode)i;
			return 0;
		}
	snprintf(why, n, "%s must be \"none\", \"reset\", \"hang\" or \"500\"", key);
	return -1;
}

static int
set_nodes(struct settings *s, const char *key, const json_t *v, char *why, size_t n)
{
	return set_int(&s->nodes, key, v, NODES_MAX, why, n);
}

static int
set_gpu_nodes(struct settings *s, const char *key, const json_t *v, char *why, size_t n)
{
	return set_int(&s->gpu_nodes, key, v, NODES_MAX, why, n);
}

static int
set_gpus_per_node(struct settings *s, const char *key, const json_t *v, char *why, size_t n)
{
	return set_int(&s->gpus_per_node, key, v, GPUS_PER_NODE_MAX, why, n);
}

/* THE table of settings the control API and --clusters accept. */
static const struct {
	const char *key;
	setting_fn set;
} setting_rows[] = {
	{ "latency_ms", set_latency },
	{ "ready", set_ready },
	{ "failing_check", set_failing_check },
	{ "version", set_version },
	{ "token", set_token },
	{ "fail", set_fail },
	{ "redirect", set_redirect },
	{ "nodes", set_nodes },
	{ "gpu_nodes", set_gpu_nodes },
	{ "gpus_per_node", set_gpus_per_node },
	{ "expire_continue", set_expire_continue },
};

int
settings_apply(struct settings *s, const json_t *j, char *why, size_t n)
{
	struct settings t;
	const char *key;
	json_t *v;

	if (!json_is_object(j)) {
		snprintf(why, n, "the settings must be a JSON object");
		return -1;
	}
	settings_copy(&t, s);
	json_object_foreach ((json_t *)j, key, v) {
		size_t i;

		for (i = 0; i < sizeof(setting_rows) / sizeof(setting_rows[0]); i++)
			if (strcmp(key, setting_rows[i].key) == 0)
				break;
		if (i == sizeof(setting_rows) / sizeof(setting_rows[0])) {
			snprintf(why, n, "unknown setting \"%.64s\"", key);
			goto fail;
		}
		if (setting_rows[i].set(&t, key, v, why, n) != 0)
			goto fail;
	}
	if (t.gpu_nodes > t.nodes) {
		snprintf(why, n, "gpu_nodes (%d) exceeds nodes (%d), the total count of nodes", t.gpu_nodes,
		    t.nodes);
		goto fail;
	}
	settings_free(s);
	*s = t;
	return 0;
fail:
	settings_free(&t);
	return -1;
}

json_t *
settings_json(const struct settings *s)
{
	json_t *j = json_pack("{s:i, s:b, s:s, s:s, s:s?, s:s, s:s?, s:i, s:i, s:i, s:b}", "latency_ms",
	    s->latency_ms, "ready", s->ready, "failing_check", s->failing_check, "version", s->version,
	    "token", s->token, "fail", fail_names[s->fail], "redirect", s->redirect, "nodes", s->nodes,
	    "gpu_nodes", s->gpu_nodes, "gpus_per_node", s->gpus_per_node, "expire_continue",
	    s->expire_continue);

	if (j == NULL)
		die_oom();
	return j;
}

/* ---- The cluster table ---- */

static unsigned
cluster_hash(const char *name)
{
	uint32_t h = 2166136261u;

	for (; *name != '\0'; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return h % CLUSTER_BUCKETS;
}

struct cluster *
fake_cluster_find(struct fake *fk, const char *name)
{
	struct cluster *c;

	for (c = fk->buckets[cluster_hash(name)]; c != NULL; c = c->next)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

struct cluster *
fake_cluster_get(struct fake *fk, const char *name)
{
	struct cluster *c = fake_cluster_find(fk, name);
	unsigned h;

	if (c != NULL)
		return c;
	if (fk->nclusters >= CLUSTER_MAX)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	strcpy(c->name, name);
	settings_copy(&c->set, &fk->defaults);
	h = cluster_hash(name);
	c->next = fk->buckets[h];
	fk->buckets[h] = c;
	fk->nclusters++;
	return c;
}

static void
cluster_free(struct cluster *c)
{
	settings_free(&c->set);
	free(c->last_authorization);
	free(c);
}

bool
fake_cluster_remove(struct fake *fk, const char *name)
{
	struct cluster **pp, *c;

	for (pp = &fk->buckets[cluster_hash(name)]; (c = *pp) != NULL; pp = &c->next)
		if (strcmp(c->name, name) == 0) {
			*pp = c->next;
			cluster_free(c);
			fk->nclusters--;
			return true;
		}
	return false;
}

void
fake_cluster_remove_all(struct fake *fk)
{
	for (int i = 0; i < CLUSTER_BUCKETS; i++)
		while (fk->buckets[i] != NULL) {
			struct cluster *c = fk->buckets[i];

			fk->buckets[i] = c->next;
			cluster_free(c);
		}
	fk->nclusters = 0;
}

json_t *
fake_cluster_json(const struct cluster *c)
{
	json_t *j = settings_json(&c->set);

	json_object_set_new(j, "requests", json_integer((json_int_t)c->requests));
	json_object_set_new(j, "last_authorization",
	    c->last_authorization != NULL ? json_string(c->last_authorization) : json_null());
	return j;
}
