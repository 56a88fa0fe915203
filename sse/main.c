/* main.c: aiops-sse, the push daemon: reads the Redis event stream and fans it out to browsers over
 * Server-Sent Events (/events) and WebSocket (/ws), behind nginx, which authenticates each
 * connection (auth_request) and passes the identity on as X-Aiops-User-Id. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "arena.h"
#include "cfg.h"
#include "client.h"
#include "feed.h"
#include "log.h"
#include "pump.h"
#include "route.h"
#include "sse.h"

#define BACKLOG 4096

/* usage prints the command line and every configuration key. */
static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: aiops-sse [-c FILE]\n"
	    "\n"
	    "The push daemon. Reads the Redis stream aiops:events and sends each event to the browsers\n"
	    "that may and want to see it: GET /events (Server-Sent Events; ?types=A,B&clusters=X,Y,\n"
	    "Last-Event-ID to resume) and GET /ws (WebSocket). nginx stands in front: it authenticates\n"
	    "every connection and passes X-Aiops-User-Id; a request without it gets 401, so listen on\n"
	    "loopback or a unix socket only. GET /metrics (Prometheus) and GET /health need no identity.\n"
	    "SIGTERM or SIGINT closes every connection and exits 0.\n"
	    "\n"
	    "Configuration: -c FILE or $AIOPS_CONFIG (HDF), each key overridable from the environment.\n"
	    "It reads sse.*, redis.* and log.level:\n");
	cfg_help(f);
}

/* on_signal: SIGTERM or SIGINT: stop accepting, close every client and Redis, leave the loop. */
static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;

	if (d->stopping)
		return;
	d->stopping = true;
	log_kv(LOG_INFO, NULL, "stopping", "signal", sig == SIGTERM ? "TERM" : "INT", NULL);
	if (d->listener != NULL) {
		evconnlistener_free(d->listener);
		d->listener = NULL;
	}
	if (d->unix_path != NULL)
		unlink(d->unix_path);
	client_close_all(d);
	feed_free(d->feed);
	d->feed = NULL;
	event_base_loopexit(d->base, NULL);
}

/* on_tick: once a second, the slow-client check and the replay deadlines. */
static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;

	if (!d->stopping)
		pump_tick(d);
}

/* on_heartbeat: every sse.heartbeat_seconds. */
static void
on_heartbeat(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;

	if (!d->stopping)
		pump_heartbeat(d);
}

/* on_accept hands a new connection to client.c. */
static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len, void *arg)
{
	client_accept(arg, fd);
}

/* on_resume_accept accepts again after on_accept_error paused. */
static void
on_resume_accept(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;

	if (d->listener != NULL)
		evconnlistener_enable(d->listener);
}

/* on_accept_error: out of descriptors (or another accept failure) would spin: pause a second. */
static void
on_accept_error(struct evconnlistener *l, void *arg)
{
	struct daemon *d = arg;
	struct timeval one = { 1, 0 };
	int err = EVUTIL_SOCKET_ERROR();

	log_warn(NULL, "accept failed: %s; not accepting for a second", evutil_socket_error_to_string(err));
	evconnlistener_disable(l);
	evtimer_add(d->resume_accept, &one);
}

/* is_loopback: 127.0.0.0/8 or ::1. */
static bool
is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr);
	return false;
}

