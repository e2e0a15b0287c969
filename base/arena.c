#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/arena.h"

#define ARENA_BLOCK 8192

struct block {
	struct block *next;
	size_t used, size;
	_Alignas(16) unsigned char data[];
};

struct deferred {
	struct deferred *next;
	void (*fn)(void *);
	void *p;
};

struct arena {
	struct block *head;
	struct deferred *deferred;
	size_t used;
};

static void *
xmalloc(size_t n)
{
	void *p = malloc(n);
	if (!p) {
		fputs("{\"level\":\"fatal\",\"msg\":\"out of memory\"}\n", stderr);
		abort();
	}
	return p;
}

struct arena *
arena_create(void)
{
	struct arena *a = xmalloc(sizeof *a);
	a->head = NULL;
	a->deferred = NULL;
	a->used = 0;
	return a;
}

void
arena_destroy(struct arena *a)
{
	if (!a)
		return;
	for (struct deferred *d = a->deferred; d; d = d->next)
		d->fn(d->p);
	struct block *b = a->head;
	while (b) {
		struct block *next = b->next;
		free(b);
		b = next;
	}
	free(a);
}

void *
arena_alloc(struct arena *a, size_t size)
{
	size = (size + 15) & ~(size_t)15;
	if (size == 0)
		size = 16;
	struct block *b = a->head;
	if (!b || b->size - b->used < size) {
		size_t cap = size > ARENA_BLOCK / 2 ? size : ARENA_BLOCK;
		b = xmalloc(sizeof *b + cap);
		b->size = cap;
		b->used = 0;
		/* A large one-off block goes behind the current one so the
		 * current block's free space stays usable. */
		if (cap != ARENA_BLOCK && a->head) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
	}
	void *p = b->data + b->used;
	b->used += size;
	a->used += size;
	memset(p, 0, size);
	return p;
}

void *
arena_memdup(struct arena *a, const void *p, size_t n)
{
	char *q = arena_alloc(a, n + 1);
	if (n)
		memcpy(q, p, n);
	return q;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	return arena_memdup(a, s, n);
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return s ? arena_memdup(a, s, strlen(s)) : NULL;
}

/* Formats once into a stack buffer, and a second time only when the text
 * is longer: the measuring pass had been half the cost of every key and
 * header loopd formats. */
char *
arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
	char small[256];
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(small, sizeof small, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		n = 0;
	if ((size_t)n < sizeof small)
		return arena_memdup(a, small, (size_t)n);
	char *s = arena_alloc(a, (size_t)n + 1);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return s;
}

void
arena_defer(struct arena *a, void (*fn)(void *), void *p)
{
	struct deferred *d = arena_alloc(a, sizeof *d);
	d->fn = fn;
	d->p = p;
	d->next = a->deferred;
	a->deferred = d;
}

size_t
arena_used(const struct arena *a)
{
	return a->used;
}

void
abuf_init(struct abuf *b, struct arena *a)
{
	b->arena = a;
	b->cap = 256;
	b->len = 0;
	b->data = arena_alloc(a, b->cap);
}

void
abuf_add(struct abuf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap * 2;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *d = arena_alloc(b->arena, cap);
		memcpy(d, b->data, b->len);
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
abuf_puts(struct abuf *b, const char *s)
{
	abuf_add(b, s, strlen(s));
}

void
abuf_printf(struct abuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = arena_vprintf(b->arena, fmt, ap);
	va_end(ap);
	abuf_puts(b, s);
}
