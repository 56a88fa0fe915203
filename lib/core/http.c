/* http.c: the only file that speaks libcurl; the policy is described in http.h. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "arena.h"
#include "http.h"
#include "log.h"

/* addr_refused says why a connection to sa must not be made (NULL: it may): link-local addresses
 * (169.254.0.0/16, fe80::/10) hold the cloud metadata services, and 100.100.100.200 and
 * fd00:ec2::254 are metadata addresses outside that range. */
static const char *
addr_refused(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		uint32_t a = ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr);

		if ((a & 0xFFFF0000u) == 0xA9FE0000u)
			return "a link-local address (cloud metadata lives there)";
		if (a == 0x646464C8u)
			return "a cloud metadata address";
		if ((a & 0xFF000000u) == 0)
			return "an address in 0.0.0.0/8";
		return NULL;
	}
	if (sa->sa_family == AF_INET6) {
		const unsigned char *b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		static const unsigned char ec2[16] = { 0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
			0x02, 0x54 };
		static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

		if (b[0] == 0xfe && (b[1] & 0xC0) == 0x80)
			return "a link-local address (cloud metadata lives there)";
		if (memcmp(b, ec2, 16) == 0)
			return "a cloud metadata address";
		if (memcmp(b, mapped, 12) == 0) {
			struct sockaddr_in v4 = { 0 };

			v4.sin_family = AF_INET;
			memcpy(&v4.sin_addr, b + 12, 4);
			return addr_refused((const struct sockaddr *)&v4);
		}
		return NULL;
	}
	return "not an IP address";
}

enum http_url_defect
http_url_check(const char *url, char **host_out)
{
	enum http_url_defect d = HTTP_URL_OK;
	char *scheme = NULL, *host = NULL, *user = NULL, *port = NULL;
	CURLU *u = curl_url();

	if (u == NULL)
		die_oom();
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK)
		d = HTTP_URL_MALFORMED;
	else if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)
		d = HTTP_URL_SCHEME;
	else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || host[0] == '\0')
		d = HTTP_URL_NO_HOST;
	else if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK)
		d = HTTP_URL_USERINFO;
	else if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK && atoi(port) == 0)
		d = HTTP_URL_PORT;
	if (d == HTTP_URL_OK && host_out != NULL) {
		size_t n = strlen(host);

		if (host[0] == '[' && n > 2 && host[n - 1] == ']')
			host[n - 1] = '\0';
		*host_out = xstrdup(host[0] == '[' && n > 2 ? host + 1 : host);
	}
	curl_free(port);
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_url_cleanup(u);
	return d;
}

const char *
http_url_refused(const char *url)
{
	static const char *const defects[] = {
		[HTTP_URL_MALFORMED] = "not a URL",
		[HTTP_URL_SCHEME] = "only http and https are fetched",
		[HTTP_URL_NO_HOST] = "the URL has no host",
		[HTTP_URL_USERINFO] = "credentials do not belong in the URL",
		[HTTP_URL_PORT] = "the port must be 1 to 65535",
	};
	struct sockaddr_in v4 = { 0 };
	struct sockaddr_in6 v6 = { 0 };
	const char *why = NULL;
	char *h = NULL;
	enum http_url_defect d = http_url_check(url, &h);

	if (d != HTTP_URL_OK)
		return defects[d];
	/* A literal address is judged now; a name when it resolves (opensocket below). */
	if (inet_pton(AF_INET, h, &v4.sin_addr) == 1) {
		v4.sin_family = AF_INET;
		why = addr_refused((struct sockaddr *)&v4);
	} else if (inet_pton(AF_INET6, h, &v6.sin6_addr) == 1) {
		v6.sin6_family = AF_INET6;
		why = addr_refused((struct sockaddr *)&v6);
	} else if (strcasecmp(h, "metadata.google.internal") == 0 || strcasecmp(h, "metadata") == 0)
		why = "a cloud metadata address";
	free(h);
	return why;
}

/* open_socket is curl's CURLOPT_OPENSOCKETFUNCTION: the last word on where a request connects,
 * after DNS, so a name that resolves to a metadata address is refused too. */
