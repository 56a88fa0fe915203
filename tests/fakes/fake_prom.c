/* fake_prom.c: a fake Prometheus HTTP API for the tests and benchmarks of the federated metrics:
 * one process serves many "clusters" and failure modes, chosen by path prefixes (/c/NAME/,
 * /delay/MS/, /status/CODE/, /prom-error/TYPE/, /garbage/, /truncated/, /cut/, /huge/, /warn/,
 * /scalar/), each answering with a fixed set of series whose values derive from the cluster name.
 * Not a PromQL engine: every expression gets the same series. tests/fakes/README.md has the API. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <jansson.h>

#include "arena.h"
#include "fake_prom.h"
#include "log.h"

#define COUNT_BUCKETS 1024
#define COUNT_MAX 10000
#define URI_KEEP 4096

/* What one cluster was asked since the last reset (GET /_fake/requests). */
struct count {
	struct count *next;
	char name[NAME_MAX_LEN + 1];
	unsigned long requests;
	char *last_uri; /* owned: the request line's target as received (prefixes included) */
	char *last_query; /* owned: the decoded query or match[] parameter, NULL when none */
	char *last_authorization; /* owned; NULL until a request carried the header */
};

struct held;

/* The process: the loop, the counters, the requests waiting for their delay. */
struct fprom {
	struct event_base *base;
	struct count *buckets[COUNT_BUCKETS];
	int ncounts;
	struct held *pending; /* doubly linked */
	const char *cluster; /* whose values when the path has no /c/NAME/ */
	int nseries;
};

/* A request held back by /delay/MS/. */
struct held {
	struct held *prev, *next;
	struct fprom *fp;
	struct evhttp_request *req;
	struct evhttp_connection *evcon;
	struct event *timer;
	struct event *gone; /* the client closed its end of the connection */
	struct timeval start;
	struct prom_mode mode;
	char *rest; /* owned: the API path after the prefixes */
};

/* ---- Counting ---- */

static struct count *
count_get(struct fprom *fp, const char *name)
{
	const unsigned h = prom_seed(name) % COUNT_BUCKETS; /* any spread will do */
	struct count *c;

	for (c = fp->buckets[h]; c != NULL; c = c->next)
		if (strcmp(c->name, name) == 0)
			return c;
	if (fp->ncounts >= COUNT_MAX)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->next = fp->buckets[h];
	fp->buckets[h] = c;
	fp->ncounts++;
	return c;
}

static void
count_reset(struct fprom *fp)
{
	for (int i = 0; i < COUNT_BUCKETS; i++) {
		while (fp->buckets[i] != NULL) {
			struct count *c = fp->buckets[i];

			fp->buckets[i] = c->next;
			free(c->last_uri);
			free(c->last_query);
			free(c->last_authorization);
			free(c);
		}
	}
	fp->ncounts = 0;
}

/* replace sets *slot to a copy of v (NULL allowed), freeing what it held. */
static void
replace(char **slot, const char *v)
{
	free(*slot);
	*slot = v != NULL ? xstrdup(v) : NULL;
}

/* count_request notes req for cluster name: one more request, its URI, expression and
 * Authorization header. */
