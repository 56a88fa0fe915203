/* field.c: the field table walkers: JSON and form input, validation, statement parameters, and
 * output as JSON and as template rows. */
#include "config.h"

#include <assert.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "buf.h"
#include "field.h"
#include "http.h"
#include "json.h"
#include "jw.h"
#include "tpl.h"
#include "utf8.h"

/* The member a field names in a struct; NULL when the field has none there. */
#define SLOT(base, at) ((at) > 0 ? (void *)((char *)(base) + (at)-1) : NULL)
#define CSLOT(base, at) ((at) > 0 ? (const void *)((const char *)(base) + (at)-1) : NULL)

const struct field *
field_find(const struct field *t, const char *name)
{
	for (; t->name != NULL; t++)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

void
field_error(json_t *errors, const char *field, const char *why)
{
	if (json_object_get(errors, field) == NULL)
		json_object_set_new(errors, field, json_string(why));
}

int
field_choice(const struct field *f, const char *s)
{
	for (int i = 0; i < f->nchoices; i++)
		if (strcmp(s, f->choices[i]) == 0)
			return i;
	return -1;
}

bool
field_is_web_url(const char *s)
{
	return s != NULL && (strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0);
}

const char *
field_url_ok(const char *s)
{
	static const char *const defects[] = {
		[HTTP_URL_MALFORMED] = "not a valid URL; write it as https://host[:port][/path]",
		[HTTP_URL_SCHEME] = "only http and https URLs are allowed",
		[HTTP_URL_NO_HOST] = "the URL has no host",
		[HTTP_URL_USERINFO] = "credentials do not belong in the URL",
		[HTTP_URL_PORT] = "the port must be 1 to 65535",
	};
	enum http_url_defect d;

	if (strlen(s) > 2048)
		return "the URL is longer than 2048 characters";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p == 0x7F)
			return "the URL contains spaces or control characters";
	d = http_url_check(s, NULL);
	return d == HTTP_URL_OK ? NULL : defects[d];
}

void
field_in_init(const struct field *t, void *in)
{
	for (; t->name != NULL; t++) {
		void *slot = SLOT(in, t->in);

		if (slot == NULL)
			continue;
		switch (t->type) {
		case FIELD_BOOL: *(int *)slot = -1; break;
		case FIELD_INT: *(int *)slot = FIELD_INT_UNSET; break;
		case FIELD_MAP: *(json_t **)slot = NULL; break;
		default: *(const char **)slot = NULL; break;
		}
	}
}

/* shape_why is the reason for a value of the wrong shape: the row's own, or one for its type.
 * buf holds a built one. */
static const char *
shape_why(const struct field *f, char *buf, size_t n)
{
	size_t used = 0;

	if (f->why != NULL)
		return f->why;
	switch (f->type) {
	case FIELD_BOOL: return "must be true or false";
	case FIELD_MAP: return "an object of key: value strings";
	case FIELD_INT: snprintf(buf, n, "a whole number from %ld to %ld", f->min, f->max); return buf;
	case FIELD_ENUM:
		used = (size_t)snprintf(buf, n, "use ");
		for (int i = 0; i < f->nchoices && used < n; i++)
			used += (size_t)snprintf(buf + used, n - used, "%s%s",
			    i == 0		       ? ""
				: i == f->nchoices - 1 ? " or "
						       : ", ",
			    f->choices[i]);
		return buf;
	case FIELD_TEXT:
		if (f->max > 0) {
			snprintf(buf, n, "at most %ld characters, without control characters", f->max);
			return buf;
		}
		return "no control characters";
	default: return "not a valid value";
	}
}

static void
shape_error(json_t *errors, const struct field *f)
{
	char buf[256];

	field_error(errors, f->name, shape_why(f, buf, sizeof(buf)));
}