static curl_socket_t
open_socket(void *p, curlsocktype purpose, struct curl_sockaddr *addr)
{
	struct http_req *h = p;
	const char *why = addr_refused(&addr->addr);

	(void)purpose;
	if (why != NULL) {
		snprintf(h->error, sizeof(h->error), "refused to connect to %s", why);
		h->failure = HTTP_FAIL_CONNECTION;
		return CURL_SOCKET_BAD;
	}
	return socket(addr->family, addr->socktype, addr->protocol);
}

/* take_body is the write callback: keeps at most max_bytes, then stops the transfer. */
static size_t
take_body(char *data, size_t size, size_t nmemb, void *p)
{
	struct http_req *h = p;
	size_t n = size * nmemb;

	if (h->body.len + n > h->max_bytes) {
		snprintf(h->error, sizeof(h->error), "the answer is larger than %zu bytes", h->max_bytes);
		h->failure = HTTP_FAIL_TOO_LARGE;
		return 0;
	}
	buf_add(&h->body, data, n);
	return n;
}

/* Easy handles of this process's finished transfers, reset and kept for the next ones: a handle
 * and its buffers are allocated once, not once per call (a fan-out makes one per cluster). */
#define SPARE_MAX 64
static struct {
	CURL *e[SPARE_MAX];
	int n;
	pid_t pid;
} spare;

/* take_easy returns a handle with every option at its default. */
static CURL *
take_easy(void)
{
	CURL *e;

	if (spare.pid != getpid()) { /* a parent's: left alone */
		spare.n = 0;
		spare.pid = getpid();
	}
	if (spare.n == 0)
		return curl_easy_init();
	e = spare.e[--spare.n];
	curl_easy_reset(e);
	return e;
}

/* give_easy keeps e for a later transfer, or frees it when enough are kept. */
static void
give_easy(CURL *e)
{
	if (spare.pid == getpid() && spare.n < SPARE_MAX)
		spare.e[spare.n++] = e;
	else
		curl_easy_cleanup(e);
}

/* prepare makes h's transfer; left_ms, when positive, is the time left before the deadline, and
 * h's timeout is shortened to it. */
static void
prepare(struct http_req *h, long left_ms)
{
	CURL *e = take_easy();
	struct curl_slist *hdr = NULL;

	if (e == NULL)
		die_oom();
	h->easy = e;
	h->status = 0;
	h->failed = false;
	h->failure = HTTP_FAIL_NONE;
	h->error[0] = '\0';
	if (h->max_bytes == 0)
		h->max_bytes = 1 << 20;
	if (h->timeout_ms <= 0)
		h->timeout_ms = 5000;
	if (left_ms > 0 && h->timeout_ms > left_ms)
		h->timeout_ms = left_ms;
	curl_easy_setopt(e, CURLOPT_URL, h->url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, h->timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, h->timeout_ms);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)h->max_bytes);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, take_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, h);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "aiops-collect/" PACKAGE_VERSION);
	curl_easy_setopt(e, CURLOPT_PRIVATE, h);
	if (h->json != NULL) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, h->json);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(h->json));
		hdr = curl_slist_append(hdr, "Content-Type: application/json");
	}
	if (h->method != NULL)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, h->method);
	h->detail[0] = '\0';
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, h->detail);
	if (h->ca_pem != NULL) {
		struct curl_blob blob = { (void *)h->ca_pem, strlen(h->ca_pem), CURL_BLOB_COPY };

		curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &blob);
	}
	hdr = curl_slist_append(hdr, "Accept: application/json, text/plain;q=0.9, */*;q=0.1");
	/* The Authorization header is built here, not by libcurl (CURLOPT_USERPWD), so that every
	 * copy of a credential is ours to wipe: this buffer now, the header list in finish. */
	if (h->bearer != NULL || h->basic != NULL) {
		struct buf b = { 0 };

		if (h->bearer != NULL)
			buf_printf(&b, "Authorization: Bearer %s", h->bearer);
		else {
			size_t n = strlen(h->basic),
			       cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
			char *b64 = xmalloc(cap);

			sodium_bin2base64(
			    b64, cap, (const unsigned char *)h->basic, n, sodium_base64_VARIANT_ORIGINAL);
			buf_printf(&b, "Authorization: Basic %s", b64);
			sodium_memzero(b64, cap);
			free(b64);
		}
		hdr = curl_slist_append(hdr, buf_cstr(&b));
		sodium_memzero(b.p, b.len);
		buf_free(&b);
	}
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdr);
	h->headers = hdr;
}

