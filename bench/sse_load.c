/* sse_load.c: the load client of bench/sse-fanout. Holds N Server-Sent Events connections to one
 * server, publishes R events a second for S seconds (XADD to the Redis stream aiops-sse reads, or an
 * HTTP POST to an nchan publisher location), and prints what arrived and how late, with the RSS of
 * the server's processes before the clients connected, once they all idle, and under the load.
 *
 * Each event carries its sequence number and the publish time (CLOCK_MONOTONIC, this process's own
 * clock): the latency is the time from just before the publish call to the moment the client
 * parsed the event's data line. The last line is key=value pairs for the script to read. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#define CONNECTS_IN_FLIGHT 256 /* connections being set up at once */
#define CONNECT_TIMEOUT_S 120 /* for all N to be streaming */
#define SETTLE_MS 1500 /* after the last client is streaming, before measuring */
#define DRAIN_MAX_MS 10000 /* after the last publish, for the stragglers */
#define LINE_MAX 65536

enum cstate { C_NEW, C_CONNECTING, C_HEAD, C_STREAM, C_DEAD };

/* One connection: its state, its chunked-transfer decoder and its unparsed event text. */
struct client {
	struct bufferevent *bev;
	struct evbuffer *body; /* decoded body bytes not yet parsed into lines */
	uint64_t got; /* events received */
	int64_t last_seq;
	uint64_t chunk_left; /* bytes left in the current chunk */
	uint8_t state;
	bool chunked, in_chunk_trailer;
};

/* The run: the options, the clients, the samples. Process-lifetime; this is a benchmark tool. */
static struct {
	struct event_base *base;
	struct sockaddr_in addr;
	const char *path, *header, *redis_socket, *publish_path, *rss_pids;
	long n, rate, seconds;
	struct client *c;
	long next_connect, connecting, streaming, streaming0, dead, failed_status;
	int64_t published, publish_errors, dups;
	uint32_t *lat; /* microseconds, one per delivered event */
	size_t nlat, caplat;
	uint64_t delivered;
	uint64_t t_start_ns;
	redisAsyncContext *ac;
	struct bufferevent *pub; /* the nchan publisher connection */
	struct event *tick, *phase;
	long rss_base, rss_idle, rss_load;
	bool publishing;
} L;

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
die(const char *msg)
{
	fprintf(stderr, "sse-load: %s\n", msg);
	exit(1);
}

static void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n)) == NULL)
		die("out of memory");
	return p;
}

/* rss_kb sums VmRSS over the comma-separated pids of --rss (0 when none is given). */
static long
rss_kb(void)
{
	char list[512], *save = NULL;
	long sum = 0;

	if (L.rss_pids == NULL)
		return 0;
	snprintf(list, sizeof(list), "%s", L.rss_pids);
	for (char *p = strtok_r(list, ",", &save); p != NULL; p = strtok_r(NULL, ",", &save)) {
		char path[64], line[256];
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%s/status", p);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		while (fgets(line, sizeof(line), f) != NULL)
			if (strncmp(line, "VmRSS:", 6) == 0)
				sum += strtol(line + 6, NULL, 10);
		fclose(f);
	}
	return sum;
}

static void client_connect(struct client *c);

/* client_dead closes c and keeps the connection pipeline moving. */
static void
client_dead(struct client *c)
{
	if (c->state == C_CONNECTING || c->state == C_HEAD)
		L.connecting--;
	if (c->state == C_STREAM)
		L.streaming--;
	c->state = C_DEAD;
	L.dead++;
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	c->bev = NULL;
	while (L.connecting < CONNECTS_IN_FLIGHT && L.next_connect < L.n)
		client_connect(&L.c[L.next_connect++]);
}

/* on_data_line takes one "data: ..." line: finds "seq" and "t_ns", records the latency. */
static void
on_data_line(struct client *c, const char *s)
{
	const char *p;
	int64_t seq;
	uint64_t t;

	if ((p = strstr(s, "\"seq\":")) == NULL)
		return;
	seq = strtoll(p + 6, NULL, 10);
	if ((p = strstr(s, "\"t_ns\":")) == NULL)
		return;
	t = strtoull(p + 7, NULL, 10);
	if (seq <= c->last_seq) {
		L.dups++;
		return;
	}
	c->last_seq = seq;
	c->got++;
	L.delivered++;
	if (L.nlat == L.caplat) {
		L.caplat = L.caplat ? L.caplat * 2 : 1 << 20;
		L.lat = xrealloc(L.lat, L.caplat * sizeof(*L.lat));
	}
	uint64_t d = now_ns() - t;
	L.lat[L.nlat++] = d / 1000 > UINT32_MAX ? UINT32_MAX : (uint32_t)(d / 1000);
}

