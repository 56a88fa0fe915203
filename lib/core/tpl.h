/* tpl.h: ClearSilver templates: parsed once per process, rendered per request with html escaping. */
#ifndef AIOPS_TPL_H
#define AIOPS_TPL_H

#include "err.h"

struct buf;
struct tpl;

/* tpl_open parses every NAME.cs in dir (macros.cs is only included, never rendered) with
 * Config.VarEscapeMode = html. On failure *why (caller frees with free) says which file and line.
 * Caller frees the set with tpl_close. */
enum err tpl_open(const char *dir, struct tpl **out, char **why);
void tpl_close(struct tpl *t);

/* tpl_reset removes all data set since the last reset; call it before each request's data. */
void tpl_reset(struct tpl *t);

/* tpl_set stores value (any bytes; NULL stores nothing) under name. name is a literal path of
 * ours such as "Page.Title" or "Clusters.3.name": never outside data, whose dots would split it. */
void tpl_set(struct tpl *t, const char *name, const char *value);
void tpl_setf(struct tpl *t, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void tpl_set_int(struct tpl *t, const char *name, long v);

/* tpl_set_pair stores an outside key/value pair as list.N.k and list.N.v. */
void tpl_set_pair(struct tpl *t, const char *list, int n, const char *k, const char *v);

/* A node of the template data, to set many values under one prefix without walking the whole
 * path each time. Valid until the next tpl_reset. */
struct tpl_node;

/* tpl_node returns the node at path (a literal of ours, as for tpl_set), made when missing. */
struct tpl_node *tpl_node(struct tpl *t, const char *path);

/* tpl_node_child returns the node at path below n, made when missing. */
struct tpl_node *tpl_node_child(struct tpl_node *n, const char *path);

/* tpl_node_set stores value (NULL stores nothing) as n's child name. */
void tpl_node_set(struct tpl_node *n, const char *name, const char *value);

/* Rows of a list page, built in arena memory: no path to parse, no copy and no malloc per value,
 * and nothing for ClearSilver to free (the values stay the caller's). Valid until tpl_reset or
 * until the arena goes, whichever comes first; never give tpl_set or tpl_rows a path below them. */
struct tpl_row;
struct arena;

/* tpl_rows makes path (a literal of ours) a fresh, empty node whose children come from arena a,
 * replacing whatever was there, and returns it for tpl_row_add and tpl_row_set. */
struct tpl_row *tpl_rows(struct tpl *t, struct arena *a, const char *path);

/* tpl_row_add appends a child to r and returns it: called name, or when name is NULL the number
 * of children added so far ("0", "1", ...). name is borrowed: a literal or arena memory. */
struct tpl_row *tpl_row_add(struct tpl_row *r, const char *name);

/* tpl_row_set appends the value child name to r (NULL sets nothing). Both are borrowed and must
 * live as long as the row: literals, arena memory, or a result the arena releases. Each name once
 * per row: nothing is looked up or replaced. */
void tpl_row_set(struct tpl_row *r, const char *name, const char *value);

/* tpl_get returns a value set earlier, or NULL; owned by the set. */
const char *tpl_get(struct tpl *t, const char *name);

/* tpl_render renders the template called name (its file name without .cs) and appends to out.
 * ERR_NOTFOUND for an unknown name, ERR_TEMPLATE when rendering fails (logged). */
enum err tpl_render(struct tpl *t, const char *name, struct buf *out);

#endif
