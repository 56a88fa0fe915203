/* rds.c: the only file that speaks hiredis; every failure becomes ERR_REDIS and a reconnect. */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "arena.h"
#include "log.h"
#include "rds.h"

struct rds {
	char *host, *socket;
	int port, timeout_ms;
	redisContext *ctx;
	char error[256];
};

struct rds *
rds_open(const char *host, int port, const char *socket, int timeout_ms)
{
	struct rds *r = xcalloc(1, sizeof(*r));

	r->host = xstrdup(host != NULL ? host : "127.0.0.1");
	r->socket = xstrdup(socket != NULL ? socket : "");
	r->port = port;
	r->timeout_ms = timeout_ms > 0 ? timeout_ms : 500;
	return r;
}

void
rds_close(struct rds *r)
{
	if (r == NULL)
		return;
	if (r->ctx != NULL)
		redisFree(r->ctx);
	free(r->host);
	free(r->socket);
	free(r);
}

static void
rds_drop(struct rds *r, const char *what)
{
	snprintf(r->error, sizeof(r->error), "%s: %s", what,
	    r->ctx != NULL && r->ctx->errstr[0] ? r->ctx->errstr : "no connection");
	if (r->ctx != NULL)
		redisFree(r->ctx);
	r->ctx = NULL;
}

static enum err
rds_connect(struct rds *r)
{
	struct timeval tv = { r->timeout_ms / 1000, (r->timeout_ms % 1000) * 1000 };

	if (r->ctx != NULL)
		return ERR_OK;
	if (r->socket[0] != '\0')
		r->ctx = redisConnectUnixWithTimeout(r->socket, tv);
	else
		r->ctx = redisConnectWithTimeout(r->host, r->port, tv);
	if (r->ctx == NULL)
		die_oom();
	if (r->ctx->err) {
		rds_drop(r, "connect");
		return ERR_REDIS;
	}
	redisSetTimeout(r->ctx, tv);
	return ERR_OK;
}

/* rds_command runs one command; the caller frees the reply with freeReplyObject. A connection
 * that failed is dropped and, once, made anew: after a restart the first command still works. */
static enum err
rds_command(struct rds *r, redisReply **out, const char *fmt, ...)
{
	redisReply *reply = NULL;
	va_list ap;

	for (int attempt = 0; attempt < 2; attempt++) {
		bool fresh = r->ctx == NULL;

		if (rds_connect(r) != ERR_OK)
			return ERR_REDIS;
		va_start(ap, fmt);
		reply = redisvCommand(r->ctx, fmt, ap);
		va_end(ap);
		if (reply != NULL)
			break;
		rds_drop(r, "command");
		if (fresh)
			return ERR_REDIS;
	}
	if (reply == NULL)
		return ERR_REDIS;
	if (reply->type == REDIS_REPLY_ERROR) {
		snprintf(r->error, sizeof(r->error), "reply: %s", reply->str);
		freeReplyObject(reply);
		return ERR_REDIS;
	}
	*out = reply;
	return ERR_OK;
}

/* xadd_argv writes the arguments of one XADD (trimming stream to about max entries) of the n
 * field/value pairs into argv and lens (room for 6 + 2n); returns their count. */
static int
xadd_argv(const char *stream, const char *max, int n, const char *const *fields, const char *const *values,
    const char **argv, size_t *lens)
{
	int argc = 0;

	argv[argc++] = "XADD";
	argv[argc++] = stream;
	argv[argc++] = "MAXLEN";
	argv[argc++] = "~";
	argv[argc++] = max;
	argv[argc++] = "*";
	for (int i = 0; i < n; i++) {
		argv[argc++] = fields[i];
		argv[argc++] = values[i];
	}
	for (int i = 0; i < argc; i++)
		lens[i] = strlen(argv[i]);
	return argc;
}