/* tls_words says which certificate fault libcurl's own text (detail) names, in our words, or NULL. */
static const char *
tls_words(const char *detail)
{
	static const struct {
		const char *needle, *words;
	} rows[] = {
		{ "expired", "the server's TLS certificate has expired" },
		{ "not yet valid", "the server's TLS certificate is not valid yet" },
		{ "subject name", "the server's TLS certificate is not for this host name" },
		{ "does not match target host", "the server's TLS certificate is not for this host name" },
		{ "self-signed certificate", NULL },
		{ "self signed certificate", NULL },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (strcasestr(detail, rows[i].needle) != NULL)
			return rows[i].words;
	return NULL;
}

/* explain puts into h->error, in words a person reads, why the transfer failed with rc; libcurl's
 * own text stays in h->detail (its error buffer, or its generic text for rc). */
static void
explain(struct http_req *h, CURLcode rc)
{
	const char *tls = NULL;

	if (h->detail[0] == '\0')
		snprintf(h->detail, sizeof(h->detail), "%s", curl_easy_strerror(rc));
	h->failure = rc == CURLE_OPERATION_TIMEDOUT ? HTTP_FAIL_TIMEOUT
	    : rc == CURLE_FILESIZE_EXCEEDED	    ? HTTP_FAIL_TOO_LARGE
	    : rc == CURLE_PARTIAL_FILE		    ? HTTP_FAIL_CUT_OFF
						    : HTTP_FAIL_CONNECTION;
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		snprintf(h->error, sizeof(h->error), "no answer within %.1f s", (double)h->timeout_ms / 1000);
		return;
	case CURLE_PEER_FAILED_VERIFICATION:
		if ((tls = tls_words(h->detail)) != NULL)
			snprintf(h->error, sizeof(h->error), "%s", tls);
		else if (h->ca_pem != NULL)
			snprintf(h->error, sizeof(h->error),
			    "the server's TLS certificate is not trusted by the CA bundle given for this "
			    "cluster");
		else
			snprintf(h->error, sizeof(h->error),
			    "the server's TLS certificate is not trusted by the system's CA certificates; "
			    "give "
			    "the cluster a CA bundle if it uses its own CA");
		return;
	case CURLE_SSL_CACERT_BADFILE:
		snprintf(h->error, sizeof(h->error), "%s",
		    h->ca_pem != NULL
			? "the CA bundle given for this cluster cannot be used: it holds no usable "
			  "PEM certificate"
			: "the system's CA certificates cannot be read");
		return;
	case CURLE_SSL_CONNECT_ERROR: snprintf(h->error, sizeof(h->error), "TLS handshake failed"); return;
	case CURLE_COULDNT_RESOLVE_HOST:
		snprintf(h->error, sizeof(h->error), "the host name does not resolve");
		return;
	case CURLE_COULDNT_CONNECT: snprintf(h->error, sizeof(h->error), "connection refused"); return;
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		snprintf(h->error, sizeof(h->error), "the connection closed without an answer");
		return;
	case CURLE_PARTIAL_FILE:
		snprintf(h->error, sizeof(h->error), "the answer was cut off before its end");
		return;
	case CURLE_FILESIZE_EXCEEDED:
		snprintf(h->error, sizeof(h->error), "the answer is larger than %zu bytes", h->max_bytes);
		return;
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_BAD_CONTENT_ENCODING:
		snprintf(h->error, sizeof(h->error), "the server's answer is not valid HTTP");
		return;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		snprintf(
		    h->error, sizeof(h->error), "the URL cannot be fetched: only http and https URLs are");
		return;
	default:
		snprintf(h->error, sizeof(h->error), "the request failed (libcurl error %d)", (int)rc);
		return;
	}
}

