/* req.c: request fields, response building, error rendering and the one header function. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/uio.h>
#include <time.h>

#include <fastcgi.h>
#include <fcgiapp.h>

#include "arena.h"
#include "cache.h"
#include "cfg.h"
#include "db.h"
#include "json.h"
#include "jw.h"
#include "rds.h"
#include "log.h"
#include "req.h"
#include "route.h"
#include "status.h"
#include "tpl.h"
#include "url.h"

const char *
req_param(const struct req *r, const char *name)
{
	return FCGX_GetParam(name, r->env);
}

/* request_id_ok accepts the ids nginx makes ($request_id: 32 hex digits) and similar tokens, so a
 * forged id cannot smuggle bytes into headers or logs. */
static int
request_id_ok(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'z') ||
			(s[n] >= 'A' && s[n] <= 'Z') || s[n] == '-' || s[n] == '_'))
			return 0;
	return n >= 8 && n <= 64;
}

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
req_begin(struct req *r, char **env)
{
	const char *rid;

	r->env = env;
	r->t0 = now_seconds();
	r->method = req_param(r, "REQUEST_METHOD");
	if (r->method == NULL)
		r->method = "GET";
	/* DOCUMENT_URI is nginx's normalised, decoded path without the query. */
	r->path = req_param(r, "DOCUMENT_URI");
	if (r->path == NULL || r->path[0] != '/')
		r->path = req_param(r, "SCRIPT_NAME");
	if (r->path == NULL || r->path[0] != '/')
		r->path = "/";
	r->query_string = req_param(r, "QUERY_STRING");
	r->remote_addr = req_param(r, "REMOTE_ADDR");
	rid = req_param(r, "REQUEST_ID");
	if (rid == NULL || !request_id_ok(rid)) {
		unsigned char raw[16];
		char *hex = arena_alloc(r->a, 33);

		if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
			memset(raw, 0, sizeof(raw));
		for (int i = 0; i < 16; i++)
			snprintf(hex + 2 * i, 3, "%02x", raw[i]);
		rid = hex;
	}
	r->request_id = rid;
	r->status = 200;
}

void
req_header_out(struct req *r, const char *name, const char *value)
{
	kv_add(r->a, &r->headers, arena_strdup(r->a, name), arena_strdup(r->a, value));
}

bool
req_changes_state(const struct req *r)
{
	return strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0;
}

bool
req_wants_json(const struct req *r)
{
	if (r->route != NULL)
		return (r->route->flags & RF_JSON) != 0;
	return strncmp(r->path, "/api/", 5) == 0 || strncmp(r->path, "/prometheus/", 12) == 0;
}

int
req_fail(struct req *r, int status, const char *msg)
{
	r->status = status;
	r->error = arena_strdup(r->a, msg);
	return status;
}

const char *
req_take_failure(struct req *r)
{
	struct buf *b = buf_new(r->a);
	const char *k;
	json_t *v;

	/* With fields, the fields say it all; the message is then only their summary. */
	if (r->error != NULL && r->error_fields == NULL)
		buf_adds(b, r->error);
	json_object_foreach (r->error_fields, k, v)
		buf_printf(b, "%s%s: %s", b->len > 0 ? "; " : "", k, json_string_value(v));
	r->error = NULL;
	r->error_fields = NULL;
	r->status = 200;
	return b->len > 0 ? buf_cstr(b) : NULL;
}

int
req_fail_field(struct req *r, const char *field, const char *reason)
{
	if (r->error_fields == NULL)
		r->error_fields = json_own(r->a, json_object());
	json_object_set_new(r->error_fields, field, json_string(reason));
	if (r->error == NULL)
		r->error = "the request has invalid fields";
	r->status = 422;
	return 422;
}

int
req_fail_fields(struct req *r, json_t *errors)
{
	const char *k;
	json_t *v;

	json_object_foreach (errors, k, v)
		req_fail_field(r, k, json_string_value(v));
	return 422;
}

const char *
req_form_field(void *ctx, const char *name)
{
	return kv_get(&((struct req *)ctx)->form, name);
}

