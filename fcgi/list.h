/* list.h: the one reading of a list's query parameters, for every list of the API and the pages:
 * limit, cursor, sort and dir, and filters that take several of a fixed set of values.
 *
 * The rule: limit is a whole number from 1 to LIST_LIMIT_MAX, LIST_LIMIT_DEFAULT when absent or
 * empty; sort is one of the list's keys; dir is asc or desc; a choice filter takes its parameter
 * repeated (status=ready&status=degraded) or comma-separated (status=ready,degraded), any of them
 * matching. Anything else is answered 400 with a message that says what would do. */
#ifndef AIOPS_LIST_H
#define AIOPS_LIST_H

#include <stdbool.h>

struct req;

#define LIST_LIMIT_MAX 500
#define LIST_LIMIT_DEFAULT 100

struct list_params {
	int limit;
	const char *cursor; /* NULL when absent or empty */
	const char *sort; /* one of the sorts given, NULL when absent or empty */
	bool desc;
};

/* list_read reads limit and cursor and, when sorts (NULL-terminated) is not NULL, sort and dir
 * from r's query. Returns 0, or 400 having recorded the message (req_fail). Values are r's. */
int list_read(struct req *r, const char *const *sorts, struct list_params *out);

/* list_choices reads every value of the parameter name as a bit mask over choices[0 .. n - 1]
 * (bit i for choices[i]; n at most 32), 0 when none is given. Returns 0, or 400 naming the
 * choices when a value is not one of them. */
int list_choices(struct req *r, const char *name, const char *const *choices, int n, unsigned *mask);

/* list_values returns every value of the query parameter name, repeated or comma-separated, as a
 * NULL-terminated list (arena memory), or NULL when none is given: a filter of free values, such
 * as cluster names. */
const char **list_values(struct req *r, const char *name);

#endif
