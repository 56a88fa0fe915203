/* err.h: the one error enum every library function returns; only handlers map it to HTTP. */
#ifndef AIOPS_ERR_H
#define AIOPS_ERR_H

enum err {
	ERR_OK = 0,
	ERR_INPUT, /* the caller's input is malformed or fails validation */
	ERR_NOTFOUND, /* the thing asked for does not exist */
	ERR_CONFLICT, /* a unique constraint or a state conflict */
	ERR_TOOBIG, /* input exceeds a size or depth limit */
	ERR_DB, /* PostgreSQL is unreachable or failed */
	ERR_REDIS, /* Redis is unreachable or failed */
	ERR_UPSTREAM, /* a remote HTTP service failed */
	ERR_TEMPLATE, /* a template failed to parse or render */
	ERR_IO, /* a local file or socket failed */
	ERR_INTERNAL, /* a broken invariant or an unexpected library failure */
	ERR__MAX
};

/* err_name returns a static lower-case name for e, for logs. */
const char *err_name(enum err e);

#endif