/* parse_lines consumes whole lines of the decoded body. */
static void
parse_lines(struct client *c)
{
	char *line;
	size_t n;

	while ((line = evbuffer_readln(c->body, &n, EVBUFFER_EOL_LF)) != NULL) {
		if (strncmp(line, "data:", 5) == 0)
			on_data_line(c, line + 5);
		free(line);
	}
	if (evbuffer_get_length(c->body) > LINE_MAX)
		client_dead(c);
}

/* dechunk moves body bytes from in to c->body, undoing chunked transfer encoding when it is on. */
static int
dechunk(struct client *c, struct evbuffer *in)
{
	if (!c->chunked) {
		evbuffer_add_buffer(c->body, in);
		return 0;
	}
	while (evbuffer_get_length(in) > 0) {
		if (c->chunk_left > 0) {
			size_t have = evbuffer_get_length(in),
			       take = have < c->chunk_left ? have : c->chunk_left;

			evbuffer_remove_buffer(in, c->body, take);
			c->chunk_left -= take;
			if (c->chunk_left == 0)
				c->in_chunk_trailer = true;
			continue;
		}
		char *line = evbuffer_readln(in, NULL, EVBUFFER_EOL_CRLF);

		if (line == NULL)
			return evbuffer_get_length(in) > 64 ? -1 : 0;
		if (c->in_chunk_trailer) { /* the CRLF after a chunk's data */
			c->in_chunk_trailer = false;
			bool empty = line[0] == '\0';

			free(line);
			if (!empty)
				return -1;
			continue;
		}
		char *end;
		unsigned long long sz = strtoull(line, &end, 16);

		free(line);
		if (end == line)
			return -1;
		if (sz == 0)
			return -1; /* the stream ended */
		c->chunk_left = sz;
	}
	return 0;
}

/* on_read: the response head, then the event stream. */
static void
on_read(struct bufferevent *bev, void *arg)
{
	struct client *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	if (c->state == C_HEAD) {
		struct evbuffer_ptr p = evbuffer_search(in, "\r\n\r\n", 4, NULL);
		size_t len;
		char *head;

		if (p.pos < 0) {
			if (evbuffer_get_length(in) > 16384)
				client_dead(c);
			return;
		}
		len = (size_t)p.pos + 4;
		head = xrealloc(NULL, len + 1);
		evbuffer_remove(in, head, len);
		head[len] = '\0';
		if (strncmp(head, "HTTP/1.1 200", 12) != 0 && strncmp(head, "HTTP/1.0 200", 12) != 0) {
			if (L.failed_status++ < 3)
				fprintf(stderr, "sse-load: refused: %.*s\n", (int)strcspn(head, "\r"), head);
			free(head);
			client_dead(c);
			return;
		}
		c->chunked = strcasestr(head, "\r\nTransfer-Encoding: chunked") != NULL;
		free(head);
		c->state = C_STREAM;
		c->body = evbuffer_new();
		L.connecting--;
		L.streaming++;
		while (L.connecting < CONNECTS_IN_FLIGHT && L.next_connect < L.n)
			client_connect(&L.c[L.next_connect++]);
	}
	if (c->state != C_STREAM)
		return;
	if (dechunk(c, in) != 0) {
		client_dead(c);
		return;
	}
	parse_lines(c);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct client *c = arg;

	if (what & BEV_EVENT_CONNECTED) {
		int one = 1;

		setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c->state = C_HEAD;
		return;
	}
	client_dead(c);
}

