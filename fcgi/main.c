/* main.c: aiops-fcgi, a master that holds the socket and a pool of workers that serve requests. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "arena.h"
#include "auth.h"
#include "cache.h"
#include "cfg.h"
#include "db.h"
#include "log.h"
#include "metrics.h"
#include "rds.h"
#include "req.h"
#include "route.h"
#include "secret.h"
#include "tpl.h"
#include "version.h"

#define MAX_WORKERS 256

struct child {
	pid_t pid;
	int generation;
	time_t started;
};

static volatile sig_atomic_t got_term, got_hup, got_chld;
static const char *config_path;
/* The slow pool (--slow): the same program on slow.socket with slow.workers workers, for the
 * routes that wait on clusters; nginx sends those there so that they never hold a page worker. */
static int slow_pool;

static void
on_signal(int sig)
{
	if (sig == SIGTERM || sig == SIGINT)
		got_term = 1;
	else if (sig == SIGHUP)
		got_hup = 1;
	else if (sig == SIGCHLD)
		got_chld = 1;
}

/* catch installs on_signal. The master passes 0 so that its blocked sigsuspend or sleep returns
 * EINTR; a worker passes SA_RESTART so that a signal arriving while it writes a response does not
 * cut the write short (libfcgi does not retry an interrupted write): poll and nanosleep still
 * return EINTR, which is all the worker's loop needs to notice. */
static void catch (int sig, int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: aiops-fcgi [-c FILE] [--slow] [--check | --routes]\n"
	    "\n"
	    "Serves the AIOps NextGen pages and JSON API over FastCGI. The master binds the unix\n"
	    "socket server.socket (or takes a listening socket on fd 0, as spawn-fcgi and systemd pass\n"
	    "it), forks server.workers workers and replaces any that die. SIGTERM finishes the\n"
	    "requests in flight and exits; SIGHUP re-reads the configuration and templates.\n"
	    "\n"
	    "  -c, --config FILE   HDF configuration file (default: $AIOPS_CONFIG, else built-in defaults)\n"
	    "      --slow          run the slow pool: bind slow.socket and fork slow.workers workers\n"
	    "                      (nginx sends it the fan-out routes: /api/v1/metrics/, /prometheus/)\n"
	    "      --check         load the configuration, routes and templates, then exit\n"
	    "      --routes        print the route table (method, path, role needed, flags) and exit\n"
	    "  -h, --help          this text\n"
	    "\n"
	    "Configuration keys, their environment overrides and defaults:\n");
	cfg_help(f);
}

/* print_routes lists the route table, one row a line: what the access tests walk. */
static void
print_routes(FILE *f)
{
	size_t n;
	const struct route *t = route_table(&n);

	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s %s %s %s%s%s%s%s\n", t[i].method, t[i].pattern, role_name(t[i].role),
		    t[i].flags & RF_HTML       ? "html"
			: t[i].flags & RF_JSON ? "json"
					       : "text",
		    t[i].flags & RF_BODY_FORM ? ",form" : "", t[i].flags & RF_BODY_JSON ? ",jsonbody" : "",
		    t[i].flags & RF_PASSWORD_EXEMPT ? ",password-exempt" : "",
		    t[i].flags & RF_LOGIN_CSRF ? ",login-csrf" : "");
}

/* lower_priority gives the slow pool slow.nice (its workers inherit it): a fan-out's merging and
 * parsing then yield the cores to the page workers when both want them. Raising a nice value needs
 * no privilege; a failure is logged and the pool runs as it is. */
static void
lower_priority(void)
{
	long n = cfg_int("slow.nice");

	if (n < 0 || n > 19) {
		log_warn(NULL, "slow.nice is %ld; it takes 0 to 19: left as it is", n);
		return;
	}
	if (setpriority(PRIO_PROCESS, 0, (int)n) != 0)
		log_warn(
		    NULL, "slow.nice: cannot set the slow pool's nice value to %ld: %s", n, strerror(errno));
}

/* load_config reads the configuration and checks that the templates parse. */
static int
load_config(void)
{
	const char *why;
	char *twhy;
	struct tpl *t;
	int lvl;

	if (cfg_load(config_path, &why) != ERR_OK) {
		log_error(NULL, "configuration: %s", why);
		return -1;
	}
	if (slow_pool) {
		/* The rest of the program reads server.socket and server.workers: the slow pool's
		 * own values take their place (copied: cfg_set frees what it replaces). */
		char *sock = xstrdup(cfg_str("slow.socket")), *n = xstrdup(cfg_str("slow.workers"));

		cfg_set("server.socket", sock);
		cfg_set("server.workers", n);
		free(sock);
		free(n);
	}
	lvl = log_level_parse(cfg_str("log.level"));
	log_init("aiops-fcgi", lvl < 0 ? LOG_INFO : (enum log_level)lvl);
	if (slow_pool)
		lower_priority();
	if (tpl_open(cfg_str("server.templates"), &t, &twhy) != ERR_OK) {
		log_error(NULL, "templates: %s", twhy);
		free(twhy);
		return -1;
	}
	tpl_close(t);
	return 0;
}

