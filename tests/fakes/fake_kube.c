/* fake_kube.c: a fake Kubernetes API server for the tests and the dev stack's demo fleet: many
 * clusters under /c/NAME on one port, each steered (latency, health, auth, failures, nodes) through
 * the control API under /_fake/. Speaks the real wire protocol; tests/fakes/README.md has the API. */
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
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "arena.h"
#include "fake_kube.h"
#include "log.h"

/* ---- Requests held back ---- */

/* pending_detach forgets p and frees it; the request itself is left as it is. */
static void
pending_detach(struct pending *p)
{
	evhttp_connection_set_closecb(p->evcon, NULL, NULL);
	event_free(p->timer);
	event_free(p->gone);
	if (p->prev != NULL)
		p->prev->next = p->next;
	else
		p->fk->pending = p->next;
	if (p->next != NULL)
		p->next->prev = p->prev;
	free(p);
}

/* socket_abort resets the TCP connection on fd at once: with SO_LINGER 0 the close sends a RST.
 * evhttp would shut the socket down first, and its FIN would reach the client before the RST, so
 * the socket is closed here through dup2, which leaves a blank socket in the slot for evhttp. */
static void
socket_abort(evutil_socket_t fd)
{
	const struct linger lg = { 1, 0 };
	int blank;

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) != 0)
		return;
	if ((blank = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0) {
		dup2(blank, fd);
		close(blank);
	}
}

/* pending_drop closes p's connection without an answer, with a TCP reset when rst is set; the
 * connection frees the request. */
static void
pending_drop(struct pending *p, const char *outcome, bool rst)
{
	struct evhttp_connection *evcon = p->evcon;
	const evutil_socket_t fd = bufferevent_getfd(evhttp_connection_get_bufferevent(evcon));

	log_request(p->req, &p->start, p->cluster, 0, outcome);
	pending_detach(p); /* first: its close watch must leave the event loop before the socket goes */
	if (rst)
		socket_abort(fd);
	evhttp_connection_free(evcon);
}

/* pending_fire runs when p's latency has passed: it answers, or resets, or goes on hanging. The
 * cluster's settings are read now, so a test may change them while requests wait. */
static void
pending_fire(evutil_socket_t fd, short what, void *arg)
{
	struct pending *p = arg;
	const struct cluster *c = fake_cluster_find(p->fk, p->cluster);
	const struct settings *s = c != NULL ? &c->set : &p->fk->defaults;
	struct evhttp_request *req = p->req;
	struct timeval start = p->start;
	char cluster[NAME_MAX_LEN + 1];

	if (s->fail == FAIL_RESET) {
		pending_drop(p, "reset", true);
		return;
	}
	if (s->fail == FAIL_HANG)
		return; /* until the client goes: pending_gone */
	memcpy(cluster, p->cluster, sizeof(cluster));
	pending_detach(p);
	kube_answer(req, &start, cluster, s);
}

/* pending_gone runs when the client closed the connection while its request was held back. */
static void
pending_gone(evutil_socket_t fd, short what, void *arg)
{
	pending_drop(arg, "client gone", false);
}

/* pending_closed runs if libevent frees the connection by itself while p waits (it does not, as
 * it neither reads nor writes meanwhile; this keeps a timer from firing on a freed request). */
static void
pending_closed(struct evhttp_connection *evcon, void *arg)
{
	struct pending *p = arg;
	struct evhttp_request *req = p->req;

	log_request(req, &p->start, p->cluster, 0, "connection closed");
	pending_detach(p);
	if (evhttp_request_get_connection(req) == NULL)
		evhttp_request_free(req); /* libevent handed it to us when it detached it */
}

