/* check_openapi.c: static/openapi.json documents exactly the JSON and text routes of the route table. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "identity.h"
#include "route.h"

#ifndef OPENAPI_PATH
#error "build with -DOPENAPI_PATH=\"path of static/openapi.json\""
#endif

/* The HTTP methods an OpenAPI path item can hold, in its lower-case spelling. */
static const char *const oa_methods[] = { "get", "put", "post", "delete", "options", "head", "patch", "trace",
	NULL };

static json_t *doc;

static void
load_doc(void)
{
	json_error_t e;

	doc = json_load_file(OPENAPI_PATH, JSON_REJECT_DUPLICATES, &e);
	ck_assert_msg(doc != NULL, "%s:%d:%d: %s", OPENAPI_PATH, e.line, e.column, e.text);
}

static void
free_doc(void)
{
	json_decref(doc);
	doc = NULL;
}

/* documented says whether the route table answers JSON or text on this row, so the document must
 * describe it; HTML pages are for people and stay out of it. */
static int
documented(const struct route *rt)
{
	return (rt->flags & (RF_JSON | RF_TEXT)) != 0;
}

/* lower copies method into out (at most n bytes with the NUL) in lower case. */
static void
lower(const char *method, char *out, size_t n)
{
	size_t i;

	for (i = 0; method[i] != '\0' && i + 1 < n; i++)
		out[i] = (char)(method[i] >= 'A' && method[i] <= 'Z' ? method[i] - 'A' + 'a' : method[i]);
	out[i] = '\0';
}

/* paths returns the document's paths object, failing the test cleanly when there is none. */
static json_t *
paths(void)
{
	json_t *p = json_object_get(doc, "paths");

	ck_assert_msg(json_is_object(p), "%s has no paths object", OPENAPI_PATH);
	return p;
}

/* operation returns the OpenAPI operation for the table row, or NULL (borrowed from doc). */
static json_t *
operation(const struct route *rt)
{
	char m[16];

	lower(rt->method, m, sizeof(m));
	return json_object_get(json_object_get(paths(), rt->pattern), m);
}

/* resolve follows a local reference "#/a/b" through doc (JSON pointer, with ~0 and ~1); NULL when
 * it leads nowhere. The result is borrowed from doc. */
static json_t *
resolve(const char *ref)
{
	json_t *at = doc;
	const char *p;

	if (strncmp(ref, "#/", 2) != 0)
		return NULL;
	for (p = ref + 2; at != NULL;) {
		const char *end = strchr(p, '/');
		size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
		char key[256];
		size_t k = 0;

		for (size_t i = 0; i < n && k + 1 < sizeof(key); i++) {
			if (p[i] == '~' && i + 1 < n && (p[i + 1] == '0' || p[i + 1] == '1'))
				key[k++] = p[++i] == '0' ? '~' : '/';
			else
				key[k++] = p[i];
		}
		key[k] = '\0';
		at = json_object_get(at, key);
		if (end == NULL)
			break;
		p = end + 1;
	}
	return at;
}

/* deref returns v, or what v's "$ref" names when it is a reference (borrowed). */
static json_t *
deref(json_t *v)
{
	json_t *ref = json_object_get(v, "$ref");

	return json_is_string(ref) ? resolve(json_string_value(ref)) : v;
}

START_TEST(test_document_is_openapi_303)
{
	const char *v;

	ck_assert_msg(json_is_object(doc), "the document is not a JSON object");
	v = json_string_value(json_object_get(doc, "openapi"));
	ck_assert_msg(
	    v != NULL && strcmp(v, "3.0.3") == 0, "openapi is %s, not 3.0.3", v != NULL ? v : "missing");
	ck_assert_msg(
	    json_is_string(json_object_get(json_object_get(doc, "info"), "title")), "info.title missing");
	ck_assert_msg(json_is_object(json_object_get(doc, "paths")), "paths missing");
}
END_TEST

START_TEST(test_every_api_route_is_documented)
{
	size_t n;
	const struct route *t = route_table(&n);
	struct buf missing = { 0 };
	int count = 0;

	for (size_t i = 0; i < n; i++) {
		if (!documented(&t[i]) || json_is_object(operation(&t[i])))
			continue;
		buf_printf(&missing, "\n  %s %s", t[i].method, t[i].pattern);
		count++;
	}
	ck_assert_msg(count == 0, "%d route(s) of fcgi/route.c missing from %s:%s", count, OPENAPI_PATH,
	    buf_cstr(&missing));
	buf_free(&missing);
}
END_TEST

