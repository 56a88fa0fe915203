/* tpl.c: the only file that speaks ClearSilver's template API (cfg.c reads HDF files).
 * config.h is left out: ClearSilver's own cs_config.h defines the same PACKAGE_ macros. */

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ClearSilver.h"

#include "arena.h"
#include "buf.h"
#include "log.h"
#include "tpl.h"

struct tpl_page {
	char name[64];
	CSPARSE *cs;
};

/* A node whose children are built in an arena by tpl_rows: ClearSilver must never free them, so
 * they are cut off before it frees the node (tpl_reset) or the arena goes (its cleanup). */
struct tpl_list {
	struct tpl *t;
	HDF *node; /* ClearSilver's; NULL once cut off */
	const char *path; /* where node is, in the arena */
	struct tpl_list *next;
};

struct tpl {
	HDF *hdf;
	struct tpl_page *pages; /* every template of the folder: the array grows, there is no ceiling */
	int n, cap;
	struct tpl_list *lists; /* live lists with arena children */
};

/* A node built by tpl_rows and tpl_row_add, or the list node itself, with what adding needs. */
struct tpl_row {
	HDF *node;
	HDF *last; /* its last child: the next one goes after it */
	struct arena *a;
	int count; /* children added with tpl_row_add, for their names */
};

/* An arena node that takes children: the HDF node and its tpl_row together. */
struct tpl_row_node {
	HDF hdf;
	struct tpl_row row;
};

static char *
nerr_text(NEOERR *nerr)
{
	STRING s;
	char *text;

	string_init(&s);
	nerr_error_traceback(nerr, &s);
	text = xstrdup(s.buf != NULL ? s.buf : "template error");
	string_clear(&s);
	nerr_ignore(&nerr);
	return text;
}

static int
page_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tpl_page *)a)->name, ((const struct tpl_page *)b)->name);
}

enum err
tpl_open(const char *dir, struct tpl **out, char **why)
{
	struct tpl *t = xcalloc(1, sizeof(*t));
	struct dirent *de;
	NEOERR *nerr;
	DIR *d;

	*why = NULL;
	*out = NULL;
	if ((nerr = hdf_init(&t->hdf)) != STATUS_OK)
		goto fail_nerr;
	/* Escaping is fixed when a template is parsed, so the mode is set before any cs_init. */
	if ((nerr = hdf_set_value(t->hdf, "Config.VarEscapeMode", "html")) != STATUS_OK ||
	    (nerr = hdf_set_value(t->hdf, "hdf.loadpaths.0", dir)) != STATUS_OK)
		goto fail_nerr;
	if ((d = opendir(dir)) == NULL) {
		char msg[512];

		snprintf(msg, sizeof(msg), "cannot open template folder %s", dir);
		*why = xstrdup(msg);
		tpl_close(t);
		return ERR_IO;
	}
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		struct tpl_page *p;

		if (len < 4 || strcmp(de->d_name + len - 3, ".cs") != 0 ||
		    strcmp(de->d_name, "macros.cs") == 0 || de->d_name[0] == '.')
			continue;
		if (len - 3 >= sizeof(p->name)) {
			*why = xstrdup("a template name is longer than 63 bytes");
			closedir(d);
			tpl_close(t);
			return ERR_TEMPLATE;
		}
		if (t->n == t->cap) {
			t->cap = t->cap > 0 ? 2 * t->cap : 64;
			t->pages = xrealloc(t->pages, sizeof(*t->pages) * (size_t)t->cap);
		}
		p = &t->pages[t->n];
		p->cs = NULL;
		memcpy(p->name, de->d_name, len - 3);
		p->name[len - 3] = '\0';
		if ((nerr = cs_init(&p->cs, t->hdf)) != STATUS_OK ||
		    (nerr = cgi_register_strfuncs(p->cs)) != STATUS_OK ||
		    (nerr = cs_parse_file(p->cs, de->d_name)) != STATUS_OK) {
			t->n++;
			closedir(d);
			goto fail_nerr;
		}
		t->n++;
	}
	closedir(d);
	qsort(t->pages, (size_t)t->n, sizeof(t->pages[0]), page_cmp);
	*out = t;
	return ERR_OK;

