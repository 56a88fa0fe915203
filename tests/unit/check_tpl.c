/* check_tpl.c: templates load from a folder and render outside data escaped for where it lands. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "buf.h"
#include "tpl.h"

/* Data full of what breaks HTML, attributes and scripts. */
#define EVIL "<script>alert(1)</script> \"dq\" 'sq' a&b </textarea> onload=x"
#define EVIL_HTML \
	"&lt;script&gt;alert(1)&lt;/script&gt; &quot;dq&quot; &#39;sq&#39; a&amp;b &lt;/textarea&gt; " \
	"onload=x"

static char dir[64];

/* put writes text into dir/name. */
static void
put(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

/* rm_dir removes every file in dir, then dir. */
static void
rm_dir(void)
{
	static const char *const names[] = { "page.cs", "macros.cs", "list.cs", "broken.cs", "notes.txt",
		".hidden.cs", NULL };
	char path[128];

	for (int i = 0; names[i] != NULL; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_tpl.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	put("macros.cs", "<?cs def:em(x) ?><em><?cs var:x ?></em><?cs /def ?>");
	put("page.cs",
	    "<?cs include:\"macros.cs\" ?>"
	    "<title><?cs var:Page.Title ?></title>\n"
	    "<p id=\"text\"><?cs var:D.text ?></p>\n"
	    "<a id=\"attr\" title=\"<?cs var:D.text ?>\" data-x='<?cs var:D.text ?>' "
	    "href=\"/clusters?q=<?cs var:url_escape(D.text) ?>\">link</a>\n"
	    "<script>var s = \"<?cs var:js_escape(D.text) ?>\";</script>\n"
	    "<p id=\"macro\"><?cs call:em(D.text) ?></p>\n"
	    "<?cs each:l = Labels ?><li data-k=\"<?cs var:l.k ?>\"><?cs var:l.v ?></li><?cs /each ?>\n"
	    "<?cs if:D.missing ?>never<?cs else ?>absent<?cs /if ?>\n"
	    "<p id=\"n\"><?cs var:D.n ?></p>\n");
	put("list.cs", "<?cs each:c = Items ?>[<?cs var:c.name ?>]<?cs /each ?>");
	put("notes.txt", "not a template <?cs");
}

static void
teardown(void)
{
	rm_dir();
}

/* open_dir opens the templates in dir or fails the test. */
static struct tpl *
open_dir(void)
{
	struct tpl *t;
	char *why = NULL;

	ck_assert_msg(tpl_open(dir, &t, &why) == ERR_OK, "%s", why ? why : "");
	ck_assert_ptr_null(why);
	return t;
}

/* render renders name into a new string; caller frees. */
static char *
render(struct tpl *t, const char *name)
{
	struct buf b = { 0 };
	char *out;

	ck_assert_int_eq(tpl_render(t, name, &b), ERR_OK);
	out = strdup(buf_cstr(&b));
	buf_free(&b);
	return out;
}

/* assert_no_raw checks that out holds no markup that came from the data. */
static void
assert_no_raw(const char *out)
{
	ck_assert_msg(strstr(out, "<script>alert") == NULL, "raw script tag: %s", out);
	ck_assert_msg(strstr(out, "</script> ") == NULL, "raw script end: %s", out);
	ck_assert_msg(strstr(out, "</textarea>") == NULL, "raw textarea end: %s", out);
	ck_assert_msg(strstr(out, "\"dq\"") == NULL, "raw double quotes: %s", out);
	ck_assert_msg(strstr(out, "'sq'") == NULL, "raw single quotes: %s", out);
	ck_assert_msg(strstr(out, "a&b") == NULL, "raw ampersand: %s", out);
	ck_assert_msg(strstr(out, "<b>") == NULL, "raw label markup: %s", out);
}

START_TEST(test_escapes_everywhere)
{
	struct tpl *t = open_dir();
	char *out;

	tpl_set(t, "Page.Title", "</title><script>alert(1)</script>");
	tpl_set(t, "D.text", EVIL);
	tpl_set_int(t, "D.n", -42);
	tpl_set_pair(t, "Labels", 0, "nvidia.com/gpu.product", "<b>A100</b>");
	tpl_set_pair(t, "Labels", 1, "x\" onmouseover=\"alert(1)", "'v'");
	out = render(t, "page");

	assert_no_raw(out);
	ck_assert_msg(
	    strstr(out, "<title>&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title>") != NULL, "%s",
	    out);
	ck_assert_msg(strstr(out, "<p id=\"text\">" EVIL_HTML "</p>") != NULL, "%s", out);
	/* Attribute values, in double and in single quotes, cannot be closed by the data. */
	ck_assert_msg(strstr(out, "title=\"" EVIL_HTML "\"") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "data-x='" EVIL_HTML "'") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "onmouseover=\"alert") == NULL, "%s", out);
	ck_assert_msg(
	    strstr(out, "data-k=\"x&quot; onmouseover=&quot;alert(1)\">&#39;v&#39;</li>") != NULL, "%s", out);
	/* URL arguments are percent-encoded. */
	ck_assert_msg(strstr(out,
			  "href=\"/clusters?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E+%22dq%22+%27sq%27+"
			  "a%26b") != NULL,
	    "%s", out);
	/* Inside <script> the js escape leaves no quote, angle bracket or slash of the data. */
	{
		const char *s = strstr(out, "var s = \""), *e = s != NULL ? strstr(s, "\";</script>") : NULL;

		ck_assert_msg(s != NULL && e != NULL, "%s", out);
		for (s += strlen("var s = \""); s < e; s++)
			ck_assert_msg(strchr("<>\"'&/\\\n", *s) == NULL || (*s == '\\' && s[1] == 'x'),
			    "raw %c in script: %s", *s, out);
	}
	/* Macros from macros.cs escape too, and HDF keys with dots come through as values. */
	ck_assert_msg(strstr(out, "<p id=\"macro\"><em>" EVIL_HTML "</em></p>") != NULL, "%s", out);
	ck_assert_msg(
	    strstr(out, "<li data-k=\"nvidia.com/gpu.product\">&lt;b&gt;A100&lt;/b&gt;</li>") != NULL, "%s",
	    out);
	ck_assert_msg(strstr(out, "absent") != NULL && strstr(out, "never") == NULL, "%s", out);
	ck_assert_msg(strstr(out, "<p id=\"n\">-42</p>") != NULL, "%s", out);
	free(out);
	tpl_close(t);
}
END_TEST