static void
client_connect(struct client *c)
{
	char req[2048];
	int n;

	c->bev = bufferevent_socket_new(L.base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL)
		die("cannot make a socket");
	c->last_seq = -1;
	bufferevent_setcb(c->bev, on_read, NULL, on_event, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	n = snprintf(req, sizeof(req),
	    "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nCache-Control: "
	    "no-cache\r\n%s%s\r\n",
	    L.path, L.header ? L.header : "", L.header ? "\r\n" : "");
	bufferevent_write(c->bev, req, (size_t)n);
	c->state = C_CONNECTING;
	L.connecting++;
	if (bufferevent_socket_connect(c->bev, (struct sockaddr *)&L.addr, sizeof(L.addr)) != 0)
		client_dead(c);
}

/* --- publishing --- */

/* event_json writes the event the server fans out: the one event shape, about as large as a
 * cluster status change, with the sequence number and the publish time in data. */
static int
event_json(char *out, size_t cap, int64_t seq, uint64_t t)
{
	return snprintf(out, cap,
	    "{\"id\":\"bench-%" PRId64 "\",\"type\":\"CLUSTER_STATUS_CHANGED\",\"cluster_id\":"
	    "\"5f0c2a4e-8d1b-4c55-9b1e-2f3a4b5c6d7e\",\"ts\":\"2026-12-01T00:00:00.000Z\",\"data\":{"
	    "\"seq\":%" PRId64 ",\"t_ns\":%" PRIu64 ",\"name\":\"ocp-prod-west\",\"status\":\"degraded\","
	    "\"previous\":\"ready\",\"reason\":\"readyz: etcd failing; prometheus: not ready\"}}",
	    seq, seq, t);
}

static void
xadd_done(redisAsyncContext *ac, void *reply, void *priv)
{
	redisReply *r = reply;

	if (r == NULL || r->type == REDIS_REPLY_ERROR)
		L.publish_errors++;
}

static void
publish_one(void)
{
	char body[1024];
	uint64_t t = now_ns();
	int n = event_json(body, sizeof(body), L.published, t);

	if (L.ac != NULL) {
		if (redisAsyncCommand(L.ac, xadd_done, NULL,
			"XADD aiops:events MAXLEN ~ 100000 * type CLUSTER_STATUS_CHANGED cluster_id %s owner "
			"%s event %b",
			"5f0c2a4e-8d1b-4c55-9b1e-2f3a4b5c6d7e", "", body, (size_t)n) != REDIS_OK)
			L.publish_errors++;
	} else {
		char head[256];
		int h = snprintf(head, sizeof(head),
		    "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
		    "application/json\r\nContent-Length: %d\r\n\r\n",
		    L.publish_path, n);

		bufferevent_write(L.pub, head, (size_t)h);
		bufferevent_write(L.pub, body, (size_t)n);
	}
	L.published++;
}

/* on_pub_read drains the publisher's answers, counting those that are not 2xx. */
static void
on_pub_read(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);
	char *line;

	while ((line = evbuffer_readln(in, NULL, EVBUFFER_EOL_CRLF)) != NULL) {
		if (strncmp(line, "HTTP/1.", 7) == 0 && strlen(line) >= 10 && line[9] != '2')
			L.publish_errors++;
		free(line);
	}
}

static void
on_pub_event(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		die("the publisher connection closed");
}

/* on_tick publishes every event whose time has come on the fixed schedule. */
static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	uint64_t now = now_ns(), elapsed = now - L.t_start_ns;
	int64_t due = (int64_t)(elapsed * (uint64_t)L.rate / 1000000000u) + 1;
	int64_t total = (int64_t)L.rate * L.seconds;

	if (due > total)
		due = total;
	while (L.published < due)
		publish_one();
	if (L.published >= total) {
		L.publishing = false;
		L.rss_load = rss_kb();
		return;
	}
	struct timeval tv = { 0, 1000000 / L.rate / 4 > 0 ? 1000000 / L.rate / 4 : 1 };

	event_add(L.tick, &tv);
}

static void
ms_tv(long ms, struct timeval *tv)
{
	tv->tv_sec = ms / 1000;
	tv->tv_usec = (ms % 1000) * 1000;
}