fail_nerr:
	*why = nerr_text(nerr);
	tpl_close(t);
	return ERR_TEMPLATE;
}

/* list_cut takes the arena children off l's node, so that ClearSilver frees only its own. */
static void
list_cut(struct tpl_list *l)
{
	if (l->node == NULL)
		return;
	l->node->child = NULL;
	l->node->last_child = NULL;
	l->node->last_hp = NULL;
	l->node->last_hs = NULL;
	l->node = NULL;
}

/* list_release is the arena cleanup of a list: cut off, and forgotten by its tpl. A list already
 * cut was dropped with all the others by tpl_reset or tpl_close, whose set may be gone. */
static void
list_release(void *arg)
{
	struct tpl_list *l = arg, **p;

	if (l->node == NULL)
		return;
	list_cut(l);
	for (p = &l->t->lists; *p != NULL; p = &(*p)->next)
		if (*p == l) {
			*p = l->next;
			break;
		}
}

void
tpl_close(struct tpl *t)
{
	if (t == NULL)
		return;
	for (struct tpl_list *l = t->lists; l != NULL; l = l->next)
		list_cut(l);
	t->lists = NULL;
	for (int i = 0; i < t->n; i++)
		if (t->pages[i].cs != NULL)
			cs_destroy(&t->pages[i].cs);
	free(t->pages);
	if (t->hdf != NULL)
		hdf_destroy(&t->hdf);
	free(t);
}

void
tpl_reset(struct tpl *t)
{
	HDF *child, *next;

	for (struct tpl_list *l = t->lists; l != NULL; l = l->next)
		list_cut(l);
	t->lists = NULL;

	/* Everything at the top but Config and hdf is request data. */
	for (child = hdf_obj_child(t->hdf); child != NULL; child = next) {
		const char *name = hdf_obj_name(child);

		next = hdf_obj_next(child);
		if (strcmp(name, "Config") != 0 && strcmp(name, "hdf") != 0)
			hdf_remove_tree(t->hdf, name);
	}
}

static void
tpl_check(NEOERR *nerr, const char *name)
{
	if (nerr != STATUS_OK) {
		char *text = nerr_text(nerr);

		log_error(NULL, "template data %s: %s", name, text);
		free(text);
	}
}

void
tpl_set(struct tpl *t, const char *name, const char *value)
{
	if (value != NULL)
		tpl_check(hdf_set_value(t->hdf, name, value), name);
}

void
tpl_setf(struct tpl *t, const char *name, const char *fmt, ...)
{
	struct buf b = { 0 };
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	tpl_set(t, name, buf_cstr(&b));
	buf_free(&b);
}

void
tpl_set_int(struct tpl *t, const char *name, long v)
{
	tpl_setf(t, name, "%ld", v);
}

void
tpl_set_pair(struct tpl *t, const char *list, int n, const char *k, const char *v)
{
	char name[128];

	snprintf(name, sizeof(name), "%s.%d.k", list, n);
	tpl_set(t, name, k);
	snprintf(name, sizeof(name), "%s.%d.v", list, n);
	tpl_set(t, name, v);
}

struct tpl_node *
tpl_node(struct tpl *t, const char *path)
{
	HDF *n = NULL;

	tpl_check(hdf_get_node(t->hdf, path, &n), path);
	return (struct tpl_node *)n;
}

struct tpl_node *
tpl_node_child(struct tpl_node *parent, const char *path)
{
	HDF *n = NULL;

	tpl_check(hdf_get_node((HDF *)parent, path, &n), path);
	return (struct tpl_node *)n;
}