int
req_fail_err(struct req *r, enum err e, const char *what)
{
	switch (e) {
	case ERR_OK: return r->status;
	case ERR_INPUT: return req_fail(r, 400, what);
	case ERR_NOTFOUND: return req_fail(r, 404, what);
	case ERR_CONFLICT: return req_fail(r, 409, what);
	case ERR_TOOBIG: return req_fail(r, 413, what);
	case ERR_DB:
		log_error(r->request_id, "%s: database unavailable: %s", what, db_error(r->w->db));
		return req_fail(r, 503, "the database is not reachable; try again shortly");
	case ERR_REDIS:
		log_error(r->request_id, "%s: redis unavailable: %s", what, rds_error(r->w->rds));
		return req_fail(r, 503, "the cache server is not reachable; try again shortly");
	case ERR_UPSTREAM: return req_fail(r, 502, what);
	default:
		log_error(r->request_id, "%s: %s", what, err_name(e));
		return req_fail(r, 500, "internal error");
	}
}

void
req_jw_begin(struct req *r, struct jw *w)
{
	r->body.len = 0;
	jw_init(w, &r->body);
}

int
req_jw_done(struct req *r, int status)
{
	buf_addc(&r->body, '\n');
	r->status = status;
	r->ctype = "application/json";
	r->body_set = true;
	return status;
}

/* BODY_MARK stands where layout.cs prints Page.Body; no escaped rendering can contain it. */
#define BODY_MARK \
	"\x01" \
	"aiops-page-body" \
	"\x01"
#define RID_MARK \
	"\x01" \
	"aiops-request-id" \
	"\x01"

static const char *
or_empty(const char *s)
{
	return s != NULL ? s : "";
}

#define FLASH_COOKIE "aiops_flash"
#define FLASH_MAX 300

void
req_flash(struct req *r, const char *msg)
{
	req_header_out(r, "Set-Cookie",
	    arena_printf(r->a, FLASH_COOKIE "=%s; Path=/; Max-Age=60; HttpOnly; SameSite=Lax%s",
		url_encode(r->a, msg), cfg_int("session.secure_cookie") != 0 ? "; Secure" : ""));
}

/* take_flash shows the message req_flash kept, once: it becomes Page.Flash (unless the page set
 * one itself) and the cookie is cleared. A cookie that is not ours to read is ignored. */
static void
take_flash(struct req *r)
{
	const char *v = kv_get(&r->cookies, FLASH_COOKIE);
	char *msg;

	if (v == NULL)
		return;
	req_header_out(r, "Set-Cookie",
	    arena_printf(r->a, FLASH_COOKIE "=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax%s",
		cfg_int("session.secure_cookie") != 0 ? "; Secure" : ""));
	if (strlen(v) > FLASH_MAX * 3 || (msg = url_decode(r->a, v, strlen(v), 0)) == NULL ||
	    tpl_get(r->w->tpl, "Page.Flash") != NULL)
		return;
	tpl_set(r->w->tpl, "Page.Flash", msg);
}

