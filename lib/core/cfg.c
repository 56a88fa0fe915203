/* cfg.c: the table of configuration keys, read from HDF and overridden from the environment. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ClearSilver.h"

#include "arena.h"
#include "cfg.h"

struct cfg_key {
	const char *key; /* HDF path */
	const char *env; /* environment override */
	const char *def; /* default */
	const char *help;
	int numeric;
};

static const struct cfg_key cfg_keys[] = {
	{ "server.socket", "AIOPS_SOCKET", "run/aiops.sock",
	    "unix socket the FastCGI master binds (unless a socket is passed on fd 0)", 0 },
	{ "server.workers", "AIOPS_WORKERS", "4", "number of worker processes", 1 },
	{ "server.backlog", "AIOPS_BACKLOG", "256", "listen backlog of the socket", 1 },
	{ "slow.socket", "AIOPS_SLOW_SOCKET", "run/aiops-slow.sock",
	    "unix socket of the slow pool (aiops-fcgi --slow): nginx sends it the routes that wait on "
	    "clusters (/api/v1/metrics/, /prometheus/), so that they never hold the page workers",
	    0 },
	{ "slow.workers", "AIOPS_SLOW_WORKERS", "16",
	    "worker processes of the slow pool: how many fan-out queries run at once (more wait in "
	    "its socket's backlog)",
	    1 },
	{ "slow.nice", "AIOPS_SLOW_NICE", "10",
	    "nice value of the slow pool (0-19): the fan-out's merging and parsing yield the CPU to the "
	    "page workers",
	    1 },
	{ "server.templates", "AIOPS_TEMPLATES", PKGDATADIR "/templates", "folder of ClearSilver templates",
	    0 },
	{ "server.openapi", "AIOPS_OPENAPI", PKGDATADIR "/static/openapi.json",
	    "the OpenAPI document the API reference page is rendered from", 0 },
	{ "alerts.max_body", "AIOPS_ALERTS_MAX_BODY", "16777216",
	    "largest Alertmanager webhook body accepted, bytes (a larger one is refused with 413, which "
	    "Alertmanager does not retry: keep it above what max_alerts lets through)",
	    1 },
	{ "alerts.retention_days", "AIOPS_ALERTS_RETENTION_DAYS", "90",
	    "resolved alerts older than this are deleted by aiops-collect retention", 1 },
	{ "health.retention_days", "AIOPS_HEALTH_RETENTION_DAYS", "30",
	    "health checks older than this are deleted by aiops-collect retention", 1 },
	{ "alerts.watchdog_seconds", "AIOPS_ALERTS_WATCHDOG_SECONDS", "900",
	    "a cluster whose Watchdog alert has not arrived for this long has a broken alert pipeline "
	    "(route the Watchdog with a repeat_interval well below it)",
	    1 },
	{ "server.max_body", "AIOPS_MAX_BODY", "1048576", "largest request body accepted, bytes", 1 },
	{ "server.json_depth", "AIOPS_JSON_DEPTH", "32", "deepest JSON nesting accepted", 1 },
	{ "server.cache", "AIOPS_CACHE", "1",
	    "1 to cache rendered pages by data version, 0 to render every time", 1 },
	{ "server.cache_ttl", "AIOPS_CACHE_TTL", "30", "seconds a cached rendering may be served at most",
	    1 },
	{ "server.live", "AIOPS_LIVE", "1",
	    "1: the fleet pages follow changes through the push daemon at /events (aiops-sse)", 1 },
	{ "server.drain_seconds", "AIOPS_DRAIN_SECONDS", "30",
	    "how long SIGTERM waits for requests in flight", 1 },
	{ "metrics.concurrency", "AIOPS_METRICS_CONCURRENCY", "64",
	    "how many clusters' Prometheus one federated query asks at once", 1 },
	{ "metrics.timeout_ms", "AIOPS_METRICS_TIMEOUT_MS", "5000",
	    "how long a federated query waits for a cluster's Prometheus, milliseconds; also the "
	    "longest overall deadline a caller's timeout parameter may ask for",
	    1 },
	{ "metrics.max_reply_bytes", "AIOPS_METRICS_MAX_REPLY_BYTES", "8388608",
	    "largest answer read from a cluster's Prometheus, bytes (a larger one is that cluster's "
	    "bad_reply)",
	    1 },
	{ "metrics.cache_ttl", "AIOPS_METRICS_CACHE_TTL", "15",
	    "seconds a federated answer is kept in Redis (0: not cached); instant queries without a "
	    "time asked within one such period (of the clock) share the first one's answer",
	    1 },
	{ "collect.concurrency", "AIOPS_COLLECT_CONCURRENCY", "512",
	    "how many clusters a collector polls at once", 1 },
	{ "collect.timeout_ms", "AIOPS_COLLECT_TIMEOUT_MS", "5000",
	    "how long one outbound request to a cluster may take, milliseconds", 1 },
	{ "collect.max_bytes", "AIOPS_COLLECT_MAX_BYTES", "1048576",
	    "largest response a collector reads from a cluster, bytes", 1 },
	{ "sse.listen", "AIOPS_SSE_LISTEN", "127.0.0.1:8090",
	    "where aiops-sse listens: host:port, or a unix socket path starting with /; keep it loopback, "
	    "nginx passes the identity it trusts",
	    0 },
	{ "sse.heartbeat_seconds", "AIOPS_SSE_HEARTBEAT_SECONDS", "15",
	    "seconds between heartbeats to an idle push client (SSE comment, WebSocket ping); 0: none", 1 },
	{ "sse.max_buffer_bytes", "AIOPS_SSE_MAX_BUFFER_BYTES", "262144",
	    "a push client whose unsent output stays above this (two checks a second apart) is cut off", 1 },
	{ "sse.max_clients", "AIOPS_SSE_MAX_CLIENTS", "20000", "most push clients at once; more get 503", 1 },
	{ "sse.replay_max", "AIOPS_SSE_REPLAY_MAX", "1000",
	    "most events replayed to a client that resumes; after a longer gap it is told to reload", 1 },
	{ "sse.origins", "AIOPS_SSE_ORIGINS", "",
	    "origins (comma-separated, https://host) allowed to open /ws besides the request's own Host", 0 },
	{ "db.conninfo", "AIOPS_DB", "dbname=aiops", "libpq connection string of PostgreSQL", 0 },
	{ "db.statement_timeout_ms", "AIOPS_DB_TIMEOUT_MS", "5000", "statement timeout, milliseconds", 1 },
	{ "redis.host", "AIOPS_REDIS_HOST", "127.0.0.1", "Redis host (ignored when redis.socket is set)", 0 },
	{ "redis.port", "AIOPS_REDIS_PORT", "6379", "Redis port", 1 },
	{ "redis.socket", "AIOPS_REDIS_SOCKET", "", "Redis unix socket path", 0 },
	{ "redis.timeout_ms", "AIOPS_REDIS_TIMEOUT_MS", "500",
	    "Redis connect and command timeout, milliseconds", 1 },
	{ "log.level", "AIOPS_LOG_LEVEL", "info", "lowest level logged: debug, info, warn, error", 0 },
	{ "session.idle_seconds", "AIOPS_SESSION_IDLE_SECONDS", "28800", "a session unused this long ends",
	    1 },
	{ "session.absolute_seconds", "AIOPS_SESSION_ABSOLUTE_SECONDS", "604800",
	    "a session ends this long after login", 1 },
	{ "session.secure_cookie", "AIOPS_SECURE_COOKIE", "1",
	    "1: the session cookie is __Host- and Secure (HTTPS); 0 only for a loopback dev stack on plain "
	    "HTTP",
	    1 },
	{ "secrets.key_file", "AIOPS_KEY_FILE", "/etc/aiops/aiops.key",
	    "the 0600 file holding the key that seals cluster credentials", 0 },
	{ "auth.common_passwords", "AIOPS_COMMON_PASSWORDS", "/usr/share/john/password.lst",
	    "list of common passwords to refuse (Debian package john-data)", 0 },
	{ "auth.proxy.enabled", "AIOPS_PROXY_AUTH", "0",
	    "1 to trust the user and groups an authenticating proxy passes through nginx", 1 },
	{ "auth.proxy.admin_groups", "AIOPS_PROXY_ADMIN_GROUPS", "",
	    "comma-separated proxy groups that make an admin", 0 },
	{ "auth.proxy.operator_groups", "AIOPS_PROXY_OPERATOR_GROUPS", "", "groups that make an operator",
	    0 },
	{ "auth.proxy.viewer_groups", "AIOPS_PROXY_VIEWER_GROUPS", "",
	    "groups that make a viewer (empty: any proxy user is at least a viewer)", 0 },
};