START_TEST(test_values_and_nodes)
{
	struct tpl *t = open_dir();
	struct tpl_node *items, *one;
	char *out;

	tpl_set(t, "Items.0.name", "a<");
	tpl_setf(t, "Items.1.name", "%s&%d", "b", 2);
	tpl_set(t, "Items.9.name", NULL); /* stores nothing */
	items = tpl_node(t, "Items");
	ck_assert_ptr_nonnull(items);
	one = tpl_node_child(items, "5");
	ck_assert_ptr_nonnull(one);
	tpl_node_set(one, "name", "'five'");
	tpl_node_set(one, "skip", NULL);
	tpl_node_set(NULL, "name", "x");
	ck_assert_str_eq(tpl_get(t, "Items.0.name"), "a<");
	ck_assert_str_eq(tpl_get(t, "Items.5.name"), "'five'");
	ck_assert_ptr_null(tpl_get(t, "Items.9.name"));
	ck_assert_ptr_null(tpl_get(t, "Items.5.skip"));
	out = render(t, "list");
	/* Any bytes go in as a value: escaped out, never split into keys. */
	ck_assert_str_eq(out, "[a&lt;][b&amp;2][&#39;five&#39;]");
	free(out);
	tpl_close(t);
}
END_TEST

START_TEST(test_rows)
{
	static const char *const names[] = { "n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8", "n9",
		"n10", "n11", "n12", "n13" };
	struct tpl *t = open_dir();
	struct arena *a = arena_new();
	struct tpl_row *items, *row, *sub;
	char *out;

	/* Rows replace what was at the path, render like any data, escaped, and are found by path. */
	tpl_set(t, "Items.0.name", "old");
	items = tpl_rows(t, a, "Items");
	tpl_row_set(tpl_row_add(items, NULL), "name", "a<");
	row = tpl_row_add(items, NULL);
	tpl_row_set(row, "name", EVIL);
	tpl_row_set(row, "skip", NULL);
	for (int i = 0; i < 14; i++) /* past ClearSilver's FORCE_HASH_AT */
		tpl_row_set(row, names[i], names[i]);
	sub = tpl_row_add(row, "labels");
	tpl_row_set(tpl_row_add(sub, NULL), "k", "x");
	tpl_row_set(tpl_row_add(sub, NULL), "k", "y");
	out = render(t, "list");
	ck_assert_str_eq(out, "[a&lt;][" EVIL_HTML "]");
	free(out);
	ck_assert_str_eq(tpl_get(t, "Items.1.n13"), "n13");
	ck_assert_str_eq(tpl_get(t, "Items.1.labels.1.k"), "y");
	ck_assert_ptr_null(tpl_get(t, "Items.1.skip"));
	/* Rows made again at the same path, or above it, replace the old ones. */
	items = tpl_rows(t, a, "Items");
	tpl_row_set(tpl_row_add(items, NULL), "name", "again");
	out = render(t, "list");
	ck_assert_str_eq(out, "[again]");
	free(out);
	tpl_row_set(tpl_row_add(tpl_rows(t, a, "Deep.Er"), NULL), "k", "v");
	tpl_row_set(tpl_row_add(tpl_rows(t, a, "Deep"), NULL), "k", "w");
	ck_assert_str_eq(tpl_get(t, "Deep.0.k"), "w");
	ck_assert_ptr_null(tpl_get(t, "Deep.Er.0.k"));
	/* The arena going takes the rows with it; the node stays, empty, until the reset. */
	arena_reset(a);
	ck_assert_ptr_null(tpl_get(t, "Items.0.name"));
	out = render(t, "list");
	ck_assert_str_eq(out, "");
	free(out);
	tpl_reset(t);
	/* A reset first, then the arena: each leaves the other nothing to undo. */
	items = tpl_rows(t, a, "Items");
	tpl_row_set(tpl_row_add(items, NULL), "name", "b");
	tpl_reset(t);
	ck_assert_ptr_null(tpl_get(t, "Items.0.name"));
	tpl_set(t, "Items.0.name", "c");
	arena_reset(a);
	ck_assert_str_eq(tpl_get(t, "Items.0.name"), "c");
	/* Rows still live when the set closes are cut off first. */
	items = tpl_rows(t, a, "Items");
	for (int i = 0; i < 12; i++)
		tpl_row_set(tpl_row_add(items, NULL), "name", names[i]);
	ck_assert_str_eq(tpl_get(t, "Items.0.name"), "n0");
	ck_assert_str_eq(tpl_get(t, "Items.10.name"), "n10");
	ck_assert_str_eq(tpl_get(t, "Items.11.name"), "n11");
	tpl_close(t);
	arena_free(a);
}
END_TEST