START_TEST(test_every_documented_route_exists)
{
	size_t n;
	const struct route *t = route_table(&n);
	struct buf extra = { 0 };
	const char *path;
	json_t *item;
	int count = 0;

	json_object_foreach (paths(), path, item) {
		for (int m = 0; oa_methods[m] != NULL; m++) {
			size_t i;
			char lm[16];

			json_t *op = json_object_get(item, oa_methods[m]);
			const char *by = json_string_value(json_object_get(op, "x-aiops-served-by"));

			if (op == NULL)
				continue;
			/* The push daemon's streams are described here too; no row of ours may claim them. */
			if (by != NULL) {
				ck_assert_msg(strcmp(by, "aiops-sse") == 0, "%s %s: served by %s?",
				    oa_methods[m], path, by);
				for (i = 0; i < n; i++)
					ck_assert_msg(strcmp(t[i].pattern, path) != 0,
					    "%s is the push daemon's, yet fcgi/route.c has a row for it",
					    path);
				continue;
			}
			for (i = 0; i < n; i++) {
				lower(t[i].method, lm, sizeof(lm));
				if (strcmp(lm, oa_methods[m]) == 0 && strcmp(t[i].pattern, path) == 0 &&
				    documented(&t[i]))
					break;
			}
			if (i == n) {
				buf_printf(&extra, "\n  %s %s", oa_methods[m], path);
				count++;
			}
		}
	}
	ck_assert_msg(count == 0, "%d operation(s) in %s have no JSON or text row in fcgi/route.c:%s", count,
	    OPENAPI_PATH, buf_cstr(&extra));
	buf_free(&extra);
}
END_TEST

START_TEST(test_roles_and_bodies_match_the_table)
{
	size_t n;
	const struct route *t = route_table(&n);
	struct buf wrong = { 0 };

	for (size_t i = 0; i < n; i++) {
		json_t *op = operation(&t[i]), *body, *form;
		const char *role, *want = role_name(t[i].role);

		/* A row missing from the document is test_every_api_route_is_documented's to report. */
		if (!documented(&t[i]) || !json_is_object(op))
			continue;
		role = json_string_value(json_object_get(op, "x-aiops-role"));
		if (role == NULL || strcmp(role, want) != 0)
			buf_printf(&wrong, "\n  %s %s: x-aiops-role is %s, the table says %s", t[i].method,
			    t[i].pattern, role != NULL ? role : "missing", want);
		body = json_object_get(json_object_get(deref(json_object_get(op, "requestBody")), "content"),
		    "application/json");
		if ((t[i].flags & RF_BODY_JSON) && body == NULL)
			buf_printf(&wrong, "\n  %s %s takes a JSON body but documents none", t[i].method,
			    t[i].pattern);
		form = json_object_get(json_object_get(deref(json_object_get(op, "requestBody")), "content"),
		    "application/x-www-form-urlencoded");
		if ((t[i].flags & RF_BODY_FORM) && form == NULL)
			buf_printf(&wrong, "\n  %s %s takes a form body but documents none", t[i].method,
			    t[i].pattern);
		if (!(t[i].flags & (RF_BODY_JSON | RF_BODY_FORM)) &&
		    json_object_get(op, "requestBody") != NULL)
			buf_printf(
			    &wrong, "\n  %s %s documents a body it does not read", t[i].method, t[i].pattern);
		if (!json_is_object(json_object_get(op, "responses")))
			buf_printf(&wrong, "\n  %s %s has no responses", t[i].method, t[i].pattern);
	}
	ck_assert_msg(wrong.len == 0, "%s disagrees with fcgi/route.c:%s", OPENAPI_PATH, buf_cstr(&wrong));
	buf_free(&wrong);
}
END_TEST

/* check_refs adds to bad every "$ref" under v that does not resolve. */
static void
check_refs(json_t *v, struct buf *bad)
{
	const char *k;
	json_t *x;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach (v, k, x) {
			if (strcmp(k, "$ref") == 0 &&
			    (!json_is_string(x) || resolve(json_string_value(x)) == NULL))
				buf_printf(bad, "\n  %s",
				    json_is_string(x) ? json_string_value(x) : "(not a string)");
			else
				check_refs(x, bad);
		}
	} else if (json_is_array(v)) {
		json_array_foreach (v, i, x)
			check_refs(x, bad);
	}
}

START_TEST(test_every_reference_resolves)
{
	struct buf bad = { 0 };

	check_refs(doc, &bad);
	ck_assert_msg(bad.len == 0, "references that lead nowhere in %s:%s", OPENAPI_PATH, buf_cstr(&bad));
	buf_free(&bad);
}
END_TEST

/* declares says whether a parameter list (path item or operation) has required path parameter
 * name. */
static int
declares(json_t *params, const char *name, size_t len)
{
	size_t i;
	json_t *p;

	json_array_foreach (params, i, p) {
		const char *pn, *in;

		p = deref(p);
		pn = json_string_value(json_object_get(p, "name"));
		in = json_string_value(json_object_get(p, "in"));
		if (pn != NULL && in != NULL && strlen(pn) == len && strncmp(pn, name, len) == 0 &&
		    strcmp(in, "path") == 0 && json_is_true(json_object_get(p, "required")))
			return 1;
	}
	return 0;
}