/* on_phase drives the run: connecting, settling, publishing, draining. */
static void
on_phase(evutil_socket_t fd, short what, void *arg)
{
	static int phase;
	static uint64_t since;
	struct timeval tv;
	uint64_t now = now_ns();

	if (phase == 0) { /* waiting for every client to stream */
		if (since == 0)
			since = now;
		if (L.streaming + L.dead < L.n && now - since < (uint64_t)CONNECT_TIMEOUT_S * 1000000000u) {
			ms_tv(50, &tv);
			event_add(L.phase, &tv);
			return;
		}
		phase = 1;
		ms_tv(SETTLE_MS, &tv);
		event_add(L.phase, &tv);
		return;
	}
	if (phase == 1) { /* settled: the idle figure, then the load */
		L.rss_idle = rss_kb();
		L.streaming0 = L.streaming;
		if (L.rate <= 0 || L.seconds <= 0) {
			event_base_loopexit(L.base, NULL);
			return;
		}
		phase = 2;
		L.publishing = true;
		L.t_start_ns = now_ns();
		on_tick(-1, 0, NULL);
		ms_tv(50, &tv);
		event_add(L.phase, &tv);
		return;
	}
	if (phase == 2) { /* publishing */
		if (L.publishing) {
			ms_tv(50, &tv);
			event_add(L.phase, &tv);
			return;
		}
		phase = 3;
		since = now;
	}
	/* draining: until every streaming client has everything, or the bound */
	if (L.delivered < (uint64_t)L.published * (uint64_t)L.streaming0 &&
	    now - since < (uint64_t)DRAIN_MAX_MS * 1000000u) {
		ms_tv(20, &tv);
		event_add(L.phase, &tv);
		return;
	}
	event_base_loopexit(L.base, NULL);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void
on_redis_connect(const redisAsyncContext *ac, int status)
{
	if (status != REDIS_OK)
		die("cannot reach Redis");
}

static void
usage(void)
{
	fputs(
	    "usage: sse-load --port PORT --path PATH [--header 'Name: value'] --clients N\n"
	    "                [--rate R --seconds S (--redis-socket PATH | --publish-path PATH)] [--rss "
	    "PID,...]\n"
	    "Holds N SSE connections to 127.0.0.1:PORT PATH, publishes R events/s for S seconds (XADD to\n"
	    "aiops:events over Redis at PATH, or POST to PATH on the same server, as nchan takes them), and\n"
	    "prints what arrived, the latencies and the RSS of the pids named by --rss.\n",
	    stderr);
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "path", required_argument, NULL, 'P' },
		{ "header", required_argument, NULL, 'H' },
		{ "clients", required_argument, NULL, 'n' },
		{ "rate", required_argument, NULL, 'r' },
		{ "seconds", required_argument, NULL, 's' },
		{ "redis-socket", required_argument, NULL, 'R' },
		{ "publish-path", required_argument, NULL, 'U' },
		{ "rss", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	struct rlimit rl;
	long port = 0;
	int o;

	L.path = "/events";
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'p': port = strtol(optarg, NULL, 10); break;
		case 'P': L.path = optarg; break;
		case 'H': L.header = optarg; break;
		case 'n': L.n = strtol(optarg, NULL, 10); break;
		case 'r': L.rate = strtol(optarg, NULL, 10); break;
		case 's': L.seconds = strtol(optarg, NULL, 10); break;
		case 'R': L.redis_socket = optarg; break;
		case 'U': L.publish_path = optarg; break;
		case 'm': L.rss_pids = optarg; break;
		default: usage();
		}
	}
	if (port <= 0 || port > 65535 || L.n <= 0 || L.n > 1000000 || L.rate < 0 || L.seconds < 0)
		usage();
	if (L.rate > 0 && L.seconds > 0 && (L.redis_socket == NULL) == (L.publish_path == NULL))
		usage();
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)L.n + 64) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		if (rl.rlim_cur < (rlim_t)L.n + 64)
			die("not enough file descriptors for that many clients (ulimit -n)");
	}
	L.base = event_base_new();
	L.addr.sin_family = AF_INET;
	L.addr.sin_port = htons((uint16_t)port);
	L.addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	L.c = calloc((size_t)L.n, sizeof(*L.c));
	if (L.c == NULL)
		die("out of memory");
	if (L.rate > 0 && L.seconds > 0) {
		if (L.redis_socket != NULL) {
			L.ac = redisAsyncConnectUnix(L.redis_socket);
			if (L.ac == NULL || L.ac->err)
				die("cannot reach Redis");
			redisLibeventAttach(L.ac, L.base);
			redisAsyncSetConnectCallback(L.ac, on_redis_connect);
		} else {
			L.pub = bufferevent_socket_new(L.base, -1, BEV_OPT_CLOSE_ON_FREE);
			bufferevent_setcb(L.pub, on_pub_read, NULL, on_pub_event, NULL);
			bufferevent_enable(L.pub, EV_READ | EV_WRITE);
			if (bufferevent_socket_connect(L.pub, (struct sockaddr *)&L.addr, sizeof(L.addr)) !=
			    0)
				die("cannot connect the publisher");
		}
	}
	L.tick = evtimer_new(L.base, on_tick, NULL);
	L.phase = evtimer_new(L.base, on_phase, NULL);
	L.rss_base = rss_kb();
	while (L.connecting < CONNECTS_IN_FLIGHT && L.next_connect < L.n)
		client_connect(&L.c[L.next_connect++]);
	on_phase(-1, 0, NULL);
	event_base_dispatch(L.base);

	uint64_t expected = (uint64_t)L.published * (uint64_t)L.streaming0;
	uint32_t p50 = 0, p99 = 0, max = 0;

	if (L.nlat > 0) {
		qsort(L.lat, L.nlat, sizeof(*L.lat), cmp_u32);
		p50 = L.lat[L.nlat / 2];
		p99 = L.lat[(size_t)((double)L.nlat * 0.99)];
		max = L.lat[L.nlat - 1];
	}
	if (L.rss_load == 0)
		L.rss_load = rss_kb();
	printf("clients=%ld streaming=%ld failed=%ld published=%" PRId64 " publish_errors=%" PRId64
	       " expected=%" PRIu64 " delivered=%" PRIu64 " dups=%" PRId64 " p50_us=%u p99_us=%u max_us=%u"
	       " rss_base_kb=%ld rss_idle_kb=%ld rss_load_kb=%ld\n",
	    L.n, L.streaming, L.dead, L.published, L.publish_errors, expected, L.delivered, L.dups, p50, p99,
	    max, L.rss_base, L.rss_idle, L.rss_load);
	return 0;
}
