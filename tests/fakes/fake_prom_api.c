/* fake_prom_api.c: the Prometheus HTTP API of fake-prom: parameters read and checked as
 * Prometheus 2.42 does (query, time, start, end, step, match[]; GET query string or POST form),
 * answers in its JSON shapes over a fixed set of series, its error bodies and statuses, and the
 * failure modes (garbage, truncated, cut) applied to the bytes sent. */
#include "config.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "arena.h"
#include "fake_prom.h"
#include "log.h"

/* One API request being answered: handlers write body and return the HTTP status. */
struct prom_call {
	struct evhttp_request *req;
	const struct prom_mode *m;
	char *form; /* the raw POST form, "&", the raw query string: the body's values come first */
	struct evbuffer *body;
	const char *ctype;
	int nseries;
};

static const struct {
	const char *type;
	int status;
} error_types[] = {
	{ "bad_data", 400 },
	{ "execution", 422 },
	{ "timeout", 503 },
	{ "canceled", 499 },
	{ "internal", 500 },
	{ "unavailable", 503 },
	{ "not_found", 404 },
	{ "not_acceptable", 406 },
};

int
prom_error_status(const char *t)
{
	for (size_t i = 0; i < sizeof(error_types) / sizeof(error_types[0]); i++)
		if (strcmp(t, error_types[i].type) == 0)
			return error_types[i].status;
	return 0;
}

unsigned
prom_seed(const char *name)
{
	uint32_t h = 2166136261u;

	for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++) {
		h ^= *p;
		h *= 16777619u;
	}
	return h % 1000u;
}

/* ---- Parameters ---- */

/* parse_float_seconds reads s whole as a finite decimal number of seconds into *ms (rounded to
 * the millisecond, as Prometheus does); false when s is not one. */
static bool
parse_float_seconds(const char *s, int64_t *ms)
{
	char *end;
	double v;

	if (*s == '\0')
		return false;
	v = strtod(s, &end);
	if (*end != '\0' || !isfinite(v) || fabs(v) > 9.2e15)
		return false;
	*ms = (int64_t)llround(v * 1000.0);
	return true;
}

/* parse_rfc3339 reads YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM) into *ms; false otherwise. */
static bool
parse_rfc3339(const char *s, int64_t *ms)
{
	struct tm tm = { 0 };
	int n = 0, frac_ms = 0, digits = 0, oh = 0, om = 0, sign = 0;
	const char *p;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
		&tm.tm_min, &tm.tm_sec, &n) != 6 ||
	    n != 19)
		return false;
	p = s + n;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 3)
				frac_ms = frac_ms * 10 + (*p - '0');
		if (digits == 0)
			return false;
		for (int d = digits; d < 3; d++)
			frac_ms *= 10;
	}
	if (*p == 'Z' || *p == 'z')
		p++;
	else if (*p == '+' || *p == '-') {
		sign = *p == '+' ? 1 : -1;
		if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n) != 2 || n != 5)
			return false;
		p += 6;
	} else
		return false;
	if (*p != '\0' || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*ms = ((int64_t)timegm(&tm) - sign * (oh * 3600 + om * 60)) * 1000 + frac_ms;
	return true;
}

/* parse_time reads a Prometheus time parameter: Unix seconds (with a fraction) or RFC 3339. */
static bool
parse_time(const char *s, int64_t *ms)
{
	return parse_float_seconds(s, ms) || parse_rfc3339(s, ms);
}

/* parse_duration reads a Prometheus duration: seconds as a number, or units in the order
 * y w d h m s ms, each at most once ("1h30m", "15s", "0"). */
static bool
parse_duration(const char *s, int64_t *ms)
{
	static const struct {
		const char *unit;
		int64_t ms;
	} units[] = { { "y", 365LL * 86400000 }, { "w", 7LL * 86400000 }, { "d", 86400000 }, { "h", 3600000 },
		{ "m", 60000 }, { "s", 1000 }, { "ms", 1 } };
	size_t next = 0;
	int64_t total = 0;

	if (parse_float_seconds(s, ms))
		return true;
	if (strcmp(s, "0") == 0) {
		*ms = 0;
		return true;
	}
	if (*s == '\0')
		return false;
	while (*s != '\0') {
		char *end;
		const long long v = strtoll(s, &end, 10);
		size_t u;

		if (end == s || *s < '0' || *s > '9' || v > 1000000000LL)
			return false;
		for (u = next; u < sizeof(units) / sizeof(units[0]); u++) {
			const size_t len = strlen(units[u].unit);

			/* "m" must not take the "m" of "ms" */
			if (strncmp(end, units[u].unit, len) == 0 && !(u == 4 && end[1] == 's'))
				break;
		}
		if (u == sizeof(units) / sizeof(units[0]))
			return false;
		total += v * units[u].ms;
		next = u + 1;
		s = end + strlen(units[u].unit);
	}
	*ms = total;
	return true;
}

