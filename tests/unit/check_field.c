/* check_field.c: a field table drives JSON in and out, forms, validation, parameters and rows. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "buf.h"
#include "field.h"
#include "jw.h"
#include "tpl.h"

/* A made-up resource with one field of every type. */
struct thing {
	const char *id, *name, *kind, *url, *at, *tags;
	bool on;
	int n;
};

struct thing_in {
	const char *name, *kind, *url;
	int on, n;
	json_t *tags;
};

static const char *const kinds[] = { "small", "medium", "large" };

static const char *
no_x(const char *s)
{
	return strchr(s, 'x') != NULL ? "no x, please" : NULL;
}

static const struct field things[] = {
	{ FIELD_NAME("id"), FIELD_TEXT, FIELD_JSON | FIELD_LIST, .out = FIELD_AT(struct thing, id) },
	{ FIELD_NAME("name"), FIELD_TEXT, FIELD_JSON | FIELD_FORM | FIELD_LIST | FIELD_REQUIRED,
	    .out = FIELD_AT(struct thing, name), .in = FIELD_AT(struct thing_in, name), .max = 8,
	    .check = no_x, .missing = "a name is required" },
	{ FIELD_NAME("kind"), FIELD_ENUM, FIELD_JSON | FIELD_FORM | FIELD_DETAIL | FIELD_REQUIRED,
	    .out = FIELD_AT(struct thing, kind), .in = FIELD_AT(struct thing_in, kind), .choices = kinds,
	    .nchoices = 3 },
	{ FIELD_NAME("url"), FIELD_URL, FIELD_JSON | FIELD_FORM | FIELD_DETAIL | FIELD_NULLABLE,
	    .out = FIELD_AT(struct thing, url), .in = FIELD_AT(struct thing_in, url), .link = "url_href" },
	{ FIELD_NAME("on"), FIELD_BOOL, FIELD_JSON | FIELD_FORM | FIELD_LIST,
	    .out = FIELD_AT(struct thing, on), .in = FIELD_AT(struct thing_in, on) },
	{ FIELD_NAME("n"), FIELD_INT, FIELD_JSON | FIELD_FORM | FIELD_DETAIL,
	    .out = FIELD_AT(struct thing, n), .in = FIELD_AT(struct thing_in, n), .min = 0, .max = 100 },
	{ FIELD_NAME("tags"), FIELD_MAP, FIELD_JSON | FIELD_FORM | FIELD_LIST,
	    .out = FIELD_AT(struct thing, tags), .in = FIELD_AT(struct thing_in, tags), .max = 2,
	    .check = no_x, .check_value = no_x },
	{ FIELD_NAME("at"), FIELD_TIME, FIELD_JSON | FIELD_DETAIL, .out = FIELD_AT(struct thing, at) },
	{ NULL },
};

static const char *
get_kv(void *ctx, const char *name)
{
	const char *const *kv = ctx;

	for (; kv[0] != NULL; kv += 2)
		if (strcmp(kv[0], name) == 0)
			return kv[1];
	return NULL;
}

/* only_fault checks that errors holds exactly one reason, on field, containing word. */
static void
only_fault(json_t *errors, const char *field, const char *word, const char *what)
{
	const char *why = json_string_value(json_object_get(errors, field));

	ck_assert_msg(json_object_size(errors) == 1, "%s: %zu faults", what, json_object_size(errors));
	ck_assert_msg(why != NULL, "%s: no fault on %s", what, field);
	ck_assert_msg(strstr(why, word) != NULL, "%s: %s", what, why);
}

static void
good(struct thing_in *in)
{
	field_in_init(things, in);
	in->name = "abc";
	in->kind = "small";
}

START_TEST(test_init_and_json_in)
{
	json_t *j = json_loads("{\"name\":\"n1\",\"kind\":\"large\",\"url\":null,\"on\":true,\"n\":7,"
			       "\"tags\":{\"a\":\"b\"},\"id\":\"ignored\",\"at\":\"ignored\"}",
	    0, NULL);
	json_t *errors = json_object();
	struct thing_in in;

	field_in_init(things, &in);
	ck_assert_ptr_null(in.name);
	ck_assert_int_eq(in.on, -1);
	ck_assert_int_eq(in.n, FIELD_INT_UNSET);
	in.url = "was set";
	field_from_json(things, &in, j, errors);
	ck_assert_uint_eq(json_object_size(errors), 0);
	ck_assert_str_eq(in.name, "n1");
	ck_assert_str_eq(in.kind, "large");
	ck_assert_ptr_null(in.url);
	ck_assert_int_eq(in.on, 1);
	ck_assert_int_eq(in.n, 7);
	ck_assert_ptr_eq(in.tags, json_object_get(j, "tags"));
	ck_assert_int_eq(field_validate(things, &in, errors), ERR_OK);
	json_decref(errors);
	json_decref(j);
}
END_TEST