/* pending_start holds req back for latency_ms, watching for the client going away meanwhile. */
static void
pending_start(struct fake *fk, struct evhttp_request *req, const struct timeval *start, const char *cluster,
    int latency_ms)
{
	struct pending *p = xcalloc(1, sizeof(*p));
	const struct timeval tv = { latency_ms / 1000, (latency_ms % 1000) * 1000 };
	evutil_socket_t fd;

	p->fk = fk;
	p->req = req;
	p->evcon = evhttp_request_get_connection(req);
	p->start = *start;
	snprintf(p->cluster, sizeof(p->cluster), "%s", cluster);
	fd = bufferevent_getfd(evhttp_connection_get_bufferevent(p->evcon));
	p->timer = evtimer_new(fk->base, pending_fire, p);
	/* evhttp stops reading while a request is handled, so it would not see the client leave. */
	p->gone = event_new(fk->base, fd, EV_CLOSED, pending_gone, p);
	if (p->timer == NULL || p->gone == NULL)
		die_oom();
	p->next = fk->pending;
	if (p->next != NULL)
		p->next->prev = p;
	fk->pending = p;
	evhttp_connection_set_closecb(p->evcon, pending_closed, p);
	event_add(p->gone, NULL);
	evtimer_add(p->timer, &tv);
}

/* kube_arrive counts a request to cluster name and holds it back for the cluster's latency
 * (every answer goes through the timer, so none is sent from inside libevent's callback). */
static void
kube_arrive(struct fake *fk, struct evhttp_request *req, const struct timeval *start, const char *name)
{
	struct cluster *c = fake_cluster_get(fk, name);
	const char *auth = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");

	if (c != NULL) {
		c->requests++;
		if (auth != NULL) {
			free(c->last_authorization);
			c->last_authorization = xstrdup(auth);
		}
	}
	pending_start(fk, req, start, name, c != NULL ? c->set.latency_ms : fk->defaults.latency_ms);
}

/* ---- The control API ---- */

/* ctl_reply sends j (stolen; NULL for no body) as the control API's answer. */
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

static void
ctl_error(struct evhttp_request *req, const struct timeval *start, int code, const char *message)
{
	ctl_reply(req, start, code, json_pack("{s:s}", "error", message));
}

/* ctl_put applies the JSON body of req to the cluster called name, all keys or none. */
static void
ctl_put(struct fake *fk, struct evhttp_request *req, const struct timeval *start, const char *name)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	const size_t len = evbuffer_get_length(in);
	struct cluster *c = fake_cluster_find(fk, name);
	struct settings t;
	json_error_t err;
	char why[300];
	json_t *j;

	if (len == 0) {
		ctl_error(req, start, 400, "the body is empty: send a JSON object of settings");
		return;
	}
	j = json_loadb((const char *)evbuffer_pullup(in, -1), len, JSON_REJECT_DUPLICATES, &err);
	if (j == NULL) {
		snprintf(why, sizeof(why), "the body is not JSON (line %d, column %d): %s", err.line,
		    err.column, err.text);
		ctl_error(req, start, 400, why);
		return;
	}
	settings_copy(&t, c != NULL ? &c->set : &fk->defaults);
	if (settings_apply(&t, j, why, sizeof(why)) != 0) {
		ctl_error(req, start, 400, why);
	} else if (c == NULL && (c = fake_cluster_get(fk, name)) == NULL) {
		snprintf(why, sizeof(why), "too many clusters: at most %d; DELETE some first", CLUSTER_MAX);
		ctl_error(req, start, 409, why);
	} else {
		settings_free(&c->set);
		c->set = t;
		memset(&t, 0, sizeof(t)); /* c owns the strings now */
		ctl_reply(req, start, 200, fake_cluster_json(c));
	}
	settings_free(&t);
	json_decref(j);
}

