/* fake_prom.h: the parts of fake-prom (a fake Prometheus HTTP API for tests and benchmarks,
 * README.md): what the path prefixes ask for, and what the API file offers the server file. */
#ifndef AIOPS_FAKE_PROM_H
#define AIOPS_FAKE_PROM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/time.h>

#include <event2/http.h>

#include "fake_kube.h" /* NAME_MAX_LEN and the helpers of fake_util.c */

#define PROM_DELAY_MAX_MS 600000
#define PROM_SERIES_MAX 10000
#define PROM_HUGE_SERIES 60000 /* with the long instance label: above 8 MiB on every series answer */
#define PROM_HUGE_PAD 150
#define PROM_POINTS_MAX 11000 /* Prometheus's own limit of points per series */

/* What the path prefixes of one request asked for (README.md, "Path prefixes"). */
struct prom_mode {
	int delay_ms; /* 0: answer at once */
	int status; /* 0: none; else answer this HTTP status with a text body */
	char error_type[NAME_MAX_LEN + 1]; /* "": none; else a Prometheus error of this type */
	bool garbage; /* 200 with a body that is not JSON */
	bool truncated; /* the JSON answer cut in the middle, HTTP framing intact */
	bool cut; /* the full Content-Length announced, the connection closed half way */
	bool huge; /* PROM_HUGE_SERIES series with long instance labels */
	bool warn; /* a Prometheus warning in every successful answer */
	bool scalar; /* query answers a scalar instead of a vector */
	char cluster[NAME_MAX_LEN + 1]; /* whose values: /c/NAME, else --cluster */
};

/* prom_error_status returns the HTTP status Prometheus answers with an error of type t
 * (web/api/v1/api.go), or 0 when t is not one of its error types. */
int prom_error_status(const char *t);

/* prom_answer answers req, whose delay (if any) has passed, as m says: status, then Prometheus
 * error, then garbage, then the API at path rest ("/api/v1/..."), its answer truncated or cut if
 * asked. nseries is the number of series of a normal (not huge) answer. libevent owns req
 * afterwards. */
void prom_answer(struct evhttp_request *req, const struct timeval *start, const struct prom_mode *m,
    const char *rest, int nseries);

/* prom_seed returns the base value of the series of cluster name: FNV-1a (32 bits) of name, modulo 1000. */
unsigned prom_seed(const char *name);

#endif