START_TEST(test_json_out)
{
	struct thing t = { "1", "a\"b", "small", NULL, "2026-01-02T03:04:05Z", "{\"k\": \"v\"}", true, -1 };
	struct buf b = { 0 };
	struct jw w;
	json_t *j;

	jw_init(&w, &b);
	field_write_json(things, &t, &w);
	ck_assert_str_eq(buf_cstr(&b),
	    "{\"id\":\"1\",\"name\":\"a\\\"b\",\"kind\":\"small\",\"url\":null,\"on\":true,\"n\":null,"
	    "\"tags\":{\"k\": \"v\"},\"at\":\"2026-01-02T03:04:05Z\"}");
	/* The tree has what the writer writes. */
	j = json_loads(buf_cstr(&b), 0, NULL);
	{
		json_t *tree = field_json(things, &t);

		ck_assert(json_equal(tree, j));
		json_decref(j);
		j = tree;
	}
	ck_assert_str_eq(json_string_value(json_object_get(j, "name")), "a\"b");
	ck_assert(json_is_null(json_object_get(j, "n")));
	ck_assert(json_is_null(json_object_get(j, "url")));
	ck_assert(json_is_true(json_object_get(j, "on")));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "tags"), "k")), "v");
	ck_assert_uint_eq(json_object_size(j), 8);
	json_decref(j);
	b.len = 0;
	t.n = 0;
	t.tags = NULL;
	jw_init(&w, &b);
	field_write_json(things, &t, &w);
	ck_assert_ptr_nonnull(strstr(buf_cstr(&b), "\"n\":0,\"tags\":{}"));
	buf_free(&b);
}
END_TEST

START_TEST(test_form_in_and_params)
{
	const char *form[] = { "name", "f1", "kind", "medium", "url", "", "on", "1", "n", "42", "tags",
		" a=1 ,\r\nb = 2\n\n", NULL };
	const char *p[8];
	struct arena *a = arena_new();
	json_t *errors = json_object();
	struct thing_in in;

	field_in_init(things, &in);
	field_from_form(things, &in, get_kv, form, a, errors);
	ck_assert_uint_eq(json_object_size(errors), 0);
	ck_assert_str_eq(in.name, "f1");
	ck_assert_str_eq(in.url, "");
	ck_assert_int_eq(in.on, 1);
	ck_assert_int_eq(in.n, 42);
	ck_assert_str_eq(json_string_value(json_object_get(in.tags, "a")), "1");
	ck_assert_str_eq(json_string_value(json_object_get(in.tags, "b ")), " 2");
	/* Blanks are trimmed around an entry, not around its '=': the validators judge the rest. */
	json_object_del(in.tags, "b ");
	ck_assert_int_eq(field_validate(things, &in, errors), ERR_OK);
	ck_assert_int_eq(field_params(things, &in, a, p), 6);
	ck_assert_str_eq(p[0], "f1");
	ck_assert_str_eq(p[1], "medium");
	ck_assert_ptr_null(p[2]); /* empty and nullable */
	ck_assert_str_eq(p[3], "true");
	ck_assert_str_eq(p[4], "42");
	ck_assert_str_eq(p[5], "{\"a\":\"1\"}");

	/* A checkbox left out is false; an unset int and map have their defaults. */
	field_in_init(things, &in);
	field_from_form(things, &in, get_kv, (const char *[]){ "name", "x", NULL }, a, errors);
	ck_assert_int_eq(in.on, 0);
	ck_assert_int_eq(field_params(things, &in, a, p), 6);
	ck_assert_str_eq(p[1], ""); /* not nullable */
	ck_assert_str_eq(p[3], "false");
	ck_assert_ptr_null(p[4]);
	ck_assert_str_eq(p[5], "{}");
	json_decref(errors);
	arena_free(a);
}
END_TEST

/* cols hands field_load its columns from an array. */
static const char *
cols(void *ctx, int i)
{
	return ((const char **)ctx)[i];
}