/* param returns the decoded value of parameter name (the POST form's first), or NULL; caller frees. */
static char *
param(const struct prom_call *c, const char *name)
{
	return query_get(c->form, name);
}

/* ---- Writing answers ---- */

/* prom_fail writes Prometheus's error body of type t with message msg and returns its status. */
static int
prom_fail(struct prom_call *c, const char *t, const char *msg)
{
	json_out(
	    c->body, json_pack("{s:s,s:s,s:s}", "status", "error", "errorType", t, "error", msg), 0, false);
	c->ctype = "application/json";
	return prom_error_status(t);
}

/* bad_param writes the bad_data error Prometheus gives a parameter it cannot read. */
static int
bad_param(struct prom_call *c, const char *name, const char *what, const char *value, const char *kind)
{
	char msg[600];

	snprintf(msg, sizeof(msg), "invalid parameter \"%s\": %s%scannot parse \"%.400s\" to a valid %s",
	    name, what != NULL ? what : "", what != NULL ? ": " : "", value, kind);
	return prom_fail(c, "bad_data", msg);
}

/* ts_out writes a timestamp of ms milliseconds as Prometheus does: seconds, a fraction only when
 * the milliseconds are not 0 (jsonutil.MarshalTimestamp). */
static void
ts_out(struct evbuffer *b, int64_t ms)
{
	if (ms < 0) {
		evbuffer_add(b, "-", 1);
		ms = -ms;
	}
	if (ms % 1000 != 0)
		evbuffer_add_printf(b, "%lld.%03lld", (long long)(ms / 1000), (long long)(ms % 1000));
	else
		evbuffer_add_printf(b, "%lld", (long long)(ms / 1000));
}

/* nseries returns how many series this request's answers carry. */
static int
nseries(const struct prom_call *c)
{
	return c->m->huge ? PROM_HUGE_SERIES : c->nseries;
}

/* instance_out writes the instance label's value of series i, quoted: "fake-I:9100" with I
 * zero-padded to the width of the last index (so sorting by name keeps index order); under
 * /huge/ also a pad of PROM_HUGE_PAD characters. */
static void
instance_out(struct evbuffer *b, const struct prom_call *c, int i)
{
	const int n = nseries(c);
	int width = 1;

	for (int last = n - 1; last >= 10; last /= 10)
		width++;
	if (c->m->huge)
		evbuffer_add_printf(b, "\"fake-%0*d-%0*d:9100\"", width, i, PROM_HUGE_PAD, 0);
	else
		evbuffer_add_printf(b, "\"fake-%0*d:9100\"", width, i);
}

/* labels_out writes the label set of series i. */
static void
labels_out(struct evbuffer *b, const struct prom_call *c, int i)
{
	evbuffer_add_printf(b, "{\"__name__\":\"fake_metric\",\"instance\":");
	instance_out(b, c, i);
	evbuffer_add_printf(b, ",\"job\":\"fake\"}");
}

/* success_start and success_end frame a successful answer, with the warning /warn/ asks for. */
static void
success_start(struct prom_call *c)
{
	evbuffer_add_printf(c->body, "{\"status\":\"success\",\"data\":");
	c->ctype = "application/json";
}

static int
success_end(struct prom_call *c)
{
	if (c->m->warn)
		evbuffer_add_printf(
		    c->body, ",\"warnings\":[\"fake-prom: a warning from %s\"]", c->m->cluster);
	evbuffer_add(c->body, "}", 1);
	return 200;
}

/* check_query reads the query parameter: NULL after writing Prometheus's error for an empty one. */
static char *
check_query(struct prom_call *c, int *code)
{
	char *q = param(c, "query");

	if (q == NULL || *q == '\0') {
		free(q);
		*code = prom_fail(c, "bad_data",
		    "invalid parameter \"query\": 1:1: parse error: no expression found in input");
		return NULL;
	}
	return q;
}

/* api_query answers /api/v1/query: every series' value at time (default now), or the seed as a
 * scalar under /scalar/. */
