/* arena.h: a region allocator: one per request, everything in it freed at once. */
#ifndef AIOPS_ARENA_H
#define AIOPS_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena;

/* arena_new makes an empty arena; caller frees with arena_free. Aborts when out of memory. */
struct arena *arena_new(void);

/* arena_free runs the cleanups in reverse order of registration, then releases every block. */
void arena_free(struct arena *a);

/* arena_reset is arena_free followed by arena_new, keeping the first block for reuse. */
void arena_reset(struct arena *a);

/* arena_alloc returns n bytes aligned for any type, uninitialised; arena memory. */
void *arena_alloc(struct arena *a, size_t n);

/* arena_zalloc is arena_alloc with the bytes zeroed. */
void *arena_zalloc(struct arena *a, size_t n);

/* arena_strdup copies s (NULL gives NULL); arena memory. */
char *arena_strdup(struct arena *a, const char *s);

/* arena_strndup copies at most n bytes of s and terminates the copy; arena memory. */
char *arena_strndup(struct arena *a, const char *s, size_t n);

/* arena_printf formats like printf; arena memory. */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap);

/* arena_cleanup registers fn(arg) to run when the arena is freed or reset. */
void arena_cleanup(struct arena *a, void (*fn)(void *), void *arg);

/* arena_used returns the bytes handed out since the arena was made or reset (for tests, limits). */
size_t arena_used(const struct arena *a);

/* die_oom logs one line and aborts; the one reaction to an allocation failure. */
void die_oom(void) __attribute__((noreturn));

/* xmalloc, xcalloc, xrealloc and xstrdup are the libc calls that abort on failure; caller frees. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

#endif