START_TEST(test_load_and_record)
{
	struct arena *a = arena_new();
	const char *row[] = { "id1", "nm", "large", NULL, "t", NULL, "{\"a\": \"b\"}",
		arena_strdup(a, "2026-05-14 09:00:00.123456+00") };
	struct thing t;
	struct thing_in in;

	ck_assert_int_eq(field_load(things, &t, cols, row), 8);
	ck_assert_str_eq(t.id, "id1");
	ck_assert_ptr_null(t.url);
	ck_assert(t.on);
	ck_assert_int_eq(t.n, -1);
	ck_assert_str_eq(t.at, "2026-05-14T09:00:00Z");
	row[5] = "3";
	row[4] = "f";
	field_load(things, &t, cols, row);
	ck_assert(!t.on);
	ck_assert_int_eq(t.n, 3);

	field_from_record(things, &in, &t, a);
	ck_assert_str_eq(in.name, "nm");
	ck_assert_int_eq(in.on, 0);
	ck_assert_int_eq(in.n, 3);
	ck_assert_str_eq(json_string_value(json_object_get(in.tags, "a")), "b");
	arena_free(a);
}
END_TEST

static char dir[64];

static struct tpl *
open_tpl(void)
{
	char path[128];
	struct tpl *t;
	char *why = NULL;
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/check_field.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/p.cs", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("<?cs var:R.name ?>", f);
	fclose(f);
	ck_assert_msg(tpl_open(dir, &t, &why) == ERR_OK, "%s", why ? why : "");
	unlink(path);
	rmdir(dir);
	return t;
}

START_TEST(test_rows)
{
	struct tpl *tp = open_tpl();
	struct arena *a = arena_new();
	struct thing t = { "1", "<b>", "small", "javascript:alert(1)", NULL, "{\"k\": \"v\", \"n\": 1}",
		false, 5 };
	struct thing_in in;
	struct tpl_row *r;
	json_t *errors = json_object();

	r = tpl_rows(tp, a, "R");
	field_write_row(things, &t, FIELD_LIST, r, a);
	ck_assert_str_eq(tpl_get(tp, "R.name"), "<b>");
	ck_assert_str_eq(tpl_get(tp, "R.on"), "0");
	ck_assert_str_eq(tpl_get(tp, "R.tags.0.k"), "k");
	ck_assert_str_eq(tpl_get(tp, "R.tags.0.v"), "v");
	ck_assert_ptr_null(tpl_get(tp, "R.tags.1.k")); /* not a string */
	ck_assert_ptr_null(tpl_get(tp, "R.kind")); /* detail only */

	r = tpl_rows(tp, a, "D");
	field_write_row(things, &t, FIELD_DETAIL, r, a);
	ck_assert_str_eq(tpl_get(tp, "D.kind"), "small");
	ck_assert_str_eq(tpl_get(tp, "D.n"), "5");
	ck_assert_str_eq(tpl_get(tp, "D.url"), "javascript:alert(1)");
	ck_assert_ptr_null(tpl_get(tp, "D.url_href")); /* never a link */
	t.url = "HTTPS://h/";
	r = tpl_rows(tp, a, "D");
	field_write_row(things, &t, FIELD_DETAIL, r, a);
	ck_assert_str_eq(tpl_get(tp, "D.url_href"), "HTTPS://h/");

	field_from_record(things, &in, &t, a);
	r = tpl_rows(tp, a, "F");
	field_write_form(things, &in, r, a);
	ck_assert_str_eq(tpl_get(tp, "F.name"), "<b>");
	ck_assert_str_eq(tpl_get(tp, "F.on"), "0");
	ck_assert_str_eq(tpl_get(tp, "F.n"), "5");
	ck_assert_str_eq(tpl_get(tp, "F.tags"), "k=v\n");

	r = tpl_rows(tp, a, "S");
	field_write_form_sent(
	    things, get_kv, (const char *[]){ "name", "typed", "tags", "oops", "on", "", NULL }, r);
	ck_assert_str_eq(tpl_get(tp, "S.name"), "typed");
	ck_assert_str_eq(tpl_get(tp, "S.tags"), "oops");
	ck_assert_str_eq(tpl_get(tp, "S.on"), "1");
	ck_assert_ptr_null(tpl_get(tp, "S.kind"));

	json_object_set_new(errors, "name", json_string("bad name"));
	json_object_set_new(errors, "form", json_string("not a field"));
	r = tpl_rows(tp, a, "E");
	ck_assert_int_eq(field_write_errors(things, errors, r), 1);
	ck_assert_str_eq(tpl_get(tp, "E.name"), "bad name");
	ck_assert_ptr_null(tpl_get(tp, "E.form"));

	r = tpl_rows(tp, a, "O");
	field_write_choices(things, r);
	ck_assert_str_eq(tpl_get(tp, "O.kind.0"), "small");
	ck_assert_str_eq(tpl_get(tp, "O.kind.2"), "large");
	ck_assert_ptr_null(tpl_get(tp, "O.kind.3"));

	json_decref(errors);
	tpl_close(tp); /* first: the rows live in the arena (tpl.h) */
	arena_free(a);
}
END_TEST