/* finish reads the outcome of h's transfer into its fields and frees the handle. */
static void
finish(struct http_req *h, CURLcode rc)
{
	CURL *e = h->easy;
	char *loc = NULL;

	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &h->status);
	curl_easy_getinfo(e, CURLINFO_TOTAL_TIME, &h->seconds);
	if (h->status >= 300 && h->status < 400 &&
	    curl_easy_getinfo(e, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc != NULL)
		h->location = strdup(loc);
	if (rc != CURLE_OK) {
		h->failed = true;
		if (h->error[0] != '\0')
			h->detail[0] = '\0'; /* ours: refused address, too large */
		else
			explain(h, rc);
	}
	for (struct curl_slist *l = h->headers; l != NULL; l = l->next)
		sodium_memzero(l->data, strlen(l->data));
	curl_slist_free_all(h->headers);
	h->headers = NULL;
	give_easy(e);
	h->easy = NULL;
}

double
http_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* give_up fails h, which the deadline left no time for, as a timeout, without asking. */
static void
give_up(struct http_req *h)
{
	h->status = 0;
	h->seconds = 0;
	h->failed = true;
	h->failure = HTTP_FAIL_TIMEOUT;
	h->detail[0] = '\0';
	snprintf(h->error, sizeof(h->error), "not asked: the overall deadline passed before its turn");
	if (h->done != NULL)
		h->done(h, h->done_arg);
}

void
http_run(struct http_req **reqs, int n, int concurrency)
{
	http_run_until(reqs, n, concurrency, 0);
}

/* The multi handle of this process, kept from one run to the next so that its connections are
 * reused: a Prometheus or API server asked again within seconds answers without a new TCP and TLS
 * handshake. It is driven by its sockets (curl_multi_socket_action) through an epoll instance of
 * its own, so that each reply costs the work of its own transfer: with curl_multi_poll every
 * wake-up polled every socket and walked every transfer, and a fan-out to n clusters cost n*n.
 * A process forked after it was made starts its own (the parent's sockets are not its). */
static struct {
	CURLM *m;
	int ep; /* epoll: the sockets libcurl asked to watch */
	double timer_at; /* when libcurl wants to be called for its timeouts (http_now); < 0: never */
	pid_t pid;
} proc = { NULL, -1, -1, 0 };

/* MULTI_CONNECTIONS is how many idle connections the handle keeps: one per cluster of a large
 * fleet's Prometheus, at least. */
#define MULTI_CONNECTIONS 256L
#define EVENTS_MAX 64

/* on_socket is CURLMOPT_SOCKETFUNCTION: watch s for what libcurl waits on, or no longer. */
static int
on_socket(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct epoll_event ev = { 0 };

	(void)e;
	(void)userp;
	(void)socketp;
	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(proc.ep, EPOLL_CTL_DEL, s, NULL);
		return 0;
	}
	ev.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0u) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0u);
	ev.data.fd = s;
	if (epoll_ctl(proc.ep, EPOLL_CTL_MOD, s, &ev) != 0 && errno == ENOENT &&
	    epoll_ctl(proc.ep, EPOLL_CTL_ADD, s, &ev) != 0)
		log_warn(NULL, "http: cannot watch a socket: %s", strerror(errno));
	return 0;
}

/* on_timer is CURLMOPT_TIMERFUNCTION: when libcurl wants its timeouts handled (-1: not). */
static int
on_timer(CURLM *m, long timeout_ms, void *userp)
{
	(void)m;
	(void)userp;
	proc.timer_at = timeout_ms < 0 ? -1 : http_now() + (double)timeout_ms / 1000;
	return 0;
}