enum err
rds_xadd(struct rds *r, struct arena *a, const char *stream, long maxlen, int n, const char *const *fields,
    const char *const *values, char **id)
{
	const char **argv = arena_alloc(a, sizeof(*argv) * (size_t)(6 + 2 * n));
	size_t *lens = arena_alloc(a, sizeof(*lens) * (size_t)(6 + 2 * n));
	redisReply *reply = NULL;
	int argc = xadd_argv(stream, arena_printf(a, "%ld", maxlen), n, fields, values, argv, lens);
	for (int attempt = 0; attempt < 2; attempt++) {
		bool fresh = r->ctx == NULL;

		if (rds_connect(r) != ERR_OK)
			return ERR_REDIS;
		reply = redisCommandArgv(r->ctx, argc, argv, lens);
		if (reply != NULL)
			break;
		rds_drop(r, "XADD");
		if (fresh)
			return ERR_REDIS;
	}
	if (reply == NULL)
		return ERR_REDIS;
	if (reply->type != REDIS_REPLY_STRING) {
		snprintf(r->error, sizeof(r->error), "XADD: %s",
		    reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply");
		freeReplyObject(reply);
		return ERR_REDIS;
	}
	if (id != NULL)
		*id = arena_strndup(a, reply->str, reply->len);
	freeReplyObject(reply);
	return ERR_OK;
}

enum err
rds_xadd_many(struct rds *r, struct arena *a, const char *stream, long maxlen, int n,
    const char *const *fields, int m, const char *const *values, int *added)
{
	const char **argv = arena_alloc(a, sizeof(*argv) * (size_t)(6 + 2 * n));
	size_t *lens = arena_alloc(a, sizeof(*lens) * (size_t)(6 + 2 * n));
	const char *max = arena_printf(a, "%ld", maxlen);
	enum err e = ERR_OK;
	int argc;

	*added = 0;
	if (m == 0)
		return ERR_OK;
	if (rds_connect(r) != ERR_OK)
		return ERR_REDIS;
	for (int j = 0; j < m; j++) {
		argc = xadd_argv(stream, max, n, fields, values + j * n, argv, lens);
		if (redisAppendCommandArgv(r->ctx, argc, argv, lens) != REDIS_OK) {
			rds_drop(r, "XADD");
			return ERR_REDIS;
		}
	}
	for (int j = 0; j < m; j++) {
		redisReply *reply = NULL;

		if (redisGetReply(r->ctx, (void **)&reply) != REDIS_OK || reply == NULL) {
			rds_drop(r, "XADD");
			return ERR_REDIS;
		}
		if (reply->type == REDIS_REPLY_STRING)
			(*added)++;
		else {
			snprintf(r->error, sizeof(r->error), "XADD: %s",
			    reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply");
			e = ERR_REDIS;
		}
		freeReplyObject(reply);
	}
	return e;
}

enum err
rds_ping(struct rds *r)
{
	redisReply *reply;
	enum err e;

	if ((e = rds_command(r, &reply, "PING")) != ERR_OK)
		return e;
	e = reply->type == REDIS_REPLY_STATUS && strcmp(reply->str, "PONG") == 0 ? ERR_OK : ERR_REDIS;
	freeReplyObject(reply);
	return e;
}

enum err
rds_get(struct rds *r, struct arena *a, const char *key, char **out)
{
	redisReply *reply;
	enum err e;

	*out = NULL;
	if ((e = rds_command(r, &reply, "GET %s", key)) != ERR_OK)
		return e;
	if (reply->type == REDIS_REPLY_STRING)
		*out = arena_strndup(a, reply->str, reply->len);
	freeReplyObject(reply);
	return ERR_OK;
}

enum err
rds_incr(struct rds *r, const char *key, long long *out)
{
	redisReply *reply;
	enum err e;

	if ((e = rds_command(r, &reply, "INCR %s", key)) != ERR_OK)
		return e;
	if (out != NULL)
		*out = reply->type == REDIS_REPLY_INTEGER ? reply->integer : 0;
	freeReplyObject(reply);
	return ERR_OK;
}

enum err
rds_setex(struct rds *r, const char *key, const char *value, int seconds)
{
	redisReply *reply;
	enum err e;

	if (seconds > 0)
		e = rds_command(r, &reply, "SET %s %s EX %d", key, value, seconds);
	else
		e = rds_command(r, &reply, "SET %s %s", key, value);
	if (e == ERR_OK)
		freeReplyObject(reply);
	return e;
}

enum err
rds_setnx(struct rds *r, const char *key, const char *value)
{
	redisReply *reply;
	enum err e;

	if ((e = rds_command(r, &reply, "SET %s %s NX", key, value)) == ERR_OK)
		freeReplyObject(reply);
	return e;
}

enum err
rds_del(struct rds *r, const char *key)
{
	redisReply *reply;
	enum err e;

	if ((e = rds_command(r, &reply, "DEL %s", key)) == ERR_OK)
		freeReplyObject(reply);
	return e;
}

const char *
rds_error(const struct rds *r)
{
	return r->error;
}