void
field_from_json(const struct field *t, void *in, json_t *j, json_t *errors)
{
	const char *k;
	json_t *v;

	if (!json_is_object(j)) {
		field_error(errors, "body", "the body must be a JSON object");
		return;
	}
	json_object_foreach (j, k, v) {
		const struct field *f = field_find(t, k);
		void *slot;

		if (f == NULL || !(f->flags & FIELD_JSON)) {
			field_error(errors, k, "unknown field");
			continue;
		}
		if ((slot = SLOT(in, f->in)) == NULL)
			continue; /* read-only: what a GET returned may be sent back as it was */
		switch (f->type) {
		case FIELD_BOOL:
			if (json_is_boolean(v))
				*(int *)slot = json_is_true(v);
			else if (json_is_null(v))
				*(int *)slot = 0;
			else
				shape_error(errors, f);
			break;
		case FIELD_INT:
			if (json_is_null(v))
				*(int *)slot = FIELD_INT_UNSET;
			else if (json_is_integer(v) && json_integer_value(v) >= INT_MIN + 1 &&
			    json_integer_value(v) <= INT_MAX)
				*(int *)slot = (int)json_integer_value(v);
			else
				shape_error(errors, f);
			break;
		case FIELD_MAP:
			if (json_is_null(v))
				*(json_t **)slot = NULL;
			else if (json_is_object(v))
				*(json_t **)slot = v;
			else
				shape_error(errors, f);
			break;
		default:
			if (json_is_null(v))
				*(const char **)slot = NULL;
			else if (json_is_string(v))
				*(const char **)slot = json_string_value(v);
			else
				field_error(errors, f->name, "must be a string");
			break;
		}
	}
}

/* map_from_text reads "key=value" entries separated by newlines or commas into a new object owned
 * by a; false when an entry has no '='. */
static bool
map_from_text(struct arena *a, const char *text, json_t **out)
{
	char *copy = arena_strdup(a, text), *save = NULL, *tok;
	bool ok = true;

	*out = json_own(a, json_object());
	for (tok = strtok_r(copy, ",\r\n", &save); tok != NULL; tok = strtok_r(NULL, ",\r\n", &save)) {
		char *eq, *end;

		while (*tok == ' ' || *tok == '\t')
			tok++;
		end = tok + strlen(tok);
		while (end > tok && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (*tok == '\0')
			continue;
		if ((eq = strchr(tok, '=')) == NULL) {
			ok = false;
			continue;
		}
		*eq = '\0';
		json_object_set_new(*out, tok, json_string(eq + 1));
	}
	return ok;
}

void
field_from_form(const struct field *t, void *in, field_get_fn get, void *ctx, struct arena *a, json_t *errors)
{
	for (; t->name != NULL; t++) {
		void *slot = SLOT(in, t->in);
		const char *v;

		if (slot == NULL || !(t->flags & FIELD_FORM))
			continue;
		v = get(ctx, t->name);
		switch (t->type) {
		case FIELD_BOOL: *(int *)slot = v != NULL; break;
		case FIELD_INT: {
			char *end;
			long n;

			*(int *)slot = FIELD_INT_UNSET;
			if (v == NULL || *v == '\0')
				break;
			n = strtol(v, &end, 10);
			if (*end != '\0' || n < INT_MIN + 1 || n > INT_MAX)
				shape_error(errors, t);
			else
				*(int *)slot = (int)n;
			break;
		}
		case FIELD_MAP:
			if (!map_from_text(a, v != NULL ? v : "", (json_t **)slot))
				field_error(errors, t->name, "write each entry as key=value");
			break;
		default: *(const char **)slot = v; break;
		}
	}
}

static void
release_json(void *p)
{
	json_decref(p);
}

void
field_from_record(const struct field *t, void *in, const void *rec, struct arena *a)
{
	field_in_init(t, in);
	for (; t->name != NULL; t++) {
		void *slot = SLOT(in, t->in);
		const void *from = CSLOT(rec, t->out);

		if (slot == NULL || from == NULL)
			continue;
		switch (t->type) {
		case FIELD_BOOL: *(int *)slot = *(const bool *)from; break;
		case FIELD_INT:
			*(int *)slot = *(const int *)from < t->min ? FIELD_INT_UNSET : *(const int *)from;
			break;
		case FIELD_MAP: {
			const char *text = *(const char *const *)from;
			json_t *j = json_loads(text != NULL ? text : "{}", 0, NULL);

			if (j != NULL)
				arena_cleanup(a, release_json, j);
			*(json_t **)slot = j;
			break;
		}
		default: *(const char **)slot = *(const char *const *)from; break;
		}
	}
}

/* text_ok: at most max bytes (0: any) of UTF-8 without control characters. */
static bool
text_ok(const char *s, long max)
{
	size_t n = strlen(s);

	if (max > 0 && n > (size_t)max)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < ' ' || *p == 0x7F)
			return false;
	return utf8_valid(s, n);
}

