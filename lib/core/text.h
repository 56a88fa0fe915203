/* text.h: small validators of text that comes from outside. */
#ifndef AIOPS_TEXT_H
#define AIOPS_TEXT_H

#include <stdbool.h>
#include <time.h>

/* text_uuid_ok accepts the canonical 8-4-4-4-12 hex form, so a bad id is a 404, not a SQL error. */
bool text_uuid_ok(const char *s);

/* TEXT_RFC3339_MAX is room enough for what text_rfc3339 writes, with its NUL. */
#define TEXT_RFC3339_MAX 80

/* text_rfc3339 writes the UTC time sec as RFC 3339 into out (TEXT_RFC3339_MAX bytes):
 * "2026-05-14T08:52:07Z", or with ms >= 0 its milliseconds too, "2026-05-14T08:52:07.318Z".
 * Returns out. */
char *text_rfc3339(char *out, time_t sec, int ms);

/* text_rfc3339_ok accepts an RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS, an optional fraction of up
 * to nine digits, and Z or an offset +HH:MM / -HH:MM ('t' and 'z' in either case). The fields are
 * range-checked (month 1-12, day 1-31, hour 0-23, minute 0-59, second 0-60). */
bool text_rfc3339_ok(const char *s);

#endif
