/* res_apidoc.c: the API reference page, rendered from the OpenAPI document that nginx serves at
 * /api/v1/openapi.json, so that the page and the document can never disagree. */
#include "config.h"

#include <string.h>

#include <jansson.h>

#include "arena.h"
#include "buf.h"
#include "cfg.h"
#include "log.h"
#include "req.h"
#include "res.h"
#include "tpl.h"

/* The parsed document, read at first use and kept for the worker's life (a new document comes
 * with a deploy, and a deploy restarts the workers). */
static json_t *doc;

static json_t *
load_doc(struct req *r)
{
	json_error_t jerr;

	if (doc == NULL && (doc = json_load_file(cfg_str("server.openapi"), 0, &jerr)) == NULL)
		log_error(r->request_id, "cannot read the OpenAPI document %s: %s (line %d)",
		    cfg_str("server.openapi"), jerr.text, jerr.line);
	return doc;
}

/* resolve follows a local "$ref" ("#/components/responses/X") once; returns v when it has none, or
 * NULL when it points nowhere. Borrowed from the document. */
static json_t *
resolve(json_t *v)
{
	const char *ref = json_string_value(json_object_get(v, "$ref"));
	char part[128];
	json_t *at = doc;

	if (ref == NULL)
		return v;
	if (strncmp(ref, "#/", 2) != 0)
		return NULL;
	for (const char *p = ref + 2; *p != '\0' && at != NULL;) {
		size_t n = strcspn(p, "/");

		if (n >= sizeof(part))
			return NULL;
		memcpy(part, p, n);
		part[n] = '\0';
		at = json_object_get(at, part);
		p += n + (p[n] == '/');
	}
	return at;
}

/* type_of names a schema for a person: its type, "array of X", or the name it is defined under. */
static const char *
type_of(struct arena *a, json_t *schema)
{
	const char *ref = json_string_value(json_object_get(schema, "$ref"));
	const char *type = json_string_value(json_object_get(schema, "type"));

	if (ref != NULL)
		return strrchr(ref, '/') != NULL ? strrchr(ref, '/') + 1 : ref;
	if (type != NULL && strcmp(type, "array") == 0)
		return arena_printf(a, "array of %s", type_of(a, json_object_get(schema, "items")));
	return type != NULL ? type : "";
}

static void
set_str(struct tpl_row *row, const char *name, json_t *obj, const char *key)
{
	tpl_row_set(row, name, json_string_value(json_object_get(obj, key)));
}

/* add_params adds the parameters of list (an array, items maybe $ref) to rows. */
static void
add_params(struct arena *a, struct tpl_row *rows, json_t *list)
{
	size_t i;
	json_t *p;

	json_array_foreach (list, i, p) {
		struct tpl_row *row = tpl_row_add(rows, NULL);

		if ((p = resolve(p)) == NULL)
			continue;
		set_str(row, "name", p, "name");
		set_str(row, "in", p, "in");
		set_str(row, "description", p, "description");
		tpl_row_set(row, "type", type_of(a, json_object_get(p, "schema")));
		tpl_row_set(row, "required", json_is_true(json_object_get(p, "required")) ? "1" : NULL);
	}
}

/* add_operation adds one operation (method on path) to ops. */
static void
add_operation(
    struct arena *a, struct tpl_row *ops, const char *path, const char *method, json_t *item, json_t *op)
{
	struct tpl_row *row = tpl_row_add(ops, NULL), *rows;
	json_t *body = json_object_get(op, "requestBody"), *resp;
	const char *k, *code;
	char *up = arena_strdup(a, method);