START_TEST(test_path_parameters_are_declared)
{
	struct buf bad = { 0 };
	const char *path;
	json_t *item;

	json_object_foreach (paths(), path, item) {
		for (int m = 0; oa_methods[m] != NULL; m++) {
			json_t *op = json_object_get(item, oa_methods[m]);

			if (op == NULL)
				continue;
			for (const char *s = strchr(path, '{'); s != NULL; s = strchr(s + 1, '{')) {
				const char *e = strchr(s, '}');
				size_t len = e != NULL ? (size_t)(e - s - 1) : 0;

				if (e == NULL ||
				    (!declares(json_object_get(item, "parameters"), s + 1, len) &&
					!declares(json_object_get(op, "parameters"), s + 1, len)))
					buf_printf(
					    &bad, "\n  %s %s: {%.*s}", oa_methods[m], path, (int)len, s + 1);
			}
		}
	}
	ck_assert_msg(
	    bad.len == 0, "path parameters without a required in:path declaration:%s", buf_cstr(&bad));
	buf_free(&bad);
}
END_TEST

/* has_response says whether op documents an answer with this status. */
static int
has_response(json_t *op, const char *status)
{
	return json_is_object(deref(json_object_get(json_object_get(op, "responses"), status)));
}

START_TEST(test_security_schemes_are_declared)
{
	json_t *schemes = json_object_get(json_object_get(doc, "components"), "securitySchemes");
	json_t *security = json_object_get(doc, "security");
	const char *names[] = { "bearerAuth", "sessionCookie" };
	json_t *s, *req;
	size_t i;

	ck_assert_msg(json_is_object(schemes), "components.securitySchemes missing");
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		int listed = 0;

		ck_assert_msg(json_is_object(json_object_get(schemes, names[k])),
		    "components.securitySchemes.%s missing", names[k]);
		json_array_foreach (security, i, req)
			if (json_object_get(req, names[k]) != NULL)
				listed = 1;
		ck_assert_msg(listed, "the top-level security does not list %s", names[k]);
	}
	s = json_object_get(schemes, "bearerAuth");
	ck_assert_msg(json_is_string(json_object_get(s, "scheme")) &&
		strcmp(json_string_value(json_object_get(s, "scheme")), "bearer") == 0,
	    "bearerAuth is not an http bearer scheme");
	s = json_object_get(schemes, "sessionCookie");
	ck_assert_msg(json_is_string(json_object_get(s, "in")) &&
		strcmp(json_string_value(json_object_get(s, "in")), "cookie") == 0,
	    "sessionCookie is not a cookie");
}
END_TEST

/* Public operations say so with security: []; every other one documents 401 and 403, and every
 * operation under /api/ documents nginx's 429. */
START_TEST(test_auth_answers_are_documented)
{
	size_t n;
	const struct route *t = route_table(&n);
	struct buf wrong = { 0 };

	for (size_t i = 0; i < n; i++) {
		json_t *op = operation(&t[i]), *sec;

		if (!documented(&t[i]) || !json_is_object(op))
			continue;
		sec = json_object_get(op, "security");
		if (t[i].flags & RF_WEBHOOK) {
			/* No person or API token: the cluster's ingest token, refused with 401. */
			if (!json_is_array(sec) || json_array_size(sec) != 1 ||
			    json_object_get(json_array_get(sec, 0), "ingestToken") == NULL ||
			    !has_response(op, "401"))
				buf_printf(&wrong,
				    "\n  %s %s is a webhook: security names ingestToken, and 401",
				    t[i].method, t[i].pattern);
		} else if (t[i].role == ROLE_PUBLIC) {
			if (!json_is_array(sec) || json_array_size(sec) != 0)
				buf_printf(&wrong, "\n  %s %s is public but lacks security: []", t[i].method,
				    t[i].pattern);
		} else {
			if (json_is_array(sec) && json_array_size(sec) == 0)
				buf_printf(&wrong, "\n  %s %s needs a role but says security: []",
				    t[i].method, t[i].pattern);
			if (!has_response(op, "401") || !has_response(op, "403"))
				buf_printf(&wrong, "\n  %s %s needs a role but does not document 401 and 403",
				    t[i].method, t[i].pattern);
		}
		if (strncmp(t[i].pattern, "/api/", 5) == 0 && !has_response(op, "429"))
			buf_printf(&wrong, "\n  %s %s is under /api/ but does not document 429", t[i].method,
			    t[i].pattern);
	}
	ck_assert_msg(wrong.len == 0, "%s:%s", OPENAPI_PATH, buf_cstr(&wrong));
	buf_free(&wrong);
}
END_TEST

static Suite *
openapi_suite(void)
{
	Suite *s = suite_create("openapi");
	TCase *core = tcase_create("core"), *errors = tcase_create("errors");

	tcase_add_checked_fixture(core, load_doc, free_doc);
	tcase_add_checked_fixture(errors, load_doc, free_doc);
	tcase_add_test(core, test_document_is_openapi_303);
	tcase_add_test(core, test_every_api_route_is_documented);
	tcase_add_test(core, test_every_documented_route_exists);
	tcase_add_test(core, test_roles_and_bodies_match_the_table);
	tcase_add_test(core, test_security_schemes_are_declared);
	tcase_add_test(core, test_auth_answers_are_documented);
	tcase_add_test(errors, test_every_reference_resolves);
	tcase_add_test(errors, test_path_parameters_are_declared);
	suite_add_tcase(s, core);
	suite_add_tcase(s, errors);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(openapi_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
