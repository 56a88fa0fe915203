/* log.h: one JSON object per line on stderr: time, level, program, pid, request id, message. */
#ifndef AIOPS_LOG_H
#define AIOPS_LOG_H

#include <stdbool.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG__MAX };

/* log_init names the program in every line and sets the lowest level written. */
void log_init(const char *program, enum log_level min);

/* log_level_parse maps "debug".."error" to a level; returns -1 for anything else. */
int log_level_parse(const char *s);

/* log_enabled says whether lines at level would be written; check it before costly formatting. */
bool log_enabled(enum log_level level);

/* log_msg writes a line whose message is formatted like printf. rid may be NULL. Bytes from
 * outside may be passed: every string is JSON-escaped, so no line can be forged. */
void log_msg(enum log_level level, const char *rid, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* log_kv writes a line with extra fields given as key, value pairs ending with a NULL key. A key
 * starting with '#' writes its value unquoted (the caller's own number) under the rest of the key. */
void log_kv(enum log_level level, const char *rid, const char *msg, ...);

#define log_debug(...) \
	do { \
		if (log_enabled(LOG_DEBUG)) \
			log_msg(LOG_DEBUG, __VA_ARGS__); \
	} while (0)
#define log_info(...) \
	do { \
		if (log_enabled(LOG_INFO)) \
			log_msg(LOG_INFO, __VA_ARGS__); \
	} while (0)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