void
tpl_node_set(struct tpl_node *n, const char *name, const char *value)
{
	if (n != NULL && value != NULL)
		tpl_check(hdf_set_value((HDF *)n, name, value), name);
}

struct tpl_row *
tpl_rows(struct tpl *t, struct arena *a, const char *path)
{
	struct tpl_list *l = arena_alloc(a, sizeof(*l));
	struct tpl_row *r = arena_zalloc(a, sizeof(*r));
	HDF *n = NULL;

	/* A fresh node: arena children follow none of ClearSilver's, and no hash of its own. Lists
	 * at or below path go first, before ClearSilver frees the tree they hang from. */
	if (hdf_get_obj(t->hdf, path) != NULL) {
		size_t len = strlen(path);

		for (struct tpl_list *o = t->lists; o != NULL; o = o->next)
			if (strncmp(o->path, path, len) == 0 && (o->path[len] == '\0' || o->path[len] == '.'))
				list_cut(o);
		tpl_check(hdf_remove_tree(t->hdf, path), path);
	}
	tpl_check(hdf_get_node(t->hdf, path, &n), path);
	if (n == NULL)
		die_oom();
	l->t = t;
	l->node = n;
	l->path = arena_strdup(a, path);
	l->next = t->lists;
	t->lists = l;
	arena_cleanup(a, list_release, l);
	r->node = n;
	r->a = a;
	return r;
}

/* row_link appends the arena node c, called name, to r. */
static void
row_link(struct tpl_row *r, HDF *c, const char *name)
{
	c->name = (char *)name;
	c->name_len = (int)strlen(name);
	c->top = r->node->top;
	if (r->last == NULL)
		r->node->child = c;
	else
		r->last->next = c;
	r->last = c;
}

struct tpl_row *
tpl_row_add(struct tpl_row *r, const char *name)
{
	struct tpl_row_node *c = arena_zalloc(r->a, sizeof(*c));

	if (name == NULL) {
		/* The index, in decimal: printf would cost more than the rest of the row. */
		char digits[12], *p = digits + sizeof(digits), *out;
		unsigned n = (unsigned)r->count;

		do
			*--p = (char)('0' + n % 10);
		while ((n /= 10) > 0);
		out = arena_alloc(r->a, (size_t)(digits + sizeof(digits) - p) + 1);
		memcpy(out, p, (size_t)(digits + sizeof(digits) - p));
		out[digits + sizeof(digits) - p] = '\0';
		name = out;
	}
	r->count++;
	row_link(r, &c->hdf, name);
	c->row.node = &c->hdf;
	c->row.a = r->a;
	return &c->row;
}

void
tpl_row_set(struct tpl_row *r, const char *name, const char *value)
{
	HDF *c;

	if (value == NULL)
		return;
	c = arena_zalloc(r->a, sizeof(*c));
	row_link(r, c, name);
	c->value = (char *)value; /* alloc_value 0: never freed by ClearSilver */
}

const char *
tpl_get(struct tpl *t, const char *name)
{
	return hdf_get_value(t->hdf, name, NULL);
}

static NEOERR *
tpl_out(void *ctx, char *s)
{
	buf_adds(ctx, s);
	return STATUS_OK;
}

enum err
tpl_render(struct tpl *t, const char *name, struct buf *out)
{
	struct tpl_page key, *p;
	NEOERR *nerr;

	snprintf(key.name, sizeof(key.name), "%s", name);
	p = bsearch(&key, t->pages, (size_t)t->n, sizeof(t->pages[0]), page_cmp);
	if (p == NULL)
		return ERR_NOTFOUND;
	if ((nerr = cs_render(p->cs, out, tpl_out)) != STATUS_OK) {
		char *text = nerr_text(nerr);

		log_error(NULL, "render %s: %s", name, text);
		free(text);
		return ERR_TEMPLATE;
	}
	return ERR_OK;
}