static void
validate_map(const struct field *f, const json_t *m, json_t *errors)
{
	const char *k, *why;
	json_t *v;
	char buf[64];

	if (!json_is_object(m)) {
		shape_error(errors, f);
		return;
	}
	if (f->max > 0 && json_object_size(m) > (size_t)f->max) {
		snprintf(buf, sizeof(buf), "at most %ld entries", f->max);
		field_error(errors, f->name, buf);
		return;
	}
	json_object_foreach ((json_t *)m, k, v) {
		if (f->check != NULL && (why = f->check(k)) != NULL) {
			field_error(errors, f->name, why);
			return;
		}
		if (!json_is_string(v)) {
			field_error(errors, f->name, "the values are strings");
			return;
		}
		if (f->check_value != NULL && (why = f->check_value(json_string_value(v))) != NULL) {
			field_error(errors, f->name, why);
			return;
		}
	}
}

enum err
field_validate(const struct field *t, const void *in, json_t *errors)
{
	for (; t->name != NULL; t++) {
		const void *slot = CSLOT(in, t->in);
		const char *s, *why;

		if (slot == NULL)
			continue;
		switch (t->type) {
		case FIELD_BOOL:
			if (*(const int *)slot < 0 && (t->flags & FIELD_REQUIRED))
				field_error(
				    errors, t->name, t->missing ? t->missing : "this field is required");
			break;
		case FIELD_INT:
			if (*(const int *)slot == FIELD_INT_UNSET) {
				if (t->flags & FIELD_REQUIRED)
					field_error(errors, t->name,
					    t->missing ? t->missing : "this field is required");
			} else if (*(const int *)slot < t->min || *(const int *)slot > t->max)
				shape_error(errors, t);
			break;
		case FIELD_MAP:
			if (*(json_t *const *)slot != NULL)
				validate_map(t, *(json_t *const *)slot, errors);
			else if (t->flags & FIELD_REQUIRED)
				field_error(
				    errors, t->name, t->missing ? t->missing : "this field is required");
			break;
		default:
			s = *(const char *const *)slot;
			if (s == NULL || s[0] == '\0') {
				if (t->flags & FIELD_REQUIRED)
					field_error(errors, t->name,
					    t->missing ? t->missing : "this field is required");
				break;
			}
			if (t->type == FIELD_URL) {
				if ((why = field_url_ok(s)) != NULL) {
					field_error(errors, t->name, why);
					break;
				}
			} else if (t->type == FIELD_ENUM) {
				if (field_choice(t, s) < 0) {
					shape_error(errors, t);
					break;
				}
			} else if (!text_ok(s, t->max)) {
				shape_error(errors, t);
				break;
			}
			if (t->check != NULL && (why = t->check(s)) != NULL)
				field_error(errors, t->name, why);
			break;
		}
	}
	return json_object_size(errors) > 0 ? ERR_INPUT : ERR_OK;
}

