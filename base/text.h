#ifndef BASE_TEXT_H
#define BASE_TEXT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "base/arena.h"

/* True when s is a canonical textual UUID (8-4-4-4-12 hex digits). */
bool text_is_uuid(const char *s);

/* True when the n bytes at s form a key: ^[a-z][a-z0-9_]{1,63}$ (rubric
 * keys, round kinds, template names). */
bool text_is_key(const char *s, size_t n);

/* True when s is a plausible email address (one @, non-empty local part and
 * a dotted domain, no spaces or control characters, at most 254 bytes). */
bool text_is_email(const char *s);

/* Parses an RFC 3339 date-time ("2026-11-22T09:30:00+05:30", fraction
 * optional, digits past the sixth truncated) into microseconds since the
 * epoch, UTC. False if invalid or outside the years 1-9999 in UTC. */
bool text_parse_rfc3339(const char *s, int64_t *out_us);

/* Formats microseconds since the epoch as "YYYY-MM-DDTHH:MM:SS.ffffffZ"
 * (fraction dropped when zero), allocated in a. */
char *text_format_rfc3339(struct arena *a, int64_t us);

/* True when every byte of s is printable ASCII (0x21-0x7e) and 1..max long. */
bool text_is_visible_ascii(const char *s, size_t max);

/* True when the n bytes at p are valid UTF-8 (no overlongs, no surrogates). */
bool text_is_utf8(const char *p, size_t n);

/* s with every invalid UTF-8 byte replaced by U+FFFD, in a (s itself
 * when it is valid). */
const char *text_utf8_clean(struct arena *a, const char *s);

/* Appends s to b as the body of a JSON string: quotes, backslashes and every
 * control character escaped, invalid UTF-8 bytes replaced by \ufffd. */
void text_json_escape(struct abuf *b, const char *s);

/* s percent-encoded for a URL query value (RFC 3986 unreserved kept), in a. */
char *text_url_encode(struct arena *a, const char *s);

/* Number of code points in a UTF-8 string. */
size_t text_utf8_length(const char *s);

/* Monotonic clock in microseconds. */
int64_t text_now_monotonic_us(void);
/* Wall clock in microseconds since the epoch. */
int64_t text_now_us(void);

/* The deepest nesting of arrays and objects in the n bytes of JSON text at
 * s, counted outside strings, without parsing (0 for a scalar); cheap
 * enough to refuse a deep document before a parser recurses into it. */
int text_json_depth(const char *s, size_t n);

#endif