/* listen_on binds spec: "host:port", "[v6]:port", or a unix socket path starting with "/". */
static int
listen_on(struct daemon *d, const char *spec)
{
	struct sockaddr_storage ss;
	int len = (int)sizeof(ss);
	unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC;

	memset(&ss, 0, sizeof(ss));
	if (spec[0] == '/') {
		struct sockaddr_un *sun = (struct sockaddr_un *)(void *)&ss;
		struct stat st;

		if (strlen(spec) >= sizeof(sun->sun_path)) {
			log_error(NULL, "sse.listen: the socket path is too long: %s", spec);
			return -1;
		}
		sun->sun_family = AF_UNIX;
		strcpy(sun->sun_path, spec);
		len = (int)sizeof(*sun);
		/* A socket file left by a crashed daemon would stop bind: replace it, but only a
		 * socket, never another kind of file. */
		if (lstat(spec, &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(spec);
	} else {
		if (evutil_parse_sockaddr_port(spec, (struct sockaddr *)&ss, &len) != 0 ||
		    (ss.ss_family == AF_INET && ((struct sockaddr_in *)(void *)&ss)->sin_port == 0) ||
		    (ss.ss_family == AF_INET6 && ((struct sockaddr_in6 *)(void *)&ss)->sin6_port == 0)) {
			log_error(
			    NULL, "sse.listen must be host:port, [v6]:port or a /path, not \"%s\"", spec);
			return -1;
		}
		if (!is_loopback((struct sockaddr *)&ss))
			log_warn(NULL,
			    "sse.listen %s is not a loopback address: whoever reaches it can claim any "
			    "identity "
			    "with X-Aiops-User-Id; only nginx should",
			    spec);
		flags |= LEV_OPT_REUSEABLE;
	}
	d->listener =
	    evconnlistener_new_bind(d->base, on_accept, d, flags, BACKLOG, (struct sockaddr *)&ss, len);
	if (d->listener == NULL) {
		log_error(NULL, "cannot listen on %s: %s", spec, strerror(errno));
		return -1;
	}
	evconnlistener_set_error_cb(d->listener, on_accept_error);
	if (spec[0] == '/') {
		chmod(spec, 0660);
		d->unix_path = xstrdup(spec);
	}
	return 0;
}

/* split_origins makes the NULL-terminated list of sse.origins (comma-separated). */
static char **
split_origins(const char *s)
{
	char **list = xcalloc(1, sizeof(*list));
	size_t n = 0;

	while (s != NULL && *s != '\0') {
		size_t k = strcspn(s, ", ");

		if (k > 0) {
			list = xrealloc(list, (n + 2) * sizeof(*list));
			list[n] = xmalloc(k + 1);
			memcpy(list[n], s, k);
			list[n][k] = '\0';
			list[++n] = NULL;
		}
		s += k;
		s += strspn(s, ", ");
	}
	return list;
}

/* raise_nofile lifts the soft limit on descriptors to the hard one: each client holds one. */
static rlim_t
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 0;
	if (rl.rlim_cur < rl.rlim_max) {
		rlim_t was = rl.rlim_cur;

		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			rl.rlim_cur = was;
	}
	return rl.rlim_cur;
}

/* positive reads a numeric key, raised to min (with a warning) when below it. */
static long
positive(const char *key, long min)
{
	long v = cfg_int(key);

	if (v < min) {
		log_warn(NULL, "%s must be at least %ld; using %ld", key, min, min);
		v = min;
	}
	return v;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = getenv("AIOPS_CONFIG"), *why;
	struct daemon d;
	struct timeval one = { 1, 0 }, beat;
	char num[3][24];
	rlim_t nofile;
	int ch, lvl, rc = 0;

	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': config = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	log_init("aiops-sse", LOG_INFO);
	if (cfg_load(config, &why) != ERR_OK) {
		fprintf(stderr, "aiops-sse: %s\n", why);
		return 1;
	}
	if ((lvl = log_level_parse(cfg_str("log.level"))) >= 0)
		log_init("aiops-sse", (enum log_level)lvl);
	signal(SIGPIPE, SIG_IGN);
	nofile = raise_nofile();

	memset(&d, 0, sizeof(d));
	d.ops = route_ops;
	d.heartbeat_s = cfg_int("sse.heartbeat_seconds");
	d.max_buffer = positive("sse.max_buffer_bytes", 4096);
	d.max_clients = positive("sse.max_clients", 1);
	d.replay_max = positive("sse.replay_max", 0);
	d.origins = split_origins(cfg_str("sse.origins"));
	if (nofile != 0 && nofile != RLIM_INFINITY && (rlim_t)d.max_clients + 64 > nofile)
		log_warn(NULL,
		    "only %llu file descriptors: fewer clients than sse.max_clients (%ld) can connect",
		    (unsigned long long)nofile, d.max_clients);
	if ((d.base = event_base_new()) == NULL) {
		log_error(NULL, "cannot start the event loop");
		return 1;
	}
	hub_init(&d.hub);
	d.resume_accept = evtimer_new(d.base, on_resume_accept, &d);
	if (listen_on(&d, cfg_str("sse.listen")) != 0) {
		rc = 1;
		goto cleanup;
	}
	d.feed = feed_new(&d, &pump_hooks, cfg_str("redis.host"), (int)cfg_int("redis.port"),
	    cfg_str("redis.socket"), (int)cfg_int("redis.timeout_ms"));
	d.tick = event_new(d.base, -1, EV_PERSIST, on_tick, &d);
	d.heartbeat = event_new(d.base, -1, EV_PERSIST, on_heartbeat, &d);
	d.sigterm = evsignal_new(d.base, SIGTERM, on_signal, &d);
	d.sigint = evsignal_new(d.base, SIGINT, on_signal, &d);
	if (d.resume_accept == NULL || d.tick == NULL || d.heartbeat == NULL || d.sigterm == NULL ||
	    d.sigint == NULL)
		die_oom();
	evtimer_add(d.tick, &one);
	if (d.heartbeat_s > 0) {
		beat.tv_sec = d.heartbeat_s;
		beat.tv_usec = 0;
		evtimer_add(d.heartbeat, &beat);
	}
	evsignal_add(d.sigterm, NULL);
	evsignal_add(d.sigint, NULL);
	snprintf(num[0], sizeof(num[0]), "%ld", d.max_clients);
	snprintf(num[1], sizeof(num[1]), "%ld", d.max_buffer);
	snprintf(num[2], sizeof(num[2]), "%llu", (unsigned long long)nofile);
	log_kv(LOG_INFO, NULL, "aiops-sse started", "listen", cfg_str("sse.listen"), "redis",
	    *cfg_str("redis.socket") ? cfg_str("redis.socket") : cfg_str("redis.host"), "#max_clients",
	    num[0], "#max_buffer_bytes", num[1], "#nofile", num[2], NULL);

	event_base_dispatch(d.base);
	log_info(NULL, "aiops-sse stopped");

cleanup:
	/* The clients and Redis were closed by on_signal; what is left is the loop's own. */
	if (d.tick != NULL)
		event_free(d.tick);
	if (d.heartbeat != NULL)
		event_free(d.heartbeat);
	if (d.sigterm != NULL)
		event_free(d.sigterm);
	if (d.sigint != NULL)
		event_free(d.sigint);
	event_free(d.resume_accept);
	hub_free(&d.hub);
	event_base_free(d.base);
	libevent_global_shutdown();
	for (char **p = d.origins; *p != NULL; p++)
		free(*p);
	free(d.origins);
	free(d.unix_path);
	return rc;
}
