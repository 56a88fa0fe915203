/* fake_util.c: helpers of fake-kube: names, logging one line a request, answering, JSON out,
 * base64url and raw query strings. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>

#include "arena.h"
#include "fake_kube.h"
#include "log.h"

char *
dup_n(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

bool
name_valid(const char *s, size_t n)
{
	if (n == 0 || n > NAME_MAX_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

bool
visible_ascii(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s < 0x21 || *s > 0x7e)
			return false;
	return true;
}

/* ms_since returns the milliseconds from start to now. */
static long
ms_since(const struct timeval *start)
{
	struct timeval now;

	gettimeofday(&now, NULL);
	return (now.tv_sec - start->tv_sec) * 1000L + (now.tv_usec - start->tv_usec) / 1000L;
}

static const char *
method_name(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_HEAD: return "HEAD";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_OPTIONS: return "OPTIONS";
	case EVHTTP_REQ_TRACE: return "TRACE";
	case EVHTTP_REQ_CONNECT: return "CONNECT";
	case EVHTTP_REQ_PATCH: return "PATCH";
	}
	return "?";
}

void
log_request(struct evhttp_request *req, const struct timeval *start, const char *cluster, int status,
    const char *outcome)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	char st[16], ms[32], port[8] = "";
	char *peer = NULL;
	ev_uint16_t pport = 0;

	if (!log_enabled(LOG_INFO))
		return;
	if (evcon != NULL) {
		evhttp_connection_get_peer(evcon, &peer, &pport);
		snprintf(port, sizeof(port), "%u", (unsigned)pport);
	}
	snprintf(st, sizeof(st), "%d", status);
	snprintf(ms, sizeof(ms), "%ld", ms_since(start));
	log_kv(LOG_INFO, NULL, "request", "method", method_name(evhttp_request_get_command(req)), "uri",
	    evhttp_request_get_uri(req), "cluster", cluster, "#status", status > 0 ? st : NULL, "outcome",
	    outcome, "#ms", ms, "peer", peer, "#peer_port", port, NULL);
}

void
respond(struct evhttp_request *req, const struct timeval *start, const char *cluster, int code,
    const char *ctype, struct evbuffer *body)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	/* Always explicit: evhttp would otherwise label a body text/html; charset=ISO-8859-1. */
	evhttp_add_header(h, "Content-Type", ctype != NULL ? ctype : "text/plain; charset=utf-8");
	evhttp_add_header(h, "Cache-Control", "no-cache, private");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	log_request(req, start, cluster, code, NULL);
	evhttp_send_reply(req, code, NULL, body);
}

static int
dump_to_evbuffer(const char *s, size_t n, void *arg)
{
	return evbuffer_add(arg, s, n);
}

void
json_out(struct evbuffer *b, json_t *j, size_t flags, bool newline)
{
	if (json_dump_callback(j, dump_to_evbuffer, b, flags != 0 ? flags : JSON_COMPACT) != 0)
		die_oom();
	if (newline)
		evbuffer_add(b, "\n", 1);
	json_decref(j);
}

char *
base64url_encode(const unsigned char *s, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char *out = xmalloc(n / 3 * 4 + 5), *p = out;
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		*p++ = tab[s[i] >> 2];
		*p++ = tab[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
		*p++ = tab[((s[i + 1] & 15) << 2) | (s[i + 2] >> 6)];
		*p++ = tab[s[i + 2] & 63];
	}
	if (n - i == 1) {
		*p++ = tab[s[i] >> 2];
		*p++ = tab[(s[i] & 3) << 4];
	} else if (n - i == 2) {
		*p++ = tab[s[i] >> 2];
		*p++ = tab[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
		*p++ = tab[(s[i + 1] & 15) << 2];
	}
	*p = '\0';
	return out;
}

unsigned char *
base64url_decode(const char *s, size_t *n)
{
	size_t len = strlen(s);
	unsigned char *out = xmalloc(len / 4 * 3 + 3);
	unsigned bits = 0;
	int nbits = 0;

	*n = 0;
	while (len > 0 && s[len - 1] == '=')
		len--;
	for (size_t i = 0; i < len; i++) {
		const char c = s[i];
		int v;

		if (c >= 'A' && c <= 'Z')
			v = c - 'A';
		else if (c >= 'a' && c <= 'z')
			v = c - 'a' + 26;
		else if (c >= '0' && c <= '9')
			v = c - '0' + 52;
		else if (c == '-' || c == '+')
			v = 62;
		else if (c == '_' || c == '/')
			v = 63;
		else {
			free(out);
			return NULL;
		}
		bits = (bits << 6) | (unsigned)v;
		nbits += 6;
		if (nbits >= 8) {
			nbits -= 8;
			out[(*n)++] = (unsigned char)(bits >> nbits);
			bits &= (1u << nbits) - 1;
		}
	}
	return out;
}

bool
query_next(const char **pos, char **key, char **val)
{
	const char *p = *pos, *amp, *eq;
	char *raw;
	size_t n;

	while (*p == '&')
		p++;
	if (*p == '\0')
		return false;
	amp = strchr(p, '&');
	n = amp != NULL ? (size_t)(amp - p) : strlen(p);
	eq = memchr(p, '=', n);
	raw = dup_n(p, eq != NULL ? (size_t)(eq - p) : n);
	*key = evhttp_uridecode(raw, 1, NULL);
	free(raw);
	raw = eq != NULL ? dup_n(eq + 1, n - (size_t)(eq + 1 - p)) : dup_n("", 0);
	*val = evhttp_uridecode(raw, 1, NULL);
	free(raw);
	if (*key == NULL || *val == NULL)
		die_oom();
	*pos = p + n;
	return true;
}

char *
query_get(const char *query, const char *name)
{
	char *k, *v, *found = NULL;

	while (found == NULL && query_next(&query, &k, &v)) {
		if (strcmp(k, name) == 0)
			found = v;
		else
			free(v);
		free(k);
	}
	return found;
}