/* A map's rows are the same whether its text was parsed before (and kept) or not, and a kept
 * map's strings stay valid after the arena that first asked for them is gone. */
START_TEST(test_map_rows)
{
	struct tpl *tp = open_tpl();
	struct arena *a = arena_new(), *b = arena_new();
	struct thing t = { "1", "n", "small", NULL, NULL, NULL, false, 0 };
	struct buf big = { 0 };
	const char *first;

	t.tags = arena_strdup(a, "{\"k\": \"v\", \"e\": \"\", \"skip\": 1}");
	field_write_row(things, &t, FIELD_LIST, tpl_rows(tp, a, "A"), a);
	first = tpl_get(tp, "A.tags.0.k");
	ck_assert_str_eq(first, "k");
	ck_assert_str_eq(tpl_get(tp, "A.tags.1.k"), "e");
	ck_assert_str_eq(tpl_get(tp, "A.tags.1.v"), "");
	ck_assert_ptr_null(tpl_get(tp, "A.tags.2.k"));
	tpl_reset(tp);
	arena_free(a);
	/* The same text again, from other memory: the same rows. */
	t.tags = arena_strdup(b, "{\"k\": \"v\", \"e\": \"\", \"skip\": 1}");
	field_write_row(things, &t, FIELD_LIST, tpl_rows(tp, b, "B"), b);
	ck_assert_str_eq(tpl_get(tp, "B.tags.0.k"), "k");
	ck_assert_str_eq(tpl_get(tp, "B.tags.0.v"), "v");
	ck_assert_ptr_eq(tpl_get(tp, "B.tags.0.k"), first);
	/* Text too long to keep, and text that is not an object. */
	buf_adds(&big, "{");
	for (int i = 0; i < 200; i++)
		buf_printf(&big, "%s\"key%d\": \"value%d\"", i ? ", " : "", i, i);
	buf_adds(&big, "}");
	t.tags = buf_cstr(&big);
	field_write_row(things, &t, FIELD_LIST, tpl_rows(tp, b, "C"), b);
	ck_assert_str_eq(tpl_get(tp, "C.tags.199.v"), "value199");
	t.tags = "[\"a\"]";
	field_write_row(things, &t, FIELD_LIST, tpl_rows(tp, b, "D"), b);
	ck_assert_ptr_null(tpl_get(tp, "D.tags.0.k"));
	t.tags = "not json";
	field_write_row(things, &t, FIELD_LIST, tpl_rows(tp, b, "E"), b);
	ck_assert_ptr_null(tpl_get(tp, "E.tags.0.k"));
	tpl_close(tp);
	arena_free(b);
	buf_free(&big);
}
END_TEST

/* A read-only list of strings: verbatim in JSON, joined in a row, nothing for an empty one. */
struct tagged {
	const char *ids;
};

static const struct field tagged_fields[] = {
	{ FIELD_NAME("ids"), FIELD_STRINGS, FIELD_JSON | FIELD_LIST, .out = FIELD_AT(struct tagged, ids) },
	{ NULL },
};