#define CFG_N (sizeof(cfg_keys) / sizeof(cfg_keys[0]))

static char *cfg_values[CFG_N];

static int
cfg_index(const char *key)
{
	for (size_t i = 0; i < CFG_N; i++)
		if (strcmp(cfg_keys[i].key, key) == 0)
			return (int)i;
	return -1;
}

static int
is_number(const char *s)
{
	char *end;

	if (*s == '\0')
		return 0;
	errno = 0;
	(void)strtol(s, &end, 10);
	return errno == 0 && *end == '\0';
}

enum err
cfg_load(const char *path, const char **why)
{
	static char reason[512];
	char *next[CFG_N];
	HDF *hdf = NULL;
	NEOERR *nerr;
	size_t i;

	*why = NULL;
	if (path != NULL) {
		if ((nerr = hdf_init(&hdf)) != STATUS_OK) {
			nerr_ignore(&nerr);
			*why = "cannot allocate the configuration";
			return ERR_INTERNAL;
		}
		if ((nerr = hdf_read_file(hdf, path)) != STATUS_OK) {
			STRING s;

			string_init(&s);
			nerr_error_string(nerr, &s);
			snprintf(reason, sizeof(reason), "cannot read %s: %s", path, s.buf ? s.buf : "error");
			string_clear(&s);
			nerr_ignore(&nerr);
			hdf_destroy(&hdf);
			*why = reason;
			return ERR_INPUT;
		}
	}
	for (i = 0; i < CFG_N; i++) {
		const char *v = cfg_keys[i].def, *e;

		if (hdf != NULL)
			v = hdf_get_value(hdf, cfg_keys[i].key, v);
		if ((e = getenv(cfg_keys[i].env)) != NULL)
			v = e;
		if (cfg_keys[i].numeric && !is_number(v)) {
			snprintf(reason, sizeof(reason), "%s must be a whole number, not \"%.64s\"",
			    cfg_keys[i].key, v);
			while (i-- > 0)
				free(next[i]);
			hdf_destroy(&hdf);
			*why = reason;
			return ERR_INPUT;
		}
		next[i] = xstrdup(v);
	}
	if (hdf != NULL)
		hdf_destroy(&hdf);
	for (i = 0; i < CFG_N; i++) {
		free(cfg_values[i]);
		cfg_values[i] = next[i];
	}
	return ERR_OK;
}

const char *
cfg_str(const char *key)
{
	int i = cfg_index(key);

	if (i < 0)
		return NULL;
	return cfg_values[i] != NULL ? cfg_values[i] : cfg_keys[i].def;
}

long
cfg_int(const char *key)
{
	const char *v = cfg_str(key);
	int i = cfg_index(key);

	if (v == NULL || !is_number(v))
		v = i >= 0 ? cfg_keys[i].def : "0";
	return strtol(v, NULL, 10);
}

enum err
cfg_set(const char *key, const char *value)
{
	int i = cfg_index(key);

	if (i < 0)
		return ERR_INPUT;
	free(cfg_values[i]);
	cfg_values[i] = xstrdup(value);
	return ERR_OK;
}

void
cfg_help(FILE *f)
{
	for (size_t i = 0; i < CFG_N; i++)
		fprintf(f, "  %-26s %-24s default %-16s %s\n", cfg_keys[i].key, cfg_keys[i].env,
		    *cfg_keys[i].def ? cfg_keys[i].def : "(empty)", cfg_keys[i].help);
}