static int
api_query(struct prom_call *c)
{
	const unsigned seed = prom_seed(c->m->cluster);
	char *t = param(c, "time"), *q;
	int64_t ms;
	int code = 200;

	if (t != NULL && !parse_time(t, &ms)) {
		code = bad_param(c, "time", "Invalid time value for 'time'", t, "timestamp");
		goto cleanup;
	}
	if (t == NULL) {
		struct timeval now;

		gettimeofday(&now, NULL);
		ms = (int64_t)now.tv_sec * 1000 + now.tv_usec / 1000;
	}
	if ((q = check_query(c, &code)) == NULL)
		goto cleanup;
	free(q);
	success_start(c);
	if (c->m->scalar) {
		evbuffer_add_printf(c->body, "{\"resultType\":\"scalar\",\"result\":[");
		ts_out(c->body, ms);
		evbuffer_add_printf(c->body, ",\"%u\"]}", seed);
	} else {
		evbuffer_add_printf(c->body, "{\"resultType\":\"vector\",\"result\":[");
		for (int i = 0; i < nseries(c); i++) {
			evbuffer_add_printf(c->body, "%s{\"metric\":", i > 0 ? "," : "");
			labels_out(c->body, c, i);
			evbuffer_add_printf(c->body, ",\"value\":[");
			ts_out(c->body, ms);
			evbuffer_add_printf(c->body, ",\"%u\"]}", seed + (unsigned)i);
		}
		evbuffer_add_printf(c->body, "]}");
	}
	code = success_end(c);
cleanup:
	free(t);
	return code;
}

/* api_query_range answers /api/v1/query_range: every series at start, start+step, ... <= end
 * (under /huge/ at start only); under /scalar/ one series without labels, as Prometheus answers
 * a scalar expression over a range. */
static int
api_query_range(struct prom_call *c)
{
	const unsigned seed = prom_seed(c->m->cluster);
	char *start = param(c, "start"), *end = param(c, "end"), *step = param(c, "step"), *q = NULL;
	int64_t s, e, st;
	int code;

	if (!parse_time(start != NULL ? start : "", &s))
		code = bad_param(c, "start", NULL, start != NULL ? start : "", "timestamp");
	else if (!parse_time(end != NULL ? end : "", &e))
		code = bad_param(c, "end", NULL, end != NULL ? end : "", "timestamp");
	else if (e < s)
		code = prom_fail(
		    c, "bad_data", "invalid parameter \"end\": end timestamp must not be before start time");
	else if (!parse_duration(step != NULL ? step : "", &st))
		code = bad_param(c, "step", NULL, step != NULL ? step : "", "duration");
	else if (st <= 0)
		code = prom_fail(c, "bad_data",
		    "invalid parameter \"step\": zero or negative query resolution step widths are not "
		    "accepted. Try a positive integer");
	else if ((e - s) / st > PROM_POINTS_MAX)
		code = prom_fail(c, "bad_data",
		    "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
		    "resolution (?step=XX)");
	else if ((q = check_query(c, &code)) != NULL) {
		const int n = c->m->scalar ? 1 : nseries(c);
		const int64_t last = c->m->huge ? s : e;

		success_start(c);
		evbuffer_add_printf(c->body, "{\"resultType\":\"matrix\",\"result\":[");
		for (int i = 0; i < n; i++) {
			const unsigned v = c->m->scalar ? seed : seed + (unsigned)i;

			evbuffer_add_printf(c->body, "%s{\"metric\":", i > 0 ? "," : "");
			if (c->m->scalar)
				evbuffer_add_printf(c->body, "{}");
			else
				labels_out(c->body, c, i);
			evbuffer_add_printf(c->body, ",\"values\":[");
			for (int64_t t = s; t <= last; t += st) {
				evbuffer_add_printf(c->body, "%s[", t > s ? "," : "");
				ts_out(c->body, t);
				evbuffer_add_printf(c->body, ",\"%u\"]", v);
			}
			evbuffer_add_printf(c->body, "]}");
		}
		evbuffer_add_printf(c->body, "]}");
		code = success_end(c);
	}
	free(start);
	free(end);
	free(step);
	free(q);
	return code;
}

/* check_range reads the optional start and end of labels, label values and series; false after
 * writing the error for one that is not a time. */
static bool
check_range(struct prom_call *c, int *code)
{
	static const char *const names[] = { "start", "end" };
	bool ok = true;

	for (size_t i = 0; ok && i < 2; i++) {
		char *v = param(c, names[i]), what[64];
		int64_t ms;

		if (v != NULL && !parse_time(v, &ms)) {
			snprintf(what, sizeof(what), "Invalid time value for '%s'", names[i]);
			*code = bad_param(c, names[i], what, v, "timestamp");
			ok = false;
		}
		free(v);
	}
	return ok;
}