	for (char *c = up; *c != '\0'; c++)
		*c = (char)(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c);
	tpl_row_set(row, "method", up);
	tpl_row_set(row, "path", path);
	set_str(row, "id", op, "operationId");
	set_str(row, "summary", op, "summary");
	set_str(row, "description", op, "description");
	set_str(row, "role", op, "x-aiops-role");
	set_str(row, "served_by", op, "x-aiops-served-by");
	rows = tpl_row_add(row, "Params");
	add_params(a, rows, json_object_get(item, "parameters"));
	add_params(a, rows, json_object_get(op, "parameters"));
	if ((body = resolve(body)) != NULL) {
		json_t *media;

		rows = tpl_row_add(row, "Body");
		json_object_foreach (json_object_get(body, "content"), k, media) {
			struct tpl_row *b = tpl_row_add(rows, NULL);

			tpl_row_set(b, "type", k);
			tpl_row_set(b, "schema", type_of(a, json_object_get(media, "schema")));
		}
	}
	rows = tpl_row_add(row, "Responses");
	json_object_foreach (json_object_get(op, "responses"), code, resp) {
		struct tpl_row *rr = tpl_row_add(rows, NULL);

		tpl_row_set(rr, "code", code);
		if ((resp = resolve(resp)) != NULL)
			set_str(rr, "description", resp, "description");
	}
}

static int
has_tag(json_t *op, const char *tag)
{
	size_t i;
	json_t *t;

	json_array_foreach (json_object_get(op, "tags"), i, t)
		if (json_is_string(t) && strcmp(json_string_value(t), tag) == 0)
			return 1;
	return 0;
}

int
res_apidoc_page(struct req *r)
{
	static const char *const methods[] = { "get", "post", "put", "patch", "delete", NULL };
	struct tpl *t = r->w->tpl;
	struct buf *frag = buf_new(r->a);
	struct tpl_row *tags, *schemas;
	json_t *info, *tag, *item, *schema;
	const char *path, *name;
	size_t i;

	if (load_doc(r) == NULL)
		return req_fail(r, 503, "the API document cannot be read; the log says why");
	info = json_object_get(doc, "info");
	tpl_set(t, "Doc.title", json_string_value(json_object_get(info, "title")));
	tpl_set(t, "Doc.version", json_string_value(json_object_get(info, "version")));
	tpl_set(t, "Doc.description", json_string_value(json_object_get(info, "description")));
	tags = tpl_rows(t, r->a, "Tags");
	json_array_foreach (json_object_get(doc, "tags"), i, tag) {
		struct tpl_row *row = tpl_row_add(tags, NULL), *ops = tpl_row_add(row, "Ops");
		const char *tname = json_string_value(json_object_get(tag, "name"));

		if (tname == NULL)
			continue;
		tpl_row_set(row, "name", tname);
		set_str(row, "description", tag, "description");
		json_object_foreach (json_object_get(doc, "paths"), path, item)
			for (int m = 0; methods[m] != NULL; m++) {
				json_t *op = json_object_get(item, methods[m]);

				if (op != NULL && has_tag(op, tname))
					add_operation(r->a, ops, path, methods[m], item, op);
			}
	}
	schemas = tpl_rows(t, r->a, "Schemas");
	json_object_foreach (json_object_get(json_object_get(doc, "components"), "schemas"), name, schema) {
		struct tpl_row *row = tpl_row_add(schemas, NULL), *props = tpl_row_add(row, "Props");
		json_t *req = json_object_get(schema, "required"), *p;
		const char *pname;

		tpl_row_set(row, "name", name);
		set_str(row, "description", schema, "description");
		json_object_foreach (json_object_get(schema, "properties"), pname, p) {
			struct tpl_row *pr = tpl_row_add(props, NULL);
			size_t j;
			json_t *rq;

			tpl_row_set(pr, "name", pname);
			tpl_row_set(pr, "type", type_of(r->a, p));
			set_str(pr, "description", p, "description");
			json_array_foreach (req, j, rq)
				if (json_is_string(rq) && strcmp(json_string_value(rq), pname) == 0)
					tpl_row_set(pr, "required", "1");
		}
	}
	if (tpl_render(t, "api_docs", frag) != ERR_OK)
		return req_fail(r, 500, "render failed");
	return req_page_body(r, 200, buf_cstr(frag), frag->len, "API reference");
}
