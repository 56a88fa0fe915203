/* promql.c: a scanner for the outer layer of PromQL (identifiers, parentheses, strings, comments, the
 * by/without clause and an aggregation's parameter), enough to split an outermost aggregation; and
 * Prometheus's time and duration formats. */
#include "config.h"

#include <ctype.h>
#include <regex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "arena.h"
#include "buf.h"
#include "promql.h"

#define PROMQL_EXPR_MAX (64 * 1024)

static const char *const agg_names[PROMQL_AGG__MAX] = {
	[PROMQL_SUM] = "sum",
	[PROMQL_MIN] = "min",
	[PROMQL_MAX] = "max",
	[PROMQL_COUNT] = "count",
	[PROMQL_AVG] = "avg",
	[PROMQL_GROUP] = "group",
	[PROMQL_TOPK] = "topk",
	[PROMQL_BOTTOMK] = "bottomk",
	[PROMQL_COUNT_VALUES] = "count_values",
};

const char *
promql_agg_name(enum promql_agg agg)
{
	return agg > PROMQL_NONE && agg < PROMQL_AGG__MAX ? agg_names[agg] : NULL;
}

bool
promql_label_name_ok(const char *s)
{
	if (s == NULL || !(isalpha((unsigned char)*s) || *s == '_'))
		return false;
	for (s++; *s != '\0'; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_'))
			return false;
	return true;
}

/* A piece [b, e) of the expression. */
struct span {
	const char *s;
	size_t b, e;
};

/* skip_blank returns the first position at or after i, before e, that is neither white space nor
 * inside a # comment. */
static size_t
skip_blank(const struct span *sp, size_t i)
{
	while (i < sp->e) {
		if (isspace((unsigned char)sp->s[i]))
			i++;
		else if (sp->s[i] == '#')
			while (i < sp->e && sp->s[i] != '\n')
				i++;
		else
			break;
	}
	return i;
}

/* skip_string returns the position just after the string literal starting at i (quote " ' or `),
 * or e when it is not closed. Backslash escapes in " and ' strings; none in ` strings. */
static size_t
skip_string(const struct span *sp, size_t i)
{
	char q = sp->s[i++];

	while (i < sp->e && sp->s[i] != q) {
		if (q != '`' && sp->s[i] == '\\' && i + 1 < sp->e)
			i++;
		i++;
	}
	return i < sp->e ? i + 1 : sp->e;
}

/* walk returns the position of the bracket closing the one at open, or of the first comma at the
 * level just inside it when comma is true (whichever comes first); (size_t)-1 when unbalanced. */
static size_t
walk(const struct span *sp, size_t open, bool comma)
{
	char stack[256];
	int depth = 0;

	stack[depth++] = sp->s[open];
	for (size_t i = open + 1; i < sp->e;) {
		char c = sp->s[i];

		if (c == '"' || c == '\'' || c == '`') {
			size_t j = skip_string(sp, i);

			if (j == sp->e && sp->s[j - 1] != c)
				return (size_t)-1;
			i = j;
			continue;
		}
		if (c == '#') {
			while (i < sp->e && sp->s[i] != '\n')
				i++;
			continue;
		}
		if (c == '(' || c == '[' || c == '{') {
			if (depth == (int)sizeof(stack))
				return (size_t)-1;
			stack[depth++] = c;
		} else if (c == ')' || c == ']' || c == '}') {
			char want = c == ')' ? '(' : c == ']' ? '[' : '{';

			if (stack[depth - 1] != want)
				return (size_t)-1;
			if (--depth == 0)
				return i;
		} else if (c == ',' && comma && depth == 1)
			return i;
		i++;
	}
	return (size_t)-1;
}

/* ident returns the length of the identifier ([a-zA-Z_:][a-zA-Z0-9_:]*) at i, 0 when none. */
static size_t
ident(const struct span *sp, size_t i)
{
	size_t j = i;

	if (j < sp->e && (isalpha((unsigned char)sp->s[j]) || sp->s[j] == '_' || sp->s[j] == ':'))
		for (j++;
		     j < sp->e && (isalnum((unsigned char)sp->s[j]) || sp->s[j] == '_' || sp->s[j] == ':');
		     j++)
			;
	return j - i;
}

/* is_word says whether the n bytes at p are word, case ignored (PromQL keywords ignore case). */
static bool
is_word(const char *p, size_t n, const char *word)
{
	return n == strlen(word) && strncasecmp(p, word, n) == 0;
}

/* read_clause reads a by/without clause at *i (the keyword already seen, at kw of length n) into
 * out and moves *i past it. Returns false when it is not one this reader knows. */
static bool
read_clause(struct arena *a, const struct span *sp, size_t *i, size_t kw, size_t n, struct promql_split *out)
{
	size_t j = skip_blank(sp, kw + n);

	out->grouped = true;
	out->without = is_word(sp->s + kw, n, "without");
	if (j >= sp->e || sp->s[j] != '(')
		return false;
	j = skip_blank(sp, j + 1);
	while (j < sp->e && sp->s[j] != ')') {
		size_t m = ident(sp, j);
		char *name;

		if (m == 0 || out->nlabels == PROMQL_LABELS_MAX)
			return false;
		name = arena_strndup(a, sp->s + j, m);
		if (!promql_label_name_ok(name))
			return false;
		out->labels[out->nlabels++] = name;
		j = skip_blank(sp, j + m);
		if (j < sp->e && sp->s[j] == ',')
			j = skip_blank(sp, j + 1);
		else if (j >= sp->e || sp->s[j] != ')')
			return false;
	}
	if (j >= sp->e)
		return false;
	*i = skip_blank(sp, j + 1);
	return true;
}

/* trimmed returns the text of [b, e) without blanks and comments at either end; arena memory. */
static char *
trimmed(struct arena *a, const struct span *sp, size_t b, size_t e)
{
	struct span t = { sp->s, b, e };

	b = skip_blank(&t, b);
	while (e > b && isspace((unsigned char)sp->s[e - 1]))
		e--;
	return arena_strndup(a, sp->s + b, e - b);
}

/* read_param reads topk's or bottomk's k (a number literal) or count_values's label (a string
 * literal naming a label) from text p into out. Returns false for anything else. */
static bool
read_param(struct arena *a, const char *p, struct promql_split *out)
{
	size_t n = strlen(p);

	if (out->agg == PROMQL_COUNT_VALUES) {
		char *name;

		if (n < 2 || (p[0] != '"' && p[0] != '\'' && p[0] != '`') || p[n - 1] != p[0])
			return false;
		name = arena_strndup(a, p + 1, n - 2);
		if (!promql_label_name_ok(name))
			return false;
		out->value_label = name;
		return true;
	} else {
		char *end;
		double k = strtod(p, &end);

		if (end == p || *end != '\0' || !isfinite(k) || isalpha((unsigned char)p[0]))
			return false;
		out->k = k;
		return true;
	}
}

/* clause_text writes out's by/without clause back as PromQL ("by (a, b) "), "" when none; arena
 * memory. */
static const char *
clause_text(struct arena *a, const struct promql_split *out)
{
	const char *s;

	if (!out->grouped)
		return "";
	s = out->without ? "without (" : "by (";
	for (int i = 0; i < out->nlabels; i++)
		s = arena_printf(a, "%s%s%s", s, i > 0 ? ", " : "", out->labels[i]);
	return arena_printf(a, "%s) ", s);
}

/* read_agg reads [b, e) as an aggregation into out; false when it is not a splittable one. */
static bool
read_agg(struct arena *a, const struct span *sp, size_t b, size_t e, struct promql_split *out)
{
	struct span x = { sp->s, b, e };
	size_t i = b, n = ident(&x, i), close, comma;
	const char *args;
	int agg = PROMQL_NONE;

	for (int k = PROMQL_NONE + 1; k < PROMQL_AGG__MAX; k++)
		if (is_word(x.s + i, n, agg_names[k]))
			agg = k;
	if (agg == PROMQL_NONE)
		return false;
	out->agg = (enum promql_agg)agg;
	out->op = agg_names[agg];
	i = skip_blank(&x, i + n);
	n = ident(&x, i);
	if (n > 0 && (is_word(x.s + i, n, "by") || is_word(x.s + i, n, "without"))) {
		if (!read_clause(a, &x, &i, i, n, out))
			return false;
	}
	if (i >= e || x.s[i] != '(' || (close = walk(&x, i, false)) == (size_t)-1)
		return false;
	args = NULL;
	comma = walk(&x, i, true);
	if (agg == PROMQL_TOPK || agg == PROMQL_BOTTOMK || agg == PROMQL_COUNT_VALUES) {
		if (comma == close || !read_param(a, trimmed(a, &x, i + 1, comma), out))
			return false;
		args = trimmed(a, &x, comma + 1, close);
	} else {
		if (comma != close)
			return false;
		args = trimmed(a, &x, i + 1, close);
	}
	if (*args == '\0')
		return false;
	out->inner = args;
	i = skip_blank(&x, close + 1);
	n = ident(&x, i);
	if (n > 0 && !out->grouped && (is_word(x.s + i, n, "by") || is_word(x.s + i, n, "without"))) {
		if (!read_clause(a, &x, &i, i, n, out))
			return false;
	}
	return i == e;
}

enum err
promql_split(struct arena *a, const char *expr, struct promql_split *out, const char **why)
{
	size_t len = expr != NULL ? strlen(expr) : 0;
	struct span sp = { expr, 0, len };
	size_t b, e;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	if (len > PROMQL_EXPR_MAX) {
		*why = "the expression is longer than 64 KiB";
		return ERR_INPUT;
	}
	b = skip_blank(&sp, 0);
	e = len;
	while (e > b && isspace((unsigned char)expr[e - 1]))
		e--;
	if (b >= e) {
		*why = "the expression is empty";
		return ERR_INPUT;
	}
	/* Parentheses around the whole say nothing: strip them. */
	for (;;) {
		struct span x = { expr, b, e };
		size_t close;

		if (expr[b] != '(' || (close = walk(&x, b, false)) == (size_t)-1 ||
		    skip_blank(&x, close + 1) != e)
			break;
		b = skip_blank(&x, b + 1);
		e = close;
		while (e > b && isspace((unsigned char)expr[e - 1]))
			e--;
		if (b >= e)
			break;
	}
	out->queries[0] = arena_strndup(a, expr + b, e - b);
	out->nqueries = 1;
	if (!read_agg(a, &sp, b, e, out)) {
		const char *q = out->queries[0];

		memset(out, 0, sizeof(*out));
		out->queries[0] = q;
		out->nqueries = 1;
		return ERR_OK;
	}
	if (out->agg == PROMQL_AVG) {
		const char *clause = clause_text(a, out);

		out->queries[0] = arena_printf(a, "sum %s(%s)", clause, out->inner);
		out->queries[1] = arena_printf(a, "count %s(%s)", clause, out->inner);
		out->nqueries = 2;
	}
	return ERR_OK;
}

/* unquote returns the value of the string literal at [b, e) (quotes included): backslash escapes
 * give the character after them, except in ` strings; arena memory. */
static char *
unquote(struct arena *a, const char *s, size_t b, size_t e)
{
	char *out = arena_alloc(a, e - b), *o = out;
	bool raw = s[b] == '`';

	for (size_t i = b + 1; i + 1 < e; i++) {
		if (!raw && s[i] == '\\' && i + 2 < e)
			i++;
		*o++ = s[i];
	}
	*o = '\0';
	return out;
}

/* holds says whether name satisfies the matcher op value. */
static bool
holds(const char *name, const char *op, const char *value)
{
	bool eq;

	if (op[1] != '~')
		eq = strcmp(name, value) == 0;
	else {
		regex_t re;
		char *anchored = xmalloc(strlen(value) + 5);

		sprintf(anchored, "^(%s)$", value);
		if (regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB) != 0) {
			free(anchored);
			return false;
		}
		eq = regexec(&re, name, 0, NULL, 0) == 0;
		regfree(&re);
		free(anchored);
	}
	return op[0] == '!' ? !eq : eq;
}

