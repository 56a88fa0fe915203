/* text.h: small validators of text that comes from outside. */
#ifndef AIOPS_TEXT_H
#define AIOPS_TEXT_H

#include <stdbool.h>

/* text_uuid_ok accepts the canonical 8-4-4-4-12 hex form, so a bad id is a 404, not a SQL error. */
bool text_uuid_ok(const char *s);

#endif