static CURLM *
process_multi(void)
{
	if (proc.m != NULL && proc.pid == getpid())
		return proc.m;
	proc.m = NULL; /* a parent's: left alone */
	if ((proc.ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		log_error(NULL, "http: epoll_create1: %s", strerror(errno));
		die_oom();
	}
	if ((proc.m = curl_multi_init()) == NULL)
		die_oom();
	curl_multi_setopt(proc.m, CURLMOPT_MAXCONNECTS, MULTI_CONNECTIONS);
	curl_multi_setopt(proc.m, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(proc.m, CURLMOPT_TIMERFUNCTION, on_timer);
	proc.timer_at = -1;
	proc.pid = getpid();
	return proc.m;
}

void
http_shutdown(void)
{
	if (spare.pid == getpid())
		while (spare.n > 0)
			curl_easy_cleanup(spare.e[--spare.n]);
	spare.n = 0;
	if (proc.m != NULL && proc.pid == getpid()) {
		curl_multi_cleanup(proc.m);
		close(proc.ep);
	}
	proc.m = NULL;
	proc.ep = -1;
}

/* collect finishes the transfers libcurl has done with; returns how many. */
static int
collect(CURLM *m)
{
	CURLMsg *msg;
	int left, n = 0;

	while ((msg = curl_multi_info_read(m, &left)) != NULL) {
		struct http_req *h = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&h);
		curl_multi_remove_handle(m, msg->easy_handle);
		finish(h, msg->data.result);
		n++;
		if (h->done != NULL)
			h->done(h, h->done_arg);
	}
	return n;
}

/* stop_all stops the n transfers of reqs still running at the deadline, and fails those not
 * started, as timeouts. */
static void
stop_all(CURLM *m, struct http_req **reqs, int n, int next)
{
	for (int i = 0; i < next; i++)
		if (reqs[i]->easy != NULL) {
			curl_multi_remove_handle(m, reqs[i]->easy);
			finish(reqs[i], CURLE_OPERATION_TIMEDOUT);
			if (reqs[i]->done != NULL)
				reqs[i]->done(reqs[i], reqs[i]->done_arg);
		}
	for (; next < n; next++)
		give_up(reqs[next]);
}

void
http_run_until(struct http_req **reqs, int n, int concurrency, double deadline)
{
	CURLM *m = process_multi();
	int next = 0, running = 0, active = 0;

	if (concurrency < 1)
		concurrency = 1;
	for (;;) {
		struct epoll_event ev[EVENTS_MAX];
		double now = http_now();
		long left_ms = 0, wait_ms = 1000;
		int ready;

		if (deadline > 0) {
			left_ms = (long)((deadline - now) * 1000);
			if (left_ms <= 0) {
				stop_all(m, reqs, n, next);
				break;
			}
			if (left_ms < wait_ms)
				wait_ms = left_ms;
		}
		while (active < concurrency && next < n) {
			prepare(reqs[next], left_ms);
			curl_multi_add_handle(m, reqs[next]->easy);
			next++;
			active++;
		}
		if (active == 0)
			break;
		if (proc.timer_at >= 0 && proc.timer_at <= now) {
			/* libcurl's timer is one-shot: it sets the next one as it needs. */
			proc.timer_at = -1;
			curl_multi_socket_action(m, CURL_SOCKET_TIMEOUT, 0, &running);
			active -= collect(m);
			continue;
		}
		if (proc.timer_at >= 0 && (long)ceil((proc.timer_at - now) * 1000) < wait_ms)
			wait_ms = (long)ceil((proc.timer_at - now) * 1000);
		ready = epoll_wait(proc.ep, ev, EVENTS_MAX, (int)wait_ms);
		for (int i = 0; i < ready; i++) {
			int what = ((ev[i].events & EPOLLIN) ? CURL_CSELECT_IN : 0) |
			    ((ev[i].events & EPOLLOUT) ? CURL_CSELECT_OUT : 0) |
			    ((ev[i].events & (EPOLLERR | EPOLLHUP)) ? CURL_CSELECT_ERR : 0);

			curl_multi_socket_action(m, ev[i].data.fd, what, &running);
		}
		active -= collect(m);
	}
}

void
http_release(struct http_req *h)
{
	buf_free(&h->body);
	free(h->location);
	h->location = NULL;
}

const char *
http_url_join(struct arena *a, const char *base, const char *path)
{
	size_t n = strlen(base);

	while (n > 0 && base[n - 1] == '/')
		n--;
	return arena_printf(a, "%.*s%s", (int)n, base, path);
}