/* ctl_dispatch answers the control API under /_fake/ (see the README). */
static void
ctl_dispatch(struct fake *fk, struct evhttp_request *req, const struct timeval *start, const char *path)
{
	static const char all[] = "/_fake/clusters", one[] = "/_fake/clusters/";
	const enum evhttp_cmd_type m = evhttp_request_get_command(req);
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	const char *name = path + strlen(one);
	struct cluster *c;

	if (strcmp(path, all) == 0) {
		if (m == EVHTTP_REQ_GET) {
			json_t *j = json_object();

			for (int i = 0; i < CLUSTER_BUCKETS; i++)
				for (c = fk->buckets[i]; c != NULL; c = c->next)
					json_object_set_new(j, c->name, fake_cluster_json(c));
			ctl_reply(req, start, 200, j);
		} else if (m == EVHTTP_REQ_DELETE) {
			fake_cluster_remove_all(fk);
			ctl_reply(req, start, 204, NULL);
		} else {
			evhttp_add_header(out, "Allow", "GET, DELETE");
			ctl_error(req, start, 405, "use GET (every cluster) or DELETE (reset every cluster)");
		}
		return;
	}
	if (strncmp(path, one, strlen(one)) != 0) {
		ctl_error(req, start, 404, "no such control path: use /_fake/clusters[/NAME]");
		return;
	}
	if (!name_valid(name, strlen(name))) {
		ctl_error(req, start, 400, "a cluster name is 1 to 63 of a-z, 0-9 and -");
		return;
	}
	switch (m) {
	case EVHTTP_REQ_GET:
		if ((c = fake_cluster_find(fk, name)) != NULL)
			ctl_reply(req, start, 200, fake_cluster_json(c));
		else {
			json_t *j = settings_json(&fk->defaults);

			json_object_set_new(j, "requests", json_integer(0));
			json_object_set_new(j, "last_authorization", json_null());
			ctl_reply(req, start, 200, j);
		}
		break;
	case EVHTTP_REQ_PUT: ctl_put(fk, req, start, name); break;
	case EVHTTP_REQ_DELETE:
		fake_cluster_remove(fk, name);
		ctl_reply(req, start, 204, NULL);
		break;
	default:
		evhttp_add_header(out, "Allow", "GET, PUT, DELETE");
		ctl_error(req, start, 405, "use GET, PUT (JSON settings) or DELETE (restore the defaults)");
	}
}

/* on_request receives every request of both ports. */
static void
on_request(struct evhttp_request *req, void *arg)
{
	struct fake *fk = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	struct timeval start;

	gettimeofday(&start, NULL);
	if (path == NULL || *path == '\0')
		path = "/";
	if (strncmp(path, "/_fake/", 7) == 0 || strcmp(path, "/_fake") == 0) {
		ctl_dispatch(fk, req, &start, path);
		return;
	}
	if (strncmp(path, "/c/", 3) == 0 && name_valid(path + 3, strcspn(path + 3, "/"))) {
		char name[NAME_MAX_LEN + 1];
		const size_t n = strcspn(path + 3, "/");

		memcpy(name, path + 3, n);
		name[n] = '\0';
		kube_arrive(fk, req, &start, name);
		return;
	}
	{
		struct kube_call c = { req, NULL, &fk->defaults, path, "", evbuffer_new(), NULL };
		int code;

		if (c.body == NULL)
			die_oom();
		code = not_found(&c);
		respond(req, &start, NULL, code, c.ctype, c.body);
		evbuffer_free(c.body);
	}
}

/* ---- Start and stop ---- */

/* load_clusters applies the settings in file, a JSON object NAME -> settings; -1 after saying why
 * on stderr. */
static int
load_clusters(struct fake *fk, const char *file)
{
	json_error_t err;
	json_t *j = json_load_file(file, JSON_REJECT_DUPLICATES, &err), *v;
	const char *name;
	char why[300];
	int rc = 0;

	if (j == NULL) {
		if (err.line > 0)
			fprintf(stderr, "fake-kube: %s:%d:%d: %s\n", file, err.line, err.column, err.text);
		else
			fprintf(stderr, "fake-kube: %s\n", err.text);
		return -1;
	}
	if (!json_is_object(j)) {
		fprintf(stderr, "fake-kube: %s: must hold a JSON object, cluster name -> settings\n", file);
		rc = -1;
	}
	json_object_foreach (j, name, v) {
		struct cluster *c;

		if (rc != 0)
			break;
		if (!name_valid(name, strlen(name))) {
			fprintf(stderr, "fake-kube: %s: \"%.80s\" is not a cluster name ([a-z0-9-]{1,63})\n",
			    file, name);
			rc = -1;
		} else if ((c = fake_cluster_get(fk, name)) == NULL) {
			fprintf(stderr, "fake-kube: %s: more than %d clusters\n", file, CLUSTER_MAX);
			rc = -1;
		} else if (settings_apply(&c->set, v, why, sizeof(why)) != 0) {
			fprintf(stderr, "fake-kube: %s: cluster %s: %s\n", file, name, why);
			rc = -1;
		}
	}
	json_decref(j);
	return rc;
}