START_TEST(test_reset_keeps_escaping)
{
	struct tpl *t = open_dir();
	char *out;

	tpl_set(t, "D.text", "first");
	tpl_set(t, "Items.0.name", "one");
	tpl_reset(t);
	ck_assert_ptr_null(tpl_get(t, "D.text"));
	ck_assert_ptr_null(tpl_get(t, "Items.0.name"));
	/* Config stays: the next request's data is still escaped. */
	ck_assert_str_eq(tpl_get(t, "Config.VarEscapeMode"), "html");
	tpl_set(t, "D.text", EVIL);
	out = render(t, "page");
	assert_no_raw(out);
	ck_assert_msg(strstr(out, "first") == NULL, "%s", out);
	free(out);
	tpl_reset(t);
	out = render(t, "list");
	ck_assert_str_eq(out, "");
	free(out);
	tpl_close(t);
}
END_TEST

START_TEST(test_render_unknown)
{
	struct tpl *t = open_dir();
	struct buf b = { 0 };

	ck_assert_int_eq(tpl_render(t, "nope", &b), ERR_NOTFOUND);
	/* macros.cs is included by others, never a page; files without .cs are not templates. */
	ck_assert_int_eq(tpl_render(t, "macros", &b), ERR_NOTFOUND);
	ck_assert_int_eq(tpl_render(t, "notes", &b), ERR_NOTFOUND);
	ck_assert_int_eq(tpl_render(t, "page.cs", &b), ERR_NOTFOUND);
	ck_assert_int_eq(tpl_render(t, "", &b), ERR_NOTFOUND);
	ck_assert_uint_eq(b.len, 0);
	/* The rest are found whatever order the folder listed them in. */
	ck_assert_int_eq(tpl_render(t, "list", &b), ERR_OK);
	ck_assert_int_eq(tpl_render(t, "page", &b), ERR_OK);
	buf_free(&b);
	tpl_close(t);
}
END_TEST

