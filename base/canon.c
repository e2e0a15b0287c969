#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/canon.h"

static void emit(struct abuf *b, json_t *v);

static void
emit_string(struct abuf *b, const char *s, size_t n)
{
	abuf_add(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': abuf_add(b, "\\\"", 2); break;
		case '\\': abuf_add(b, "\\\\", 2); break;
		case '\b': abuf_add(b, "\\b", 2); break;
		case '\f': abuf_add(b, "\\f", 2); break;
		case '\n': abuf_add(b, "\\n", 2); break;
		case '\r': abuf_add(b, "\\r", 2); break;
		case '\t': abuf_add(b, "\\t", 2); break;
		default:
			if (c < 0x20)
				abuf_printf(b, "\\u%04x", c);
			else
				abuf_add(b, &s[i], 1);
		}
	}
	abuf_add(b, "\"", 1);
}

/* The shortest digits that read back as d, written as Python's repr()
 * writes floats: fixed notation for exponents -4..15 (with ".0" on
 * integral values), else d.ddde+XX. */
static void
emit_real(struct abuf *b, double d)
{
	char e[40];
	for (int p = 0; p < 17; p++) {
		snprintf(e, sizeof e, "%.*e", p, d);
		if (strtod(e, NULL) == d)
			break;
	}
	char *m = e, digits[24];
	size_t n = 0;
	if (*m == '-') {
		abuf_add(b, "-", 1);
		m++;
	}
	for (; *m && *m != 'e'; m++)
		if (*m != '.')
			digits[n++] = *m;
	digits[n] = '\0';
	int x = atoi(m + 1);
	if (x >= -4 && x < 16) {
		if (x < 0) {
			abuf_puts(b, "0.");
			for (int i = -1; i > x; i--)
				abuf_add(b, "0", 1);
			abuf_puts(b, digits);
			return;
		}
		for (int i = 0; i <= x; i++)
			abuf_add(b, i < (int)n ? &digits[i] : "0", 1);
		abuf_add(b, ".", 1);
		abuf_puts(b, (int)n > x + 1 ? digits + x + 1 : "0");
		return;
	}
	abuf_add(b, digits, 1);
	if (n > 1) {
		abuf_add(b, ".", 1);
		abuf_puts(b, digits + 1);
	}
	abuf_printf(b, "e%c%02d", x < 0 ? '-' : '+', x < 0 ? -x : x);
}

static int
by_key(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static void
emit_object(struct abuf *b, json_t *v)
{
	size_t n = json_object_size(v), i = 0;
	const char **keys = arena_alloc(b->arena, (n + 1) * sizeof *keys);
	const char *k;
	json_t *item;
	json_object_foreach(v, k, item) keys[i++] = k;
	qsort(keys, n, sizeof *keys, by_key);
	abuf_add(b, "{", 1);
	for (i = 0; i < n; i++) {
		if (i)
			abuf_add(b, ",", 1);
		emit_string(b, keys[i], strlen(keys[i]));
		abuf_add(b, ":", 1);
		emit(b, json_object_get(v, keys[i]));
	}
	abuf_add(b, "}", 1);
}

static void
emit(struct abuf *b, json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		emit_object(b, v);
		break;
	case JSON_ARRAY:
		abuf_add(b, "[", 1);
		for (size_t i = 0; i < json_array_size(v); i++) {
			if (i)
				abuf_add(b, ",", 1);
			emit(b, json_array_get(v, i));
		}
		abuf_add(b, "]", 1);
		break;
	case JSON_STRING:
		emit_string(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		abuf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		emit_real(b, json_real_value(v));
		break;
	case JSON_TRUE: abuf_puts(b, "true"); break;
	case JSON_FALSE: abuf_puts(b, "false"); break;
	case JSON_NULL: abuf_puts(b, "null"); break;
	}
}

char *
canon_json(struct arena *a, json_t *v)
{
	struct abuf b;
	abuf_init(&b, a);
	emit(&b, v);
	return b.data;
}