START_TEST(test_strings)
{
	struct tpl *tp = open_tpl();
	struct arena *a = arena_new();
	struct tagged t = { "[\"s1\",\"s<2>\"]" };
	struct buf b = { 0 };
	struct jw w;
	json_t *j;

	jw_init(&w, &b);
	field_write_json(tagged_fields, &t, &w);
	ck_assert_str_eq(buf_cstr(&b), "{\"ids\":[\"s1\",\"s<2>\"]}");
	j = field_json(tagged_fields, &t);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "ids")), 2);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(j, "ids"), 1)), "s<2>");
	json_decref(j);
	field_write_row(tagged_fields, &t, FIELD_LIST, tpl_rows(tp, a, "A"), a);
	ck_assert_str_eq(tpl_get(tp, "A.ids"), "s1, s<2>");
	/* Empty, absent and broken lists: [] in JSON, nothing in a row. */
	t.ids = NULL;
	b.len = 0;
	jw_init(&w, &b);
	field_write_json(tagged_fields, &t, &w);
	ck_assert_str_eq(buf_cstr(&b), "{\"ids\":[]}");
	j = field_json(tagged_fields, &t);
	ck_assert(json_is_array(json_object_get(j, "ids")));
	json_decref(j);
	t.ids = "not json";
	j = field_json(tagged_fields, &t);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "ids")), 0);
	json_decref(j);
	field_write_row(tagged_fields, &t, FIELD_LIST, tpl_rows(tp, a, "B"), a);
	ck_assert_ptr_null(tpl_get(tp, "B.ids"));
	t.ids = "[]";
	field_write_row(tagged_fields, &t, FIELD_LIST, tpl_rows(tp, a, "C"), a);
	ck_assert_ptr_null(tpl_get(tp, "C.ids"));
	tpl_close(tp);
	arena_free(a);
	buf_free(&b);
}
END_TEST

START_TEST(test_text_limits)
{
	struct thing_in in;
	json_t *errors = json_object();

	good(&in);
	in.name = "abcdefgh"; /* .max 8 */
	ck_assert_int_eq(field_validate(things, &in, errors), ERR_OK);
	in.name = "abcdefghi";
	ck_assert_int_eq(field_validate(things, &in, errors), ERR_INPUT);
	only_fault(errors, "name", "at most 8", "9 bytes");
	json_object_clear(errors);
	in.name = "abcdef\xC3\xA9"; /* 8 bytes, 7 characters */
	ck_assert_int_eq(field_validate(things, &in, errors), ERR_OK);
	in.name = "abcdefg\xC3\xA9";
	ck_assert_int_eq(field_validate(things, &in, errors), ERR_INPUT);
	json_decref(errors);
}
END_TEST

START_TEST(test_int_and_map_limits)
{
	struct thing_in in;
	json_t *errors = json_object();

	good(&in);
	in.n = 0;
	ck_assert_int_eq(field_validate(things, &in, errors), ERR_OK);
	in.n = 100;
	ck_assert_int_eq(field_validate(things, &in, errors), ERR_OK);
	in.n = 101;
	field_validate(things, &in, errors);
	only_fault(errors, "n", "0 to 100", "101");
	json_object_clear(errors);
	in.n = -1;
	field_validate(things, &in, errors);
	only_fault(errors, "n", "0 to 100", "-1");
	json_object_clear(errors);

	good(&in);
	in.tags = json_pack("{s:s, s:s}", "a", "1", "b", "2");
	ck_assert_int_eq(field_validate(things, &in, errors), ERR_OK);
	json_object_set_new(in.tags, "c", json_string("3"));
	field_validate(things, &in, errors);
	only_fault(errors, "tags", "at most 2", "3 tags");
	json_decref(in.tags);
	json_decref(errors);
}
END_TEST

