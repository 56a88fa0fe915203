/* sub.c: subscription sets: all, only some, or all but some, per dimension. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "sub.h"

bool
sub_name_ok(enum sub_dim dim, const char *s)
{
	size_t n = 0;

	(void)dim;
	for (; s[n] != '\0'; n++)
		if (!((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= 'a' && s[n] <= 'z') ||
			(s[n] >= '0' && s[n] <= '9') || s[n] == '_' || s[n] == '.' || s[n] == ':' ||
			s[n] == '-'))
			return false;
	return n > 0 && n <= SUB_NAME_MAX;
}

/* set_has says whether name is in the list of set. */
static bool
set_has(const struct sub_set *set, const char *name)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->names[i], name) == 0)
			return true;
	return false;
}

/* set_clear frees the names and makes set "all" again. */
static void
set_clear(struct sub_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		free(set->names[i]);
	free(set->names);
	memset(set, 0, sizeof(*set));
}

/* set_union adds the names missing from set; the caller checked the total fits. */
static void
set_union(struct sub_set *set, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (set_has(set, names[i]))
			continue;
		set->names = xrealloc(set->names, (set->n + 1) * sizeof(*set->names));
		set->names[set->n++] = xstrdup(names[i]);
	}
}

/* set_remove takes names out of the list of set (order is not kept). */
static void
set_remove(struct sub_set *set, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < set->n; k++)
			if (strcmp(set->names[k], names[i]) == 0) {
				free(set->names[k]);
				set->names[k] = set->names[--set->n];
				break;
			}
}

/* union_size counts the names set would hold after adding names (duplicates counted once). */
static size_t
union_size(const struct sub_set *set, const char *const *names, size_t n)
{
	size_t total = set->n;

	for (size_t i = 0; i < n; i++) {
		bool seen = set_has(set, names[i]);

		for (size_t k = 0; k < i && !seen; k++)
			seen = strcmp(names[k], names[i]) == 0;
		total += !seen;
	}
	return total;
}

enum err
sub_change(struct sub **s, enum sub_dim dim, bool add, const char *const *names, size_t n)
{
	static const struct sub_set all = { 0 };
	const struct sub_set *cur;
	struct sub_set *set;
	bool grows;

	for (size_t i = 0; i < n; i++)
		if (!sub_name_ok(dim, names[i]))
			return ERR_INPUT;
	cur = *s != NULL ? &(*s)->set[dim] : &all;
	/* Subscribing from all or only, and unsubscribing from all or except, lengthen the list. */
	grows = add ? cur->mode != SUB_EXCEPT : cur->mode != SUB_ONLY;
	if (grows && union_size(cur, names, n) > SUB_NAMES_MAX)
		return ERR_TOOBIG;
	if (*s == NULL) {
		if (n == 0)
			return ERR_OK;
		*s = xcalloc(1, sizeof(**s));
	}
	set = &(*s)->set[dim];
	if (add) {
		if (set->mode == SUB_ALL) {
			if (n > 0) {
				set->mode = SUB_ONLY;
				set_union(set, names, n);
			}
		} else if (set->mode == SUB_ONLY) {
			set_union(set, names, n);
		} else {
			set_remove(set, names, n);
			if (set->n == 0)
				set_clear(set);
		}
	} else {
		if (set->mode == SUB_ALL) {
			set->mode = SUB_EXCEPT;
			set_union(set, names, n);
			if (set->n == 0)
				set_clear(set);
		} else if (set->mode == SUB_ONLY) {
			set_remove(set, names, n);
		} else {
			set_union(set, names, n);
		}
	}
	if ((*s)->set[SUB_TYPES].mode == SUB_ALL && (*s)->set[SUB_CLUSTERS].mode == SUB_ALL)
		sub_reset(s);
	return ERR_OK;
}

void
sub_reset(struct sub **s)
{
	sub_free(*s);
	*s = NULL;
}

/* set_match says whether value v passes set. */
static bool
set_match(const struct sub_set *set, const char *v)
{
	if (set->mode == SUB_ALL)
		return true;
	return set_has(set, v) == (set->mode == SUB_ONLY);
}

bool
sub_match(const struct sub *s, const char *type, const char *cluster)
{
	return s == NULL ||
	    (set_match(&s->set[SUB_TYPES], type) && set_match(&s->set[SUB_CLUSTERS], cluster));
}

void
sub_free(struct sub *s)
{
	if (s == NULL)
		return;
	for (int d = 0; d < SUB__MAX; d++)
		set_clear(&s->set[d]);
	free(s);
}

void
sub_nothing(struct sub **s)
{
	sub_reset(s);
	*s = xcalloc(1, sizeof(**s));
	(*s)->set[SUB_TYPES].mode = SUB_ONLY;
}
