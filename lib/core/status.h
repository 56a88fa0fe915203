/* status.h: the HTTP statuses our programs answer with: each one's reason phrase and the "code"
 * of the API's error shape {"error":{"code","message","request_id"}}, in one table. */
#ifndef AIOPS_STATUS_H
#define AIOPS_STATUS_H

/* status_text returns the reason phrase of status ("Not Found"), or "Unknown" for a status not in
 * the table. Static text. */
const char *status_text(int status);

/* status_code_name returns the error code of a status of 400 or more ("not_found"), the same word
 * in every program; "internal" for one not in the table (and for statuses below 400, which are no
 * errors). Static text. */
const char *status_code_name(int status);

#endif