START_TEST(test_validate_errors)
{
	static const struct {
		const char *field, *value, *word;
	} cases[] = {
		{ "name", NULL, "a name is required" },
		{ "name", "", "a name is required" },
		{ "name", "tab\tx", "control" },
		{ "name", "bad\xFF", "control" },
		{ "name", "xx", "no x" },
		{ "kind", NULL, "required" },
		{ "kind", "huge", "use small, medium or large" },
		{ "kind", "Small", "use small" },
		{ "url", "ftp://h/", "http and https" },
		{ "url", "https://u:p@h/", "credentials" },
		{ "url", "https://h/ x", "spaces" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *errors = json_object();
		struct thing_in in;

		good(&in);
		if (strcmp(cases[i].field, "name") == 0)
			in.name = cases[i].value;
		else if (strcmp(cases[i].field, "kind") == 0)
			in.kind = cases[i].value;
		else
			in.url = cases[i].value;
		ck_assert_int_eq(field_validate(things, &in, errors), ERR_INPUT);
		only_fault(errors, cases[i].field, cases[i].word, cases[i].word);
		json_decref(errors);
	}
}
END_TEST

START_TEST(test_map_errors)
{
	static const struct {
		const char *doc, *word;
	} cases[] = {
		{ "{\"x\": \"v\"}", "no x" },
		{ "{\"k\": \"x\"}", "no x" },
		{ "{\"k\": 1}", "strings" },
		{ "{\"k\": null}", "strings" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *errors = json_object();
		struct thing_in in;

		good(&in);
		in.tags = json_loads(cases[i].doc, 0, NULL);
		ck_assert_int_eq(field_validate(things, &in, errors), ERR_INPUT);
		only_fault(errors, "tags", cases[i].word, cases[i].doc);
		json_decref(in.tags);
		json_decref(errors);
	}
}
END_TEST

START_TEST(test_json_in_errors)
{
	static const struct {
		const char *doc, *field;
	} cases[] = {
		{ "{\"name\": 5}", "name" },
		{ "{\"url\": [\"https://h\"]}", "url" },
		{ "{\"on\": \"yes\"}", "on" },
		{ "{\"on\": 1}", "on" },
		{ "{\"n\": 1.5}", "n" },
		{ "{\"n\": \"1\"}", "n" },
		{ "{\"n\": 99999999999}", "n" },
		{ "{\"tags\": \"a=b\"}", "tags" },
		{ "{\"tags\": [\"a\"]}", "tags" },
		{ "{\"nmae\": \"typo\"}", "nmae" },
		{ "{\"Name\": \"x\"}", "Name" },
		{ "[]", "body" },
		{ "\"x\"", "body" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *j = json_loads(cases[i].doc, JSON_DECODE_ANY, NULL);
		json_t *errors = json_object();
		struct thing_in in;

		ck_assert_ptr_nonnull(j);
		field_in_init(things, &in);
		field_from_json(things, &in, j, errors);
		ck_assert_msg(
		    json_object_size(errors) == 1 && json_object_get(errors, cases[i].field) != NULL,
		    "%s: %zu faults, want one on %s", cases[i].doc, json_object_size(errors), cases[i].field);
		json_decref(errors);
		json_decref(j);
	}
}
END_TEST

START_TEST(test_form_errors)
{
	struct arena *a = arena_new();
	json_t *errors = json_object();
	struct thing_in in;

	field_in_init(things, &in);
	field_from_form(
	    things, &in, get_kv, (const char *[]){ "tags", "a=1\nnoequals", "n", "12x", NULL }, a, errors);
	ck_assert_uint_eq(json_object_size(errors), 2);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(errors, "tags")), "key=value"));
	ck_assert_ptr_nonnull(json_object_get(errors, "n"));
	/* The good entries are kept. */
	ck_assert_str_eq(json_string_value(json_object_get(in.tags, "a")), "1");
	/* The first reason per field wins. */
	field_error(errors, "n", "later");
	ck_assert_str_ne(json_string_value(json_object_get(errors, "n")), "later");
	json_decref(errors);
	arena_free(a);
}
END_TEST

START_TEST(test_helpers)
{
	ck_assert(field_is_web_url("http://h"));
	ck_assert(field_is_web_url("HTTPS://h"));
	ck_assert(!field_is_web_url("javascript:alert(1)"));
	ck_assert(!field_is_web_url("httpx://h"));
	ck_assert(!field_is_web_url(NULL));
	ck_assert_ptr_eq(field_find(things, "kind"), &things[2]);
	ck_assert_ptr_null(field_find(things, "kinds"));
	ck_assert_int_eq(field_choice(&things[2], "large"), 2);
	ck_assert_int_eq(field_choice(&things[2], "larg"), -1);
}
END_TEST

static Suite *
field_suite(void)
{
	Suite *s = suite_create("field");
	TCase *core = tcase_create("core"), *limits = tcase_create("limits"),
	      *errors = tcase_create("errors");

	tcase_add_test(core, test_init_and_json_in);
	tcase_add_test(core, test_json_out);
	tcase_add_test(core, test_form_in_and_params);
	tcase_add_test(core, test_load_and_record);
	tcase_add_test(core, test_rows);
	tcase_add_test(core, test_helpers);
	tcase_add_test(core, test_map_rows);
	tcase_add_test(core, test_strings);
	tcase_add_test(limits, test_text_limits);
	tcase_add_test(limits, test_int_and_map_limits);
	tcase_add_test(errors, test_validate_errors);
	tcase_add_test(errors, test_map_errors);
	tcase_add_test(errors, test_json_in_errors);
	tcase_add_test(errors, test_form_errors);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	suite_add_tcase(s, errors);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(field_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