START_TEST(test_open_errors)
{
	struct tpl *t = (struct tpl *)&t;
	char *why = NULL;
	char missing[96];

	snprintf(missing, sizeof(missing), "%s/no-such-folder", dir);
	ck_assert_int_eq(tpl_open(missing, &t, &why), ERR_IO);
	ck_assert_ptr_null(t);
	ck_assert_ptr_nonnull(why);
	ck_assert_msg(strstr(why, "no-such-folder") != NULL, "%s", why);
	free(why);

	put("broken.cs", "ok\n<?cs var:D.text \n<?cs if:x ?>unclosed");
	why = NULL;
	ck_assert_int_eq(tpl_open(dir, &t, &why), ERR_TEMPLATE);
	ck_assert_ptr_null(t);
	ck_assert_ptr_nonnull(why);
	ck_assert_msg(strstr(why, "broken.cs") != NULL, "why does not name the file: %s", why);
	free(why);
}
END_TEST

START_TEST(test_hidden_files_skipped)
{
	struct tpl *t;
	char *why = NULL;

	/* Editors' dot files are not templates, even when they would not parse. */
	put(".hidden.cs", "<?cs if:x ?>unclosed");
	ck_assert_int_eq(tpl_open(dir, &t, &why), ERR_OK);
	tpl_close(t);
	tpl_close(NULL);
}
END_TEST

/* More templates than the old fixed table held (64) all open and render: there is no ceiling. */
START_TEST(test_many_templates)
{
	enum { MANY = 150 };
	struct tpl *t;
	char name[32], body[64];

	for (int i = 0; i < MANY; i++) {
		snprintf(name, sizeof(name), "many_%03d.cs", i);
		snprintf(body, sizeof(body), "page %d", i);
		put(name, body);
	}
	t = open_dir();
	for (int i = 0; i < MANY; i += 7) {
		char *out;

		snprintf(name, sizeof(name), "many_%03d", i);
		snprintf(body, sizeof(body), "page %d", i);
		out = render(t, name);
		ck_assert_str_eq(out, body);
		free(out);
	}
	{
		char *out = render(t, "many_149");

		ck_assert_str_eq(out, "page 149");
		free(out);
	}
	tpl_close(t);
	for (int i = 0; i < MANY; i++) {
		char path[160];

		snprintf(path, sizeof(path), "%s/many_%03d.cs", dir, i);
		unlink(path);
	}
}
END_TEST

static Suite *
tpl_suite(void)
{
	Suite *s = suite_create("tpl");
	TCase *core = tcase_create("core"), *errors = tcase_create("errors"),
	      *limits = tcase_create("limits");

	tcase_add_checked_fixture(core, setup, teardown);
	tcase_add_checked_fixture(errors, setup, teardown);
	tcase_add_test(core, test_escapes_everywhere);
	tcase_add_test(core, test_values_and_nodes);
	tcase_add_test(core, test_rows);
	tcase_add_test(core, test_reset_keeps_escaping);
	tcase_add_test(errors, test_render_unknown);
	tcase_add_test(errors, test_open_errors);
	tcase_add_test(errors, test_hidden_files_skipped);
	tcase_add_checked_fixture(limits, setup, teardown);
	tcase_add_test(limits, test_many_templates);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	suite_add_tcase(s, errors);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(tpl_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
