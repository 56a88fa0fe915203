/* head.c: the request head parser: request line, the headers we act on, query pairs. */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "head.h"
#include "url.h"

/* The headers kept; each may appear once (two identity headers would leave the question of which
 * one nginx vouched for). */
static const struct {
	const char *name;
	size_t off;
} head_fields[] = {
	{ "x-aiops-user-id", offsetof(struct head, user_id) },
	{ "x-request-id", offsetof(struct head, request_id) },
	{ "last-event-id", offsetof(struct head, last_event_id) },
	{ "host", offsetof(struct head, host) },
	{ "origin", offsetof(struct head, origin) },
	{ "upgrade", offsetof(struct head, upgrade) },
	{ "connection", offsetof(struct head, connection) },
	{ "sec-websocket-key", offsetof(struct head, ws_key) },
	{ "sec-websocket-version", offsetof(struct head, ws_version) },
};

/* is_tchar: a character of a token (RFC 9110 §5.6.2): method and header names. */
static bool
is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* next_line cuts the line starting at *p (ending with CRLF, or a bare LF) and returns it; NULL
 * when a CR stands alone or no line end is left. */
static char *
next_line(char **p, char *end)
{
	char *s = *p, *nl = memchr(s, '\n', (size_t)(end - s));

	if (nl == NULL)
		return NULL;
	*p = nl + 1;
	if (nl > s && nl[-1] == '\r')
		nl--;
	*nl = '\0';
	if (memchr(s, '\r', (size_t)(nl - s)) != NULL)
		return NULL;
	return s;
}

/* parse_request_line splits "METHOD /path?query HTTP/1.x"; origin-form targets only. */
static int
parse_request_line(char *line, struct head *r)
{
	char *sp1 = strchr(line, ' '), *sp2, *target;

	if (sp1 == NULL || sp1 == line)
		return 400;
	*sp1 = '\0';
	target = sp1 + 1;
	if ((sp2 = strchr(target, ' ')) == NULL)
		return 400;
	*sp2 = '\0';
	for (const char *m = line; *m; m++)
		if (!is_tchar((unsigned char)*m))
			return 400;
	if (strncmp(sp2 + 1, "HTTP/", 5) != 0)
		return 400;
	if (strcmp(sp2 + 1, "HTTP/1.1") != 0 && strcmp(sp2 + 1, "HTTP/1.0") != 0)
		return 505;
	if (target[0] != '/')
		return 400;
	for (const unsigned char *t = (const unsigned char *)target; *t; t++)
		if (*t <= 0x20 || *t == 0x7f)
			return 400;
	r->method = line;
	r->path = target;
	if ((r->query = strchr(target, '?')) != NULL)
		*r->query++ = '\0';
	return 0;
}

/* parse_header keeps the value of a header struct head has a field for; others are skipped. */
static int
parse_header(char *line, struct head *r)
{
	char *colon = strchr(line, ':'), *v, *e;

	if (colon == NULL || colon == line)
		return 400;
	for (char *k = line; k < colon; k++)
		if (!is_tchar((unsigned char)*k))
			return 400; /* also refuses obsolete line folding and "Name :" */
	*colon = '\0';
	v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	e = v + strlen(v);
	while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*e = '\0';
	for (const unsigned char *c = (const unsigned char *)v; *c; c++)
		if ((*c < 0x20 && *c != '\t') || *c == 0x7f)
			return 400;
	for (size_t i = 0; i < sizeof(head_fields) / sizeof(head_fields[0]); i++) {
		const char **slot = (const char **)(void *)((char *)r + head_fields[i].off);

		if (strcasecmp(line, head_fields[i].name) != 0)
			continue;
		if (*slot != NULL)
			return 400;
		*slot = v;
		break;
	}
	return 0;
}

size_t
head_length(const char *s, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		if (s[i] != '\n')
			continue;
		if (s[i + 1] == '\n')
			return i + 2;
		if (i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

int
head_parse(char *s, size_t n, struct head *r)
{
	char *p = s, *end = s + n, *line;
	int st;

	memset(r, 0, sizeof(*r));
	s[n] = '\0';
	if (memchr(s, '\0', n) != NULL)
		return 400;
	/* A client may send empty lines before the request line (RFC 9112 §2.2). */
	do {
		if ((line = next_line(&p, end)) == NULL)
			return 400;
	} while (*line == '\0');
	if ((st = parse_request_line(line, r)) != 0)
		return st;
	for (;;) {
		if ((line = next_line(&p, end)) == NULL)
			return 400;
		if (*line == '\0')
			break;
		if ((st = parse_header(line, r)) != 0)
			return st;
	}
	return 0;
}

int
head_query_next(char **q, char **key, char **value)
{
	char *s = *q, *amp, *eq;

	while (s != NULL && *s == '&')
		s++;
	if (s == NULL || *s == '\0') {
		*q = s;
		return 0;
	}
	if ((amp = strchr(s, '&')) != NULL) {
		*amp = '\0';
		*q = amp + 1;
	} else {
		*q = s + strlen(s);
	}
	*key = s;
	if ((eq = strchr(s, '=')) != NULL) {
		*eq = '\0';
		*value = eq + 1;
	} else {
		*value = s + strlen(s);
	}
	if (url_decode_inplace(*key, 1) != 0 || url_decode_inplace(*value, 1) != 0)
		return -1;
	return 1;
}

int
head_token_has(const char *v, const char *t)
{
	size_t tl = strlen(t);

	while (v != NULL && *v != '\0') {
		const char *e;
		size_t n;

		while (*v == ' ' || *v == '\t' || *v == ',')
			v++;
		e = v + strcspn(v, ",");
		n = (size_t)(e - v);
		while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
			n--;
		if (n == tl && strncasecmp(v, t, tl) == 0)
			return 1;
		v = e;
	}
	return 0;
}