/* bind_matchers reads the matchers of the selector whose { is at open, writing them to out with the
 * cluster matchers decided; returns the position after its }, or open when it is not a selector
 * this reader knows (out is then unchanged). */
static size_t
bind_matchers(struct arena *a, const struct span *sp, size_t open, const char *cluster, struct buf *out)
{
	struct buf mine = { 0 };
	size_t i = open + 1, last = open;

	buf_addc(&mine, '{');
	for (;;) {
		size_t nb, ne, vb, ve, n;
		const char *op;
		char *name;

		i = skip_blank(sp, i);
		if (i < sp->e && sp->s[i] == '}')
			break;
		nb = i;
		if ((n = ident(sp, i)) == 0)
			goto unknown;
		ne = nb + n;
		i = skip_blank(sp, ne);
		op = strncmp(sp->s + i, "=~", 2) == 0  ? "=~"
		    : strncmp(sp->s + i, "!~", 2) == 0 ? "!~"
		    : strncmp(sp->s + i, "!=", 2) == 0 ? "!="
		    : sp->s[i] == '='		       ? "="
						       : NULL;
		if (op == NULL)
			goto unknown;
		vb = skip_blank(sp, i + strlen(op));
		if (vb >= sp->e || (sp->s[vb] != '"' && sp->s[vb] != '\'' && sp->s[vb] != '`'))
			goto unknown;
		ve = skip_string(sp, vb);
		if (sp->s[ve - 1] != sp->s[vb] || ve == vb + 1)
			goto unknown;
		name = arena_strndup(a, sp->s + nb, ne - nb);
		buf_add(&mine, sp->s + last + 1, nb - last - 1);
		if (strcmp(name, "cluster") == 0)
			buf_adds(&mine,
			    holds(cluster, op, unquote(a, sp->s, vb, ve)) ? "__aiops_cluster__=\"\""
									  : "__aiops_cluster__=\"none\"");
		else if (strcmp(name, "exported_cluster") == 0) {
			buf_adds(&mine, "cluster");
			buf_add(&mine, sp->s + ne, ve - ne);
		} else
			buf_add(&mine, sp->s + nb, ve - nb);
		last = ve - 1;
		i = skip_blank(sp, ve);
		if (i < sp->e && sp->s[i] == ',')
			i++;
		else if (i >= sp->e || sp->s[i] != '}')
			goto unknown;
	}
	buf_add(&mine, sp->s + last + 1, i + 1 - last - 1);
	buf_add(out, mine.p, mine.len);
	buf_free(&mine);
	return i + 1;
unknown:
	buf_free(&mine);
	return open;
}