static int
api_labels(struct prom_call *c)
{
	int code = 200;

	if (!check_range(c, &code))
		return code;
	success_start(c);
	evbuffer_add_printf(c->body, "[\"__name__\",\"instance\",\"job\"]");
	return success_end(c);
}

/* label_name_valid says whether s is a Prometheus label name, [a-zA-Z_][a-zA-Z0-9_]*. */
static bool
label_name_valid(const char *s)
{
	if (*s == '\0' || (*s >= '0' && *s <= '9'))
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
			*s == '_'))
			return false;
	return true;
}

/* api_label_values answers /api/v1/label/NAME/values; name is the raw path segment. */
static int
api_label_values(struct prom_call *c, const char *raw)
{
	char *name = evhttp_uridecode(raw, 0, NULL), msg[200];
	int code = 200;

	if (name == NULL)
		die_oom();
	if (!label_name_valid(name)) {
		snprintf(msg, sizeof(msg), "invalid label name: \"%.100s\"", name);
		code = prom_fail(c, "bad_data", msg);
	} else if (check_range(c, &code)) {
		success_start(c);
		if (strcmp(name, "__name__") == 0)
			evbuffer_add_printf(c->body, "[\"fake_metric\"]");
		else if (strcmp(name, "job") == 0)
			evbuffer_add_printf(c->body, "[\"fake\"]");
		else if (strcmp(name, "instance") == 0) {
			evbuffer_add(c->body, "[", 1);
			for (int i = 0; i < nseries(c); i++) {
				if (i > 0)
					evbuffer_add(c->body, ",", 1);
				instance_out(c->body, c, i);
			}
			evbuffer_add(c->body, "]", 1);
		} else
			evbuffer_add_printf(c->body, "[]");
		code = success_end(c);
	}
	free(name);
	return code;
}

/* api_series answers /api/v1/series: every series, whatever match[] says (it must be given). */
static int
api_series(struct prom_call *c)
{
	char *match = param(c, "match[]");
	int code = 200;

	if (match == NULL) {
		code = prom_fail(c, "bad_data", "no match[] parameter provided");
	} else if (check_range(c, &code)) {
		success_start(c);
		evbuffer_add(c->body, "[", 1);
		for (int i = 0; i < nseries(c); i++) {
			if (i > 0)
				evbuffer_add(c->body, ",", 1);
			labels_out(c->body, c, i);
		}
		evbuffer_add(c->body, "]", 1);
		code = success_end(c);
	}
	free(match);
	return code;
}

static int
api_buildinfo(struct prom_call *c)
{
	success_start(c);
	evbuffer_add_printf(c->body,
	    "{\"version\":\"2.42.0\",\"revision\":\"fake-prom\",\"branch\":\"fake\",\"buildUser\":\"fake-"
	    "prom\","
	    "\"buildDate\":\"20260101-00:00:00\",\"goVersion\":\"none\"}");
	return success_end(c);
}

/* ---- Dispatch and sending ---- */

/* route answers the API path rest, or writes Go's 404 or 405. */
static int
route(struct prom_call *c, const char *rest)
{
	static const char lv[] = "/api/v1/label/";
	const enum evhttp_cmd_type m = evhttp_request_get_command(c->req);
	struct evkeyvalq *out = evhttp_request_get_output_headers(c->req);
	const bool buildinfo = strcmp(rest, "/api/v1/status/buildinfo") == 0;
	const char *name = NULL;
	size_t n = 0;

	if (strncmp(rest, lv, strlen(lv)) == 0) {
		name = rest + strlen(lv);
		n = strcspn(name, "/");
		if (n == 0 || strcmp(name + n, "/values") != 0)
			name = NULL;
	}
	if (!buildinfo && name == NULL && strcmp(rest, "/api/v1/query") != 0 &&
	    strcmp(rest, "/api/v1/query_range") != 0 && strcmp(rest, "/api/v1/labels") != 0 &&
	    strcmp(rest, "/api/v1/series") != 0) {
		evhttp_add_header(out, "X-Content-Type-Options", "nosniff");
		evbuffer_add_printf(c->body, "404 page not found\n");
		return 404;
	}
	if (m == EVHTTP_REQ_OPTIONS)
		return 200;
	if (m != EVHTTP_REQ_GET && (buildinfo || m != EVHTTP_REQ_POST)) {
		evhttp_add_header(out, "Allow", buildinfo ? "GET, OPTIONS" : "GET, OPTIONS, POST");
		evbuffer_add_printf(c->body, "Method Not Allowed\n");
		return 405;
	}
	if (buildinfo)
		return api_buildinfo(c);
	if (name != NULL) {
		char *raw = dup_n(name, n);
		const int code = api_label_values(c, raw);

		free(raw);
		return code;
	}
	if (strcmp(rest, "/api/v1/query") == 0)
		return api_query(c);
	if (strcmp(rest, "/api/v1/query_range") == 0)
		return api_query_range(c);
	if (strcmp(rest, "/api/v1/labels") == 0)
		return api_labels(c);
	return api_series(c);
}