/* tls_bufferevent makes the TLS bufferevent of each connection to the TLS port; arg is the
 * SSL_CTX. The bufferevent owns the SSL. */
static struct bufferevent *
tls_bufferevent(struct event_base *base, void *arg)
{
	SSL *ssl = SSL_new(arg);
	struct bufferevent *bev;

	if (ssl == NULL)
		die_oom();
	bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		die_oom(); /* evhttp would fall back to plain text on this port */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

/* tls_context loads the certificate chain and key; NULL after saying why on stderr. Caller frees
 * with SSL_CTX_free. */
static SSL_CTX *
tls_context(const char *cert, const char *key)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	char msg[256];

	if (ctx == NULL)
		die_oom();
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) == 1 &&
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) == 1 &&
	    SSL_CTX_check_private_key(ctx) == 1)
		return ctx;
	ERR_error_string_n(ERR_get_error(), msg, sizeof(msg));
	fprintf(stderr, "fake-kube: cannot use --cert %s and --key %s: %s\n", cert, key, msg);
	SSL_CTX_free(ctx);
	return NULL;
}

/* http_listen makes an evhttp serving fk on bind:port (TLS with ssl unless NULL) and stores the
 * port it got in *bound (port 0 picks a free one); NULL after saying why on stderr. Caller frees
 * with evhttp_free. */
static struct evhttp *
http_listen(struct fake *fk, const char *bind, int port, SSL_CTX *ssl, int *bound)
{
	struct sockaddr_storage ss;
	int sslen = sizeof(ss);
	socklen_t len = sizeof(ss);
	const bool v6 = strchr(bind, ':') != NULL;
	char addr[300];
	struct evconnlistener *lev;
	struct evhttp *http;

	/* Without a port: evutil_parse_sockaddr_port refuses port 0. */
	snprintf(addr, sizeof(addr), "%s%s%s", v6 ? "[" : "", bind, v6 ? "]" : "");
	if (evutil_parse_sockaddr_port(addr, (struct sockaddr *)&ss, &sslen) != 0) {
		fprintf(stderr, "fake-kube: --bind %s: not an IP address\n", bind);
		return NULL;
	}
	if (ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
	else
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
	/* Our own listener for a longer queue than evhttp's 128: tests open hundreds at once. */
	lev = evconnlistener_new_bind(fk->base, NULL, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC, LISTEN_BACKLOG,
	    (struct sockaddr *)&ss, sslen);
	if (lev == NULL) {
		fprintf(stderr, "fake-kube: cannot listen on %s port %d: %s\n", addr, port, strerror(errno));
		return NULL;
	}
	if ((http = evhttp_new(fk->base)) == NULL || evhttp_bind_listener(http, lev) == NULL)
		die_oom();
	getsockname(evconnlistener_get_fd(lev), (struct sockaddr *)&ss, &len);
	*bound = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						: ((struct sockaddr_in *)&ss)->sin_port);
	evhttp_set_gencb(http, on_request, fk);
	evhttp_set_allowed_methods(http,
	    EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
		EVHTTP_REQ_PATCH | EVHTTP_REQ_OPTIONS);
	evhttp_set_max_body_size(http, BODY_MAX);
	evhttp_set_max_headers_size(http, HEADERS_MAX);
	if (ssl != NULL)
		evhttp_set_bevcb(http, tls_bufferevent, ssl);
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
	    "usage: fake-kube --port N [--bind ADDR] [--tls-port M --cert FILE --key FILE]\n"
	    "                 [--clusters FILE]\n"
	    "\n"
	    "Serves fake Kubernetes API servers at http://ADDR:N/c/NAME (https on M), steered through\n"
	    "/_fake/clusters/NAME; see tests/fakes/README.md. ADDR is 127.0.0.1 by default; port 0\n"
	    "picks a free port. Prints \"fake-kube: listening on N[ and M]\" once ready.\n");
}