/* listen_socket returns fd 0 when it is a listening socket, else binds server.socket. */
static int
listen_socket(int *created)
{
	const char *path = cfg_str("server.socket");
	struct sockaddr_un sun;
	int fd, on = 0;
	socklen_t len = sizeof(on);

	*created = 0;
	if (getsockopt(0, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 && on) {
		fd = 0;
	} else {
		if (strlen(path) >= sizeof(sun.sun_path)) {
			log_error(NULL, "socket path too long: %s", path);
			return -1;
		}
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		strcpy(sun.sun_path, path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -1;
		/* A socket file left by a crashed master would stop bind: replace it, but only a
		 * socket, never another kind of file. */
		struct stat st;
		if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(path);
		if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
		    listen(fd, (int)cfg_int("server.backlog")) < 0) {
			log_error(NULL, "bind %s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		chmod(path, 0660);
		*created = 1;
	}
	/* Non-blocking: several workers wake for one connection and the losers get EAGAIN back
	 * instead of waiting in accept, which lets a draining worker leave at once. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

static void
worker_log(struct req *r, double secs)
{
	char status[8], ms[32];

	if (!log_enabled(LOG_INFO))
		return;
	snprintf(status, sizeof(status), "%d", r->status);
	snprintf(ms, sizeof(ms), "%.3f", secs * 1000.0);
	log_kv(LOG_INFO, r->request_id, "request", "method", r->method, "path", r->path, "route",
	    r->route != NULL ? r->route->pattern : "", "#status", status, "#ms", ms, (char *)NULL);
}

static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* listen_waiter returns an epoll instance of this worker's own watching the listening socket with
 * EPOLLEXCLUSIVE, or -1 (then wait_listen polls). With poll, every idle worker wakes for each
 * connection and all but one go back to sleep empty-handed: with the slow pool's tens of workers
 * that herd, not the request, was most of the CPU a cached answer cost. Exclusive, the kernel wakes
 * one idle worker, the first registered, so the same few stay warm. */
static int
listen_waiter(int listen_fd)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE, .data.fd = listen_fd };
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, listen_fd, &ev) == 0)
		return ep;
	log_warn(NULL, "epoll on the listening socket: %s; waiting with poll", strerror(errno));
	if (ep >= 0)
		close(ep);
	return -1;
}

/* wait_listen waits until the listening socket has a connection (timeout_ms -1: for ever); the
 * count of ready descriptors, 0 at the timeout, -1 with errno (EINTR: a signal). */
static int
wait_listen(int ep, int listen_fd, int timeout_ms)
{
	struct epoll_event ev;
	struct pollfd pfd = { listen_fd, POLLIN, 0 };

	return ep >= 0 ? epoll_wait(ep, &ev, 1, timeout_ms) : poll(&pfd, 1, timeout_ms);
}

