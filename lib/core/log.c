/* log.c: JSON log lines, one write(2) each so lines from several processes never interleave. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "jsonesc.h"
#include "log.h"
#include "text.h"

static const char *log_program = "aiops";
static enum log_level log_min = LOG_INFO;
static const char *const level_names[LOG__MAX] = { "debug", "info", "warn", "error" };

void
log_init(const char *program, enum log_level min)
{
	log_program = program;
	log_min = min;
}

int
log_level_parse(const char *s)
{
	for (int i = 0; i < LOG__MAX; i++)
		if (strcmp(s, level_names[i]) == 0)
			return i;
	return -1;
}

bool
log_enabled(enum log_level level)
{
	return level >= log_min;
}

static void
log_begin(struct buf *b, enum log_level level, const char *rid, const char *msg)
{
	struct timeval tv;
	char ts[TEXT_RFC3339_MAX];

	gettimeofday(&tv, NULL);
	buf_printf(b, "{\"ts\":\"%s\",\"level\":\"%s\",\"prog\":",
	    text_rfc3339(ts, tv.tv_sec, (int)(tv.tv_usec / 1000)), level_names[level]);
	jsonesc_string(b, log_program);
	buf_printf(b, ",\"pid\":%d", (int)getpid());
	if (rid != NULL && *rid != '\0') {
		buf_adds(b, ",\"request_id\":");
		jsonesc_string(b, rid);
	}
	buf_adds(b, ",\"msg\":");
	jsonesc_string(b, msg);
}

static void
log_end(struct buf *b)
{
	buf_adds(b, "}\n");
	(void)!write(2, b->p, b->len);
	buf_free(b);
}

void
log_msg(enum log_level level, const char *rid, const char *fmt, ...)
{
	struct buf msg = { 0 }, line = { 0 };
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	log_begin(&line, level, rid, buf_cstr(&msg));
	buf_free(&msg);
	log_end(&line);
}

void
log_kv(enum log_level level, const char *rid, const char *msg, ...)
{
	struct buf line = { 0 };
	const char *k, *v;
	va_list ap;

	if (!log_enabled(level))
		return;
	log_begin(&line, level, rid, msg);
	va_start(ap, msg);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		buf_addc(&line, ',');
		if (*k == '#') {
			jsonesc_string(&line, k + 1);
			buf_addc(&line, ':');
			buf_adds(&line, v != NULL && *v != '\0' ? v : "null");
		} else {
			jsonesc_string(&line, k);
			buf_addc(&line, ':');
			if (v == NULL)
				buf_adds(&line, "null");
			else
				jsonesc_string(&line, v);
		}
	}
	va_end(ap);
	log_end(&line);
}