/* parse_port reads a port number 0..65535; -1 when s is not one. */
static int
parse_port(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	return errno != 0 || *s == '\0' || *end != '\0' || v < 0 || v > 65535 ? -1 : (int)v;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = { { "port", required_argument, NULL, 'p' },
		{ "bind", required_argument, NULL, 'b' }, { "tls-port", required_argument, NULL, 't' },
		{ "cert", required_argument, NULL, 'c' }, { "key", required_argument, NULL, 'k' },
		{ "clusters", required_argument, NULL, 'C' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 } };
	const char *bind = "127.0.0.1", *cert = NULL, *key = NULL, *clusters = NULL;
	int port = -1, tls_port = -1, bound = 0, tls_bound = 0, opt, rc = 1;
	struct evhttp *http = NULL, *https = NULL;
	struct event *sigterm = NULL, *sigint = NULL;
	struct event_config *cfg;
	SSL_CTX *ssl = NULL;
	struct fake *fk;
	struct rlimit rl;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'p': port = parse_port(optarg); break;
		case 'b': bind = optarg; break;
		case 't': tls_port = parse_port(optarg); break;
		case 'c': cert = optarg; break;
		case 'k': key = optarg; break;
		case 'C': clusters = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
		if ((opt == 'p' && port < 0) || (opt == 't' && tls_port < 0)) {
			fprintf(stderr, "fake-kube: %s is not a port number\n", optarg);
			return 2;
		}
	}
	if (optind != argc || port < 0 || (tls_port >= 0) != (cert != NULL && key != NULL) ||
	    (tls_port < 0 && (cert != NULL || key != NULL))) {
		usage(stderr);
		return 2;
	}

	log_init("fake-kube", LOG_INFO);
	signal(SIGPIPE, SIG_IGN); /* a client gone before its answer must not kill us */
	/* One descriptor per connection, and tests open hundreds. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}

	fk = xcalloc(1, sizeof(*fk));
	settings_default(&fk->defaults);
	if (clusters != NULL && load_clusters(fk, clusters) != 0)
		goto cleanup;
	if ((cfg = event_config_new()) == NULL)
		die_oom();
	/* EV_CLOSED tells a client that left from one that waits (pending_gone). */
	event_config_require_features(cfg, EV_FEATURE_EARLY_CLOSE);
	fk->base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (fk->base == NULL) {
		fprintf(stderr, "fake-kube: no event backend detects closed connections (epoll does)\n");
		goto cleanup;
	}
	if (tls_port >= 0 && (ssl = tls_context(cert, key)) == NULL)
		goto cleanup;
	if ((http = http_listen(fk, bind, port, NULL, &bound)) == NULL)
		goto cleanup;
	if (ssl != NULL && (https = http_listen(fk, bind, tls_port, ssl, &tls_bound)) == NULL)
		goto cleanup;
	sigterm = evsignal_new(fk->base, SIGTERM, on_signal, fk->base);
	sigint = evsignal_new(fk->base, SIGINT, on_signal, fk->base);
	if (sigterm == NULL || sigint == NULL || event_add(sigterm, NULL) != 0 ||
	    event_add(sigint, NULL) != 0)
		die_oom();

	if (https != NULL)
		printf("fake-kube: listening on %d and %d\n", bound, tls_bound);
	else
		printf("fake-kube: listening on %d\n", bound);
	fflush(stdout);
	event_base_dispatch(fk->base);
	log_msg(LOG_INFO, NULL, "stopping");
	rc = 0;

cleanup:
	/* The connections free the requests still held back; forget them first. */
	while (fk->pending != NULL)
		pending_detach(fk->pending);
	if (http != NULL)
		evhttp_free(http);
	if (https != NULL)
		evhttp_free(https);
	if (sigterm != NULL)
		event_free(sigterm);
	if (sigint != NULL)
		event_free(sigint);
	if (ssl != NULL)
		SSL_CTX_free(ssl);
	fake_cluster_remove_all(fk);
	settings_free(&fk->defaults);
	if (fk->base != NULL)
		event_base_free(fk->base);
	free(fk);
	libevent_global_shutdown();
	return rc;
}