/* worker_serve accepts and answers requests until SIGTERM and an empty backlog. */
static void
worker_serve(int listen_fd)
{
	struct worker w = { 0 };
	struct arena *a = arena_new();
	struct buf out = { 0 }; /* response bytes; its capacity is kept from request to request */
	FCGX_Request fr;
	char *why;
	int ep;

	signal(SIGHUP, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	catch (SIGTERM, SA_RESTART);
	catch (SIGINT, SA_RESTART);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1)
		_exit(0);

	w.routes = route_table(&w.nroutes);
	w.db = db_open(cfg_str("db.conninfo"));
	w.rds = rds_open(cfg_str("redis.host"), (int)cfg_int("redis.port"), cfg_str("redis.socket"),
	    (int)cfg_int("redis.timeout_ms"));
	w.cache = cache_new(cfg_int("server.cache") != 0, (int)cfg_int("server.cache_ttl"));
	w.shells = cache_new(cfg_int("server.cache") != 0, (int)cfg_int("server.cache_ttl"));
	if (tpl_open(cfg_str("server.templates"), &w.tpl, &why) != ERR_OK) {
		log_error(NULL, "templates: %s", why);
		_exit(1);
	}
	(void)auth_init(cfg_str("auth.common_passwords"));
	/* Connect now, so the first request does not pay for it; failure is not fatal. */
	(void)db_ping(w.db);
	(void)rds_ping(w.rds);

	FCGX_Init();
	FCGX_InitRequest(&fr, listen_fd, 0);
	ep = listen_waiter(listen_fd);
	for (;;) {
		struct req r;
		double t;
		int rc;

		rc = wait_listen(ep, listen_fd, got_term ? 0 : -1);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc == 0 && got_term)
			break;
		rc = FCGX_Accept_r(&fr);
		if (rc == -EAGAIN || rc == -EWOULDBLOCK || rc == -EINTR)
			continue;
		if (rc < 0) {
			log_warn(NULL, "accept: %s", strerror(-rc));
			continue;
		}
		memset(&r, 0, sizeof(r));
		r.a = a;
		r.w = &w;
		r.fcgx = &fr;
		out.len = 0;
		r.body = out;
		tpl_reset(w.tpl);
		req_begin(&r, fr.envp);
		route_dispatch(&r);
		/* A handler that returned inside a transaction of its own lost it: roll it back, so
		 * that nothing of it commits with the next request's statements. */
		if (db_in_tx(w.db)) {
			log_error(r.request_id, "a transaction was left open; rolled back");
			db_tx_rollback(w.db);
		}
		req_finish(&r);
		t = mono_now() - r.t0;
		metrics_request(route_index(r.route), r.status, t);
		/* The log line reads request fields that live in libfcgi's buffers: before Finish. */
		worker_log(&r, t);
		FCGX_Finish_r(&fr);
		out = r.body;
		arena_reset(a);
	}
	FCGX_Free(&fr, 1);
	if (ep >= 0)
		close(ep);
	buf_free(&out);
	cache_free(w.cache);
	cache_free(w.shells);
	secret_key_free(w.key);
	tpl_close(w.tpl);
	db_close(w.db);
	rds_close(w.rds);
	arena_free(a);
	_exit(0);
}

static pid_t
spawn(int listen_fd)
{
	pid_t pid = fork();

	if (pid == 0)
		worker_serve(listen_fd);
	if (pid < 0)
		log_error(NULL, "fork: %s", strerror(errno));
	return pid;
}

static int
count_alive(const struct child *c, int n)
{
	int k = 0;

	for (int i = 0; i < n; i++)
		if (c[i].pid > 0)
			k++;
	return k;
}

/* reap collects dead workers; those of the current generation that died while we are not
 * stopping are replaced (a worker dying within a second of its start waits a second first). */
static void
reap(struct child *c, int n, int generation, int listen_fd, int stopping)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (int i = 0; i < n; i++) {
			if (c[i].pid != pid)
				continue;
			c[i].pid = 0;
			if (stopping || c[i].generation != generation)
				break;
			metrics_inc(METRICS_WORKER_RESTARTS);
			if (WIFSIGNALED(status))
				log_error(NULL, "worker %d killed by signal %d; starting another", (int)pid,
				    WTERMSIG(status));
			else
				log_error(NULL, "worker %d exited with %d; starting another", (int)pid,
				    WEXITSTATUS(status));
			if (time(NULL) - c[i].started < 1)
				sleep(1);
			c[i].pid = spawn(listen_fd);
			c[i].started = time(NULL);
			break;
		}
	}
}