const char *
promql_bind_cluster(struct arena *a, const char *expr, const char *cluster)
{
	struct span sp = { expr, 0, strlen(expr) };
	struct buf *out;
	size_t i = 0, copied = 0;

	if (strstr(expr, "cluster") == NULL)
		return expr;
	out = buf_new(a);
	while (i < sp.e) {
		char c = expr[i];

		if (c == '"' || c == '\'' || c == '`')
			i = skip_string(&sp, i);
		else if (c == '#')
			while (i < sp.e && expr[i] != '\n')
				i++;
		else if (c == '{') {
			struct buf sel = { 0 };
			size_t j = bind_matchers(a, &sp, i, cluster, &sel);

			if (j > i) {
				buf_add(out, expr + copied, i - copied);
				buf_add(out, sel.p, sel.len);
				copied = i = j;
			} else
				i++;
			buf_free(&sel);
		} else
			i++;
	}
	if (copied == 0)
		return expr;
	buf_add(out, expr + copied, sp.e - copied);
	return arena_strndup(a, out->p, out->len);
}

/* digits reads exactly n decimal digits at *p into *v and moves *p past them. */
static bool
digits(const char **p, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++, (*p)++) {
		if (!isdigit((unsigned char)**p))
			return false;
		*v = *v * 10 + (**p - '0');
	}
	return true;
}

