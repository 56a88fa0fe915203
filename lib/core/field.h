/* field.h: a resource's fields declared once, driving its JSON, forms, template rows and checks. */
#ifndef AIOPS_FIELD_H
#define AIOPS_FIELD_H

/*
 * A resource declares one table of struct field, ended by a row whose name is NULL, and two
 * structs: the stored record (what the store returns and the views show) and the input (what a
 * person or program may set). Each row names a member of either or both:
 *
 *	static const struct field thing_fields[] = {
 *		{ FIELD_NAME("id"), FIELD_TEXT, FIELD_JSON | FIELD_LIST,
 *		    .out = FIELD_AT(struct thing, id) },
 *		{ FIELD_NAME("name"), FIELD_TEXT, FIELD_JSON | FIELD_FORM | FIELD_LIST | FIELD_REQUIRED,
 *		    .out = FIELD_AT(struct thing, name), .in = FIELD_AT(struct thing_in, name),
 *		    .max = 63, .check = thing_name_ok, .missing = "a name is required" },
 *		{ FIELD_NAME("kind"), FIELD_ENUM, ..., .choices = kinds, .nchoices = 3 },
 *		{ NULL },
 *	};
 *
 * .out and .in are FIELD_AT(struct, member), or left out (0) when the field is not in that struct:
 * a field without .in is read-only (accepted and ignored in JSON input, never read from a form).
 * What the member is, by type (record / input):
 *
 *	FIELD_TEXT  const char *       / const char *    at most .max bytes of UTF-8 without control
 *	                                                  characters (.max 0: no limit), then .check
 *	FIELD_URL   const char *       / const char *    field_url_ok, then .check; a row also gets
 *	                                                  .link (a child name) when it is http(s)
 *	FIELD_ENUM  const char *       / const char *    one of .choices[0 .. .nchoices - 1]
 *	FIELD_TIME  const char *       / -               RFC 3339 text; read-only
 *	FIELD_BOOL  bool               / int             input -1 unset, 0, 1
 *	FIELD_INT   int                / int             .min .. .max; a record value below .min
 *	                                                  (and FIELD_INT_UNSET input) is null
 *	FIELD_MAP   const char *       / json_t *        record: a JSON object as text (PostgreSQL's
 *	                                                  jsonb output); input: a borrowed object of
 *	                                                  at most .max string members, keys checked
 *	                                                  with .check and values with .check_value
 *	FIELD_STRINGS const char *     / -               a JSON array of strings as text (the store's
 *	                                                  output, e.g. array_to_json(col)); read-only;
 *	                                                  a template row gets the strings joined by ", "
 *
 * Where a field appears is its flags: FIELD_JSON (the JSON representation, in and out),
 * FIELD_FORM (the add/edit form), FIELD_LIST (list rows), FIELD_DETAIL (the detail page).
 * FIELD_REQUIRED refuses an absent or empty value with .missing; FIELD_NULLABLE stores an empty
 * text as SQL NULL (otherwise an absent text is stored as "").
 *
 * Faults go into a JSON object errors as {"field": "reason"} (the first reason per field wins),
 * with the reasons of the table (.why, .missing, .check's result) or a generic one built from the
 * row. Nothing here knows HTTP or HTML: forms are read through a getter, output goes through jw
 * and tpl rows. Every function walks the table once; no allocation but the arena's and jansson's
 * where a map is parsed (field_write_row keeps the maps it parses for the life of the process).
 */

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "err.h"

struct arena;
struct jw;
struct tpl_row;

enum field_type {
	FIELD_TEXT,
	FIELD_URL,
	FIELD_ENUM,
	FIELD_TIME,
	FIELD_BOOL,
	FIELD_INT,
	FIELD_MAP,
	FIELD_STRINGS
};

enum field_flag {
	FIELD_JSON = 1 << 0,
	FIELD_FORM = 1 << 1,
	FIELD_LIST = 1 << 2,
	FIELD_DETAIL = 1 << 3,
	FIELD_REQUIRED = 1 << 4,
	FIELD_NULLABLE = 1 << 5,
};

#define FIELD_CHOICES_MAX 32

/* An unset FIELD_INT input. */
#define FIELD_INT_UNSET (-2147483647 - 1)

/* FIELD_AT names a member of a record or input struct (0 stays "not in this struct"). */
#define FIELD_AT(type, member) ((long)offsetof(type, member) + 1)

/* FIELD_NAME fills .name and .name_len from a literal that needs no JSON escaping. */
#define FIELD_NAME(lit) .name = "" lit "", .name_len = sizeof(lit) - 1

struct field {
	const char *name; /* JSON member, form field and template child: [a-z0-9_] */
	size_t name_len;
	enum field_type type;
	unsigned flags; /* enum field_flag */
	long out, in; /* FIELD_AT(...) or 0 */
	long min, max; /* see the table above */
	const char *const *choices; /* FIELD_ENUM: at most FIELD_CHOICES_MAX */
	int nchoices;
	const char *(*check)(const char *s); /* NULL when s is good, else a static reason */
	const char *(*check_value)(const char *s); /* FIELD_MAP values */
	const char *why; /* the reason for a value of the wrong shape; NULL: a generic one */
	const char *missing; /* the reason for a required value left out; NULL: a generic one */
	const char *link; /* FIELD_URL: the row child set to the value when it is http or https */
};

