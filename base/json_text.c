/* Compact JSON text (base/json_text.h). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/json_text.h"

#define REAL_FLAGS (JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15))

struct out {
	char *data;
	size_t len, cap;
	bool failed;
};

/* Room for n more bytes; false (and failed) when memory ran out. */
static bool
reserve(struct out *o, size_t n)
{
	if (o->failed)
		return false;
	if (o->len + n < o->cap)
		return true;
	size_t cap = o->cap ? o->cap : 1024;
	while (cap <= o->len + n)
		cap *= 2;
	char *p = realloc(o->data, cap);
	if (!p) {
		o->failed = true;
		return false;
	}
	o->data = p;
	o->cap = cap;
	return true;
}

static void
put(struct out *o, const char *s, size_t n)
{
	if (reserve(o, n)) {
		memcpy(o->data + o->len, s, n);
		o->len += n;
	}
}

static void
put_char(struct out *o, char c)
{
	if (reserve(o, 1))
		o->data[o->len++] = c;
}

/* Bytes of the well-formed UTF-8 sequence at s (at most n bytes), or 0:
 * no overlong form, no surrogate, nothing past U+10FFFF, as jansson checks. */
static size_t
utf8_sequence(const unsigned char *s, size_t n)
{
	size_t len = s[0] < 0xC2 ? 0 : s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : s[0] < 0xF5 ? 4 : 0;
	if (len == 0 || len > n)
		return 0;
	uint32_t cp = s[0] & (0x7F >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		return 0;
	return len;
}

/* The escape of a character that must be escaped: \\, \", or a control. */
static void
put_escape(struct out *o, unsigned char c)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *named = c == '\\' ? "\\\\" : c == '"' ? "\\\"" : c == '\b' ? "\\b"
			  : c == '\f' ? "\\f" : c == '\n' ? "\\n" : c == '\r' ? "\\r"
			  : c == '\t' ? "\\t" : NULL;
	if (named) {
		put(o, named, 2);
		return;
	}
	char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
	put(o, u, sizeof u);
}

static void
put_string(struct out *o, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	put_char(o, '"');
	size_t run = 0;	/* start of the bytes copied as they are */
	for (size_t i = 0; i < n && !o->failed;) {
		unsigned char c = s[i];
		if (c >= 0x80) {
			size_t len = utf8_sequence(s + i, n - i);
			if (!len) {
				o->failed = true;
				return;
			}
			i += len;
		} else if (c < 0x20 || c == '"' || c == '\\') {
			put(o, str + run, i - run);
			put_escape(o, c);
			run = ++i;
		} else {
			i++;
		}
	}
	put(o, str + run, n - run);
	put_char(o, '"');
}

/* A real as jansson formats it (its precision rules and exponent form). */
static void
put_real(struct out *o, const json_t *v)
{
	char buf[64];
	size_t n = json_dumpb(v, buf, sizeof buf, REAL_FLAGS);
	if (n == 0 || n > sizeof buf)
		o->failed = true;
	else
		put(o, buf, n);
}

static void put_value(struct out *o, const json_t *v);

static void
put_array(struct out *o, const json_t *v)
{
	put_char(o, '[');
	for (size_t i = 0; i < json_array_size(v); i++) {
		if (i)
			put_char(o, ',');
		put_value(o, json_array_get(v, i));
	}
	put_char(o, ']');
}

static void
put_object(struct out *o, const json_t *v)
{
	put_char(o, '{');
	bool first = true;
	for (void *it = json_object_iter((json_t *)v); it;
	     it = json_object_iter_next((json_t *)v, it), first = false) {
		if (!first)
			put_char(o, ',');
		put_string(o, json_object_iter_key(it), json_object_iter_key_len(it));
		put_char(o, ':');
		put_value(o, json_object_iter_value(it));
	}
	put_char(o, '}');
}

static void
put_value(struct out *o, const json_t *v)
{
	char num[32];
	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_OBJECT:
		put_object(o, v);
		break;
	case JSON_ARRAY:
		put_array(o, v);
		break;
	case JSON_STRING:
		put_string(o, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		put(o, num, (size_t)snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT,
					     json_integer_value(v)));
		break;
	case JSON_REAL:
		put_real(o, v);
		break;
	case JSON_TRUE:
		put(o, "true", 4);
		break;
	case JSON_FALSE:
		put(o, "false", 5);
		break;
	case JSON_NULL:
		if (v)
			put(o, "null", 4);
		else
			o->failed = true;	/* as jansson: no value is no text */
		break;
	}
}

char *
json_text(const json_t *v, size_t *len)
{
	struct out o = {0};
	put_value(&o, v);
	if (!o.failed && reserve(&o, 1))
		o.data[o.len] = '\0';
	if (o.failed) {
		free(o.data);
		return NULL;
	}
	*len = o.len;
	return o.data;
}