static void
count_request(struct fprom *fp, struct evhttp_request *req, const char *name)
{
	struct count *c = count_get(fp, name);
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *q = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	char *form, *expr;
	size_t blen = evbuffer_get_length(in);

	if (c == NULL)
		return;
	c->requests++;
	replace(&c->last_uri, evhttp_request_get_uri(req));
	if (strlen(c->last_uri) > URI_KEEP)
		c->last_uri[URI_KEEP] = '\0';
	replace(&c->last_authorization,
	    evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization"));
	/* The expression from the form body or the query string, whichever carries it. */
	if (blen > BODY_MAX)
		blen = BODY_MAX;
	form = xmalloc(blen + (q != NULL ? strlen(q) : 0) + 2);
	evbuffer_copyout(in, form, blen);
	form[blen] = '&';
	strcpy(form + blen + 1, q != NULL ? q : "");
	if ((expr = query_get(form, "query")) == NULL)
		expr = query_get(form, "match[]");
	free(c->last_query);
	c->last_query = expr;
	free(form);
}

/* ---- Requests held back ---- */

/* held_detach forgets p and frees it; the request itself is left as it is. */
static void
held_detach(struct held *p)
{
	evhttp_connection_set_closecb(p->evcon, NULL, NULL);
	event_free(p->timer);
	event_free(p->gone);
	if (p->prev != NULL)
		p->prev->next = p->next;
	else
		p->fp->pending = p->next;
	if (p->next != NULL)
		p->next->prev = p->prev;
	free(p->rest);
	free(p);
}

/* held_fire answers p once its delay has passed. */
static void
held_fire(evutil_socket_t fd, short what, void *arg)
{
	struct held *p = arg;
	struct evhttp_request *req = p->req;
	const struct timeval start = p->start;
	const struct prom_mode mode = p->mode;
	const int n = p->fp->nseries;
	char *rest = p->rest;

	p->rest = NULL;
	held_detach(p);
	prom_answer(req, &start, &mode, rest, n);
	free(rest);
}

/* held_gone runs when the client closed the connection while its request was held back. */
static void
held_gone(evutil_socket_t fd, short what, void *arg)
{
	struct held *p = arg;
	struct evhttp_connection *evcon = p->evcon;

	log_request(p->req, &p->start, p->mode.cluster, 0, "client gone");
	held_detach(p);
	evhttp_connection_free(evcon);
}

/* held_closed runs if libevent frees the connection by itself while p waits. */
static void
held_closed(struct evhttp_connection *evcon, void *arg)
{
	struct held *p = arg;
	struct evhttp_request *req = p->req;

	log_request(req, &p->start, p->mode.cluster, 0, "connection closed");
	held_detach(p);
	if (evhttp_request_get_connection(req) == NULL)
		evhttp_request_free(req);
}

/* held_start holds req back for m->delay_ms without blocking other connections. */
static void
held_start(struct fprom *fp, struct evhttp_request *req, const struct timeval *start,
    const struct prom_mode *m, const char *rest)
{
	struct held *p = xcalloc(1, sizeof(*p));
	const struct timeval tv = { m->delay_ms / 1000, (m->delay_ms % 1000) * 1000 };
	evutil_socket_t fd;

	p->fp = fp;
	p->req = req;
	p->evcon = evhttp_request_get_connection(req);
	p->start = *start;
	p->mode = *m;
	p->rest = xstrdup(rest);
	fd = bufferevent_getfd(evhttp_connection_get_bufferevent(p->evcon));
	p->timer = evtimer_new(fp->base, held_fire, p);
	/* evhttp stops reading while a request is handled, so it would not see the client leave. */
	p->gone = event_new(fp->base, fd, EV_CLOSED, held_gone, p);
	if (p->timer == NULL || p->gone == NULL)
		die_oom();
	p->next = fp->pending;
	if (p->next != NULL)
		p->next->prev = p;
	fp->pending = p;
	evhttp_connection_set_closecb(p->evcon, held_closed, p);
	event_add(p->gone, NULL);
	evtimer_add(p->timer, &tv);
}

/* ---- Path prefixes ---- */

/* segment copies the path segment at p (up to the next '/') into out (size n); returns its length,
 * or -1 when it is empty or does not fit. */
static int
segment(const char *p, char *out, size_t n)
{
	const size_t len = strcspn(p, "/");

	if (len == 0 || len >= n)
		return -1;
	memcpy(out, p, len);
	out[len] = '\0';
	return (int)len;
}

/* number reads s whole as an integer in [lo, hi]; -1 otherwise. */
static int
number(const char *s, int lo, int hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	return errno != 0 || *s < '0' || *s > '9' || *end != '\0' || v < lo || v > hi ? -1 : (int)v;
}

/* parse_prefixes reads the prefixes at the start of path into *m and returns the rest (the API
 * path), or NULL after writing why into why (n bytes) when a prefix has a bad argument. */
static const char *
parse_prefixes(const char *path, struct prom_mode *m, char *why, size_t n)
{
	char arg[NAME_MAX_LEN + 1];
	int len;

	for (;;) {
		if (strncmp(path, "/c/", 3) == 0) {
			if ((len = segment(path + 3, arg, sizeof(arg))) < 0 ||
			    !name_valid(arg, (size_t)len)) {
				snprintf(why, n, "/c/NAME/: NAME is 1 to 63 of a-z, 0-9 and -");
				return NULL;
			}
			memcpy(m->cluster, arg, (size_t)len + 1);
			path += 3 + len;
		} else if (strncmp(path, "/delay/", 7) == 0) {
			if ((len = segment(path + 7, arg, sizeof(arg))) < 0 ||
			    (m->delay_ms = number(arg, 0, PROM_DELAY_MAX_MS)) < 0) {
				snprintf(why, n, "/delay/MS/: MS is 0 to %d milliseconds", PROM_DELAY_MAX_MS);
				return NULL;
			}
			path += 7 + len;
		} else if (strncmp(path, "/status/", 8) == 0) {
			if ((len = segment(path + 8, arg, sizeof(arg))) < 0 ||
			    (m->status = number(arg, 200, 599)) < 0) {
				snprintf(why, n, "/status/CODE/: CODE is an HTTP status, 200 to 599");
				return NULL;
			}
			path += 8 + len;
		} else if (strncmp(path, "/prom-error/", 12) == 0) {
			if ((len = segment(path + 12, arg, sizeof(arg))) < 0 || prom_error_status(arg) == 0) {
				snprintf(why, n,
				    "/prom-error/TYPE/: TYPE is bad_data, execution, timeout, canceled, "
				    "internal, "
				    "unavailable, not_found or not_acceptable");
				return NULL;
			}
			snprintf(m->error_type, sizeof(m->error_type), "%s", arg);
			path += 12 + len;
		} else if (strncmp(path, "/garbage/", 9) == 0) {
			m->garbage = true;
			path += 8;
		} else if (strncmp(path, "/truncated/", 11) == 0) {
			m->truncated = true;
			path += 10;
		} else if (strncmp(path, "/cut/", 5) == 0) {
			m->cut = true;
			path += 4;
		} else if (strncmp(path, "/huge/", 6) == 0) {
			m->huge = true;
			path += 5;
		} else if (strncmp(path, "/warn/", 6) == 0) {
			m->warn = true;
			path += 5;
		} else if (strncmp(path, "/scalar/", 8) == 0) {
			m->scalar = true;
			path += 7;
		} else
			return path;
	}
}

/* ---- The control API ---- */

static void
ctl_reply(struct evhttp_request *req, const struct timeval *start, int code, json_t *j)
{
	struct evbuffer *b = evbuffer_new();

	if (b == NULL)
		die_oom();
	if (j != NULL)
		json_out(b, j, 0, true);
	respond(req, start, NULL, code, "application/json", b);
	evbuffer_free(b);
}

/* ctl_dispatch answers GET /_fake/requests (what each cluster was asked) and DELETE (reset). */
static void
ctl_dispatch(struct fprom *fp, struct evhttp_request *req, const struct timeval *start, const char *path)
{
	const enum evhttp_cmd_type m = evhttp_request_get_command(req);

	if (strcmp(path, "/_fake/requests") != 0) {
		ctl_reply(req, start, 404,
		    json_pack("{s:s}", "error", "no such control path: use /_fake/requests"));
	} else if (m == EVHTTP_REQ_GET) {
		json_t *j = json_object();

		for (int i = 0; i < COUNT_BUCKETS; i++)
			for (const struct count *c = fp->buckets[i]; c != NULL; c = c->next)
				json_object_set_new(j, c->name,
				    json_pack("{s:I,s:s?,s:s?,s:s?}", "requests", (json_int_t)c->requests,
					"last_uri", c->last_uri, "last_query", c->last_query,
					"last_authorization", c->last_authorization));
		ctl_reply(req, start, 200, j);
	} else if (m == EVHTTP_REQ_DELETE) {
		count_reset(fp);
		ctl_reply(req, start, 204, NULL);
	} else {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, DELETE");
		ctl_reply(req, start, 405,
		    json_pack("{s:s}", "error", "use GET (the counters) or DELETE (reset them)"));
	}
}

/* on_request receives every request. */
static void
on_request(struct evhttp_request *req, void *arg)
{
	struct fprom *fp = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL, *rest;
	struct prom_mode m;
	struct timeval start;
	char why[200];

	gettimeofday(&start, NULL);
	if (path == NULL || *path == '\0')
		path = "/";
	if (strncmp(path, "/_fake/", 7) == 0) {
		ctl_dispatch(fp, req, &start, path);
		return;
	}
	memset(&m, 0, sizeof(m));
	snprintf(m.cluster, sizeof(m.cluster), "%s", fp->cluster);
	if ((rest = parse_prefixes(path, &m, why, sizeof(why))) == NULL) {
		struct evbuffer *b = evbuffer_new();

		if (b == NULL)
			die_oom();
		evbuffer_add_printf(b, "fake-prom: %s\n", why);
		respond(req, &start, NULL, 400, NULL, b);
		evbuffer_free(b);
		return;
	}
	count_request(fp, req, m.cluster);
	if (m.delay_ms > 0)
		held_start(fp, req, &start, &m, rest);
	else
		prom_answer(req, &start, &m, rest, fp->nseries);
}

/* ---- Start and stop ---- */

/* http_listen makes an evhttp serving fp on bind:port and stores the port it got in *bound (port
 * 0 picks a free one); NULL after saying why on stderr. Caller frees with evhttp_free. */
static struct evhttp *
http_listen(struct fprom *fp, const char *bind, int port, int *bound)
{
	struct sockaddr_storage ss;
	int sslen = sizeof(ss);
	socklen_t len = sizeof(ss);
	const bool v6 = strchr(bind, ':') != NULL;
	char addr[300];
	struct evconnlistener *lev;
	struct evhttp *http;

	snprintf(addr, sizeof(addr), "%s%s%s", v6 ? "[" : "", bind, v6 ? "]" : "");
	if (evutil_parse_sockaddr_port(addr, (struct sockaddr *)&ss, &sslen) != 0) {
		fprintf(stderr, "fake-prom: --bind %s: not an IP address\n", bind);
		return NULL;
	}
	if (ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
	else
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
	/* Our own listener for a longer queue than evhttp's 128: a fan-out opens hundreds at once. */
	lev = evconnlistener_new_bind(fp->base, NULL, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC, LISTEN_BACKLOG,
	    (struct sockaddr *)&ss, sslen);
	if (lev == NULL) {
		fprintf(stderr, "fake-prom: cannot listen on %s port %d: %s\n", addr, port, strerror(errno));
		return NULL;
	}
	if ((http = evhttp_new(fp->base)) == NULL || evhttp_bind_listener(http, lev) == NULL)
		die_oom();
	getsockname(evconnlistener_get_fd(lev), (struct sockaddr *)&ss, &len);
	*bound = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						: ((struct sockaddr_in *)&ss)->sin_port);
	evhttp_set_gencb(http, on_request, fp);
	evhttp_set_allowed_methods(http,
	    EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
		EVHTTP_REQ_PATCH | EVHTTP_REQ_OPTIONS);
	evhttp_set_max_body_size(http, BODY_MAX);
	evhttp_set_max_headers_size(http, HEADERS_MAX);
	return http;
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	event_base_loopexit(arg, NULL);
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: fake-prom --port N [--bind ADDR] [--cluster NAME] [--series N] [--quiet]\n"
	    "\n"
	    "Serves a fake Prometheus HTTP API (query, query_range, labels, label/NAME/values, series,\n"
	    "status/buildinfo) at http://ADDR:N/, its behaviour chosen by path prefixes (/c/NAME/,\n"
	    "/delay/MS/, /status/CODE/, /prom-error/TYPE/, /garbage/, /truncated/, /cut/, /huge/, /warn/,\n"
	    "/scalar/); see tests/fakes/README.md. Not a PromQL engine: every query gets the same N series\n"
	    "(default 3) with values from the cluster NAME (default \"default\"). ADDR is 127.0.0.1 by\n"
	    "default; port 0 picks a free port. Prints \"fake-prom: listening on N\" once ready.\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = { { "port", required_argument, NULL, 'p' },
		{ "bind", required_argument, NULL, 'b' }, { "cluster", required_argument, NULL, 'c' },
		{ "series", required_argument, NULL, 's' }, { "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	const char *bind = "127.0.0.1";
	int port = -1, bound = 0, opt, rc = 1;
	bool quiet = false;
	struct evhttp *http = NULL;
	struct event *sigterm = NULL, *sigint = NULL;
	struct event_config *cfg;
	struct fprom *fp = xcalloc(1, sizeof(*fp));
	struct rlimit rl;

	fp->cluster = "default";
	fp->nseries = 3;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'p': port = number(optarg, 0, 65535); break;
		case 'b': bind = optarg; break;
		case 'c': fp->cluster = optarg; break;
		case 's': fp->nseries = number(optarg, 1, PROM_SERIES_MAX); break;
		case 'q': quiet = true; break;
		case 'h':
			usage(stdout);
			free(fp);
			return 0;
		default:
			usage(stderr);
			free(fp);
			return 2;
		}
	}
	if (optind != argc || port < 0 || fp->nseries < 1 || !name_valid(fp->cluster, strlen(fp->cluster))) {
		usage(stderr);
		free(fp);
		return 2;
	}

	log_init("fake-prom", quiet ? LOG_WARN : LOG_INFO);
	signal(SIGPIPE, SIG_IGN); /* a client gone before its answer must not kill us */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if ((cfg = event_config_new()) == NULL)
		die_oom();
	/* EV_CLOSED tells a client that left from one that waits (held_gone). */
	event_config_require_features(cfg, EV_FEATURE_EARLY_CLOSE);
	fp->base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (fp->base == NULL) {
		fprintf(stderr, "fake-prom: no event backend detects closed connections (epoll does)\n");
		goto cleanup;
	}
	if ((http = http_listen(fp, bind, port, &bound)) == NULL)
		goto cleanup;
	sigterm = evsignal_new(fp->base, SIGTERM, on_signal, fp->base);
	sigint = evsignal_new(fp->base, SIGINT, on_signal, fp->base);
	if (sigterm == NULL || sigint == NULL || event_add(sigterm, NULL) != 0 ||
	    event_add(sigint, NULL) != 0)
		die_oom();

	printf("fake-prom: listening on %d\n", bound);
	fflush(stdout);
	event_base_dispatch(fp->base);
	log_msg(LOG_INFO, NULL, "stopping");
	rc = 0;

cleanup:
	while (fp->pending != NULL)
		held_detach(fp->pending);
	if (http != NULL)
		evhttp_free(http);
	if (sigterm != NULL)
		event_free(sigterm);
	if (sigint != NULL)
		event_free(sigint);
	count_reset(fp);
	if (fp->base != NULL)
		event_base_free(fp->base);
	free(fp);
	libevent_global_shutdown();
	return rc;
}