int
req_page_body(struct req *r, int status, const char *body, size_t len, const char *title)
{
	struct tpl *t = r->w->tpl;
	const char *p = r->path;
	const char *nav = strncmp(p, "/clusters", 9) == 0 ? "clusters"
	    : strncmp(p, "/alerts", 7) == 0		  ? "alerts"
	    : strcmp(p, "/") == 0			  ? "home"
	    : strncmp(p, "/admin/users", 12) == 0	  ? "users"
	    : strncmp(p, "/admin/audit", 12) == 0	  ? "audit"
	    : strncmp(p, "/settings", 9) == 0		  ? "settings"
	    : strncmp(p, "/metrics/", 9) == 0		  ? "metrics"
							  : "";
	struct cache_hit shell;
	const char *key;
	enum err e;

	r->page_body = body;
	r->page_body_len = len;
	r->page_title = title;
	take_flash(r);
	tpl_set(t, "Page.Title", title);
	tpl_set(t, "Page.Nav", nav);
	tpl_set(t, "Page.Status", arena_printf(r->a, "%d", status));
	/* The shell is rendered with markers where the body and the request id go, and kept per
	 * worker for the same title, navigation, message and viewer; a request then costs a copy. */
	if (r->route != NULL && (r->route->flags & RF_LIVE) && r->status < 400 && cfg_int("server.live") != 0)
		tpl_set(t, "Page.Live", "1");
	key = arena_printf(r->a, "shell\x1f%s\x1f%s\x1f%s\x1f%d\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s",
	    or_empty(tpl_get(t, "Page.Live")), title, nav, status, or_empty(tpl_get(t, "Page.Flash")),
	    or_empty(tpl_get(t, "Session.user")), or_empty(tpl_get(t, "Session.role")),
	    or_empty(tpl_get(t, "Session.csrf")), or_empty(tpl_get(t, "Session.via")));
	if (!cache_get(r->w->shells, key, "shell", NULL, 0, &shell)) {
		struct buf *out = buf_new(r->a);

		tpl_set(t, "Page.Body", BODY_MARK);
		tpl_set(t, "Page.RequestId", RID_MARK);
		if ((e = tpl_render(t, "layout", out)) != ERR_OK)
			return req_fail_err(r, e, "render layout");
		if (strstr(buf_cstr(out), BODY_MARK) == NULL)
			return req_fail_err(r, ERR_TEMPLATE, "layout has no Page.Body");
		cache_put(r->w->shells, key, "shell", NULL, 0, out->p, out->len, NULL, &shell);
	}
	/* Put the body and the request id where the markers stand. */
	r->body.len = 0;
	for (const char *q = shell.body, *end = shell.body + shell.len; q < end;) {
		const char *m = memchr(q, '\x01', (size_t)(end - q));

		if (m == NULL) {
			buf_add(&r->body, q, (size_t)(end - q));
			break;
		}
		buf_add(&r->body, q, (size_t)(m - q));
		if ((size_t)(end - m) >= sizeof(BODY_MARK) - 1 &&
		    memcmp(m, BODY_MARK, sizeof(BODY_MARK) - 1) == 0) {
			buf_add(&r->body, body, len);
			q = m + sizeof(BODY_MARK) - 1;
		} else if ((size_t)(end - m) >= sizeof(RID_MARK) - 1 &&
		    memcmp(m, RID_MARK, sizeof(RID_MARK) - 1) == 0) {
			buf_adds(&r->body, r->request_id);
			q = m + sizeof(RID_MARK) - 1;
		} else {
			buf_addc(&r->body, *m);
			q = m + 1;
		}
	}
	r->status = status;
	r->ctype = "text/html; charset=utf-8";
	r->body_set = true;
	return status;
}

int
req_page(struct req *r, int status, const char *name, const char *title)
{
	struct buf *frag = buf_new(r->a);
	enum err e;
	int st;

	tpl_set(r->w->tpl, "Page.RequestId", r->request_id);
	if ((e = tpl_render(r->w->tpl, name, frag)) != ERR_OK)
		return req_fail_err(r, e, arena_printf(r->a, "render %s", name));
	st = req_page_body(r, status, buf_cstr(frag), frag->len, title);
	return st;
}

int
req_redirect(struct req *r, const char *path)
{
	req_header_out(r, "Location", path);
	r->status = 303;
	r->body_set = true;
	return 303;
}

int
req_etag(struct req *r, const char *etag)
{
	const char *inm = req_param(r, "HTTP_IF_NONE_MATCH");

	req_header_out(r, "ETag", etag);
	if (inm != NULL && (strstr(inm, etag) != NULL || strcmp(inm, "*") == 0)) {
		r->status = 304;
		r->body_set = true;
		r->body.len = 0;
		return 304;
	}
	return 0;
}

/* security_headers is the one place that sets them, for every response. */
static void
security_headers(struct req *r, struct buf *h)
{
	const char *https = req_param(r, "HTTPS");

	buf_adds(h,
	    "Content-Security-Policy: default-src 'self'; script-src 'self'; style-src 'self'; "
	    "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; "
	    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "X-Frame-Options: DENY\r\n"
	    "Referrer-Policy: same-origin\r\n");
	if (https != NULL && strcmp(https, "on") == 0)
		buf_adds(h, "Strict-Transport-Security: max-age=31536000; includeSubDomains\r\n");
}

/* writev_all writes every byte of iov[0..n) to fd, through short writes and signals; 0 or -1. */
static int
writev_all(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t k = writev(fd, iov, n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		while (n > 0 && (size_t)k >= iov->iov_len) {
			k -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + k;
			iov->iov_len -= (size_t)k;
		}
	}
	return 0;
}

/* A record carries at most FCGI_MAX_LENGTH bytes; a multiple of 8 keeps the next one aligned. */
#define STDOUT_RECORD (FCGI_MAX_LENGTH & ~7)
/* Records per writev: a 100-row page takes 3 (the head and two of the body). */
#define STDOUT_BATCH 8