int
field_params(const struct field *t, const void *in, struct arena *a, const char **p)
{
	int n = 0;

	for (; t->name != NULL; t++) {
		const void *slot = CSLOT(in, t->in);

		if (slot == NULL)
			continue;
		switch (t->type) {
		case FIELD_BOOL: p[n] = *(const int *)slot > 0 ? "true" : "false"; break;
		case FIELD_INT:
			p[n] = *(const int *)slot == FIELD_INT_UNSET
			    ? NULL
			    : arena_printf(a, "%d", *(const int *)slot);
			break;
		case FIELD_MAP: {
			json_t *m = *(json_t *const *)slot;
			char *s;

			if (m == NULL) {
				p[n] = "{}";
				break;
			}
			if ((s = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
				die_oom();
			p[n] = arena_strdup(a, s);
			free(s);
			break;
		}
		default: {
			const char *s = *(const char *const *)slot;

			if (t->flags & FIELD_NULLABLE)
				p[n] = s != NULL && s[0] != '\0' ? s : NULL;
			else
				p[n] = s != NULL ? s : "";
			break;
		}
		}
		n++;
	}
	return n;
}

/* pg_time_rfc3339 rewrites PostgreSQL's "2026-05-14 09:00:00.123456+00" in place as
 * "2026-05-14T09:00:00Z"; anything else stays as it is. */
static const char *
pg_time_rfc3339(const char *s)
{
	char *t = (char *)s;

	if (t == NULL || strlen(t) < 20 || t[10] != ' ')
		return s;
	t[10] = 'T';
	t[19] = 'Z';
	t[20] = '\0';
	return t;
}

int
field_load(const struct field *t, void *rec, const char *(*col)(void *ctx, int i), void *ctx)
{
	int i = 0;

	for (; t->name != NULL; t++) {
		void *slot = SLOT(rec, t->out);
		const char *v;

		if (slot == NULL)
			continue;
		v = col(ctx, i++);
		switch (t->type) {
		case FIELD_BOOL: *(bool *)slot = v != NULL && v[0] == 't'; break;
		case FIELD_INT: *(int *)slot = v != NULL ? atoi(v) : (int)t->min - 1; break;
		case FIELD_TIME: *(const char **)slot = pg_time_rfc3339(v); break;
		default: *(const char **)slot = v; break;
		}
	}
	return i;
}

void
field_write_json(const struct field *t, const void *rec, struct jw *w)
{
	jw_object(w);
	for (; t->name != NULL; t++) {
		const void *slot = CSLOT(rec, t->out);

		if (slot == NULL || !(t->flags & FIELD_JSON))
			continue;
		jw_key_plain(w, t->name, t->name_len);
		switch (t->type) {
		case FIELD_BOOL: jw_bool(w, *(const bool *)slot); break;
		case FIELD_INT:
			if (*(const int *)slot >= t->min)
				jw_int(w, *(const int *)slot);
			else
				jw_null(w);
			break;
		case FIELD_MAP: {
			const char *s = *(const char *const *)slot;

			jw_raw(w, s != NULL ? s : "{}"); /* JSON by construction: the store's own output */
			break;
		}
		case FIELD_STRINGS: {
			const char *s = *(const char *const *)slot;

			jw_raw(w, s != NULL ? s : "[]"); /* JSON by construction: the store's own output */
			break;
		}
		default: jw_string(w, *(const char *const *)slot); break;
		}
	}
	jw_end_object(w);
}

json_t *
field_json(const struct field *t, const void *rec)
{
	json_t *o = json_object();

	for (; t->name != NULL; t++) {
		const void *slot = CSLOT(rec, t->out);
		json_t *v;

		if (slot == NULL || !(t->flags & FIELD_JSON))
			continue;
		switch (t->type) {
		case FIELD_BOOL: v = json_boolean(*(const bool *)slot); break;
		case FIELD_INT:
			v = *(const int *)slot >= t->min ? json_integer(*(const int *)slot) : json_null();
			break;
		case FIELD_MAP: {
			const char *s = *(const char *const *)slot;

			v = json_loads(s != NULL ? s : "{}", 0, NULL);
			if (v == NULL)
				v = json_object();
			break;
		}
		case FIELD_STRINGS: {
			const char *s = *(const char *const *)slot;

			v = json_loads(s != NULL ? s : "[]", 0, NULL);
			if (v == NULL)
				v = json_array();
			break;
		}
		default: {
			const char *s = *(const char *const *)slot;

			v = s != NULL ? json_string(s) : json_null();
			if (v == NULL) /* not UTF-8: jansson refuses it */
				v = json_null();
			break;
		}
		}
		json_object_set_new(o, t->name, v);
	}
	return o;
}

/* Parsed maps are kept for the life of the process: list pages show the same labels on every
 * request. A kept map is never changed or freed, so rows may borrow its strings for as long as
 * they like. At most MEMO_SLOTS texts of at most MEMO_TEXT_MAX bytes are kept; other maps are
 * parsed into the request's arena each time. Workers are single-threaded processes. */
#define MEMO_SLOTS 4096
#define MEMO_TEXT_MAX 1024
#define MEMO_PROBES 8

struct memo {
	char *text;
	int n; /* pairs */
	const char **kv; /* k0, v0, k1, v1, ... */
};

static struct memo memo[MEMO_SLOTS];
static int memo_used;

/* map_pairs parses the object text s into its string members as kv pairs: memo memory when s is
 * kept (or is kept now), else arena memory. Returns the number of pairs; 0 for text that is not an
 * object. */
static int
map_pairs(const char *s, struct arena *a, const char *const **kv)
{
	size_t len = strlen(s), need = 0;
	unsigned h = 2166136261u;
	struct memo *slot = NULL;
	const char **out;
	const char *k;
	json_t *j, *v;
	char *p;
	int n = 0;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	for (int i = 0; len <= MEMO_TEXT_MAX && i < MEMO_PROBES; i++) {
		struct memo *m = &memo[(h + (unsigned)i) % MEMO_SLOTS];

		if (m->text != NULL && strcmp(m->text, s) == 0) {
			*kv = m->kv;
			return m->n;
		}
		if (m->text == NULL) {
			slot = memo_used < MEMO_SLOTS / 2 ? m : NULL;
			break;
		}
	}
	if ((j = json_loads(s, 0, NULL)) == NULL || !json_is_object(j)) {
		json_decref(j);
		return 0;
	}
	json_object_foreach (j, k, v)
		if (json_is_string(v)) {
			need += strlen(k) + json_string_length(v) + 2;
			n++;
		}
	/* One block: the pointers, then the strings (and the text, when kept). */
	need += sizeof(*out) * 2 * (size_t)n + (slot != NULL ? len + 1 : 0);
	out = slot != NULL ? xmalloc(need) : arena_alloc(a, need);
	p = (char *)(out + 2 * n);
	n = 0;
	json_object_foreach (j, k, v) {
		if (!json_is_string(v))
			continue;
		out[2 * n] = strcpy(p, k);
		p += strlen(k) + 1;
		out[2 * n + 1] = memcpy(p, json_string_value(v), json_string_length(v) + 1);
		p += json_string_length(v) + 1;
		n++;
	}
	json_decref(j);
	if (slot != NULL) {
		slot->text = memcpy(p, s, len + 1);
		slot->n = n;
		slot->kv = out;
		memo_used++;
	}
	*kv = out;
	return n;
}

/* write_map sets the object text s as rows of k and v below a child name of row. */
static void
write_map(struct tpl_row *row, const char *name, const char *s, struct arena *a)
{
	const char *const *kv;
	struct tpl_row *list;
	int n;

	if (s == NULL || strcmp(s, "{}") == 0 || (n = map_pairs(s, a, &kv)) == 0)
		return;
	list = tpl_row_add(row, name);
	for (int i = 0; i < n; i++) {
		struct tpl_row *l = tpl_row_add(list, NULL);

		tpl_row_set(l, "k", kv[2 * i]);
		tpl_row_set(l, "v", kv[2 * i + 1]);
	}
}

/* write_strings sets the strings of the JSON array text s, joined by ", ", as a child name of row;
 * nothing for an empty array. */
static void
write_strings(struct tpl_row *row, const char *name, const char *s, struct arena *a)
{
	json_t *j, *v;
	struct buf *b;
	size_t i;

	if (s == NULL || strcmp(s, "[]") == 0 || (j = json_loads(s, 0, NULL)) == NULL)
		return;
	b = buf_new(a);
	json_array_foreach (j, i, v)
		if (json_is_string(v))
			buf_printf(b, "%s%s", b->len ? ", " : "", json_string_value(v));
	json_decref(j);
	if (b->len)
		tpl_row_set(row, name, buf_cstr(b));
}

void
field_write_row(const struct field *t, const void *rec, unsigned where, struct tpl_row *row, struct arena *a)
{
	for (; t->name != NULL; t++) {
		const void *slot = CSLOT(rec, t->out);

		if (slot == NULL || !(t->flags & where))
			continue;
		switch (t->type) {
		case FIELD_BOOL: tpl_row_set(row, t->name, *(const bool *)slot ? "1" : "0"); break;
		case FIELD_INT:
			if (*(const int *)slot >= t->min)
				tpl_row_set(row, t->name, arena_printf(a, "%d", *(const int *)slot));
			break;
		case FIELD_MAP: write_map(row, t->name, *(const char *const *)slot, a); break;
		case FIELD_STRINGS: write_strings(row, t->name, *(const char *const *)slot, a); break;
		case FIELD_URL: {
			const char *s = *(const char *const *)slot;

			tpl_row_set(row, t->name, s);
			if (t->link != NULL && field_is_web_url(s))
				tpl_row_set(row, t->link, s);
			break;
		}
		default: tpl_row_set(row, t->name, *(const char *const *)slot); break;
		}
	}
}

void
field_write_form(const struct field *t, const void *in, struct tpl_row *row, struct arena *a)
{
	for (; t->name != NULL; t++) {
		const void *slot = CSLOT(in, t->in);

		if (slot == NULL || !(t->flags & FIELD_FORM))
			continue;
		switch (t->type) {
		case FIELD_BOOL: tpl_row_set(row, t->name, *(const int *)slot > 0 ? "1" : "0"); break;
		case FIELD_INT:
			if (*(const int *)slot != FIELD_INT_UNSET)
				tpl_row_set(row, t->name, arena_printf(a, "%d", *(const int *)slot));
			break;
		case FIELD_MAP: {
			json_t *m = *(json_t *const *)slot, *v;
			struct buf *b = buf_new(a);
			const char *k;

			if (m == NULL)
				break;
			json_object_foreach (m, k, v)
				if (json_is_string(v))
					buf_printf(b, "%s=%s\n", k, json_string_value(v));
			tpl_row_set(row, t->name, buf_cstr(b));
			break;
		}
		default: tpl_row_set(row, t->name, *(const char *const *)slot); break;
		}
	}
}

void
field_write_form_sent(const struct field *t, field_get_fn get, void *ctx, struct tpl_row *row)
{
	for (; t->name != NULL; t++) {
		const char *v;

		if (t->in == 0 || !(t->flags & FIELD_FORM))
			continue;
		v = get(ctx, t->name);
		if (t->type == FIELD_BOOL)
			tpl_row_set(row, t->name, v != NULL ? "1" : "0");
		else
			tpl_row_set(row, t->name, v);
	}
}

int
field_write_errors(const struct field *t, json_t *errors, struct tpl_row *row)
{
	int n = 0;

	for (; t->name != NULL; t++) {
		const char *why = json_string_value(json_object_get(errors, t->name));

		if (why != NULL) {
			tpl_row_set(row, t->name, why);
			n++;
		}
	}
	return n;
}

void
field_write_choices(const struct field *t, struct tpl_row *row)
{
	/* Row names are borrowed for the row's life: literals. */
	static const char *const idx[FIELD_CHOICES_MAX] = { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9",
		"10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20", "21", "22", "23", "24",
		"25", "26", "27", "28", "29", "30", "31" };

	for (; t->name != NULL; t++) {
		struct tpl_row *list;

		if (t->type != FIELD_ENUM)
			continue;
		assert(t->nchoices <= FIELD_CHOICES_MAX);
		list = tpl_row_add(row, t->name);
		for (int i = 0; i < t->nchoices; i++)
			tpl_row_set(list, idx[i], t->choices[i]);
	}
}
