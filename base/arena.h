#ifndef BASE_ARENA_H
#define BASE_ARENA_H
#include <stdarg.h>
#include <stddef.h>

/*
 * A region of memory with one lifetime: everything allocated from it is
 * released by one arena_destroy(). Allocation cannot fail: on exhaustion
 * the process aborts, so callers never test for NULL.
 */
struct arena;

struct arena *arena_create(void);
void arena_destroy(struct arena *a);

void *arena_alloc(struct arena *a, size_t size);	/* zeroed, 16-byte aligned */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
void *arena_memdup(struct arena *a, const void *p, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Runs fn(p) when the arena is destroyed, newest first (for json_t, PGresult, ...). */
void arena_defer(struct arena *a, void (*fn)(void *), void *p);

/* Bytes handed out so far (for metrics and tests). */
size_t arena_used(const struct arena *a);

/* A growable byte buffer living in an arena. */
struct abuf {
	struct arena *arena;
	char *data;		/* always NUL-terminated */
	size_t len, cap;
};
void abuf_init(struct abuf *b, struct arena *a);
void abuf_add(struct abuf *b, const void *p, size_t n);
void abuf_puts(struct abuf *b, const char *s);
void abuf_printf(struct abuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
