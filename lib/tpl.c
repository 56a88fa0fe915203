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

#define TPL_MAX 64

struct tpl_page {
	char name[64];
	CSPARSE *cs;
};

struct tpl {
	HDF *hdf;
	struct tpl_page pages[TPL_MAX];
	int n;
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
		if (t->n == TPL_MAX || len - 3 >= sizeof(p->name)) {
			*why = xstrdup("too many templates, or a template name too long");
			closedir(d);
			tpl_close(t);
			return ERR_TEMPLATE;
		}
		p = &t->pages[t->n];
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

void
tpl_close(struct tpl *t)
{
	if (t == NULL)
		return;
	for (int i = 0; i < t->n; i++)
		if (t->pages[i].cs != NULL)
			cs_destroy(&t->pages[i].cs);
	if (t->hdf != NULL)
		hdf_destroy(&t->hdf);
	free(t);
}

void
tpl_reset(struct tpl *t)
{
	HDF *child, *next;

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