/* field_get reads a form field by name: its value, "" for a field sent empty, NULL when absent. */
typedef const char *(*field_get_fn)(void *ctx, const char *name);

/* field_find returns the row called name, or NULL. */
const struct field *field_find(const struct field *t, const char *name);

/* field_in_init marks every input field of t in in unset (NULL, -1, FIELD_INT_UNSET). */
void field_in_init(const struct field *t, void *in);

/* field_from_json overlays the members of object j present in t onto in: null unsets a field
 * (a bool becomes 0). Values of the wrong type, members t does not know (so that a misspelt one
 * is not silently dropped) and a j that is not an object ("body") go into errors; read-only
 * members are ignored. Strings and maps are borrowed from j. */
void field_from_json(const struct field *t, void *in, json_t *j, json_t *errors);

/* field_from_form reads the FIELD_FORM inputs of t through get: text as sent (NULL when absent), a
 * bool is 1 when present, an int in decimal, a map from "key=value" entries separated by newlines
 * or commas (blanks around them trimmed; a new object owned by a). Faults go into errors. */
void field_from_form(
    const struct field *t, void *in, field_get_fn get, void *ctx, struct arena *a, json_t *errors);

/* field_from_record fills in from the stored record rec, as the base an edit or a PATCH applies
 * to: strings are borrowed from rec, maps parsed into objects owned by a. */
void field_from_record(const struct field *t, void *in, const void *rec, struct arena *a);

/* field_validate checks every input field of t in in and adds field: reason to errors for each
 * fault. Returns ERR_INPUT when errors holds any fault (including earlier ones), else ERR_OK. */
enum err field_validate(const struct field *t, const void *in, json_t *errors);

/* field_params writes the input fields of t, in table order, as text parameters of a statement
 * into p (room for every input field; returns how many): a NULL or empty FIELD_NULLABLE text is
 * NULL, another NULL text "", a bool "true" or "false", an int in decimal or NULL, a map its
 * compact JSON with sorted keys (an unset one "{}"). Borrowed from in, or arena memory. */
int field_params(const struct field *t, const void *in, struct arena *a, const char **p);

/* field_load fills the record fields of t in rec from text columns, in table order of the fields
 * that have .out, taken as col(ctx, i) for i = 0, 1, ... (NULL is SQL NULL): a bool is "t", an
 * int decimal (NULL is .min - 1), a time PostgreSQL's "YYYY-MM-DD HH:MI:SS[.frac]+00", rewritten
 * in place as RFC 3339 "YYYY-MM-DDTHH:MI:SSZ". Strings are borrowed from the columns. Returns the
 * number of columns read. */
int field_load(const struct field *t, void *rec, const char *(*col)(void *ctx, int i), void *ctx);

/* field_write_json writes rec's FIELD_JSON fields as one object (a map or strings verbatim: they are
 * JSON). */
void field_write_json(const struct field *t, const void *rec, struct jw *w);

/* field_json returns rec's FIELD_JSON fields as a new object with the members field_write_json
 * writes (a map parsed from its text, {} when it does not parse), for a caller that needs a tree,
 * such as an event's data; caller owns the reference. */
json_t *field_json(const struct field *t, const void *rec);

/* field_write_row sets rec's fields flagged where (FIELD_LIST or FIELD_DETAIL) as children of
 * row: text as it is, a bool "1" or "0", an int in decimal unless null, a map as a child node
 * name with rows of k and v (parsed with jansson once per process and kept, up to a bound, so the
 * same labels on every list page cost a lookup; else arena memory), a URL also as .link when it
 * is http or https. Values are borrowed from rec and must live as long as the row. */
void field_write_row(
    const struct field *t, const void *rec, unsigned where, struct tpl_row *row, struct arena *a);

/* field_write_form sets in's FIELD_FORM fields as children of row, as a form shows them: a bool
 * "1" or "0", a map as "key=value" lines. Borrowed from in, or arena memory. */
void field_write_form(const struct field *t, const void *in, struct tpl_row *row, struct arena *a);

/* field_write_form_sent sets the FIELD_FORM fields as they were sent, read through get, so that a
 * refused form comes back as it was typed. */
void field_write_form_sent(const struct field *t, field_get_fn get, void *ctx, struct tpl_row *row);

/* field_write_errors sets each reason in errors for a field of t as a child of row named after
 * the field, and returns how many it set. The reasons are borrowed from errors. */
int field_write_errors(const struct field *t, json_t *errors, struct tpl_row *row);

/* field_write_choices sets, for every FIELD_ENUM field of t, a child of row named after it with
 * its choices as rows "0", "1", ... for select boxes. */
void field_write_choices(const struct field *t, struct tpl_row *row);

/* field_choice returns the index of s among f's choices, or -1. */
int field_choice(const struct field *f, const char *s);

/* field_url_ok returns NULL for an http or https URL of at most 2048 bytes without spaces,
 * control characters or credentials and with a port 1-65535, else a static reason. */
const char *field_url_ok(const char *s);

/* field_is_web_url says whether s starts with http:// or https:// (any case): fit for a link. */
bool field_is_web_url(const char *s);

/* field_error adds field: why to errors unless field has a reason already. */
void field_error(json_t *errors, const char *field, const char *why);

#endif