/* form_of returns the parameters of req as one raw string: a urlencoded POST body, "&", the
 * query string. Caller frees. */
static char *
form_of(struct evhttp_request *req)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *q = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	const char *ct = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	const size_t blen = evbuffer_get_length(in);
	const size_t qlen = q != NULL ? strlen(q) : 0;
	char *form = xmalloc(blen + qlen + 2), *p = form;

	if (evhttp_request_get_command(req) == EVHTTP_REQ_POST && ct != NULL &&
	    strncmp(ct, "application/x-www-form-urlencoded", 33) == 0 && blen > 0) {
		evbuffer_copyout(in, p, blen);
		p += blen;
		*p++ = '&';
	}
	memcpy(p, q != NULL ? q : "", qlen);
	p[qlen] = '\0';
	return form;
}

/* cut_close ends a /cut/ connection once half its body went out; arg is the connection. */
static void
cut_close(evutil_socket_t fd, short what, void *arg)
{
	evhttp_connection_free(arg);
}

/* cut_sent runs when the half body has been written: the connection is freed from a fresh turn
 * of the loop, not from inside libevent's write callback. */
static void
cut_sent(struct evhttp_connection *evcon, void *arg)
{
	struct event_base *base = evhttp_connection_get_base(evcon);

	if (event_base_once(base, -1, EV_TIMEOUT, cut_close, evcon, NULL) != 0)
		die_oom();
}

/* send_cut announces body's full length, sends its first half and closes the connection. */
static void
send_cut(struct evhttp_request *req, const struct timeval *start, const char *cluster, int code,
    const char *ctype, struct evbuffer *body)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	const size_t len = evbuffer_get_length(body);
	struct evbuffer *half = evbuffer_new();
	char n[32];

	if (half == NULL)
		die_oom();
	evbuffer_remove_buffer(body, half, len / 2);
	snprintf(n, sizeof(n), "%zu", len);
	evhttp_add_header(h, "Content-Type", ctype != NULL ? ctype : "text/plain; charset=utf-8");
	evhttp_add_header(h, "Content-Length", n);
	evhttp_add_header(h, "Connection", "close");
	log_request(req, start, cluster, code, "cut");
	evhttp_send_reply_start(req, code, NULL);
	evhttp_send_reply_chunk_with_cb(req, half, cut_sent, NULL);
	evbuffer_free(half);
}

void
prom_answer(struct evhttp_request *req, const struct timeval *start, const struct prom_mode *m,
    const char *rest, int nseries_)
{
	struct prom_call c = { req, m, NULL, evbuffer_new(), NULL, nseries_ };
	int code;

	if (c.body == NULL)
		die_oom();
	if (m->status != 0) {
		evbuffer_add_printf(
		    c.body, "fake-prom: status %d, as /status/%d/ asks\n", m->status, m->status);
		code = m->status;
	} else if (m->error_type[0] != '\0') {
		char msg[300];

		snprintf(msg, sizeof(msg), "fake-prom: an error of type %s from %s, as /prom-error/%s/ asks",
		    m->error_type, m->cluster, m->error_type);
		code = prom_fail(&c, m->error_type, msg);
	} else if (m->garbage) {
		static const unsigned char junk[] = { '<', 'h', 't', 'm', 'l', '>', 0xff, 0xfe, 0, '{', '"',
			'\x01' };

		evbuffer_add(c.body, junk, sizeof(junk));
		evbuffer_add_printf(c.body, " this is not JSON: fake-prom /garbage/ for %s }]", m->cluster);
		c.ctype = "application/json";
		code = 200;
	} else {
		c.form = form_of(req);
		code = route(&c, rest);
	}
	if (m->truncated) {
		struct evbuffer *half = evbuffer_new();

		if (half == NULL)
			die_oom();
		evbuffer_remove_buffer(c.body, half, evbuffer_get_length(c.body) / 2);
		respond(req, start, m->cluster, code, c.ctype, half);
		evbuffer_free(half);
	} else if (m->cut)
		send_cut(req, start, m->cluster, code, c.ctype, c.body);
	else
		respond(req, start, m->cluster, code, c.ctype, c.body);
	free(c.form);
	evbuffer_free(c.body);
}