/* write_stdout sends the head and then the body (blen 0: none) as FCGI_STDOUT records of up to
 * 64 kB, gathered into one writev. libfcgi's stream cuts output into 8 kB records, each its own
 * write() and wake-up of nginx, and the worker was preempted after most of them: 13 for a
 * 100-row page, half the context switches of the request. The socket comes from a field that
 * fcgiapp.h asks callers to leave alone (ipcFd); it is the one this libfcgi writes to itself,
 * and nothing else writes this response, so no byte of the stream is waiting in libfcgi's buffer:
 * FCGX_Finish_r then ends the stream and the request as usual. A request without a socket of its
 * own goes through the stream. Returns 0, or -1 when the socket fails. */
static int
write_stdout(FCGX_Request *fc, const char *head, size_t hlen, const char *body, size_t blen)
{
	struct iovec iov[2 * STDOUT_BATCH];
	unsigned char hdr[STDOUT_BATCH][FCGI_HEADER_LEN];
	const char *part[2] = { head, body };
	size_t plen[2] = { hlen, blen };
	int n = 0, nh = 0;

	if (fc->ipcFd < 0)
		return FCGX_PutStr(head, (int)hlen, fc->out) < 0 ||
			(blen > 0 && FCGX_PutStr(body, (int)blen, fc->out) < 0)
		    ? -1
		    : 0;
	for (int k = 0; k < 2; k++)
		for (size_t off = 0; off < plen[k];) {
			size_t len = plen[k] - off < STDOUT_RECORD ? plen[k] - off : STDOUT_RECORD;
			unsigned char *rh;

			if (nh == STDOUT_BATCH) {
				if (writev_all(fc->ipcFd, iov, n) < 0)
					return -1;
				n = nh = 0;
			}
			rh = hdr[nh++];
			rh[0] = FCGI_VERSION_1;
			rh[1] = FCGI_STDOUT;
			rh[2] = (unsigned char)(fc->requestId >> 8);
			rh[3] = (unsigned char)fc->requestId;
			rh[4] = (unsigned char)(len >> 8);
			rh[5] = (unsigned char)len;
			rh[6] = 0; /* no padding */
			rh[7] = 0;
			iov[n].iov_base = rh;
			iov[n++].iov_len = FCGI_HEADER_LEN;
			iov[n].iov_base = (void *)(part[k] + off);
			iov[n++].iov_len = len;
			off += len;
		}
	return n > 0 ? writev_all(fc->ipcFd, iov, n) : 0;
}

int
req_finish(struct req *r)
{
	FCGX_Request *fc = r->fcgx;
	struct buf h = { 0 };
	int head = strcmp(r->method, "HEAD") == 0;
	int rc = 0;

	buf_printf(&h, "Status: %d %s\r\n", r->status, status_text(r->status));
	if (r->status != 304 && r->status != 204 && r->status != 303) {
		buf_printf(
		    &h, "Content-Type: %s\r\n", r->ctype != NULL ? r->ctype : "text/plain; charset=utf-8");
		buf_printf(&h, "Content-Length: %zu\r\n", r->body.len);
	} else if (r->status == 303)
		buf_adds(&h, "Content-Length: 0\r\n");
	buf_printf(&h, "X-Request-ID: %s\r\n", r->request_id);
	if (kv_get(&r->headers, "Cache-Control") == NULL)
		buf_adds(&h, "Cache-Control: no-cache\r\n");
	security_headers(r, &h);
	for (size_t i = 0; i < r->headers.n; i++) {
		/* Header values are ours or validated, but a CR or LF must never split a header. */
		if (strpbrk(r->headers.items[i].v, "\r\n") != NULL)
			continue;
		buf_printf(&h, "%s: %s\r\n", r->headers.items[i].k, r->headers.items[i].v);
	}
	buf_adds(&h, "\r\n");
	rc = write_stdout(fc, h.p, h.len, r->body.p, !head && r->status != 304 ? r->body.len : 0);
	buf_free(&h);
	return rc;
}

int
req_read_body(struct req *r, size_t n, char **out, size_t *outlen)
{
	FCGX_Request *fc = r->fcgx;
	char *body = arena_alloc(r->a, n + 1);
	size_t got = 0;

	while (got < n) {
		int k = FCGX_GetStr(body + got, (int)(n - got), fc->in);

		if (k <= 0)
			break;
		got += (size_t)k;
	}
	body[got] = '\0';
	if (got != n)
		return req_fail(r, 400, "the body ended before its announced length");
	*out = body;
	*outlen = n;
	return 0;
}
