/* buf.h: a growable byte buffer for output that is built piece by piece. */
#ifndef AIOPS_BUF_H
#define AIOPS_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct arena;

struct buf {
	char *p; /* always NUL-terminated once anything was added; NULL when empty */
	size_t len, cap;
};

/* buf_add appends n bytes of s. The buffer's memory is the caller's: free it with buf_free. */
void buf_add(struct buf *b, const void *s, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);

/* buf_extend makes the buffer n bytes longer and returns where those n bytes go, for the caller
 * to fill at once (owned by the buffer, valid until the next call that adds to it). */
char *buf_extend(struct buf *b, size_t n);

/* buf_cstr returns the contents as a C string ("" when empty); owned by the buffer. */
const char *buf_cstr(const struct buf *b);

/* buf_free releases the memory and leaves an empty buffer. */
void buf_free(struct buf *b);

/* buf_new returns an empty buffer that lives in arena a; its contents are released when a is
 * freed or reset. */
struct buf *buf_new(struct arena *a);

#endif
