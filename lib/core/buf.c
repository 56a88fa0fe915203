/* buf.c: a growable byte buffer on the heap. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"

static void
buf_grow(struct buf *b, size_t more)
{
	size_t want = b->len + more + 1;

	if (want < b->len)
		die_oom();
	if (want <= b->cap)
		return;
	if (b->cap == 0)
		b->cap = 256;
	while (b->cap < want)
		b->cap *= 2;
	b->p = xrealloc(b->p, b->cap);
}

void
buf_add(struct buf *b, const void *s, size_t n)
{
	memcpy(buf_extend(b, n), s, n);
}

char *
buf_extend(struct buf *b, size_t n)
{
	char *at;

	/* cap - len cannot overflow, n + 1 could: room for n bytes and the NUL without a call. */
	if (n >= b->cap - b->len)
		buf_grow(b, n);
	at = b->p + b->len;
	b->len += n;
	b->p[b->len] = '\0';
	return at;
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_addc(struct buf *b, char c)
{
	*buf_extend(b, 1) = c;
}

void
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n <= 0)
		return;
	buf_grow(b, (size_t)n);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

const char *
buf_cstr(const struct buf *b)
{
	return b->p != NULL ? b->p : "";
}

void
buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

static void
buf_cleanup(void *arg)
{
	buf_free(arg);
}

struct buf *
buf_new(struct arena *a)
{
	struct buf *b = arena_zalloc(a, sizeof(*b));

	arena_cleanup(a, buf_cleanup, b);
	return b;
}