bool
promql_time(const char *s, double *out)
{
	struct tm tm = { 0 };
	const char *p = s;
	double frac = 0;
	char *end;
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	time_t t;

	if (s == NULL || *s == '\0')
		return false;
	*out = strtod(s, &end);
	if (*end == '\0' && end != s && isfinite(*out) && !isalpha((unsigned char)s[0]) &&
	    !(s[0] == '0' && (s[1] == 'x' || s[1] == 'X')))
		return true;
	if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' || !digits(&p, 2, &d) ||
	    (*p != 'T' && *p != 't') || (p++, !digits(&p, 2, &h)) || *p++ != ':' || !digits(&p, 2, &mi) ||
	    *p++ != ':' || !digits(&p, 2, &sec))
		return false;
	if (*p == '.') {
		double scale = 0.1;

		if (!isdigit((unsigned char)p[1]))
			return false;
		for (p++; isdigit((unsigned char)*p); p++, scale /= 10)
			frac += (*p - '0') * scale;
	}
	if (*p == 'Z' || *p == 'z')
		p++;
	else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if (!digits(&p, 2, &oh) || *p++ != ':' || !digits(&p, 2, &om))
			return false;
	} else
		return false;
	if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 || oh > 23 ||
	    om > 59)
		return false;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	*out = (double)t + frac - sign * (oh * 3600 + om * 60);
	return true;
}

bool
promql_duration(const char *s, double *out)
{
	static const struct {
		const char *unit;
		double seconds;
	} units[] = { { "ms", 0.001 }, { "y", 365 * 86400.0 }, { "w", 7 * 86400.0 }, { "d", 86400 },
		{ "h", 3600 }, { "m", 60 }, { "s", 1 } };
	const char *p = s;
	char *end;
	double total = 0;

	if (s == NULL || *s == '\0')
		return false;
	*out = strtod(s, &end);
	if (*end == '\0' && end != s && isfinite(*out) && !isalpha((unsigned char)s[0]))
		return *out > 0;
	while (*p != '\0') {
		double n = 0;
		size_t u;

		if (!isdigit((unsigned char)*p))
			return false;
		for (; isdigit((unsigned char)*p); p++)
			if ((n = n * 10 + (*p - '0')) > 1e12)
				return false;
		for (u = 0; u < sizeof(units) / sizeof(units[0]); u++)
			if (strncmp(p, units[u].unit, strlen(units[u].unit)) == 0)
				break;
		if (u == sizeof(units) / sizeof(units[0]))
			return false;
		p += strlen(units[u].unit);
		total += n * units[u].seconds;
	}
	*out = total;
	return total > 0;
}