/* route_labels makes the metrics label set of each route row, for the life of the process. */
static const char *const *
route_labels(size_t n)
{
	const struct route *t = route_table(&n);
	char **labels = xcalloc(n + 1, sizeof(*labels));

	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(t[i].pattern) + strlen(t[i].method) + 32;

		labels[i] = xmalloc(len);
		snprintf(labels[i], len, "route=\"%s\",method=\"%s\"", t[i].pattern, t[i].method);
	}
	return (const char *const *)labels;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'k' },
		{ "slow", no_argument, NULL, 's' },
		{ "routes", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct child kids[MAX_WORKERS];
	int ch, check = 0, listen_fd, created, nworkers, generation = 0;
	const struct route *routes;
	size_t nroutes;
	const char *why;
	sigset_t block, empty;

	config_path = getenv("AIOPS_CONFIG");
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': config_path = optarg; break;
		case 'k': check = 1; break;
		case 's': slow_pool = 1; break;
		case 'r': print_routes(stdout); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	log_init("aiops-fcgi", LOG_INFO);
	routes = route_table(&nroutes);
	if (route_check(routes, nroutes, &why) != 0) {
		log_error(NULL, "route table: %s", why);
		return 1;
	}
	if (load_config() != 0)
		return 1;
	/* ps, top and perf tell the pools apart (a name is 15 bytes at most). */
	if (slow_pool)
		prctl(PR_SET_NAME, "aiops-fcgi-slow");
	if (check) {
		printf("configuration, %zu routes and templates are valid\n", nroutes);
		return 0;
	}
	if (version_init() != 0) {
		log_error(NULL, "cannot map shared memory for the data version");
		return 1;
	}
	if (metrics_init(nroutes, route_labels(nroutes)) != 0) {
		log_error(NULL, "cannot map shared memory for metrics");
		return 1;
	}
	if ((listen_fd = listen_socket(&created)) < 0)
		return 1;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &empty);
	catch (SIGTERM, 0);
	catch (SIGINT, 0);
	catch (SIGHUP, 0);
	catch (SIGCHLD, 0);
	signal(SIGPIPE, SIG_IGN);

	memset(kids, 0, sizeof(kids));
	nworkers = (int)cfg_int("server.workers");
	if (nworkers < 1 || nworkers > MAX_WORKERS / 2)
		nworkers = nworkers < 1 ? 1 : MAX_WORKERS / 2;
	metrics_set_workers(nworkers);
	/* Workers start with the signals unblocked. */
	sigprocmask(SIG_SETMASK, &empty, NULL);
	for (int i = 0; i < nworkers; i++) {
		kids[i].pid = spawn(listen_fd);
		kids[i].started = time(NULL);
	}
	sigprocmask(SIG_BLOCK, &block, NULL);
	log_info(NULL, "serving on %s with %d workers%s", created ? cfg_str("server.socket") : "fd 0",
	    nworkers, slow_pool ? " (the slow pool)" : "");

	while (!got_term) {
		/* Signals are blocked here, so a flag set while they were open is seen now. */
		if (!got_chld && !got_hup)
			sigsuspend(&empty);
		if (got_chld) {
			got_chld = 0;
			sigprocmask(SIG_SETMASK, &empty, NULL);
			reap(kids, MAX_WORKERS, generation, listen_fd, 0);
			sigprocmask(SIG_BLOCK, &block, NULL);
		}
		if (got_hup && !got_term) {
			int n;

			got_hup = 0;
			if (load_config() != 0) {
				log_error(NULL, "reload refused: keeping the running configuration");
				continue;
			}
			/* The new generation starts before the old one drains, so nothing waits. */
			generation++;
			n = (int)cfg_int("server.workers");
			if (n < 1 || n > MAX_WORKERS / 2)
				n = n < 1 ? 1 : MAX_WORKERS / 2;
			metrics_set_workers(n);
			for (int i = 0; i < MAX_WORKERS; i++)
				if (kids[i].pid > 0 && kids[i].generation != generation)
					kill(kids[i].pid, SIGTERM);
			sigprocmask(SIG_SETMASK, &empty, NULL);
			for (int i = 0, made = 0; i < MAX_WORKERS && made < n; i++) {
				if (kids[i].pid > 0)
					continue;
				kids[i].pid = spawn(listen_fd);
				kids[i].generation = generation;
				kids[i].started = time(NULL);
				made++;
			}
			sigprocmask(SIG_BLOCK, &block, NULL);
			log_info(NULL, "reloaded: %d workers with the new configuration", n);
		}
	}

	/* Drain: workers finish what they hold and what waits in the backlog, then exit. */
	log_info(NULL, "stopping: draining %d workers", count_alive(kids, MAX_WORKERS));
	for (int i = 0; i < MAX_WORKERS; i++)
		if (kids[i].pid > 0)
			kill(kids[i].pid, SIGTERM);
	sigprocmask(SIG_SETMASK, &empty, NULL);
	{
		time_t deadline = time(NULL) + cfg_int("server.drain_seconds");

		while (count_alive(kids, MAX_WORKERS) > 0 && time(NULL) < deadline) {
			reap(kids, MAX_WORKERS, generation, listen_fd, 1);
			if (count_alive(kids, MAX_WORKERS) > 0)
				usleep(20000);
		}
		for (int i = 0; i < MAX_WORKERS; i++)
			if (kids[i].pid > 0) {
				log_warn(
				    NULL, "worker %d did not finish in time; killing it", (int)kids[i].pid);
				kill(kids[i].pid, SIGKILL);
				waitpid(kids[i].pid, NULL, 0);
			}
	}
	if (created)
		unlink(cfg_str("server.socket"));
	log_info(NULL, "stopped");
	return 0;
}
