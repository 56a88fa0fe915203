/* err.c: names of the error enum for logs. */
#include "config.h"

#include "err.h"

static const char *const err_names[ERR__MAX] = {
	[ERR_OK] = "ok",
	[ERR_INPUT] = "input",
	[ERR_NOTFOUND] = "notfound",
	[ERR_CONFLICT] = "conflict",
	[ERR_TOOBIG] = "toobig",
	[ERR_DB] = "db",
	[ERR_REDIS] = "redis",
	[ERR_UPSTREAM] = "upstream",
	[ERR_TEMPLATE] = "template",
	[ERR_IO] = "io",
	[ERR_INTERNAL] = "internal",
};

const char *
err_name(enum err e)
{
	return e >= 0 && e < ERR__MAX ? err_names[e] : "unknown";
}
