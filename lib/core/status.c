/* status.c: the one table of HTTP statuses, shared by aiops-fcgi and aiops-sse. */
#include "config.h"

#include <stddef.h>

#include "status.h"

static const struct {
	int status;
	const char *text; /* the reason phrase (RFC 9110 §15) */
	const char *code; /* the error code of the API's error shape; NULL below 400 */
} statuses[] = {
	{ 200, "OK", NULL },
	{ 201, "Created", NULL },
	{ 204, "No Content", NULL },
	{ 303, "See Other", NULL },
	{ 304, "Not Modified", NULL },
	{ 400, "Bad Request", "bad_request" },
	{ 401, "Unauthorized", "unauthorized" },
	{ 403, "Forbidden", "forbidden" },
	{ 404, "Not Found", "not_found" },
	{ 405, "Method Not Allowed", "method_not_allowed" },
	{ 409, "Conflict", "conflict" },
	{ 413, "Payload Too Large", "payload_too_large" },
	{ 415, "Unsupported Media Type", "unsupported_media_type" },
	{ 422, "Unprocessable Content", "invalid" },
	{ 426, "Upgrade Required", "upgrade_required" },
	{ 429, "Too Many Requests", "too_many_requests" },
	{ 431, "Request Header Fields Too Large", "headers_too_large" },
	{ 500, "Internal Server Error", "internal" },
	{ 502, "Bad Gateway", "upstream_failed" },
	{ 503, "Service Unavailable", "unavailable" },
	{ 505, "HTTP Version Not Supported", "http_version" },
};

/* find returns the index of status in statuses, or -1. */
static int
find(int status)
{
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (statuses[i].status == status)
			return (int)i;
	return -1;
}

const char *
status_text(int status)
{
	int i = find(status);

	return i >= 0 ? statuses[i].text : "Unknown";
}

const char *
status_code_name(int status)
{
	int i = find(status);

	return i >= 0 && statuses[i].code != NULL ? statuses[i].code : "internal";
}
